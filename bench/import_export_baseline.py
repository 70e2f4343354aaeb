"""django-import-export's default import path for the Tmall order report, as an operator would set it up.

A ModelResource keyed on (channel, 订单编号), the file's quirks undone in `before_import_row`,
`import_data(dry_run=False)`. It resolves no buyers at all — it only writes orders — so the
comparison flatters it. The bench runs it on a freshly migrated database, so every row is an
insert, as our first import's rows are; the totals it returns let the bench check that.
"""

import csv
import time
from itertools import islice

import tablib
from import_export import fields, resources

from members.cleaning import parse_datetime_cn, strip_export_quirks
from members.models import Order

STATUS = {"等待买家付款": "pending", "买家已付款，等待卖家发货": "paid", "卖家已发货，等待买家确认": "shipped",
          "交易成功": "completed", "交易关闭": "closed", "交易被淘宝关闭": "closed"}


def _amount(text: str) -> str:
    return strip_export_quirks(text).removesuffix("元") or "0"


class TmallOrderResource(resources.ModelResource):
    channel = fields.Field(attribute="channel", column_name="channel")
    external_no = fields.Field(attribute="external_no", column_name="订单编号")
    raw_status = fields.Field(attribute="raw_status", column_name="订单状态")
    status = fields.Field(attribute="status", column_name="status")
    payable_amount = fields.Field(attribute="payable_amount", column_name="买家应付货款")
    paid_amount = fields.Field(attribute="paid_amount", column_name="买家实际支付金额")
    refunded_amount = fields.Field(attribute="refunded_amount", column_name="退款金额")
    shop_name = fields.Field(attribute="shop_name", column_name="店铺名称")
    ordered_at = fields.Field(attribute="ordered_at", column_name="订单创建时间")

    class Meta:
        model = Order
        import_id_fields = ("channel", "external_no")
        fields = ("channel", "external_no", "raw_status", "status", "payable_amount", "paid_amount",
                  "refunded_amount", "shop_name", "ordered_at")

    def before_import_row(self, row, **kwargs):
        row["channel"] = "tmall"
        row["订单编号"] = strip_export_quirks(row["订单编号"])
        row["status"] = STATUS.get(strip_export_quirks(row["订单状态"]), "closed")
        for column in ("买家应付货款", "买家实际支付金额", "退款金额"):
            row[column] = _amount(row.get(column, ""))
        row["订单创建时间"] = parse_datetime_cn(row["订单创建时间"])


def import_with_django_import_export(path: str, rows: int) -> dict:
    """Import the first `rows` rows of the Tmall report at `path`: seconds of `import_data` and
    how many rows it read, inserted (new) and updated."""
    with open(path, encoding="gb18030", newline="") as handle:
        reader = csv.reader(handle)
        headers = [h.strip() for h in next(reader)]
        data = tablib.Dataset(*islice(reader, rows), headers=headers)
    # Filled per row in before_import_row; the resource checks its id fields against the headers.
    data.append_col(["tmall"] * len(data), header="channel")
    data.append_col([""] * len(data), header="status")
    start = time.perf_counter()
    result = TmallOrderResource().import_data(data, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(result.rows), "new": result.totals.get("new", 0),
            "update": result.totals.get("update", 0)}
