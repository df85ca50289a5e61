"""The users table seen as users: profile, sign-in sessions, plan, and the plan change that the lifecycle
services act on."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from decimal import Decimal
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

    def ensure(self, user_id: str, profile: Mapping[str, str]) -> dict[str, Any]:
        """The user's record, created on the Free plan at first sign-in; an existing profile is kept as
        the user edited it."""
        self.table.create({"user_id": user_id, "plan": FREE, "created_at": record_time(), "sessions": {},
                           **{k: v for k, v in profile.items() if v}})
        return self.get(user_id) or {}

    def update_profile(self, user_id: str, profile: Mapping[str, str]) -> dict[str, Any] | None:
        names = {f"#{k}": k for k in profile}
        return self.table.update_if(
            user_id, "SET " + ", ".join(f"#{k} = :{k}" for k in profile), "attribute_exists(user_id)", names,
            {f":{k}": v for k, v in profile.items()})

    def open_session(self, user_id: str, session_id: str, lifetime: float,
                     tokens: Mapping[str, str] | None = None) -> None:
        """Record a signed-in session (with the Globus tokens to revoke at sign-out); sessions that ran
        out are dropped on the way, so the record stays small."""
        # Records made before sessions existed (or by hand) get the map first.
        user = self.table.update_if(user_id, "SET sessions = if_not_exists(sessions, :empty)",
                                    "attribute_exists(user_id)", None, {":empty": {}}) or {}
        now_s = time.time()
        stale = [sid for sid, s in (user.get("sessions") or {}).items() if float(s.get("expires", 0)) < now_s]
        removes = "".join(f" REMOVE sessions.#s{i}" if i == 0 else f", sessions.#s{i}" for i in range(len(stale)))
        self.table.update_if(
            user_id, "SET sessions.#sid = :s" + removes, "attribute_exists(sessions)",
            {"#sid": session_id, **{f"#s{i}": sid for i, sid in enumerate(stale)}},
            {":s": {"expires": Decimal(str(round(now_s + lifetime))), "tokens": dict(tokens or {})}})

    @staticmethod
    def session_live(user: Mapping[str, Any], session_id: str) -> bool:
        found = (user.get("sessions") or {}).get(session_id) or {}
        return float(found.get("expires", 0)) > time.time()

    def close_session(self, user_id: str, session_id: str) -> dict[str, str]:
        """End a session; the tokens it held, for revocation (empty if it had none or had ended)."""
        old = self.table.update_if(user_id, "REMOVE sessions.#sid", "attribute_exists(sessions.#sid)",
                                   {"#sid": session_id}, {}, return_old=True)
        return dict(((old or {}).get("sessions") or {}).get(session_id, {}).get("tokens") or {})

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
