"""What the thawer tells users by e-mail."""

from __future__ import annotations

from collections.abc import Sequence

from gas_shared.runtime.mail import mail_name
from gas_shared.store.records import Job

LISTED = 20  # results named in one mail; the rest are counted, with a link to the jobs list


def restored(jobs: Sequence[Job], web_url: str) -> tuple[str, str]:
    """One mail for every result of an upgrade that is back (one job: named in the subject)."""
    base = web_url.rstrip("/")
    if len(jobs) == 1:
        (job,) = jobs
        name = mail_name(job.input_filename)
        return (f"GAS: the results of {name} are available again",
                f"The annotation results of {name} are back from archive storage and can be downloaded again.\n\n"
                f"See the results: {base}/jobs/{job.job_id}\n")
    lines = [f"- {mail_name(job.input_filename)}: {base}/jobs/{job.job_id}" for job in jobs[:LISTED]]
    if len(jobs) > LISTED:
        lines.append(f"- and {len(jobs) - LISTED} more: {base}/jobs")
    return (f"GAS: {len(jobs)} results are available again",
            f"The annotation results of {len(jobs)} jobs are back from archive storage and can be downloaded "
            "again:\n\n" + "\n".join(lines) + "\n")
