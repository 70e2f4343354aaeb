"""Reads that need care about query counts."""

from django.db.models import Count, Q

from members.models import CandidateStatus, Member, MemberStatus, MergeCandidate, MergeRecord, Order


def overview_counts() -> dict:
    members = Member.objects.aggregate(
        active=Count("pk", filter=Q(status=MemberStatus.ACTIVE)),
        merged=Count("pk", filter=Q(status=MemberStatus.MERGED)),
    )
    return {
        **members,
        "orders": Order.objects.count(),
        "pending_review": MergeCandidate.objects.filter(status=CandidateStatus.PENDING).count(),
        "merges": MergeRecord.objects.filter(undone_at__isnull=True).count(),
    }
