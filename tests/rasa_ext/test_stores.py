"""bot/rasa_ext/stores.py: stores chosen by environment, a clear error when a configured store is unreachable,
and the atomic Redis lock store. Fast (no Rasa server)."""

from __future__ import annotations

import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.observability import metrics
from bot.rasa_ext import lock_store, stores
from tests.servers import free_port

pytestmark = [pytest.mark.usefixtures("rasa_changes"), pytest.mark.slow]


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORE_CONNECT_WAIT", "0")


def test_default_is_sqlite_and_in_memory(monkeypatch, tmp_path):
    from rasa.core.lock_store import InMemoryLockStore

    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 't.db'}")
    monkeypatch.delenv("REDIS_URL", raising=False)
    store = stores.EnvTrackerStore(domain=None)
    assert store.engine.url.get_backend_name() == "sqlite"
    assert isinstance(lock_store.EnvLockStore(), InMemoryLockStore)


def test_unreachable_postgres_fails_fast_naming_the_setting(monkeypatch, no_wait):
    port = free_port()  # nothing listens there
    monkeypatch.setenv("TRACKER_STORE_URL", f"postgresql://rasa:s3cret@127.0.0.1:{port}/rasa")
    with pytest.raises(stores.StoreUnreachable) as err:  # (STORE_CONNECT_WAIT=0: no retries)
        stores.EnvTrackerStore(domain=None)
    message = str(err.value)
    assert "TRACKER_STORE_URL" in message and f"127.0.0.1:{port}" in message
    assert "s3cret" not in message


def test_unreachable_redis_fails_fast_naming_the_setting(monkeypatch, no_wait):
    port = free_port()
    monkeypatch.setenv("REDIS_URL", f"redis://:pw@127.0.0.1:{port}/1")
    with pytest.raises(stores.StoreUnreachable) as err:
        lock_store.EnvLockStore()
    message = str(err.value)
    assert "REDIS_URL" in message and f"127.0.0.1:{port}" in message and "pw" not in message.split(":")[0]


@pytest.fixture(scope="module")
def redis_url() -> str:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed (apt-get install -y redis-server)")
    from tests.services import Redis

    server = Redis().start()
    yield server.url
    server.stop()


def test_redis_lock_store_tickets_are_unique_under_contention(monkeypatch, redis_url):
    """Many 'replicas' (separate connections) take tickets for one conversation at once: every
    ticket number is distinct, and releasing them all removes the lock."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    replicas = [lock_store.EnvLockStore() for _ in range(8)]
    conversation = uuid.uuid4().hex

    def take(i: int) -> list[int]:
        return [replicas[i % len(replicas)].issue_ticket(conversation) for _ in range(25)]

    with ThreadPoolExecutor(len(replicas)) as pool:
        tickets = [t for batch in pool.map(take, range(len(replicas))) for t in batch]
    assert sorted(tickets) == list(range(len(tickets)))
    lock = replicas[0].get_lock(conversation)
    assert [t.number for t in lock.tickets] == list(range(len(tickets)))

    def release(i: int) -> None:
        for number in tickets[i::len(replicas)]:
            replicas[i].cleanup(conversation, number)

    with ThreadPoolExecutor(len(replicas)) as pool:
        list(pool.map(release, range(len(replicas))))
    assert replicas[0].get_lock(conversation) is None


def test_redis_lock_store_drops_expired_tickets_and_writes_rasas_format(monkeypatch, redis_url):
    """A ticket left by a dead replica expires; the lock stays readable by Rasa's own store."""
    from rasa.core.lock_store import RedisLockStore

    monkeypatch.setenv("REDIS_URL", redis_url)
    store, conversation = lock_store.EnvLockStore(), uuid.uuid4().hex
    assert store.issue_ticket(conversation, lock_lifetime=0.05) == 0  # its holder dies
    live = store.issue_ticket(conversation)
    assert live == 1
    assert store.get_lock(conversation).is_locked(live)  # still queued behind ticket 0
    time.sleep(0.1)
    lock = RedisLockStore(**stores.redis_settings()).get_lock(conversation)
    assert lock.conversation_id == conversation and [t.number for t in lock.tickets] == [0, live]
    assert not lock.is_locked(live) and lock.now_serving == live  # expired ticket 0 is skipped
    store.cleanup(conversation, live)
    assert store.get_lock(conversation) is None


def test_redis_lock_store_serialises_one_conversation(monkeypatch, redis_url):
    """Two replicas' `lock()` for one conversation never overlap, and run in ticket order."""
    import asyncio

    monkeypatch.setenv("REDIS_URL", redis_url)
    a, b = lock_store.EnvLockStore(), lock_store.EnvLockStore()
    conversation = uuid.uuid4().hex
    inside, order = [], []

    async def work(store, name: str) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            inside.append(name)
            assert len(inside) == 1, inside
            order.append(name)
            await asyncio.sleep(0.01)
            inside.remove(name)

    async def main() -> None:
        await asyncio.gather(*(work(a if i % 2 else b, str(i)) for i in range(10)))

    asyncio.run(main())
    assert order == [str(i) for i in range(10)]


def test_a_tracker_store_error_fails_the_message_instead_of_a_silent_in_memory_fallback(
        monkeypatch, tmp_path, rasa_changes):
    import asyncio

    from rasa.core.agent import Agent
    from rasa.core.tracker_store import FailSafeTrackerStore

    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 't.db'}")
    store = stores.EnvTrackerStore(domain=None)

    async def broken(*_: object) -> None:
        raise OSError("database is down")

    store._load = store._store = broken  # the database work inside our retrieve and save
    failsafe = Agent._create_tracker_store(store, store.domain)  # what Rasa's Agent does with every store
    assert isinstance(failsafe, FailSafeTrackerStore)
    failures = {op: metrics.STORE_FAILURES.labels(op)._value.get() for op in ("retrieve", "save")}
    from bot.rasa_ext.tracker_store import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="tracker store retrieve failed: database is down"):
        asyncio.run(failsafe.retrieve("someone"))
    with pytest.raises(StoreUnavailable, match="tracker store save failed: database is down"):
        asyncio.run(failsafe.save(None))
    # and /metrics counts them (faq_store_failures_total)
    assert {op: metrics.STORE_FAILURES.labels(op)._value.get() - n for op, n in failures.items()} == {
        "retrieve": 1, "save": 1}


def test_a_second_message_is_served_as_soon_as_the_lock_frees(monkeypatch):
    """In one process (in-memory lock): the second message of a conversation starts within ~50 ms of
    the first one's end (Rasa's lock looked again once a second)."""
    import asyncio

    monkeypatch.delenv("REDIS_URL", raising=False)
    store, conversation = lock_store.EnvLockStore(), uuid.uuid4().hex
    released, started = [], []

    async def first() -> None:
        async with store.lock(conversation):
            await asyncio.sleep(0.2)
            released.append(time.perf_counter())

    async def second() -> None:
        await asyncio.sleep(0.01)
        async with store.lock(conversation):
            started.append(time.perf_counter())

    async def main() -> None:
        await asyncio.gather(first(), second())

    asyncio.run(main())
    assert 0 <= started[0] - released[0] < 0.1, started[0] - released[0]


def test_a_dead_replicas_lock_frees_itself_and_its_key_expires(monkeypatch, redis_url):
    """A replica that took a ticket and died (no renewal, no cleanup) holds the conversation for its
    ticket's short lifetime only, and its lock key expires in Redis."""
    import asyncio

    monkeypatch.setenv("REDIS_URL", redis_url)
    dead, alive = lock_store.EnvLockStore(), lock_store.EnvLockStore()
    conversation = uuid.uuid4().hex
    dead.issue_ticket(conversation, 0.5)  # then the process dies
    key = dead.key_prefix + conversation
    assert 0 < dead.red.pttl(key) <= 1500  # the key expires with its last ticket (+1 s)

    async def next_message() -> float:
        start = time.perf_counter()
        async with alive.lock(conversation):
            return time.perf_counter() - start

    waited = asyncio.run(next_message())
    assert 0.3 < waited < 1.0, waited  # served once the dead ticket expired, not a minute later
    assert alive.get_lock(conversation) is None


def test_a_long_turn_keeps_its_lock_by_renewing_it(monkeypatch, redis_url):
    """A turn longer than a ticket's lifetime keeps the conversation: its ticket is renewed while it
    runs, so the next message waits for it, whichever replica took it."""
    import asyncio

    monkeypatch.setenv("REDIS_URL", redis_url)
    a, b = lock_store.EnvLockStore(), lock_store.EnvLockStore()
    for store in (a, b):
        store.lifetime, store.renew_every = 0.4, 0.1
    conversation = uuid.uuid4().hex
    order = []

    async def slow_turn() -> None:
        async with a.lock(conversation):
            order.append("slow starts")
            await asyncio.sleep(1.2)  # three lifetimes
            order.append("slow ends")

    async def next_turn() -> None:
        await asyncio.sleep(0.05)
        async with b.lock(conversation):
            order.append("next")

    async def main() -> None:
        await asyncio.gather(slow_turn(), next_turn())

    asyncio.run(main())
    assert order == ["slow starts", "slow ends", "next"]
