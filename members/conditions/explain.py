"""Why a member meets a condition or not: every leaf with the member's own value, and each group's
result — what a guide sees when they ask "why". The values are read one member at a time through
each field's `read`, and the verdicts use the same operator rules as the compiled query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from members.models import Member

from .compiler import leaf_context
from .operators import LABELS, leaf_test
from .tree import Group, Leaf, parse
from .windows import shanghai_today


@dataclass(frozen=True)
class LeafResult:
    path: str
    field: str
    label: str
    op: str
    op_label: str
    value: object
    window: str | None  # the window's business dates, described
    actual: object
    passed: bool

    def as_dict(self) -> dict:
        return {"path": self.path, "field": self.field, "label": self.label, "op": self.op,
                "op_label": self.op_label, "value": self.value, "window": self.window,
                "actual": _plain(self.actual), "passed": self.passed}


@dataclass(frozen=True)
class GroupResult:
    path: str
    kind: str
    children: tuple
    passed: bool

    def as_dict(self) -> dict:
        return {"path": self.path, "group": self.kind, "passed": self.passed,
                "children": [child.as_dict() for child in self.children]}


@dataclass(frozen=True)
class Explanation:
    member_id: int
    as_of: date
    active: bool  # merged-away and erased members never match, whatever their values
    root: GroupResult | LeafResult

    @property
    def matches(self) -> bool:
        return self.active and self.root.passed

    def as_dict(self) -> dict:
        return {"member_id": self.member_id, "as_of": self.as_of.isoformat(), "active": self.active,
                "matches": self.matches, "tree": self.root.as_dict()}


def _plain(value):
    """JSON-friendly: sets as sorted lists, dates and decimals as text."""
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _explain(node: Group | Leaf, member: Member, as_of: date):
    if isinstance(node, Leaf):
        ctx = leaf_context(node, as_of)
        actual = node.field.read(member, ctx)
        return LeafResult(
            path=node.path, field=node.field.key, label=node.field.label, op=node.op, op_label=LABELS[node.op],
            value=node.raw_value, window=ctx.window.describe() if ctx.window else None, actual=actual,
            passed=leaf_test(node.field, node.op, actual, node.value, ctx),
        )
    children = tuple(_explain(child, member, as_of) for child in node.children)
    results = [child.passed for child in children]
    passed = {"all": all, "any": any}[node.kind](results) if node.kind != "not" else not results[0]
    return GroupResult(node.path, node.kind, children, passed)


def explain(condition, member: Member, as_of: date | None = None) -> Explanation:
    tree = condition if isinstance(condition, (Group, Leaf)) else parse(condition)
    as_of = as_of or shanghai_today()
    return Explanation(member.pk, as_of, member.is_active, _explain(tree, member, as_of))
