"""An independent look at the simulator: plain HTTP through the one simulator client
(testbed/fakecloud/client.py), no code of the collection.

The tests verify what the modules did with this, never with the modules themselves.
Its cloud API calls are counted by the simulator too: read counters before looking. `members` reads the
simulator's own state (/_sim/, never counted), so it tells the truth in both modes of the internal view.
"""
from __future__ import annotations

from testbed.fakecloud.client import DEMO, Control, Session

TENANT = DEMO["tenant"]
REGION = DEMO["region"]
NAME_KEY_PREFIX = "failover-shared-ip:"


class CloudCheck:
    def __init__(self, url, username=DEMO["username"], api_key=DEMO["api_key"]):
        self.url = url
        self.control = Control(url)
        self.username, self.api_key = username, api_key
        self.network = "%s/network/%s/v2.0" % (url, REGION)
        self.compute = "%s/compute/%s/v2/%s" % (url, REGION, TENANT)
        self._session = None

    # -- the simulator's control API (not counted) --------------------------------------------

    def sim(self, method, path, body=None):
        return self.control.control(method, path, body)

    def reset_state(self):
        self.control.reset_all()
        self._session = None

    def reset_counters(self):
        self.control.reset()

    def counters(self):
        return self.control.counters()

    def writes(self):
        """Write calls since the last reset (the identity POST is not a write to the cloud)."""
        return self.control.writes()

    def reads(self):
        return self.control.reads()

    def faults(self, **body):
        return self.control.faults(**body)

    def config(self, **switches):
        """The simulator's run-time switches, e.g. config(internal_view=True)."""
        return self.control.config(**switches)

    # -- the cloud API ------------------------------------------------------------------------

    def session(self):
        if self._session is None:
            self._session = Session(self.control.identity_url, self.username, api_key=self.api_key, region=REGION)
        return self._session

    def token(self):
        return self.session().token

    def get(self, base, path, **params):
        resp = self.session().call("GET", base + path, params=params or None)
        resp.raise_for_status()
        return resp.json()

    def _all(self, base, path, collection, **params):
        service = "network" if base == self.network else "compute"
        return self.session().get_all(service, path, collection, **params)

    def network_id(self, name):
        return [n["id"] for n in self.get(self.network, "/networks", name=name)["networks"] if n["name"] == name][0]

    def servers(self):
        return dict((s["name"], s) for s in self._all(self.compute, "/servers/detail", "servers"))

    def addresses(self, network="cluster-net", shared_only=True):
        found = self._all(self.network, "/ip_addresses", "ip_addresses", network_id=self.network_id(network))
        return [a for a in found if not shared_only or a["type"] == "shared"]

    def address(self, network="cluster-net", **match):
        found = [a for a in self.addresses(network, shared_only=False)
                 if all(a.get(k) == v for k, v in match.items())]
        assert len(found) <= 1, found
        return found[0] if found else None

    def members(self, ip_id):
        """{server name: service} of the ports that hold the address: the simulator's truth, whether or not
        the internal view is served (no tenant read can tell it: cloud-api.md section 4)."""
        region = self.control.state()["regions"][REGION]
        names = dict((s["id"], s["name"]) for s in region["servers"])
        devices = dict((p["id"], p["device_id"]) for p in region["ports"])
        for ip in region["ip_addresses"]:
            if ip["id"] == ip_id:
                return dict((names[devices[pid]], service) for pid, service in ip["services"].items())
        raise AssertionError("no address %s in the simulator" % ip_id)

    def associated(self, server_name):
        """Addresses the compute side lists for the server. Beware: while the internal view is hidden this
        over-reports (any member's association shows on every member); `members` tells the truth."""
        server = self.servers()[server_name]
        return sorted(a["address"] for a in
                      self.get(self.compute, "/servers/%s/ip_associations" % server["id"])["ip_associations"])

    def labels(self, name):
        """{server name: address id} of the servers carrying the label of `name`."""
        key = NAME_KEY_PREFIX + name
        return dict((n, s["metadata"][key]) for n, s in self.servers().items() if key in (s.get("metadata") or {}))

    def port_of(self, server_name, network="cluster-net"):
        server = self.servers()[server_name]
        ports = self.get(self.network, "/ports", network_id=self.network_id(network), device_id=server["id"])["ports"]
        assert len(ports) == 1, ports
        return ports[0]["id"]
