"""Fault injection (faults.py): each fault kind, its error shapes, and bad fault requests refused."""
import time

import pytest

from tests.testbed.fakecloud.helpers import SHARE, error, faults, quark_error, server_id, shared_count, sim_call


def test_latency_delays_cloud_requests_only(api):
    faults(api, latency_ms=200)
    began = time.monotonic()
    assert api.net("GET", "/networks").status_code == 200
    assert time.monotonic() - began >= 0.2
    began = time.monotonic()
    sim_call(api, "GET", "counters")
    assert time.monotonic() - began < 0.2


@pytest.mark.parametrize("status,key", [(500, "webob"), (503, "webob"), (413, "overLimit"), (429, None)])
def test_error_rate_answers_the_status_and_applies_nothing(api, status, key):
    faults(api, error_rate=1.0, error_status=status, retry_after=7)
    r = api.net("POST", "/ip_addresses", SHARE)
    assert r.status_code == status
    if key == "overLimit":
        assert r.json() == {"overLimit": {"code": 413, "message": r.json()["overLimit"]["message"], "retryAfter": 7}}
    elif key:
        assert "Injected fault" in quark_error(r, status)["message"]
    else:
        assert r.headers["Content-Type"].startswith("text/plain") and "429" in r.text
    if status in (413, 429, 503):
        assert r.headers["Retry-After"] == "7"
    sim_call(api, "DELETE", "faults")
    assert shared_count(api) == 0


def test_neutron_routes_keep_the_neutron_error_shape(api):
    faults(api, error_rate=1.0, error_status=503)
    r = api.net("GET", "/ports")
    assert r.status_code == 503 and error(r)["type"] == "ServiceUnavailable"


def test_compute_errors_have_the_nova_shape(api):
    faults(api, error_rate=1.0, error_status=500)
    r = api.comp("GET", "/servers/detail")
    assert r.status_code == 500 and error(r, "computeFault")["code"] == 500


def test_fail_next_targets_method_and_path_and_counts(api):
    ip = api.net("POST", "/ip_addresses", SHARE).json()["ip_address"]
    state = faults(api, fail_next=[{"method": "PUT", "path_regex": r"/ip_associations/", "status": 503, "times": 2}])
    assert state["fail_next"] == [{"method": "PUT", "path_regex": "/ip_associations/", "times": 2, "status": 503,
                                   "retry_after": None}]
    assert api.comp("GET", "/servers/detail").status_code == 200            # other routes untouched
    assert api.associate("node01", ip["id"]).status_code == 503
    assert api.associate("node01", ip["id"]).status_code == 503
    assert api.associate("node01", ip["id"]).status_code == 201
    assert sim_call(api, "GET", "faults").json()["fail_next"] == []


def test_drop_next_applies_the_write_then_drops(api):
    faults(api, drop_next=[{"method": "POST", "path_regex": "ip_addresses$"}])
    with pytest.raises(ConnectionError):
        api.net("POST", "/ip_addresses", SHARE)
    assert shared_count(api) == 1
    entry = sim_call(api, "GET", "log").json()[-2]
    assert (entry["fault"], entry["status"], entry["route"]) == (
        "drop_after", 201, "POST /network/{region}/v2.0/ip_addresses")


def test_drop_next_before_applies_nothing(api):
    faults(api, drop_next=[{"method": "POST", "path_regex": "ip_addresses", "when": "before"}])
    with pytest.raises(ConnectionError):
        api.net("POST", "/ip_addresses", SHARE)
    assert shared_count(api) == 0


def test_drop_after_write_rate_spares_reads(api):
    ip = api.net("POST", "/ip_addresses", SHARE).json()["ip_address"]
    faults(api, drop_after_write_rate=1.0)
    assert api.comp("GET", "/servers/detail").status_code == 200
    with pytest.raises(ConnectionError):
        api.associate("node01", ip["id"])
    sim_call(api, "DELETE", "faults")
    assert api.comp("GET", "/servers/%s/ip_associations/%s" % (server_id("node01"), ip["id"])).status_code == 200


@pytest.mark.parametrize("body", [
    {"nonsense": 1}, {"version_as_string": "yes"}, {"error_rate": 2}, {"error_status": 404}, {"latency_ms": "slow"}, {"token_ttl": 0},
    {"fail_next": [{"path_regex": "("}]}, {"drop_next": [{"when": "sometimes"}]}, {"fail_next": [{"times": 0}]},
    {"fail_next": [{"bogus": 1}]}, [1],
])
def test_bad_fault_requests_are_refused(api, body):
    r = sim_call(api, "POST", "faults", body)
    assert r.status_code == 400 and r.json()["error"]
    assert sim_call(api, "GET", "faults").json()["error_rate"] == 0
