"""Every rule of /v2.0/ip_addresses (cloud-api.md section 3), with the exact status and webob error body
(Quark's routes: {"code", "title", "message"}, no error type)."""
import pytest

from testbed.fakecloud import PUBLICNET_ID, SERVICENET_ID, start
from testbed.fakecloud.fixture import builtin
from tests.testbed.fakecloud.helpers import CLUSTER_NET, Api, error, port_id, quark_error, server_id

NODE1, NODE2, NODE3 = (port_id("node%02d" % n, "cluster-net") for n in (1, 2, 3))
UNKNOWN = "99999999-9999-9999-9999-999999999999"


def post(api, spec):
    return api.net("POST", "/ip_addresses", {"ip_address": spec})


def spec(**changes):
    base = {"network_id": CLUSTER_NET, "version": 4, "port_ids": [NODE1, NODE2]}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


# (id, request body, status, what Quark would have named the error (not sent), text in the message)
REFUSED = [
    ("no ip_address key", {"network_id": CLUSTER_NET, "version": 4, "port_ids": [NODE1, NODE2]}, 400, "BadRequest",
     "ip_address"),
    ("body not an object", ["x"], 400, "BadRequest", "ip_address"),
    ("version missing", {"ip_address": spec(version=None)}, 400, "BadRequest", "version is required"),
    ("network_id missing", {"ip_address": spec(network_id=None)}, 400, "BadRequest", "network_id is required"),
    ("no ports, no devices", {"ip_address": spec(port_ids=None)}, 400, "BadRequest", "port_ids or device_ids"),
    ("empty port list", {"ip_address": spec(port_ids=[])}, 400, "BadRequest", "port_ids or device_ids"),
    ("port_ids not a list", {"ip_address": spec(port_ids=NODE1)}, 400, "BadRequest", "port_ids must be a list"),
    ("version 5", {"ip_address": spec(version=5)}, 400, "BadRequest", "version must be 4 or 6"),
    ("version 'four'", {"ip_address": spec(version="four")}, 400, "BadRequest", "version must be 4 or 6"),
    ("one port only", {"ip_address": spec(port_ids=[NODE1])}, 400, "BadRequest",
     "Only shared IPs may be made with this resource"),
    ("same port twice", {"ip_address": spec(port_ids=[NODE1, NODE1])}, 400, "BadRequest",
     "Only shared IPs may be made with this resource"),
    ("one device only", {"ip_address": spec(port_ids=None, device_ids=[server_id("node01")])}, 400, "BadRequest",
     "Only shared IPs may be made with this resource"),
    ("two devices win over ports, one of them unknown", {"ip_address": spec(
        port_ids=[NODE1, NODE2], device_ids=[server_id("node01"), UNKNOWN])}, 404, "PortNotFound", UNKNOWN),
    ("port not on the network", {"ip_address": spec(port_ids=[NODE1, port_id("node02", "PublicNet")])}, 400,
     "BadRequest", "is not on network"),
    ("network unknown", {"ip_address": spec(network_id=UNKNOWN)}, 404, "NetworkNotFound", UNKNOWN),
    ("port unknown", {"ip_address": spec(port_ids=[NODE1, UNKNOWN])}, 404, "PortNotFound", UNKNOWN),
    ("another tenant's port", {"ip_address": spec(network_id=PUBLICNET_ID, port_ids=[
        port_id("node01", "PublicNet"), port_id("other01", "PublicNet")])}, 404, "PortNotFound",
     port_id("other01", "PublicNet")),
    ("device unknown", {"ip_address": spec(port_ids=None, device_ids=[server_id("node01"), UNKNOWN])}, 404,
     "PortNotFound", UNKNOWN),
    ("another tenant's device", {"ip_address": spec(port_ids=None, device_ids=[server_id("node01"),
                                                                               server_id("other01")])},
     404, "PortNotFound", server_id("other01")),
    ("ServiceNet: quota 0", {"ip_address": spec(network_id=SERVICENET_ID, port_ids=[
        port_id("node01", "ServiceNet"), port_id("node02", "ServiceNet")])}, 409, "CannotCreateMoreSharedIPs",
     "the quota is 0"),
    ("no IPv6 subnet on ServiceNet", {"ip_address": spec(network_id=SERVICENET_ID, version=6, port_ids=[
        port_id("node01", "ServiceNet"), port_id("node02", "ServiceNet")])}, 400, "BadRequest", "no IPv6 subnet"),
    ("PublicNet members in two zones", {"ip_address": spec(network_id=PUBLICNET_ID, port_ids=[
        port_id("node09", "PublicNet"), port_id("node10", "PublicNet")])}, 400, "BadRequest", "public IP zone"),
    ("ip_address asked on PublicNet", {"ip_address": spec(network_id=PUBLICNET_ID, ip_address="203.0.113.200",
                                                          port_ids=[port_id("node01", "PublicNet"),
                                                                    port_id("node02", "PublicNet")])},
     400, "BadRequest", "isolated networks"),
    ("ip_address outside the subnet", {"ip_address": spec(ip_address="192.168.101.5")}, 400, "BadRequest",
     "outside subnet"),
    ("ip_address is the network address", {"ip_address": spec(ip_address="192.168.100.0")}, 400, "BadRequest",
     "is the network address"),
    ("ip_address is the broadcast address", {"ip_address": spec(ip_address="192.168.100.255")}, 400, "BadRequest",
     "is the broadcast address"),
    ("ip_address is a member's own fixed IP", {"ip_address": spec(ip_address="192.168.100.11")}, 409,
     "IpAddressInUse", "already in use"),
    ("ip_address of the other version", {"ip_address": spec(ip_address="fd00:100::5")}, 400, "BadRequest",
     "not an IPv4 address"),
    ("ip_address not an address", {"ip_address": spec(ip_address="nope")}, 400, "BadRequest", "not an IPv4"),
    ("ip_address in use (a fixed IP)", {"ip_address": spec(ip_address="192.168.100.13")}, 409, "IpAddressInUse",
     "already in use"),
]


@pytest.mark.parametrize("body,status,type_,text", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_create_refused(api, body, status, type_, text):
    before = api.sim.state.dump()
    r = api.net("POST", "/ip_addresses", body)
    assert r.status_code == status, r.text
    err = quark_error(r, status)
    assert text in err["message"] and type_ not in r.text
    assert api.sim.state.dump() == before, "a refused request changed the cloud"


# (id, spec changes, expected address, version)
ACCEPTED = [
    ("v4 from .100", {}, "192.168.100.100", 4),
    ("v6 from ::100", {"version": 6}, "fd00:100::100", 6),
    ("version as a string", {"version": "4"}, "192.168.100.100", 4),
    ("asked address", {"ip_address": "192.168.100.150"}, "192.168.100.150", 4),
    ("asked v6 address", {"version": 6, "ip_address": "fd00:100::abc"}, "fd00:100::abc", 6),
    ("by device", {"port_ids": None, "device_ids": [server_id("node01"), server_id("node02")]}, "192.168.100.100", 4),
    ("ports and devices: the devices win", {"port_ids": [NODE3, UNKNOWN], "device_ids": [
        server_id("node01"), server_id("node02")]}, "192.168.100.100", 4),
]


@pytest.mark.parametrize("changes,address,version", [a[1:] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED])
def test_create_accepted(api, served, changes, address, version):
    r = post(api, spec(**changes))
    assert r.status_code == 201, r.text
    ip = r.json()["ip_address"]
    assert ip["address"] == address and ip["version"] == version and ip["type"] == "shared"
    assert ip["port_ids"] == [NODE1, NODE2] and ip["network_id"] == CLUSTER_NET and ip["tenant_id"] == "123456"
    assert api.net("GET", "/ip_addresses/" + ip["id"]).json() == {"ip_address": ip}
    ports = api.net("GET", "/ip_addresses/%s/ports" % ip["id"]).json()["ip_addresses_ports"]
    assert sorted(ports, key=lambda p: p["id"]) == sorted(
        [{"id": NODE1, "device_id": server_id("node01"), "service": "none"},
         {"id": NODE2, "device_id": server_id("node02"), "service": "none"}], key=lambda p: p["id"])


def test_allocation_skips_used_addresses(api):
    first = post(api, spec()).json()["ip_address"]["address"]
    assert post(api, spec(ip_address="192.168.100.101")).status_code == 201
    third = post(api, spec(port_ids=[NODE2, NODE3])).json()["ip_address"]["address"]
    assert (first, third) == ("192.168.100.100", "192.168.100.102")


def test_asked_address_in_use_by_a_shared_ip(api):
    assert post(api, spec(ip_address="192.168.100.150")).status_code == 201
    r = post(api, spec(port_ids=[NODE2, NODE3], ip_address="192.168.100.150"))
    assert r.status_code == 409 and "already in use" in quark_error(r, 409)["message"]


def _pub(*names):
    return [port_id(n, "PublicNet") for n in names]


def test_publicnet_quota_is_five_per_tenant(api):
    pairs = [("node01", "node02"), ("node03", "node04"), ("node05", "node06"), ("node07", "node08"),
             ("node01", "node03")]
    for pair in pairs:
        r = post(api, spec(network_id=PUBLICNET_ID, port_ids=_pub(*pair)))
        assert r.status_code == 201, r.text
        assert r.json()["ip_address"]["address"].startswith("203.0.113.")
    r = post(api, spec(network_id=PUBLICNET_ID, port_ids=_pub("node02", "node04")))
    assert r.status_code == 409 and "quota is 5" in quark_error(r, 409)["message"]
    # the quota is per tenant: the other tenant still has its five
    other = Api(api.sim, ("other", "other-api-key", "654321"))
    r = post(other, spec(network_id=PUBLICNET_ID, port_ids=_pub("other01", "other02")))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("network,ports,fits", [
    ("PublicNet", _pub("node01", "node02"), 4),      # 6 a port, 2 of them fixed (v4 + v6)
    ("cluster-net", [NODE1, NODE2], 3),             # 5 a port, 2 of them fixed
], ids=["PublicNet: 6 a port", "isolated: 5 a port"])
def test_port_address_limit(api, network, ports, fits):
    net = PUBLICNET_ID if network == "PublicNet" else CLUSTER_NET
    for dummy in range(fits):
        assert post(api, spec(network_id=net, port_ids=ports)).status_code == 201
    r = post(api, spec(network_id=net, port_ids=ports, version=6))
    assert r.status_code == 409, r.text
    assert "already holds" in quark_error(r, 409)["message"] and ports[0] in r.json()["message"]
    held = api.net("GET", "/ports/" + ports[0]).json()["port"]["fixed_ips"]
    assert len(held) == fits + 2


def test_device_with_two_ports_on_the_network_is_ambiguous():
    fixture = builtin()
    node01 = fixture["servers"][0]
    node01["ports"].append({"network": "cluster-net", "id": "0e0e0e0e-0000-4000-8000-000000000001",
                            "fixed_ips": ["192.168.100.201"]})
    with start(fixture=fixture) as sim:
        api = Api(sim)
        r = post(api, spec(port_ids=None, device_ids=[server_id("node01"), server_id("node02")]))
        assert r.status_code == 400 and "ambiguous" in quark_error(r, 400)["message"]
        # naming the ports themselves is fine
        assert post(api, spec()).status_code == 201


# ----- PUT -----

@pytest.fixture
def shared(api):
    ip = post(api, spec()).json()["ip_address"]
    assert api.associate("node01", ip["id"]).status_code == 201
    return ip


PUT_REFUSED = [
    ("empty port list", {"ip_address": {"port_ids": []}}, 400, "BadRequest", "must not be empty"),
    ("empty port list, no associated port", {"ip_address": {"port_ids": []}}, 400, "BadRequest", "must not be empty"),
    ("no port_ids", {"ip_address": {}}, 400, "BadRequest", "port_ids is required"),
    ("no ip_address key", {"port_ids": [NODE1, NODE2]}, 400, "BadRequest", "ip_address"),
    ("drops an associated port", {"ip_address": {"port_ids": [NODE2, NODE3]}}, 400, "PortRequiresDisassociation",
     "Port requires disassociation"),
    ("port not on the network", {"ip_address": {"port_ids": [NODE1, port_id("node03", "PublicNet")]}}, 400,
     "BadRequest", "is not on network"),
    ("port unknown", {"ip_address": {"port_ids": [NODE1, UNKNOWN]}}, 404, "PortNotFound", UNKNOWN),
]


@pytest.mark.parametrize("body,status,type_,text", [r[1:] for r in PUT_REFUSED], ids=[r[0] for r in PUT_REFUSED])
def test_put_refused(api, view, shared, request, body, status, type_, text):
    if "no associated port" in request.node.callspec.id:
        api.comp("DELETE", "/servers/%s/ip_associations/%s" % (server_id("node01"), shared["id"]))
    before = api.sim.state.dump()
    r = api.net("PUT", "/ip_addresses/" + shared["id"], body)
    assert r.status_code == status, r.text
    assert text in quark_error(r, status)["message"] and type_ not in r.text
    assert api.sim.state.dump() == before


def test_put_replaces_the_port_list_keeping_services(api, served, shared):
    r = api.net("PUT", "/ip_addresses/" + shared["id"], {"ip_address": {"port_ids": [NODE1, NODE3]}})
    assert r.status_code == 200
    assert r.json()["ip_address"]["port_ids"] == [NODE1, NODE3] and r.json()["ip_address"]["type"] == "shared"
    ports = api.net("GET", "/ip_addresses/%s/ports" % shared["id"]).json()["ip_addresses_ports"]
    assert {p["id"]: p["service"] for p in ports} == {NODE1: "compute", NODE3: "none"}
    # down to one port: allowed, and the address still reads shared (type never changes)
    r = api.net("PUT", "/ip_addresses/" + shared["id"], {"ip_address": {"port_ids": [NODE1]}})
    assert r.status_code == 200 and r.json()["ip_address"]["type"] == "shared"
    listed = api.net("GET", "/ip_addresses", type="shared").json()["ip_addresses"]
    assert [(ip["id"], ip["port_ids"]) for ip in listed] == [(shared["id"], [NODE1])]


def test_put_adding_a_port_at_its_limit(api, shared):
    for dummy in range(3):
        assert post(api, spec(port_ids=[NODE3, port_id("node04", "cluster-net")])).status_code == 201
    r = api.net("PUT", "/ip_addresses/" + shared["id"], {"ip_address": {"port_ids": [NODE1, NODE2, NODE3]}})
    assert r.status_code == 409 and "already holds 5 addresses" in quark_error(r, 409)["message"]


def test_put_publicnet_zones(api):
    ip = post(api, spec(network_id=PUBLICNET_ID, port_ids=_pub("node08", "node09"))).json()["ip_address"]
    r = api.net("PUT", "/ip_addresses/" + ip["id"], {"ip_address": {"port_ids": _pub("node08", "node09", "node10")}})
    assert r.status_code == 400 and "public IP zone" in quark_error(r, 400)["message"]


def test_fixed_ips_of_ports_are_listed_but_not_writable(api):
    fixed = api.net("GET", "/ip_addresses", address="192.168.100.11").json()["ip_addresses"]
    assert len(fixed) == 1 and fixed[0]["type"] == "fixed" and fixed[0]["port_ids"] == [NODE1]
    for method, body in (("PUT", {"ip_address": {"port_ids": [NODE1, NODE2]}}), ("DELETE", None)):
        r = api.net(method, "/ip_addresses/" + fixed[0]["id"], body)
        assert r.status_code == 400 and "fixed IP" in quark_error(r, 400)["message"]


# ----- DELETE -----

def test_delete_needs_every_port_disassociated(api, view, shared):
    r = api.net("DELETE", "/ip_addresses/" + shared["id"])
    assert r.status_code == 400 and "PortRequiresDisassociation" not in r.text
    assert "Port requires disassociation before IP can be deleted" in quark_error(r, 400)["message"]
    assert api.comp("DELETE", "/servers/%s/ip_associations/%s" % (server_id("node01"), shared["id"])).status_code == 204
    r = api.net("DELETE", "/ip_addresses/" + shared["id"])
    assert (r.status_code, r.content) == (204, b"")
    r = api.net("DELETE", "/ip_addresses/" + shared["id"])
    assert r.status_code == 404 and shared["id"] in quark_error(r, 404)["message"]


# ----- tenant isolation -----

@pytest.mark.parametrize("method,suffix,body", [
    ("GET", "", None),
    ("PUT", "", {"ip_address": {"port_ids": [NODE1]}}),
    ("DELETE", "", None),
    ("GET", "/ports", None),
    ("GET", "/ports/" + NODE1, None),
])
def test_another_tenants_address_is_not_found(api, served, other, shared, method, suffix, body):
    r = other.net(method, "/ip_addresses/%s%s" % (shared["id"], suffix), body)
    assert r.status_code == 404 and shared["id"] in quark_error(r, 404)["message"]
    assert shared["id"] not in other.net("GET", "/ip_addresses").text


def test_another_tenants_ports_are_not_listed(api, other):
    ports = other.net("GET", "/ports").json()["ports"]
    assert {p["device_id"] for p in ports} == {server_id("other01"), server_id("other02")}
    r = other.net("GET", "/ports/" + NODE1)
    assert r.status_code == 404 and error(r)["type"] == "PortNotFound"
    r = other.net("GET", "/networks/" + CLUSTER_NET)
    assert r.status_code == 404 and error(r)["type"] == "NetworkNotFound"


# ----- sub-resource ports and list filters -----

def test_ip_address_ports_filters_and_item(api, served, shared):
    url = "/ip_addresses/%s/ports" % shared["id"]
    assert [p["id"] for p in api.net("GET", url, service="compute").json()["ip_addresses_ports"]] == [NODE1]
    assert [p["id"] for p in api.net("GET", url, device_id=server_id("node02")).json()["ip_addresses_ports"]] == [
        NODE2]
    assert [p["id"] for p in api.net("GET", url, id=NODE2).json()["ip_addresses_ports"]] == [NODE2]
    assert api.net("GET", url, service="none", device_id=server_id("node01")).json()["ip_addresses_ports"] == []
    r = api.net("GET", "%s/%s" % (url, NODE1))
    assert r.json() == {"ip_addresses_port": {"id": NODE1, "device_id": server_id("node01"), "service": "compute"}}
    r = api.net("GET", "%s/%s" % (url, NODE3))
    assert r.status_code == 404 and NODE3 in quark_error(r, 404)["message"]


@pytest.mark.parametrize("filters,expect", [
    ({"type": "shared"}, ["v4", "v6"]),
    ({"version": "6", "type": "shared"}, ["v6"]),
    ({"network_id": CLUSTER_NET, "type": "shared"}, ["v4", "v6"]),
    ({"address": "192.168.100.100"}, ["v4"]),
    ({"port_ids": NODE3}, ["v6", "node03 v4", "node03 v6"]),
    ({"port_id": NODE3}, ["v6", "node03 v4", "node03 v6"]),
    ({"port_id": NODE3, "type": "fixed"}, ["node03 v4", "node03 v6"]),
    ({"device_id": server_id("node03"), "type": "shared"}, ["v6"]),
    ({"device_id": server_id("node03"), "network_id": CLUSTER_NET}, ["v6", "node03 v4", "node03 v6"]),
    ({"service": "compute"}, ["v4"]),
    ({"service": "none", "type": "shared"}, ["v4", "v6"]),
    ({"type": "shared", "subnet_id": "v6-subnet"}, ["v6"]),
    ({"id": "v6"}, ["v6"]),
    ({"type": "shared", "version": "4", "network_id": PUBLICNET_ID}, []),
])
def test_list_filters(api, shared, filters, expect):
    v6 = post(api, spec(version=6, port_ids=[NODE1, NODE3])).json()["ip_address"]
    names = {shared["id"]: "v4", v6["id"]: "v6"}
    for ip in api.net("GET", "/ip_addresses", device_id=server_id("node03")).json()["ip_addresses"]:
        names.setdefault(ip["id"], "node03 v%d" % ip["version"])
    ids = {v: k for k, v in names.items()}
    filters = {k: ({"v6-subnet": v6["subnet_id"]}.get(v) or ids.get(v, v)) for k, v in filters.items()}
    got = api.net("GET", "/ip_addresses", **filters).json()["ip_addresses"]
    assert sorted(names.get(ip["id"], ip["address"]) for ip in got) == sorted(expect)


# ----- GET /ip_addresses lists every address, fixed and shared (sections 3 and 6) -----

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


def test_publicnet_shared_read_is_empty_and_filtered(api):
    assert api.net("GET", "/ip_addresses", network_id=PUBLICNET_ID, type="shared").json() == {"ip_addresses": []}
