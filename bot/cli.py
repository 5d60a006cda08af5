"""Command line: `python -m bot.cli COMMAND` (`--help` lists them: serve, rasa, actions, report, forget...)."""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys
import warnings
from typing import Any

from bot.channels.limits import MAX_BODY_BYTES
from bot.channels.widget.origins import cors_origins
from bot.config import ENDPOINTS, ROOT, endpoints_file, settings


def cmd_passages(_: argparse.Namespace) -> int:
    """Print every passage id with its text (for editing bot/data/topics.yml)."""
    from bot.knowledge import get_kb

    kb = get_kb()
    for section in kb.sections.values():
        print(f"## {section.title}  {{#{section.id}}}")
        for p in section.passages:
            print(f"  {p.id:<18} {p.text}")
    return 0


def cmd_check(_: argparse.Namespace) -> int:
    """Load and validate the knowledge base; exit 1 with the reason if it is broken."""
    from bot.knowledge import KnowledgeError, load
    from bot.knowledge.article import ArticleError

    try:
        kb = load()
    except (KnowledgeError, ArticleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"ok: {len(kb.sections)} sections, {len(kb.passages)} passages, {len(kb.topics)} topics")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer a question with the knowledge base alone (search, no Rasa): for quick checks."""
    from bot.knowledge import get_kb, reply_to

    reply = reply_to(get_kb(), args.text, [], {})
    for msg in reply.messages:
        print(msg.text)
        for button in msg.buttons:
            print(f"  [{button['title']}]")
    return 0


def cmd_actions(args: argparse.Namespace) -> int:
    """Run the rasa-sdk action server with the knowledge base loaded before the first request."""
    quiet_third_party_warnings()
    one_blas_thread()
    keep_out_unused_frameworks()
    if settings().log_format == "json":
        from bot.observability import logging_json

        logging_json.configure()
    from rasa_sdk.endpoint import run

    from bot.knowledge import get_kb

    get_kb().ready()
    import actions.actions  # noqa: F401 - rasa-sdk imports it anyway; load it before freezing

    # The knowledge base and the libraries loaded so far live as long as the process: keep them out
    # of the garbage collector's full passes (a full pass walks ~380k objects, ~150 ms).
    gc.collect()
    gc.freeze()
    run("actions", port=args.port)
    return 0


def one_blas_thread() -> None:
    """One OpenBLAS thread per process (before numpy loads): a message's matrix products are tiny,
    and OpenBLAS's helper threads spin after each one, burning a core: with them Rasa used 20 ms of
    CPU per message for 10 ms of work (docs/evaluation.md, Speed). An operator's setting wins."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


UNUSED_FRAMEWORKS = ("tensorflow", "torch", "mxnet", "jax")


def keep_out_unused_frameworks(needed: tuple[str, ...] = ()) -> None:
    """The action server needs spaCy's tokenizer and lemmas only, but spaCy's backend (thinc) imports
    every machine-learning framework it finds: TensorFlow alone is ~0.3 GB of the process and 3 s of
    its start. Marked missing (the import fails as if not installed), thinc runs without them. Rasa
    needs TensorFlow only: TensorFlow's TFLite converter imports JAX if it can (~90 MB, never used)."""
    for name in UNUSED_FRAMEWORKS:
        if name not in needed:
            sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def quiet_third_party_warnings() -> None:
    """Hide the deprecation notices of Rasa's dependencies (dozens at each start), never ours.

    Sanic and Rasa each re-enable warnings as they load (`filterwarnings("once")`), so a filter set
    here would be overridden: the notices are dropped where they are shown instead.
    """
    show = warnings.showwarning
    ours = (str(ROOT / "bot"), str(ROOT / "actions"))
    deprecations = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)

    def shown(message: Any, category: type[Warning], filename: str, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, deprecations) and not filename.startswith(ours):
            return
        show(message, category, filename, *args, **kwargs)

    warnings.showwarning = shown
    logging.getLogger("asyncio").addFilter(EngineIOPingAtShutdown())


class EngineIOPingAtShutdown(logging.Filter):
    """python-engineio starts each socket's ping as a fire-and-forget task sleeping 25 s; when the
    server stops, asyncio reports every such pending task as an error ("Task was destroyed but it is
    pending!"). Only those reports are dropped; any other task of ours or Rasa's is still reported."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("Task was destroyed but it is pending" in message and "engineio" in message)


def cmd_rasa(rasa_args: list[str]) -> int:
    """Run Rasa's own command line (`rasa run ...`) with the project's changes to Rasa installed."""
    from bot import rasa_ext

    quiet_third_party_warnings()
    one_blas_thread()
    keep_out_unused_frameworks(needed=("tensorflow",))
    # a health assistant never phones home (docs/privacy.md); HTTP bodies over 256 KB get 413
    os.environ.update({"RASA_TELEMETRY_ENABLED": "false", "SANIC_REQUEST_MAX_SIZE": str(MAX_BODY_BYTES)})
    rasa_ext.install()  # the one place they are installed: stops here, naming what moved, if Rasa changed
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *with_log_format(with_action_endpoint(rasa_args))]
    rasa_main()
    return 0


def with_action_endpoint(rasa_args: list[str]) -> list[str]:
    """Rasa's arguments, reading endpoints.yml with ACTION_ENDPOINT_URL's action server when it is set."""
    url = settings().action_endpoint_url
    if not url or not rasa_args or rasa_args[0] not in ("run", "shell") or rasa_args[1:2] == ["actions"]:
        return list(rasa_args)
    args = list(rasa_args)
    given = args.index("--endpoints") + 1 if "--endpoints" in args else 0
    if given and given < len(args) and (ROOT / args[given]).resolve() != ENDPOINTS.resolve():
        return args  # another endpoints file, taken as it is
    endpoints = str(endpoints_file(url))
    if given and given < len(args):
        args[given] = endpoints
    else:
        args += ["--endpoints", endpoints]
    return args


def with_log_format(rasa_args: list[str]) -> list[str]:
    """Rasa's arguments, plus the JSON logging config when LOG_FORMAT=json (unless one is given)."""
    if settings().log_format != "json" or "--logging-config-file" in rasa_args or not rasa_args:
        return list(rasa_args)
    from bot.observability.logging_json import CONFIG

    return [*rasa_args, "--logging-config-file", str(CONFIG)]


def rasa_command(*rasa_args: str) -> list[str]:
    """The command that starts Rasa with the project's changes: `python -m bot.cli rasa ...`."""
    return [sys.executable, "-m", "bot.cli", "rasa", *rasa_args]


# Third-party noise, filtered at its source: deprecation warnings of Rasa's dependencies, TensorFlow's
# CUDA/TensorRT notices, SQLAlchemy's 2.0 banner, Rasa's telemetry (never sent from here).
QUIET = {"PYTHONWARNINGS": "ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning",
         "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "RASA_TELEMETRY_ENABLED": "false"}


def cmd_serve(args: argparse.Namespace) -> int:
    """Run Rasa in the foreground (the custom actions inside it), restarting it if it dies; Ctrl-C stops it."""
    from bot.serve import Child, Supervisor

    cfg = settings()
    env = dict(os.environ, **QUIET)
    base = f"http://localhost:{cfg.rasa_port}"
    where = f"the action server at {cfg.action_endpoint_url}" if cfg.action_endpoint_url else "in Rasa's process"
    children = [
        Child("Rasa", rasa_command("run", "--model", args.model, "--port", str(cfg.rasa_port), "--credentials",
                                   "credentials.yml", "--endpoints", "endpoints.yml", "--cors", *cors_origins()),
              base + "/"),
    ]
    print(f"Starting Rasa on :{cfg.rasa_port}, its custom actions {where} (~15 s)...", flush=True)
    on = cfg.slack_bot_token and cfg.slack_signing_secret
    slack = "on" if on else "off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)"
    ready = f"Ready. REST: {base}/webhooks/rest/webhook  widget: {base}/chat/  Slack: {slack}.  Ctrl-C stops it."
    return Supervisor(children, ROOT, env, ready=ready).run()


# the operators' tools: name -> (module with main(argv), help)
TOOLS = {
    "report": ("bot.tools.report", "Review report of the stored conversations: --out DIR [--since DAYS]"),
    "check-article": ("bot.tools.check_article", "Check a new version of the article (plain text) against the "
                      "passages the answers use: exit 0 ok, 1 a used passage changed or is gone, 2 unreadable"),
}
# erasure, access and retention (bot/privacy/cli.py)
PRIVACY = {
    "forget": "Delete one conversation from the tracker store: SENDER_ID",
    "export": "Print one conversation as JSON: SENDER_ID",
    "purge": "Delete conversations idle longer than --older-than-days (default RETENTION_DAYS), keeping daily counts",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("passages", help=cmd_passages.__doc__).set_defaults(func=cmd_passages)
    sub.add_parser("check", help=cmd_check.__doc__).set_defaults(func=cmd_check)
    ask = sub.add_parser("ask", help=cmd_ask.__doc__)
    ask.add_argument("text")
    ask.set_defaults(func=cmd_ask)
    actions = sub.add_parser("actions", help=cmd_actions.__doc__)
    actions.add_argument("--port", type=int, default=settings().actions_port)
    actions.set_defaults(func=cmd_actions)
    sub.add_parser("rasa", help=(cmd_rasa.__doc__ or "") + " Everything after `rasa` goes to Rasa.")
    for name, tool in TOOLS.items():
        sub.add_parser(name, help=tool[1], add_help=False)
    for name, text in PRIVACY.items():
        sub.add_parser(name, help=text, add_help=False)
    serve = sub.add_parser("serve", help=cmd_serve.__doc__)
    serve.add_argument("--model", default="models")
    serve.set_defaults(func=cmd_serve)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["rasa"]:  # Rasa parses its own arguments
        return cmd_rasa(argv[1:])
    if argv[:1] and argv[0] in PRIVACY:
        from bot.privacy import cli as privacy_cli

        return privacy_cli.main(argv[0], argv[1:])
    if argv[:1] and argv[0] in TOOLS:  # the operators' tools parse their own arguments
        module = importlib.import_module(TOOLS[argv[0]][0])
        return module.main(argv[1:])
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
