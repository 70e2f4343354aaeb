"""Every write of segments: save (condition checked first), snapshot (frozen member list), the
nightly sizes. Members are always evaluated live through the condition language."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.db.models import QuerySet

from members.conditions.compiler import matching_members, set_based_session, tune_transaction_for_conditions
from members.conditions.tree import ConditionError, parse
from members.conditions.windows import shanghai_today

from ..errors import InsightsError
from ..models import Segment, SegmentSize, SegmentSnapshot, SnapshotMember


def check_condition(condition) -> None:
    try:
        parse(condition)
    except ConditionError as error:
        raise InsightsError("人群条件有误：" + "；".join(error.errors), error.errors, field="condition") from error


@transaction.atomic
def save_segment(*, segment: Segment | None = None, name: str, condition, description: str = "", owner=None,
                 active: bool = True) -> Segment:
    name = (name or "").strip()
    if not name:
        raise InsightsError("请填写人群名称。", field="name")
    check_condition(condition)
    clash = Segment.objects.filter(name=name).exclude(pk=segment.pk if segment else None)
    if clash.exists():
        raise InsightsError(f"已有名为「{name}」的人群。", field="name")
    segment = segment or Segment(owner=owner)
    segment.name, segment.condition, segment.description, segment.active = name, condition, description, active
    segment.save()
    return segment


def segment_members(segment_or_condition, as_of: date | None = None) -> QuerySet:
    """The active members in the segment now (evaluate inside set_based_session())."""
    condition = segment_or_condition.condition if isinstance(segment_or_condition, Segment) else segment_or_condition
    return matching_members(condition, as_of or shanghai_today())


def count_segment(segment_or_condition, as_of: date | None = None) -> int:
    with set_based_session():
        return segment_members(segment_or_condition, as_of).count()


@transaction.atomic
def take_snapshot(segment: Segment, *, purpose: str = "", user=None, as_of: date | None = None) -> SegmentSnapshot:
    """Freeze who is in the segment now, in one INSERT … SELECT."""
    as_of = as_of or shanghai_today()
    tune_transaction_for_conditions()
    snapshot = SegmentSnapshot.objects.create(segment=segment, as_of=as_of, condition=segment.condition,
                                              members=0, purpose=purpose[:128], taken_by=user)
    select, params = segment_members(segment, as_of).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {SnapshotMember._meta.db_table} (snapshot_id, member_id) "
                       f"SELECT %s, s.pk FROM ({select}) s(pk)", [snapshot.pk, *params])
        snapshot.members = cursor.rowcount
    snapshot.save(update_fields=["members"])
    return snapshot


def record_sizes(as_of: date) -> dict:
    """Each active segment's size on `as_of`: one row per segment and date, rewritten only when it differs."""
    segments = written = 0
    for segment in Segment.objects.filter(active=True).order_by("pk"):
        segments += 1
        size = count_segment(segment, as_of)
        written += SegmentSize.objects.exclude(members=size).filter(segment=segment, as_of=as_of).update(members=size)
        _, created = SegmentSize.objects.get_or_create(segment=segment, as_of=as_of, defaults={"members": size})
        written += created
    return {"segments": segments, "sizes": written}
