"""Tags follow a merge of two people and come back when it is undone.

Merge: the absorbed person holds no tags any more; the survivor holds the union of both
people's static tags (a tag both held keeps the earlier date and the later end). Dynamic and
variable tags are not copied: they are recomputed for the survivor by their own jobs.
Every change is a TagChange linked to the MergeRecord; the absorbed person's rows carry a
snapshot of the membership (and of the survivor's row it widened), so unmerge can give each
person their own static tags back from the history alone.
"""

from datetime import date

from django.utils.dateparse import parse_date, parse_datetime

from members.models import MergeRecord
from tagging.hooks import tags_changed
from tagging.models import Tag, TagChange, TagKind, TagMembership

MERGE_LABEL = "merge"


def _snapshot(row: TagMembership) -> dict:
    return {"since": row.since.isoformat(), "ends_on": row.ends_on.isoformat() if row.ends_on else None,
            "origin_member_id": row.origin_member_id, "actor_id": row.actor_id, "reason": row.reason}


def _later_end(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else max(a, b)


def _change(row: TagMembership, *, member_id: int, added: bool, record: MergeRecord, reason: str,
            detail: dict | None = None) -> TagChange:
    return TagChange(member_id=member_id, tag_id=row.tag_id, added=added, kind=row.tag.kind, value=row.value,
                     rule_version=row.rule_version, actor_label=MERGE_LABEL, reason=reason, merge_record=record,
                     detail=detail or {})


def merge_tags(*, record: MergeRecord) -> None:
    """Runs inside the merge's transaction, with both people's rows locked by it."""
    absorbed_rows = list(TagMembership.objects.filter(member_id=record.absorbed_id).select_related("tag"))
    if not absorbed_rows:
        return
    ours = {(row.tag_id, row.value): row for row in TagMembership.objects.select_for_update().filter(
        member_id=record.survivor_id, tag__kind=TagKind.STATIC)}
    reason = f"合并会员：来自 {record.absorbed.code}"
    changes, copies = [], []
    for row in absorbed_rows:
        detail = _snapshot(row)
        if row.tag.kind == TagKind.STATIC:
            mine = ours.get((row.tag_id, row.value))
            if mine is None:
                copies.append(TagMembership(
                    member_id=record.survivor_id, tag_id=row.tag_id, value=row.value, since=row.since,
                    ends_on=row.ends_on, origin_member_id=row.origin_member_id, actor_id=row.actor_id,
                    reason=row.reason))
                changes.append(_change(row, member_id=record.survivor_id, added=True, record=record, reason=reason))
            else:
                widened = (min(mine.since, row.since), _later_end(mine.ends_on, row.ends_on))
                if widened != (mine.since, mine.ends_on):
                    detail["survivor_before"] = {"since": mine.since.isoformat(),
                                                 "ends_on": mine.ends_on.isoformat() if mine.ends_on else None}
                    mine.since, mine.ends_on = widened
                    mine.save(update_fields=["since", "ends_on"])
        changes.append(_change(row, member_id=record.absorbed_id, added=False, record=record,
                               reason=f"合并会员：并入 {record.survivor.code}", detail=detail))
    TagMembership.objects.filter(pk__in=[row.pk for row in absorbed_rows]).delete()
    TagMembership.objects.bulk_create(copies)
    TagChange.objects.bulk_create(changes)
    _announce(changes)


def unmerge_tags(*, record: MergeRecord) -> None:
    """Each person gets their own static tags back; runs inside the unmerge's transaction."""
    merged = list(TagChange.objects.filter(merge_record=record, kind=TagKind.STATIC).order_by("pk"))
    reason = f"撤销合并：{record.absorbed.code} 与 {record.survivor.code}"
    changes = []
    # What the survivor gained from the absorbed person leaves with them.
    for change in merged:
        if change.member_id == record.survivor_id and change.added:
            gone = TagMembership.objects.filter(member_id=record.survivor_id, tag_id=change.tag_id,
                                                value=change.value).delete()[0]
            if gone:
                changes.append(_undo_change(change, member_id=record.survivor_id, added=False, reason=reason))
    static_tags = set(Tag.objects.filter(kind=TagKind.STATIC, pk__in=[c.tag_id for c in merged])
                      .values_list("pk", flat=True))
    for change in merged:
        if change.member_id != record.absorbed_id or change.added:
            continue
        before = change.detail.get("survivor_before")
        if before:  # the survivor's own row was widened by the absorbed one: narrow it again
            TagMembership.objects.filter(member_id=record.survivor_id, tag_id=change.tag_id, value=change.value) \
                .update(since=parse_datetime(before["since"]),
                        ends_on=parse_date(before["ends_on"]) if before["ends_on"] else None)
        if change.tag_id not in static_tags:
            continue
        snapshot = change.detail
        _, created = TagMembership.objects.get_or_create(
            member_id=record.absorbed_id, tag_id=change.tag_id, value=change.value,
            defaults={"since": parse_datetime(snapshot["since"]),
                      "ends_on": parse_date(snapshot["ends_on"]) if snapshot["ends_on"] else None,
                      "origin_member_id": snapshot["origin_member_id"], "actor_id": snapshot["actor_id"],
                      "reason": snapshot["reason"]})
        if created:
            changes.append(_undo_change(change, member_id=record.absorbed_id, added=True, reason=reason))
    TagChange.objects.bulk_create(changes)
    _announce(changes)


def _announce(changes: list[TagChange]) -> None:
    tags_changed.send_on_commit(member_ids=[c.member_id for c in changes], tag_ids=[c.tag_id for c in changes])


def _undo_change(change: TagChange, *, member_id: int, added: bool, reason: str) -> TagChange:
    return TagChange(member_id=member_id, tag_id=change.tag_id, added=added, kind=change.kind, value=change.value,
                     actor_label=MERGE_LABEL, reason=reason, merge_record_id=change.merge_record_id)
