"""The tracker store (SQLite or PostgreSQL), read and written with SQLAlchemy Core without loading Rasa.

Rasa's SQL store keeps one row per event in `events`. Used by erasure, access and retention (this
package) and by the operators' report (bot/tools/report.py). SQLAlchemy is imported when first used,
so the report parses its arguments without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa

CONNECT_TIMEOUT = 5  # seconds (PostgreSQL)


class StoreError(RuntimeError):
    """The tracker store can't be read (bad URL, no driver, unreachable, not Rasa's schema)."""


def open_store(url: str) -> sa.engine.Engine | None:
    """An engine for the store; None when it is a SQLite file that doesn't exist yet."""
    import sqlalchemy as sa
    from sqlalchemy.engine.url import make_url
    from sqlalchemy.pool import NullPool

    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError("the tracker store URL is not a SQLAlchemy URL (dialect://user:password@host:port/db)") \
            from None
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if path and path != ":memory:" and not path.startswith("file:") and not Path(path).is_file():
            return None
    try:
        args = {"connect_timeout": CONNECT_TIMEOUT} if parsed.get_driver_name() == "psycopg2" else {}
        return sa.create_engine(parsed, poolclass=NullPool, connect_args=args)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise StoreError(f"no database driver for {parsed.drivername}: {exc}") from None


def engine(url: str | None = None) -> sa.engine.Engine | None:
    """`open_store` on `url`, else on the configured store (TRACKER_STORE_URL, else var/tracker.db)."""
    from bot.rasa_ext.stores import tracker_store_url

    return open_store(url or tracker_store_url())


def events_table(metadata: sa.MetaData | None = None) -> sa.Table:
    """Rasa's SQLTrackerStore.SQLEvent table (rasa/core/tracker_store.py), without importing Rasa."""
    import sqlalchemy as sa

    return sa.Table("events", metadata or sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
                    sa.Column("type_name", sa.String(255), nullable=False), sa.Column("timestamp", sa.Float),
                    sa.Column("intent_name", sa.String(255)), sa.Column("action_name", sa.String(255)),
                    sa.Column("data", sa.Text))
