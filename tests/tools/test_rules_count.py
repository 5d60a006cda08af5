"""The count of hand-written alternatives (`make eval`): rules count, names don't."""

from bot.tools import rules_count


def test_regex_alternatives_and_word_lists_count_names_do_not(tmp_path):
    (tmp_path / "bot" / "data").mkdir(parents=True)
    (tmp_path / "bot" / "knowledge").mkdir()
    (tmp_path / "bot" / "data" / "topics.yml").write_text(
        "off_topic: '\\b(warts?|moles?|hives)\\b'\nremedies: [picking, routine, treatments]\n"
        "core_words: [acne, pimple, zit, skin]\n", encoding="utf-8")
    (tmp_path / "bot" / "knowledge" / "m.py").write_text(
        '"""A module."""\n__all__ = ["a", "b", "c"]\nA, B, C = "a", "b", "c"\n'
        'NEGATION = {"no", "not", "never"}\nSETTING = ("red", "brown")\nIT = r"\\b(it|that)\\b(?!s)"\n',
        encoding="utf-8")
    counts = rules_count.count(tmp_path)
    assert counts == {"bot/data/topics.yml": 3 + 4, "bot/knowledge/m.py": 3 + 3}
