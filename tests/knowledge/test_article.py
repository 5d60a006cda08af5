"""The cleaned article: structure, stable ids, verbatim text, no page furniture, loud errors."""

from pathlib import Path

import pytest

from bot.knowledge import article
from bot.knowledge.article import ArticleError
from tests.conftest import norm

EXPECTED_SECTIONS = [
    "intro", "causes", "red-spots", "routine", "marks-vs-scars", "home-remedies", "treatments", "end", "dates",
]


def test_sections_and_ids_are_stable(kb):
    assert list(kb.sections) == EXPECTED_SECTIONS
    assert kb.sections["marks-vs-scars"].title == "Acne marks vs acne scars"
    assert kb.passages["causes.3"].text.startswith("Post-inflammatory erythema (PIE) shows up")
    assert kb.passages["treatments.3"].text == "Chemical peels" and kb.passages["treatments.3"].item


def test_every_passage_is_verbatim_article_text(kb, source_text):
    for passage in kb.passages.values():
        assert norm(passage.text) in source_text, passage.id


def test_every_article_sentence_is_kept(kb, source_text):
    kept = " ".join(norm(p.text) for p in kb.passages.values())
    for sentence in ["Remember not to squeeze or pick at pimple marks.",
                     "*Product in use study with 100 volunteers, 8 weeks of regular usage twice a day.",
                     "To find out more about how to reduce or remove scars caused by acne, read acne scarring."]:
        assert norm(sentence) in kept


@pytest.mark.parametrize("furniture", ["5 min read", "Show more", "close up image", "Woman applying skincare",
                                       "brightening creams for acne", "Related Articles", "FAQs (2)", "psot"])
def test_page_furniture_and_images_alt_text_are_dropped(kb, furniture):
    assert not any(furniture.lower() in p.text.lower() for p in kb.passages.values())


@pytest.mark.parametrize("pid, caption", [
    ("causes.1", "Pimple marks are caused by areas of hyperpigmentation"),
    ("red-spots.1", "Caring for your skin is essential to get rid of post-acne marks"),
    ("home-remedies.1", "Brightening creams can help to get rid of acne marks"),
])
def test_images_captions_are_kept_where_the_page_shows_them(kb, source_text, pid, caption):
    """A reader sees the caption under its section's image: the article's words, quoted like any sentence."""
    assert kb.passages[pid].text == caption and caption in source_text


@pytest.mark.parametrize("text, message", [
    ("no heading here\n", "text before the first heading"),
    ("# Title\n\nBody.\n", "heading needs the form"),
    ("# T {#a}\n\nOne.\n\n## U {#a}\n\nTwo.\n", "duplicate section id 'a'"),
    ("", "no '# Title {#id}' heading"),
])
def test_malformed_article_fails_clearly(text, message):
    with pytest.raises(ArticleError, match=message):
        article.parse(text)


def test_missing_article_file_fails_clearly(tmp_path: Path):
    with pytest.raises(ArticleError, match="cannot read article"):
        article.load(tmp_path / "nope.md")


def test_parse_splits_sentences_and_list_items():
    sections = article.parse("# T {#t}\n\nOne sentence. Two\nwrapped sentence.\n\n- an item\n- another\n")
    assert [(p.id, p.text, p.item) for p in sections[0].passages] == [
        ("t.1", "One sentence.", False), ("t.2", "Two wrapped sentence.", False),
        ("t.3", "an item", True), ("t.4", "another", True),
    ]
