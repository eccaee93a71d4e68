"""The one rule both services apply to a JSON request's Content-Type."""

from __future__ import annotations

from service_kit.errors import ApiError

_JSON_TYPES = (b"application/json", b"application/json; charset=utf-8")


def is_json_content_type(content_type: bytes | None) -> bool:
    """application/json (any parameters) or an application/*+json type."""
    if content_type is None:
        return False
    if content_type in _JSON_TYPES:
        return True
    main = content_type.split(b";", 1)[0].strip().lower()
    return main == b"application/json" or (main.startswith(b"application/") and main.endswith(b"+json"))


def require_json(content_type: bytes | None) -> None:
    if not is_json_content_type(content_type):
        shown = content_type.decode("latin-1") if content_type else "none"
        raise ApiError(415, "unsupported_media_type", f"expected application/json, got {shown}", "content-type")
