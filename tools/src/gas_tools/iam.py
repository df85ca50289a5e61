"""The IAM policy of each service, made from the names provisioning uses: `gas iam --prefix P --account A
--region R --sender S --out DIR` writes `<service>.json` for each. The templates (`policies/*.json`) name
resources only through `${prefix}`, `${account}`, `${region}` and `${sender}`, so a deployment with
GAS_PREFIX=gas-prod gets a policy for gas-prod-*, never one for gas-*. `ecs/iam/` holds them rendered for
the example account (prefix gas), checked against this code by the deploy tests."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from gas_shared.contract.topology import SERVICES

EXAMPLE = {"prefix": "gas", "account": "111122223333", "region": "us-east-1", "sender": "noreply@gas.example.org"}


def policy(service: str, *, prefix: str, account: str, region: str, sender: str) -> dict[str, Any]:
    if service not in SERVICES:
        raise ValueError(f"no such service: {service!r}")
    template = resources.files("gas_tools").joinpath(f"policies/{service}.json").read_text()
    rendered: dict[str, Any] = json.loads(Template(template).substitute(
        prefix=prefix, account=account, region=region, sender=sender))
    return rendered


def text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def write(out: Path, **names: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for service in SERVICES:
        path = out / f"{service}.json"
        path.write_text(text(policy(service, **names)))
        written.append(path)
    return written
