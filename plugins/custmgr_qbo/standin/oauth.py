"""The stand-in's sign-in service: OAuth 2 authorization codes, access tokens for an hour, rotating refresh tokens.

The authorization page approves at once and sends the browser back to the app's redirect URI with the code, the
state it was given and the realm ID. A refresh token works once: refreshing gives a new one and the old one is
refused from then on, which is how an app that forgets to store the new token finds out. Tests can expire every
access token or revoke every refresh token.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

ACCOUNTING = "com.intuit.quickbooks.accounting"
ACCESS_SECONDS = 3600
REFRESH_SECONDS = 100 * 24 * 3600


@dataclass
class OAuthError(Exception):
    status: int
    error: str
    description: str = ""

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description} if self.description else \
            {"error": self.error}


class StandInAuth:
    """One app (client id and secret) allowed into one company (realm)."""

    def __init__(self, realm: str, client_id: str = "", client_secret: str = "",
                 clock: Callable[[], float] = time.time) -> None:
        self.realm = realm
        self.client_id = client_id or "standin-" + secrets.token_hex(8)
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.clock = clock
        self.lock = threading.Lock()
        self._codes: dict[str, tuple[str, float]] = {}  # code -> (redirect_uri, expires)
        self._access: dict[str, float] = {}
        self._refresh: dict[str, float] = {}
        self.issued: list[str] = []  # every token ever handed out, so tests can look for leaks

    def authorize(self, params: Mapping[str, str]) -> str:
        """The URL the browser is sent back to (with a code), after checking the request as Intuit does."""
        if params.get("client_id") != self.client_id:
            raise OAuthError(400, "invalid_client", "unknown client_id")
        if params.get("response_type") != "code":
            raise OAuthError(400, "unsupported_response_type")
        if ACCOUNTING not in params.get("scope", "").split():
            raise OAuthError(400, "invalid_scope", f"the scope must include {ACCOUNTING}")
        redirect = params.get("redirect_uri", "")
        if not redirect.startswith(("http://localhost", "http://127.0.0.1", "https://")):
            raise OAuthError(400, "invalid_request", "redirect_uri not registered")
        code = secrets.token_urlsafe(24)
        with self.lock:
            self._codes[code] = (redirect, self.clock() + 600)
        answer = {"code": code, "state": params.get("state", ""), "realmId": self.realm}
        return f"{redirect}{'&' if '?' in redirect else '?'}{urlencode(answer)}"

    def token(self, authorization: str, form: Mapping[str, str]) -> dict[str, Any]:
        """The token endpoint: an authorization code or a refresh token for a new pair of tokens."""
        if not self._client_ok(authorization):
            raise OAuthError(401, "invalid_client")
        grant = form.get("grant_type", "")
        now = self.clock()
        with self.lock:
            if grant == "authorization_code":
                redirect, expires = self._codes.pop(form.get("code", ""), ("", 0.0))
                if not redirect or now > expires or redirect != form.get("redirect_uri"):
                    raise OAuthError(400, "invalid_grant")
            elif grant == "refresh_token":
                expires = self._refresh.pop(form.get("refresh_token", ""), 0.0)
                if now > expires:
                    raise OAuthError(400, "invalid_grant", "Incorrect or invalid refresh token")
            else:
                raise OAuthError(400, "unsupported_grant_type")
            return self._issue(now)

    def issue_tokens(self) -> dict[str, Any]:
        """A signed-in token pair straight away, for tests that do not go through the browser."""
        with self.lock:
            return self._issue(self.clock())

    def _issue(self, now: float) -> dict[str, Any]:
        access = "eyJ" + secrets.token_urlsafe(300)
        refresh = "AB11" + secrets.token_hex(24)
        self._access[access] = now + ACCESS_SECONDS
        self._refresh[refresh] = now + REFRESH_SECONDS
        self.issued += [access, refresh]
        return {"token_type": "bearer", "access_token": access, "expires_in": ACCESS_SECONDS,
                "refresh_token": refresh, "x_refresh_token_expires_in": REFRESH_SECONDS}

    def _client_ok(self, authorization: str) -> bool:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            client_id, _, secret = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return secrets.compare_digest(client_id, self.client_id) and secrets.compare_digest(secret,
                                                                                           self.client_secret)

    def revoke(self, token: str) -> None:
        with self.lock:
            self._access.pop(token, None)
            self._refresh.pop(token, None)

    def bearer_ok(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        with self.lock:
            return scheme.lower() == "bearer" and self.clock() < self._access.get(token, 0.0)

    def expire_access_tokens(self) -> None:
        """Every access token stops working, as after an hour."""
        with self.lock:
            self._access.clear()

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token stops working, as when the app is disconnected in QuickBooks."""
        with self.lock:
            self._refresh.clear()
