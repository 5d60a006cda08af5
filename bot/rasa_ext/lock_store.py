"""The lock store: Redis when REDIS_URL is set (several replicas), else Rasa's in-memory one.

Rasa 3.6's RedisLockStore reads a conversation's ticket list, changes it and writes it back in
three round trips with nothing in between to stop another replica doing the same: two replicas can
take the same ticket and answer one conversation's messages at once, out of order, or drop one.
Taking a ticket and giving it back are one Lua script each here (atomic in Redis, one round trip);
the lock value stays Rasa's TicketLock JSON.

Both stores' `lock()` (what Rasa's processor takes around each message) differ from Rasa's in two ways:
- a waiting message looks again after 5 ms, then 10, 20, up to 50 ms (Rasa: every second, so a
  second message for one conversation always waited ~1 s for a turn of 15-60 ms);
- with Redis, a ticket lives `LIFETIME` seconds (Rasa: 60) and is renewed every `RENEW_EVERY`
  seconds while its message waits or is handled: a replica that dies mid-turn holds the
  conversation for at most `LIFETIME`, not a minute; and every lock key expires in Redis with its
  last ticket, so a dead replica's key doesn't stay until the conversation writes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from bot.rasa_ext import in_hand
from bot.rasa_ext.stores import check_redis, redis_settings

logger = logging.getLogger(__name__)
LIFETIME = 6.0  # seconds a Redis ticket lives unless renewed
RENEW_EVERY = 2.0  # seconds between renewals while its message waits or is handled
FIRST_LOOK, LAST_LOOK = 0.005, 0.05  # seconds between looks at a lock another message holds


class PromptLock:
    """`lock()` for a Rasa lock store: looks again within milliseconds, renews its ticket (if the
    store can) while the message waits or is handled, gives it back at the end."""

    lifetime = LIFETIME
    renew_every = RENEW_EVERY

    @contextlib.asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float | None = None,
                   wait_time_in_seconds: float = FIRST_LOOK) -> AsyncIterator[Any]:
        lifetime = self.lifetime if lock_lifetime is None else lock_lifetime
        ticket = self.issue_ticket(conversation_id, lifetime)  # type: ignore[attr-defined]
        renewal = asyncio.create_task(self._renewing(conversation_id, ticket, lifetime))
        in_hand.taken(+1)
        try:
            yield await self._acquired(conversation_id, ticket, wait_time_in_seconds)
        finally:
            in_hand.taken(-1)
            renewal.cancel()
            self.cleanup(conversation_id, ticket)  # type: ignore[attr-defined]

    async def _acquired(self, conversation_id: str, ticket: int, first_look: float) -> Any:
        """Rasa's `_acquire_lock`, looking again after `first_look` seconds, doubling up to LAST_LOOK."""
        from rasa.core.lock_store import LockError

        wait = min(first_look, LAST_LOOK)
        while True:
            lock = self.get_lock(conversation_id)  # type: ignore[attr-defined]
            if not lock:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait)
            wait = min(wait * 2, LAST_LOOK)
            self.update_lock(conversation_id)  # type: ignore[attr-defined]

    async def _renewing(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        renew = getattr(self, "renew", None)
        if renew is None:
            return  # in memory: the lock dies with the process anyway
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                renew(conversation_id, ticket, lifetime)
            except Exception:  # noqa: BLE001 - a missed renewal: the ticket may expire; the turn goes on
                logger.warning("Could not renew the lock of %s", conversation_id, exc_info=True)


class EnvLockStore:
    """Factory: a Redis lock store (atomic, below) when REDIS_URL is set, else Rasa's InMemoryLockStore,
    each with `PromptLock`'s `lock()`."""

    def __new__(cls, endpoint_config: Any = None) -> Any:
        cfg = redis_settings()
        if cfg is None:
            return _in_memory_lock_store_class()()
        logger.info("Lock store: Redis on %s:%s/%s", cfg["host"], cfg["port"], cfg["db"])
        check_redis(cfg)
        return _atomic_redis_lock_store_class()(**cfg)


# Taking a ticket and giving it back are one Lua script each (one round trip, atomic in Redis);
# the lock value stays Rasa's TicketLock JSON (tickets are JSON strings inside it).
_ISSUE_TICKET = """
local now, lifetime = tonumber(ARGV[1]), tonumber(ARGV[2])
local kept, last = {}, -1
local raw = redis.call('GET', KEYS[1])
if raw then
  for _, t in ipairs(cjson.decode(raw).tickets or {}) do
    local ticket = cjson.decode(t)
    if now <= ticket.expires then table.insert(kept, t); last = ticket.number end
  end
end
local number = last + 1
table.insert(kept, cjson.encode({number = number, expires = now + lifetime}))
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[3], tickets = kept}))
redis.call('PEXPIRE', KEYS[1], math.ceil(lifetime * 1000) + 1000)
return number
"""
_CLEANUP = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local lock = cjson.decode(raw)
local number, now, kept = tonumber(ARGV[1]), tonumber(ARGV[2]), {}
for _, t in ipairs(lock.tickets or {}) do
  local ticket = cjson.decode(t)
  if ticket.number ~= number and now <= ticket.expires then table.insert(kept, t) end
end
if #kept == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], cjson.encode({conversation_id = lock.conversation_id, tickets = kept}), 'KEEPTTL')
end
return #kept
"""
# A ticket's new expiry; the key lives as long as its longest-lived ticket (plus a second)
_RENEW = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local lock = cjson.decode(raw)
local number, now, expires = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local kept, last, found = {}, now, 0
for _, t in ipairs(lock.tickets or {}) do
  local ticket = cjson.decode(t)
  if ticket.number == number then ticket.expires = expires; t = cjson.encode(ticket); found = 1 end
  if ticket.expires > last then last = ticket.expires end
  table.insert(kept, t)
end
redis.call('SET', KEYS[1], cjson.encode({conversation_id = lock.conversation_id, tickets = kept}),
           'PX', math.ceil((last - now) * 1000) + 1000)
return found
"""


def _in_memory_lock_store_class() -> type:
    """Rasa's InMemoryLockStore (one process) with `PromptLock`'s `lock()`."""
    from rasa.core.lock_store import InMemoryLockStore

    class PromptInMemoryLockStore(PromptLock, InMemoryLockStore):
        pass

    return PromptInMemoryLockStore


def _atomic_redis_lock_store_class() -> type:
    """Rasa's RedisLockStore with every read-modify-write of a lock done atomically in Redis.

    Rasa 3.6 GETs the lock, changes it in Python and SETs it back. Two replicas taking a ticket for
    the same conversation at the same moment can then both get ticket N and handle their messages
    concurrently (one's events are then dropped by SQLTrackerStore.save), or a finishing replica
    can delete a lock another just queued on (its message then fails with LockError). Here taking a
    ticket and cleaning up (every message) are Lua scripts; the rarer changes run under WATCH/MULTI
    and are retried if another process changed the lock meanwhile.
    """
    from rasa.core.lock import TicketLock
    from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
    from redis.exceptions import WatchError

    class AtomicRedisLockStore(PromptLock, RedisLockStore):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._issue_script = self.red.register_script(_ISSUE_TICKET)
            self._cleanup_script = self.red.register_script(_CLEANUP)
            self._renew_script = self.red.register_script(_RENEW)

        def renew(self, conversation_id: str, ticket_number: int, lifetime: float) -> bool:
            """Extend a ticket's life to `lifetime` seconds from now (False: it is gone)."""
            now = time.time()
            return bool(self._renew_script(keys=[self.key_prefix + conversation_id],
                                           args=[int(ticket_number), repr(now), repr(now + lifetime)]))

        def _change(self, conversation_id: str, change: Callable[[Any], Any]) -> Any:
            """Apply `change(lock or None) -> (lock to save, or None to delete; result)` atomically."""
            key = self.key_prefix + conversation_id
            with self.red.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(key)
                        raw = pipe.get(key)
                        lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                        new, result = change(lock)
                        pipe.multi()
                        if new is None:
                            pipe.delete(key)
                        else:
                            pipe.set(key, new.dumps(), keepttl=True)
                        pipe.execute()
                        return result
                    except WatchError:
                        continue

        def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
            try:
                return int(self._issue_script(keys=[self.key_prefix + conversation_id],
                                              args=[repr(time.time()), repr(float(lock_lifetime)), conversation_id]))
            except Exception as exc:  # noqa: BLE001 - same contract as Rasa's LockStore.issue_ticket
                raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

        def update_lock(self, conversation_id: str) -> None:
            def change(lock: Any) -> Any:
                if lock is not None:
                    lock.remove_expired_tickets()
                return lock, None

            self._change(conversation_id, change)

        def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
            def change(lock: Any) -> Any:
                if lock is not None:
                    lock.remove_ticket_for(ticket_number)
                return lock, None

            self._change(conversation_id, change)

        def cleanup(self, conversation_id: str, ticket_number: int) -> None:
            """Finish serving and delete the lock if no one is waiting, in one step."""
            self._cleanup_script(keys=[self.key_prefix + conversation_id],
                                 args=[int(ticket_number), repr(time.time())])

    return AtomicRedisLockStore
