# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client of the cloud: identity, endpoints, retries, re-authentication, pages, errors.

Requests go to a service ("network" or "compute") with a path relative to its endpoint
(``/ip_addresses``). Every failure is an ApiError whose ``call`` shows the path from the
service's version root (``POST /v2.0/ip_addresses``, ``GET /v2/123456/servers/detail``).
GET, PUT and DELETE are repeated on 413, 429, 5xx and connection errors; a POST is repeated
only when it surely did not run (413, 429, 401 before re-authentication, connection refused);
otherwise it raises UncertainWrite.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as _exc:  # pragma: no cover - exercised only without requests
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = _exc

from ansible_collections.failover.shared_ip.plugins.module_utils._errors import (  # noqa: F401 (re-exported)
    ApiError,
    AuthError,
    ConfigError,
    UncertainWrite,
    parse_error_body,
    scrub,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._http import (
    describe as _describe,
    display_root,
    json_body as _json,
    next_href as _next_href,
    surely_unsent as _surely_unsent,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._identity import (  # noqa: F401 (re-exported)
    COMPUTE,
    DEFAULT_IDENTITY_URL,
    NETWORK,
    Access,
    auth_body,
    credentials_from_file,
    expand_url,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._retry import (
    IDEMPOTENT,
    RetryPolicy,
    parse_retry_after,
    retryable_status,
)

USER_AGENT = "failover.shared_ip (python-requests)"
_SERVICES = {"network": NETWORK, "compute": COMPUTE}


class Client:
    """A session with the cloud. Thread-safe: one client may serve a small pool of threads.

    Credentials: ``username`` with ``api_key`` (preferred) or ``password``; or a ready
    ``auth_token`` with ``network_url`` and ``compute_url`` (which may hold ``{region}`` and
    ``{tenant_id}``); or a pyrax ``credentials`` file. Explicit values win over the file's.
    """

    def __init__(self, username=None, api_key=None, password=None, auth_token=None, tenant_id=None,
                 credentials=None, region=None, identity_url=DEFAULT_IDENTITY_URL, network_url=None,
                 compute_url=None, validate_certs=True, ca_path=None, timeout=30,
                 max_retries=5, max_retry_time=60, session=None, sleep=None, rng=None):
        if not HAS_REQUESTS:
            raise ConfigError("the Python library requests is required (%s)" % REQUESTS_IMPORT_ERROR)
        if credentials:
            from_file = credentials_from_file(credentials)
            username = username or from_file["username"]
            if not (api_key or password):
                api_key = from_file["api_key"]
            region = region or from_file["region"]
        if api_key or password:
            if not username:
                raise ConfigError("username is required with %s" % ("api_key" if api_key else "password"))
        elif username and not auth_token:
            raise ConfigError("username %s given without api_key or password" % username)
        elif not auth_token:
            raise ConfigError("no credentials: set username and api_key (or password), credentials, "
                              "or auth_token with network_url and compute_url")
        if auth_token and not (network_url and compute_url):
            missing = [n for n, v in (("network_url", network_url), ("compute_url", compute_url)) if not v]
            raise ConfigError("auth_token needs %s: a ready token comes without a service catalog"
                              % " and ".join(missing))
        self.username = username
        self._api_key = api_key
        self._password = password
        self.token = auth_token
        self.tenant_id = tenant_id
        self.expires = None
        self.region = region.upper() if region else None
        self.identity_url = (identity_url or DEFAULT_IDENTITY_URL).rstrip("/")
        self._given_urls = {"network": network_url, "compute": compute_url}
        self.network_url = None
        self.compute_url = None
        self.timeout = timeout
        self.retry = RetryPolicy(max_retries=max_retries, max_retry_time=max_retry_time, sleep=sleep, rng=rng)
        self.on_request = []
        self._lock = threading.RLock()
        self._session = session or requests.Session()
        self._session.verify = ca_path if ca_path else bool(validate_certs)
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        if auth_token:
            self._set_urls()

    def __repr__(self):
        return "Client(username=%r, tenant_id=%r, region=%r, network_url=%r, compute_url=%r)" % (
            self.username, self.tenant_id, self.region, self.network_url, self.compute_url)

    # -- identity ---------------------------------------------------------------------------

    def _secrets(self):
        return [s for s in (self._api_key, self._password, self.token) if s]

    def _can_authenticate(self):
        return bool(self.username and (self._api_key or self._password))

    def authenticate(self):
        """Get a token (POST /v2.0/tokens) and pick the endpoints of the region. Returns self."""
        with self._lock:
            return self._authenticate()

    def _authenticate(self):
        url = self.identity_url + "/tokens"
        call = "POST %s/tokens" % display_root(self.identity_url)
        body = auth_body(self.username, self._api_key, self._password)
        resp = self._send("POST", url, call, None, body, token=None, uncertain_post=False)
        if resp.status_code >= 400:
            raise self._error(call, resp, AuthError)
        access = Access(_json(resp))
        if not access.token:
            raise AuthError(call, resp.status_code, "BadResponse", "the answer holds no token")
        self.token = access.token
        self.expires = access.expires
        self.tenant_id = access.tenant_id or self.tenant_id
        self._set_urls(access, call)
        return self

    def _set_urls(self, access=None, call=None):
        if access is not None and not self.region:
            regions = access.regions(NETWORK)
            self.region = (access.default_region or (regions[0] if len(regions) == 1 else "")).upper() or None
            if not self.region:
                raise AuthError(call, None, "NoRegion", "the account has no default region; set region (one of %s)"
                                % ", ".join(regions))
        for name, service in _SERVICES.items():
            url = expand_url(self._given_urls[name], self.region, self.tenant_id)
            if url is None and access is not None:
                url = access.endpoint(service, self.region)
                if url is None:
                    raise AuthError(call, None, "EndpointNotFound", "the catalog has no %s (%s) endpoint in region %s; "
                                    "it has: %s" % (service[0], service[1], self.region,
                                                    ", ".join(access.regions(service)) or "none"))
            setattr(self, name + "_url", url.rstrip("/"))

    def _ensure_auth(self):
        if self.token and self.network_url:
            return
        with self._lock:
            if not (self.token and self.network_url):
                self._authenticate()

    def _reauthenticate(self, stale_token):
        """Get a new token unless another thread already did since ``stale_token`` was used."""
        with self._lock:
            if self.token == stale_token:
                self._authenticate()

    # -- requests ---------------------------------------------------------------------------

    def _endpoint(self, service):
        self._ensure_auth()
        if service not in _SERVICES:
            raise ValueError("service must be network or compute, not %r" % (service,))
        return getattr(self, service + "_url")

    def _call_name(self, method, service, url):
        base = getattr(self, service + "_url")
        path = urlsplit(url).path
        base_path = urlsplit(base).path.rstrip("/")
        rest = path[len(base_path):] if path.startswith(base_path) else path
        return "%s %s%s" % (method, display_root(base), rest)

    def request(self, method, service, path, params=None, body=None, url=None):
        """One call with re-authentication and retries; returns the requests.Response (status < 400)."""
        base = self._endpoint(service)
        url = url or base + path
        call = scrub(self._call_name(method, service, url), self._secrets())
        reauthenticated = False
        while True:
            token = self.token
            resp = self._send(method, url, call, params, body, token=token, uncertain_post=True)
            if resp.status_code == 401 and not reauthenticated and self._can_authenticate():
                self._reauthenticate(token)
                reauthenticated = True
                continue
            if resp.status_code >= 400 and not resp.done_earlier:
                if resp.status_code == 401:
                    raise self._error(call, resp, AuthError)
                raise self._error(call, resp, ApiError, attempts=resp.attempts, uncertain=resp.uncertain)
            return resp

    def _send(self, method, url, call, params, body, token, uncertain_post):
        """Send with retries; returns the last response (any status) or raises for lost answers."""
        state = self.retry.start()
        uncertain = False
        while True:
            headers = {"X-Auth-Token": token} if token else {}
            started = time.monotonic()
            try:
                resp = self._session.request(method, url, params=params, json=body, headers=headers,
                                             timeout=self.timeout)
            except requests.RequestException as exc:
                self._notify(method, call, None, time.monotonic() - started)
                unsent = _surely_unsent(exc)
                if method not in IDEMPOTENT and not unsent and uncertain_post:
                    raise UncertainWrite(call, None, type(exc).__name__, self._describe(exc, url),
                                         attempts=state.retries + 1, uncertain=True)
                delay = state.next_delay()
                if delay is None:
                    raise ApiError(call, None, type(exc).__name__, self._describe(exc, url),
                                   attempts=state.retries + 1, uncertain=uncertain)
                uncertain = uncertain or not unsent
                state.wait(delay)
                continue
            self._notify(method, call, resp.status_code, time.monotonic() - started)
            resp.attempts = state.retries + 1
            resp.uncertain = uncertain
            resp.done_earlier = False
            status = resp.status_code
            if status < 400:
                return resp
            if method == "DELETE" and status == 404 and uncertain:
                resp.done_earlier = True  # an earlier attempt whose answer was lost did the job
                return resp
            if status >= 500 and method not in IDEMPOTENT and uncertain_post:
                raise self._error(call, resp, UncertainWrite, attempts=state.retries + 1, uncertain=True)
            if not retryable_status(status):
                return resp
            delay = state.next_delay(self._retry_after(resp))
            if delay is None:
                return resp
            uncertain = uncertain or status >= 500
            state.wait(delay)

    def _notify(self, method, call, status, elapsed):
        for hook in list(self.on_request):
            hook(method, call.split(" ", 1)[1], status, elapsed)

    def _describe(self, exc, url):
        return scrub(_describe(exc, url), self._secrets())

    @staticmethod
    def _retry_after(resp):
        seconds = parse_retry_after(resp.headers.get("Retry-After"))
        if seconds is None:
            body = _json(resp)
            if isinstance(body, dict) and isinstance(body.get("overLimit"), dict):
                seconds = parse_retry_after(body["overLimit"].get("retryAfter"))
        return seconds

    def _error(self, call, resp, cls=ApiError, attempts=1, uncertain=False):
        type_, message = parse_error_body(_json(resp, text=True), resp.reason)
        return cls(call, resp.status_code, type_, scrub(message, self._secrets()),
                   attempts=attempts, uncertain=uncertain)

    # -- verbs ------------------------------------------------------------------------------

    def get(self, service, path, params=None):
        """GET; returns (status, body). A 404 raises ApiError with status 404."""
        resp = self.request("GET", service, path, params=params)
        return resp.status_code, _json(resp)

    def list(self, service, path, key, params=None):
        """GET every page of a collection (``{key}_links`` rel=next) and return all ``key`` items."""
        base = self._endpoint(service)
        items = []
        url, seen = base + path, set()
        while url:
            resp = self.request("GET", service, path, params=params, url=url)
            body = _json(resp) or {}
            items.extend(body.get(key) or [])
            url = _next_href(body.get(key + "_links"), base)
            if url in seen:
                break
            seen.add(url)
            params = None  # the next href carries the query
        return items

    def post(self, service, path, body):
        """POST; returns the body. Never repeated blindly: a lost answer or 5xx raises UncertainWrite."""
        return _json(self.request("POST", service, path, body=body))

    def put(self, service, path, body=None):
        """PUT; returns the body (None when empty)."""
        return _json(self.request("PUT", service, path, body=body))

    def delete(self, service, path):
        """DELETE. A 404 after an attempt whose answer was lost counts as done."""
        self.request("DELETE", service, path)
