"""Recompute dynamic and variable tags: for everyone (nightly, "recompute now", `refresh_tags`) or for
the members whose orders, points, levels or tags just changed (the hooks, batched after commit).

Each tag is its own transaction under its own lock (syncing.py), so one broken tag never rolls back
another's results, and a long run holds no lock for longer than one tag takes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from members.conditions.compiler import tune_transaction_for_conditions
from members.conditions.tree import ConditionError
from members.conditions.windows import shanghai_today
from tagging.hooks import tags_changed
from tagging.models import RunStatus, Tag, TagKind, TagRefreshRun

from . import dynamic, syncing
from .errors import TaggingError

logger = logging.getLogger(__name__)

JOB_LABEL = "job:refresh_tags"
REASON_ON = {TagKind.DYNAMIC: "满足条件", TagKind.VARIABLE: "按订单取值"}
REASON_OFF = {TagKind.DYNAMIC: "不再满足条件", TagKind.VARIABLE: "取值变化或证据不足"}


@dataclass(frozen=True)
class RefreshResult:
    tag_code: str
    added: int
    removed: int
    error: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    def as_dict(self) -> dict:
        return asdict(self)


def computed_tags() -> Iterable[Tag]:
    """Active dynamic and variable tags in the order a nightly run takes them: variable tags and
    dynamic tags that read no tag first, then the dynamic tags whose condition reads tags, so the
    latter see today's values of the former."""
    tags = Tag.objects.filter(active=True, kind__in=[TagKind.DYNAMIC, TagKind.VARIABLE]).order_by("pk")
    return sorted(tags, key=lambda tag: (reads_tags(tag), tag.pk))


def reads_tags(tag: Tag) -> bool:
    from tagging.conditions import condition_reads_tags

    return tag.kind == TagKind.DYNAMIC and condition_reads_tags(tag.condition)


def _desired(tag: Tag, as_of: date, member_ids: list[int] | None, scoped: bool):
    if tag.kind == TagKind.DYNAMIC:
        tree = dynamic.parsed_condition(tag)
        return tree, dynamic.desired_sql(tree, as_of, scoped)
    from tagging.extractors import ExtractorError, extractors

    extractor = extractors.get(tag.extractor)
    if extractor is None:
        raise TaggingError(f"标签「{tag.name}」的取值方式「{tag.extractor}」不存在。")
    try:
        extractor.validate(tag.params or {})
    except ExtractorError as error:
        raise TaggingError(f"标签「{tag.name}」的取值参数有误：{error}") from error
    return None, extractor.desired_sql(tag, as_of, member_ids)


@transaction.atomic
def refresh_tag(tag: Tag, *, as_of: date | None = None, member_ids: Iterable[int] | None = None,
                actor_label: str = JOB_LABEL, now: datetime | None = None) -> RefreshResult:
    """Make the tag's memberships match its rule as of `as_of` (Shanghai business date, default
    today), for everyone or only `member_ids`. Raises TaggingError for a tag that cannot be computed."""
    if tag.kind not in (TagKind.DYNAMIC, TagKind.VARIABLE):
        raise TaggingError(f"标签「{tag.name}」是{tag.get_kind_display()}，不由系统计算。")
    as_of, now = as_of or shanghai_today(), now or timezone.now()
    ids = None if member_ids is None else sorted({int(pk) for pk in member_ids})
    if ids == []:
        return RefreshResult(tag.code, 0, 0)
    syncing.lock_tag(tag)
    tune_transaction_for_conditions()
    tag.refresh_from_db()  # the condition as committed by whoever held the lock before us
    if not tag.active:
        return RefreshResult(tag.code, 0, 0)
    scoped = syncing.load_scope(ids)
    try:
        tree, (sql, params) = _desired(tag, as_of, ids, scoped)
    except ConditionError as error:
        raise TaggingError(f"标签「{tag.name}」的条件有误：" + "；".join(error.errors)) from error
    syncing.load_desired(sql, params)
    with_why = tree is not None and dynamic.prepare_why(tag=tag, tree=tree, as_of=as_of)
    outcome = syncing.sync_memberships(tag=tag, scoped=scoped, as_of=as_of, now=now, actor_label=actor_label,
                                       reason_on=REASON_ON[tag.kind], reason_off=REASON_OFF[tag.kind],
                                       with_why=with_why)
    changed = outcome.added + outcome.removed
    tags_changed.send_on_commit(member_ids=changed, tag_ids=[tag.pk] if changed else [])
    return RefreshResult(tag.code, len(outcome.added), len(outcome.removed))


def refresh_tags(*, tags: Iterable[Tag] | None = None, as_of: date | None = None,
                 member_ids: Iterable[int] | None = None, actor_label: str = JOB_LABEL,
                 progress: Callable[[int, int], None] | None = None) -> list[RefreshResult]:
    """Refresh each tag in turn; a tag that fails is reported in its result and the rest go on."""
    tags = list(computed_tags() if tags is None else tags)
    ids = None if member_ids is None else sorted({int(pk) for pk in member_ids})
    results = []
    for done, tag in enumerate(tags, start=1):
        try:
            results.append(refresh_tag(tag, as_of=as_of, member_ids=ids, actor_label=actor_label))
        except TaggingError as error:
            results.append(RefreshResult(tag.code, 0, 0, error=str(error)))
        except Exception as error:  # a bug in one tag must not stop the others; the run shows it
            logger.exception("refreshing tag %s failed", tag.code)
            results.append(RefreshResult(tag.code, 0, 0, error=f"计算出错：{error.__class__.__name__}: {error}"))
        if progress:
            progress(done, len(tags))
    return results


def tags_to_refresh_for(*, orders: bool = False, loyalty: bool = False, tag_ids: Iterable[int] = ()) -> list[Tag]:
    """The computed tags an event can change: orders feed variable tags and every dynamic tag;
    points and levels feed dynamic tags; a static or variable tag's change feeds the dynamic tags
    that read tags. Changes made by dynamic tags themselves trigger nothing, so two tags that read
    each other cannot chase each other forever (the nightly run orders them)."""
    candidates = Tag.objects.filter(active=True).filter(
        Q(kind=TagKind.DYNAMIC) | Q(kind=TagKind.VARIABLE) if orders else Q(kind=TagKind.DYNAMIC))
    if orders or loyalty:
        return list(candidates.order_by("pk"))
    sources = Tag.objects.filter(pk__in=list(tag_ids)).exclude(kind=TagKind.DYNAMIC)
    if not sources.exists():
        return []
    return [tag for tag in candidates.order_by("pk") if reads_tags(tag)]


# ---- runs ("recompute now" and the nightly job) ---------------------------------------------------

@transaction.atomic
def start_refresh(*, tag: Tag | None = None, actor=None, as_of: date | None = None,
                  label: str = "") -> TagRefreshRun:
    """Queue a recompute of one tag (or all computed tags); the Celery task runs it after commit."""
    if tag is not None and tag.kind not in (TagKind.DYNAMIC, TagKind.VARIABLE):
        raise TaggingError(f"标签「{tag.name}」是{tag.get_kind_display()}，不需要重算。")
    run = TagRefreshRun.objects.create(tag=tag, as_of=as_of, requested_by=actor,
                                       requested_label=actor.get_username() if actor else (label or JOB_LABEL))
    from tagging.tasks import refresh_run_task

    transaction.on_commit(lambda: refresh_run_task.delay(run.pk), robust=True)
    return run


def _save_run(run: TagRefreshRun, **values) -> None:
    TagRefreshRun.objects.filter(pk=run.pk).update(**values)
    for name, value in values.items():
        setattr(run, name, value)


def execute_run(run: TagRefreshRun) -> TagRefreshRun:
    """Run a queued recompute, writing its progress as each tag finishes (outside the tags'
    transactions, so the page sees it at once)."""
    if run.status != RunStatus.QUEUED:
        return run  # a redelivered task: the run is already under way or finished
    tags = [run.tag] if run.tag_id else list(computed_tags())
    _save_run(run, status=RunStatus.RUNNING, started_at=timezone.now(), tags_total=len(tags))
    results: list[RefreshResult] = []
    label = f"{JOB_LABEL}#{run.pk}"

    def progress(done: int, total: int) -> None:
        _save_run(run, tags_done=done, progress=done / total if total else 1.0,
                  added=sum(r.added for r in results), removed=sum(r.removed for r in results),
                  summary=[r.as_dict() for r in results])

    try:
        for tag in tags:
            results.extend(refresh_tags(tags=[tag], as_of=run.as_of, actor_label=label))
            progress(len(results), len(tags))
    except Exception as error:
        _save_run(run, status=RunStatus.FAILED, error=str(error), finished_at=timezone.now())
        raise
    failed = [r for r in results if r.error]
    _save_run(run, status=RunStatus.FAILED if failed and len(failed) == len(results) else RunStatus.DONE,
              progress=1.0, finished_at=timezone.now(), error="\n".join(f"{r.tag_code}: {r.error}" for r in failed))
    return run
