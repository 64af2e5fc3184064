# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cloud's operations, typed: networks, ports, servers, metadata, shared IPs, associations."""

import re
from urllib.parse import quote

from ansible_collections.failover.shared_ip.plugins.module_utils._errors import ApiError, UncertainWrite

ZONE_KEY = "RAX-PUBLIC-IP-ZONE-ID:publicIPZoneId"
ALREADY = "already done"
_SAFE = "-._~:@!$&'()*+,;="


def _seg(value):
    """One path segment, quoted (ids and metadata keys; ``:`` is kept, it is legal in a path)."""
    return quote(str(value), safe=_SAFE)


def normalise_address(address):
    """An address as the cloud gives it, with ``version`` an int and ``port_ids`` a list."""
    result = dict(address)
    version = result.get("version")
    if version is not None:
        try:
            result["version"] = int(version)
        except (TypeError, ValueError):
            pass
    result["port_ids"] = list(result.get("port_ids") or [])
    return result


def normalise_server(server):
    """A server reduced to what the modules use: id, name, status, zone, metadata."""
    return {
        "id": server.get("id"),
        "name": server.get("name"),
        "status": server.get("status"),
        "zone": server.get(ZONE_KEY),
        "metadata": dict(server.get("metadata") or {}),
    }


class Cloud:
    """Operations on one account and region, over a Client (see _client.py)."""

    def __init__(self, client):
        self.client = client

    # -- network endpoint: networks and ports ----------------------------------------------

    def networks(self, name=None):
        """Networks, filtered by their name label when given (the list is the tenant's, not the account's servers')."""
        return self.client.list("network", "/networks", "networks", params={"name": name} if name else None)

    def regions_with_network(self, name):
        """The other regions of the catalog whose network endpoint has a network named ``name``: only to
        name them when this region has none (one GET /networks?name= per other region)."""
        return sorted(region for region, url in self.client.endpoints("network").items()
                      if self.client.list("network", "/networks", "networks", params={"name": name}, base=url))

    def network(self, network_id):
        """One network by id, or None."""
        try:
            return self.client.get("network", "/networks/%s" % _seg(network_id))[1]["network"]
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def subnets(self, network_id):
        """The network's subnets (cidr, ip_version, gateway_ip): a network lists only their ids."""
        return self.client.list("network", "/subnets", "subnets", params={"network_id": network_id})

    def with_subnets(self, network, subnets=None):
        """``network`` with its subnet ids replaced by the subnets themselves (read unless given)."""
        ids = [s for s in network.get("subnets") or [] if not isinstance(s, dict)]
        if not ids:
            return network
        found = self.subnets(network["id"]) if subnets is None else subnets
        return dict(network, subnets=[s for s in found if s.get("id") in ids] or found)

    def ports(self, network_id=None, device_id=None, ids=None):
        """Ports, filtered: ``device_id`` and ``ids`` may be lists (repeated filters, OR-ed)."""
        params = {}
        if network_id:
            params["network_id"] = network_id
        if device_id:
            params["device_id"] = device_id
        if ids:
            params["id"] = list(ids)
        return self.client.list("network", "/ports", "ports", params=params or None)

    # -- compute endpoint: servers and metadata --------------------------------------------

    def servers(self, name=None, names=None):
        """Servers whose name is exactly ``name`` (or one of ``names``, in one call). Nova's filter is an
        unanchored regular expression: it is anchored and escaped here, and the answer compared exactly."""
        wanted = [name] if name is not None else list(names or [])
        params = None
        if wanted:
            escaped = [re.escape(n) for n in sorted(set(wanted))]
            params = {"name": "^%s$" % escaped[0] if len(escaped) == 1 else "^(%s)$" % "|".join(escaped)}
        found = [normalise_server(s) for s in self.client.list("compute", "/servers/detail", "servers", params=params)]
        return [s for s in found if not wanted or s["name"] in wanted]

    def server(self, server_id):
        """One server by id, or None."""
        try:
            return normalise_server(self.client.get("compute", "/servers/%s" % _seg(server_id))[1]["server"])
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def set_metadata_item(self, server_id, key, value):
        self.client.put("compute", "/servers/%s/metadata/%s" % (_seg(server_id), _seg(key)), {"meta": {key: value}})

    def delete_metadata_item(self, server_id, key):
        self.client.delete("compute", "/servers/%s/metadata/%s" % (_seg(server_id), _seg(key)))

    # -- shared IP addresses ---------------------------------------------------------------

    def ip_addresses(self, **filters):
        params = dict((k, v) for k, v in filters.items() if v is not None) or None
        return [normalise_address(a) for a in self.client.list("network", "/ip_addresses", "ip_addresses", params=params)]

    def ip_address(self, ip_id):
        """One address, or None when it does not exist (or belongs to another tenant)."""
        try:
            body = self.client.get("network", "/ip_addresses/%s" % _seg(ip_id))[1]
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return normalise_address(body["ip_address"])

    def create_ip_address(self, network_id, version, port_ids, ip_address=None, known_ids=None):
        """Allocate one address on ``network_id`` for ``port_ids``.

        A POST whose answer is lost (UncertainWrite) is never repeated blindly: the addresses of
        the network are listed and one that has the requested ports (and address) and was not
        there before is taken as ours; only when there is none is the POST sent once more.

        ``known_ids``: the ids of the shared addresses that already exist on the network (the caller
        has usually just listed them). Without it, one extra GET /ip_addresses?network_id=&type=shared is made
        before the POST, so that a look-up can tell our address from older ones. Calls: 1 POST
        (plus that GET when ``known_ids`` is None); after a lost answer, 1 GET and at most one more POST.
        """
        request = {"network_id": network_id, "version": int(version), "port_ids": list(port_ids)}
        if ip_address:
            request["ip_address"] = ip_address
        if known_ids is None:
            known_ids = [a["id"] for a in self.ip_addresses(network_id=network_id, type="shared")]
        known = set(known_ids)
        for attempt in (1, 2):
            try:
                body = self.client.post("network", "/ip_addresses", {"ip_address": request})
                return normalise_address(body["ip_address"])
            except UncertainWrite as exc:
                found = self._find_created(request, known)
                if found is not None:
                    return found
                if attempt == 2:
                    raise exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _find_created(self, request, known):
        for address in self.ip_addresses(network_id=request["network_id"], type="shared"):
            if address["id"] in known or set(address["port_ids"]) != set(request["port_ids"]):
                continue
            if address.get("version") not in (None, request["version"]):
                continue
            if request.get("ip_address") and address.get("address") != request["ip_address"]:
                continue
            return address
        return None

    def set_ip_address_ports(self, ip_id, port_ids):
        """Replace the whole port list of an address. An empty list is refused (ValueError)."""
        port_ids = list(port_ids or [])
        if not port_ids:
            raise ValueError("set_ip_address_ports needs at least one port: an empty port list is refused by the "
                             "cloud; delete the address instead")
        body = self.client.put("network", "/ip_addresses/%s" % _seg(ip_id), {"ip_address": {"port_ids": port_ids}})
        return normalise_address(body["ip_address"])

    def delete_ip_address(self, ip_id):
        self.client.delete("network", "/ip_addresses/%s" % _seg(ip_id))

    def ip_address_ports(self, ip_id):
        """The ports that hold the address: [{id, device_id, service}] (service "none" or "compute").

        This is the cloud's internal view, hidden from tenants on the real cloud: None when it does
        not answer (404), and the caller does without it.
        """
        try:
            return self.client.list("network", "/ip_addresses/%s/ports" % _seg(ip_id), "ip_addresses_ports")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    # -- associations (compute endpoint) ---------------------------------------------------

    def associate(self, server_id, ip_id):
        """Associate (PUT ``{"ip_association": {}}``). Returns the association, {} for an empty 2xx (or
        an "already exists" after a lost answer: our own first PUT), or ALREADY when the cloud answers
        that it exists: the work is done, nothing changed."""
        try:
            body = self.client.put("compute", "/servers/%s/ip_associations/%s" % (_seg(server_id), _seg(ip_id)),
                                   {"ip_association": {}})
        except ApiError as exc:
            if exc.already_associated:
                # After a repeat whose first answer was lost, it was most likely our own first PUT.
                return {} if exc.uncertain else ALREADY
            raise
        return (body or {}).get("ip_association") or {}

    def disassociate(self, server_id, ip_id):
        """Disassociate (DELETE). A 404 raises ApiError unless an earlier attempt's answer was lost."""
        self.client.delete("compute", "/servers/%s/ip_associations/%s" % (_seg(server_id), _seg(ip_id)))
