"""One DynamoDB table of records that move between states by conditional updates: the guard that makes
redelivered messages harmless. Items come and go here as plain values; the stores type them."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from ..runtime.aws import error_code

_to_dynamo = TypeSerializer().serialize
_from_dynamo = TypeDeserializer().deserialize


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _to_dynamo(v) for k, v in values.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _from_dynamo(v) for k, v in item.items()}


class Outcome(enum.Enum):
    APPLIED = "applied"  # this call made the transition
    ALREADY = "already"  # an earlier delivery made it: acknowledge, repeat no effect
    CONFLICT = "conflict"  # the record is in some other state
    MISSING = "missing"  # no such record


T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Transition(Generic[T]):
    outcome: Outcome
    item: T | None  # the record after the call (new on APPLIED, as found otherwise)

    @property
    def applied(self) -> bool:
        return self.outcome is Outcome.APPLIED

    def map(self, typed: Callable[[T], U]) -> Transition[U]:
        """The same outcome with the record translated (a plain item to its typed record)."""
        return Transition(self.outcome, None if self.item is None else typed(self.item))


class StateTable:
    """One DynamoDB table whose records move between named states in one attribute."""

    def __init__(self, dynamodb: Any, table: str, key: str, state_attr: str = "status"):
        self._ddb = dynamodb
        self.table = table
        self.key = key
        self.state_attr = state_attr

    def get(self, key_value: str) -> dict[str, Any] | None:
        answer = self._ddb.get_item(
            TableName=self.table, Key=to_item({self.key: key_value}), ConsistentRead=True
        )
        return from_item(answer["Item"]) if "Item" in answer else None

    def query(self, index: str, attr: str, value: str) -> Iterator[dict[str, Any]]:
        """Every record whose `attr` equals `value` through a global secondary index, all pages.

        GSI reads are eventually consistent: callers that act on a record read it again by key.
        """
        paginator = self._ddb.get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table, IndexName=index, KeyConditionExpression="#a = :v",
            ExpressionAttributeNames={"#a": attr}, ExpressionAttributeValues=to_item({":v": value}),
        ):
            for item in page.get("Items", []):
                yield from_item(item)

    def page(self, index: str, attr: str, value: str, limit: int,
             after: Mapping[str, Any] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of an index, newest (highest range key) first, and the key to pass as `after` for the
        next page (None on the last one)."""
        extra: dict[str, Any] = {"ExclusiveStartKey": to_item(after)} if after else {}
        answer = self._ddb.query(
            TableName=self.table, IndexName=index, KeyConditionExpression="#a = :v", ScanIndexForward=False,
            Limit=limit, ExpressionAttributeNames={"#a": attr}, ExpressionAttributeValues=to_item({":v": value}),
            **extra,
        )
        last = answer.get("LastEvaluatedKey")
        return [from_item(i) for i in answer.get("Items", [])], (from_item(last) if last else None)

    def delete(self, key_value: str) -> dict[str, Any] | None:
        """Remove the record; what it held, or None if it was gone already."""
        answer = self._ddb.delete_item(TableName=self.table, Key=to_item({self.key: key_value}),
                                       ReturnValues="ALL_OLD")
        old = answer.get("Attributes")
        return from_item(old) if old else None

    def create(self, item: Mapping[str, Any]) -> bool:
        """Put a new record unless one with that key exists; False when it already did."""
        try:
            self._ddb.put_item(
                TableName=self.table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(#k)",
                ExpressionAttributeNames={"#k": self.key},
            )
        except ClientError as e:
            if error_code(e) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def update_if(
        self, key_value: str, update: str, condition: str, names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None, *, return_old: bool = False,
    ) -> dict[str, Any] | None:
        """One conditional update; the record after it (before it, with return_old), or None when the
        condition did not hold."""
        try:
            answer = self._ddb.update_item(
                TableName=self.table, Key=to_item({self.key: key_value}), UpdateExpression=update,
                ConditionExpression=condition, ReturnValues="ALL_OLD" if return_old else "ALL_NEW",
                **({"ExpressionAttributeNames": dict(names)} if names else {}),
                **({"ExpressionAttributeValues": to_item(values)} if values else {}),
            )
        except ClientError as e:
            if error_code(e) == "ConditionalCheckFailedException":
                return None
            raise
        return from_item(answer["Attributes"])

    def transition(
        self,
        key_value: str,
        *,
        from_states: Iterable[str],
        to: str,
        set_fields: Mapping[str, Any] | None = None,
        remove_fields: Iterable[str] = (),
    ) -> Transition[dict[str, Any]]:
        """Move from one of `from_states` to `to`, setting fields in the same write, or say why not."""
        from_states = list(from_states)
        names = {"#k": self.key, "#s": self.state_attr}
        values: dict[str, Any] = {":to": to}
        sets = ["#s = :to"]
        for i, (field_name, value) in enumerate((set_fields or {}).items()):
            names[f"#f{i}"] = field_name
            values[f":v{i}"] = value
            sets.append(f"#f{i} = :v{i}")
        removes = []
        for i, field_name in enumerate(remove_fields):
            names[f"#r{i}"] = field_name
            removes.append(f"#r{i}")
        for i, state in enumerate(from_states):
            values[f":from{i}"] = state
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        # The condition is the whole idempotency story: only a record in an expected state moves.
        condition = f"attribute_exists(#k) AND #s IN ({', '.join(f':from{i}' for i in range(len(from_states)))})"
        moved = self.update_if(key_value, expression, condition, names, values)
        if moved is not None:
            return Transition(Outcome.APPLIED, moved)
        current = self.get(key_value)
        if current is None:
            return Transition(Outcome.MISSING, None)
        already = current.get(self.state_attr) == to
        return Transition(Outcome.ALREADY if already else Outcome.CONFLICT, current)
