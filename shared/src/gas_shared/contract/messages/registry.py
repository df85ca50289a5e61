"""Which payload class decodes each (type, version), and how older versions upgrade to the current one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .envelope import Payload
from .payloads import (
    JobArchived,
    JobCompleted,
    JobFailed,
    JobRequested,
    JobRestored,
    ObjectRestored,
    RestoreRequested,
    S3TestEvent,
    UserPlanChanged,
)

Upgrade = Callable[[Payload], Payload]


@dataclass
class Registry:
    """Payload classes by (type, version); consumers accept the current and the previous version."""

    models: dict[tuple[str, int], type[Payload]] = field(default_factory=dict)
    # (type, old version) -> function turning that payload into the next version's.
    upgrades: dict[tuple[str, int], Upgrade] = field(default_factory=dict)

    def add(self, model: type[Payload], upgrade_from_previous: Upgrade | None = None) -> None:
        self.models[(model.TYPE, model.VERSION)] = model
        if upgrade_from_previous is not None:
            self.upgrades[(model.TYPE, model.VERSION - 1)] = upgrade_from_previous

    def current_version(self, type_: str) -> int | None:
        versions = [v for (t, v) in self.models if t == type_]
        return max(versions) if versions else None

    def accepted(self, type_: str, version: int) -> bool:
        current = self.current_version(type_)
        return current is not None and version in (current, current - 1) and (type_, version) in self.models

    def upgrade(self, payload: Payload) -> Payload:
        """Bring a payload of the previous version up to the current one."""
        current = self.current_version(payload.TYPE)
        while current != payload.VERSION:
            payload = self.upgrades[(payload.TYPE, payload.VERSION)](payload)
        return payload

    def all(self) -> list[type[Payload]]:
        return sorted(self.models.values(), key=lambda m: (m.TYPE, m.VERSION))


def _default() -> Registry:
    # Every type is at version 1, so no upgrade is registered yet. The machinery stays on purpose (and is
    # tested): the first breaking change adds its v2 here with the function that lifts a v1 to it.
    registry = Registry()
    for model in (
        JobRequested,
        JobCompleted,
        JobFailed,
        JobArchived,
        UserPlanChanged,
        RestoreRequested,
        JobRestored,
        ObjectRestored,
        S3TestEvent,
    ):
        registry.add(model)
    return registry


REGISTRY = _default()
