"""The segment pages: build, portrait with comparison, snapshot, export (masked, audited, formula-safe),
and who may open them."""

import csv
import io
import json

import pytest

from core.roles import GUIDE, OPERATOR
from insights.models import Segment, SegmentExport, SegmentSnapshot

from .helpers import make_member, signed_in

pytestmark = pytest.mark.django_db
WOMEN = {"field": "member.gender", "op": "eq", "value": "F"}




@pytest.fixture
def women():
    make_member(gender="F", name="=HYPERLINK(\"x\")", mobile="+8613812345678", city="上海市")
    make_member(gender="F", name="李娜", mobile="+8613900001111", city="杭州市")
    make_member(gender="M", name="张伟")
    return Segment.objects.create(name="女性", condition=WOMEN)


def test_an_operator_saves_a_segment_from_the_builder_form(client, db):
    response = signed_in(client, OPERATOR).post("/insights/segments/new/", {
        "name": "女性", "description": "", "condition": json.dumps(WOMEN), "active": "on"})
    segment = Segment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/insights/segments/{segment.pk}/"


def test_a_bad_condition_is_shown_on_the_form_and_nothing_is_saved(client, db):
    response = signed_in(client, OPERATOR).post("/insights/segments/new/", {
        "name": "坏", "condition": json.dumps({"field": "member.gender", "op": "gt", "value": "F"})})
    assert response.status_code == 200 and "gt" in response.content.decode()
    assert not Segment.objects.exists()


def test_the_portrait_page_compares_with_everyone(client, women):
    page = signed_in(client, OPERATOR).get(f"/insights/segments/{women.pk}/").content.decode()
    assert "画像：本人群 与 全部会员" in page and 'class="notable"' in page and "plotly-graph-div" in page


def test_a_snapshot_is_taken_from_the_page(client, women):
    signed_in(client, OPERATOR).post(f"/insights/segments/{women.pk}/snapshot/", {"purpose": "短信"})
    assert SegmentSnapshot.objects.get().members == 2


def test_an_export_is_masked_formula_safe_and_audited(client, women):
    # given a user who may export but not reveal phones
    signed_in(client, perms=["view_segment", "export_segment"])
    # when they export code, name and mobile as CSV
    response = client.post(f"/insights/segments/{women.pk}/export/",
                           {"columns": ["code", "name", "mobile"], "format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    # then phones are masked, the formula is neutralised, and the export is recorded
    assert rows[0] == ["会员编号", "姓名", "手机号"]
    assert {row[2] for row in rows[1:]} == {"138****5678", "139****1111"}
    assert "'=HYPERLINK(\"x\")" in {row[1] for row in rows[1:]}
    audit = SegmentExport.objects.get()
    assert (audit.rows, audit.columns, audit.phones_revealed) == (2, ["code", "name", "mobile"], False)


def test_an_unknown_column_is_refused_with_the_choices(client, women):
    signed_in(client, OPERATOR)
    response = client.post(f"/insights/segments/{women.pk}/export/", {"columns": ["salary"], "format": "csv"},
                           follow=True)
    assert "没有这些导出列：salary" in response.content.decode()
    assert not SegmentExport.objects.exists()


def test_guides_may_not_open_segments_or_export(client, women):
    signed_in(client, GUIDE)
    assert client.get("/insights/segments/").status_code == 403
    assert client.post(f"/insights/segments/{women.pk}/export/", {"columns": ["code"]}).status_code == 403


def test_the_list_shows_each_segments_latest_size_in_a_fixed_number_of_queries(client, women,
                                                                               django_assert_max_num_queries):
    from datetime import date

    from insights.models import SegmentSize

    SegmentSize.objects.create(segment=women, as_of=date(2026, 3, 30), members=1)
    SegmentSize.objects.create(segment=women, as_of=date(2026, 3, 31), members=2)
    Segment.objects.create(name="男性", condition={"field": "member.gender", "op": "eq", "value": "M"})
    signed_in(client, OPERATOR)
    with django_assert_max_num_queries(8):
        page = client.get("/insights/segments/").content.decode()
    assert "2（2026-03-31）" in page
