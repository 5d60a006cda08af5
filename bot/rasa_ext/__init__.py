"""Every change this project makes to Rasa Open Source 3.6, and the one door the replacements go through.

Rasa 3.6 gets no more releases, so every change to its internals is ours to carry. Most go through
Rasa's public extension points and need no installing:
- components and a policy named in config.yml, registered with `DefaultV1Recipe.register`:
  `spacy_nlp.CachedSpacyNLP`, `count_vectors.FastCountVectorsFeaturizer`, `fast_diet.FastDIETClassifier`,
  `understanding.ReadAhead`, `understanding.MessageAnalysis`, `policy.IntentMapPolicy` (`rasa train`
  runs them as serving does);
- the stores endpoints.yml names (`stores.EnvTrackerStore`, whose trackers are `tracker.FaqTracker`;
  `lock_store.EnvLockStore`) and the channels credentials.yml names (bot/channels/).

What has no public door is replaced at run time, at most six functions (`patches.REPLACEMENTS`,
docs/rasa.md says why each). `install()` installs them once: it first checks that Rasa is 3.6.x,
that the source of every function it replaces is the one our replacement was written for
(`FINGERPRINTS`, sha256 of the source), and that every private method our subclasses override or
call exists with the parameters they rely on (`TOUCHED`), and stops the start naming what moved.
It is called when Rasa loads our tracker store or our understanding component, so plain
`rasa run`, `rasa shell` and `rasa test` install it as `python -m bot.cli rasa ...` does.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from typing import Any

EXPECTED_RASA = "3.6."
Touched = tuple[tuple[str, str, str, tuple[str, ...]], ...]
# module, class, attribute, the parameters our code relies on
# Private names our subclasses override or call: module, class, attribute, the parameters relied on
TOUCHED: Touched = (
    ("rasa.shared.core.trackers", "DialogueStateTracker", "current_state", ("self", "event_verbosity")),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "applied_events", ("self",)),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "copy", ("self",)),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "init_copy", ("self",)),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "_create_events", ("self", "evts")),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "_undo_till_previous", ("event_type", "done_events")),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "_first_loop_execution_or_unhappy_path",
     ("self", "loop_action_name", "applied_events")),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "_undo_till_previous_loop_execution",
     ("loop_action_name", "done_events")),
    ("rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer", "CountVectorsFeaturizer",
     "_create_features", ("self", "attribute", "all_tokens")),
    ("rasa.nlu.utils.spacy_utils", "SpacyNLP", "load_model", ("spacy_model_name",)),
    ("rasa.engine.runner.dask", "DaskGraphRunner", "_add_inputs_to_graph", ("inputs", "graph")),
    ("rasa.engine.graph", "GraphSchema", "minimal_graph_schema", ("self", "targets")),
    ("rasa.core.tracker_store", "TrackerStore", "init_tracker", ("self", "sender_id")),
    ("rasa.core.tracker_store", "SQLTrackerStore", "retrieve", ("self", "sender_id")),
    ("rasa.core.tracker_store", "SQLTrackerStore", "save", ("self", "tracker")),
    ("rasa.core.tracker_store", "FailSafeTrackerStore", "__init__",
     ("self", "tracker_store", "on_tracker_store_error", "fallback_tracker_store")),
    ("rasa.core.lock_store", "LockStore", "lock", ("self", "conversation_id", "lock_lifetime", "wait_time_in_seconds")),
    ("rasa.core.lock_store", "RedisLockStore", "issue_ticket", ("self", "conversation_id", "lock_lifetime")),
    ("rasa.core.lock_store", "RedisLockStore", "update_lock", ("self", "conversation_id")),
    ("rasa.core.lock_store", "RedisLockStore", "finish_serving", ("self", "conversation_id", "ticket_number")),
    ("rasa.core.lock_store", "RedisLockStore", "cleanup", ("self", "conversation_id", "ticket_number")),
    ("rasa.core.lock_store", "TicketLock", "dumps", ("self",)),
    ("rasa.core.lock_store", "TicketLock", "from_dict", ("cls", "data")),
    ("rasa.core.channels.slack", "SlackInput", "_is_user_message", ("slack_event",)),
    ("rasa.core.channels.slack", "SlackInput", "_sanitize_user_message", ("text", "uids_to_remove")),
    ("rasa.core.channels.slack", "SlackInput", "_get_conversation_id",
     ("self", "sender_id", "channel_id", "thread_id")),
    ("rasa.core.channels.slack", "SlackInput", "process_message",
     ("self", "request", "on_new_message", "text", "sender_id", "metadata")),
    ("rasa.core.channels.slack", "SlackBot", "_post_message", ("self", "channel", "kwargs")),
    ("rasa.core.channels.slack", "SlackBot", "send_custom_json", ("self", "recipient_id", "json_message", "kwargs")),
    ("rasa.core.channels.socketio", "SocketIOOutput", "_send_message", ("self", "socket_id", "response")),
    ("rasa.core.channels.socketio", "SocketIOOutput", "send_custom_json",
     ("self", "recipient_id", "json_message", "kwargs")),
    ("rasa.core.channels.channel", "CollectingOutputChannel", "_persist_message", ("self", "message")),
    ("rasa.core.channels.channel", "CollectingOutputChannel", "_message",
     ("recipient_id", "text", "image", "buttons", "attachment", "custom")),
    ("rasa.core.channels.rest", "RestInput", "_extract_sender", ("self", "req")),
    ("rasa.core.channels.rest", "RestInput", "_extract_message", ("self", "req")),
    # fast_diet.FastDIETClassifier: overrides load, persist and _predict; DIET's process feeds
    # _predict's output to _predict_label
    ("rasa.nlu.classifiers.diet_classifier", "DIETClassifier", "load",
     ("cls", "config", "model_storage", "resource", "execution_context", "kwargs")),
    ("rasa.nlu.classifiers.diet_classifier", "DIETClassifier", "persist", ("self",)),
    ("rasa.nlu.classifiers.diet_classifier", "DIETClassifier", "_predict", ("self", "message")),
    ("rasa.nlu.classifiers.diet_classifier", "DIETClassifier", "_predict_label", ("self", "predict_out")),
    # parsing.parse_message: the rest of Rasa's parse_message, around the graph run on a parse thread
    ("rasa.core.processor", "MessageProcessor", "_parse_message_with_graph",
     ("self", "message", "tracker", "only_output_properties")),
    ("rasa.core.processor", "MessageProcessor", "_update_full_retrieval_intent", ("self", "parse_data")),
    ("rasa.core.processor", "MessageProcessor", "_check_for_unseen_features", ("self", "parse_data")),
)
# The functions replaced at run time (bot/rasa_ext/patches.py): sha256 of their source, first 16 hex
FINGERPRINTS = {
    "rasa.core.actions.action.RemoteAction._validate_action_result": "f8cdb4be68123961",
    "rasa.core.actions.action.RemoteAction._action_call_format": "428795b944f22edb",
    "rasa.core.agent.Agent._create_tracker_store": "97499b594b45581b",
    "rasa.utils.endpoints.EndpointConfig.session": "e55aa13d9d4fb4bc",
    "rasa.engine.runner.dask.DaskGraphRunner.run": "45f0f52f574f3aa9",
    "rasa.core.processor.MessageProcessor.parse_message": "b98d8e49b9f2c433",
}
MAX_REPLACEMENTS = 6

_installed = False


class RasaChanged(RuntimeError):
    """The installed Rasa is not the one these changes were written for."""


def _parameters(obj: Any) -> tuple[str, ...]:
    function = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
    return tuple(inspect.signature(function).parameters)


def fingerprint(function: Any) -> str:
    """sha256 (first 16 hex) of a function's source."""
    function = function.__func__ if isinstance(function, (staticmethod, classmethod)) else function
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def check(version: str | None = None, touched: Touched = TOUCHED,
          fingerprints: dict[str, str] | None = None) -> list[str]:
    """What moved: the Rasa version, every replaced function whose source changed, every touched
    attribute that is missing or changed shape."""
    import rasa

    from bot.rasa_ext import patches

    version = version or rasa.__version__
    problems = [] if version.startswith(EXPECTED_RASA) else [
        f"Rasa {version} is installed; these changes were written for Rasa {EXPECTED_RASA}x"]
    expected = FINGERPRINTS if fingerprints is None else fingerprints
    if len(patches.REPLACEMENTS) > MAX_REPLACEMENTS or set(patches.ORIGINALS) != set(expected):
        problems.append(f"replacements {sorted(patches.ORIGINALS)} are not the fingerprinted {sorted(expected)}")
    for owner, name, _ in patches.REPLACEMENTS:
        where = f"{owner.__module__}.{owner.__name__}.{name}"
        original = patches.ORIGINALS[where] if _installed else inspect.getattr_static(owner, name, None)
        if original is None:
            problems.append(f"{where} no longer exists")
        elif where in expected and fingerprint(original) != expected[where]:
            problems.append(f"{where} is not the function our replacement was written for "
                            f"(source sha256 {fingerprint(original)}, expected {expected[where]})")
    for module, cls, attribute, parameters in touched:
        where = f"{module}.{cls}.{attribute}"
        try:
            owner = getattr(importlib.import_module(module), cls)
        except (ImportError, AttributeError):
            problems.append(f"{module}.{cls} no longer exists")
            continue
        found = inspect.getattr_static(owner, attribute, None)
        if found is None:
            problems.append(f"{where} no longer exists")
        elif _parameters(found) != parameters:
            problems.append(f"{where} now takes {_parameters(found)}, not {parameters}")
    return problems


def install() -> None:
    """Check Rasa, then install every change (once); raises RasaChanged naming what moved."""
    global _installed
    if _installed:
        return
    problems = check()
    if problems:
        raise RasaChanged("bot/rasa_ext cannot change this Rasa safely: " + "; ".join(problems))
    from bot.rasa_ext import patches

    patches.apply()
    _installed = True


def uninstall() -> None:
    """Put Rasa back as it was (for tests)."""
    global _installed
    from bot.rasa_ext import patches

    patches.undo()
    _installed = False


def installed() -> bool:
    return _installed
