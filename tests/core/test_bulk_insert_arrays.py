"""Array parameters built as one literal (core.bulk_insert.array_param) and the `= ANY` filter built on them."""

import pytest
from django.db import connection

from core.bulk_insert import array_param, filter_in
from members.models import Member

pytestmark = pytest.mark.django_db

AWKWARD = ["plain", "", "with space ", 'quote"inside', "back\\slash", "comma,brace{}", "NULL", "'apos'", "手机号 138"]


def test_any_text_comes_back_from_the_server_as_it_was_sent():
    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [array_param(AWKWARD)])
        returned = cursor.fetchone()[0]

    # then
    assert returned == AWKWARD


def test_ids_need_no_quoting_and_an_empty_list_is_an_empty_array():
    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::bigint[], %s::bigint[]", [array_param([3, 1, 2]), array_param([])])
        ids, empty = cursor.fetchone()

    # then
    assert (ids, empty, array_param([3, 1, 2])) == ([3, 1, 2], [], "{3,1,2}")


def test_none_goes_as_null_not_as_the_text_none():
    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [array_param(["None", None])])
        returned = cursor.fetchone()[0]

    # then
    assert returned == ["None", None]


def test_filter_in_finds_the_rows_whose_value_is_in_the_list():
    # given
    wanted = Member.objects.create(code="M1", name='王"伟\\')
    Member.objects.create(code="M2", name="李娜")

    # when
    found = list(filter_in(Member.objects.all(), "name", ['王"伟\\', "nobody"]).values_list("pk", flat=True))

    # then
    assert found == [wanted.pk]
