"""The nightly insights job: metrics, then every value model, then segment sizes — each step a row
in InsightsRun with what it wrote. Idempotent: a second run for the same date writes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from members.conditions.windows import shanghai_today

from ..dashboards.aggregates import refresh_dashboard_aggregates
from ..errors import InsightsError
from ..metrics import refresh_all_metrics
from ..models import InsightsRun, RunStatus, ValueModel
from ..scoring.runner import run_model
from ..segments.services import record_sizes

logger = logging.getLogger(__name__)
LOOKED_AT = ("members", "segments")  # counts of what a step read, not of rows it wrote


@dataclass
class NightlyResult:
    as_of: date
    steps: dict[str, dict] = field(default_factory=dict)  # step → counts written

    @property
    def changed(self) -> int:
        return sum(sum(v for k, v in counts.items() if k not in LOOKED_AT and isinstance(v, int) and v is not True)
                   for counts in self.steps.values())

    @property
    def failed(self) -> list[str]:
        return [step for step, counts in self.steps.items() if "error" in counts]

    def as_counts(self) -> dict:
        return {"as_of": self.as_of.isoformat(), **self.steps}


def check_business_date(as_of: date) -> date:
    today = shanghai_today()
    if as_of > today:
        raise InsightsError(f"业务日期 {as_of} 晚于今天（{today}，北京时间）：不能计算未来的指标。")
    return as_of


def run_step(step: str, as_of: date, work: Callable[[], dict]) -> dict:
    """Run one step, recorded (running → done / failed with the error); returns its counts."""
    run = InsightsRun.objects.create(step=step, as_of=as_of)
    try:
        counts = work()
    except Exception as error:
        InsightsRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, finished_at=timezone.now(),
                                                     message=f"{type(error).__name__}: {error}"[:2000])
        raise
    InsightsRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=timezone.now(), counts=counts)
    return counts


def refresh_insights(as_of: date | None = None) -> NightlyResult:
    as_of = check_business_date(as_of or shanghai_today())
    result = NightlyResult(as_of)
    result.steps["metrics"] = run_step("metrics", as_of, lambda: refresh_all_metrics(as_of).as_counts())
    for model in ValueModel.objects.filter(active=True).order_by("pk"):
        try:
            result.steps[f"model:{model.code}"] = run_step(
                f"model:{model.code}", as_of, lambda model=model: run_model(model, as_of).as_counts())
        except Exception as error:  # recorded as failed; its previous results stay, the other steps go on
            logger.exception("insights model %s failed for %s", model.code, as_of)
            result.steps[f"model:{model.code}"] = {"error": str(error)}
    result.steps["segments"] = run_step("segments", as_of, lambda: record_sizes(as_of))
    result.steps["dashboards"] = run_step("dashboards", as_of, lambda: refresh_dashboard_aggregates(as_of))
    return result
