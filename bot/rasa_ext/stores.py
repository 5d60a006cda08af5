"""Tracker and lock stores chosen by environment (endpoints.yml names these classes).

- Tracker store: SQL. `TRACKER_STORE_URL` (SQLAlchemy URL, e.g. postgresql://u:p@host:5432/rasa);
  default: a SQLite file at var/tracker.db in the project.
- Lock store: Redis when `REDIS_URL` is set (redis://[:password@]host:port/db), else in memory
  (right for a single Rasa process only).

A configured PostgreSQL or Redis that can't be reached stops the start with `StoreUnreachable`
naming the env var and host:port (Rasa's own SQL store would retry silently for ever); it is
retried for `STORE_CONNECT_WAIT` seconds first (default 10) so containers may start in any order.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from bot.config import ROOT, settings

logger = logging.getLogger(__name__)
DEFAULT_SQLITE = ROOT / "var" / "tracker.db"
CONNECT_TIMEOUT = 3  # seconds, per connection attempt


class StoreUnreachable(RuntimeError):
    """A configured tracker/lock store can't be reached at start-up."""


def _retry(what: Callable[[], None], describe: Callable[[Exception], str]) -> None:
    """Call `what` until it succeeds or STORE_CONNECT_WAIT seconds passed; then StoreUnreachable."""
    deadline = time.monotonic() + float(settings().store_connect_wait)
    while True:
        try:
            what()
            return
        except Exception as exc:  # noqa: BLE001 - any failure to connect is reported the same way
            if time.monotonic() >= deadline:
                raise StoreUnreachable(describe(exc)) from None
            logger.warning("%s; retrying", describe(exc))
            time.sleep(1)


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def tracker_store_url() -> str:
    """The configured tracker store URL (SQLite file by default)."""
    return settings().tracker_store_url or f"sqlite:///{DEFAULT_SQLITE}"


def _tune_sqlite(store: Any) -> None:
    """Keep SQLite connections open (a small pool instead of SQLAlchemy 1.4's NullPool) in WAL
    mode with synchronous=NORMAL: a commit survives a crash of the bot process without an fsync
    per message. Measured effect in the README (Performance)."""
    import sqlalchemy as sa
    from sqlalchemy import event
    from sqlalchemy.orm import sessionmaker
    from sqlalchemy.pool import QueuePool

    engine = sa.create_engine(store.engine.url, poolclass=QueuePool, pool_size=4,
                              connect_args={"check_same_thread": False})

    def on_connect(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine, "connect", on_connect)
    store.engine.dispose()
    store.engine = engine
    store.sessionmaker = sessionmaker(bind=engine)


class EnvTrackerStore:
    """Factory: `EnvTrackerStore(domain=..., ...)` returns a SQL tracker store for the env URL
    (Rasa's SQLTrackerStore with a per-process cache of recent conversations: bot/rasa_ext/tracker_store.py)."""

    def __new__(cls, domain: Any = None, event_broker: Any = None, **_: Any) -> Any:
        from sqlalchemy.engine.url import make_url

        from bot import rasa_ext
        from bot.rasa_ext.tracker_store import CachedSQLTrackerStore, cache_size

        rasa_ext.install()  # Rasa is loading our store: `rasa run` and `rasa shell` come through here
        url, size = make_url(tracker_store_url()), cache_size()
        if url.drivername.startswith("sqlite"):
            path = url.database or str(DEFAULT_SQLITE)
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            logger.info("Tracker store: SQLite file %s", path)
            store = CachedSQLTrackerStore(domain=domain, dialect="sqlite", db=path, event_broker=event_broker,
                                          cache_size=size)
            _tune_sqlite(store)
            return store
        logger.info("Tracker store: %s on %s:%s/%s", url.drivername, url.host, url.port, url.database)
        _check_sql(url)
        store = CachedSQLTrackerStore(
            domain=domain,
            cache_size=size,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database or "rasa",
            username=url.username,
            password=url.password,
            event_broker=event_broker,
        )
        _pre_ping(store)
        return store


def _check_sql(url: Any) -> None:
    """Connect once (short timeout) so an unreachable database fails the start with a clear message."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    args = {"connect_timeout": CONNECT_TIMEOUT} if url.get_backend_name() == "postgresql" else {}
    engine = sa.create_engine(url, poolclass=NullPool, connect_args=args)

    def connect() -> None:
        with engine.connect():
            pass

    where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or 'rasa'}"
    try:
        _retry(connect, lambda exc: f"TRACKER_STORE_URL: cannot connect to {url.get_backend_name()} at "
                                    f"{where}: {_first_line(exc)}")
    finally:
        engine.dispose()


def _pre_ping(store: Any) -> None:
    """Rebuild the engine with pool_pre_ping (and a connect timeout): after a database restart the
    pooled connections are dead, and without a ping the first request on each would fail."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import create_engine_kwargs
    from sqlalchemy.orm import sessionmaker

    url = store.engine.url
    kwargs = create_engine_kwargs(url)
    if url.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "connect_timeout": CONNECT_TIMEOUT}
    engine = sa.create_engine(url, pool_pre_ping=True, **kwargs)
    store.engine.dispose()
    store.engine = engine
    store.sessionmaker = sessionmaker(bind=engine)


def redis_settings(default_db: int = 1) -> dict[str, Any] | None:
    """Connection settings from REDIS_URL (None when unset)."""
    url = settings().redis_url
    if not url:
        return None
    parsed = urlparse(url)
    return {
        "host": parsed.hostname or "localhost",
        "port": parsed.port or 6379,
        "db": int((parsed.path or "").lstrip("/") or default_db),
        "password": parsed.password,
    }


def check_redis(cfg: dict[str, Any]) -> None:
    """PING once (short timeout) so an unreachable Redis fails the start with a clear message."""
    import redis

    client = redis.Redis(**cfg, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT)
    try:
        _retry(client.ping, lambda exc: f"REDIS_URL: cannot connect to Redis at "
                                        f"{cfg['host']}:{cfg['port']}/{cfg['db']}: {_first_line(exc)}")
    finally:
        client.close()
