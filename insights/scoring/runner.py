"""Run a value model on a business date: score into a temporary table, then swap the results in.

One transaction under the model's advisory lock (two runs of one model never mix; another model's
run goes on): the scorer fills `insights_scores_fresh`; one statement appends a TierChange for each
member whose tier differs from the current result (members no longer scored — merged away, erased —
get an empty `to_tier`); one deletes their results; one upserts the results that changed. A run that
fails midway rolls back whole, leaving the previous results in force; a second run for the same date
writes nothing (a re-run on the same date that does move someone amends that date's change rather
than stacking a second one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import Count

from members.conditions.compiler import tune_transaction_for_conditions

from ..errors import InsightsError
from ..models import MemberValue, ModelRun, TierChange, ValueModel
from . import scorer_for

_LOCK_NAMESPACE = 0x494E53  # "INS"; the second key is 1000 + the model id (1 is the metrics lock)
FRESH = "insights_scores_fresh"


@dataclass(frozen=True)
class ModelWritten:
    model: str
    as_of: date
    scored: int
    changes: int
    upserted: int
    deleted: int
    seconds: dict = field(default_factory=dict, compare=False)  # {"score": …, "write": …}: where the run spent its time

    @property
    def changed(self) -> int:
        return self.changes + self.upserted + self.deleted

    def as_counts(self) -> dict:
        return {"members": self.scored, "tier_changes": self.changes, "results": self.upserted,
                "deleted": self.deleted}


def check_config(model: ValueModel) -> None:
    errors = scorer_for(model.kind).errors(model.config)
    if errors:
        raise InsightsError(f"模型「{model.name}」的参数有误：" + "；".join(errors), errors, field="config")


def run_model(model: ValueModel, as_of: date, *, members: list[int] | None = None) -> ModelWritten:
    """Score everyone (`members` None) or only these members with the latest run's parameters."""
    check_config(model)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, 1000 + model.pk])
        tune_transaction_for_conditions()
        previous = ModelRun.objects.filter(model=model, as_of__lte=as_of).order_by("-as_of").first()
        if members is not None and previous is None:
            return ModelWritten(model.code, as_of, 0, 0, 0, 0)  # never run: the nightly run scores them
        with connection.cursor() as cursor:
            started = time.perf_counter()
            create_fresh(cursor)
            summary = scorer_for(model.kind).fill(model, as_of, FRESH, members=members,
                                                  previous=previous.summary if previous else None)
            index_fresh(cursor)
            scored = time.perf_counter()
            written = _swap(cursor, model, as_of, members)
            written.seconds.update(score=round(scored - started, 2), write=round(time.perf_counter() - scored, 2))
        if members is None:
            _record_run(model, as_of, summary, written)
    return written


def create_fresh(cursor) -> None:
    """The temporary table a scorer fills, dropped at the end of the transaction. Its unique index is
    built after the fill (index_fresh): cheaper than maintaining it row by row, and it still refuses a
    scorer that gives a member two rows."""
    cursor.execute(f"DROP TABLE IF EXISTS {FRESH}")
    cursor.execute(f"CREATE TEMP TABLE {FRESH} (member_id bigint NOT NULL, tier text NOT NULL, score numeric, "
                   f"detail jsonb NOT NULL DEFAULT '{{}}', figures numeric[] NOT NULL DEFAULT '{{}}') ON COMMIT DROP")


def index_fresh(cursor) -> None:
    cursor.execute(f"CREATE UNIQUE INDEX ON {FRESH} (member_id)")
    cursor.execute(f"ANALYZE {FRESH}")


def rescore_members(member_ids: list[int], as_of: date) -> dict[str, dict]:
    """Every active model for these members only (the people of a merge or unmerge), on the
    parameters of each model's latest run."""
    return {model.code: run_model(model, as_of, members=sorted(set(member_ids))).as_counts()
            for model in ValueModel.objects.filter(active=True).order_by("pk")}


def _swap(cursor, model: ValueModel, as_of: date, members: list[int] | None) -> ModelWritten:
    values, changes = MemberValue._meta.db_table, TierChange._meta.db_table
    scope = "AND v.member_id = ANY(%(members)s)" if members is not None else ""
    params = {"model": model.pk, "as_of": as_of, "members": members}
    current = f"(SELECT member_id, tier FROM {values} v WHERE v.model_id = %(model)s {scope})"
    cursor.execute(f"""
        INSERT INTO {changes} (model_id, member_id, as_of, from_tier, to_tier)
        SELECT %(model)s, coalesce(f.member_id, v.member_id), %(as_of)s, coalesce(v.tier, ''), coalesce(f.tier, '')
        FROM {FRESH} f FULL JOIN {current} v ON v.member_id = f.member_id
        WHERE f.tier IS DISTINCT FROM v.tier
        ON CONFLICT (model_id, member_id, as_of) DO UPDATE SET to_tier = EXCLUDED.to_tier""", params)
    changed = cursor.rowcount
    # A same-day re-run that moved someone back: that date's change is no change at all.
    cursor.execute(f"DELETE FROM {changes} WHERE model_id = %(model)s AND as_of = %(as_of)s "
                   f"AND from_tier = to_tier", params)
    cursor.execute(f"DELETE FROM {values} v WHERE v.model_id = %(model)s {scope} "
                   f"AND NOT EXISTS (SELECT 1 FROM {FRESH} f WHERE f.member_id = v.member_id)", params)
    deleted = cursor.rowcount
    cursor.execute(f"""
        INSERT INTO {values} (model_id, member_id, as_of, tier, score, detail, figures)
        SELECT %(model)s, member_id, %(as_of)s, tier, score, detail, figures FROM {FRESH}
        ON CONFLICT (model_id, member_id) DO UPDATE SET as_of = EXCLUDED.as_of, tier = EXCLUDED.tier,
            score = EXCLUDED.score, detail = EXCLUDED.detail, figures = EXCLUDED.figures
        WHERE ({values}.tier, {values}.score, {values}.detail, {values}.figures)
              IS DISTINCT FROM (EXCLUDED.tier, EXCLUDED.score, EXCLUDED.detail, EXCLUDED.figures)""", params)
    upserted = cursor.rowcount
    if members is None and upserted + deleted:
        cursor.execute(f"ANALYZE {values}")  # tier leaves of segment counts plan on these statistics
    cursor.execute(f"SELECT count(*) FROM {FRESH}")
    return ModelWritten(model.code, as_of, cursor.fetchone()[0], changed, upserted, deleted)


def _record_run(model: ValueModel, as_of: date, summary: dict, written: ModelWritten) -> None:
    moves = [list(row) for row in TierChange.objects.filter(model=model, as_of=as_of)
             .values_list("from_tier", "to_tier").annotate(n=Count("*")).order_by("from_tier", "to_tier")]
    fields = {"scored": written.scored, "tier_sizes": fresh_tier_sizes(model), "summary": summary, "moves": moves}
    run = ModelRun.objects.filter(model=model, as_of=as_of).first()
    if run is None:
        ModelRun.objects.create(model=model, as_of=as_of, written=written.as_counts(), **fields)
    elif any(getattr(run, k) != v for k, v in fields.items()) or written.changed:
        for key, value in fields.items():
            setattr(run, key, value)
        run.written = written.as_counts()
        run.save()


def fresh_tier_sizes(model: ValueModel) -> dict[str, int]:
    """Members per tier in the scores table just filled, in the model's tier order."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tier, count(*) FROM {FRESH} GROUP BY tier")
        counted = dict(cursor.fetchall())
    return {tier.code: counted.get(tier.code, 0) for tier in scorer_for(model.kind).tiers(model.config)}
