"""What each word of a message is: this domain's, a typo of it, everyday English, or foreign.

"Foreign" words are the ones that tell an unanswerable question from an answerable one without a
keyword list: "can I take doxycycline for my marks" has a word that neither the article, the topic
map nor any in-scope training example uses (the out-of-scope examples don't count). Everyday English
("actually", "night") is never foreign on its own: spacy-lookups-data's word probabilities tell it
apart from rare words. A word the training examples use is foreign too when it is a rare noun (only a
noun to WordNet) that means nothing the article says ("sunscreen", "downtime"): visitors ask about it,
the article doesn't answer it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from bot.knowledge import wordnet
from bot.knowledge.thresholds import FREQUENT_LOG_PROB, MIN_SUBJECT_CHARS, NEAR_ARTICLE, STEM

if TYPE_CHECKING:
    import numpy as np

TOKEN = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
TOKEN_OR_NUMBER = re.compile(rf"{TOKEN.pattern}|\d+(?:[.,]\d+)?")
EVERYDAY_LOG_PROB = -10.3  # more frequent than this (~4k words: "night", "shirt"): never a subject
WH_WORD = r"(?:what|whats|what's|wat|how|hows|how's|why|when|where|which|who)\b"
QUESTION_WORD = rf"(?:{WH_WORD}|(?:is|are|can|could|do|does|did|should|will|would|any|anything)\b)"
VOWEL = re.compile(r"[aeiouy]")
NEGATED_STEMS = ("ca", "wo", "sha")  # "can't", "won't", "shan't" split as spaCy does: "ca" + "n't"


ELONGATED = re.compile(r"(\w)\1{2,}")


def tokens(text: str, numbers: bool = False) -> list[str]:
    """Lower-cased word tokens (apostrophes and hyphens kept inside words; "soooo" -> "soo"), and the
    numbers too when asked ("13", "2.5")."""
    return (TOKEN_OR_NUMBER if numbers else TOKEN).findall(ELONGATED.sub(r"\1\1", text.lower().replace("’", "'")))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or `limit + 1` as soon as it is certain to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _limit(word: str) -> int:
    """How many typing errors a word of this length may carry and still be recognised."""
    return 1 if len(word) <= 6 else 2


def _deletions(word: str, depth: int) -> set[str]:
    """The word with up to `depth` letters deleted (itself included)."""
    forms = {word}
    for _ in range(depth):
        forms |= {f[:i] + f[i + 1:] for f in forms for i in range(len(f))}
    return forms


def _singular(word: str) -> str:
    return word[:-2] if word.endswith("es") and len(word) > 4 else word[:-1] if word.endswith("s") else word


class Vocabulary:
    """The words this domain knows, and English word frequencies to judge the others."""

    def __init__(self, domain: Iterable[str], examples: Iterable[str], log_probs: dict[str, float],
                 lemma: Callable[[str], str], classes: Mapping[str, frozenset[str]],
                 vectors: Callable[[list[str]], np.ndarray] | None = None) -> None:
        """`vectors`: words' pretrained vectors, kept on disk (without it, no example word is foreign)."""
        self.domain = {w for w in domain if w.isalpha() or "-" in w}
        self._kept = vectors
        self.lemma = lemma
        self.examples = set(examples)
        self.known = self.domain | self.examples
        self._stems = {w[:STEM] for w in self.domain if len(w) >= STEM}  # one word's ("pigmentation", "pigmented")
        self.log_probs = log_probs
        self.classes = classes
        # domain words by their one- and two-letter deletions: a typo's candidates in a few look-ups
        self._by_deletion: dict[str, set[str]] = {}
        for target in (w for w in self.domain if len(w) >= MIN_SUBJECT_CHARS):
            for form in _deletions(target, _limit(target)):
                self._by_deletion.setdefault(form, set()).add(target)
        self.correct = functools.lru_cache(maxsize=4096)(self._correct)

    def is_english(self, word: str) -> bool:
        """An everyday English word (one of the ~30k most frequent)."""
        return word in self.log_probs

    def is_everyday(self, word: str) -> bool:
        """One of the ~4k most frequent English words."""
        return self.log_probs.get(word, -99.0) >= EVERYDAY_LOG_PROB

    def is_frequent(self, word: str) -> bool:
        """One of English's most frequent words (`FREQUENT_LOG_PROB`: "the", "say", "work"): says nothing
        of what a question is about."""
        return self.log_probs.get(word, -99.0) >= FREQUENT_LOG_PROB

    def is_inflected(self, word: str) -> bool:
        """A word the lemma table knows as an inflection ("scabs" -> "scab") or whose inflection it knows
        ("scab", "welt": a rarer English word than the frequency list holds, never a typo)."""
        return self.lemma(word) != word or self.lemma(word + "s") == word

    def _correct(self, word: str) -> str:
        """The domain word `word` is a typo of ("serm" -> "serum"), else `word` itself."""
        if word in self.domain or self.is_english(word) or len(word) < MIN_SUBJECT_CHARS:
            return word  # (a typo in the training examples, like "serm", is still corrected)
        if word.endswith("nt") and (word[:-2] in NEGATED_STEMS or self.is_english(word[:-2])):
            return word  # "cant", "didnt": a negation typed without its apostrophe, never "want"
        limit = _limit(word)
        candidates = {t for form in _deletions(word, limit) for t in self._by_deletion.get(form, ())}
        best, best_rank = word, (limit + 1, True)
        for target in sorted(candidates):
            rank = (edit_distance(word, target, limit), target[0] != word[0])  # ties: same first letter
            if rank[0] <= limit and rank < best_rank:
                best, best_rank = target, rank
        if best != word and not best.startswith(word) and self.is_inflected(word):
            return word  # "scab" is no typo of "scar" ("moisturise" still reads as "moisturiser")
        return best

    def is_foreign(self, word: str, lemma: str) -> bool:
        """A word (and its lemma) this domain never uses that names something: a possible subject."""
        if "'" in word:  # "hasn't", "they're": never a subject; "sister's": judged as "sister"
            base, _, ending = word.partition("'")
            return ending in ("s", "") and self.is_foreign(base, base)
        if word in self.domain or lemma in self.domain or len(word) < MIN_SUBJECT_CHARS:
            return False
        if any(word[:n] in self.domain for n in range(MIN_SUBJECT_CHARS, len(word))) or word[:STEM] in self._stems:
            return False  # a derivation of a domain word: "brownish", "pinky", "serums", "pigmented"
        if word.endswith("ly"):
            return False  # an adverb ("realistically") says how, not what
        if word.endswith("ish") and (self.is_english(base := word[:-3]) or base[-2:-1] == base[-1:]
                                     and self.is_english(base[:-1])):
            return False  # "somewhat" an English word: "redish", "yellowish", "reddish" describe
        if not VOWEL.search(word):
            return False  # text-speak ("smth", "srsly", "thx"): no name of a thing is written without a vowel
        if (word in self.examples or lemma in self.examples or _singular(word) in self.known) and not (
                lemma in self.unsaid_nouns or word in self.unsaid_nouns):
            return False  # visitors use it in scope, or it is the plural of a word we know ("zits")
        return not self.is_everyday(word) and self.names_a_thing(word, lemma)

    @functools.cached_property
    def unsaid_nouns(self) -> frozenset[str]:
        """The rare words the training examples use that are only nouns to WordNet, things or times (not an
        act: "sessions"), neither a part of the body nor what goes wrong with it, and that mean no word of
        the article's (pretrained word meaning below `NEAR_ARTICLE`): what visitors ask about that the
        article leaves out ("sunscreen", "downtime"; not "vinegar", near "acid")."""
        if self._kept is None:
            return frozenset()
        nouns = sorted(w for w in self.examples if w.isalpha() and len(w) >= MIN_SUBJECT_CHARS
                       and not self.is_everyday(w) and _singular(w) not in self.domain
                       and self.parts_of_speech(w, self.lemma(w)) == {"noun"}
                       and wordnet.is_a(self.lemma(w), "concrete") and not wordnet.is_a(self.lemma(w), "body"))
        said = sorted({p for w in self.domain for p in w.split("-")  # ("fragrance-free": "fragrance")
                       if p.isalpha() and len(p) >= 3 and not self.is_frequent(p)})
        if not (nouns and said):
            return frozenset()
        near = (self._kept(nouns) @ self._kept(said).T).max(axis=1)  # (unit vectors)
        return frozenset(w for w, n in zip(nouns, near, strict=True) if n < NEAR_ARTICLE)

    def parts_of_speech(self, word: str, lemma: str) -> set[str]:
        """The parts of speech WordNet knows the word or its lemma as ("noun", "verb", "adj", "adv")."""
        return {kind for kind, words in self.classes.items() if word in words or lemma in words}

    def foreign_thing(self, lemma: str) -> bool:
        """A thing made, eaten or grown (WordNet's kind) that is none of this domain's ("roses", "car")."""
        return wordnet.is_a(lemma, "thing") and lemma not in self.domain

    def names_a_thing(self, word: str, lemma: str) -> bool:
        """Not a word WordNet knows only as an adjective, adverb or verb ("besides", "scratchy",
        "suggested"), nor a noun it knows only as a word, an idea, a feeling, a place, a group or a person
        ("english", "hype"): a noun to it, or a word it doesn't know (a brand, a drug: "accutane")."""
        kinds = self.parts_of_speech(word, lemma)
        return not kinds or "noun" in kinds and not wordnet.is_a(lemma, "abstract")
