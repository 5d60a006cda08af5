"""Reading a message once: the analysis record that every reply is decided from (no Rasa needed)."""

import dataclasses

import pytest

from bot.knowledge import analyse
from bot.knowledge.parts import _tie_break, split, unanswered


def test_one_record_holds_what_the_reply_is_decided_from(kb):
    a = analyse(kb, "my serm is great but does it sting?", [("ask_sensitive_skin", 0.8)])
    assert a.english and a.about_skin and a.red_flag is None and a.gap is None and not a.compare
    (part,) = a.parts
    assert part.text.startswith("my serum is great")  # typo corrected against the article's words
    assert part.products == ("serum",) and part.ranking[0][0] == "ask_sensitive_skin"


@pytest.mark.parametrize("word, read", [
    ("serm", "serum"), ("thiamidl", "thiamidol"), ("moisturise", "moisturiser"),  # typos and spellings of its words
    ("scab", "scab"), ("scabs", "scabs"), ("welt", "welt"),  # English words the lemma table knows: no typo
])
def test_only_typos_are_corrected_to_the_articles_words(kb, word, read):
    assert kb.vocab.correct(word) == read


@pytest.mark.parametrize("text, pieces", [
    ("what is PIE and what is PIH", ["what is PIE", "what is PIH"]),
    ("which cleanser should i use and where do i buy it", ["which cleanser should i use", "where do i buy it"]),
    ("can i pop my spots? also are marks and scars the same thing",
     ["can i pop my spots?", "are marks and scars the same thing"]),
    ("does the fluid clog pores + whats l-carnitine", ["does the fluid clog pores", "whats l-carnitine"]),
    ("what causes red marks and brown marks", ["what causes red marks and brown marks"]),  # one question
])
def test_messages_split_where_a_new_question_starts(text, pieces):
    assert split(text) == pieces


def test_up_to_three_questions_each_keep_their_order(kb):
    a = analyse(kb, "what is thiamidol? what does salicylic acid do? and what is decandiol? and what is pih?")
    assert [p.products[0] for p in a.parts] == ["thiamidol", "salicylic", "decandiol"]


def test_a_story_before_the_question_is_context_not_a_question(kb):
    a = analyse(kb, "i had acne for years and now its gone. my marks are still here though. what are they?")
    assert len(a.parts) == 1


@pytest.mark.parametrize("text, asks", [
    ("ok and how do i treat it", True),  # fillers before the question word
    ("so, and what about the fluid", True),
    ("ok and the gel", False),
    ("and i have brown marks", False),
])
def test_a_question_word_after_fillers_asks(kb, text, asks):
    (part,) = analyse(kb, text).parts
    assert part.asks is asks


def test_products_and_colours_are_named_in_order_of_mention(kb):
    (part,) = analyse(kb, "is the mattifying fluid better than the serum for red not brown marks").parts
    assert part.products == ("fluid", "serum") and part.marks == ("red", "brown")


def test_comparisons_name_both_sides(kb):
    assert analyse(kb, "serum vs fluid whats the difference").compare == ("serum", "fluid")
    assert analyse(kb, "PIE or PIH, which is worse?").compare == ("pie", "pih")
    assert analyse(kb, "what does the serum do").compare == ()
    assert analyse(kb, "is the cleanser or serum better for oily skin").compare == ("cleanser", "serum")
    # "or" between other words is no comparison: an order question names both products
    assert analyse(kb, "do i put the fluid on before or after the serum").compare == ()
    # two things of one kind: products compared whatever colour they are for; colours with a product qualify it
    assert analyse(kb, "for my brown marks, the serum or a chemical peel?").compare == ("serum", "treatments")
    assert analyse(kb, "can laser lighten red or brown acne marks?").compare == ()


@pytest.mark.parametrize("text, foreign", [
    ("can I take doxycycline for my marks", ("doxycycline",)),
    ("can thiamidol lighten my birthmark", ("birthmark",)),
    ("realistically how long till the serum works", ()),  # an adverb names no subject
    ("soooo my pinkish marks r everywhere tho", ()),  # slang, derivations and everyday words
    # the subject is in the piece that asks; context before it counts when that piece leans on it
    ("my skin is super oily and shiny by lunch, what helps", ()),
    ("i've been using retinol for a month. is it good for my marks?", ("retinol",)),
    ("my sister's marks are red, why are mine brown", ()),  # a possessive names nothing new
    # WordNet knows these only as adverbs, adjectives or verbs: no subject; nouns and brands it lacks are
    ("whats in the serum besides thiamidol", ()),
    ("my skin feels scratchy and gritty after the gel", ()),
    ("my derm suggested a peel", ()),
    ("can i use the serum while on accutane", ("accutane",)),
    # a word sharing its first seven letters with one of this domain's is that word ("pigmentation")
    ("why is my skin so pigmented around old spots", ()),
    # a rare noun visitors ask about (training examples use it), a thing or a time, that means nothing the
    # article says is a subject it leaves out; one near a word of the article is that word's ("vinegar":
    # "acid"), an act is none ("procedure"), and slang for one of its words is no subject ("zits")
    ("what's the downtime after laser for acne marks", ("downtime",)),
    ("which sunscreen brand is best for preventing marks", ("sunscreen",)),
    ("can i dab vinegar on my marks", ()),
    ("which procedure is best for marks", ()),
    ("why do zits leave marks", ()),
    ("is the fluid fragrance free", ()),
    # a word that can be an adjective says what a thing is like where it stands as one: before a noun, or after
    # "be", its subject and adverbs; it names none ("ordinary" of The Ordinary's arbutin, "plain" English)
    ("can post acne marks be painful or are they just cosmetic", ()),
    ("what type of facial moisturizer should i use for oily skin", ()),
    ("can someone explain in plain english what makes a brown spot form", ()),
    ("is the ordinary alpha arbutin better for pih", ("arbutin",)),
    ("does the serum cause purging or tingling at first", ("purging",)),  # no noun after it: a subject
    # ...and a word that can be a verb is one right after its subject, or in -ing after "be"
    ("been using the serum 5 days and nothing changed, am i wasting my money", ()),
    ("why does a dark spot that hangs around for ages hit darker skin harder", ()),
    ("these stubborn marks have been hanging around since spring, is the serum meant for them", ()),
    ("can i use the serum with tretinoin", ("tretinoin",)),
    # "-ish" after an English word describes ("redish" typed for "reddish"), it names nothing
    ("some of my marks are redish, what are they", ()),
    ("my marks look kinda yellowish, is that pih", ()),
])
def test_words_foreign_to_this_domain_are_found(kb, text, foreign):
    assert analyse(kb, text).parts[0].foreign == foreign


@pytest.mark.parametrize("text, about_skin", [
    ("how do I remove a stain from my shirt", False),
    ("a recipe with cream cheese", False),
    ("how often should i top up the brake fluid", False),
    ("is truth serum real", False),
    ("how much does the serum cost", True),
    ("do my marks fade on their own", True),
    ("does it sting?", True),  # a follow-up: every word is this domain's
    # the sentence meaning's topics together are sure, though no one topic is
    ("whats stronger than a cream for stubborn marks", True),
    # ...but a foreign word naming the kind of a product word makes it another thing
    ("in chemistry we made an antivenom serum, how does it work", False),
    # a reaction to a product the article names is about skin, though no topic's meaning is sure
    ("is purging or tingling normal with the fluid in the first days", True),
    ("does the gel cause stinging or purging at first", True),
    ("the brake fluid in my car smells burnt, is that dangerous", False),
    # someone else's skin is skin too, told as the speaker's own ("her spots": "my spots")
    ("my 15 yo daughter keeps squeezing her spots in the mirror, what should I tell her?", True),
    ("my son picks at his spots all day", True),
])
def test_skin_or_not(kb, text, about_skin):
    assert analyse(kb, text).about_skin is about_skin


@pytest.mark.parametrize("text, about_skin", [
    ("the cleansing gel arrived, yippee", True),  # the article's product by its name, whatever Rasa guessed
    ("my laser printer keeps jamming, any fix?", False),  # a word of a name alone is everyday English
])
def test_a_product_named_by_its_name_is_about_skin(kb, text, about_skin):
    assert analyse(kb, text, [("ask_where_to_buy", 0.56), ("ask_product_detail", 0.18)]).about_skin is about_skin


@pytest.mark.parametrize("text", ["que es el serum para manchas", "comment enlever les taches de bouton",
                                  "was hilft gegen pickelmale"])
def test_other_languages_are_recognised(kb, text):
    assert not analyse(kb, text).english


def test_english_slang_is_english(kb):
    assert analyse(kb, "ngl tho idk lol what is pie").english


def test_button_payloads_skip_the_analysis(kb):
    a = analyse(kb, "/ask_serum", [])
    assert a.payload == "ask_serum" and a.parts == ()


def test_redaction_placeholders_say_nothing_about_the_question(kb):
    with_contacts = analyse(kb, "i'm [email], call [phone]: what is PIE?", [("ask_red_marks", 0.5)])
    plain = analyse(kb, "i'm, call: what is PIE?", [("ask_red_marks", 0.5)])
    assert with_contacts.about_skin == plain.about_skin and with_contacts.parts[0].words == plain.parts[0].words


@pytest.mark.parametrize("ranking, subject", [
    ([("ask_price", 0.5), ("ask_routine", 0.2)], "prices or costs"),  # a property ranked first and sure
    ([("ask_price", 0.2), ("ask_routine", 0.1)], None),  # ...unsure: not said to be missing
    # whether something suits someone (pregnancy) stands as a first guess, as a topic's would...
    ([("ask_pregnancy", 0.2), ("ask_routine", 0.1)], "pregnancy or breastfeeding"),
    # ...and comes first when ranked a close second: the answer may not hold for them
    ([("ask_routine", 0.4), ("ask_pregnancy", 0.3)], "pregnancy or breastfeeding"),
    ([("ask_results_time", 0.12), ("ask_age", 0.11)], "which ages the products suit"),  # both unsure
    ([("ask_routine", 0.6), ("ask_pregnancy", 0.3)], None),
    ([("ask_routine", 0.2), ("ask_pregnancy", 0.05)], None),
    ([("ask_routine", 0.4), ("ask_price", 0.35)], None),  # a price second: the routine is the answer
])
def test_a_property_the_article_does_not_give(kb, ranking, subject):
    gap = unanswered(kb, ranking)
    assert (gap.subject if gap else None) == subject


def test_whether_it_suits_someone_comes_before_a_detail_of_a_product_named(kb):
    """"i'm breastfeeding, is the fluid safe" (a product's detail 0.33, pregnancy 0.32): not answered with
    the fluid's claims. Nothing named, the detail stands ("any spot the difference puzzles for kids" is no
    question of the products); so does a price ("how much does it cost to see a dermatologist")."""
    close = [("ask_product_detail", 0.33), ("ask_pregnancy", 0.32)]
    assert unanswered(kb, close, ("fluid",)).subject == "pregnancy or breastfeeding"
    assert unanswered(kb, close).subject == "that detail of the products"
    assert unanswered(kb, [("ask_product_detail", 0.45), ("ask_pregnancy", 0.2)], ("fluid",)).subject \
        == "that detail of the products"
    assert unanswered(kb, [("ask_price", 0.33), ("ask_pregnancy", 0.32)], ("fluid",)).subject == "prices or costs"


def test_the_asking_sentence_breaks_a_tie_unless_it_says_nothing_alone():
    """"...how do they come about?" asks for causes; "...flat brown ones. what would help mine?" read
    alone is out of scope: the story decides."""
    unsure = [("ask_routine", 0.39), ("ask_causes", 0.34)]
    assert _tie_break(unsure, [("ask_causes", 0.6)])[0][0] == "ask_causes"
    story = [("ask_brown_marks", 0.39), ("out_of_scope", 0.34)]
    assert _tie_break(story, [("out_of_scope", 0.5)])[0][0] == "ask_brown_marks"


def test_whether_it_suits_someone_is_heard_whatever_diet_is_sure_of(kb):
    """DIET knows the products' names: sure of the Thiamidol topic for a breastfeeding mother's question,
    the sentence meaning still hears whether it suits her."""
    sure = [("ask_thiamidol", 0.99), ("ask_pregnancy", 0.01)]
    asked = analyse(kb, "breastfeeding mama here, safe to use thiamidol?", sure)
    assert unanswered(kb, asked.parts[0].ranking).subject == "pregnancy or breastfeeding"
    assert unanswered(kb, analyse(kb, "what does thiamidol do for dark marks", sure).parts[0].ranking) is None


def test_a_clearly_sure_guess_is_answered_though_the_search_finds_the_second(kb):
    """The search weighs rare words ("erythema" is in PIE's passage only); the classifiers, clearly sure,
    read what is asked of it (a scar?)."""
    from bot.knowledge.plan import choose as _choose

    part = analyse(kb, "Is post-inflammatory erythema a scar?", []).parts[0]
    assert {"pie", "causes"} & {t for t, _ in part.search[:2]}  # (causes quotes PIE's passage too)
    part = dataclasses.replace(part, search=(("pie", 4.6), ("scar_removal", 3.8)))
    read = dataclasses.replace(part, ranking=(("ask_marks_vs_scars", 0.46), ("ask_red_marks", 0.33)))
    assert _choose(kb, read).topic == "marks_vs_scars"
    unsure = dataclasses.replace(part, ranking=(("ask_marks_vs_scars", 0.42), ("ask_red_marks", 0.33)))
    assert _choose(kb, unsure).topic == "pie"  # sure, not clearly, and not clearly ahead: the search decides


def test_a_message_longer_than_any_training_example_is_read_by_its_meaning(kb):
    """DIET has seen nothing longer than the longest training example: on a longer story its ranking is
    left out (a sure "where to buy" for a story of red marks and a lotion); a short message keeps it."""
    story = ("so my spots finally calmed down after months of antibiotics and a prescription cream from my gp, "
             "which is great, but now both cheeks are covered in flat reddish patches that never seem to go "
             "away and my mum keeps telling me to just wait it out. what would you suggest?")
    assert len(story.split()) > kb.longest_example
    diet = [("ask_where_to_buy", 0.9), ("ask_red_marks", 0.05)]
    assert analyse(kb, story, diet).intents[0][0] != "ask_where_to_buy"
    assert analyse(kb, "what would you suggest for flat reddish patches", diet).intents[0][0] == "ask_where_to_buy"


def test_alone_the_search_answers_on_words_that_say_what_is_asked(kb):
    """With no classifier guess, an everyday word found in one passage ("work": pigment-lightening
    ingredients "may have limited effect") is no answer (the weak guess is offered); a rare word is."""
    from bot.knowledge.plan import choose as _choose

    asked = (("honestly does any of it work for real", "study"), ("what does thiamidol do for real", "thiamidol"))
    for text, topic in asked:
        part = analyse(kb, text, []).parts[0]
        unsure = dataclasses.replace(part, ranking=(("ask_study", 0.12), ("out_of_scope", 0.11)))
        assert _choose(kb, unsure).topic == topic, text


def test_which_product_asked_of_none_is_the_routine(kb):
    """The routine names the products (for the marks said); a guess from "product" alone is no answer."""
    from bot.knowledge.plan import planned as _plan

    part = analyse(kb, "so which product is for my kind?", []).parts[0]
    unsure = dataclasses.replace(part, ranking=(("ask_cleanser", 0.09), ("ask_routine", 0.07)))
    assert _plan(kb, unsure, None, {}).topic == "routine"
    named = analyse(kb, "which product has salicylic acid in it?", []).parts[0]
    assert _plan(kb, named, None, {}).topic != "routine"


@pytest.mark.parametrize("text, first", [
    ("what's in the serum besides thiamidol?", "The serum also contains salicylic acid"),
    ("apart from salicylic acid whats in the serum", "Its key ingredient, Thiamidol"),
])
def test_besides_an_ingredient_is_the_products_next_one(kb, text, first):
    from bot.knowledge import reply_to

    assert first in reply_to(kb, text, [], {}).messages[0].text


@pytest.mark.parametrize("text", [
    "i got these marks on holiday in portugal last august. why do they stay so long?",
    "we moved from canada in january and my spots left marks, what are they?",
])
def test_when_or_where_told_before_a_question_is_no_subject(kb, text):
    """A question leaning on what was told before it ("why do they...") asks about what was told, not
    when or where it happened (WordNet: the word's first sense is a time or a place)."""
    assert analyse(kb, text, []).parts[0].foreign == ()


def test_a_thing_told_before_a_question_leaning_on_it_is_its_subject(kb):
    part = analyse(kb, "my gp put me on doxycycline in may. is it good for marks?", []).parts[0]
    assert "doxycycline" in part.foreign


def test_text_speak_and_numbers_are_no_subject(kb):
    """A word written without a vowel ("smth", "srsly", "2023") names no thing the article could be asked about."""
    for text in ("is there smth for the shine", "srsly does the serum work", "my marks from 2023 are still there"):
        assert analyse(kb, text, []).parts[0].foreign == (), text


def test_the_articles_abbreviations_typed_in_capitals_are_about_skin(kb):
    """"PIE" in capitals is the article's post-inflammatory erythema ("(PIE)"), "pie" a pastry."""
    assert analyse(kb, "How do you deal with PIE?", []).about_skin
    assert not analyse(kb, "how do you deal with a soggy pie?", []).about_skin
