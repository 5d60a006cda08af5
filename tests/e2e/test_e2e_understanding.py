"""The case sets through the whole bot (real Rasa + action server, REST): the bars of issue 9.

The figures themselves are written by `make eval` to docs/results/eval.json; these tests hold the
bars so that a change that breaks understanding fails CI.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.tools.evaluate import Client, Grounding, evaluate, summary

CASES = ROOT / "tests"


@pytest.fixture(scope="module")
def scored(servers, article_text):
    """{case file: figures} for every case set, each message from a new conversation."""
    names = ("cases.yml", "cases_wild.yml", "red_flags.yml", "non_skin.yml", "dev/red_flags_dev.yml",
             "dev/conversations_dev.yml")

    def score(name: str) -> dict:
        client = Client(servers.url, text_only=True)
        done, fails, lengths = evaluate(yaml.safe_load((CASES / name).read_text()), client, Grounding(article_text))
        return summary(done, lengths, client.ms) | {"fails": fails}

    with ThreadPoolExecutor(max_workers=2) as sets:  # two sets at a time: Rasa's and the actions' CPU both busy
        return {Path(name).name: figures for name, figures in zip(names, sets.map(score, names), strict=True)}


def rate(pair):
    ok, total = pair
    return ok / total


def test_standard_phrasing_stays_answered_and_grounded(scored):
    fig = scored["cases.yml"]
    assert rate(fig["answers"]) >= 0.97, fig["fails"]
    assert rate(fig["grounded"]) == 1 and rate(fig["out_of_scope"]) == 1, fig["fails"]


def test_visitors_wild_phrasing_is_answered(scored):
    fig = scored["cases_wild.yml"]
    assert rate(fig["answers"]) >= 0.9, fig["fails"]
    assert rate(fig["conversations"]) == 1 and rate(fig["out_of_scope"]) == 1, fig["fails"]


def test_red_flags_are_precise(scored):
    fig = scored["red_flags.yml"]
    # every real one warned first; of the harmless ones, the one missed since issue 19 is "bit of
    # swelling in my legs after leg day" (docs/understanding.md)
    assert rate(fig["no_false_alarm"]) >= 0.98 and rate(fig["red_flag_first"]) == 1, fig["fails"]


def test_messages_not_about_skin_get_no_passage(scored):
    fig = scored["non_skin.yml"]
    assert rate(fig["non_skin_declined"]) >= 0.95, fig["fails"]


def test_the_development_set_of_others_keeps_its_figures(scored):
    """tests/dev/red_flags_dev.yml (written by a helper session that never read the code), through the
    whole bot: the figures measured when issue 19's work stopped (docs/understanding.md), as floors; since
    stop 38 (a report joined to a question by "and", docs/evaluation.md) 77/80 harmless (was 78: two
    more warned there, 13 more warning signs warned across the sets) and 40/45 warnings (was 38)."""
    fig = scored["red_flags_dev.yml"]
    assert fig["no_false_alarm"][0] >= 77 and fig["red_flag_first"][0] >= 40, fig["fails"]
    assert fig["urgent_first"][0] >= 11 and fig["customer_service"][0] >= 26, fig["fails"]


def test_the_development_conversations_keep_their_figure(scored):
    """tests/dev/conversations_dev.yml (70 conversations written by a helper session that never read the
    code; only the last reply is scored): the figure when issue 20's work stopped, as a floor."""
    fig = scored["conversations_dev.yml"]
    assert fig["conversations"][0] >= 55, fig["fails"]


def test_a_question_of_its_own_is_answered_as_alone_after_another(servers, article_text):
    """Each standard question asked as the second turn of a conversation opened by another question of the
    file (`--after-another`): a new subject replaces the old one. 98/104 before stop 45, 101 since
    (bench/results/after-another*.json); the floor catches a return to reading questions as follow-ups."""
    client = Client(servers.url, text_only=True)
    done, fails, lengths = evaluate(yaml.safe_load((CASES / "cases.yml").read_text()), client,
                                    Grounding(article_text), after_another=True)
    fig = summary(done, lengths, client.ms)
    assert fig["answers"][0] >= 100 and rate(fig["out_of_scope"]) == 1, fails


@pytest.mark.parametrize("turns", [
    ["what is the serum", "thanks! oh and my eyelid is swollen shut next to the spot"],
    ["hi! my lips are swelling up since i put the serum on"],
    ["can i talk to a real person please, my eye is swollen shut and it hurts to look at light"],
])
def test_a_symptom_in_small_talk_gets_the_warning_first(servers, turns):
    """DIET reads these as a thank-you, a greeting or a request for a person; the understanding routes them
    to the warning first."""
    client = Client(servers.url, text_only=True)
    sender = f"smalltalk-{abs(hash(tuple(turns)))}"
    for turn in turns:
        client.say(sender, turn)
    assert client.kinds[:1] == ["red_flag"], client.first
