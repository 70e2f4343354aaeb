"""find_duplicate_candidates: the fuzzy review queue, fed by people created through resolve_record."""

from io import StringIO

import pytest
from django.core.management import call_command

from members.models import CandidateSource, CandidateStatus, MatchRule, Member, MemberStatus, MergeCandidate
from members.services import merge_members
from members.services.candidates import PeopleIndex, find_duplicate_candidates, score_people
from members.tasks import find_duplicate_candidates_task

LI_NA = {"name": "李娜", "birthday": "1988-03-15", "province": "上海市", "city": "上海市", "district": "浦东新区",
         "address": "浦东新区张江路88弄3号楼1201室"}


@pytest.fixture
def likely_duplicates(person):
    """The same woman from two channels, no identifier in common, her name typed with a homophone."""
    tmall = person(channel="tmall", external_id="tb-lina", mobile="13800138001", **LI_NA)
    pos = person(channel="pos", external_id="card-9001", mobile="13900139002",
                 **{**LI_NA, "name": "李那", "address": "张江路88弄3号楼1201"})
    return tmall.member, pos.member


def _pair(x: Member, y: Member) -> tuple[int, int]:
    return tuple(sorted((x.pk, y.pk)))


def test_a_likely_duplicate_pair_lands_in_the_queue_with_reasons(likely_duplicates):
    a, b = _pair(*likely_duplicates)

    run = find_duplicate_candidates()

    candidate = MergeCandidate.objects.get()
    assert (candidate.member_a_id, candidate.member_b_id) == (a, b)
    assert candidate.source == CandidateSource.FUZZY
    assert candidate.status == CandidateStatus.PENDING
    assert candidate.score >= 0.9
    assert "姓名拼音相同" in candidate.reasons and "生日相同" in candidate.reasons
    assert any(r.startswith("地址相似度") for r in candidate.reasons)
    assert "手机号不同" in candidate.reasons
    assert (run.members_scanned, run.created, run.updated) == (2, 1, 0)
    assert run.pairs_scored == 1


def test_fuzzy_matches_never_merge_anyone(likely_duplicates):
    find_duplicate_candidates()

    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 2


def test_running_twice_creates_nothing_new(likely_duplicates):
    find_duplicate_candidates()

    second = find_duplicate_candidates()

    assert (second.created, second.updated) == (0, 0)
    assert MergeCandidate.objects.count() == 1


def test_a_pending_candidate_is_refreshed_when_its_score_changes(likely_duplicates):
    find_duplicate_candidates()
    MergeCandidate.objects.update(score=0.5, reasons=["旧的依据"])

    run = find_duplicate_candidates()

    candidate = MergeCandidate.objects.get()
    assert (run.created, run.updated) == (0, 1)
    assert candidate.score >= 0.9 and "生日相同" in candidate.reasons


def test_a_rejected_pair_is_not_proposed_again(likely_duplicates):
    find_duplicate_candidates()
    MergeCandidate.objects.update(status=CandidateStatus.REJECTED, score=0.5)

    run = find_duplicate_candidates()

    candidate = MergeCandidate.objects.get()
    assert candidate.status == CandidateStatus.REJECTED and candidate.score == 0.5
    assert (run.created, run.updated, run.pairs_excluded) == (0, 0, 1)


def test_people_already_merged_are_not_proposed(likely_duplicates):
    survivor, absorbed = likely_duplicates
    merge_members(survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="manual")

    run = find_duplicate_candidates()

    assert run.members_scanned == 1
    assert not MergeCandidate.objects.exists()


def test_merging_voids_the_absorbed_persons_other_pending_pairs(likely_duplicates, person):
    # given: a third look-alike queued against the POS account
    tmall, pos = likely_duplicates
    person(channel="jd", external_id="jd-lina", mobile="13700137003", **{**LI_NA, "name": "李纳"})
    find_duplicate_candidates()
    assert MergeCandidate.objects.filter(status=CandidateStatus.PENDING).count() == 3

    # when: the POS account is merged into the Tmall one
    merge_members(survivor_id=tmall.pk, absorbed_id=pos.pk, rule="manual")

    # then: the pair itself is merged, the POS account's pair with the third person is void
    statuses = {(c.member_a_id, c.member_b_id): c.status for c in MergeCandidate.objects.all()}
    assert statuses[_pair(tmall, pos)] == CandidateStatus.MERGED
    assert sorted(statuses.values()) == sorted(
        [CandidateStatus.MERGED, CandidateStatus.SUPERSEDED, CandidateStatus.PENDING]
    )
    assert MergeCandidate.objects.filter(status=CandidateStatus.PENDING, member_a_id=tmall.pk).exists() or \
        MergeCandidate.objects.filter(status=CandidateStatus.PENDING, member_b_id=tmall.pk).exists()


def test_records_sharing_a_mobile_are_one_person_not_a_candidate(person):
    person(channel="tmall", external_id="tb-1", mobile="13800138001", **LI_NA)
    person(channel="pos", external_id="card-1", mobile="13800138001", **{**LI_NA, "name": "李那"})

    run = find_duplicate_candidates()

    assert run.members_scanned == 1
    assert not MergeCandidate.objects.exists()


def test_people_sharing_a_linking_identifier_are_left_to_deterministic_matching(person):
    MatchRule.objects.filter(kind="mobile").update(enabled=False)
    person(channel="tmall", external_id="tb-1", mobile="13800138001", **LI_NA)
    person(channel="pos", external_id="card-1", mobile="13800138001", **{**LI_NA, "name": "李那"})
    assert Member.objects.filter(status=MemberStatus.ACTIVE).count() == 2
    MatchRule.objects.filter(kind="mobile").update(enabled=True)

    run = find_duplicate_candidates()

    assert not MergeCandidate.objects.exists()
    assert run.pairs_excluded == 1


def test_a_shared_mobile_is_evidence_when_mobiles_do_not_link_people(person):
    MatchRule.objects.filter(kind="mobile").update(enabled=False)
    person(channel="tmall", external_id="tb-1", mobile="13800138001", **LI_NA)
    person(channel="pos", external_id="card-1", mobile="13800138001", **{**LI_NA, "name": "李那"})

    find_duplicate_candidates()

    assert "手机号相同" in MergeCandidate.objects.get().reasons


def test_a_guard_candidate_is_left_as_the_guard_queued_it(likely_duplicates):
    a, b = _pair(*likely_duplicates)
    MergeCandidate.objects.create(member_a_id=a, member_b_id=b, source=CandidateSource.GUARD, score=1.0,
                                  reasons=["共享mobile"])

    run = find_duplicate_candidates()

    candidate = MergeCandidate.objects.get()
    assert (candidate.source, candidate.reasons) == (CandidateSource.GUARD, ["共享mobile"])
    assert run.created == 0


def test_blocks_larger_than_max_block_size_are_skipped(person):
    for n in range(4):  # four people alike in every blocking key
        person(channel="pos", external_id=f"card-{n}", mobile=f"1390013900{n}", **LI_NA)

    small = find_duplicate_candidates(max_block_size=3)
    assert small.blocks_skipped == small.blocks > 0
    assert (small.pairs_scored, small.created) == (0, 0)

    large = find_duplicate_candidates(max_block_size=4)
    assert large.blocks_skipped == 0
    assert large.created == 6


def test_member_ids_limits_the_run_to_pairs_involving_those_people(likely_duplicates, person):
    other = person(channel="jd", external_id="jd-zw", mobile="13700137003",
                   name="张伟", birthday="1975-01-02", city="北京市", address="东城区王府井大街1号").member
    twin = person(channel="mall", external_id="mall-zw", mobile="13700137004",
                  name="张玮", birthday="1975-01-02", city="北京市", address="王府井大街1号").member

    run = find_duplicate_candidates(member_ids=[twin.pk])

    assert run.created == 1
    candidate = MergeCandidate.objects.get()
    assert (candidate.member_a_id, candidate.member_b_id) == _pair(other, twin)


def test_a_pair_below_min_score_is_not_queued(likely_duplicates):
    run = find_duplicate_candidates(min_score=0.99999)

    assert run.created == 0 and run.pairs_scored == 1


def test_find_duplicates_command_prints_the_run_summary(likely_duplicates):
    out = StringIO()

    call_command("find_duplicates", stdout=out)

    assert "新增疑似重复 1 对" in out.getvalue()
    assert "created=1" in out.getvalue()


def test_the_celery_task_calls_the_service_and_returns_the_summary(likely_duplicates):
    result = find_duplicate_candidates_task.delay().get()

    assert result["created"] == 1 and result["members_scanned"] == 2


def test_a_name_many_people_carry_needs_more_than_a_shared_birthday():
    # In memory, no database: 300 people called 王伟, two of them born on the same day in the same city.
    people = PeopleIndex()
    for n in range(300):
        people.add(n, {"name": "王伟", "birthday": f"19{50 + n % 40}-0{1 + n % 9}-1{n % 10}", "city": f"城市{n}"})
    people.add(100, {"name": "王伟", "birthday": "1990-01-01", "city": "上海市"})
    people.add(101, {"name": "王伟", "birthday": "1990-01-01", "city": "上海市"})
    people.add(200, {"name": "欧阳娜娜", "birthday": "1990-01-01", "city": "上海市"})
    people.add(201, {"name": "欧阳娜娜", "birthday": "1990-01-01", "city": "上海市"})

    hits = score_people(people)

    assert (200, 201) in hits
    assert (100, 101) not in hits


# Floors for the accuracy runs below, two record pairs under what they measure today (2026-12):
# the pipeline is deterministic on fixed data, so the figures repeat exactly from run to run; two
# pairs leave room for a deliberate small retuning, while a
# scoring change that moves three or more pairs across the threshold breaks them (halving the
# same-birthday weight, or raising BIAS to 5.5, loses 3-5 pairs). On these 300-record FEBRL subsets
# precision stays 1.000 even under a far more lenient scorer (BIAS 2.0): FEBRL names are nearly
# unique, so false pairs are caught by the Chinese negative control, which has ceilings instead.


def test_febrl_bench_smoke_on_a_small_subset(db):
    from bench.febrl_accuracy import report, run_bench

    # given the first 300 records of FEBRL 3 (the data the scorer was tuned on), soc_sec_id linking
    result = run_bench(limit=300)

    # then the figures are consistent and the report renders
    assert 250 <= result.records <= 300 and result.true_links > 0
    assert result.combined.recall >= result.deterministic.recall
    assert 0.0 <= result.residual_recall <= result.blocking_ceiling <= 1.0
    assert [t for t, _, _ in result.thresholds] == sorted(t for t, _, _ in result.thresholds)
    assert "(a) ∪ (b)" in report(result)
    # and no worse than today: deterministic P 1.000 R 0.805 (350 of 435 links), candidates P 1.000
    # finding 81 of the 85 links soc_sec_id missed (0.953), both together P 1.000 R 0.991 (431)
    assert result.deterministic.precision >= 0.99 and result.deterministic.recall >= 348 / 435
    assert result.candidates.precision >= 0.95 and result.residual_recall >= 79 / 85
    assert result.combined.precision >= 0.99 and result.combined.recall >= 429 / 435


def test_fuzzy_matching_alone_on_febrl_data_the_scorer_never_saw(db):
    from bench.febrl_accuracy import run_bench

    # given the first 300 records of FEBRL 4 (never used for tuning) and no soc_sec_id: every link
    # must come from blocking and scoring
    result = run_bench(limit=300, dataset="febrl4", use_soc_sec_id=False)

    # then the review queue finds nearly all the true pairs and almost nothing else: today
    # P 1.000 and R 0.893 (134 of 150 links) at the default threshold
    assert result.deterministic.pairs == 0
    assert result.candidates.precision >= 0.95
    assert result.candidates.recall >= 132 / 150


def test_few_false_candidates_among_chinese_people_with_no_duplicates():
    from bench.febrl_accuracy import chinese_negative_control, report_negative_control
    from members.matching import DEFAULT_MIN_SCORE

    # given 2,000 synthetic Chinese people, none of them the same person (common names, 30 cities)
    control = chinese_negative_control(size=2000)

    # then every candidate is a false one, and there are few: today 1 pair at 0.5 and none from 0.6
    # (a scorer with BIAS 3.5 instead of 4.5 gives 11 and 1; with 2.0, 170 and 70)
    false_pairs = dict(control.false_pairs)
    assert control.people == 2000 and control.pairs_scored > 0
    assert false_pairs[0.5] <= 3 and false_pairs[DEFAULT_MIN_SCORE] <= 1
    assert "false candidate pairs" in report_negative_control(control, DEFAULT_MIN_SCORE)
