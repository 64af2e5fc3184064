"""Associations, servers and metadata on the compute endpoint (cloud-api.md section 4), Nova error shapes."""
import pytest

from tests.fakecloud_tests.helpers import CLUSTER_NET, error, port_id, server_id

UNKNOWN = "99999999-9999-9999-9999-999999999999"


@pytest.fixture
def shared(api):
    ports = [port_id(n, "cluster-net") for n in ("node01", "node02")]
    r = api.net("POST", "/ip_addresses", {"ip_address": {"network_id": CLUSTER_NET, "version": 4, "port_ids": ports}})
    return r.json()["ip_address"]


def assoc_url(server, ip_id=None):
    return "/servers/%s/ip_associations%s" % (server_id(server), "/" + ip_id if ip_id else "")


def services(api, ip_id):
    ports = api.net("GET", "/ip_addresses/%s/ports" % ip_id).json()["ip_addresses_ports"]
    return {p["device_id"]: p["service"] for p in ports}


def test_associate_sets_compute_and_disassociate_sets_none(api, shared):
    assert api.comp("GET", assoc_url("node01")).json() == {"ip_associations": []}
    r = api.comp("GET", assoc_url("node01", shared["id"]))
    assert r.status_code == 404 and error(r, "itemNotFound")["code"] == 404
    r = api.comp("PUT", assoc_url("node01", shared["id"]))
    assert r.status_code == 201
    assert r.json() == {"ip_association": {"id": shared["id"], "address": shared["address"]}}
    assert services(api, shared["id"]) == {server_id("node01"): "compute", server_id("node02"): "none"}
    assert api.comp("GET", assoc_url("node01", shared["id"])).json() == r.json()
    assert api.comp("GET", assoc_url("node01")).json() == {"ip_associations": [r.json()["ip_association"]]}
    listed = api.net("GET", "/ip_addresses", service="compute", device_id=server_id("node01")).json()
    assert [ip["id"] for ip in listed["ip_addresses"]] == [shared["id"]]
    r = api.comp("DELETE", assoc_url("node01", shared["id"]))
    assert (r.status_code, r.content) == (204, b"")
    assert services(api, shared["id"]) == {server_id("node01"): "none", server_id("node02"): "none"}


# (id, server, ip ("shared" or an id), prepare by associating node01 first, status, Nova key)
REFUSED = [
    ("PUT: association exists", "PUT", "node01", "shared", True, 400, "badRequest"),
    ("PUT: unknown server", "PUT", UNKNOWN, "shared", False, 404, "itemNotFound"),
    ("PUT: another tenant's server", "PUT", "other01", "shared", False, 404, "itemNotFound"),
    ("PUT: unknown address", "PUT", "node01", UNKNOWN, False, 404, "itemNotFound"),
    ("PUT: address not on the server's ports", "PUT", "node03", "shared", False, 404, "itemNotFound"),
    ("DELETE: no association", "DELETE", "node02", "shared", True, 404, "itemNotFound"),
    ("DELETE: unknown address", "DELETE", "node01", UNKNOWN, False, 404, "itemNotFound"),
    ("DELETE: unknown server", "DELETE", UNKNOWN, "shared", False, 404, "itemNotFound"),
    ("GET: unknown server", "GET", UNKNOWN, None, False, 404, "itemNotFound"),
]


@pytest.mark.parametrize("method,server,ip,prepare,status,key", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_association_refused(api, shared, method, server, ip, prepare, status, key):
    if prepare:
        assert api.associate("node01", shared["id"]).status_code == 201
    ip_id = shared["id"] if ip == "shared" else ip
    url = "/servers/%s/ip_associations%s" % (
        server if server == UNKNOWN else server_id(server), "/" + ip_id if ip_id else "")
    before = api.sim.state.dump()
    r = api.comp(method, url)
    assert r.status_code == status, r.text
    assert error(r, key)["code"] == status and error(r, key)["message"]
    assert api.sim.state.dump() == before


def test_server_with_two_ports_holding_the_address(api, shared):
    from tests.fakecloud import start
    from tests.fakecloud.fixture import builtin
    from tests.fakecloud_tests.helpers import Api

    fixture = builtin()
    fixture["servers"][0]["ports"].append({"network": "cluster-net", "id": "0e0e0e0e-0000-4000-8000-000000000002",
                                           "fixed_ips": ["192.168.100.201"]})
    with start(fixture=fixture) as sim:
        api = Api(sim)
        ports = [port_id("node01", "cluster-net"), "0e0e0e0e-0000-4000-8000-000000000002"]
        ip = api.net("POST", "/ip_addresses", {"ip_address": {"network_id": CLUSTER_NET, "version": 4,
                                                              "port_ids": ports}}).json()["ip_address"]
        r = api.associate("node01", ip["id"])
        assert r.status_code == 400 and "ambiguous" in error(r, "badRequest")["message"]


def test_servers_detail_and_one_server(api):
    r = api.comp("GET", "/servers/detail")
    servers = r.json()["servers"]
    assert sorted(s["name"] for s in servers) == ["node%02d" % n for n in range(1, 11)]
    node10 = [s for s in servers if s["name"] == "node10"][0]
    assert node10["RAX-PUBLIC-IP-ZONE-ID:publicIPZoneId"] == "B" and node10["status"] == "ACTIVE"
    assert node10["id"] == server_id("node10")
    assert {"addr": "192.168.100.20", "version": 4} in node10["addresses"]["cluster-net"]
    assert api.comp("GET", "/servers/" + server_id("node10")).json() == {"server": node10}
    r = api.comp("GET", "/servers/" + server_id("other01"))
    assert r.status_code == 404 and error(r, "itemNotFound")


@pytest.mark.parametrize("name,expect", [
    ("node01", ["node01"]),
    ("node1", ["node10"]),            # Nova matches the name as a regular expression
    ("^node0[12]$", ["node01", "node02"]),
    ("other01", []),
])
def test_servers_detail_name_filter(api, name, expect):
    servers = api.comp("GET", "/servers/detail", name=name).json()["servers"]
    assert sorted(s["name"] for s in servers) == expect


def test_metadata_item_lifecycle(api):
    base = "/servers/%s/metadata" % server_id("node01")
    key = "failover-shared-ip:web"
    assert api.comp("GET", base).json() == {"metadata": {}}
    r = api.comp("GET", base + "/" + key)
    assert r.status_code == 404 and error(r, "itemNotFound")
    r = api.comp("PUT", base + "/" + key, {"meta": {key: "192.168.100.100"}})
    assert r.status_code == 200 and r.json() == {"meta": {key: "192.168.100.100"}}
    assert api.comp("GET", base + "/" + key).json() == {"meta": {key: "192.168.100.100"}}
    assert api.comp("GET", base).json() == {"metadata": {key: "192.168.100.100"}}
    assert api.comp("GET", "/servers/" + server_id("node01")).json()["server"]["metadata"] == {key: "192.168.100.100"}
    assert api.comp("DELETE", base + "/" + key).status_code == 204
    r = api.comp("DELETE", base + "/" + key)
    assert r.status_code == 404 and error(r, "itemNotFound")


@pytest.mark.parametrize("key,body,text", [
    ("k" * 256, {"meta": {"k" * 256: "v"}}, "1 to 255"),
    ("k", {"meta": {"k": "v" * 256}}, "longer than 255"),
    ("k", {"meta": {"k": 5}}, "must be a string"),
    ("k", {"meta": {"j": "v"}}, "URI mismatch"),
    ("k", {"meta": {"k": "v", "j": "w"}}, "too many items"),
    ("k", {"metadata": {"k": "v"}}, "Malformed"),
])
def test_metadata_refused(api, key, body, text):
    r = api.comp("PUT", "/servers/%s/metadata/%s" % (server_id("node01"), key), body)
    assert r.status_code == 400 and text in error(r, "badRequest")["message"]
    assert api.comp("GET", "/servers/%s/metadata" % server_id("node01")).json() == {"metadata": {}}


def test_metadata_limits_are_inclusive(api):
    key = "k" * 255
    r = api.comp("PUT", "/servers/%s/metadata/%s" % (server_id("node01"), key), {"meta": {key: "v" * 255}})
    assert r.status_code == 200


def test_another_tenants_server_metadata_is_not_found(api, other):
    r = other.comp("GET", "/servers/%s/metadata" % server_id("node01"))
    assert r.status_code == 404 and error(r, "itemNotFound")
