"""One person's conversation in the tracker store: deleted (right to erasure) or exported (right of access).

Every replica's tracker cache checks the database before using a cached conversation
(bot/rasa_ext/tracker_store.py), so a forgotten conversation is not served again from any replica's
memory.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from bot.privacy.store import engine, events_table


def forget(sender_id: str, url: str | None = None) -> int:
    """Delete every event of one conversation; returns how many were deleted."""
    store = engine(url)
    if store is None:
        return 0
    events = events_table()
    with store.begin() as conn:
        if not sa.inspect(conn).has_table("events"):
            return 0
        return conn.execute(sa.delete(events).where(events.c.sender_id == sender_id)).rowcount or 0


def export(sender_id: str, url: str | None = None) -> list[dict[str, Any]]:
    """The conversation's events, oldest first, as Rasa stored them."""
    store = engine(url)
    if store is None:
        return []
    events = events_table()
    with store.connect() as conn:
        if not sa.inspect(conn).has_table("events"):
            return []
        rows = conn.execute(sa.select(events.c.data).where(events.c.sender_id == sender_id).order_by(events.c.id))
        return [json.loads(data) for (data,) in rows]
