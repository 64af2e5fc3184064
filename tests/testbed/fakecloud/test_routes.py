"""The route table (routes.py): the internal view GET /ip_addresses/{id}/ports[/{port}] (cloud-api.md
section 3), hidden by default and served behind the switch (CLI --internal-view, POST /_sim/config
{"internal_view": ...}); every network path also answers with a `.json` suffix (section 2)."""
import pytest
import requests

from testbed.fakecloud import start
from testbed.fakecloud.client import request
from tests.testbed.fakecloud.helpers import CLUSTER_NET, Api, port_id, quark_error, server_id

NODE1, NODE2 = port_id("node01", "cluster-net"), port_id("node02", "cluster-net")
PORTS_ROUTE = "GET /network/{region}/v2.0/ip_addresses/{ip_id}/ports"


@pytest.fixture
def shared(api):
    r = api.net("POST", "/ip_addresses", {"ip_address": {"network_id": CLUSTER_NET, "version": 4,
                                                         "port_ids": [NODE1, NODE2]}})
    assert r.status_code == 201, r.text
    return r.json()["ip_address"]


def config(sim, body=None):
    if body is None:
        return requests.get(sim.url + "/_sim/config", timeout=10)
    return requests.post(sim.url + "/_sim/config", json=body, timeout=10)


def test_hidden_by_default_answers_as_a_path_that_does_not_exist(api, shared):
    assert config(api.sim).json() == {"internal_view": False}
    missing = api.net("GET", "/ip_addresses/%s/no-such-thing" % shared["id"])
    for suffix in ("/ports", "/ports/" + NODE1, "/ports.json"):
        r = api.net("GET", "/ip_addresses/%s%s" % (shared["id"], suffix))
        assert r.status_code == 404, suffix
        body = quark_error(r, 404)
        assert body == dict(missing.json(), message=body["message"]) and "could not be found" in body["message"]
        assert "ports" not in body["message"].split(":")[0]
    counters = requests.get(api.sim.url + "/_sim/counters", timeout=10).json()
    assert counters["by_route"][PORTS_ROUTE] == 2   # the simulator still counts the attempts by route


def test_served_after_the_switch_and_hidden_again(api, shared):
    assert config(api.sim, {"internal_view": True}).json() == {"internal_view": True}
    assert config(api.sim).json() == {"internal_view": True}
    assert api.associate("node01", shared["id"]).status_code == 201
    r = api.net("GET", "/ip_addresses/%s/ports" % shared["id"])
    assert r.status_code == 200
    assert sorted(r.json()["ip_addresses_ports"], key=lambda p: p["id"]) == sorted([
        {"id": NODE1, "device_id": server_id("node01"), "service": "compute"},
        {"id": NODE2, "device_id": server_id("node02"), "service": "none"}], key=lambda p: p["id"])
    r = api.net("GET", "/ip_addresses/%s/ports/%s.json" % (shared["id"], NODE2))
    assert r.json() == {"ip_addresses_port": {"id": NODE2, "device_id": server_id("node02"), "service": "none"}}
    assert config(api.sim, {"internal_view": False}).status_code == 200
    assert api.net("GET", "/ip_addresses/%s/ports" % shared["id"]).status_code == 404


def test_switch_survives_reset_state(api):
    config(api.sim, {"internal_view": True})
    requests.post(api.sim.url + "/_sim/reset-state", timeout=10)
    assert config(api.sim).json() == {"internal_view": True}
    assert requests.get(api.sim.url + "/_sim/state", timeout=10).json()["config"] == {"internal_view": True}


@pytest.mark.parametrize("body", [{"internal_view": "yes"}, {"internal_view": 1}, {"view": True}, [True]])
def test_config_refuses_nonsense(api, body):
    r = config(api.sim, body)
    assert r.status_code == 400 and r.json()["error"]
    assert config(api.sim).json() == {"internal_view": False}


def test_start_option():
    with start(internal_view=True) as sim:
        assert config(sim).json() == {"internal_view": True}
        api = Api(sim)
        ip = api.net("POST", "/ip_addresses", {"ip_address": {"network_id": CLUSTER_NET, "version": 4,
                                                              "port_ids": [NODE1, NODE2]}}).json()["ip_address"]
        assert api.net("GET", "/ip_addresses/%s/ports" % ip["id"]).status_code == 200


@pytest.mark.parametrize("path", ["/ports.json", "/networks.json", "/subnets.json", "/ip_addresses.json"])
def test_json_suffix_on_lists(api, path):
    plain = api.net("GET", path[:-len(".json")])
    suffixed = api.net("GET", path)
    assert suffixed.status_code == 200 and suffixed.json() == plain.json()


def test_json_suffix_on_items_and_writes(api, view):
    r = api.net("POST", "/ip_addresses.json", {"ip_address": {"network_id": CLUSTER_NET, "version": 4, "port_ids": [
        port_id("node01", "cluster-net"), port_id("node02", "cluster-net")]}})
    assert r.status_code == 201, r.text
    ip = r.json()["ip_address"]
    assert api.net("GET", "/ip_addresses/%s.json" % ip["id"]).json() == {"ip_address": ip}
    assert api.net("GET", "/networks/%s.json" % CLUSTER_NET).json()["network"]["name"] == "cluster-net"
    assert api.net("GET", "/ports/%s.json" % port_id("node01", "cluster-net")).json()["port"]["device_id"] == \
        server_id("node01")
    r = api.net("PUT", "/ip_addresses/%s.json" % ip["id"], {"ip_address": {"port_ids": [
        port_id("node01", "cluster-net"), port_id("node03", "cluster-net")]}})
    assert r.status_code == 200 and len(r.json()["ip_address"]["port_ids"]) == 2
    r = api.net("GET", "/ip_addresses/%s.json" % "99999999-9999-9999-9999-999999999999")
    assert r.status_code == 404 and quark_error(r, 404)
    assert api.net("DELETE", "/ip_addresses/%s.json" % ip["id"]).status_code == 204
    # the log and the counters name the route templates, without the suffix
    log = request("GET", api.sim.url + "/_sim/log").json()
    assert {e["route"] for e in log if e["path"].endswith(".json")} >= {
        "DELETE /network/{region}/v2.0/ip_addresses/{ip_id}", "POST /network/{region}/v2.0/ip_addresses"}


def test_json_suffix_follows_the_pages(api):
    first = api.net("GET", "/ip_addresses.json", limit=20).json()
    nxt = [link["href"] for link in first["ip_addresses_links"] if link["rel"] == "next"][0]
    assert "/ip_addresses.json?" in nxt
    second = api.call("GET", nxt).json()["ip_addresses"]
    assert len(first["ip_addresses"]) == 20 and len(second) == 20
    assert not {ip["id"] for ip in second} & {ip["id"] for ip in first["ip_addresses"]}
