"""The bundle's annotation tracks in the chain: a bcftools annotate stage per track, between the minimal
records (after norm, so known variants match GAS's normalised ALTs) and csq.

bcftools annotate matches a VCF annotation file only against an indexed input, and the chain streams; so
`install-track` turns a VCF source into a tab-delimited table (CHROM POS REF ALT and the carried fields),
which annotate matches by allele as it streams, holding only the table's current window. A BED track is
matched by overlap. Each stage writes its fields as INFO tags (`<track>_<field>`, one value per minimal
record), which the merge writes back per ALT into the user's records.
"""

from __future__ import annotations

from pathlib import Path

from gas_shared.contract.bundle import REGIONS, Track


def stages(tracks: tuple[Track, ...], combined: str, reference: Path, work: Path,
           tool: list[str]) -> list[tuple[str, list[str]]]:
    """The annotate stages for a bundle's tracks: one for all its variants tracks when it has their joined
    table (fewer processes and passes over the stream), one per track otherwise, and one per regions track."""
    variants = [t for t in tracks if t.kind != REGIONS]
    if combined and len(variants) > 1:
        header = work / "tracks.hdr"
        header.write_text("".join(_declarations(t) for t in variants))
        columns = ["CHROM", "POS", "REF", "ALT", *(f"INFO/{tag}" for t in variants for tag in t.tags)]
        found = [("annotating with " + ", ".join(t.name for t in variants),
                  [*tool, "annotate", "-a", str(reference / combined), "-c", ",".join(columns), "-h", str(header),
                   "--no-version", "-Ou", "-o", "-", "-"])]
        return found + [stage(t, reference, work, tool) for t in tracks if t.kind == REGIONS]
    return [stage(t, reference, work, tool) for t in tracks]


def _declarations(track: Track, number: str = "1") -> str:
    """The track's INFO lines: Number=1 in the minimal records (one ALT each), A in the user's records."""
    return "".join(f'##INFO=<ID={tag},Number={number},Type=String,Description="{track.description(field)}">\n'
                   for tag, field in zip(track.tags, track.fields or ("name",), strict=True))


def stage(track: Track, reference: Path, work: Path, tool: list[str]) -> tuple[str, list[str]]:
    """The `bcftools annotate` stage that applies `track`, reading and writing BCF (the header is GAS's)."""
    header = work / f"track-{track.name}.hdr"
    header.write_text(_declarations(track))
    columns = ["CHROM", "FROM", "TO"] if track.kind == REGIONS else ["CHROM", "POS", "REF", "ALT"]
    columns += [f"INFO/{tag}" for tag in track.tags]
    return (f"annotating with {track.name}",
            [*tool, "annotate", "-a", str(reference / track.file), "-c", ",".join(columns), "-h", str(header),
             "--no-version", "-Ou", "-o", "-", "-"])


def output_lines(tracks: tuple[Track, ...]) -> list[str]:
    """The output header's lines for the tracks' tags: one value per ALT of the user's record ('.' where the
    ALT had none), and the track's provenance."""
    lines = []
    for track in tracks:
        lines += _declarations(track, "A").splitlines()
        lines.append(f'##GAS_track=<ID={track.name},Kind={track.kind},Version="{track.version}",'
                     f'Source="{track.source}",Sha256={track.sha256}>')
    return lines


def tags(tracks: tuple[Track, ...]) -> tuple[str, ...]:
    return tuple(tag for track in tracks for tag in track.tags)
