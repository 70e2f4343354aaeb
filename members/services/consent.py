"""Marketing consent: an append-only history; the latest record per channel is in force."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from members.models import ConsentChannel, ConsentRecord, ConsentStatus, Member

from .errors import MembersError


@transaction.atomic
def record_consent(
    *, member_id: int, channel: str, status: str, source: str, recorded_at: datetime | None = None, actor=None
) -> ConsentRecord:
    if channel not in ConsentChannel.values:
        raise MembersError(f"未知的授权渠道: {channel}")
    if status not in ConsentStatus.values:
        raise MembersError(f"未知的授权状态: {status}")
    if not source.strip():
        raise MembersError("请写明授权来源（如：小程序注册勾选、门店纸质表单、短信回T退订）。")
    member = Member.objects.get(pk=member_id)
    return ConsentRecord.objects.create(
        member=member, channel=channel, status=status, source=source.strip(),
        recorded_at=recorded_at or timezone.now(), actor=actor,
    )


def current_consent(member_id: int, channel: str = ConsentChannel.SMS) -> str | None:
    """'granted', 'withdrawn' or None (never asked). Consent follows merges with the person."""
    latest = (
        ConsentRecord.objects.filter(member_id=member_id, channel=channel)
        .order_by("-recorded_at", "-id")
        .values_list("status", flat=True)
        .first()
    )
    return latest
