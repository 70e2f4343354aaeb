"""Rows taken in before are recognised by their fingerprint and skipped; anything else goes the full way."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from members.imports import engine
from members.imports.engine import import_file
from members.imports.fingerprints import RowFingerprints
from members.imports.taken_in import known_fingerprints
from members.models import Member, Order, OrderLine
from tests.members.test_import_engine import JD_HEADER, TMALL_HEADER, jd_rows, snapshot, tmall_row, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolutions(monkeypatch):
    """How many buyers each import sent through identity resolution."""
    seen = []
    resolve = engine.resolve_records

    def counting(records, **kwargs):
        seen.append(len(records))
        return resolve(records, **kwargs)

    monkeypatch.setattr(engine, "resolve_records", counting)
    return seen


def test_a_fingerprint_depends_on_headers_cells_and_row_order():
    # given
    prints = RowFingerprints(["订单编号", "订单状态"])
    first, second = {"a": "1001", "b": "交易成功"}, {"a": "1001", "b": "交易关闭"}

    # then
    assert prints.of(first) == RowFingerprints(["订单编号", "订单状态"]).of(dict(first))
    assert prints.of(first) != prints.of(second)
    assert prints.of(first) != RowFingerprints(["订单编号", "状态"]).of(first)
    assert prints.of(first, second) != prints.of(second, first)
    assert -(2**63) <= prints.of(first) < 2**63  # fits a bigint column


def test_reimporting_a_file_skips_every_row_without_resolving_buyers(tmp_path, resolutions):
    # given
    path = write_csv(tmp_path / "ExportOrderList.csv", TMALL_HEADER,
                     [tmall_row("1001", "tb-zhang"), tmall_row("1002", "tb-li", mobile="'13900139000")])
    import_file(kind="orders", format_key="tmall", path=path)
    before = snapshot()
    resolutions.clear()

    # when
    again = import_file(kind="orders", format_key="tmall", path=path)

    # then
    assert resolutions == []
    assert snapshot() == before
    assert again.counts["orders_unchanged"] == 2
    assert again.counts["members_matched"] == 2
    assert again.counts["members_created"] == 0


def test_a_changed_row_goes_the_full_way_while_the_same_rows_are_skipped(tmp_path, resolutions):
    # given
    import_file(kind="orders", format_key="tmall", path=write_csv(
        tmp_path / "ExportOrderList1.csv", TMALL_HEADER,
        [tmall_row("1001", "tb-zhang", status="买家已付款，等待卖家发货"), tmall_row("1002", "tb-li")]))
    resolutions.clear()

    # when
    newer = import_file(kind="orders", format_key="tmall", path=write_csv(
        tmp_path / "ExportOrderList2.csv", TMALL_HEADER,
        [tmall_row("1001", "tb-zhang", status="交易成功"), tmall_row("1002", "tb-li")]))

    # then
    assert resolutions == [1]
    assert newer.counts["orders_updated"] == 1 and newer.counts["orders_unchanged"] == 1
    assert Order.objects.get(external_no="1001").status == "completed"


def test_a_buyer_change_on_an_unchanged_order_still_reaches_the_member(tmp_path):
    # given
    import_file(kind="orders", format_key="tmall", path=write_csv(
        tmp_path / "ExportOrderList1.csv", TMALL_HEADER, [tmall_row("1001", "tb-zhang", name="张伟")]))
    order = Order.objects.get()
    updated_at = order.updated_at

    # when: a later export of the same order spells the receiver differently
    again = import_file(kind="orders", format_key="tmall", path=write_csv(
        tmp_path / "ExportOrderList2.csv", TMALL_HEADER, [tmall_row("1001", "tb-zhang", name="张伟伟")]))

    # then
    assert again.counts["orders_unchanged"] == 1
    order.refresh_from_db()
    assert order.updated_at == updated_at
    assert Member.objects.get().name == "张伟伟"
    # and the new rows are remembered: a third import skips them
    third = import_file(kind="orders", format_key="tmall", path=tmp_path / "ExportOrderList2.csv")
    assert third.counts["orders_unchanged"] == 1 and third.counts["members_matched"] == 1


def test_an_order_stored_without_a_fingerprint_gets_one_without_an_update(tmp_path):
    # given: an order imported before fingerprints existed
    path = write_csv(tmp_path / "ExportOrderList.csv", TMALL_HEADER, [tmall_row("1001", "tb-zhang")])
    import_file(kind="orders", format_key="tmall", path=path)
    Order.objects.update(import_fingerprint=None)

    # when
    again = import_file(kind="orders", format_key="tmall", path=path)

    # then
    assert again.counts["orders_unchanged"] == 1 and again.counts.get("orders_updated", 0) == 0
    assert Order.objects.get().import_fingerprint is not None


def test_a_jd_order_with_one_changed_sku_row_is_taken_in_again(tmp_path, resolutions):
    # given
    lines = (("100001", "洁面乳", "1", "89.00"), ("100002", "面霜", "1", "199.00"))
    first = write_csv(tmp_path / "jd1.csv", JD_HEADER, [*jd_rows("J1", "jd-zhang", lines=lines),
                                                         *jd_rows("J2", "jd-li", mobile="13900139000")])
    import_file(kind="orders", format_key="jd", path=first)
    resolutions.clear()

    # when: the second line's quantity changed, J2 did not
    changed = (lines[0], ("100002", "面霜", "2", "199.00"))
    again = import_file(kind="orders", format_key="jd", path=write_csv(
        tmp_path / "jd2.csv", JD_HEADER, [*jd_rows("J1", "jd-zhang", lines=changed),
                                          *jd_rows("J2", "jd-li", mobile="13900139000")]))

    # then
    assert resolutions == [1]
    assert OrderLine.objects.get(order__external_no="J1", line_no=2).quantity == 2
    assert again.counts["orders_unchanged"] == 1 and again.counts["lines_updated"] == 1


def test_all_rows_sends_rows_taken_in_before_the_full_way_again(tmp_path, resolutions):
    # given
    path = write_csv(tmp_path / "ExportOrderList.csv", TMALL_HEADER, [tmall_row("1001", "tb-zhang")])
    import_file(kind="orders", format_key="tmall", path=path)
    resolutions.clear()

    # when
    call_command("import_orders", "--format", "tmall", "--all-rows", str(path), stdout=StringIO())

    # then
    assert resolutions == [1]
    assert Order.objects.count() == 1


def test_a_known_row_whose_order_moved_on_earlier_in_the_file_is_taken_in_again(tmp_path):
    # given: order 1001 stored as paid 199.00 (row B)
    row_b = tmall_row("1001", "tb-zhang", paid="199.00")
    import_file(kind="orders", format_key="tmall", path=write_csv(tmp_path / "ExportOrderList1.csv", TMALL_HEADER,
                                                                  [row_b]))

    # when: a file repeats the order, first with another amount (A), then with row B again —
    # B's fingerprint is known when the import starts, but A has changed the order by the time B comes
    again = import_file(kind="orders", format_key="tmall", chunk_rows=1, path=write_csv(
        tmp_path / "ExportOrderList2.csv", TMALL_HEADER, [tmall_row("1001", "tb-zhang", paid="99.00"), row_b]))

    # then: as if no row had been skipped, the last row speaks
    assert Order.objects.get(external_no="1001").paid_amount == Decimal("199.00")
    assert again.counts["orders_updated"] == 2


def test_known_fingerprints_answer_for_the_channel_they_were_read_for(tmp_path):
    # given
    assert known_fingerprints("tmall") is None  # nothing imported yet: no hints at all
    import_file(kind="orders", format_key="tmall", path=write_csv(
        tmp_path / "ExportOrderList.csv", TMALL_HEADER, [tmall_row("1001", "tb-zhang")]))
    stored = Order.objects.get().import_fingerprint

    # when
    taken_in = known_fingerprints("tmall")

    # then
    assert taken_in(stored) and not taken_in(stored + 1) and not taken_in(stored - 1)
    assert known_fingerprints("jd") is None
