"""What every rule needs: the lock decorator, tenant-scoped lookups, and the JSON views of records."""
import copy
import functools

from .errors import CloudError, not_found
from .fixture import PUBLICNET_ID, SERVICENET_ID


def locked(method):
    """Run `method` under the state's one lock and hand back a deep copy, so every call is atomic."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return copy.deepcopy(method(self, *args, **kwargs))

    return wrapper


def locked_views(method):
    """Run `method` under the state's one lock; its result is made of freshly built views (the _*_view
    methods copy what they take from records), so no deep copy is needed: large lists stay cheap."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class Lookup:
    """Tenant-scoped access to the records of one region. Subclasses hold `world` and `_lock`."""

    def _r(self, region):
        try:
            return self.world.region[region]
        except KeyError:
            raise CloudError(404, "NotFound", "region %s has no such endpoint" % region)

    def _network(self, tenant, region, network_id):
        net = self._r(region)["networks"].get(network_id)
        if net is None or net["tenant"] not in (None, tenant):
            raise not_found("Network %s could not be found." % network_id, "NetworkNotFound")
        return net

    def _port(self, tenant, region, port_id):
        port = self._r(region)["ports"].get(port_id)
        if port is None or port["tenant"] != tenant:
            raise not_found("Port %s could not be found." % port_id, "PortNotFound")
        return port

    def _ip(self, tenant, region, ip_id):
        ip = self._r(region)["ips"].get(ip_id)
        if ip is None or ip["tenant"] != tenant:
            raise not_found("IP address %s could not be found." % ip_id, "IpAddressNotFound")
        return ip

    def _server(self, tenant, region, server_id):
        server = self._r(region)["servers"].get(server_id)
        if server is None or server["tenant"] != tenant:
            raise CloudError(404, "itemNotFound", "Instance %s could not be found." % server_id)
        return server

    def _port_ips(self, region, port_id):
        """The address records on a port: its own fixed ones first, then the others by age."""
        r = self._r(region)
        ips = [r["ips"][i] for i in r["ips_by_port"].get(port_id, ())]
        return sorted(ips, key=lambda ip: (ip["origin"] != "port", ip["seq"]))

    def _ips_on_ports(self, region, port_ids):
        """The address records held by any of `port_ids` (through the index: no scan of the account)."""
        r = self._r(region)
        ids = set()
        for pid in port_ids:
            ids |= r["ips_by_port"].get(pid, set())
        return [r["ips"][i] for i in ids]

    # ----- views: the JSON shapes the API answers with -----

    def _network_view(self, region, net):
        return {
            "id": net["id"],
            "name": net["name"],
            "subnets": list(net["subnets"]),
            "shared": net["shared"],
            "status": net["status"],
            "admin_state_up": True,
            "tenant_id": net["tenant"] or "rackspace",
        }

    def _subnet_view(self, sub):
        return {
            "id": sub["id"],
            "name": sub["name"],
            "network_id": sub["network_id"],
            "cidr": sub["cidr"],
            "ip_version": sub["ip_version"],
            "enable_dhcp": False,
            "gateway_ip": None,
            "tenant_id": sub["tenant"] or "rackspace",
        }

    def _port_view(self, region, port):
        return {
            "id": port["id"],
            "name": port["name"],
            "network_id": port["network_id"],
            "device_id": port["device_id"],
            "device_owner": "compute:None",
            "tenant_id": port["tenant"],
            "mac_address": port["mac_address"],
            "status": port["status"],
            "admin_state_up": True,
            "fixed_ips": [{"subnet_id": ip["subnet_id"], "ip_address": ip["address"]}
                          for ip in self._port_ips(region, port["id"])],
        }

    def _ip_view(self, ip):
        return {
            "id": ip["id"],
            "network_id": ip["network_id"],
            "address": ip["address"],
            "port_ids": list(ip["port_ids"]),
            "subnet_id": ip["subnet_id"],
            "tenant_id": ip["tenant"],
            "version": ip["version"],
            "type": ip["type"],
        }

    def _ip_port_view(self, region, ip, port_id):
        port = self._r(region)["ports"][port_id]
        return {"id": port_id, "device_id": port["device_id"], "service": ip["services"][port_id]}

    def _server_view(self, region, server):
        addresses = {}
        for pid in server["port_ids"]:
            port = self._r(region)["ports"][pid]
            label = {PUBLICNET_ID: "public", SERVICENET_ID: "private"}.get(
                port["network_id"], self._r(region)["networks"][port["network_id"]]["name"])
            addresses[label] = [{"addr": ip["address"], "version": ip["version"]}
                                for ip in self._port_ips(region, pid)]
        return {
            "id": server["id"],
            "name": server["name"],
            "status": server["status"],
            "tenant_id": server["tenant"],
            "created": server["created"],
            "RAX-PUBLIC-IP-ZONE-ID:publicIPZoneId": server["zone"],
            "metadata": dict(server["metadata"]),
            "addresses": addresses,
        }
