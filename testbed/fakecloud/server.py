"""The HTTP layer: a ThreadingHTTPServer that parses requests, applies faults, runs routes, logs."""
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import fixture as fixtures
from . import routes, sim_api
from .errors import CloudError, error_body
from .faults import Faults, fault_response
from .identity import unauthorized
from .requestlog import RequestLog
from .state import DEFAULT_TOKEN_TTL, State


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakecloud/1"
    timeout = 120

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):
        if self.server.sim.verbose:
            super().log_message(format, *args)

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    # ----- plumbing -----

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return None
        return json.loads(raw)

    def _send(self, status, body, headers=None):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        headers = dict(headers or {})
        if data and "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(data))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _drop(self):
        """Close the socket without a response (the client sees the connection reset or closed)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ----- one request -----

    def _handle(self):
        sim = self.server.sim
        url = urlsplit(self.path)
        path, method = url.path, self.command
        service, shape = routes.service_of(path), routes.error_shape(path)
        try:
            body = self._read_body()
        except ValueError:
            body = ValueError
        if path.startswith("/_sim/"):
            status, answer = sim_api.handle(sim, method, path, None if body is ValueError else body)
            return self._send(status, answer)
        route, handler, params = routes.match(method, path)
        if route in routes.INTERNAL_ROUTES and not sim.state.internal_view():
            handler, params = None, None   # hidden: answered as a path that does not exist (still counted)
        decision = sim.faults.decide(method, path)
        if decision.latency:
            time.sleep(decision.latency)
        if decision.action == "error":
            status, headers, data = fault_response(shape, decision.status, decision.retry_after)
            sim.log.record(method, self.path, route, status, "error")
            return self._send(status, data, headers)
        if decision.action == "drop_before":
            sim.log.record(method, self.path, route, None, "drop_before")
            return self._drop()
        status, answer = self._run(sim, service, shape, handler, params, url, body)
        if service == "network" and sim.faults.quirk("version_as_string"):
            answer = _versions_as_strings(answer)
        if decision.action == "drop_after":
            sim.log.record(method, self.path, route, status, "drop_after")
            return self._drop()
        sim.log.record(method, self.path, route, status)
        self._send(status, answer)

    def _run(self, sim, service, shape, handler, params, url, body):
        try:
            if handler is None:
                if params == "method":
                    raise CloudError(405, "HTTPMethodNotAllowed", "Method %s is not allowed here" % self.command)
                raise CloudError(404, "NotFound", "The resource could not be found: %s" % url.path)
            if body is ValueError:
                raise CloudError(400, "BadRequest", "Malformed request body: not JSON")
            tenant = None
            if service != "identity":
                tenant = self._authorize(sim, params)
            req = routes.Request(sim.state, params, parse_qs(url.query, keep_blank_values=True), body, tenant,
                                 sim.url + url.path)
            return handler(req)
        except CloudError as exc:
            shape = "identity" if exc.status == 401 else shape
            return exc.status, error_body(shape, exc.status, exc.type, exc.message)

    def _authorize(self, sim, params):
        tenant = sim.state.check_token(self.headers.get("X-Auth-Token"))
        if "tenant" in params and params["tenant"] != tenant:
            raise unauthorized("The token is not valid for tenant %s." % params["tenant"])
        if params["region"] not in sim.state.regions:
            raise CloudError(404, "NotFound", "No endpoint for region %s" % params["region"])
        return tenant


def _versions_as_strings(answer):
    """The reference's shape of an address: "version": "4" (Quark sends the integer)."""
    if not isinstance(answer, dict):
        return answer
    for key in ("ip_address", "ip_addresses"):
        items = answer.get(key)
        for item in items if isinstance(items, list) else [items] if isinstance(items, dict) else []:
            item["version"] = str(item["version"])
    return answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        """A client that hung up before its answer (its own timeout, on a loaded machine) is not an error of
        the simulator's: no traceback for it. Anything else is printed as usual."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Simulator:
    """One running cloud: `.url`, `.identity_url`, `.state`, `.faults`, `.log`, `.stop()`."""

    def __init__(self, port=0, fixture=None, latency_ms=0, token_ttl=None, error_rate=0.0, error_status=503,
                 retry_after=1, drop_after_write_rate=0.0, seed=None, verbose=False, host="127.0.0.1",
                 internal_view=False, extra_servers=None):
        if isinstance(fixture, str):
            fixture = fixtures.load(fixture)
        self.initial_token_ttl = float(token_ttl or DEFAULT_TOKEN_TTL)
        self.state = State(fixture, token_ttl=self.initial_token_ttl, internal_view=internal_view,
                           extra_servers=extra_servers)
        self.faults = Faults(seed=seed, latency_ms=latency_ms, error_rate=error_rate, error_status=error_status,
                             retry_after=retry_after, drop_after_write_rate=drop_after_write_rate)
        self.log = RequestLog()
        self.verbose = verbose
        self.httpd = _Server((host, port), Handler)
        self.httpd.sim = self
        self.port = self.httpd.server_address[1]
        self.url = "http://%s:%d" % (host, self.port)
        self.identity_url = self.url + "/v2.0"
        self._thread = None

    def network_url(self, region="DFW"):
        return "%s/network/%s/v2.0" % (self.url, region)

    def compute_url(self, tenant, region="DFW"):
        return "%s/compute/%s/v2/%s" % (self.url, region, tenant)

    def start(self):
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="fakecloud",
                                        daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self.httpd.serve_forever()

    def stop(self):
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start(port=0, fixture=None, latency_ms=0, token_ttl=None, **options):
    """Start a simulator in a background thread on 127.0.0.1:`port` (0: any free port)."""
    return Simulator(port=port, fixture=fixture, latency_ms=latency_ms, token_ttl=token_ttl, **options).start()
