"""Locust: people browsing their jobs, opening one, and submitting a job, against a running GAS web app.

Run by bench/web_load.py (which starts the embedded stack and gives one user 1,000 jobs), or by hand:
`locust -f bench/locustfile.py --host http://127.0.0.1:8080` with GAS_LOAD_EMAIL naming a dev user.
Pages use the dev sign-in (a session cookie, as a browser has); submissions use the API with a dev token.
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

EMAIL = os.environ.get("GAS_LOAD_EMAIL", "load@example.org")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
JOB_LINK = re.compile(r'href="/jobs/([0-9a-f-]{36})"')


class Researcher(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        page = self.client.get("/signin", name="/signin").text
        self.client.post("/signin/dev", data={"name": "Load Tester", "email": EMAIL,
                                              "csrf_token": CSRF.search(page).group(1)}, name="/signin/dev")
        token = self.client.post("/api/v1/dev/tokens", json={"name": "Load Tester", "email": EMAIL},
                                 name="/api/v1/dev/tokens").json()["token"]
        self.api = {"Authorization": f"Bearer {token}"}
        self.job_ids: list[str] = []

    @task(6)
    def browse_jobs(self) -> None:
        page = self.client.get("/jobs", name="/jobs").text
        self.job_ids = JOB_LINK.findall(page) or self.job_ids
        older = re.search(r'href="(/jobs\?after=[^"]+)" id="older"', page)
        if older and random.random() < 0.3:  # noqa: S311 - load shape, not security
            self.client.get(older.group(1).replace("&amp;", "&"), name="/jobs?after=…")

    @task(6)
    def open_a_job(self) -> None:
        if not self.job_ids:
            return
        job_id = random.choice(self.job_ids)  # noqa: S311
        self.client.get(f"/jobs/{job_id}", name="/jobs/<id>")
        self.client.get(f"/jobs/{job_id}/panel", name="/jobs/<id>/panel")  # the page's live refresh

    @task(1)
    def submit_a_job(self) -> None:
        self.client.post("/api/v1/jobs", json={"sample": True, "reference_id": "gas-demo-1"}, headers=self.api,
                         name="/api/v1/jobs (submit)")
