"""Networks, subnets and ports as each tenant sees them; GET /ports filters."""
import pytest

from testbed.fakecloud import PUBLICNET_ID, SERVICENET_ID
from tests.testbed.fakecloud.helpers import CLUSTER_NET, error, port_id, server_id


def test_networks_as_each_tenant_sees_them(api, other):
    mine = {n["name"]: n for n in api.net("GET", "/networks").json()["networks"]}
    assert sorted(mine) == ["PublicNet", "ServiceNet", "cluster-net"]
    assert (mine["PublicNet"]["id"], mine["ServiceNet"]["id"], mine["cluster-net"]["id"]) == (
        PUBLICNET_ID, SERVICENET_ID, CLUSTER_NET)
    assert mine["PublicNet"]["shared"] is True and mine["cluster-net"]["shared"] is False
    subnets = api.net("GET", "/subnets", network_id=CLUSTER_NET).json()["subnets"]
    assert sorted((s["cidr"], s["ip_version"]) for s in subnets) == [("192.168.100.0/24", 4), ("fd00:100::/64", 6)]
    assert sorted(s["id"] for s in subnets) == sorted(mine["cluster-net"]["subnets"])
    theirs = [n["name"] for n in other.net("GET", "/networks").json()["networks"]]
    assert sorted(theirs) == ["PublicNet", "ServiceNet"]
    r = other.net("GET", "/subnets/" + subnets[0]["id"])
    assert r.status_code == 404 and error(r)["type"] == "SubnetNotFound"


@pytest.mark.parametrize("filters,expect", [
    ({"device_id": "node01"}, ["node01-PublicNet", "node01-ServiceNet", "node01-cluster-net"]),
    ({"device_id": "node01", "network_id": CLUSTER_NET}, ["node01-cluster-net"]),
    ({"network_id": SERVICENET_ID}, ["node%02d-ServiceNet" % n for n in range(1, 11)]),
    ({"device_id": "other01"}, []),
    ({"device_id": "node99"}, []),
])
def test_ports_filters(api, filters, expect):
    if "device_id" in filters:
        filters["device_id"] = server_id(filters["device_id"])
    ports = api.net("GET", "/ports", **filters).json()["ports"]
    assert sorted(p["name"] for p in ports) == expect


def test_port_shape_and_shared_addresses_in_fixed_ips(api):
    pid = port_id("node04", "cluster-net")
    port = api.net("GET", "/ports/" + pid).json()["port"]
    assert {k: port[k] for k in ("id", "network_id", "device_id", "tenant_id", "status")} == {
        "id": pid, "network_id": CLUSTER_NET, "device_id": server_id("node04"), "tenant_id": "123456",
        "status": "ACTIVE"}
    assert [f["ip_address"] for f in port["fixed_ips"]] == ["192.168.100.14", "fd00:100::14"]
    assert port["mac_address"].count(":") == 5
    api.share(["node04", "node05"])
    port = api.net("GET", "/ports/" + pid).json()["port"]
    assert [f["ip_address"] for f in port["fixed_ips"]] == ["192.168.100.14", "fd00:100::14", "192.168.100.100"]
