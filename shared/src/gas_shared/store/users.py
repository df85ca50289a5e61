"""The users table seen as users: profile, sign-in sessions and plan."""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal

from ..contract.plans import FREE, PREMIUM, Plan
from ..contract.times import record_time
from ..runtime.mail import Recipient
from .records import Session, User
from .table import StateTable


class UserStore:
    """Users by id. A user without a record, or without a plan, is on the Free plan."""

    def __init__(self, dynamodb: object, table: str):
        self.table = StateTable(dynamodb, table, key="user_id", state_attr="plan")

    def get(self, user_id: str) -> User | None:
        item = self.table.get(user_id)
        return User.from_item(item) if item else None

    def ensure(self, user_id: str, profile: Mapping[str, str]) -> User:
        """The user's record, created on the Free plan at first sign-in; an existing profile is kept as
        the user edited it."""
        self.table.create({"user_id": user_id, "plan": FREE, "created_at": record_time(), "sessions": {},
                           **{k: v for k, v in profile.items() if v}})
        return self.get(user_id) or User(user_id=user_id)

    def update_profile(self, user_id: str, profile: Mapping[str, str]) -> User | None:
        names = {f"#{k}": k for k in profile}
        item = self.table.update_if(
            user_id, "SET " + ", ".join(f"#{k} = :{k}" for k in profile), "attribute_exists(user_id)", names,
            {f":{k}": v for k, v in profile.items()})
        return User.from_item(item) if item else None

    def open_session(self, user_id: str, session_id: str, lifetime: float,
                     tokens: Mapping[str, str] | None = None) -> None:
        """Record a signed-in session (with the Globus tokens to revoke at sign-out); sessions that ran
        out are dropped on the way, so the record stays small."""
        # Records made before sessions existed (or by hand) get the map first.
        item = self.table.update_if(user_id, "SET sessions = if_not_exists(sessions, :empty)",
                                    "attribute_exists(user_id)", None, {":empty": {}})
        user = User.from_item(item) if item else User(user_id=user_id)
        now_s = time.time()
        stale = [sid for sid, s in user.sessions.items() if s.expires < now_s]
        removes = "".join(f" REMOVE sessions.#s{i}" if i == 0 else f", sessions.#s{i}" for i in range(len(stale)))
        self.table.update_if(
            user_id, "SET sessions.#sid = :s" + removes, "attribute_exists(sessions)",
            {"#sid": session_id, **{f"#s{i}": sid for i, sid in enumerate(stale)}},
            {":s": {"expires": Decimal(str(round(now_s + lifetime))), "tokens": dict(tokens or {})}})

    def spend_ticket(self, user_id: str, job_id: str, lifetime: float) -> None:
        """Remember that the upload ticket of `job_id` is used up (its job is being deleted) until the ticket
        itself expires: replayed, it must not make the job again. Expired entries go on the way."""
        item = self.table.update_if(user_id, "SET spent_tickets = if_not_exists(spent_tickets, :empty)",
                                    "attribute_exists(user_id)", None, {":empty": {}})
        if item is None:
            return  # no record, no tickets: a user signs in (and gets a record) before uploading
        now_s = time.time()
        stale = [j for j, until in User.from_item(item).spent_tickets.items() if until < now_s and j != job_id]
        removes = "".join(f" REMOVE spent_tickets.#j{i}" if i == 0 else f", spent_tickets.#j{i}"
                          for i in range(len(stale)))
        self.table.update_if(
            user_id, "SET spent_tickets.#job = :until" + removes, "attribute_exists(spent_tickets)",
            {"#job": job_id, **{f"#j{i}": j for i, j in enumerate(stale)}},
            {":until": Decimal(str(round(now_s + lifetime)))})

    def claim_restore_digest(self, user_id: str, upto: float, job_id: str) -> bool:
        """Whether `job_id`'s thaw sends the mail for every result that came back up to `upto` (epoch seconds
        of the latest restored_at it covers): true for the first to claim it, and for that same job again (a
        retried send); false when another job's mail covers as much or more."""
        mark = Decimal(str(round(upto, 6)))
        return self.table.update_if(
            user_id, "SET restore_digest = :d",
            "attribute_exists(user_id) AND (attribute_not_exists(restore_digest) OR restore_digest.upto < :u"
            " OR (restore_digest.upto = :u AND restore_digest.job = :j))",
            None, {":d": {"upto": mark, "job": job_id}, ":u": mark, ":j": job_id}) is not None

    @staticmethod
    def ticket_spent(user: User, job_id: str) -> bool:
        return user.spent_tickets.get(job_id, 0) > time.time()

    @staticmethod
    def session_live(user: User, session_id: str) -> bool:
        found = user.sessions.get(session_id)
        return found is not None and found.expires > time.time()

    def close_session(self, user_id: str, session_id: str) -> dict[str, str]:
        """End a session; the tokens it held, for revocation (empty if it had none or had ended)."""
        old = self.table.update_if(user_id, "REMOVE sessions.#sid", "attribute_exists(sessions.#sid)",
                                   {"#sid": session_id}, {}, return_old=True)
        if not old:
            return {}
        ended = User.from_item(old).sessions.get(session_id) or Session(expires=0)
        return dict(ended.tokens)

    def plan(self, user_id: str) -> Plan:
        """The plan as it is now (a consistent read): checked where an effect happens, just before it."""
        user = self.get(user_id)
        return user.plan if user else FREE

    def recipient(self, user_id: str) -> Recipient | None:
        """Where the user's e-mail goes; None for a user without an address on file."""
        return self.recipient_of(self.get(user_id))

    @staticmethod
    def recipient_of(user: User | None) -> Recipient | None:
        """Where the e-mail of a user already read goes (None without an address)."""
        return Recipient(user.email, user.name) if user and user.email else None

    def change_plan(self, user_id: str, plan: Plan) -> Plan | None:
        """Set the plan; the previous plan, or None when nothing changed.

        The caller tells the lifecycle services after this returns: the record is written before the
        message is published, so a service that re-reads the plan on receipt never sees an older plan.
        """
        changed = self.table.update_if(
            user_id, "SET #p = :p, plan_changed_at = :t",
            "attribute_exists(user_id) AND (attribute_not_exists(#p) OR #p <> :p)",
            {"#p": "plan"}, {":p": plan, ":t": record_time()},
        )
        if changed is None:
            return None
        return FREE if plan == PREMIUM else PREMIUM
