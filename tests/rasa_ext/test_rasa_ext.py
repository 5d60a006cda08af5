"""The one guarded door to Rasa's internals (bot/rasa_ext): checked, installed once, undone."""

import sys

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.slack import SlackInput

from bot import rasa_ext
from bot.channels.web import RestInput
from tests.background import command


def test_this_rasa_has_everything_the_changes_touch():
    assert rasa_ext.check() == []


def test_a_moved_name_stops_the_start_naming_it(monkeypatch):
    monkeypatch.delattr(SlackInput, "_is_user_message")
    with pytest.raises(rasa_ext.RasaChanged, match=r"rasa\.core\.channels\.slack\.SlackInput\._is_user_message "
                                                     r"no longer exists"):
        rasa_ext.install()
    assert not rasa_ext.installed()


def test_a_changed_signature_is_named(monkeypatch):
    monkeypatch.setattr(SlackInput, "_sanitize_user_message", staticmethod(lambda text, uids, strict: text))
    (problem,) = rasa_ext.check()
    assert "SlackInput._sanitize_user_message now takes ('text', 'uids', 'strict')" in problem


def test_a_replaced_function_whose_body_changed_stops_the_start(monkeypatch):
    def _validate_action_result(self, result):  # same name and parameters, another body
        return True

    monkeypatch.setattr(RemoteAction, "_validate_action_result", _validate_action_result)
    (problem,) = rasa_ext.check()
    assert problem.startswith("rasa.core.actions.action.RemoteAction._validate_action_result is not the function "
                              "our replacement was written for")
    with pytest.raises(rasa_ext.RasaChanged, match="_validate_action_result"):
        rasa_ext.install()


def test_at_most_six_replacements_each_fingerprinted():
    from bot.rasa_ext import patches

    assert len(patches.REPLACEMENTS) <= rasa_ext.MAX_REPLACEMENTS == 6
    assert set(patches.ORIGINALS) == set(rasa_ext.FINGERPRINTS)
    assert rasa_ext.check(fingerprints={**rasa_ext.FINGERPRINTS, "rasa.x.Y.z": "0"})  # an unlisted one is named


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


def test_plain_rasa_run_installs_the_changes_when_it_loads_our_channel():
    assert not rasa_ext.installed()
    try:
        RestInput().blueprint(lambda message: None)
        assert rasa_ext.installed()
    finally:
        rasa_ext.uninstall()


VERSION = command([sys.executable, "-m", "bot.cli", "rasa", "--version"], timeout=120)


@pytest.mark.slow
@pytest.mark.runs(VERSION)
def test_rasa_starts_through_the_door():
    done, _ = VERSION.result()
    assert done.returncode == 0 and "Rasa Version" in done.stdout and "3.6.21" in done.stdout
