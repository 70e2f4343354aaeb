"""The import formats as the upload page offers them: grouped by kind, with Chinese notes.

The engine's format registry is the source of truth; this module only decides how the
page groups and explains it. Item reports (天猫宝贝报表) are order data to an operator, so
every order format is offered under 订单 and imported with kind "orders" (as `import_orders` does).
"""

from __future__ import annotations

from dataclasses import dataclass

from members.models import ImportKind

# The page's groups, in this order; every format that is not a member format is order data.
UI_KINDS = [(ImportKind.ORDERS.value, "订单"), (ImportKind.MEMBERS.value, "会员")]
ORDER_OF = {"tmall": 0, "tmall_items": 1, "jd": 2, "generic": 9}
TEMPLATE_TYPES = ("csv", "xlsx")

NOTES = {
    ("orders", "tmall"): "天猫/淘宝卖家后台导出的订单报表（ExportOrderList*.csv），每行一个订单。"
                         "原样上传即可：GBK 编码、订单号的 =\"…\" 写法和手机号前的单引号都会自动处理。",
    ("orders", "tmall_items"): "与订单报表同时导出的宝贝报表，每行一个商品。订单尚未导入的明细会先暂存，"
                               "订单报表导入后自动挂到订单上，两个文件先导哪个都可以。",
    ("orders", "jd"): "京东商家后台导出的订单，每行一个商品，同一订单的多行会合并为一个订单。",
    ("orders", "generic"): "自有商城、门店 POS、小程序等其他渠道的订单，按模板整理，每行一个商品。",
    ("members", "generic"): "按模板整理的会员资料。同一个人会按手机号等标识自动识别、合并，"
                            "可能重复的会进入人工审核。",
}


@dataclass(frozen=True)
class FormatOption:
    kind: str  # the batch kind the upload is imported with
    key: str
    label: str
    note: str
    columns: tuple  # the format's Column objects (label, aliases, required, help)
    has_template: bool  # our own formats; channel exports are uploaded as the platform wrote them

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.key}"


def template_attribute_columns(kind: str) -> dict[str, str] | None:
    """The brand's active custom attributes, as extra columns of the member template."""
    from members.imports.engine import attribute_columns

    return attribute_columns() if kind == ImportKind.MEMBERS else None


def format_options(*, with_attributes: bool = False) -> list[FormatOption]:
    """Every format, orders first; `with_attributes` lists custom attribute columns too (one query)."""
    from members.imports.formats import FORMATS, get_format  # FORMATS: {kind: {key: format}}

    kind_rank = {kind: rank for rank, (kind, _) in enumerate(UI_KINDS)}
    options = []
    for kind, formats in FORMATS.items():
        for key, fmt in formats.items():
            if with_attributes and kind == ImportKind.MEMBERS:
                fmt = get_format(key, kind, attribute_columns=template_attribute_columns(kind))
            options.append(FormatOption(
                kind=kind, key=key, label=fmt.label, note=NOTES.get((kind, key), ""), columns=tuple(fmt.columns),
                has_template=bool(getattr(fmt, "examples", None)),
            ))
    return sorted(options, key=lambda o: (kind_rank.get(o.kind, 9), ORDER_OF.get(o.key, 5), o.label))


def grouped_choices(options: list[FormatOption]) -> list:
    return [
        (group, [(o.value, o.label) for o in options if o.kind == kind])
        for kind, group in UI_KINDS
        if any(o.kind == kind for o in options)
    ]


def format_labels() -> dict[tuple[str, str], str]:
    """(batch kind, format key) → the format's Chinese label; look up with `label_of`."""
    return {(o.kind, o.key): o.label for o in format_options()}


def label_of(labels: dict[tuple[str, str], str], kind: str, key: str) -> str:
    """A batch's format as operators know it; the key itself if the format is gone."""
    return labels.get((ImportKind.MEMBERS.value if kind == ImportKind.MEMBERS else ImportKind.ORDERS.value, key), key)
