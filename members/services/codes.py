"""Human-readable member codes (M000001234), allocated in blocks.

PostgreSQL uses a sequence so concurrent imports never wait on each other;
other backends use a one-row counter locked for the allocation.
"""

from django.db import connection, transaction

from members.models import MemberCodeCounter

SEQUENCE = "members_member_code_seq"


def format_code(number: int) -> str:
    return f"M{number:09d}"


def allocate_member_codes(count: int) -> list[str]:
    if count <= 0:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [SEQUENCE, count])
            return [format_code(row[0]) for row in cursor.fetchall()]
    with transaction.atomic():
        counter, _ = MemberCodeCounter.objects.select_for_update().get_or_create(pk=1)
        start = counter.next_value
        counter.next_value = start + count
        counter.save(update_fields=["next_value"])
    return [format_code(n) for n in range(start, start + count)]
