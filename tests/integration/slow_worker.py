"""A worker on the shared runtime whose handler takes GAS_TEST_WORK_SECONDS, then leaves a marker object.

The SIGTERM tests run it as a process: the real services' handlers are too quick to catch mid-work.
"""

import logging
import os
import sys
import time

from gas_shared.contract.messages import JobRequested
from gas_shared.runtime.settings import WorkerSettings
from gas_shared.runtime.worker import Runtime


def main() -> None:
    runtime = Runtime.start("annotator", WorkerSettings)
    seconds = float(os.environ["GAS_TEST_WORK_SECONDS"])
    s3 = runtime.aws.client("s3")

    def work(job: JobRequested) -> None:
        logging.getLogger("slow_worker").info("work started")
        time.sleep(seconds)
        s3.put_object(Bucket=runtime.names.bucket("results"), Key=f"{job.user_id}/{job.job_id}/done", Body=b"done")
        logging.getLogger("slow_worker").info("work done")

    sys.exit(runtime.serve({"annotate": {JobRequested: work}}))


if __name__ == "__main__":
    main()
