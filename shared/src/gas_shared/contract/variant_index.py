"""The variant index a job stores beside its results (`<stem>.explore.npz`): what the annotator writes and
the web app reads to answer queries over every variant without reading the VCF.

An uncompressed NumPy zip (`numpy.savez`), one member per array, in three tables joined by position:

- rows, one per (variant, transcript consequence); a variant bcftools csq left bare (intergenic, up- or
  downstream) has one row with its region class and the nearest gene:
  `row_variant` (int32, index into variants), `row_gene`, `row_transcript` (int32 codes into the meta
  lists, -1 for none), `row_biotype` (int16 likewise), `row_terms` (uint32 bit mask over
  contract.consequences.TERMS),
  `row_impact` (int8, index into IMPACT_ORDER), and texts `row_protein`, `row_dna`;
- variants, one per annotated ALT (bcftools csq's record, after normalisation): `variant_record` (int32,
  1-based number of the user's record), `variant_chrom` (int32 code), `variant_pos` (int32, as annotated),
  texts `variant_id`, `variant_ref`, `variant_alt`;
- optional variants columns, present when the bundle's tracks can fill them (see contract.bundle for what
  a field means): text `variant_known_id` (the known variant's ID, '' for a novel one), `variant_clinical`
  (int32 code into the meta list `clinical`, -1 for none), `variant_frequency` (float32, NaN for none),
  `variant_panels` (uint32 bit mask over the meta list `panels`, the region tracks); and rows' texts
  `row_hgvs_c`, `row_hgvs_p` (the row's transcript's HGVS notation) in jobs that asked for HGVS;
- records, one per user record: `record_qual` (float32, NaN for '.'), `record_filter` (int32 code), text
  `record_samples` (FORMAT and the sample columns, cut at SAMPLE_BYTES).

A text column is two members: `<name>_text` (uint8: every value followed by a newline) and `<name>_end`
(where each value's newline is: uint32, or int64 past 4 GiB of text). `meta` (a JSON string as a 0-d
array) holds the version, the counts and the code lists: contigs, genes, transcripts, biotypes, filters,
samples, clinical, panels (and `known_tags`, `frequency_tag`: which track tags filled the optional columns).
An index without the optional columns (no tracks, or written before them) is the same version.
"""

from __future__ import annotations

VERSION = 1
SUFFIX = ".explore.npz"
SAMPLE_BYTES = 400  # of each record's FORMAT and sample columns: enough for a few samples' genotypes
TEXTS = ("row_protein", "row_dna", "variant_id", "variant_ref", "variant_alt", "record_samples")
OPTIONAL_TEXTS = ("variant_known_id", "row_hgvs_c", "row_hgvs_p")
OPTIONAL_ARRAYS = ("variant_clinical", "variant_frequency", "variant_panels")
ARRAYS = ("row_variant", "row_gene", "row_transcript", "row_biotype", "row_terms", "row_impact",
          "variant_record", "variant_chrom", "variant_pos", "record_qual", "record_filter")
