"""Rasa's SQLTrackerStore plus an in-process cache of recent conversations (bot/rasa_ext/stores.py builds it).

Rasa 3.6 handles every message by loading the whole session from the database (one row per event,
JSON-decoded and replayed into a new tracker), then counting the stored events again to know which
ones to insert. That grows with the conversation and was ~40% of a replica's CPU under load.

Here each process keeps the trackers it last loaded or saved (LRU, `TRACKER_CACHE_SIZE`, default
1000; 0 turns it off). Retrieving a conversation costs one indexed query, the id and timestamp of its
newest row (an index on (sender_id, id): one lookup however long the conversation; a `count(*)` and
`max(timestamp)` read every row, +3 ms a turn 300 turns in): when they equal what this process saw
after its own last save, the cached tracker is exactly what the database holds and is returned as it
is; otherwise (another replica handled a turn, a turn here failed before it was saved, or the
conversation was erased) the conversation is loaded from the database as Rasa does.
The checks and inserts of these two paths go straight to the database driver (a pooled DB-API
connection: ~40 us a query instead of ~330 us through an ORM session).
Saving inserts the events added since, without counting the stored ones again (a conversation with
no stored rows yet: all its events, without Rasa's count). A new conversation, which Rasa saves
once when it creates it (empty, or its first `action_listen`) and again after the first turn, is written once,
with that turn: if the turn fails, nothing was stored, as if it never started. A turn that starts a
session is cached as Rasa would load it (that session's events: a new tracker), so a conversation's
second turn reads nothing back either.

This is sound because events are only ever appended, a conversation is only ever deleted whole
(bot/privacy: erasure, retention; ids a deletion frees can be used again by SQLite, a new row's
timestamp can't be the old one's), and every writer of a conversation holds its
lock (Rasa's lock store: in memory for one process, Redis for several) from retrieve to save.
With an event broker configured the cache is off (Rasa's streaming diffs against a fresh load).
With a database server (PostgreSQL) the queries run in threads, off the event loop: a slow or paused
database holds up only the turns that wait on it (reads give up after READ_TIMEOUT: the turn fails
with StoreUnavailable, a 503). A SQLite file, written by this one process, is queried on the loop:
each query takes tens of microseconds, and the hand-over to a thread and back cost more, ~1.5 ms of
the server's CPU a message at saturation (docs/conversation.md, speed).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.config import settings
from bot.observability import metrics
from bot.rasa_ext.tracker import FaqTracker

DEFAULT_CACHE_SIZE = 1000
READ_TIMEOUT = 5.0  # seconds a read of the database may take before the turn fails (StoreUnavailable)
T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass
class _Seen:
    """A cached tracker and what the database held for its conversation when it was cached."""

    tracker: DialogueStateTracker
    stored: int  # the first `stored` events of tracker.events are in the database
    last_id: int | None  # the id of the conversation's newest row (all sessions; None: no row)
    stamp: float | None = None  # its timestamp: ids can be reused after a deletion (SQLite), time can't


def _just_created(tracker: DialogueStateTracker) -> bool:
    """A conversation as Rasa's `create_tracker` saves it before its first turn: no event (as the
    processor creates it) or one action_listen."""
    return not tracker.events or (len(tracker.events) == 1 and isinstance(tracker.events[0], ActionExecuted)
                                  and tracker.events[0].action_name == ACTION_LISTEN_NAME)


class StoreUnavailable(RuntimeError):
    """The tracker store could not retrieve or save a conversation (the turn fails: nothing half-stored)."""


@contextmanager
def _counted(operation: str) -> Iterator[None]:
    """Log and count a failed retrieve or save (faq_store_failures_total), then fail the turn with
    StoreUnavailable (the channels answer it with the apology; REST with a 503)."""
    try:
        yield
    except Exception as error:
        logger.error("Tracker store %s failed: %s", operation, error)
        metrics.STORE_FAILURES.labels(operation).inc()
        raise StoreUnavailable(f"tracker store {operation} failed: {error}") from error


async def off_loop(work: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
    """`work(*args)` in a thread, so a slow or paused database holds up only the turns that wait on it
    (Rasa's GET /, /ready, /metrics and other work go on); reads give up after `timeout` seconds."""
    done = asyncio.get_running_loop().run_in_executor(None, work, *args)
    return await (asyncio.wait_for(done, timeout) if timeout else done)


def cache_size() -> int:
    """TRACKER_CACHE_SIZE from the environment (conversations kept per process)."""
    raw = settings().tracker_cache_size
    try:
        return max(0, int(raw)) if raw else DEFAULT_CACHE_SIZE
    except ValueError:
        raise ValueError(f"TRACKER_CACHE_SIZE must be a whole number, got {raw!r}") from None


class CachedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that re-reads a conversation only when the database changed under it."""

    _instances: weakref.WeakSet[CachedSQLTrackerStore] = weakref.WeakSet()

    @classmethod
    def instances(cls) -> list[CachedSQLTrackerStore]:
        """The stores of this process (GET /ready checks each: bot/channels/health.py)."""
        return list(cls._instances)

    def ping(self) -> None:
        """One query to the database (raises if it can't answer)."""
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    def __init__(self, *args: Any, cache_size: int = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = cache_size
        self._index_newest()
        self._compile_event_query()
        self._seen: OrderedDict[str, _Seen] = OrderedDict()
        CachedSQLTrackerStore._instances.add(self)

    @property
    def caching(self) -> bool:
        return bool(self.cache_size and self.domain and self.event_broker is None)

    def _index_newest(self) -> None:
        """The index the fingerprint's query reads one entry of (Rasa's own is on sender_id alone:
        PostgreSQL would sort all the conversation's rows to find the newest)."""
        table = self.SQLEvent.__tablename__
        try:
            with self.engine.begin() as connection:
                connection.execute(sa.text(
                    f"CREATE INDEX IF NOT EXISTS ix_{table}_sender_id_id ON {table} (sender_id, id)"))
        except sa.exc.SQLAlchemyError as error:  # (replicas starting at once; the queries work without it, slower)
            logger.warning("Could not create the index ix_%s_sender_id_id: %s", table, error)

    def _compile_event_query(self) -> None:
        """Run the events query once, for no conversation, as the store starts: SQLAlchemy compiles a
        query at its first use (about 10 ms, paid by the first conversation's second turn otherwise)."""
        try:
            with self.session_scope() as session:
                self._events(session, "", last_id=0)
        except sa.exc.SQLAlchemyError as error:  # (the database is checked by /ready: nothing to do here)
            logger.warning("Could not prepare the events query: %s", error)

    def _events(self, session: Any, sender_id: str, last_id: int) -> list[dict]:
        """The latest session's events up to the row `last_id`, as Rasa's SQLTrackerStore reads them."""
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        return [json.loads(r.data) for r in query.filter(self.SQLEvent.id <= last_id).with_entities(self.SQLEvent.data)]

    def _newest(self) -> str:
        return f"SELECT id, timestamp FROM {self.SQLEvent.__tablename__} WHERE sender_id = ? ORDER BY id DESC LIMIT 1"

    def _fingerprint(self, session: Any, sender_id: str) -> tuple[int | None, float | None]:
        # plain SQL: building an ORM query's cache key cost more than running it
        row = session.execute(sa.text(self._newest().replace("?", ":s")), {"s": sender_id}).first()
        return (row[0], row[1]) if row else (None, None)

    async def _query(self, work: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """`work(*args)`: in a thread for a database server (`off_loop`), at once for a SQLite file."""
        if self.engine.dialect.name == "sqlite":
            return work(*args)
        return await off_loop(work, *args, timeout=timeout)

    def _remember(self, seen: _Seen) -> None:
        sender_id = seen.tracker.sender_id
        self._seen[sender_id] = seen
        self._seen.move_to_end(sender_id)
        while len(self._seen) > self.cache_size:
            self._seen.popitem(last=False)

    def _cached(self, tracker: DialogueStateTracker) -> _Seen | None:
        """The cache entry if `tracker` is the cached object and only had events appended since."""
        seen = self._seen.get(tracker.sender_id)
        ok = (seen is not None and seen.tracker is tracker and tracker.events.maxlen is None
              and len(tracker.events) >= seen.stored)
        return seen if ok else None

    @contextmanager
    def _cursor(self, commit: bool = False) -> Iterator[Any]:
        """A DB-API cursor on a pooled connection: a tenth of an ORM session's cost per query."""
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            yield cursor
            cursor.close()
            if commit:
                connection.commit()
        finally:
            connection.close()  # back to the pool, rolled back if not committed

    def _sql(self, sql: str) -> str:
        """`sql` written with `?` placeholders, in this driver's parameter style."""
        return sql if self.engine.dialect.paramstyle == "qmark" else sql.replace("?", "%s")

    def _raw_fingerprint(self, cursor: Any, sender_id: str) -> tuple[int | None, float | None]:
        cursor.execute(self._sql(self._newest()), (sender_id,))
        row = cursor.fetchone()
        return (row[0], row[1]) if row else (None, None)

    async def _stored(self, sender_id: str) -> tuple[int | None, float | None]:
        """The conversation's fingerprint in the database now (read as `_query` says: a server's off the loop)."""
        return await self._query(self._fingerprint_now, sender_id, timeout=READ_TIMEOUT)

    def _fingerprint_now(self, sender_id: str) -> tuple[int | None, float | None]:
        """The conversation's fingerprint in the database now, on the cheapest connection the driver allows."""
        if self._raw_sql:
            with self._cursor() as cursor:
                return self._raw_fingerprint(cursor, sender_id)
        with self.session_scope() as session:
            return self._fingerprint(session, sender_id)

    @property
    def _raw_sql(self) -> bool:
        """Whether the driver takes `?` or `%s` placeholders (SQLite, psycopg2): else the ORM throughout."""
        return self.engine.dialect.paramstyle in ("qmark", "format", "pyformat")

    def init_tracker(self, sender_id: str) -> DialogueStateTracker:
        """A new conversation's tracker: our class (bot/rasa_ext/tracker.py)."""
        return FaqTracker(sender_id, self.domain.slots, max_event_history=self.max_event_history)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's latest session: from the cache when the database hasn't changed."""
        with _counted("retrieve"):
            return await self._load(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the events added since the tracker was retrieved or last saved."""
        with _counted("save"):
            await self._store(tracker)

    async def _load(self, sender_id: str) -> DialogueStateTracker | None:
        if not self.caching:
            return await super().retrieve(sender_id)
        seen = self._seen.pop(sender_id, None)
        fingerprint = await self._stored(sender_id)
        if (seen is not None and len(seen.tracker.events) == seen.stored
                and fingerprint == (seen.last_id, seen.stamp)):
            self._remember(seen)
            return seen.tracker
        if fingerprint[0] is None:
            return None  # a new conversation
        loaded = await self._query(self._read, sender_id, timeout=READ_TIMEOUT)
        if loaded is None:
            return None
        data, last_id, stamp = loaded
        tracker = FaqTracker.from_dict(sender_id, data, self.domain.slots)
        self._remember(_Seen(tracker, len(data), last_id, stamp))
        return tracker

    def _read(self, sender_id: str) -> tuple[list[dict], int, float | None] | None:
        """The latest session's events and the fingerprint of the same transaction (None: no rows)."""
        with self.session_scope() as session:
            last_id, stamp = self._fingerprint(session, sender_id)
            if last_id is None:
                return None
            return self._events(session, sender_id, last_id), last_id, stamp

    async def _store(self, tracker: DialogueStateTracker) -> None:
        seen = self._cached(tracker) if self.caching else None
        if seen is None and self.caching and _just_created(tracker):
            self._remember(_Seen(tracker, 0, None))  # stored with its first turn, one insert for both
            return
        if seen is None and self.caching and tracker.events.maxlen is None \
                and (await self._stored(tracker.sender_id))[0] is None:
            seen = _Seen(tracker, 0, None)  # a new conversation: insert it all
        if seen is None:
            await super().save(tracker)  # Rasa's way: count the stored events, insert the rest
            if self.caching:
                stored = await self._stored(tracker.sender_id)
                self._remember(_Seen(tracker, len(tracker.events), *stored))
            return
        new = list(itertools.islice(tracker.events, seen.stored, None))
        if not new:
            return  # nothing to store: the cache entry still matches the database
        rows_to_insert = [self._row(tracker.sender_id, event) for event in new]
        # no timeout: an insert abandoned here could still complete after a paused database resumes,
        # storing a turn the visitor was told had failed
        last_id, stamp = await self._query(self._insert, tracker.sender_id, rows_to_insert)
        if any(isinstance(event, SessionStarted) for event in new):
            tracker = self._latest_session(tracker)  # what Rasa would load next time: that session alone
        self._remember(_Seen(tracker, len(tracker.events), last_id, stamp))

    def _latest_session(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """A new tracker of the events from the latest `SessionStarted` on, as Rasa's `_event_query` selects
        them (by timestamp): the conversation as the database would give it, without reading it back."""
        start = next(e for e in reversed(tracker.events) if isinstance(e, SessionStarted))
        return FaqTracker.from_events(tracker.sender_id, [e for e in tracker.events if e.timestamp >= start.timestamp],
                                      self.domain.slots, max_event_history=self.max_event_history)

    def _insert(self, sender_id: str, rows_to_insert: list[dict[str, Any]]) -> tuple[int | None, float | None]:
        """Insert the rows; the conversation's fingerprint after, in the same transaction."""
        if self._raw_sql:
            columns = list(rows_to_insert[0])
            insert = self._sql(f"INSERT INTO {self.SQLEvent.__tablename__} ({', '.join(columns)}) "
                               f"VALUES ({', '.join('?' for _ in columns)})")
            with self._cursor(commit=True) as cursor:
                cursor.executemany(insert, [tuple(row[c] for c in columns) for row in rows_to_insert])
                return self._raw_fingerprint(cursor, sender_id)
        with self.session_scope() as session:
            session.execute(self.SQLEvent.__table__.insert(), rows_to_insert)
            fingerprint = self._fingerprint(session, sender_id)
            session.commit()
            return fingerprint

    @staticmethod
    def _row(sender_id: str, event: Any) -> dict[str, Any]:
        """The events-table row for `event`, as SQLTrackerStore.save writes it."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
