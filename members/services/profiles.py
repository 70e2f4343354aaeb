"""Staff edits of a person's profile.

The profile is derived from channel accounts, so a staff edit is recorded as the
person's own 'manual' channel account (highest survivorship priority) and then
resolved like any other record — a typed-in mobile links exactly as an imported one.
"""

from django.db import transaction
from django.utils import timezone

from members.models import Channel, Member, MemberStatus, SourceProfile, Store

from .attributes import validate_attributes
from .errors import MembersError
from .records import IncomingRecord
from .resolution import resolve_record

EDITABLE_FIELDS = (
    "name", "gender", "birthday", "mobile", "email", "province", "city", "district", "address",
)


def _staff_account_id(member: Member) -> str:
    return f"staff:{member.code}"


def _record(external_id: str, values: dict, store: Store | None) -> IncomingRecord:
    return IncomingRecord(
        channel=Channel.MANUAL,
        external_id=external_id,
        store_code=store.code if store else "",
        attributes=values.pop("attributes", {}) or {},
        **{k: ("" if v is None else v) for k, v in values.items() if k in EDITABLE_FIELDS},
    )


@transaction.atomic
def create_member_manually(*, data: dict, actor=None) -> Member:
    """Register a person typed in by staff; links to an existing person if an identifier matches."""
    data = dict(data)
    store = data.pop("home_store", None)
    data["attributes"] = validate_attributes(data.get("attributes") or {})
    if not any(data.get(k) for k in ("mobile", "email")):
        raise MembersError("请至少填写手机号或邮箱，以便识别会员。")
    result = resolve_record(
        _record("", data, store), actor=actor, actor_label=actor.get_username() if actor else "staff"
    )
    # Give the new account a stable id tied to the person so later edits land on it.
    profile = result.source_profile
    if profile.external_id != _staff_account_id(result.member):
        profile.external_id = _staff_account_id(result.member)
        profile.save(update_fields=["external_id"])
    return result.member


@transaction.atomic
def edit_profile(*, member_id: int, changes: dict, actor=None) -> Member:
    member = Member.objects.select_for_update().get(pk=member_id)
    if member.status != MemberStatus.ACTIVE:
        raise MembersError(f"会员 {member.code} 状态为「{member.get_status_display()}」，不能编辑。")
    unknown = set(changes) - {*EDITABLE_FIELDS, "home_store", "attributes"}
    if unknown:
        raise MembersError(f"这些字段不能直接编辑: {', '.join(sorted(unknown))}")
    external_id = _staff_account_id(member)
    profile, _ = SourceProfile.objects.get_or_create(
        channel=Channel.MANUAL, external_id=external_id, defaults={"member": member, "seen_at": timezone.now()}
    )
    current = {f: getattr(profile, f) for f in EDITABLE_FIELDS}
    current["attributes"] = {**profile.attributes, **(changes.get("attributes") or {})}
    merged_attributes = {**member.attributes, **current["attributes"]}
    validate_attributes(merged_attributes)  # the resulting person must satisfy 'required'
    store = changes.get("home_store", profile.home_store)
    values = {**current, **{k: v for k, v in changes.items() if k != "attributes"}}
    values.pop("home_store", None)
    values["attributes"] = current["attributes"]
    record = _record(external_id, values, store)
    record.seen_at = timezone.now()
    result = resolve_record(record, actor=actor, actor_label=actor.get_username() if actor else "staff")
    return result.member
