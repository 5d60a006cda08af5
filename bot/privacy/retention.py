"""Retention: conversations idle longer than RETENTION_DAYS are deleted, keeping anonymous daily
counts (messages, replies by kind, votes by topic and rating) in `faq_daily_counts`."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from bot.config import settings
from bot.privacy.store import engine, events_table

COUNTS_TABLE = "faq_daily_counts"
DAY = 86400
BATCH = 500  # conversations deleted per statement


def retention_days() -> int:
    """RETENTION_DAYS (whole days, at least 1)."""
    raw = settings().retention_days
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"RETENTION_DAYS must be a whole number of days, got {raw!r}") from None
    if days < 1:
        raise ValueError(f"RETENTION_DAYS must be at least 1, got {days}")
    return days


def _counts(meta: sa.MetaData | None = None) -> sa.Table:
    return sa.Table(COUNTS_TABLE, meta or sa.MetaData(), sa.Column("day", sa.String(10), primary_key=True),
                    sa.Column("name", sa.String(200), primary_key=True), sa.Column("value", sa.Integer, nullable=False))


def _tally(rows: Any) -> Counter[tuple[str, str]]:
    """Anonymous (day, metric) counts: messages, replies by kind, votes by topic and rating."""
    counts: Counter[tuple[str, str]] = Counter()
    for type_name, timestamp, data in rows:
        day = datetime.fromtimestamp(timestamp or 0, tz=timezone.utc).date().isoformat()
        event = json.loads(data)
        if type_name == "user" and not str(event.get("text") or "").startswith("/feedback"):
            counts[day, "messages"] += 1
        elif type_name == "bot":
            kind = ((event.get("data") or {}).get("custom") or {}).get("kind") or "other"
            counts[day, f"replies.{kind}"] += 1
        elif type_name == "slot" and event.get("name") == "feedback" and isinstance(event.get("value"), dict):
            vote = event["value"]
            counts[day, f"votes.{vote.get('topic') or 'none'}.{vote.get('rating')}"] += 1
    return counts


def purge(older_than_days: int, url: str | None = None, now: float | None = None) -> tuple[int, int]:
    """Delete conversations whose last event is older than `older_than_days`, adding their anonymous
    daily counts to `faq_daily_counts` first (one transaction per batch). Returns (conversations, events)."""
    store = engine(url)
    if store is None:
        return 0, 0
    cutoff = (now or time.time()) - older_than_days * DAY
    events = events_table()
    meta = sa.MetaData()
    counts_table = _counts(meta)
    with store.begin() as conn:
        if not sa.inspect(conn).has_table("events"):
            return 0, 0
        meta.create_all(conn, checkfirst=True)
        old = [s for (s,) in conn.execute(sa.select(events.c.sender_id).group_by(events.c.sender_id)
                                           .having(sa.func.max(events.c.timestamp) < cutoff))]
    conversations = rows = 0
    for start in range(0, len(old), BATCH):
        batch = old[start:start + BATCH]
        with store.begin() as conn:
            tally = _tally(conn.execute(sa.select(events.c.type_name, events.c.timestamp, events.c.data)
                                        .where(events.c.sender_id.in_(batch))))
            for (day, name), value in tally.items():
                updated = conn.execute(sa.update(counts_table).where(counts_table.c.day == day,
                                                                     counts_table.c.name == name)
                                       .values(value=counts_table.c.value + value)).rowcount
                if not updated:
                    conn.execute(sa.insert(counts_table).values(day=day, name=name, value=value))
            rows += conn.execute(sa.delete(events).where(events.c.sender_id.in_(batch))).rowcount or 0
            conversations += len(batch)
    return conversations, rows


def daily_counts(url: str | None = None) -> dict[str, dict[str, int]]:
    """The counts kept from purged conversations: day -> metric -> n (empty when none)."""
    store = engine(url)
    if store is None:
        return {}
    with store.connect() as conn:
        if not sa.inspect(conn).has_table(COUNTS_TABLE):
            return {}
        table = _counts()
        out: dict[str, dict[str, int]] = {}
        for day, name, value in conn.execute(sa.select(table.c.day, table.c.name, table.c.value)):
            out.setdefault(day, {})[name] = value
        return out
