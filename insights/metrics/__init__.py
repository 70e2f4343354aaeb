from .refresh import MetricsWritten, refresh_all_metrics, refresh_member_metrics

__all__ = ["MetricsWritten", "refresh_all_metrics", "refresh_member_metrics"]
