"""The one client of the simulator for the tests and tools (standard library only).

- `login_body(username, api_key=..., password=...)`: THE identity request body of the whole tests tree.
- `request(method, url, ...)`: one plain HTTP call; a `Response` with requests' everyday names
  (`status_code`, `headers`, `content`, `text`, `json()`, `ok`, `raise_for_status()`); no answer at all
  (a dropped connection) raises the built-in ConnectionError.
- `Control(url)`: the simulator's /_sim/ API (config, faults, counters, log, reset, reset-state, state,
  expire-tokens). Never counted by the simulator.
- `Session(identity_url, username, api_key=... | password=..., region=...)`: logs in, picks the network and
  compute endpoints from the catalog as the contract says, and makes authenticated calls.
- `Simulator` / `simulator(...)`: `python3 testbed/fakecloud` as a subprocess on a free loopback port,
  with the command line's options (internal_view, extra_servers, latency_ms, fixture (a path or a dict), ...).

    with simulator(internal_view=True, extra_servers=1000) as sim:
        cloud = sim.session()                       # demo / demo-api-key, region DFW
        cloud.net("GET", "/ip_addresses", network_id=net_id, type="shared").json()
        sim.counters(); sim.config(internal_view=False); sim.reset_state()

Never import this from the simulator itself: the simulator is the server, this is its caller.
"""
import http.client
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = {"username": "demo", "api_key": "demo-api-key", "password": "demo-password", "tenant": "123456",
        "region": "DFW"}
OTHER = {"username": "other", "api_key": "other-api-key", "password": "other-password", "tenant": "654321",
         "region": "DFW"}
WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")
FIRST_GENERATION = "1.0"   # versionId of first-generation Cloud Servers in the catalog (cloud-api.md section 1)
CATALOG_NAMES = {"network": "cloudNetworks", "compute": "cloudServersOpenStack"}


def login_body(username, api_key=None, password=None):
    """The body of POST /v2.0/tokens: API key credentials, or password credentials without an API key."""
    if api_key is not None:
        return {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": username, "apiKey": api_key}}}
    if password is not None:
        return {"auth": {"passwordCredentials": {"username": username, "password": password}}}
    raise ValueError("login_body needs api_key or password")


class Response:
    """What one call answered (the names follow requests, so callers read naturally)."""

    def __init__(self, status_code, headers, content, url):
        self.status_code, self.headers, self.content, self.url = status_code, headers, content, url

    @property
    def text(self):
        return self.content.decode("utf-8", "replace")

    @property
    def ok(self):
        return self.status_code < 400

    def json(self):
        return json.loads(self.content) if self.content else None

    def raise_for_status(self):
        if not self.ok:
            raise HTTPError(self)
        return self

    def __repr__(self):
        return "<Response [%d]>" % self.status_code


class HTTPError(RuntimeError):
    def __init__(self, response):
        super().__init__("%d from %s: %s" % (response.status_code, response.url, response.text[:500]))
        self.response = response


def request(method, url, body=None, token=None, params=None, timeout=30, data=None, headers=None):
    """One HTTP call. `body` is sent as JSON, `data` as raw bytes; `params` (dict, lists repeat) is the query."""
    if params:
        pairs = [(k, v) for k, vs in params.items() for v in (vs if isinstance(vs, (list, tuple)) else [vs])]
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(pairs)
    if body is not None:
        data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Response(resp.status, dict(resp.headers.items()), resp.read(), url)
    except urllib.error.HTTPError as err:
        with err:
            return Response(err.code, dict(err.headers.items()), err.read(), url)
    except (http.client.HTTPException, OSError) as exc:
        # A socket closed without an answer (the simulator's drop faults), refused, reset or timed out.
        raise ConnectionError("%s %s: no answer (%s)" % (method, url, exc)) from exc


# ----- the control API ----------------------------------------------------------------------------------------

class Control:
    """The simulator's /_sim/ API at `url` (the simulator's base URL). Every method raises on an error
    answer, except `call`, which returns the Response (for tests of the control API itself)."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        self.identity_url = self.url + "/v2.0"

    def call(self, method, what, body=None):
        return request(method, "%s/_sim/%s" % (self.url, what), body, timeout=60)

    def control(self, method, what, body=None):
        resp = self.call(method, what, body)
        if not resp.ok:
            raise RuntimeError("%s /_sim/%s: %d %s" % (method, what, resp.status_code, resp.text[:500]))
        return resp.json()

    def get_config(self):
        return self.control("GET", "config")

    def config(self, **switches):
        """Change run-time switches, e.g. config(internal_view=True); returns all of them."""
        return self.control("POST", "config", switches)

    def faults(self, **faults):
        return self.control("POST", "faults", faults)

    def get_faults(self):
        return self.control("GET", "faults")

    def clear_faults(self):
        return self.control("DELETE", "faults")

    def counters(self):
        return self.control("GET", "counters")

    def log(self):
        return self.control("GET", "log")

    def reset(self):
        """Clear the log and the counters."""
        return self.control("POST", "reset")

    reset_counters = reset

    def reset_state(self):
        """Back to the fixture (tokens, faults, switches, log and counters untouched)."""
        return self.control("POST", "reset-state")

    def reset_all(self):
        """Fixture state, no faults, empty log and counters (the switches of `config` stay)."""
        self.reset_state()
        self.clear_faults()
        self.reset()

    def state(self):
        return self.control("GET", "state")

    def expire_tokens(self):
        return self.control("POST", "expire-tokens")

    def writes(self, counters=None):
        """{route: n} of the write calls counted (the identity POST is not a write to the cloud)."""
        by_route = (counters or self.counters())["by_route"]
        return {route: n for route, n in by_route.items()
                if route.split(" ", 1)[0] in WRITE_METHODS and not route.endswith("/tokens")}

    def reads(self, counters=None):
        by_route = (counters or self.counters())["by_route"]
        return {route: n for route, n in by_route.items() if route.startswith("GET ")}

    def session(self, login=None, **options):
        """A logged-in Session on this simulator (default: the demo tenant by API key)."""
        login = dict(DEMO if login is None else login)
        return Session(self.identity_url, login["username"], api_key=login.get("api_key"),
                       password=None if login.get("api_key") else login.get("password"),
                       region=login.get("region"), **options)


# ----- the cloud API --------------------------------------------------------------------------------------------

def pick_endpoint(catalog, service, region):
    """The publicURL of `service` ("network" or "compute") in `region`: the exact catalog name first, then
    an entry of that type with an endpoint in the region that is not first-generation (cloud-api.md s. 1)."""
    named = [s for s in catalog if s.get("name") == CATALOG_NAMES[service]]
    typed = [s for s in catalog if s.get("type") == service and s not in named]
    for entry in named + typed:
        for endpoint in entry.get("endpoints", []):
            if endpoint.get("region") == region and endpoint.get("versionId") != FIRST_GENERATION:
                return endpoint["publicURL"]
    raise LookupError("the catalog has no %s endpoint in region %s" % (service, region))


class Session:
    """Authenticated plain HTTP calls against the network and compute endpoints of one tenant."""

    def __init__(self, identity_url, username, api_key=None, password=None, region=None, relogin=False,
                 timeout=30):
        self.identity_url = identity_url.rstrip("/")
        self.username, self.api_key, self.password = username, api_key, password
        self.relogin, self.timeout = relogin, timeout
        self.region = region
        self.access = None
        self.token = self.login()

    def login(self, body=None):
        """POST /v2.0/tokens; returns the token, keeps `access`, the tenant and the endpoints."""
        resp = self.tokens(body)
        if resp.status_code != 200:
            raise RuntimeError("POST %s/tokens: %d %s" % (self.identity_url, resp.status_code, resp.text[:300]))
        self.access = resp.json()["access"]
        self.tenant = self.access["token"]["tenant"]["id"]
        self.region = self.region or self.access["user"].get("RAX-AUTH:defaultRegion")
        self.network_url = pick_endpoint(self.access["serviceCatalog"], "network", self.region)
        self.compute_url = pick_endpoint(self.access["serviceCatalog"], "compute", self.region)
        self.token = self.access["token"]["id"]
        return self.token

    def tokens(self, body=None):
        """The raw login call (for tests of identity itself): this session's credentials unless `body`."""
        body = body or login_body(self.username, api_key=self.api_key, password=self.password)
        return request("POST", self.identity_url + "/tokens", body, timeout=self.timeout)

    def call(self, method, url, body=None, params=None, token=None, **options):
        resp = request(method, url, body, token=token or self.token, params=params, timeout=self.timeout, **options)
        if resp.status_code == 401 and self.relogin and token is None:
            self.login()
            resp = request(method, url, body, token=self.token, params=params, timeout=self.timeout, **options)
        return resp

    def net(self, method, path, body=None, token=None, **params):
        """A call on the network endpoint: net("GET", "/ip_addresses", type="shared")."""
        return self.call(method, self.network_url + path, body, params or None, token)

    def comp(self, method, path, body=None, token=None, **params):
        """A call on the compute endpoint: comp("GET", "/servers/detail", name="^node01$")."""
        return self.call(method, self.compute_url + path, body, params or None, token)

    def get(self, service, path, **params):
        """GET on "network" or "compute"; the JSON body, raising on anything but 200."""
        resp = (self.net if service == "network" else self.comp)("GET", path, **params)
        if resp.status_code != 200:
            raise RuntimeError("GET %s: %d %s" % (path, resp.status_code, resp.text[:300]))
        return resp.json()

    def get_all(self, service, path, collection, **params):
        """Every item of a paginated list, following the `next` links."""
        page = self.get(service, path, **params)
        items = list(page[collection])
        while True:
            nxt = [link["href"] for link in page.get(collection + "_links", []) if link.get("rel") == "next"]
            if not nxt:
                return items
            resp = self.call("GET", nxt[0])
            resp.raise_for_status()
            page = resp.json()
            items += page[collection]


# ----- the simulator as a process -------------------------------------------------------------------------------

class Simulator(Control):
    """`python3 testbed/fakecloud` running as a subprocess on 127.0.0.1 (a free port unless given)."""

    def __init__(self, port=0, fixture=None, latency_ms=0, internal_view=False, extra_servers=None, token_ttl=None,
                 seed=None, verbose=False, log_path=None, python=None, args=(), start_timeout=60):
        self._fixture_file = None
        if isinstance(fixture, dict):   # a fixture as data: handed over as a .json file (no PyYAML needed)
            self._fixture_file = tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False)
            with self._fixture_file:
                json.dump(fixture, self._fixture_file)
            fixture = self._fixture_file.name
        self.fixture_path = fixture
        cmd = [python or sys.executable, HERE, "--port", str(port)]
        options = [("--fixture", fixture), ("--latency-ms", latency_ms or None), ("--extra-servers", extra_servers),
                   ("--token-ttl", token_ttl), ("--seed", seed)]
        cmd += [str(x) for name, value in options if value is not None for x in (name, value)]
        cmd += ["--internal-view"] * bool(internal_view) + ["--verbose"] * bool(verbose) + list(args)
        self.command = cmd
        self.log_path = log_path
        if log_path:
            os.makedirs(os.path.dirname(os.path.abspath(str(log_path))), exist_ok=True)
            self._errors = open(str(log_path), "w", encoding="utf-8")
        else:
            self._errors = tempfile.TemporaryFile("w+", encoding="utf-8")
        began = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._errors, text=True,
                                     cwd=os.path.dirname(os.path.dirname(HERE)))
        try:
            url = self._listening_url(start_timeout)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        super().__init__(url)

    def _listening_url(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _w, _x = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            line = self.proc.stdout.readline()
            if line.startswith("fakecloud listening on "):
                return line.split()[-1]
            if not line:
                raise RuntimeError("the simulator exited with %s: %s" % (self.proc.wait(timeout=10), self._stderr()))
        raise RuntimeError("the simulator did not listen within %d s: %s" % (timeout, self._stderr()))

    def _stderr(self):
        if self.log_path:
            return "see %s" % self.log_path
        self._errors.seek(0)
        return self._errors.read()[-2000:].strip() or "(no output)"

    def network_url(self, region="DFW"):
        return "%s/network/%s/v2.0" % (self.url, region)

    def compute_url(self, tenant=DEMO["tenant"], region="DFW"):
        return "%s/compute/%s/v2/%s" % (self.url, region, tenant)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self._errors.close()
        if self._fixture_file is not None and os.path.exists(self._fixture_file.name):
            os.unlink(self._fixture_file.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@contextmanager
def simulator(log_path=None, **options):
    """A Simulator for the `with` block, stopped on the way out whatever happens."""
    sim = Simulator(log_path=log_path, **options)
    try:
        yield sim
    finally:
        sim.stop()
