"""failover.shared_ip.address in-process and through ansible-playbook (conftest `play`) against the simulator,
checked with plain HTTP."""
from __future__ import annotations

from urllib.parse import parse_qs

from tests.integration.conftest import InProcess, names


def converge(play, cloud, items, check=False, diff=False, **extra):
    """Run address.yml; return (results per item, write calls, read calls) of that run alone."""
    cloud.reset_counters()
    out = play("address.yml", check=check, diff=diff, shared_ips=items, **extra)
    return out["results"], cloud.writes(), cloud.reads()


def ok(results):
    for r in results:
        assert not r.get("failed"), r.get("msg")
    return results


def triplet(play, cloud, items, verify, before=None):
    """Check mode writes nothing and predicts the real run; the real run changes; the repeat does not."""
    state = (before or cloud.addresses)()
    checked, writes, _reads = converge(play, cloud, items, check=True)
    ok(checked)
    assert all(r["changed"] for r in checked)
    assert writes == {}
    assert (before or cloud.addresses)() == state

    real, writes, _reads = converge(play, cloud, items)
    ok(real)
    assert all(r["changed"] for r in real)
    assert writes
    assert [r["actions"] for r in checked] == [r["actions"] for r in real]
    for c, r in zip(checked, real):
        if c["shared_ip"]:
            same = dict(r["shared_ip"])
            if c["shared_ip"]["id"] is None:   # a create: the cloud has not picked these yet
                same.update((k, c["shared_ip"][k]) for k in ("id", "address", "subnet_id"))
            assert c["shared_ip"] == same
        else:
            assert r["shared_ip"] == {}
    verify(real)

    again, writes, _reads = converge(play, cloud, [dict(i, servers=list(reversed(i["servers"]))) if "servers" in i
                                                   else i for i in items])
    ok(again)
    assert not any(r["changed"] for r in again)
    assert [r["actions"] for r in again] == [[] for _item in items]
    assert writes == {}
    return real


WEB = {"network": "cluster-net", "name": "web"}


def bound(cloud, ip_id, servers):
    assert cloud.members(ip_id) == dict((s, "compute") for s in servers)


CREATES = [
    # (options, network as the cloud names it, version)
    ({"network": "cluster-net", "name": "web", "servers": ["node03", "node01", "node02"]}, "cluster-net", 4),
    ({"network": "cluster-net", "name": "web6", "version": 6, "address": "fd00:100::80",
      "servers": ["node01", "node02"]}, "cluster-net", 6),
    ({"network": "public", "name": "www", "servers": ["node01", "node02"]}, "PublicNet", 4),
    ({"network": "cluster-net", "servers": ["node04", "node05"]}, "cluster-net", 4),   # no name: exact match
]


def test_create(play, cloud):
    """Several kinds of create in one play: named, IPv6 with an address, PublicNet, unnamed."""
    def verify(results):
        for (item, network, version), result in zip(CREATES, results):
            shared_ip = result["shared_ip"]
            made = cloud.address(network, id=shared_ip["id"])
            assert shared_ip["address"] == made["address"] and made["version"] == version
            if "address" in item:
                assert made["address"] == item["address"]
            bound(cloud, made["id"], item["servers"])
            assert [m["name"] for m in shared_ip["members"]] == sorted(item["servers"])
            assert all(m["associated"] for m in shared_ip["members"])
            if "name" in item:
                assert cloud.labels(item["name"]) == dict((s, made["id"]) for s in item["servers"])
                assert shared_ip["name"] == item["name"]
        assert len(cloud.addresses()) == 3 and len(cloud.addresses("PublicNet")) == 1

    triplet(play, cloud, [item for item, _n, _v in CREATES], verify,
            before=lambda: cloud.addresses() + cloud.addresses("PublicNet"))


def test_create_by_ports_without_association(play, cloud):
    ports = [cloud.port_of("node06"), cloud.port_of("node07")]
    item = {"network": "cluster-net", "name": "raw", "ports": ports, "associate": False}

    def verify(results):
        made = cloud.addresses()
        assert sorted(made[0]["port_ids"]) == sorted(ports)
        assert cloud.members(made[0]["id"]) == {"node06": "none", "node07": "none"}

    triplet(play, cloud, [item], verify)


MEMBERSHIP = [
    # (name, start, goal)
    ("grow", ["node01", "node02"], ["node01", "node02", "node03", "node04"]),
    ("shrink", ["node05", "node06", "node07"], ["node06", "node07"]),
    ("swap", ["node08", "node09"], ["node09", "node10"]),
]


def test_membership(play, cloud):
    def item(name, servers):
        return {"network": "cluster-net", "name": name, "servers": servers}

    ok(converge(play, cloud, [item(n, start) for n, start, _goal in MEMBERSHIP])[0])
    ids = dict((n, cloud.labels(n)[start[0]]) for n, start, _goal in MEMBERSHIP)

    def verify(results):
        assert sorted(a["id"] for a in cloud.addresses()) == sorted(ids.values())
        for name, start, goal in MEMBERSHIP:
            bound(cloud, ids[name], goal)
            assert cloud.labels(name) == dict((s, ids[name]) for s in goal)
            for gone in set(start) - set(goal):
                assert cloud.associated(gone) == []

    triplet(play, cloud, [item(n, goal) for n, _start, goal in MEMBERSHIP], verify)


def test_order_of_actions_follows_the_api(play, cloud):
    ok(converge(play, cloud, [dict(WEB, servers=["node01", "node02", "node03"])])[0])
    results = ok(converge(play, cloud, [dict(WEB, servers=["node02", "node03", "node04"])])[0])
    assert results[0]["actions"] == [
        "disassociate node01", "unlabel node01 failover-shared-ip:web", "set ports to node02, node03, node04",
        "associate node04", "label node04 failover-shared-ip:web"]
    log = cloud.sim("GET", "log")
    methods = [(e["method"], e["route"]) for e in log if e["method"] != "GET" and not e["path"].endswith("/tokens")]
    order = [m for m, r in methods if "ip_associations" in r or r.endswith("ip_addresses/{ip_id}")]
    assert order == ["DELETE", "PUT", "PUT"]   # disassociate, replace ports, associate


def test_delete(play, cloud):
    ok(converge(play, cloud, [dict(WEB, servers=["node01", "node02", "node03"])])[0])
    ip_id = cloud.address(type="shared")["id"]

    def verify(results):
        assert cloud.addresses() == []
        assert cloud.labels("web") == {}
        assert all(cloud.associated(s) == [] for s in names(3))
        assert results[0]["actions"][-1] == "unlabel node03 failover-shared-ip:web"
        assert "delete 192.168.100.100" in results[0]["actions"]

    triplet(play, cloud, [dict(WEB, state="absent")], verify)
    assert cloud.sim("GET", "state") and ip_id


def test_absent_when_absent_is_no_change(play, cloud):
    results, writes, _reads = converge(play, cloud, [dict(WEB, state="absent"),
                                                     {"id": "6a0e4bd9-6a27-4f0a-9bd4-3d4f2a4c0f11", "state": "absent"}])
    assert [r["changed"] for r in ok(results)] == [False, False]
    assert writes == {}


def test_diff_shows_members_and_bindings(playbook, cloud):
    """Through ansible-playbook (the setup in-process): --diff shows the members to the user."""
    ok(converge(InProcess(playbook.sim), cloud, [dict(WEB, servers=["node01", "node02"])])[0])
    out = playbook("address.yml", check=True, diff=True, shared_ips=[dict(WEB, servers=["node02", "node03"])])
    diff = out["results"][0]["diff"]
    assert diff["before"]["members"] == {
        "node01": {"port_id": cloud.port_of("node01"), "associated": True},
        "node02": {"port_id": cloud.port_of("node02"), "associated": True}}
    assert diff["after"]["members"] == {
        "node02": {"port_id": cloud.port_of("node02"), "associated": True},
        "node03": {"port_id": cloud.port_of("node03"), "associated": True}}
    assert "node01" in out["_stdout"] and "node03" in out["_stdout"]


def test_several_names_on_the_same_servers_keep_their_identity(play, cloud):
    items = [{"network": "cluster-net", "name": n, "servers": ["node01", "node02"]} for n in ("web", "db")]
    ok(converge(play, cloud, items)[0])
    first = dict((n, cloud.labels(n)["node01"]) for n in ("web", "db"))
    assert first["web"] != first["db"]
    grown = [dict(items[0], servers=["node01", "node02", "node03"]), items[1]]
    results = ok(converge(play, cloud, grown)[0])
    assert [r["changed"] for r in results] == [True, False]
    assert dict((n, cloud.labels(n)["node01"]) for n in ("web", "db")) == first
    bound(cloud, first["web"], names(3))
    bound(cloud, first["db"], ["node01", "node02"])


def _unfiltered(entry):
    """A list read whose size grows with the rest of the account: every server, every port or address of
    the account or of a whole network (cloud-api.md section 6)."""
    path, _sep, query = entry["path"].partition("?")
    path = path[:-len(".json")] if path.endswith(".json") else path
    keys = set(parse_qs(query))
    if entry["method"] != "GET":
        return False
    if path.endswith("/servers/detail") or path.endswith("/servers"):
        return "name" not in keys
    if path.endswith("/v2.0/ports"):
        return not keys & {"device_id", "id"}
    if path.endswith("/v2.0/ip_addresses"):
        return not keys & {"device_id", "address", "id", "port_id"} and "shared" not in parse_qs(query).get("type", [])
    return False


def test_ten_members_call_counts(play, cloud, capsys):
    """A 10-member address with `auth` feeding module_defaults: the cold create and the no-op rerun."""
    item = dict(WEB, servers=names(10))
    figures = {}
    for run in ("cold", "no-op"):
        cloud.reset_counters()
        out = play("address.yml", use_auth=True, shared_ips=[item])
        counters = cloud.counters()
        ok(out["results"])
        figures[run] = counters
    figures["no-op log"] = cloud.sim("GET", "log")
    cold, noop = figures["cold"], figures["no-op"]
    with capsys.disabled():
        for run, c in ((r, figures[r]) for r in ("cold", "no-op")):
            print("\n10-member address, %s run: %d calls %s" % (run, c["total"], c["by_method"]))
            for route, n in sorted(c["by_route"].items()):
                print("    %3d  %s" % (n, route))
    assert cold["by_method"]["POST"] == 2                                   # identity + the address
    assert set(noop["by_method"]) == {"GET", "POST"} and noop["by_method"]["POST"] == 1   # identity only
    assert noop["by_method"]["GET"] <= 5                                    # three rounds of targeted reads
    for entry in figures["no-op log"]:                                      # none that grows with the account
        assert not _unfiltered(entry), entry["path"]
    bound(cloud, cloud.address(type="shared")["id"], names(10))


REFUSALS = [
    ({"network": "servicenet", "servers": ["node01", "node02"]},
     "network=servicenet: ServiceNet carries no shared IPs (the cloud's quota there is 0); "
     "use public or an isolated network"),
    ({"network": "nowhere", "servers": ["node01", "node02"]},
     "network=nowhere: no such network (known: public, cluster-net, v4-net)"),
    ({"network": "cluster-net", "servers": ["node01"]},
     "servers=[node01]: a shared IP needs at least two members, got 1"),
    ({"network": "cluster-net", "servers": ["node01", "node01"]},
     "servers=[node01]: a shared IP needs at least two members, got 1"),
    ({"network": "cluster-net", "servers": ["node01", "node99"]}, "servers=node99: no such server; did you mean node09?"),
    ({"network": "cluster-net", "servers": ["node01", "solo"]},
     "servers=solo: server has no port on network cluster-net"),
    ({"network": "public", "servers": ["node01", "node02"], "address": "203.0.113.200"},
     "address=203.0.113.200: PublicNet picks its addresses itself; a specific address can only be asked for "
     "on an isolated network"),
    ({"network": "public", "servers": ["node09", "node10"]},
     "servers=[node09, node10]: PublicNet members must share one public IP zone: node09 in A, node10 in B"),
    ({"network": "v4-net", "servers": ["node01", "node02"], "version": 6},
     "version=6: network v4-net has no IPv6 subnet (it has 10.20.0.0/24)"),
    ({"network": "cluster-net", "servers": ["node01", "node02"], "address": "10.9.9.9"},
     "address=10.9.9.9: is outside the IPv4 subnet of network cluster-net (192.168.100.0/24)"),
    ({"network": "cluster-net", "servers": ["node01", "node02"], "address": "fd00:200::1", "version": 6},
     "address=fd00:200::1: is outside the IPv6 subnet of network cluster-net (fd00:100::/64)"),
    ({"network": "cluster-net", "servers": ["node01", "node02"], "address": "fd00:100::9", "version": 4},
     "address=fd00:100::9: is an IPv6 address but version is 4"),
    ({"network": "cluster-net", "servers": ["node01", "node02"], "id": "not-a-uuid"},
     "id=not-a-uuid: not a UUID (expected 8-4-4-4-12 hexadecimal digits)"),
    ({"network": "cluster-net", "ports": ["not-a-uuid", "also-bad"]},
     "ports=not-a-uuid: not a UUID (expected 8-4-4-4-12 hexadecimal digits)"),
    ({"network": "cluster-net", "servers": ["node01", "node02"], "id": "6a0e4bd9-6a27-4f0a-9bd4-3d4f2a4c0f11"},
     "id=6a0e4bd9-6a27-4f0a-9bd4-3d4f2a4c0f11: no shared IP with this id on network cluster-net"),
    ({"network": "cluster-net", "servers": ["node01", "node02"], "ports": ["6a0e4bd9-6a27-4f0a-9bd4-3d4f2a4c0f11"]},
     "parameters are mutually exclusive: servers|ports"),
    ({"servers": ["node01", "node02"]}, "one of the following is required: network, id"),
]


def test_refusals_name_option_and_value_and_change_nothing(play, cloud):
    results, writes, _reads = converge(play, cloud, [item for item, _msg in REFUSALS])
    assert [r["msg"] for r in results] == [msg for _item, msg in REFUSALS]
    assert all(r["failed"] for r in results)
    assert writes == {}
    assert cloud.addresses() == [] and cloud.addresses("PublicNet") == []


def test_refusal_server_with_two_ports(play, cloud):
    results, writes, _reads = converge(play, cloud, [{"network": "cluster-net", "servers": ["node01", "twoport"]}])
    assert results[0]["msg"].startswith("servers=twoport: server has 2 ports on network cluster-net (")
    assert results[0]["msg"].endswith("); name the port with ports instead")
    assert writes == {}


def test_refusal_ambiguous_exact_match_lists_candidates(play, cloud):
    pair = {"network": "cluster-net", "servers": ["node01", "node02"]}
    ok(converge(play, cloud, [dict(pair, address="192.168.100.150"), dict(pair, address="192.168.100.151")])[0])
    ids = sorted(a["id"] for a in cloud.addresses())
    results, writes, _reads = converge(play, cloud, [pair])
    assert results[0]["msg"] == (
        "servers=(exact member match): more than one shared IP has exactly these members: %s (%s), %s (%s); "
        "give id, address or name" % tuple(x for i in ids for x in (i, cloud.address(id=i)["address"])))
    assert sorted(results[0]["candidates"]) == ids
    assert writes == {}


def test_refusal_quota_reached(play, cloud):
    # A cluster-net port holds 5 addresses: its 2 fixed ones and 3 shared.
    pair = {"network": "cluster-net", "servers": ["node01", "node02"]}
    ok(converge(play, cloud, [dict(pair, name="q%d" % n) for n in range(3)])[0])
    results, writes, _reads = converge(play, cloud, [dict(pair, name="q3")])
    msg = results[0]["msg"]
    assert msg.startswith("servers=node01: its port on cluster-net already holds 5 addresses (")
    assert "192.168.100.11" in msg
    assert msg.endswith("and a port on cluster-net holds at most 5 (port %s)" % cloud.port_of("node01"))
    assert writes == {}
    # PublicNet: at most 5 shared IPs per account.
    pairs = [["node01", "node02"], ["node03", "node04"], ["node05", "node06"], ["node07", "node08"],
             ["node01", "node09"]]
    ok(converge(play, cloud, [{"network": "public", "name": "p%d" % n, "servers": s} for n, s in enumerate(pairs)])[0])
    results, writes, _reads = converge(play, cloud, [{"network": "public", "name": "p5", "servers": ["node02", "node03"]}])
    assert results[0]["msg"].startswith("network=public: quota reached: the account holds 5 of 5 shared "
                                        "IPs on PublicNet (")
    assert writes == {}
    assert len(cloud.addresses("PublicNet")) == 5


def test_an_id_of_another_network_leaves_that_address_alone(play, cloud):
    """The id of a PublicNet shared IP given with network=cluster-net: refused before any write, naming both
    networks; its members stay associated (this used to disassociate both, then fail on the port change)."""
    ok(converge(play, cloud, [{"network": "public", "name": "www", "servers": ["node01", "node02"]}])[0])
    www = cloud.address("PublicNet", id=cloud.labels("www")["node01"])
    results, writes, _reads = converge(play, cloud, [{"network": "cluster-net", "id": www["id"],
                                                      "servers": ["node03", "node04"]}])
    assert results[0]["failed"] and writes == {}
    assert results[0]["msg"].startswith("id=%s: shared IP %s (%s) is on network public, not on network=cluster-net"
                                        % (www["id"], www["id"], www["address"]))
    bound(cloud, www["id"], ["node01", "node02"])
