"""The HTTP side against the stand-in: minorversion, sign-in refresh, revoked sign-ins, throttle storms, server
errors, dropped connections, one write per requestid, and traces with every secret removed."""

from __future__ import annotations

import json
import socket

import pytest

from custmgr.connector import Change
from custmgr.errors import AuthRequired, Retryable, Unavailable
from custmgr_qbo.connector import QboConnector
from custmgr_qbo.endpoints import MINOR_VERSION
from custmgr_qbo.tokens import TokenStore

from .helpers import open_connector, requests_to


def add(name: str) -> Change:
    return Change(f"r-{name}", "add", "Customer", {"name": name})


def test_every_request_carries_the_pinned_minor_version(standin):
    with open_connector(standin) as connector:
        connector.listing(["Customer", "Vendor"])
        connector.apply([add("Alder")])
    assert standin.minor_versions and set(standin.minor_versions) == {MINOR_VERSION}


def test_an_expired_access_token_is_refreshed_once_and_the_new_refresh_token_kept(standin):
    store = TokenStore("127.0.0.1")
    before = store.tokens(standin.realm)
    with open_connector(standin) as connector:
        connector.listing(["Customer"])
        standin.auth.expire_access_tokens()  # an hour went by in the middle of the sync
        assert connector.apply([add("Birch")])[0].ok
        assert connector.auth.requests == 2  # discovery, token
    after = store.tokens(standin.realm)
    assert after.refresh_token != before.refresh_token and after.access_token != before.access_token
    with open_connector(standin) as again:  # the stored, rotated token works from a new connector
        standin.auth.expire_access_tokens()
        assert len(again.listing(["Customer"])) == 1


def test_a_revoked_sign_in_says_sign_in_again_and_is_forgotten(standin):
    standin.auth.revoke_refresh_tokens()
    standin.auth.expire_access_tokens()
    with open_connector(standin) as connector, pytest.raises(AuthRequired, match="custmgr qbo login") as raised:
        connector.listing(["Customer"])
    assert "expired or was revoked" in str(raised.value)
    assert TokenStore("127.0.0.1").tokens(standin.realm) is None
    with open_connector(standin) as connector, pytest.raises(AuthRequired, match="Not signed in"):
        connector.company()


def test_a_revoked_sign_in_mid_batch_fails_every_later_call_without_asking_again(standin):
    with open_connector(standin) as connector:
        connector.listing(["Customer"])
        standin.auth.revoke_refresh_tokens()
        standin.auth.expire_access_tokens()
        with pytest.raises(AuthRequired):
            connector.apply([add("Cedar")])
        calls = connector.round_trips
        with pytest.raises(AuthRequired, match="custmgr qbo login"):
            connector.apply([add("Dogwood")])
        assert connector.round_trips == calls  # known dead: not asked again
    assert standin.company.all("Customer") == []


def test_not_signed_in_at_all(standin):
    TokenStore("127.0.0.1").forget(standin.realm)
    with open_connector(standin) as connector, pytest.raises(AuthRequired) as raised:
        connector.company()
    assert f"company {standin.realm}" in str(raised.value) and "custmgr qbo login" in str(raised.value)


def test_a_429_storm_is_waited_out_with_growing_pauses(standin):
    standin.throttle(6, status=429, xml=True)
    with open_connector(standin) as connector:
        assert connector.company().id == standin.realm
        assert connector.client.sleep == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]


def test_a_403_throttle_fault_in_json_is_a_throttle_not_a_sign_in_problem(standin):
    standin.throttle(2, status=403, xml=False)
    with open_connector(standin) as connector:
        assert connector.listing(["Customer"]) == []
        assert len(connector.client.sleep) == 2


def test_a_storm_longer_than_the_patience_is_retryable_and_writes_nothing(standin):
    standin.throttle(50, status=429)
    with open_connector(standin, throttle_patience="20") as connector:
        with pytest.raises(Retryable, match="limiting requests") as raised:
            connector.apply([add("Elm")])
        assert sum(connector.client.sleep) <= 20 and "3001" in raised.value.detail
    assert standin.company.all("Customer") == []


def test_server_errors_are_tried_again(standin):
    standin.fail(2, status=503)
    with open_connector(standin) as connector:
        assert connector.apply([add("Fir")])[0].ok
    assert len(standin.company.all("Customer")) == 1


def test_a_write_retried_after_a_lost_answer_happens_once(standin):
    """The server did the write but its answer was lost: the retry carries the same requestid."""
    with open_connector(standin) as connector:
        original = connector.client.http.request
        calls = []

        def lose_first_answer(*args, **kwargs):
            response = original(*args, **kwargs)
            calls.append(kwargs.get("params", {}).get("requestid"))
            if len(calls) == 1:
                import httpx

                raise httpx.ReadTimeout("answer lost")
            return response

        connector.client.http.request = lose_first_answer
        result = connector.apply([add("Ginkgo")])[0]
    assert result.ok and calls[0] == calls[1] and calls[0]
    assert [c["DisplayName"] for c in standin.company.all("Customer")] == ["Ginkgo"]


def test_no_server_listening_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = TokenStore("127.0.0.1")
    from custmgr_qbo.tokens import AppKeys, Tokens

    store.save_app(AppKeys("id", "secret-value"))
    store.save_tokens("123", Tokens("refresh-value", 9e12, "access-value", 9e12))
    with QboConnector("123", {"base_url": f"http://127.0.0.1:{port}", "sleep": lambda s: None}) as connector, \
            pytest.raises(Unavailable, match="Could not reach QuickBooks Online"):
        connector.company()


def test_the_trace_holds_every_exchange_and_no_secret(standin, tmp_path, memory_keyring):
    trace = tmp_path / "trace"
    with open_connector(standin, trace_dir=str(trace)) as connector:
        connector.listing(["Customer"])
        standin.auth.expire_access_tokens()
        connector.apply([add("Hazel"), add("Holly's \\ Shop")])
        issued = [connector.auth._tokens.access_token, connector.auth._tokens.refresh_token]
    files = sorted(trace.glob("*.json"))
    names = [f.name for f in files]
    assert any("companyinfo" in n for n in names) and any("batch" in n for n in names)
    assert any("bearer" in n for n in names) and any("openid_configuration" in n for n in names)
    text = "\n".join(f.read_text(encoding="utf-8") for f in files)
    for secret in [*issued, *memory_keyring.secrets(), standin.auth.client_secret]:
        assert secret not in text
    token_call = json.loads(next(f for f in files if "bearer" in f.name).read_text(encoding="utf-8"))
    assert token_call["request"]["headers"]["Authorization"] == "[redacted]"
    assert "refresh_token=%5Bredacted%5D" in token_call["request"]["body"]
    assert token_call["response"]["body"]["access_token"] == "[redacted]"
    batch = json.loads(next(f for f in files if "batch" in f.name).read_text(encoding="utf-8"))
    assert batch["request"]["body"]["BatchItemRequest"][1]["Customer"]["DisplayName"] == "Holly's \\ Shop"
    assert requests_to(standin, "batch") == 2  # the first was refused (401), then sent again


def test_two_syncs_refreshing_at_once_both_go_on(standin):
    """Refresh tokens rotate: the second sync's token is used up by the first; it takes the one stored since."""
    with open_connector(standin) as first, open_connector(standin) as second:
        first.company()
        second.company()
        standin.auth.expire_access_tokens()
        assert first.listing(["Customer"]) == []
        assert second.apply([add("Juniper")])[0].ok
    assert TokenStore("127.0.0.1").tokens(standin.realm) is not None


def test_app_keys_missing_from_the_keyring(standin, memory_keyring):
    memory_keyring.delete_password("custmgr-qbo", "127.0.0.1/app")
    standin.auth.expire_access_tokens()
    with open_connector(standin) as connector, pytest.raises(AuthRequired, match="client id and secret"):
        connector.company()


def test_no_keyring_at_all_says_how_to_get_one(standin):
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())  # the memory_keyring fixture puts the usual one back
    with open_connector(standin) as connector, pytest.raises(AuthRequired, match="No OS keyring"):
        connector.company()


def test_a_refresh_mid_sync_refuses_an_unsafe_token_endpoint_from_discovery(standin, monkeypatch):
    """The discovery document is read again at each refresh: one naming a plain-http token endpoint elsewhere
    fails the writes (so the sync reports them) and sends the refresh token nowhere."""
    real = standin._discovery
    with open_connector(standin) as connector:
        connector.listing(["Customer"])
        standin.auth.expire_access_tokens()
        monkeypatch.setattr(standin, "_discovery", lambda: {**real(), "token_endpoint": "http://evil.example/t"})
        with pytest.raises(Unavailable, match=r"give the token endpoint as 'http://evil\.example/t'"):
            connector.apply([add("Cedar")])
    with pytest.raises(KeyError):  # the batch was refused (401) and not sent again
        standin.company.find("Cedar")
