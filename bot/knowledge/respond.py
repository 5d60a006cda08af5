"""Decide the reply from one message's analysis: safety first, then the article's words or an honest 'no'.

One way through: a red flag is said first; a message not about skin, or not in English, is declined;
a skin condition the article doesn't cover gets no quote; otherwise each question of the message (up
to three, or the two sides of a comparison) gets its own answer, in the order asked, each saying
first what the article doesn't say about it when that is the case; then one set of suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bot.config import settings
from bot.knowledge import amounts, compose
from bot.knowledge.analysis import Analysis, analyse, no_words_of_its_own
from bot.knowledge.base import KnowledgeBase, Product
from bot.knowledge.compare import compared, judged_subjects, ranking_asked, undistinguished
from bot.knowledge.compose import ABSTAIN, CLARIFY, DECLINED, RED_FLAG, SMALLTALK, Message, Reply
from bot.knowledge.conversation import has_pronoun, leans_on, resolved
from bot.knowledge.ellipsis import circumstance
from bot.knowledge.parts import Part, named, unanswered
from bot.knowledge.plan import PICKS, Plan, asks_held, colours_said, described_as_other, planned, product_of
from bot.knowledge.state import GENERIC_TOPICS, Conversation
from bot.knowledge.steps import sure_topic
from bot.knowledge.unsaid import places_unsaid, sellers_unsaid, times_unsaid

MENU = ("causes", "routine", "marks_vs_scars")  # offered when nothing else fits
PRODUCT_SECTION = "routine"  # the article's section on the products: never quoted after a red flag
# "which product has it?" after an ingredient: the product it is in
WHICH_PRODUCT = re.compile(rf"{PICKS}|\bcontains?\b|\bis (?:it|that) in\b")
# "does the gel have / contain / include salicylic acid?"


def _product_answer(kb: KnowledgeBase, topic_id: str, product_id: str, text: str) -> list[Message] | None:
    """The answer to an aspect of one product (how long the serum takes...), never another's claim."""
    product, owner = kb.products[product_id], kb.owner(product_id)
    asks_contents = not product.within and kb.ingredient_question.search(text)
    aspect = "ingredients" if asks_contents else kb.topics[topic_id].aspect
    claims = kb.claimed_of_others(text, product_id) if owner.aspects else ()
    if not (aspect or claims):
        return None
    if aspect in owner.aspects and not claims:
        return compose.answer(kb, topic_id, passages=owner.aspects[aspect])
    # what the article says of another product only is not said of this one ("is the gel fragrance free?")
    said = (f"anything about {' or '.join(claims)} for the {owner.name}" if claims
            else kb.aspect_gaps[aspect].format(product=owner.name))
    lead = Message(kb.replies["product_gap"].format(aspect=said, product=owner.name), ABSTAIN, topic=topic_id)
    return [lead, *compose.quote(kb, kb.topics[owner.topic].passages[:1], owner.topic)]


def _answer_part(kb: KnowledgeBase, plan: Plan, part: Part, mark: str | None) -> list[Message]:
    """The messages for one planned question."""
    assert plan.topic
    messages: list[Message] = []
    ingredient = kb.products.get(plan.product or "")
    if ingredient and ingredient.within and WHICH_PRODUCT.search(part.text):
        owner = kb.products[ingredient.within]  # "which product has it?": the product, then its sentence on it
        passages = kb.topics[owner.topic].passages[:1] + kb.topics[plan.topic].passages
        return compose.answer(kb, plan.topic, passages=passages)
    if held := _held_elsewhere(kb, part, plan.product):  # "does the gel have salicylic acid?": not said
        maker, ingredient = held
        said = f"that the {maker.name} contains {ingredient.name}"
        lead = Message(kb.replies["product_gap"].format(aspect=said, product=maker.name), ABSTAIN, topic=maker.topic)
        # what it says the product does contain, where it says it (the nearest guidance); else its introduction
        contents = maker.aspects.get("ingredients") or kb.topics[maker.topic].passages[:1]
        return [lead, *compose.quote(kb, contents, maker.topic)]
    # the words the article lacks, said missing ("what separates them, in plain terms?": "them" is the subject)
    foreign = () if plan.from_context else part.foreign
    if foreign:
        messages.append(Message(kb.replies["gap"].format(subject=" and ".join(foreign)), ABSTAIN, topic=plan.topic))
    if times := times_unsaid(kb, plan, part):  # "can i use the gel at night?": the article says morning
        used = kb.owner(plan.product) if plan.product else None
        if used and used.aspects:
            said = kb.aspect_gaps["use"].format(product=used.name)
            lead = Message(kb.replies["product_gap"].format(aspect=said, product=used.name), ABSTAIN, topic=used.topic)
            return [lead, *compose.answer(kb, used.topic)]
        if times := tuple(t for t in times if t not in foreign):  # (said missing once)
            messages.append(Message(kb.replies["gap"].format(subject=" or ".join(times)), ABSTAIN, topic=plan.topic))
    # "can i get it on amazon?": the article names its pharmacies only
    if not messages and (sellers := sellers_unsaid(kb, plan, part)):
        messages.append(Message(kb.replies["gap"].format(subject=" or ".join(sellers)), ABSTAIN, topic=plan.topic))
    if plan.product and (answer := _product_answer(kb, plan.topic, plan.product, part.text)):
        return messages + answer
    answer = compose.answer(kb, plan.topic, tuple(c for c in (mark,) if c))
    if not messages and all(m.section for m in answer) and (
            amount := amounts.unsaid(part.text, [m.text for m in answer], lambda text: named(kb, text)[0])):
        # "how many laser sessions?": the treatments, but the article gives no number (a reply that has
        # words of its own before the quotes, a gap or a topic's note, has said what it doesn't say)
        messages.append(Message(kb.replies["amount_gap"].format(amount=amount), ABSTAIN, topic=plan.topic))
    return messages + answer


def _held_elsewhere(kb: KnowledgeBase, part: Part, about: str | None) -> tuple[Product, Product] | None:
    """(product, ingredient) when a question asks whether a product (named, or the one `about`: "does it
    have decandiol?" after the serum) contains another's ingredient."""
    named = [kb.products[p] for p in part.products]
    context = [kb.products[about]] if about and has_pronoun(part) else []
    makers = [p for p in named if p.aspects and not p.within] or [p for p in context if p.aspects and not p.within]
    foreign = [p for p in named if p.within and all(p.within != m.id for m in makers)]
    if len(makers) == 1 and foreign and asks_held(kb, part):
        return makers[0], foreign[0]
    return None


def _mark(kb: KnowledgeBase, part: Part, topic: str | None, slots: dict[str, Any]) -> str | None:
    """The colour of marks an answer is for: the first said, else its topic's, else the one discussed."""
    said = colours_said(kb, part) or list(part.marks)
    from_topic = next((m for m in ("red", "brown") if topic in kb.contexts[m][1]), None)
    return (said[0] if said else None) or from_topic or slots.get("mark_type")


def respond(kb: KnowledgeBase, analysis: Analysis, slots: dict[str, Any]) -> Reply:
    """The reply to an analysed message, given the conversation's slots."""
    reply = Reply()
    conversation = Conversation.from_slot(slots.get("conversation"))
    say = reply.messages.append
    if analysis.payload:
        chosen = kb.by_intent.get(analysis.payload)  # the topic a button chose
        if chosen is None:
            say(Message(kb.replies["abstain"], ABSTAIN, buttons=compose.buttons(kb, MENU)))
            return reply
        product = product_of(kb, chosen.id) or slots.get("product")
        about = product and _product_answer(kb, chosen.id, product, "")  # a suggestion after a product: that product's
        reply.messages += about or compose.answer(kb, chosen.id, tuple(c for c in (slots.get("mark_type"),) if c))
        compose.offer_related(kb, reply.messages, chosen.id)
        reply.slots = {"last_topic": chosen.id, "product": product}
        return reply
    if not analysis.english:
        say(Message(kb.replies["other_language"], DECLINED))
        return reply
    if not (analysis.red_flag or analysis.reaction) and conversation.warned and any(
            has_pronoun(p) or p.asks and no_words_of_its_own(kb, p) for p in analysis.parts):
        # "should I just put the serum on it?", "should i stop?": about what was just warned of
        analysis = replace(analysis, red_flag=conversation.warned)
    if not (analysis.red_flag or analysis.customer_service):  # "and the fluid?": the last question, of it
        analysis = resolved(kb, analysis, conversation) or analysis
    if analysis.red_flag:
        say(Message(kb.replies["red_flag_urgent" if analysis.red_flag == "urgent" else "red_flag"], RED_FLAG))
    elif analysis.customer_service:
        cfg = settings()
        reply.messages += compose.customer_service(kb, cfg.handoff_text, cfg.handoff_url)
        return reply
    elif analysis.off_topic:
        say(Message(kb.replies["off_topic"].format(subject=analysis.off_topic), ABSTAIN,
                    buttons=compose.buttons(kb, MENU)))
        return reply
    elif analysis.reaction:  # "ok cool", "thanks bye" (analysis.reacts): the subject stays for the next question
        say(Message(kb.replies["acknowledged"], SMALLTALK))
        return _noted(reply, conversation, analysis.text)
    elif not analysis.parts or not (analysis.about_skin or leans_on(kb, analysis, conversation)):
        if conversation.topics and (added := circumstance(analysis.text)):  # "what about with a beard?"
            say(Message(kb.replies["gap"].format(subject=added), ABSTAIN))
            told = conversation.topics[-1]  # (its answer's passages: its note would say it again)
            reply.messages += compose.answer(kb, told, passages=compose.passage_ids(kb, told, ()))
            return _noted(reply, conversation, analysis.text)
        say(_no_answer(kb, analysis))
        return _noted(reply, conversation, analysis.text)

    product = slots.get("product") or product_of(kb, slots.get("last_topic") or "")
    mark = slots.get("mark_type")
    answered: list[str] = []
    discussed: list[str] = []  # the products the answers were about
    asked = ""  # the intent the last question was answered as
    if analysis.gap:
        say(Message(kb.replies["gap"].format(subject=analysis.gap.subject), ABSTAIN))
        first = planned(kb, analysis.parts[0], product, slots) if analysis.parts else Plan(None)
        # a product's own words are the nearest guidance only for a question about skin care ("retinol
        # with the serum?"); for health or suitability (pregnancy, age) it is the article's advice
        asked_of = analysis.parts and (analysis.parts[0].products or has_pronoun(analysis.parts[0]))  # ("is it...")
        named = first.product if first.product and asked_of and analysis.gap.skin else None
        topic = ((kb.products[named].topic if named else None) or analysis.gap.nearest
                 or (first.topic if analysis.gap.skin else None) or "dermatologist")
        colour = _mark(kb, analysis.parts[0], topic, slots) if analysis.parts else mark  # (of "red marks": on red)
        reply.messages += compose.answer(kb, topic, (colour,) if colour else ())
        answered.append(topic)
    elif both := analysis.compare or compared(kb, analysis, conversation):
        if judged := ranking_asked(analysis):  # the article describes each, it never ranks them
            say(Message(kb.replies["no_ranking"].format(word=judged), ABSTAIN))
        if lead := kb.comparisons.get(frozenset(both)):  # what the article says of the two together
            reply.messages += compose.answer(kb, both[0], passages=lead)
        for topic in both:
            reply.messages += compose.answer(kb, topic)
            answered.append(topic)
    # the article describes them, never ranks them; or lists them ("what's the difference?" after peels
    # and laser), never compares them
    elif last := judged_subjects(kb, analysis, conversation) or undistinguished(kb, analysis, conversation):
        word = ranking_asked(analysis)
        say(Message(kb.replies["no_ranking"].format(word=word) if word else kb.replies["no_difference"], ABSTAIN))
        for topic in last:
            reply.messages += compose.answer(kb, topic)
            answered.append(topic)
    else:
        for part in analysis.parts:
            places = places_unsaid(kb, part) if not analysis.red_flag else ()
            if places:  # ("does it work on back acne marks?")
                say(Message(kb.replies["gap"].format(subject=" or ".join(places)), ABSTAIN))
            missing = unanswered(kb, part.ranking, part.products)
            owner = _asked_of(kb, part, product) if missing and missing.aspect else None
            if missing and owner and missing.aspect in owner.aspects:  # "does it have spf?" after the fluid
                reply.messages += compose.answer(kb, owner.topic, passages=owner.aspects[missing.aspect])
                answered.append(owner.topic)
                continue
            if missing:  # "how much is it?": say so, then the nearest advice
                subject = kb.aspect_gaps[missing.aspect].format(product=owner.name) if owner else missing.subject
                asked = part.ranking[0][0]
                # the routine's passage is the nearest for a detail of any product; asked of one, its own; a
                # price asked of a product (named or "it"), where to buy it
                of_product = missing.product_nearest and (part.products or has_pronoun(part)) and (
                    _asked_of(kb, part, planned(kb, part, product, slots).product)  # (a product of the brand's)
                    or not part.products and bool(conversation.topics) and conversation.topics[-1] in GENERIC_TOPICS
                )  # ("how much is it?" after the routine: its products')
                nearest = owner.topic if owner and missing.nearest in GENERIC_TOPICS else \
                    missing.product_nearest if of_product else missing.nearest
                # (its nearest guidance given already, for the question before: "do peels hurt and what do they cost")
                given = bool(nearest) and nearest in answered
                if not places:  # (a place said missing says it: "on my back", not also "that detail of the serum")
                    say(Message(kb.replies["gap_given" if given else "gap"].format(subject=subject), ABSTAIN))
                if nearest and not given:
                    reply.messages += compose.answer(kb, nearest)
                    answered.append(nearest)
                # the brand's products it asked of are discussed ("how much is the serum? | how do i use it?"), named
                # or the one it was said of ("so do i need sunscreen?" after the serum's spf: the serum's)
                brands = [p for p in part.products if kb.owner(p).aspects] or ([owner.id] if owner else [])
                discussed += brands
                product = next(iter(brands), product)
                continue
            plan = planned(kb, part, product, slots)
            if other := described_as_other(kb, part, plan.topic):  # "red or brown acne scars": acne marks
                defined, part = other  # (the topic defining acne marks, the question asked of them)
                reply.messages += compose.answer(kb, defined)
                plan = planned(kb, part, product, slots)
            if part.refers_back and plan.topic in (*conversation.topics, slots.get("last_topic")):
                plan = replace(plan, from_context=True)  # "what separates them?": the subject discussed
            if plan.choices and len(analysis.parts) == 1 and not analysis.red_flag:
                if part.foreign:  # "can I take doxycycline...": say so first, then offer what it does say
                    say(Message(_nothing_about(kb, " and ".join(part.foreign)), ABSTAIN))
                say(Message(kb.replies["clarify"], CLARIFY, buttons=compose.buttons(kb, plan.choices)))
                return reply
            if plan.topic in answered and (own := kb.by_intent.get(part.ranking[0][0] if part.ranking else "")):
                plan = replace(plan, topic=own.id)  # ("what's thiamidol and does it work on red marks?": its own)
            if plan.topic is None or plan.topic in answered:
                continue
            mark = _mark(kb, part, plan.topic, slots)
            reply.messages += _answer_part(kb, plan, part, mark)
            answered.append(plan.topic)
            # ...as the property it asked of a product when sure of one ("can i use the gel at night?": its use,
            # answered with the gel's passage), so that "and the serum?" asks that property again
            top = sure_topic(kb, part)
            asked = top.intent if top and top.aspect and plan.product else kb.topics[plan.topic].intent
            # a new subject replaces the product; a product's aspect (how long, how to use) keeps it
            stays = product if kb.topics[plan.topic].aspect or plan.topic in GENERIC_TOPICS else None
            product = plan.product or product_of(kb, plan.topic) or stays
            discussed += [plan.product] if plan.product else []
    if analysis.red_flag:  # after a symptom, no product's claims nor an answer about one: the article's advice
        routine = kb.sections[PRODUCT_SECTION].title
        kept = compose.kept(reply.messages, lambda m: m.section != routine and m.topic not in kb.product_topics)
        if len(kept) < len(reply.messages):
            reply.messages = kept
            answered = [t for t in answered if any(m.topic == t for m in kept)]
    if not answered:
        if analysis.red_flag == "urgent":  # an emergency: "get medical help now", and nothing after it
            reply.messages = reply.messages[:1]
            return _noted(reply, conversation, analysis.text, analysis.red_flag)
        if analysis.red_flag:
            reply.messages += compose.answer(kb, "dermatologist")
            answered.append("dermatologist")
        else:
            say(_no_answer(kb, analysis))
            return _noted(reply, conversation, analysis.text)
    reply.messages = compose.without_repeats(reply.messages)
    compose.offer_related(kb, reply.messages, answered[0])
    marks = [m for p in analysis.parts for m in colours_said(kb, p)]  # ("red and not brown": red)
    said = [p for part in analysis.parts for p in part.products]
    uncovered = (analysis.gap.subject or "") if analysis.gap and analysis.gap.skin else ""  # ("retinol")
    state = conversation.after(kb, analysis.text, answered, discussed, marks, asked, said, analysis.red_flag or "",
                               uncovered)
    mixed = any(len(set(colours_said(kb, p))) > 1 for p in analysis.parts)  # "red marks and brown marks": no one colour
    reply.slots = {"mark_type": None if mixed else mark, "last_topic": answered[-1], "product": product,
                   "conversation": state.as_slot()}
    return reply


def _noted(reply: Reply, conversation: Conversation, text: str, warned: str = "") -> Reply:
    """A reply that answers nothing still keeps what the visitor said of themselves ("I'm pregnant"),
    and an emergency warned of."""
    noted = replace(conversation.noted(text), warned=warned)
    if noted != conversation:
        reply.slots = {"conversation": noted.as_slot()}
    return reply


def _asked_of(kb: KnowledgeBase, part: Part, product: str | None) -> Product | None:
    """The product a question about a product's property is about (named, else the one discussed: "how
    many ml is in a bottle?" after the serum), one with aspects the article gives of it alone ("Fluid
    SPF 30"); an ingredient's is its product's."""
    pid = part.products[0] if part.products else product
    owner = kb.owner(pid) if pid else None
    return owner if owner and owner.aspects else None


def _no_answer(kb: KnowledgeBase, analysis: Analysis) -> Message:
    """Nothing to quote: "the article doesn't say anything about X" when a skin question names a subject
    foreign to this domain, the plain abstention when it is empty or about skin, else declined."""
    subject = " and ".join(f for p in analysis.parts for f in p.foreign)
    if subject and analysis.about_skin:
        return Message(_nothing_about(kb, subject), ABSTAIN,
                       buttons=compose.buttons(kb, MENU))
    if analysis.about_skin or not analysis.parts:
        return Message(kb.replies["abstain"], ABSTAIN, buttons=compose.buttons(kb, MENU))
    return Message(kb.replies["declined"], DECLINED, buttons=compose.buttons(kb, MENU))


def _nothing_about(kb: KnowledgeBase, subject: str) -> str:
    """"The article doesn't say anything about X." (the gap wording without its lead to a quote)."""
    return kb.replies["gap"].split(".")[0].format(subject=subject) + "."


def reply_to(kb: KnowledgeBase, text: str, ranking: Sequence[tuple[str, float]], slots: dict[str, Any]) -> Reply:
    """Analyse `text` once, then decide the reply."""
    return respond(kb, analyse(kb, text, ranking), slots)
