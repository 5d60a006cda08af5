"""The lock store: Redis when REDIS_URL is set (several replicas), else Rasa's in-memory one.

Rasa 3.6's RedisLockStore reads a conversation's ticket list, changes it and writes it back in
three round trips with nothing in between to stop another replica doing the same: two replicas can
take the same ticket and answer one conversation's messages at once, out of order, or drop one.
Taking a ticket and giving it back are one Lua script each here (atomic in Redis, one round trip);
the lock value stays Rasa's TicketLock JSON.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from bot.rasa_ext.stores import check_redis, redis_settings

logger = logging.getLogger(__name__)


class EnvLockStore:
    """Factory: a Redis lock store (atomic, below) when REDIS_URL is set, else Rasa's InMemoryLockStore."""

    def __new__(cls, endpoint_config: Any = None) -> Any:
        from rasa.core.lock_store import InMemoryLockStore

        cfg = redis_settings()
        if cfg is None:
            return InMemoryLockStore()
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
  redis.call('SET', KEYS[1], cjson.encode({conversation_id = lock.conversation_id, tickets = kept}))
end
return #kept
"""


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

    class AtomicRedisLockStore(RedisLockStore):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._issue_script = self.red.register_script(_ISSUE_TICKET)
            self._cleanup_script = self.red.register_script(_CLEANUP)

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
                            pipe.set(key, new.dumps())
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
