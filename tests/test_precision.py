"""The precision sets committed before the bot was changed (tests/red_flags.yml, tests/non_skin.yml):
trigger words used harmlessly get no warning, real red flags always do, and messages not about skin
get no article passage. Run on the knowledge base alone (its own nearest-example classifier); the
same sets run against the whole bot in tests/test_e2e_rest.py and `make eval`."""

from pathlib import Path

import pytest
import yaml

from bot.knowledge import reply_to, safety
from bot.tools.evaluate import Grounding

CASES = Path(__file__).parent
RED_FLAGS = yaml.safe_load((CASES / "red_flags.yml").read_text())
NON_SKIN = yaml.safe_load((CASES / "non_skin.yml").read_text())["non_skin"]


def test_the_sets_are_the_size_the_issue_asks_for():
    assert len(RED_FLAGS["harmless"]) >= 40 and len(RED_FLAGS["warning"]) >= 30 and len(NON_SKIN) >= 40


@pytest.mark.parametrize("text", RED_FLAGS["harmless"])
def test_a_trigger_word_used_harmlessly_raises_no_flag(kb, text):
    assert safety.red_flag(text) is None
    assert all(m.kind != "red_flag" for m in reply_to(kb, text, [], {}).messages)


@pytest.mark.parametrize("text", RED_FLAGS["warning"])
def test_a_real_red_flag_is_warned_about_first(kb, text):
    assert safety.red_flag(text)
    assert reply_to(kb, text, [], {}).messages[0].kind == "red_flag"


def test_the_warning_asks_for_a_medical_check_without_diagnosing(kb):
    assert "doctor" in kb.replies["red_flag"] and "infection" not in kb.replies["red_flag"].lower()


def test_messages_not_about_skin_get_no_passage(kb, article_text):
    quotes = Grounding(article_text)
    misses = [t for t in NON_SKIN if quotes(" ".join(m.text for m in reply_to(kb, t, [], {}).messages))]
    # the classifier alone guesses a skin topic for a few ("when do a level results come out"):
    # the whole bot scores this set in tests/test_e2e_rest.py; see docs/evaluation.md
    assert len(misses) <= 0.05 * len(NON_SKIN), misses
