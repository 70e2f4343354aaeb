"""Update many rows with different values in one statement (`UPDATE … FROM unnest` on PostgreSQL)."""

from django.db import connection

_PG_TYPES = {"BigAutoField": "bigint", "ForeignKey": "bigint", "DateTimeField": "timestamptz",
             "DateField": "date", "CharField": "text", "DecimalField": "numeric", "BigIntegerField": "bigint"}


def update_rows(model, fields: tuple[str, ...], rows: list[tuple], chunk: int = 5000) -> None:
    """rows: (pk, *values in `fields` order)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        objects = [model(pk=row[0], **dict(zip(fields, row[1:], strict=True))) for row in rows]
        model.objects.bulk_update(objects, fields, batch_size=500)
        return
    meta = model._meta
    columns = [meta.get_field(f.removesuffix("_id") if f.endswith("_id") else f) for f in fields]
    types = [_PG_TYPES[c.get_internal_type()] for c in columns]
    names = [c.column for c in columns]
    assignments = ", ".join(f'"{n}" = v."{n}"' for n in names)
    unnest = ", ".join(f"%s::{t}[]" for t in ["bigint", *types])
    sql = (f'UPDATE "{meta.db_table}" t SET {assignments} FROM unnest({unnest}) AS v(id, {", ".join(names)}) '
           f'WHERE t."{meta.pk.column}" = v.id')
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            cursor.execute(sql, [list(column) for column in zip(*part, strict=True)])
