"""ConText's scope of a clause (bot/knowledge/context.py) on spaCy's tokens, norms and lemmas: each form
of a word counts as the word, and no word made of another counts as it."""

import pytest

from bot.knowledge import context


@pytest.mark.parametrize("text", ["my eyes isnt swollen", "my lips arent hot", "my face doesnt itch",
                                  "the spot hasn't got pus", "my cheeks are not red"])
def test_every_form_of_not_negates(text):
    assert context.scope(text).negated


@pytest.mark.parametrize("text", ["i cant breathe", "i cannot swallow", "my spot won't stop bleeding",
                                  "it never went away and my cheek is hot", "the bumps are not getting better"])
def test_an_inability_or_a_negated_improvement_is_no_negation(text):
    assert not context.scope(text).negated


@pytest.mark.parametrize("text", ["my shoulders are hot", "the patches are spreading", "there is swelling"])
def test_body_words_are_anchors_in_any_number(text):
    assert context.scope(text).anchored


@pytest.mark.parametrize("text", ["the jar got hot", "it spotted the bill", "faced with a hot deadline"])
def test_a_verb_made_of_a_body_word_is_no_anchor(text):
    assert not context.scope(text).anchored


def test_a_past_form_is_neither_going_on_nor_a_general_question():
    """'kept' is not 'keeps' (going on), 'caused' is not 'what causes' (asked in general)."""
    assert context.scope("i kept picking my spots years ago").historical
    assert context.scope("my spot caused a rash on my cheek").applies


@pytest.mark.parametrize(("text", "over"), [
    ("my eyelid puffed up about forty minutes ago", False), ("i got a blister on my lip 2 days ago", False),
    ("the rash came up a few hours ago", False), ("my eyelid puffed up about two years ago", True),
    ("i got a blister on my lip 3 months ago", True)])
def test_what_began_days_ago_goes_on_what_began_months_ago_is_over(text, over):
    """ConText's temporal window: a finding that began within days is current."""
    assert context.scope(text).historical is over


def test_friends_are_someone_else_and_children_the_visitors():
    assert context.scope("my friends eyes are swollen").other
    assert context.scope("my childrens faces are swollen").applies
    assert context.scope("just kidding, my face is fine").other is False


@pytest.mark.parametrize(("text", "child"), [
    ("my little sister 6 has a spot that is red hot and swollen", True),  # (a clause as read: no brackets)
    ("my 6 year old sister has a hot swollen spot", True), ("15 year old girl got blisters on her face", True),
    ("my brother, 7, has a swollen spot", True),
    ("my 70 year old mum has a swollen spot", False), ("my dad 45 has a swollen spot", False),
    ("my sister 2 weeks ago had a swollen spot", False),
])
def test_someone_younger_than_sixteen_is_a_child_the_visitors_to_look_after(text, child):
    """An age under 16 makes a sister, a brother or a girl a child: their finding is the visitor's to act on
    (issue 19: "a child's spot that is hot and swelling"); an adult's, or a time after a person, is not."""
    assert (not context.scope(text).other) is child


@pytest.mark.parametrize(("text", "over"), [
    ("i had chickenpox with a high fever as a kid", True), ("my face swelled up as a teenager", True),
    ("my lip is swollen as a result", False), ("as a nurse i see infected spots", False)])
def test_as_a_child_is_the_visitors_past(text, over):
    """ConText's "as a child": "as a" and a noun WordNet files under child (kid, teenager, baby)."""
    assert context.scope(text).historical is over


@pytest.mark.parametrize(("text", "over"), [
    ("cheek still throbbing 4 days after a huge pimple went down", False),
    ("the swelling went down 4 days ago", True), ("it healed and the mark is flat now", True)])
def test_what_still_goes_on_is_not_over_though_something_healed(text, over):
    assert context.scope(text).historical is over


@pytest.mark.parametrize(("text", "anchored"), [
    ("the dough is swelling nicely", False), ("steak was still bleeding in the middle", False),
    ("there is a crust of dried ink on the printer", False), ("the spot is swollen and hot", True),
    ("the cream made the spot swell", True), ("my pie crust blistered but my spot is bleeding", True),
    ("the pillow case is stained and my spot is bleeding", True), ("the new mask gave me blisters", True)])
def test_what_goes_wrong_anchors_no_clause_about_a_thing(text, anchored):
    """A swelling, a crust or a blister of a thing made, eaten or grown (WordNet's artifacts, food,
    plants; not a toiletry) is no report; the visitor's own ("my spot", "me") or a body part still is."""
    assert context.scope(text).anchored is anchored


@pytest.mark.parametrize(("text", "over"), [
    ("a spot on my cheek healed into a shiny bump that bleeds", False), ("the spot healed last month", True)])
def test_what_healed_into_something_else_is_a_change_not_over(text, over):
    assert context.scope(text).historical is over


@pytest.mark.parametrize(("text", "anchored"), [
    ("the old tv makes a sizzling sting sound when i turn it on", False),
    ("my lips swell when i use it", True), ("i get hives when i use the cream", True)])
def test_i_in_a_when_clause_is_the_circumstance_not_who_has_the_finding(text, anchored):
    assert context.scope(text).anchored is anchored


@pytest.mark.parametrize(("text", "over"), [
    ("my mark bleeds when i wash my face", False), ("it cracks and hurts when i smile", False),
    ("my spots get infected when im stressed", False), ("my face swelled up when i was 15", True),
    ("i had a rash when i first got acne", True)])
def test_when_i_is_the_past_only_before_a_past_form(text, over):
    """ConText's "when I" is historical for what happened then ("when I was 15"), not for a habit now."""
    assert context.scope(text).historical is over


def test_zero_negates_and_someone_is_someone_else():
    assert context.scope("just brown marks, zero pus or swelling").negated
    assert context.scope("someone at work had a spreading infection").other


@pytest.mark.parametrize(("text", "negated"), [
    ("the baby is hot and won't feed", False), ("he isn't drinking and is floppy", False),
    ("it isn't swollen or hot", True), ("my spot doesn't bleed", True)])
def test_not_taking_food_or_drink_in_is_the_finding_not_its_denial(text, negated):
    """A negated verb of consumption (WordNet's first sense: eat, drink, feed, swallow) is an inability."""
    assert context.scope(text).negated is negated


@pytest.mark.parametrize(("text", "child"), [
    ("my 8 month old has a high temp", True), ("my 2 year old is floppy", True),
    ("my 70 year old mum has a swollen face", False)])
def test_a_child_named_by_age_is_the_visitors_to_look_after(text, child):
    scope = context.scope(text)
    assert (scope.anchored and not scope.other) is child


def test_years_old_is_an_age_not_the_past():
    assert not context.scope("i am 25 years old and have a rash on my chin").historical
    assert context.scope("my lips swelled up years ago").historical


@pytest.mark.parametrize(("text", "over"), [
    ("a bit of peeling around my mouth last week, stopped now", True), ("it has gone now", True),
    ("it's not gone now", False), ("it stopped bleeding but now it's swollen", False)])
def test_an_improvement_done_by_now_is_over(text, over):
    """"stopped now", "gone now": a verb of improvement in the past, then "now" (not "now it's swollen")."""
    assert context.scope(text).historical is over


@pytest.mark.parametrize(("text", "over"), [
    ("i had a slight tingle that stopped completely after about 5 days", True),
    ("a rash came up on my chin, it cleared in a week", True), ("my cheek was puffy but it shrank", True),
    ("it clears up and comes back every month", False), ("i stopped the serum and my lips are swollen", False),
    ("the rash it caused is spreading", False)])
def test_a_finding_that_has_ended_is_over(text, over):
    """"it"/"that" right before a verb of a finding ending, in a past form ("stopped", "cleared", "shrank"):
    the finding is over; not in the present ("clears"), not when the visitor stopped something."""
    assert context.scope(text).historical is over


@pytest.mark.parametrize(("text", "anchored"), [
    ("mine burns a bit when i put it on", True), ("mine are swollen", True), ("it burns when i put it on", False)])
def test_mine_is_the_speakers_as_i_is(text, anchored):
    """"mine" stands for the visitor's own (a first-person pronoun), as "I" does; "I" in a when-clause still doesn't."""
    assert context.scope(text).anchored is anchored
