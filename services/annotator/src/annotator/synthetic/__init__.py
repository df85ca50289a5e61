"""The deterministic synthetic demo reference: a genome, Ensembl-style gene models, sample VCFs, a bundle."""
