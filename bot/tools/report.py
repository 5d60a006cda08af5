"""The operators' review report: what visitors asked, what became of it, what to teach the bot next.

usage: python -m bot.cli report --out DIR [--since DAYS] [--url URL] [--quiet]
       (or python -m bot.tools.report ...)
Reads Rasa's SQL tracker store (TRACKER_STORE_URL, else var/tracker.db; --url overrides) with
SQLAlchemy Core, streamed, and writes into DIR: index.html (one self-contained page: charts and
tables), summary.json (the figures) and suggestions.yml (the unanswered questions as draft NLU
examples). E-mail addresses and phone numbers are redacted in all three.
Exit status: 0 (also when there are no conversations yet: an empty report), 1 when DIR can't be
written, 2 when the store can't be read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.privacy.store import StoreError, open_store

if TYPE_CHECKING:
    import sqlalchemy as sa

    from bot.tools.report_data import Events

MAX_GROUPS = 300  # unanswered groups written (the largest), in every output
MAX_LEAST_SURE = 30  # answered questions listed for checking, least sure first
FILES = ("index.html", "summary.json", "suggestions.yml")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _where(url: Any) -> str:
    return url.render_as_string(hide_password=True)


def read_store(engine: sa.engine.Engine, cutoff: float | None, progress: bool) -> Events | None:
    """The events (None when the store has no events table yet), with a progress bar if asked."""
    import sqlalchemy as sa

    from bot.tools.report_data import count_rows, read_events

    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("events"):
                return None
            if not progress:
                return read_events(conn, cutoff)
            from tqdm import tqdm

            with tqdm(total=count_rows(conn, cutoff), unit=" events", unit_scale=True, file=sys.stderr,
                      desc="Reading conversations", leave=False) as bar:
                return read_events(conn, cutoff, bar.update)
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise StoreError(f"cannot read the tracker store at {_where(engine.url)}: "
                         f"{reason[0] if reason else type(exc).__name__}") from None
    finally:
        engine.dispose()


def build(events: Events, since: float | None, store: str,
          purged: dict[str, dict[str, int]] | None = None) -> tuple[dict[str, Any], str]:
    """summary.json's content and suggestions.yml's text."""
    from bot.tools.report_data import figures, follow_up_items, least_sure_items, unanswered_items
    from bot.tools.report_groups import group, suggestions_yml

    groups = group(unanswered_items(events))
    generated = _iso(time.time())
    summary: dict[str, Any] = {"generated_at": generated, "since": _iso(since) if since is not None else None,
                               "store": store, **figures(events)}
    summary["unanswered_messages"] = sum(g.count for g in groups)
    summary["unanswered_groups"] = len(groups)
    summary["unanswered"] = [g.to_json() for g in groups[:MAX_GROUPS]]
    summary["least_sure"] = least_sure_items(events, MAX_LEAST_SURE)
    summary["follow_up_examples"] = follow_up_items(events, MAX_LEAST_SURE)
    summary["purged_daily_counts"] = purged or {}  # anonymous counts of conversations past retention
    period = f"since {summary['since']}" if since is not None else "all conversations"
    return summary, suggestions_yml(groups[:MAX_GROUPS], len(groups), period, generated)


def _purged(url: str, cutoff: float | None) -> dict[str, dict[str, int]]:
    """The daily counts `bot.cli purge` kept (bot/privacy/retention.py), in the period; {} when none or unreadable."""
    from bot.privacy.retention import daily_counts

    try:
        counts = daily_counts(url)
    except Exception:  # noqa: BLE001 - the report stands without them
        return {}
    first = _iso(cutoff)[:10] if cutoff is not None else ""
    return {day: metrics for day, metrics in sorted(counts.items()) if day >= first}


def write(out: Path, summary: dict[str, Any], suggestions: str) -> list[Path]:
    """Write the three files into `out` (created if missing)."""
    from bot.tools.report_html import render

    out.mkdir(parents=True, exist_ok=True)
    texts = {"index.html": render(summary), "summary.json": json.dumps(summary, ensure_ascii=False, indent=1) + "\n",
             "suggestions.yml": suggestions}
    for name in FILES:
        (out / name).write_text(texts[name], encoding="utf-8")
    return [out / name for name in FILES]


def one_line(summary: dict[str, Any]) -> str:
    """The report in a line."""
    n, outcomes, votes = summary["messages"], summary["outcomes"], summary["votes"]
    shares = ", ".join(f"{100 * v / n:.0f}% {k.replace('_', ' ')}" for k, v in outcomes.items()) if n else "no messages"
    return (f"{summary['conversations']:,} conversations, {n:,} messages: {shares}; 👍 {votes['up']:,} 👎 "
            f"{votes['down']:,}; {summary['unanswered_groups']:,} groups of unanswered questions")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.cli report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="folder for index.html, summary.json, suggestions.yml")
    parser.add_argument("--since", type=float, metavar="DAYS", help="only the last DAYS days (default: everything)")
    parser.add_argument("--url", help="SQLAlchemy URL of the tracker store (default: the configured one)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.since is not None and not args.since > 0:
        parser.error("--since: a number of days above 0")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the report; the exit status (see the module docstring)."""
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    from bot.tools.report_data import Events

    if args.url:
        url = args.url
    else:
        from bot.rasa_ext.stores import tracker_store_url

        url = tracker_store_url()
    started = time.perf_counter()
    cutoff = time.time() - args.since * 86400 if args.since else None
    try:
        engine = open_store(url)
        store = _where(engine.url) if engine is not None else url
        events = read_store(engine, cutoff, not args.quiet and sys.stderr.isatty()) if engine is not None else None
    except StoreError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("report: interrupted; nothing written", file=sys.stderr)
        return 130
    if events is None:
        print(f"report: no conversations yet in the tracker store at {store}; writing an empty report", file=sys.stderr)
        events = Events()
    elif not events.questions:
        print("report: no conversations" + (f" in the last {args.since:g} days" if cutoff else "") +
              "; writing an empty report", file=sys.stderr)
    summary, suggestions = build(events, cutoff, store, _purged(url, cutoff))
    try:
        paths = write(args.out, summary, suggestions)
    except OSError as exc:
        print(f"report: cannot write the report into {args.out}: {exc}", file=sys.stderr)
        return 1
    print(f"Report written in {time.perf_counter() - started:.1f} s ({events.rows:,} events read):")
    for path in paths:
        print(f"  {path}")
    print(one_line(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
