"""The benches copy a migrated template database for every step that needs an empty one; a
session left on the template made a copy fail ("source database is being accessed by other
users") and ended an import bench run half-way. The databases are named after this worker's test
database, on the same server, and dropped at the end."""

import threading

import psycopg
import pytest

from bench.databases import drop, recreate, seal, url_for, url_of


@pytest.fixture
def names(db):
    """(server URL, template name, copy name), named after this worker's test database."""
    from django.db import connection

    url, base = url_of(connection.settings_dict), connection.settings_dict["NAME"]
    template, copy = f"{base}_bt_tpl", f"{base}_bt_copy"
    yield url, template, copy
    for name in (copy, template):
        drop(url, name)


def test_a_sealed_template_refuses_connections_and_can_still_be_copied(names):
    url, template, copy = names
    recreate(url, template)

    seal(url, template)

    with pytest.raises(psycopg.OperationalError, match="not currently accepting connections"):
        psycopg.connect(url_for(url, template)).close()
    recreate(url, copy, template=template)
    with psycopg.connect(url_for(url, copy)) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_copy_waits_out_a_session_that_leaves_the_template(names):
    # given a session on the template that leaves after seven seconds (PostgreSQL itself waits only five)
    url, template, copy = names
    recreate(url, template)
    session = psycopg.connect(url_for(url, template))
    leaves = threading.Timer(7.0, session.close)
    leaves.start()
    try:
        # when the template is copied meanwhile
        copied = recreate(url, copy, template=template)
    finally:
        leaves.cancel()
        session.close()

    # then the copy is made instead of failing at once
    with psycopg.connect(copied) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (copy,)
