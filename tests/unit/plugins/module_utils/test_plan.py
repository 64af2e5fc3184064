# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the pure plan: resolution, refusals, membership changes."""

from __future__ import annotations

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils import _plan as plan
from ansible_collections.failover.shared_ip.plugins.module_utils._plan import PlanError

NET = "9f1d5a3c-0000-4000-8000-00000000c1a5"
V4 = {"id": "sub-v4", "cidr": "192.168.100.0/24", "ip_version": 4}
V6 = {"id": "sub-v6", "cidr": "fd00:100::/64", "ip_version": 6}
NETWORKS = [
    {"id": plan.PUBLIC_NET_ID, "name": "public", "subnets": []},
    {"id": plan.SERVICE_NET_ID, "name": "private", "subnets": []},
    {"id": NET, "name": "cluster-net", "subnets": [V4, V6]},
    {"id": "9f1d5a3c-0000-4000-8000-0000000004a4", "name": "v4-only", "subnets": [V4]},
    {"id": "9f1d5a3c-0000-4000-8000-00000000d0d0", "name": "twin", "subnets": []},
    {"id": "9f1d5a3c-0000-4000-8000-00000000d0d1", "name": "twin", "subnets": []},
]


def sid(n):
    return "5e7e0000-0000-4000-8000-0000000000%02d" % n


def pid(n):
    return "b0b00000-0000-4000-8000-0000000000%02d" % n


def aid(n):
    return "aaaa0000-0000-4000-8000-0000000000%02d" % n


def server(n, zone="A", **meta):
    return {"id": sid(n), "name": "node%02d" % n, "zone": zone, "metadata": dict(meta)}


SERVERS = [server(n, zone="B" if n == 10 else "A") for n in range(1, 11)]
PORTS = [{"id": pid(n), "device_id": sid(n), "network_id": NET} for n in range(1, 11)]


def addr(n, *members, **kw):
    out = {"id": aid(n), "address": "192.168.100.%d" % (99 + n), "network_id": NET, "version": 4,
           "type": "shared" if len(members) > 1 else "fixed", "subnet_id": "sub-v4",
           "port_ids": [pid(m) for m in members]}
    out.update(kw)
    return out


def current(n, members, associated=()):
    """A view of address n with the given member numbers, some associated."""
    a = addr(n, *members)
    ports = [{"id": pid(m), "device_id": sid(m), "service": "compute" if m in associated else "none"}
             for m in members]
    return plan.view(a, ports, SERVERS)


def members(*nums):
    return {sid(n): pid(n) for n in nums}


def actions(steps):
    return [plan.describe(s) for s in steps]


# ------------------------------------------------------------ resolution

@pytest.mark.parametrize("spec, expected", [
    ("public", plan.PUBLIC_NET_ID),
    ("PublicNet", plan.PUBLIC_NET_ID),
    ("cluster-net", NET),
    (NET.upper(), NET),
])
def test_resolve_network(spec, expected):
    assert plan.resolve_network(NETWORKS, spec)["id"] == expected


@pytest.mark.parametrize("spec, message", [
    ("servicenet", "network=servicenet: ServiceNet carries no shared IPs (the cloud's quota there is 0); "
                   "use public or an isolated network"),
    (plan.SERVICE_NET_ID, "network=%s: ServiceNet carries no shared IPs" % plan.SERVICE_NET_ID),
    ("nowhere", "network=nowhere: no such network (known: public, cluster-net, twin, twin, v4-only)"),
    ("9f1d5a3c-0000-4000-8000-0000000000ff", "network=9f1d5a3c-0000-4000-8000-0000000000ff: no such network"),
    ("twin", "network=twin: more than one network has this name: 9f1d5a3c-0000-4000-8000-00000000d0d0, "
             "9f1d5a3c-0000-4000-8000-00000000d0d1; give its UUID"),
])
def test_resolve_network_refusals(spec, message):
    with pytest.raises(PlanError) as err:
        plan.resolve_network(NETWORKS, spec)
    assert str(err.value).startswith(message)
    assert err.value.option == "network"


@pytest.mark.parametrize("specs, expected", [
    (["node02", "node01"], ["node01", "node02"]),
    ([sid(3), "node03", "node01"], ["node01", "node03"]),
    ([sid(5).upper()], ["node05"]),
])
def test_resolve_servers_dedupes_and_sorts(specs, expected):
    assert [s["name"] for s in plan.resolve_servers(SERVERS, specs)] == expected


@pytest.mark.parametrize("specs, message", [
    (["node01", "node99"], "servers=node99: no such server"),
    ([sid(99)], "servers=%s: no server with this id" % sid(99)),
])
def test_resolve_servers_refusals(specs, message):
    with pytest.raises(PlanError, match="^" + message):
        plan.resolve_servers(SERVERS, specs)


def test_resolve_servers_ambiguous_name_lists_ids():
    twins = SERVERS + [dict(server(1), id=sid(42))]
    with pytest.raises(PlanError) as err:
        plan.resolve_servers(twins, ["node01"])
    assert err.value.candidates == [sid(1), sid(42)]


@pytest.mark.parametrize("ports, message", [
    ([p for p in PORTS if p["device_id"] != sid(2)], "servers=node02: server has no port on network cluster-net"),
    (PORTS + [{"id": pid(77), "device_id": sid(2), "network_id": NET}],
     "servers=node02: server has 2 ports on network cluster-net (%s, %s); name the port with ports instead"
     % (pid(2), pid(77))),
])
def test_server_ports_refusals(ports, message):
    with pytest.raises(PlanError) as err:
        plan.server_ports(NETWORKS[2], ports, plan.resolve_servers(SERVERS, ["node01", "node02"]))
    assert str(err.value) == message


def test_server_ports_maps_each_server():
    assert plan.server_ports(NETWORKS[2], PORTS, SERVERS[:3]) == members(1, 2, 3)


@pytest.mark.parametrize("specs, message", [
    (["not-a-uuid"], "ports=not-a-uuid: not a UUID (expected 8-4-4-4-12 hexadecimal digits)"),
    ([pid(88)], "ports=%s: no such port on network cluster-net" % pid(88)),
    ([pid(1), pid(1).upper()], None),
])
def test_port_servers(specs, message):
    if message is None:
        assert plan.port_servers(NETWORKS[2], PORTS, SERVERS, specs) == members(1)
        return
    with pytest.raises(PlanError) as err:
        plan.port_servers(NETWORKS[2], PORTS, SERVERS, specs)
    assert str(err.value) == message


# ------------------------------------------------------------ identity

LABELLED = [server(1, **{"failover-shared-ip:web": aid(1)}), server(2, **{"failover-shared-ip:web": aid(1)}),
            server(3, **{"failover-shared-ip:db": aid(2)})] + SERVERS[3:]
ADDRS = [addr(1, 1, 2), addr(2, 1, 2), addr(3, 3, 4), addr(9, 5), addr(4, 6, 7)]


@pytest.mark.parametrize("kwargs, expected", [
    ({"ident_id": aid(3)}, aid(3)),
    ({"ident_id": aid(3).upper()}, aid(3)),
    ({"ident_id": aid(55)}, None),
    ({"address": "192.168.100.102"}, aid(3)),
    ({"address": "192.168.100.250"}, None),
    ({"name": "web"}, aid(1)),
    ({"name": "db", "port_ids": [pid(1), pid(2)]}, aid(2)),          # label wins over port set
    ({"name": "fresh", "port_ids": [pid(6), pid(7)]}, aid(4)),       # unlabelled exact match is adopted
    ({"name": "fresh", "port_ids": [pid(1), pid(2)]}, None),         # both candidates carry other names
    ({"port_ids": [pid(4), pid(3)]}, aid(3)),                        # order never matters
    ({"port_ids": [pid(3)]}, None),                                  # a subset is not a match
    ({"port_ids": [pid(5)]}, None),                                  # fixed IPs are never candidates
    ({}, None),
])
def test_find_address(kwargs, expected):
    found = plan.find_address(ADDRS, LABELLED, **kwargs)
    assert (found["id"] if found else None) == expected


@pytest.mark.parametrize("kwargs, message, candidates", [
    ({"port_ids": [pid(1), pid(2)]},
     "servers=(exact member match): more than one shared IP has exactly these members: %s (192.168.100.100), "
     "%s (192.168.100.101); give id, address or name" % (aid(1), aid(2)), [aid(1), aid(2)]),
    ({"ident_id": "42"}, "id=42: not a UUID (expected 8-4-4-4-12 hexadecimal digits)", []),
])
def test_find_address_refusals(kwargs, message, candidates):
    with pytest.raises(PlanError) as err:
        plan.find_address(ADDRS, LABELLED, **kwargs)
    assert str(err.value) == message
    assert err.value.candidates == candidates


def test_find_address_by_name_with_two_labels_is_ambiguous():
    servers = [server(1, **{"failover-shared-ip:web": aid(1)}), server(2, **{"failover-shared-ip:web": aid(2)})]
    with pytest.raises(PlanError) as err:
        plan.find_address(ADDRS, servers, name="web")
    assert err.value.candidates == [aid(1), aid(2)]


def test_stale_label_is_ignored():
    servers = [server(1, **{"failover-shared-ip:web": aid(66)})] + SERVERS[1:]
    assert plan.find_address(ADDRS, servers, name="web") is None


# ------------------------------------------------------------ refusals

@pytest.mark.parametrize("network, member_nums, addresses, message", [
    (NETWORKS[2], [1], [], "servers=[node01]: a shared IP needs at least two members, got 1"),
    (NETWORKS[2], [], [], "servers=[]: a shared IP needs at least two members, got 0"),
    (NETWORKS[0], [9, 10], [], "servers=[node09, node10]: PublicNet members must share one public IP zone: "
                               "node09 in A, node10 in B"),
    (NETWORKS[0], [1, 2], [addr(n, 1, 2, network_id=plan.PUBLIC_NET_ID) for n in range(10, 15)],
     "network=public: quota reached: the account already holds 5 of 5 shared IPs on PublicNet"),
    (NETWORKS[2], [1, 2], [addr(n, 2, 3) for n in range(20, 25)],
     "servers=node02: quota reached: port %s already holds 5 addresses, the most a port on cluster-net may hold"
     % pid(2)),
])
def test_check_members_refusals(network, member_nums, addresses, message):
    with pytest.raises(PlanError) as err:
        plan.check_members(network, members(*member_nums), SERVERS, addresses, new_address=True)
    assert str(err.value).startswith(message)


def test_check_members_accepts_existing_at_quota():
    full = [addr(n, 1, 2, network_id=plan.PUBLIC_NET_ID) for n in range(10, 15)]
    plan.check_members(NETWORKS[0], members(1, 2), SERVERS, full, new_address=None)


@pytest.mark.parametrize("network, version, address, message", [
    (NETWORKS[0], 4, "203.0.113.50", "address=203.0.113.50: PublicNet picks its addresses itself; a specific "
                                     "address can only be asked for on an isolated network"),
    (NETWORKS[3], 6, None, "version=6: network v4-only has no IPv6 subnet (it has 192.168.100.0/24)"),
    (NETWORKS[2], 4, "10.0.0.5", "address=10.0.0.5: is outside the IPv4 subnet of network cluster-net "
                                 "(192.168.100.0/24)"),
    (NETWORKS[2], 6, "fd00:200::5", "address=fd00:200::5: is outside the IPv6 subnet of network cluster-net "
                                    "(fd00:100::/64)"),
    (NETWORKS[2], 4, "fd00:100::5", "address=fd00:100::5: is an IPv6 address but version is 4"),
    (NETWORKS[2], 4, "192.168.100.300", "address=192.168.100.300: not an IPv4 or IPv6 address"),
])
def test_check_new_address_refusals(network, version, address, message):
    with pytest.raises(PlanError) as err:
        plan.check_new_address(network, version, address)
    assert str(err.value) == message


@pytest.mark.parametrize("version, address, subnet", [
    (4, None, "sub-v4"), (6, None, "sub-v6"), (4, "192.168.100.200", "sub-v4"), (6, "fd00:100::200", "sub-v6"),
])
def test_check_new_address_accepts(version, address, subnet):
    assert plan.check_new_address(NETWORKS[2], version, address)["id"] == subnet


@pytest.mark.parametrize("name", ["", "x" * (plan.MAX_NAME_LENGTH + 1)])
def test_name_length(name):
    with pytest.raises(PlanError, match="^name="):
        plan.check_name(name)


# ------------------------------------------------------------ membership plans

ALL = frozenset(sid(n) for n in range(1, 11))


@pytest.mark.parametrize("now, assoc, want, expected", [
    # nothing to do, whatever the order
    ([1, 2, 3], [1, 2, 3], [3, 1, 2], []),
    # grow: ports first, then associate the joining server
    ([1, 2], [1, 2], [1, 2, 3], ["set ports to node01, node02, node03", "associate node03"]),
    # shrink: disassociate first, then ports
    ([1, 2, 3], [1, 2, 3], [1, 2], ["disassociate node03", "set ports to node01, node02"]),
    # swap: disassociate leaving, replace, associate joining
    ([1, 2, 3], [1, 2, 3], [1, 2, 4], ["disassociate node03", "set ports to node01, node02, node04",
                                       "associate node04"]),
    # a member shared but never associated (an earlier run failed half-way) gets associated
    ([1, 2, 3], [1], [1, 2, 3], ["associate node02", "associate node03"]),
    # a leaving member that was never associated needs no disassociation
    ([1, 2, 3], [1, 2], [1, 2], ["set ports to node01, node02"]),
])
def test_plan_present(now, assoc, want, expected):
    steps = plan.plan_present(current(1, now, assoc), members(*want), SERVERS, associate_ids=ALL)
    assert actions(steps) == expected


def test_plan_present_without_associate_leaves_bindings_alone():
    steps = plan.plan_present(current(1, [1, 2], [1]), members(1, 2, 3), SERVERS, associate_ids=())
    assert actions(steps) == ["set ports to node01, node02, node03"]


def test_plan_present_labels_members_and_unlabels_leavers():
    servers = [server(1, **{"failover-shared-ip:web": aid(1)}), server(2),
               server(3, **{"failover-shared-ip:web": aid(1)})] + SERVERS[3:]
    steps = plan.plan_present(current(1, [1, 2, 3], [1, 2, 3]), members(1, 2), servers, associate_ids=ALL,
                              name="web")
    assert actions(steps) == ["disassociate node03", "unlabel node03 failover-shared-ip:web",
                              "set ports to node01, node02", "label node02 failover-shared-ip:web"]
    assert [[s["action"] for s in p] for p in plan.phases(steps)] == [
        ["disassociate", "unlabel"], ["set_ports"], ["label"]]


def test_plan_create_orders_create_associate_label():
    steps = plan.plan_create(NETWORKS[2], 4, members(2, 1), SERVERS, address="192.168.100.200", name="web")
    assert actions(steps) == [
        "create 192.168.100.200 on %s for node01, node02" % NET, "associate node01", "associate node02",
        "label node01 failover-shared-ip:web", "label node02 failover-shared-ip:web"]
    assert steps[0]["port_ids"] == [pid(1), pid(2)]
    assert [len(p) for p in plan.phases(steps)] == [1, 4]


def test_plan_absent_disassociates_deletes_then_unlabels():
    servers = [server(1, **{"failover-shared-ip:web": aid(1)}), server(2, **{"failover-shared-ip:web": aid(1)})]
    steps = plan.plan_absent(current(1, [1, 2], [2]), servers + SERVERS[2:])
    assert actions(steps) == ["disassociate node02", "delete 192.168.100.100",
                              "unlabel node01 failover-shared-ip:web", "unlabel node02 failover-shared-ip:web"]


@pytest.mark.parametrize("now, assoc, only, expected", [
    ([1, 2, 3], [1, 2, 3], 3, ["disassociate node03", "set ports to node01, node02"]),
    ([1, 2, 3], [1, 2], 3, ["set ports to node01, node02"]),
    ([1, 2], [1, 2], 4, []),
    ([1], [1], 1, ["disassociate node01"]),   # the last port stays: the API refuses an empty list
])
def test_plan_absent_one_member(now, assoc, only, expected):
    assert actions(plan.plan_absent(current(1, now, assoc), SERVERS, only=sid(only))) == expected


def test_last_member_keeps_its_port_and_label():
    current_ = current(1, [1], [])
    servers = [server(1)] + SERVERS[1:]
    assert actions(plan.plan_absent(current_, servers, only=sid(1), name="web")) == [
        "label node01 failover-shared-ip:web"]
    labelled = [server(1, **{"failover-shared-ip:web": aid(1)})] + SERVERS[1:]
    assert plan.plan_absent(current_, labelled, only=sid(1), name="web") == []


def test_binding_keeps_other_members():
    steps = plan.plan_present(current(1, [1, 2], [1, 2]), members(5), SERVERS, associate_ids={sid(5)},
                              keep_others=True)
    assert actions(steps) == ["set ports to node01, node02, node05", "associate node05"]


# ------------------------------------------------------------ applying

@pytest.mark.parametrize("now, assoc, want", [
    ([1, 2], [], [1, 2, 3]), ([1, 2, 3], [1, 2, 3], [2, 4]), ([1, 2], [1], [1, 2]),
])
def test_applying_the_plan_reaches_the_goal_and_replans_to_nothing(now, assoc, want):
    before = current(1, now, assoc)
    after = plan.apply_all(before, plan.plan_present(before, members(*want), SERVERS, associate_ids=ALL))
    assert [(m["name"], m["associated"]) for m in after["members"]] == [("node%02d" % n, True) for n in want]
    assert plan.plan_present(after, members(*want), SERVERS, associate_ids=ALL) == []
    assert before == current(1, now, assoc)   # check mode works on a copy


def test_apply_create_then_delete():
    steps = plan.plan_create(NETWORKS[2], 4, members(1, 2), SERVERS, name="web")
    after = plan.apply_all(None, steps)
    assert after["name"] == "web" and after["id"] is None
    assert [m["associated"] for m in after["members"]] == [True, True]
    assert plan.apply_all(after, plan.plan_absent(after, SERVERS)) is None


def test_diff_view_holds_managed_keys_only():
    state = current(1, [1, 2], [1])
    assert plan.diff_view(state) == {
        "address": "192.168.100.100", "name": None,
        "members": {"node01": {"port_id": pid(1), "associated": True},
                    "node02": {"port_id": pid(2), "associated": False}}}
    assert plan.diff_view(None) == {}
