"""Every store of one deployment, made from its clients and names: what services and tools open."""

from __future__ import annotations

from functools import cached_property

from ..contract.topology import Names
from ..runtime.aws import Aws
from .bundles import Bundles
from .jobs import JobStore
from .results import ResultObjects
from .users import UserStore


class Stores:
    """Made lazily, so building a service (and its unit tests) touches no AWS until a store is used."""

    def __init__(self, aws: Aws, names: Names):
        self._aws = aws
        self.names = names

    @cached_property
    def jobs(self) -> JobStore:
        return JobStore(self._aws.client("dynamodb"), self.names.jobs_table)

    @cached_property
    def users(self) -> UserStore:
        return UserStore(self._aws.client("dynamodb"), self.names.users_table)

    @cached_property
    def results(self) -> ResultObjects:
        return ResultObjects(self._aws.client("s3"), self.names.bucket("results"))

    @cached_property
    def inputs(self) -> ResultObjects:
        return ResultObjects(self._aws.client("s3"), self.names.bucket("inputs"))

    @cached_property
    def bundles(self) -> Bundles:
        return Bundles(self._aws.client("s3"), self.names.bucket("references"))
