"""The kinds of value model and their scorers; runner.py runs any of them the same way."""

from ..models import ModelKind
from .activity import ActivityScorer
from .base import Scorer, Tier
from .custom import CustomScorer
from .rfm import RFMScorer

SCORERS: dict[str, Scorer] = {
    ModelKind.RFM: RFMScorer(),
    ModelKind.ACTIVITY: ActivityScorer(),
    ModelKind.CUSTOM: CustomScorer(),
}


def scorer_for(kind: str) -> Scorer:
    return SCORERS[kind]


__all__ = ["SCORERS", "Scorer", "Tier", "scorer_for"]
