import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from pydantic import ValidationError

from gas_shared.contract.messages import (
    REGISTRY,
    JobCompleted,
    JobRequested,
    MessageDecodeError,
    ObjectRestored,
    Payload,
    Registry,
    S3TestEvent,
    UserPlanChanged,
    decode,
    encode,
    new_message,
)

USER = uuid.UUID("6f1c2a3e-8d4b-4c7a-9e2f-0a1b2c3d4e5f")
JOB = uuid.UUID("3b9d7e21-5c4a-4f8e-b6d2-1e0f9a8b7c6d")


def test_every_registered_type_and_version_has_a_golden_message(golden):
    for model in REGISTRY.all():
        assert golden(model.TYPE, model.VERSION), model.TYPE


def test_golden_messages_decode_to_their_payload_class(golden_case):
    type_, version, body = golden_case
    message = decode(body)
    assert message.type == type_
    assert isinstance(message.data, REGISTRY.models[(type_, version)])


def test_gas_messages_survive_encode_and_decode_unchanged(golden_case):
    type_, _, body = golden_case
    if type_.startswith("s3."):
        pytest.skip("S3 writes these; GAS never encodes them")
    message = decode(body)
    assert decode(encode(message)) == message
    # A producer writes exactly what the golden file shows: field names, formats, nothing more.
    assert json.loads(encode(message)) == json.loads(body)


def test_golden_job_requested_fields(golden):
    job = decode(golden("job.requested")).data
    assert isinstance(job, JobRequested)
    assert (job.job_id, job.user_id) == (JOB, USER)
    assert job.input_filename == "patient 7 <exome>.vcf.gz"  # data, shown escaped, never a key
    assert job.hgvs is False  # asked for by the submitter (see test_hgvs_is_asked_for_at_submission)
    assert job.haplotypes is False


@pytest.mark.parametrize("option", ["hgvs", "haplotypes"])
def test_a_job_requested_from_before_an_option_decodes_without_it(golden, option):
    """`hgvs` and `haplotypes` were added to version 1 (additive changes): a message a producer wrote before
    them still decodes, and asks for neither."""
    older = json.loads(golden("job.requested"))
    del older["data"][option]
    job = decode(json.dumps(older)).data
    assert isinstance(job, JobRequested) and getattr(job, option) is False


def test_new_message_sets_envelope_fields():
    payload = UserPlanChanged(user_id=USER, plan="free", previous_plan="premium", changed_at=datetime.now(UTC))
    message = new_message(payload, source="web")
    assert (message.type, message.version, message.source) == ("user.plan_changed", 1, "web")
    assert message.correlation_id == str(USER)
    assert message.time.tzinfo is not None
    body = json.loads(encode(message))
    assert body["time"].endswith("Z")
    assert body["data"]["plan"] == "free"


def test_decode_gathers_every_problem_into_one_error():
    body = json.dumps({
        "id": "not-a-uuid", "type": "job.requested", "version": 1, "time": "yesterday",
        "correlation_id": "x", "data": {"job_id": str(JOB), "user_id": "bad", "reference_id": "r"},
    })
    with pytest.raises(MessageDecodeError) as caught:
        decode(body)
    problems = "\n".join(caught.value.problems)
    for fragment in ("id:", "source:", "time:", "data.user_id:", "data.input_key:", "data.submitted_at:"):
        assert fragment in problems
    assert caught.value.type == "job.requested"


@pytest.mark.parametrize(("body", "fragment"), [
    (b"\x00\xff\xfe binary", "not JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"type": "job.teleported", "version": 1}', "unknown message type 'job.teleported'"),
    ('{"type": "job.requested", "version": 7}', "version 7 not accepted (current is 1)"),
    ('{"Records": [{"eventSource": "aws:sqs"}]}', "not a valid S3 notification"),
    ("x" * 300_000, "larger than"),
])
def test_undecodable_bodies_are_poison(body, fragment):
    with pytest.raises(MessageDecodeError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        decode(body)


def test_unknown_fields_are_ignored(golden):
    body = json.loads(golden("job.completed"))
    body["added_later"] = {"anything": 1}
    body["data"]["new_optional_field"] = "ignored by this consumer"
    assert isinstance(decode(json.dumps(body)).data, JobCompleted)


def test_keys_outside_the_jobs_prefix_are_rejected(golden):
    body = json.loads(golden("job.requested"))
    body["data"]["input_key"] = f"{uuid.uuid4()}/{JOB}/input.vcf"
    with pytest.raises(MessageDecodeError, match="keys outside"):
        decode(json.dumps(body))
    body["data"]["input_key"] = f"{USER}/{JOB}/../../other/input.vcf"
    with pytest.raises(MessageDecodeError):
        decode(json.dumps(body))


def test_payloads_are_immutable(golden):
    job = decode(golden("job.requested")).data
    with pytest.raises(ValidationError):
        job.reference_id = "other"  # type: ignore[misc]


class _GreetingV1(Payload):
    TYPE: ClassVar[str] = "test.greeting"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = "jobs"
    user_id: uuid.UUID
    name: str


class _GreetingV2(Payload):
    TYPE: ClassVar[str] = "test.greeting"
    VERSION: ClassVar[int] = 2
    TOPIC: ClassVar[str] = "jobs"
    user_id: uuid.UUID
    first_name: str
    last_name: str


class _GreetingV3(_GreetingV2):
    VERSION: ClassVar[int] = 3


def _split(v1: Payload) -> Payload:
    assert isinstance(v1, _GreetingV1)
    first, _, last = v1.name.partition(" ")
    return _GreetingV2(user_id=v1.user_id, first_name=first, last_name=last)


def _envelope(version: int, data: dict) -> str:
    return json.dumps({"id": str(uuid.uuid4()), "type": "test.greeting", "version": version, "source": "t",
                       "time": "2026-01-01T00:00:00Z", "correlation_id": str(USER), "data": data})


def test_consumers_accept_the_previous_version_upgraded_to_the_current():
    registry = Registry()
    registry.add(_GreetingV1)
    registry.add(_GreetingV2, upgrade_from_previous=_split)
    old = decode(_envelope(1, {"user_id": str(USER), "name": "Rosalind Franklin"}), registry)
    assert old.data == _GreetingV2(user_id=USER, first_name="Rosalind", last_name="Franklin")
    assert old.version == 2
    current = decode(_envelope(2, {"user_id": str(USER), "first_name": "A", "last_name": "B"}), registry)
    assert isinstance(current.data, _GreetingV2)


def test_versions_older_than_the_previous_one_are_refused():
    registry = Registry()
    registry.add(_GreetingV1)
    registry.add(_GreetingV2, upgrade_from_previous=_split)
    registry.add(_GreetingV3, upgrade_from_previous=lambda v2: _GreetingV3(**v2.model_dump()))
    with pytest.raises(MessageDecodeError, match="version 1 not accepted"):
        decode(_envelope(1, {"user_id": str(USER), "name": "A B"}), registry)


def test_s3_restore_notification_key_is_url_decoded(golden):
    message = decode(golden("s3.object_restored"))
    assert isinstance(message.data, ObjectRestored)
    assert message.data.key == f"{USER}/{JOB}/results/input (1).annot.vcf.gz"
    assert message.data.bucket == "gas-results"
    # The same notification delivered twice is the same message.
    assert decode(golden("s3.object_restored")).id == message.id


def test_s3_test_event_decodes_to_its_own_type(golden):
    assert isinstance(decode(golden("s3.test_event")).data, S3TestEvent)


def test_message_package_imports_no_boto3():
    code = "import sys, gas_shared.contract.messages; print('boto3' in sys.modules or 'botocore' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
