"""Access tokens for one company: from the keyring while they last, otherwise refreshed through intuit-oauth.

A refresh token rotates: the new one is stored before anything else happens, so a crash right after a refresh
cannot leave only a used-up token behind. A refresh token QuickBooks no longer accepts (revoked, expired after
100 days unused, the app disconnected) is forgotten and the message says to sign in again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from intuitlib.client import AuthClient
from intuitlib.exceptions import AuthClientError

from custmgr.errors import AuthRequired, Unavailable

from .endpoints import Endpoints, check_discovered
from .tokens import AppKeys, Tokens, TokenStore, tokens_from
from .trace import Trace

LOGIN_HINT = "Run `custmgr qbo login` to sign in to QuickBooks Online, then sync again. Nothing was changed."


class TracedAuthClient(AuthClient):
    """intuit-oauth's client, counting its requests and writing them to the trace (secrets removed)."""

    def __init__(self, *args: Any, trace: Trace | None = None, on_request: Callable[[], None] | None = None,
                 **kwargs: Any) -> None:
        self._trace, self._on_request = trace, on_request
        super().__init__(*args, **kwargs)  # fetches the discovery document, through request() below

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        response = super().request(method, url, *args, **kwargs)
        if self._on_request:
            self._on_request()
        if self._trace is not None:
            req = response.request
            self._trace.record(str(req.method), str(req.url), dict(req.headers), req.body, response.status_code,
                               dict(response.headers), response.content, (time.perf_counter() - started) * 1000)
        return response


def auth_client(endpoints: Endpoints, keys: AppKeys, *, trace: Trace | None = None,
                on_request: Callable[[], None] | None = None, **tokens: str) -> TracedAuthClient:
    """An intuit-oauth client for ``endpoints``, with the token/authorization endpoints overridden where set."""
    try:
        client = TracedAuthClient(keys.client_id, keys.client_secret, keys.redirect_uri or "http://localhost",
                                  endpoints.discovery_url, trace=trace, on_request=on_request, **tokens)
    except AuthClientError as err:
        raise Unavailable(f"Could not read QuickBooks Online's sign-in settings from {endpoints.discovery_url} "
                          f"(HTTP {err.status_code}). Try again later.") from None
    except requests.RequestException as err:
        raise Unavailable(f"Could not reach QuickBooks Online's sign-in service ({type(err).__name__}). Check the "
                          "internet connection and try again.") from None
    if endpoints.token_url:
        client.token_endpoint = endpoints.token_url
    if endpoints.auth_url:
        client.auth_endpoint = endpoints.auth_url
    check_discovered(endpoints, {"token endpoint": client.token_endpoint, "sign-in page": client.auth_endpoint,
                                 "revocation endpoint": client.revoke_endpoint,
                                 "user info endpoint": client.user_info_url})
    return client


class Authorizer:
    """Bearer tokens for one realm."""

    def __init__(self, endpoints: Endpoints, realm: str, store: TokenStore, *, trace: Trace | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.endpoints, self.realm, self.store, self.trace, self.clock = endpoints, realm, store, trace, clock
        self.requests = 0  # token and discovery requests made
        self._tokens: Tokens | None = None
        self._dead: AuthRequired | None = None

    def _count(self) -> None:
        self.requests += 1

    def access_token(self) -> str:
        """A current access token, refreshed first when missing or about to expire."""
        if self._dead is not None:
            raise self._dead
        if self._tokens is None:
            self._tokens = self._stored()
            if self.trace:
                self.trace.remember_secret(self._tokens.refresh_token, self._tokens.access_token)
        if not self._tokens.access_valid(self.clock()):
            self.refresh()
        assert self._tokens is not None
        return self._tokens.access_token

    def _stored(self) -> Tokens:
        if self._dead is not None:
            raise self._dead
        tokens = self.store.tokens(self.realm)
        if tokens is None:
            raise AuthRequired(f"Not signed in to QuickBooks Online company {self.realm} on this computer. "
                               + LOGIN_HINT)
        return tokens

    def refresh(self) -> None:
        """New tokens from the refresh token; stored at once (the old refresh token stops working)."""
        if self._dead is not None:
            raise self._dead
        current = self._tokens or self._stored()
        keys = self.store.app()
        if keys is None:
            raise AuthRequired("The app's client id and secret are not on this computer. " + LOGIN_HINT)
        if self.trace:
            self.trace.remember_secret(keys.client_secret)
        try:
            fresh = self._exchange(keys, current)
        except AuthClientError as err:
            stored = self.store.tokens(self.realm)
            if err.status_code in (400, 401, 403) and stored and stored.refresh_token != current.refresh_token:
                self._tokens = stored  # another sync on this computer refreshed first: use what it stored
                if self.trace:
                    self.trace.remember_secret(stored.refresh_token, stored.access_token)
                if not stored.access_valid(self.clock()):
                    self.refresh()
                return
            raise self._refused(err) from None
        self.store.save_tokens(self.realm, fresh)
        self._tokens = fresh

    def _exchange(self, keys: AppKeys, current: Tokens) -> Tokens:
        client = auth_client(self.endpoints, keys, trace=self.trace, on_request=self._count,
                             refresh_token=current.refresh_token, realm_id=self.realm)
        try:
            client.refresh()
        except requests.RequestException as err:
            raise Unavailable(f"Could not reach QuickBooks Online's sign-in service ({type(err).__name__}). "
                              "Check the internet connection and try again.") from None
        fresh = tokens_from(client, self.clock())
        if not fresh.refresh_token:
            fresh = Tokens(current.refresh_token, current.refresh_expires_at, fresh.access_token, fresh.expires_at)
        if self.trace:
            self.trace.remember_secret(fresh.refresh_token, fresh.access_token)
        return fresh

    def _refused(self, err: AuthClientError) -> AuthRequired | Unavailable:
        if err.status_code not in (400, 401, 403):
            return Unavailable(f"QuickBooks Online's sign-in service answered HTTP {err.status_code}; try again in "
                               "a few minutes. Nothing was changed.")
        self.store.forget(self.realm)
        self._dead = AuthRequired(f"The QuickBooks Online sign-in for company {self.realm} has expired or was "
                                  "revoked. " + LOGIN_HINT, detail=f"token endpoint answered HTTP {err.status_code}")
        return self._dead

    def expire(self) -> None:
        """Forget the access token in hand (QuickBooks refused it): the next request refreshes."""
        if self._tokens is not None:
            self._tokens = Tokens(self._tokens.refresh_token, self._tokens.refresh_expires_at)
