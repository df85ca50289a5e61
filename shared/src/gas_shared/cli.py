"""`gas`: the operator's command line (provision, schemas, the local stack)."""

from __future__ import annotations

import argparse
import json
import sys

from .messages import schema
from .topology import QUEUES


def _provision(_args: argparse.Namespace) -> int:
    from . import provisioning
    from .runtime import logs
    from .runtime.aws import Aws
    from .runtime.settings import ProvisionSettings, load
    from .topology import Names

    settings = load(ProvisionSettings)
    logs.configure("provision", settings.log_level)
    done = provisioning.provision(Aws(), Names(settings.prefix), provisioning.Plan.from_settings(settings))
    print(json.dumps(done.__dict__, indent=2))
    return 0


def _schemas(args: argparse.Namespace) -> int:
    if args.check:
        stale = [name for name, text in schema.render_all().items()
                 if not (schema.SCHEMA_DIR / name).is_file() or (schema.SCHEMA_DIR / name).read_text() != text]
        for name in stale:
            print(f"out of date: shared/schemas/{name} (run `gas schemas`)", file=sys.stderr)
        return 1 if stale else 0
    for path in schema.write_all():
        print(path)
    return 0


def _dead_letters(args: argparse.Namespace) -> int:
    from .deadletters import DeadLetters
    from .runtime.aws import Aws
    from .runtime.settings import ServiceSettings, load
    from .topology import Names

    letters = DeadLetters(Aws(), Names(load(ServiceSettings).prefix))
    if args.redrive:
        keys = [q.key for q in QUEUES] if args.redrive == "all" else [args.redrive]
        for key in keys:
            print(f"{key}: {letters.redrive(key, args.max)} moved back to the queue")
        return 0
    if args.peek:
        for letter in letters.peek(args.peek):
            print(json.dumps(letter))
        return 0
    print(f"{'queue':<12} {'waiting':>8} {'dead':>6}")
    for depth in letters.depths():
        print(f"{depth.queue:<12} {depth.waiting:>8} {depth.dead:>6}")
    return 0


def _run(_args: argparse.Namespace) -> int:
    from . import devstack
    return devstack.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gas", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("provision", help="create or converge every AWS resource (GAS_PREFIX names them)")
    schemas = commands.add_parser("schemas", help="write the JSON Schema files of every message")
    schemas.add_argument("--check", action="store_true", help="fail if the files differ from the code")
    commands.add_parser("run", help="the embedded local stack: moto server and the five services")
    dead = commands.add_parser("dead-letters", help="each queue's depth and dead letters; peek at or redrive them")
    what = dead.add_mutually_exclusive_group()
    keys = [q.key for q in QUEUES]
    what.add_argument("--peek", metavar="QUEUE", choices=keys, help="show up to 10 dead letters of QUEUE, with why")
    what.add_argument("--redrive", metavar="QUEUE", choices=[*keys, "all"],
                      help="move QUEUE's dead letters back to it (or 'all')")
    dead.add_argument("--max", type=int, default=None, help="with --redrive: move at most this many")
    args = parser.parse_args(argv)
    handler = {"provision": _provision, "schemas": _schemas, "run": _run, "dead-letters": _dead_letters}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
