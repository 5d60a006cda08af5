"""Every change this project makes to Rasa Open Source 3.6's own behaviour, behind one door.

Rasa 3.6 gets no more releases, and several changes replace or override private methods: if a name
moved, an override would silently stop running. `install()` first checks that Rasa is 3.6.x and
that every attribute replaced or overridden (`TOUCHED`) exists with the parameters our code was
written for, and stops the start with a message naming what moved; then it installs:

- `patches`: measured speed fixes (action response validation, event type look-up, GC freeze,
  keep-alive to the action server, recent events only to the actions that read no more, no
  deep copies for debug lines that are not written, the spaCy pipeline loaded once);
- `dialogue_states`: dialogue states and applied events computed incrementally per tracker, rules
  matched on the latest states only,
  and only the rules whose last state can match;
- `tracker_copy`: a tracker copied without replaying the conversation;
- `graph_runner`: the model's graphs run without dask's scheduling;
- `count_vectors`: sentence counts summed from the token counts where that is exact;
- `stores.no_silent_fallback`: a tracker store error fails the turn instead of answering from an
  empty conversation.

It is called once, at start, by `python -m bot.cli rasa ...` (what `make run`, the tests, Docker
and Helm start Rasa with); the REST channel refuses to start without it. The other modules here are
classes Rasa is configured to use (stores, the cached tracker store, the lock store): overrides
checked by the same list.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

EXPECTED_RASA = "3.6."
Touched = tuple[tuple[str, str, str, tuple[str, ...]], ...]
# module, class, attribute, the parameters our code relies on
TOUCHED: Touched = (
    ("rasa.core.actions.action", "RemoteAction", "_validate_action_result", ("self", "result")),
    ("rasa.core.actions.action", "RemoteAction", "_action_call_format", ("self", "tracker", "domain")),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "current_state", ("self", "event_verbosity")),
    ("rasa.shared.core.events", "Event", "resolve_by_type", ("type_name", "default")),
    ("rasa.utils.endpoints", "EndpointConfig", "session", ("self",)),
    ("rasa.shared.core.domain", "Domain", "states_for_tracker_history",
     ("self", "tracker", "omit_unset_slots", "ignore_rule_only_turns", "rule_only_data")),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "applied_events", ("self",)),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "copy", ("self",)),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "init_copy", ("self",)),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "_create_events", ("self", "evts")),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "_undo_till_previous", ("event_type", "done_events")),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "_first_loop_execution_or_unhappy_path",
     ("self", "loop_action_name", "applied_events")),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "_undo_till_previous_loop_execution",
     ("loop_action_name", "done_events")),
    ("rasa.core.policies.rule_policy", "copy", "deepcopy", ("x", "memo", "_nil")),
    ("rasa.core.policies.memoization", "copy", "deepcopy", ("x", "memo", "_nil")),
    ("rasa.core.processor", "copy", "deepcopy", ("x", "memo", "_nil")),
    ("rasa.core.policies.rule_policy", "RulePolicy", "_find_action_from_rules",
     ("self", "tracker", "domain", "use_text_for_last_user_input")),
    ("rasa.core.policies.rule_policy", "RulePolicy", "_rule_key_to_state", ("rule_key",)),
    ("rasa.core.policies.rule_policy", "RulePolicy", "_get_possible_keys", ("self", "lookup", "states")),
    ("rasa.core.policies.rule_policy", "RulePolicy", "_does_rule_match_state", ("rule_state", "conversation_state")),
    ("rasa.core.policies.rule_policy", "RulePolicy", "_is_rule_applicable",
     ("self", "rule_key", "turn_index", "conversation_state")),
    ("rasa.nlu.utils.spacy_utils", "SpacyNLP", "load_model", ("spacy_model_name",)),
    ("rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer", "CountVectorsFeaturizer",
     "_create_features", ("self", "attribute", "all_tokens")),
    ("rasa.engine.runner.dask", "DaskGraphRunner", "run", ("self", "inputs", "targets")),
    ("rasa.engine.runner.dask", "DaskGraphRunner", "_add_inputs_to_graph", ("inputs", "graph")),
    ("rasa.engine.graph", "GraphSchema", "minimal_graph_schema", ("self", "targets")),
    ("rasa.core.tracker_store", "FailSafeTrackerStore", "on_tracker_store_error", ("self", "error")),
    ("rasa.core.tracker_store", "FailSafeTrackerStore", "on_tracker_store_retrieve_error", ("self", "error")),
    ("rasa.core.tracker_store", "SQLTrackerStore", "retrieve", ("self", "sender_id")),
    ("rasa.core.tracker_store", "SQLTrackerStore", "save", ("self", "tracker")),
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
)

_installed = False


class RasaChanged(RuntimeError):
    """The installed Rasa is not the one these changes were written for."""


def _parameters(obj: Any) -> tuple[str, ...]:
    function = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
    return tuple(inspect.signature(function).parameters)


def check(version: str | None = None, touched: Touched = TOUCHED) -> list[str]:
    """What moved: the Rasa version and every touched attribute that is missing or changed shape."""
    import rasa

    version = version or rasa.__version__
    problems = [] if version.startswith(EXPECTED_RASA) else [
        f"Rasa {version} is installed; these changes were written for Rasa {EXPECTED_RASA}x"]
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
    from bot.rasa_ext import patches, stores

    patches.apply()
    stores.no_silent_fallback()
    _installed = True


def uninstall() -> None:
    """Put Rasa back as it was (for tests)."""
    global _installed
    from bot.rasa_ext import patches, stores

    patches.undo()
    stores.restore_fallback()
    _installed = False


def installed() -> bool:
    return _installed


def require_installed(what: str) -> None:
    """Stop a start that bypassed the door (plain `rasa run`): the fixes would silently be missing."""
    if not _installed:
        raise RasaChanged(f"{what} needs the project's changes to Rasa: start it with "
                          "`python -m bot.cli rasa run ...` (bot/rasa_ext), not `rasa run`")
