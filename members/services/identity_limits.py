"""The per-kind identifier limit (`MatchRule.max_per_member`, the mega-merge guard): how many
identifiers of each kind people hold, and whether a count passes its rule. One rule for
`resolve_record` and `resolve_records`."""

from collections import Counter
from collections.abc import Iterable

from django.db.models import Count

from core.bulk_insert import in_chunks
from members.models import Identity, MatchRule


def identity_counts(member_ids: Iterable[int]) -> dict[int, Counter]:
    """{member id: Counter(kind → identifiers held)} for every id asked (empty when none)."""
    counts: dict[int, Counter] = {member_id: Counter() for member_id in member_ids}
    for part in in_chunks(sorted(counts)):
        rows = Identity.objects.filter(member_id__in=part).values("member_id", "kind").annotate(n=Count("id"))
        for row in rows:
            counts[row["member_id"]][row["kind"]] = row["n"]
    return counts


def over_limit(rules: dict[str, MatchRule], kind: str, count: int) -> bool:
    rule = rules.get(kind)
    return rule is not None and count > rule.max_per_member


def exceeded_kind(counts: Counter, rules: dict[str, MatchRule]) -> str:
    """The first kind whose count passes its limit, or "" when all are within."""
    return next((kind for kind, n in counts.items() if over_limit(rules, kind, n)), "")
