"""`gas`: the operator's and developer's command line (provision, schemas, references, dead letters, the
local stack)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gas_shared.contract.messages import schema
from gas_shared.contract.topology import QUEUES, Names
from gas_shared.runtime.settings import ServiceSettings, load

from . import bundles


def _provision(_args: argparse.Namespace) -> int:
    from gas_shared.runtime import logs
    from gas_shared.runtime.aws import Aws

    from . import provisioning

    settings = load(provisioning.ProvisionSettings)
    logs.configure("provision", settings.log_level)
    done = provisioning.provision(Aws.of(settings), Names(settings.prefix),
                                  provisioning.Options.from_settings(settings))
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
    from gas_shared.runtime.aws import Aws

    from .deadletters import DeadLetters

    settings = load(ServiceSettings)
    letters = DeadLetters(Aws.of(settings), Names(settings.prefix))
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


def _references(args: argparse.Namespace) -> int:
    import logging

    from gas_shared.runtime.aws import Aws
    from gas_shared.store.bundles import Bundles

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = load(ServiceSettings)
    names = Names(settings.prefix)
    return bundles.run(args, Bundles(Aws.of(settings).client("s3"), names.bucket("references")))


def _iam(args: argparse.Namespace) -> int:
    from . import iam

    for path in iam.write(args.out, prefix=args.prefix, account=args.account, region=args.region,
                          sender=args.sender):
        print(path)
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
    policies = commands.add_parser("iam", help="write each service's IAM policy for a deployment's names")
    policies.add_argument("--prefix", required=True, help="GAS_PREFIX of the deployment")
    policies.add_argument("--account", required=True, help="the AWS account id")
    policies.add_argument("--region", required=True)
    policies.add_argument("--sender", required=True, help="the address of GAS_MAIL_FROM (SES may send only as it)")
    policies.add_argument("--out", type=Path, required=True, help="a folder: <service>.json each")
    bundles.add_arguments(commands)
    dead = commands.add_parser("dead-letters", help="each queue's depth and dead letters; peek at or redrive them")
    what = dead.add_mutually_exclusive_group()
    keys = [q.key for q in QUEUES]
    what.add_argument("--peek", metavar="QUEUE", choices=keys, help="show up to 10 dead letters of QUEUE, with why")
    what.add_argument("--redrive", metavar="QUEUE", choices=[*keys, "all"],
                      help="move QUEUE's dead letters back to it (or 'all')")
    dead.add_argument("--max", type=int, default=None, help="with --redrive: move at most this many")
    args = parser.parse_args(argv)
    handler = {"provision": _provision, "schemas": _schemas, "run": _run, "dead-letters": _dead_letters,
               "references": _references, "iam": _iam}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
