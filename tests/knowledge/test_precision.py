"""The precision sets: trigger words used harmlessly get no warning, real red flags always do, and
messages not about skin get no article passage. Run on the knowledge base alone (no Rasa ranking);
the same sets run against the whole bot in tests/e2e/test_e2e_rest.py and `make eval`.

tests/red_flags.yml is the team's own set; tests/dev/red_flags_dev.yml was written by a helper
session that never read the code (development set). The figures they must keep are the ones measured
when safety became a matter of meaning and scope (docs/understanding.md); each test lists its misses.
Customer service is found by the sentence meaning alone here (DIET's half of the ranking is missing):
28 of the 30 development messages since it is enough on its own (25 before).
"""

import pytest
import yaml

from bot.config import ROOT
from bot.knowledge import reply_to, safety
from bot.knowledge.analysis import analyse
from bot.tools.evaluate import Grounding

CASES = ROOT / "tests"
RED_FLAGS = yaml.safe_load((CASES / "red_flags.yml").read_text())
DEV = yaml.safe_load((CASES / "dev" / "red_flags_dev.yml").read_text())
# written as examples by kind at stop 47 (docs/evaluation.md): 205/210, 55/70, 24/30 at its end; 56/70 at stop 48
DEV7 = yaml.safe_load((CASES / "dev" / "red_flags_dev7.yml").read_text())
NON_SKIN = yaml.safe_load((CASES / "non_skin.yml").read_text())["non_skin"]
# (set, list) -> the share that must come out right
FLOORS = {("own", "harmless"): 0.98, ("own", "warning"): 1.0, ("dev", "harmless"): 0.95,
          ("dev", "warning"): 0.8, ("dev", "urgent"): 0.75, ("dev", "customer_service"): 0.9,
          ("dev7", "harmless"): 0.97, ("dev7", "warning"): 0.8, ("dev7", "urgent"): 0.8}


def test_the_sets_are_the_size_the_issue_asks_for():
    assert len(RED_FLAGS["harmless"]) >= 40 and len(RED_FLAGS["warning"]) >= 30 and len(NON_SKIN) >= 40
    assert len(DEV["harmless"]) >= 60 and len(DEV["warning"]) + len(DEV["urgent"]) >= 30


def _right(kb, kind: str, text: str) -> bool:
    analysis = analyse(kb, text, [])
    first = reply_to(kb, text, [], {}).messages[0]
    if kind == "harmless":
        return analysis.red_flag is None and first.kind != "red_flag"
    if kind == "customer_service":
        return analysis.customer_service and first.kind == "handoff"
    urgent = kind == "urgent"
    return first.kind == "red_flag" and (analysis.red_flag == "urgent") >= urgent


@pytest.mark.parametrize("name,kind", sorted(FLOORS))
def test_warnings_come_for_real_symptoms_only(kb, name, kind):
    cases = {"own": RED_FLAGS, "dev": DEV, "dev7": DEV7}[name][kind]
    misses = [t for t in cases if not _right(kb, kind, t)]
    assert len(cases) - len(misses) >= FLOORS[name, kind] * len(cases), misses


def test_a_symptom_denied_someone_elses_or_over_is_no_report(kb):
    for text in ("it isn't swollen or warm, just red, what is it", "my dad's knee swelled up after football",
                 "i had an infected cut years ago, anyway what does the serum do",
                 "what does an infected spot look like"):
        assert analyse(kb, text, []).red_flag is None, text
    for text in ("my lips are swelling and i can't breathe since i put the serum on",
                 "the spot won't stop bleeding and it's getting bigger"):
        assert analyse(kb, text, []).red_flag, text


def test_a_finding_the_next_clause_says_is_over_is_the_past(kb):
    """"..., but it settled now": the clause after the finding, of no subject of its own, says it's over."""
    over = "my cheeks flaked and burned in the first week but it settled now, what next?"
    assert analyse(kb, over, []).red_flag is None
    assert analyse(kb, "my cheeks flaked and burned in the first week but it is getting worse", []).red_flag


def test_a_rash_that_stays_when_i_press_a_glass_on_it_is_urgent(kb):
    """"when I press": what happens now, not "when I was 15" (ConText's "when I" is past before a past form)."""
    text = "my 2 year old has a fever and a rash that doesn't fade when i press a glass on it"
    assert analyse(kb, text, []).red_flag == "urgent"


def test_a_report_joined_to_a_question_by_and_is_still_one(kb):
    """A question and a report joined by "and" or "but" make one clause that reads as neither clearly
    (0.39 here): the piece read alone as a clear report stands for it; a harmless piece does not."""
    for text in ("what does the serum do and my lips swelled up after the cleanser",
                 "is the fluid ok for oily skin but my face has been swollen and hot since yesterday"):
        assert analyse(kb, text, []).red_flag, text
    for text in ("does the serum help with swelling and redness", "my dad's knee swelled up after football and "
                 "what does the serum do", "the jar got hot in the sun and does the serum still work"):
        assert analyse(kb, text, []).red_flag is None, text


def test_the_warning_asks_for_a_medical_check_without_diagnosing(kb):
    assert "pharmacist or doctor can assess this" in kb.replies["red_flag"]
    assert "infection" not in kb.replies["red_flag"].lower()
    assert "medical help now" in kb.replies["red_flag_urgent"]


def test_messages_not_about_skin_get_no_passage(kb, article_text):
    quotes = Grounding(article_text)
    misses = [t for t in NON_SKIN if quotes(" ".join(m.text for m in reply_to(kb, t, [], {}).messages))]
    # the classifier alone guesses a skin topic for a few ("when do a level results come out"):
    # the whole bot scores this set in tests/e2e/test_e2e_rest.py; see docs/evaluation.md
    assert len(misses) <= 0.05 * len(NON_SKIN), misses


def test_one_emergency_among_other_signs_is_urgent(kb):
    """A clause mixing signs reads as a plain symptom whole; one of its pieces alone is an emergency."""
    for text in ("my eye has started bulging and its so painful, and the spot next to it is swollen",
                 "really bad pain in my eye and its swollen up near the pimple on my lid"):
        assert analyse(kb, text, []).red_flag == "urgent", text
    for text in ("my spot is hot and swollen, and it hurts", "the mark keeps bleeding and getting bigger"):
        assert analyse(kb, text, []).red_flag == "symptom", text


def test_a_clear_report_counts_whatever_the_question_beside_it():
    """Read in the message, the question beside it pulls a report's vote under MIN_VOTE ("since i started
    the serum 3 days ago i have itchy raised welts... should i keep using it?": 0.37); read alone it
    is a report at CLEAR_VOTE (0.57 there) and counts."""
    from bot.knowledge import safety
    from bot.knowledge.thresholds import CLEAR_VOTE, MIN_VOTE

    clause = "since i started the serum i have itchy raised welts all over my cheeks"
    alone = [("report_red_flag", CLEAR_VOTE + 0.01), ("ask_serum", 0.2)]

    def meaning(texts):
        return [alone if t == clause else [("ask_usage", 0.9)] for t in texts]

    found = safety.finding([clause, "should i keep using it"],
                           [[("report_red_flag", MIN_VOTE - 0.03)], [("ask_usage", 0.9)]], meaning)
    assert found is not None and found.kind == "symptom" and found.clause == clause
    assert CLEAR_VOTE <= 0.57


def test_a_clause_is_read_alone_only_when_it_means_something_of_a_report_in_its_context():
    """Read alone, a clause reads as a report more clearly, not from nothing (ALONE_VOTE): the clauses
    of a longer message that mean less of one in context are not read again; the others are, told in
    the first person."""
    from bot.knowledge import safety
    from bot.knowledge.thresholds import ALONE_VOTE

    read: list[str] = []

    def meaning(texts):
        read.extend(texts)
        return [[("report_red_flag", 0.9)] for _ in texts]

    clauses = ["what causes red marks", "her lips swelled up after the cleanser", "does the serum help"]
    in_context = [[("causes", 0.9)], [("report_red_flag", ALONE_VOTE)], [("ask_serum", 0.9), ("report_red_flag", 0.01)]]
    safety.finding(clauses, in_context, meaning)
    assert read[0] == "my lips swelled up after the cleanser" and clauses[0] not in read and clauses[2] not in read
    read.clear()
    assert safety.finding(clauses[::2], in_context[::2], meaning) is None and not read


def test_the_read_ahead_encodes_the_clauses_the_safety_check_then_reads_alone(kb, monkeypatch):
    """`analysis.read_ahead` starts the message's run and, from its meaning in context, the clauses the
    red-flag check will read alone: `analyse` then reads those (and their vectors are the ones queued)."""
    from bot.knowledge.analysis import read_ahead
    from bot.knowledge.encoder import get_encoder

    text = "thanks for the tips, my lips swelled up after the cleanser, also how long till the serum works"
    monkeypatch.setattr(kb, "_vectors", {})
    enc = get_encoder()
    read_ahead(kb, text)
    next(iter(enc._started.values())).result()
    queued = set(enc._started_alone)
    asked: list[str] = []
    meaning = kb.meaning
    monkeypatch.setattr(kb, "meaning", lambda texts: asked.extend(texts) or meaning(texts))
    assert analyse(kb, text, []).red_flag is not None
    assert queued == {"my lips swelled up after the cleanser"} and queued <= set(asked)
    assert not enc._started_alone



def test_the_read_ahead_encodes_a_product_question_without_the_products_name(kb, monkeypatch):
    """A property the article doesn't give, asked of a named product, is read again with "it" for the
    name (`parts._property_first`): the read-ahead starts that reading too, and `analyse` takes it."""
    from bot.knowledge.analysis import read_ahead
    from bot.knowledge.encoder import get_encoder

    monkeypatch.setattr(kb, "_vectors", {})
    enc = get_encoder()
    for text, unnamed in (("how much does the serum cost", "how much does it cost"),
                          ("is it safe to use the serum while pregnant", "is it safe to use it while pregnant")):
        read_ahead(kb, text)
        next(iter(enc._started.values())).result()
        assert set(enc._started_alone) == {unnamed}
        analysis = analyse(kb, text, [])
        assert not enc._started_alone and unnamed in kb._vectors and analysis.parts[0].ranking[0][0] in kb.unanswered
    read_ahead(kb, "what does the serum do")  # no property asked: nothing more started
    next(iter(enc._started.values())).result()
    assert not enc._started_alone
    analyse(kb, "what does the serum do", [])


@pytest.mark.parametrize(("text", "pieces", "red_flag"), [
    # a report, not an emergency: is one of its pieces one? (`safety._urgent_piece`; "hot around a spot"
    # means less than ALONE_VOTE of an emergency in the message: not read alone)
    ("my cheek is swollen and hot around a spot", {"my cheek is swollen"}, "symptom"),
    # some of a report, not enough: is one of its pieces a clear one? (`safety._clear_piece`)
    ("what does the serum do and my lips swelled up after the cleanser",
     {"what does the serum do", "my lips swelled up after the cleanser"}, "urgent"),
])
def test_the_read_ahead_encodes_the_pieces_of_a_clause_the_safety_check_reads(kb, monkeypatch, text, pieces, red_flag):
    """The pieces of a clause the red-flag check reads alone: the read-ahead starts them
    (`safety.pieces_ahead`), and `analyse` takes them."""
    from bot.knowledge.analysis import read_ahead
    from bot.knowledge.encoder import get_encoder

    monkeypatch.setattr(kb, "_vectors", {})
    enc = get_encoder()
    read_ahead(kb, text)
    next(iter(enc._started.values())).result()
    assert set(enc._started_alone) == pieces
    assert analyse(kb, text, []).red_flag == red_flag
    assert not enc._started_alone and pieces <= set(kb._vectors)

def test_what_a_symptom_means_is_read_in_the_first_person(kb):
    """The training examples tell symptoms as "I"; who it happens to is the scope's question: an
    emergency of someone with the visitor is read as one, someone else's past or general one is not."""
    text = "help my husband just put on the gel and he's wheezing and can't get his breath, his face is blotchy"
    assert analyse(kb, text, []).red_flag == "urgent"
    assert analyse(kb, "my dad's knee swelled up after football years ago", []).red_flag is None


def test_a_young_child_very_unwell_with_a_fever_is_urgent_and_a_numbness_gone_is_over(kb):
    """A child's fever with floppiness is an emergency (examples the sentence meaning alone learns from:
    bot/rasa_ext/training.py); a numbness "back to normal now" is over (ConText's resolved)."""
    assert analyse(kb, "my baby has a fever and is floppy and not feeding", []).red_flag == "urgent"
    assert analyse(kb, "my cheek was numb after the dentist yesterday, back to normal now, ok to use the serum?",
                   []).red_flag is None


def test_a_skin_condition_the_article_does_not_cover_reported_now_is_a_symptom(kb):
    """A clause naming such a condition needs less of the meaning to be a report: the two say it together.
    Asked about, someone else's or over, it is still no report."""
    for text in ("i've had hives on my arms since i started the routine, breathing is fine though",
                 "i've had itchy hives on my arms since i started the routine",  # 0.24 in context
                 "the mole on my back has changed colour and got bigger"):
        assert analyse(kb, text, []).red_flag == "symptom", text
    for text in ("my sister has had hives since she started a new soap", "i had hives years ago, is the serum ok?",
                 "is the routine ok if i have eczema?", "i have freckles, will thiamidol fade them",
                 "i have a few moles on my back, can i use the serum there?"):
        assert analyse(kb, text, []).red_flag is None, text


def test_an_ailment_the_article_does_not_speak_of_needs_less_of_the_meaning_to_be_a_report(kb):
    """A clause naming an ailment (WordNet: a symptom or ill health) in words the article doesn't use is a
    report with less of the meaning (AILMENT_VOTE); acne's own words are no such ailment. A figure of
    speech, someone else's or a past one is still none."""
    assert kb.ailments("my jaw came up in welts") == ("welts",) and kb.ailments("i have a fever") == ("fever",)
    assert kb.ailments("my pimple left a red scar") == kb.ailments("the redness of my marks") == ()
    assert analyse(kb, "after trying the serum i came up in welts all over my jaw, should i carry on",
                   []).red_flag is not None
    for text in ("the rumour spread like a rash through the office",
                 "the crowd was at fever pitch at the match, anyway how long does the serum take",
                 "my brother had a fever last week, can he use the serum for his marks",
                 "puppy is so hyper it's like he has a fever"):
        assert analyse(kb, text, []).red_flag is None, text
    # the clause must be the visitor's without the ailment's word, however it is typed
    assert not safety._ailing("Puppy is so hyper, like he has a Fever", kb.ailments)
    assert safety._ailing("My jaw came up in Welts", kb.ailments)


def test_it_of_a_thing_the_message_names_is_no_product_detail(kb):
    """"it" in a first message naming a thing made, eaten or grown is that thing, not a product whose
    detail the article leaves out: declined, no quote."""
    for text in ("Rust fungus is spreading all over my roses, how do I stop it before it takes out the whole bed?",
                 "white crusty stuff on my car battery terminals, how do i clean it off safely"):
        assert reply_to(kb, text, [("ask_product_detail", 0.95)], {}).messages[0].kind == "declined", text
    assert reply_to(kb, "how much is it?", [("ask_price", 0.6)], {}).messages[0].kind != "declined"


def test_non_skin_look_alikes_by_others_get_no_warning(kb):
    """tests/dev/non_skin_dev.yml (240 messages by a helper that never read the code): 238 here (the two
    left: a printer head and a fig leaf read as a body part)."""
    cases = yaml.safe_load((CASES / "dev" / "non_skin_dev.yml").read_text())["non_skin"]
    alarmed = [t for t in cases if analyse(kb, t, []).red_flag]
    assert len(alarmed) <= 2, alarmed


def test_a_thing_named_with_no_skin_word_is_no_skin_question(kb):
    """A subject foreign to this domain that is a thing made, eaten or grown, and no skin word: declined,
    however sure the classifier is of a topic ("how long before…" reads as results)."""
    for text in ("the dough is swelling nicely, how long before i punch it down?",
                 "strawberries have grey fuzzy mould spreading fast, pick everything or spray?"):
        assert reply_to(kb, text, [("ask_results_time", 0.7)], {}).messages[0].kind == "declined", text
    assert reply_to(kb, "can i use the serum with retinol?", [("ask_serum", 0.7)], {}).messages[0].kind != "declined"


def test_a_piece_takes_its_subject_from_the_clause_before_it(kb):
    """A piece that stands for its clause ("... and its raw underneath") speaks of what the clause named
    before it ("my forehead"), as a clause does of the one before; a finding that has ended stays over."""
    assert analyse(kb, "my forehead is flaking off after the toner and its raw underneath, stings to touch",
                   []).red_flag
    assert analyse(kb, "in the first days i had some dryness and a little stinging that stopped after a week, "
                       "can i keep going?", []).red_flag is None
