"""The longest value each import column may hold, taken from the model fields it fills.

A value past its column is handled while parsing, so one long cell never reaches the database
(where PostgreSQL would refuse the whole chunk's insert, or a bulk update cut it silently):
- free text (names, addresses, shops, titles, categories, regions) is cut to the column and
  counted in the batch summary ("姓名超长已截断 3 行"), unless no person could have typed it
  (more than `absurd_length` characters: see members/cleaning/lengths.py), which rejects the row;
- identifiers (accounts, nicks, card numbers, platform ids, e-mail, store codes) are never cut —
  a cut identifier would link the wrong person — an over-long one rejects the row.
Order numbers (values.order_number), amounts, quantities and times have their own parsers.
"""

from __future__ import annotations

from members.cleaning.lengths import (
    ABSURD_CAP,
    absurd_length,
    code_too_long_reason,
    identifier_too_long_reason,
    too_long_reason,
)
from members.models import Order, OrderLine, PendingOrderLine, Store
from members.services.records import EXTERNAL_ID_LIMIT, PROFILE_LIMITS, identifier_limit

from .buyers import ACCOUNT_IDENTIFIER
from .values import TextError, text


class Limit:
    """One column's limit. Called as a parser (see ImportFormat.parsers), it cleans the cell with
    values.text and returns it cut to the column, or raises TextError; `fit` does the same for a
    value already cleaned and notes a cut in `cut`.
    """

    def __init__(self, max_length: int, count_key: str = "", *, identifier: bool = False, cut: bool = True,
                 code_of: str = ""):
        self.max_length = max_length
        self.count_key = count_key  # batch.counts key of the rows where this column was cut
        self.identifier = identifier or bool(code_of)
        self.code_of = code_of  # a code that names a thing (门店, 商品), not a person's identifier
        self.refused_above = absurd_length(max_length) if cut and not self.identifier else max_length

    def fit(self, value: str, cut: list[str]) -> str:
        if len(value) <= self.max_length:  # nearly every value: one comparison
            return value
        if len(value) > self.refused_above:
            raise TextError(self.reason(len(value)))
        cut.append(self.count_key)
        return value[: self.max_length].rstrip()

    def reason(self, length: int) -> str:
        if self.code_of:
            return code_too_long_reason(length, self.max_length, self.code_of)
        if self.identifier:
            return identifier_too_long_reason(length, self.max_length)
        return too_long_reason(length, self.max_length)

    def __call__(self, raw: str) -> str:
        return self.fit(text(raw), [])


def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _text(field: str, count_key: str) -> Limit:
    return Limit(PROFILE_LIMITS[field][1], count_key)


def identifier(kind: str) -> Limit:
    """An identifier column of `kind` (an IdentifierKind value)."""
    return Limit(identifier_limit(kind), identifier=True)


def account(kind: str | None) -> Limit:
    """A channel account: the account's key, and the `kind` identifier too when the channel has one."""
    return Limit(min(EXTERNAL_ID_LIMIT, identifier_limit(kind)) if kind else EXTERNAL_ID_LIMIT, identifier=True)


# The account column of the generic templates, whatever the row's channel (the strictest of them).
ANY_ACCOUNT = Limit(min(account(kind).max_length for kind in ACCOUNT_IDENTIFIER.values()), identifier=True)
NAME = _text("name", "cut_name")
ADDRESS = _text("address", "cut_address")
PROVINCE = _text("province", "cut_region")
CITY = _text("city", "cut_region")
DISTRICT = _text("district", "cut_region")
EMAIL = Limit(min(PROFILE_LIMITS["email"][1], identifier_limit("email")), identifier=True)
# A mobile is never cut (a cut number is someone else's); cleaning judges it. Only a cell no
# phone number could fill refuses its row.
MOBILE = Limit(absurd_length(PROFILE_LIMITS["mobile"][1]), cut=False)
STORE_CODE = Limit(_max(Store, "code"), code_of="门店")
SHOP = Limit(_max(Order, "shop_name"), "cut_shop")
RAW_STATUS = _max(Order, "raw_status")  # the status text as exported: it parsed, so it is a known one
SKU = Limit(min(_max(OrderLine, "sku"), _max(PendingOrderLine, "sku")), code_of="商品")
TITLE = Limit(min(_max(OrderLine, "title"), _max(PendingOrderLine, "title")), "cut_title")
CATEGORY = Limit(min(_max(OrderLine, "category"), _max(PendingOrderLine, "category")), "cut_category")
# Custom attribute values are JSON (no column limit): only a value no person could type is refused.
ATTRIBUTE = Limit(ABSURD_CAP, cut=False)

# batch.counts keys of the cut columns, with their labels for the summary.
CUT_LABELS = {
    "cut_name": "姓名超长已截断", "cut_address": "地址超长已截断", "cut_region": "省市区超长已截断",
    "cut_shop": "店铺名称超长已截断", "cut_title": "商品名称超长已截断", "cut_category": "品类超长已截断",
}
