"""The archiver's settings (GAS_*): every worker's, and the Free plan's retention window it enforces."""

from gas_shared.runtime.settings import RetentionSettings, WorkerSettings


class ArchiverSettings(WorkerSettings, RetentionSettings):
    pass
