"""The follow-ups that lean on what a conversation has been about (free of Rasa).

The state (bot/knowledge/state.py) is kept in the tracker as the `conversation` slot (so `rasa shell`,
the stored events and the review report show it). What a follow-up leaves out is resolved from it:
- ellipsis ("and the fluid?", "what about brown ones?", "does that work for the other kind?"): the
  last question asked again of the new subject, read as a whole question;
- "what's the difference?" / "which is worse?": the last two subjects discussed, compared;
- "it" in a question with no clear topic of its own ("does it hurt?"), or asked of other marks: the
  conversation's subject in its place, read as a whole question; a follow-up is never declined as
  off topic.
What is compared is decided in bot/knowledge/compare.py, how an ellipsis is put back in
bot/knowledge/ellipsis.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.knowledge.analysis import ASKING, Analysis, analyse, compares, no_words_of_its_own
from bot.knowledge.base import KnowledgeBase, names_subject
from bot.knowledge.compare import asked_of_both, compared, ranks, undistinguished
from bot.knowledge.ellipsis import (
    IT,
    ellipsis_start,
    elliptic,
    fits,
    in_place_of,
    of_counterpart,
    put_in_place,
    substitute,
)
from bot.knowledge.examples import OUT_OF_SCOPE
from bot.knowledge.parts import CONTAINS, IT_WORD, PRONOUN, Part, asking_sentence, suits_someone, unanswered
from bot.knowledge.reference import outside
from bot.knowledge.state import GENERIC_TOPICS, Conversation, asks
from bot.knowledge.steps import (
    ELSE,
    MORE_OF,
    OTHER_PARTS,
    more_of,
    next_remedy,
    routine_steps,
    step_asked,
    sure,
    sure_topic,
    word_count,
)
from bot.knowledge.thresholds import ELSEWHERE, HEALTH_SAID, LONG, PERSONAL_GUESS, SHORT, TOPIC_SAID
from bot.knowledge.vocab import WH_WORD

# "does it work for red ones too?", "same for brown?"; not "is he too young?" (a degree, before its word)
TOO = re.compile(r"\b(?:too|as well)\b(?!\s+\w)|\bsame\b", re.I)
MEANT = re.compile(r"\bi (?:meant|mean)\b", re.I)  # a correction: "wait no i meant the serum, sorry"
# "that" as the subject of a verb ("does that help?", "will that work on red ones?"): the thing discussed
THAT_DOES = re.compile(r"\b(?:does|did|do|will|would|can|could|should|might|may)\s+(that)\s+(?!mean\b)\w", re.I)
OTHER = re.compile(r"\b(?:other|another)\s+(?:kind|type|one|ones|colou?r|sort)\b|\bthe other\b", re.I)
# "why?", "ok but why last?": the reason for what was just said, which its passages give
WHY = re.compile(r"^\W*(?:\w+\W+)?(?:why|how come)\b", re.I)
# "are you sure?", "in plain english pls", "tl;dr?": what was just said, asked again (the article's words are the
# only ones the bot has)
AGAIN = re.compile(r"^\W*(?:\w+\W+)?(?:are you sure|really|tl\W?dr|in plain english|simpler|what do you mean)\b",
                   re.I)
# "like what?", "such as?", "for example?": the specifics of what was just said, the topic offered next
MORE = re.compile(r"^\W*(?:like what|such as( what)?|for (?:example|instance)|e\.?g|examples?|what kinds?)\W*$", re.I)
# a question whether something suits the visitor ("is the serum ok for me?", "is he old enough for it?")
SINGULAR_IT = re.compile(r"\bit\b", re.I)  # ("when do i use it, before or after the other stuff?": it, not the other)
ME = re.compile(r"\bme\b", re.I)  # a question about the visitor ("for people like me", "is it for me")
# whether something suits them, or they (or the child they told of) may do it ("can i use the serum?" after
# "i'm pregnant", "can he use it?" after "my son is 14")
SUITS = re.compile(r"\b(?:ok|okay|safe|suitable|fine|alright|old enough|too young"
                   r"|(?:can|could|may|should) (?:i|he|she))\b", re.I)
OTHER_COLOUR = {"red": "brown", "brown": "red"}
# a pronoun as what something holds: the object of "have" or "contain", or in a thing ("does the gel have it?",
# "is it in the gel?")
THIS = re.compile(r"\b(?:that|this)\b(?=\W*(?:$|in|also|too|as well)\b)", re.I)  # a pronoun, not "that serum"
HELD = rf"(?:{IT_WORD}|that|this)"  # ("is that in the gel too?" after an ingredient)
HOLDS_IT = re.compile(rf"{CONTAINS.pattern}(?:\W+\w+)?\W+{HELD}\b|\b{HELD}\W+(?:\w+\W+)?in\b", re.I)
# "what's thiamidol", "what do acne marks look like?" (after scars): a question that asks, no ellipsis
WH_START = re.compile(rf"\W*{WH_WORD}", re.I)
# "they" and "them" agree in number with marks named without a colour ("do marks stay forever? | how long do
# they last?"), not with a thing or a process ("how do i get rid of marks? | does it hurt?")
PLURAL = re.compile(r"they|them", re.I)  # (of IT_WORD)
MARKS = re.compile(r"\b(?:marks|spots)\b", re.I)


def leans_on(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> bool:
    """The message refers to what was discussed and something was: by a pronoun ("how much is it?"), by
    asking for the difference of the last two subjects ("do i need both?"), by asking, best guess
    first, about a topic discussed ("sorry, what's the last step again?" after the routine), or by
    asking what the classifiers take for one of the article's topics and naming nothing foreign to
    them ("so what should i do, like step by step?" after brown marks), or asking with no words of its
    own right after advice, or describing the marks further ("like pinky purple-ish" after red marks; "some
    are brown" after marks, naming nothing else), or
    as an ellipsis naming a thing the article doesn't cover whose nearest guidance was just given ("what
    about lemon?" after home remedies)."""
    if not conversation.topics:
        return False
    return any(p.refers_back or _on_topic(kb, p, conversation) or _guessed(kb, p) and not p.foreign
               or _asks_for_advice(kb, p, conversation) or p.marks and (conversation.marks or not p.foreign)
               for p in analysis.parts) or bool(
        compared(kb, analysis, conversation) or ranks(analysis) or undistinguished(kb, analysis, conversation)
        or analysis.gap and analysis.gap.nearest in conversation.topics and ellipsis_start(analysis.text))


def _asks_for_advice(kb: KnowledgeBase, part: Part, conversation: Conversation) -> bool:
    """A question with no words of its own right after advice ("so what should i do?" after the
    dermatologist's): it asks for that advice (respond.py answers it so)."""
    return part.asks and no_words_of_its_own(kb, part) and conversation.topics[-1] in kb.remedies \
        and not _elsewhere(part)  # ("what should i eat?")


def _elsewhere(part: Part) -> bool:
    """The classifiers find the part more likely than not out of scope ("how do i get brake fluid off my
    car?", "can you help me with my taxes"): no follow-up."""
    return bool(part.ranking) and part.ranking[0][0] in OUT_OF_SCOPE and part.ranking[0][1] >= ELSEWHERE


def _guessed(kb: KnowledgeBase, part: Part) -> bool:
    """The classifiers' first guess for the part is one of the article's topics (however unsure)."""
    return bool(part.ranking) and part.ranking[0][0] in kb.by_intent


def _on_topic(kb: KnowledgeBase, part: Part, conversation: Conversation) -> bool:
    """The classifiers' first or second guess for the part is a topic of the conversation (unless they
    find it more likely than not out of scope), or it names a product after products or the routine were discussed
    ("sorry, what comes after the cleanser again?")."""
    if _elsewhere(part):
        return False
    if any(i in kb.by_intent and kb.by_intent[i].id in conversation.topics for i, _ in part.ranking[:2]):
        return True
    return bool(part.products) and bool(conversation.products or set(conversation.topics) & set(GENERIC_TOPICS))


def resolved(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> Analysis | None:
    """An ellipsis asked again in full: the last question with its subject replaced by the one named now
    ("and the fluid?" after "how long does the serum take?"), or by the other colour ("and the other
    kind?" after red marks). None when the message is a question of its own."""
    if len(analysis.parts) != 1:
        return None
    part = analysis.parts[0]
    text = analysis.text.strip()
    if not conversation.question:  # a place asked of the routine in the same breath ("which product is last?")
        step = step_asked(kb, text, part, conversation)
        return _topic_asked(kb, step) if step else None
    if MORE.match(text) and conversation.topics:  # as if its button was pressed
        last = kb.topics[conversation.topics[-1]]
        more = next((t for t in last.related if t not in conversation.topics), None)
        return _topic_asked(kb, more) if more else None
    if conversation.about and SUITS.search(text) and (personal := _personal(kb, analysis, conversation)):
        return personal
    if conversation.about and ME.search(text) and not (
            part.products or sure(kb, part) or ranks(analysis) or _elsewhere(part)) and (
            mine := _as_told(kb, analysis, conversation)):  # ("which one is better for me?": of those discussed)
        return mine
    if (step := step_asked(kb, text, part, conversation)) is not None:
        return _topic_asked(kb, step)
    # the product discussed, named again or not ("the serum. the other two ingredients?" after Thiamidol);
    # an ingredient named is the one asked about ("and the other ingredient, the licochalcone thing?")
    same = not part.products or bool(conversation.products) and all(
        kb.products[p] is kb.owner(conversation.products[-1]) for p in part.products)
    # ...and "anything else?" right after naming one of its ingredients ("ok thiamidol. anything else?")
    its_own = bool(part.products) and bool(conversation.products) and all(
        kb.products[p].within and kb.owner(p) is kb.owner(conversation.products[-1]) for p in part.products)
    if (MORE_OF.search(text) and not (part.products or part.marks) or OTHER_PARTS.search(text) and same
            or ELSE.search(text) and its_own) and (more := more_of(kb, conversation, part.products)):
        return _topic_asked(kb, more)
    if ELSE.search(text) and not (part.products or part.marks) and (
            (top := sure_topic(kb, part)) is None or top.id in kb.remedies):
        more = next_remedy(kb, conversation)
        return _topic_asked(kb, more) if more else None
    says_other = bool(OTHER.search(text))
    if says_other and conversation.marks and conversation.topics and all(
            p.startswith("marks-vs-scars.") for p in kb.topics[conversation.topics[-1]].passages):
        # "the other kind" right after marks were told apart from scars, by someone whose marks are
        # known: scars ("my brother has the other kind, the raised ones")
        return analyse(kb, OTHER.sub("acne scars", text, count=1))
    if says_other and word_count(text) <= LONG and not (part.products or part.marks or SINGULAR_IT.search(text)) \
            and not any(pattern.search(conversation.question) for pattern, _ in kb.contexts.values()) \
            and (alternative := _other_thing(kb, conversation)):  # (the last question named no colour)
        return _topic_asked(kb, alternative)  # "the serum or the gel?" then "the other one?": the gel
    other = says_other and conversation.marks
    start = ellipsis_start(text)
    rest = start.string[start.end():] if start else text  # ("ok and what about for the red kind": 4 words)
    short = word_count(rest) <= SHORT or TOO.search(text) and word_count(text) <= LONG
    of_topic = kb.subject_topic(conversation.subject) is not None  # "it" is a topic's subject, no product's
    pair = kb.counterpart(conversation.subject)  # ...told apart from marks: a kind of mark (scars)
    if short and not (part.products or part.marks or WH_START.match(text) and not elliptic(text)) and (
            again := of_counterpart(text, conversation, pair, says_other)):
        return analyse(kb, again)  # "and marks?", "the other one?" after a question about scars: of marks
    # "it" standing for something discussed, not in the message (after a product, even an "it" that may stand for
    # nothing: "how long does it take for the marks to fade?")
    product_discussed = any(p.pattern.search(conversation.subject) for p in kb.products.values())
    it = next(iter(outside(kb, text, IT, expletives=not product_discussed)), None)
    why = bool(WHY.match(text) or AGAIN.match(text)) and word_count(text) <= SHORT and not (
        part.products or part.marks or sure(kb, part))
    if both := asked_of_both(text, conversation):  # "which products help both?" after red and brown marks
        return analyse(kb, both)
    if not it and (held := _ingredient_held(kb, part, conversation)) and (this := THIS.search(text)):
        return analyse(kb, put_in_place(text, this, held))  # "is that in the gel too?" after licochalcone
    if other and ASKING.search(rest):  # "and what causes the other one?": its own question
        return analyse(kb, OTHER.sub(f"{OTHER_COLOUR[conversation.marks[-1]]} marks", text, count=1))
    if other:
        new_marks: tuple[str, ...] = (OTHER_COLOUR[conversation.marks[-1]],)
    elif (part.products or part.marks) and not (analysis.compare or compares(text)) and fits(
            kb, part, conversation) and (
            word_count(rest) <= SHORT and (elliptic(text) or not asks(text) or word_count(text) <= 2
                                           and not WH_START.match(text))
            or word_count(asking_sentence(text)) <= LONG and (TOO.search(text)
                                                              or MEANT.search(text))
            and not IT.search(text) and not _claims_own(kb, text, part.products)):
        new_marks = part.marks  # ("does that go for the serum too?": "that" is the last question)
    elif why:
        new_marks = ()  # "why tho?": the last question, answered again with its reasons
    elif conversation.subject and not part.products and (that := THAT_DOES.search(text)):
        # "why does that help with dark marks?" after Thiamidol: "that" does something, so it is a thing
        return analyse(kb, text[:that.start(1)] + conversation.subject + text[that.end(1):])
    elif not (conversation.subject or part.products or part.marks) and THAT_DOES.search(text) and len(
            (joined := analyse(kb, f"{conversation.question.rstrip(' ?.!')} {text}")).parts) == 1:
        # "how long does that take?" after "do marks go away on their own?": with no thing discussed, "that" is
        # what was asked; the two are read as one question
        return joined
    elif it and part.products and kb.gap(conversation.subject) and not product_discussed:
        # "can i use it with the serum?" after retinol: "it" is no product named beside it, it is retinol
        return analyse(kb, put_in_place(text, it, conversation.subject))
    elif it and (held := _ingredient_held(kb, part, conversation)):
        # "does the cleansing gel have it too?" after salicylic acid: the ingredient in the pronoun's place
        return analyse(kb, put_in_place(text, it, held))
    elif (subject := conversation.subject or _marks_meant(kb, it, conversation)) and it and not part.products and (
            not (part.marks or sure(kb, part) or unanswered(kb, part.ranking) or of_topic)
            or part.marks and TOO.search(text) or not part.marks and sure(kb, part) and pair):
        # "it" in a question with no clear topic of its own ("does it hurt?"), or asked of other marks
        # ("does it work on red marks too?"): the subject in the pronoun's place. A property the article
        # never gives ("does it have spf?") is clear enough: named, the product would pull it to its topic.
        # A kind of mark the article tells marks apart from (scars) is no product to pull a clear topic to
        # it: named in its place ("why do they happen?"); with no clear topic, the topic stays (plan.planned)
        return analyse(kb, put_in_place(text, it, in_place_of(it.group(0), subject)))
    else:
        return None
    aspect = bool(conversation.asked in kb.by_intent and kb.by_intent[conversation.asked].aspect)
    question = conversation.question if why else substitute(kb, conversation.question, part.products, new_marks, text,
                                                              aspect)
    if not question or question == conversation.question and not why:
        return None
    # asked again as it was understood the first time ("how much is the serum" -> "and the fluid?": price)
    return _as_asked(analyse(kb, question), conversation.asked)


def _marks_meant(kb: KnowledgeBase, it: re.Match[str] | None, conversation: Conversation) -> str:
    """"marks" for a plural pronoun after a question about marks alone (no colour, no other subject: not "are
    marks and scars the same?"), else nothing."""
    if not (it and PLURAL.fullmatch(it.group(0)) and MARKS.search(conversation.question)):
        return ""
    return "" if any(names_subject(conversation.question, t.subject) for t in kb.topics.values() if t.subject) \
        else "marks"


def _personal(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> Analysis | None:
    """"Is it ok for me?" asked by someone who said what the article doesn't settle for them ("I'm
    pregnant", "my son is 12"): the question read with what they said, when that reading's first guess
    is such a health question (one the article answers with the dermatologist's advice)."""
    def health(part: Part) -> bool:
        intent, confidence = part.ranking[0]
        gap = kb.unanswered.get(intent)
        return gap is not None and suits_someone(gap) and confidence >= PERSONAL_GUESS

    # only what they said that may be such a health question ("my son is 12", "i'm pregnant"), not what
    # clearly means one of the article's topics ("i have oily skin"), is read with the question (each a
    # run of the model; what they said was read alone when they said it)
    return _as_they_said(kb, analysis, [s for s in conversation.about if _for_a_doctor(kb, s)], health)


def _for_a_doctor(kb: KnowledgeBase, said: str) -> bool:
    """What the visitor said of themselves means, in part, a question the article leaves to a doctor (their
    age, a pregnancy), and no topic of the article's clearly."""
    meaning = kb.meaning([said])[0]
    (intent, confidence), *_ = meaning or [("", 0.0)]
    if intent in kb.by_intent and confidence >= TOPIC_SAID:
        return False
    gaps = kb.unanswered
    return sum(c for i, c in meaning if i in gaps and suits_someone(gaps[i])) >= HEALTH_SAID


def _as_told(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> Analysis | None:
    """A question about the visitor with no clear topic of its own ("is that common for people like me?"),
    read with what they said of themselves ("i have darker skin"): the topic that reading is sure of. Only
    what means one of the article's topics best ("ugh im so tired today" doesn't) can lend the question one."""
    said = [s for s in conversation.about if _lends_a_topic(kb, s)]
    return _as_they_said(kb, analysis, said, lambda part: sure(kb, part) and not part.foreign)


def _lends_a_topic(kb: KnowledgeBase, said: str) -> bool:
    """What the visitor said of themselves means one of the article's topics best ("i have darker skin")."""
    (intent, _), *_ = kb.meaning([said])[0] or [("", 0.0)]
    return intent in kb.by_intent


def _as_they_said(kb: KnowledgeBase, analysis: Analysis, about: Sequence[str],
                  accepted: Callable[[Part], bool]) -> Analysis | None:
    """The question read with each thing the visitor said of themselves (`about`, latest last), latest
    first (each alone: together they blur); the first reading `accepted` is how it is understood (the
    question as read: no second reading of it)."""
    for said in reversed(about):
        again = analyse(kb, f"{analysis.text.strip()} {said}")
        if len(again.parts) == 1 and again.parts[0].ranking and accepted(again.parts[0]):
            return _as_asked(analysis, again.parts[0].ranking[0][0])
    return None


def _other_thing(kb: KnowledgeBase, conversation: Conversation) -> str | None:
    """The product named most recently that is not the one answered last (nor what holds it): "the other
    one" of two things discussed."""
    answered = {p.id for p in kb.products.values() if p.topic in conversation.topics[-1:]}
    owners = {kb.owner(p).id for p in answered} | answered
    named = [p for t in reversed(conversation.subjects) for p in kb.products.values() if p.topic == t]
    other = next((p.topic for p in named if p.id not in owners and kb.owner(p.id).id not in owners), None)
    # one step of the routine discussed ("what about the other two?" after the gel): the routine's others
    steps = routine_steps(kb)
    return other or ("routine" if conversation.topics[-1:] and conversation.topics[-1] in steps else None)


def _topic_asked(kb: KnowledgeBase, topic: str) -> Analysis:
    """A topic's own question, as if its button was pressed."""
    return _as_asked(analyse(kb, kb.topics[topic].question), kb.topics[topic].intent)


def _as_asked(again: Analysis, intent: str) -> Analysis:
    """A question read again, understood as `intent` (a one-part question about skin)."""
    if not (intent and len(again.parts) == 1):
        return again
    first = again.parts[0]
    ranking = ((intent, 1.0), *(r for r in first.ranking if r[0] != intent))
    return replace(again, about_skin=True, parts=(replace(first, ranking=ranking),))


def _ingredient_held(kb: KnowledgeBase, part: Part, conversation: Conversation) -> str:
    """The ingredient discussed last, when the question names a product (and no ingredient) and asks whether
    it holds the pronoun's thing: what "it" means in "does the gel have it too?", "is it in the gel?" (not in
    "do i let it dry first?" after naming the serum, whose "it" is the serum, nor in "in the test did they use
    the serum?", whose "they" hold nothing)."""
    last = kb.products[conversation.products[-1]] if conversation.products else None
    named = [kb.products[p] for p in part.products]
    held = last and last.within and named and not any(p.within for p in named) and HOLDS_IT.search(part.text)
    return last.name if last and held else ""


def _claims_own(kb: KnowledgeBase, text: str, products: tuple[str, ...]) -> bool:
    """The question names a property of its own, one the article claims of another product ("is the
    serum non comedogenic too?"): a question of its own, not the last one asked again."""
    return any(kb.claimed_of_others(text, p) for p in products)


def has_pronoun(part: Part) -> bool:
    """The question says "it", "that", "them"... (whether or not it also names something)."""
    return bool(PRONOUN.search(part.text))
