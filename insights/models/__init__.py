from .metrics import MemberMetrics
from .runs import InsightsRun, RunStatus

__all__ = ["InsightsRun", "MemberMetrics", "RunStatus"]
