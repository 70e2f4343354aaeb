"""Import formats: how each kind of file's rows become typed rows (see `rows`).

    table = open_table(upload, filename=upload.name)
    fmt = get_format("tmall", kind="orders")
    match, parsed = parse_table(table, fmt)   # ImportFileError here: nothing read yet
    for item in parsed: ...                    # OrderRow | ItemRow | MemberRow | RowError
"""

from collections.abc import Iterator, Mapping

from members.cleaning.lengths import drop_control_chars, has_control_chars

from ..rows import HeaderMatch, ImportFileError
from ..table import Table
from .base import ImportFormat, ParsedRow, TableRows, TakenIn
from .generic_members import GenericMembersFormat
from .generic_orders import GenericOrdersFormat
from .jd import JdOrdersFormat
from .tmall import TmallOrdersFormat
from .tmall_items import TmallItemsFormat

ORDER_FORMATS = ("tmall", "tmall_items", "jd", "generic")
MEMBER_FORMATS = ("generic",)

# By what the import fills ("orders" also covers the item report, whose kind is "order_lines"),
# then by key: the generic member and order templates share the key "generic".
FORMATS: dict[str, dict[str, ImportFormat]] = {
    "orders": {
        "tmall": TmallOrdersFormat(),
        "tmall_items": TmallItemsFormat(),
        "jd": JdOrdersFormat(),
        "generic": GenericOrdersFormat(),
    },
    "members": {"generic": GenericMembersFormat()},
}


def get_format(key: str, kind: str = "orders", *, attribute_columns: Mapping[str, str] | None = None) -> ImportFormat:
    """The format for `key` among the `kind` ("orders" | "members") formats.

    `attribute_columns` (header → custom attribute key) applies to the member template.
    """
    formats = FORMATS.get(kind)
    if formats is None:
        raise ImportFileError(f"未知的导入类型“{kind}”，可选：订单(orders)、会员(members)。")
    if key not in formats:
        known = "、".join(f"{fmt.label}({k})" for k, fmt in formats.items())
        raise ImportFileError(f"未知的导入格式“{key}”，可选：{known}。")
    if kind == "members" and attribute_columns:
        return GenericMembersFormat(attribute_columns)
    return formats[key]


def format_choices(kind: str = "orders") -> list[tuple[str, str]]:
    """(key, Chinese label) pairs for a form's select box."""
    return [(key, fmt.label) for key, fmt in FORMATS[kind].items()]


MAX_CELL_CHARS = 32_767  # Excel's limit for one cell


def without_control_chars(rows: TableRows) -> TableRows:
    """The rows with control characters and lone surrogates dropped from every cell.

    PostgreSQL refuses NUL in text and JSON, and a lone surrogate cannot be encoded at all: one
    such cell would fail its whole chunk. None is ever meaningful in a CRM field, so they go
    silently, like the invisible marks `values.text` drops. One search per row finds the rare
    row that has any.
    """
    for number, row in rows:
        joined = "".join(row.values())
        if len(joined) > MAX_CELL_CHARS:
            # Past Excel's own cell limit nothing is a value: cut before cleaning, which costs a pass
            # over the cell for every reference to it (one shared string can fill a whole column);
            # the column's limit then rejects the row as absurd.
            row = {header: cell[:MAX_CELL_CHARS] for header, cell in row.items()}
            joined = "".join(row.values())
        if has_control_chars(joined):
            row = {header: drop_control_chars(cell) for header, cell in row.items()}
        yield number, row


def parse_table(table: Table, fmt: ImportFormat, taken_in: TakenIn | None = None,
                ) -> tuple[HeaderMatch, Iterator[ParsedRow]]:
    """Match the headers (raising ImportFileError before any row is read) and parse lazily.

    Only the columns the format uses are read out of each row, which roughly halves the
    reading cost of a wide platform report. `taken_in` (formats with one row per order):
    rows with a fingerprint it knows come out as KnownRow, unparsed.
    """
    match = fmt.match_headers(table.headers)
    rows = without_control_chars(table.rows(columns=match.columns.values()))
    if taken_in is not None and fmt.single_row_orders:
        return match, fmt.parse(rows, match, taken_in)
    return match, fmt.parse(rows, match)


__all__ = [
    "FORMATS", "MEMBER_FORMATS", "ORDER_FORMATS", "ImportFormat", "ParsedRow", "format_choices", "get_format",
    "parse_table",
]
