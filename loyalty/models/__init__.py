from .accounts import AccountStatus, ExpiryPolicy, PointsAccount, PointsAccountType
from .jobs import JobName, JobRun, JobStatus
from .ledger import EntryKind, LedgerEntry, LotAllocation, LotState, PointsLot
from .levels import (
    POINTS_METRICS,
    WINDOW_METRICS,
    Benefit,
    BenefitKind,
    DowngradePolicy,
    Level,
    LevelChange,
    LevelChangeKind,
    LevelMetric,
    LevelScheme,
    MemberLevel,
    ReviewPeriod,
)
from .roles import MemberRole, RoleStatus, RoleType
from .rules import EarnBasis, EarnRule, EarnTrigger

__all__ = [
    "POINTS_METRICS", "WINDOW_METRICS", "Benefit", "BenefitKind", "DowngradePolicy", "Level", "LevelChange",
    "LevelChangeKind", "LevelMetric", "LevelScheme", "MemberLevel", "ReviewPeriod",
    "AccountStatus", "EarnBasis", "EarnRule", "EarnTrigger", "EntryKind", "ExpiryPolicy", "JobName", "JobRun",
    "JobStatus", "LedgerEntry", "LotAllocation", "LotState", "MemberRole", "PointsAccount", "PointsAccountType",
    "PointsLot", "RoleStatus", "RoleType",
]
