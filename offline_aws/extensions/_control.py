"""What the extensions' control endpoints share (/moto-api/<extension>): the server side reads a
request body that moto must still be able to read and answers JSON; the client side posts a
configuration or reads a report. Not an extension itself (a leading underscore: not applied)."""

import io
import json
import urllib.request


def read_body(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
    return body


def json_response(start_response, status, payload):
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def post(endpoint, path, config):
    """Client side: POST ``config`` to the control endpoint ``path``; its JSON answer."""
    request = urllib.request.Request(  # noqa: S310 (our loopback server)
        endpoint + path, data=json.dumps(config).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our loopback server)
        return json.loads(response.read())


def get(endpoint, path):
    """Client side: the control endpoint's report."""
    with urllib.request.urlopen(endpoint + path, timeout=30) as response:  # noqa: S310 (our loopback server)
        return json.loads(response.read())
