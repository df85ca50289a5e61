"""Typed settings from the environment (GAS_*); a missing or bad value stops the service at start."""

from __future__ import annotations

import os
from typing import Literal, TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX_PATTERN = r"^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$"


class ServiceSettings(BaseSettings):
    """What every service reads. AWS region and endpoints come from the SDK's own variables."""

    model_config = SettingsConfigDict(env_prefix="GAS_", frozen=True, extra="ignore")

    prefix: str = Field("gas", pattern=PREFIX_PATTERN, description="names every bucket, table, topic, queue")
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    http_host: str = Field("127.0.0.1", description="address the HTTP server (pages, /healthz, /readyz) binds")
    http_port: int = Field(8080, ge=1, le=65535, description="port of that HTTP server")
    s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        "auto", description="path for an emulator reached by a plain host name (http://localstack:4566)")


class RetentionSettings(BaseSettings):
    """For the services that keep Free users' results for a while (web and the annotator's mail say it,
    the archiver enforces it)."""

    model_config = SettingsConfigDict(env_prefix="GAS_", frozen=True, extra="ignore")

    free_retention_seconds: int = Field(300, ge=0, description="how long Free users' results stay")


class MailSettings(BaseSettings):
    """For the services that send e-mail (annotator, thawer, and web for address confirmations)."""

    model_config = SettingsConfigDict(env_prefix="GAS_", frozen=True, extra="ignore")

    web_url: str = Field("http://127.0.0.1:8080", description="the web app's public URL, for links in e-mail")
    mail_from: str = Field("GAS <noreply@gas.example>", description="sender of GAS e-mail (an SES identity)")


class WorkerSettings(ServiceSettings):
    """Settings of the queue consumers (annotator, archiver, restorer, thawer)."""

    concurrency: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    visibility_timeout: int = Field(60, ge=10, le=43200, description="seconds a received message is hidden")
    wait_time_seconds: int = Field(10, ge=1, le=20, description="SQS long-poll wait")
    drain_seconds: float = Field(25, ge=0, description="after SIGTERM, how long in-flight work may finish")
    recheck_seconds: float = Field(
        60, ge=1, le=900, description="first wait before looking again at work not yet due (doubles, to 900 s)")


S = TypeVar("S", bound=BaseSettings)


class SettingsError(SystemExit):
    """Raised at start when the environment is incomplete; exits with a readable message."""


def load(cls: type[S]) -> S:
    try:
        return cls()
    except ValidationError as e:
        lines = [f"  GAS_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in e.errors()]
        raise SettingsError("invalid settings:\n" + "\n".join(lines)) from None
