"""The thawer's settings (GAS_*): every worker's, and where its e-mail comes from and links to."""

from gas_shared.runtime.settings import MailSettings, WorkerSettings


class ThawerSettings(WorkerSettings, MailSettings):
    pass
