from itertools import count

from members.models import Member

_codes = count(1)


def make_member(**fields) -> Member:
    return Member.objects.create(code=f"T{next(_codes):08d}", **fields)
