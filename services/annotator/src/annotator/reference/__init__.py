"""Reference bundles: genome FASTA (+ .fai), gene models in Ensembl-style GFF3, and a manifest."""
