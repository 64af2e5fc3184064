# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure: the contract's refusals, every one checkable from what was read, all checked before the
first write. No I/O, no Ansible import."""

import ipaddress

from ansible_collections.failover.shared_ip.plugins.module_utils._contract import (
    DEFAULT_PORT_ADDRESS_LIMIT,
    PORT_ADDRESS_LIMIT,
    PUBLIC_NET_ID,
    PUBLIC_SHARED_QUOTA,
    PlanError,
    parse_ip,
    show,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import is_shared, network_label


def check_server_specs(specs, option="servers"):
    """The member list as given: at least two, none empty."""
    specs = list(specs or [])
    if len(specs) < 2:
        raise PlanError(option, specs, "a shared IP needs at least two members, got %d" % len(specs))
    for spec in specs:
        if not spec or not str(spec).strip():
            raise PlanError(option, specs, "an empty server name")
    return specs


def check_members(network, members, servers, option="servers"):
    """Refusals about the member set: count and public IP zone. members: {server_id: port_id}."""
    names = dict((s["id"], s) for s in servers)
    if len(members) < 2:
        raise PlanError(option, [names[i].get("name") for i in members] if members else [],
                        "a shared IP needs at least two members, got %d" % len(members))
    check_zones(network, [names[i] for i in members], option)


def check_zones(network, servers, option="servers"):
    if network["id"] != PUBLIC_NET_ID:
        return
    zones = dict((s.get("name") or s["id"], s.get("zone")) for s in servers)
    if len(set(zones.values())) > 1:
        raise PlanError(option, sorted(zones), "PublicNet members must share one public IP zone: %s"
                        % ", ".join("%s in %s" % (n, z) for n, z in sorted(zones.items())))


def check_public_quota(network, addresses, new_count=1):
    """PublicNet holds at most 5 shared IPs per tenant. addresses: the network's shared addresses."""
    if network["id"] != PUBLIC_NET_ID:
        return
    shared = [a for a in addresses if is_shared(a)]
    if len(shared) + new_count > PUBLIC_SHARED_QUOTA:
        raise PlanError("network", "public", "quota reached: the account holds %d of %d shared IPs on PublicNet "
                        "(%s)%s" % (len(shared), PUBLIC_SHARED_QUOTA,
                                    ", ".join(sorted(a.get("address") or a["id"] for a in shared)) or "none",
                                    ", %d more asked for" % new_count if new_count > 1 else ""))


def port_load(port, addresses):
    """The addresses a port holds: its own fixed_ips and the shared addresses that list it."""
    held = set(str(f.get("ip_address")) for f in (port or {}).get("fixed_ips") or [] if f.get("ip_address"))
    for addr in addresses:
        if port and port["id"] in (addr.get("port_ids") or []):
            held.add(str(addr.get("address") or addr["id"]))
    return held


def check_port_room(network, joining, ports, addresses, servers, option="servers", adding=None):
    """Each port that gains an address must have room for it.

    joining: {server_id: port_id} of the ports that gain it; ports: {port_id: port} as read;
    adding: {port_id: count} when one port gains more than one address (the cluster module).
    """
    limit = PORT_ADDRESS_LIMIT.get(network["id"], DEFAULT_PORT_ADDRESS_LIMIT)
    names = dict((s["id"], s.get("name") or s["id"]) for s in servers)
    for server_id, port_id in sorted(joining.items(), key=lambda item: (names.get(item[0], item[0]), item[0])):
        held = port_load(ports.get(port_id), addresses)
        more = (adding or {}).get(port_id, 1)
        if len(held) + more > limit:
            raise PlanError(option, names.get(server_id, server_id),
                            "its port on %s already holds %d addresses (%s)%s, and a port on %s holds at most %d "
                            "(port %s)" % (network_label(network), len(held), ", ".join(sorted(held)),
                                           "; %d more asked for" % more if more > 1 else "",
                                           network_label(network), limit, port_id))


def subnets_of(network, version):
    return [s for s in network.get("subnets") or [] if isinstance(s, dict)
            and int(s.get("ip_version") or s.get("version") or 0) == version]


def check_new_address(network, version, address, ports=None, option="address", servers=None):
    """Refusals about a new address: version vs subnets, the requested address. Returns the subnet or None.

    ports: the members' ports (their fixed_ips): a member's own address cannot be shared; servers:
    {id: server} to name their holders.
    """
    ip = _requested(network, version, address, option)
    of_version = _subnets_of_version(network, version)
    if ip is None:
        return of_version[0] if of_version else None
    _not_fixed(ip, address, ports, servers or {}, option)
    return _subnet_holding(network, version, of_version, ip, address, option)


def _subnets_of_version(network, version):
    subnets = [s for s in network.get("subnets") or [] if isinstance(s, dict)]
    of_version = subnets_of(network, version)
    if subnets and not of_version:
        raise PlanError("version", version, "network %s has no IPv%d subnet (it has %s)"
                        % (network_label(network), version,
                           ", ".join(s.get("cidr") or s.get("id") for s in subnets)))
    return of_version


def _subnet_holding(network, version, of_version, ip, address, option):
    """The subnet of ``of_version`` that holds ``ip`` (which must not be reserved in it); refused when
    every subnet's range is known and none holds it."""
    known = [s for s in of_version if s.get("cidr")]
    inside = [s for s in known if ip in ipaddress.ip_network(str(s["cidr"]), strict=False)]
    for subnet in inside:
        _not_reserved(network, subnet, ip, address, option)
    if of_version and not inside and len(known) == len(of_version):
        raise PlanError(option, address, "is outside the IPv%d subnet of network %s (%s)"
                        % (version, network_label(network), ", ".join(s["cidr"] for s in of_version)))
    return (inside or of_version or [None])[0]


def _requested(network, version, address, option):
    if address is None:
        return None
    if network["id"] == PUBLIC_NET_ID:
        raise PlanError(option, address, "PublicNet picks its addresses itself; a specific address "
                        "can only be asked for on an isolated network")
    ip = parse_ip(option, address)
    if ip.version != version:
        raise PlanError(option, address, "is an IPv%d address but version is %d" % (ip.version, version))
    return ip


def _not_fixed(ip, address, ports, servers, option):
    for port in ports or []:
        for fixed in port.get("fixed_ips") or []:
            if fixed.get("ip_address") and ipaddress.ip_address(str(fixed["ip_address"])) == ip:
                holder = (servers.get(port.get("device_id")) or {}).get("name") or port.get("device_id")
                raise PlanError(option, address, "is the fixed address of %s's own port (port %s); a shared IP "
                                "needs an address of its own" % (holder, port["id"]))


def _not_reserved(network, subnet, ip, address, option):
    net = ipaddress.ip_network(str(subnet["cidr"]), strict=False)
    reserved = {net.network_address: "the network address"}
    if net.version == 4 and net.prefixlen < 31:
        reserved[net.broadcast_address] = "the broadcast address"
    if subnet.get("gateway_ip"):
        reserved[ipaddress.ip_address(str(subnet["gateway_ip"]))] = "the gateway address"
    if ip in reserved:
        raise PlanError(option, address, "is %s of subnet %s on network %s; pick a host address"
                        % (reserved[ip], subnet["cidr"], network_label(network)))


def check_address_free(network, address, taken):
    """``taken``: what the network already holds at the requested address (fixed or shared), or None."""
    if taken is not None:
        raise PlanError("address", address, "is already in use on network %s as a %s address (%s)"
                        % (network_label(network), taken.get("type") or "fixed", taken["id"]))


def check_same_network(snap, option, value, addr, network_spec):
    """An address named by id (or address) must live on the task's network: one on another network is
    another service's, and is refused before any write, naming both networks."""
    if addr is None or snap.network is None or addr.get("network_id") == snap.network["id"]:
        return
    other = snap.networks.get(addr["network_id"]) or {"id": addr["network_id"]}
    raise PlanError(option, value, "shared IP %s (%s) is on network %s, not on network=%s; name a shared IP of "
                    "network=%s, or give network=%s to manage this one"
                    % (addr["id"], addr.get("address"), network_label(other), network_spec or network_label(
                        snap.network), network_spec or network_label(snap.network), network_label(other)))


def check_version(found, version, option="version"):
    if version and found.get("version") not in (None, version):
        raise PlanError(option, version, "shared IP %s (%s) is IPv%s"
                        % (found["id"], found.get("address"), found.get("version")))


def version_of(address, option="address"):
    return parse_ip(option, address).version if address else None


def check_distinct(option, values):
    seen = set()
    for value in values:
        if value in seen:
            raise PlanError(option, value, "given more than once in %s" % show(list(values)))
        seen.add(value)
