"""API-key authentication: ``X-API-Key`` against a key from the environment or Secrets Manager."""

from __future__ import annotations

import hmac
import json
from typing import Any

from service_kit.errors import ApiError

from backend_api.settings import Settings


class ConfigurationError(Exception):
    """The service cannot start with these settings."""


def resolve_api_key(settings: Settings, client: Any = None) -> bytes:
    """The key from API_KEY, else from the API_KEY_SECRET_ID secret; fails closed without one."""
    if settings.api_key is not None and settings.api_key.get_secret_value():
        return settings.api_key.get_secret_value().encode()
    if not settings.api_key_secret_id:
        raise ConfigurationError("set API_KEY or API_KEY_SECRET_ID: the API does not run without a key")
    if client is None:
        import boto3

        client = boto3.client("secretsmanager")
    try:
        secret = client.get_secret_value(SecretId=settings.api_key_secret_id)["SecretString"]
    except Exception as exc:  # botocore ClientError/BotoCoreError, a binary secret, ...
        raise ConfigurationError(f"cannot read secret {settings.api_key_secret_id}: {exc}") from exc
    key = secret
    try:
        parsed = json.loads(secret)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        key = parsed.get("api_key")
    if not isinstance(key, str) or not key:
        raise ConfigurationError(
            f'secret {settings.api_key_secret_id} holds no key (plain string or {{"api_key": ...}})'
        )
    return key.encode()


def check_api_key(expected: bytes, given: bytes | None) -> None:
    if given is None or not hmac.compare_digest(given, expected):
        raise ApiError(
            401,
            "unauthorized",
            "a valid X-API-Key header is required" if given else "the X-API-Key header is missing",
            "x-api-key",
        )
