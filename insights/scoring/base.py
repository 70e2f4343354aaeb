"""What every kind of value model provides to the runner (runner.py).

A scorer reads the model's config and fills the runner's temporary table
(member_id bigint, tier text, score numeric, detail jsonb) with one row per active member it scores
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
