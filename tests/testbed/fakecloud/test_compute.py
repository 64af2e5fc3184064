"""Associations, servers and metadata on the compute endpoint (cloud-api.md section 4), Nova error shapes."""
import pytest

from tests.testbed.fakecloud.helpers import CLUSTER_NET, error, port_id, server_id

UNKNOWN = "99999999-9999-9999-9999-999999999999"


@pytest.fixture
def shared(api):
    ports = [port_id(n, "cluster-net") for n in ("node01", "node02")]
    r = api.net("POST", "/ip_addresses", {"ip_address": {"network_id": CLUSTER_NET, "version": 4, "port_ids": ports}})
    return r.json()["ip_address"]


def assoc_url(server, ip_id=None):
    return "/servers/%s/ip_associations%s" % (server_id(server), "/" + ip_id if ip_id else "")


def services(api, ip_id):
    """{server id: service} from the simulator's own state (true in both modes of the internal view)."""
    for ip in api.sim.state.dump()["regions"]["DFW"]["ip_addresses"]:
        if ip["id"] == ip_id:
            return {api.sim.state.port("123456", "DFW", pid)["device_id"]: svc for pid, svc in ip["services"].items()}
    raise AssertionError("no address %s" % ip_id)


def test_associate_sets_compute_and_disassociate_sets_none(api, view, shared):
    r = api.comp("PUT", assoc_url("node01", shared["id"]))
    assert r.status_code == 201
    assert r.json() == {"ip_association": {"id": shared["id"], "address": shared["address"]}}
    assert services(api, shared["id"]) == {server_id("node01"): "compute", server_id("node02"): "none"}
    listed = api.net("GET", "/ip_addresses", service="compute", device_id=server_id("node01")).json()
    assert [ip["id"] for ip in listed["ip_addresses"]] == [shared["id"]]
    r = api.comp("DELETE", assoc_url("node01", shared["id"]))
    assert (r.status_code, r.content) == (204, b"")
    assert services(api, shared["id"]) == {server_id("node01"): "none", server_id("node02"): "none"}


@pytest.mark.parametrize("body", [None, {"ip_association": {}}], ids=["no body", "ip_association body"])
def test_put_body_json_or_none(api, shared, body):
    r = api.comp("PUT", assoc_url("node02", shared["id"]), body)
    assert r.status_code == 201 and r.json() == {"ip_association": {"id": shared["id"], "address": shared["address"]}}
    assert services(api, shared["id"])[server_id("node02")] == "compute"


def test_put_malformed_body_is_refused(api, shared):
    r = api.comp("PUT", assoc_url("node02", shared["id"]), {"ip_association": "yes"})
    assert r.status_code == 400 and "Malformed" in error(r, "badRequest")["message"]
    assert services(api, shared["id"])[server_id("node02")] == "none"


def test_second_put_answers_association_already_exists(api, view, shared):
    assert api.associate("node01", shared["id"]).status_code == 201
    before = api.sim.state.dump()
    r = api.comp("PUT", assoc_url("node01", shared["id"]), {"ip_association": {}})
    assert r.status_code == 400
    assert list(r.json()) == ["badRequest"] and r.json()["badRequest"]["code"] == 400
    assert "association already exists" in r.json()["badRequest"]["message"]
    assert api.sim.state.dump() == before


def _reads(api, server, ip_id):
    one = api.comp("GET", assoc_url(server, ip_id))
    listed = api.comp("GET", assoc_url(server))
    assert listed.status_code == 200
    return one.status_code, [a["id"] for a in listed.json()["ip_associations"]]


def test_reads_over_report_while_the_view_is_hidden(api, shared):
    """Caveat of section 4: GET one answers 200 for any address of the tenant; the list is
    ip_addresses?device_id=SERVER&service=compute (any port associated, not necessarily this server's)."""
    fixed_of_node05 = api.net("GET", "/ip_addresses", address="192.168.100.15").json()["ip_addresses"][0]["id"]
    assert _reads(api, "node01", shared["id"]) == (200, [])              # nobody associated: 200 all the same
    assert _reads(api, "node05", shared["id"]) == (200, [])              # not even a member: 200
    assert _reads(api, "node01", fixed_of_node05)[0] == 200              # another server's fixed address: 200
    assert api.associate("node02", shared["id"]).status_code == 201
    assert _reads(api, "node01", shared["id"]) == (200, [shared["id"]])  # node02's association shows on node01
    assert _reads(api, "node02", shared["id"]) == (200, [shared["id"]])
    assert _reads(api, "node05", shared["id"]) == (200, [])              # no port of node05 holds it
    via_quark = api.net("GET", "/ip_addresses", device_id=server_id("node01"), service="compute").json()
    assert [ip["id"] for ip in via_quark["ip_addresses"]] == [shared["id"]]
    r = api.comp("GET", assoc_url("node01", "99999999-9999-9999-9999-999999999999"))
    assert r.status_code == 404 and error(r, "itemNotFound")


def test_reads_are_exact_while_the_view_is_served(api, served, shared):
    assert _reads(api, "node01", shared["id"]) == (404, [])
    assert api.associate("node02", shared["id"]).status_code == 201
    assert _reads(api, "node01", shared["id"]) == (404, [])              # node02's association is node02's only
    assert _reads(api, "node02", shared["id"]) == (200, [shared["id"]])
    r = api.comp("GET", assoc_url("node01", shared["id"]))
    assert error(r, "itemNotFound")["code"] == 404


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
    ("GET one: unknown server", "GET", UNKNOWN, "shared", False, 404, "itemNotFound"),
    ("GET one: unknown address", "GET", "node01", UNKNOWN, False, 404, "itemNotFound"),
    ("GET one: another tenant's server", "GET", "other01", "shared", False, 404, "itemNotFound"),
]


@pytest.mark.parametrize("method,server,ip,prepare,status,key", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_association_refused(api, view, shared, method, server, ip, prepare, status, key):
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
    from testbed.fakecloud import start
    from testbed.fakecloud.fixture import builtin
    from tests.testbed.fakecloud.helpers import Api

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
        r = api.net("GET", "/ip_addresses/%s/ports" % ip["id"])
        assert r.status_code == 404   # a new simulator hides the internal view by default


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
