"""Members and orders for the insights tests."""

from decimal import Decimal
from itertools import count

from members.models import Member, Order

_codes = count(1)
_numbers = count(1)


def make_member(**fields) -> Member:
    return Member.objects.create(code=f"I{next(_codes):08d}", **fields)


def order(member, paid_at, paid="100", refunded="0", status="completed", channel="pos", store=None,
          deleted=False) -> Order:
    return Order.objects.create(
        channel=channel, external_no=f"IO{next(_numbers)}", member=member, status=status, store=store,
        paid_amount=Decimal(paid), refunded_amount=Decimal(refunded), paid_at=paid_at, is_deleted=deleted)
