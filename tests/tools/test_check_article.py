"""`check-article`: a new version of the article, as copied from the web page, checked against the topic map."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase
from bot.tools.check_article import main, uses
from tests.conftest import SOURCE

SERUM_CLAIM = "With the first visible results in 2 weeks"  # in routine.3
PICKING = "Remember not to squeeze or pick at pimple marks. "  # red-spots.3
DARK_SKIN = ("People with dark skin are normally more affected by hyperpigmentation marks than those with a lighter "
             "skin tone as skin pigmentation is stronger in dark skin.")  # causes.7


def edited(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the published article with `old` replaced by `new` (which must be there once)."""
    text = SOURCE.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "new-article.txt"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def run(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main([str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def users(kb: KnowledgeBase, pid: str) -> list[str]:
    return [t.id for t in kb.topics.values() if pid in t.passages]


def test_the_published_article_passes(kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(SOURCE, capsys)
    assert code == 0, out
    assert out == f"OK: all {len(uses(kb))} passages the answers use are in the new text\n"
    assert err == ""


def test_every_kind_of_use_is_checked(kb: KnowledgeBase) -> None:
    used = uses(kb)
    assert "end.1" in used and "product serum (buy)" in used["end.1"]  # a product aspect
    assert "topic causes (red)" in used["causes.4"]  # a red/brown variant
    assert used["routine.6"] == ["footnote of routine.3"]  # the footnote of a starred claim
    assert list(used) == sorted(used, key=kb.order.__getitem__)


def test_curly_or_straight_quotes_and_spacing_do_not_matter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = edited(tmp_path, "damages or dilates the skin’s blood", "damages or  dilates the skin's blood")
    code, out, _ = run(path, capsys)
    assert code == 0 and out.startswith("OK: all") and "WARNING" not in out


def test_a_changed_answering_sentence_fails(kb: KnowledgeBase, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = edited(tmp_path, SERUM_CLAIM, "With the first visible results in 4 weeks")
    code, out, _ = run(path, capsys)
    assert code == 1
    old = kb.passages["routine.3"].text
    assert "CHANGED routine.3, used by topic serum, topic results_time" in out
    assert f"  old: {old}\n" in out
    assert f"  closest new (routine.3, 99% similar): {old.replace('2 weeks', '4 weeks')}\n" in out
    assert "product serum (time)" in out
    assert out.splitlines()[-1].startswith("FAIL: 1 of the ")
    assert "(1 changed, 0 removed)" in out


def test_a_new_date_on_the_page_fails_naming_the_dates_topic(kb: KnowledgeBase, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The page's dates are no furniture: the bot quotes them when asked how recent the article is."""
    code, out, _ = run(edited(tmp_path, "Last Reviewed: May 2025", "Last Reviewed: June 2026"), capsys)
    assert code == 1 and "CHANGED dates.2, used by topic article_date" in out


def test_a_removed_sentence_fails_naming_its_topics(kb: KnowledgeBase, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(edited(tmp_path, PICKING, ""), capsys)
    assert code == 1
    assert users(kb, "red-spots.3") == ["picking", "prevention"]
    assert "REMOVED red-spots.3, used by topic picking, topic prevention" in out
    assert f"  old: {kb.passages['red-spots.3'].text}\n" in out
    assert "  closest new (" in out
    # the next sentence is still there, one place up
    assert "WARNING red-spots.4 -> red-spots.3: the sentence moved" in out
    assert out.splitlines()[-1].startswith("FAIL: 1 of the ")
    assert "(0 changed, 1 removed)" in out and out.rstrip().endswith("(1 warning above)")


def test_a_moved_sentence_warns_with_its_new_id(kb: KnowledgeBase, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = edited(tmp_path, f"{DARK_SKIN}\n\n", "")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "pimple marks and spots.\n", f"pimple marks and spots.\n\n{DARK_SKIN}\n"), encoding="utf-8")
    code, out, _ = run(path, capsys)
    assert code == 0, out
    assert users(kb, "causes.7") == ["skin_tone"]
    assert "WARNING causes.7 -> red-spots.5: the sentence moved, its id would change (used by topic skin_tone" in out
    assert "update bot/data/topics.yml" in out and f'  "{DARK_SKIN}"' in out
    assert "CHANGED" not in out and "REMOVED" not in out
    assert out.splitlines()[-1] == f"OK: all {len(uses(kb))} passages the answers use are in the new text " \
                                   "(1 warning above)"


def test_an_inserted_sentence_shifts_the_ids_after_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = edited(tmp_path, "In contrast, post-inflammatory", "Marks fade slowly. In contrast, post-inflammatory")
    code, out, _ = run(path, capsys)
    assert code == 0
    assert "WARNING causes.5 -> causes.6" in out and "WARNING causes.7 -> causes.8" in out


def test_a_new_section_warns(kb: KnowledgeBase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    section = ("Diet and acne marks\n\nbowl of fruit\nEating well helps your skin\n\n"
               "Some people find that certain foods make breakouts worse. Ask a dermatologist before changing "
               "your diet.\n\n")
    code, out, _ = run(edited(tmp_path, "Acne marks vs acne scars\n", section + "Acne marks vs acne scars\n"), capsys)
    assert code == 0, out
    assert out.split("\n\n") == [
        # (3: the image's caption "Eating well helps your skin" is kept, its alt text "bowl of fruit" is not)
        'WARNING new section: "Diet and acne marks" (would be {#diet-and-acne-marks}, 3 sentences): no answer uses it '
        "yet; add it to bot/data/article.md and topics.yml if the bot should",
        f"OK: all {len(uses(kb))} passages the answers use are in the new text (1 warning above)\n",
    ]


def test_a_missing_heading_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(edited(tmp_path, "Home remedies for acne marks\n\n", ""), capsys)
    assert 'WARNING section not found: "Home remedies for acne marks" {#home-remedies}' in out
    assert "WARNING home-remedies.1 -> marks-vs-scars.7" in out  # its caption, then its first sentence
    assert "WARNING home-remedies.2 -> marks-vs-scars.8" in out
    assert code == 0


@pytest.mark.parametrize("name, content", [("missing.txt", None), ("empty.txt", " \n\n"), ("binary.txt", b"\xff\xfa")])
def test_an_unreadable_or_empty_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      name: str, content: str | bytes | None) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(path, capsys)
    assert code == 2 and out == ""
    expected = "is empty" if name == "empty.txt" else "error: cannot read"
    assert err.startswith("error: ") and expected in err and str(path) in err
    assert "Traceback" not in err
    if content is None:
        assert "No such file or directory" in err
    if isinstance(content, bytes):
        assert "not UTF-8 text" in err



def test_the_cli_runs_it(tmp_path, capsys):
    from bot import cli

    assert cli.main(["check-article", str(SOURCE)]) == 0
    assert cli.main(["check-article", str(edited(tmp_path, PICKING, ""))]) == 1
    assert "used by topic picking" in capsys.readouterr().out
