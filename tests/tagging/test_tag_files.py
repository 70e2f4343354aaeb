"""A static tag applied from an uploaded file: all rows or none, with a report of every bad row."""

import io

import pytest
from openpyxl import Workbook

from members.services import merge_members
from tagging.models import TagChange, TagMembership
from tagging.services import FileRowError, TaggingError, apply_tag_file
from tests.tagging.helpers import a_tag, tag_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(person):
    return [person(channel="pos", external_id=f"card-{n}", mobile=f"1381234560{n}").member for n in range(3)]


def csv_file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def test_a_file_of_codes_and_mobiles_tags_every_member_listed(members, admin_user):
    tag = a_tag()
    upload = csv_file(f"会员编号,手机号\n{members[0].code},\n,138 1234 5601\n{members[2].code},13812345602\n")

    result = apply_tag_file(tag=tag, source=upload, filename="名单.csv", actor=admin_user, reason="导入名单")

    assert (result.applied, result.rows, result.changed, result.errors) == (True, 3, 3, [])
    assert all(tag_codes(m) == {"vip"} for m in members)


def test_an_xlsx_file_can_take_the_tag_off(members, admin_user):
    tag = a_tag()
    apply_tag_file(tag=tag, source=csv_file(f"会员编号\n{members[0].code}\n"), filename="a.csv", actor=admin_user)
    book = Workbook()
    book.active.append(["会员编号"])
    book.active.append([members[0].code])
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)

    result = apply_tag_file(tag=tag, source=upload, filename="取消.xlsx", actor=admin_user, remove=True)

    assert result.changed == 1
    assert tag_codes(members[0]) == set()


def test_a_file_with_bad_rows_is_reported_row_by_row_and_applies_nothing(members, admin_user):
    # given a file whose good rows are mixed with an unknown code, a bad and an unknown mobile,
    # a merged-away member and a code and mobile of two different people
    merge_members(survivor_id=members[1].pk, absorbed_id=members[2].pk, rule="manual", actor=admin_user)
    tag = a_tag()
    upload = csv_file("会员编号,手机号\n"
                      f"{members[0].code},\n"
                      "M404,\n"
                      ",12345\n"
                      ",13987654321\n"
                      f"{members[2].code},\n"
                      f"{members[1].code},13812345600\n")

    # when it is applied
    result = apply_tag_file(tag=tag, source=upload, filename="名单.csv", actor=admin_user)

    # then every bad row is reported with its column and value, and nobody got the tag
    assert not result.applied
    assert result.errors == [
        FileRowError(3, "会员编号", "M404", "找不到该会员编号"),
        FileRowError(4, "手机号", "12345", "手机号无效"),
        FileRowError(5, "手机号", "13987654321", "找不到该手机号的会员"),
        FileRowError(6, "会员编号", members[2].code, f"会员已合并到 {members[1].code}"),
        FileRowError(7, "手机号", "13812345600", "手机号与会员编号不是同一会员"),
    ]
    assert not TagMembership.objects.exists()
    assert not TagChange.objects.exists()


def test_a_file_without_a_member_column_is_refused_whole(members, admin_user):
    with pytest.raises(TaggingError, match="会员编号"):
        apply_tag_file(tag=a_tag(), source=csv_file("姓名\n王芳\n"), filename="a.csv", actor=admin_user)
