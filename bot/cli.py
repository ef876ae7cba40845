"""The ``syncbot`` command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.errors import ConfigError, SyncbotError
from bot.logs import configure_logging
from bot.messages import MSG

if TYPE_CHECKING:
    from bot.runtime import Services

log = logging.getLogger("syncbot")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="syncbot",
        description="A Slack bot that keeps a local SQL copy of a Salesforce org in sync.",
    )
    parser.add_argument(
        "--log-level", choices=LOG_LEVELS,
        help="default: INFO (WARNING for demo, whose own output is the point)",
    )
    # Taken after the subcommand too (`syncbot serve --log-level WARNING`); SUPPRESS keeps a
    # subcommand without it from overwriting the value given before the subcommand.
    level = argparse.ArgumentParser(add_help=False)
    level.add_argument("--log-level", choices=LOG_LEVELS, default=argparse.SUPPRESS,
                       help="default: INFO (WARNING for demo)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, *, help: str) -> argparse.ArgumentParser:  # noqa: A002 (argparse's own word)
        return commands.add_parser(name, help=help, parents=[level])

    serve = add("serve", help="HTTP mode: Slack requests, /healthz, /metrics, and the scheduler")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
    serve.add_argument("--no-scheduler", action="store_true", help="take Slack requests only; run no sync cycles")

    socket = add("socket", help="Socket Mode (needs SLACK_APP_TOKEN), with the scheduler")
    socket.add_argument("--no-scheduler", action="store_true", help="take Slack requests only; run no sync cycles")

    add("worker", help="the scheduler and sync engine alone, no Slack listener")
    demo = add("demo", help="the whole product offline, on the built-in Salesforce simulator")
    demo.add_argument("--database", type=Path, help="keep the demo's SQLite database in this file")
    demo.add_argument("--serve", action="store_true",
                      help="keep the demo's Salesforce org running, with changes every minute, for a real Slack app")
    demo.add_argument("--port", type=int, default=0, help="with --serve: the port to serve on (default: a free one)")
    add("keygen", help="print a new value for SYNCBOT_SECRET_KEY")
    add(
        "rotate-key", help="re-encrypt the stored Salesforce logins with the first key of SYNCBOT_SECRET_KEY"
    )
    db = add("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="apply schema migrations", parents=[level])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parser().parse_args(argv)
    configure_logging(args.log_level or ("WARNING" if args.command == "demo" else "INFO"))
    try:
        return _run(args)
    except SyncbotError as exc:
        print(f"syncbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`syncbot demo | head`): stop quietly, as Python's docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "keygen":
        from storage.crypto import new_key

        print(new_key())
        return 0
    if args.command == "rotate-key":
        return _rotate_key()
    if args.command == "demo":
        if args.serve:
            from bot.demo_serve import serve_demo

            return serve_demo(stop=_stop_on_signals(), port=args.port)
        from bot.demo import run_demo

        return run_demo(database=args.database)
    if args.command == "db":
        from storage.db import Database
        from storage.migrate import upgrade

        db = Database(Settings.from_env().database_url)
        try:
            print(f"database schema at revision {upgrade(db)}")
        finally:
            db.dispose()
        return 0
    if args.command == "serve":
        return _serve(args)
    if args.command == "socket":
        return _socket(args)
    if args.command == "worker":
        return _worker()
    raise AssertionError(args.command)


def _rotate_key() -> int:
    from bot.runtime import build_services
    from bot.setup.credentials import rotate_secret_key

    services = build_services(Settings.from_env(require=("SYNCBOT_SECRET_KEY",)))
    try:
        count = rotate_secret_key(services)
    finally:
        services.db.dispose()
    print(MSG.rotate_key_done.format(count=count, logins="login" if count == 1 else "logins"))
    return 0


def _report_start_problems(services: "Services") -> None:
    """Say in one line, at start, when the key opens none of the stored logins, or when
    there is no key at all (nothing could be stored: better said now than at setup).

    The process keeps running: ``/sync credentials`` (or the old key and
    ``syncbot rotate-key``) is the way out, and exiting would only make a crash loop.
    """
    from bot.setup.credentials import key_problem

    problem = key_problem(services)
    if problem:
        log.error(problem)
    elif not services.secrets.ready:
        log.warning(MSG.secret_key_unset_at_start)


def _serve(args: argparse.Namespace) -> int:
    from bot.runtime import build_services
    from bot.scheduler import scheduler_running
    from handlers.app import create_app
    from handlers.slack_check import BotTokenCheck
    from handlers.web import create_server, create_wsgi_app, serve_until_closed, stop_server

    settings = Settings.from_env(require=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"))
    services = build_services(settings)
    try:
        _report_start_problems(services)
        server = create_server(
            create_wsgi_app(create_app(services), services), host=args.host, port=args.port or settings.port
        )
        refused: list[ConfigError] = []

        def stop_refused(error: ConfigError) -> None:
            # Slack, reached at last, refused the token: stop as a refusal at start would.
            refused.append(error)
            stop_server(server)

        # waitress ends its loop on SystemExit, open keep-alive connections or not.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        signal.signal(signal.SIGINT, _exit_on_signal)
        try:
            with BotTokenCheck(settings).in_background(on_refused=stop_refused):
                log.info("syncbot serving on %s:%s", args.host, server.effective_port)
                with scheduler_running(services, enabled=not args.no_scheduler):
                    serve_until_closed(server)
        except SystemExit:
            pass  # SIGTERM or SIGINT, while serving or still starting: the blocks above closed what they opened
        if refused:
            raise refused[0]
    finally:
        services.db.dispose()
    log.info(MSG.process_stopped.format(command="serve"))
    return 0


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _socket(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.runtime import build_services
    from bot.scheduler import scheduler_running
    from handlers.app import create_app
    from handlers.slack_check import BotTokenCheck

    settings = Settings.from_env(require=("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"))
    services = build_services(settings)
    stop = _stop_on_signals()
    try:
        _report_start_problems(services)
        handler = SocketModeHandler(create_app(services, socket_mode=True), settings.slack_app_token)
        try:
            with scheduler_running(services, enabled=not args.no_scheduler):
                # Cycles run meanwhile: only the connection waits for Slack.
                if BotTokenCheck(settings).until_answered(stop):
                    try:
                        handler.connect()
                    except SlackApiError as exc:
                        error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
                        raise ConfigError(MSG.slack_app_token_refused.format(error=error)) from None
                    log.info("syncbot connected to Slack over Socket Mode")
                    stop.wait()
        finally:
            # Disconnects and lets listeners already running finish before the database goes.
            handler.close()
    finally:
        services.db.dispose()
    log.info(MSG.process_stopped.format(command="socket"))
    return 0


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so that a long-running command stops cleanly."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def _worker() -> int:
    from bot.runtime import build_services
    from bot.scheduler import scheduler_running

    services = build_services(Settings.from_env(require=("SLACK_BOT_TOKEN",)))
    stop = _stop_on_signals()
    try:
        _report_start_problems(services)
        with scheduler_running(services):
            log.info("syncbot worker running; each workspace syncs every %ss", services.settings.sync_interval)
            stop.wait()
    finally:
        services.db.dispose()
    log.info(MSG.process_stopped.format(command="worker"))
    return 0
