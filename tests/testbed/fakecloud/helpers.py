"""Helpers of the simulator's own tests: `Api`, the one simulator client's Session logged in as a tenant
of an in-process simulator, the stable ids of the built-in fixture, and calls of the /_sim/ control API."""
import requests

from testbed.fakecloud import PUBLICNET_ID, SERVICENET_ID, stable_id
from testbed.fakecloud.client import DEMO as DEMO_LOGIN, OTHER as OTHER_LOGIN, Session

DEMO = (DEMO_LOGIN["username"], DEMO_LOGIN["api_key"], DEMO_LOGIN["tenant"])
OTHER = (OTHER_LOGIN["username"], OTHER_LOGIN["api_key"], OTHER_LOGIN["tenant"])


def server_id(name, region="DFW"):
    return stable_id("server", region, name)


def port_id(server, network, region="DFW"):
    return stable_id("port", region, server, network)


CLUSTER_NET = stable_id("network", "DFW", "cluster-net")


class Api(Session):
    """Calls one simulator as one tenant. `.net(...)`, `.comp(...)` return client.Response; they follow
    `.region`, which a test may change."""

    def __init__(self, sim, user=DEMO, region="DFW"):
        self.sim = sim
        username, api_key, tenant = user
        super().__init__(sim.identity_url, username, api_key=api_key, region=region, timeout=10)
        assert self.tenant == tenant, (self.tenant, tenant)

    def net(self, method, path, body=None, token=None, **params):
        url = "%s/network/%s/v2.0%s" % (self.sim.url, self.region, path)
        return self.call(method, url, body, params or None, token)

    def comp(self, method, path, body=None, token=None, **params):
        url = "%s/compute/%s/v2/%s%s" % (self.sim.url, self.region, self.tenant, path)
        return self.call(method, url, body, params or None, token)

    # shortcuts for the common steps of the flow
    def share(self, servers, network="cluster-net", version=4, **extra):
        net_id = {"PublicNet": PUBLICNET_ID, "ServiceNet": SERVICENET_ID}.get(network) or stable_id(
            "network", self.region, network)
        spec = dict({"network_id": net_id, "version": version,
                     "port_ids": [port_id(s, network, self.region) for s in servers]}, **extra)
        return self.net("POST", "/ip_addresses", {"ip_address": spec})

    def associate(self, server, ip_id):
        return self.comp("PUT", "/servers/%s/ip_associations/%s" % (server_id(server, self.region), ip_id),
                         {"ip_association": {}})


def error(response, key="NeutronError"):
    """The error object of a response, asserting its shape."""
    body = response.json()
    assert list(body) == [key], body
    return body[key]


WEBOB_TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
                500: "Internal Server Error", 503: "Service Unavailable"}


def quark_error(response, status):
    """The webob error body of Quark's /ip_addresses routes, asserting its exact shape (no error type)."""
    body = response.json()
    assert sorted(body) == ["code", "message", "title"], body
    assert body["code"] == status and body["title"] == WEBOB_TITLES[status] and body["message"], body
    return body


SHARE = {"ip_address": {"network_id": CLUSTER_NET, "version": 4,
                        "port_ids": [port_id("node01", "cluster-net"), port_id("node02", "cluster-net")]}}


def sim_call(api, method, what, body=None):
    return requests.request(method, api.sim.url + "/_sim/" + what, json=body, timeout=10)


def faults(api, **body):
    r = sim_call(api, "POST", "faults", body)
    assert r.status_code == 200, r.text
    return r.json()


def shared_count(api):
    return len(api.net("GET", "/ip_addresses", type="shared").json()["ip_addresses"])
