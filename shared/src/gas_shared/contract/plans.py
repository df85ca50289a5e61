"""The plans a user can be on: the one name for the concept in records, messages and settings."""

from typing import Literal, TypeAlias

Plan: TypeAlias = Literal["free", "premium"]
FREE: Plan = "free"
PREMIUM: Plan = "premium"
PLANS: tuple[Plan, ...] = (FREE, PREMIUM)
