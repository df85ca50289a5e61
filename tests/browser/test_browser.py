"""A user's whole visit in a real browser: sign in through (fake) Globus Auth, upload the sample, watch the
job complete without reloading, open the log, see the chart, filter and download, upgrade, sign out.
Screenshots of each main page go to test-output/screenshots/."""

from __future__ import annotations

import gzip
import re

from playwright.sync_api import expect

SAMPLE_NAME = "calls <img src=x onerror=alert(1)>.vcf"  # no "/": it must be a real file name


def test_a_visit_from_sign_in_to_sign_out(stack, browser, shots, tmp_path):
    base = stack.url("web")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []  # console errors include CSP violations: the pages must have none
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Know what your variants do.")).to_be_visible()
    page.screenshot(path=shots / "home.png", full_page=True)

    # Sign in through Globus Auth (the fake one, reached by the unmodified globus-sdk).
    page.get_by_role("link", name="Sign in to start").click()
    page.screenshot(path=shots / "signin.png", full_page=True)
    page.click("#signin-globus")
    page.fill("input[name=username]", "barbara@example.org")
    page.fill("input[name=name]", "Barbara McClintock")
    page.click("#allow")
    expect(page).to_have_url(re.compile(r"/jobs$"))
    expect(page.locator("#nav-profile")).to_contain_text("Barbara McClintock")
    expect(page.locator("#jobs-rows")).to_contain_text("No jobs yet")

    # Upload the sample VCF through the annotate page: the file goes from the browser straight to S3.
    vcf = tmp_path / SAMPLE_NAME
    vcf.write_bytes(_sample_bytes(stack))
    page.click("text=Annotate")
    expect(page.get_by_role("heading", name="Annotate a VCF file")).to_be_visible()
    page.screenshot(path=shots / "annotate.png", full_page=True)
    page.set_input_files("#file", str(vcf))
    page.click("#upload-button")
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]{36}$"))
    expect(page.locator("#job-title")).to_have_text(SAMPLE_NAME)  # shown as text, not markup

    # Watch it complete without a reload: a marker set on this document must survive.
    page.evaluate("window.__stillHere = true")
    expect(page.locator("#job-state[data-status=COMPLETED]")).to_be_attached(timeout=60_000)
    assert page.evaluate("window.__stillHere") is True
    expect(page.locator("#consequence-chart rect").first).to_be_visible()
    assert page.locator("#consequence-chart rect").count() >= 5
    expect(page.locator("#retention")).to_contain_text("more minutes")
    page.screenshot(path=shots / "job.png", full_page=True)

    # Filter the variants table, then export it.
    page.fill("#variant-filter", "missense")
    visible = page.locator("#variants-table tbody tr:not(.d-none)")
    expect(page.locator("#filter-count")).to_contain_text("variants match")
    assert visible.count() > 0
    assert all("missense" in t for t in visible.all_inner_texts())

    # Download the annotated VCF through its short-lived URL.
    with page.expect_download() as download:
        page.click("#download-vcf")
    saved = tmp_path / "result.vcf.gz"
    download.value.save_as(saved)
    text = gzip.decompress(saved.read_bytes()).decode()
    assert "##GAS" in text or "BCSQ" in text

    # The log.
    page.click("#view-log")
    expect(page.locator("#log-text")).to_contain_text("Variants annotated\t400")
    page.screenshot(path=shots / "log.png", full_page=True)

    page.goto(base + "/jobs")
    expect(page.locator("#jobs-table")).to_contain_text("Completed")
    page.screenshot(path=shots / "jobs.png", full_page=True)

    # On a phone.
    phone = context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(page.url)
    phone.click("text=" + SAMPLE_NAME)
    expect(phone.locator("#consequence-chart")).to_be_visible()
    phone.screenshot(path=shots / "job-phone.png", full_page=True)
    phone.close()

    # Upgrade.
    page.goto(base + "/plan")
    page.screenshot(path=shots / "plan.png", full_page=True)
    page.click("#choose-premium")
    expect(page.locator(".alert-success")).to_contain_text("Welcome to Premium")
    expect(page.locator("#nav-profile")).to_contain_text("Premium")

    page.goto(base + "/profile")
    page.screenshot(path=shots / "profile.png", full_page=True)

    # Sign out: the session is over.
    page.click("#signout")
    expect(page.locator(".alert-info")).to_contain_text("signed out")
    page.goto(base + "/jobs")
    expect(page).to_have_url(re.compile(r"/signin"))
    assert problems == []
    context.close()


def _sample_bytes(stack) -> bytes:
    """The demo reference's sample VCF, as the references bucket holds it."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=stack.emulator.endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = f"{stack.settings.prefix}-references"
    return bytes(s3.get_object(Bucket=bucket, Key="gas-demo-1/sample.vcf")["Body"].read())
