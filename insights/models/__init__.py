from .dashboards import (
    LevelSnapshot,
    MemberSnapshot,
    NewMembersDay,
    PointsDay,
    PointsSnapshot,
    SalesDay,
    TierMoveSnapshot,
    TierSnapshot,
)
from .metrics import MemberMetrics
from .runs import InsightsRun, RunStatus
from .segments import Segment, SegmentExport, SegmentSize, SegmentSnapshot, SnapshotMember
from .values import MemberValue, ModelKind, ModelRun, TierChange, ValueModel

__all__ = ["InsightsRun", "LevelSnapshot", "MemberMetrics", "MemberSnapshot", "MemberValue", "ModelKind", "ModelRun",
           "NewMembersDay", "PointsDay", "PointsSnapshot", "RunStatus", "SalesDay", "Segment", "SegmentExport",
           "SegmentSize", "SegmentSnapshot", "SnapshotMember", "TierChange", "TierMoveSnapshot", "TierSnapshot",
           "ValueModel"]
