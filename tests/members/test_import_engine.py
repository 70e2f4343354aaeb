"""The import engine end to end: files in, people and orders out, idempotent, resumable, with row errors."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from members import hooks
from members.imports import engine
from members.imports.engine import import_file
from members.models import (
    ConsentRecord,
    ImportBatch,
    ImportRowError,
    ImportStatus,
    Member,
    MemberStatus,
    Order,
    OrderLine,
    OrderStatus,
    PendingOrderLine,
    SourceProfile,
)
from tests.conftest import in_thread, join_all

pytestmark = pytest.mark.django_db

TMALL_HEADER = ["订单编号 ", "买家会员名", "买家应付货款", "买家实际支付金额", "订单状态", "收货人姓名 ", "收货地址",
                "联系手机", "订单创建时间", "订单付款时间", "宝贝总数量", "店铺名称", "退款金额", "确认收货时间"]


def tmall_row(no, nick, paid="199.00", status="交易成功", name="张伟", mobile="'13800138000", refund="0",
              created="2026-03-01 10:00:00", paid_at="2026-03-01 10:05:00"):
    return [f'="{no}"', nick, paid, paid, status, name, "上海 上海市 浦东新区 张江路88弄3号楼1201室(200120)", mobile,
            created, paid_at, "1", "品牌官方旗舰店", refund, ""]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding="gb18030") -> Path:
    text = "\r\n".join(",".join(_quote(c) for c in row) for row in [header, *rows]) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n') else cell


JD_HEADER = ["订单号", "商品ID", "商品名称", "订购数量", "下单时间", "京东价", "应付金额", "订单状态", "下单帐号",
             "客户姓名", "客户地址", "联系电话", "付款确认时间", "订单完成时间"]


def jd_rows(no, account, mobile="13800138000", status="完成", lines=(("100001", "洁面乳", "1", "89.00"),)):
    total = sum(float(price) * int(qty) for _, _, qty, price in lines)
    return [[no, sku, title, qty, "2026-04-01 09:00:00", price, f"{total:.2f}", status, account, "张伟",
             "北京市朝阳区建国路1号", mobile, "2026-04-01 09:01:00", "2026-04-05 12:00:00"]
            for sku, title, qty, price in lines]


@pytest.fixture
def tmall_file(tmp_path):
    return write_csv(tmp_path / "ExportOrderList202603.csv", TMALL_HEADER, [
        tmall_row("1001", "tb-zhang"),
        tmall_row("1002", "tb-zhang", paid="59.90元"),
        tmall_row("1003", "tb-li", name="李娜", mobile="'13900139000", status="买家已付款，等待卖家发货"),
    ])


def snapshot():
    return (list(Member.objects.values().order_by("pk")), list(Order.objects.values().order_by("pk")),
            list(SourceProfile.objects.values().order_by("pk")))


def test_a_tmall_report_becomes_people_and_orders(tmall_file):
    # when
    batch = import_file(kind="orders", format_key="tmall", path=tmall_file)

    # then
    assert batch.status == ImportStatus.SUCCEEDED
    assert batch.counts["orders_created"] == 3
    assert batch.counts["members_created"] == 2
    zhang = Member.objects.get(mobile="+8613800138000")
    assert zhang.orders.count() == 2
    assert Order.objects.get(external_no="1002").paid_amount == Decimal("59.90")
    assert Order.objects.get(external_no="1003").status == OrderStatus.PAID
    assert batch.file_sha256 and batch.finished_at and batch.progress == 1.0


def test_importing_the_same_file_twice_changes_nothing(tmall_file):
    # given
    import_file(kind="orders", format_key="tmall", path=tmall_file)
    before = snapshot()

    # when
    again = import_file(kind="orders", format_key="tmall", path=tmall_file)

    # then
    assert snapshot() == before
    assert again.counts["orders_unchanged"] == 3
    assert again.counts.get("orders_created", 0) == again.counts.get("orders_updated", 0) == 0
    assert again.counts["members_created"] == 0


def test_a_newer_export_updates_status_and_refund_and_tells_the_hook(tmall_file, tmp_path):
    # given
    import_file(kind="orders", format_key="tmall", path=tmall_file)
    received = []
    handler = hooks.orders_changed.connect(lambda order_ids, source: received.append(sorted(order_ids)))
    newer = write_csv(tmp_path / "ExportOrderList202604.csv", TMALL_HEADER, [
        tmall_row("1001", "tb-zhang", refund="50.00"),
        tmall_row("1003", "tb-li", name="李娜", mobile="'13900139000", status="交易成功"),
    ])

    # when
    try:
        batch = import_file(kind="orders", format_key="tmall", path=newer)
    finally:
        hooks.orders_changed.disconnect(handler)

    # then
    assert batch.counts["orders_updated"] == 2
    first = Order.objects.get(external_no="1001")
    assert (first.status, first.refunded_amount) == (OrderStatus.PARTIALLY_REFUNDED, 50)
    assert Order.objects.get(external_no="1003").status == OrderStatus.COMPLETED
    assert received == [sorted(Order.objects.filter(external_no__in=["1001", "1003"]).values_list("pk", flat=True))]


def test_one_chunk_with_changed_same_and_new_orders_writes_each_its_way(tmall_file, tmp_path):
    # given: the three orders imported, then an export where 1001 moved on, 1002 is as it was
    # and 1004 is new — all in one chunk
    import_file(kind="orders", format_key="tmall", path=tmall_file)
    later = write_csv(tmp_path / "ExportOrderList202605.csv", TMALL_HEADER, [
        tmall_row("1001", "tb-zhang", refund="199.00"),
        tmall_row("1002", "tb-zhang", paid="59.90元"),
        tmall_row("1004", "tb-li", name="李娜", mobile="'13900139000"),
    ])

    # when
    batch = import_file(kind="orders", format_key="tmall", path=later)

    # then
    assert (batch.counts["orders_created"], batch.counts["orders_updated"], batch.counts["orders_unchanged"]) == (
        1, 1, 1)
    assert Order.objects.get(external_no="1001").status == OrderStatus.REFUNDED
    assert Order.objects.get(external_no="1004").member == Order.objects.get(external_no="1003").member
    assert Order.objects.count() == 4


def test_an_older_export_never_moves_an_order_back(tmall_file, tmp_path):
    # given: the order is completed
    import_file(kind="orders", format_key="tmall", path=tmall_file)
    older = write_csv(tmp_path / "old.csv", TMALL_HEADER, [tmall_row("1001", "tb-zhang", status="买家已付款，等待卖家发货")])

    # when
    batch = import_file(kind="orders", format_key="tmall", path=older)

    # then
    assert Order.objects.get(external_no="1001").status == OrderStatus.COMPLETED
    assert batch.counts["orders_stale"] == 1


def test_a_missing_required_column_fails_before_any_write(tmp_path):
    # given
    header = [h for h in TMALL_HEADER if h.strip() != "订单状态"]
    bad = write_csv(tmp_path / "bad.csv", header, [tmall_row("1001", "tb-zhang")[:4] + tmall_row("1001", "x")[5:]])

    # when
    batch = import_file(kind="orders", format_key="tmall", path=bad)

    # then
    assert batch.status == ImportStatus.FAILED
    assert "订单状态" in batch.error_message
    assert not Order.objects.exists() and not Member.objects.exists()


def test_the_command_exits_non_zero_naming_the_missing_column(tmp_path):
    # given
    bad = write_csv(tmp_path / "bad.csv", ["订单编号", "买家会员名"], [["1", "x"]])

    # when / then
    with pytest.raises(CommandError, match="买家实际支付金额"):
        call_command("import_orders", "--format", "tmall", str(bad), stdout=StringIO())


def test_bad_rows_are_reported_and_good_rows_still_import(tmp_path):
    # given: row 3 has an amount that is not a number
    path = write_csv(tmp_path / "mixed.csv", TMALL_HEADER, [
        tmall_row("1001", "tb-zhang"),
        tmall_row("1002", "tb-zhang", paid="abc"),
        tmall_row("1003", "tb-li", mobile="'13900139000"),
    ])

    # when
    out = StringIO()
    call_command("import_orders", "--format", "tmall", str(path), stdout=out)

    # then
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.SUCCEEDED
    assert batch.counts["orders_created"] == 2 and batch.counts["rows_rejected"] == 1
    error = ImportRowError.objects.filter(batch=batch).first()
    assert (error.row_number, error.value) == (3, "abc")
    assert "买家实际支付金额" in error.column or "买家应付货款" in error.column
    assert "拒绝行数: 1" in out.getvalue()


def test_orders_without_buyer_columns_import_unlinked_and_are_counted(tmp_path):
    # given: an export whose PII columns were removed
    pii = {"买家会员名", "收货人姓名", "收货地址", "联系手机"}
    keep = [i for i, h in enumerate(TMALL_HEADER) if h.strip() not in pii]
    rows = [[r[i] for i in keep] for r in (tmall_row("1001", "a"), tmall_row("1002", "b"))]
    path = write_csv(tmp_path / "nopii.csv", [TMALL_HEADER[i] for i in keep], rows)

    # when
    batch = import_file(kind="orders", format_key="tmall", path=path)

    # then
    assert batch.counts["orders_created"] == 2
    assert batch.counts["orders_unlinked"] == 2
    assert not Member.objects.exists()


def test_a_buyer_on_tmall_and_jd_with_one_mobile_is_one_person(tmall_file, tmp_path):
    # given
    import_file(kind="orders", format_key="tmall", path=tmall_file)
    jd = write_csv(tmp_path / "jd.csv", JD_HEADER, jd_rows("J1", "jd_zhang", lines=(
        ("100001", "洁面乳", "1", "89.00"), ("100002", "面霜", "2", "120.00"))))

    # when
    batch = import_file(kind="orders", format_key="jd", path=jd)

    # then: the JD order belongs to the Tmall buyer, with its two lines
    zhang = Member.objects.get(mobile="+8613800138000")
    order = Order.objects.get(channel="jd", external_no="J1")
    assert order.member_id == zhang.pk
    assert list(order.lines.order_by("line_no").values_list("line_no", "sku", "quantity")) == [
        (1, "100001", 1), (2, "100002", 2)]
    assert batch.counts["members_matched"] == 1 and batch.counts.get("members_created", 0) == 0


ITEMS_HEADER = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态", "商家编码"]


def test_item_lines_arriving_before_their_orders_wait_and_are_attached_later(tmall_file, tmp_path):
    # given: the item report first
    items = write_csv(tmp_path / "ExportOrderDetailList.csv", ITEMS_HEADER, [
        ['="1001"', "氨基酸洁面乳", "99.50", "2", "", "规格:100ml", "", "", "交易成功", "SKU-1"],
        ['="9999"', "面霜", "120", "1", "", "", "", "", "交易成功", "SKU-2"],
    ])
    first = import_file(kind="orders", format_key="tmall_items", path=items)
    assert first.counts["lines_pending"] == 2

    # when: the orders arrive
    batch = import_file(kind="orders", format_key="tmall", path=tmall_file)

    # then
    line = OrderLine.objects.get(order__external_no="1001")
    assert (line.sku, line.quantity, str(line.price)) == ("SKU-1", 2, "99.50")
    assert batch.counts["lines_attached"] == 1
    assert list(PendingOrderLine.objects.values_list("external_no", flat=True)) == ["9999"]


def test_item_lines_of_known_orders_go_straight_onto_them_once(tmall_file, tmp_path):
    # given
    import_file(kind="orders", format_key="tmall", path=tmall_file)
    items = write_csv(tmp_path / "items.csv", ITEMS_HEADER, [
        ['="1001"', "洁面乳", "99.50", "2", "", "", "", "", "交易成功", "SKU-1"]])

    # when: imported twice
    import_file(kind="orders", format_key="tmall_items", path=items)
    again = import_file(kind="orders", format_key="tmall_items", path=items)

    # then
    assert OrderLine.objects.count() == 1
    assert again.counts["lines_unchanged"] == 1


def test_an_interrupted_import_resumes_after_the_last_committed_chunk(tmp_path, monkeypatch):
    # given: a file of 5 orders imported 2 rows per chunk, the process dies in the second chunk
    path = write_csv(tmp_path / "big.csv", TMALL_HEADER,
                     [tmall_row(str(1000 + i), f"tb-{i}", mobile=f"'1380013{i:04d}") for i in range(5)])
    real = engine._write_chunk
    calls = {"n": 0}

    def dying(batch, chunk, carry):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real(batch, chunk, carry)

    monkeypatch.setattr(engine, "_write_chunk", dying)
    batch = engine.create_batch(kind="orders", format_key="tmall", path=path)
    with pytest.raises(RuntimeError):
        engine.run_batch(batch, path, chunk_rows=2)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_done, Order.objects.count()) == (ImportStatus.FAILED, 3, 2)
    assert "第 3 行" in batch.error_message

    # when
    monkeypatch.setattr(engine, "_write_chunk", real)
    call_command("import_orders", "--format", "tmall", "--resume", str(batch.pk), str(path), "--chunk-rows", "2",
                 stdout=StringIO())

    # then
    batch.refresh_from_db()
    assert batch.status == ImportStatus.SUCCEEDED
    assert Order.objects.count() == 5 and batch.counts["orders_created"] == 5
    assert batch.counts["rows_read"] == 5


MEMBER_HEADER = ["渠道", "渠道账号", "姓名", "性别", "生日", "手机号", "省份", "城市", "短信营销授权", "授权时间"]


def test_a_generic_member_file_creates_people_with_consent_once(tmp_path):
    # given
    path = write_csv(tmp_path / "members.csv", MEMBER_HEADER, [
        ["wechat_mp", "o-1", "王芳", "女", "1990-05-12", "13700137000", "上海", "上海", "是", "2026-01-02 10:00:00"],
        ["微信小程序", "o-2", "赵强", "男", "1985/3/4", "13600136000", "浙江", "杭州", "否", ""],
        ["wechat_mp", "", "", "", "", "", "", "", "", ""],
    ], encoding="utf-8-sig")

    # when: imported twice
    batch = import_file(kind="members", format_key="generic", path=path)
    import_file(kind="members", format_key="generic", path=path)

    # then
    assert batch.counts["members_created"] == 2 and batch.counts["rows_rejected"] == 1
    wang = Member.objects.get(name="王芳")
    assert (wang.city, str(wang.birthday)) == ("上海市", "1990-05-12")
    assert ConsentRecord.objects.count() == 2
    assert ImportRowError.objects.filter(batch=batch, row_number=4).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_overlapping_files_imported_at_once_make_no_duplicates(tmp_path):
    # given: two files sharing half their orders and buyers
    rows = [tmall_row(str(2000 + i), f"tb-{i % 40}", mobile=f"'1380013{i % 40:04d}") for i in range(120)]
    a = write_csv(tmp_path / "a.csv", TMALL_HEADER, rows[:80])
    b = write_csv(tmp_path / "b.csv", TMALL_HEADER, rows[40:])
    errors = []

    def importing(path):
        return lambda: import_file(kind="orders", format_key="tmall", path=path, chunk_rows=10)

    # when
    join_all([in_thread(importing(p), errors, name=f"import-{p.name}") for p in (a, b)], timeout=120)

    # then
    assert not errors
    assert Order.objects.count() == 120
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 40
    assert SourceProfile.objects.count() == 40


def test_custom_attribute_columns_are_validated_and_stored(tmp_path):
    # given: a custom attribute and a file with one valid and one invalid value
    from members.models import AttributeDefinition

    AttributeDefinition.objects.create(key="skin_type", label="肤质", type="choice", choices=["干性", "油性"])
    path = write_csv(tmp_path / "members.csv", ["渠道", "渠道账号", "手机号", "肤质"], [
        ["pos", "card-1", "13700137000", "干性"],
        ["pos", "card-2", "13600136000", "中性"],
    ], encoding="utf-8-sig")

    # when
    batch = import_file(kind="members", format_key="generic", path=path)

    # then: the valid row stored, the invalid row reported with the reason
    assert batch.unknown_columns == []
    assert Member.objects.get(mobile="+8613700137000").attributes == {"skin_type": "干性"}
    error = ImportRowError.objects.get(batch=batch)
    assert error.row_number == 3 and "中性" in error.reason
