from .accounts import AccountStatus, ExpiryPolicy, PointsAccount, PointsAccountType
from .jobs import JobName, JobRun, JobStatus
from .ledger import EntryKind, LedgerEntry, LotAllocation, LotState, PointsLot
from .roles import MemberRole, RoleStatus, RoleType
from .rules import EarnBasis, EarnRule, EarnTrigger

__all__ = [
    "AccountStatus", "EarnBasis", "EarnRule", "EarnTrigger", "EntryKind", "ExpiryPolicy", "JobName", "JobRun",
    "JobStatus", "LedgerEntry", "LotAllocation", "LotState", "MemberRole", "PointsAccount", "PointsAccountType",
    "PointsLot", "RoleStatus", "RoleType",
]
