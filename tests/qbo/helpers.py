"""Helpers for the QuickBooks Online tests: an in-memory keyring, signing in to a stand-in, opening connectors."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keyring.backend
from keyring.errors import PasswordDeleteError

from custmgr_qbo.connector import QboConnector
from custmgr_qbo.standin import StandIn
from custmgr_qbo.tokens import SERVICE, AppKeys, Tokens, TokenStore


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives as long as the test: nothing reaches the OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)

    def secrets(self) -> list[str]:
        """Every token and client secret held, for checking they leak nowhere."""
        import json

        found = []
        for (service, _), text in self.entries.items():
            if service == SERVICE:
                data = json.loads(text)
                found += [str(v) for k, v in data.items() if k in ("client_secret", "refresh_token", "access_token")
                          and v]
        return found


def sign_in(standin: StandIn) -> Tokens:
    """Keep the stand-in app's keys and a fresh token pair in the (test) keyring, as `custmgr qbo login` does."""
    store = TokenStore("127.0.0.1")
    store.save_app(AppKeys(standin.auth.client_id, standin.auth.client_secret))
    issued = standin.auth.issue_tokens()
    now = time.time()
    tokens = Tokens(issued["refresh_token"], now + issued["x_refresh_token_expires_in"], issued["access_token"],
                    now + issued["expires_in"])
    store.save_tokens(standin.realm, tokens)
    return tokens


class Sleeps(list):
    """A stand-in for time.sleep that only remembers how long it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def options(standin: StandIn, **extra: Any) -> dict[str, Any]:
    return {**standin.options(), "sleep": Sleeps(), **extra}


def open_connector(standin: StandIn, **extra: Any) -> QboConnector:
    return QboConnector(standin.realm, options(standin, **extra))


def requests_to(standin: StandIn, resource: str) -> int:
    """How many API requests went to ``resource`` (query, batch, cdc, companyinfo, customer...)."""
    return sum(1 for r in standin.api_requests() if r.path.split("/")[4:5] == [resource])


Act = Callable[[], None]
