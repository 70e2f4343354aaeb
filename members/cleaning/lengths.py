"""How long a value may be, and the characters no stored value may hold.

A value longer than its column is either a person's long (but real) name or address, which is
cut to the column, or something no person could have typed — a whole row pasted into one cell,
a column shifted by a stray separator — which must refuse its row rather than be stored.
The line between the two: more than ABSURD_FACTOR times the column's limit, or more than
ABSURD_CAP characters whatever the limit.
"""

import re

ABSURD_FACTOR = 4
ABSURD_CAP = 1000

# C0 controls except tab, newline and carriage return; DEL and the C1 controls; lone surrogates
# (a broken decoder's leftovers, which cannot be encoded to UTF-8). PostgreSQL refuses NUL in
# text and JSON; none of them is ever meaningful in a CRM field.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def absurd_length(limit: int) -> int:
    """The longest value a column of `limit` characters still takes (cut); anything longer is refused."""
    return min(limit * ABSURD_FACTOR, max(limit, ABSURD_CAP))


def has_control_chars(text: str) -> bool:
    return _CONTROL.search(text) is not None


def drop_control_chars(text: str) -> str:
    """`text` without control characters and lone surrogates (see _CONTROL)."""
    return _CONTROL.sub("", text)


def too_long_reason(length: int, limit: int) -> str:
    """Why a value past absurd_length(limit) refuses its row (Chinese, for the error report)."""
    return (f"内容长达 {length:,} 个字符，远超该列上限 {limit} 个字符，不像真实数据（可能是列错位或粘贴了多余内容），"
            "整行未导入；请检查后重新导入")


def identifier_too_long_reason(length: int, limit: int) -> str:
    """Why an over-long identifier refuses its row: a cut identifier could link the wrong person."""
    return (f"标识长达 {length:,} 个字符，超过上限 {limit} 个字符；截断后可能关联到其他会员，"
            "整行未导入；请核对该账号或标识")


def code_too_long_reason(length: int, limit: int, thing: str) -> str:
    """Why an over-long code (a store's, a product's) refuses its row: cut, it would name another one."""
    return (f"编码长达 {length:,} 个字符，超过上限 {limit} 个字符；截断后可能指向其他{thing}，"
            "整行未导入；请核对该编码")
