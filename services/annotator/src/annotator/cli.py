"""`gas-annotate INPUT --reference DIR --out DIR`: the engine without AWS, for people and benchmarks."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .engine.errors import VcfError
from .engine.pipeline import annotate
from .synthetic.bundle import write_demo_bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gas-annotate", description=__doc__)
    parser.add_argument("input", nargs="?", type=Path, help="a .vcf or .vcf.gz file")
    parser.add_argument("--reference", type=Path, required=True, help="bundle dir: genome.fa(.fai), genes.gff3")
    parser.add_argument("--out", type=Path, help="where results go")
    parser.add_argument("--no-plain", action="store_true", help="skip the uncompressed .annot.vcf")
    parser.add_argument("--no-index", action="store_true", help="skip the variant index (.explore.npz)")
    parser.add_argument("--hgvs", action="store_true", help="HGVS c./p. notation for every transcript (slower)")
    parser.add_argument("--haplotypes", action="store_true",
                        help="haplotype-aware consequences from the samples' phased genotypes (slower)")
    parser.add_argument("--make-demo-reference", action="store_true",
                        help="write the synthetic demo reference into --reference and exit")
    args = parser.parse_args(argv)
    if args.make_demo_reference:
        manifest = write_demo_bundle(args.reference)
        print(f"wrote {manifest.id} to {args.reference}")
        return 0
    if args.input is None or args.out is None:
        parser.error("INPUT and --out are required")
    try:
        result = annotate(args.input, args.input.name, args.reference, args.out, plain=not args.no_plain,
                          index=not args.no_index, hgvs=args.hgvs,
                          haplotypes=args.haplotypes)
    except VcfError as e:
        print(f"gas-annotate: {args.input.name}: {e}", file=sys.stderr)
        return 2
    print(json.dumps({k: str(v) for k, v in result.files.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
