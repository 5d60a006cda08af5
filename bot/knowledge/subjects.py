"""The subjects a question names that this domain never uses ("doxycycline", "an led mask"): runs of words
foreign to it (bot/knowledge/vocab.py), not a word that says what a thing is like or does where it stands
(free of Rasa)."""

from __future__ import annotations

from bot.knowledge import wordnet
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.reference import SUBJECT
from bot.knowledge.search import lemma as lemma_of


def foreign(kb: KnowledgeBase, text: str, settings: bool = True) -> tuple[str, ...]:
    """Runs of foreign words, as typed ("led mask"); a short word joins a run it touches. Without
    `settings`, a when or a where ("in march", "from brazil") is none: the context told, not asked about."""
    runs: list[list[str]] = []
    previous = False
    words = text.split()
    for at, word in enumerate(words):
        lemma = lemma_of(word)
        found = kb.vocab.is_foreign(word, lemma) and (settings or not _setting(word)) \
            and not _modifier(kb, words, at) and not _verb(kb, words, at)
        if found and previous and runs:
            runs[-1].append(word)
        elif found:
            runs.append([word])
        previous = found
    return tuple(" ".join(r) for r in runs)


def _setting(word: str) -> bool:
    """A when or a where ("march", "brazil"; "winter's" as "winter")."""
    return wordnet.is_a(lemma_of(word.partition("'")[0]), "setting")


def _modifier(kb: KnowledgeBase, words: list[str], at: int) -> bool:
    """The word, as typed, can be an adjective and is one where it stands: before a noun ("jagged edge",
    "facial moisturizer"; not "led mask"), or after "be", its subject and any adverbs ("is it plain", "are
    they just cosmetic?"): it says what a thing is like, it names none."""
    from spacy.lang.en.stop_words import STOP_WORDS

    if "adj" not in kb.vocab.parts_of_speech(words[at].lower(), words[at].lower()):
        return False
    after = words[at + 1].lower() if at + 1 < len(words) else ""
    if after and after not in STOP_WORDS and ("noun" in _kinds(kb, after) or not _kinds(kb, after) and after.isalpha()):
        return True
    before = [w.lower() for w in words[:at]]
    while before and lemma_of(before[-1]) != "be" and ("adv" in _kinds(kb, before[-1]) or before[-1] in SUBJECT):
        before.pop()  # ("are they just / really ...")
    return bool(before) and lemma_of(before[-1]) == "be"


def _kinds(kb: KnowledgeBase, word: str) -> set[str]:
    """The parts of speech WordNet knows the word (lower case) or its lemma as."""
    return kb.vocab.parts_of_speech(word.lower(), lemma_of(word))


def _verb(kb: KnowledgeBase, words: list[str], at: int) -> bool:
    """The word can be a verb and is one where it stands: right after its subject ("does it plateau?", "am i
    wasting my money", "a dark spot that hangs around"), or in -ing after "be" ("been hanging around")."""
    word, before = words[at].lower(), words[at - 1].lower() if at else ""
    if "verb" not in _kinds(kb, word):
        return False
    return before in SUBJECT or word.endswith("ing") and lemma_of(before) == "be"


def subjects(kb: KnowledgeBase, text: str, asking: str) -> tuple[str, ...]:
    """The foreign words of a question leaning on the context before it, and of that context: what it
    told about, not when or where ("had a breakout in march... what causes them?")."""
    at = text.rfind(asking)
    if at < 0:
        return foreign(kb, text)
    return foreign(kb, text[:at], settings=False) + foreign(kb, text[at:])
