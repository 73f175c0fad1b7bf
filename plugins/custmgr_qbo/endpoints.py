"""Where requests go: Intuit's servers by default, or others (a stand-in) named in Settings or the environment.

Each endpoint can be set by a connector option on the Settings sheet (``custmgr setup --option base_url=...``) or by
an environment variable; the Settings entry wins because it belongs to that one workbook. Plain ``http://`` is only
accepted for this computer (127.0.0.1, localhost, ::1): a token must never cross a network unencrypted.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from custmgr.errors import CustmgrError, Unavailable

#: The API minor version every request carries (Intuit serves 75 and later only).
MINOR_VERSION = "75"

API_BASE = {"production": "https://quickbooks.api.intuit.com",
            "sandbox": "https://sandbox-quickbooks.api.intuit.com"}
DISCOVERY = {"production": "https://developer.intuit.com/.well-known/openid_configuration/",
             "sandbox": "https://developer.intuit.com/.well-known/openid_sandbox_configuration/"}

#: option key -> environment variable
SETTINGS = {"environment": "CUSTMGR_QBO_ENVIRONMENT", "base_url": "CUSTMGR_QBO_BASE_URL",
            "discovery_url": "CUSTMGR_QBO_DISCOVERY_URL", "token_url": "CUSTMGR_QBO_TOKEN_URL",
            "auth_url": "CUSTMGR_QBO_AUTH_URL"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Endpoints:
    """The URLs one company is reached at. ``token_url``/``auth_url`` override the discovery document's."""

    environment: str
    api_base: str
    discovery_url: str
    token_url: str = ""
    auth_url: str = ""

    @property
    def host(self) -> str:
        """The API's host name: sign-ins are kept per host, so a stand-in's never mix with Intuit's."""
        return urlsplit(self.api_base).hostname or self.api_base


def resolve(options: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Endpoints:
    """The endpoints from connector options, then environment variables, then Intuit's defaults."""
    env = os.environ if environ is None else environ

    def setting(key: str) -> str:
        return str(options.get(key) or env.get(SETTINGS[key]) or "").strip()

    environment = (setting("environment") or "production").lower()
    if environment not in API_BASE:
        raise CustmgrError(f"The QuickBooks Online environment must be 'production' or 'sandbox', not "
                           f"{environment!r} (option environment or {SETTINGS['environment']}).")
    base = _checked("base_url", setting("base_url")) or API_BASE[environment]
    base = base.rstrip("/")
    if base.endswith("/v3"):
        base = base[:-3]
    return Endpoints(environment, base, _checked("discovery_url", setting("discovery_url")) or DISCOVERY[environment],
                     _checked("token_url", setting("token_url")), _checked("auth_url", setting("auth_url")))


def safe_url(url: str) -> bool:
    """https to anywhere, or plain http to this computer only."""
    parts = urlsplit(url)
    return bool(parts.hostname) and (parts.scheme == "https" or (parts.scheme == "http"
                                                                   and parts.hostname in LOOPBACK))


def check_discovered(endpoints: Endpoints, found: Mapping[str, object]) -> None:
    """Refuse endpoints from the discovery document that an option with the same URL would be refused for:
    a token, a client secret or a sign-in code must never go over plain http to another computer."""
    for name, url in found.items():
        if not isinstance(url, str) or not safe_url(url):  # Unavailable: mid-sync (a refresh) it fails the writes
            raise Unavailable(f"QuickBooks Online's sign-in settings at {endpoints.discovery_url} give the {name} "
                               f"as {url!r}, which does not start with https:// (plain http:// only for a stand-in "
                               "on this computer). Nothing was sent to it. Check the option discovery_url on the "
                               f"Settings sheet or the environment variable {SETTINGS['discovery_url']}.")


def _checked(key: str, url: str) -> str:
    if not url:
        return ""
    if safe_url(url):
        return url
    raise CustmgrError(f"The QuickBooks Online {key} {url!r} must start with https:// (plain http:// only for a "
                       f"stand-in on this computer: 127.0.0.1 or localhost). Fix the option {key} on the Settings "
                       f"sheet or the environment variable {SETTINGS[key]}.")
