"""Benchmark: a whole annotation job against raw `bcftools csq` on the same files, in the same run.

    .venv/bin/python bench/annotate.py [--sizes 100000 1000000] [--repeat 3]

Builds a larger synthetic reference (25 contigs, 7,500 genes), writes sorted VCFs of each size, then for each:
- raw: bcftools csq -l -Oz through pysam, in a process of its own;
- job: the annotator's JobRunner.handle on a job.requested, against an embedded moto server: fetch the input
  from S3, validate, normalise, csq, bgzip + index, count log and summary, store the results, mark the job.
Wall time of each, their ratio, and the peak RSS of each process tree (sampled every 50 ms). Each size runs
raw and job in turn --repeat times (this machine kind shares its cores, and single runs vary by a third);
the table gives the medians, and every run is printed as it ends. Reports only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

from proctree import rss_mb

HERE = Path(__file__).resolve()


def measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a command; (wall seconds, peak tree RSS MB, stdout)."""
    peak = [0.0]
    began = time.monotonic()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], rss_mb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    wall = time.monotonic() - began
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed ({process.returncode})")
    return wall, peak[0], out


def raw_csq(reference: Path, vcf: Path, out: Path) -> None:
    import pysam.bcftools

    pysam.bcftools.csq("-f", str(reference / "genome.fa"), "-g", str(reference / "genes.gff3"), "-l", "-Oz",
                       "-o", str(out), str(vcf), catch_stdout=False)


def run_job(request_json: str, cache: str) -> None:
    """In its own process: one JobRunner.handle, timed from the message to the stored, marked result."""
    from annotator.bundle_cache import BundleCache
    from annotator.runner import JobRunner
    from annotator.settings import AnnotatorSettings
    from gas_shared.contract.messages import JobRequested
    from gas_shared.contract.topology import Names
    from gas_shared.runtime.aws import Aws
    from gas_shared.runtime.mail import Mailer
    from gas_shared.runtime.publisher import Publisher
    from gas_shared.store.stores import Stores

    settings = AnnotatorSettings(reference_cache=Path(cache))
    aws, names = Aws(), Names(settings.prefix)
    stores = Stores(aws, names)
    references = BundleCache(stores.bundles, Path(cache))
    request = JobRequested.model_validate_json(request_json)
    references.local(request.reference_id)  # warm the cache: the reference download is not the job
    runner = JobRunner(settings, stores.jobs, stores.users, aws.client("s3"), references,
                       Publisher(aws, names, "bench"), Mailer(aws, settings.mail_from),
                       names.bucket("inputs"), names.bucket("results"))
    began = time.monotonic()
    runner.handle(request)
    print(json.dumps({"seconds": time.monotonic() - began}))


def main() -> None:  # noqa: PLR0915 - one linear script, read top to bottom
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, in turn; the table has medians")
    parser.add_argument("--raw", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--job", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--compare-index", action="store_true",
                        help="also run each job without the variant index (GAS_VARIANT_INDEX=false): its share")
    parser.add_argument("--compare-hgvs", action="store_true",
                        help="also run each job with HGVS notation asked for (the naming stage): what it adds")
    parser.add_argument("--compare-tracks", action="store_true",
                        help="also run each job on the reference with synthetic dbSNP, ClinVar, gnomAD and panel "
                             "tracks drawn from the input (a third of its variants known): what they add")
    parser.add_argument("--compare-haplotypes", action="store_true",
                        help="also run, on a copy of the input with two phased samples, a job per variant and a "
                             "haplotype-aware one: what the haplotypes add")
    args = parser.parse_args()
    if args.raw:
        raw_csq(Path(args.raw[0]), Path(args.raw[1]), Path(args.raw[2]))
        return
    if args.job:
        run_job(*args.job)
        return

    from annotator.synthetic.bundle import attach_demo_tracks, write_bundle
    from annotator.synthetic.genome import generate
    from annotator.synthetic.samples import write_vcf
    from gas_shared.contract.messages import JobRequested
    from gas_shared.contract.topology import Names
    from gas_shared.runtime.aws import Aws
    from gas_shared.store.bundles import Bundles
    from gas_shared.store.jobs import JobStore
    from gas_tools.devstack import Emulator, aws_environment
    from gas_tools.provisioning import Options, provision

    with tempfile.TemporaryDirectory(prefix="gas-bench-") as tmp:
        work = Path(tmp)
        began = time.monotonic()
        genome = generate(seed=11, contigs=tuple((f"chr{i}", 300) for i in range(1, 26)))
        reference = work / "reference"
        write_bundle(genome, reference, reference_id="gas-bench-1", assembly="GASbench1", source="bench")
        size = sum(len(s) for s in genome.contigs.values())
        print(f"reference: {size / 1e6:.1f} Mb, {len(genome.genes)} genes ({time.monotonic() - began:.0f} s to make)")

        emulator = Emulator(18990, work / "moto.log")
        emulator.start()
        env = {**aws_environment(emulator.endpoint), "GAS_PREFIX": "bench"}
        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        aws, names = Aws(), Names("bench")
        provision(aws, names, Options())
        s3 = aws.client("s3")
        Bundles(s3, names.bucket("references")).install(reference)
        jobs = JobStore(aws.client("dynamodb"), names.jobs_table)
        rows: list[tuple[Any, ...]] = []
        try:
            for count in args.sizes:
                vcf = write_vcf(genome, work / f"in-{count}.vcf", count)
                phased = work / f"in-{count}-phased.vcf"
                if args.compare_haplotypes:  # two samples, each ALT on one haplotype of one or both
                    draw = random.Random(count)  # noqa: S311 - reproducible test data
                    with vcf.open() as plain, phased.open("w") as out:
                        for line in plain:
                            if line.startswith("##"):
                                out.write(line)
                            elif line.startswith("#"):
                                out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
                                out.write(line.rstrip("\n") + "\tFORMAT\tS1\tS2\n")
                            else:
                                gts = draw.choice(["1|0\t0|0", "0|1\t1|0", "0|0\t1|1", "1|0\t0/1"])
                                out.write(line.rstrip("\n") + f"\tGT\t{gts}\n")
                with_tracks = f"gas-bench-tracks-{count}"
                if args.compare_tracks:
                    made = time.monotonic()
                    tracked = work / with_tracks
                    write_bundle(genome, tracked, reference_id=with_tracks, assembly="GASbench1", source="bench")
                    attach_demo_tracks(genome, tracked, count)
                    Bundles(s3, names.bucket("references")).install(tracked)
                    print(f"tracks for {count:,} variants made in {time.monotonic() - made:.0f} s", flush=True)
                runs = []
                for attempt in range(args.repeat):
                    raw_wall, raw_peak, _ = measured([sys.executable, str(HERE), "--raw", str(reference), str(vcf),
                                                      str(work / f"raw-{count}.vcf.gz")])
                    timings: dict[bool | str, tuple[float, float]] = {}
                    kinds: list[tuple[bool | str, str]] = [(True, "gas-bench-1")]
                    kinds += ([(False, "gas-bench-1")] if args.compare_index else [])
                    kinds += [("tracks", with_tracks)] if args.compare_tracks else []
                    kinds += [("hgvs", "gas-bench-1")] if args.compare_hgvs else []
                    kinds += ([("genotyped", "gas-bench-1"), ("haplotypes", "gas-bench-1")]
                              if args.compare_haplotypes else [])
                    for index, reference_id in kinds:
                        user, job = uuid.uuid4(), uuid.uuid4()
                        key = f"{user}/{job}/input/input.vcf"
                        source = phased if index in ("genotyped", "haplotypes") else vcf
                        s3.upload_file(str(source), names.bucket("inputs"), key)
                        request = JobRequested(job_id=job, user_id=user, reference_id=reference_id, input_key=key,
                                               input_filename=source.name, submitted_at=datetime.now(UTC),
                                               hgvs=index == "hgvs", haplotypes=index == "haplotypes")
                        jobs.create(request)
                        _, peak, out = measured([sys.executable, str(HERE), "--job", request.model_dump_json(),
                                                 str(work / "cache")],
                                                env={**os.environ, **env,
                                                     "GAS_VARIANT_INDEX": str(index is not False).lower()})
                        timings[index] = (json.loads(out.strip().splitlines()[-1])["seconds"], peak)
                        status = jobs.get(str(job))
                        assert status and status.status == "COMPLETED", status
                    seconds, job_peak = timings[True]
                    share = f", without the index {timings[False][0]:.2f} s" if False in timings else ""
                    if "tracks" in timings:
                        share += (f", with tracks {timings['tracks'][0]:.2f} s "
                                  f"(+{100 * (timings['tracks'][0] / seconds - 1):.0f}%, "
                                  f"peak {timings['tracks'][1]:.0f} MB)")
                    if "hgvs" in timings:
                        share += (f", with HGVS {timings['hgvs'][0]:.2f} s "
                                  f"(+{100 * (timings['hgvs'][0] / seconds - 1):.0f}%, "
                                  f"peak {timings['hgvs'][1]:.0f} MB)")
                    if "haplotypes" in timings:
                        share += (f", two phased samples {timings['genotyped'][0]:.2f} s per variant, "
                                  f"{timings['haplotypes'][0]:.2f} s haplotype-aware "
                                  f"(+{100 * (timings['haplotypes'][0] / timings['genotyped'][0] - 1):.0f}%, "
                                  f"peak {timings['haplotypes'][1]:.0f} MB against "
                                  f"{timings['genotyped'][1]:.0f} MB)")
                    print(f"{count:>10,} run {attempt + 1}: raw {raw_wall:.2f} s, job {seconds:.2f} s, "
                          f"ratio {seconds / raw_wall:.2f}{share}", flush=True)
                    runs.append((raw_wall, seconds, raw_peak, job_peak, timings.get(False, (seconds, 0))[0],
                                 *timings.get("tracks", (seconds, job_peak))))
                raw_walls, job_walls = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
                ratios = sorted(r[1] / r[0] for r in runs)
                rows.append((count, median(raw_walls), median(job_walls), median(ratios),
                             max(r[2] for r in runs), max(r[3] for r in runs),
                             median(sorted((r[1] - r[4]) / r[1] for r in runs)),
                             median(sorted(r[5] / r[1] - 1 for r in runs)), max(r[6] for r in runs)))
        finally:
            emulator.stop()
    print(f"\nmachine: {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    print(f"medians of {args.repeat} runs; peaks are the highest seen")
    print(f"{'variants':>10} {'raw csq s':>10} {'full job s':>11} {'ratio':>6} {'raw peak MB':>12} {'job peak MB':>12}"
          + (f" {'index share':>12}" if args.compare_index else "")
          + (f" {'tracks add':>11} {'tracks peak MB':>15}" if args.compare_tracks else ""))
    for count, raw_wall, job_wall, ratio, raw_peak, job_peak, share, tracks_add, tracks_peak in rows:
        print(f"{count:>10,} {raw_wall:>10.2f} {job_wall:>11.2f} {ratio:>6.2f} {raw_peak:>12.0f} {job_peak:>12.0f}"
              + (f" {100 * share:>11.0f}%" if args.compare_index else "")
              + (f" {100 * tracks_add:>10.0f}% {tracks_peak:>15.0f}" if args.compare_tracks else ""))


if __name__ == "__main__":
    main()
