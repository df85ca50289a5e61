"""The web app under Flask's test client, on the real emulator: a signed-in browser in a few lines."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

from annotator.synthetic.bundle import DEMO_ID, write_demo_bundle
from annotator.synthetic.genome import generate
from gas_shared.store.bundles import Bundles
from gas_shared.store.table import to_item
from gas_tools.fake_globus import create_app as fake_globus_app

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')


class FakeGlobus:
    """gas_tools.fake_globus served from a thread on a free port."""

    def __init__(self, client_id: str, secret: str, others: dict[str, str] | None = None):
        self.app = fake_globus_app({client_id: secret, **(others or {})})
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def state(self) -> dict[str, Any]:
        return dict(requests.get(self.url + "_fake/state", timeout=5).json())

    def stop(self) -> None:
        self.server.shutdown()


def install_demo(s3: Any, bucket: str, where: Path) -> None:
    """The demo reference (with its sample VCF), written once per test session and installed per prefix."""
    bundle = where / "demo-bundle"
    if not (bundle / "manifest.json").exists():
        write_demo_bundle(bundle)
    Bundles(s3, bucket).install(bundle)


@dataclass
class Browser:
    """One user's cookie jar on the app."""

    client: Any

    def csrf(self, path: str = "/") -> str:
        page = self.client.get(path).get_data(as_text=True)
        found = CSRF.search(page)
        assert found, f"no CSRF token on {path}"
        return found.group(1) or found.group(2)

    def sign_in(self, name: str = "Ada Lovelace", email: str | None = None) -> str:
        """Dev sign-in; returns the user id."""
        email = email or f"{uuid.uuid4().hex[:8]}@example.org"
        answer = self.client.post("/signin/dev", data={"name": name, "email": email,
                                                       "csrf_token": self.csrf("/signin")})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        me = self.client.get("/api/v1/me").get_json()
        return str(me["user_id"])

    def post(self, path: str, data: dict[str, str] | None = None, page: str = "/") -> Any:
        return self.client.post(path, data={**(data or {}), "csrf_token": self.csrf(page)})

    def text(self, path: str) -> str:
        answer = self.client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        return str(answer.get_data(as_text=True))

    def upload(self, body: bytes, filename: str = "calls.vcf", reference_id: str = DEMO_ID) -> dict[str, Any]:
        """What the annotate page's script does: ask for a presigned POST, send the file to S3."""
        answer = self.client.post("/uploads", json={"filename": filename, "reference_id": reference_id},
                                  headers={"X-CSRFToken": self.csrf("/annotate")})
        assert answer.status_code == 201, answer.get_json()
        upload = answer.get_json()
        sent = requests.post(upload["url"], data=upload["fields"], files={"file": (filename, body)}, timeout=10)
        assert sent.status_code == 204, sent.text
        return dict(upload)

    def submit(self, ticket: str) -> Any:
        return self.post("/jobs", {"ticket": ticket}, page="/annotate")


def seed_job(ddb: Any, table: str, user_id: str, job_id: str | None = None, **fields: Any) -> str:
    """A job record written straight to the table, in whatever state a test needs."""
    job_id = job_id or str(uuid.uuid4())
    item = {"job_id": job_id, "user_id": user_id, "status": "PENDING", "submitted_at": "2026-11-20T10:00:00Z",
            "reference_id": DEMO_ID, "input_key": f"{user_id}/{job_id}/input.vcf", "input_filename": "seeded.vcf",
            **fields}
    ddb.put_item(TableName=table, Item=to_item(item))
    return job_id


def _one_variant() -> bytes:
    """A one-record VCF whose REF matches the demo reference."""
    contig, seq = next(iter(generate().contigs.items()))
    ref = seq[99]
    alt = "G" if ref != "G" else "T"
    return (f"##fileformat=VCFv4.2\n##contig=<ID={contig},length={len(seq)}>\n"
            f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n{contig}\t100\t.\t{ref}\t{alt}\t50\tPASS\t.\n").encode()


VCF = _one_variant()
