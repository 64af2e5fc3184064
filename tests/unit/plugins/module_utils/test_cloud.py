"""Typed cloud operations against the real simulator: shared IPs, ports, associations, metadata, pages."""

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import ApiError, UncertainWrite
from ansible_collections.failover.shared_ip.plugins.module_utils._cloud import ALREADY, Cloud
from ansible_collections.failover.shared_ip.testbed.fakecloud.fixture import builtin
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.client_support import make_sim


@pytest.fixture
def cloud(client_for):
    return Cloud(client_for())


def cluster(cloud):
    """cluster-net's id and {server name: its port id there}."""
    net = next(n for n in cloud.networks() if n["name"] == "cluster-net")
    names = dict((s["id"], s["name"]) for s in cloud.servers())
    return net["id"], dict((names[p["device_id"]], p["id"]) for p in cloud.ports(network_id=net["id"]))


def server_id(cloud, name):
    return next(s["id"] for s in cloud.servers() if s["name"] == name)


# -- shared IP addresses ----------------------------------------------------------------------

def test_create_read_change_delete_an_address(sim, cloud):
    net, ports = cluster(cloud)
    created = cloud.create_ip_address(net, "4", port_ids=[ports["node01"], ports["node02"]], known_ids=[])
    assert created["address"] == "192.168.100.100"
    assert created["version"] == 4 and created["type"] == "shared"
    assert cloud.ip_address(created["id"]) == created
    changed = cloud.set_ip_address_ports(created["id"], [ports["node01"], ports["node02"], ports["node03"]])
    assert sorted(changed["port_ids"]) == sorted([ports["node01"], ports["node02"], ports["node03"]])
    assert [a["id"] for a in cloud.ip_addresses(network_id=net, type="shared")] == [created["id"]]
    cloud.delete_ip_address(created["id"])
    assert cloud.ip_address(created["id"]) is None


def test_create_with_a_chosen_address_in_v6(sim, cloud):
    net, ports = cluster(cloud)
    created = cloud.create_ip_address(net, 6, port_ids=[ports["node04"], ports["node05"]], ip_address="fd00:100::abc")
    assert created["address"] == "fd00:100::abc"
    assert created["version"] == 6
    assert sorted(created["port_ids"]) == sorted([ports["node04"], ports["node05"]])


def test_an_empty_port_list_is_never_sent(sim, cloud):
    net, ports = cluster(cloud)
    created = cloud.create_ip_address(net, 4, port_ids=[ports["node01"], ports["node02"]], known_ids=[])
    with pytest.raises(ValueError) as info:
        cloud.set_ip_address_ports(created["id"], [])
    assert "at least one port" in str(info.value)
    assert sim.count("PUT", "{ip_id}") == 0
    assert len(cloud.ip_address(created["id"])["port_ids"]) == 2


def test_unknown_or_foreign_address_reads_as_none(sim, cloud, client_for):
    assert cloud.ip_address("no-such-address") is None
    other = Cloud(client_for(username="other", api_key="other-api-key"))
    net, ports = cluster(cloud)
    mine = cloud.create_ip_address(net, 4, port_ids=[ports["node01"], ports["node02"]], known_ids=[])
    assert other.ip_address(mine["id"]) is None


def test_refusals_carry_the_neutron_type(sim, cloud):
    net, ports = cluster(cloud)
    with pytest.raises(ApiError) as info:
        cloud.create_ip_address(net, 4, port_ids=[ports["node01"]], known_ids=[])
    assert info.value.status == 400
    assert str(info.value).startswith("POST /v2.0/ip_addresses: 400 ")
    assert info.value.type and info.value.message


# -- a POST whose answer is lost ---------------------------------------------------------------

def test_lost_answer_to_a_post_finds_the_address_instead_of_creating_another(sim, cloud):
    net, ports = cluster(cloud)
    sim.faults(drop_next=[{"method": "POST", "path_regex": "/ip_addresses$", "times": 1, "when": "after"}])
    created = cloud.create_ip_address(net, 4, port_ids=[ports["node01"], ports["node02"]], known_ids=[])
    assert created["address"] == "192.168.100.100"
    assert [a["id"] for a in cloud.ip_addresses(network_id=net, type="shared")] == [created["id"]]
    assert sim.count("POST", "/ip_addresses") == 1
    assert sim.count("GET", "/ip_addresses") == 2  # the look-up, and the check above


def test_lost_answer_is_told_apart_from_an_older_address_on_the_same_ports(sim, cloud):
    net, ports = cluster(cloud)
    pair = [ports["node01"], ports["node02"]]
    older = cloud.create_ip_address(net, 4, port_ids=pair, known_ids=[])
    sim.call("POST", "/_sim/reset")
    sim.faults(drop_next=[{"method": "POST", "path_regex": "/ip_addresses$", "times": 1, "when": "after"}])
    created = cloud.create_ip_address(net, 4, port_ids=pair)  # no known_ids: it lists first
    assert created["id"] != older["id"]
    assert created["address"] == "192.168.100.101"
    assert len(cloud.ip_addresses(network_id=net, type="shared")) == 2
    assert sim.count("POST", "/ip_addresses") == 1
    assert sim.count("GET", "/ip_addresses") == 3  # snapshot, look-up, the check above


def test_post_dropped_before_it_ran_is_sent_once_more(sim, cloud):
    net, ports = cluster(cloud)
    sim.faults(drop_next=[{"method": "POST", "path_regex": "/ip_addresses$", "times": 1, "when": "before"}])
    created = cloud.create_ip_address(net, 4, port_ids=[ports["node01"], ports["node02"]], known_ids=[])
    assert [a["id"] for a in cloud.ip_addresses(network_id=net, type="shared")] == [created["id"]]
    assert sim.count("POST", "/ip_addresses") == 2


def test_post_lost_twice_gives_up_with_an_uncertain_write(sim, cloud):
    net, ports = cluster(cloud)
    sim.faults(fail_next=[{"method": "POST", "path_regex": "/ip_addresses$", "status": 500, "times": 2}])
    with pytest.raises(UncertainWrite) as info:
        cloud.create_ip_address(net, 4, port_ids=[ports["node01"], ports["node02"]], known_ids=[])
    assert str(info.value).startswith("POST /v2.0/ip_addresses: 500 ")
    assert cloud.ip_addresses(network_id=net, type="shared") == []
    assert sim.count("POST", "/ip_addresses") == 2


# -- ports of an address and associations ------------------------------------------------------

def test_internal_view_only_where_it_answers(sim, cloud):
    """Hidden (the real cloud's tenants): None, and callers do without it; served: the ports' services."""
    net, ports = cluster(cloud)
    ip = cloud.create_ip_address(net, 4, port_ids=[ports["node01"], ports["node02"]], known_ids=[])
    sim.call("POST", "/_sim/config", {"internal_view": False})
    assert cloud.ip_address_ports(ip["id"]) is None
    sim.call("POST", "/_sim/config", {"internal_view": True})
    assert set(p["service"] for p in cloud.ip_address_ports(ip["id"])) == {"none"}
    sim.call("POST", "/_sim/config", {"internal_view": False})


def test_associate_twice_is_already_done_and_disassociate_twice_is_404(sim, cloud):
    net, ports = cluster(cloud)
    ip = cloud.create_ip_address(net, 4, port_ids=[ports["node01"], ports["node02"]], known_ids=[])
    node01 = server_id(cloud, "node01")
    assert cloud.associate(node01, ip["id"]) == {"id": ip["id"], "address": ip["address"]}
    assert cloud.associate(node01, ip["id"]) is ALREADY          # 400 "association already exists"
    cloud.disassociate(node01, ip["id"])
    with pytest.raises(ApiError) as info:
        cloud.disassociate(node01, ip["id"])
    assert info.value.status == 404
    assert str(info.value).startswith("DELETE /v2/123456/servers/%s/ip_associations/%s: 404 itemNotFound: "
                                      % (node01, ip["id"]))


def test_associate_whose_answer_was_lost_is_done(sim, cloud, sleeps):
    net, ports = cluster(cloud)
    ip = cloud.create_ip_address(net, 4, port_ids=[ports["node01"], ports["node02"]], known_ids=[])
    node01 = server_id(cloud, "node01")
    sim.faults(drop_next=[{"method": "PUT", "path_regex": "/ip_associations/", "times": 1, "when": "after"}])
    assert cloud.associate(node01, ip["id"]) == {}        # done, and by us: a change, not ALREADY
    assert len(sleeps.delays) == 1
    assert sim.count("PUT", "{ip_id}") == 2  # the lost one and the repeat (answered 400: already exists)


def test_disassociate_whose_answer_was_lost_counts_as_done(sim, cloud):
    net, ports = cluster(cloud)
    ip = cloud.create_ip_address(net, 4, port_ids=[ports["node01"], ports["node02"]], known_ids=[])
    node01 = server_id(cloud, "node01")
    cloud.associate(node01, ip["id"])
    sim.faults(drop_next=[{"method": "DELETE", "path_regex": "/ip_associations/", "times": 1, "when": "after"}])
    cloud.disassociate(node01, ip["id"])
    assert cloud.associate(node01, ip["id"]) != ALREADY      # it was gone: associating again is a change


def test_servers_by_name_are_exact(sim, cloud):
    """Nova's filter is an unanchored regular expression: node1 would match node10; the read is anchored."""
    assert [s["name"] for s in cloud.servers(name="node1")] == []
    assert [s["name"] for s in cloud.servers(name="node10")] == ["node10"]
    assert [s["name"] for s in cloud.servers(name="node.1")] == []


# -- servers and metadata -----------------------------------------------------------------------

def test_servers_are_reduced_to_what_modules_use(sim, cloud):
    servers = dict((s["name"], s) for s in cloud.servers())
    assert sorted(servers) == ["node%02d" % n for n in range(1, 11)]
    assert servers["node10"]["zone"] == "B" and servers["node01"]["zone"] == "A"
    assert set(servers["node01"]) == {"id", "name", "status", "zone", "metadata"}
    assert cloud.server(servers["node03"]["id"]) == servers["node03"]
    assert [s["name"] for s in cloud.servers(name="node07")] == ["node07"]


def test_metadata_items_with_a_colon_in_the_key(sim, cloud):
    node = server_id(cloud, "node02")
    cloud.set_metadata_item(node, "failover-shared-ip:web vip", "192.168.100.100")
    assert cloud.server(node)["metadata"] == {"failover-shared-ip:web vip": "192.168.100.100"}
    cloud.delete_metadata_item(node, "failover-shared-ip:web vip")
    assert cloud.server(node)["metadata"] == {}


# -- pages --------------------------------------------------------------------------------------

def big_fixture(count=130):
    """The built-in fixture plus ``count`` servers with one port each on a network "big-net"."""
    fixture = builtin()
    fixture["networks"].append({"name": "big-net", "region": "DFW", "tenant": "123456",
                                "subnets": [{"cidr": "10.20.0.0/16", "allocate_from": "10.20.200.1"}]})
    for n in range(count):
        fixture["servers"].append({"name": "big%03d" % n, "region": "DFW", "tenant": "123456", "status": "ACTIVE",
                                   "zone": "A", "metadata": {},
                                   "ports": [{"network": "big-net", "fixed_ips": ["10.20.%d.%d" % (n // 200, n % 200 + 1)]}]})
    return fixture


@pytest.fixture(scope="module")
def big():
    sim, control = make_sim(big_fixture())
    yield control
    sim.stop()


def test_every_list_follows_pages_past_the_first_hundred(big, sleeps):
    from ansible_collections.failover.shared_ip.plugins.module_utils._client import Client

    big.reset()
    cloud = Cloud(Client.from_options(username="demo", api_key="demo-api-key", identity_url=big.identity_url,
                                      sleep=sleeps))
    assert len(cloud.servers()) == 140
    net = next(n["id"] for n in cloud.networks() if n["name"] == "big-net")
    ports = cloud.ports(network_id=net)
    assert len(ports) == 130
    for i in range(0, 2 * 105, 2):
        cloud.create_ip_address(net, 4, port_ids=[ports[i % 130]["id"], ports[(i + 1) % 130]["id"]], known_ids=[])
    addresses = cloud.ip_addresses(network_id=net, type="shared")
    assert len(addresses) == 105
    assert len(set(a["id"] for a in addresses)) == 105
    assert big.count("GET", "/ip_addresses") == 2
    assert big.count("GET", "/servers/detail") == 2
