"""The one guarded door to Rasa's internals (bot/rasa_ext): checked, installed once, undone."""

import subprocess
import sys

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.slack import SlackInput

from bot import rasa_ext
from bot.channels.web import RestInput
from bot.config import ROOT


def test_this_rasa_has_everything_the_changes_touch():
    assert rasa_ext.check() == []


def test_a_moved_name_stops_the_start_naming_it(monkeypatch):
    monkeypatch.delattr(SlackInput, "_is_user_message")
    with pytest.raises(rasa_ext.RasaChanged, match=r"rasa\.core\.channels\.slack\.SlackInput\._is_user_message "
                                                     r"no longer exists"):
        rasa_ext.install()
    assert not rasa_ext.installed()


def test_a_changed_signature_is_named(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", lambda self, result, strict: True)
    (problem,) = rasa_ext.check()
    assert "RemoteAction._validate_action_result now takes ('self', 'result', 'strict')" in problem


def test_another_rasa_version_is_refused():
    assert rasa_ext.check(version="3.7.0")[0].startswith("Rasa 3.7.0 is installed")


def test_install_is_undone_by_uninstall():
    original = RemoteAction._validate_action_result
    rasa_ext.install()
    try:
        assert rasa_ext.installed() and RemoteAction._validate_action_result is not original
        rasa_ext.install()  # once only
    finally:
        rasa_ext.uninstall()
    assert RemoteAction._validate_action_result is original and not rasa_ext.installed()


def test_plain_rasa_run_is_refused_with_the_way_to_start():
    with pytest.raises(rasa_ext.RasaChanged, match="python -m bot.cli rasa run"):
        RestInput().blueprint(lambda message: None)


@pytest.mark.slow
def test_rasa_starts_through_the_door():
    done = subprocess.run([sys.executable, "-m", "bot.cli", "rasa", "--version"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Rasa Version" in done.stdout and "3.6.21" in done.stdout
