"""Erasure, access and retention for the conversations in the tracker store (SQLite or PostgreSQL).

    python -m bot.cli forget SENDER_ID          delete one conversation (right to erasure)
    python -m bot.cli export SENDER_ID          print it as JSON (right of access)
    python -m bot.cli purge [--older-than-days N]   delete conversations idle longer than N days
                                                 (default RETENTION_DAYS, 90), keeping anonymous
                                                 daily counts in `faq_daily_counts`

These work on Rasa's `events` table with SQLAlchemy Core, so they run from cron or a Kubernetes
CronJob without loading Rasa. Every replica's tracker cache checks the database before using a
cached conversation (bot/rasa_ext/tracker_store.py), so a forgotten conversation is not served
again from any replica's memory.
"""

from __future__ import annotations

import argparse
import json
import sys

import sqlalchemy as sa

from bot.privacy.erasure import export, forget
from bot.privacy.retention import COUNTS_TABLE, purge, retention_days
from bot.privacy.store import StoreError


def main(command: str, argv: list[str]) -> int:
    """`forget`, `export` and `purge` from the command line (bot/cli.py)."""
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
