"""The cloud side of the tools: the simulator as a subprocess and an independent read of the shared IPs,
both through the one simulator client (testbed/fakecloud/client.py), not through the modules under test."""

from testbed.fakecloud.client import DEMO, Control, simulator as _simulator

DEMO_LOGIN = {"username": DEMO["username"], "api_key": DEMO["api_key"], "region": DEMO["region"]}
NAME_KEY_PREFIX = "failover-shared-ip:"

__all__ = ["DEMO_LOGIN", "CloudView", "simulator"]


def simulator(log_path, latency_ms=0, **options):
    """Start the simulator (a free loopback port), wait until it listens, stop it on the way out.
    `options`: internal_view, extra_servers, fixture, ... (testbed/fakecloud/client.py's Simulator)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return _simulator(log_path=str(log_path), latency_ms=latency_ms, **options)


class CloudView:
    """What the cloud says about the shared IPs, read with documented calls; which member is associated
    comes from the internal view when the simulator serves it, else from the simulator's own state
    (no tenant read can tell it: cloud-api.md section 4)."""

    def __init__(self, identity_url, login=None):
        login = DEMO_LOGIN if login is None else login
        self.control = Control(identity_url.rstrip("/")[:-len("/v2.0")])
        self.cloud = self.control.session(login)

    def get(self, service, path, **params):
        return self.cloud.get(service, path, **params)

    def _services(self, ip_id):
        """{port id: service} of the ports holding the address."""
        resp = self.cloud.net("GET", f"/ip_addresses/{ip_id}/ports")
        if resp.status_code == 200:
            return {p["id"]: p["service"] for p in resp.json()["ip_addresses_ports"]}
        for ip in self.control.state()["regions"][self.cloud.region]["ip_addresses"]:
            if ip["id"] == ip_id:
                return dict(ip["services"])
        return {}

    def shared_ips(self, network_name):
        """[{id, name, address, version, members: [{server, associated}]}] on the named network."""
        networks = self.get("network", "/networks")["networks"]
        net = next(n for n in networks if n["name"] == network_name or n["id"] == network_name)
        ports = {p["id"]: p for p in self.cloud.get_all("network", "/ports", "ports", network_id=net["id"])}
        servers = {}
        result = []
        for ip in self.cloud.get_all("network", "/ip_addresses", "ip_addresses", network_id=net["id"], type="shared"):
            members = []
            for port_id, service in self._services(ip["id"]).items():
                device = ports[port_id]["device_id"] if port_id in ports else port_id
                if device not in servers:
                    servers[device] = self.get("compute", f"/servers/{device}")["server"]
                members.append({"server": servers[device]["name"], "associated": service == "compute"})
            result.append({"id": ip["id"], "address": ip["address"], "version": int(ip["version"]),
                           "members": sorted(members, key=lambda m: m["server"])})
        labels = {}
        for server in servers.values():
            for key, value in (server.get("metadata") or {}).items():
                if key.startswith(NAME_KEY_PREFIX):   # the modules label members: name -> address id
                    labels[value] = key[len(NAME_KEY_PREFIX):]
        for ip in result:
            ip["name"] = labels.get(ip["id"])
        return sorted(result, key=lambda ip: (ip["version"], ip["address"]))
