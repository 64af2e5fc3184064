# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP details of the client: how calls are named, next pages, bodies, unsent requests."""

import re
import socket
from urllib.parse import urlsplit, urlunsplit

_VERSION_SEGMENT = re.compile(r"^v\d+(\.\d+)?$")


def display_root(url):
    """The part of an endpoint's path that calls are shown from: from its version segment on."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    for index in range(len(segments) - 1, -1, -1):
        if _VERSION_SEGMENT.match(segments[index]):
            return "/" + "/".join(segments[index:])
    return "/" + "/".join(segments) if segments else ""


def json_body(resp, text=False):
    """The decoded JSON body of a response; None when empty; its text (``text=True``) or None when
    it is not JSON."""
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return resp.text if text else None


def next_href(links, base):
    """The next page's URL on the configured host (the cloud may name another host in its links)."""
    for link in links or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            href = urlsplit(link["href"])
            own = urlsplit(base)
            path = href.path
            if not path.startswith("/"):
                path = own.path.rstrip("/") + "/" + path
            return urlunsplit((own.scheme, own.netloc, path, href.query, ""))
    return None


def _causes(exc):
    """The exception and what caused it, outermost first (requests -> urllib3 -> socket)."""
    seen = set()
    cause = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        args = getattr(cause, "args", ())
        nested = getattr(cause, "reason", None)
        if not isinstance(nested, BaseException):
            nested = next((a for a in args if isinstance(a, BaseException)), None)
        cause = nested or cause.__cause__ or cause.__context__


_NOISE = re.compile(r"^(<[^>]*>|HTTPS?ConnectionPool\([^)]*\)): ")


def describe(exc, url):
    """A short human text for a failed connection: the innermost reason and the URL (without its query)."""
    reason = ""
    for cause in _causes(exc):
        text = _NOISE.sub("", str(cause)).strip()
        if text and "Max retries exceeded" not in text:
            reason = text
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]  # never a user:password@ part
    return "%s (%s)" % (reason or type(exc).__name__, urlunsplit((parts.scheme, host, parts.path, "", "")))


def surely_unsent(exc):
    """True when the request never reached the server (refused connection, connect timeout)."""
    unsent = ("ConnectTimeout", "NewConnectionError", "ConnectionRefusedError", "NameResolutionError")
    return any(type(cause).__name__ in unsent for cause in _causes(exc))


def unreachable(exc):
    """True when the host refused the connection or its name did not resolve: nothing listens there,
    or there is no such host. Unlike a timeout or a 503, waiting seldom helps."""
    for cause in _causes(exc):
        if isinstance(cause, (ConnectionRefusedError, socket.gaierror)):
            return True
        if type(cause).__name__ == "NameResolutionError":
            return True
    return False


def url_problem(url):
    """Why ``url`` can never be called, or None: it needs http(s)://host. A typo is caught here,
    before any request, instead of being retried."""
    try:
        parts = urlsplit(str(url))
        if parts.port == 0:
            return "port 0 cannot be called"
    except ValueError as exc:  # a port that is not a number, a broken IPv6 literal
        return "not a URL (%s)" % exc
    if parts.scheme not in ("http", "https"):
        return "needs a scheme and a host, like https://identity.api.rackspacecloud.com/v2.0"
    if not parts.hostname:
        return "names no host"
    return None
