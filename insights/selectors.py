"""Reads for the insights pages: a model's latest run, its history and the moves between runs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from .models import ModelRun, TierChange, ValueModel
from .scoring import Tier, scorer_for

HISTORY_RUNS = 60


@dataclass(frozen=True)
class ModelPage:
    model: ValueModel
    tiers: list[Tier]
    latest: ModelRun | None
    history: list[ModelRun]  # oldest first
    moves: list[tuple[str, str, int]]  # (from, to, members) into the latest run; "" = not in the model

    def tier_name(self, code: str) -> str:
        return next((t.name for t in self.tiers if t.code == code), code or "（未参与）")

    @property
    def moved(self) -> int:
        return sum(n for _, _, n in self.moves)

    @property
    def matrix(self) -> list[list]:
        """Rows: from-tier; columns: to-tier; the members who moved (stayers are not changes)."""
        codes = ["", *(t.code for t in self.tiers)]
        counts = {(a, b): n for a, b, n in self.moves}
        used = [c for c in codes if any(counts.get((c, d)) or counts.get((d, c)) for d in codes)]
        return [[self.tier_name(a), *(counts.get((a, b), 0) for b in used)] for a in used], \
            [self.tier_name(b) for b in used]


def model_page(model: ValueModel, as_of=None) -> ModelPage:
    runs = model.runs.order_by("-as_of")
    latest = runs.filter(as_of=as_of).first() if as_of else runs.first()
    history = list(runs.filter(as_of__lte=latest.as_of)[:HISTORY_RUNS])[::-1] if latest else []
    moves = []
    if latest:
        moves = [tuple(row) for row in TierChange.objects.filter(model=model, as_of=latest.as_of)
                 .values_list("from_tier", "to_tier").annotate(n=Count("*")).order_by("-n")]
    return ModelPage(model, scorer_for(model.kind).tiers(model.config), latest, history, moves)


def models_overview() -> list[tuple[ValueModel, ModelRun | None]]:
    return [(model, model.runs.order_by("-as_of").first()) for model in ValueModel.objects.order_by("kind", "code")]
