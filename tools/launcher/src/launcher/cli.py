"""The `dorf` command: `dorf up --demo` starts the whole platform, `dorf test` runs the whole suite.

One function per subcommand; the work is done in the modules they call."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from launcher.checks import run_checks
from launcher.databases import database_url, migrate
from launcher.demo import SeedFailed, seed_demo
from launcher.discovery import discover
from launcher.environment import environments_like_running
from launcher.paths import repo_root, var_dir
from launcher.status import show_status
from launcher.up import DEFAULT_SERVICE_BASE_PORT, UpOptions, run_up


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def up(options: argparse.Namespace) -> int:
    services = discover(options.only)
    return run_up(services, UpOptions(
        var=var_dir(options.var),
        demo=options.demo,
        gateway_port=options.port,
        nats_port=options.nats_port,
        service_base_port=options.service_port,
        ready_timeout=options.ready_timeout,
    ))


def migrate_all(options: argparse.Namespace) -> int:
    var = var_dir(options.var)
    for service in discover(options.only):
        if service.has_database:
            print("migrated " + migrate(service, database_url(service, var)).describe())
        else:
            print(f"{service.name}: no database")
    return 0


def seed(options: argparse.Namespace) -> int:
    if not options.demo:
        raise SystemExit("dorf seed: the only data there is to seed is the demo district; say --demo")
    var = var_dir(options.var)
    services = discover(options.only)
    environments = environments_like_running(services, var)
    try:
        seeded = seed_demo(services, environments)
    except SeedFailed as error:
        raise SystemExit(f"dorf seed: {error}") from None
    print(f"demo data: {', '.join(seeded) or 'no service has any yet'}")
    return 0


def status(options: argparse.Namespace) -> int:
    return show_status(var_dir(options.var))


def test(options: argparse.Namespace) -> int:
    return run_checks(repo_root(), options.pytest_args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dorf", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, prefix_chars: str = "-") -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text, prefix_chars=prefix_chars)

    def var_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--var", type=Path, metavar="DIR",
                         help="state folder: databases, logs, NATS store (default: the repository's var/)")

    def only_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--only", type=_names, default=[], metavar="NAME,NAME",
                         help="just these services (default: all installed, plus DORF_SERVICES)")

    run = command("up", "start NATS, migrate, start every service and the gateway; Ctrl-C stops all")
    run.add_argument("--demo", action="store_true", help="seed the demo district once everything is ready")
    run.add_argument("--port", type=int, help="the gateway's port (default 8000, or a free one if taken)")
    run.add_argument("--nats-port", type=int, help="NATS port (default 4222, or a free one if taken)")
    run.add_argument("--service-port", type=int, default=DEFAULT_SERVICE_BASE_PORT,
                     help="first of the services' consecutive ports; taken ones are skipped "
                          "(default %(default)s)")
    run.add_argument("--ready-timeout", type=float, default=120.0,
                     help="seconds to wait for each group of processes to be ready (default %(default)s)")
    var_option(run)
    only_option(run)
    run.set_defaults(handler=up)

    migrating = command("migrate", "apply every service's migrations (<NAME>_DATABASE_URL or var/<name>.db)")
    var_option(migrating)
    only_option(migrating)
    migrating.set_defaults(handler=migrate_all)

    seeding = command("seed", "load the demo district into the databases (twice changes nothing)")
    seeding.add_argument("--demo", action="store_true", help="the demo data (the only data there is)")
    var_option(seeding)
    only_option(seeding)
    seeding.set_defaults(handler=seed)

    state = command("status", "show what `dorf up` runs (var/run.json), alive or not, and each /readyz")
    var_option(state)
    state.set_defaults(handler=status)

    # prefix_chars="+": every argument, even "-k x" or "-x", belongs to pytest, not to us.
    testing = command("test", "ruff, mypy and pytest -n auto, as CI runs them; arguments go to pytest",
                      prefix_chars="+")
    testing.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    testing.set_defaults(handler=test)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    options = _parser().parse_args(argv)
    raise SystemExit(options.handler(options))
