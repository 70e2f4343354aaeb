"""Follow-ups follow the person (connected to members.hooks in WorkspaceConfig.ready): a merge moves
the absorbed member's follow-ups — and so their reminders — to the survivor, inside the merge's
transaction; an unmerge moves back those written about the absorbed member (origin_member).
The audit rows (StaffAction) stay on the member they were about: they are what happened."""

from .models import FollowUp


def on_member_merged(record, **kwargs) -> None:
    FollowUp.objects.filter(member_id=record.absorbed_id).update(member_id=record.survivor_id)


def on_member_unmerged(record, **kwargs) -> None:
    FollowUp.objects.filter(member_id=record.survivor_id, origin_member_id=record.absorbed_id).update(
        member_id=record.absorbed_id)
