"""GET /ip_addresses lists every address, fixed and shared (cloud-api.md sections 3 and 6); every network
path also answers with a `.json` suffix (section 2); Nova's unanchored name filter and pagination."""
import pytest

from testbed.fakecloud import PUBLICNET_ID
from testbed.fakecloud.client import request
from tests.testbed.fakecloud.helpers import CLUSTER_NET, port_id, quark_error, server_id

NODES = ["node%02d" % n for n in range(1, 11)]


def test_every_fixed_port_address_is_listed(api):
    listed = api.net("GET", "/ip_addresses", network_id=CLUSTER_NET).json()["ip_addresses"]
    assert sorted(ip["address"] for ip in listed) == sorted(
        ["192.168.100.%d" % (10 + n) for n in range(1, 11)] + ["fd00:100::%d" % (10 + n) for n in range(1, 11)])
    for ip in listed:
        assert ip["type"] == "fixed" and len(ip["port_ids"]) == 1
        owner = [name for name in NODES if port_id(name, "cluster-net") == ip["port_ids"][0]]
        assert owner and ip["address"].endswith(str(10 + int(owner[0][4:])))
    everything = api.net("GET", "/ip_addresses").json()["ip_addresses"]
    assert len(everything) == 10 * 5    # PublicNet v4 + v6, ServiceNet, cluster-net v4 + v6 on each node


def test_type_is_set_at_allocation_and_never_changes(api):
    ip = api.share(["node01", "node02"]).json()["ip_address"]
    assert ip["type"] == "shared"
    r = api.net("PUT", "/ip_addresses/" + ip["id"], {"ip_address": {"port_ids": [port_id("node02", "cluster-net")]}})
    assert r.status_code == 200 and r.json()["ip_address"]["type"] == "shared"
    assert api.net("GET", "/ip_addresses/" + ip["id"]).json()["ip_address"]["type"] == "shared"
    fixed = api.net("GET", "/ip_addresses", type="fixed", network_id=CLUSTER_NET).json()["ip_addresses"]
    assert ip["id"] not in [f["id"] for f in fixed] and len(fixed) == 20


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


@pytest.mark.parametrize("name,expect", [
    ("node1", ["node10"]),                              # unanchored: node1 also finds node10
    ("node0", ["node%02d" % n for n in range(1, 10)]),
    ("ode0[12]", ["node01", "node02"]),                  # searched anywhere in the name
    ("^node01$", ["node01"]),                           # an anchored literal (answered from the name index)
    ("^node\\d1$", ["node01"]),                          # an anchored pattern (answered by a scan): same rules
    ("^node01$|^node02$", ["node01", "node02"]),
    ("^node\\-01$", []),                                 # an escaped literal that names no server
    ("NODE01", []),                                     # case matters
])
def test_name_filter_is_an_unanchored_regular_expression(api, name, expect):
    for path in ("/servers/detail", "/servers"):
        found = api.comp("GET", path, name=name).json()["servers"]
        assert sorted(s["name"] for s in found) == expect


def test_bad_name_pattern_is_a_nova_400(api):
    r = api.comp("GET", "/servers/detail", name="node(")
    assert r.status_code == 400 and list(r.json()) == ["badRequest"]


def test_publicnet_shared_read_is_empty_and_filtered(api):
    assert api.net("GET", "/ip_addresses", network_id=PUBLICNET_ID, type="shared").json() == {"ip_addresses": []}
