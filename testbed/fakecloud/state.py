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
from .lookup import Lookup, locked, locked_views
from .network import NetworkRules

DEFAULT_TOKEN_TTL = 24 * 3600


# The run-time switches of GET/POST /_sim/config: name -> type.
CONFIG = {"internal_view": bool}


class State(IdentityRules, NetworkRules, AddressRules, ComputeRules, Lookup):
    def __init__(self, fixture=None, token_ttl=DEFAULT_TOKEN_TTL, clock=time.time, internal_view=False,
                 extra_servers=None):
        self._lock = threading.RLock()
        self.fixture = copy.deepcopy(fixture) if fixture is not None else builtin()
        if extra_servers is not None:
            self.fixture["extra_servers"] = extra_servers
        self.world = build(self.fixture)
        self.tokens = {}
        self.token_ttl = token_ttl
        self.clock = clock
        self.config = {"internal_view": bool(internal_view)}

    # ----- the switches (kept by reset(): they are the simulator's settings, not cloud state) -----

    def internal_view(self):
        """True when GET /ip_addresses/{id}/ports[/{port}] are served to tenants (cloud-api.md section 3)."""
        return self.config["internal_view"]

    @locked
    def get_config(self):
        return dict(self.config)

    @locked
    def configure(self, body):
        """Merge `body` into the switches; ValueError (nothing changed) on an unknown key or a wrong type."""
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object such as {\"internal_view\": true}")
        for name, value in body.items():
            if name not in CONFIG:
                raise ValueError("unknown setting %r; known: %s" % (name, ", ".join(sorted(CONFIG))))
            if not isinstance(value, CONFIG[name]):
                raise ValueError("%s must be true or false, got %r" % (name, value))
        self.config.update(body)
        return dict(self.config)

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

    @locked_views
    def dump(self):
        """Everything, per region, in the API's own shapes (for GET /_sim/state and white-box tests)."""
        out = {"regions": {}, "tenants": sorted(self.world.tenants), "tokens": len(self.tokens),
               "config": dict(self.config)}
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
