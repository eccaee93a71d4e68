"""Settings from the environment (prefix-free names); see the service README for each one."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore", protected_namespaces=())

    model_uri: str = Field(
        "/opt/ml/model",
        description="model.tar.gz path, directory with model.onnx+metadata.json, or s3://bucket/key",
    )
    model_sha256: str | None = Field(None, description="expected sha256 of model.onnx")
    model_ssm_parameter: str | None = Field(
        None, description='SSM parameter holding {"version", "uri", "sha256"}; polled for reloads'
    )
    model_poll_seconds: float = Field(30.0, gt=0)
    model_name: str = Field("model", description="model name in the Open Inference V2 API")
    admin_token: SecretStr | None = Field(None, description="enables POST /admin/reload")
    host: str = "0.0.0.0"  # noqa: S104 - a container listens on all its interfaces
    port: int = 8080
    path_prefix: str = Field("", description="also serve every route under this prefix, e.g. /ml behind the ALB")
    log_level: str = "INFO"
    access_log: bool = True
    max_body_bytes: int = Field(2_000_000, gt=0)
    max_batch_size: int = Field(1000, gt=0)
    drift_window: int = Field(1000, gt=0, description="rows kept for drift statistics")
    drift_min_samples: int = Field(100, gt=0)
    drift_psi_threshold: float = Field(0.2, gt=0)
