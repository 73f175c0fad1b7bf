"""Sign-in secrets in the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service), nowhere else.

Entries of the keyring service ``custmgr-qbo``, per API host (so a stand-in's never mix with Intuit's):
``HOST/app`` the app's client id and secret, ``HOST/REALM/refresh`` the refresh token (it rotates: the newest is
stored every time), ``HOST/REALM/access`` the access token while it lasts (an hour). They are separate entries
because Windows keeps at most 2,560 bytes per entry. The dataclasses hide secrets from ``repr`` so a traceback or a
log line never shows one.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from custmgr.errors import AuthRequired

SERVICE = "custmgr-qbo"
NO_KEYRING = ("No OS keyring is available to keep the QuickBooks Online sign-in safe ({error}). On Linux start a "
              "Secret Service keyring (GNOME Keyring or KWallet) or choose one with PYTHON_KEYRING_BACKEND; on "
              "Windows and macOS the system's own is used.")


#: Keyring backends that keep secrets in the operating system's protected store (by module and class name).
SAFE_BACKENDS = frozenset({"keyring.backends.Windows.WinVaultKeyring", "keyring.backends.macOS.Keyring",
                           "keyring.backends.SecretService.Keyring", "keyring.backends.libsecret.Keyring",
                           "keyring.backends.kwallet.DBusKeyring", "keyring.backends.kwallet.DBusKeyringKWallet4"})


def keyring_warning() -> str:
    """'' when secrets go to the OS keyring; otherwise a warning naming the backend, where secrets end up and
    what to do. keyrings.alt's file backends (a plain text file, or one encrypted only with a password typed at
    each use) take over silently when no OS keyring answers, e.g. on a Linux server."""
    backend = keyring.get_keyring()
    chain = list(getattr(backend, "backends", None) or [backend])  # the chainer backend tries several in turn
    names = [f"{type(b).__module__}.{type(b).__name__}" for b in chain]
    risky = [(name, b) for name, b in zip(names, chain, strict=True) if name.startswith("keyrings.alt.")]
    if not risky:
        return ""
    name, first = risky[0]
    where = getattr(first, "file_path", "")
    return (f"Warning: the keyring in use is {name}, which keeps the QuickBooks Online sign-in and the app's client "
            f"secret in a file{f' ({where})' if where else ''} that any program running as you can read. Use the "
            "operating system's keyring instead: on Linux start GNOME Keyring or KWallet (or set "
            "PYTHON_KEYRING_BACKEND=keyring.backends.SecretService.Keyring), or uninstall keyrings.alt; see "
            "docs/quickbooks-online.md, 'Where the sign-in is kept'.")


@dataclass(frozen=True)
class AppKeys:
    """The app a firm registered with Intuit: its client id and secret."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str = ""


@dataclass(frozen=True)
class Tokens:
    """One company's sign-in. Times are seconds since the epoch."""

    refresh_token: str = field(repr=False)
    refresh_expires_at: float = 0.0
    access_token: str = field(default="", repr=False)
    expires_at: float = 0.0

    def access_valid(self, now: float, margin: float = 120.0) -> bool:
        return bool(self.access_token) and now < self.expires_at - margin


def tokens_from(answer: object, now: float | None = None) -> Tokens:
    """Tokens from intuit-oauth's ``AuthClient`` after a token request (``access_token``, ``expires_in``, ...)."""
    at = time.time() if now is None else now
    return Tokens(refresh_token=str(getattr(answer, "refresh_token", "") or ""),
                  refresh_expires_at=at + float(getattr(answer, "x_refresh_token_expires_in", 0) or 0),
                  access_token=str(getattr(answer, "access_token", "") or ""),
                  expires_at=at + float(getattr(answer, "expires_in", 0) or 0))


class TokenStore:
    """The keyring entries for one API host."""

    def __init__(self, host: str) -> None:
        self.host = host

    def _get(self, entry: str) -> dict | None:
        try:
            text = keyring.get_password(SERVICE, f"{self.host}/{entry}")
        except KeyringError as err:
            raise AuthRequired(NO_KEYRING.format(error=type(err).__name__)) from None
        if not text:
            return None
        try:
            loaded = json.loads(text)
        except ValueError:
            return None  # an entry written by something else: treat as signed out
        return loaded if isinstance(loaded, dict) else None

    def _set(self, entry: str, value: dict) -> None:
        try:
            keyring.set_password(SERVICE, f"{self.host}/{entry}", json.dumps(value))
        except KeyringError as err:
            raise AuthRequired(NO_KEYRING.format(error=type(err).__name__)) from None

    def _delete(self, entry: str) -> None:
        with contextlib.suppress(PasswordDeleteError, KeyringError):  # nothing stored: already signed out
            keyring.delete_password(SERVICE, f"{self.host}/{entry}")

    def app(self) -> AppKeys | None:
        data = self._get("app")
        if not data or not data.get("client_id") or not data.get("client_secret"):
            return None
        return AppKeys(str(data["client_id"]), str(data["client_secret"]), str(data.get("redirect_uri", "")))

    def save_app(self, keys: AppKeys) -> None:
        self._set("app", {"client_id": keys.client_id, "client_secret": keys.client_secret,
                          "redirect_uri": keys.redirect_uri})

    def tokens(self, realm: str) -> Tokens | None:
        refresh = self._get(f"{realm}/refresh")
        if not refresh or not refresh.get("refresh_token"):
            return None
        access = self._get(f"{realm}/access") or {}
        return Tokens(str(refresh["refresh_token"]), float(refresh.get("expires_at", 0)),
                      str(access.get("access_token", "")), float(access.get("expires_at", 0)))

    def save_tokens(self, realm: str, tokens: Tokens) -> None:
        """Store the refresh token first: it is the one that cannot be had again without a new sign-in."""
        self._set(f"{realm}/refresh", {"refresh_token": tokens.refresh_token,
                                       "expires_at": tokens.refresh_expires_at})
        try:
            self._set(f"{realm}/access", {"access_token": tokens.access_token, "expires_at": tokens.expires_at})
        except Exception:  # too big for this keyring (Windows refuses long entries): refresh once per sync
            self._delete(f"{realm}/access")

    def forget(self, realm: str) -> None:
        """Sign out of one company (the app's keys stay)."""
        self._delete(f"{realm}/refresh")
        self._delete(f"{realm}/access")

    def forget_access(self, realm: str) -> None:
        self._delete(f"{realm}/access")
