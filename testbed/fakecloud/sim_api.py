"""The /_sim/ control API (never counted, never fault-injected). See README.md."""
from .faults import FaultError


def handle(sim, method, path, body):
    """(status, JSON body) for a /_sim/ request."""
    key = (method, path.rstrip("/"))
    if key == ("GET", "/_sim/log"):
        return 200, sim.log.log()
    if key == ("GET", "/_sim/counters"):
        return 200, sim.log.counters()
    if key == ("POST", "/_sim/reset"):
        sim.log.reset()
        return 200, {"reset": "log and counters"}
    if key == ("POST", "/_sim/reset-state"):
        sim.state.reset()
        return 200, {"reset": "state"}
    if key == ("GET", "/_sim/state"):
        return 200, sim.state.dump()
    if key == ("POST", "/_sim/expire-tokens"):
        return 200, {"expired": sim.state.expire_tokens()}
    if key == ("GET", "/_sim/config"):
        return 200, sim.state.get_config()
    if key == ("POST", "/_sim/config"):
        try:
            return 200, sim.state.configure(body)
        except ValueError as exc:
            return 400, {"error": str(exc)}
    if key == ("GET", "/_sim/faults"):
        return 200, dict(sim.faults.snapshot(), token_ttl=sim.state.token_ttl)
    if key == ("DELETE", "/_sim/faults"):
        sim.faults.clear()
        sim.state.set_token_ttl(sim.initial_token_ttl)
        return 200, dict(sim.faults.snapshot(), token_ttl=sim.state.token_ttl)
    if key == ("POST", "/_sim/faults"):
        if not isinstance(body, dict):
            return 400, {"error": "the body must be a JSON object"}
        body = dict(body)
        ttl = body.pop("token_ttl", None)
        try:
            if ttl is not None and (not isinstance(ttl, (int, float)) or ttl <= 0):
                raise FaultError("token_ttl must be a positive number of seconds, got %r" % (ttl,))
            sim.faults.configure(body)
        except FaultError as exc:
            return 400, {"error": str(exc)}
        if ttl is not None:
            sim.state.set_token_ttl(ttl)
        return 200, dict(sim.faults.snapshot(), token_ttl=sim.state.token_ttl)
    return 404, {"error": "no such control endpoint: %s %s" % (method, path)}
