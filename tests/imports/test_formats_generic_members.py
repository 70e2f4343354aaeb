"""Our generic member template, with the brand's custom attributes as extra columns."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from members.imports.formats import get_format
from members.imports.rows import RowError

from .support import (
    GENERIC_MEMBER_DEFAULTS,
    SAMPLES,
    csv_text,
    errors,
    parse,
    parse_file,
    rows_from,
    single,
    table_of,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def members(*overrides, **options):
    return parse("generic", rows_from(GENERIC_MEMBER_DEFAULTS, *(overrides or ({},))), kind="members", **options)


def test_the_sample_file_parses_every_row():
    result = parse_file("generic", SAMPLES / "generic_members.csv", kind="members")
    assert not errors(result)
    assert [(m.record.channel, m.record.external_id, m.sms_consent) for m in result] == [
        ("pos", "8800123456", True), ("wechat_mp", "oQlLQQD_aUrUrb2vz0AVOlLjyIlb", False),
    ]


def test_a_member_row_is_a_channel_record_as_the_file_says():
    # given a row with profile fields and identifiers
    row = single(members({"性别": "女", "生日": "1990/1/31", "邮箱": "a@example.com", "省份": "上海", "城市": "上海市",
                          "区县": "浦东新区", "地址": "张江路88弄", "门店编码": "SH001", "微信UnionID": "oU_1"}))
    # when parsed  # then the record holds them raw for cleaning, and typed times
    record = row.record
    assert (record.channel, record.external_id, record.name, record.gender, record.birthday) == (
        "pos", "8800123456", "张三", "女", "1990/1/31")
    assert (record.mobile, record.email, record.province, record.city, record.district, record.address) == (
        "13812345678", "a@example.com", "上海", "上海市", "浦东新区", "张江路88弄")
    assert record.store_code == "SH001"
    assert record.registered_at == dt.datetime(2024, 1, 31, 13, 45, tzinfo=SHANGHAI)
    assert record.identifiers == {"wechat_unionid": "oU_1", "pos_card": "8800123456"}


def test_every_identifier_column_fills_its_kind():
    row = single(members({"微信UnionID": "u", "微信OpenID": "o", "天猫OUID": "ou", "天猫OMID": "om", "天猫昵称": "nick",
                          "京东账号": "jd", "会员卡号": "card", "商城用户ID": "mall", "渠道": "api"}))
    assert row.record.identifiers == {
        "wechat_unionid": "u", "wechat_openid": "o", "tmall_ouid": "ou", "tmall_omid": "om", "tmall_nick": "nick",
        "jd_account": "jd", "pos_card": "card", "mall_user": "mall",
    }


def test_an_explicit_card_number_wins_over_the_pos_account():
    row = single(members({"渠道": "pos", "渠道账号": "ACC", "会员卡号": "CARD"}))
    assert row.record.identifiers == {"pos_card": "CARD"}


@pytest.mark.parametrize(("text", "consent"), [("是", True), ("同意", True), ("Y", True), ("1", True), ("否", False),
                                               ("拒绝", False), ("退订", False), ("N", False), ("0", False), ("", None)])
def test_sms_consent_is_granted_refused_or_unsaid(text, consent):
    row = single(members({"短信营销授权": text, "授权时间": "2024-03-01 10:00:00"}))
    assert row.sms_consent is consent
    assert row.consent_at == dt.datetime(2024, 3, 1, 10, tzinfo=SHANGHAI)


def test_an_unreadable_consent_is_a_row_error():
    [error] = members({"短信营销授权": "看情况"})
    assert (error.column, error.value) == ("短信营销授权", "看情况")


def test_a_row_that_identifies_nobody_is_a_row_error():
    # given a row with a name but no account, phone, email or platform id
    [error] = members({"渠道账号": "", "手机号": "", "姓名": "张三"})
    # when parsed  # then it is refused as a whole
    assert error.row_number == 2 and error.column == ""
    assert error.reason.startswith("没有可识别会员的信息")


def test_a_phone_alone_identifies_the_member():
    row = single(members({"渠道账号": "", "手机号": "13812345678"}))
    assert (row.record.external_id, row.record.identifiers) == ("", {})


def test_custom_attribute_columns_go_into_the_record_as_text():
    # given the brand's attribute definitions, by Chinese name and by key
    text = csv_text(["渠道", "渠道账号", "肤质", "preferred_scent", "备注"], [["pos", "A1", "干性", " 木质 ", "vip"]])
    # when parsed with them  # then their raw values are attributes; other columns are not
    row = single(parse("generic", text, kind="members",
                       attribute_columns={"肤质": "skin_type", "preferred_scent": "preferred_scent"}))
    assert row.record.attributes == {"skin_type": "干性", "preferred_scent": "木质"}


def test_a_blank_attribute_cell_leaves_the_attribute_out():
    text = csv_text(["渠道", "渠道账号", "肤质"], [["pos", "A1", ""]])
    row = single(parse("generic", text, kind="members", attribute_columns={"肤质": "skin_type"}))
    assert row.record.attributes == {}


def test_an_attribute_named_like_a_standard_column_stays_the_standard_column():
    fmt = get_format("generic", "members", attribute_columns={"生日": "birthday_attr"})
    assert [c.label for c in fmt.columns].count("生日") == 1


def test_attributes_are_found_when_headers_were_matched_without_them():
    # given headers matched by the plain member format (the attribute column was unknown then)
    text = csv_text(["渠道", "渠道账号", "肤质"], [["pos", "A1", "干性"]])
    plain = get_format("generic", "members")
    table = table_of(text)
    match = plain.match_headers(table.headers)
    # when parsed by the format with attributes  # then the attribute is still read
    [row] = plain.with_attributes({"肤质": "skin_type"}).parse(table.rows(), match)
    assert row.record.attributes == {"skin_type": "干性"}


def test_a_bad_registration_time_is_a_row_error():
    assert members({"注册时间": "去年"}) == [
        RowError(2, "注册时间", "去年", "无法识别的时间，应为 2024-01-31 13:45:00、2024/1/31 13:45 或 2024-01-31 这样的时间")
    ]
