"""Tier sizes a model's config would give on today's data, before it is saved: the scorer runs into
its temporary table inside a transaction that is always rolled back, so nothing is stored."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction

from members.conditions.compiler import tune_transaction_for_conditions
from members.conditions.windows import shanghai_today

from ..models import ModelRun, ValueModel
from ..scoring import scorer_for
from ..scoring.runner import FRESH, check_config, create_fresh, fresh_tier_sizes


def preview_tiers(model: ValueModel, as_of: date | None = None) -> list[dict]:
    """[{code, name, members}] in the model's tier order; raises InsightsError on a bad config."""
    check_config(model)
    scorer = scorer_for(model.kind)
    as_of = as_of or shanghai_today()
    with transaction.atomic():
        tune_transaction_for_conditions()
        with connection.cursor() as cursor:
            create_fresh(cursor)
            scorer.fill(model, as_of, FRESH, members=None, previous=None)
        sizes = fresh_tier_sizes(model)
        transaction.set_rollback(True)
    return [{"code": t.code, "name": t.name, "members": sizes[t.code]} for t in scorer.tiers(model.config)]


def latest_run(model: ValueModel) -> ModelRun | None:
    return model.runs.order_by("-as_of").first()
