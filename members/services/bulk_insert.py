"""Insert many model instances at once; on PostgreSQL through COPY with pre-allocated ids.

`bulk_create` builds one huge parameterised INSERT per batch, which for the hundreds of
thousands of people, accounts and orders of a large import costs more than everything
else together. COPY streams the rows instead; the ids are taken from the table's own
sequence first, so every instance has its pk afterwards exactly as with bulk_create.
Other backends use bulk_create (SQLite returns the ids too).
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def insert_instances(model: type[Model], instances: Sequence[Model], *, batch_size: int = 1000) -> None:
    if not instances:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(instances, batch_size=batch_size)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(instances)],
        )
        for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
            instance.pk = pk
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for instance in instances:
                copy.write_row([f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields])
    for instance in instances:
        instance._state.adding = False
        instance._state.db = connection.alias
