"""What the thawer tells users by e-mail."""

from __future__ import annotations

from gas_shared.runtime.mail import mail_name
from gas_shared.store.records import Job


def restored(job: Job, web_url: str) -> tuple[str, str]:
    name = mail_name(job.input_filename)
    subject = f"GAS: the results of {name} are available again"
    body = (
        f"The annotation results of {name} are back from archive storage and can be downloaded again.\n\n"
        f"See the results: {web_url.rstrip('/')}/jobs/{job.job_id}\n"
    )
    return subject, body
