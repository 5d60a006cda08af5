"""Whether an answer gives the amount its question asks for (issue 19: answerability by the property
asked, not by the topic): "how many laser sessions...?" asks for a number, "how long is recovery after
a peel?" for a length of time. The passages of the topic may be the nearest the article gets (the
treatments) without saying it: then the answer says so first, and quotes them as the nearest guidance.

A number is what spaCy's tokenizer takes for one ("8", "two", "hundred": `like_num`); a length of time
is a number before a noun of time (WordNet's, bot/knowledge/wordnet.py: "2 weeks", "eight weeks").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.knowledge import nlp, wordnet
from bot.knowledge.search import lemma

# the amount a question asks for; "how much" is left out: mostly a price (an unanswered intent of its
# own) or a degree ("how much does it help?"), not a number
ASKS = re.compile(r"\bhow\s+(many|long|often)\b", re.I)
NEAR = 2  # a noun of time this many words after the number ("2 full weeks")
# a frequency: a number, or "a"/"every"... before a noun of time ("twice a day", "every morning"; not
# "in the morning": when, not how often)
EACH = {"a", "an", "per", "every", "each"}


def unsaid(question: str, answer: Sequence[str], names: Callable[[str], Sequence[str]] = lambda text: ()) -> str | None:
    """What the question asks ("how many", "how long", "how often") when the answer's texts don't give
    it (a number, a length of time, a frequency); None when it asks for no amount, or they give one. A
    list answers "how many" without a number: an answer of several texts, or naming several things
    (`names`: the products a text names): "how many products are in the routine?" is answered by the three."""
    asked = ASKS.search(question)
    if not asked:
        return None
    wanted = asked.group(1).lower()
    if wanted == "many" and (len(answer) > 1 or len({n for text in answer for n in names(text)}) > 1):
        return None
    words = [t for t in nlp.load().tokenizer(" ".join(answer)) if not t.is_punct]

    def time_after(i: int, near: int = NEAR) -> bool:  # (as typed or its lemma: "evening"'s is "even")
        return any(wordnet.is_a(n, "time") for w in words[i + 1:i + 1 + near] for n in {w.lower_, lemma(w.lower_)})

    for i, token in enumerate(words):
        if token.like_num and (wanted == "many" or time_after(i)):
            return None
        if wanted == "often" and token.lower_ in EACH and time_after(i, 1):
            return None
    return f"how {wanted}"
