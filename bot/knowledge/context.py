"""Who and when a clause speaks of: the ConText algorithm (Harkema et al., 2009), small.

ConText decides whether a finding in clinical text is negated, historical, hypothetical or someone
else's from trigger terms of general categories; pseudo-triggers ("over the last month", "no idea")
and terminators ("now", "still") bound them. Here the finding is a whole clause that *means* a
symptom (bot/knowledge/safety.py), so:
- a clause must be anchored to the visitor: "I", or a part of the body or a blemish ("my lip", "the
  spot"); an object or a figure of speech ("the jar got hot", "fever pitch") has neither;
- a negation is tested by meaning: the clause without the negated words must still mean a symptom
  ("no pain, but my vision went dark" does; "it isn't swollen or warm, just red" does not). An
  inability ("can't breathe") or a negated improvement ("won't heal", "isn't going away") is no negation;
- a time in the past counts unless the clause says it goes on ("20 min ago and now my lips...").
The lexicon is ConText's categories; no phrase of any case set is in it.

(negspacy 1.1.0 needs spaCy >= 3.8 and medspacy newer spaCy too; the project is pinned to spaCy 3.4,
so the algorithm is written here: docs/understanding.md.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.knowledge.vocab import tokens

NEGATION = {"no", "not", "never", "without", "nor", "neither", "none", "nothing", "isn't", "aren't", "wasn't",
            "weren't", "don't", "doesn't", "didn't", "hasn't", "haven't", "hadn't", "isnt", "arent", "wasnt",
            "werent", "dont", "doesnt", "didnt", "hasnt", "havent", "hadnt", "won't", "wont"}
PSEUDO_NEGATION = {"idea", "sure", "matter", "doubt", "longer", "only", "even", "just"}
IMPROVEMENT = ("stop", "heal", "go", "going", "gone", "improv", "better", "settl", "clear", "fade", "shrink",
               "calm", "help", "touch", "work", "budg")
# Someone else's finding; a child is the visitor's to look after, so a child's finding counts
OTHERS = {"mum", "mom", "mother", "dad", "father", "sister", "brother", "friend", "friends", "flatmate",
          "roommate", "partner", "boyfriend", "girlfriend", "husband", "wife", "colleague", "coworker", "boss",
          "neighbour", "neighbor", "nan", "grandma", "gran", "grandad", "grandpa", "uncle", "aunt", "cousin",
          "dog", "cat", "pet", "someone", "somebody", "people", "anyone", "everyone"}
CHILD = {"son", "daughter", "kid", "kids", "child", "baby", "toddler", "boy", "girl", "yo"}
# Anchors: the visitor, or the body and what grows on it
SELF = {"i", "i'm", "im", "i've", "ive", "me", "i'd", "myself"}
BODY = {"skin", "face", "cheek", "cheeks", "chin", "jaw", "jawline", "forehead", "nose", "neck", "lip", "lips",
        "mouth", "tongue", "throat", "eye", "eyes", "eyelid", "eyelids", "ear", "scalp", "back", "chest",
        "shoulder", "arm", "arms", "leg", "legs", "hand", "hands", "body", "vision", "sight", "spot", "spots",
        "pimple", "pimples", "zit", "zits", "mark", "marks", "mole", "moles", "bump", "bumps", "lump", "cyst",
        "sore", "rash", "patch", "patches", "area", "blister", "blisters", "wound", "scab", "redness",
        "swelling", "pus", "boil", "breakout", "blemish", "welts", "hives"}
# The past: time words, and what is over
PAST_TIME = {"ago", "previously", "once", "years", "childhood", "teens"}
PAST_AFTER = {"back": {"in", "then", "when"}, "used": {"to"}, "when": {"i", "i'm"}, "last": {
    "year", "month", "summer", "winter", "spring", "autumn", "week", "time"}}
RESOLVED = ("healed", "cleared", "sorted", "gone down", "went down", "went away", "gone away", "no longer",
            "anymore", "fine now", "better now", "settled")
DURATION = {"over", "in", "for", "past", "during"}  # "over the last month": a duration, no past
ONGOING = {"now", "still", "keeps", "keep", "currently", "today", "tonight", "since", "been", "getting", "started"}
# What might be, or what happens in general: a question about it is no report
HYPOTHETICAL = {"if", "would", "could", "might", "whether", "prevent", "avoid", "risk", "chance", "signs",
                "symptoms", "possible", "supposed", "cause", "causes"}
ASKS_IN_GENERAL = ("look like", "how do i know", "how can i tell", "what happens", "what to do if", "is it normal for")


@dataclass(frozen=True)
class Scope:
    """What ConText found about one clause."""

    anchored: bool = True
    negated: bool = False
    other: bool = False
    historical: bool = False
    hypothetical: bool = False

    @property
    def applies(self) -> bool:
        """The clause reports a finding of the visitor (or their child), now."""
        return self.anchored and not (self.negated or self.other or self.historical or self.hypothetical)


def _negations(words: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each negated span: the trigger and up to four words after it."""
    spans = []
    for i, w in enumerate(words):
        if w not in NEGATION and not (w.endswith("n't") and w not in ("can't", "couldn't")):
            continue
        after = words[i + 1:i + 5]
        if after and after[0] in PSEUDO_NEGATION and not w.startswith(("no", "never")):
            continue
        if any(a.startswith(IMPROVEMENT) for a in after[:3]):
            continue  # "won't stop bleeding", "isn't going away", "never heals": it goes on
        # "and"/"but" may start another statement; "or" goes on negating ("not painful or hot")
        end = i + 1 + next((j for j, a in enumerate(after) if a in ("and", "but") and j > 1), len(after))
        spans.append((i, end))
    return spans


def _historical(words: list[str], text: str) -> bool:
    for r in RESOLVED:
        at = text.find(f" {r} ")
        if at >= 0 and not set(text[:at].split()[-1:]) & NEGATION:
            return True  # ("hasn't healed" is not over)
    ongoing = bool(set(words) & ONGOING) or any(w.endswith("ing") and p in ("is", "are", "am", "'s")
                                                for p, w in zip(words, words[1:], strict=False))
    if ongoing:
        return False
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in PAST_TIME or nxt in PAST_AFTER.get(w, ()):
            if not (w == "last" and i > 1 and words[i - 2] in DURATION):
                return True
    return False


def scope(text: str, means_symptom: Callable[[str], bool] | None = None) -> Scope:
    """The ConText modifiers of a clause; `means_symptom` tests what is left once a negation is taken out."""
    words = tokens(text)
    joined = " " + " ".join(words) + " "
    found = set(words)
    child = bool(found & CHILD)
    possessed = {b for a, b in zip(words, words[1:], strict=False) if a in ("my", "our")}
    other = bool((found & OTHERS) - {"someone"} or possessed & OTHERS) and not child
    # a body word opening a clause bare is a name as often as not ("Mark from accounts", "Spot the dog")
    body = {w for i, w in enumerate(words) if w in BODY and (i > 0 or w.endswith("s"))}
    anchored = bool(found & SELF or body or child)
    negated = False
    spans = _negations(words)
    if spans:
        kept = [w for i, w in enumerate(words) if not any(s <= i < e for s, e in spans)]
        negated = not (means_symptom and len(kept) >= 2 and means_symptom(" ".join(kept)))
    hypothetical = any(f" {a} " in joined for a in ASKS_IN_GENERAL) or bool(found & HYPOTHETICAL) and not (
        found & SELF and found & ONGOING)
    return Scope(anchored=anchored, negated=negated, other=other,
                 historical=_historical(words, joined), hypothetical=hypothetical)
