"""Settings from the environment (prefix-free names); see the service README for each one."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    ml_service_url: str = Field("http://127.0.0.1:8080", description="base URL of ml-model-service")
    sagemaker_endpoint_name: str | None = Field(
        None, description="when set, predictions go to this SageMaker endpoint instead"
    )
    api_key: SecretStr | None = Field(None, description="the key clients send as X-API-Key")
    api_key_secret_id: str | None = Field(
        None, description='Secrets Manager secret holding the key (plain, or {"api_key": ...})'
    )
    ml_timeout_seconds: float = Field(2.0, gt=0, description="per attempt")
    ml_retries: int = Field(2, ge=0, description="extra attempts on connection failures and 502/503")
    ml_max_connections: int = Field(64, gt=0)
    ml_max_response_bytes: int = Field(
        8_000_000, gt=0, description="a longer answer from the ML service is refused (502)"
    )
    host: str = "0.0.0.0"  # noqa: S104 - a container listens on all its interfaces
    port: int = 8000
    log_level: str = "INFO"
    access_log: bool = True
    max_body_bytes: int = Field(2_000_000, gt=0)
