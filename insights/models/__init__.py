from .metrics import MemberMetrics
from .runs import InsightsRun, RunStatus
from .values import MemberValue, ModelKind, ModelRun, TierChange, ValueModel

__all__ = ["InsightsRun", "MemberMetrics", "MemberValue", "ModelKind", "ModelRun", "RunStatus", "TierChange",
           "ValueModel"]
