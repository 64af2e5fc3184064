"""Fault injection and the /_sim/ control API: each fault kind, the log, the counters and their route names."""
import time

import pytest
import requests

from testbed.fakecloud import ROUTE_NAMES
from tests.testbed.fakecloud.helpers import CLUSTER_NET, error, port_id, quark_error, server_id

SHARE = {"ip_address": {"network_id": CLUSTER_NET, "version": 4,
                        "port_ids": [port_id("node01", "cluster-net"), port_id("node02", "cluster-net")]}}


def sim_call(api, method, what, body=None):
    r = requests.request(method, api.sim.url + "/_sim/" + what, json=body, timeout=10)
    return r


def faults(api, **body):
    r = sim_call(api, "POST", "faults", body)
    assert r.status_code == 200, r.text
    return r.json()


def shared_count(api):
    return len(api.net("GET", "/ip_addresses", type="shared").json()["ip_addresses"])


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


def test_versions_as_strings_quirk(api):
    faults(api, version_as_string=True)
    created = api.net("POST", "/ip_addresses", SHARE).json()["ip_address"]
    assert created["version"] == "4"
    listed = api.net("GET", "/ip_addresses", type="shared").json()["ip_addresses"]
    assert [ip["version"] for ip in listed] == ["4"]
    sim_call(api, "DELETE", "faults")
    assert api.net("GET", "/ip_addresses/" + created["id"]).json()["ip_address"]["version"] == 4


@pytest.mark.parametrize("body", [
    {"nonsense": 1}, {"version_as_string": "yes"}, {"error_rate": 2}, {"error_status": 404}, {"latency_ms": "slow"}, {"token_ttl": 0},
    {"fail_next": [{"path_regex": "("}]}, {"drop_next": [{"when": "sometimes"}]}, {"fail_next": [{"times": 0}]},
    {"fail_next": [{"bogus": 1}]}, [1],
])
def test_bad_fault_requests_are_refused(api, body):
    r = sim_call(api, "POST", "faults", body)
    assert r.status_code == 400 and r.json()["error"]
    assert sim_call(api, "GET", "faults").json()["error_rate"] == 0


def test_sim_requests_are_never_counted_nor_faulted(api):
    sim_call(api, "POST", "reset")
    faults(api, error_rate=1.0, error_status=500)
    for dummy in range(3):
        assert sim_call(api, "GET", "counters").status_code == 200
    counters = sim_call(api, "GET", "counters").json()
    assert counters["total"] == 0 and counters["by_route"] == {}


def test_log_and_counters_by_route(api):
    sim_call(api, "POST", "reset")
    ip = api.net("POST", "/ip_addresses", SHARE).json()["ip_address"]
    api.associate("node01", ip["id"])
    api.associate("node02", ip["id"])
    api.net("GET", "/ports", device_id=server_id("node01"))
    api.net("GET", "/nowhere")
    counters = sim_call(api, "GET", "counters").json()
    assert counters == {
        "total": 5,
        "by_method": {"POST": 1, "PUT": 2, "GET": 2},
        "by_route": {
            "POST /network/{region}/v2.0/ip_addresses": 1,
            "PUT /compute/{region}/v2/{tenant}/servers/{server_id}/ip_associations/{ip_id}": 2,
            "GET /network/{region}/v2.0/ports": 1,
            "GET (unrouted)": 1,
        },
        "by_status": {"201": 3, "200": 1, "404": 1},
    }
    log = sim_call(api, "GET", "log").json()
    assert [(e["method"], e["status"]) for e in log] == [("POST", 201), ("PUT", 201), ("PUT", 201), ("GET", 200),
                                                         ("GET", 404)]
    assert log[3]["path"] == "/network/DFW/v2.0/ports?device_id=" + server_id("node01")
    assert all(e["route"] in ROUTE_NAMES + ["GET (unrouted)"] for e in log)
    sim_call(api, "POST", "reset")
    assert sim_call(api, "GET", "log").json() == [] and sim_call(api, "GET", "counters").json()["total"] == 0


def test_reset_state_goes_back_to_the_fixture(api):
    api.net("POST", "/ip_addresses", SHARE)
    assert shared_count(api) == 1
    assert sim_call(api, "POST", "reset-state").status_code == 200
    assert shared_count(api) == 0          # the token survived the reset
    state = sim_call(api, "GET", "state").json()
    assert sorted(state["regions"]) == ["DFW", "ORD"] and len(state["regions"]["DFW"]["servers"]) == 12


def test_unknown_sim_endpoint(api):
    assert sim_call(api, "GET", "nothing").status_code == 404


def test_state_shape_is_stable(api):
    """GET /_sim/state: what the lab code reads to know which port may send from which address."""
    ip = api.net("POST", "/ip_addresses", SHARE).json()["ip_address"]
    assert api.associate("node01", ip["id"]).status_code == 201
    state = sim_call(api, "GET", "state").json()
    assert {"regions", "tenants", "tokens"} <= set(state)
    dfw = state["regions"]["DFW"]
    assert {"networks", "subnets", "ports", "servers", "ip_addresses"} <= set(dfw)
    port = [p for p in dfw["ports"] if p["id"] == port_id("node01", "cluster-net")][0]
    assert {"id", "network_id", "device_id", "mac_address", "fixed_ips"} <= set(port)
    assert port["fixed_ips"][0] == {"subnet_id": port["fixed_ips"][0]["subnet_id"], "ip_address": "192.168.100.11"}
    assert {"subnet_id": ip["subnet_id"], "ip_address": ip["address"]} in port["fixed_ips"]
    shared = [i for i in dfw["ip_addresses"] if i["id"] == ip["id"]][0]
    assert {"id", "network_id", "address", "port_ids", "type", "version", "services"} <= set(shared)
    assert shared["services"] == {port_id("node01", "cluster-net"): "compute", port_id("node02", "cluster-net"): "none"}
