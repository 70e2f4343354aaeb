"""Decisions on the duplicate review queue (fuzzy candidates and guard refusals)."""

from django.db import transaction
from django.utils import timezone

from members.models import CandidateStatus, Member, MergeCandidate, MergeRecord

from .errors import MergeError
from .merging import merge_members, survivor_order


def _pending(candidate_id: int) -> MergeCandidate:
    candidate = MergeCandidate.objects.select_for_update().select_related("member_a", "member_b").get(pk=candidate_id)
    if candidate.status != CandidateStatus.PENDING:
        raise MergeError(
            f"{candidate.member_a.code} ~ {candidate.member_b.code}：状态为「{candidate.get_status_display()}」，"
            "只能处理待审核的记录。"
        )
    return candidate


@transaction.atomic
def approve_candidate(*, candidate_id: int, actor=None) -> MergeRecord:
    """Merge the pair (the earlier-registered person survives) and mark the candidate merged."""
    candidate = _pending(candidate_id)
    pair = Member.objects.filter(pk__in=[candidate.member_a_id, candidate.member_b_id])
    survivor, absorbed = sorted(pair, key=survivor_order)
    reasons = "；".join(str(r) for r in candidate.reasons or [])
    record = merge_members(
        survivor_id=survivor.pk, absorbed_id=absorbed.pk, rule="review", actor=actor,
        reason=f"审核通过: {reasons}"[:255],
    )
    # merge_members decides every pending candidate of the pair; this one included.
    candidate.refresh_from_db()
    return record


@transaction.atomic
def reject_candidate(*, candidate_id: int, actor=None) -> MergeCandidate:
    """Record that the two are different people; the scan never proposes the pair again."""
    candidate = _pending(candidate_id)
    candidate.status = CandidateStatus.REJECTED
    candidate.decided_by = actor
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    return candidate
