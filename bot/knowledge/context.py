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

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.knowledge import nlp, wordnet
from bot.knowledge.search import lemma
from bot.knowledge.vocab import ELONGATED, tokens

# Words are compared as spaCy's lookup lemmas ("eyes" -> "eye", "swelled" -> "swell", "im" -> "i" "be"),
# and every form of "not" ("isn't", "dont", "wont") is spaCy's norm "not": the lists name each word once.
NEGATION = {"no", "not", "never", "without", "nor", "neither", "none", "nothing", "zero"}
PSEUDO_NEGATION = {"idea", "sure", "matter", "doubt", "longer", "only", "even", "just"}
RESOLVING = ("stop", "heal", "settl", "clear", "fade", "shrink", "calm", "improv")  # what a finding does as it ends
# ...and what it or a product does as things get better ("better" is the lemma table's "well")
IMPROVEMENT = RESOLVING + ("go", "well", "help", "touch", "work", "budg")
# Who and what a clause speaks of are kinds of nouns (bot/knowledge/wordnet.py): family, friends,
# partners, the people one lives or works with and animals are someone else; a child is the visitor's
# to look after, so a child's finding counts; a part of the body, or what grows on it or goes wrong
# with it, anchors the clause to the visitor. What WordNet lacks or files elsewhere:
OTHER_WORDS = {"mum", "somebody", "someone", "anyone", "everyone", "people", "coworker"}
BODY_WORDS = {"body", "back", "area", "sight", "spot", "mark", "patch", "bump", "breakout", "jawline", "sore",
              "boil", "blister", "hive", "mole", "scab", "pus"}
SELF = {"i", "me", "myself", "mine"}  # ("mine burns a bit when i put it on": the speaker's)
# The past: time words, and what is over
PAST_TIME = {"ago", "previously", "once", "years", "childhood", "teens"}  # as typed ("for a year" is no past)
# ...but what began less than a week ago is still going on (ConText counts a finding as historical from two
# weeks): "half an hour ago my vision went dark"
RECENT_UNITS = ("sec", "second", "min", "minute", "hour", "hr", "day", "night")
PAST_AFTER = {"back": {"in", "then", "when"}, "used": {"to"}, "when": {"i"}, "last": {
    "year", "month", "summer", "winter", "spring", "autumn", "week", "time"}}
RESOLVED = ("healed", "cleared", "sorted", "gone down", "went down", "went away", "gone away", "no longer",
            "anymore", "fine now", "better now", "back to normal", "settled")  # as typed: "it's healing" is not over
DURATION = {"over", "in", "for", "past", "during"}  # "over the last month": a duration, no past
ONGOING = {"now", "still", "keep", "keeps", "currently", "today", "tonight", "since", "been", "getting", "started"}
PRESENT = ("is", "are", "am", "'s", "'m", "'re")  # "is getting": a present progressive
PERFECT = {"have", "has", "'ve", "got"}  # "her lips have blown up", "he's got welts": happening now
# An age in years ("6 year old", "15yo"; or a number right after a person: "my brother (7)")
AGE = re.compile(r"\b(\d{1,2})\s*-?\s*(?:y/?o|(?:yrs?|years?)\s*-?\s*old)\b", re.I)
CHILD_AGE = 16
# What might be, or what happens in general: a question about it is no report
HYPOTHETICAL = {"if", "would", "could", "might", "whether", "prevent", "avoid", "risk", "chance", "signs",
                "symptoms", "possible", "supposed", "cause", "causes"}  # as typed: "it caused a rash" is a report
ASKS_IN_GENERAL = ("look like", "how do i know", "how can i tell", "what happens", "what to do if",
                   "is it normal for")


def _words(text: str) -> tuple[list[str], list[str]]:
    """The clause's words as typed and as compared (lemma, or "not" for any form of it): spaCy's
    tokenizer, and the same lemma table look-up as the search (no pipeline run)."""
    doc = nlp.load().tokenizer(ELONGATED.sub(r"\1\1", text.lower().replace("’", "'")))
    words = [(t.text, t.norm_, lemma(t.text)) for t in doc if any(c.isalpha() for c in t.text)]
    # a form the lemma table lacks ("ca", "wo" of "can't", "won't") is compared as the tokenizer's norm
    return [w for w, _, _ in words], [n if lem == w else lem for w, n, lem in words]


@dataclass(frozen=True)
class Scope:
    """What ConText found about one clause."""

    anchored: bool = True
    negated: bool = False
    other: bool = False
    historical: bool = False
    hypothetical: bool = False
    happening: bool = False  # told as going on now ("is swelling", "have blown up", "now"), not as a habit
    personal: bool = False  # the visitor or their child speaks of themselves ("i", "my", "my son"), not only a body

    @property
    def applies(self) -> bool:
        """The clause reports a finding of the visitor (or their child), now."""
        return self.anchored and not (self.negated or self.other or self.historical or self.hypothetical)

    @property
    def someone_now(self) -> bool:
        """The clause reports what is happening now to someone else ("her lips have blown up and she's
        wheezing"), not what happens to them in general ("her lips swell up")."""
        return self.other and self.happening and not (self.negated or self.historical or self.hypothetical)


def _negations(typed: list[str], keys: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each negated span: the trigger and up to four words after it."""
    spans = []
    for i, w in enumerate(keys):
        if w not in NEGATION or (w == "not" and i and keys[i - 1] == "can"):
            continue  # "can't breathe", "cannot swallow": an inability, no negation
        after = keys[i + 1:i + 5]
        if after and after[0] in PSEUDO_NEGATION and not typed[i].startswith(("no", "never")):
            continue  # "don't even", "isn't just"
        if any(a.startswith(IMPROVEMENT) for a in after[:3]):
            continue  # "won't stop bleeding", "isn't going away", "never heals": it goes on
        if after and any(wordnet.is_a(w, "consumption") for w in (typed[i + 1], after[0])):  # (as typed: "feed")
            continue  # "won't feed", "isn't drinking": not taking food or drink in is the finding
        # "and"/"but" may start another statement; "or" goes on negating ("not painful or hot")
        end = i + 1 + next((j for j, a in enumerate(after) if a in ("and", "but") and j > 1), len(after))
        spans.append((i, end))
    return spans


def _historical(typed: list[str], keys: list[str]) -> bool:
    # what healed or went down is over, unless the clause says something "still" goes on ("cheek still
    # throbbing 4 days after the pimple went down")
    for i in range(len(typed) if "still" not in typed else 0):
        for r in RESOLVED:
            end = i + r.count(" ") + 1
            if typed[i:end] == r.split() and not (i and keys[i - 1] in NEGATION) and typed[end:end + 1] != ["into"]:
                return True  # ("hasn't healed" is not over, nor what "healed into a shiny bump": a change)
        if typed[i + 1:i + 2] == ["now"] and typed[i] != keys[i] and keys[i].startswith(IMPROVEMENT) and not (
                i and keys[i - 1] in NEGATION):
            return True  # "stopped now", "settled now", "gone now": an improvement in the past, done by now
    ongoing = bool(set(typed) & ONGOING) or any(  # as typed: "kept" is no "keep"
        w.endswith("ing") and p in PRESENT for p, w in zip(typed, typed[1:], strict=False))
    if ongoing:
        return False
    for i, w in enumerate(typed):
        nxt = typed[i + 1] if i + 1 < len(typed) else ""
        if w in ("it", "that", "which") and nxt and nxt != keys[i + 1] and not nxt.endswith("s") \
                and keys[i + 1].startswith(RESOLVING):  # (a past form: "stopped", "shrank"; not "clears")
            return True  # "a slight tingle that stopped after 5 days", "it cleared up": the finding has ended
        if w == "ago" and i and typed[i - 1].rstrip("s") in RECENT_UNITS:
            continue
        if w == "when" and not _past_form(typed[i + 2:i + 4], keys[i + 2:i + 4]):
            continue  # "bleeds when i wash my face": a habit, not "when i was 15"
        if nxt == "old":
            continue  # "25 years old": an age, not the past
        if w in PAST_TIME or nxt in PAST_AFTER.get(w, ()) or _as_a_child(typed[i:i + 3], keys[i:i + 3]):
            if not (w == "last" and i > 1 and typed[i - 2] in DURATION):
                return True
    return False


def _past_form(typed: list[str], keys: list[str]) -> bool:
    """One of the words is a verb's past form: its lemma is another word ("was", "had", "got", "washed";
    not "wash", nor what follows the present "'m": "when i'm stressed")."""
    now = [i for i, t in enumerate(typed) if t in (*PRESENT, "m", "am")]
    return any(k != t for t, k in zip(typed[:now[0] if now else None], keys, strict=False))


def _as_a_child(typed: list[str], keys: list[str]) -> bool:
    """"as a kid", "as a teenager": the visitor's childhood (ConText's "as a child")."""
    return typed[:2] == ["as", "a"] and len(keys) == 3 and wordnet.is_a(keys[2], "child")


def _age_named(typed: list[str], keys: list[str]) -> bool:
    """"my 8 month old", "my 2 year old has...": a child named by age (a time and "old", not before a
    person: "my 70 year old mum" is the mum)."""
    for i in range(1, len(typed) - 1):
        after = keys[i + 2] if i + 2 < len(keys) else ""
        if typed[i - 1] == "my" and typed[i + 1] == "old" and wordnet.is_a(keys[i], "time") and not (
                _someone(after) or wordnet.is_a(after, "child")):
            return True
    return False


def _young(text: str) -> bool:
    """Someone said to be younger than CHILD_AGE years ("my 6 year old sister", "15 year old girl", "my
    brother (7) has..."): a child, the visitor's to look after, whoever they are ("my 70 year old mum" is not,
    nor "my sister 2 weeks ago")."""
    if any(int(found.group(1)) < CHILD_AGE for found in AGE.finditer(text)):
        return True
    words = tokens(text, numbers=True)
    return any(n.isdigit() and int(n) < CHILD_AGE and _someone(lemma(w)) and not wordnet.is_a(lemma(after), "time")
               for w, n, after in zip(words, words[1:], [*words[2:], ""], strict=False))


def _someone(word: str) -> bool:
    """Someone else: a person WordNet files as such, or one it lacks ("mum", "coworker")."""
    return word in OTHER_WORDS or wordnet.is_a(word, "person")


def body_word(word: str) -> bool:
    """A part of the body, or what grows on it or goes wrong with it (a noun: not "quick" or "small")."""
    return word in BODY_WORDS or wordnet.is_a(word, "body")


def scope(text: str, means_symptom: Callable[[str], bool] | None = None) -> Scope:
    """The ConText modifiers of a clause; `means_symptom` tests what is left once a negation is taken out."""
    typed, keys = _words(text)
    joined = " " + " ".join(typed) + " "
    found = set(typed)
    # people and body parts are nouns, one or many ("eyes", "patches", "children"), not a word made of
    # one ("spotted", "faced", "kidding"); a body word opening a clause bare is a name as often as not
    # ("Mark from accounts", "Spot the dog")
    nouns = [(i, k) for i, (t, k) in enumerate(zip(typed, keys, strict=True))
             if t.startswith(k) and t[len(k):] in ("", "s", "es", "ren")]
    child = any(k == "yo" or wordnet.is_a(k, "child") for _, k in nouns) or _age_named(typed, keys) or _young(
        text)  # ("my 5 yo", "my sister (6)")
    body = {(i, k) for i, k in nouns + [(i, t) for i, t in enumerate(typed)]  # ("swelling": a noun too)
            if body_word(k) and (i > 0 or typed[i].endswith("s"))}
    other = any(_someone(k) for _, k in nouns) and not child
    # what goes wrong ("swelling", "a spot", "a crust") anchors a clause that names no thing made, eaten or
    # grown: "the dough is swelling", "the pie crust blistered" speak of the dough and the pie, unless the
    # visitor's ("my spot") or on a part of the body
    parts = any(wordnet.is_a(k, "body_part") for _, k in body)
    owned = any("my" in typed[max(0, i - 3):i] for i, _ in body)
    thing = any(wordnet.is_a(k, "thing") and not body_word(k) for _, k in nouns)
    # "I" in a clause's "when ..." is the circumstance, not who has the finding ("the old tv makes a sizzling
    # sting sound when i turn it on")
    me = set(typed[:typed.index("when")] if "when" in typed else typed) & SELF
    anchored = bool(me or child or parts or owned or body and not thing)
    negated = False
    spans = _negations(typed, keys)
    if spans:
        kept = [w for i, w in enumerate(typed) if not any(s <= i < e for s, e in spans)]
        negated = not (means_symptom and len(kept) >= 2 and means_symptom(" ".join(kept)))
    hypothetical = any(f" {a} " in joined for a in ASKS_IN_GENERAL) or bool(found & HYPOTHETICAL) and not (
        found & SELF and found & ONGOING)
    happening = bool(found & ONGOING or found & PERFECT) or any(
        t.endswith("ing") and len(t) > 5 for t in typed)  # ("wheezing", "swelling", "have", "now")
    return Scope(anchored=anchored, negated=negated, other=other,
                 historical=_historical(typed, keys), hypothetical=hypothetical, happening=happening,
                 personal=bool(me or child))
