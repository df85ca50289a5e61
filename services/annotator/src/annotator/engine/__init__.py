"""The annotation engine: validate a VCF, annotate it with bcftools csq (from the pysam wheel), count. No AWS."""
