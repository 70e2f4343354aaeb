"""The merge-candidate review queue: pairs listed side by side, rejecting and merging candidates."""

import pytest

from members.models import CandidateSource, CandidateStatus, Member, MemberStatus, MergeCandidate, MergeRecord

# Imports written `name as name` are fixtures: pytest looks them up by name in this module.
from tests.members.admin_helpers import alice as alice
from tests.members.admin_helpers import bob as bob
from tests.members.admin_helpers import changelist, messages_of

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
