"""The benches copy a migrated template database for every step that needs an empty one; a
session left on the template made a copy fail ("source database is being accessed by other
users") and ended an import bench run half-way. PostgreSQL only (it makes databases named after
the test database's URL on the same server, and drops them)."""

import os
import threading
from urllib.parse import urlsplit

import psycopg
import pytest

from bench.databases import drop, recreate, seal, url_for

URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgres"), reason="needs PostgreSQL (DATABASE_URL)")


@pytest.fixture
def names():
    base = urlsplit(URL).path.lstrip("/") or "crm_bench"
    template, copy = f"{base}_bt_tpl", f"{base}_bt_copy"
    yield template, copy
    for name in (copy, template):
        drop(URL, name)


def test_a_sealed_template_refuses_connections_and_can_still_be_copied(names):
    template, copy = names
    recreate(URL, template)

    seal(URL, template)

    with pytest.raises(psycopg.OperationalError, match="not currently accepting connections"):
        psycopg.connect(url_for(URL, template)).close()
    recreate(URL, copy, template=template)
    with psycopg.connect(url_for(URL, copy)) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_copy_waits_out_a_session_that_leaves_the_template(names):
    # given a session on the template that leaves after seven seconds (PostgreSQL itself waits only five)
    template, copy = names
    recreate(URL, template)
    session = psycopg.connect(url_for(URL, template))
    leaves = threading.Timer(7.0, session.close)
    leaves.start()
    try:
        # when the template is copied meanwhile
        copied = recreate(URL, copy, template=template)
    finally:
        leaves.cancel()
        session.close()

    # then the copy is made instead of failing at once
    with psycopg.connect(copied) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (copy,)
