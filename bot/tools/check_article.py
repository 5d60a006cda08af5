"""Check a new version of the article (plain text, as copied from the web page) against the topic map.

usage: python -m bot.tools.check_article PATH

The new text is turned into the form of bot/data/article.md and split into passages by the project's own
parser (`article.parse`), so each sentence gets the id it would have. Every passage the answers use
(topics, red/brown variants, product aspects and the footnotes of starred claims) must still be there
verbatim, up to whitespace and curly quotes. Exit 0: all there (warnings: ids that would change, new
sections, sections not found); 1: some changed or removed; 2: the file can't be read or checked.

Lines are read one paragraph each. A line equal to a section title of the current article opens that
section; a short standalone line without final punctuation, after body text and before more text, opens
a NEW section. An image's caption (the second of two such lines, its alt text first) is kept; dropped
as page furniture: "5 min read", images' alt text (such lines right after a
heading, or several of them on consecutive lines) and the page's closing blocks ("Related Articles",
"...FAQs (2)"), after which text goes to the untitled end section. The page's dates ("Published: ...",
"Last Reviewed: ...") go to the untitled section that holds them, after the end.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import defaultdict
from difflib import SequenceMatcher
from pathlib import Path

from bot.knowledge import KnowledgeBase, KnowledgeError, get_kb
from bot.knowledge.article import ArticleError, Passage, parse

FURNITURE = re.compile(r"^(\d+ min read|show more)$", re.I)
DATED = re.compile(r"^(published|last reviewed):\s*\S.*$", re.I)  # the page's dates
CLOSERS = re.compile(r"^(related articles|.*\bFAQs?( \(\d+\))?)$", re.I)  # the page's blocks after the article
BULLET = re.compile(r"^[•·▪‣◦\-–]\s+")  # not "*": it marks footnotes here
FINAL_PUNCTUATION = re.compile(r"[.!:;,…]$")
HEADING_WORDS, CAPTION_WORDS = 15, 30  # a heading, an image caption is shorter than this
SIMILAR = 0.6  # closest-sentence ratio below this: the sentence was removed rather than changed


def norm(text: str) -> str:
    """Whitespace and quotes folded: what 'verbatim' compares."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def _slug(title: str, taken: set[str]) -> str:
    """A new section id from its title, unlike any id already taken."""
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-") or "section"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _aside(line: str) -> bool:
    """Not body text: page furniture, or the page's dates (which go to their own section)."""
    return bool(FURNITURE.match(line) or DATED.match(line))


def _unpunctuated(line: str, words: int) -> bool:
    """Fewer than `words` words, no final punctuation (a question mark is fine), not a footnote."""
    core = line.rstrip("\"')]”’")
    return len(line.split()) < words and not FINAL_PUNCTUATION.search(core) and not line.startswith("*")


def to_markdown(text: str, kb: KnowledgeBase) -> tuple[str, list[tuple[str, str]]]:
    """The plain text in article.md form, and the new sections found in it as (title, id)."""
    titles = {norm(s.title): s.id for s in kb.sections.values() if s.title}
    known = {norm(p.text) for p in kb.passages.values()}
    first = next(iter(kb.sections.values()))
    untitled = [s for s in kb.sections.values() if not s.title]
    dates = next((s.id for s in untitled if any(DATED.match(p.text) for p in s.passages)), "dates")
    end = next((s.id for s in reversed(untitled) if s.id != dates), "end")
    lines = [line.strip() for line in text.splitlines()]
    dated = [line for line in lines if DATED.match(line)]
    content = [i for i, line in enumerate(lines) if line and not _aside(line)]
    out = [f"# {first.title} {{#{first.id}}}", ""]
    taken, new = {first.id}, []
    current, seen_heading, after_heading, closed = first.id, False, False, False
    for i, line in enumerate(lines):
        if not line or _aside(line):
            continue
        key = norm(line)
        if CLOSERS.match(line):
            if current != end:
                out += [f"## {{#{end}}}", ""]
                current, closed, after_heading = end, True, True
                taken.add(end)
            continue
        if key in titles and not closed:
            sid = titles[key]
            seen_heading = after_heading = True
            if sid == current:  # the title line of the first section
                continue
            if sid in taken:  # a known title again: a new section of the same name
                sid = _slug(line, taken)
                new.append((line, sid))
            out += [f"## {line} {{#{sid}}}", ""]
            current = sid
            taken.add(sid)
            continue
        bullet = BULLET.match(line)
        if bullet:
            out += [f"- {line[bullet.end():]}", ""]
            after_heading = False
            continue
        if _unpunctuated(line, CAPTION_WORDS) and key not in known and seen_heading:
            after_line = i > 0 and bool(lines[i - 1])
            before_blank = i + 1 == len(lines) or not lines[i + 1]
            standalone = not after_line and before_blank
            if after_line and before_blank and _unpunctuated(lines[i - 1], CAPTION_WORDS):
                # the second line of an image's pair: its alt text (dropped), then its caption (kept)
                out += [line, ""]
                after_heading = False
                continue
            if after_heading or not standalone:
                continue  # an image's alt text, or a caption read alone
            if _unpunctuated(line, HEADING_WORDS) and not closed and content[-1] > i:
                sid = _slug(line, taken)
                new.append((line, sid))
                out += [f"## {line} {{#{sid}}}", ""]
                current, after_heading = sid, True
                taken.add(sid)
                continue
        out += [f" {line}" if line.startswith("#") else line, ""]  # a leading space: body, not a heading
        after_heading = False
    if dated:
        out += [f"## {{#{dates}}}", ""] + [part for line in dated for part in (f"- {line}", "")]
    return "\n".join(out), new


def uses(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Each passage id the answers use -> who uses it ("topic causes", "product serum (time)"), in article order."""
    users: dict[str, list[str]] = defaultdict(list)
    for topic in kb.topics.values():
        for pid in topic.passages:
            users[pid].append(f"topic {topic.id}")
        for variant, pids in topic.variants.items():
            for pid in pids:
                users[pid].append(f"topic {topic.id} ({variant})")
    for product in kb.products.values():
        for aspect, pids in product.aspects.items():
            for pid in pids:
                users[pid].append(f"product {product.id} ({aspect})")
    for claim, note in kb.footnotes.items():
        if claim in users:
            users[note].append(f"footnote of {claim}")
    return {pid: list(dict.fromkeys(users[pid])) for pid in sorted(users, key=lambda p: kb.order.get(p, 1 << 30))}


def check(text: str, kb: KnowledgeBase) -> tuple[int, list[str]]:
    """Compare the new text with the passages the answers use: (exit code, report lines)."""
    markdown, new_sections = to_markdown(text, kb)
    sections = parse(markdown)
    passages: list[Passage] = [p for s in sections for p in s.passages]
    where: dict[str, list[str]] = defaultdict(list)
    for p in passages:
        where[norm(p.text)].append(p.id)
    used = uses(kb)
    report, warnings, failed, removed = [], [], 0, 0
    for pid, users in used.items():
        old = kb.passages[pid].text
        ids = where.get(norm(old), [])
        if pid in ids:
            continue
        if ids:
            warnings.append(f"WARNING {pid} -> {ids[0]}: the sentence moved, its id would change "
                            f"(used by {', '.join(users)}): update bot/data/topics.yml\n  \"{old}\"")
            continue
        scored = [(SequenceMatcher(None, norm(old), norm(p.text)).ratio(), p) for p in passages]
        ratio, closest = max(scored, key=lambda s: s[0]) if scored else (0.0, None)
        failed += 1
        removed += ratio < SIMILAR
        kind = "CHANGED" if ratio >= SIMILAR else "REMOVED"
        near = f"closest new ({closest.id}, {ratio:.0%} similar): {closest.text}" if closest else "no new sentences"
        report.append(f"{kind} {pid}, used by {', '.join(users)}\n  old: {old}\n  {near}")
    present = {s.id for s in sections}
    for section in kb.sections.values():
        if section.title and section.id not in present:
            warnings.append(f"WARNING section not found: \"{section.title}\" {{#{section.id}}}")
    for title, sid in new_sections:
        count = sum(len(s.passages) for s in sections if s.id == sid)
        warnings.append(f"WARNING new section: \"{title}\" (would be {{#{sid}}}, {count} sentences): "
                        "no answer uses it yet; add it to bot/data/article.md and topics.yml if the bot should")
    total = len(used)
    if failed:
        changed = failed - removed
        verdict = (f"FAIL: {failed} of the {total} passages the answers use are not in the new text verbatim "
                   f"({changed} changed, {removed} removed): fix the text or bot/data/topics.yml")
    else:
        verdict = f"OK: all {total} passages the answers use are in the new text"
    if warnings:
        verdict += f" ({len(warnings)} warning{'s' * (len(warnings) > 1)} above)"
    return (1 if failed else 0), [*report, *warnings, verdict]  # one entry each, maybe of several lines


def main(argv: list[str] | None = None) -> int:
    """Check the new article text at PATH; print the report; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot.cli check-article", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", metavar="PATH", type=Path, help="the new article as plain text")
    args = parser.parse_args(argv)
    try:
        text = args.path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        print(f"error: cannot read {args.path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"error: cannot read {args.path}: not UTF-8 text", file=sys.stderr)
        return 2
    if not text.strip():
        print(f"error: {args.path} is empty", file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # spaCy may import TensorFlow, which logs at import
    try:
        code, lines = check(text, get_kb())
    except (KnowledgeError, ArticleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
