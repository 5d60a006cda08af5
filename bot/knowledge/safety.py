"""Red flags by meaning and scope: a clause that means a worrying symptom, reported by the visitor, now.

Two general steps instead of phrase lists:
1. **Meaning**: each clause is classified by pretrained sentence meaning (bot/knowledge/semantic.py,
   a logistic regression over the training examples' sentence vectors); when the symptom reports
   (`report_red_flag`, or `report_emergency`: breathing, swallowing, swelling of the face after a
   product, sudden loss of sight) are likely enough, it describes one, in whatever words ("my
   tongue feels thick since the cleanser").
2. **Scope** (bot/knowledge/context.py, the ConText algorithm): a symptom denied ("it isn't
   swollen"), someone else's ("my dad's knee"), over ("years ago") or asked about in general ("what
   does an infected spot look like?") is no report.
A trigger word used for something else ("spread the serum", "fever pitch", "the jar got hot") is
simply not near a symptom report in meaning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.knowledge import context
from bot.knowledge.thresholds import AILMENT_VOTE, ALONE_VOTE, CLEAR_VOTE, CONDITION_VOTE, MIN_VOTE
from bot.knowledge.vocab import QUESTION_WORD, tokens

SYMPTOM_INTENT, URGENT_INTENT = "report_red_flag", "report_emergency"
SYMPTOM_INTENTS = (SYMPTOM_INTENT, URGENT_INTENT)
# where a clause ends: a sentence, "but/anyway/also...", "and" before a question, or a comma before
# "I", "my" or a question (every place bot/knowledge/analysis.py splits questions apart is one)
CLAUSE = re.compile(rf"(?<=[.!?;:])\s+|\n+|\s+\+\s+|\s*,?\s+(?:but|anyway|also|btw|though|although|whereas)\s+"
                    rf"|,?\s+(?:and|plus|&)\s+(?={QUESTION_WORD})|,\s+(?=i\b|my\b|{QUESTION_WORD})", re.I)


# the pieces of a clause (as analysis.py gives them: no punctuation), for urgency: one emergency among
# other signs ("really bad pain in my eye and it's swollen up near the pimple") is an emergency however
# the whole clause reads
PIECE = re.compile(r"\s+(?:and|but|with)\s+", re.I)


# what a clause means is read in the first person: who it happens to is the scope's question (context.py),
# and the training examples tell symptoms mostly as "I" ("he's wheezing" reads as "i'm wheezing")
PERSON = {"he's": "i'm", "she's": "i'm", "they're": "i'm", "hes": "im", "shes": "im", "theyre": "im", "he": "i",
          "she": "i", "they": "i", "his": "my", "her": "my", "their": "my", "him": "me", "them": "me"}
THIRD_PERSON = re.compile(r"\b(?:" + "|".join(map(re.escape, PERSON)) + r")\b", re.I)


@dataclass(frozen=True)
class Finding:
    """A symptom the visitor reports: which kind, and the clause that says it."""

    kind: str  # "urgent" (get medical help now) or "symptom" (a pharmacist or doctor can assess this)
    clause: str


def clauses(text: str) -> list[str]:
    """The clauses of a message, each judged on its own (one may be context, another the report)."""
    return [c.strip(" ,") for c in CLAUSE.split(text) if c and len(c.split()) >= 2]


Ranking = Sequence[tuple[str, float]]
Within = Callable[[Sequence[str]], Sequence[Ranking | None]]  # what fragments of the message mean in it


def symptom_vote(ranking: Ranking) -> float:
    """How much a clause's intents say "I have a symptom"."""
    votes = dict(ranking)
    return sum(votes.get(i, 0.0) for i in SYMPTOM_INTENTS)


def first_person(text: str) -> str:
    """The text told in the first person ("she's got a rash" -> "i'm got a rash"): read as a report."""
    return THIRD_PERSON.sub(lambda m: PERSON[m.group(0).lower()], text)


def read_alone(clauses: Sequence[str], rankings: Sequence[Ranking]) -> list[str | None] | None:
    """How `finding` reads each clause alone: told in the first person, when it means at least ALONE_VOTE
    of a report in the message's context (`rankings`; else None: read alone, it would not count);
    None for a one-clause message of the speaker's (its own reading is the clause's)."""
    if len(clauses) < 2 and not (clauses and THIRD_PERSON.search(clauses[0])):
        return None
    return [first_person(c) if symptom_vote(r) >= ALONE_VOTE else None for c, r in zip(clauses, rankings, strict=True)]


def finding(texts: Sequence[str], rankings: Sequence[Ranking],
            meaning: Callable[[Sequence[str]], Sequence[Ranking]],
            condition: Callable[[str], object] = lambda text: None,
            within: Within | None = None, ailments: Callable[[str], Sequence[str]] = lambda text: ()) -> Finding | None:
    """The first clause whose meaning is a symptom report in scope (the visitor's, or an emergency of
    someone with them, now, affirmed). `rankings`: each clause's intents in the message; those of a
    longer message that mean some of a report there are read alone by `meaning` (one batch:
    `read_alone`), as is what is left of a clause once a negation is taken out. A clause naming a skin
    condition the article doesn't cover (`condition`: "hives", "a mole") needs less of the meaning: the
    two say it together ("i've had hives on my neck since starting the routine"); so does one naming an
    ailment the article doesn't speak of (`ailments`: "itchy welts", "a fever"), a little more of it, when
    the clause is the visitor's by other words than the ailment's ("i came up in welts", not "it's like
    he has a fever").
    `within` says what a clause's pieces mean in the message (pooled in its run): a piece is read alone
    only when it means at least ALONE_VOTE of what is looked for there (`_worth_reading`)."""
    found = None

    def read(texts: Sequence[str]) -> Sequence[Ranking]:
        """What the texts mean, told in the first person."""
        return meaning([first_person(t) for t in texts])

    def means_symptom(text: str) -> bool:
        return symptom_vote(read([text])[0]) >= MIN_VOTE

    # each clause of a longer message that means something of a report in context is read alone too: a
    # candidate in the message's context must be one alone as well; one read alone as a clear report
    # counts whatever its context ("I've lost vision in part of my eye since this morning... also does
    # the serum work on dark marks": the question's context pulls it away, to 0.40 from 0.83)
    alone = rankings if (texts_alone := read_alone(texts, rankings)) is None else _alone(texts_alone, meaning)
    for i, (text, in_context, ranking) in enumerate(zip(texts, rankings, alone, strict=True)):
        least = CONDITION_VOTE if condition(text) else AILMENT_VOTE if _ailing(text, ailments) else MIN_VOTE
        before = texts[i - 1] if i else ""  # what the subject may carry over from
        if symptom_vote(in_context) < least and symptom_vote(ranking) < CLEAR_VOTE:
            if (piece := _clear_piece(text, in_context, read, within)) is None:
                continue
            before = text[:text.index(piece[0])].strip() or before  # "my skin is peeling ... and | it's raw"
            text, ranking = piece  # the piece that says it stands for the clause
        if symptom_vote(ranking) < least:
            continue
        if i + 1 < len(texts) and _over_next(texts[i + 1]):
            continue  # "my cheeks flaked a little in the first week | but it settled now"
        scope = context.scope(text, means_symptom)
        if not scope.anchored and before:  # "my spot has pus | and is swollen": the subject carries over
            scope = context.scope(f"{before} {text}", means_symptom)
        if not (scope.applies or scope.someone_now):
            continue
        kind = "urgent" if _urgent(ranking) or _urgent_piece(text, read, within) else "symptom"
        # someone else's symptom is no report of the visitor's ("my dad's knee swelled up"), but an
        # emergency happening now to someone with them is ("her lips have blown up and she's wheezing")
        if not (scope.applies or kind == "urgent"):
            continue
        if kind == "urgent":
            return Finding(kind, text)
        found = found or Finding(kind, text)
    return found


def _ailing(text: str, ailments: Callable[[str], Sequence[str]]) -> bool:
    """The clause names an ailment and is the visitor's (or a child's) without it: an ailment anchors a
    clause to the body (context.scope), but alone it may be a figure of speech or an animal's."""
    named = set(ailments(text))  # (words as `tokens` reads them: the ailments are found so)
    return bool(named) and without(text, named).anchored


def without(text: str, words: set[str]) -> context.Scope:
    """ConText's scope of a clause read without these words (as `tokens` reads them): whose it is by its
    other words."""
    return context.scope(" ".join(w for w in text.split() if not words & set(tokens(w))))


def the_visitors(clauses: Sequence[str], words: Sequence[str]) -> bool:
    """A clause naming one of these words tells it of the visitor (or their child), now, by its other words
    ("i'm on warfarin", "my son has lupus"; not "my dad takes warfarin", "hay fever season again", "if i
    had lupus")."""
    named = set(words)
    return any(named & set(tokens(clause)) and (scope := without(clause, named)).applies and scope.personal
               for clause in clauses)


def _over_next(text: str) -> bool:
    """The clause after a finding says, of no subject of its own, that it is over ("but it settled now",
    "they went away"): the finding before is the past."""
    scope = context.scope(text)
    return not scope.anchored and scope.historical


def _alone(texts: Sequence[str | None], meaning: Callable[[Sequence[str]], Sequence[Ranking]]) -> list[Ranking]:
    """The meaning of each text (one call of `meaning`); none for None."""
    wanted = [t for t in texts if t]
    read = dict(zip(wanted, meaning(wanted) if wanted else [], strict=True))
    return [read[t] if t else () for t in texts]


def _clear_piece(clause: str, in_context: Ranking, read: Callable[[Sequence[str]], Sequence[Ranking]],
                 within: Within | None = None) -> tuple[str, Ranking] | None:
    """The first piece of a clause meaning some of a report (split where "and" or "but" join two: `_joined`)
    that read alone is a clear one: a question and a report joined by "and" are one clause ("what does the serum do and
    my lips swelled up after the cleanser": 0.39 whole, 0.72 the report alone)."""
    pieces = _joined(clause)
    if symptom_vote(in_context) < ALONE_VOTE or len(pieces) < 2:
        return None
    pieces = _worth_reading(pieces, within, symptom_vote)
    return next(((p, r) for p, r in zip(pieces, read(pieces) if pieces else (), strict=True)
                 if symptom_vote(r) >= CLEAR_VOTE), None)


def _urgent_vote(ranking: Ranking) -> float:
    return dict(ranking).get(URGENT_INTENT, 0.0)


def _worth_reading(pieces: list[str], within: Within | None,
                   vote: Callable[[Ranking], float]) -> list[str]:
    """The pieces that in the message's context (`within`) mean at least ALONE_VOTE of what is looked for
    (`vote`): the others are not read alone. Over the red-flag and non-skin sets no piece that read alone
    is an emergency or a clear report meant less than 0.11 of it in context (docs/understanding.md)."""
    if within is None:
        return pieces
    return [p for p, r in zip(pieces, within(pieces), strict=True) if r is None or vote(r) >= ALONE_VOTE]


def _joined(clause: str) -> list[str]:
    """The pieces of a clause that "and" or "but" join (a "with" qualifies a piece: "a spot with pus"),
    of two words or more."""
    pieces, start = [], 0
    for join in PIECE.finditer(clause):
        if join.group().strip().lower() != "with":
            pieces.append(clause[start:join.start()])
            start = join.end()
    return [p for p in [*pieces, clause[start:]] if len(p.split()) >= 2]


def _urgent(ranking: Ranking) -> bool:
    """A symptom report whose meaning is mostly an emergency (breathing, swallowing, sight...)."""
    vote = symptom_vote(ranking)
    return vote >= MIN_VOTE and dict(ranking).get(URGENT_INTENT, 0.0) >= vote / 2


def _urgent_piece(clause: str, meaning: Callable[[Sequence[str]], Sequence[Ranking]],
                  within: Within | None = None) -> bool:
    """One piece of the clause, read alone, is an emergency."""
    pieces = _pieces(clause)
    if len(pieces) < 2:
        return False
    pieces = _worth_reading(pieces, within, _urgent_vote)
    return bool(pieces) and any(_urgent(r) for r in meaning(pieces))


def _pieces(clause: str) -> list[str]:
    """The pieces of a clause that "and", "but" or "with" join, of two words or more."""
    return [p for p in PIECE.split(clause) if len(p.split()) >= 2]


def pieces_ahead(clauses: Sequence[str], rankings: Sequence[Ranking],
                 within: Within | None = None) -> list[str]:
    """What `finding` will likely read of the clauses' pieces, told in the first person, by each clause's
    meaning in the message's context: a clause meaning some of a report, not enough, its pieces joined
    by "and" or "but" (`_clear_piece`); a clause meaning a report, not an emergency, its pieces
    (`_urgent_piece`). The read-ahead starts them (analysis.read_ahead)."""
    ahead = []
    for clause, ranking in zip(clauses, rankings, strict=True):
        vote = symptom_vote(ranking)
        clear = ALONE_VOTE <= vote < MIN_VOTE
        pieces = _joined(clause) if clear else _pieces(clause) if vote >= MIN_VOTE and not _urgent(ranking) else []
        ahead += _worth_reading(pieces, within, symptom_vote if clear else _urgent_vote) if len(pieces) > 1 else []
    return [first_person(p) for p in ahead]
