"""Erasure, access and retention for the conversations in the tracker store (SQLite or PostgreSQL).

    python -m bot.cli forget SENDER_ID          delete one conversation (right to erasure)
    python -m bot.cli export SENDER_ID          print it as JSON (right of access)
    python -m bot.cli purge [--older-than-days N]   delete conversations idle longer than N days
                                                 (default RETENTION_DAYS, 90), keeping anonymous
                                                 daily counts in `faq_daily_counts`

Rasa's SQL store keeps one row per event in `events`; these work on it with SQLAlchemy Core, so they
run from cron or a Kubernetes CronJob without loading Rasa. Every replica's tracker cache checks
the database before using a cached conversation (bot/rasa_ext/tracker_store.py), so a forgotten
conversation is not served again from any replica's memory.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from bot.config import settings

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


def _engine(url: str | None = None) -> sa.engine.Engine | None:
    from bot.rasa_ext.stores import tracker_store_url
    from bot.tools.report import open_store

    return open_store(url or tracker_store_url())


def events_table(metadata: sa.MetaData | None = None) -> sa.Table:
    """Rasa's SQLTrackerStore.SQLEvent table (rasa/core/tracker_store.py), without importing Rasa."""
    return sa.Table("events", metadata or sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
                    sa.Column("type_name", sa.String(255), nullable=False), sa.Column("timestamp", sa.Float),
                    sa.Column("intent_name", sa.String(255)), sa.Column("action_name", sa.String(255)),
                    sa.Column("data", sa.Text))


def _counts(meta: sa.MetaData | None = None) -> sa.Table:
    return sa.Table(COUNTS_TABLE, meta or sa.MetaData(), sa.Column("day", sa.String(10), primary_key=True),
                    sa.Column("name", sa.String(200), primary_key=True), sa.Column("value", sa.Integer, nullable=False))


def forget(sender_id: str, url: str | None = None) -> int:
    """Delete every event of one conversation; returns how many were deleted."""
    engine = _engine(url)
    if engine is None:
        return 0
    events = events_table()
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("events"):
            return 0
        return conn.execute(sa.delete(events).where(events.c.sender_id == sender_id)).rowcount or 0


def export(sender_id: str, url: str | None = None) -> list[dict[str, Any]]:
    """The conversation's events, oldest first, as Rasa stored them."""
    engine = _engine(url)
    if engine is None:
        return []
    events = events_table()
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("events"):
            return []
        rows = conn.execute(sa.select(events.c.data).where(events.c.sender_id == sender_id).order_by(events.c.id))
        return [json.loads(data) for (data,) in rows]


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
    engine = _engine(url)
    if engine is None:
        return 0, 0
    cutoff = (now or time.time()) - older_than_days * DAY
    events = events_table()
    meta = sa.MetaData()
    counts_table = _counts(meta)
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("events"):
            return 0, 0
        meta.create_all(conn, checkfirst=True)
        old = [s for (s,) in conn.execute(sa.select(events.c.sender_id).group_by(events.c.sender_id)
                                           .having(sa.func.max(events.c.timestamp) < cutoff))]
    conversations = rows = 0
    for start in range(0, len(old), BATCH):
        batch = old[start:start + BATCH]
        with engine.begin() as conn:
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
    engine = _engine(url)
    if engine is None:
        return {}
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(COUNTS_TABLE):
            return {}
        table = _counts()
        out: dict[str, dict[str, int]] = {}
        for day, name, value in conn.execute(sa.select(table.c.day, table.c.name, table.c.value)):
            out.setdefault(day, {})[name] = value
        return out


def main(command: str, argv: list[str]) -> int:
    """`forget`, `export` and `purge` from the command line (bot/cli.py)."""
    from bot.tools.report import StoreError

    parser = argparse.ArgumentParser(prog=f"python -m bot.cli {command}", description=__doc__.splitlines()[0])
    if command == "purge":
        parser.add_argument("--older-than-days", type=int, help="default: RETENTION_DAYS (90)")
    else:
        parser.add_argument("sender_id", help="the conversation id (REST sender, widget session, Slack channel:thread)")
    parser.add_argument("--url", help="SQLAlchemy URL of the tracker store (default: the configured one)")
    args = parser.parse_args(argv)
    try:
        if command == "forget":
            print(f"Deleted {forget(args.sender_id, args.url)} events of conversation {args.sender_id!r}.")
        elif command == "export":
            json.dump(export(args.sender_id, args.url), sys.stdout, ensure_ascii=False, indent=1)
            print()
        else:
            days = args.older_than_days if args.older_than_days is not None else retention_days()
            if days < 1:
                parser.error("--older-than-days must be at least 1")
            conversations, rows = purge(days, args.url)
            print(f"Purged {conversations} conversations idle for more than {days} days ({rows} events); "
                  f"their daily counts are kept in {COUNTS_TABLE}.")
    except (StoreError, ValueError, sa.exc.SQLAlchemyError) as exc:
        print(f"{command}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    return 0
