"""The annotation engine: validate a VCF, annotate it with bcftools csq (in-process), summarise. No AWS."""
