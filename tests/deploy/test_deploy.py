"""Offline checks of everything that deploys GAS: Dockerfiles, the compose file, the rendered Kubernetes
manifests (and their KEDA objects), and the ECS task definitions and IAM policies. No engine, cluster or
AWS account is needed; each check fails on a broken file."""

import copy
import json
import shutil
import subprocess
import sys
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
