"""Parse the cleaned article (bot/data/article.md) into sections and passages with stable ids.

Format: ``# Title {#id}`` / ``## Heading {#id}`` lines open sections; blank lines separate
paragraphs; ``- `` starts a list item; ``<!-- -->`` comments are ignored. spaCy splits
paragraphs into sentences; each sentence is a passage ``<section-id>.<n>`` (1-based).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import ARTICLE_PATH

# "## Title {#id}"; a section with no title ("## {#id}") holds text that stands under no heading
HEADING = re.compile(r"^(#{1,2})\s+(?P<title>.*?)\s*\{#(?P<id>[a-z0-9-]+)\}\s*$")
COMMENT = re.compile(r"<!--.*?-->", re.S)


class ArticleError(ValueError):
    """The article data file is missing or malformed."""


@dataclass(frozen=True)
class Passage:
    """One verbatim sentence (or list item) of the article."""

    id: str
    section_id: str
    text: str
    item: bool = False  # a list item rather than a sentence


@dataclass
class Section:
    """A heading and the passages under it."""

    id: str
    title: str
    passages: list[Passage] = field(default_factory=list)


def _paragraphs(lines: list[str]) -> list[tuple[str, bool]]:
    """Join wrapped lines into paragraphs: (text, is_list_item); each item stands alone."""
    paras: list[tuple[str, bool]] = []
    current: list[str] = []
    for line in [*lines, ""]:
        stripped = line.strip()
        if stripped and not stripped.startswith("- "):
            current.append(stripped)
            continue
        if current:
            paras.append((" ".join(current), False))
            current = []
        if stripped:
            paras.append((stripped[2:].strip(), True))
    return paras


def parse(text: str, nlp=None) -> list[Section]:
    """Parse article text into sections; raises ArticleError with the line number on bad input."""
    from bot.knowledge import nlp as nlp_module

    nlp = nlp or nlp_module.load()
    text = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    sections: list[Section] = []
    bodies: list[list[str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            match = HEADING.match(line)
            if not match:
                raise ArticleError(f"line {number}: heading needs the form '## Title {{#id}}': {line!r}")
            if any(s.id == match["id"] for s in sections):
                raise ArticleError(f"line {number}: duplicate section id {match['id']!r}")
            sections.append(Section(match["id"], match["title"]))
            bodies.append([])
        elif line.strip():
            if not sections:
                raise ArticleError(f"line {number}: text before the first heading")
            bodies[-1].append(line)
        elif bodies:
            bodies[-1].append("")
    if not sections:
        raise ArticleError("the article has no '# Title {#id}' heading")
    for section, body in zip(sections, bodies, strict=True):
        for para, item in _paragraphs(body):
            for sent in [para] if item else [s.text.strip() for s in nlp(para).sents]:
                n = len(section.passages) + 1
                section.passages.append(Passage(f"{section.id}.{n}", section.id, sent, item))
    return sections


def load(path: Path = ARTICLE_PATH) -> list[Section]:
    """Read and parse the article file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ArticleError(f"cannot read article {path}: {exc}") from exc
    try:
        return parse(text)
    except ArticleError as exc:
        raise ArticleError(f"{path}: {exc}") from exc
