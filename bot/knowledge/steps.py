"""What comes next: a step of the routine by its place, and what "anything else?" goes on with (free of
Rasa; the follow-ups that use them are in bot/knowledge/conversation.py)."""

from __future__ import annotations

import re

from bot.knowledge import wordnet
from bot.knowledge.base import KnowledgeBase, Topic
from bot.knowledge.parts import Part, word_count
from bot.knowledge.search import lemma
from bot.knowledge.state import GENERIC_TOPICS, Conversation
from bot.knowledge.thresholds import LONG, OWN_TOPIC
from bot.knowledge.vocab import tokens

# "anything else?", "what else helps?", "besides those?": more of what the article offers, not yet said
ANY_ELSE = r"\b(?:anything|what|whats|what's|whatever)\s+else\b"
ELSE = re.compile(rf"{ANY_ELSE}|\b(?:besides|apart from|other than)\s+"
                  r"(?:that|those|this|these|them|it)\b", re.I)
# more of the subject itself: "anything else in it?", "what else does it do?", "anything else they can do"
MORE_OF = re.compile(rf"{ANY_ELSE}(?:\s+\w+){{0,2}}?\s+(?:it|they|there)\b", re.I)
# ...and "the other two ingredients", "the rest of the ingredients": its ingredients not yet discussed
OTHER_PARTS = re.compile(r"\b(?:other|remaining)\s+(?:\w+\s+)?ingredients?\b|\brest of the ingredients\b", re.I)
# a step of the routine by its place: "what do i start with?", "2nd step", "and after that?", "the last one"
# ("then?" alone: what comes next)
STEP = re.compile(r"\b(?:(first|1st|start with|begin with|step (?:1|one))|(second|2nd|middle|step (?:2|two))"
                  r"|(third|3rd|last|final|end|step (?:3|three))"
                  r"|(next|after that|then what|^\W*(?:and )?then(?=\W*$)))\b", re.I)
AFTER_BEFORE = re.compile(r"\b(after|before)\s+", re.I)  # "what comes after the gel?"
# "...before it?", "right before that?": the product discussed ("after that" is the next step: STEP)
IT_AFTER = re.compile(r"(?:(?<=after )|(?<=before ))(?:it|it's|its)\b|(?<=before )that\b", re.I)
A_TIME = re.compile(r"\bhow long\b|\bat first\b", re.I)  # "how long does it last?": a time, no place
# "which one should i use?", "which of those two...", "how do i tell which i have": which of the things discussed
WHICH_OF = re.compile(r"\bwhich\s+(?:one|1|of|i|you|we)\b", re.I)


def routine_steps(kb: KnowledgeBase) -> list[str]:
    """The routine's steps: the topics of its products, in its order."""
    return [p.topic for p in kb.products.values() if p.aspects]


def step_asked(kb: KnowledgeBase, text: str, part: Part, conversation: Conversation) -> str | None:
    """The step a short question names by its place, once the routine or a step was discussed (or two named), or asked
    of the routine itself ("what do I start with?", "2nd step", "and after that?", "which product is last
    in the routine?"): naming no product, one place only, and not "which one... first?" (of the things
    discussed: a comparison)."""
    steps = routine_steps(kb)
    if (beside := _beside(kb, text, part, conversation)) is not None:
        return beside
    own = {kb.by_intent[i].id for i, _ in part.ranking[:2] if i in kb.by_intent}  # ("which product is last?")
    named = set(conversation.subjects) & set(steps)  # ("so gel, then something, then fluid": two steps named)
    if part.products or word_count(text) > LONG or WHICH_OF.search(text) or not (
            {*conversation.topics, *own} & {*steps, *GENERIC_TOPICS} or len(named) > 1):
        return None
    if (top := sure_topic(kb, part)) is not None and top.id not in {*steps, *GENERIC_TOPICS} or A_TIME.search(text):
        return None  # "when will i first see results?", "how long does it last?": a time, no place
    places = {i for m in STEP.finditer(text) if not _a_time(text[m.end():])
              for i, g in enumerate(m.groups()) if g} or _number_alone(kb, text)
    if len(places) != 1:
        return None
    place = places.pop()  # STEP's groups: first, second, last, next
    return next_step(kb, conversation) if place == 3 else steps[-1] if place == 2 else steps[place]


def _beside(kb: KnowledgeBase, text: str, part: Part, conversation: Conversation) -> str | None:
    """The step right after or before the one step named ("what comes after the gel?": the serum), or
    referred to as "it" (the product discussed: "the serum goes second | so what's before it?")."""
    steps = routine_steps(kb)
    named = [kb.products[p].topic for p in part.products if kb.products[p].topic in steps]
    at = kb.products[part.products[0]].pattern.search(text) if len(part.products) == 1 and named else None
    if not part.products and conversation.products and kb.products[conversation.products[-1]].topic in steps:
        at, named = IT_AFTER.search(text), [kb.products[conversation.products[-1]].topic]
    if not at:
        return None
    word = AFTER_BEFORE.search(text[:at.start()])
    between = text[word.end():at.start()].split() if word else ["?"]  # ("after the gel": nothing but "the")
    if between not in ([], ["the"]) or word_count(text) > LONG or A_TIME.search(text):
        return None
    place = steps.index(named[0]) + (1 if word and word.group(1).lower() == "after" else -1)
    return steps[place] if 0 <= place < len(steps) else None


def _a_time(after: str) -> bool:
    """A place word before a time is a time ("last summer", "first week", "next month"): WordNet's setting."""
    following = tokens(after)[:1]
    return bool(following) and wordnet.is_a(lemma(following[0]), "setting")


def _number_alone(kb: KnowledgeBase, text: str) -> set[int]:
    """A step's number said alone, with a filler word or two ("ok and 2", "3?"; not "the 3 products"): its
    place."""
    words = tokens(text, numbers=True)
    numbers = [w for w in words if w.isdigit()]
    if len(numbers) != 1 or len(words) > 3 or not 1 <= int(numbers[0]) <= len(routine_steps(kb)) or not all(
            w.isdigit() or kb.vocab.is_everyday(w) for w in words):
        return set()
    return {min(int(numbers[0]) - 1, 2)}  # (STEP's groups: first, second, last)


def next_step(kb: KnowledgeBase, conversation: Conversation) -> str | None:
    """The step after the latest one the conversation reached (answered or named), if there is one."""
    steps = routine_steps(kb)
    if conversation.topics and conversation.topics[-1] in steps:  # the step just answered ("then?" after it),
        # or the furthest one the last question named ("so gel then serum | and after that?")
        named = [p.topic for p in kb.products.values() if p.topic in steps and p.pattern.search(conversation.question)]
        at = max(steps.index(t) for t in (conversation.topics[-1], *named))
        return steps[at + 1] if at + 1 < len(steps) else None
    reached = [steps.index(t) for t in (*conversation.topics, *conversation.subjects) if t in steps]
    return steps[max(reached) + 1] if reached and max(reached) + 1 < len(steps) else None


def next_remedy(kb: KnowledgeBase, conversation: Conversation) -> str | None:
    """What "anything else?" goes on with: after a step of the routine, its next step; else the first of
    what the article offers against marks (`remedies`) not yet discussed (a step discussed is the routine)."""
    step = next_step(kb, conversation)
    if step and step not in conversation.topics:
        return step
    discussed = set(conversation.topics) | ({"routine"} if set(conversation.topics) & set(routine_steps(kb)) else set())
    return next((t for t in kb.remedies if t not in discussed), None)


def more_of(kb: KnowledgeBase, conversation: Conversation, named: tuple[str, ...] = ()) -> str | None:
    """What "anything else in it?" goes on with: of the product "it" is, its first ingredient not yet
    discussed or quoted (nor `named` now: "ok thiamidol. anything else?"), else the product itself; of a topic,
    the first topic it relates to not yet discussed."""
    if conversation.subject and conversation.products:
        owner = kb.owner(conversation.products[-1]).id
        said = {*conversation.topics, *conversation.subjects, *(kb.products[p].topic for p in named)}
        # ...nor quoted in an answer about the product itself (the serum's quotes Thiamidol's sentence)
        quoted = set(kb.topics[kb.products[owner].topic].passages) if kb.products[owner].topic in conversation.topics \
            else set()
        parts = [p.topic for p in kb.products.values() if p.within == owner and p.topic not in said
                 and not set(kb.topics[p.topic].passages) <= quoted]
        return parts[0] if parts else kb.products[owner].topic
    last = kb.topics[conversation.topics[-1]] if conversation.topics else None
    return next((t for t in last.related if t not in conversation.topics), None) if last else None


def sure(kb: KnowledgeBase, part: Part) -> bool:
    """The part's classifiers are sure enough of one of the article's topics to answer it as asked."""
    top, confidence = part.ranking[0] if part.ranking else ("", 0.0)
    return top in kb.by_intent and confidence >= OWN_TOPIC


def sure_topic(kb: KnowledgeBase, part: Part) -> Topic | None:
    """The topic the part's classifiers are sure of (`sure`), else None."""
    return kb.by_intent[part.ranking[0][0]] if sure(kb, part) else None
