"""manage.py data_quality: what happened to each channel's raw values."""

from io import StringIO

from django.core.management import call_command

from members.data_quality import data_quality_report


def test_report_counts_missing_invalid_standardized_and_clean_values(person):
    person(channel="tmall", external_id="t-1", mobile="+86 138-1234-5678", email="bad-email", province="沪")
    person(channel="tmall", external_id="t-2", mobile="13912345678", email="ok@example.com", province="上海市")

    report = data_quality_report()["tmall"]

    assert report["mobile"] == {"standardized": 2}
    assert report["email"] == {"invalid": 1, "clean": 1}
    assert report["province"] == {"standardized": 1, "clean": 1}
    assert report["birthday"] == {"missing": 2}


def test_masked_phones_count_as_kept_for_display(person):
    person(channel="tmall", external_id="t-1", mobile="138****5678")

    assert data_quality_report()["tmall"]["mobile"] == {"clean": 1}


def test_command_prints_a_table_per_channel(person):
    person(channel="jd", external_id="j-1", mobile="13812345678", birthday="19900102")
    out = StringIO()

    call_command("data_quality", stdout=out)

    text = out.getvalue()
    assert "渠道 京东 (jd) — 1 个账号" in text
    assert "birthday" in text and "已标准化" in text


def test_command_says_so_when_there_is_no_data(db):
    out = StringIO()

    call_command("data_quality", stdout=out)

    assert "没有导入数据" in out.getvalue()
