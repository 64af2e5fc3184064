# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The address_info module: the shared IPs that match the filters, in the view shape. Reads only."""

import ipaddress

from ansible_collections.failover.shared_ip.plugins.module_utils import _snapshot as read
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import check_name, check_uuid, parse_ip
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import resolve_network


def run(module):
    params = module.params
    cloud = module.cloud
    snap = read.Snapshot()
    filters = _filters(cloud, snap, params)
    if params["id"]:
        one = cloud.ip_address(params["id"].lower())
        addresses = [a for a in [one] if a and _matches(a, filters)]
    else:
        addresses = cloud.ip_addresses(**filters)
    snap.add_addresses(addresses)
    read.read_details(cloud, snap, [a["id"] for a in addresses])
    views = [snap.view(a) for a in addresses]
    if "device_id" in filters:
        views = [v for v in views if filters["device_id"] in [m["id"] for m in v["members"]]]
    if params["name"]:
        views = [v for v in views if params["name"] in (v["name"] or "").split(", ")]
    module.report(shared_ips=sorted(views, key=_by_address))


def _filters(cloud, snap, params):
    """The filters of GET /ip_addresses from the options, each checked (network and server read first)."""
    filters = {"type": "shared"}
    first = []
    if params["network"]:
        first.append(("network", read.network_reader(cloud, params["network"])))
    if params["server"]:
        first.append(("server", read.server_reader(cloud, params["server"])))
    if params["id"]:
        check_uuid("id", params["id"])
    if params["address"]:
        parse_ip("address", params["address"])
        filters["address"] = params["address"]
    check_name(params["name"])
    got = read.together(first)
    if "network" in got:
        filters["network_id"] = resolve_network(got["network"], params["network"],
                                                *read.network_hints(cloud, params["network"], got["network"]))["id"]
    if "server" in got:
        me = read.resolve_servers_hinting(cloud, {params["server"]: got["server"]}, [params["server"]], "server")[0]
        snap.add_servers([me])
        filters["device_id"] = me["id"]
    return filters


def _matches(addr, filters):
    return (addr["network_id"] == filters.get("network_id", addr["network_id"])
            and str(addr.get("address")) == str(filters.get("address", addr.get("address"))))


def _by_address(shared_ip):
    try:
        return (shared_ip["version"] or 0, int(ipaddress.ip_address(str(shared_ip["address"]))))
    except ValueError:
        return (shared_ip["version"] or 0, 0)
