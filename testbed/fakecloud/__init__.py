"""fakecloud: a local HTTP simulator of the Rackspace identity, Cloud Networks shared IP and Cloud Servers
association APIs, enforcing the project's API contract (cloud-api.md). See README.md.

    from testbed.fakecloud import start
    sim = start(port=0)        # sim.url, sim.identity_url, sim.state, sim.stop()
"""
from .fixture import PUBLICNET_ID, SERVICENET_ID, builtin, stable_id
from .routes import ROUTE_NAMES
from .server import Simulator, start

__all__ = ["start", "Simulator", "builtin", "stable_id", "PUBLICNET_ID", "SERVICENET_ID", "ROUTE_NAMES"]
