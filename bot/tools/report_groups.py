"""Group the questions the bot could not answer by similarity, and draft NLU examples from them.

Cheap and deterministic: texts are normalised (lower case, no punctuation; already redacted) and
exact duplicates collapsed; then the distinct texts, most frequent first, are clustered greedily on
character 3-gram TF-IDF cosine: each text not yet in a group starts one and takes every remaining
text at least THRESHOLD similar to it (similar to the leader, not a chain of neighbours). Only the
MAX_CLUSTERED most frequent distinct texts are clustered; rarer ones stay groups of their own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Cosine of char 3-gram TF-IDF vectors (IDF from the texts being grouped). Measured: 14 hand-written
# rephrasings (typos, punctuation, "the"/"this", a word more) score 0.79-1.0 with the IDF of a broad set
# (the ~1,700 NLU examples), 0.73-1.0 with only their own; 12 different questions on the same pattern
# ("does vitamin c / retinol help with red marks") 0.13-0.57, resp. up to 0.72, and 0.77 in the
# benchmark's typo-heavy synthetic traffic (9 questions and their misspellings). 0.75 merges rephrasings
# and mostly keeps different subjects apart; when it doesn't, both phrasings show among the examples.
THRESHOLD = 0.75
MAX_CLUSTERED = 5000  # distinct texts clustered (most frequent first)
BLOCK = 512  # leaders compared with all texts at a time
EXAMPLES = 5  # examples per group in summary.json and the page (👎 comments take up to 2 of them)
NLU_EXAMPLES = 10  # example lines per group in suggestions.yml
COMMENT = "👎 comment: "
_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, punctuation to spaces, single spaces."""
    text = text.lower().replace("’", "").replace("'", "")
    return " ".join(_NON_WORD.sub(" ", text).split()) or text.strip()


@dataclass
class Group:
    """Similar questions: the most frequent phrasing first."""

    texts: Counter[str] = field(default_factory=Counter)  # phrasing -> messages
    reasons: Counter[str] = field(default_factory=Counter)  # abstained, clarified, declined, voted_down
    comments: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(self.texts.values())

    @property
    def text(self) -> str:
        return self.phrasings(1)[0]

    def phrasings(self, limit: int) -> list[str]:
        return [t for t, _ in sorted(self.texts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]

    def add(self, other: Group) -> None:
        self.texts.update(other.texts)
        self.reasons.update(other.reasons)
        self.comments.extend(c for c in other.comments if c not in self.comments and len(self.comments) < 2)

    def to_json(self) -> dict[str, Any]:
        comments = [COMMENT + c for c in self.comments[:2]]
        return {"text": self.text, "count": self.count,
                "examples": self.phrasings(EXAMPLES - len(comments)) + comments,
                "reasons": dict(sorted(self.reasons.items()))}


def group(items: Iterable[tuple[str, str, str | None]], threshold: float = THRESHOLD,
          max_clustered: int = MAX_CLUSTERED) -> list[Group]:
    """Groups of (text, reason, comment) items, largest first."""
    by_key: dict[str, Group] = {}
    for text, reason, comment in items:
        key = normalise(text)
        if not key:
            continue
        g = by_key.get(key)
        if g is None:
            g = by_key[key] = Group()
        g.texts[text] += 1
        g.reasons[reason] += 1
        if comment and comment not in g.comments and len(g.comments) < 2:
            g.comments.append(comment)
    keys = sorted(by_key, key=lambda k: (-by_key[k].count, k))
    leaders = _leaders(keys[:max_clustered], threshold)
    groups: dict[int, Group] = {}
    for i, key in enumerate(keys):
        leader = leaders[i] if i < len(leaders) else i
        if leader == i:
            groups[i] = by_key[key]
        else:
            groups[leader].add(by_key[key])
    return sorted(groups.values(), key=lambda g: (-g.count, g.text))


def _leaders(keys: list[str], threshold: float) -> list[int]:
    """For each text (most frequent first), the index of its group's leader."""
    if len(keys) < 2:
        return list(range(len(keys)))
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), sublinear_tf=True,
                              dtype=np.float32).fit_transform(keys)
    columns = vectors.T.tocsr()
    leader = np.full(len(keys), -1, dtype=np.int64)
    for start in range(0, len(keys), BLOCK):
        rows = start + np.flatnonzero(leader[start:start + BLOCK] < 0)  # may lead: not taken yet
        if not len(rows):
            continue
        sims = (vectors[rows] @ columns).tocsr()
        for r, i in enumerate(rows):
            if leader[i] >= 0:
                continue
            lo, hi = sims.indptr[r], sims.indptr[r + 1]
            near = sims.indices[lo:hi][sims.data[lo:hi] >= threshold]
            near = near[leader[near] < 0]
            leader[near] = i
            leader[i] = i
    return leader.tolist()


HEADER = """\
# Draft NLU examples: the questions the bot could not answer ({period}), grouped by similarity.
# Generated {generated} by `python -m bot.cli report`; {shown}.
#
# To use a group: uncomment its lines (remove the first "# " of each), replace ??? with the intent
# it belongs to (one in domain.yml, or a new one), drop the examples that don't fit, then move the
# group into a file under data/nlu/ and retrain. Uncommented, this file is Rasa NLU format.
# Texts are as visitors wrote them, with e-mail addresses and phone numbers redacted.
version: "3.1"
nlu:
"""


def _example(text: str) -> str:
    """An NLU example line's text: no entity annotation syntax from a `[redacted]` token."""
    return text.replace("](", "] (").replace("]{", "] {")


def suggestions_yml(groups: list[Group], total: int, period: str, generated: str) -> str:
    """suggestions.yml: every group commented out, as `- intent: ???` with its phrasings as examples."""
    shown = f"{len(groups)} groups" + (f" (the largest {len(groups)} of {total})" if total > len(groups) else "")
    lines = [HEADER.format(period=period, generated=generated, shown=shown)]
    if not groups:
        lines.append("# (none: every question in the period was answered)\n")
    for g in groups:
        reasons = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in sorted(g.reasons.items()))
        lines.append(f"\n# - intent: ???  # {g.count} message{'s' * (g.count != 1)}: {reasons}\n#   examples: |\n")
        lines.extend(f"#     - {_example(text)}\n" for text in g.phrasings(NLU_EXAMPLES))
    return "".join(lines)
