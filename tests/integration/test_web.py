"""Every route of the web app through Flask's test client, on the real emulator (S3, DynamoDB, SNS, SQS).

Sign-in (dev and Globus through the fake Globus Auth), the upload callback's checks, plan limits, the 404s
for everyone but a job's owner, CSRF, escaping, pagination, each job state on the job page, downloads,
delete, resubmit and plan changes.
"""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from annotator.synthetic.bundle import DEMO_ID
from gas_shared.contract.keys import stable_id
from gas_shared.contract.messages import decode
from web.app import create_app
from web.settings import WebSettings

from .conftest import sent_mail
from .web_site import VCF, Browser, FakeGlobus, install_demo, seed_job

CLIENT_ID, CLIENT_SECRET = "gas-test-client", "s3cret-for-tests-only"


OTHER_APP, OTHER_SECRET = "some-other-globus-app", "other-secret"


@pytest.fixture(scope="module")
def globus_server():
    server = FakeGlobus(CLIENT_ID, CLIENT_SECRET, others={OTHER_APP: OTHER_SECRET})
    yield server
    server.stop()


@pytest.fixture
def app(aws, names, provisioned, globus_server, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", globus_server.url)
    install_demo(aws.client("s3"), names.bucket("references"), tmp_path_factory.getbasetemp())
    settings = WebSettings(prefix=names.prefix, secret_key="k" * 40, deployment="development", dev_login=True,
                           globus_client_id=CLIENT_ID, globus_client_secret=CLIENT_SECRET,
                           free_retention_seconds=3600, web_url="http://localhost", jobs_per_page=5)
    return create_app(settings, aws=aws)


@pytest.fixture
def alice(app):
    browser = Browser(app.test_client())
    browser.user_id = browser.sign_in("Alice <b>Example</b>", "alice@example.org")
    return browser


@pytest.fixture
def mallory(app):
    browser = Browser(app.test_client())
    browser.user_id = browser.sign_in("Mallory", "mallory@example.org")
    return browser


@pytest.fixture
def ddb(aws):
    return aws.client("dynamodb")


def user_record(ddb, names, user_id):
    from gas_shared.store.users import UserStore
    return UserStore(ddb, names.users_table).get(user_id)


# -- sign-in ---------------------------------------------------------------------------------------


def test_dev_sign_in_makes_a_free_profile_and_sign_out_ends_the_session_for_good(app, ddb, names):
    browser = Browser(app.test_client())
    assert browser.client.get("/jobs").status_code == 302
    user_id = browser.sign_in("Grace Hopper", "grace@example.org")
    record = user_record(ddb, names, user_id)
    assert record.plan == "free" and record.name == "Grace Hopper" and record.email == "grace@example.org"
    assert browser.client.get("/jobs").status_code == 200
    copied = browser.client.get_cookie("gas")
    assert browser.post("/signout").status_code == 302
    assert browser.client.get("/jobs").status_code == 302
    # A copy of the old cookie does not bring the session back: it ended in the user's record.
    thief = app.test_client()
    thief.set_cookie("gas", copied.value)
    assert thief.get("/jobs").status_code == 302


def test_globus_sign_in_checks_state_reads_the_id_token_and_sign_out_revokes(app, ddb, names, globus_server):
    client = app.test_client()
    start = client.get("/signin/globus")
    authorize = start.headers["Location"]
    assert authorize.startswith(globus_server.url)
    query = parse_qs(urlsplit(authorize).query)
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == ["http://localhost/signin/callback"]
    assert query["access_type"] == ["online"]  # no refresh token is asked for (GAS needs the identity alone)
    # The fake Globus Auth's consent page; it redirects back with a code and the state.
    consent = requests.post(authorize.split("?")[0], data={
        **{k: v[0] for k, v in query.items()}, "username": "rfranklin@kcl.example", "name": "Rosalind Franklin",
        "organization": "King's College"}, allow_redirects=False, timeout=10)
    back = parse_qs(urlsplit(consent.headers["Location"]).query)

    forged = client.get(f"/signin/callback?code={back['code'][0]}&state=not-the-state")
    assert forged.status_code == 302 and forged.headers["Location"].endswith("/signin")
    assert client.get("/jobs").status_code == 302  # not signed in; and the state is spent

    client.get("/signin/globus")  # a fresh flow, with a fresh state
    with client.session_transaction() as session:
        state = session["oauth_state"]
    consent = requests.post(authorize.split("?")[0], data={
        **{k: v[0] for k, v in query.items()}, "state": state, "username": "rfranklin@kcl.example",
        "name": "Rosalind Franklin", "organization": "King's College"}, allow_redirects=False, timeout=10)
    back = parse_qs(urlsplit(consent.headers["Location"]).query)
    done = client.get(f"/signin/callback?code={back['code'][0]}&state={back['state'][0]}")
    assert done.status_code == 302
    me = client.get("/api/v1/me").get_json()
    record = user_record(ddb, names, me["user_id"])
    assert record.name == "Rosalind Franklin" and record.institution == "King's College"
    assert record.plan == "free"
    uuid.UUID(me["user_id"])  # the Globus identity id is the user id

    revoked_before = globus_server.state()["revoked"]
    Browser(client).post("/signout")
    assert globus_server.state()["revoked"] == revoked_before + 1  # the access token: no refresh token was asked for
    assert client.get("/jobs").status_code == 302


def test_the_dev_sign_in_is_refused_when_not_switched_on(aws, names, provisioned):
    settings = WebSettings(prefix=names.prefix, secret_key="k" * 40, deployment="development", dev_login=False)
    client = create_app(settings, aws=aws).test_client()
    assert "Development sign-in" not in client.get("/signin").get_data(as_text=True)
    browser = Browser(client)
    assert browser.client.post("/signin/dev", data={"name": "x", "email": "x@example.org",
                                                    "csrf_token": browser.csrf("/signin")}).status_code == 404
    assert client.post("/api/v1/dev/tokens", json={"name": "x", "email": "x@example.org"}).status_code == 404


# Open-redirect payloads: the forms of OWASP's Unvalidated Redirects cheat sheet and its filter-evasion
# lists, and control characters that browsers and werkzeug drop (each arrives URL-decoded once, as a query
# argument does).
OPEN_REDIRECTS = [
    "https://evil.example/steal", "http://evil.example", "//evil.example", "///evil.example", "////evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/\\/evil.example", "/\t/evil.example",
    "/\n/evil.example", "/\r\n/evil.example", "/ /evil.example", "/\x00/evil.example", "/\x0b/evil.example",
    "/\x7f/evil.example", "\t//evil.example", " //evil.example", "https:evil.example", "http:/evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "evil.example",
    "@evil.example", "//evil.example/%2f..", "//evil%E3%80%82example", "/\u3000/evil.example",
    "/\u2028/evil.example", "/" + "a" * 2100,
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_no_form_of_next_leaves_the_site_after_sign_in(app, target):
    client = app.test_client()
    assert client.get("/signin", query_string={"next": target}).status_code == 200
    browser = Browser(client)
    answer = client.post("/signin/dev", data={"name": "A", "email": "a@example.org",
                                              "csrf_token": browser.csrf("/signin")})
    assert answer.status_code == 302 and answer.headers["Location"] == "/jobs"


@pytest.mark.parametrize("target", ["/jobs/123?x=1", "/profile", "/%2F%2Fevil.example", "/a/%09/b"])
def test_a_local_path_is_followed_after_sign_in(app, target):
    client = app.test_client()
    client.get("/signin", query_string={"next": target})
    browser = Browser(client)
    answer = client.post("/signin/dev", data={"name": "A", "email": "a@example.org",
                                              "csrf_token": browser.csrf("/signin")})
    assert answer.headers["Location"] == target
    assert urlsplit(answer.headers["Location"]).netloc == ""  # percent-escapes stay a path, never a host


def test_a_sign_in_code_used_twice_is_refused_with_a_message(app, globus_server):
    client = app.test_client()
    start = client.get("/signin/globus")
    consent = requests.post(start.headers["Location"].split("?")[0], data={
        **{k: v[0] for k, v in parse_qs(urlsplit(start.headers["Location"]).query).items()},
        "username": "hopper@example.org", "name": "Grace"}, allow_redirects=False, timeout=10)
    callback = urlsplit(consent.headers["Location"])
    first = client.get(f"{callback.path}?{callback.query}")
    assert first.status_code == 302 and first.headers["Location"] == "/jobs"
    with client.session_transaction() as state:  # the same code again, with a state that matches
        state["oauth_state"] = parse_qs(callback.query)["state"][0]
    again = client.get(f"{callback.path}?{callback.query}")
    assert again.status_code == 302 and again.headers["Location"] == "/signin"
    assert "could not be completed" in client.get("/signin").get_data(as_text=True)


# -- CSRF, escaping, headers, errors -----------------------------------------------------------------


def test_every_form_needs_its_csrf_token(alice):
    for path, data in [("/profile", {"name": "X", "email": "x@example.org"}), ("/plan", {"plan": "premium"}),
                       ("/signout", {}), ("/jobs", {"ticket": "t"}), ("/jobs/sample", {"reference_id": DEMO_ID})]:
        answer = alice.client.post(path, data=data)
        assert answer.status_code == 400, path
        assert "did not come from GAS" in answer.get_data(as_text=True)
    assert alice.client.post("/uploads", json={"filename": "a.vcf", "reference_id": DEMO_ID}).status_code == 400


def test_a_script_in_a_file_name_or_a_user_name_shows_as_text(alice):
    upload = alice.upload(VCF, "<script>alert(1)</script>.vcf")
    job = alice.submit(upload["ticket"])
    page = alice.text(job.headers["Location"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.vcf" in page and "<script>alert(1)" not in page
    assert "Alice &lt;b&gt;Example&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.vcf" in alice.text("/jobs")


def test_error_pages_for_people_and_json_for_the_api(alice):
    missing = alice.client.get("/no/such/page")
    assert missing.status_code == 404 and "Not found" in missing.get_data(as_text=True)
    assert missing.headers["Content-Security-Policy"]
    api = alice.client.get("/api/v1/jobs/not-a-uuid")
    assert api.status_code == 404 and api.get_json() == {"error": "There is nothing here, or it is not yours to see."}
    assert alice.client.put("/api/v1/plan", json={"plan": "premium"}).status_code == 401  # a cookie is not enough


def test_the_upload_origin_is_allowed_by_the_content_security_policy(alice):
    upload = alice.client.post("/uploads", json={"filename": "a.vcf", "reference_id": DEMO_ID},
                               headers={"X-CSRFToken": alice.csrf("/annotate")}).get_json()
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(upload["url"]))
    csp = alice.client.get("/annotate").headers["Content-Security-Policy"]
    assert f"connect-src 'self' {origin}" in csp and f"form-action 'self' {origin}" in csp


# -- uploads and the callback -----------------------------------------------------------------------


def test_upload_callback_creates_one_pending_job_and_one_request(alice, aws, names, queues):
    upload = alice.upload(VCF, "calls.vcf")
    policy = json.loads(__import__("base64").b64decode(upload["fields"]["policy"]))
    assert ["content-length-range", 1, 150 * 1024] in policy["conditions"]
    assert upload["fields"]["key"] == f"uploads/{alice.user_id}/{upload_job(upload)}/input.vcf"
    first = alice.submit(upload["ticket"])
    again = alice.submit(upload["ticket"])  # a double click, a retried callback
    assert first.headers["Location"] == again.headers["Location"] == f"/jobs/{upload_job(upload)}"
    job = alice.client.get(f"/api/v1/jobs/{upload_job(upload)}").get_json()
    assert job["status"] == "PENDING" and job["input_filename"] == "calls.vcf" and job["input_size"] == len(VCF)
    received = queues.receive("annotate", expect=2, wait=3)
    assert len(received) == 1  # published twice with one id: the FIFO topic dropped the repeat
    assert received[0]["Attributes"]["MessageGroupId"] == f"{alice.user_id}:0"  # Free: one lane
    requested = [decode(m["Body"]) for m in received]
    assert {m.id for m in requested} == {stable_id(upload_job(upload), "job.requested")}
    # The job reads its own copy; the upload itself is gone.
    assert requested[0].data.input_key == f"{alice.user_id}/{upload_job(upload)}/input.vcf"
    inputs = aws.client("s3")
    assert inputs.get_object(Bucket=names.bucket("inputs"), Key=requested[0].data.input_key)["Body"].read() == VCF
    assert inputs.list_objects_v2(Bucket=names.bucket("inputs"), Prefix="uploads/").get("KeyCount") == 0
    assert alice.client.get("/api/v1/jobs").get_json()["jobs"][0]["job_id"] == upload_job(upload)


def upload_job(upload):
    return upload["fields"]["key"].split("/")[2]


def test_a_users_jobs_go_to_that_users_lanes(aws, names, provisioned, globus_server, monkeypatch,
                                             tmp_path_factory, queues):
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", globus_server.url)
    install_demo(aws.client("s3"), names.bucket("references"), tmp_path_factory.getbasetemp())
    settings = WebSettings(prefix=names.prefix, secret_key="k" * 40, deployment="development", dev_login=True,
                           globus_client_id=CLIENT_ID, globus_client_secret=CLIENT_SECRET, web_url="http://localhost",
                           premium_job_lanes=3)
    browser = Browser(create_app(settings, aws=aws).test_client())
    user = browser.sign_in("Bea", "bea@example.org")
    assert browser.post("/plan", {"plan": "premium"}, page="/plan").status_code == 302
    jobs = []
    for n in range(6):
        upload = browser.upload(VCF, f"{n}.vcf")
        assert browser.submit(upload["ticket"]).headers["Location"] == f"/jobs/{upload_job(upload)}"
        jobs.append(upload_job(upload))
    groups = {decode(m["Body"]).data.job_id: m["Attributes"]["MessageGroupId"]
              for m in queues.receive("annotate", expect=6, wait=5)}
    assert groups == {uuid.UUID(job): f"{user}:{uuid.UUID(job).int % 3}" for job in jobs}


def test_the_presigned_post_used_again_cannot_replace_what_was_checked(alice, aws, names):
    upload = alice.upload(VCF, "calls.vcf")
    job_id = alice.submit(upload["ticket"]).headers["Location"].rsplit("/", 1)[1]
    swapped = VCF + b"#" * (400 * 1024)  # past the Free limit, sent after the callback's check
    again = requests.post(upload["url"], data=upload["fields"], files={"file": ("calls.vcf", swapped)}, timeout=10)
    assert again.status_code == 204  # the POST still works for its few minutes (the emulator skips the policy)
    assert alice.submit(upload["ticket"]).headers["Location"] == f"/jobs/{job_id}"  # and the ticket again
    job = alice.client.get(f"/api/v1/jobs/{job_id}").get_json()
    key = f"{alice.user_id}/{job_id}/input.vcf"
    body = aws.client("s3").get_object(Bucket=names.bucket("inputs"), Key=key)["Body"].read()
    assert body == VCF and job["input_size"] == len(VCF)


def test_a_ticket_handed_in_again_after_its_job_was_deleted_makes_no_job(alice, aws, names):
    upload = alice.upload(VCF, "calls.vcf")
    job_id = alice.submit(upload["ticket"]).headers["Location"].rsplit("/", 1)[1]
    assert alice.post(f"/jobs/{job_id}/cancel").headers["Location"] == f"/jobs/{job_id}"  # finished: deletable
    assert alice.post(f"/jobs/{job_id}/delete").headers["Location"] == "/jobs"
    again = requests.post(upload["url"], data=upload["fields"], files={"file": ("calls.vcf", VCF)}, timeout=10)
    assert again.status_code == 204  # the upload link still works for its few minutes
    replayed = alice.submit(upload["ticket"])
    assert replayed.headers["Location"] == "/annotate"
    assert "already submitted and its job deleted" in alice.text("/annotate")
    assert alice.client.get(f"/jobs/{job_id}").status_code == 404
    assert alice.client.get("/api/v1/jobs").get_json()["jobs"] == []
    # A fresh upload of the same file is a new job, as it should be.
    assert alice.submit(alice.upload(VCF, "calls.vcf")["ticket"]).headers["Location"].startswith("/jobs/")


def test_free_plan_refuses_a_file_over_150_kb_and_premium_takes_it(alice, aws, names):
    big = VCF + b"#" * (150 * 1024)
    upload = alice.upload(big, "big.vcf")  # the emulator does not enforce the POST policy: GAS does
    refused = alice.submit(upload["ticket"])
    assert refused.headers["Location"] == "/annotate"
    assert "your plan accepts files up to 150 KB" in alice.text("/annotate")
    s3 = aws.client("s3")
    for prefix in (f"{alice.user_id}/", f"uploads/{alice.user_id}/"):
        assert s3.list_objects_v2(Bucket=names.bucket("inputs"), Prefix=prefix).get("KeyCount") == 0
    assert alice.client.get("/api/v1/jobs").get_json()["jobs"] == []

    assert alice.post("/plan", {"plan": "premium"}, page="/plan").status_code == 302
    upload = alice.upload(big, "big.vcf")
    assert upload["max_bytes"] >= 1024**3
    accepted = alice.submit(upload["ticket"])
    assert accepted.headers["Location"].startswith("/jobs/")


def test_the_callback_never_takes_a_key_or_another_users_upload(alice, mallory):
    upload = alice.upload(VCF, "mine.vcf")
    stolen = mallory.submit(upload["ticket"])
    assert stolen.headers["Location"] == "/annotate"
    assert "belongs to someone else" in mallory.text("/annotate")
    forged = alice.submit(upload["ticket"][:-4] + "AAAA")
    assert forged.headers["Location"] == "/annotate" and "not valid" in alice.text("/annotate")
    never_uploaded = alice.client.post("/uploads", json={"filename": "late.vcf", "reference_id": DEMO_ID},
                                       headers={"X-CSRFToken": alice.csrf("/annotate")}).get_json()
    alice.submit(never_uploaded["ticket"])
    assert "has not arrived" in alice.text("/annotate")


def test_uploads_are_refused_for_other_kinds_of_file_and_unknown_references(alice):
    def ask(filename, reference_id=DEMO_ID):
        return alice.client.post("/uploads", json={"filename": filename, "reference_id": reference_id},
                                 headers={"X-CSRFToken": alice.csrf("/annotate")})
    assert ask("notes.txt").get_json() == {"error": "only .vcf and .vcf.gz files can be annotated"}
    assert ask("calls.vcf", "hg00").status_code == 400
    assert ask("calls.vcf.gz").status_code == 201


def test_the_sample_job_is_one_click(alice, aws, names):
    answer = alice.post("/jobs/sample", {"reference_id": DEMO_ID}, page="/annotate")
    job_id = answer.headers["Location"].rsplit("/", 1)[1]
    job = alice.client.get(f"/api/v1/jobs/{job_id}").get_json()
    assert job["input_filename"] == f"{DEMO_ID}-sample.vcf" and job["status"] == "PENDING"
    body = aws.client("s3").get_object(Bucket=names.bucket("inputs"), Key=f"{alice.user_id}/{job_id}/input.vcf")
    assert body["Body"].read().startswith(b"##fileformat=VCF")


# -- ownership ------------------------------------------------------------------------------------


def test_every_job_route_answers_404_to_anyone_but_the_owner(alice, mallory, ddb, names):
    job_id = seed_job(ddb, names.jobs_table, alice.user_id, status="COMPLETED", storage="AVAILABLE",
                      completed_at="2026-11-20T10:01:00Z",
                      results={"log": f"{alice.user_id}/x/results/a.log", "summary": f"{alice.user_id}/x/s.json"})
    failed = seed_job(ddb, names.jobs_table, alice.user_id, status="FAILED", failure_reason="bad")
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/panel", f"/jobs/{job_id}/files/input",
                 f"/jobs/{job_id}/files/log", f"/jobs/{job_id}/log", f"/jobs/{job_id}/variants.tsv",
                 f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/files"):
        assert mallory.client.get(path).status_code == 404, path
        assert alice.client.get(path).status_code in (200, 302, 404 if path.endswith(".tsv") else 200), path
    assert mallory.post(f"/jobs/{job_id}/delete").status_code == 404
    assert mallory.post(f"/jobs/{failed}/resubmit").status_code == 404
    assert alice.client.get(f"/jobs/{job_id}").status_code == 200
    assert alice.client.get(f"/jobs/{uuid.uuid4()}").status_code == 404  # a missing job looks the same


# -- the jobs list ---------------------------------------------------------------------------------


def test_jobs_list_is_newest_first_and_paginated_with_a_cursor_only_its_owner_can_use(alice, mallory, ddb, names):
    ids = [seed_job(ddb, names.jobs_table, alice.user_id, submitted_at=f"2026-11-20T10:{i:02d}:00Z",
                    input_filename=f"file{i:02d}.vcf") for i in range(12)]
    page = alice.text("/jobs")
    assert [f"file{i:02d}.vcf" for i in (11, 10, 9, 8, 7)] == re.findall(r"file\d\d\.vcf", page)
    older = re.search(r'href="/jobs\?after=([^"]+)" id="older"', page).group(1)
    second = alice.text(f"/jobs?after={older}")
    assert re.findall(r"file\d\d\.vcf", second) == [f"file{i:02d}.vcf" for i in (6, 5, 4, 3, 2)]
    assert mallory.client.get(f"/jobs?after={older}").status_code == 400  # another user's key: refused
    assert alice.client.get("/jobs?after=!!garbage").status_code == 400
    api = alice.client.get("/api/v1/jobs?limit=10").get_json()
    assert len(api["jobs"]) == 10 and api["next"]
    rest = alice.client.get(f"/api/v1/jobs?limit=10&after={api['next']}").get_json()
    assert [j["job_id"] for j in api["jobs"] + rest["jobs"]] == ids[::-1] and rest["next"] is None
    assert mallory.client.get("/api/v1/jobs").get_json()["jobs"] == []
    fragment = alice.text("/jobs?fragment=1")
    assert 'data-live="true"' in fragment and "<html" not in fragment  # PENDING jobs: the list refreshes


# -- the job page in every state --------------------------------------------------------------------


def test_a_failed_jobs_page_shows_the_offending_line_with_its_neighbours(alice, aws, names, ddb):
    import gzip
    records = [b"##fileformat=VCFv4.2", b"##source=caller", b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
               b"chr1\t100\t.\tA\tC\t.\t.\tNOTE=<script>alert(1)</script>", b"chr1\t12x\t.\tA\tC\t.\t.\t.",
               b"chr1\t300\t.\tG\tT\t.\t.\t.", b"chr1\t400\t.\tG\tT\t.\t.\t.", b"chr1\t500\t.\tG\tT\t.\t.\t."]
    job_id = str(uuid.uuid4())
    key = f"{alice.user_id}/{job_id}/input.vcf.gz"
    aws.client("s3").put_object(Bucket=names.bucket("inputs"), Key=key, Body=gzip.compress(b"\n".join(records)))
    seed_job(ddb, names.jobs_table, alice.user_id, job_id, status="FAILED", input_key=key, failure_line=5,
             failure_reason="POS '12x' is not a positive whole number")  # as the annotator reports it
    page = alice.text(f"/jobs/{job_id}")
    excerpt = re.search(r'<pre[^>]*id="failure-excerpt">(.*?)</pre>', page, re.S)
    assert excerpt, page
    shown = re.findall(r'<span class="([^"]*)">\s*(\d+)  ([^<]*)</span>', excerpt.group(1))
    assert [int(n) for _, n, _ in shown] == [3, 4, 5, 6, 7]
    assert [n for css, n, _ in shown if "offending" in css] == ["5"] and "12x" in shown[2][2]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown[1][2] and "<script>alert" not in page
    panel = alice.text(f"/jobs/{job_id}/panel")  # the live fragment, which replaces the panel as the job ends
    assert 'id="failure-excerpt"' in panel


def test_a_waiting_jobs_place_counts_the_users_own_jobs_before_it_in_its_lane(alice, mallory, ddb, names):
    def api_job_view(who, job_id):
        return who.client.get(f"/api/v1/jobs/{job_id}").get_json()

    table = names.jobs_table
    seed_job(ddb, table, mallory.user_id, submitted_at="2026-11-20T09:00:00Z")  # someone else's: not ahead
    seed_job(ddb, table, alice.user_id, status="COMPLETED", submitted_at="2026-11-20T09:30:00Z")  # done
    running = seed_job(ddb, table, alice.user_id, status="RUNNING", submitted_at="2026-11-20T10:00:00Z")
    waiting = [seed_job(ddb, table, alice.user_id, submitted_at=f"2026-11-20T10:0{n}:00Z") for n in (1, 2, 3)]
    assert [api_job_view(alice, job)["queue_position"] for job in waiting] == [1, 2, 3]  # the RUNNING one too
    assert "queue_position" not in api_job_view(alice, running)
    assert "3 of your jobs ahead of it in your line" in alice.text(f"/jobs/{waiting[-1]}")
    ddb.update_item(TableName=table, Key={"job_id": {"S": running}}, UpdateExpression="SET #s = :c",
                    ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":c": {"S": "COMPLETED"}})
    assert "Next in your line" in alice.text(f"/jobs/{waiting[0]}")


def test_job_page_shows_progress_failure_countdown_archive_and_restore(alice, ddb, names):
    def page(**fields):
        return alice.text(f"/jobs/{seed_job(ddb, names.jobs_table, alice.user_id, **fields)}")

    pending = page()
    assert "Waiting for an annotator" in pending and 'id="queue-position"' in pending and 'data-live="true"' in pending
    assert "Next in your line" in pending
    running = page(status="RUNNING", progress={"stage": "annotating", "variants": 12345})
    assert "Annotating variants" in running and "12,345 variants processed" in running
    starting = page(status="RUNNING")  # claimed, no progress written yet
    assert "Starting…" in starting and "Waiting for an annotator" not in starting
    assert "variants processed" not in starting
    failed = page(status="FAILED", failure_reason="REF does not match the reference: chr1:100 A vs C",
                  failure_line=7, failed_at="2026-11-20T10:01:00Z")
    assert "REF does not match the reference: chr1:100 A vs C" in failed and "at line 7" in failed
    assert 'id="resubmit"' in failed and 'data-live="false"' in failed
    from datetime import UTC, datetime
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    kept = page(status="COMPLETED", storage="AVAILABLE", completed_at=now, results={"vcf": "k"},
                counts={"variants": 3})
    assert "results kept for" in kept and "60 more minutes" in kept
    archived = page(status="COMPLETED", storage="ARCHIVED", completed_at="2026-11-20T10:01:00Z",
                    results={"vcf": "k"})
    assert "Archived." in archived and 'href="/plan"' in archived and 'id="results"' not in archived
    restoring = page(status="COMPLETED", storage="RESTORING", completed_at="2026-11-20T10:01:00Z",
                     results={"vcf": "k"}, restore={"tier": "Expedited", "expected_ready_at": "2026-11-20T10:06:00Z"})
    assert "Restoring" in restoring and "Expedited" in restoring and "2026-11-20 10:06:00 UTC" in restoring


def test_archived_results_cannot_be_downloaded(alice, ddb, names):
    job_id = seed_job(ddb, names.jobs_table, alice.user_id, status="COMPLETED", storage="ARCHIVED",
                      results={"vcf": f"{alice.user_id}/j/results/a.vcf.gz"})
    answer = alice.client.get(f"/jobs/{job_id}/files/vcf")
    assert answer.headers["Location"] == f"/jobs/{job_id}"
    files = alice.client.get(f"/api/v1/jobs/{job_id}/files").get_json()
    assert files["archived"] is True and files["results"] == {}


def test_downloads_are_short_lived_presigned_urls_that_work(alice, aws, names):
    upload = alice.upload(VCF, "calls.vcf")
    job_id = alice.submit(upload["ticket"]).headers["Location"].rsplit("/", 1)[1]
    url = alice.client.get(f"/jobs/{job_id}/files/input").headers["Location"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and int(query["X-Amz-Expires"][0]) <= 300
    got = requests.get(url, timeout=10)
    assert got.content == VCF and "calls.vcf" in got.headers["Content-Disposition"]


# -- delete, resubmit, plan -----------------------------------------------------------------------


def test_delete_removes_a_finished_job_and_its_files_and_refuses_a_running_one(alice, aws, names, ddb):
    s3 = aws.client("s3")
    upload = alice.upload(VCF, "calls.vcf")
    job_id = alice.submit(upload["ticket"]).headers["Location"].rsplit("/", 1)[1]
    assert alice.post(f"/jobs/{job_id}/delete").headers["Location"] == f"/jobs/{job_id}"  # PENDING: refused
    result_key = f"{alice.user_id}/{job_id}/results/calls.annot.vcf.gz"
    s3.put_object(Bucket=names.bucket("results"), Key=result_key, Body=b"x")
    ddb.update_item(TableName=names.jobs_table, Key={"job_id": {"S": job_id}},
                    UpdateExpression="SET #s = :c, #st = :a, results = :r",
                    ExpressionAttributeNames={"#s": "status", "#st": "storage"},
                    ExpressionAttributeValues={":c": {"S": "COMPLETED"}, ":a": {"S": "AVAILABLE"},
                                               ":r": {"M": {"vcf": {"S": result_key}}}})
    assert alice.post(f"/jobs/{job_id}/delete").headers["Location"] == "/jobs"
    assert alice.client.get(f"/jobs/{job_id}").status_code == 404
    for bucket in ("inputs", "results"):
        assert s3.list_objects_v2(Bucket=names.bucket(bucket), Prefix=f"{alice.user_id}/{job_id}/")["KeyCount"] == 0


def test_a_waiting_job_is_cancelled_from_its_page_by_its_owner_only(alice, mallory, queues):
    upload = alice.upload(VCF, "calls.vcf")
    job_id = alice.submit(upload["ticket"]).headers["Location"].rsplit("/", 1)[1]
    page = alice.text(f"/jobs/{job_id}")
    assert 'id="cancel"' in page and 'id="resubmit"' not in page
    assert alice.client.post(f"/jobs/{job_id}/cancel").status_code == 400  # no CSRF token
    assert mallory.post(f"/jobs/{job_id}/cancel").status_code == 404
    answer = alice.post(f"/jobs/{job_id}/cancel", page=f"/jobs/{job_id}")
    assert answer.headers["Location"] == f"/jobs/{job_id}"
    page = alice.text(f"/jobs/{job_id}")
    assert "Cancelled the job for calls.vcf" in page and 'data-status="CANCELLED"' in page
    assert 'id="cancel"' not in page and 'id="resubmit"' in page and 'id="delete"' in page
    assert "The job failed" not in page
    listed = alice.text("/jobs")
    assert 'data-status="CANCELLED"' in listed


def test_resubmit_makes_a_new_job_from_the_failed_jobs_input(alice, aws, names, ddb):
    upload = alice.upload(VCF, "calls.vcf")
    job_id = alice.submit(upload["ticket"]).headers["Location"].rsplit("/", 1)[1]
    ddb.update_item(TableName=names.jobs_table, Key={"job_id": {"S": job_id}}, UpdateExpression="SET #s = :f",
                    ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":f": {"S": "FAILED"}})
    again = alice.post(f"/jobs/{job_id}/resubmit")
    new_id = again.headers["Location"].rsplit("/", 1)[1]
    assert new_id != job_id
    new = alice.client.get(f"/api/v1/jobs/{new_id}").get_json()
    assert new["status"] == "PENDING" and new["input_filename"] == "calls.vcf"
    body = aws.client("s3").get_object(Bucket=names.bucket("inputs"), Key=f"{alice.user_id}/{new_id}/input.vcf")
    assert body["Body"].read() == VCF


def test_plan_changes_are_saved_and_announced(alice, ddb, names, queues):
    assert "Upgrade to Premium" in alice.text("/plan") and "no payment" in alice.text("/plan").lower()
    alice.post("/plan", {"plan": "premium"}, page="/plan")
    assert user_record(ddb, names, alice.user_id).plan == "premium"
    upgrade = [decode(m["Body"]) for m in queues.receive("restore", expect=1)]
    assert [(str(m.data.user_id), m.data.plan) for m in upgrade] == [(alice.user_id, "premium")]
    alice.post("/plan", {"plan": "free", "confirmed": "yes"}, page="/plan")
    downgrade = [decode(m["Body"]) for m in queues.receive("downgrade", expect=1)]
    assert [(str(m.data.user_id), m.data.plan) for m in downgrade] == [(alice.user_id, "free")]
    assert alice.post("/plan", {"plan": "gold"}, page="/plan").status_code == 400


def test_profile_is_editable(alice, ddb, names):
    form = alice.text("/profile")
    assert 'value="alice@example.org"' in form and 'id="dev-token"' in form
    answer = alice.post("/profile", {"name": "Alice B.", "email": "alice@example.org", "institution": "EMBL"},
                        page="/profile")
    assert answer.status_code == 302
    record = user_record(ddb, names, alice.user_id)
    assert (record.name, record.email, record.institution) == ("Alice B.", "alice@example.org", "EMBL")
    bad = alice.post("/profile", {"name": "", "email": "not-an-address"}, page="/profile")
    assert bad.status_code == 400 and "is-invalid" in bad.get_data(as_text=True)


def test_a_new_address_is_used_only_once_its_owner_opens_the_link(alice, mallory, ddb, names, backend):
    address = f"ab-{uuid.uuid4().hex[:6]}@example.org"
    alice.post("/profile", {"name": "Alice B.", "email": address, "institution": ""}, page="/profile")
    record = user_record(ddb, names, alice.user_id)
    assert record.email == "alice@example.org" and record.pending_email == address  # not yet
    page = alice.text("/profile")
    assert f"We sent a link to {address}" in page and 'id="pending-email"' in page
    (mail,) = sent_mail(backend, address)
    assert mail["subject"] == "GAS: confirm your e-mail address"
    link = urlsplit(re.search(r"http\S+/profile/confirm\?token=\S+", mail["body"]).group(0))
    assert mallory.client.get(f"{link.path}?{link.query}").headers["Location"] == "/profile"  # not Mallory's
    assert user_record(ddb, names, mallory.user_id).email == "mallory@example.org"
    assert alice.client.get(f"{link.path}?{link.query}").status_code == 302
    record = user_record(ddb, names, alice.user_id)
    assert record.email == address and record.pending_email == ""
    assert "will write to" in alice.text("/profile")
    alice.client.get(f"{link.path}?{link.query}")  # once more: spent
    assert "not valid any more" in alice.text("/profile") and user_record(ddb, names, alice.user_id).email == address


def test_confirmation_mails_are_limited_per_user(alice, ddb, names, backend):
    sent = []
    for i in range(5):
        address = f"spam-{i}-{uuid.uuid4().hex[:6]}@example.org"
        alice.post("/profile", {"name": "Alice", "email": address, "institution": ""}, page="/profile")
        sent.append(len(sent_mail(backend, address)))
    assert sent == [1, 1, 1, 0, 0]  # three an hour
    assert "too many confirmation mails" in alice.text("/profile")


def _annotated_job(alice, aws, names, ddb, tmp_path, **fields):
    """The demo sample (one record's ID made HTML) annotated by the engine, its results stored as the annotator
    stores them, and the job seeded COMPLETED for Alice."""
    from annotator.engine.pipeline import annotate
    from annotator.synthetic.bundle import write_demo_bundle

    write_demo_bundle(tmp_path / "ref")
    text = (tmp_path / "ref" / "sample.vcf").read_text().splitlines()
    first = next(i for i, line in enumerate(text) if not line.startswith("#"))
    cols = text[first].split("\t")
    cols[2] = "<b>rsX</b>"
    text[first] = "\t".join(cols)
    (tmp_path / "trio.vcf").write_text("\n".join(text) + "\n")
    result = annotate(tmp_path / "trio.vcf", "trio.vcf", tmp_path / "ref", tmp_path / "out")
    job_id = str(uuid.uuid4())
    prefix = f"{alice.user_id}/{job_id}/results/"
    s3 = aws.client("s3")
    for path in result.files.values():
        s3.upload_file(str(path), names.bucket("results"), prefix + path.name)
    seed_job(ddb, names.jobs_table, alice.user_id, job_id=job_id, status="COMPLETED",
             completed_at="2026-11-20T10:01:00Z", input_filename="trio.vcf",
             results={name: prefix + path.name for name, path in result.files.items()},
             **{"storage": "AVAILABLE", **fields})
    return job_id, result


def test_the_job_page_explores_every_variant_and_exports_the_filtered_set(alice, mallory, aws, names, ddb, tmp_path):
    job_id, result = _annotated_job(alice, aws, names, ddb, tmp_path)
    assert "trio.vcf" in alice.text(f"/jobs/{job_id}/log")
    page = alice.text(f"/jobs/{job_id}")
    assert 'id="consequence-chart"' in page and 'id="variants-table"' in page
    assert "&lt;b&gt;rsX&lt;/b&gt;" in page and "<b>rsX</b>" not in page  # the user's ID, escaped
    assert "<b>400</b> variants" in page and "Rows 1\u201350 of 402" in page
    for term in result.summary.by_consequence:  # every consequence the job found is a bar that filters
        assert f'data-term="{term}"' in page

    fragment = alice.text(f"/jobs/{job_id}/variants?gene=GENE7&sort=impact&limit=500")
    assert "<tbody>" in fragment and "<html" not in fragment
    rows = re.findall(r'<tr data-cursor="impact\.\d+">(.*?)</tr>', fragment, re.S)
    genes = {re.findall(r"<td>(.*?)</td>", row, re.S)[0] for row in rows}
    counted = re.search(r"\(([\d,]+) transcript consequences\)", fragment)
    assert genes == {"GENE7"} and counted and len(rows) == int(counted.group(1).replace(",", "")) > 50
    tsv = alice.client.get(f"/jobs/{job_id}/variants.tsv?gene=GENE7")
    assert "trio.variants.GENE7.tsv" in tsv.headers["Content-Disposition"]
    lines = tsv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("chrom\tpos\tid") and {line.split("\t")[7] for line in lines[1:]} == {"GENE7"}
    assert len(lines) - 1 == len(rows)
    vcf = alice.client.get(f"/jobs/{job_id}/variants.vcf?consequence=stop_gained")
    body = [line for line in vcf.get_data(as_text=True).splitlines() if not line.startswith("#")]
    assert vcf.status_code == 200 and len(body) == result.summary.by_consequence["stop_gained"]
    assert all("stop_gained" in line for line in body)

    refused = alice.text(f"/jobs/{job_id}?region=chr1:9-2")
    assert 'id="explorer-error"' in refused and "end must not be before" in refused
    assert alice.client.get(f"/jobs/{job_id}/variants.tsv?impact=SEVERE").status_code == 400
    for path in ("", "/variants", "/variants.tsv", "/variants.vcf"):
        assert mallory.client.get(f"/jobs/{job_id}{path}").status_code == 404


def test_an_archived_job_keeps_its_summary_chart_and_explorer(alice, aws, names, ddb, tmp_path):
    job_id, _ = _annotated_job(alice, aws, names, ddb, tmp_path, storage="ARCHIVED",
                               archived_at="2026-11-20T10:10:00Z")
    page = alice.text(f"/jobs/{job_id}")
    assert 'id="archived"' in page and 'id="summary"' in page and 'id="consequence-chart"' in page
    assert 'id="export-vcf"' not in page and 'id="download-vcf"' not in page
    assert "Variants annotated" in alice.text(f"/jobs/{job_id}/log")
    assert alice.client.get(f"/jobs/{job_id}/variants.tsv").status_code == 200
    assert alice.client.get(f"/jobs/{job_id}/variants.vcf").status_code == 409
    assert alice.client.get(f"/jobs/{job_id}/files/vcf").status_code == 302  # told it is cold, not sent


def test_malformed_bodies_and_tickets_are_400s_not_500s(alice):
    deep = "[" * 100_000 + "]" * 100_000
    for path in ("/api/v1/uploads", "/api/v1/jobs"):
        answer = alice.client.post(path, data=deep, content_type="application/json",
                                   headers={"Authorization": "Bearer x"})
        assert answer.status_code in (400, 401), path
    answer = alice.client.post("/uploads", data="[" * 100_000, content_type="application/json",
                               headers={"X-CSRFToken": alice.csrf("/annotate")})
    assert answer.status_code == 400
    token = alice.client.post("/api/v1/dev/tokens", json={"name": "A", "email": "alice@example.org"}).get_json()
    surrogate = alice.client.post("/api/v1/jobs", data='{"ticket": "a.\\ud800.b"}', content_type="application/json",
                                  headers={"Authorization": f"Bearer {token['token']}"})
    assert surrogate.status_code == 400 and surrogate.get_json() == {"error": "that upload ticket is not valid"}


def test_a_revoked_globus_token_makes_no_change_at_once(app, globus_server):
    authorize = f"{globus_server.url}v2/oauth2/authorize"
    consent = requests.post(authorize, data={
        "client_id": CLIENT_ID, "redirect_uri": "http://127.0.0.1/cb", "scope": "openid", "state": "s",
        "response_type": "code", "username": "lovelace@example.org", "name": "Ada"},
        allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(consent.headers["Location"]).query)["code"][0]
    tokens = requests.post(f"{globus_server.url}v2/oauth2/token", auth=(CLIENT_ID, CLIENT_SECRET), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1/cb"}, timeout=10).json()
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200  # and now cached for reads
    requests.post(f"{globus_server.url}v2/oauth2/token/revoke", auth=(CLIENT_ID, CLIENT_SECRET),
                  data={"token": tokens["access_token"]}, timeout=10)
    assert client.put("/api/v1/plan", json={"plan": "premium"}, headers=bearer).status_code == 401
    assert client.post("/api/v1/uploads", json={"filename": "a.vcf", "reference_id": DEMO_ID},
                       headers=bearer).status_code == 401


def test_names_are_one_line_whatever_is_typed(alice, ddb, names):
    answer = alice.post("/profile", {"name": "Eve\r\nBcc: all@example.org", "email": "eve@example.org",
                                     "institution": "Lab\n\tX"}, page="/profile")
    assert answer.status_code == 302
    record = user_record(ddb, names, alice.user_id)
    assert record.name == "Eve Bcc: all@example.org" and record.institution == "Lab X"
    browser = Browser(alice.client.application.test_client())
    user_id = browser.sign_in("Mallet\r\nX-Header: 1", "mallet@example.org")
    assert user_record(ddb, names, user_id).name == "Mallet X-Header: 1"


def test_a_free_user_may_have_three_jobs_waiting_or_running(alice, ddb, names):
    """No annotator runs here, so every submitted job stays PENDING."""
    for _ in range(3):
        assert alice.post("/jobs/sample", {"reference_id": DEMO_ID}, page="/annotate").status_code == 302
    refused = alice.post("/jobs/sample", {"reference_id": DEMO_ID}, page="/annotate")
    assert refused.status_code == 302 and refused.headers["Location"] == "/annotate"
    assert "the Free plan runs up to 3 at a time" in alice.text("/annotate")
    early = alice.client.post("/uploads", json={"filename": "a.vcf", "reference_id": DEMO_ID},
                              headers={"X-CSRFToken": alice.csrf("/annotate")})
    assert early.status_code == 429 and "3 jobs waiting or running" in early.get_json()["error"]
    listed = alice.client.get("/api/v1/jobs?limit=100").get_json()["jobs"]
    assert len(listed) == 3 and {j["status"] for j in listed} == {"PENDING"}
    # One finishes: there is room again.
    from gas_shared.store.table import to_item
    ddb.update_item(TableName=names.jobs_table, Key={"job_id": {"S": listed[0]["job_id"]}},
                    UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":s": to_item({"s": "FAILED"})["s"]})
    assert alice.post("/jobs/sample", {"reference_id": DEMO_ID}, page="/annotate").headers["Location"].startswith(
        "/jobs/")


def test_sign_in_attempts_and_bearer_floods_are_rate_limited(aws, names, provisioned, globus_server, monkeypatch):
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", globus_server.url)
    settings = WebSettings(prefix=names.prefix, secret_key="k" * 40, deployment="development", dev_login=True,
                           globus_client_id=CLIENT_ID, globus_client_secret=CLIENT_SECRET, web_url="http://localhost",
                           signin_rate_per_minute=5, api_rate_per_minute=8)
    client = create_app(settings, aws=aws).test_client()
    browser = Browser(client)
    answers = [client.post("/signin/dev", data={"name": "A", "email": "a@example.org",
                                                "csrf_token": browser.csrf("/signin")}).status_code for _ in range(7)]
    assert answers[:5] == [302] * 5 and answers[5:] == [429, 429]
    refused = client.post("/signin/dev", data={"name": "A", "email": "a@example.org"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many requests" in refused.get_data(as_text=True)
    before = globus_server.state()["introspections"]
    made_up = [client.get("/api/v1/me", headers={"Authorization": f"Bearer made-up-{i}"}).status_code
               for i in range(12)]
    assert made_up[:8] == [401] * 8 and set(made_up[8:]) == {429}  # per address, whatever the token
    assert globus_server.state()["introspections"] - before == 8  # a refused request costs no call


def _globus_token(globus_server, client_id, secret, username):
    consent = requests.post(f"{globus_server.url}v2/oauth2/authorize", data={
        "client_id": client_id, "redirect_uri": "http://127.0.0.1/cb", "scope": "openid", "state": "s",
        "response_type": "code", "username": username, "name": username}, allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(consent.headers["Location"]).query)["code"][0]
    return requests.post(f"{globus_server.url}v2/oauth2/token", auth=(client_id, secret), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1/cb"},
        timeout=10).json()["access_token"]


def test_a_globus_token_meant_for_another_app_is_refused(app, globus_server):
    client = app.test_client()
    mine = _globus_token(globus_server, CLIENT_ID, CLIENT_SECRET, "noether@example.org")
    theirs = _globus_token(globus_server, OTHER_APP, OTHER_SECRET, "noether@example.org")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {mine}"}).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {theirs}"}).status_code == 401


def test_a_downgrade_says_what_it_archives_and_asks_first(alice, ddb, names, queues):
    """Window 3600 s here: one result completed two hours ago, two a minute ago, one failed job."""
    from datetime import UTC, datetime, timedelta

    def ago(seconds):
        return (datetime.now(UTC) - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

    for seconds, status in ((7200, "COMPLETED"), (60, "COMPLETED"), (120, "COMPLETED"), (60, "FAILED")):
        seed_job(ddb, names.jobs_table, alice.user_id, status=status, storage="AVAILABLE", completed_at=ago(seconds))
    alice.post("/plan", {"plan": "premium"}, page="/plan")
    queues.receive("restore", expect=1)
    asked = alice.post("/plan", {"plan": "free"}, page="/plan")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="downgrade-confirm"' in page
    assert re.search(r'id="archive-now">1<', page) and re.search(r'id="archive-later">2<', page)
    assert "the first in 58 more minutes" in page
    assert user_record(ddb, names, alice.user_id).plan == "premium"  # nothing changed yet
    assert queues.receive("downgrade", expect=0, wait=1) == []
    done = alice.post("/plan", {"plan": "free", "confirmed": "yes"}, page="/plan")
    assert done.status_code == 302 and user_record(ddb, names, alice.user_id).plan == "free"


def test_the_jobs_list_says_why_a_job_failed(alice, ddb, names):
    seed_job(ddb, names.jobs_table, alice.user_id, status="FAILED", failed_at="2026-11-20T10:01:00Z",
             failure_reason="REF does not match the reference at chr1:100 <b>(A, not C)</b>", failure_line=7)
    listed = alice.text("/jobs")
    assert 'class="small text-danger text-break failure-reason"' in listed
    assert "REF does not match the reference at chr1:100 &lt;b&gt;(A, not C)&lt;/b&gt; (line 7)" in listed
