from .metrics import MemberMetrics
from .runs import InsightsRun, RunStatus
from .segments import Segment, SegmentExport, SegmentSize, SegmentSnapshot, SnapshotMember
from .values import MemberValue, ModelKind, ModelRun, TierChange, ValueModel

__all__ = ["InsightsRun", "MemberMetrics", "MemberValue", "ModelKind", "ModelRun", "RunStatus", "Segment",
           "SegmentExport", "SegmentSize", "SegmentSnapshot", "SnapshotMember", "TierChange", "ValueModel"]
