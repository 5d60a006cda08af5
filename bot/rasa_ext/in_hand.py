"""How many messages this process is handling now: the lock store counts them (lock_store.PromptLock),
the read-ahead (understanding.ReadAhead) and the parse threads (parsing.py) ask. Imports nothing."""

_count = 0  # each message from taking its conversation's lock (or waiting for it) to giving it back


def messages_in_hand() -> int:
    """How many messages this process is handling now (waiting for their conversation's lock, or holding it)."""
    return _count


def taken(delta: int) -> None:
    """One message more (+1) or fewer (-1) in hand."""
    global _count
    _count += delta
