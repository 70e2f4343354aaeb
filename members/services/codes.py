"""Human-readable member codes (M000001234), allocated in blocks from a sequence, so
concurrent imports never wait on each other."""

from django.db import connection

SEQUENCE = "members_member_code_seq"


def format_code(number: int) -> str:
    return f"M{number:09d}"


def allocate_member_codes(count: int) -> list[str]:
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [SEQUENCE, count])
        return [format_code(row[0]) for row in cursor.fetchall()]
