"""The annotator's settings (GAS_*), on top of every worker's."""

from pathlib import Path

from pydantic import Field

from gas_shared.runtime.settings import MailSettings, RetentionSettings, WorkerSettings


class AnnotatorSettings(WorkerSettings, MailSettings, RetentionSettings):
    reference_cache: Path = Field(Path("/tmp/gas-references"), description="where bundles are cached")  # noqa: S108
    lease_seconds: float = Field(60, ge=5, description="a RUNNING job's lease; renewed while its worker lives")
    plain_vcf: bool = Field(True, description="also store the uncompressed .annot.vcf")
    variant_index: bool = Field(True, description="write the results explorer's variant index (.explore.npz)")
    progress_interval: float = Field(1.0, ge=0.1, description="seconds between progress writes")
    # An upload is capped by its plan (150 KB, 5 GB); gzip can still hold far more. These cap the text.
    free_text_limit: int = Field(256 * 1024**2, ge=1, description="most VCF text a Free job may hold, bytes")
    premium_text_limit: int = Field(500 * 1024**3, ge=1, description="most VCF text a Premium job may hold, bytes")
