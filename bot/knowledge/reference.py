"""Which pronouns of a message point outside it, to what the conversation discussed (free of Rasa).

As anaphora resolution does, a pronoun is first resolved within its own message; only one that finds
nothing there leans on the conversation (bot/knowledge/conversation.py):
- "they", "them", "ones" after a plural noun of the message ("my marks are pinkish red, what are they?",
  "can i pick at the marks to make them go away?");
- "it", "that" after a kind of mark the message names by its term ("wat is PIE?? saw it on reddit", "whats
  PIH, is that the brown spots?") or after a thing made, eaten or grown that is none of this domain's ("my car
  makes a weird noise, what could it be?", "the fastest way to peel an orange in one piece");
- "this", "that", "one" before a noun, "these", "those" before a plural one (a determiner: "this weekend", "in
  one piece", "these pinkish purple flat marks"); "that" after a noun (a relative pronoun: "the marks that
  stay");
- "it" that stands for nothing (an expletive): a cleft, "it" + be + a word + "that" ("is it melanin that
  makes the marks?"); an infinitive with an object of its own after "it" ("is it possible to get rid of
  pimple marks?", "how long does it take for marks to fade?"; not "is it safe to use while pregnant?",
  whose object is "it"); a time after "it's been" ("its been a year"); or the weather's "it" ("is it gonna
  rain this weekend?", "it's snowing").
A word's part of speech is WordNet's (bot/knowledge/vocab.py), a time its kind (bot/knowledge/wordnet.py).
"""

from __future__ import annotations

import re

from bot.knowledge import wordnet
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.search import lemma

WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?", re.I)
PLURAL = {"they", "them", "ones"}
DEMONSTRATIVE = {"that", "this"}
DETERMINER = {"that", "this", "one"}  # before a noun: "this weekend", "in one piece"
# a subject: a word in -s after one of these, after a person or after an adverb is a verb it does ("she keeps picking
# at them", "what causes them?", "what actually separates them?"), not a plural noun
SUBJECT = {"i", "you", "he", "she", "it", "we", "they", "what", "who", "which", "that", "this"}


def _noun(kb: KnowledgeBase, word: str, only: bool = False) -> bool:
    """A content word WordNet knows as a noun (not "does", "was": everyday words of grammar); `only`: never
    as an adjective ("normal")."""
    kinds = kb.vocab.parts_of_speech(word, lemma(word))
    return not kb.vocab.is_frequent(word) and "noun" in kinds and not (only and "adj" in kinds)


def _plural_noun(kb: KnowledgeBase, word: str, previous: str) -> bool:
    """A plural noun, not a verb after its subject (`SUBJECT`, a person) or after an adverb."""
    if not (word.endswith("s") and lemma(word) != word and _noun(kb, word)):
        return False
    kinds = kb.vocab.parts_of_speech(previous, lemma(previous))
    return not (previous in SUBJECT or wordnet.is_a(lemma(previous), "person")
                or wordnet.is_a(lemma(previous), "child") or "adv" in kinds and "noun" not in kinds)


def _before_plural(kb: KnowledgeBase, words: list[str]) -> bool:
    """The words after a determiner are adjectives or nouns up to a plural noun ("these pinkish purple flat
    marks"; not "do these work on marks?")."""
    from spacy.lang.en.stop_words import STOP_WORDS

    for previous, word in zip(words, words[1:], strict=False):
        if word in STOP_WORDS or not kb.vocab.parts_of_speech(word, lemma(word)) & {"adj", "noun"}:
            return False
        if _plural_noun(kb, word, previous):
            return True
    return False


def term(kb: KnowledgeBase, word: str) -> bool:
    """A subject the message names for itself: a kind of mark by a noun ("pie", "pih": not the adjective
    "red"). (Not any word foreign to this domain: "I'm allergic to aspirin - is it safe for me?" asks of the
    product discussed.)"""
    coloured = any(pattern.fullmatch(word) for pattern, _ in kb.contexts.values())
    return coloured and "adj" not in kb.vocab.parts_of_speech(word, lemma(word))


def _be(word: str) -> bool:
    return word == "'s" or lemma(word) == "be"


def _weather(after: list[str]) -> bool:
    """The words after "it" say it does what the weather does: a verb of the weather next, or after one
    word ("will it snow", "is it gonna rain", "it's raining"), or after "going to"."""
    verb = after[2:3] if after[:2] == ["going", "to"] else after[:2]
    return any(wordnet.is_a(lemma(w), "weather") for w in verb)


def _expletive(kb: KnowledgeBase, before: list[str], after: list[str], infinitive: bool) -> bool:
    """"it" between these words stands for nothing: a subject (after a word of grammar or none, not
    after a verb whose object it is: "can i use it to fade them?") that is no one's. `infinitive`: one with
    an object of its own after "it" counts (whether "how long does it take to see results?" asks of a
    product discussed is the conversation's to say)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    if before and before[-1] not in STOP_WORDS:
        return False
    cleft = after[1:2] == ["that"] and before[-1:] and _be(before[-1]) or after[2:3] == ["that"] and _be(after[0])
    if cleft or after[:1] == ["been"] and any(wordnet.is_a(lemma(w), "time") for w in after[1:4]):
        return True  # "is it melanin that...", "it's been a year"
    if _weather(after):
        return True  # "is it gonna rain", "it's snowing"
    for at, word in enumerate(after[:6] if infinitive else ()):
        if word == "for" and "to" in after[at + 2:at + 5]:
            return True  # "how long does it take for marks to fade"
        if word == "to" and at + 2 < len(after):
            return any(_noun(kb, w) for w in after[at + 2:])  # an object of its own: "to get rid of marks"
    return False


def outside(kb: KnowledgeBase, text: str, pronouns: re.Pattern[str], expletives: bool = True) -> list[re.Match[str]]:
    """The matches of `pronouns` in `text` that point outside it (in order). Without `expletives`, an "it"
    before an infinitive still points outside: after a product, "how long does it take for the marks to
    fade?" asks how long the product takes."""
    words = [(m.start(), m.group(0).lower().replace("’", "'")) for m in WORD.finditer(text)]
    out = []
    for match in pronouns.finditer(text):
        said = match.group(0).lower().replace("’", "'")
        at = next((i for i, (start, _) in enumerate(words) if start >= match.start()), len(words))
        before, after = [w for _, w in words[:at]], [w for _, w in words[at + 1:]]
        if said.startswith("it"):  # ("it", "its", "it's": PRONOUN's forms of it)
            after = (["'s"] if said == "it's" else []) + after
            if _expletive(kb, before, after[1:] if after[:2] == ["'s", "been"] else after, expletives) or any(
                    term(kb, w) or kb.vocab.foreign_thing(lemma(w)) for w in before):
                continue
        elif said in PLURAL and any(_plural_noun(kb, w, p) for p, w in zip(["", *before], before, strict=False)):
            continue
        elif said in ("these", "those") and _before_plural(kb, [said, *after]):
            continue  # "these pinkish purple flat marks", "those dark, brown spots"
        elif said in DETERMINER and (after[:1] and not after[0].endswith("s") and _noun(kb, after[0], only=True)
                                     or any(kb.vocab.foreign_thing(lemma(w)) for w in before)):
            continue  # "this weekend", "peel an orange in one piece"
        elif said in DEMONSTRATIVE and (before[-1:] and _noun(kb, before[-1]) or any(term(kb, w) for w in before)):
            continue  # "melanin that makes...", "whats PIH, is that the brown spots?"
        out.append(match)
    return out
