"""bot/rasa_ext/tracker_store.py: the per-process tracker cache never serves a stale or half-saved
conversation. Two store objects on one SQLite file play two replicas; Rasa's own SQLTrackerStore on
the same file is the reference for what the database holds. Fast (no Rasa server)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.config import ROOT
from bot.rasa_ext import stores
from bot.rasa_ext.tracker_store import CachedSQLTrackerStore, cache_size

pytestmark = [pytest.mark.usefixtures("rasa_changes")]


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def make_store(tmp_path: Path, rasa_domain: Domain) -> Any:
    """make_store(cls=CachedSQLTrackerStore, **kw): a store on one shared SQLite file."""

    def make(cls: type = CachedSQLTrackerStore, **kwargs: Any) -> Any:
        return cls(domain=rasa_domain, dialect="sqlite", db=str(tmp_path / "t.db"), **kwargs)

    return make


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def turn(store: Any, sender: str, text: str) -> Any:
    """One handled message, as Rasa's processor does it: get or create, append, save."""
    tracker = run(store.get_or_create_tracker(sender))
    for event in (UserUttered(text, {"name": "greet", "confidence": 1.0}),
                  ActionExecuted("action_answer"), SlotSet("last_topic", text),
                  BotUttered(f"answer to {text}"), ActionExecuted("action_listen")):
        tracker.update(event)
    run(store.save(tracker))
    return tracker


def texts(tracker: Any) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def stored(make_store: Any, sender: str) -> list[dict]:
    """What the database holds for `sender`, read by Rasa's own store."""
    tracker = run(make_store(SQLTrackerStore).retrieve_full_tracker(sender))
    return [e.as_dict() for e in tracker.events] if tracker else []


def test_a_turn_handled_by_another_replica_is_seen(make_store):
    a, b = make_store(), make_store()
    turn(a, "u1", "one")
    turn(b, "u1", "two")  # B reads from the database, appends, saves
    tracker = turn(a, "u1", "three")  # A's cached copy is stale: it must reload
    assert texts(tracker) == ["one", "two", "three"]
    assert tracker.get_slot("last_topic") == "three"
    assert [e.as_dict() for e in tracker.events] == stored(make_store, "u1")


def test_every_event_is_stored_once_across_cached_turns(make_store):
    a = make_store()
    for i in range(5):
        tracker = turn(a, "u2", f"q{i}")
    rows = stored(make_store, "u2")
    assert len(rows) == len(tracker.events) == 1 + 5 * 5  # action_listen + 5 events a turn
    assert [r["text"] for r in rows if r["event"] == "user"] == [f"q{i}" for i in range(5)]


def test_a_turn_that_failed_before_saving_is_not_served_from_the_cache(make_store):
    a = make_store()
    turn(a, "u3", "saved")
    tracker = run(a.retrieve("u3"))
    tracker.update(UserUttered("lost", {"name": "greet", "confidence": 1.0}))  # then the turn fails
    again = run(a.retrieve("u3"))
    assert texts(again) == ["saved"]
    assert [e.as_dict() for e in again.events] == stored(make_store, "u3")


def test_a_new_session_loads_only_that_session_like_rasa(make_store):
    a = make_store()
    turn(a, "u4", "old session")
    tracker = run(a.retrieve("u4"))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    run(a.save(tracker))
    plain = run(make_store(SQLTrackerStore).retrieve("u4"))
    cached = run(a.retrieve("u4"))
    assert texts(cached) == [] and cached is not tracker
    assert [e.as_dict() for e in cached.events] == [e.as_dict() for e in plain.events]


def test_a_first_session_is_served_from_the_cache_as_rasa_would_load_it(make_store, monkeypatch):
    """A conversation's first turn starts its session (as Rasa's processor runs it): the second turn reads
    nothing back from the database, and gets what Rasa's own store would load."""
    a = make_store()
    tracker = run(a.get_or_create_tracker("first-session", append_action_listen=False))
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                  UserUttered("hi", {"name": "greet", "confidence": 1.0}), ActionExecuted("action_answer"),
                  BotUttered("hello"), ActionExecuted("action_listen")):
        tracker.update(event)
    run(a.save(tracker))

    def refuse(*_: Any) -> None:
        raise AssertionError("the conversation was read back from the database")

    monkeypatch.setattr(a, "_read", refuse)
    cached = run(a.retrieve("first-session"))
    plain = run(make_store(SQLTrackerStore).retrieve("first-session"))
    assert [e.as_dict() for e in cached.events] == [e.as_dict() for e in plain.events]
    assert texts(cached) == ["hi"] and cached.events[0].type_name == "session_started"
    texts_after = texts(turn(a, "first-session", "again"))  # and the next turn is saved from it
    assert texts_after == ["hi", "again"] and len(stored(make_store, "first-session")) == 7 + 5


def test_the_cache_is_bounded_and_evicted_conversations_still_load(make_store):
    a = make_store(cache_size=2)
    for sender in ("x", "y", "z"):
        turn(a, sender, f"hi from {sender}")
    assert list(a._seen) == ["y", "z"]
    assert texts(turn(a, "x", "again")) == ["hi from x", "again"]


def test_cache_size_zero_behaves_like_rasa(make_store):
    a, b = make_store(cache_size=0), make_store(cache_size=0)
    turn(a, "u5", "one")
    assert texts(turn(b, "u5", "two")) == ["one", "two"]
    assert not a._seen and not b._seen


def test_unknown_conversation_is_none(make_store):
    assert run(make_store().retrieve("nobody")) is None


@pytest.mark.parametrize(("raw", "expected"), [("", 1000), ("0", 0), ("250", 250), (" 7 ", 7)])
def test_cache_size_from_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("TRACKER_CACHE_SIZE", raw)
    assert cache_size() == expected


def test_bad_cache_size_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_CACHE_SIZE", "lots")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 't.db'}")
    with pytest.raises(ValueError, match="TRACKER_CACHE_SIZE must be a whole number"):
        stores.EnvTrackerStore(domain=None)


def test_env_store_is_the_cached_store(monkeypatch, tmp_path, rasa_domain):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 't.db'}")
    monkeypatch.setenv("TRACKER_CACHE_SIZE", "5")
    store = stores.EnvTrackerStore(domain=rasa_domain)
    assert isinstance(store, CachedSQLTrackerStore) and store.cache_size == 5
    assert texts(turn(store, "u6", "hello")) == ["hello"]



def test_a_conversation_forgotten_and_started_again_elsewhere_is_not_served_from_the_cache(make_store):
    """SQLite reuses the ids of deleted rows: a conversation erased (`bot.cli forget`) and started
    again on another replica has the same count and max(id); this replica must not serve its old copy."""
    import sqlalchemy as sa

    a, b = make_store(), make_store()
    turn(a, "u-forget", "what is PIE?")  # cached in A
    with a.session_scope() as session:
        session.execute(sa.text("DELETE FROM events WHERE sender_id = 'u-forget'"))
        session.commit()
    turn(b, "u-forget", "what is PIH?")  # the same number of events, with the same ids
    assert texts(run(a.retrieve("u-forget"))) == ["what is PIH?"]


def test_a_new_conversation_is_inserted_without_rasas_count(make_store, monkeypatch):
    a = make_store()

    def refuse(*_: Any) -> None:
        raise AssertionError("Rasa's save (a count, then an insert) ran for a new conversation")

    monkeypatch.setattr(SQLTrackerStore, "save", refuse)
    tracker = turn(a, "new", "one")
    assert [e.as_dict() for e in tracker.events] == stored(make_store, "new")
    assert run(a.retrieve("new")) is tracker  # and the cache knows it
    monkeypatch.undo()
    b = make_store()
    turn(b, "new", "two")  # known to the database, not to B's cache: Rasa's way
    assert texts(run(make_store().retrieve("new"))) == ["one", "two"]


@pytest.mark.parametrize("listen", [True, False])  # the processor creates it empty
def test_a_new_conversation_is_stored_with_its_first_turn(make_store, monkeypatch, listen):
    a = make_store()
    monkeypatch.setattr(a, "_fingerprint", None)  # no ORM query on the way (the slow path)
    tracker = run(a.get_or_create_tracker("fresh", append_action_listen=listen))  # Rasa's create_tracker saves
    assert stored(make_store, "fresh") == []
    for event in (UserUttered("hi", {"name": "greet", "confidence": 1.0}), ActionExecuted("utter_greet")):
        tracker.update(event)
    run(a.save(tracker))
    assert [e.as_dict() for e in tracker.events] == stored(make_store, "fresh")
    assert [e["event"] for e in stored(make_store, "fresh")] == ["action"] * listen + ["user", "action"]


def test_a_first_turn_that_fails_leaves_nothing_behind(make_store):
    a = make_store()
    tracker = run(a.get_or_create_tracker("failing"))
    tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))  # then an error: no save
    assert run(a.retrieve("failing")) is None
    assert [e.text for e in run(a.get_or_create_tracker("failing")).events if isinstance(e, UserUttered)] == []
    assert texts(turn(a, "failing", "again")) == ["again"]
    assert len(stored(make_store, "failing")) == 6


def test_a_sqlite_file_is_queried_on_the_loop_a_database_server_in_a_thread(make_store, monkeypatch):
    """SQLite: each query at once, on the event loop's thread (a thread's hand-over cost more than the
    query). A database server: in a thread, so a paused server holds up only the turns that wait on it."""
    import threading

    store = make_store()
    turn(store, "u1", "hello")
    threads: list[int] = []
    fingerprint = store._fingerprint_now

    def recorded(sender_id: str) -> Any:
        threads.append(threading.get_ident())
        return fingerprint(sender_id)

    monkeypatch.setattr(store, "_fingerprint_now", recorded)

    async def retrieved() -> int:
        await store.retrieve("u1")
        return threading.get_ident()

    assert run(retrieved()) == threads[-1]
    monkeypatch.setattr(store.engine.dialect, "name", "postgresql")
    assert run(retrieved()) != threads[-1]
    assert texts(run(store.retrieve("u1"))) == ["hello"]


def test_a_conversations_fingerprint_is_one_index_lookup_however_long_it_is(make_store):
    """Each turn reads the conversation's fingerprint twice: its newest row, found in the index on
    (sender_id, id) (a count(*) and max(timestamp) read every row: a turn cost more the longer the
    conversation). The plan names the index and sorts nothing; the fingerprint is the newest row's."""
    import sqlite3

    a = make_store()
    for i in range(3):
        turn(a, "u1", f"turn {i}")
    turn(a, "u2", "another conversation, stored after")
    path = a.engine.url.database
    with sqlite3.connect(path) as db:
        plan = " ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + a._newest(), ("u1",)))
        newest = db.execute("SELECT id, timestamp FROM events WHERE sender_id = 'u1' ORDER BY id DESC").fetchone()
    assert "INDEX ix_events_sender_id_id (sender_id=?)" in plan and "TEMP B-TREE" not in plan, plan
    assert a._fingerprint_now("u1") == tuple(newest)
    assert a._fingerprint_now("nobody") == (None, None)
