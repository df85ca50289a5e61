"""Offline checks of everything that deploys GAS: Dockerfiles, the compose file, the rendered Kubernetes
manifests (and their KEDA objects), and the ECS task definitions and IAM policies. No engine, cluster or
AWS account is needed; each check fails on a broken file."""

import copy
import fnmatch
import importlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml
from botocore.exceptions import ParamValidationError
from botocore.session import get_session
from botocore.validate import validate_parameters

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVICES = ("web", "annotator", "archiver", "restorer", "thawer")
OVERLAYS = ("aws", "local")


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=False, cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("service", SERVICES)
def test_each_dockerfile_passes_hadolint(service):
    answer = run(str(BIN / "hadolint"), f"services/{service}/Dockerfile")
    assert answer.returncode == 0, answer.stdout + answer.stderr
    text = (ROOT / f"services/{service}/Dockerfile").read_text()
    assert "USER 10001" in text and "HEALTHCHECK" in text and 'ENTRYPOINT ["tini", "--"]' in text
    assert text.count("FROM python:3.11-slim") == 2  # multi-stage: the final stage starts clean


def test_the_dockerfiles_are_one_recipe_with_the_service_name_filled_in():
    """The design card wants a Dockerfile per service; this keeps the five from drifting apart."""
    recipes = {s: (ROOT / f"services/{s}/Dockerfile").read_text().replace(s, "SERVICE") for s in SERVICES}
    recipes["annotator"] = recipes["annotator"].replace(" GAS_REFERENCE_CACHE=/tmp/gas-references", "")
    assert len(set(recipes.values())) == 1


def test_the_compose_file_follows_the_compose_spec():
    answer = run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml")
    assert answer.returncode == 0, answer.stdout + answer.stderr
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in SERVICES:
        assert compose["services"][service]["depends_on"]["provision"]["condition"] == "service_completed_successfully"
    # Only loopback ports; web shares LocalStack's network so presigned URLs work from the host's browser.
    assert all(port.startswith("127.0.0.1:") for port in compose["services"]["localstack"]["ports"])
    assert compose["services"]["web"]["network_mode"] == "service:localstack"
    assert compose["services"]["web"]["environment"]["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert "ports" not in compose["services"]["web"]


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request, tmp_path_factory):
    kubectl = shutil.which("kubectl")
    if kubectl is None:  # no registry this project may use ships kustomize: say so loudly, do not fail CI
        pytest.skip("kubectl (with its built-in kustomize) is not installed: k8s/overlays not rendered or checked")
    answer = run(kubectl, "kustomize", f"k8s/overlays/{request.param}")
    assert answer.returncode == 0, answer.stderr
    path = tmp_path_factory.mktemp("k8s") / f"{request.param}.yaml"
    path.write_text(answer.stdout)
    return path, [doc for doc in yaml.safe_load_all(answer.stdout) if doc]


def test_the_rendered_manifests_are_valid_kubernetes(rendered):
    path, docs = rendered
    answer = run(str(BIN / "kubernetes-validate"), "--strict", "--quiet", "--no-warn", str(path))
    assert answer.returncode == 0, answer.stdout + answer.stderr
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    for service in SERVICES:
        pod = deployments[service]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["securityContext"]["readOnlyRootFilesystem"] is True and pod["securityContext"]["runAsNonRoot"]
        assert container["resources"]["limits"] and pod["serviceAccountName"] == f"gas-{service}"


def test_keda_watches_the_queues_of_the_prefix_the_services_use(rendered):
    """The queue names in each overlay's ScaledObjects are those of its own GAS_PREFIX (a KEDA trigger on
    gas-annotate beside services on gas-prod-annotate would never scale)."""
    from gas_shared.contract.topology import Names

    _, docs = rendered
    (config,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("gas-config")]
    names = Names(config["data"]["GAS_PREFIX"])
    for scaled in (d for d in docs if d["kind"] == "ScaledObject"):
        service = scaled["metadata"]["name"]
        watched = {t["metadata"]["queueURL"] for t in scaled["spec"]["triggers"]}
        assert watched == {names.queue(key) for key in _topology(service)}, service


KEDA_SCHEMA = json.loads((ROOT / "k8s/schemas/keda.schema.json").read_text())


def test_the_keda_objects_match_the_schema_kept_in_the_repo(rendered):
    _, docs = rendered
    keda = [d for d in docs if d["apiVersion"].startswith("keda.sh/")]
    scaled = {d["metadata"]["name"] for d in keda if d["kind"] == "ScaledObject"}
    assert scaled == {"annotator", "archiver", "restorer", "thawer"}
    for doc in keda:
        jsonschema.validate(doc, KEDA_SCHEMA)
    broken = copy.deepcopy(next(d for d in keda if d["kind"] == "ScaledObject"))
    broken["spec"]["triggers"][0]["metadata"]["queueUrl"] = broken["spec"]["triggers"][0]["metadata"].pop("queueURL")
    with pytest.raises(jsonschema.ValidationError):  # the schema does catch a misspelt field
        jsonschema.validate(broken, KEDA_SCHEMA)


ECS = get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition").input_shape


@pytest.mark.parametrize("service", SERVICES)
def test_each_ecs_task_definition_is_a_valid_registration(service):
    task = json.loads((ROOT / f"ecs/taskdefs/{service}.json").read_text())
    validate_parameters(task, ECS)  # botocore's own model of RegisterTaskDefinition
    (container,) = task["containerDefinitions"]
    assert container["healthCheck"]["command"][0] == "CMD" and "/healthz" in container["healthCheck"]["command"][-1]
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert task["taskRoleArn"].endswith(f"role/gas-{service}")
    with pytest.raises(ParamValidationError):
        validate_parameters({**task, "cpu": 512}, ECS)  # the model does refuse a wrong type


@pytest.mark.parametrize("service", SERVICES)
def test_each_iam_policy_names_only_gas_resources(service):
    policy = json.loads((ROOT / f"ecs/iam/{service}.json").read_text())
    assert policy["Version"] == "2012-10-17"
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow" and all(":" in a and "*" not in a for a in statement["Action"])
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if statement["Action"] == ["ses:SendEmail"]:  # SES identities: limited by the sender condition
            assert statement["Condition"]["StringEquals"]["ses:FromAddress"]
            continue
        assert all(":gas-" in r or ":::gas-" in r or "/gas-" in r for r in resources), statement["Sid"]


# -- IAM policies made from the names provisioning uses ----------------------------------------------------


def _overlay_prefix() -> str:
    """GAS_PREFIX as the aws overlay sets it (a JSON patch on the config map)."""
    overlay = yaml.safe_load((ROOT / "k8s/overlays/aws/kustomization.yaml").read_text())
    for patch in overlay.get("patches", []):
        for op in yaml.safe_load(patch.get("patch", "[]")) or []:
            if op.get("path") == "/data/GAS_PREFIX":
                return str(op["value"])
    raise AssertionError("the aws overlay does not set GAS_PREFIX")


def _provisioned_names(prefix: str) -> set[str]:
    from gas_shared.contract.topology import BUCKETS, JOBS_BY_USER_INDEX, QUEUES, TOPICS, Names

    names = Names(prefix)
    return {*(names.bucket(b) for b in BUCKETS), names.jobs_table, names.users_table,
            f"{names.jobs_table}/index/{JOBS_BY_USER_INDEX}", *(names.topic(t) for t in TOPICS),
            *(names.queue(q.key) for q in QUEUES), *(names.dlq(q.key) for q in QUEUES)}


def _named(arn: str) -> str:
    """The resource an ARN names: a bucket (objects under it), a table (or its index), a topic or a queue."""
    if arn.startswith("arn:aws:s3:::"):
        return arn.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    if ":table/" in arn:
        return arn.split(":table/", 1)[1]
    return arn.rsplit(":", 1)[1]


@pytest.mark.parametrize("service", SERVICES)
def test_the_checked_in_iam_policies_are_the_generators(service):
    from gas_tools import iam

    assert (ROOT / f"ecs/iam/{service}.json").read_text() == iam.text(iam.policy(service, **iam.EXAMPLE))


@pytest.mark.parametrize("service", SERVICES)
def test_each_policy_for_the_aws_overlays_prefix_names_only_what_provisioning_makes(service):
    from gas_tools import iam

    prefix = _overlay_prefix()
    assert prefix != "gas"  # the case the hard-coded policies got wrong
    policy = iam.policy(service, prefix=prefix, account="444455556666", region="eu-west-1",
                        sender="gas@lab.example")
    made = _provisioned_names(prefix)
    for statement in policy["Statement"]:
        for arn in _resources(statement):
            if arn == "*":
                assert statement["Condition"]["StringEquals"]["ses:FromAddress"] == "gas@lab.example"
                continue
            assert ":444455556666:" in arn or arn.startswith("arn:aws:s3:::"), arn
            assert _named(arn) in made, (statement["Sid"], arn)


def test_the_web_may_read_each_references_sample_and_delete_only_jobs():
    from gas_shared.contract.bundle import SAMPLE, Manifest
    from gas_tools import iam

    policy = iam.policy("web", **iam.EXAMPLE)
    sample = f"arn:aws:s3:::gas-references/{Manifest('gas-demo-1', 'x', 'x', {}).key(SAMPLE)}"
    readable = [r for s in policy["Statement"] if "s3:GetObject" in s["Action"] for r in _resources(s)]
    assert any(fnmatch.fnmatch(sample, pattern) for pattern in readable)
    deleting = [r for s in policy["Statement"] if "dynamodb:DeleteItem" in s["Action"] for r in _resources(s)]
    assert deleting == ["arn:aws:dynamodb:us-east-1:111122223333:table/gas-jobs"]


@pytest.mark.parametrize("service", SERVICES)
def test_no_pod_mounts_a_kubernetes_api_token(service):
    docs = [d for d in yaml.safe_load_all((ROOT / f"k8s/base/{service}.yaml").read_text()) if d]
    (deployment,) = [d for d in docs if d["kind"] == "Deployment"]
    assert deployment["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


# -- one queue <-> message mapping everywhere ----------------------------------------------------------------

WORKERS = ("annotator", "archiver", "restorer", "thawer")


def _routes(service: str) -> dict[str, set[str]]:
    """The service's own route table (queue key -> message types it handles), read from its main module."""
    from unittest.mock import MagicMock

    main = importlib.import_module(f"{service}.main")
    return {queue: {model.TYPE for model in handlers} for queue, handlers in main.routes(MagicMock()).items()}


def _names(prefix: str):
    from gas_shared.contract.topology import Names
    return Names(prefix)


def _topology(service: str) -> dict[str, set[str]]:
    """What topology says reaches each of the service's queues: the subscriptions' types and S3's events."""
    from gas_shared.contract.messages import ObjectRestored
    from gas_shared.contract.topology import queues_of

    found = {}
    for spec in queues_of(service):
        types = {t for sub in spec.subscriptions for t in sub.filter_policy["type"]}
        if "s3:ObjectRestore:Completed" in spec.results_bucket_events:
            types.add(ObjectRestored.TYPE)
        found[spec.key] = types
    return found


@pytest.mark.parametrize("service", WORKERS)
def test_each_worker_handles_exactly_what_topology_routes_to_its_queues(service):
    assert _routes(service) == _topology(service)


@pytest.mark.parametrize("service", WORKERS)
def test_keda_scales_each_worker_on_its_own_queues(service):
    docs = [d for d in yaml.safe_load_all((ROOT / f"k8s/base/{service}.yaml").read_text()) if d]
    (scaled,) = [d for d in docs if d["kind"] == "ScaledObject"]
    watched = {t["metadata"]["queueURL"] for t in scaled["spec"]["triggers"]}
    names = _names("gas")
    assert watched == {names.queue(key) for key in _topology(service)}


@pytest.mark.parametrize("service", WORKERS)
def test_each_worker_may_consume_its_queues_and_dead_letter_to_theirs_and_no_others(service):
    policy = json.loads((ROOT / f"ecs/iam/{service}.json").read_text())
    statements = {s["Sid"]: s for s in policy["Statement"]}
    queue_of = {s: {r.rsplit(":", 1)[-1] for r in statements[s]["Resource"]} for s in ("ConsumeItsQueues",
                                                                                       "DeadLetterPoison")}
    keys, names = set(_topology(service)), _names("gas")
    assert queue_of["ConsumeItsQueues"] == {names.queue(k) for k in keys}
    assert queue_of["DeadLetterPoison"] == {names.dlq(k) for k in keys}
    others = [r for s in policy["Statement"] if s["Sid"] not in queue_of for r in _resources(s) if ":sqs:" in r]
    assert others == []


def _resources(statement):
    return statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]


def test_compose_runs_every_service_from_its_own_image_and_provisions_from_the_tools_image():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for service in SERVICES:
        assert compose[service]["build"]["dockerfile"] == f"services/{service}/Dockerfile"
        assert compose[service]["image"] == f"gas-{service}:local"
    assert compose["provision"]["build"]["dockerfile"] == "tools/Dockerfile"


# -- no dev or ops tool inside a service image --------------------------------------------------------------


def _closure(lock: dict, package: str) -> set[str]:
    by_name = {p["name"]: p for p in lock["package"]}
    seen, todo = set(), [package]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [d["name"] for d in by_name[name].get("dependencies", [])]
    return seen


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_image_installs_the_tools_or_dev_dependencies(service):
    """An image installs its package's locked closure (uv sync --package SERVICE --no-dev)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    installed = _closure(lock, service)
    assert "gas-tools" not in installed
    assert not installed & {"moto", "pytest", "playwright", "locust", "testcontainers", "mypy", "ruff"}
    for source in (ROOT / "shared/src", ROOT / f"services/{service}/src"):
        names = {p.stem for p in source.rglob("*.py")}
        assert not names & {"devstack", "fake_globus", "provisioning", "deadletters", "polling", "cli"} - (
            {"cli"} if service == "annotator" else set())  # gas-annotate, the engine's own command


def test_the_tools_dockerfile_passes_hadolint():
    answer = run(str(BIN / "hadolint"), "tools/Dockerfile")
    assert answer.returncode == 0, answer.stdout + answer.stderr
    text = (ROOT / "tools/Dockerfile").read_text()
    assert "USER 10001" in text and text.count("FROM python:3.11-slim") == 2
