"""Tier sizes a model's config would give on today's data, before it is saved: the scorer runs into
its temporary table inside a transaction that is always rolled back, so nothing is stored."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction

from members.conditions.compiler import tune_transaction_for_conditions
from members.conditions.windows import shanghai_today

from ..errors import InsightsError
from ..models import ModelRun, ValueModel
from ..scoring import scorer_for
from ..scoring.runner import FRESH, create_fresh


def preview_tiers(model: ValueModel, as_of: date | None = None) -> list[dict]:
    """[{code, name, members}] in the model's tier order; raises InsightsError on a bad config."""
    scorer = scorer_for(model.kind)
    errors = scorer.errors(model.config)
    if errors:
        raise InsightsError("；".join(errors))
    as_of = as_of or shanghai_today()
    with transaction.atomic():
        tune_transaction_for_conditions()
        with connection.cursor() as cursor:
            create_fresh(cursor)
            scorer.fill(model, as_of, FRESH, members=None, previous=None)
            cursor.execute(f"SELECT tier, count(*) FROM {FRESH} GROUP BY tier")
            counted = dict(cursor.fetchall())
        transaction.set_rollback(True)
    return [{"code": t.code, "name": t.name, "members": counted.get(t.code, 0)} for t in scorer.tiers(model.config)]


def latest_run(model: ValueModel) -> ModelRun | None:
    return model.runs.order_by("-as_of").first()
