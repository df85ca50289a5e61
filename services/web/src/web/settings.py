"""The web service's settings (GAS_*), on top of what every service reads."""

from pydantic import Field, SecretStr

from gas_shared.runtime.settings import ServiceSettings


class WebSettings(ServiceSettings):
    secret_key: SecretStr = Field(min_length=32, description="signs session cookies; required")
    web_workers: int = Field(2, ge=1, le=64, description="gunicorn worker processes")
