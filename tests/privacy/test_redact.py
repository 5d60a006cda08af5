"""bot/privacy/redact.py: e-mail addresses and phone numbers out, every other number left alone."""

import time

import pytest

from bot.privacy.redact import redact

PHONES = [
    "+44 20 7946 0958",
    "+44 (0)20 7946 0958",
    "+442079460958",
    "0044 20 7946 0958",
    "020 7946 0958",
    "07700 900123",
    "07700900123",
    "(555) 123-4567",
    "(555)123-4567",
    "+1 (555) 123-4567",
    "+1-202-555-0173",
    "+1.555.123.4567",
    "555-123-4567",
    "555 - 123 - 4567",
    "555.123.4567",
    "555 123 4567",
    "5551234567",
    "1-800-555-0199",
    "+33 6 12 34 56 78",
    "06 12 34 56 78",
    "+49 30 1234567",
    "030/12345678",
    "+91 98765 43210",
    "612 345 678",
]
AROUND = ["{}", "call me on {} please", "my number is {}.", "tel:{}", "({})", "{}, thanks", "Number: {}!"]

EMAILS = [
    "john.doe+acne@mail.example.co.uk",
    "a@b.io",
    "Jane_Doe99@sub.domain.org",
    "x-y@foo-bar.com",
    "first.last@example.com",
    "élodie@exemple.fr",
    "user%tag@example.travel",
]

NOT_REDACTED = [
    "2 weeks",
    "8 weeks of regular usage twice a day",
    "SPF 30",
    "SPF 50+ every day",
    "100 volunteers",
    "a study of 100 volunteers over 12 weeks",
    "in 2023",
    "between 2020 and 2023",
    "from 2019-2023",
    "2019 2020 2021",
    "39 degrees",
    "$25.99",
    "£1,299.99",
    "€ 1 299",
    "$1234567890",
    "12/05/2025",
    "12/05/2025 at 14:30",
    "2025-05-12",
    "12.05.2025",
    "12345",
    "123456",
    "2-3 months",
    "10-15 minutes",
    "30-60 seconds",
    "ages 12-18",
    "4.5%",
    "0.5% salicylic acid",
    "1234567890%",
    "3 times a day for 12 weeks",
    "1000 mg",
    "2 x 50 ml",
    "1/2 teaspoon",
    "1.234.567.890",
    "200,000,000 people",
    "192.168.100.200",
    "3.14159265358979",
    "version 3.6.21",
    "10:30-11:45",
    "order #12345678",
    "room 1234 floor 5",
    "@username",
    "user@localhost",
    "a @ b",
    "50% @ night",
    "",
]


@pytest.mark.parametrize("phone", PHONES)
@pytest.mark.parametrize("around", AROUND)
def test_phone_numbers_are_redacted(phone, around):
    redacted = redact(around.format(phone))
    assert redacted == around.format("[phone]")


@pytest.mark.parametrize("email", EMAILS)
@pytest.mark.parametrize("around", ["{}", "mail me at {}.", "<{}>", "({}) thanks", "{}, or {}"])
def test_email_addresses_are_redacted(email, around):
    assert redact(around.format(email, email)) == around.format("[email]", "[email]")


@pytest.mark.parametrize("text", NOT_REDACTED)
def test_other_numbers_and_at_signs_stay(text):
    assert redact(text) == text


def test_a_message_with_both_keeps_the_rest():
    text = "I'm Ann (ann.b+skin@mail.example.com, +44 20 7946 0958): red marks for 8 weeks, SPF 30 since 2023"
    assert redact(text) == "I'm Ann ([email], [phone]): red marks for 8 weeks, SPF 30 since 2023"


def test_redaction_is_idempotent():
    once = redact("mail a@b.io or call (555) 123-4567")
    assert redact(once) == once == "mail [email] or call [phone]"


@pytest.mark.parametrize("text", ["1" * 5000 + "x", "1 " * 3000 + "x", "1-" * 3000, ("a" * 50 + "@") * 200,
                                  "a." * 3000 + "@b", "x@" + "a-" * 3000, "(1)" * 2000 + "x"])
def test_no_catastrophic_backtracking(text):
    start = time.perf_counter()
    redact(text)
    assert time.perf_counter() - start < 0.5
