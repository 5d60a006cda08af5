"""The reply rules of issue 9, on the real knowledge base (no Rasa: rankings are given)."""

import itertools

import pytest

from bot.knowledge import compose, reply_to

KINDS = {"answer", "abstain", "red_flag", "clarify", "declined", "smalltalk"}


def say(kb, text, intent=None, confidence=0.9, **slots):
    reply = reply_to(kb, text, [(intent, confidence)] if intent else [], slots)
    return reply.messages, reply.slots


def joined(messages):
    return "\n".join(m.text for m in messages)


def test_two_questions_get_two_answers_in_order_then_one_set_of_suggestions(kb):
    messages, _ = say(kb, "what is PIE and what is PIH")
    assert list(dict.fromkeys(m.topic for m in messages)) == ["pie", "pih"]  # (PIE's quotes: two sections)
    assert messages[-1].section == "What causes pimple marks?" and all(m.kind == "answer" for m in messages)
    assert [bool(m.buttons) for m in messages] == [False] * (len(messages) - 1) + [True]
    text = joined(messages)
    assert text.index("blood vessels") < text.index("excess melanin")


def test_the_second_question_can_say_it_for_the_first_ones_product(kb):
    messages, slots = say(kb, "which cleanser should i use and where do i buy it")
    text = joined(messages)
    assert text.index("Cleansing Gel") < text.index("Find your nearest Eucerin pharmacy")
    assert slots["product"] == "cleanser"


def test_a_second_question_about_the_firsts_subject_is_answered_not_dropped(kb):
    """"...and does it work on red marks?": "it" is Thiamidol, already answered; the question's own topic
    (lightening products on red marks) answers it, instead of nothing."""
    text = joined(say(kb, "what's thiamidol and does it work on red marks")[0])
    assert text.index("Its key ingredient, Thiamidol") < text.index("unrelated to melanin")


def test_an_ingredient_asked_within_its_product_gets_its_own_sentence(kb):
    text = joined(say(kb, "anything in the serum that calms redness down?")[0])
    assert "licochalcone A, a soothing antioxidant" in text and "Thiamidol" not in text


def test_getting_rid_of_red_marks_quotes_the_red_spots_sections_advice(kb):
    """The routine for red marks starts with the article's own answer to "how to get rid of red spots
    on the face": a clinically tested routine (then why lightening won't do, then the steps)."""
    text = joined(say(kb, "how do i get rid of the red marks on my face")[0])
    assert "try a clinically tested skincare routine for blemish-prone skin" in text
    assert "In the morning, start with" in text


@pytest.mark.parametrize("text, caption, then", [
    ("what causes pimple marks?", "Pimple marks are caused by areas of hyperpigmentation", "Post-inflammatory"),
    ("do brightening creams work?", "Brightening creams can help to get rid of acne marks",
     "traditional pigment-lightening ingredients may have limited effect"),
])
def test_an_images_caption_is_quoted_on_a_line_of_its_own(kb, text, caption, then):
    """The article's captions answer in its own words ("what causes pimple marks?"); having no full stop,
    each stands on its own line rather than running into the next sentence."""
    text = joined(say(kb, text)[0])
    assert f"{caption}\n" in text and then in text.split(caption)[1]


def test_the_nearest_guidance_for_an_ingredient_the_article_never_names_is_for_the_marks_asked_about(kb):
    """Hydroquinone isn't in the article: the serum is the nearest guidance, and asked of red marks its
    words on red marks (that pigment-lightening ingredients may do little for them)."""
    messages, _ = say(kb, "Does Hydroquinone Work on Red Acne Marks?")
    assert messages[0].text.startswith("The article doesn't say anything about hydroquinone")
    assert "traditional pigment-lightening ingredients may have limited effect" in joined(messages)
    brown = joined(say(kb, "does hydroquinone work on brown marks?")[0])
    assert "limited effect" not in brown and "Thiamidol" in brown


def test_numbers_are_no_words_foreign_to_skin(kb):
    """"step 1 step 2 step 3" is still a skin question: a number is no unknown word."""
    text = joined(say(kb, "whats the routine, like step 1 step 2 step 3")[0])
    assert "In the morning, start with" in text


def test_comparisons_answer_both_sides(kb):
    text = joined(say(kb, "serum vs fluid, what's the difference")[0])
    assert "Triple Action Serum" in text and "Mattifying Fluid" in text


@pytest.mark.parametrize("text, ranked", [
    ("whats better for red marks, the serum or a chemical peel", True),
    ("what is best, the cleanser or the fluid?", True),
    ("what's the best way to use the serum and the fluid together", False),  # a way asked, no ranking
])
def test_whats_better_of_two_named_is_a_ranking_the_article_never_makes(kb, text, ranked):
    """"What's better, X or Y?" asks a ranking as "which is better?" does: said so, then each; a judgement word
    after "the" ("the best way") is no ranking of the two."""
    messages, _ = say(kb, text)
    assert ("doesn't say which is" in messages[0].text) is ranked


def test_the_two_procedures_of_one_passage_asked_ranked_get_no_ranking(kb):
    """Peels and laser are one passage (one "product" named "chemical peels or laser"): asked which is
    better, the article ranks neither."""
    messages, _ = say(kb, "laser or a chemical peel, what works better?", "ask_treatments", 0.99)
    assert "doesn't say which is better" in messages[0].text
    assert "chemical peels and laser therapy" in joined(messages)
    alone, _ = say(kb, "what does a chemical peel do?", "ask_treatments", 0.99)
    assert "which is better" not in joined(alone)


@pytest.mark.parametrize("text, product, quoted", [
    ("can i use the cleanser in the evening too?", "Cleansing Gel", "start with the Eucerin"),
    ("is the mattifying fluid ok at bedtime", "Mattifying Fluid", "as the last step"),
])
def test_a_time_of_use_the_article_does_not_give_is_said_missing_then_the_product_quoted(kb, text, product, quoted):
    messages, _ = say(kb, text, "ask_usage", 0.95)
    assert f"doesn't say when or how often to use the {product}" in messages[0].text
    assert quoted in joined(messages)


@pytest.mark.parametrize("text, product", [
    ("can i put the serum on in the morning?", "Triple Action Serum"),  # the routine is for the morning
    ("how should i use the gel on the left side of my face", "Cleansing Gel"),  # "left" is no time ("leave")
])
def test_a_time_of_use_the_article_gives_or_no_time_is_answered(kb, text, product):
    messages, _ = say(kb, text, "ask_usage", 0.95)
    assert "doesn't say" not in joined(messages) and product in joined(messages)


@pytest.mark.parametrize("text", ["how often do i put these on, every day?",
                                  "how many times per day do I use the products"])
def test_how_often_is_answered_with_the_routine_and_the_studys_twice_a_day(kb, text):
    """The article's only frequency is its study's ("regular usage twice a day"): quoted with the routine,
    and "day" is no subject it is silent on."""
    messages, _ = say(kb, text, "ask_usage", 0.95)
    assert "8 weeks of regular usage twice a day of both Serum and Fluid" in joined(messages)
    assert "anything about day" not in joined(messages) and "start with the Eucerin" in joined(messages)


def test_how_often_a_product_is_used_is_answered_beside_another_question_about_it(kb):
    """"does the serum help with red marks and how often do i use it": the second question's answer is not
    dropped as a repeat of the first's; the serum's use includes its study's "twice a day"."""
    messages, _ = say(kb, "does the serum help with red marks and how often do i use it")
    assert "licochalcone A" in joined(messages) and "regular usage twice a day" in joined(messages)


@pytest.mark.parametrize("text", ["can the triple action serum fade pink marks?", "is the serum any use for redness"])
def test_a_colour_asked_of_a_product_gets_the_products_own_sentence_on_it(kb, text):
    """The serum's redness sentence (licochalcone) and the article's word on lightening red marks, not the
    colour's description; "redness" is the red colour too."""
    messages, _ = say(kb, text, "ask_lightening_red", 0.5)
    assert "licochalcone A, a soothing antioxidant that reduces redness" in joined(messages)
    assert "pigment-lightening ingredients may have limited effect" in joined(messages)


@pytest.mark.parametrize("text, intent, expect, never", [
    ("what helps brown marks", "ask_brown_marks", "Thiamidol", "appears as brown or dark spots"),
    ("what can i use on brown marks", "ask_brown_marks", "Thiamidol", "appears as brown or dark spots"),
    # (the routine for red marks says what PIE is, before "It's more common in lighter skin tones": not the rest)
    ("what should i use for red marks", "ask_red_marks", "Triple Action Serum", "may be uncomfortable or even painful"),
    # a colour's description asked: that description, not a remedy
    ("what causes brown marks", "ask_brown_marks", "appears as brown or dark spots", "Thiamidol"),
    ("my marks r kinda purple-ish not brown, what r those", "ask_red_marks", "shows up as red, pink", "Cleansing Gel"),
])
def test_what_helps_a_colour_of_mark_gets_the_routine_for_it_not_its_description(kb, text, intent, expect, never):
    """Read without the colour, "what helps marks?" splits between the article's remedies (home remedies, the
    routine, treatments), none sure: together they are what is asked, and the routine comes first in the
    article (its brown marks' variant names Thiamidol)."""
    messages, _ = say(kb, text, intent, 0.6)
    assert expect in joined(messages) and never not in joined(messages)


@pytest.mark.parametrize("text, product", [
    ("what are the side effects of thiamidol", "ask_thiamidol"),
    ("any side effects from the fluid", "ask_fluid"),
    ("what are the side effects of salicylic acid", "ask_salicylic"),
])
def test_side_effects_asked_of_a_named_product_are_said_missing_however_sure_diet_is(kb, text, product):
    """Rasa's DIET, keyed on the name, is sure of the product's own topic; the sentence meaning hears the side
    effects: the article doesn't say, then its advice to see a dermatologist, never the product's claims
    (issue 19: a safety question gets no marketing sentence)."""
    messages, _ = say(kb, text, product, 0.95)
    assert "doesn't say anything about side effects" in joined(messages)
    assert "Speak to a dermatologist" in joined(messages) and "proven to reduce" not in joined(messages)


@pytest.mark.parametrize("first, intent, then, then_intent, expect, never", [
    ("what does the mattifying fluid do", "ask_fluid", "can I use it at night?", "ask_usage",
     "Mattifying Fluid", "Triple Action Serum"),
    ("what is salicylic acid for", "ask_salicylic", "which product has it?", "ask_routine",
     "Triple Action Serum", "Cleansing Gel"),
    ("tell me about the mattifying fluid", "ask_fluid", "how long until it works?", "ask_results_time",
     "doesn't say how long the Mattifying Fluid", "2 weeks"),
    ("what does the serum do", "ask_serum", "and how long does it take?", "ask_results_time",
     "2 weeks", "Mattifying Fluid"),
    ("what about chemical peels", "ask_treatments", "who can do them", None, "dermatologist", "Serum"),
])
def test_follow_ups_keep_what_it_refers_to(kb, first, intent, then, then_intent, expect, never):
    _, slots = say(kb, first, intent)
    messages, _ = say(kb, then, then_intent, **slots)
    assert expect in joined(messages) and never not in joined(messages)


def test_a_product_property_stays_with_that_product(kb):
    text = joined(say(kb, "does the serum sting", "ask_sensitive_skin")[0])
    assert "doesn't say whether the Triple Action Serum suits sensitive skin" in text
    assert "Cleansing Gel" not in text and "fragrance-free" not in text


def test_asking_what_a_product_contains_lists_its_ingredients(kb):
    text = joined(say(kb, "whats in the dermopure serum", "ask_serum")[0])
    assert all(w in text for w in ("Thiamidol", "salicylic acid", "licochalcone A"))


@pytest.mark.parametrize("text, subject", [
    ("can I take doxycycline for my marks", "doxycycline"),
    ("can thiamidol lighten my birthmark", "birthmark"),
    ("should I use retinol on my marks", "retinol"),
])
def test_subjects_the_article_never_mentions_get_doesnt_say_first(kb, text, subject):
    messages, _ = say(kb, text)
    assert messages[0].kind == "abstain" and f"doesn't say anything about {subject}" in messages[0].text


@pytest.mark.parametrize("text", ["how do I remove a stain from my shirt", "a recipe with cream cheese",
                                  "how often should i top up the brake fluid",
                                  "how do i make a scary face mask for halloween"])  # (no product's detail)
def test_messages_not_about_skin_are_declined_without_a_quote(kb, text):
    (message,) = say(kb, text, "ask_routine", 0.5)[0]
    assert message.kind == "declined" and "From *" not in message.text


def test_other_languages_get_a_short_english_reply(kb):
    (message,) = say(kb, "que es el serum para manchas")[0]
    assert message.kind == "declined" and "only answer in English" in message.text


def test_the_warning_comes_first_and_does_not_diagnose(kb):
    messages, _ = say(kb, "my mark is bleeding and changing shape, what is it", "ask_causes")
    assert messages[0].kind == "red_flag" and "doctor" in messages[0].text
    assert "infection" not in messages[0].text.lower()
    assert any(m.kind == "answer" for m in messages[1:])


def test_an_emergency_alone_gets_get_medical_help_now_and_nothing_else(kb):
    """No article passage after "get medical help now" (a dermatologist's peels are no help to a floppy
    baby with a fever); a plain symptom still gets the article's advice to see a dermatologist after it."""
    messages, _ = say(kb, "my baby has a fever and is floppy and not feeding")
    assert [m.kind for m in messages] == ["red_flag"] and "medical help now" in messages[0].text
    messages, _ = say(kb, "i put the serum on 20 min ago and my lips are swelling up, should i use the gel instead?")
    assert [m.kind for m in messages] == ["red_flag"]  # (no "the article doesn't say..." left hanging either)
    messages, _ = say(kb, "the spot on my chin is hot, swollen and full of pus")
    assert messages[0].kind == "red_flag" and "Speak to a dermatologist" in joined(messages[1:])


def test_a_trigger_word_used_harmlessly_gets_no_warning(kb):
    messages, _ = say(kb, "can I spread the fluid over my whole face", "ask_usage")
    assert all(m.kind != "red_flag" for m in messages) and "Mattifying Fluid" in joined(messages)


PRODUCTS = ("cleanser", "serum", "fluid", "thiamidol", "l_carnitine")
CONTEXTS = [{}, {"mark_type": "red"}, {"mark_type": "brown"}] + [{"product": p} for p in PRODUCTS]
QUESTIONS = ["tell me more", "how long until it works?", "is it ok for sensitive skin?", "where do I buy it?",
             "how do I use it?", "does it help oily skin?", "what's the proof?"]


def _owners(kb):
    """Passage id -> the products whose description or aspects quote it."""
    owners = {}
    for p in kb.products.values():
        for pid in set(kb.topics[p.topic].passages) | {x for xs in p.aspects.values() for x in xs}:
            owners.setdefault(pid, set()).add(p.id)
    return owners


@pytest.mark.parametrize("topic_id", sorted(__import__("bot.knowledge", fromlist=["get_kb"]).get_kb().topics))
def test_every_topic_in_every_context_cites_honestly(kb, source_text, topic_id):
    """Real headings only, footnotes with starred claims, and a reply about one product quotes no
    sentence that belongs only to another product."""
    from tests.conftest import norm

    owners = _owners(kb)
    intent = kb.topics[topic_id].intent
    for slots, question in itertools.product(CONTEXTS, QUESTIONS + [f"/{intent}"]):
        messages, after = say(kb, question, intent, **slots)
        text = joined(messages)
        for m in messages:
            assert m.kind in KINDS
            if m.text.startswith("From *"):
                assert norm(m.section) in source_text and m.text.startswith(f"From *{m.section}*:\n")
        if "over time*" in text:
            assert "*Product in use study with 100 volunteers" in text
        product = kb.products.get(after.get("product") or "")
        if product and kb.topics[after["last_topic"]].aspect:
            mine = {product.id, product.within}
            quoted = {pid for pid, p in kb.passages.items() if p.text in text and pid in owners}
            assert all(owners[pid] & mine for pid in quoted), (slots, question, after, quoted)


def test_button_payloads_answer_their_topic(kb):
    messages, slots = say(kb, "/ask_thiamidol")
    assert "Thiamidol" in joined(messages) and slots["last_topic"] == "thiamidol" and messages[-1].buttons


def test_every_reply_message_has_a_kind(kb):
    for text in ["", "hello?", "what is pie", "psoriasis cream", "stain on my shirt", "marks scars", "fever!!"]:
        assert all(m.kind in KINDS for m in say(kb, text)[0])
    assert compose.Message("x").kind == "answer"


def test_a_new_subject_is_not_read_as_the_product_discussed_last(kb):
    _, slots = say(kb, "whats the mattifying fluid for", "ask_fluid")
    messages, _ = say(kb, "can I take doxycycline for my marks", "ask_results_time", 0.6, **slots)
    assert "doesn't say anything about doxycycline" in messages[0].text
    assert "Mattifying Fluid" not in joined(messages)


@pytest.mark.parametrize("text, subject", [
    ("my dads knee swelled up after football, anyway whats thiamidol", None),
    ("my flatmate is obsessed with houseplants lol. what does the serum do?", None),
    ("i've been using retinol. is it good for marks?", "retinol"),  # the asking clause leans back: it counts
])
def test_the_subject_is_in_the_clause_that_asks_not_in_the_story_before_it(kb, text, subject):
    messages, _ = say(kb, text)
    said = [m.text for m in messages if "doesn't say anything about" in m.text]
    assert (said == []) if subject is None else (f"doesn't say anything about {subject}" in said[0]), said


@pytest.mark.parametrize("text", ["can my 13 yo use the serum", "is the gel ok for a 12 y/o"])
def test_an_age_typed_as_a_number_is_an_age_question_the_article_does_not_answer(kb, text):
    """The number is what asks the age: read without it, "can my yo use the serum" is a usage question."""
    messages, _ = say(kb, text, "ask_usage", 0.53)
    assert messages[0].kind == "abstain" and "doesn't say anything about which ages" in messages[0].text
    assert "first visible results" not in joined(messages)


def test_a_property_the_article_gives_of_one_product_only_is_quoted_for_it_and_said_missing_for_others(kb):
    """The study footnote names "Fluid SPF 30": asked of the fluid ("it" after the fluid, or named), that is
    the answer; asked of the serum, the article doesn't say (never the fluid's claim)."""
    after_fluid = {"product": "fluid", "last_topic": "fluid", "conversation": {
        "question": "whats the mattifying fluid", "subject": "the fluid", "asked": "ask_fluid",
        "topics": ["fluid"], "products": ["fluid"], "marks": [], "subjects": ["fluid"]}}
    for text, slots in (("does it have spf in it", after_fluid), ("is the mattifying fluid spf", {})):
        messages, _ = say(kb, text, "ask_sun_protection", 0.8, **slots)
        assert "Fluid SPF 30" in joined(messages) and messages[0].kind == "answer", text
    messages, _ = say(kb, "does the serum have spf", "ask_sun_protection", 0.8)
    assert messages[0].kind == "abstain" and "whether the Triple Action Serum protects from the sun" in messages[0].text
    assert "SPF 30" not in joined(messages)


def test_a_claim_the_article_makes_of_another_product_only_is_not_this_ones(kb):
    """"fragrance-free" is said of the fluid: asked of the gel, the article doesn't say (and the fluid's
    claim is not quoted); asked of the fluid, it is its answer; a word kin to the fluid's own
    ("inflammation", "anti-inflammatory") is no other product's claim."""
    messages, _ = say(kb, "is the gel fragrance free", "ask_sensitive_skin", 0.9)
    assert messages[0].kind == "abstain" and "fragrance for the Cleansing Gel" in messages[0].text
    assert "fragrance-free formula" not in joined(messages)
    messages, _ = say(kb, "is the fluid fragrance free", "ask_sensitive_skin", 0.9)
    assert messages[0].kind == "answer" and "fragrance-free formula" in joined(messages)
    assert kb.claimed_of_others("does the fluid calm inflammation", "fluid") == ()
    assert kb.claimed_of_others("is the serum non comedogenic", "serum") == ("comedogenic",)
    # the article's own subject ("pimple", "acne", "breakout") is no product's claim
    assert kb.claimed_of_others("is the gel ok on pimples and breakouts", "cleanser") == ()


@pytest.mark.parametrize("text", ["is the gel perfumed?", "does the cleansing gel have a scented formula"])
def test_a_claim_of_another_product_asked_in_other_words_is_not_this_ones(kb, text):
    """A word the article never uses means its nearest claim word by pretrained word meaning ("perfumed":
    the fluid's "fragrance-free"); one near the product's own words is its own ("greasy": the gel
    removes excess oil)."""
    messages, _ = say(kb, text, "ask_sensitive_skin", 0.9)
    assert messages[0].kind == "abstain" and "fragrance for the Cleansing Gel" in messages[0].text
    assert "fragrance-free formula" not in joined(messages)
    assert kb.claimed_of_others("will the gel leave my face greasy", "cleanser") == ()


def test_a_product_asked_for_another_products_ingredient_gets_doesnt_say_then_what_it_contains(kb):
    """L-Carnitine is the fluid's: asked of the serum, the article doesn't say so, then what it says the
    serum does contain (never the fluid's sentence, as if it were the serum's); a product whose ingredients
    the article doesn't name gets its introduction."""
    messages, _ = say(kb, "does the serum contain l-carnitine?", "ask_l_carnitine", 0.9)
    assert messages[0].kind == "abstain"
    assert "doesn't say that the Triple Action Serum contains L-Carnitine" in messages[0].text
    assert "Its key ingredient, Thiamidol" in joined(messages[1:]) and "reduce sebum production" not in joined(messages)
    messages, _ = say(kb, "does the gel have salicylic acid?", "ask_salicylic", 0.9)
    assert "doesn't say that the Cleansing Gel contains salicylic acid" in messages[0].text
    assert "start with the Eucerin DERMOPURE CLINICAL Intense Correcting Cleansing Gel" in joined(messages[1:])
    messages, _ = say(kb, "does the fluid contain l-carnitine?", "ask_l_carnitine", 0.9)
    assert messages[0].kind == "answer" and "reduce sebum production" in joined(messages)


def test_a_detail_the_article_lacks_on_a_question_it_answers_is_said_missing_then_answered(kb):
    """A sure topic that the article's search ranks first too is a skin question whatever its other
    words: the detail it lacks ("clarisonic brush") is said missing, then the topic is quoted."""
    messages, _ = say(kb, "is the cleanser ok to use with a clarisonic brush", "ask_cleanser", 0.95)
    assert "doesn't say anything about clarisonic brush" in messages[0].text
    assert "removes excess oil and impurities" in joined(messages)


def test_a_question_without_skin_words_is_answered_when_the_articles_search_agrees_with_a_guess(kb):
    """Unsure (0.5) of a topic the article's search also ranks first: a skin question, not declined;
    the same guess that the search doesn't back stays declined."""
    messages, _ = say(kb, "natural remedies ok to use alongside the routine?", "ask_home_remedies", 0.5)
    assert "clinically-proven products" in joined(messages)
    messages, _ = say(kb, "what is the best laptop for students", "ask_home_remedies", 0.5)
    assert messages[0].kind == "declined"


def test_a_trailing_question_without_a_subject_asks_the_product_just_named(kb):
    """"...and whats the main ingredient" after the serum is a second question, about the serum."""
    messages, _ = say(kb, "how long does the serum take and whats the main ingredient", "ask_results_time", 0.5)
    assert "first visible results in 2 weeks" in joined(messages) and "Thiamidol" in joined(messages)


def test_no_sentence_is_quoted_twice_in_one_reply(kb):
    messages, _ = say(kb, "can i use the serum, and how often", "ask_serum", 0.5)
    lines = [line for m in messages if m.section for line in m.text.split("\n")[1:] if line]
    assert lines and len(lines) == len(set(lines))


def test_what_causes_marks_quotes_how_they_form(kb):
    """The causes answer carries the article's mechanism, not only the two kinds' descriptions."""
    messages, _ = say(kb, "why do i get marks after pimples", "ask_causes", 0.9)
    assert "skin tissue is injured" in joined(messages) and "red, pink, or purple" in joined(messages)


@pytest.mark.parametrize("text", [
    "my boyfriend tried my cleanser and now his face is swelling and he cant get his breath",
    "ive lost part of the sight in my left eye since this morning, like a shadow, theres a big spot next to it. "
    "also does the serum work on dark marks",
])
def test_an_emergency_gets_get_medical_help_now_first(kb, text):
    """Someone else's emergency happening now is one; a report next to a question counts read alone."""
    messages, _ = say(kb, text)
    assert messages[0].kind == "red_flag" and "get medical help now" in messages[0].text


def test_someone_elses_allergy_told_in_general_is_no_emergency(kb):
    messages, _ = say(kb, "do your products have nuts in them? my friend is allergic and her lips swell up")
    assert all(m.kind != "red_flag" for m in messages)


def test_how_to_treat_scars_is_said_missing_before_what_the_article_says_of_them(kb):
    """The article is about marks: asked how to treat scars, the reply says it doesn't say, then quotes it."""
    messages, _ = say(kb, "how many laser sessions would my deep rolling scars need", "ask_scar_removal")
    assert messages[0].text.startswith("The article doesn't say how to treat acne scars")
    assert "often indented or raised" in joined(messages)


@pytest.mark.parametrize("text", ["Can Laser Treatments Lighten Red or Brown Acne Scars?",
                                  "how do i get rid of dark acne scars", "best treatment for red acne scars"])
def test_scars_described_by_the_colour_of_marks_are_answered_as_marks(kb, text):
    """The article's marks are "flat, dark marks that may be red or brown": "scars" of that colour get
    that definition first, then the answer for marks, not "the article doesn't say how to treat scars"."""
    messages, _ = say(kb, text, "ask_scar_removal")
    assert messages[0].text.endswith("may be red or brown in colour.") and messages[0].topic == "marks"
    assert "doesn't say how to treat acne scars" not in joined(messages) and len(messages) > 1


@pytest.mark.parametrize("text", ["how do i fix raised red scars", "treatments for dark spots and acne scars",
                                  "i have red marks and pitted scars, how do i fix the scars"])
def test_scars_that_are_scars_or_named_beside_marks_stay_scars(kb, text):
    """Raised (the article's word for scars), or a colour said of something else: still scars."""
    messages, _ = say(kb, text, "ask_scar_removal")
    assert messages[0].text.startswith("The article doesn't say how to treat acne scars")


@pytest.mark.parametrize(("text", "place"), [("does it work on back acne marks too or just face", "back"),
                                             ("can i put the serum on my chest", "chest")])
def test_a_place_on_the_body_the_article_never_names_is_said_missing_first(kb, text, place):
    """The article speaks of the face: a place outside the head is said missing, then the answer."""
    messages, _ = say(kb, text, "ask_results_time")
    assert messages[0].text.startswith(f"The article doesn't say anything about {place}.") and len(messages) > 1


def test_a_place_said_missing_is_the_only_gap_said(kb):
    """"Can i use the serum on my back": the back said missing, not also "that detail of the serum"."""
    texts = [m.text for m in reply_to(kb, "can i use the serum on my back", [], {}).messages]
    assert texts[0].startswith("The article doesn't say anything about back.")
    assert sum("doesn't say" in t for t in texts) == 1 and "Triple Action Serum" in texts[1]


@pytest.mark.parametrize("text", ["can i use the serum on my cheeks", "do i spread the fluid with my fingers",
                                  "will my marks come back?", "my marks are on my face, how do i fade them"])
def test_the_face_its_parts_and_other_words_are_no_place_the_article_leaves_out(kb, text):
    text = joined(say(kb, text, "ask_usage")[0])
    assert not any(f"anything about {word}" in text for word in ("cheeks", "fingers", "back", "face"))


@pytest.mark.parametrize(("text", "seller"), [("can i buy the serum on amazon", "amazon"),
                                              ("where can i buy eucerin in canada", "canada")])
def test_where_to_buy_that_the_article_never_names_is_said_missing_then_its_pharmacies(kb, text, seller):
    """The article only points to its pharmacies: a shop or country asked of is said missing, then that line."""
    messages, _ = say(kb, text, "ask_where_to_buy")
    assert messages[0].text.startswith(f"The article doesn't say anything about {seller}.")
    assert "Find your nearest Eucerin pharmacy" in joined(messages[1:])


@pytest.mark.parametrize("text", ["where can i buy the serum", "can i buy it in a pharmacy"])
def test_where_to_buy_the_article_answers_is_quoted_alone(kb, text):
    messages, _ = say(kb, text, "ask_where_to_buy")
    assert "doesn't say" not in joined(messages) and "Find your nearest Eucerin pharmacy" in joined(messages)


def test_side_effects_of_a_product_lead_to_a_dermatologist_not_to_a_product_claim(kb):
    """A health question the article doesn't answer, asked of a product: said so, then its advice to see a
    dermatologist; asked of a treatment, the treatments."""
    product = joined(say(kb, "does the serum have side effects", "ask_side_effects")[0])
    assert product.startswith("The article doesn't say anything about side effects")
    assert "Speak to a dermatologist" in product and "first visible results" not in product
    treatment = joined(say(kb, "does laser have side effects", "ask_side_effects")[0])
    assert "more intense treatments" in treatment


def test_both_before_two_colours_names_the_two_not_marks_and_scars(kb):
    """"both red and brown marks" names the two kinds together: each one's answer, not the article's "you can
    experience both acne marks and acne scars at the same time" (what "both" means with no two things named)."""
    text = joined(say(kb, "i have both red and brown marks", "ask_both")[0])
    assert "red, pink, or purple flat marks" in text and "excess melanin" in text
    assert "acne scars at the same time" not in text
    assert "acne scars at the same time" in joined(say(kb, "can i have both marks and scars", "ask_both")[0])


@pytest.mark.parametrize("text", ["the serum made my face red and itchy", "does the serum sting? mine burns a bit"])
def test_after_a_warning_no_lead_points_to_a_product_quote_withheld(kb, text):
    """After a symptom no product's claim is quoted, and so no lead to one ("What it says about the Triple
    Action Serum is this.") is left pointing at nothing: the warning, then the article's advice."""
    messages, _ = say(kb, text)
    assert messages[0].kind == "red_flag" and "Speak to a dermatologist" in joined(messages)
    for lead, after in zip(messages, [*messages[1:], None], strict=True):
        if lead.text.endswith("is this."):
            assert after is not None and after.section, lead.text


def test_what_red_marks_are_includes_that_they_may_hurt(kb):
    """The article describes red marks as "uncomfortable or even painful": asked why red marks are as they
    are (causes, for red marks), that sentence is part of the answer."""
    text = joined(say(kb, "my red marks actually hurt a bit is that normal", "ask_causes")[0])
    assert "blood vessels" in text and "uncomfortable or even painful" in text


def test_the_routine_says_first_that_a_clinically_tested_routine_helps(kb):
    """"does skincare even work?" is answered by the article's own words before the products."""
    text = joined(say(kb, "is there actually anything that helps with pimple marks", "ask_routine")[0])
    assert text.index("clinically tested skincare routine") < text.index("In the morning, start with")


def test_having_marks_and_scars_at_once_says_they_are_treated_differently(kb):
    """The article's paragraph on both: you can have both, and they may need different treatments."""
    text = joined(say(kb, "if i have flat marks and some dents, do i treat them with the same stuff?", "ask_both")[0])
    assert "both acne marks and acne scars at the same time" in text and "may require specific treatments" in text


@pytest.mark.parametrize("text, intent", [("what's the best way to fade PIH?", "ask_brown_marks"),
                                          ("my brown spots, how can i make them lighter faster?", "ask_brown_marks"),
                                          ("any tips to calm my purple marks down?", "ask_red_marks")])
def test_how_to_treat_a_colour_of_mark_gets_the_routine_for_that_colour(kb, text, intent):
    """The classifier reads the colour's description; what is asked of the marks, read without their
    colour, is how to get rid of them: the routine, for that colour."""
    messages, slots = say(kb, text, intent, 0.6)
    assert messages[0].topic == "routine" and "In the morning, start with" in joined(messages)
    assert ("Thiamidol" in joined(messages)) == (intent == "ask_brown_marks")


def test_what_a_colour_of_mark_is_still_gets_its_description(kb):
    messages, _ = say(kb, "what exactly are brown marks?", "ask_brown_marks", 0.8)
    assert messages[0].topic == "pih" and "excess melanin" in joined(messages)


def test_red_marks_are_answered_with_all_the_article_says_of_them(kb):
    """What PIE is, that it isn't melanin, and that red marks may be uncomfortable or even painful: asked
    whether tender red marks are usual, the visitor gets the article's sentence on it."""
    text = joined(say(kb, "my pink marks feel a little tender, is that usual?")[0])
    assert "blood vessels" in text and "uncomfortable or even painful" in text


def test_after_a_symptom_no_answer_about_a_product_only_the_articles_advice(kb):
    """"...does it even work on red marks?" after a rash from the serum: the warning, then the article's advice
    to see a dermatologist; no answer about the serum, not even its sentence from another section."""
    messages, _ = say(kb, "two days on the serum and my cheeks have an itchy red rash that keeps spreading, "
                          "does it even work on red marks?")
    assert messages[0].kind == "red_flag"
    assert {m.topic for m in messages[1:]} == {"dermatologist"}
    assert not {m.topic for m in messages} & kb.product_topics


def test_the_product_words_a_claim_is_compared_with_come_from_disk_not_the_encoder(kb, monkeypatch):
    """A served process loads the vectors of the product passages' words that `rasa train` kept
    (`keep_vectors`): only the question's own word is encoded, and the kept vectors are the encoder's."""
    import numpy as np

    from bot.knowledge import load
    from bot.knowledge.encoder import Encoder, get_encoder

    kb.ready()
    fresh = load()  # a new process's knowledge base
    encoded: list[str] = []
    plain = Encoder.encode
    monkeypatch.setattr(Encoder, "encode", lambda self, texts: encoded.extend(texts) or plain(self, texts))
    assert fresh.claimed_of_others("is the gel perfumed", "cleanser") == ("fragrance",)
    assert encoded == ["perfume"]  # (its lemma)
    kept = fresh._claims.word_vectors
    assert {"fragrance", "comedogenic"} <= set(kept)
    assert all(np.array_equal(kept[w], plain(get_encoder(), [w])[0]) for w in ("fragrance", "comedogenic"))


def test_a_time_the_article_doesnt_name_is_said_missing_once(kb):
    """"winter" is both a word the article lacks and a time its routine doesn't name: said missing once."""
    messages, _ = say(kb, "how do i get rid of my marks in winter", "ask_routine", 0.95)
    assert joined(messages).count("doesn't say anything about winter") == 1
    assert "In the morning, start with" in joined(messages)


def test_the_fluid_for_oily_skin_is_both_of_its_sentences_on_oil(kb):
    """Asked of the fluid for oily skin, the fluid's own sentences on oil: it controls excess oil (and is
    the routine's hydration) and its L-Carnitine reduces sebum, as the oily-skin topic quotes them."""
    text = "What type of facial moisturizer should I use for oily, acne prone skin?"  # (DIET's reading of it)
    text = joined(reply_to(kb, text, [("ask_fluid", 0.724), ("ask_oily_skin", 0.249)], {}).messages)
    assert "non-comedogenic hydration while helping to control excess oil" in text and "L-Carnitine" in text


def test_the_evidence_asked_for_includes_the_routine_being_clinically_tested(kb):
    """What backs the products: the serum's study (its footnote) and the article's "clinically tested
    skincare routine"."""
    messages, _ = say(kb, "is this routine clinically tested or just marketing", "ask_study", 0.95)
    text = joined(messages)
    assert "clinically tested skincare routine" in text and "Product in use study" in text
