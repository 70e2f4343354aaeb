"""Values longer than their columns: a long name is cut and counted, an absurd value or an over-long
identifier rejects only its own row, and the rest of the chunk goes in (issue 13, defect 4)."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from members.imports.engine import import_file
from members.imports.formats.limits import CUT_LABELS
from members.imports.summary import summary_lines, summary_text
from members.models import ImportRowError, ImportStatus, Member, Order, OrderLine, SourceProfile

from .support import GENERIC_MEMBER_DEFAULTS, GENERIC_ORDER_DEFAULTS, JD_DEFAULTS, TMALL_DEFAULTS, rows_from

pytestmark = pytest.mark.django_db

NAME_LIMIT = Member._meta.get_field("name").max_length  # 64
NICK_REFUSED = SourceProfile._meta.get_field("external_id").max_length + 1  # 129


def tmall_order(number: int, **cells: str) -> dict[str, str]:
    return {"订单编号": f'="{number}"', "买家会员名": f"tb_buyer_{number}", "联系手机": f"'139{number:08d}", **cells}


def write(tmp_path: Path, content: str, name: str = "ExportOrderList.csv") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def import_tmall(tmp_path: Path, *rows: dict[str, str], name: str = "ExportOrderList.csv"):
    return import_file(kind="orders", format_key="tmall", path=write(tmp_path, rows_from(TMALL_DEFAULTS, *rows), name))


def errors_of(batch) -> list[tuple[int, str, str]]:
    return list(ImportRowError.objects.filter(batch=batch).order_by("row_number")
                .values_list("row_number", "column", "reason"))


# ---------------------------------------------------------------- a long name is cut and counted


def test_a_65_character_receiver_name_is_cut_to_the_column_and_counted(tmp_path):
    # given: three orders, the middle one's 收货人姓名 one character too long
    long_name = "欧阳" + "娜" * (NAME_LIMIT - 1)

    # when
    batch = import_tmall(tmp_path, tmall_order(1001), tmall_order(1002, 收货人姓名=long_name), tmall_order(1003))

    # then: every order is in, the name fills the column, and the summary says one was cut
    assert batch.status == ImportStatus.SUCCEEDED
    assert Order.objects.count() == 3
    assert SourceProfile.objects.get(external_id="tb_buyer_1002").name == long_name[:NAME_LIMIT]
    assert batch.counts["cut_name"] == 1
    assert errors_of(batch) == []


def test_the_summary_counts_the_rows_whose_name_was_cut(tmp_path):
    # given: three orders whose names are all too long
    long = {"收货人姓名": "张" * (NAME_LIMIT + 5)}

    # when
    batch = import_tmall(tmp_path, tmall_order(1, **long), tmall_order(2, **long), tmall_order(3, **long))

    # then
    assert "姓名超长已截断 3 行" in summary_text(batch)
    assert ("姓名超长已截断（行）", 3) in summary_lines(batch)


def test_an_existing_buyers_long_new_name_is_cut_and_counted_not_cut_silently(tmp_path):
    # given: a buyer imported with a short name
    import_tmall(tmp_path, tmall_order(1001), name="first.csv")
    long_name = "李" * (NAME_LIMIT + 1)

    # when: a later export of a newer order gives the same buyer a long name
    batch = import_tmall(tmp_path, tmall_order(1002, 买家会员名="tb_buyer_1001", 联系手机="'13900001001",
                                               收货人姓名=long_name, 订单创建时间="2025-07-01 10:00:00"),
                         name="second.csv")

    # then: the name fits its column and the cut is in the summary
    assert batch.status == ImportStatus.SUCCEEDED
    profile = SourceProfile.objects.get(external_id="tb_buyer_1001")
    assert profile.name == long_name[:NAME_LIMIT]
    assert profile.member.name == long_name[:NAME_LIMIT]
    assert batch.counts["cut_name"] == 1


def test_a_long_product_title_of_the_generic_template_is_cut_and_counted(tmp_path):
    # given
    title_limit = OrderLine._meta.get_field("title").max_length
    path = write(tmp_path, rows_from(GENERIC_ORDER_DEFAULTS, {"商品名称": "T" * (title_limit + 10)}), "orders.csv")

    # when
    batch = import_file(kind="orders", format_key="generic", path=path)

    # then
    assert OrderLine.objects.get().title == "T" * title_limit
    assert batch.counts["cut_title"] == 1
    assert "商品名称超长已截断 1 行" in summary_text(batch)


def test_a_long_jd_customer_name_is_cut_and_counted(tmp_path):
    # given
    path = write(tmp_path, rows_from(JD_DEFAULTS, {"客户姓名": "韩" * (NAME_LIMIT + 1)}), "jd.csv")

    # when
    batch = import_file(kind="orders", format_key="jd", path=path)

    # then
    assert SourceProfile.objects.get().name == "韩" * NAME_LIMIT
    assert batch.counts["cut_name"] == 1


def test_every_cut_count_has_a_summary_label():
    # then: each count key a format may note is labelled for the summary, in Chinese
    from members.imports.formats import limits

    keys = {value.count_key for value in vars(limits).values() if isinstance(value, limits.Limit) and value.count_key}
    assert keys == set(CUT_LABELS)


# ---------------------------------------------------------------- an absurd value rejects its row only


def test_a_10000_character_name_rejects_its_row_with_the_column_and_reason(tmp_path):
    # when
    batch = import_tmall(tmp_path, tmall_order(1001), tmall_order(1002, 收货人姓名="张" * 10_000), tmall_order(1003))

    # then: the other orders are in; the error names the row, the column and why
    assert batch.status == ImportStatus.SUCCEEDED
    assert sorted(Order.objects.values_list("external_no", flat=True)) == ["1001", "1003"]
    [(row, column, reason)] = errors_of(batch)
    assert (row, column) == (3, "收货人姓名")
    assert "10,000 个字符" in reason and f"上限 {NAME_LIMIT}" in reason
    assert batch.counts["rows_rejected"] == 1 and batch.counts["rows_read"] == 3


def test_the_error_report_shows_the_start_and_the_length_of_an_absurd_value(tmp_path):
    # when
    batch = import_tmall(tmp_path, tmall_order(1, 收货人姓名="张" * 10_000))

    # then
    assert ImportRowError.objects.get(batch=batch).value == "张" * 100 + "…（共 10,000 个字符）"


def test_a_10000_character_name_in_the_member_template_rejects_its_row(tmp_path):
    # given
    path = write(tmp_path, rows_from(GENERIC_MEMBER_DEFAULTS, {"姓名": "王" * 10_000},
                                     {"渠道账号": "8800999999", "手机号": "13912345678"}), "members.csv")

    # when
    batch = import_file(kind="members", format_key="generic", path=path)

    # then
    assert batch.status == ImportStatus.SUCCEEDED
    assert [(row, column) for row, column, _ in errors_of(batch)] == [(2, "姓名")]
    assert SourceProfile.objects.get().external_id == "8800999999"


# ---------------------------------------------------------------- over-long identifiers are refused, never cut


def test_a_129_character_buyer_nick_of_a_new_buyer_rejects_its_row_only(tmp_path):
    # when
    batch = import_tmall(tmp_path, tmall_order(1001), tmall_order(1002, 买家会员名="n" * NICK_REFUSED),
                         tmall_order(1003))

    # then: no account was made from a cut nick, and the row says why
    assert batch.status == ImportStatus.SUCCEEDED
    assert sorted(Order.objects.values_list("external_no", flat=True)) == ["1001", "1003"]
    assert not SourceProfile.objects.filter(external_id__startswith="nnn").exists()
    [(row, column, reason)] = errors_of(batch)
    assert (row, column) == (3, "买家会员名")
    assert "截断后可能关联到其他会员" in reason


def test_a_129_character_buyer_nick_of_an_existing_buyer_leaves_the_buyer_as_they_were(tmp_path):
    # given: a buyer known by nick and mobile
    import_tmall(tmp_path, tmall_order(1001), name="first.csv")
    before = list(SourceProfile.objects.values_list("external_id", "name"))

    # when: a later order with the buyer's mobile carries a 129-character nick
    batch = import_tmall(tmp_path, tmall_order(1002, 买家会员名="n" * NICK_REFUSED, 联系手机="'13900001001"),
                         name="second.csv")

    # then
    assert [(row, column) for row, column, _ in errors_of(batch)] == [(2, "买家会员名")]
    assert list(SourceProfile.objects.values_list("external_id", "name")) == before
    assert not Order.objects.filter(external_no="1002").exists()


def test_an_over_long_identifier_column_of_the_member_template_rejects_its_row(tmp_path):
    # given
    path = write(tmp_path, rows_from(GENERIC_MEMBER_DEFAULTS, {"微信UnionID": "o" * 150}), "members.csv")

    # when
    batch = import_file(kind="members", format_key="generic", path=path)

    # then
    assert [(row, column) for row, column, _ in errors_of(batch)] == [(2, "微信UnionID")]
    assert not SourceProfile.objects.exists()


# ---------------------------------------------------------------- numbers, dates and characters


def test_an_order_time_outside_any_plausible_range_rejects_its_row(tmp_path):
    # when
    batch = import_tmall(tmp_path, tmall_order(1001, 订单创建时间="0001-01-01 00:00:00"), tmall_order(1002))

    # then
    [(row, column, reason)] = errors_of(batch)
    assert (row, column) == (2, "订单创建时间") and "时间超出合理范围" in reason
    assert list(Order.objects.values_list("external_no", flat=True)) == ["1002"]


def test_quantities_summing_past_the_item_count_column_reject_the_order(tmp_path):
    # given: one JD order of 300 lines of ten million items each
    rows = [{"商品ID": f"10000{n}", "订购数量": "10000000"} for n in range(300)]
    path = write(tmp_path, rows_from(JD_DEFAULTS, *rows), "jd.csv")

    # when
    batch = import_file(kind="orders", format_key="jd", path=path)

    # then
    assert batch.status == ImportStatus.SUCCEEDED
    assert not Order.objects.exists()
    assert batch.counts["rows_rejected"] == 300
    assert any("商品数量合计超过" in reason for _, _, reason in errors_of(batch))


def test_nul_and_control_characters_are_dropped_and_the_row_taken_in(tmp_path):
    # when
    batch = import_tmall(tmp_path, tmall_order(1001, 收货人姓名="李\x00雷\x07", 店铺名称="旗舰\x00店"))

    # then
    assert batch.status == ImportStatus.SUCCEEDED
    assert SourceProfile.objects.get().name == "李雷"
    assert Order.objects.get().shop_name == "旗舰店"


# ---------------------------------------------------------------- the command


def test_the_command_imports_a_file_with_long_values_without_failing(tmp_path, capsys):
    # given: a long name, an absurd name and a too-long nick among good rows
    path = write(tmp_path, rows_from(
        TMALL_DEFAULTS, tmall_order(1), tmall_order(2, 收货人姓名="张" * (NAME_LIMIT + 1)),
        tmall_order(3, 收货人姓名="张" * 10_000), tmall_order(4, 买家会员名="n" * NICK_REFUSED), tmall_order(5),
    ))
    out = StringIO()

    # when: CommandError (exit code 1) or any other exception would fail the test here
    call_command("import_orders", "--format", "tmall", str(path), stdout=out)

    # then: exit code 0, the summary with the cut count, nothing on stderr
    assert "（已完成）" in out.getvalue()
    assert "拒绝行数: 2" in out.getvalue()
    assert "姓名超长已截断 1 行" in out.getvalue()
    assert "Traceback" not in capsys.readouterr().err
    assert Order.objects.count() == 3


# ---------------------------------------------------------------- the last gate before the database


def test_an_identifier_that_cleaning_lengthens_past_its_column_refuses_the_record():
    # given: a nick that fits as typed, but lower-cased ("İ" becomes two characters) no longer does
    from members.services.records import IncomingRecord, ValueTooLong, clean_record, identifier_limit

    nick = "İ" * identifier_limit("tmall_nick")
    record = IncomingRecord(channel="tmall", external_id="tb_ok", identifiers={"tmall_nick": nick})

    # when / then: refused with the identifier named, instead of failing the insert (or being cut)
    with pytest.raises(ValueTooLong, match="天猫昵称"):
        clean_record(record)


def test_an_amount_of_more_digits_than_decimal_precision_is_refused_not_an_exception():
    # given: 40 digits, past the 28 of Python's default decimal context
    from members.imports.formats.values import AmountError, amount

    # when / then
    with pytest.raises(AmountError, match="金额过大"):
        amount("9" * 40)
