"""Member admin search by mobile in any format, Tmall nick, member code and name; identity search."""

import pytest

from tests.members.admin_helpers import E164, MOBILE, changelist, result_codes

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from tests.members.admin_helpers import alice as alice
from tests.members.admin_helpers import bob as bob

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("term", ["138 0013 8000", "+86 13800138000", "+86-138-0013-8000", E164])
def test_search_by_mobile_in_any_format_finds_member(admin_client, alice, bob, term):
    # when
    response = admin_client.get(changelist("member"), {"q": term})

    # then
    assert result_codes(response) == {alice.code}


def test_search_by_tmall_nick_finds_member(admin_client, alice, bob):
    # when
    response = admin_client.get(changelist("member"), {"q": "lili_2020"})

    # then
    assert result_codes(response) == {alice.code}


def test_search_by_member_code_finds_member(admin_client, alice, bob):
    # when
    response = admin_client.get(changelist("member"), {"q": bob.code.lower()})

    # then
    assert result_codes(response) == {bob.code}


def test_search_by_partial_name_finds_both_and_lists_each_once(admin_client, alice, bob):
    # when
    response = admin_client.get(changelist("member"), {"q": "王"})

    # then
    assert [m.code for m in response.context["cl"].result_list].count(alice.code) == 1
    assert result_codes(response) == {alice.code, bob.code}


def test_search_matching_several_identifiers_lists_member_once(admin_client, person, alice):
    # given the same person reached through a second account with the same mobile and a card
    person(channel="pos", external_id="card-9", mobile=MOBILE, identifiers={"pos_card": MOBILE})

    # when
    response = admin_client.get(changelist("member"), {"q": MOBILE})

    # then
    assert [m.code for m in response.context["cl"].result_list] == [alice.code]


def test_identity_search_normalizes_mobile(admin_client, alice):
    # when
    response = admin_client.get(changelist("identity"), {"q": "138 0013 8000"})

    # then
    assert [i.value for i in response.context["cl"].result_list] == [E164]
