"""Migrations: SQL that exists only on PostgreSQL (plpgsql functions, triggers). SQLite, the
embedded development database, has no equivalent and skips it."""

from django.db import migrations


def run_on_postgres(forward_sql: str, backward_sql: str) -> migrations.RunPython:
    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(forward_sql)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(backward_sql)

    return migrations.RunPython(forward, backward)
