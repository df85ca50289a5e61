"""The results lifecycle on the emulator: archive after the Free window, restore on upgrade, and every race.

The archiver, restorer and thawer run as real processes with a 2 s retention window (the provisioned
archive queue delays job.completed by the same 2 s). The test plays the annotator's part (results in S3,
a COMPLETED record, job.completed) and the web app's (the user record and plan changes).
"""

import json
import signal
import sys
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gas_shared.contract.keys import stable_id
from gas_shared.contract.messages import JobCompleted, JobRequested, UserPlanChanged
from gas_shared.runtime.publisher import Publisher
from gas_shared.store.jobs import ARCHIVED, ARCHIVING, AVAILABLE, RESTORING, JobStore
from gas_shared.store.records import HOT_RESULTS, Counts
from gas_shared.store.results import GLACIER, STANDARD, ResultObjects
from gas_shared.store.table import to_item
from gas_shared.store.users import UserStore
from gas_tools.polling import wait_until

FAULTY = str(Path(__file__).parent / "faulty_service.py")
WINDOW = 2  # seconds: GAS_FREE_RETENTION_SECONDS here and the tests' provisioned archive-queue delay
RESULT_FILES = {"vcf": "input.annot.vcf.gz", "index": "input.annot.vcf.gz.tbi", "log": "input.vcf.count.log",
                "summary": "summary.json"}


class Lifecycle:
    """One user and their completed jobs, seen through the records, the objects, the messages and the mail."""

    def __init__(self, aws, names, tap, mailbox, plan="free"):
        self.aws, self.names, self.tap, self.mailbox = aws, names, tap, mailbox
        self.s3 = aws.client("s3")
        self.bucket = names.bucket("results")
        self.jobs = JobStore(aws.client("dynamodb"), names.jobs_table)
        self.users = UserStore(aws.client("dynamodb"), names.users_table)
        self.objects = ResultObjects(self.s3, self.bucket)
        self.publisher = Publisher(aws, names, "test")
        self.user_id = str(uuid.uuid4())
        self.email = f"{names.prefix}-{self.user_id[:8]}@example.org"
        aws.client("dynamodb").put_item(TableName=names.users_table, Item=to_item(
            {"user_id": self.user_id, "email": self.email, "name": "Barbara McClintock", "plan": plan}))
        self.bodies: dict[str, bytes] = {}

    def complete_job(self, announce: bool = True) -> str:
        """What the annotator leaves behind: result objects, a COMPLETED record, job.completed."""
        job_id = str(uuid.uuid4())
        results = {name: f"{self.user_id}/{job_id}/results/{file}" for name, file in RESULT_FILES.items()}
        for name, key in results.items():
            self.bodies[key] = f"{name} of {job_id}\n".encode() * 200
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=self.bodies[key])
        self.jobs.create(JobRequested(
            job_id=job_id, user_id=self.user_id, reference_id="gas-demo-1", input_filename="trio.vcf",
            input_key=f"{self.user_id}/{job_id}/input/input.vcf", submitted_at=datetime.now(UTC)))
        assert self.jobs.claim(job_id, "test-annotator", 60).granted
        self.jobs.complete(job_id, "test-annotator", results, Counts(variants=3))
        if announce:
            self.announce(job_id)
        return job_id

    def announce(self, job_id: str) -> None:
        job = self.jobs.get(job_id)
        self.publisher.publish(JobCompleted(job_id=job_id, user_id=self.user_id, completed_at=job.completed_at,
                                            results=job.results, variant_count=3),
                               message_id=stable_id(job_id, "job.completed"))

    def set_plan(self, plan: str) -> None:
        previous = self.users.change_plan(self.user_id, plan)
        assert previous is not None
        self.publisher.publish(UserPlanChanged.of(self.user_id, plan, previous))

    def storage(self, job_id: str) -> str | None:
        return getattr(self.jobs.get(job_id), "storage", None)

    def wait_storage(self, job_id: str, state: str, within: float = 45) -> dict:
        wait_until(lambda: self.storage(job_id) == state, within, every=0.2, what=f"job {job_id} {state}")
        return self.jobs.get(job_id)

    def classes(self, job_id: str) -> set[str]:
        keys = self.jobs.get(job_id).result_keys
        return {self.objects.state(key).storage_class for key in keys}

    def intact(self, job_id: str) -> bool:
        """Every result downloadable with the bytes the annotator stored."""
        return all(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read() == self.bodies[key]
                   for key in self.jobs.get(job_id).results.values())

    def published(self, type_: str, job_id: str) -> list:
        return self.tap.published(type_, job_id)

    def mail(self) -> list[dict]:
        return self.mailbox(self.email)


@pytest.fixture
def life(aws, names, provisioned, tap, mailbox):
    return Lifecycle(aws, names, tap, mailbox)


@pytest.fixture
def premium_life(aws, names, provisioned, tap, mailbox):
    """A user who has been Premium from the start (no plan change was ever published)."""
    return Lifecycle(aws, names, tap, mailbox, plan="premium")


LIFECYCLE_ENV = {"GAS_FREE_RETENTION_SECONDS": str(WINDOW), "GAS_RECHECK_SECONDS": "1", "GAS_CONCURRENCY": "2"}


@pytest.fixture
def services(start_service):
    """Start the three lifecycle services (or some, or a faulty one) with the test window."""
    def start(*which: str, faulty: dict | None = None) -> dict:
        started = {}
        for name in which or ("archiver", "restorer", "thawer"):
            argv = [sys.executable, FAULTY, name] if faulty and name in faulty else None
            # A faulty service handles one message at a time, so a pause holds up all of its work.
            extra = {"GAS_CONCURRENCY": "1", **faulty[name]} if argv and faulty else {}
            started[name] = start_service(name, argv, **{**LIFECYCLE_ENV, **extra})
        return started
    return start


def logged(service, text: str, **fields: str) -> list[dict]:
    return [line for line in service.log()
            if text in line.get("message", "") and all(line.get(k) == v for k, v in fields.items())]


def assert_available(life, job_id):
    job = life.jobs.get(job_id)
    assert job.storage == AVAILABLE and job.restore is None
    assert life.classes(job_id) == {STANDARD}
    assert life.intact(job_id)


def test_free_results_are_archived_after_the_window_and_restored_on_upgrade(life, services):
    services()
    job_id = life.complete_job()
    completed_at = datetime.fromisoformat(life.jobs.get(job_id).completed_at.replace("Z", "+00:00"))
    assert life.storage(job_id) == AVAILABLE

    job = life.wait_storage(job_id, ARCHIVED)
    assert datetime.fromisoformat(job.archived_at.replace("Z", "+00:00")) >= completed_at.replace(microsecond=0)
    assert (datetime.fromisoformat(job.archived_at.replace("Z", "+00:00")) - completed_at).total_seconds() >= WINDOW
    assert life.classes(job_id) == {GLACIER} and job.cycle == 1
    # What the job page shows (summary, count log) stays readable; only the files go cold.
    hot = [key for name, key in job.results.items() if name in ("summary", "log")]
    assert len(hot) == 2 and {life.objects.state(key).storage_class for key in hot} == {STANDARD}
    wait_until(lambda: life.published("job.archived", job_id), 10, what="job.archived")
    (archived,) = life.published("job.archived", job_id)
    assert sorted(archived.data.keys) == job.result_keys

    life.set_plan("premium")
    wait_until(lambda: life.published("restore.requested", job_id), 20, what="restore.requested")
    (requested,) = life.published("restore.requested", job_id)
    assert requested.data.tier == "Expedited"
    assert (requested.data.expected_ready_at - requested.data.requested_at).total_seconds() == 300
    life.wait_storage(job_id, AVAILABLE)
    assert_available(life, job_id)
    wait_until(lambda: life.published("job.restored", job_id) and life.mail(), 10, what="job.restored and mail")
    assert len(life.published("job.restored", job_id)) == 1
    (mail,) = life.mail()
    assert "available again" in mail["subject"] and f"/jobs/{job_id}" in mail["body"]


def test_results_stay_when_the_user_upgrades_within_the_window_or_before_the_job_completes(life, services):
    running = services()
    during_window = life.complete_job()
    life.set_plan("premium")  # within the 2 s window of the first job
    after_upgrade = life.complete_job()  # a job that was running when the user upgraded

    for job_id in (during_window, after_upgrade):
        wait_until(lambda j=job_id: logged(running["archiver"], "is Premium: results stay", correlation_id=j),
                   20, what=f"the archiver passing over {job_id}")
        assert_available(life, job_id)
        assert life.published("job.archived", job_id) == []


def test_an_upgrade_while_archiving_ends_with_the_results_available(life, services):
    """The archiver died with the job ARCHIVING and one object already in GLACIER; then the user upgraded."""
    running = services()
    job_id = life.complete_job(announce=False)
    assert life.jobs.begin_archive(job_id).applied
    first_key = sorted(life.jobs.get(job_id).results.values())[0]
    life.objects.archive(first_key)
    life.set_plan("premium")
    wait_until(lambda: logged(running["restorer"], "deferred for"), 20, what="the restorer waiting for the archive")
    assert life.storage(job_id) == ARCHIVING

    life.announce(job_id)  # the archiver's message comes back (redelivery): it finishes what it started
    life.wait_storage(job_id, AVAILABLE, within=60)
    assert_available(life, job_id)
    assert len(life.published("job.archived", job_id)) == 1 and len(life.published("job.restored", job_id)) == 1


def test_a_downgrade_archives_what_is_past_its_window_and_the_rest_follows_its_own(premium_life, services):
    life = premium_life
    running = services()
    old = life.complete_job()
    wait_until(lambda: logged(running["archiver"], "is Premium: results stay", correlation_id=old), 20,
               what="the old job's window passing while Premium")
    recent = life.complete_job()
    life.set_plan("free")

    old_job = life.wait_storage(old, ARCHIVED)
    recent_job = life.wait_storage(recent, ARCHIVED)
    assert life.classes(old) == life.classes(recent) == {GLACIER}
    downgrade = [line for line in running["archiver"].log() if "downgraded to Free" in line["message"]]
    assert [old in line["message"] for line in downgrade] == [True]
    recent_completed = datetime.fromisoformat(recent_job.completed_at.replace("Z", "+00:00"))
    archived_at = datetime.fromisoformat(recent_job.archived_at.replace("Z", "+00:00"))
    assert (archived_at - recent_completed).total_seconds() >= WINDOW - 1  # its own window (timestamps in s)
    assert old_job.cycle == recent_job.cycle == 1


def test_a_downgrade_then_a_quick_upgrade_ends_available(premium_life, services, queues):
    life = premium_life
    running = services()
    jobs = [life.complete_job() for _ in range(3)]
    for job_id in jobs:
        wait_until(lambda j=job_id: logged(running["archiver"], "is Premium: results stay", correlation_id=j), 20,
                   what="every window passing while Premium")
    life.set_plan("free")
    life.set_plan("premium")

    def settled():
        return all(queues.depth(key) == 0 for key in ("downgrade", "restore", "thaw")) and all(
            life.storage(j) == AVAILABLE for j in jobs)

    wait_until(settled, 60, every=0.5, what="every queue drained and every job AVAILABLE")
    for job_id in jobs:
        assert_available(life, job_id)
    assert all(queues.depth(key, dead=True) == 0 for key in ("downgrade", "restore", "thaw"))


def test_an_upgrade_sends_one_mail_for_all_the_results_it_brings_back(life, services):
    running = services()
    jobs = [life.complete_job() for _ in range(4)]
    for job_id in jobs:
        life.wait_storage(job_id, ARCHIVED)
    life.set_plan("premium")
    for job_id in jobs:
        life.wait_storage(job_id, AVAILABLE)
    wait_until(life.mail, 10, what="the mail")
    wait_until(lambda: all(life.published("job.restored", j) for j in jobs), 10, what="every job.restored")
    # Redelivered: a restore request for each job again. Nothing more is sent.
    for job_id in jobs:
        (requested,) = life.published("restore.requested", job_id)
        life.publisher.publish(requested.data, message_id=requested.id)
    wait_until(lambda: len(logged(running["thawer"], "handled restore.requested")) >= 2 * len(jobs), 30,
               what="the repeats handled")
    (mail,) = life.mail()
    assert mail["subject"] == "GAS: 4 results are available again"
    assert {line.rsplit("/", 1)[-1] for line in mail["body"].splitlines() if line.startswith("- ")} == set(jobs)

    # The next upgrade's mail names only what that upgrade brought back.
    life.set_plan("free")
    for job_id in jobs[:2]:
        life.jobs.delete(job_id)
    for job_id in jobs[2:]:
        life.wait_storage(job_id, ARCHIVED, within=60)
    life.set_plan("premium")
    for job_id in jobs[2:]:
        life.wait_storage(job_id, AVAILABLE)
    wait_until(lambda: len(life.mail()) == 2, 20, what="the second upgrade's mail")
    (second,) = [m for m in life.mail() if m["subject"] != mail["subject"]]
    assert second["subject"] == "GAS: 2 results are available again"
    assert {line.rsplit("/", 1)[-1] for line in second["body"].splitlines() if line.startswith("- ")} == set(jobs[2:])


def test_duplicate_and_late_messages_repeat_no_effect(life, services, queues):
    running = services()
    job_id = life.complete_job()
    life.announce(job_id)  # job.completed twice
    life.wait_storage(job_id, ARCHIVED)
    wait_until(lambda: len(logged(running["archiver"], "handled job.completed")) == 2, 20, what="both handled")
    assert len(life.published("job.archived", job_id)) == 1

    life.set_plan("premium")
    again = life.users.get(life.user_id)
    life.publisher.publish(UserPlanChanged(user_id=life.user_id, plan="premium", previous_plan="free",
                                           changed_at=again.plan_changed_at))  # the upgrade, twice
    life.wait_storage(job_id, AVAILABLE)
    wait_until(lambda: len(logged(running["restorer"], "handled user.plan_changed")) == 2, 20, what="both upgrades")
    (requested,) = life.published("restore.requested", job_id)
    wait_until(life.mail, 10, what="the mail")

    # Late arrivals: the restore request again, and the retention message again (the user is Premium now).
    life.publisher.publish(requested.data, message_id=requested.id)
    life.announce(job_id)
    wait_until(lambda: len(logged(running["thawer"], "handled restore.requested")) >= 2
               and len(logged(running["archiver"], "handled job.completed")) == 3, 20, what="the late messages")
    assert_available(life, job_id)
    assert len(life.published("job.archived", job_id)) == 1
    # The tap also saw the test's own re-sent copy: count what the restorer published.
    assert [m.source for m in life.published("restore.requested", job_id)] == ["restorer", "test"]
    assert len(life.published("job.restored", job_id)) == 1
    assert len(life.mail()) == 1
    assert life.jobs.get(job_id).cycle == 1
    assert all(queues.depth(key, dead=True) == 0 for key in ("archive", "restore", "thaw"))


def test_a_restore_of_a_job_deleted_meanwhile_ends_quietly(life, services, queues, aws):
    running = services("archiver", "restorer")
    kept, deleted = life.complete_job(), life.complete_job()
    life.wait_storage(kept, ARCHIVED)
    life.wait_storage(deleted, ARCHIVED)
    life.set_plan("premium")
    life.wait_storage(kept, RESTORING)
    life.wait_storage(deleted, RESTORING)
    # The user deletes a job while its restore is under way (what the web app's delete does).
    for key in life.jobs.get(deleted).results.values():
        life.s3.delete_object(Bucket=life.bucket, Key=key)
    aws.client("dynamodb").delete_item(TableName=life.names.jobs_table, Key=to_item({"job_id": deleted}))

    thawer = services("thawer")["thawer"]
    life.wait_storage(kept, AVAILABLE)
    wait_until(lambda: logged(thawer, "is gone (deleted): nothing to thaw", correlation_id=deleted), 20,
               what="the deleted job passed over")
    assert life.jobs.get(deleted) is None  # not brought back to life by a late write
    assert_available(life, kept)
    wait_until(lambda: queues.depth("thaw") == 0, 20, what="the thaw queue drained")
    assert queues.depth("thaw", dead=True) == 0 and running["restorer"].status("/healthz") == 200


def test_expedited_unavailable_falls_back_to_standard(life, services):
    running = services("archiver", "thawer")
    job_id = life.complete_job()
    life.wait_storage(job_id, ARCHIVED)
    restorer = services("restorer", faulty={"restorer": {"GAS_TEST_EXPEDITED_UNAVAILABLE": "1"}})["restorer"]
    life.set_plan("premium")

    wait_until(lambda: life.published("restore.requested", job_id), 30, what="restore.requested")
    (requested,) = life.published("restore.requested", job_id)
    assert requested.data.tier == "Standard"
    assert (requested.data.expected_ready_at - requested.data.requested_at).total_seconds() == 5 * 3600
    assert logged(restorer, "injected GlacierExpeditedRetrievalNotAvailable")
    cold = [name for name in RESULT_FILES if name not in HOT_RESULTS]  # the summary and log never left
    assert len(cold) == 2 and len(logged(restorer, "Expedited retrieval unavailable")) == len(cold)
    life.wait_storage(job_id, AVAILABLE)
    assert_available(life, job_id)
    assert running["thawer"].status("/readyz") == 200


@pytest.fixture
def slow_restores(backend):
    """moto finishes a restore at once; make each take a few reads of the object, as S3 takes minutes."""
    if backend.kind != "moto":
        pytest.skip("restore timing is set through moto's state manager")

    def post(path, body):
        request = urllib.request.Request(f"{backend.endpoint}/moto-api/state-manager/{path}",
                                         data=json.dumps(body).encode(), method="POST")
        urllib.request.urlopen(request).close()

    post("set-transition", {"model_name": "s3::keyrestore", "transition": {"progression": "manual", "times": 3}})
    yield
    post("unset-transition", {"model_name": "s3::keyrestore"})


def test_the_thawer_looks_again_while_a_restore_is_under_way_with_no_event_at_all(life, services, slow_restores):
    running = services()
    # No S3 notifications: only restore.requested and the thawer's own re-checks can finish the job.
    life.s3.put_bucket_notification_configuration(Bucket=life.bucket, NotificationConfiguration={})
    job_id = life.complete_job()
    life.wait_storage(job_id, ARCHIVED)
    life.set_plan("premium")
    life.wait_storage(job_id, AVAILABLE, within=90)
    assert_available(life, job_id)
    rechecks = logged(running["thawer"], "objects still restoring", correlation_id=job_id)
    assert len(rechecks) >= 1
    assert not logged(running["thawer"], "handled s3.object_restored")
    assert len(life.published("job.restored", job_id)) == 1


def test_an_early_restore_event_is_checked_and_looked_at_again(life, services, slow_restores, queues, golden):
    running = services()
    job_id = life.complete_job()
    life.wait_storage(job_id, ARCHIVED)
    life.set_plan("premium")
    life.wait_storage(job_id, RESTORING)
    # S3's ObjectRestore:Completed for one object, arriving while the restore is still under way.
    key = sorted(life.jobs.get(job_id).results.values())[0]
    event = json.loads(golden("s3.object_restored"))
    event["Records"][0]["s3"]["bucket"]["name"] = life.bucket
    event["Records"][0]["s3"]["object"]["key"] = urllib.parse.quote_plus(key)
    queues.send("thaw", json.dumps(event))

    life.wait_storage(job_id, AVAILABLE, within=90)
    assert_available(life, job_id)
    early = [line for line in logged(running["thawer"], "objects still restoring")
             if line.get("type") == "s3.object_restored"]
    assert early, "the early event found the restore under way and looked again later"
    wait_until(lambda: life.published("job.restored", job_id) and life.mail(), 10, what="message and mail")
    assert len(life.published("job.restored", job_id)) == 1 and len(life.mail()) == 1


# Where each service is stopped dead: before its second S3 write of the job, with the first one done.
KILL_POINTS = {"archiver": "CopyObject:2", "restorer": "RestoreObject:2", "thawer": "CopyObject:2"}


@pytest.mark.parametrize("victim", list(KILL_POINTS))
def test_each_lifecycle_service_survives_kill_9_mid_message(life, services, victim, queues):
    others = [s for s in ("archiver", "restorer", "thawer") if s != victim]
    services(*others)
    dying = services(victim, faulty={victim: {"GAS_TEST_PAUSE": KILL_POINTS[victim]}})[victim]
    job_id = life.complete_job()
    if victim != "archiver":
        life.wait_storage(job_id, ARCHIVED)
        life.set_plan("premium")
    wait_until(lambda: logged(dying, "paused before"), 30, what=f"{victim} half-way through")
    dying.stop(signal.SIGKILL, timeout=10)
    half_done = life.jobs.get(job_id)
    assert half_done.storage == {"archiver": ARCHIVING, "restorer": ARCHIVED, "thawer": RESTORING}[victim]

    services(victim)  # the message comes back after its visibility timeout (10 s here)
    if victim == "archiver":
        job = life.wait_storage(job_id, ARCHIVED, within=60)
        assert life.classes(job_id) == {GLACIER} and job.cycle == 1
        wait_until(lambda: life.published("job.archived", job_id), 10, what="job.archived")
    else:
        life.wait_storage(job_id, AVAILABLE, within=60)
        assert_available(life, job_id)
        wait_until(lambda: life.published("job.restored", job_id) and life.mail(), 10, what="message and mail")
        assert len(life.published("restore.requested", job_id)) == 1
        assert len(life.published("job.restored", job_id)) == 1 and len(life.mail()) == 1
    assert len(life.published("job.archived", job_id)) == 1
    assert all(queues.depth(key, dead=True) == 0 for key in ("archive", "restore", "thaw"))
