"""Benchmark: the results explorer on a 1 M-variant job, on the embedded stack.

    .venv/bin/python bench/explorer.py [--variants 1000000] [--queries 20] [--builds 3]

1. The index's cost: `gas-annotate` on the same file with and without the variant index, --builds times each
   in turn (medians), and the index's size beside the annotated VCF's.
2. The stack `make run` starts (own ports and prefix), the bench reference installed, a Premium dev user; the
   file uploaded through the API's presigned POST and annotated by the annotator service.
3. Through /api/v1: the first query (the web worker fetches the index), then for each kind of
   filter --queries page queries (varied values; half of them a second page by cursor) and as many counts
   queries, p50/p95 and the worst; the first query of each sort (its order is made once); the full TSV and VCF
   exports, streamed. The web service's process tree RSS is sampled every 50 ms throughout.
Reports only; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median

import requests
from proctree import rss_mb

from gas_tools.devstack import Stack, StackSettings
from gas_tools.polling import wait_until

PREFIX = "benchexp"
REFERENCE_ID = "gas-bench-1"
FILTERS = ("PASS",) * 8 + ("LowQual", "q10")


def write_input(genome, path: Path, count: int) -> None:  # type: ignore[no-untyped-def]
    """Synthetic records with what real files carry: IDs on a third, FILTER values, QUAL, two samples."""
    from annotator.synthetic.samples import records

    rng = random.Random(1)  # noqa: S311 - reproducible test data
    with path.open("w") as out:
        out.write("##fileformat=VCFv4.2\n")
        for f in ("PASS", "LowQual", "q10"):
            out.write(f'##FILTER=<ID={f},Description="{f}">\n')
        out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        for contig, seq in genome.contigs.items():
            out.write(f"##contig=<ID={contig},length={len(seq)}>\n")
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n")
        for n, line in enumerate(records(genome, count, seed=2)):
            f = line.rstrip("\n").split("\t")
            f[2] = f"rs{n + 1}" if n % 3 == 0 else "."
            f[5] = f"{rng.randint(1, 999)}"
            f[6] = FILTERS[n % len(FILTERS)]
            out.write("\t".join([*f, "GT", rng.choice(("0/1", "1/1")), rng.choice(("0/0", "0/1"))]) + "\n")


def build_cost(vcf: Path, reference: Path, work: Path, builds: int) -> None:
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(builds):
        for index in (True, False):
            out = work / f"out-{index}"
            began = time.monotonic()
            subprocess.run([sys.executable, "-m", "annotator.cli", str(vcf), "--reference", str(reference),
                            "--out", str(out), "--no-plain", *([] if index else ["--no-index"])],
                           check=True, stdout=subprocess.DEVNULL)
            times[index].append(time.monotonic() - began)
    with_index, without = median(times[True]), median(times[False])
    npz = next((work / "out-True").glob("*.explore.npz"))
    vcf_gz = next((work / "out-True").glob("*.annot.vcf.gz"))
    print(f"gas-annotate, median of {builds}: {with_index:.2f} s with the index "
          f"({min(times[True]):.2f}-{max(times[True]):.2f}), {without:.2f} s without "
          f"({min(times[False]):.2f}-{max(times[False]):.2f}); the index costs "
          f"{100 * (with_index - without) / with_index:.0f} % of the job's time")
    print(f"index {npz.stat().st_size / 1e6:.0f} MB (uncompressed npz) beside the annotated VCF's "
          f"{vcf_gz.stat().st_size / 1e6:.0f} MB (bgzipped)")


class Sampler:
    """The peak RSS of a process tree, sampled every 50 ms."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.anon, self._stop = pid, 0.0, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mb(self.pid))
            self.anon = max(self.anon, rss_mb(self.pid, "RssAnon"))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def timed(session: requests.Session, url: str, params: dict | list | None = None) -> tuple[float, dict]:
    began = time.monotonic()
    answer = session.get(url, params=params, timeout=300)
    elapsed = time.monotonic() - began
    if answer.status_code != 200:
        raise SystemExit(f"{url} {params}: {answer.status_code} {answer.text[:200]}")
    return elapsed * 1000, answer.json()


def main() -> int:  # noqa: PLR0915 - one linear script, read top to bottom
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--builds", type=int, default=3)
    args = parser.parse_args()

    from annotator.synthetic.bundle import write_bundle
    from annotator.synthetic.genome import generate
    from gas_shared.contract.consequences import IMPACT_ORDER, TERMS
    from gas_shared.contract.topology import Names
    from gas_shared.runtime.aws import Aws
    from gas_shared.store.bundles import Bundles

    work = Path(tempfile.mkdtemp(prefix="gas-bench-explorer-"))
    genome = generate(seed=11, contigs=tuple((f"chr{i}", 300) for i in range(1, 26)))
    reference = work / "reference"
    write_bundle(genome, reference, reference_id=REFERENCE_ID, assembly="GASbench1", source="bench")
    vcf = work / "calls.vcf"
    write_input(genome, vcf, args.variants)
    print(f"{args.variants:,} records, {vcf.stat().st_size / 1e6:.0f} MB; {len(genome.genes)} genes; "
          f"{os.cpu_count()} CPUs", flush=True)
    build_cost(vcf, reference, work, args.builds)

    os.environ.update(GAS_PORT_BASE="9580", GAS_PREFIX=PREFIX, GAS_RUN_DIR=str(work / "run"),
                      GAS_WEB_WORKERS="1", GAS_PREMIUM_TEXT_LIMIT=str(50 * 1024**3))
    os.environ.setdefault("GAS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("GAS_SIGNIN_RATE_PER_MINUTE", "10000")  # many users from one address, on purpose
    os.environ.setdefault("GAS_API_RATE_PER_MINUTE", "100000")
    os.environ.setdefault("GAS_UPLOAD_RATE_PER_MINUTE", "10000")
    stack = Stack(StackSettings())
    print(f"embedded stack started ({stack.start():.1f} s)", flush=True)
    try:
        Bundles(Aws().client("s3"), Names(PREFIX).bucket("references")).install(reference)
        base = stack.url("web", "/api/v1")
        token = requests.post(f"{base}/dev/tokens", json={"name": "Bench", "email": "bench@example.org"},
                              timeout=10).json()["token"]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        assert session.put(f"{base}/plan", json={"plan": "premium"}, timeout=10).status_code == 200
        upload = session.post(f"{base}/uploads", json={"filename": vcf.name, "reference_id": REFERENCE_ID},
                              timeout=10).json()
        with vcf.open("rb") as body:
            sent = requests.post(upload["url"], data=upload["fields"], files={"file": (vcf.name, body)}, timeout=600)
        assert sent.status_code == 204, sent.text
        job = session.post(f"{base}/jobs", json={"ticket": upload["ticket"]}, timeout=10).json()
        job_url = f"{base}/jobs/{job['job_id']}"
        wait_until(lambda: session.get(job_url, timeout=10).json()["finished"], 900, every=1, what="the job")
        done = session.get(job_url, timeout=10).json()
        assert done["status"] == "COMPLETED", done
        print(f"job annotated by the service: {done['counts']['variants']:,} variants")

        web = next(c for c in stack.services if c.name == "web")
        assert web.process is not None
        idle = rss_mb(web.process.pid)
        sampler = Sampler(web.process.pid)
        variants = f"{job_url}/variants"
        first_ms, _ = timed(session, f"{variants}/counts")
        genes = [g["gene"] for g in timed(session, f"{variants}/counts", {"genes": 10000})[1]["genes"]]
        rng = random.Random(3)  # noqa: S311 - reproducible queries
        contigs = list(genome.contigs.items())

        def region() -> str:
            contig, seq = rng.choice(contigs)
            start = rng.randint(1, max(1, len(seq) - 100_000))
            return f"{contig}:{start}-{start + 100_000}"

        kinds = {
            "no filter": lambda: {},
            "gene": lambda: {"gene": rng.choice(genes)},
            "gene list (50)": lambda: {"gene": ",".join(rng.sample(genes, 50))},
            "consequence": lambda: {"consequence": rng.choice(TERMS[:20])},
            "impact": lambda: {"impact": rng.choice(IMPACT_ORDER)},
            "region (100 kb)": lambda: {"region": region()},
            "ID": lambda: {"id": f"rs{3 * rng.randint(0, args.variants // 3) + 1}"},
            "FILTER": lambda: {"filter": rng.choice(("LowQual", "q10"))},
            "free text": lambda: {"q": f"GENE{rng.randint(1, 7500)}"},
            "gene list + impact": lambda: {"gene": ",".join(rng.sample(genes, 20)), "impact": "HIGH"},
        }
        print(f"\nfirst query (the web worker fetches the index): {first_ms:.0f} ms")
        for sort in ("impact", "gene"):
            ms, _ = timed(session, variants, {"sort": sort})
            print(f"first query sorted by {sort} (its order is made once): {ms:.0f} ms")
        print(f"\n{'filter':<22}{'page p50':>10}{'p95':>8}{'max':>8}{'counts p50':>12}{'p95':>8}{'max':>8}"
              f"{'matching rows':>15}")
        for name, make in kinds.items():
            pages, counts, rows = [], [], []
            for i in range(args.queries):
                params = make()
                if i % 3 == 0:
                    params["sort"] = rng.choice(("position", "impact", "gene"))
                ms, page = timed(session, variants, params)
                if i % 2 and page["next"]:
                    ms, page = timed(session, variants, {**params, "after": page["next"]})
                pages.append(ms)
                rows.append(page["total"])
                ms, _ = timed(session, f"{variants}/counts", {k: v for k, v in params.items() if k != "sort"})
                counts.append(ms)
            pages.sort()
            counts.sort()
            p95 = max(0, round(0.95 * len(pages)) - 1)
            print(f"{name:<22}{median(pages):>10.0f}{pages[p95]:>8.0f}{pages[-1]:>8.0f}{median(counts):>12.0f}"
                  f"{counts[p95]:>8.0f}{counts[-1]:>8.0f}{int(median(rows)):>15,}")
        for suffix in (".tsv", ".vcf"):
            began, size = time.monotonic(), 0
            with session.get(f"{variants}{suffix}", stream=True, timeout=600) as answer:
                for chunk in answer.iter_content(1 << 20):
                    size += len(chunk)
            took = time.monotonic() - began
            print(f"\nfull {suffix[1:].upper()} export streamed: {size / 1e6:.0f} MB in {took:.1f} s", end="")
        peak = sampler.stop()
        print(f"\n\nweb service RSS (gunicorn, 1 worker, its whole process tree): {idle:.0f} MB before the first "
              f"query, {peak:.0f} MB at most while querying and exporting, of which at most {sampler.anon:.0f} MB "
              "not the index's mapped (reclaimable) file pages")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
