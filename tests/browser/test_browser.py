"""A user's whole visit in a real browser: sign in through (fake) Globus Auth, upload the sample, watch the
job complete without reloading, explore its variants (gene, region, pages to the end, sort, a chart bar, the
export), open the log, download, upgrade, sign out.
Screenshots of each main page go to test-output/screenshots/."""

from __future__ import annotations

import gzip
import re
import signal

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
    page.check("#hgvs")  # HGVS notation, asked for at submission
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

    # The explorer arrived with the results (no reload). Text typed into it survives the status updates
    # (the Free countdown refreshes the status every 2 s).
    expect(page.locator("#explorer #match-count")).to_contain_text("400 variants")
    page.fill("#gene-input", "GENE7")
    page.evaluate("document.querySelector('#job-state').dataset.mark = 'old'")
    expect(page.locator("#job-state[data-mark=old]")).to_have_count(0, timeout=10_000)  # the status was replaced
    expect(page.locator("#gene-input")).to_have_value("GENE7")

    # Filter by gene: the counts, the chart and every row follow.
    page.click("#explorer-apply")
    expect(page).to_have_url(re.compile(r"gene=GENE7"))
    expect(page.locator("#variants-table tbody tr").first).to_be_visible()
    rows = page.locator("#variants-table tbody tr")
    assert rows.count() > 0 and all("GENE7" in t for t in rows.all_inner_texts())
    page.screenshot(path=shots / "explorer-gene.png", full_page=True)

    # A region, then page to the end and back.
    page.fill("#gene-input", "")
    page.fill("#region-input", "chr1:1-30000")
    page.click("#explorer-apply")
    expect(page.locator("#page-range")).to_contain_text("Rows 1\u201350 of")
    total = int(re.search(r"of ([\d,]+)", page.locator("#page-range").inner_text()).group(1).replace(",", ""))
    assert total > 100
    pages = 1
    while not page.locator("#page-next.disabled").count():
        page.click("#page-next")
        pages += 1
        expect(page.locator("#page-range")).to_contain_text(f"Rows {(pages - 1) * 50 + 1:,}\u2013")
    assert pages == -(-total // 50)
    positions = [t.split(":") for t in page.locator("#variants-table tbody td:first-child").all_inner_texts()]
    assert all(c == "chr1" and int(p.replace(",", "")) <= 30000 for c, p in positions)
    page.click("#page-first")
    expect(page.locator("#page-range")).to_contain_text("Rows 1\u201350 of")

    # Sort by impact; a chart bar filters by its consequence; the export is the filtered set.
    page.select_option("#sort-select", "impact")
    expect(page).to_have_url(re.compile(r"sort=impact"))
    expect(page.locator("#variants-table tbody tr").first.locator(".badge[class*=impact-]")).to_have_text("HIGH")
    page.click("#explorer-clear")
    expect(page.locator("#match-count")).to_contain_text("400 variants")
    page.locator("#consequence-chart a[data-term=missense]").click()
    expect(page).to_have_url(re.compile(r"consequence=missense"))
    expect(page.locator("#term-missense")).to_be_checked()
    shown = page.locator("#variants-table tbody tr").all_inner_texts()
    assert shown and all("missense" in t for t in shown)
    page.screenshot(path=shots / "explorer-missense.png", full_page=True)
    with page.expect_download() as download:
        page.click("#export-tsv")
    assert download.value.suggested_filename.endswith(".variants.missense.tsv")
    exported = (tmp_path / "missense.tsv")
    download.value.save_as(exported)
    lines = exported.read_text().splitlines()
    counted = int(re.search(r"\(([\d,]+) transcript", page.locator("#match-count").inner_text()).group(1))
    assert len(lines) - 1 == counted and all("missense" in line for line in lines[1:])

    # Known and novel (the demo reference's synthetic dbSNP and ClinVar), and a ClinVar class as a filter.
    page.click("#explorer-clear")
    expect(page.locator("#match-count")).to_contain_text("400 variants")
    expect(page).not_to_have_url(re.compile(r"consequence="))
    expect(page.locator("#known-counts")).to_contain_text("novel")
    shown_known = int(re.search(r"([\d,]+) known", page.locator("#known-counts").inner_text()).group(1))
    page.locator("#clinical-counts a", has_text="Likely pathogenic").click()
    expect(page).to_have_url(re.compile(r"clinical=Likely_pathogenic"))
    expect(page.locator("#clinical-chips input:checked")).to_have_count(1)  # the new fragment is in
    expect(page.locator("#variants-table tbody tr").first).to_be_visible()
    classes = page.locator("#variants-table td.clinical").all_inner_texts()
    assert classes and all(c == "Likely pathogenic" for c in classes)
    assert all(t.startswith(("rs", "5")) for t in page.locator("#variants-table td.known-id").all_inner_texts())
    page.screenshot(path=shots / "explorer-clinvar.png", full_page=True)
    page.select_option("#known-select", "novel")  # applies at once
    expect(page.locator("#page-range")).to_contain_text("No variants match")  # a ClinVar variant is known

    # HGVS, as asked: the job says so, and the missense rows name their change in c. and p.
    expect(page.locator("#hgvs-asked")).to_be_visible()
    page.click("#explorer-clear")
    expect(page).not_to_have_url(re.compile(r"clinical="))  # the cleared explorer is in, chart and all
    page.locator("#consequence-chart a[data-term=missense]").click()
    expect(page).to_have_url(re.compile(r"consequence=missense"))
    expect(page.locator("#term-missense")).to_be_checked()  # the new fragment is in (the URL may come first)
    names = page.locator("#variants-table td.hgvs").all_inner_texts()
    assert names and all(re.match(r"c\.\d+[ACGT]>[ACGT]\np\.[A-Z][a-z]{2}\d+[A-Z][a-z]{2}$", n) for n in names), names
    page.screenshot(path=shots / "explorer-hgvs.png", full_page=True)

    # One line per variant: the demo's genes have one (MANE Select) transcript each.
    page.click("#explorer-clear")
    expect(page).not_to_have_url(re.compile(r"consequence="))  # (it waited for "known=", gone long before)
    expect(page.locator("#term-missense")).not_to_be_checked()  # the cleared fragment is in
    page.check("#pick-check")
    expect(page).to_have_url(re.compile(r"pick=1"))
    expect(page.locator("#page-range")).to_contain_text("of 400")
    assert page.locator("#variants-table .preferred").count() > 0

    # Download the annotated VCF through its short-lived URL.
    with page.expect_download() as download:
        page.click("#download-vcf")
    saved = tmp_path / "result.vcf.gz"
    download.value.save_as(saved)
    text = gzip.decompress(saved.read_bytes()).decode()
    assert "##GAS" in text or "BCSQ" in text
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert shown_known == sum(1 for line in body if "dbsnp_ID=" in line or "clinvar_ID=" in line)

    # The log.
    page.click("#view-log")
    expect(page.locator("#log-text")).to_contain_text("Variants annotated\t400")
    page.screenshot(path=shots / "log.png", full_page=True)

    # A file GAS cannot annotate: the job page turns to the failure and its line, and drops "submitted".
    bad = tmp_path / "broken.vcf"
    bad.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\tx\t.\tA\tC\t.\t.\t.\n"
                   "chr1\t200\t.\tG\tT\t.\t.\t.\n")
    page.goto(base + "/annotate")
    page.set_input_files("#file", str(bad))
    page.click("#upload-button")
    expect(page.locator("#job-state[data-status=FAILED]")).to_be_attached(timeout=60_000)
    expect(page.locator("#failure")).to_contain_text("line 3")
    # ...with the offending line among its neighbours, as the file has them.
    expect(page.locator("#failure-excerpt span")).to_have_count(4)
    expect(page.locator("#failure-excerpt .offending")).to_contain_text("chr1\tx")
    expect(page.locator(".alert-success")).to_have_count(0)
    page.screenshot(path=shots / "job-failed.png", full_page=True)

    # A phased trio, haplotype-aware: two changes in one codon on one haplotype are one consequence.
    from annotator.synthetic.genome import generate

    genome = generate()
    gene = next(g for g in genome.genes if g.strand == "+")
    seq, at = genome.contigs[gene.contig], gene.cds[0].start + 3
    other = {"A": "C", "C": "A", "G": "T", "T": "G"}
    trio = tmp_path / "trio.vcf"
    trio.write_text("\n".join([
        "##fileformat=VCFv4.2", '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        *(f"##contig=<ID={c},length={len(s)}>" for c, s in genome.contigs.items()),
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tchild\tmother\tfather",
        *(f"{gene.contig}\t{p}\t.\t{seq[p - 1]}\t{other[seq[p - 1]]}\t50\tPASS\t.\tGT\t1|0\t1|0\t0|0"
          for p in (at, at + 1))]) + "\n")
    page.goto(base + "/annotate")
    page.set_input_files("#file", str(trio))
    page.check("#haplotypes")
    page.click("#upload-button")
    expect(page.locator("#job-state[data-status=COMPLETED]")).to_be_attached(timeout=60_000)
    expect(page.locator("#haplotypes-asked")).to_be_visible()
    expect(page.locator("#haplotype-summary")).to_contain_text("1 records with a combined consequence")
    expect(page.locator("#variants-table .elsewhere")).to_contain_text(f"with {gene.contig}:{at} (haplotype)")
    page.screenshot(path=shots / "job-haplotypes.png", full_page=True)

    # Cancel a job that waits: the annotator is paused (SIGSTOP), so the job is still PENDING when asked.
    annotator = next(c for c in stack.services if c.name == "annotator")
    annotator.signal(signal.SIGSTOP)
    try:
        page.goto(base + "/annotate")
        page.set_input_files("#file", str(trio))
        page.click("#upload-button")
        expect(page.locator("#job-state[data-status=PENDING]")).to_be_attached(timeout=30_000)
        asked = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        page.click("#cancel")
        expect(page.locator("#job-state[data-status=CANCELLED]")).to_be_attached(timeout=30_000)
        assert asked and "Cancel this job?" in asked[0]
        expect(page.locator("#job-stage")).to_contain_text("Cancelled")
        expect(page.locator("#resubmit")).to_be_visible()
        page.screenshot(path=shots / "job-cancelled.png", full_page=True)
    finally:
        annotator.signal(signal.SIGCONT)

    page.goto(base + "/jobs")
    expect(page.locator("#jobs-table")).to_contain_text("Completed")
    expect(page.locator(".failure-reason").first).to_contain_text("line 3")
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
