"""The cloud's rules as a pure Python state machine: one lock, every call atomic.

The HTTP layer (server.py, routes.py) only parses requests and formats answers;
everything the cloud decides is decided here and in the rule mixins.
"""
import copy
import threading
import time

from .addresses import AddressRules
from .build import build
from .compute import ComputeRules
from .fixture import builtin
from .identity import IdentityRules
from .lookup import Lookup, locked
from .network import NetworkRules

DEFAULT_TOKEN_TTL = 24 * 3600


class State(IdentityRules, NetworkRules, AddressRules, ComputeRules, Lookup):
    def __init__(self, fixture=None, token_ttl=DEFAULT_TOKEN_TTL, clock=time.time):
        self._lock = threading.RLock()
        self.fixture = copy.deepcopy(fixture) if fixture is not None else builtin()
        self.world = build(self.fixture)
        self.tokens = {}
        self.token_ttl = token_ttl
        self.clock = clock

    @property
    def regions(self):
        return list(self.world.regions)

    @locked
    def reset(self):
        """Back to the fixture. Issued tokens stay valid (identity is not cloud state)."""
        self.world = build(self.fixture)

    @locked
    def set_token_ttl(self, seconds):
        self.token_ttl = float(seconds)

    @locked
    def dump(self):
        """Everything, per region, in the API's own shapes (for GET /_sim/state and white-box tests)."""
        out = {"regions": {}, "tenants": sorted(self.world.tenants), "tokens": len(self.tokens)}
        for region, r in self.world.region.items():
            out["regions"][region] = {
                "networks": [self._network_view(region, n) for n in r["networks"].values()],
                "subnets": [self._subnet_view(s) for s in r["subnets"].values()],
                "ports": [self._port_view(region, p) for p in r["ports"].values()],
                "servers": [self._server_view(region, s) for s in r["servers"].values()],
                "ip_addresses": [
                    dict(self._ip_view(ip), services={pid: ip["services"][pid] for pid in ip["port_ids"]})
                    for ip in r["ips"].values()
                ],
            }
        return out
