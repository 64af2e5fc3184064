"""The cloud side of the tools: the simulator as a subprocess, its /_sim/ control API, and an
independent read of the shared IPs over plain HTTP (not through the modules under test)."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

from tools.paths import ROOT

DEMO_LOGIN = {"username": "demo", "api_key": "demo-api-key", "region": "DFW"}
NAME_KEY_PREFIX = "failover-shared-ip:"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, token=None, timeout=30):
    """One JSON request; returns (status, body or None)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw) if raw else None
        except ValueError:
            return err.code, None


class Simulator:
    """A running tests/fakecloud process on a free loopback port."""

    def __init__(self, proc, url):
        self.proc, self.url = proc, url
        self.identity_url = url + "/v2.0"

    def control(self, method, what, body=None):
        status, answer = http(method, f"{self.url}/_sim/{what}", body)
        if status >= 400:
            raise RuntimeError(f"{method} /_sim/{what}: {status} {answer}")
        return answer

    def counters(self):
        return self.control("GET", "counters")

    def reset_counters(self):
        self.control("POST", "reset")

    def reset_state(self):
        self.control("POST", "reset-state")

    def faults(self, **faults):
        self.control("POST", "faults", faults)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextmanager
def simulator(log_path, latency_ms=0):
    """Start the simulator, wait until it listens, stop it on the way out whatever happens."""
    port = free_port()
    cmd = [sys.executable, str(ROOT / "tests" / "fakecloud"), "--port", str(port)]
    if latency_ms:
        cmd += ["--latency-ms", str(latency_ms)]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    sim = Simulator(proc, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the simulator exited with {proc.returncode}; see {log_path}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the simulator did not listen within 30 s; see {log_path}")
                time.sleep(0.1)
        yield sim
    finally:
        sim.stop()


class CloudView:
    """What the cloud says about the shared IPs, read with plain HTTP calls of the documented API."""

    def __init__(self, identity_url, login=None):
        login = DEMO_LOGIN if login is None else login
        status, body = http("POST", identity_url + "/tokens", {"auth": {"RAX-KSKEY:apiKeyCredentials": {
            "username": login["username"], "apiKey": login["api_key"]}}})
        if status != 200:
            raise RuntimeError(f"POST /v2.0/tokens: {status}")
        access = body["access"]
        self.token = access["token"]["id"]
        region = login.get("region") or access["user"].get("RAX-AUTH:defaultRegion")
        self.urls = {}
        for service in access["serviceCatalog"]:
            for endpoint in service["endpoints"]:
                if endpoint.get("region") == region and service["type"] in ("network", "compute"):
                    self.urls[service["type"]] = endpoint["publicURL"]

    def get(self, service, path):
        status, body = http("GET", self.urls[service] + path, token=self.token)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body}")
        return body

    def shared_ips(self, network_name):
        """[{name, address, version, members: [{server, associated}]}] on the named network."""
        networks = self.get("network", "/networks")["networks"]
        net = next(n for n in networks if n["name"] == network_name or n["id"] == network_name)
        servers = {s["id"]: s for s in self.get("compute", "/servers/detail")["servers"]}
        labels = {}
        for server in servers.values():
            for key, value in (server.get("metadata") or {}).items():
                if key.startswith(NAME_KEY_PREFIX):  # the modules label members: name -> address id
                    labels[value] = key[len(NAME_KEY_PREFIX):]
        result = []
        for ip in self.get("network", f"/ip_addresses?network_id={net['id']}&type=shared")["ip_addresses"]:
            ports = self.get("network", f"/ip_addresses/{ip['id']}/ports")["ip_addresses_ports"]
            members = sorted(({"server": servers.get(p["device_id"], {}).get("name", p["device_id"]),
                               "associated": p["service"] == "compute"} for p in ports),
                             key=lambda m: m["server"])
            result.append({"id": ip["id"], "address": ip["address"], "version": int(ip["version"]),
                           "name": labels.get(ip["id"]), "members": members})
        return sorted(result, key=lambda ip: (ip["version"], ip["address"]))
