"""`gas`: the operator's command line (provision, schemas, the local stack)."""

from __future__ import annotations

import argparse
import json
import sys

from .messages import schema


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
    args = parser.parse_args(argv)
    handler = {"provision": _provision, "schemas": _schemas, "run": _run}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
