"""index.html of the operators' report: one self-contained page, no scripts and nothing fetched.

Charts are PNGs inlined as data: URLs (matplotlib's Agg renderer, imported only here), each with
alt text and the same figures in a table. Every text from the store is escaped: visitors' messages
are untrusted.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from html import escape
from typing import Any

OUTCOME_LABELS = {"answered": "Answered", "abstained": "Abstained (the article doesn't say)",
                  "clarified": "Asked to clarify", "declined": "Declined (out of scope)", "red_flag": "Red flag"}
REASON_LABELS = {"abstained": "abstained", "clarified": "asked to clarify", "declined": "declined",
                 "voted_down": "answered, then voted 👎 down"}
# Okabe-Ito: told apart with the common colour-vision deficiencies
COLOURS = {"answered": "#009E73", "abstained": "#E69F00", "clarified": "#56B4E9", "declined": "#CC79A7",
           "red_flag": "#D55E00", "messages": "#0072B2", "conversations": "#E69F00", "up": "#009E73",
           "down": "#D55E00"}
TOP_TOPICS = 25
OPEN_GROUPS = 30  # groups shown with their examples open; the rest behind a disclosure
CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;
max-width:64rem;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid #ccc}
.meta{color:#444;margin-top:0}figure{margin:1rem 0}img{max-width:100%;height:auto}
figcaption{color:#444;font-size:.9rem}table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
th,td{border:1px solid #bbb;padding:.25rem .6rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}caption{text-align:left;font-weight:600;padding:.3rem 0}
details{margin:.4rem 0 1rem}summary{cursor:pointer;color:#0b57d0}
.kpi{display:flex;flex-wrap:wrap;gap:.6rem;padding:0;list-style:none}
.kpi li{border:1px solid #ccc;border-radius:.4rem;padding:.5rem .8rem;min-width:8rem}
.kpi b{display:block;font-size:1.4rem}.group{margin-bottom:1.2rem}.group h3{font-size:1.05rem;margin:.2rem 0}
.group ul{margin:.2rem 0}.comment{font-style:italic}.empty{color:#444}
"""


def e(value: Any) -> str:
    """Escaped for HTML text and attribute values."""
    return escape(str(value), quote=True)


def _num(value: Any) -> Any:
    return f"{value:,}" if isinstance(value, int) else value


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "–"


def _table(caption: str, head: list[str], rows: list[list[Any]]) -> str:
    header = "".join(f'<th scope="col">{e(h)}</th>' for h in head)
    body = "".join(f'<tr><th scope="row">{e(r[0])}</th>' + "".join(f"<td>{e(_num(c))}</td>" for c in r[1:])
                   + "</tr>" for r in rows)
    return f"<table><caption>{e(caption)}</caption><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _figure(png: str | None, alt: str, caption: str, table: str) -> str:
    """A chart (when drawn) with its alt text, and its figures as a table behind a disclosure."""
    if png is None:
        return table
    return (f'<figure><img src="data:image/png;base64,{png}" alt="{e(alt)}"><figcaption>{e(caption)}</figcaption>'
            f"</figure><details><summary>The figures as a table</summary>{table}</details>")


def _draw(plot: Callable[[Any], None], height: float = 3.2) -> str | None:
    """Base64 PNG of a matplotlib chart drawn by `plot(axes)`; None when matplotlib is missing."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    fig = Figure(figsize=(9, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    plot(axes)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _dates(per_day: list[dict[str, Any]]) -> list[Any]:
    from datetime import date

    return [date.fromisoformat(d["date"]) for d in per_day]


def _date_axis(axes: Any, dates: list[Any]) -> None:
    """Whole days on the x axis, at least a week of them (one day of data is not a four-year axis)."""
    from datetime import timedelta

    import matplotlib.dates as mdates

    first, last = min(dates), max(dates)
    pad = max(timedelta(days=1), (timedelta(days=7) - (last - first)) / 2)
    axes.set_xlim(first - pad, last + pad)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10, interval_multiples=True)
    locator.intervald[mdates.HOURLY] = [24]  # never finer than a day
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _per_day(per_day: list[dict[str, Any]]) -> str:
    def plot(axes: Any) -> None:
        dates = _dates(per_day)
        for name in ("messages", "conversations"):
            axes.plot(dates, [d[name] for d in per_day], marker="o" if len(dates) < 40 else None, label=name.title(),
                      color=COLOURS[name], linestyle="-" if name == "messages" else "--")
        axes.set_ylim(bottom=0)
        axes.legend(frameon=False)
        _date_axis(axes, dates)

    busiest = max(per_day, key=lambda d: d["messages"])
    alt = (f"Line chart of messages and conversations per day, {per_day[0]['date']} to {per_day[-1]['date']}; "
           f"the busiest day was {busiest['date']} with {busiest['messages']} messages in "
           f"{busiest['conversations']} conversations.")
    table = _table("Messages and conversations per day", ["Date (UTC)", "Messages", "Conversations"],
                   [[d["date"], d["messages"], d["conversations"]] for d in per_day])
    return _figure(_draw(plot), alt, "Messages and conversations per day (UTC).", table)


def _outcomes_over_time(per_day: list[dict[str, Any]]) -> str:
    def plot(axes: Any) -> None:
        dates, bottom = _dates(per_day), [0] * len(per_day)
        for name, label in OUTCOME_LABELS.items():
            values = [d[name] for d in per_day]
            axes.bar(dates, values, bottom=bottom, width=0.9, label=label, color=COLOURS[name])
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.legend(frameon=False, fontsize=8, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.2))
        _date_axis(axes, dates)

    totals = {name: sum(d[name] for d in per_day) for name in OUTCOME_LABELS}
    alt = ("Stacked bar chart of the outcome of each day's questions: " +
           ", ".join(f"{OUTCOME_LABELS[n].lower()} {v}" for n, v in totals.items()) + " in all.")
    table = _table("Outcomes per day", ["Date (UTC)", *OUTCOME_LABELS.values()],
                   [[d["date"], *(d[n] for n in OUTCOME_LABELS)] for d in per_day])
    return _figure(_draw(plot, height=3.8), alt, "Outcome of the questions, per day.", table)


def _barh(labels: list[str], series: dict[str, list[int]], axes: Any) -> None:
    height = 0.8 / len(series)
    for k, (name, values) in enumerate(series.items()):
        axes.barh([i + k * height for i in range(len(labels))], values, height=height, label=name,
                  color=COLOURS.get(name, COLOURS["messages"]))
    axes.set_yticks([i + height * (len(series) - 1) / 2 for i in range(len(labels))], labels, fontsize=9)
    axes.invert_yaxis()


def _topics(topics: dict[str, int]) -> str:
    top = list(topics.items())[:TOP_TOPICS]
    alt = (f"Horizontal bar chart of questions per topic ({len(topics)} topics); the most asked: " +
           ", ".join(f"{t} {n}" for t, n in top[:5]) + ".")
    def plot(axes: Any) -> None:
        _barh([t for t, _ in top], {"questions": [n for _, n in top]}, axes)
        axes.set_xlabel("questions")

    png = _draw(plot, height=max(2.0, 0.28 * len(top) + 0.8))
    caption = "Questions per topic" + (f" (the {TOP_TOPICS} largest)." if len(topics) > TOP_TOPICS else ".")
    table = _table("Questions per topic", ["Topic", "Questions"], [list(i) for i in topics.items()])
    return _figure(png, alt, caption, table)


def _feedback(feedback: dict[str, dict[str, int]]) -> str:
    top = list(feedback.items())[:TOP_TOPICS]

    def plot(axes: Any) -> None:
        _barh([t for t, _ in top], {r: [v[r] for _, v in top] for r in ("up", "down")}, axes)
        axes.legend(["up", "down"], frameon=False)
        axes.set_xlabel("votes")

    alt = "Horizontal bar chart of helpful and not helpful votes per topic: " + "; ".join(
        f"{t} {v['up']} up, {v['down']} down" for t, v in top[:8]) + "."
    table = _table("Votes per topic", ["Topic", "helpful", "not helpful", "not helpful share"],
                   [[t, v["up"], v["down"], _pct(v["down"], v["up"] + v["down"])] for t, v in feedback.items()])
    height = max(2.0, 0.34 * len(top) + 0.8)
    return _figure(_draw(plot, height=height), alt, "Votes per topic: helpful, not helpful.", table)


def _confidence(hist: dict[str, Any]) -> str:
    edges, counts = hist["edges"], hist["counts"]

    def plot(axes: Any) -> None:
        axes.bar(edges[:-1], counts, width=edges[1] - edges[0], align="edge", color=COLOURS["messages"],
                 edgecolor="white")
        axes.set_xlim(0, 1)
        axes.set_xlabel("confidence of the top intent")
        axes.set_ylabel("questions")

    low = sum(c for c, lo in zip(counts, edges[:-1], strict=True) if lo < 0.5)
    alt = (f"Histogram of the classifier's confidence in the top intent over {hist['questions']} typed questions, "
           f"in steps of {edges[1] - edges[0]:.2f}; median {hist['median']}; {low} questions below 0.5.")
    table = _table("Questions per confidence range", ["Confidence", "Questions"],
                   [[f"{lo:.2f}–{hi:.2f}", c] for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=True)])
    return _figure(_draw(plot), alt, "How sure the understanding was (its least sure part; typed questions, "
                   "button clicks left out).", table)


def _groups(summary: dict[str, Any]) -> str:
    groups = summary["unanswered"]
    if not summary["messages"]:
        return '<p class="empty">No questions in this period.</p>'
    if not groups:
        return '<p class="empty">None: every question in the period was answered, and no answer was voted 👎.</p>'
    total = summary.get("unanswered_groups", len(groups))
    parts = [f"<p>{summary.get('unanswered_messages', 0):,} messages in {total:,} groups of similar phrasings, the "
             "largest first" + (f" ({len(groups)} shown)" if total > len(groups) else "") + ". Draft NLU examples "
             "for them: suggestions.yml.</p><ol>"]
    for i, g in enumerate(groups):
        reasons = ", ".join(f"{REASON_LABELS.get(r, r)} {n:,}" for r, n in g.get("reasons", {}).items())
        items = "".join(f'<li class="comment">{e(x)}</li>' if x.startswith("👎") else f"<li>{e(x)}</li>"
                        for x in g["examples"])
        items = f"<ul>{items}</ul>"
        if i >= OPEN_GROUPS:
            items = f"<details><summary>Examples</summary>{items}</details>"
        parts.append(f'<li class="group"><h3>“{e(g["text"])}” <small>({g["count"]:,} message'
                     f'{"s" * (g["count"] != 1)}: {e(reasons)})</small></h3>{items}</li>')
    return "".join(parts) + "</ol>"


def render(summary: dict[str, Any]) -> str:
    """The whole page for a summary (as written to summary.json)."""
    outcomes, messages, votes = summary["outcomes"], summary["messages"], summary.get("votes", {})
    period = f"since {summary['since']}" if summary.get("since") else "all conversations"
    kpis = [("Conversations", f"{summary['conversations']:,}"), ("Messages", f"{messages:,}")] + [
        (OUTCOME_LABELS[n], f"{outcomes[n]:,} ({_pct(outcomes[n], messages)})") for n in OUTCOME_LABELS] + [
        ("Other replies", f"{summary.get('other_replies', 0):,}"),
        ("Votes: helpful / not helpful", f"{votes.get('up', 0):,} / {votes.get('down', 0):,}")]
    body = [f"<h1>Review report: conversations with the post-acne marks assistant</h1>"
            f'<p class="meta">{e(period)} · generated {e(summary["generated_at"])} · dates in UTC</p>',
            '<section aria-labelledby="overview"><h2 id="overview">Overview</h2><ul class="kpi">',
            "".join(f"<li><b>{e(v)}</b>{e(k)}</li>" for k, v in kpis), "</ul></section>"]
    if not messages:
        body.append('<p class="empty">No conversations yet in this period.</p>')
    sections: list[tuple[str, str, Callable[[Any], str], Any]] = [
        ("per-day", "Messages and conversations per day", _per_day, summary["per_day"]),
        ("outcomes", "Outcomes over time", _outcomes_over_time, summary["per_day"]),
        ("topics", "Topics by volume", _topics, summary["topics"]),
        ("feedback", "Votes by topic (helpful / not helpful)", _feedback, summary["feedback"]),
        ("confidence", "How sure the understanding was", _confidence, summary["confidence_histogram"])]
    for anchor, title, make, data in sections:
        empty = not data or (anchor == "confidence" and not data["questions"])
        content = '<p class="empty">No data in this period.</p>' if empty else make(data)
        body.append(f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{e(title)}</h2>{content}</section>')
    body.append('<section aria-labelledby="unanswered"><h2 id="unanswered">Questions the bot could not answer</h2>'
                f"{_groups(summary)}</section>")
    if least := summary.get("least_sure"):
        body.append('<section aria-labelledby="least-sure"><h2 id="least-sure">Answers the bot was least sure of</h2>'
                    "<p>Answered is not right: check these answers first.</p>"
                    + _table("Answered questions, least sure first", ["Question", "Topic", "Sureness"],
                             [[q["text"], q.get("topic") or "", f'{q["confidence"]:.2f}'] for q in least])
                    + "</section>")
    if follow := summary.get("follow_up_examples"):
        body.append('<section aria-labelledby="follow-ups"><h2 id="follow-ups">Follow-ups read with the conversation'
                    f'</h2><p>{summary.get("follow_ups", len(follow))} messages left something out ("and the fluid?", '
                    '"the other kind?") and were answered as the question below: check they were taken the right'
                    ' way.</p>'
                    + _table("Follow-ups, latest first", ["Typed", "Answered as", "Topic"],
                             [[q["text"], q["asked_as"], q.get("topic") or ""] for q in follow])
                    + "</section>")
    if purged := summary.get("purged_daily_counts"):
        names = sorted({name for metrics in purged.values() for name in metrics})
        body.append('<section aria-labelledby="purged"><h2 id="purged">Conversations past retention (counts only)</h2>'
                    + _table("Daily counts kept when old conversations were purged", ["Day", *names],
                             [[day, *(metrics.get(n, 0) for n in names)] for day, metrics in purged.items()])
                    + "</section>")
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Review report ({e(period)})</title><style>{CSS}</style></head><body><main>"
            + "".join(body) + "</main></body></html>\n")
