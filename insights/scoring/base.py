"""What every kind of value model provides to the runner (runner.py).

A scorer reads the model's config and fills the runner's temporary table
(member_id bigint, tier text, score numeric, detail jsonb, figures numeric[]; the last two default to
empty) with one row per active member it scores
— every active member, or only `members` (an SQL array of ids) when a merge asks for the people
involved, using the parameters of the model's latest run so they stay comparable with everyone else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class Tier:
    code: str
    name: str


class Scorer(Protocol):
    label: str

    def errors(self, config: dict) -> list[str]:
        """Every problem with `config`, in Chinese; [] when it may be stored and run."""

    def tiers(self, config: dict) -> list[Tier]:
        """The tiers in display order (best first)."""

    def fill(self, model, as_of: date, table: str, *, members: list[int] | None, previous: dict | None) -> dict:
        """Insert the rows; return the run's summary (stored on ModelRun, passed back as `previous`)."""


def is_number(value) -> bool:
    """An int or float from JSON (a bool is not a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_whole(value, low: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def tier_list_errors(tiers, bound: str, *, bound_ok, bound_hint: str, order: str, reserved: str = "",
                     example: str = "") -> list[str]:
    """What is wrong with a config's `tiers`, in Chinese: at least two objects with a code and a name,
    codes unique (and not the scorer's own `reserved` tier), every tier but the last with a `bound`
    that `bound_ok` accepts — strictly "ascending" or "descending", or "shares" (percentages above 0
    that add up to 100 at most) — and the last without one (it takes everyone left)."""
    if not isinstance(tiers, list) or len(tiers) < 2 or not all(isinstance(t, dict) for t in tiers):
        return [f"tiers：至少需要两层{example}"]
    errors = []
    codes = [t.get("code") for t in tiers]
    if not all(isinstance(c, str) and c and isinstance(t.get("name"), str) and t["name"]
               for c, t in zip(codes, tiers, strict=True)):
        errors.append("tiers：每层需要 code 和 name")
    elif len(set(codes)) != len(codes) or reserved in codes:
        errors.append("tiers：编码不能重复" + (f"，也不能是保留的「{reserved}」" if reserved else ""))
    bounds = [t.get(bound) for t in tiers[:-1]]
    pairs = list(zip(bounds, bounds[1:], strict=False))
    if not all(bound_ok(b) for b in bounds):
        errors.append(f"tiers：除最后一层外，每层需要 {bound}（{bound_hint}）")
    elif order == "ascending" and any(a >= b for a, b in pairs):
        errors.append(f"tiers：{bound} 需从小到大严格递增，收到 {bounds}")
    elif order == "descending" and any(a <= b for a, b in pairs):
        errors.append(f"tiers：{bound} 需从高到低严格递减（最好的一层在前），收到 {bounds}")
    elif order == "shares" and (sum(bounds) > 100 or any(b <= 0 for b in bounds)):
        errors.append(f"tiers：各层 {bound} 需大于 0，且合计不超过 100，收到 {bounds}")
    if tiers[-1].get(bound) is not None:
        errors.append(f"tiers：最后一层不设 {bound}（其余会员都属于它）")
    return errors
