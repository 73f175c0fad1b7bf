"""``custmgr sync BOOK --trace DIR``: every HTTP exchange with QuickBooks Online as one JSON file, secrets removed.

Removed: the Authorization, Cookie and Set-Cookie headers; tokens, the client secret and the sign-in code wherever
they appear (query string, form body, JSON body); and, as a last guard, any secret the connector has held this
session, wherever it turns up. A trace is for a support person to read, so it must be safe to send.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
JSON_SECRETS = {"access_token", "refresh_token", "id_token", "client_secret", "token", "client_assertion", "password"}
SECRET_FIELDS = JSON_SECRETS | {"code", "state"}  # in a query string or form body: the sign-in code too


class Trace:
    """Writes numbered exchange files into ``folder`` (made if missing)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._secrets: set[str] = set()
        self._count = len(list(self.folder.glob("*.json")))
        self._lock = threading.Lock()

    def remember_secret(self, *values: str) -> None:
        """Values to blank out of every later file, wherever they turn up."""
        self._secrets.update(v for v in values if v and len(v) >= 8)

    def record(self, method: str, url: str, request_headers: Mapping[str, str], request_body: bytes | str | None,
               status: int, response_headers: Mapping[str, str], response_body: bytes | str | None,
               elapsed_ms: float) -> Path:
        exchange = {
            "request": {"method": method, "url": redact_url(url), "headers": redact_headers(request_headers),
                        "body": redact_body(request_body, request_headers.get("content-type", ""))},
            "response": {"status": status, "headers": redact_headers(response_headers),
                         "body": redact_body(response_body, response_headers.get("content-type", ""))},
            "elapsed_ms": round(elapsed_ms, 1),
        }
        text = json.dumps(exchange, ensure_ascii=False, indent=1)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        with self._lock:
            self._count += 1
            path = self.folder / f"{self._count:04d}-{method.upper()}-{_label(url)}.json"
        path.write_text(text, encoding="utf-8")
        return path


def _label(url: str) -> str:
    """A short file-name part: ``companyinfo-123``, ``query``, ``batch``, ``bearer``."""
    path = urlsplit(url).path.strip("/")
    match = re.match(r"v3/company/[^/]+/(.+)", path)
    tail = match.group(1) if match else path.rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_]+", "-", tail)[:40].strip("-") or "root"


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def redact_body(body: bytes | str | None, content_type: str = "") -> Any:
    """A body as JSON data or text, with secret fields blanked."""
    if body is None:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            return redact_json(json.loads(stripped))
        except ValueError:
            pass
    if "x-www-form-urlencoded" in content_type or (stripped and "=" in stripped and " " not in stripped
                                                    and not stripped.startswith("<")):
        pairs = parse_qsl(stripped, keep_blank_values=True)
        if pairs:
            return urlencode([(k, REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in pairs])
    return text


def redact_json(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: (REDACTED if str(k).lower() in JSON_SECRETS and v not in (None, "") else redact_json(v))
                for k, v in data.items()}
    if isinstance(data, list):
        return [redact_json(v) for v in data]
    return data
