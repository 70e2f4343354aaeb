"""Extractors (取值方式) of variable tags: each turns the orders in a window into at most a few values
per member, set-based, with evidence. The refresh service asks:

    from tagging.extractors import extractors, ExtractorError
    ex = extractors.get(code)                       # None if unknown
    ex.validate(params) -> dict                     # defaults filled in; ExtractorError names the param
    ex.desired_sql(tag, as_of, member_ids) -> (sql, params)   # member_id, value, evidence
    extractors.choices()                            # (code, label) for the admin select
"""

from .cycle import PURCHASE_CYCLE
from .frequency import FREQUENT_STORE, PREFERRED_CHANNEL
from .last_product import LAST_PRODUCT
from .price_band import PRICE_BAND
from .registry import Extractor, ExtractorError, ExtractorRegistry, Param, extractors
from .spend import FAVOURITE_CATEGORY, FAVOURITE_SKU

for _extractor in (FAVOURITE_CATEGORY, FAVOURITE_SKU, FREQUENT_STORE, PREFERRED_CHANNEL, PRICE_BAND,
                   PURCHASE_CYCLE, LAST_PRODUCT):
    extractors.register(_extractor)

__all__ = ["Extractor", "ExtractorError", "ExtractorRegistry", "Param", "extractors"]
