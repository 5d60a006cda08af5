"""The follow-ups that lean on what a conversation has been about (free of Rasa).

The state (bot/knowledge/state.py) is kept in the tracker as the `conversation` slot (so `rasa shell`,
the stored events and the review report show it). What a follow-up leaves out is resolved from it:
- ellipsis ("and the fluid?", "what about brown ones?", "does that work for the other kind?"): the
  last question asked again of the new subject, read as a whole question;
- "what's the difference?" / "which is worse?": the last two subjects discussed, compared;
- "it" in a question with no clear topic of its own ("does it hurt?"), or asked of other marks: the
  conversation's subject in its place, read as a whole question; a follow-up is never declined as
  off topic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from bot.knowledge import safety
from bot.knowledge.analysis import (
    COLOUR_TOPICS,
    COMPARE,
    IT_WORD,
    LEADING_FILLER,
    PRONOUN,
    Analysis,
    Part,
    analyse,
    asking_sentence,
    suits_someone,
    unanswered,
)
from bot.knowledge.base import KnowledgeBase, names_subject
from bot.knowledge.examples import OUT_OF_SCOPE
from bot.knowledge.search import lemma, lemmas
from bot.knowledge.state import GENERIC_TOPICS, Conversation, asks
from bot.knowledge.steps import (
    ELSE,
    MORE_OF,
    OTHER_PARTS,
    WHICH_OF,
    more_of,
    next_remedy,
    routine_steps,
    step_asked,
    sure,
    word_count,
)
from bot.knowledge.thresholds import ACKNOWLEDGED, ELSEWHERE, LONG, PERSONAL_GUESS, SHORT
from bot.knowledge.vocab import QUESTION_WORD

# how an ellipsis starts: "and the fluid?", "what about brown ones", "how about for red", "same for..."
ELLIPSIS = re.compile(r"^(?:(?:and|or|but) )?(?:what about|how about|what of|same (?:for|with)|for|with)\b"
                      r"|^(?:and|or|but|also|now)\b", re.I)  # (the longest start first)
TOO = re.compile(r"\b(?:too|as well|same)\b", re.I)  # "does it work for red ones too?", "same for brown?"
MEANT = re.compile(r"\bi (?:meant|mean)\b", re.I)  # a correction: "wait no i meant the serum, sorry"
IT = re.compile(rf"\b{IT_WORD}\b", re.I)
# "that" as the subject of a verb ("does that help?", "will that work on red ones?"): the thing discussed
THAT_DOES = re.compile(r"\b(?:does|did|do|will|would|can|could|should|might|may)\s+(that)\s+(?!mean\b)\w", re.I)
OTHER = re.compile(r"\b(?:other|another)\s+(?:kind|type|one|ones|colou?r|sort)\b|\bthe other\b", re.I)
WHICH_MORE = re.compile(r"\bwhich\b.*\b(worse|better|more|faster|harder|easier)\b|\b(worse|better)\b\W*$", re.I)
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
# whether something suits them, or they may do it ("can i use the serum?" after "i'm pregnant")
SUITS = re.compile(r"\b(?:ok|okay|safe|suitable|fine|alright|old enough|too young|(?:can|could|may|should) i)\b", re.I)
# "both?", "do i need both?" after "the serum or the fluid?": the two things discussed
BOTH = re.compile(r"\bboth\b(?!\s+\w+(?:\s+\w+)?\s+and\b)", re.I)  # not "both marks and scars": names its own
OTHER_COLOUR = {"red": "brown", "brown": "red"}
ASKING = re.compile(rf"\b{QUESTION_WORD}", re.I)
BETWEEN = re.compile(r"\bbetween\b.+\b(?:and|or)\b", re.I)  # "the difference between X and Y"


def leans_on(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> bool:
    """The message refers to what was discussed and something was: by a pronoun ("how much is it?"), by
    asking for the difference of the last two subjects ("do i need both?"), by asking, best guess
    first, about a topic discussed ("sorry, what's the last step again?" after the routine), or by
    asking what the classifiers take for one of the article's topics and naming nothing foreign to
    them ("so what should i do, like step by step?" after brown marks), or asking with no words of its
    own right after advice, or describing the marks further ("like pinky purple-ish" after red marks)."""
    if not conversation.topics:
        return False
    return any(p.refers_back or _on_topic(kb, p, conversation) or _guessed(kb, p) and not p.foreign
               or _asks_for_advice(kb, p, conversation) or p.marks and conversation.marks
               for p in analysis.parts) or bool(
        compared(kb, analysis, conversation) or ranks(analysis))


def _asks_for_advice(kb: KnowledgeBase, part: Part, conversation: Conversation) -> bool:
    """A question with no words of its own right after advice ("so what should i do?" after the
    dermatologist's): it asks for that advice (respond.py answers it so)."""
    top, confidence = part.ranking[0] if part.ranking else ("", 0.0)
    elsewhere = top in OUT_OF_SCOPE and confidence >= ELSEWHERE  # ("what should i eat?")
    return part.asks and no_words_of_its_own(kb, part) and conversation.topics[-1] in kb.remedies and not elsewhere


def no_words_of_its_own(kb: KnowledgeBase, part: Part) -> bool:
    """The part names nothing: its words are everyday English ("ok so what should i do now?")."""
    return not (part.marks or part.products) and all(kb.vocab.is_everyday(w) for w in part.words)


def acknowledges(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> bool:
    """A reaction to the last answer that asks nothing ("ok cool", "i know i know", "fair enough"): short,
    everyday words only, no question mark or question word, no symptom in its meaning, and its meaning no
    topic of the article's."""
    if len(analysis.parts) != 1 or analysis.gap or not conversation.topics or "?" in analysis.text:
        return False
    part = analysis.parts[0]
    if part.asks or word_count(part.text) > SHORT or not no_words_of_its_own(kb, part) or ASKING.search(part.text) \
            or COMPARE.search(part.text):  # ("difference": a question in one word)
        return False
    meaning = kb.meaning([part.text])[0]
    return safety.symptom_vote(meaning) < ACKNOWLEDGED and not (meaning and meaning[0][0] in kb.by_intent)


def _guessed(kb: KnowledgeBase, part: Part) -> bool:
    """The classifiers' first guess for the part is one of the article's topics (however unsure)."""
    return bool(part.ranking) and part.ranking[0][0] in kb.by_intent


def ranks(analysis: Analysis) -> bool:
    """The message asks which of the things discussed is better, worse, the one to use..."""
    return len(analysis.parts) == 1 and bool(WHICH_MORE.search(analysis.text) or WHICH_OF.search(analysis.text))


def _on_topic(kb: KnowledgeBase, part: Part, conversation: Conversation) -> bool:
    """The classifiers' first or second guess for the part is a topic of the conversation (unless they
    find it more likely than not out of scope), or it names a product after products or the routine were discussed
    ("sorry, what comes after the cleanser again?")."""
    if part.ranking and part.ranking[0][0] in OUT_OF_SCOPE and part.ranking[0][1] >= ELSEWHERE:
        return False  # more likely than not about something else ("how do i get brake fluid off my car?")
    if any(i in kb.by_intent and kb.by_intent[i].id in conversation.topics for i, _ in part.ranking[:2]):
        return True
    return bool(part.products) and bool(conversation.products or set(conversation.topics) & set(GENERIC_TOPICS))


def compared(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> tuple[str, ...]:
    """The topics to compare when a message asks for the difference, or says "both?", but names fewer than
    two things: the last two subjects of the conversation (those it names come first); after one subject
    that is itself a comparison (marks vs scars), that one."""
    if len(analysis.parts) != 1 or analysis.compare or not conversation.subjects:
        return ()
    part = analysis.parts[0]
    if BETWEEN.search(part.text):
        return ()  # names its own two things ("the difference between a mark and a scar"): a question of its own
    if len(conversation.subjects) < 2:
        last = kb.topics[conversation.subjects[-1]]
        if not COMPARE.search(part.text) or part.products or part.marks:
            return ()
        if COMPARE.search(last.question):
            return (last.id,)
        # "how are they different from marks?" after scars: the article's comparison of the two, in the
        # section telling them apart
        section = kb.passages[last.passages[0]].section_id
        return tuple(t.id for t in kb.topics.values() if kb.counterpart(last.subject) and COMPARE.search(t.question)
                     and kb.passages[t.passages[0]].section_id == section)[:1]
    if not (COMPARE.search(part.text) or BOTH.search(part.text) or ranks(analysis)) or \
            len(part.products) + len(part.marks) > 1:
        return ()
    if not (COMPARE.search(part.text) or BOTH.search(part.text)) and sure(kb, part) and \
            kb.by_intent[part.ranking[0][0]].id not in conversation.subjects:
        return ()  # "which kind is harder to fade with lightening creams?" asks about lightening
    if sure(kb, part) and COMPARE.search(kb.by_intent[part.ranking[0][0]].question):
        return ()  # the classifiers are sure of a comparison the article makes itself (marks vs scars)
    named = [kb.products[p].topic for p in part.products] + [COLOUR_TOPICS[m] for m in part.marks]
    recent = [s for s in reversed(conversation.subjects) if s not in named]
    pair = tuple(dict.fromkeys(named + recent))[:2]
    if not (COMPARE.search(part.text) or ranks(analysis)) and not any(
            set(pair) <= kind for kind in (_product_topics(kb), set(COLOUR_TOPICS.values()))):
        return ()  # "both" in a question is two things of one kind ("need both?" of two products), not
        # red marks and scars ("can u have both at once?": the article's own question)
    return pair


def _product_topics(kb: KnowledgeBase) -> set[str]:
    """The topics describing the article's products and procedures."""
    return {p.topic for p in kb.products.values()}


def ranking_asked(analysis: Analysis) -> str:
    """The judgement a comparison asks for ("which is worse?": "worse"), which the article never makes."""
    match = WHICH_MORE.search(analysis.parts[0].text) if len(analysis.parts) == 1 else None
    return (match.group(1) or match.group(2)).lower() if match else ""


def judged_subjects(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> tuple[str, ...]:
    """The last (one or two) topics discussed, when the message asks them ranked ("which one is better?"
    after peels and laser, one topic) and asks nothing the classifiers are sure of."""
    if not (conversation.topics and ranking_asked(analysis)) or sure(kb, analysis.parts[0]):
        return ()
    return conversation.topics[-2:]


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
    if conversation.about and ME.search(text) and not (part.products or sure(kb, part) or ranks(analysis)) and (
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
            not sure(kb, part) or kb.by_intent[part.ranking[0][0]].id in kb.remedies):
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
    start = _start(text)
    rest = start.string[start.end():] if start else text  # ("ok and what about for the red kind": 4 words)
    short = word_count(rest) <= SHORT or TOO.search(text) and word_count(text) <= LONG
    of_topic = _topics_subject(kb, conversation)  # "it" is a topic's subject, named by no product (scars)
    kind_of_mark = of_topic and bool(kb.counterpart(conversation.subject))  # (told apart from marks: scars)
    if short and not (part.products or part.marks) and (again := _of_counterpart(kb, text, conversation, says_other)):
        return analyse(kb, again)  # "and marks?", "the other one?" after a question about scars: of marks
    why = bool(WHY.match(text) or AGAIN.match(text)) and word_count(text) <= SHORT and not (
        part.products or part.marks or sure(kb, part))
    if other and ASKING.search(rest):  # "and what causes the other one?": its own question
        return analyse(kb, OTHER.sub(f"{OTHER_COLOUR[conversation.marks[-1]]} marks", text, count=1))
    if other:
        new_marks: tuple[str, ...] = (OTHER_COLOUR[conversation.marks[-1]],)
    elif (part.products or part.marks) and (
            word_count(rest) <= SHORT and (_elliptic(text) or not asks(text) or word_count(text) <= 2)
            or word_count(asking_sentence(text)) <= LONG and (TOO.search(text) or MEANT.search(text))
            and not IT.search(text) and not _claims_own(kb, text, part.products)):
        new_marks = part.marks  # ("does that go for the serum too?": "that" is the last question)
    elif why:
        new_marks = ()  # "why tho?": the last question, answered again with its reasons
    elif conversation.subject and not part.products and (that := THAT_DOES.search(text)):
        # "why does that help with dark marks?" after Thiamidol: "that" does something, so it is a thing
        return analyse(kb, text[:that.start(1)] + conversation.subject + text[that.end(1):])
    elif IT.search(text) and part.products and kb.gap(conversation.subject) and not any(
            p.pattern.search(conversation.subject) for p in kb.products.values()):
        # "can i use it with the serum?" after retinol: "it" is no product named beside it, it is retinol
        return analyse(kb, IT.sub(conversation.subject, text, count=1))
    elif IT.search(text) and (held := _ingredient_held(kb, part, conversation)):
        # "does the cleansing gel have it too?" after salicylic acid: the ingredient in the pronoun's place
        return analyse(kb, IT.sub(held, text, count=1))
    elif conversation.subject and IT.search(text) and not part.products and (
            not (part.marks or sure(kb, part) or unanswered(kb, part.ranking) or of_topic)
            or part.marks and TOO.search(text) or not part.marks and sure(kb, part) and kind_of_mark):
        # "it" in a question with no clear topic of its own ("does it hurt?"), or asked of other marks
        # ("does it work on red marks too?"): the subject in the pronoun's place. A property the article
        # never gives ("does it have spf?") is clear enough: named, the product would pull it to its topic.
        # A kind of mark the article tells marks apart from (scars) is no product to pull a clear topic to
        # it: named in its place ("why do they happen?"); with no clear topic, the topic stays (plan.planned)
        return analyse(kb, IT.sub(lambda m: _in_place_of(m.group(0), conversation.subject), text, count=1))
    else:
        return None
    aspect = bool(conversation.asked in kb.by_intent and kb.by_intent[conversation.asked].aspect)
    question = conversation.question if why else _substitute(kb, conversation.question, part.products, new_marks, text,
                                                              aspect)
    if not question or question == conversation.question and not why:
        return None
    # asked again as it was understood the first time ("how much is the serum" -> "and the fluid?": price)
    return _as_asked(analyse(kb, question), conversation.asked)


def _personal(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> Analysis | None:
    """"Is it ok for me?" asked by someone who said what the article doesn't settle for them ("I'm
    pregnant", "my son is 12"): the question read with what they said, when that reading's first guess
    is such a health question (one the article answers with the dermatologist's advice)."""
    def health(part: Part) -> bool:
        intent, confidence = part.ranking[0]
        gap = kb.unanswered.get(intent)
        return gap is not None and suits_someone(gap) and confidence >= PERSONAL_GUESS

    return _as_they_said(kb, analysis, conversation, health)


def _as_told(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation) -> Analysis | None:
    """A question about the visitor with no clear topic of its own ("is that common for people like me?"),
    read with what they said of themselves ("i have darker skin"): the topic that reading is sure of."""
    return _as_they_said(kb, analysis, conversation, lambda part: sure(kb, part) and not part.foreign)


def _as_they_said(kb: KnowledgeBase, analysis: Analysis, conversation: Conversation,
                  accepted: Callable[[Part], bool]) -> Analysis | None:
    """The question read with each thing the visitor said of themselves, latest first (each alone:
    together they blur); the first reading `accepted` is how it is understood (the question as read: no
    second reading of it)."""
    for said in reversed(conversation.about):
        again = analyse(kb, f"{analysis.text.strip()} {said}")
        if len(again.parts) == 1 and again.parts[0].ranking and accepted(again.parts[0]):
            return _as_asked(analysis, again.parts[0].ranking[0][0])
    return None


def _of_counterpart(kb: KnowledgeBase, text: str, conversation: Conversation, says_other: bool) -> str:
    """The last question asked again of what the article tells its subject apart from, when the message
    says "the other" or names that alone ("and marks?" after "what do acne scars look like?"), neither
    referring back to the subject nor comparing."""
    pair = kb.counterpart(conversation.subject)
    if not pair or names_subject(text, conversation.subject) or IT.search(text) or COMPARE.search(text) or not (
            says_other or lemma(pair.split()[-1]) in lemmas(text)):
        return ""  # (not "how are they different from marks?": the two compared)
    return _swapped(conversation.question, conversation.subject, pair)


def _swapped(question: str, subject: str, other: str) -> str:
    """The question with the subject's last word (any form: "scar", "scarring") as the other's ("marks")."""
    head, new = subject.split()[-1], other.split()[-1]
    swapped = re.sub(rf"\b{re.escape(head.rstrip('s'))}\w*", new, question, flags=re.I)
    return swapped if swapped != question else ""


def _topics_subject(kb: KnowledgeBase, conversation: Conversation) -> bool:
    """"It" stands for what a topic is about, named by no product ("acne scars")."""
    return any(conversation.subject and t.subject == conversation.subject for t in kb.topics.values())


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
    """The ingredient discussed last, when the question names a product (and no ingredient): what "it"
    means in "does the gel have it too?"."""
    last = kb.products[conversation.products[-1]] if conversation.products else None
    named = [kb.products[p] for p in part.products]
    return last.name if last and last.within and named and not any(p.within for p in named) else ""


def _in_place_of(pronoun: str, subject: str) -> str:
    """The subject's words where the pronoun was ("its" -> "the serum's", "it's" -> "the serum is")."""
    low = pronoun.lower().replace("’", "'")
    return f"{subject}'s" if low == "its" else f"{subject} is" if low == "it's" else subject


def _substitute(kb: KnowledgeBase, question: str, products: tuple[str, ...], marks: tuple[str, ...],
                said: str, aspect: bool = False) -> str:
    """`question` about the new products / colours (named as `said` names them): the subject it named
    replaced, else the new one added (a product only to a question of an aspect of products: "how long
    until results? | for the fluid?")."""
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
        elif aspect:  # ...and a product a question of its aspects ("how long until results?")
            out = f"{out.rstrip(' ?')} for the {name}?"
        else:  # a product where the question named none ("what causes brown marks" -> "what about peels")
            return ""  # is a question of its own
    return out


def _claims_own(kb: KnowledgeBase, text: str, products: tuple[str, ...]) -> bool:
    """The question names a property of its own, one the article claims of another product ("is the
    serum non comedogenic too?"): a question of its own, not the last one asked again."""
    return any(kb.claimed_of_others(text, p) for p in products)


def _elliptic(text: str) -> bool:
    """Starts like an ellipsis ("and the fluid?", "what about red ones") and asks nothing of its own after
    that start ("and what else is in that serum?" is a question)."""
    start = _start(text)
    return start is not None and not re.match(rf"\W*{QUESTION_WORD}", start.string[start.end():], re.I)


def _start(text: str) -> re.Match[str] | None:
    """How an ellipsis starts ("and the brown ones?"), a filler before it aside ("ok and what about for
    the red kind")."""
    return ELLIPSIS.match(text.lstrip()) or ELLIPSIS.match(LEADING_FILLER.sub("", text))


def has_pronoun(part: Part) -> bool:
    """The question says "it", "that", "them"... (whether or not it also names something)."""
    return bool(PRONOUN.search(part.text))
