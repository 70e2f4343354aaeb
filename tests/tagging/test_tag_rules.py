"""What a tag of each kind must say before it is stored, and its end date at the Shanghai day boundary."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tagging.models import Tag, TagKind
from tagging.services import expire_static_tags, put_on
from tagging.tasks import expire_static_tags_task
from tests.conftest import at
from tests.tagging.helpers import a_tag, tag_codes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"kind": TagKind.DYNAMIC}, "condition", "需要填写条件"),
    ({"kind": TagKind.DYNAMIC, "condition": []}, "condition", "需要填写条件"),
    ({"kind": TagKind.DYNAMIC, "condition": {"all": [{"field": "member.gender", "op": "eq", "value": "F"},
                                                     {"field": "member.nowhere", "op": "eq", "value": 1}]}},
     "condition", "all[1].field"),
    ({"kind": TagKind.DYNAMIC, "condition": {"field": "member.age", "op": "gte", "value": "三十"}},
     "condition", "value"),
    ({"kind": TagKind.VARIABLE}, "extractor", "需要选择取值方式"),
    ({"kind": TagKind.VARIABLE, "extractor": "favourite_store", "guide_usable": True}, "guide_usable", "只有手动标签"),
])
def test_a_tag_missing_what_its_kind_needs_is_refused_in_chinese(fields, field, message):
    tag = Tag(code="x", name="X", category=a_tag("other").category, **fields)

    with pytest.raises(ValidationError) as refused:
        tag.full_clean()

    assert message in " ".join(refused.value.message_dict[field])


def test_a_complete_tag_of_each_kind_is_accepted():
    for tag in (a_tag("s"), a_tag("d", kind=TagKind.DYNAMIC, condition={"field": "member.gender", "op": "eq",
                                                                            "value": "F"}),
                a_tag("v", kind=TagKind.VARIABLE, extractor="favourite_category")):
        tag.full_clean()


def test_the_end_date_is_a_shanghai_date(person):
    # given a tag that ends on 3 March
    member = person(channel="pos", external_id="card-1").member
    put_on(tag=a_tag("trial"), member_ids=[member.pk], ends_on=date(2026, 3, 3))

    # when the job runs at 23:59 on 3 March and at 00:01 on 4 March, Shanghai time (still 3 March in UTC)
    before = expire_static_tags(now=at("2026-03-03", "23:59"))
    after = expire_static_tags(now=at("2026-03-04", "00:01"))

    # then it comes off only once the Shanghai day after it has begun
    assert (before, after) == (0, 1)
    assert tag_codes(member) == set()


def test_the_daily_task_takes_off_tags_whose_end_date_has_passed(person):
    member = person(channel="pos", external_id="card-1").member
    put_on(tag=a_tag("trial"), member_ids=[member.pk], ends_on=date(2020, 1, 1))

    assert expire_static_tags_task() == {"removed": 1}
    assert tag_codes(member) == set()
