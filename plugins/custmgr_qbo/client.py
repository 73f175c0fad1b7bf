"""The HTTP side of one company: a thin client over httpx for the Accounting API v3.

Every request carries the pinned ``minorversion`` and a bearer token; a refused token is refreshed once and the
request sent again. Throttles (HTTP 429, or fault 3001 with HTTP 403/429, in JSON or XML) are waited out with
growing pauses up to a patience limit; server errors and dropped connections are tried again a few times. Writes
carry a ``requestid``, kept across those retries, so QuickBooks does not apply the same write twice.
"""

from __future__ import annotations

import functools
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import certifi
import httpx

from custmgr import __version__
from custmgr.errors import AuthRequired, ConnectorError, Retryable, Unavailable

from .auth import LOGIN_HINT, Authorizer
from .endpoints import MINOR_VERSION, Endpoints
from .faults import THROTTLED, find_fault, parse_body, to_error
from .trace import Trace

PATIENCE = 120.0  # seconds of throttling waited out before giving up
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 60.0
RETRIES = 2  # for server errors and dropped connections
UNREADABLE = ("Sync again later; if it persists, run the sync with --trace DIR and send that folder to support "
              "(it holds no password or token).")


class QboClient:
    """Requests to one company (realm) of QuickBooks Online."""

    def __init__(self, endpoints: Endpoints, realm: str, auth: Authorizer, *, trace: Trace | None = None,
                 sleep: Callable[[float], None] = time.sleep, patience: float = PATIENCE,
                 first_pause: float = FIRST_PAUSE, transport: httpx.BaseTransport | None = None) -> None:
        self.endpoints, self.realm, self.auth, self.trace = endpoints, realm, auth, trace
        self.sleep, self.patience, self.first_pause = sleep, patience, first_pause
        self.requests = 0
        self.waited = 0.0  # seconds spent waiting out throttles, for the summary and tests
        self.http = httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0), transport=transport, verify=_tls(),
                                 headers={"Accept": "application/json", "User-Agent": f"custmgr/{__version__}"})

    def close(self) -> None:
        self.http.close()

    def url(self, *parts: str) -> str:
        return "/".join([self.endpoints.api_base, "v3", "company", self.realm, *parts])

    def get(self, *parts: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self.send("GET", self.url(*parts), params=params)

    def post(self, *parts: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.send("POST", self.url(*parts), json_body=body, write=True)

    def query(self, statement: str) -> dict[str, Any]:
        """A query's ``QueryResponse`` (sent in the body, so long ``IN (...)`` lists fit)."""
        answer = self.send("POST", self.url("query"), text=statement)
        found = answer.get("QueryResponse")
        if not isinstance(found, dict):
            raise Unavailable("QuickBooks Online answered a query with something the connector cannot read. "
                              + UNREADABLE)
        return {**found, "time": answer.get("time", "")}

    def send(self, method: str, url: str, *, params: Mapping[str, str] | None = None,
             json_body: Mapping[str, Any] | None = None, text: str | None = None,
             write: bool = False) -> dict[str, Any]:
        """One request, with sign-in refresh, throttle waits and retries; the answer's body, or a raised error."""
        query = {**(params or {}), "minorversion": MINOR_VERSION}
        if write:
            query["requestid"] = uuid.uuid4().hex  # the same for every retry of this write
        headers = {"Content-Type": "application/text"} if text is not None else {}
        refreshed = False
        failures = 0
        pause = self.first_pause
        waited = 0.0
        while True:
            headers["Authorization"] = f"Bearer {self.auth.access_token()}"
            try:
                response = self.http.request(method, url, params=query, json=json_body,
                                             content=text.encode("utf-8") if text is not None else None,
                                             headers=headers)
            except httpx.TransportError as err:
                failures += 1
                if failures > RETRIES:
                    raise Unavailable(f"Could not reach QuickBooks Online ({type(err).__name__}). Check the "
                                      "internet connection and sync again; nothing is lost.") from None
                self.sleep(pause)
                continue
            self._record(response)
            status = response.status_code
            body = parse_body(response.content)
            fault = find_fault(body)
            if status == 401 or (fault is not None and fault.code == "3200"):
                if refreshed:
                    raise AuthRequired("QuickBooks Online refused a freshly refreshed sign-in. " + LOGIN_HINT,
                                       detail=fault.describe() if fault else f"HTTP {status}")
                self.auth.expire()
                self.auth.refresh()
                refreshed = True
                continue
            if status == 429 or (fault is not None and fault.code == THROTTLED):
                wait = _retry_after(response) or pause
                if waited + wait > self.patience:
                    raise Retryable(f"QuickBooks Online is limiting requests and did not clear within "
                                    f"{int(self.patience)} seconds; wait a few minutes and sync again. Nothing "
                                    "is lost.", detail=fault.describe() if fault else f"HTTP {status}")
                self.sleep(wait)
                waited += wait
                self.waited += wait
                pause = min(pause * 2, LONGEST_PAUSE)
                continue
            if status >= 500:
                failures += 1
                if failures > RETRIES:
                    raise Unavailable(f"QuickBooks Online is having trouble (HTTP {status}); sync again later. "
                                      "Nothing is lost.", detail=fault.describe() if fault else "")
                self.sleep(pause)
                continue
            if fault is not None:
                raise to_error(fault, status=status)
            if status >= 400 or not body:
                raise ConnectorError(f"QuickBooks Online answered HTTP {status} with nothing the connector can "
                                     "read. " + UNREADABLE)
            return body

    def _record(self, response: httpx.Response) -> None:
        self.requests += 1
        if self.trace is None:
            return
        req = response.request
        self.trace.record(req.method, str(req.url), dict(req.headers), req.content, response.status_code,
                          dict(response.headers), response.content, response.elapsed.total_seconds() * 1000)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One certificate store for every connection (building one takes longer than a request)."""
    return ssl.create_default_context(cafile=certifi.where())  # as httpx does: the same roots on every OS


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return 0.0
