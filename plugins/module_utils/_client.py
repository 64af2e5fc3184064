# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client of the cloud: identity, endpoints, retries, re-authentication, pages, errors.

Make one with ``Client.from_options(**connection_options)``: it reads the credentials file and
checks every option before any request (ConfigError: ``"option=value: reason"``); ``Client()``
itself only stores what it is given. The first call logs in (or ``authenticate()`` does).

Requests go to a service ("network" or "compute") with a path relative to its endpoint
(``/ip_addresses``). Every failure is an ApiError (_errors.py) whose ``call`` shows the path from
the service's version root (``POST /v2.0/ip_addresses``, ``GET /v2/123456/servers/detail``) and
whose ``kind`` classifies it. GET, PUT and DELETE are repeated on 413, 429, 5xx and connection
errors (RetryPolicy, _retry.py); a POST is repeated only when it surely did not run (413, 429,
401 before re-authentication, a connect timeout); otherwise it raises UncertainWrite. A refused
connection or a host name that does not resolve is not repeated: the call fails at once, naming
the URL. Any 2xx is success, with or without a body (the verbs return None for an empty body).
"""

import contextlib
import os
import threading
import time
from urllib.parse import urlsplit

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as _exc:  # pragma: no cover - exercised only without requests
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = _exc

from ansible_collections.failover.shared_ip.plugins.module_utils._errors import (  # noqa: F401 (re-exported)
    CONFIG,
    NO_ANSWER,
    UNREACHABLE,
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
    unreachable as _unreachable,
    url_problem,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._identity import (  # noqa: F401 (re-exported)
    COMPUTE,
    DEFAULT_IDENTITY_URL,
    NETWORK,
    Access,
    Credentials,
    auth_body,
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


class Reply:
    """One answer of the cloud: ``status``, ``reason``, ``headers``, ``body`` (decoded JSON; its text
    when it is not JSON; None when empty), ``attempts`` made, ``uncertain`` (an earlier attempt may
    have taken effect) and ``done_earlier`` (a DELETE's 404 after such an attempt)."""

    __slots__ = ("status", "reason", "headers", "body", "attempts", "uncertain", "done_earlier")

    def __init__(self, resp, attempts=1, uncertain=False, done_earlier=False):
        self.status = resp.status_code
        self.reason = resp.reason
        self.headers = resp.headers
        self.body = _json(resp, text=True)
        self.attempts = attempts
        self.uncertain = uncertain
        self.done_earlier = done_earlier

    def json(self):
        """The body when it is JSON, else None."""
        return self.body if isinstance(self.body, (dict, list)) else None

    def __repr__(self):
        return "Reply(status=%r, attempts=%r, uncertain=%r)" % (self.status, self.attempts, self.uncertain)


@contextlib.contextmanager
def _masked(secrets):
    """ConfigErrors raised inside show no secret of ``secrets`` (a list that may grow meanwhile),
    not even one pasted into another option."""
    try:
        yield
    except ConfigError as exc:
        exc.mask(secrets)
        raise


def _check_timeout(timeout):
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ConfigError("must be a positive number of seconds", option="timeout", value=timeout)


def _check_url(option, url):
    problem = url_problem(url)
    if problem:
        raise ConfigError(problem, option=option, value=url)


class Client:
    """A session with the cloud. Thread-safe: one client may serve a small pool of threads.

    Build it with ``Client.from_options()``; the constructor stores checked values only:
    ``credentials`` (a Credentials), ``identity_url``, the given ``network_url``/``compute_url``
    (None: from the catalog), ``timeout`` (seconds), ``retry`` (a RetryPolicy), ``session``.
    """

    def __init__(self, credentials, identity_url=DEFAULT_IDENTITY_URL, network_url=None, compute_url=None,
                 timeout=30, retry=None, session=None):
        self.credentials = credentials
        self.username = credentials.username
        self.token = credentials.auth_token
        self.tenant_id = credentials.tenant_id
        self.region = credentials.region
        self.expires = None
        self.access = None      # the last login's answer (its catalog), None with a ready token
        self.identity_url = identity_url.rstrip("/")
        self._given_urls = {"network": network_url, "compute": compute_url}
        ready = bool(self.token and network_url and compute_url)  # a ready token: the endpoints as given
        self.network_url = network_url.rstrip("/") if ready else None
        self.compute_url = compute_url.rstrip("/") if ready else None
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.on_request = []
        self._login_error = None
        self._lock = threading.RLock()
        self._session = session

    @classmethod
    def from_options(cls, username=None, api_key=None, password=None, auth_token=None, tenant_id=None,
                     credentials=None, region=None, identity_url=DEFAULT_IDENTITY_URL, network_url=None,
                     compute_url=None, validate_certs=True, ca_path=None, timeout=30,
                     max_retries=5, max_retry_time=60, session=None, sleep=None, rng=None):
        """A Client from the connection options (the modules' names), every one checked before any
        request. Credentials: ``username`` with ``api_key`` (preferred) or ``password``; or a ready
        ``auth_token`` with ``network_url`` and ``compute_url`` (which may hold ``{region}`` and
        ``{tenant_id}``); or a pyrax ``credentials`` file. Explicit values win over the file's.
        Raises ConfigError naming the option and the value (never a secret's value)."""
        if not HAS_REQUESTS:
            raise ConfigError("the Python library requests is required (%s)" % REQUESTS_IMPORT_ERROR)
        secrets = [s for s in (api_key, password, auth_token) if s]
        with _masked(secrets):  # a secret pasted into another option is not shown either
            creds = Credentials.resolve(username=username, api_key=api_key, password=password, auth_token=auth_token,
                                        tenant_id=tenant_id, credentials=credentials, region=region)
            secrets.extend(creds.secrets())  # the file's too
            if auth_token and not (network_url and compute_url):
                missing = [n for n, v in (("network_url", network_url), ("compute_url", compute_url)) if not v]
                raise ConfigError("auth_token needs %s: a ready token comes without a service catalog"
                                  % " and ".join(missing))
            _check_timeout(timeout)
            identity_url = identity_url or DEFAULT_IDENTITY_URL
            if creds.can_log_in():
                _check_url("identity_url", identity_url)
            given = {"network_url": network_url, "compute_url": compute_url}
            for option, url in given.items():
                if url is not None:
                    _check_url(option, url)
                    if auth_token:  # no login will tell the tenant or the region: fill them in now
                        given[option] = expand_url(url, creds.region, creds.tenant_id, option=option)
            if ca_path and not os.path.exists(os.path.expanduser(ca_path)):
                raise ConfigError("no such file or directory", option="ca_path", value=ca_path)
            retry = RetryPolicy(max_retries=max_retries, max_retry_time=max_retry_time, sleep=sleep, rng=rng)
            session = session or requests.Session()
            session.verify = os.path.expanduser(ca_path) if ca_path else bool(validate_certs)
            session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
            return cls(creds, identity_url=identity_url, network_url=given["network_url"],
                       compute_url=given["compute_url"], timeout=timeout, retry=retry, session=session)

    def __repr__(self):
        return "Client(username=%r, tenant_id=%r, region=%r, network_url=%r, compute_url=%r)" % (
            self.username, self.tenant_id, self.region, self.network_url, self.compute_url)

    # -- identity ---------------------------------------------------------------------------

    def _secrets(self):
        return self.credentials.secrets() + ([self.token] if self.token else [])

    def authenticate(self):
        """Log in now (POST /v2.0/tokens) and pick the endpoints of the region. Returns self.

        With a ready token (no username and secret) it only fills in the given endpoints."""
        with self._lock:
            if self.credentials.can_log_in():
                return self._authenticate()
            self._set_urls()
            return self

    def _authenticate(self):
        url = self.identity_url + "/tokens"
        call = "POST %s/tokens" % display_root(self.identity_url)
        creds = self.credentials
        body = auth_body(creds.username, creds.api_key, creds.password)
        reply = self._send("POST", url, call, None, body, token=None, uncertain_post=False)
        if reply.status in (404, 405):
            raise self._error(call, reply, AuthError, note="no identity service answers at %s: check identity_url%s"
                              % (url, "" if display_root(self.identity_url) else " (it usually ends in /v2.0)"))
        if reply.status >= 400:
            raise self._error(call, reply, AuthError)
        access = Access(reply.json())
        if not access.token:
            raise AuthError(call, reply.status, "BadResponse", "the answer of %s holds no token" % url)
        # Endpoints first, the token last: a thread that sees the token also sees both endpoints.
        self.tenant_id = access.tenant_id or self.tenant_id
        self._set_urls(access, call)
        self.expires = access.expires
        self.access = access
        self.token = access.token
        return self

    def _set_urls(self, access=None, call=None):
        if access is not None and not self.region:
            regions = access.regions(NETWORK)
            self.region = (access.default_region or (regions[0] if len(regions) == 1 else "")).upper() or None
            if not self.region:
                raise AuthError(call, None, "NoRegion", "the account has no default region; set region (one of %s)"
                                % (", ".join(regions) or "none"), kind=CONFIG)
        for name, service in _SERVICES.items():
            url = expand_url(self._given_urls[name], self.region, self.tenant_id, option=name + "_url")
            if url is None and access is not None:
                url = access.endpoint(service, self.region)
                if url is None:
                    raise AuthError(call, None, "EndpointNotFound",
                                    "the catalog has no usable %s (%s) endpoint in region %s (the %s service is in "
                                    "%s); it lists: %s" % (service[0], service[1], self.region, service[1],
                                                           ", ".join(access.regions(service)) or "no region",
                                                           access.services()), kind=CONFIG)
            setattr(self, name + "_url", url.rstrip("/"))

    def endpoints(self, service):
        """{REGION: URL} of ``service`` ("network" or "compute") in the other regions of the catalog (empty
        with a ready token, which comes without one)."""
        access = self.access
        if access is None:
            return {}
        regions = [r for r in access.regions(_SERVICES[service]) if r != (self.region or "").upper()]
        return dict((r, access.endpoint(_SERVICES[service], r)) for r in regions)

    def _ready(self):
        return bool(self.token and self.network_url and self.compute_url)

    def _ensure_auth(self):
        """Log in once for every thread. A login that failed is not tried again by the threads that
        waited for it (its own retries are done): they raise the same error at once."""
        if self._ready():
            return
        with self._lock:
            if self._login_error is not None:
                raise self._login_error
            if not self._ready():
                try:
                    self.authenticate()
                except ApiError as exc:
                    self._login_error = exc
                    raise

    def _reauthenticate(self, stale_token):
        """Get a new token unless another thread already did since ``stale_token`` was used."""
        with self._lock:
            if self.token == stale_token:
                self._authenticate()

    # -- requests ---------------------------------------------------------------------------

    def _endpoint(self, service):
        if service not in _SERVICES:
            raise ValueError("service must be network or compute, not %r" % (service,))
        self._ensure_auth()
        return getattr(self, service + "_url")

    def _call_name(self, method, service, url):
        base = getattr(self, service + "_url")
        path = urlsplit(url).path
        base_path = urlsplit(base).path.rstrip("/")
        rest = path[len(base_path):] if path.startswith(base_path) else path
        return "%s %s%s" % (method, display_root(base), rest)

    def request(self, method, service, path, params=None, body=None, url=None):
        """One call with re-authentication and retries; returns a Reply (any 2xx or 3xx).

        ``body`` is sent as JSON with ``Content-Type: application/json`` whenever it is not None,
        an empty dict included."""
        base = self._endpoint(service)
        url = url or base + path
        call = scrub(self._call_name(method, service, url), self._secrets())
        reauthenticated = False
        while True:
            token = self.token
            reply = self._send(method, url, call, params, body, token=token, uncertain_post=True)
            if reply.status == 401 and not reauthenticated and self.credentials.can_log_in():
                self._reauthenticate(token)
                reauthenticated = True
                continue
            if reply.status >= 400 and not reply.done_earlier:
                if reply.status == 401:
                    raise self._error(call, reply, AuthError)
                raise self._error(call, reply, ApiError)
            return reply

    def _send(self, method, url, call, params, body, token, uncertain_post):
        """Send with retries; returns the last Reply (any status) or raises for lost answers."""
        state = self.retry.start()
        uncertain = False
        session = self._session or self._new_session()
        while True:
            headers = {"X-Auth-Token": token} if token else {}
            started = time.monotonic()
            try:
                resp = session.request(method, url, params=params, json=body, headers=headers, timeout=self.timeout)
            except requests.RequestException as exc:
                self._notify(method, call, None, time.monotonic() - started)
                delay, unsent = self._after_no_answer(exc, method, url, call, state, uncertain, uncertain_post)
                uncertain = uncertain or not unsent
                state.wait(delay)
                continue
            self._notify(method, call, resp.status_code, time.monotonic() - started)
            reply = Reply(resp, attempts=state.attempts, uncertain=uncertain)
            delay = self._after_answer(reply, method, call, state, uncertain_post)
            if delay is None:
                return reply
            uncertain = uncertain or reply.status >= 500
            state.wait(delay)

    def _after_no_answer(self, exc, method, url, call, state, uncertain, uncertain_post):
        """(delay, surely unsent) before repeating a request that got no answer; raises when it must not
        or cannot be repeated (an unreachable host never is)."""
        if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                            requests.exceptions.InvalidSchema)):
            raise ApiError(call, None, type(exc).__name__, self._describe(exc, url), kind=UNREACHABLE) from None
        unsent, gone = _surely_unsent(exc), _unreachable(exc)
        kind = UNREACHABLE if gone else NO_ANSWER
        if method not in IDEMPOTENT and not unsent and uncertain_post:
            raise UncertainWrite(call, None, type(exc).__name__, self._describe(exc, url),
                                 attempts=state.attempts, uncertain=True, kind=kind) from None
        delay = state.next_delay(unreachable=gone)
        if delay is None:
            raise ApiError(call, None, type(exc).__name__, self._describe(exc, url),
                           attempts=state.attempts, uncertain=uncertain, kind=kind) from None
        return delay, unsent

    def _after_answer(self, reply, method, call, state, uncertain_post):
        """The delay before repeating a request that got ``reply``, or None to return it."""
        status = reply.status
        if status < 400:
            return None
        if method == "DELETE" and status == 404 and reply.uncertain:
            reply.done_earlier = True  # an earlier attempt whose answer was lost did the job
            return None
        if status >= 500 and method not in IDEMPOTENT and uncertain_post:
            raise self._error(call, reply, UncertainWrite, uncertain=True)
        if not retryable_status(status):
            return None
        return state.next_delay(self._retry_after(reply))

    def _new_session(self):
        with self._lock:
            if self._session is None:
                self._session = requests.Session()
                self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
            return self._session

    def _notify(self, method, call, status, elapsed):
        for hook in list(self.on_request):
            hook(method, call.split(" ", 1)[1], status, elapsed)

    def _describe(self, exc, url):
        return scrub(_describe(exc, url), self._secrets())

    @staticmethod
    def _retry_after(reply):
        seconds = parse_retry_after(reply.headers.get("Retry-After"))
        body = reply.json()
        if seconds is None and isinstance(body, dict) and isinstance(body.get("overLimit"), dict):
            seconds = parse_retry_after(body["overLimit"].get("retryAfter"))
        return seconds

    def _error(self, call, reply, cls=ApiError, uncertain=None, note=None):
        type_, message = parse_error_body(reply.body, reply.reason)
        if note:
            message = "%s (%s)" % (note, message) if message else note
        return cls(call, reply.status, type_, scrub(message, self._secrets()), attempts=reply.attempts,
                   uncertain=reply.uncertain if uncertain is None else uncertain)

    # -- verbs ------------------------------------------------------------------------------

    def get(self, service, path, params=None):
        """GET; returns (status, body). A 404 raises ApiError with status 404 (kind not_found)."""
        reply = self.request("GET", service, path, params=params)
        return reply.status, reply.json()

    def list(self, service, path, key, params=None, base=None):
        """GET every page of a collection (``{key}_links`` rel=next) and return all ``key`` items.
        ``base``: the service's endpoint in another region (see ``endpoints``) instead of this one's."""
        base = (base or self._endpoint(service)).rstrip("/")
        items = []
        url, seen = base + path, set()
        while url:
            reply = self.request("GET", service, path, params=params, url=url)
            body = reply.json() or {}
            if not isinstance(body, dict) or not isinstance(body.get(key) or [], list):
                raise ApiError(scrub(self._call_name("GET", service, url), self._secrets()), reply.status,
                               "BadResponse", "the answer holds no %s list" % key)
            items.extend(body.get(key) or [])
            url = _next_href(body.get(key + "_links"), base)
            if url in seen:
                break
            seen.add(url)
            params = None  # the next href carries the query
        return items

    def post(self, service, path, body):
        """POST; returns the body (None when empty). Never repeated blindly: a lost answer or 5xx
        raises UncertainWrite."""
        return self.request("POST", service, path, body=body).json()

    def put(self, service, path, body=None):
        """PUT; returns the body, None when the 2xx answer has none. ``body`` None sends no body;
        ``{"ip_association": {}}`` (or ``{}``) is sent as JSON with its Content-Type."""
        return self.request("PUT", service, path, body=body).json()

    def delete(self, service, path):
        """DELETE. A 404 after an attempt whose answer was lost counts as done."""
        self.request("DELETE", service, path)
