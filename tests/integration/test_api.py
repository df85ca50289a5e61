"""The JSON API as scripts use it: real web (gunicorn) and annotator processes on the emulator, bearer tokens
(a dev token, and a Globus access token checked by introspection against the fake Globus Auth)."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import requests
from openapi_spec_validator import validate

from annotator.synthetic.bundle import DEMO_ID
from gas_tools.polling import wait_until
from web.openapi import JOB

from .web_site import VCF, FakeGlobus, install_demo

CLIENT_ID, CLIENT_SECRET = "gas-api-test", "api-test-secret"


@pytest.fixture
def globus_server():
    server = FakeGlobus(CLIENT_ID, CLIENT_SECRET)
    yield server
    server.stop()


@pytest.fixture
def web(start_service, aws, names, provisioned, globus_server, tmp_path_factory):
    install_demo(aws.client("s3"), names.bucket("references"), tmp_path_factory.getbasetemp())
    service = start_service("web", GAS_DEV_LOGIN="true", GAS_GLOBUS_CLIENT_ID=CLIENT_ID,
                            GAS_GLOBUS_CLIENT_SECRET=CLIENT_SECRET, GLOBUS_SDK_SERVICE_URL_AUTH=globus_server.url,
                            GAS_WEB_WORKERS="1")
    return service


@pytest.fixture
def annotator(start_service, tmp_path):
    return start_service("annotator", GAS_REFERENCE_CACHE=str(tmp_path / "cache"), GAS_CONCURRENCY="2")


class Api:
    def __init__(self, base: str, token: str):
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, **kw):
        return requests.request(method, f"{self.base}/api/v1{path}", headers=self.headers, timeout=10, **kw)

    def job(self, job_id: str) -> dict:
        answer = self.call("GET", f"/jobs/{job_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def submit_file(self, body: bytes, filename: str, **options: bool) -> dict:
        upload = self.call("POST", "/uploads", json={"filename": filename, "reference_id": DEMO_ID, **options})
        assert upload.status_code == 201, upload.text
        upload = upload.json()
        sent = requests.post(upload["url"], data=upload["fields"], files={"file": (filename, body)}, timeout=10)
        assert sent.status_code == 204
        job = self.call("POST", "/jobs", json={"ticket": upload["ticket"]})
        assert job.status_code == 201, job.text
        return job.json()


def dev_api(web) -> Api:
    token = requests.post(web.url("/api/v1/dev/tokens"), json={"name": "Script", "email": "script@example.org"},
                          timeout=10)
    assert token.status_code == 201
    return Api(web.url(""), token.json()["token"])


def test_the_whole_job_path_through_the_api_with_a_dev_token(web, annotator):
    api = dev_api(web)
    me = api.call("GET", "/me").json()
    assert me["plan"] == "free" and me["upload_limit"] == 150 * 1024
    assert [r["id"] for r in api.call("GET", "/references").json()["references"]] == [DEMO_ID]

    job = api.submit_file(VCF, "calls.vcf")
    jsonschema.validate(job, JOB)
    wait_until(lambda: api.job(job["job_id"])["finished"], 60, what="the job to finish")
    done = api.job(job["job_id"])
    jsonschema.validate(done, JOB)
    assert done["status"] == "COMPLETED" and done["counts"]["variants"] == 1
    assert done["progress"]["stage"] == "done" and done["storage"] == "AVAILABLE"

    files = api.call("GET", f"/jobs/{job['job_id']}/files").json()
    assert set(files["results"]) >= {"vcf", "index", "log", "summary"}
    log = requests.get(files["log"], timeout=10)
    assert log.status_code == 200 and "calls.vcf" in log.text
    assert requests.get(files["input"], timeout=10).content == VCF

    sample = api.call("POST", "/jobs", json={"sample": True, "reference_id": DEMO_ID})
    assert sample.status_code == 201 and sample.headers["Location"].endswith(sample.json()["job_id"])
    wait_until(lambda: api.job(sample.json()["job_id"])["finished"], 60, what="the sample job")
    assert api.job(sample.json()["job_id"])["counts"]["variants"] == 400

    listed = api.call("GET", "/jobs?limit=1").json()
    assert len(listed["jobs"]) == 1 and listed["next"]
    assert api.call("DELETE", f"/jobs/{job['job_id']}").status_code == 204
    assert api.call("GET", f"/jobs/{job['job_id']}").status_code == 404

    plan = api.call("PUT", "/plan", json={"plan": "premium"}).json()
    assert plan == {"plan": "premium", "changed": True}
    assert api.call("GET", "/me").json()["upload_limit"] >= 1024**3


def test_a_bad_file_fails_with_its_reason_through_the_api(web, annotator):
    api = dev_api(web)
    job = api.submit_file(b"this is not a VCF\n", "notes.vcf")
    wait_until(lambda: api.job(job["job_id"])["finished"], 60, what="the bad job to finish")
    failed = api.job(job["job_id"])
    assert failed["status"] == "FAILED" and failed["failure"]["reason"]
    assert failed["failure"]["line"] == 1


def test_the_api_refuses_missing_forged_and_other_users_tokens(web):
    assert requests.get(web.url("/api/v1/jobs"), timeout=10).status_code == 401
    forged = Api(web.url(""), "gasdev.eyJmYWtlIjoidG9rZW4ifQ.abc.def")
    assert forged.call("GET", "/jobs").status_code == 401
    owner = dev_api(web)
    job = owner.submit_file(VCF, "calls.vcf")
    other = Api(web.url(""), requests.post(web.url("/api/v1/dev/tokens"), json={
        "name": "Other", "email": "other@example.org"}, timeout=10).json()["token"])
    assert other.call("GET", f"/jobs/{job['job_id']}").status_code == 404
    assert other.call("GET", f"/jobs/{job['job_id']}/files").status_code == 404
    assert other.call("DELETE", f"/jobs/{job['job_id']}").status_code == 404
    too_big = other.call("POST", "/uploads", json={"filename": "a.txt", "reference_id": DEMO_ID})
    assert too_big.status_code == 400 and "error" in too_big.json()
    assert other.call("POST", "/jobs", json={"ticket": "x"}).status_code == 400
    assert other.call("PUT", "/plan", json={"plan": "platinum"}).status_code == 400


def test_a_globus_access_token_is_checked_by_introspection(web, globus_server):
    authorize = f"{globus_server.url}v2/oauth2/authorize"
    consent = requests.post(authorize, data={
        "client_id": CLIENT_ID, "redirect_uri": "http://127.0.0.1/cb", "scope": "openid", "state": "s",
        "response_type": "code", "username": "turing@example.org", "name": "Alan Turing", "access_type": "offline"},
        allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(consent.headers["Location"]).query)["code"][0]
    tokens = requests.post(f"{globus_server.url}v2/oauth2/token", auth=(CLIENT_ID, CLIENT_SECRET), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1/cb"}, timeout=10).json()
    api = Api(web.url(""), tokens["access_token"])
    me = api.call("GET", "/me")
    assert me.status_code == 200 and me.json()["name"] == "Alan Turing"
    uuid.UUID(me.json()["user_id"])
    requests.post(f"{globus_server.url}v2/oauth2/token/revoke", auth=(CLIENT_ID, CLIENT_SECRET),
                  data={"token": tokens["access_token"]}, timeout=10)
    fresh = Api(web.url(""), tokens["refresh_token"])  # a refresh token is not an access token
    assert fresh.call("GET", "/me").status_code == 401


def test_the_openapi_document_is_valid_and_covers_the_api(web):
    document = requests.get(web.url("/api/v1/openapi.json"), timeout=10).json()
    validate(document)
    assert set(document["paths"]) >= {"/uploads", "/jobs", "/jobs/{job_id}", "/jobs/{job_id}/files", "/plan",
                                      "/jobs/{job_id}/variants", "/jobs/{job_id}/variants/counts",
                                      "/jobs/{job_id}/variants.tsv", "/jobs/{job_id}/variants.vcf"}
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_explorer_through_the_api(web, annotator):
    """A sample job (400 variants) explored through the API: pages, counts, exports, the owner only."""
    api = dev_api(web)
    job = api.call("POST", "/jobs", json={"sample": True, "reference_id": DEMO_ID}).json()
    wait_until(lambda: api.job(job["job_id"])["finished"], 60, what="the sample job")
    base = f"/jobs/{job['job_id']}/variants"
    everything = api.call("GET", f"{base}/counts?genes=100").json()
    assert everything["variants"] == 400 and everything["records"] == 400
    summary = requests.get(api.call("GET", f"/jobs/{job['job_id']}/files").json()["results"]["summary"],
                           timeout=10).json()
    assert everything["by_consequence"] == summary["by_consequence"] and everything["genes_total"] == 10

    rows, after = [], None
    while True:  # every page, to the end
        page = api.call("GET", base, params={"gene": "GENE7", "limit": 7, **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        rows += page.json()["rows"]
        after = page.json()["next"]
        if not after:
            break
    genes = {g["gene"]: g["variants"] for g in everything["genes"]}
    counted = api.call("GET", f"{base}/counts", params={"gene": "gene7"}).json()
    assert {r["gene"] for r in rows} == {"GENE7"} and len({r["record"] for r in rows}) == genes["GENE7"]
    assert counted["variants"] == genes["GENE7"] and counted["rows"] == len(rows) == page.json()["total"]

    tsv = api.call("GET", f"{base}.tsv", params={"gene": "GENE7"})
    assert tsv.status_code == 200 and "sample.variants.GENE7.tsv" in tsv.headers["Content-Disposition"]
    assert len(tsv.text.splitlines()) == len(rows) + 1
    vcf = api.call("GET", f"{base}.vcf", params={"consequence": "missense"})
    body = [line for line in vcf.text.splitlines() if not line.startswith("#")]
    assert vcf.status_code == 200 and len(body) == everything["by_consequence"]["missense"]
    assert all("missense" in line for line in body)

    bad = api.call("GET", base, params={"consequence": "stop_gainedx"})
    assert bad.status_code == 400 and "Unknown consequence" in bad.json()["error"]
    other = Api(web.url(""), requests.post(web.url("/api/v1/dev/tokens"), json={
        "name": "Other", "email": "nosy@example.org"}, timeout=10).json()["token"])
    for path in (base, f"{base}/counts", f"{base}.tsv", f"{base}.vcf"):
        assert other.call("GET", path).status_code == 404


def test_the_access_log_keeps_no_query_string(web):
    """The sign-in callback's query carries the Globus code: the web service's access log has paths only."""
    requests.get(web.url("/signin/callback?code=SECRET-CODE-123&state=xyz"), timeout=10, allow_redirects=False)
    requests.get(web.url("/healthz?probe=1"), timeout=10)
    wait_until(lambda: any("/healthz" in str(line.get("request")) for line in web.log()), 10, what="the access log")
    text = web.child.log_path.read_text()
    assert "/signin/callback" in text and "SECRET-CODE-123" not in text and "probe=1" not in text


def test_hgvs_is_asked_for_at_submission_and_reaches_the_rows(web, annotator):
    """The option travels with the job (message, record, annotator) and comes back on every transcript's row;
    a job that did not ask has none."""
    api = dev_api(web)
    asked = api.call("POST", "/jobs", json={"sample": True, "reference_id": DEMO_ID, "hgvs": True}).json()
    plain = api.call("POST", "/jobs", json={"sample": True, "reference_id": DEMO_ID}).json()
    assert asked["hgvs"] is True and plain["hgvs"] is False
    for job in (asked, plain):
        wait_until(lambda j=job: api.job(j["job_id"])["finished"], 60, what="the sample job")
    rows = api.call("GET", f"/jobs/{asked['job_id']}/variants", params={"consequence": "missense"}).json()["rows"]
    assert rows and all(r["hgvs_c"].startswith("c.") and r["hgvs_p"].startswith("p.") for r in rows)
    others = api.call("GET", f"/jobs/{plain['job_id']}/variants", params={"consequence": "missense"}).json()["rows"]
    assert others and all(r["hgvs_c"] == "" for r in others)
    vcf = api.call("GET", f"/jobs/{asked['job_id']}/variants.vcf", params={"consequence": "missense"}).text
    assert "##INFO=<ID=GASHGVS," in vcf and all("GASHGVS=" in x for x in vcf.splitlines() if not x.startswith("#"))


def test_haplotype_aware_consequences_are_asked_for_with_an_upload_and_shown_in_the_rows(web, annotator):
    """A phased trio through the upload path (the option rides in the signed ticket): two changes in one codon
    on one haplotype are one consequence, given at the first, and the second's row points to it."""
    from annotator.synthetic.genome import generate

    genome = generate()
    gene = next(g for g in genome.genes if g.strand == "+")
    seq, pos = genome.contigs[gene.contig], gene.cds[0].start + 3  # codon 2
    other = {"A": "C", "C": "A", "G": "T", "T": "G"}
    header = ["##fileformat=VCFv4.2", '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              *(f"##contig=<ID={c},length={len(s)}>" for c, s in genome.contigs.items()),
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tchild\tmother\tfather"]
    rows = [f"{gene.contig}\t{p}\t.\t{seq[p - 1]}\t{other[seq[p - 1]]}\t50\tPASS\t.\tGT\t{gts}"
            for p, gts in ((pos, "1|0\t1|0\t0|0"), (pos + 1, "1|0\t0|0\t0|1"))]
    api = dev_api(web)
    job = api.submit_file(("\n".join(header + rows) + "\n").encode(), "trio.vcf", haplotypes=True)
    assert job["haplotypes"] is True and job["hgvs"] is False
    wait_until(lambda: api.job(job["job_id"])["finished"], 60, what="the phased job")
    assert api.job(job["job_id"])["status"] == "COMPLETED"
    summary = requests.get(api.call("GET", f"/jobs/{job['job_id']}/files").json()["results"]["summary"],
                           timeout=10).json()
    assert summary["consequences"] == {"mode": "haplotype-aware", "haplotypes_asked": True, "combined": 1,
                                       "elsewhere": 1, "on_their_own": 0}
    found = api.call("GET", f"/jobs/{job['job_id']}/variants").json()["rows"]
    together = [r for r in found if "+" in r["dna_change"]]
    assert len(together) == 1 and together[0]["pos"] == pos
    assert [r["dna_change"] for r in found if r["pos"] == pos + 1 and r["dna_change"].startswith("@")] == [f"@{pos}"]


def test_a_job_is_cancelled_through_the_api_before_an_annotator_takes_it(web, start_service, tmp_path):
    api = dev_api(web)
    job = api.call("POST", "/jobs", json={"sample": True, "reference_id": DEMO_ID}).json()
    cancelled = api.call("POST", f"/jobs/{job['job_id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    assert cancelled.json()["finished"] is True and cancelled.json()["cancelled_at"]
    jsonschema.validate(cancelled.json(), JOB)
    again = api.call("POST", f"/jobs/{job['job_id']}/cancel")  # a retried call: the same answer
    assert again.status_code == 200 and again.json()["status"] == "CANCELLED"
    service = start_service("annotator", GAS_REFERENCE_CACHE=str(tmp_path / "cache"))
    wait_until(lambda: any(line["message"].startswith("handled job.requested") for line in service.log()), 60,
               what="the request consumed")
    assert api.job(job["job_id"])["status"] == "CANCELLED"
    assert api.call("GET", f"/jobs/{job['job_id']}/files").json()["results"] == {}
    done = api.call("POST", "/jobs", json={"sample": True, "reference_id": DEMO_ID}).json()
    wait_until(lambda: api.job(done["job_id"])["finished"], 60, what="a sample job")
    refused = api.call("POST", f"/jobs/{done['job_id']}/cancel")
    assert refused.status_code == 409 and "completed" in refused.json()["error"]
    stranger = Api(web.url(""), requests.post(web.url("/api/v1/dev/tokens"), json={
        "name": "Other", "email": "other@example.org"}, timeout=10).json()["token"])
    assert stranger.call("POST", f"/jobs/{done['job_id']}/cancel").status_code == 404
