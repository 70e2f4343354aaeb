"""A validated tree as one set-based filter over `Member`, and the previews built on it.

"Active members" are the people a condition can select: status 正常. Merged-away and erased
members are never in a condition's set, nor in the complement that `not` takes: `not X` is
exactly the active members outside X, because every leaf compiles to a predicate that is never
NULL (operators.py) and AND / OR / NOT of such predicates stay two-valued.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from functools import reduce
from operator import and_, or_

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from members.models import Member, MemberStatus

from .operators import leaf_sql
from .registry import FieldContext
from .tree import Group, Leaf, parse
from .windows import resolve_window, shanghai_today

# Memory PostgreSQL may give each hash of a condition query. A leaf under `any` or `not` is an
# `id IN (…)` subplan that PostgreSQL hashes only when its estimate fits in work_mem × hash_mem_multiplier;
# otherwise it rescans the list for every member (on 1M members an `any` of two order leaves ran
# for more than ten minutes at the default 4MB, 3.3 s at this setting). 256MB holds the ids of
# several million members.
CONDITION_WORK_MEM = "256MB"


def tune_transaction_for_conditions() -> None:
    """Until the current transaction ends (call it inside transaction.atomic()): work_mem raised;
    JIT off — it spent 0.5–1 s compiling plans that then ran in less; random_page_cost at the SSD
    value 1.1 rather than the spinning-disk 4 — at 4 a refresh of 10,000 members' tags hashed all
    10M orders (8.2 s) instead of reading theirs through the member index (1.2 s; bench/tags.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true), "
                       "set_config('random_page_cost', '1.1', true)", [CONDITION_WORK_MEM])


@contextmanager
def set_based_session():
    """A transaction (or savepoint) tuned for condition queries: every caller that runs
    matching_members() over everyone runs it inside this (or calls tune_… in its own transaction)."""
    with transaction.atomic():
        tune_transaction_for_conditions()
        yield


def active_members() -> QuerySet:
    return Member.objects.filter(status=MemberStatus.ACTIVE)


def leaf_context(leaf: Leaf, as_of: date, within=None) -> FieldContext:
    return FieldContext(as_of=as_of, window=resolve_window(leaf.window, as_of), within=within)


def compile_tree(node: Group | Leaf, as_of: date, within=None) -> Q:
    """`within`: the member ids the caller limits the result to (see FieldContext), or None."""
    if isinstance(node, Leaf):
        return leaf_sql(node.field, node.op, node.value, leaf_context(node, as_of, within))
    parts = [compile_tree(child, as_of, within) for child in node.children]
    if node.kind == "not":
        return ~parts[0]
    return reduce(and_ if node.kind == "all" else or_, parts)


def _tree(condition) -> Group | Leaf:
    return condition if isinstance(condition, (Group, Leaf)) else parse(condition)


def matching_members(condition, as_of: date | None = None, within=None) -> QuerySet:
    """The active members meeting `condition` (JSON, dict or parsed tree); raises ConditionError.
    `within` (an expression of member ids or a list) limits them to those members, and each
    aggregate to their rows: a refresh for 10,000 members reads their orders, not everyone's.
    Evaluate it inside set_based_session()."""
    members = active_members().filter(compile_tree(_tree(condition), as_of or shanghai_today(), within))
    return members if within is None else members.filter(pk__in=within)


def count(condition, as_of: date | None = None) -> int:
    with set_based_session():
        return matching_members(condition, as_of).count()


def sample(condition, n: int = 20, as_of: date | None = None) -> list[Member]:
    """Up to `n` matching members, the most recently created first: cheap on millions (no random
    sort), and the newest people are the ones an operator is most likely to recognise."""
    with set_based_session():
        return list(matching_members(condition, as_of).order_by("-id")[:n])
