"""Which members a staff user may see: the one selector every workspace page, API and export uses.

- Holders of `members.view_all_members` (operators, admins) see every member.
- Everyone else sees the members of the stores they work in (members/models/staff.py): home store
  there, or an order there in the last 365 days; plus their own bound members; a store manager also
  sees the members bound to the guides of their stores.
- Staff in no store see nobody.

A member outside the scope is answered as missing (404), never as forbidden: no probing.
The scope is a filter (a Q of subqueries on the user's id), so a page's member query carries it in
the same statement — no extra query per page.
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import GuideBinding, Member, MemberStatus, Order, StaffRole, StaffStore

ALL_MEMBERS = "members.view_all_members"
BOUGHT_WITHIN_DAYS = 365


def sees_all(user) -> bool:
    return user.has_perm(ALL_MEMBERS)


def scope_filter(user, *, now=None, resolved: bool = False) -> Q | None:
    """The condition on Member rows for `user`'s scope; None means everyone (no condition).

    `resolved`: read the user's store ids (and a manager's guides) first — one statement — and put them
    in as lists. For lists of candidates (search) PostgreSQL then checks each candidate by index instead
    of hashing a store's year of orders and every open binding; for one member (the card) the plain
    subqueries already run per row and save the statement."""
    if sees_all(user):
        return None
    if resolved:
        stores, guides = _resolved(user)
    else:
        stores = StaffStore.objects.filter(user_id=user.pk).values("store_id")
        managed = StaffStore.objects.filter(user_id=user.pk, role=StaffRole.MANAGER).values("store_id")
        guides = StaffStore.objects.filter(store_id__in=managed).values("user_id")
    since = (now or timezone.now()) - timedelta(days=BOUGHT_WITHIN_DAYS)
    bought_here = Order.objects.filter(member_id=OuterRef("pk"), store_id__in=stores, ordered_at__gte=since)
    bound = GuideBinding.objects.filter(member_id=OuterRef("pk"), ended_at__isnull=True).filter(
        Q(guide_id=user.pk) | Q(guide_id__in=guides)
    )
    return Q(home_store_id__in=stores) | Exists(bought_here) | Exists(bound)


def _resolved(user) -> tuple[list[int], list[int]]:
    """The user's store ids, and the guides of the stores they manage, in one statement."""
    rows = StaffStore.objects.filter(
        Q(user_id=user.pk) | Q(store_id__in=StaffStore.objects.filter(user_id=user.pk, role=StaffRole.MANAGER)
                                .values("store_id"))
    ).values_list("user_id", "store_id")
    stores = sorted({store for staff, store in rows if staff == user.pk})
    return stores, sorted({staff for staff, _ in rows})


def scoped_members(user, queryset: QuerySet | None = None, *, now=None, resolved: bool = False) -> QuerySet:
    """Active members `user` may see (from `queryset`, default all members); `resolved`: see scope_filter."""
    queryset = (queryset if queryset is not None else Member.objects.all()).filter(status=MemberStatus.ACTIVE)
    condition = scope_filter(user, now=now, resolved=resolved)
    return queryset if condition is None else queryset.filter(condition)


def staff_stores(user) -> QuerySet:
    """The stores `user` works in, with their role there."""
    return StaffStore.objects.filter(user_id=user.pk).select_related("store")
