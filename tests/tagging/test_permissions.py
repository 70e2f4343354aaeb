"""Who may put static tags on: operators any, guides only those marked 导购可用."""

import pytest

from core.roles import GUIDE, OPERATOR, sync_role_permissions
from tagging.models import TagMembership
from tagging.services import TaggingError, put_on, take_off
from tests.conftest import login
from tests.tagging.helpers import a_tag, tag_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(person):
    sync_role_permissions()
    return person(channel="pos", external_id="card-1", mobile="13812345600").member


def test_a_guide_puts_on_and_takes_off_a_tag_marked_guide_usable(client, member):
    guide = login(client, "guide", group=GUIDE)
    tag = a_tag("coffee", guide_usable=True)

    put_on(tag=tag, member_ids=[member.pk], actor=guide, reason="顾客喜欢咖啡")
    assert tag_codes(member) == {"coffee"}
    take_off(tag=tag, member_ids=[member.pk], actor=guide)
    assert tag_codes(member) == set()


def test_a_guide_may_not_apply_other_static_tags(client, member):
    guide = login(client, "guide", group=GUIDE)
    tag = a_tag("blacklist")

    with pytest.raises(TaggingError, match="没有.*权限"):
        put_on(tag=tag, member_ids=[member.pk], actor=guide)

    assert not TagMembership.objects.exists()


def test_an_operator_applies_any_static_tag(client, member):
    operator = login(client, "operator", group=OPERATOR)

    put_on(tag=a_tag("blacklist"), member_ids=[member.pk], actor=operator)

    assert tag_codes(member) == {"blacklist"}


def test_staff_without_a_role_may_not_apply_even_guide_usable_tags(client, member):
    clerk = login(client, "clerk", perms=["tagging.view_tag"])

    with pytest.raises(TaggingError, match="权限"):
        put_on(tag=a_tag("coffee", guide_usable=True), member_ids=[member.pk], actor=clerk)
