# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the pure resolution: network, servers, ports, identity, the view."""

from __future__ import annotations

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils import _resolve as resolve
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import (
    PUBLIC_NET_ID,
    SERVICE_NET_ID,
    PlanError,
    record_key,
)
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.cloud_data import (
    CLUSTER_NET,
    NET,
    NETWORKS,
    PORTS,
    SERVERS,
    addr,
    aid,
    members,
    pid,
    server,
    sid,
)


# ------------------------------------------------------------ network

@pytest.mark.parametrize("spec, expected", [
    ("public", ("id", PUBLIC_NET_ID)),
    ("PublicNet", ("id", PUBLIC_NET_ID)),
    ("cluster-net", ("name", "cluster-net")),
    (NET.upper(), ("id", NET)),
])
def test_network_request_reads_by_id_or_name(spec, expected):
    assert resolve.network_request(spec) == expected


@pytest.mark.parametrize("spec", ["servicenet", "ServiceNet", "private", "PRIVATE", SERVICE_NET_ID])
def test_servicenet_is_refused_by_every_name_before_any_read(spec):
    with pytest.raises(PlanError) as err:
        resolve.network_request(spec)
    assert str(err.value) == ("network=%s: ServiceNet carries no shared IPs (the cloud's quota there is 0); "
                              "use public or an isolated network" % spec)


@pytest.mark.parametrize("read, spec, expected", [
    ([NETWORKS[0]], "public", PUBLIC_NET_ID),
    ([CLUSTER_NET], "cluster-net", NET),
    ([CLUSTER_NET], NET.upper(), NET),
])
def test_resolve_network(read, spec, expected):
    assert resolve.resolve_network(read, spec)["id"] == expected


@pytest.mark.parametrize("read, spec, message", [
    ([], "nowhere", "network=nowhere: no such network"),
    (NETWORKS[4:6], "twin", "network=twin: more than one network has this name: 9f1d5a3c-0000-4000-8000-00000000d0d0, "
                            "9f1d5a3c-0000-4000-8000-00000000d0d1; give its UUID"),
    ([dict(NETWORKS[1], name="backend")], "backend", "network=backend: ServiceNet carries no shared IPs"),
])
def test_resolve_network_refusals(read, spec, message):
    with pytest.raises(PlanError) as err:
        resolve.resolve_network(read, spec)
    assert str(err.value).startswith(message)


# ------------------------------------------------------------ servers and ports

def found_for(*specs, extra=()):
    """What the read step finds per spec: by id the server, by name every server whose name matches exactly."""
    every = SERVERS + list(extra)
    out = {}
    for spec in specs:
        out[spec] = [s for s in every if s["id"] == spec.lower() or s["name"] == spec]
    return out


@pytest.mark.parametrize("specs, expected", [
    (["node02", "node01"], ["node01", "node02"]),
    ([sid(3), "node03", "node01"], ["node01", "node03"]),
    ([sid(5).upper()], ["node05"]),
])
def test_resolve_servers_dedupes_and_sorts(specs, expected):
    assert [s["name"] for s in resolve.resolve_servers(found_for(*specs), specs)] == expected


def test_resolve_servers_compares_names_exactly():
    """Nova's name filter is a regular expression: node1 also matches node10. Only exact names count."""
    found = {"node1": [server(10), dict(server(1), name="node1")]}
    assert [s["id"] for s in resolve.resolve_servers(found, ["node1"])] == [sid(1)]


@pytest.mark.parametrize("specs, message", [
    (["node01", "node99"], "servers=node99: no such server"),
    ([sid(99)], "servers=%s: no server with this id" % sid(99)),
])
def test_resolve_servers_refusals(specs, message):
    with pytest.raises(PlanError, match="^" + message):
        resolve.resolve_servers(found_for(*specs), specs)


def test_resolve_servers_ambiguous_name_lists_ids():
    with pytest.raises(PlanError) as err:
        resolve.resolve_servers(found_for("node01", extra=[dict(server(1), id=sid(42))]), ["node01"])
    assert err.value.candidates == [sid(1), sid(42)]


@pytest.mark.parametrize("ports, message", [
    ([p for p in PORTS if p["device_id"] != sid(2)], "servers=node02: server has no port on network cluster-net"),
    (PORTS + [{"id": pid(77), "device_id": sid(2), "network_id": NET}],
     "servers=node02: server has 2 ports on network cluster-net (%s, %s); name the port with ports instead"
     % (pid(2), pid(77))),
])
def test_server_ports_refusals(ports, message):
    with pytest.raises(PlanError) as err:
        resolve.server_ports(CLUSTER_NET, ports, SERVERS[:2])
    assert str(err.value) == message


def test_server_ports_maps_each_server():
    assert resolve.server_ports(CLUSTER_NET, PORTS, SERVERS[:3]) == members(1, 2, 3)


@pytest.mark.parametrize("specs, message", [
    (["not-a-uuid"], "ports=not-a-uuid: not a UUID (expected 8-4-4-4-12 hexadecimal digits)"),
    ([pid(88)], "ports=%s: no such port on network cluster-net" % pid(88)),
    ([pid(1), pid(1).upper()], None),
])
def test_port_servers(specs, message):
    if message is None:
        assert resolve.port_servers(CLUSTER_NET, PORTS, SERVERS, specs) == members(1)
        return
    with pytest.raises(PlanError) as err:
        resolve.port_servers(CLUSTER_NET, PORTS, SERVERS, specs)
    assert str(err.value) == message


# ------------------------------------------------------------ identity

WEB = {"failover-shared-ip:web": aid(1)}
LABELLED = [server(1, **WEB), server(2, **WEB), server(3, **{"failover-shared-ip:db": aid(2)})] + SERVERS[3:]
ADDRS = [addr(1, 1, 2), addr(2, 1, 2), addr(3, 3, 4), addr(4, 6, 7)]


def find(servers=None, addresses=None, **kwargs):
    found = resolve.Identity(ADDRS if addresses is None else addresses, LABELLED if servers is None else servers)
    found = found.find(**kwargs)
    return found["id"] if found else None


@pytest.mark.parametrize("kwargs, expected", [
    ({"ident_id": aid(3)}, aid(3)),
    ({"ident_id": aid(3).upper()}, aid(3)),
    ({"ident_id": aid(55)}, None),
    ({"address": "192.168.100.102"}, aid(3)),
    ({"address": "192.168.100.250"}, None),
    ({"name": "web"}, aid(1)),
    ({"name": "web", "address": "192.168.100.100"}, aid(1)),         # both sides agree
    ({"name": "web", "ident_id": aid(1)}, aid(1)),
    ({"name": "db", "port_ids": [pid(1), pid(2)]}, aid(2)),          # label wins over port set
    ({"name": "fresh", "port_ids": [pid(6), pid(7)]}, aid(4)),       # unlabelled exact match is adopted
    ({"name": "fresh", "port_ids": [pid(1), pid(2)]}, None),         # both candidates carry other names
    ({"port_ids": [pid(4), pid(3)]}, aid(3)),                        # order never matters
    ({"port_ids": [pid(3)]}, None),                                  # a subset is not a match
    ({}, None),
])
def test_find(kwargs, expected):
    assert find(**kwargs) == expected


@pytest.mark.parametrize("kwargs, message", [
    # name and address point at different shared IPs: both sides named
    ({"name": "db", "address": "192.168.100.100"},
     "name=db: points at shared IP %s (192.168.100.101) named db, but address=192.168.100.100 points at shared IP "
     "%s (192.168.100.100) named web; they must name the same one" % (aid(2), aid(1))),
    ({"name": "web", "ident_id": aid(3)},
     "name=web: points at shared IP %s (192.168.100.100) named web, but id=%s points at shared IP %s "
     "(192.168.100.102); they must name the same one" % (aid(1), aid(3), aid(3))),
    # the address of a named shared IP never changes
    ({"name": "web", "address": "192.168.100.200"},
     "address=192.168.100.200: shared IP %s (192.168.100.100) named web has address 192.168.100.100: an address "
     "never changes; to use another address, delete it with failover.shared_ip.address (state=absent), then create "
     "it again with the new one" % aid(1)),
    # a name carried by another shared IP is not given to this one
    ({"name": "other", "address": "192.168.100.100"},
     "name=other: address=192.168.100.100 points at shared IP %s (192.168.100.100), which is named web; a shared IP "
     "keeps its name (use name=web; for another name, delete it with failover.shared_ip.address (state=absent), "
     "then create it again)" % aid(1)),
    ({"port_ids": [pid(1), pid(2)]},
     "servers=(exact member match): more than one shared IP has exactly these members"),
    ({"ident_id": "42"}, "id=42: not a UUID (expected 8-4-4-4-12 hexadecimal digits)"),
])
def test_identity_refusals_name_both_sides(kwargs, message):
    servers = LABELLED if "port_ids" not in kwargs else SERVERS
    with pytest.raises(PlanError) as err:
        find(servers=servers, **kwargs)
    assert str(err.value).startswith(message)


def test_a_name_belongs_to_one_shared_ip():
    """The members' labels find it; a name seen on other servers read is not given to a new address."""
    assert find(name="web", member_ids={sid(2), sid(6)}) == aid(1)
    assert find(servers=SERVERS, name="web", member_ids={sid(5), sid(6)}) is None
    with pytest.raises(PlanError) as err:
        find(name="web", member_ids={sid(5), sid(6)})
    assert str(err.value) == ("name=web: already names shared IP %s (192.168.100.100) named web; it cannot also name "
                              "a new shared IP. A name belongs to one shared IP and an address never changes: delete "
                              "one of them first (delete it with failover.shared_ip.address (state=absent))" % aid(1))
    with pytest.raises(PlanError) as err:     # given to an unnamed address found by its address
        find(name="web", address="192.168.100.103", member_ids={sid(6), sid(7)})
    assert "it cannot also name shared IP %s (192.168.100.103), which address=192.168.100.103 points at" % aid(4) \
        in str(err.value)
    with pytest.raises(PlanError) as err:     # id and name point apart, the name's own address named too
        find(name="db", ident_id=aid(1), member_ids={sid(1), sid(2)})
    assert aid(1) in str(err.value) and aid(2) in str(err.value)


def test_by_name_with_two_labels_is_ambiguous():
    servers = [server(1, **WEB), server(2, **{"failover-shared-ip:web": aid(2)})]
    with pytest.raises(PlanError) as err:
        find(servers=servers, name="web")
    assert err.value.candidates == [aid(1), aid(2)]


def test_stale_label_is_ignored():
    assert find(servers=[server(1, **{"failover-shared-ip:web": aid(66)})], name="web") is None


# ------------------------------------------------------------ the view

@pytest.mark.parametrize("services, records, expected", [
    ({pid(1): "compute", pid(2): "none"}, [], [True, False]),          # the internal view answers
    (None, [1], [True, None]),                                         # hidden: our records tell, else unknown
    ({pid(1): "none", pid(2): "none"}, [1], [False, False]),           # the internal view wins over a record
])
def test_view_association_from_the_internal_view_or_our_records(services, records, expected):
    servers = [server(n, **({record_key(aid(1)): "192.168.100.100"} if n in records else {})) for n in (1, 2)]
    shown = resolve.view(addr(1, 1, 2), servers, {pid(1): sid(1), pid(2): sid(2)}, services)
    assert [m["associated"] for m in shown["members"]] == expected
    assert [m["name"] for m in shown["members"]] == ["node01", "node02"]


def test_unknown_network_names_the_known_ones():
    with pytest.raises(PlanError) as err:
        resolve.resolve_network([], "nowhere", known=NETWORKS[:4])
    assert str(err.value) == "network=nowhere: no such network (known: public, cluster-net, v4-only)"
