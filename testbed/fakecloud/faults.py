"""Fault injection: latency, random errors, targeted fail/drop rules, drop-after-write.

Settings come from the CLI / start() and from POST /_sim/faults at run time.
Decisions are drawn under this object's own lock, so rules with `times` count exactly.
"""
import json
import random
import re
import threading

from .errors import error_body

WRITES = {"POST", "PUT", "DELETE", "PATCH"}
ERROR_STATUSES = {413, 429, 500, 502, 503, 504}
SETTINGS = {  # name: (type, default)
    "latency_ms": (float, 0.0),
    "error_rate": (float, 0.0),
    "error_status": (int, 503),
    "retry_after": (int, 1),
    "drop_after_write_rate": (float, 0.0),
    "version_as_string": (bool, False),
}
ERROR_TYPES = {500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}


class FaultError(ValueError):
    """A fault request that makes no sense (answered with 400 by /_sim/faults)."""


class Decision:
    """What to do to one request: sleep `latency` seconds, then `action`.

    action: None (serve it), "error" (answer `status` without applying), "drop_before" (close the
    socket without applying), "drop_after" (apply the request, then close the socket without answering).
    """

    def __init__(self, latency=0.0, action=None, status=None, retry_after=None):
        self.latency, self.action, self.status, self.retry_after = latency, action, status, retry_after


def _check_rate(name, value):
    if not 0.0 <= value <= 1.0:
        raise FaultError("%s must be between 0 and 1, got %r" % (name, value))


def _rule(raw, kind):
    if not isinstance(raw, dict):
        raise FaultError("%s entries must be objects, got %r" % (kind, raw))
    unknown = set(raw) - {"method", "path_regex", "times", "status", "retry_after", "when"}
    if unknown:
        raise FaultError("%s: unknown keys %s" % (kind, ", ".join(sorted(unknown))))
    try:
        regex = re.compile(raw.get("path_regex", ""))
    except re.error as exc:
        raise FaultError("%s: bad path_regex %r: %s" % (kind, raw.get("path_regex"), exc))
    rule = {
        "method": str(raw.get("method", "*")).upper(),
        "path_regex": regex.pattern,
        "regex": regex,
        "times": int(raw.get("times", 1)),
    }
    if kind == "fail_next":
        rule["status"] = int(raw.get("status", 503))
        if rule["status"] not in ERROR_STATUSES:
            raise FaultError("fail_next status must be one of %s, got %r" % (sorted(ERROR_STATUSES), raw["status"]))
        rule["retry_after"] = raw.get("retry_after")
    else:
        rule["when"] = raw.get("when", "after")
        if rule["when"] not in ("after", "before"):
            raise FaultError("drop_next when must be 'after' or 'before', got %r" % rule["when"])
    if rule["times"] < 1:
        raise FaultError("%s times must be at least 1, got %r" % (kind, raw.get("times")))
    return rule


class Faults:
    def __init__(self, seed=None, **settings):
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.initial = {name: spec[1] for name, spec in SETTINGS.items()}
        self.initial.update(self._validate(settings))
        self.settings = dict(self.initial)
        self.rules = {"fail_next": [], "drop_next": []}

    def _validate(self, settings):
        clean = {}
        for name, value in settings.items():
            if name not in SETTINGS:
                raise FaultError("unknown fault setting %r" % name)
            if SETTINGS[name][0] is bool:
                if not isinstance(value, bool):
                    raise FaultError("%s must be true or false, got %r" % (name, value))
                clean[name] = value
                continue
            try:
                clean[name] = SETTINGS[name][0](value)
            except (TypeError, ValueError):
                raise FaultError("%s must be a number, got %r" % (name, value))
        for name in ("error_rate", "drop_after_write_rate"):
            if name in clean:
                _check_rate(name, clean[name])
        if clean.get("error_status", 503) not in ERROR_STATUSES:
            raise FaultError("error_status must be one of %s, got %r" % (sorted(ERROR_STATUSES),
                                                                         clean["error_status"]))
        if clean.get("latency_ms", 0) < 0 or clean.get("retry_after", 0) < 0:
            raise FaultError("latency_ms and retry_after must not be negative")
        return clean

    def configure(self, body):
        """Merge settings from a /_sim/faults body; fail_next/drop_next rules are appended."""
        body = dict(body)
        rules = {kind: [_rule(r, kind) for r in body.pop(kind, []) or []] for kind in self.rules}
        clean = self._validate(body)
        with self._lock:
            self.settings.update(clean)
            for kind, new in rules.items():
                self.rules[kind].extend(new)

    def clear(self):
        """Back to the settings given at start, no pending rules."""
        with self._lock:
            self.settings = dict(self.initial)
            self.rules = {"fail_next": [], "drop_next": []}

    def snapshot(self):
        with self._lock:
            out = dict(self.settings)
            for kind, rules in self.rules.items():
                out[kind] = [{k: v for k, v in r.items() if k != "regex"} for r in rules]
            return out

    def _take(self, kind, method, path):
        for rule in self.rules[kind]:
            if rule["method"] in ("*", method) and rule["regex"].search(path):
                rule["times"] -= 1
                if rule["times"] == 0:
                    self.rules[kind].remove(rule)
                return rule
        return None

    def quirk(self, name):
        with self._lock:
            return self.settings[name]

    def decide(self, method, path):
        with self._lock:
            s = self.settings
            latency = s["latency_ms"] / 1000.0
            rule = self._take("fail_next", method, path)
            if rule:
                retry = rule["retry_after"] if rule["retry_after"] is not None else s["retry_after"]
                return Decision(latency, "error", rule["status"], retry)
            rule = self._take("drop_next", method, path)
            if rule:
                return Decision(latency, "drop_" + rule["when"])
            if s["error_rate"] and self._random.random() < s["error_rate"]:
                return Decision(latency, "error", s["error_status"], s["retry_after"])
            if method in WRITES and s["drop_after_write_rate"] and self._random.random() < s["drop_after_write_rate"]:
                return Decision(latency, "drop_after")
            return Decision(latency)


def fault_response(service, status, retry_after):
    """(status, headers, body bytes) of an injected error on `service` (an error shape of errors.py).

    413: {"overLimit": {"code", "message", "retryAfter"}} + Retry-After (any service, as the rate limiter
    in front of the cloud answers). 429: a plain-text body + Retry-After, as some front ends send.
    Others: the service's own error body (Neutron or Nova shape); 503 also carries Retry-After.
    """
    headers = {}
    if status in (413, 429, 503):
        headers["Retry-After"] = str(retry_after)
    if status == 429:
        headers["Content-Type"] = "text/plain; charset=utf-8"
        return status, headers, b"429 Too Many Requests: rate limit exceeded, retry later.\n"
    if status == 413:
        body = {"overLimit": {"code": 413, "message": "Rate limit exceeded: retry after %d seconds" % retry_after,
                              "retryAfter": retry_after}}
    else:
        body = error_body(service, status, ERROR_TYPES.get(status, "InternalServerError"),
                          "Injected fault: %d %s" % (status, ERROR_TYPES.get(status, "")))
    headers["Content-Type"] = "application/json"
    return status, headers, json.dumps(body).encode()
