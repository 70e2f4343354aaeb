"""The benches' own databases, made on the server that DATABASE_URL names (or, without it, on the
checkout's embedded PostgreSQL); the database the URL itself names is never touched."""

from __future__ import annotations

import os
import time
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg


def server_url() -> str:
    """DATABASE_URL, or the embedded development server's URL (started, and held until this
    process exits, when it is not running)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from core.embedded_postgres import default_data_dir, shared_server

    return shared_server(default_data_dir()).url()


def url_of(settings_dict: dict) -> str:
    """A libpq URL for a Django DATABASES entry (a Unix-socket HOST goes into ?host=)."""
    user, password, name = quote(settings_dict["USER"]), settings_dict["PASSWORD"], settings_dict["NAME"]
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    credentials = f"{user}:{quote(password)}" if password else user
    if host.startswith("/"):
        return f"postgresql://{credentials}@/{name}?host={host}"
    return f"postgresql://{credentials}@{host}:{port}/{name}"


def url_for(url: str, database: str) -> str:
    """The same server and credentials as `url`, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def admin_url(url: str) -> str:
    return url_for(url, "postgres")


def manage_env(url: str, **extra: str) -> dict:
    """The environment for a manage.py child on the database at `url`: local settings, and no
    broker, so tasks run in-process; `extra` adds or overrides variables."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local", **extra}
    env.pop("CELERY_BROKER_URL", None)
    return env


def drop(url: str, database: str) -> None:
    """Drop `database` on the server at `url` if it exists, disconnecting its sessions."""
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def recreate(url: str, database: str, *, template: str | None = None, strategy: str | None = None) -> str:
    """Drop `database` if it exists and create it empty, or as a copy of `template` (`strategy`:
    CREATE DATABASE's, e.g. FILE_COPY, which checkpoints first). Returns its URL.
    A copy fails while any session is on the template; a passing one (autovacuum, a monitoring
    query) is waited out for up to ~100 s (PostgreSQL itself waits only 5 s)."""
    copy = f" TEMPLATE {template}" if template else ""
    copy += f" STRATEGY {strategy}" if strategy else ""
    drop(url, database)
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        for attempt in range(15):
            try:
                conn.execute(f"CREATE DATABASE {database}{copy}")
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 14:
                    raise
                time.sleep(2)
    return url_for(url, database)


def seal(url: str, database: str) -> None:
    """Refuse new connections to `database` (a template that is only copied from now on), so no
    session — autovacuum included — can be on it when a copy is made."""
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {database} WITH ALLOW_CONNECTIONS false")
