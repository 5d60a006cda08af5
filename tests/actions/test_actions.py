"""action_answer with real rasa-sdk Tracker and CollectingDispatcher, on the real knowledge base."""


from dataclasses import replace

import pytest

from actions.actions import ActionAnswer
from bot.knowledge import analyse
from bot.tools.evaluate import Grounding
from tests.conftest import SOURCE


def run(dispatcher, tracker, domain):
    events = ActionAnswer().run(dispatcher, tracker, domain)
    texts = [m["text"] for m in dispatcher.messages]
    return texts, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.fixture(scope="module")
def quotes_article():
    """The eval's 'grounded' check (bot.tools.evaluate.Grounding) against the original article."""
    return Grounding(SOURCE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("text, intent, section, phrase", [
    ("why do zits leave marks", "ask_causes", "What causes pimple marks?", "melanin"),
    ("can i pop it", "ask_picking", "How to get rid of red spots on the face", "not to squeeze or pick"),
    ("/ask_thiamidol", "ask_thiamidol", "Skincare routine to get rid of pimple marks", "Thiamidol"),
    ("marks and scars at once?", "ask_both", "Acne marks vs acne scars", "both acne marks and acne scars"),
    ("do lasers work", "ask_treatments", "Dermatological solutions to reduce or remove pimple marks",
     "Laser and light therapy"),
])
def test_answers_quote_the_article_naming_the_section(dispatcher, tracker, domain, text, intent, section, phrase):
    texts, slots = run(dispatcher, tracker(text, intent), domain)
    joined = "\n".join(texts)
    assert f"From *{section}*:" in joined and phrase in joined
    assert dispatcher.messages[-1]["buttons"], "related questions offered"
    assert slots["last_topic"]


def test_red_marks_followup_answers_for_red_marks(dispatcher, tracker, domain):
    _, slots = run(dispatcher, tracker("I have red marks from old pimples", "ask_red_marks"), domain)
    assert slots["mark_type"] == "red"
    texts, _ = run(dispatcher, tracker("how do I get rid of them?", "ask_routine", **slots), domain)
    joined = " ".join(texts)
    assert "pigment-lightening ingredients may have limited effect" in joined
    assert "reduces redness" in joined


def test_serum_followup_uses_the_serum_timing(dispatcher, tracker, domain):
    _, slots = run(dispatcher, tracker("tell me about the serum", "ask_serum"), domain)
    dispatcher.messages.clear()
    texts, _ = run(dispatcher, tracker("how long until it works?", "ask_results_time", **slots), domain)
    assert "first visible results in 2 weeks" in " ".join(texts)


def test_fluid_followup_never_borrows_the_serums_timing(dispatcher, tracker, domain):
    texts, slots = run(dispatcher, tracker("how long until it works?", "ask_results_time", last_topic="fluid"), domain)
    joined = " ".join(texts)
    assert "doesn't say how long the Mattifying Fluid takes to work" in joined
    assert "2 weeks" not in joined and "Fluid SPF 30" not in joined and slots["product"] == "fluid"


def test_the_closing_line_is_not_cited_as_a_section(dispatcher, tracker, domain):
    texts, _ = run(dispatcher, tracker("where do i buy it", "ask_where_to_buy"), domain)
    assert texts == ["The article ends by inviting you to find your nearest Eucerin pharmacy:\n"
                     "Find your nearest Eucerin pharmacy"]
    custom = dispatcher.messages[0]["custom"]
    assert custom == {"kind": "answer", "topic": "buy", "id": custom["id"], "rate": True}


def test_every_message_carries_its_kind_and_section(dispatcher, tracker, domain):
    run(dispatcher, tracker("my spot is hot and swollen, what causes marks?", "ask_causes"), domain)
    kinds = [{k: v for k, v in m["custom"].items() if k not in ("id", "rate")} for m in dispatcher.messages]
    assert kinds[0] == {"kind": "red_flag"}
    assert {"kind": "answer", "section": "What causes pimple marks?", "topic": "causes"} in kinds


def test_red_flag_comes_first_even_with_a_question(dispatcher, tracker, domain):
    texts, _ = run(dispatcher, tracker("my spot has pus and is swollen, should I use the serum?", "ask_serum"), domain)
    assert "doctor" in texts[0] and "From *" not in texts[0]
    # then the article's advice to see a dermatologist, never a product's claims
    assert any("dermatologist" in t for t in texts[1:]) and not any("Triple Action Serum" in t for t in texts)


def test_red_flag_alone_points_to_a_doctor(dispatcher, tracker, domain):
    texts, _ = run(dispatcher, tracker("I have a fever and the redness is spreading", "report_red_flag"), domain)
    assert "doctor" in texts[0].lower()
    assert any("consult your doctor" in t for t in texts)


def test_out_of_scope_is_declined_without_quoting(dispatcher, tracker, domain, quotes_article):
    texts, slots = run(dispatcher, tracker("how do I cook pasta", "out_of_scope"), domain)
    assert "only answer questions about the marks acne leaves" in texts[0] and slots == {}
    assert dispatcher.messages[0]["custom"]["kind"] == "declined"
    assert not quotes_article(" ".join(texts))
    assert dispatcher.messages[-1]["buttons"]


def test_other_skin_conditions_are_not_answered(dispatcher, tracker, domain, quotes_article):
    texts, _ = run(dispatcher, tracker("what's the best treatment for psoriasis", "ask_treatments"), domain)
    assert "doesn't cover psoriasis" in texts[0] and len(texts) == 1
    assert not quotes_article(texts[0])


def test_unsettled_question_says_so_then_gives_nearest_guidance(dispatcher, tracker, domain):
    texts, _ = run(dispatcher, tracker("does lemon juice get rid of marks", "ask_home_remedies"), domain)
    assert texts[0].startswith("The article doesn't say anything about lemon")
    assert any("clinically-proven products" in t for t in texts)


def test_confident_guess_about_unrelated_words_is_declined(dispatcher, tracker, domain):
    texts, slots = run(dispatcher, tracker("how do I fix my bike chain", "ask_routine", 0.99), domain)
    assert dispatcher.messages[0]["custom"]["kind"] == "declined" and slots == {}


def test_low_confidence_guess_about_unrelated_words_is_declined(dispatcher, tracker, domain):
    t = tracker("recommend a restaurant nearby", "nlu_fallback", 0.5)
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.55},
                                          {"name": "ask_routine", "confidence": 0.5}]
    texts, slots = run(dispatcher, t, domain)
    assert dispatcher.messages[0]["custom"]["kind"] == "declined" and slots == {}


def test_short_followup_is_answered_from_context(dispatcher, tracker, domain):
    texts, _ = run(dispatcher, tracker("why do they happen?", "ask_causes", mark_type="brown"), domain)
    assert "excess melanin" in " ".join(texts)


def test_low_confidence_uses_guess_when_the_search_agrees(dispatcher, tracker, domain):
    t = tracker("what can a dermatologist do about acne marks", "nlu_fallback", 0.55)
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.55},
                                          {"name": "ask_dermatologist", "confidence": 0.5}]
    texts, slots = run(dispatcher, t, domain)
    assert slots["last_topic"] == "dermatologist" and "chemical peels" in " ".join(texts)


def test_gap_words_in_an_out_of_scope_question_are_not_answered(dispatcher, tracker, domain, quotes_article):
    texts, _ = run(dispatcher, tracker("how much does a new car cost", "out_of_scope"), domain)
    assert len(texts) == 1 and dispatcher.messages[0]["custom"]["kind"] == "declined"
    assert not quotes_article(texts[0])
    dispatcher.messages.clear()
    texts, _ = run(dispatcher, tracker("how much does a chemical peel cost", "ask_price"), domain)
    assert texts[0].startswith("The article doesn't say anything about prices or costs")
    assert any("chemical peels" in t for t in texts[1:])


def test_a_suitability_gap_gets_the_articles_advice_never_a_product_claim(dispatcher, tracker, domain):
    texts, slots = run(dispatcher, tracker("is the serum safe for teenagers", "ask_age"), domain)
    assert texts[0] == "The article doesn't say anything about which ages the products suit. " \
        "The nearest guidance it gives is below."
    assert slots["last_topic"] == "dermatologist"
    assert "dermatologist" in texts[1] and not any("first visible results" in t for t in texts)


@pytest.mark.parametrize("text, ranking, topic, phrase", [
    # classifier split between two topics, the search clearly picks one of them
    ("why do i get brown spots after a breakout", [("ask_causes", 0.51), ("ask_brown_marks", 0.45)],
     "pih", "excess melanin"),
    # classifier and search both weak, but they agree
    ("what makes acne marks appear", [("ask_causes", 0.27), ("ask_routine", 0.19)], "causes", "melanin"),
])
def test_weak_signals_that_agree_are_answered(dispatcher, tracker, domain, text, ranking, topic, phrase):
    t = tracker(text, "nlu_fallback", 0.55)
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.55}] + [
        {"name": n, "confidence": c} for n, c in ranking]
    texts, slots = run(dispatcher, t, domain)
    assert slots["last_topic"] == topic and phrase in " ".join(texts)


def test_low_confidence_searches_the_article(dispatcher, tracker, domain):
    texts, slots = run(dispatcher, tracker("licochalcone", "nlu_fallback", 0.3), domain)
    assert slots["last_topic"] == "licochalcone" and "licochalcone A" in " ".join(texts)


def test_close_topics_ask_which_one(kb):
    from bot.knowledge.plan import choose as _choose

    part = analyse(kb, "marks or scars").parts[0]
    weak = replace(part, ranking=(("ask_marks_vs_scars", 0.12), ("ask_both", 0.11)),
                   search=(("scar_removal", 4.0), ("both", 3.9)))
    plan = _choose(kb, weak)
    assert plan.topic is None and plan.choices == ("marks_vs_scars", "both", "scar_removal")


def test_html_is_never_echoed(dispatcher, tracker, domain):
    texts, _ = run(dispatcher, tracker("<img src=x onerror=alert(1)>", "nlu_fallback", 0.2), domain)
    assert texts and not any("<img" in t or "onerror" in t for t in texts)


def test_the_analysis_from_rasas_pipeline_is_used_and_an_unreadable_one_is_read_again(dispatcher, domain, kb):
    from rasa_sdk import Tracker

    from bot.knowledge.analysis import analyse

    def tracker_with(analysis):
        message = {"text": "where is my order", "intent": {"name": "customer_service", "confidence": 0.8},
                   "intent_ranking": [{"name": "customer_service", "confidence": 0.8}], "analysis": analysis}
        return Tracker("s", {}, message, [], False, None, {}, "action_listen")

    stored = analyse(kb, "what does the serum do", []).as_dict()  # the pipeline read another text
    texts, _ = run(dispatcher, tracker_with(stored), domain)
    assert "Triple Action Serum" in " ".join(texts)
    dispatcher.messages.clear()
    texts, _ = run(dispatcher, tracker_with({"text": "where is my order", "shape": "old"}), domain)
    assert "orders" in texts[0]  # read again here: customer service
