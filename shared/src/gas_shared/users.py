"""The users table seen as users: profile, plan, and the plan change that the lifecycle services act on."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from .messages import UserPlanChanged
from .messages.envelope import now
from .runtime.publisher import Publisher
from .runtime.transitions import StateTable, record_time

Plan = Literal["free", "premium"]
FREE: Plan = "free"
PREMIUM: Plan = "premium"


class UserStore:
    """Users by id. A user without a record, or without a plan, is on the Free plan."""

    def __init__(self, dynamodb: Any, table: str):
        self.table = StateTable(dynamodb, table, key="user_id", state_attr="plan")

    def get(self, user_id: str) -> dict[str, Any] | None:
        return self.table.get(user_id)

    def plan(self, user_id: str) -> Plan:
        """The plan as it is now (a consistent read): checked where an effect happens, just before it."""
        user = self.get(user_id) or {}
        return PREMIUM if user.get("plan") == PREMIUM else FREE

    def change_plan(self, user_id: str, plan: Plan, publisher: Publisher) -> Plan | None:
        """Set the plan and tell the lifecycle services; the previous plan, or None when nothing changed.

        The record is written before the message is published, so a service that re-reads the plan on
        receipt never sees an older plan than the message says.
        """
        changed = self.table.update_if(
            user_id, "SET #p = :p, plan_changed_at = :t",
            "attribute_exists(user_id) AND (attribute_not_exists(#p) OR #p <> :p)",
            {"#p": "plan"}, {":p": plan, ":t": record_time()},
        )
        if changed is None:
            return None
        previous: Plan = FREE if plan == PREMIUM else PREMIUM
        publisher.publish(UserPlanChanged(user_id=uuid.UUID(user_id), plan=plan, previous_plan=previous,
                                          changed_at=now()))
        return previous
