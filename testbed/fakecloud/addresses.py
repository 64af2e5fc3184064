"""Shared IP rules: /v2.0/ip_addresses and /ip_addresses/{id}/ports (Quark's, see cloud-api.md section 3)."""
import uuid

from . import addressing
from .errors import bad_request, conflict, not_found
from .fixture import PUBLICNET_ID, SERVICENET_ID
from .lookup import locked, locked_views
from .paging import everything, matches, paged

# How many shared IPs a tenant may allocate on a network (None: no quota).
SHARED_QUOTA = {PUBLICNET_ID: 5, SERVICENET_ID: 0}
# How many addresses (fixed and shared together) one port may hold.
PORT_LIMIT = {PUBLICNET_ID: 6, SERVICENET_ID: 1}
PORT_LIMIT_OTHER = 5
WELL_KNOWN = {PUBLICNET_ID: "PublicNet", SERVICENET_ID: "ServiceNet"}

PORT_FILTERS = {
    "id": lambda p: {p["id"]},
    "device_id": lambda p: {p["device_id"]},
    "service": lambda p: {p["service"]},
}


def _version(raw):
    if raw in (4, 6, "4", "6"):
        return int(raw)
    raise bad_request("version must be 4 or 6, got %r" % (raw,))


def _id_list(spec, key):
    value = spec.get(key, [])
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise bad_request("%s must be a list of ids, got %r" % (key, value))
    return value


def _spec(body):
    spec = body.get("ip_address") if isinstance(body, dict) else None
    if not isinstance(spec, dict):
        raise bad_request('The request body must be {"ip_address": {...}}')
    return spec


class AddressRules:
    # ----- reads -----

    def _ip_filters(self, region):
        ports = self._r(region)["ports"]
        return {
            "id": lambda ip: {ip["id"]},
            "network_id": lambda ip: {ip["network_id"]},
            "address": lambda ip: {ip["address"]},
            "subnet_id": lambda ip: {ip["subnet_id"]},
            "version": lambda ip: {str(ip["version"])},
            "type": lambda ip: {ip["type"]},
            "port_id": lambda ip: set(ip["port_ids"]),
            "port_ids": lambda ip: set(ip["port_ids"]),
            "device_id": lambda ip: {ports[p]["device_id"] for p in ip["port_ids"]},
            "service": lambda ip: set(ip["services"].values()),
        }

    def _ip_candidates(self, region, filters):
        """The ids the indexed filters allow (None: no indexed filter given), so that a filtered read
        touches the few addresses it names, not every fixed address of a large account."""
        r = self._r(region)
        indexes = {
            "id": lambda v: {v} if v in r["ips"] else set(),
            "network_id": lambda v: r["ips_by_network"].get(v, set()),
            "type": lambda v: r["ips_by_type"].get(v, set()),
            "port_id": lambda v: r["ips_by_port"].get(v, set()),
            "port_ids": lambda v: r["ips_by_port"].get(v, set()),
            "device_id": lambda v: set().union(*[r["ips_by_port"].get(pid, set()) for pid in
                                                 r["servers"].get(v, {"port_ids": []})["port_ids"]]),
        }
        allowed = []
        for key in set(filters) & set(indexes):
            sets = [indexes[key](str(v)) for v in filters[key]]
            allowed.append(sets[0] if len(sets) == 1 else set().union(*sets))   # the index itself: no copy
        if not allowed:
            return None
        allowed.sort(key=len)
        candidates = allowed[0]
        for other in allowed[1:]:
            candidates = candidates & other       # iterates over the smaller set
        return candidates

    @locked_views
    def ip_addresses(self, tenant, region, filters, pager=everything):
        """Every address of the tenant, fixed and shared (cloud-api.md section 3), Quark's filters."""
        r = self._r(region)
        fields = self._ip_filters(region)
        ids = self._ip_candidates(region, filters)
        ips = r["ips"].values() if ids is None else [r["ips"][i] for i in ids]
        found = [ip for ip in ips if ip["tenant"] == tenant and matches(ip, filters, fields)]
        return paged(found, self._ip_view, pager)

    @locked
    def ip_address(self, tenant, region, ip_id):
        return self._ip_view(self._ip(tenant, region, ip_id))

    @locked
    def ip_address_ports(self, tenant, region, ip_id, filters):
        ip = self._ip(tenant, region, ip_id)
        views = [self._ip_port_view(region, ip, pid) for pid in ip["port_ids"]]
        return sorted((v for v in views if matches(v, filters, PORT_FILTERS)), key=lambda v: v["id"])

    @locked
    def ip_address_port(self, tenant, region, ip_id, port_id):
        ip = self._ip(tenant, region, ip_id)
        if port_id not in ip["port_ids"]:
            raise not_found("Port %s could not be found on IP address %s." % (port_id, ip_id), "PortNotFound")
        return self._ip_port_view(region, ip, port_id)

    # ----- writes -----

    @locked
    def create_ip_address(self, tenant, region, body):
        spec = _spec(body)
        for key in ("network_id", "version"):
            if spec.get(key) in (None, ""):
                raise bad_request("%s is required" % key)
        port_ids, device_ids = _id_list(spec, "port_ids"), _id_list(spec, "device_ids")
        if not port_ids and not device_ids:
            raise bad_request("port_ids or device_ids is required")
        if device_ids:
            port_ids = []   # Quark: when both are given, the devices' ports only
        version = _version(spec["version"])
        net = self._network(tenant, region, spec["network_id"])
        ports = self._resolve_ports(tenant, region, net, port_ids, device_ids)
        if len(ports) < 2:
            raise bad_request("Only shared IPs may be made with this resource")
        wanted = spec.get("ip_address")
        if wanted is not None and net["id"] in WELL_KNOWN:
            raise bad_request("A specific ip_address can only be asked for on isolated networks, not on %s"
                              % WELL_KNOWN[net["id"]])
        subnet = self._subnet_of_version(region, net, version)
        self._check_zones(region, net, ports)
        self._check_quota(tenant, region, net)
        self._check_port_limits(region, net, ports)
        address = self._pick_address(region, net, subnet, version, wanted)
        rec = self.world.add_ip(region, net["id"], subnet["id"], address, version, tenant, ports, "api",
                                str(uuid.uuid4()))
        return self._ip_view(rec)

    @locked
    def update_ip_address(self, tenant, region, ip_id, body):
        ip = self._ip(tenant, region, ip_id)
        spec = _spec(body)
        if "port_ids" not in spec:
            raise bad_request("port_ids is required")
        port_ids = _id_list(spec, "port_ids")
        if not port_ids:
            raise bad_request("port_ids must not be empty: delete the address instead")
        self._refuse_fixed(region, ip)
        net = self._r(region)["networks"][ip["network_id"]]
        ports = self._resolve_ports(tenant, region, net, port_ids, [])
        dropped = [pid for pid in ip["port_ids"] if pid not in ports]
        self._require_disassociated(ip, dropped, "removed from it")
        self._check_zones(region, net, ports)
        self._check_port_limits(region, net, [pid for pid in ports if pid not in ip["port_ids"]])
        self.world.set_ip_ports(region, ip, ports)
        return self._ip_view(ip)

    @locked
    def delete_ip_address(self, tenant, region, ip_id):
        ip = self._ip(tenant, region, ip_id)
        self._refuse_fixed(region, ip)
        self._require_disassociated(ip, ip["port_ids"], "deleted")
        self.world.remove_ip(region, ip_id)

    # ----- the rules, one each -----

    def _resolve_ports(self, tenant, region, net, port_ids, device_ids):
        found = []
        for pid in port_ids:
            port = self._port(tenant, region, pid)
            if port["network_id"] != net["id"]:
                raise bad_request("Port %s is not on network %s" % (pid, net["id"]))
            found.append(pid)
        for did in device_ids:
            server = self._r(region)["servers"].get(did)
            if server is None or server["tenant"] != tenant:
                raise not_found("No port found for device %s: the device could not be found." % did, "PortNotFound")
            on_net = [p for p in server["port_ids"] if self._r(region)["ports"][p]["network_id"] == net["id"]]
            if not on_net:
                raise bad_request("Device %s has no port on network %s" % (did, net["id"]))
            if len(on_net) > 1:
                raise bad_request("Device %s has %d ports on network %s: ambiguous, name the port instead"
                                  % (did, len(on_net), net["id"]))
            found.append(on_net[0])
        return list(dict.fromkeys(found))

    def _subnet_of_version(self, region, net, version):
        for sid in net["subnets"]:
            sub = self._r(region)["subnets"][sid]
            if sub["ip_version"] == version:
                return sub
        raise bad_request("Network %s has no IPv%d subnet" % (net["id"], version))

    def _check_zones(self, region, net, ports):
        if net["id"] != PUBLICNET_ID:
            return
        r = self._r(region)
        zones = {r["servers"][r["ports"][p]["device_id"]]["zone"] for p in ports}
        if len(zones) > 1:
            raise bad_request("PublicNet shared IP members must all be in one public IP zone, got %s"
                              % ", ".join(sorted(zones)))

    def _check_quota(self, tenant, region, net):
        quota = SHARED_QUOTA.get(net["id"])
        if quota is None:
            return
        r = self._r(region)
        used = sum(1 for i in r["ips_by_network"].get(net["id"], set()) & r["ips_by_type"].get("shared", set())
                   if r["ips"][i]["tenant"] == tenant)
        if used >= quota:
            raise conflict("Cannot create more shared IPs on network %s: the quota is %d" % (net["id"], quota),
                           "CannotCreateMoreSharedIPs")

    def _check_port_limits(self, region, net, ports):
        limit = PORT_LIMIT.get(net["id"], PORT_LIMIT_OTHER)
        for pid in ports:
            held = len(self._port_ips(region, pid))
            if held >= limit:
                raise conflict("Port %s already holds %d addresses, the most a port on network %s may hold"
                               % (pid, held, net["id"]), "CannotAddMoreIPsToPort")

    def _pick_address(self, region, net, subnet, version, wanted):
        r = self._r(region)
        used = {r["ips"][i]["address"] for i in r["ips_by_network"].get(net["id"], ())}
        if wanted is None:
            address = addressing.next_free(subnet["cidr"], subnet["allocate_from"], used)
            if address is None:
                raise conflict("No more addresses available on subnet %s" % subnet["id"], "IpAddressGenerationFailure")
            return address
        parsed = addressing.parse(wanted)
        if parsed is None or parsed.version != version:
            raise bad_request("ip_address %r is not an IPv%d address" % (wanted, version))
        reserved = addressing.reserved(wanted, subnet["cidr"])
        if reserved:
            raise bad_request("ip_address %s is the %s address of subnet %s (%s)"
                              % (wanted, reserved, subnet["id"], subnet["cidr"]))
        if not addressing.in_subnet(wanted, subnet["cidr"]):
            raise bad_request("ip_address %s is outside subnet %s (%s)" % (wanted, subnet["id"], subnet["cidr"]))
        if str(parsed) in used:
            raise conflict("IP address %s is already in use on network %s" % (parsed, net["id"]), "IpAddressInUse")
        return str(parsed)

    def _refuse_fixed(self, region, ip):
        if ip["origin"] == "port":
            raise bad_request("IP address %s is a port's own fixed IP; it cannot be changed through this resource"
                              % ip["id"])

    def _require_disassociated(self, ip, port_ids, what):
        busy = [pid for pid in port_ids if ip["services"].get(pid, "none") != "none"]
        if busy:
            raise bad_request("Port requires disassociation before IP can be %s (ports %s)"
                              % (what, ", ".join(busy)), "PortRequiresDisassociation")
