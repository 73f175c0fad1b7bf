"""Reading the lists: full reads page by page; later reads by Change Data Capture where that is safe and cheaper,
with a full read whenever CDC cannot be trusted (30-day window, 1,000-object cap, counts that disagree, a damaged
or foreign copy, the company made again)."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import pytest

from custmgr.contact import KINDS
from custmgr_qbo.standin import StandIn
from custmgr_qbo.standin.seed import load_generated

from .helpers import open_connector, requests_to, sign_in

PAGE = 10  # a small page, so a few dozen contacts take several pages


@pytest.fixture
def company(tmp_path: Path):
    server = StandIn()
    load_generated(server.company, 45, vendors=5)  # 45 customers (5 pages) and 5 vendors (1 page)
    with server:
        sign_in(server)
        yield server


def listing(standin: StandIn, **options):
    options.setdefault("page_size", PAGE)
    with open_connector(standin, **options) as connector:
        found = {item.remote_id: item for item in connector.listing(KINDS)}
        return found, connector.lists.last_read, connector


def cache_file(standin: StandIn) -> Path:
    return next(Path(standin_cache()).glob(f"*-{standin.realm}.json"))


def standin_cache() -> str:
    import os

    return os.path.join(os.environ["CUSTMGR_QBO_CACHE_DIR"], "qbo")


def test_a_first_read_pages_through_each_list(company):
    found, how, _ = listing(company)
    assert how == "full" and len(found) == 50
    assert requests_to(company, "query") == 5 + 1  # 45 customers in pages of 10, 5 vendors


def test_the_next_read_asks_only_for_changes_and_sees_them(company):
    first, _, _ = listing(company)
    qbo = company.company
    qbo_id = "3"
    qbo.update("Customer", {"Id": qbo_id, "sparse": True, "Notes": "changed in QuickBooks"}, check_token=False)
    new = qbo.create("Vendor", {"DisplayName": "New Supply"})
    qbo.remove("Customer", "4")
    before = len(company.api_requests())
    found, how, _ = listing(company)
    assert how == "changes"
    assert requests_to_since(company, before) == {"companyinfo": 1, "cdc": 1, "query": 2}  # CDC, two counts
    assert f"V{new['Id']}" in found and "C4" not in found and len(found) == 50
    assert found[f"C{qbo_id}"].version != first[f"C{qbo_id}"].version


def requests_to_since(standin: StandIn, start: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for seen in standin.api_requests()[start:]:
        resource = seen.path.split("/")[4]
        out[resource] = out.get(resource, 0) + 1
    return out


def test_records_fetched_after_a_changes_read_are_current(company):
    listing(company)
    company.company.update("Customer", {"Id": "1", "sparse": True, "CompanyName": "Renamed Co"}, check_token=False)
    with open_connector(company, page_size=PAGE) as connector:
        connector.listing(KINDS)
        assert connector.fetch(["C1"])[0].values["company"] == "Renamed Co"


def test_a_small_company_is_read_in_full_every_time(standin):
    """One page per list costs less than CDC plus the counts."""
    for n in range(3):
        standin.company.create("Customer", {"DisplayName": f"Small {n}"})
    listing(standin)
    _, how, _ = listing(standin)
    assert how == "full"


def test_more_than_29_days_since_the_last_read_is_a_full_read(company):
    listing(company)
    path = cache_file(company)
    data = json.loads(path.read_text())
    data["cursor"] = (_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(days=40)).isoformat()
    path.write_text(json.dumps(data))
    before = len(company.api_requests())
    _, how, _ = listing(company)
    assert how == "full" and "cdc" not in requests_to_since(company, before)


def test_a_refused_cdc_request_falls_back_to_a_full_read(company):
    listing(company)
    path = cache_file(company)
    data = json.loads(path.read_text())
    data["cursor"] = (company.company.now() - _dt.timedelta(days=29, hours=23, minutes=58)).isoformat()
    path.write_text(json.dumps(data))
    _, how, _ = listing(company)  # the stand-in refuses CDC past 30 days (with the 5-minute overlap)
    assert how == "full"


def test_a_thousand_changed_contacts_hit_the_cap_and_mean_a_full_read():
    server = StandIn()
    load_generated(server.company, 1050, vendors=5)
    with server:
        sign_in(server)
        listing(server, page_size=100)
        for record in server.company.all("Customer"):  # CDC answers 1,000 objects a kind at most
            server.company.update("Customer", {"Id": record["Id"], "sparse": True, "Notes": "x"}, check_token=False)
        found, how, _ = listing(server, page_size=100)
    assert how == "full" and len(found) == 1055


def test_counts_that_disagree_mean_a_full_read(company):
    listing(company)
    company.company.records.pop(("Customer", "2"))  # gone without a trace in CDC (a restored company)
    company.company._owner.clear()
    found, how, _ = listing(company)
    assert how == "full" and "C2" not in found


def test_a_damaged_copy_is_ignored(company):
    listing(company)
    cache_file(company).write_text("{not json")
    assert listing(company)[1] == "full"


def test_a_company_made_again_under_the_same_id_is_read_in_full(company):
    listing(company)
    company.company.created = company.company.created + _dt.timedelta(days=1)
    assert listing(company)[1] == "full"


def test_no_copy_when_switched_off(company):
    listing(company, cache_dir="off")
    assert not Path(standin_cache()).exists()
    assert listing(company, cache_dir="off")[1] == "full"


def test_the_copy_holds_no_secret(company, memory_keyring):
    listing(company)
    text = cache_file(company).read_text()
    for secret in [*memory_keyring.secrets(), company.auth.client_secret]:
        assert secret not in text


def test_within_one_sync_a_second_listing_asks_only_for_changes(company):
    with open_connector(company, page_size=PAGE) as connector:
        connector.listing(KINDS)
        company.company.create("Customer", {"DisplayName": "Mid-sync"})
        before = len(company.api_requests())
        names = {r.values["name"] for r in connector.fetch([i.remote_id for i in connector.listing(KINDS)])}
    assert "Mid-sync" in names and requests_to_since(company, before) == {"cdc": 1}


def test_after_a_burst_read_in_full_the_next_syncs_ask_only_for_changes():
    """A burst of 1,000+ changes caps CDC and means one full read; the syncs right after it (within CDC's
    overlap) must not ask again from before that read, find the same burst and read everything again."""
    moment = [_dt.datetime.now(_dt.timezone.utc)]
    server = StandIn()
    server.company.clock = lambda: moment[0]
    load_generated(server.company, 1050, vendors=5)
    with server:
        sign_in(server)
        listing(server, page_size=100)
        moment[0] += _dt.timedelta(minutes=1)
        for record in server.company.all("Customer"):
            server.company.update("Customer", {"Id": record["Id"], "sparse": True, "Notes": "x"}, check_token=False)
        moment[0] += _dt.timedelta(seconds=2)
        assert listing(server, page_size=100)[1] == "full"  # capped: what else changed is unknown
        for _ in range(2):
            moment[0] += _dt.timedelta(seconds=30)  # still within the 5-minute overlap
            found, how, _ = listing(server, page_size=100)
            assert how == "changes" and len(found) == 1055
        moment[0] += _dt.timedelta(seconds=1)
        server.company.update("Customer", {"Id": "7", "sparse": True, "Notes": "after"}, check_token=False)
        moment[0] += _dt.timedelta(seconds=1)
        found, how, connector = listing(server, page_size=100)
        assert how == "changes" and connector.lists.entity("C7")["Notes"] == "after"  # type: ignore[index]
