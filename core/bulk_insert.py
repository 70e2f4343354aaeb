"""Insert many rows at once through COPY with pre-allocated ids; read and update many by arrays.

`bulk_create` builds model instances and one huge parameterised INSERT per batch, which for
the hundreds of thousands of people, accounts and orders of a large import costs more than
everything else together. Here rows are plain dicts keyed by attribute name (`member_id`,
not `member`); COPY streams them with ids taken from the table's own sequence first, so
callers get the ids back in row order, as bulk_create would give them. Values must already
be what the column stores (aware datetimes, Decimals); JSON fields are serialized here,
auto_now(_add) fields are set here, missing keys take the field's default.
"""

import json
from collections.abc import Iterable, Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import JSONField, Model
from django.utils import timezone


def in_chunks(values: list, size: int = 2000):
    """Slices of `values`, `size` at a time: one query or statement each."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _plan(model: type[Model]):
    """(attname, column, default, to_db) per non-pk field; to_db None means "as is"."""
    now = timezone.now()
    plan = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default, fixed = now, True
        else:
            default, fixed = field.get_default(), False
        to_db = (lambda v: json.dumps(v, cls=DjangoJSONEncoder, ensure_ascii=False)) if isinstance(field, JSONField) \
            else None
        plan.append((field.attname, field.column, default, to_db, fixed))
    return plan


def copy_types(model: type[Model], columns: Sequence[str]) -> list[str]:
    """PostgreSQL type names for `copy.set_types`: the driver then formats each value with a
    known dumper instead of looking one up per value (the hot loop of a large import).
    JSON goes as text: it is serialized already."""
    by_column = {f.column: f for f in model._meta.concrete_fields}
    names = []
    for column in columns:
        field = by_column[column]
        db_type = "text" if isinstance(field, JSONField) else field.db_type(connection).split("(")[0].strip()
        names.append(_TYPE_ALIASES.get(db_type, db_type))
    return names


_TYPE_ALIASES = {"timestamp with time zone": "timestamptz", "double precision": "float8", "varchar": "text"}


def insert_rows(model: type[Model], rows: Sequence[dict]) -> list[int]:
    """Insert the rows and return their new ids in order."""
    if not rows:
        return []
    meta = model._meta
    plan = _plan(model)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        quote = connection.ops.quote_name
        names = [meta.pk.column, *(column for _, column, *_ in plan)]
        columns = ", ".join(quote(name) for name in names)
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            copy.set_types(copy_types(model, names))
            for pk, row in zip(ids, rows, strict=True):
                values = [pk]
                for attname, _, default, to_db, fixed in plan:
                    value = default if fixed else row.get(attname, default)
                    values.append(to_db(value) if to_db is not None and value is not None else value)
                copy.write_row(values)
    return ids


def select_in(queryset, field: str, values: Sequence, columns: Sequence[str], *, size: int = 5000) -> list[dict]:
    """`queryset.filter(<field>__in=values).values(*columns)` for large value lists.

    One `= ANY(%s)` array parameter replaces thousands of IN placeholders, which Django and
    the driver would otherwise render and PostgreSQL parse one by one.
    """
    values = list(values)
    if not values:
        return []
    rows = []
    for part in in_chunks(values, size):
        rows += list(filter_in(queryset, field, part).values(*columns))
    return rows


def array_param(values: Iterable) -> str:
    """`values` as one PostgreSQL array literal, for an `= ANY(%s)` (or `%s::type[]`) parameter.

    psycopg adapts a Python list element by element in Python code (about 1.5 µs each; py-spy
    put it at ~1 s of a 25 s import of 100,000 rows); the literal is one join. Compared with a column, PostgreSQL
    types the literal from that column. Elements are quoted and escaped, so any text is safe;
    None becomes NULL, as psycopg would send it (it matches nothing under `= ANY`).
    """
    values = list(values)
    if all(type(v) is int for v in values):  # ids and buckets need no quoting
        return "{" + ",".join(map(str, values)) + "}"
    return "{" + ",".join("NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
                          for v in values) + "}"


def filter_in(queryset, field: str, values: Sequence):
    """`queryset.filter(<field>__in=values)`, as one `= ANY(array)` parameter (see `select_in`)."""
    column = queryset.model._meta.get_field(field).column
    table = queryset.model._meta.db_table
    return queryset.extra(where=[f'"{table}"."{column}" = ANY(%s)'], params=[array_param(values)])


def by_channel(keys) -> dict[str, list[str]]:
    """(channel, number) keys grouped per channel, numbers deduplicated, first-seen order."""
    grouped: dict[str, dict[str, None]] = {}
    for channel, number in keys:
        grouped.setdefault(channel, {})[number] = None
    return {channel: list(numbers) for channel, numbers in grouped.items()}


_PG_TYPES = {"BigAutoField": "bigint", "AutoField": "integer", "ForeignKey": "bigint", "DateTimeField": "timestamptz",
             "DateField": "date", "CharField": "text", "DecimalField": "numeric", "BigIntegerField": "bigint"}


def update_rows(model: type[Model], fields: Sequence[str], rows: list[tuple], *, key: str = "pk",
                newer_only: str | None = None, chunk: int = 5000) -> None:
    """Give many rows each their own values: rows are (key value, *values in `fields` order).

    One `UPDATE … FROM unnest(arrays)` per `chunk` rows. `newer_only` names one of
    `fields`: a row is then updated only where its stored value is lower (a timestamp moves
    forward, never back). `key` may be a non-unique column (every matching row is updated).
    """
    if not rows:
        return
    meta = model._meta

    def column(name: str) -> str:
        return meta.get_field(name.removesuffix("_id")).column

    key_field = meta.pk if key == "pk" else meta.get_field(key.removesuffix("_id"))
    fields_ = [meta.get_field(f.removesuffix("_id")) for f in fields]
    names = [f.column for f in fields_]
    arrays = ", ".join(f"%s::{_PG_TYPES[f.get_internal_type()]}[]" for f in [key_field, *fields_])
    assignments = ", ".join(f'"{n}" = v."{n}"' for n in names)
    condition = f' AND t."{column(newer_only)}" < v."{column(newer_only)}"' if newer_only else ""
    sql = (f'UPDATE "{meta.db_table}" t SET {assignments} FROM unnest({arrays}) AS v(key, {", ".join(names)}) '
           f'WHERE t."{key_field.column}" = v.key{condition}')
    with connection.cursor() as cursor:
        for part in in_chunks(rows, chunk):
            cursor.execute(sql, [list(values) for values in zip(*part, strict=True)])
