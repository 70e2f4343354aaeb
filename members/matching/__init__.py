"""Fuzzy identity matching: pure functions, no database.

features (pinyin names, normalized places and addresses) → blocking keys (which
pairs to compare) → score_pair (how alike, and why). The service
`members.services.candidates` runs them over the members and fills the review queue.
"""

from .blocking import blocking_keys
from .features import Features, build_features
from .names import COMPOUND_SURNAMES, NameParts, name_parts, split_chinese, to_pinyin
from .scoring import score_pair
from .text import address_tokens, normalize_place

# Default review threshold for find_duplicate_candidates (see docs/benchmarks.md for how it was chosen).
DEFAULT_MIN_SCORE = 0.7

__all__ = [
    "COMPOUND_SURNAMES", "DEFAULT_MIN_SCORE", "Features", "NameParts", "address_tokens", "blocking_keys",
    "build_features", "name_parts", "normalize_place", "score_pair", "split_chinese", "to_pinyin",
]
