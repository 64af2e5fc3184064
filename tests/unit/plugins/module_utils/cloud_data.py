# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared data of the pure decide-step tests: networks, servers, ports, addresses, views."""

from __future__ import annotations

from ansible_collections.failover.shared_ip.plugins.module_utils import _resolve, _steps
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import PUBLIC_NET_ID, SERVICE_NET_ID
from ansible_collections.failover.shared_ip.plugins.module_utils._snapshot import Snapshot

NET = "9f1d5a3c-0000-4000-8000-00000000c1a5"
V4 = {"id": "sub-v4", "cidr": "192.168.100.0/24", "ip_version": 4, "gateway_ip": "192.168.100.1"}
V6 = {"id": "sub-v6", "cidr": "fd00:100::/64", "ip_version": 6}
NETWORKS = [
    {"id": PUBLIC_NET_ID, "name": "public", "subnets": []},
    {"id": SERVICE_NET_ID, "name": "private", "subnets": []},
    {"id": NET, "name": "cluster-net", "subnets": [V4, V6]},
    {"id": "9f1d5a3c-0000-4000-8000-0000000004a4", "name": "v4-only", "subnets": [V4]},
    {"id": "9f1d5a3c-0000-4000-8000-00000000d0d0", "name": "twin", "subnets": []},
    {"id": "9f1d5a3c-0000-4000-8000-00000000d0d1", "name": "twin", "subnets": []},
]
CLUSTER_NET = NETWORKS[2]


def sid(n):
    return "5e7e0000-0000-4000-8000-0000000000%02d" % n


def pid(n):
    return "b0b00000-0000-4000-8000-0000000000%02d" % n


def aid(n):
    return "aaaa0000-0000-4000-8000-0000000000%02d" % n


def server(n, zone="A", **meta):
    return {"id": sid(n), "name": "node%02d" % n, "zone": zone, "metadata": dict(meta)}


SERVERS = [server(n, zone="B" if n == 10 else "A") for n in range(1, 11)]


def port(n, *fixed):
    return {"id": pid(n), "device_id": sid(n), "network_id": NET,
            "fixed_ips": [{"subnet_id": "sub-v4", "ip_address": ip} for ip in (fixed or ["192.168.100.%d" % (10 + n)])]}


PORTS = [port(n) for n in range(1, 11)]


def addr(n, *members, **kw):
    out = {"id": aid(n), "address": "192.168.100.%d" % (99 + n), "network_id": NET, "version": 4,
           "type": "shared", "subnet_id": "sub-v4", "port_ids": [pid(m) for m in members]}
    out.update(kw)
    return out


def current(n, members, associated=(), servers=None):
    """A view of address n with the given member numbers, some associated (internal view served)."""
    a = addr(n, *members)
    holders = dict((pid(m), sid(m)) for m in members)
    services = dict((pid(m), "compute" if m in associated else "none") for m in members)
    return _resolve.view(a, servers or SERVERS, holders, services)


def members(*nums):
    return {sid(n): pid(n) for n in nums}


def actions(steps):
    return [_steps.describe(s) for s in steps]


def snapshot(servers, addresses=(), nums=(1, 2, 3)):
    snap = Snapshot()
    snap.network = CLUSTER_NET
    snap.add_servers(servers)
    snap.found = dict((s["name"], [s]) for s in servers)
    snap.add_ports([port(n) for n in nums])
    snap.add_addresses(list(addresses))
    snap.services = dict((a["id"], dict((p, "compute") for p in a["port_ids"])) for a in addresses)
    return snap
