"""Members, orders and staff for the insights tests."""

from decimal import Decimal
from itertools import count

from django.contrib.auth.models import Group, Permission, User

from members.models import Member, Order

_codes = count(1)
_users = count(1)
_numbers = count(1)


def make_member(**fields) -> Member:
    return Member.objects.create(code=f"I{next(_codes):08d}", **fields)


def order(member, paid_at, paid="100", refunded="0", status="completed", channel="pos", store=None,
          deleted=False) -> Order:
    return Order.objects.create(
        channel=channel, external_no=f"IO{next(_numbers)}", member=member, status=status, store=store,
        paid_amount=Decimal(paid), refunded_amount=Decimal(refunded), paid_at=paid_at, is_deleted=deleted)


def staff_user(role: str | None = None, perms=()) -> User:
    """A staff user in the role group `role`, or (None) holding only the permissions named in `perms`."""
    user = User.objects.create_user(username=f"staff-{next(_users)}", password="pw-123456", is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
    return user


def signed_in(client, role: str | None = None, perms=()):
    client.force_login(staff_user(role, perms))
    return client
