import json

import jsonschema

from gas_shared.contract.messages import REGISTRY
from gas_shared.contract.messages.schema import SCHEMA_DIR, file_name, render_all


def test_schema_files_match_the_code():
    """Fails when a payload changes and `gas schemas` was not run: the files are the published contract."""
    rendered = render_all()
    on_disk = {p.name: p.read_text() for p in SCHEMA_DIR.glob("*.schema.json")}
    assert set(on_disk) == set(rendered), "run `uv run gas schemas`"
    for name, text in rendered.items():
        assert on_disk[name] == text, f"{name} is out of date: run `uv run gas schemas`"


def test_every_published_type_has_a_schema_file():
    published = [m for m in REGISTRY.all() if m.TOPIC]
    assert len(published) == 7
    for model in published:
        assert (SCHEMA_DIR / file_name(model)).is_file()


def test_golden_messages_validate_against_the_schema_files(golden_case):
    type_, version, body = golden_case
    path = SCHEMA_DIR / f"{type_}.v{version}.schema.json"
    if not path.exists():
        assert type_.startswith("s3."), f"no schema for {type_}"
        return
    jsonschema.validate(json.loads(body), json.loads(path.read_text()))


def test_schema_rejects_a_wrong_type_constant(golden):
    body = json.loads(golden("job.failed"))
    body["type"] = "job.completed"
    schema = json.loads((SCHEMA_DIR / "job.failed.v1.schema.json").read_text())
    try:
        jsonschema.validate(body, schema)
    except jsonschema.ValidationError as e:
        assert "job.failed" in str(e)
    else:
        raise AssertionError("a job.completed type validated as job.failed")
