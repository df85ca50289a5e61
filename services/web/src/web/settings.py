"""The web service's settings (GAS_*), on top of what every service reads."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from gas_shared.contract.plans import PREMIUM, Plan
from gas_shared.runtime.settings import MailSettings, RetentionSettings, ServiceSettings

KB, MB, GB = 1024, 1024**2, 1024**3
ACTIVE_JOBS_SEEN = 100  # a user's newest jobs that are looked at when counting those still waiting or running


class WebSettings(ServiceSettings, RetentionSettings, MailSettings):
    web_url: str = Field("http://127.0.0.1:8080", description="the web app's public URL (Globus sign-in returns here)")
    secret_key: SecretStr = Field(min_length=32, description="signs session cookies and upload tickets; required")
    web_workers: int = Field(2, ge=1, le=64, description="gunicorn worker processes")
    # `development` is the embedded stack and compose on a laptop: plain HTTP and, if asked, the dev sign-in.
    # `production` refuses the dev sign-in and needs Globus credentials.
    deployment: Literal["development", "production"] = "production"
    dev_login: bool = Field(False, description="offer the dev sign-in (name + e-mail); development only")
    globus_client_id: str = Field("", description="the Globus Auth confidential client's id")
    globus_client_secret: SecretStr = Field(SecretStr(""), description="and its secret")
    session_hours: float = Field(12, gt=0, le=24 * 30, description="how long a sign-in lasts")
    free_upload_limit: int = Field(150 * KB, ge=1, description="largest upload on the Free plan, bytes")
    premium_upload_limit: int = Field(5 * GB, ge=GB, description="largest upload on the Premium plan, bytes")
    link_seconds: int = Field(300, ge=10, le=3600, description="lifetime of presigned upload and download URLs")
    jobs_per_page: int = Field(20, ge=1, le=100)
    free_active_jobs: int = Field(3, ge=1, le=ACTIVE_JOBS_SEEN,
                                  description="jobs a Free user may have waiting or running")
    premium_active_jobs: int = Field(20, ge=1, le=ACTIVE_JOBS_SEEN, description="and a Premium user")
    free_job_lanes: int = Field(1, ge=1, le=10, description="jobs of one Free user the annotators run at once; "
                                                            "the others wait behind them, not before other users")
    # One each by default: fairness holds while the annotators have more slots than one user's lanes, and a
    # single annotator on two cores (make run, compose) has two.
    premium_job_lanes: int = Field(1, ge=1, le=10, description="and of one Premium user")
    signin_rate_per_minute: int = Field(20, ge=1, description="sign-in attempts (and dev tokens) per address")
    api_rate_per_minute: int = Field(600, ge=1, description="API requests per bearer token and per address")
    upload_rate_per_minute: int = Field(30, ge=1, description="upload grants per address")
    email_checks_per_hour: int = Field(3, ge=1, le=100, description="address-confirmation mails per user an hour")
    explorer_cache: Path = Field(Path(tempfile.gettempdir()) / "gas-explorer",
                                 description="local folder for the variant indexes of jobs being explored")
    explorer_cache_bytes: int = Field(512 * MB, ge=64 * MB, description="how much of that folder to keep")

    @model_validator(mode="after")
    def _production_is_safe(self) -> Self:
        if self.dev_login and self.deployment != "development":
            raise ValueError("GAS_DEV_LOGIN is only for GAS_DEPLOYMENT=development")
        if self.deployment == "production" and not (
                self.globus_client_id and self.globus_client_secret.get_secret_value()):
            raise ValueError("production needs GAS_GLOBUS_CLIENT_ID and GAS_GLOBUS_CLIENT_SECRET")
        return self

    @property
    def globus_enabled(self) -> bool:
        return bool(self.globus_client_id)

    def upload_limit(self, plan: Plan) -> int:
        return self.premium_upload_limit if plan == PREMIUM else self.free_upload_limit

    def active_jobs(self, plan: Plan) -> int:
        return self.premium_active_jobs if plan == PREMIUM else self.free_active_jobs

    def job_lanes(self, plan: Plan) -> int:
        return self.premium_job_lanes if plan == PREMIUM else self.free_job_lanes
