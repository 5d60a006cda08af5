"""What a comparison asks (free of Rasa): the two things compared when a message names fewer than two
("what's the difference?", "do i need both?" after two subjects), and the ranking the article never
makes ("which is better?"). Used by the follow-ups (bot/knowledge/conversation.py) and the reply."""

from __future__ import annotations

import re

from bot.knowledge.analysis import ASKING, COLOUR_TOPICS, COMPARE, Analysis, compares
from bot.knowledge.base import KnowledgeBase, Topic
from bot.knowledge.parts import Part
from bot.knowledge.state import Conversation
from bot.knowledge.steps import WHICH_OF, sure, sure_topic
from bot.knowledge.thresholds import SURE

# "which is worse?", "which one's better", "which is most important?", "what's better, X or Y?": a ranking asked
WHICH_MORE = re.compile(r"\bwhich\b.*\b((?:most|least)\s+\w+|worse|worst|better|best|more|faster|harder|easier)\b"
                        r"|\b(worse|better)\b\W*$|\bwhat(?:'?s|\s+is|\s+works)\s+(better|best|worse)\b", re.I)
# "both?", "do i need both?" after "the serum or the fluid?": the two things discussed
BOTH = re.compile(r"\bboth\b(?!\s+\w+(?:\s+\w+)?\s+and\b)", re.I)  # not "both marks and scars": names its own
BETWEEN = re.compile(r"\bbetween\b.+\b(?:and|or)\b", re.I)  # "the difference between X and Y"


def asked_of_both(text: str, conversation: Conversation) -> str:
    """A question of its own that says "both" after both colours of mark were discussed, asked of the two
    ("which products help both?": "which products help red and brown marks?"); not a comparison ("what's the
    difference between both?") nor "both?" alone, which ask for the two told apart (`compared`). Else ""."""
    if not (BOTH.search(text) and {"red", "brown"} <= set(conversation.marks[-2:])) or COMPARE.search(text) \
            or ranks_text(text) or not ASKING.search(BOTH.sub("", text)):
        return ""
    return BOTH.sub("red and brown marks", text, count=1)


def ranks_text(text: str) -> bool:
    """The text asks which of two is better, worse... ("which is worse?")."""
    return bool(WHICH_MORE.search(text) or WHICH_OF.search(text))


def ranks(analysis: Analysis) -> bool:
    """The message asks which of the things discussed is better, worse, the one to use..."""
    return len(analysis.parts) == 1 and ranks_text(analysis.text)


def compared(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> tuple[str, ...]:
    """The topics to compare when a message asks for the difference, or says "both?", but names fewer than
    two things: the last two subjects of the conversation (those it names come first); after one subject
    that is itself a comparison (marks vs scars), that one."""
    if len(analysis.parts) != 1 or analysis.compare or not conversation.subjects:
        return ()
    part = analysis.parts[0]
    if BETWEEN.search(part.text):
        return ()  # names its own two things ("the difference between a mark and a scar"): a question of its own
    if compares(part.text) and (other := _other_of_its_kind(kb, part, conversation.subjects[-1])):
        return other
    if len(conversation.subjects) < 2:
        if (last := _difference_of_one(kb, analysis, conversation)) is None:
            return ()
        if COMPARE.search(last.question):
            return (last.id,)
        # "how are they different from marks?" after scars: the article's comparison of the two, in the
        # section telling them apart
        if not kb.counterpart(last.subject):
            return ()
        section = kb.passages[last.passages[0]].section_id
        return tuple(t.id for t in kb.topics.values() if COMPARE.search(t.question)
                     and kb.passages[t.passages[0]].section_id == section)[:1]
    if not (COMPARE.search(part.text) or BOTH.search(part.text) or ranks(analysis)) or \
            len(part.products) + len(part.marks) > 1:
        return ()
    top = sure_topic(kb, part)
    if not (COMPARE.search(part.text) or BOTH.search(part.text)) and top is not None and \
            top.id not in conversation.subjects:
        return ()  # "which kind is harder to fade with lightening creams?" asks about lightening
    if top is not None and COMPARE.search(top.question):
        return ()  # the classifiers are sure of a comparison the article makes itself (marks vs scars)
    # a colour named in a ranking is what the two are ranked for ("which of the two calms redness?"), not one of them
    colours = [COLOUR_TOPICS[m] for m in part.marks] if COMPARE.search(part.text) or BOTH.search(part.text) else []
    named = [kb.products[p].topic for p in part.products] + colours
    recent = [s for s in reversed(conversation.subjects) if s not in named]
    pair = tuple(dict.fromkeys(named + recent))[:2]
    if not (COMPARE.search(part.text) or ranks(analysis)) and not any(
            set(pair) <= kind for kind in (kb.product_topics, set(COLOUR_TOPICS.values()))):
        return ()  # "both" in a question is two things of one kind ("need both?" of two products), not
        # red marks and scars ("can u have both at once?": the article's own question)
    # "which one do i have if mine are pinkish?": of the two, the one the message describes (no judgement asked)
    described = [COLOUR_TOPICS[m] for m in part.marks if COLOUR_TOPICS[m] in pair]
    return tuple(described) if len(described) == 1 and WHICH_OF.search(part.text) and not (
        COMPARE.search(part.text) or ranking_asked(analysis)) else pair


def _other_of_its_kind(kb: KnowledgeBase, part: Part, subject: str) -> tuple[str, ...]:
    """The thing the part names and the last subject, when it names one thing of the subject's kind, another
    ("is that the same as pih?" after PIE: a colour after a colour, a product after a product), else ()."""
    named = [kb.products[p].topic for p in part.products] + [COLOUR_TOPICS[m] for m in part.marks]
    top = sure_topic(kb, part)  # (a question of its own: "totally different thing, will the fluid clog my pores?")
    return (named[0], subject) if len(named) == 1 and named[0] != subject and (
        top is None or top.id == named[0]) and any(
        {named[0], subject} <= kind for kind in (kb.product_topics, set(COLOUR_TOPICS.values()))) else ()


def ranking_asked(analysis: Analysis) -> str:
    """The judgement a comparison asks for ("which is worse?": "worse"), which the article never makes."""
    match = WHICH_MORE.search(analysis.parts[0].text) if len(analysis.parts) == 1 else None
    return next(g for g in match.groups() if g).lower() if match else ""


def judged_subjects(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> tuple[str, ...]:
    """The last (one or two) topics discussed, when the message asks them ranked ("which one is better?"
    after peels and laser, one topic) and asks nothing the classifiers are sure of."""
    if not (conversation.topics and ranking_asked(analysis)) or sure(kb, analysis.parts[0]):
        return ()
    return conversation.topics[-2:]


def undistinguished(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> tuple[str, ...]:
    """The one subject discussed, when the message asks how "they" differ naming nothing else and that
    subject lists two things or more, is no comparison of the article's and is told apart from nothing
    ("what's the difference?" after chemical peels, then laser: the treatments' topic): it never says."""
    if (last := _difference_of_one(kb, analysis, conversation)) is None:
        return ()
    part = analysis.parts[0]
    if part.foreign or COMPARE.search(last.question) or kb.counterpart(last.subject):
        return ()  # (marks vs scars, or scars after marks: the article's own comparison, `compared`)
    if sum(kb.passages[p].item for p in last.passages) < 2:
        return ()  # "they" are the things its passages list ("• Chemical peels", "• Laser and light therapy")
    top, confidence = part.ranking[0] if part.ranking else ("", 0.0)
    if sure(kb, part) and kb.by_intent[top].id != last.id or top not in kb.by_intent and confidence >= SURE:
        return ()  # asks about something else ("different question, can you recommend a movie")
    return (last.id,)


def _difference_of_one(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> Topic | None:
    """The one subject discussed, when a one-question message asks for a difference, or which of them,
    naming nothing (no product, colour, nor "between X and Y"): "like how do i tell which i have?" after
    marks and scars were told apart."""
    if len(analysis.parts) != 1 or analysis.compare or len(conversation.subjects) != 1:
        return None
    part = analysis.parts[0]
    if not (COMPARE.search(part.text) or ranks(analysis)) or BETWEEN.search(part.text) or part.products or part.marks:
        return None
    return kb.topics[conversation.subjects[0]]
