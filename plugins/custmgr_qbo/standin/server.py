"""The stand-in as an HTTP server on 127.0.0.1: the Accounting API v3 paths a contact sync uses, OpenID discovery,
and the OAuth 2 authorization and token endpoints.

API: ``companyinfo``, ``query`` (GET or POST), ``customer``/``vendor`` (read, create, sparse or full update),
``batch`` (at most 30 items, each answered alone), ``cdc``. Every API request needs a current bearer token (401
with QuickBooks' lower-case fault otherwise) for this realm (403, 3100). A write's ``requestid`` is remembered:
the same id again gets the first answer, not a second write. Tests can throttle the next requests (429 or 403 with
fault 3001, in XML as QuickBooks' gateway sends it), fail them with a server error, and read every request made.
"""

from __future__ import annotations

import datetime as _dt
import json
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import faults
from . import query as qbo_query
from .company import StandInCompany
from .faults import StandInFault
from .oauth import OAuthError, StandInAuth

ENTITIES = {"customer": "Customer", "vendor": "Vendor"}
BATCH_LIMIT = 30
DISCOVERY_PATH = "/.well-known/openid_configuration"


@dataclass(frozen=True)
class Seen:
    """One request the stand-in answered."""

    method: str
    path: str
    params: dict[str, str]
    status: int
    body: bytes = b""


Answer = tuple[int, dict[str, str], bytes]


class StandIn:
    """A QuickBooks Online company behind a local server. ``with StandIn(...) as qbo: ...`` starts and stops it."""

    def __init__(self, company: StandInCompany | None = None, *, port: int = 0, realm: str = "",
                 client_id: str = "", client_secret: str = "") -> None:
        self.realm = realm or (company.realm if company else "") or str(9130000000000000 + secrets.randbelow(10**15))
        self.company = company or StandInCompany("Stand-in Company", self.realm)
        self.company.realm = self.realm
        self.auth = StandInAuth(self.realm, client_id, client_secret)
        self.requests: list[Seen] = []
        self.minor_versions: list[str] = []
        self._throttles: list[tuple[int, bool]] = []
        self._failures: list[int] = []
        self._written: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- running ---------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def discovery_url(self) -> str:
        return self.url + DISCOVERY_PATH

    def options(self) -> dict[str, str]:
        """Connector options that point the qbo connector here."""
        return {"base_url": self.url, "discovery_url": self.discovery_url}

    def start(self) -> StandIn:
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="qbo-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- on demand, for tests --------------------------------------------------------------------------------

    def throttle(self, count: int, *, status: int = 429, xml: bool = True) -> None:
        """Answer the next ``count`` API requests with a throttle fault (3001)."""
        with self._lock:
            self._throttles += [(status, xml)] * count

    def fail(self, count: int, *, status: int = 500) -> None:
        """Answer the next ``count`` API requests with a server error."""
        with self._lock:
            self._failures += [status] * count

    def api_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path.startswith("/v3/")]

    # --- answering -------------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Answer:
        """One request (``headers`` with lower-case names) -> (status, extra headers, body)."""
        parts = urlsplit(target)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        path = parts.path
        try:
            status, extra, payload = self._route(method, path, params, headers, body)
        except OAuthError as err:
            status, extra, payload = err.status, {}, _json(err.body())
        with self._lock:
            self.requests.append(Seen(method, path, params, status, body))
        return status, extra, payload

    def _route(self, method: str, path: str, params: dict[str, str], headers: Mapping[str, str],
               body: bytes) -> Answer:
        if path == DISCOVERY_PATH:
            return 200, {}, _json(self._discovery())
        if path == "/oauth2/authorize":
            return 302, {"Location": self.auth.authorize(params)}, b""
        if path == "/oauth2/tokens/bearer" and method == "POST":
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            return 200, {}, _json(self.auth.token(headers.get("authorization", ""), form))
        if path == "/oauth2/tokens/revoke" and method == "POST":
            self.auth.revoke(str(json.loads(body or b"{}").get("token", "")))
            return 200, {}, b""
        if path.startswith("/v3/company/"):
            return self._api(method, path, params, headers, body)
        return 404, {}, _json({"error": "not_found"})

    def _discovery(self) -> dict[str, str]:
        return {"issuer": self.url, "authorization_endpoint": self.url + "/oauth2/authorize",
                "token_endpoint": self.url + "/oauth2/tokens/bearer",
                "revocation_endpoint": self.url + "/oauth2/tokens/revoke",
                "userinfo_endpoint": self.url + "/v1/openid_connect/userinfo", "jwks_uri": self.url + "/jwks"}

    def _api(self, method: str, path: str, params: dict[str, str], headers: Mapping[str, str],
             body: bytes) -> Answer:
        self.minor_versions.append(params.get("minorversion", ""))
        with self._lock:
            throttle = self._throttles.pop(0) if self._throttles else None
            failure = self._failures.pop(0) if self._failures else None
        if throttle is not None:
            status, as_xml = throttle
            fault = faults.throttled(status)
            if as_xml:
                return status, {"Content-Type": "application/xml"}, fault.xml(self._time()).encode("utf-8")
            return status, {}, _json({**fault.body(), "time": self._time()})
        if failure is not None:
            return failure, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"
        if not self.auth.bearer_ok(headers.get("authorization", "")):
            return 401, {}, _json(faults.auth_failed())
        pieces = path.split("/")[3:]  # realm, resource, ...
        if not pieces or pieces[0] != self.realm:
            return self._fault(faults.not_authorized())
        request_id = params.get("requestid", "") if method == "POST" else ""
        if request_id and request_id in self._written:
            status, payload = self._written[request_id]
            return status, {}, payload
        try:
            status, payload = 200, _json({**self._resource(method, pieces[1:], params, body), "time": self._time()})
        except StandInFault as fault:
            status, payload = fault.status, _json({**fault.body(), "time": self._time()})
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            status, payload = 400, _json({**faults.invalid_property(str(err)[:80]).body(), "time": self._time()})
        if request_id:
            self._written[request_id] = (status, payload)
        return status, {}, payload

    def _fault(self, fault: StandInFault) -> Answer:
        return fault.status, {}, _json({**fault.body(), "time": self._time()})

    def _resource(self, method: str, pieces: list[str], params: dict[str, str], body: bytes) -> dict[str, Any]:
        resource = pieces[0].lower() if pieces else ""
        if resource == "companyinfo":
            return {"CompanyInfo": self.company.info()}
        if resource == "query":
            statement = body.decode("utf-8") if method == "POST" else params.get("query", "")
            return {"QueryResponse": self.query(statement)}
        if resource == "batch" and method == "POST":
            return {"BatchItemResponse": self._batch(json.loads(body).get("BatchItemRequest") or [])}
        if resource == "cdc":
            return {"CDCResponse": [{"QueryResponse": self._cdc(params)}]}
        kind = ENTITIES.get(resource)
        if kind is None:
            raise faults.invalid_property(resource or "resource")
        if method == "GET" and len(pieces) > 1:
            return {kind: self.company.get(kind, pieces[1])}
        return {kind: self._write(kind, params.get("operation", ""), json.loads(body))}

    def query(self, statement: str) -> dict[str, Any]:
        parsed = qbo_query.parse(statement)
        return qbo_query.run(parsed, self.company.all(parsed.entity))

    def _write(self, kind: str, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        if operation == "delete":
            raise faults.business(f"Operation Delete is not supported for {kind}; make it inactive instead.")
        if operation == "update" or "Id" in body:
            return self.company.update(kind, body)
        return self.company.create(kind, body)

    def _batch(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(items) > BATCH_LIMIT:
            raise StandInFault(400, "2010", "Request has invalid or unsupported property",
                               f"Batch request has {len(items)} items; at most {BATCH_LIMIT} are allowed")
        out = []
        for item in items:
            bid = str(item.get("bId", ""))
            try:
                if "Query" in item:
                    out.append({"bId": bid, "QueryResponse": self.query(str(item["Query"]))})
                    continue
                kind = next(k for k in ("Customer", "Vendor") if k in item)
                operation = str(item.get("operation", "create"))
                out.append({"bId": bid, kind: self._write(kind, "" if operation == "create" else operation,
                                                          dict(item[kind]))})
            except StandInFault as fault:
                out.append({"bId": bid, **fault.body()})
            except StopIteration:
                out.append({"bId": bid, **faults.invalid_property("BatchItemRequest").body()})
        return out

    def _cdc(self, params: dict[str, str]) -> list[dict[str, Any]]:
        try:
            since = _dt.datetime.fromisoformat(params.get("changedSince", ""))
        except ValueError:
            raise StandInFault(400, "4001", "Invalid query", "changedSince must be a date and time") from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=_dt.timezone.utc)
        kinds = [ENTITIES.get(e.strip().lower(), "") for e in params.get("entities", "").split(",")]
        if not kinds or "" in kinds:
            raise StandInFault(400, "4001", "Invalid query", "entities must name Customer and/or Vendor")
        found = self.company.cdc(kinds, since)
        return [{kind: items, "startPosition": 1, "maxResults": len(items)} for kind, items in found.items()]

    def _time(self) -> str:
        return self.company.now().isoformat(timespec="milliseconds")


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: do not hold the second back

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = standin.handle(self.command, self.path, headers, body)
            self.send_response(status)
            if payload and "Content-Type" not in extra:
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: requests are kept in StandIn.requests

    return Handler
