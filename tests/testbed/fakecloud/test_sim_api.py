"""The /_sim/ control API (sim_api.py): never counted nor faulted, the log and the counters by route name,
reset of the state, and the shape of /_sim/state that the lab reads."""
from testbed.fakecloud import ROUTE_NAMES
from tests.testbed.fakecloud.helpers import SHARE, faults, port_id, server_id, shared_count, sim_call


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
