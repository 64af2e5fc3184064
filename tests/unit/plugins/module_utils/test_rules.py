# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the contract's refusals, every one raised before any write."""

from __future__ import annotations

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils import _rules as rules
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import (
    MAX_NAME_LENGTH,
    PUBLIC_NET_ID,
    PlanError,
    check_name,
)
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.cloud_data import (
    CLUSTER_NET,
    NETWORKS,
    SERVERS,
    addr,
    members,
    pid,
    port,
    server,
    sid,
)


@pytest.mark.parametrize("specs, message", [
    ([], "servers=[]: a shared IP needs at least two members, got 0"),
    (None, "servers=[]: a shared IP needs at least two members, got 0"),
    (["node01"], "servers=[node01]: a shared IP needs at least two members, got 1"),
    (["node01", " "], "servers=[node01,  ]: an empty server name"),
])
def test_server_specs(specs, message):
    with pytest.raises(PlanError) as err:
        rules.check_server_specs(specs)
    assert str(err.value) == message


@pytest.mark.parametrize("network, nums, message", [
    (CLUSTER_NET, [1], "servers=[node01]: a shared IP needs at least two members, got 1"),
    (NETWORKS[0], [9, 10], "servers=[node09, node10]: PublicNet members must share one public IP zone: "
                           "node09 in A, node10 in B"),
])
def test_check_members_refusals(network, nums, message):
    with pytest.raises(PlanError) as err:
        rules.check_members(network, members(*nums), SERVERS)
    assert str(err.value) == message


def test_public_quota_counts_what_is_asked_for():
    four = [addr(n, 1, 2, network_id=PUBLIC_NET_ID) for n in range(10, 14)]
    rules.check_public_quota(NETWORKS[0], four)
    with pytest.raises(PlanError, match="^network=public: quota reached: the account holds 4 of 5 shared IPs on "
                                        "PublicNet .*, 2 more asked for"):
        rules.check_public_quota(NETWORKS[0], four, new_count=2)
    rules.check_public_quota(CLUSTER_NET, four * 3)


@pytest.mark.parametrize("fixed, shared, adding, fails", [
    (1, 3, 1, False),     # 1 fixed + 3 shared + 1 new = 5: at the limit, fine
    (1, 4, 1, True),      # 6 would be too many
    (5, 0, 1, True),      # the port's own fixed addresses count too, without any shared IP
    (1, 2, 2, False),     # a cluster adding two addresses to one port
    (1, 2, 3, True),
])
def test_port_room(fixed, shared, adding, fails):
    ports = {pid(1): port(1, *["192.168.100.%d" % (60 + i) for i in range(fixed)]), pid(2): port(2)}
    addresses = [addr(20 + i, 1, 2) for i in range(shared)]

    def call():
        rules.check_port_room(CLUSTER_NET, members(1, 2), ports, addresses, SERVERS, adding={pid(1): adding, pid(2): 1})

    if not fails:
        call()
        return
    with pytest.raises(PlanError) as err:
        call()
    assert str(err.value).startswith("servers=node01: its port on cluster-net already holds %d addresses"
                                     % (fixed + shared))
    assert str(err.value).endswith("a port on cluster-net holds at most 5 (port %s)" % pid(1))


def test_shared_addresses_listed_in_fixed_ips_are_counted_once():
    shared = addr(20, 1, 2)
    ports = {pid(1): port(1, "192.168.100.11", shared["address"]), pid(2): port(2)}
    assert rules.port_load(ports[pid(1)], [shared]) == {"192.168.100.11", shared["address"]}


@pytest.mark.parametrize("network, version, address, message", [
    (NETWORKS[0], 4, "203.0.113.50", "address=203.0.113.50: PublicNet picks its addresses itself; a specific "
                                     "address can only be asked for on an isolated network"),
    (NETWORKS[3], 6, None, "version=6: network v4-only has no IPv6 subnet (it has 192.168.100.0/24)"),
    (CLUSTER_NET, 4, "10.0.0.5", "address=10.0.0.5: is outside the IPv4 subnet of network cluster-net "
                                 "(192.168.100.0/24)"),
    (CLUSTER_NET, 6, "fd00:200::5", "address=fd00:200::5: is outside the IPv6 subnet of network cluster-net "
                                    "(fd00:100::/64)"),
    (CLUSTER_NET, 4, "fd00:100::5", "address=fd00:100::5: is an IPv6 address but version is 4"),
    (CLUSTER_NET, 4, "192.168.100.300", "address=192.168.100.300: not an IPv4 or IPv6 address"),
    (CLUSTER_NET, 4, "192.168.100.0", "address=192.168.100.0: is the network address of subnet 192.168.100.0/24 "
                                      "on network cluster-net; pick a host address"),
    (CLUSTER_NET, 4, "192.168.100.255", "address=192.168.100.255: is the broadcast address of subnet "
                                        "192.168.100.0/24 on network cluster-net; pick a host address"),
    (CLUSTER_NET, 4, "192.168.100.1", "address=192.168.100.1: is the gateway address of subnet 192.168.100.0/24"),
    (CLUSTER_NET, 6, "fd00:100::", "address=fd00:100::: is the network address of subnet fd00:100::/64"),
    (CLUSTER_NET, 4, "192.168.100.12", "address=192.168.100.12: is the fixed address of node02's own port (port %s); "
                                       "a shared IP needs an address of its own" % pid(2)),
])
def test_check_new_address_refusals(network, version, address, message):
    with pytest.raises(PlanError) as err:
        rules.check_new_address(network, version, address, ports=[port(1), port(2)],
                                servers=dict((sid(n), server(n)) for n in (1, 2)))
    assert str(err.value).startswith(message)


@pytest.mark.parametrize("version, address, subnet", [
    (4, None, "sub-v4"), (6, None, "sub-v6"), (4, "192.168.100.200", "sub-v4"), (6, "fd00:100::200", "sub-v6"),
])
def test_check_new_address_accepts(version, address, subnet):
    assert rules.check_new_address(CLUSTER_NET, version, address, ports=[port(1)])["id"] == subnet


@pytest.mark.parametrize("name", ["", "x" * (MAX_NAME_LENGTH + 1)])
def test_name_length(name):
    with pytest.raises(PlanError, match="^name="):
        check_name(name)
