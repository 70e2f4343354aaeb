"""The merge-candidate review queue: pairs listed side by side, rejecting and merging candidates from the
list's actions or from a candidate's own page (the pair side by side, 合并 / 驳回 buttons)."""

import pytest
from django.test import Client
from django.urls import reverse

from members.models import (
    CandidateSource,
    CandidateStatus,
    Member,
    MemberStatus,
    MergeCandidate,
    MergeRecord,
    Order,
)
from tests.members.admin_helpers import E164, MOBILE, change, changelist, messages_of, staff

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from tests.members.admin_helpers import alice as alice
from tests.members.admin_helpers import bob as bob

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(alice, bob):
    a, b = sorted((alice.pk, bob.pk))
    return MergeCandidate.objects.create(
        member_a_id=a, member_b_id=b, source=CandidateSource.FUZZY, score=0.91, reasons=["姓名相近", "同城"]
    )


def post_candidates(client, action, *candidates):
    data = {"action": action, "_selected_action": [c.pk for c in candidates]}
    return client.post(changelist("mergecandidate"), data, follow=True)


def test_review_queue_shows_both_members_side_by_side(admin_client, candidate, alice, bob):
    # when
    response = admin_client.get(changelist("mergecandidate"))

    # then
    content = response.content.decode()
    assert alice.code in content and bob.code in content
    assert "姓名相近；同城" in content


def test_rejecting_a_candidate_records_who_decided(admin_client, candidate):
    # when
    post_candidates(admin_client, "reject_candidates", candidate)

    # then
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.REJECTED
    assert candidate.decided_by.username == "admin"
    assert candidate.decided_at is not None
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 2


def test_merging_a_candidate_merges_the_pair_into_the_older(admin_client, candidate, alice, bob):
    # when
    post_candidates(admin_client, "merge_candidates", candidate)

    # then
    candidate.refresh_from_db()
    record = MergeRecord.objects.get()
    assert candidate.status == CandidateStatus.MERGED
    assert candidate.decided_by.username == "admin"
    assert (record.survivor_id, record.absorbed_id, record.rule) == (alice.pk, bob.pk, "review")
    assert record.reason == "审核通过: 姓名相近；同城"


def test_a_decided_candidate_cannot_be_decided_again(admin_client, candidate):
    # given
    post_candidates(admin_client, "reject_candidates", candidate)

    # when
    response = post_candidates(admin_client, "merge_candidates", candidate)

    # then
    assert any("只能处理待审核的记录" in m for m in messages_of(response))
    assert not MergeRecord.objects.exists()


# ---------------------------------------------------------------- the candidate's own page


def decide(client, candidate, decision):
    url = reverse("admin:members_mergecandidate_decide", args=[candidate.pk])
    return client.post(url, {"decision": decision}, follow=True)


@pytest.fixture
def reviewer(client):
    """Staff who may decide candidates but not see full phones."""
    perms = ("members.view_mergecandidate", "members.change_mergecandidate")
    staff(client, "reviewer", perms=perms)
    return client


def test_the_candidate_page_shows_the_pair_side_by_side_with_both_decisions(reviewer, candidate, alice, bob, person):
    # given an order and a second channel account for alice
    person(channel="pos", external_id="card-77", mobile=MOBILE)
    Order.objects.create(channel="pos", external_no="P-1", member=alice, status="completed")

    # when
    response = reviewer.get(change(candidate))

    # then the pair, the score and the reasons are shown, phones masked, and 合并 / 驳回 replace 保存
    content = response.content.decode()
    rows = {label: values for label, values, _ in response.context["comparison"]}
    assert rows["姓名"] == ["王丽", "王立"]
    assert rows["手机号"] == ["138****8000", "139****9000"]
    assert rows["城市"] == ["上海市", "未知"]
    assert rows["订单数"] == [1, 0]
    assert "天猫:ouid-alice" in rows["渠道账号"][0] and "门店POS:card-77" in rows["渠道账号"][0]
    assert "0.91" in content and "姓名相近；同城" in content
    assert MOBILE not in content and "13900139000" not in content
    assert 'value="merge"' in content and 'value="reject"' in content
    assert 'name="_save"' not in content and 'name="_continue"' not in content


def test_staff_who_may_reveal_phones_see_them_on_the_candidate_page(admin_client, candidate):
    # when
    response = admin_client.get(change(candidate))

    # then
    rows = {label: values for label, values, _ in response.context["comparison"]}
    assert rows["手机号"] == [E164, "+8613900139000"]


def test_merging_from_the_candidate_page_merges_the_pair_and_says_so(reviewer, candidate, alice, bob):
    # when
    response = decide(reviewer, candidate, "merge")

    # then the same service as the list action ran, and the queue of pending pairs is shown
    candidate.refresh_from_db()
    record = MergeRecord.objects.get()
    assert candidate.status == CandidateStatus.MERGED and candidate.decided_by.username == "reviewer"
    assert (record.survivor_id, record.absorbed_id, record.rule) == (alice.pk, bob.pk, "review")
    assert f"已将 {bob.code} 合并到 {alice.code}。" in messages_of(response)
    assert response.request["QUERY_STRING"] == "status__exact=pending"


def test_rejecting_from_the_candidate_page_records_the_decision(reviewer, candidate, alice, bob):
    # when
    response = decide(reviewer, candidate, "reject")

    # then
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.REJECTED and candidate.decided_by.username == "reviewer"
    assert not MergeRecord.objects.exists()
    assert any("已驳回" in m for m in messages_of(response))


def test_a_decided_candidate_shows_no_buttons_and_cannot_be_decided_again(reviewer, candidate):
    # given
    decide(reviewer, candidate, "reject")

    # when
    page = reviewer.get(change(candidate))
    again = decide(reviewer, candidate, "merge")

    # then
    assert 'value="merge"' not in page.content.decode() and "已处理：已驳回" in page.content.decode()
    assert any("只能处理待审核的记录" in m for m in messages_of(again))
    assert not MergeRecord.objects.exists()


def test_staff_who_may_only_view_candidates_get_no_buttons_and_cannot_decide(client, candidate):
    # given
    staff(client, "looker", perms=("members.view_mergecandidate",))

    # when
    page = client.get(change(candidate))
    response = client.post(reverse("admin:members_mergecandidate_decide", args=[candidate.pk]), {"decision": "merge"})

    # then
    assert page.status_code == 200 and 'value="merge"' not in page.content.decode()
    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING


def test_a_decision_needs_a_post_with_a_csrf_token(candidate, admin_user):
    # given a browser-like client that checks CSRF
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    url = reverse("admin:members_mergecandidate_decide", args=[candidate.pk])

    # when
    by_get = client.get(url)
    without_token = client.post(url, {"decision": "merge"})

    # then
    assert by_get.status_code == 405 and without_token.status_code == 403
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING
