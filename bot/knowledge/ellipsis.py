"""What a follow-up leaves out, put back (free of Rasa): an ellipsis's start ("and the fluid?"), the last
question asked again of a new product, colour or counterpart ("and marks?" after scars), and a pronoun
in a subject's place. Used by bot/knowledge/conversation.py."""

from __future__ import annotations

import functools
import re

from bot.knowledge.analysis import COMPARE
from bot.knowledge.base import KnowledgeBase, names_subject
from bot.knowledge.parts import IT_WORD, LEADING_FILLER, Part
from bot.knowledge.reference import term
from bot.knowledge.search import lemma, lemmas
from bot.knowledge.state import Conversation
from bot.knowledge.vocab import QUESTION_WORD, tokens

# how an ellipsis starts: "and the fluid?", "what about brown ones", "how about for red", "same for..."
WITH = r"(?:for|with)"  # what adds the thing a question is asked of ("same for...", "and with the serum?")
ELLIPSIS = re.compile(rf"^(?:(?:and|or|but) )?(?:what about|how about|what of|same {WITH}|{WITH})\b"
                      r"|^(?:and|or|but|also|now)\b", re.I)  # (the longest start first)
IT = re.compile(rf"\b{IT_WORD}\b", re.I)
# an ellipsis whose leftover starts with a preposition adds a circumstance to the last question ("what about
# with a beard?", "and for someone in their 40s?"), where a noun would name a new subject ("what about the weather?")
CIRCUMSTANCE = re.compile(rf"(?:{WITH}|on|in|if|when)\b\W*(?P<said>.*?)\W*$", re.I)
ENDS_WITH = re.compile(rf"\b{WITH}$", re.I)


def of_counterpart(text: str, conversation: Conversation, pair: str, says_other: bool) -> str:
    """The last question asked again of `pair`, what the article tells its subject apart from, when the
    message says "the other" or names that alone ("and marks?" after "what do acne scars look like?"),
    neither referring back to the subject nor comparing."""
    if not pair or names_subject(text, conversation.subject) or IT.search(text) or COMPARE.search(text) or not (
            says_other or lemma(pair.split()[-1]) in lemmas(text)):
        return ""  # (not "how are they different from marks?": the two compared)
    return swapped(conversation.question, conversation.subject, pair)


def swapped(question: str, subject: str, other: str) -> str:
    """The question with the subject's last word (any form: "scar", "scarring") as the other's ("marks")."""
    head, new = subject.split()[-1], other.split()[-1]
    swapped = re.sub(rf"\b{re.escape(head.rstrip('s'))}\w*", new, question, flags=re.I)
    return swapped if swapped != question else ""


def _named_in_place(subject: str, match: re.Match[str]) -> str:
    return in_place_of(match.group(0), subject)


def in_place_of(pronoun: str, subject: str) -> str:
    """The subject's words where the pronoun was ("its" -> "the serum's", "it's" -> "the serum is")."""
    low = pronoun.lower().replace("’", "'")
    return f"{subject}'s" if low == "its" else f"{subject} is" if low == "it's" else subject


def substitute(kb: KnowledgeBase, question: str, products: tuple[str, ...], marks: tuple[str, ...],
                said: str, aspect: bool = False) -> str:
    """`question` about the new products / colours (named as `said` names them): the subject it named
    replaced (or "it": "does it have spf? | and the gel?"), else the new one added (a product only to a
    question of an aspect of products: "how long until results? | for the fluid?")."""
    if not (products or marks):
        return ""
    out = question
    # a product takes the place of a thing of its kind if one is named ("is thiamidol in the serum? | the
    # fluid?": the serum), else of any ("what does thiamidol do? | and the fluid?")
    within = bool(products) and bool(kb.products[products[0]].within)
    kind = [p.pattern for p in kb.products.values() if products and bool(p.within) == within]
    for new, patterns in ((products, [p.pattern for p in kb.products.values()]),
                          (marks, [kb.contexts[c][0] for c in ("red", "brown")])):
        if not new:
            continue
        spans = sorted((m.start(), m.end()) for p in patterns for m in p.finditer(out))
        if new is products and (alike := sorted((m.start(), m.end()) for p in kind for m in p.finditer(out))):
            spans = alike
        elif new is products and not within and IT.search(out):
            spans = []  # "does it have salicylic acid? | and the fluid?": "it" held the product's place
        # (not the ingredient named, as in "what does thiamidol do? | and the fluid?")
        if new is products:
            match = kb.products[new[0]].pattern.search(said)
            name = match.group(0) if match else kb.products[new[0]].name
        else:  # a colour word alone, or with the noun its pattern took ("dark marks")
            name = new[0] if not spans or " " not in out[spans[0][0]:spans[0][1]] else f"{new[0]} marks"
        if spans:  # the first name, with the words of it that follow ("mattifying fluid")
            start, end = spans[0]
            for s, e in spans[1:]:
                if s > end and out[end:s].strip():
                    break
                end = max(end, e)
            out = out[:start] + name + out[end:]
        elif new is marks:  # a colour qualifies any question ("how long do they take?" -> for red marks)
            out = f"{out.rstrip(' ?')} for {name} marks?"
        elif IT.search(out):  # ...a product the question's "it" ("does it have spf? | what about the gel")
            out = IT.sub(functools.partial(_named_in_place, f"the {name}"), out, count=1)
        elif aspect:  # ...and a product a question of its aspects ("how long until results?")
            out = f"{out.rstrip(' ?')} for the {name}?"
        else:  # a product where the question named none ("what causes brown marks" -> "what about peels")
            return ""  # is a question of its own
    return out


def elliptic(text: str) -> bool:
    """Starts like an ellipsis ("and the fluid?", "what about red ones") and asks nothing of its own after
    that start ("and what else is in that serum?" is a question)."""
    start = ellipsis_start(text)
    return start is not None and not re.match(rf"\W*{QUESTION_WORD}", start.string[start.end():], re.I)


def ellipsis_start(text: str) -> re.Match[str] | None:
    """How an ellipsis starts ("and the brown ones?"), a filler before it aside ("ok and what about for
    the red kind")."""
    return ELLIPSIS.match(text.lstrip()) or ELLIPSIS.match(LEADING_FILLER.sub("", text))


def circumstance(text: str) -> str:
    """What an ellipsis adds to the last question as its circumstance ("what about with a beard?": "a
    beard"), else nothing."""
    start = ellipsis_start(text)
    if not start:
        return ""
    rest = start.string[start.end():]
    # the start may end with the preposition ("and for someone in their 40s?"): read from it
    added = CIRCUMSTANCE.match(start.group(0).split()[-1] + rest if ENDS_WITH.search(start.group(0)) else rest.strip())
    return added.group("said") if added else ""


def fits(kb: KnowledgeBase, part: Part, conversation: Conversation) -> bool:
    """A kind of mark named by its term ("pie??", "PIH meaning") asks the last question again only when the
    article answers that question for it (its topic has a passage for that colour): "what is decandiol
    for?" has none, so "pie??" is a question of its own."""
    if part.products or not any(term(kb, w) for w in tokens(part.text)):
        return True
    topic = kb.by_intent.get(conversation.asked)
    return topic is None or all(m in topic.variants for m in part.marks)


def put_in_place(text: str, it: re.Match[str], words: str) -> str:
    """The text with `words` where the pronoun `it` was."""
    return text[:it.start()] + words + text[it.end():]
