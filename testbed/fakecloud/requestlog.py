"""The request log and counters behind /_sim/log and /_sim/counters (cloud requests only)."""
import threading
import time

LOG_MAX = 20000


class RequestLog:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.entries = []
            self.by_method = {}
            self.by_route = {}
            self.by_status = {}
            self.total = 0

    def record(self, method, path, route, status, fault=None):
        """`status` is what the cloud decided (also for a dropped answer); `fault` names an injected fault."""
        entry = {"time": time.time(), "method": method, "path": path, "route": route, "status": status,
                 "fault": fault}
        with self._lock:
            self.entries.append(entry)
            del self.entries[:-LOG_MAX]
            self.total += 1
            self.by_method[method] = self.by_method.get(method, 0) + 1
            self.by_route[route] = self.by_route.get(route, 0) + 1
            key = str(status) if status is not None else "none"
            self.by_status[key] = self.by_status.get(key, 0) + 1

    def log(self):
        with self._lock:
            return [dict(e) for e in self.entries]

    def counters(self):
        with self._lock:
            return {"total": self.total, "by_method": dict(self.by_method), "by_route": dict(self.by_route),
                    "by_status": dict(self.by_status)}
