"""The HTTP layer (server.py) end to end: the documented flow of cloud-api.md section 5 over HTTP, and the
quirk that answers versions as strings."""
from testbed.fakecloud.server import Simulator
from tests.testbed.fakecloud.helpers import SHARE, faults, port_id, server_id, sim_call

MEMBERS = ["node01", "node02", "node03"]


def services(api, ip_id, served):
    """{server id: service}: from the internal view when served, else from the simulator's own state."""
    if served:
        ports = api.net("GET", "/ip_addresses/%s/ports" % ip_id).json()["ip_addresses_ports"]
        return {p["device_id"]: p["service"] for p in ports}
    for ip in api.sim.state.dump()["regions"]["DFW"]["ip_addresses"]:
        if ip["id"] == ip_id:
            return {api.sim.state.port(api.tenant, "DFW", pid)["device_id"]: svc for pid, svc in ip["services"].items()}
    raise AssertionError("no address %s" % ip_id)


def test_share_associate_list_shrink_delete(api, view):
    # 1. find each member's port on the network
    ports = []
    net = [n for n in api.net("GET", "/networks").json()["networks"] if n["name"] == "cluster-net"][0]
    for name in MEMBERS:
        found = api.net("GET", "/ports", device_id=server_id(name), network_id=net["id"]).json()["ports"]
        assert len(found) == 1 and found[0]["device_id"] == server_id(name)
        ports.append(found[0]["id"])
    # 2. share: POST with those ports
    r = api.net("POST", "/ip_addresses", {"ip_address": {"network_id": net["id"], "version": 4, "port_ids": ports}})
    assert r.status_code == 201, r.text
    ip = r.json()["ip_address"]
    assert ip["address"] == "192.168.100.100" and ip["type"] == "shared" and ip["version"] == 4
    assert sorted(ip["port_ids"]) == sorted(ports)
    assert set(services(api, ip["id"], view).values()) == {"none"}
    # 3. associate every member
    for name in MEMBERS:
        r = api.associate(name, ip["id"])
        assert r.status_code == 201, r.text
        assert r.json() == {"ip_association": {"id": ip["id"], "address": "192.168.100.100"}}
    assert set(services(api, ip["id"], view).values()) == {"compute"}
    # list
    listed = api.net("GET", "/ip_addresses", type="shared").json()["ip_addresses"]
    assert [i["id"] for i in listed] == [ip["id"]]
    assoc = api.comp("GET", "/servers/%s/ip_associations" % server_id("node02")).json()
    assert assoc == {"ip_associations": [{"id": ip["id"], "address": "192.168.100.100"}]}
    # shrink: disassociate node03, then PUT the remaining ports
    assert api.comp("DELETE", "/servers/%s/ip_associations/%s" % (server_id("node03"), ip["id"])).status_code == 204
    r = api.net("PUT", "/ip_addresses/%s" % ip["id"], {"ip_address": {"port_ids": ports[:2]}})
    assert r.status_code == 200 and sorted(r.json()["ip_address"]["port_ids"]) == sorted(ports[:2])
    assert port_id("node03", "cluster-net") not in r.json()["ip_address"]["port_ids"]
    # delete: disassociate everybody, then DELETE
    for name in MEMBERS[:2]:
        assert api.comp("DELETE", "/servers/%s/ip_associations/%s" % (server_id(name), ip["id"])).status_code == 204
    r = api.net("DELETE", "/ip_addresses/%s" % ip["id"])
    assert r.status_code == 204 and r.content == b""
    assert api.net("GET", "/ip_addresses/%s" % ip["id"]).status_code == 404
    assert api.net("GET", "/ip_addresses", type="shared").json()["ip_addresses"] == []


def test_versions_as_strings_quirk(api):
    faults(api, version_as_string=True)
    created = api.net("POST", "/ip_addresses", SHARE).json()["ip_address"]
    assert created["version"] == "4"
    listed = api.net("GET", "/ip_addresses", type="shared").json()["ip_addresses"]
    assert [ip["version"] for ip in listed] == ["4"]
    sim_call(api, "DELETE", "faults")
    assert api.net("GET", "/ip_addresses/" + created["id"]).json()["ip_address"]["version"] == 4


def test_a_client_that_hung_up_leaves_no_traceback_and_other_errors_still_do(capsys):
    sim = Simulator(port=0)
    try:
        for error, printed in ((BrokenPipeError(32, "Broken pipe"), False), (ValueError("a bug"), True)):
            try:
                raise error
            except (BrokenPipeError, ValueError):
                sim.httpd.handle_error(None, ("127.0.0.1", 40000))
            assert ("Traceback" in capsys.readouterr().err) is printed, error
    finally:
        sim.stop()
