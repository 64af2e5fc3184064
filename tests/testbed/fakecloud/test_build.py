"""Large accounts (issue 10, cloud-api.md section 6): `extra_servers` adds servers unrelated to the cluster,
each with fixed addresses that every unfiltered read shows, and that no filtered read of the cluster sees."""
import pytest

from testbed.fakecloud import PUBLICNET_ID, SERVICENET_ID, builtin, start, stable_id
from testbed.fakecloud.client import Control, simulator
from testbed.fakecloud.fixture import FixtureError
from tests.testbed.fakecloud.helpers import CLUSTER_NET, Api, server_id

COUNT = 150


@pytest.fixture(scope="module")
def big():
    with start(extra_servers=COUNT) as sim:
        yield sim


@pytest.fixture
def bulk(big):
    Control(big.url).reset_all()
    return Api(big)


def test_servers_appear_in_every_listing(bulk):
    servers = bulk.get_all("compute", "/servers/detail", "servers")
    names = sorted(s["name"] for s in servers)
    assert len(names) == 10 + COUNT and names[:COUNT] == ["bulk-%05d" % n for n in range(1, COUNT + 1)]
    one = [s for s in servers if s["name"] == "bulk-00007"][0]
    assert one["id"] == server_id("bulk-00007") and one["status"] == "ACTIVE"
    assert one["addresses"] == {
        "public": [{"addr": "198.18.0.7", "version": 4}, {"addr": "2001:db8:10::1:7", "version": 6}],
        "private": [{"addr": "10.176.128.7", "version": 4}]}
    brief = bulk.get_all("compute", "/servers", "servers")
    assert sorted(s["name"] for s in brief) == names and set(brief[0]) == {"id", "name"}


def test_their_fixed_addresses_are_listed(bulk):
    everything = bulk.get_all("network", "/ip_addresses", "ip_addresses")
    assert len(everything) == 10 * 5 + COUNT * 3
    mine = bulk.get("network", "/ip_addresses", device_id=server_id("bulk-00150"))["ip_addresses"]
    assert sorted((ip["address"], ip["type"]) for ip in mine) == [
        ("10.176.128.150", "fixed"), ("198.18.0.150", "fixed"), ("2001:db8:10::1:96", "fixed")]
    ports = bulk.get("network", "/ports", device_id=server_id("bulk-00150"))["ports"]
    assert sorted(p["network_id"] for p in ports) == [PUBLICNET_ID, SERVICENET_ID]


def test_the_clusters_filtered_reads_do_not_see_them(bulk):
    assert bulk.get("network", "/ip_addresses", network_id=CLUSTER_NET, type="shared") == {"ip_addresses": []}
    assert len(bulk.get("network", "/ip_addresses", network_id=CLUSTER_NET)["ip_addresses"]) == 20
    assert bulk.get("network", "/ip_addresses", network_id=PUBLICNET_ID, type="shared") == {"ip_addresses": []}
    found = bulk.get("compute", "/servers/detail", name="node01")["servers"]
    assert [s["name"] for s in found] == ["node01"]          # bulk-NNNNN never matches a node name
    found = bulk.get("compute", "/servers/detail", name="node1")["servers"]
    assert [s["name"] for s in found] == ["node10"]
    assert [s["name"] for s in bulk.get("compute", "/servers/detail", name="^bulk-00007$")["servers"]] == ["bulk-00007"]
    assert len(bulk.get("compute", "/servers", name="bulk-0000")["servers"]) == 9


def test_shared_ips_still_work_beside_them(bulk):
    ip = bulk.share(["node01", "node02"], network="PublicNet").json()["ip_address"]
    assert ip["address"] == "203.0.113.100"
    r = bulk.net("POST", "/ip_addresses", {"ip_address": {"network_id": PUBLICNET_ID, "version": 4, "device_ids": [
        server_id("bulk-00001"), server_id("bulk-00002")]}})
    assert r.status_code == 201 and r.json()["ip_address"]["address"] == "203.0.113.101"
    listed = bulk.get("network", "/ip_addresses", network_id=PUBLICNET_ID, type="shared")["ip_addresses"]
    assert sorted(i["address"] for i in listed) == ["203.0.113.100", "203.0.113.101"]


def test_fixture_key_and_command_line_option():
    data = builtin()
    data["extra_servers"] = 4
    with start(fixture=data) as sim:
        assert len(Api(sim).get("compute", "/servers")["servers"]) == 14
    with simulator(extra_servers=3) as sim:
        assert len(sim.session().get("compute", "/servers")["servers"]) == 13


@pytest.mark.parametrize("value", [-1, "many", True, 30001])
def test_bad_count_is_refused(value):
    data = builtin()
    data["extra_servers"] = value
    with pytest.raises(FixtureError, match="extra_servers must be a whole number"):
        start(fixture=data)


def test_stable_ids_of_bulk_servers():
    assert server_id("bulk-00001") == stable_id("server", "DFW", "bulk-00001")
