"""Shared fixtures: the real knowledge base and domain, rasa-sdk trackers and dispatchers,
and (session-scoped, started on first use) real Rasa + action servers. Every test under a folder of
SERVER_FOLDERS (tests/e2e/) is marked `server` here: a file there needs no marker of its own."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.config import ROOT
from bot.knowledge import KnowledgeBase, get_kb
from tests import fake_slack as slack
from tests.background import Background
from tests.fake_slack import FakeSlack
from tests.servers import BotServers

# The original article as published (a copy of shared/source, kept as the project's own test data)
SOURCE = ROOT / "tests" / "data" / "pimple-marks-article.txt"
# Folders whose tests all talk to the real Rasa + action servers: marked `server` (left out of `make test-fast`)
SERVER_FOLDERS = (ROOT / "tests" / "e2e",)


def _jobs(item: pytest.Item) -> list[Background]:
    return [marker.args[0] for marker in item.iter_markers("runs")]


def _late(item: pytest.Item) -> bool:
    return any(job.with_tests for job in _jobs(item))


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.path.resolve().is_relative_to(folder) for folder in SERVER_FOLDERS):  # ROOT is resolved
            item.add_marker(pytest.mark.server)
    items.sort(key=_late)  # (stable) the tests of a late background job last: it runs meanwhile


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the background commands of the tests that will run (tests/background.py); one that waits
    for a folder's tests starts with the first of them."""
    jobs = [job for item in session.items for job in _jobs(item)]
    for job in jobs:
        if not job.with_tests:
            job.start()
    _waiting[:] = [job for job in dict.fromkeys(jobs) if job.with_tests]


_waiting: list[Background] = []


def pytest_runtest_setup(item: pytest.Item) -> None:
    for job in [job for job in _waiting if item.path.resolve().is_relative_to(job.with_tests)]:
        _waiting.remove(job)
        job.start()


def pytest_sessionfinish() -> None:
    Background.clean()


def norm(text: str) -> str:
    """Whitespace- and quote-folded text, for 'is this verbatim?' checks."""
    text = text.replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return get_kb()


@pytest.fixture(scope="session")
def article_text() -> str:
    """The original article, page furniture and all: the ground truth for 'verbatim'."""
    return SOURCE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def source_text(article_text: str) -> str:
    """The original article, whitespace- and quote-folded."""
    return norm(article_text)


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture
def rasa_changes() -> Iterator[None]:
    """The project's changes to Rasa installed (bot/rasa_ext), and undone after the test."""
    from bot import rasa_ext

    rasa_ext.install()
    yield
    rasa_ext.uninstall()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def tracker() -> Callable[..., Tracker]:
    """Factory: tracker(text, intent, confidence=0.9, **slots) -> a rasa-sdk Tracker."""

    def make(text: str, intent: str, confidence: float = 0.9, **slots: Any) -> Tracker:
        message = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
        all_slots = {"mark_type": None, "last_topic": None, "product": None, **slots}
        return Tracker("test-user", all_slots, message, [], False, None, {}, "action_listen")

    return make


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on 127.0.0.1 (tests/fake_slack.py) that the bot's Slack channel posts to."""
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack) -> Iterator[BotServers]:
    """Rasa on a free port, as `make run` serves it (the custom actions in its process), with its own
    SQLite store; started once. The Slack channel is on, talking to the fake Slack."""
    slack_env = {"SLACK_BOT_TOKEN": slack.TOKEN, "SLACK_SIGNING_SECRET": slack.SIGNING_SECRET,
                 "SLACK_CHANNEL": slack.CHANNEL, "SLACK_API_URL": fake_slack.url}
    bot = BotServers(Path(tmp_path_factory.mktemp("bot")), env=slack_env)
    bot.start()
    yield bot
    bot.stop()
