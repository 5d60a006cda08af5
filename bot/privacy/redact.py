"""Replace e-mail addresses and phone numbers in visitor text by `[email]` / `[phone]`.

Used by the operators' report (bot/tools/report.py) and meant for messages before storage. A
phone number is a run of digit groups (separated by one space, dot, hyphen or slash; an area code
may be in parentheses; an optional leading `+`) with 9 to 15 digits, or 7 to 15 after a `+`.
Numbers that are not phones are left alone: durations and doses ("8 weeks", "SPF 30"), years and
year lists, dates (12/05/2025, 2025-05-12, 12.05.2025: 8 digits), prices and percentages (a
currency sign before, `%` after), decimals and dotted thousands (3.14159265358, 1.234.567.890,
192.168.100.200), and a lone number of up to 8 digits.
"""

from __future__ import annotations

import re

EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?![\w-])",
    re.UNICODE,
)
_UNIT = r"(?:\(\d{1,5}\)\s?)?\d+"  # digits, maybe after an area code in parentheses: (555) 123, (0)20
_SEP = r"(?:\s?-\s?|[ ./])"
PHONE = re.compile(
    rf"(?<![\w+$€£¥])(?<!\d[.,/-])(?P<plus>\+\s?)?{_UNIT}(?:{_SEP}{_UNIT})*(?![\w%])(?![.,/-]\d)",
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_CURRENCY_BEFORE = re.compile(r"[$€£¥]\s?$")
_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d+")


def _is_phone(match: re.Match[str]) -> bool:
    """Is this run of digit groups a phone number (see the module docstring)?"""
    candidate = match.group(0)
    groups = _DIGITS.findall(candidate)
    digits = sum(map(len, groups))
    if not (7 if match.group("plus") else 9) <= digits <= 15:
        return False
    if len(groups) > 1 and all(_YEAR.fullmatch(g) for g in groups):
        return False  # 2019 2020 2021
    if "." in candidate and (len(groups) == 2 or all(len(g) == 3 for g in groups[1:])):
        return False  # 3.14159265358, 1.234.567.890, 192.168.100.200
    return not _CURRENCY_BEFORE.search(match.string, 0, match.start())


def _phone(match: re.Match[str]) -> str:
    return "[phone]" if _is_phone(match) else match.group(0)


def redact(text: str) -> str:
    """`text` with every e-mail address replaced by `[email]` and phone number by `[phone]`."""
    if not text:
        return text
    if "@" in text:
        text = EMAIL.sub("[email]", text)
    if len(_DIGIT.findall(text)) >= 7:  # the shortest phone number redacted: + and 7 digits
        text = PHONE.sub(_phone, text)
    return text
