# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors of the API client, the parsing of the cloud's error bodies and their classification.

Every failed call is an ApiError. Its ``kind`` says what happened in words a caller can branch on,
derived from the HTTP status AND the message, never from an error type alone (Quark's
``/ip_addresses`` routes answer in webob's shape, which carries no type):

==========================  ==========================================================================
kind                        when
==========================  ==========================================================================
``requires_disassociation`` 400/409 "Port requires disassociation before ..." (a port still associated)
``already_associated``      400/409 "... association already exists" (the PUT found it done)
``not_found``               404
``over_quota``              409 on a quota or a port's address limit; 413 saying "quota" (Nova)
``rate_limited``            413 (overLimit) or 429
``unauthorized``            401
``bad_request``             any other 400
``conflict``                any other 409 (an address already in use)
``server_error``            5xx
``unreachable``             no answer: connection refused, or the host name does not resolve
``no_answer``               no answer: timeout, or the connection dropped
``config``                  ConfigError: options that can never work, raised before any call; also
                            the AuthError of a region that the account's catalog does not serve
``other``                   anything else
==========================  ==========================================================================

``err.requires_disassociation`` and ``err.already_associated`` are the two questions the modules
ask most; both are plain booleans.
"""

import re

MAX_MESSAGE = 500
MASK = "********"

REQUIRES_DISASSOCIATION = "requires_disassociation"
ALREADY_ASSOCIATED = "already_associated"
NOT_FOUND = "not_found"
OVER_QUOTA = "over_quota"
RATE_LIMITED = "rate_limited"
UNAUTHORIZED = "unauthorized"
BAD_REQUEST = "bad_request"
CONFLICT = "conflict"
SERVER_ERROR = "server_error"
UNREACHABLE = "unreachable"
NO_ANSWER = "no_answer"
CONFIG = "config"
OTHER = "other"

_REQUIRES_DISASSOCIATION = re.compile(r"requires\s+disassociation", re.I)
_ALREADY_ASSOCIATED = re.compile(r"associat\w*\s+already\s+exists|already\s+associated", re.I)
_QUOTA = re.compile(r"quota|limit|maximum|the most", re.I)


def classify(status, message):
    """The ``kind`` of an answer from its status and message (see the table above).

    The error type is not read: Quark's webob bodies have none, and a NeutronError's message says
    what its type says.
    """
    text = message or ""
    if status is None:
        return NO_ANSWER
    if status in (400, 409) and _REQUIRES_DISASSOCIATION.search(text):
        return REQUIRES_DISASSOCIATION
    if status in (400, 409) and _ALREADY_ASSOCIATED.search(text):
        return ALREADY_ASSOCIATED
    if status == 404:
        return NOT_FOUND
    if (status == 409 and _QUOTA.search(text)) or (status == 413 and "quota" in text.lower()):
        return OVER_QUOTA
    if status == 409:
        return CONFLICT
    if status in (413, 429):
        return RATE_LIMITED
    if status == 401:
        return UNAUTHORIZED
    if status == 400:
        return BAD_REQUEST
    if 500 <= status <= 599:
        return SERVER_ERROR
    return OTHER


class ApiError(Exception):
    """A failed call. ``str(e)`` is ``"METHOD /path: STATUS Type: message"``.

    ``call`` is the method and the path from the service root (``"POST /v2.0/ip_addresses"``,
    ``"PUT /v2/123456/servers/<id>/ip_associations/<ip>"``) or None for a configuration error;
    ``status`` is the HTTP status, None when no answer came (connection error, timeout);
    ``type`` is what the body or the exception calls the error (may be empty; informative only);
    ``kind`` classifies it from status and message (module docstring), ``kind=`` overrides that;
    ``uncertain`` is True when an earlier attempt of this same request may have taken effect
    (its answer was lost or was a 5xx, and the request was repeated).
    ``failure()`` is what a module returns; it never holds a secret (messages are scrubbed).
    """

    def __init__(self, call, status, type_, message, attempts=1, uncertain=False, kind=None):
        self.call = call
        self.status = status
        self.type = type_
        self.message = message
        self.attempts = attempts
        self.uncertain = uncertain
        self.kind = kind or classify(status, message)
        super().__init__(self._text())

    def _text(self):
        parts = []
        if self.status is not None:
            parts.append(str(self.status))
        if self.type:
            parts.append(self.type + ":")
        head = " ".join(parts)
        text = (head + " " + self.message) if head else self.message
        if self.call:
            return "%s: %s" % (self.call, text)
        return text

    def __str__(self):
        return self._text()

    def __repr__(self):
        return "%s(call=%r, status=%r, type=%r, kind=%r, message=%r)" % (
            type(self).__name__, self.call, self.status, self.type, self.kind, self.message)

    @property
    def requires_disassociation(self):
        """True for the refusal to drop or delete an address whose port is still associated."""
        return self.kind == REQUIRES_DISASSOCIATION

    @property
    def already_associated(self):
        """True for the PUT of an association that already exists: the work is already done."""
        return self.kind == ALREADY_ASSOCIATED

    def failure(self):
        """The structured failure a module returns: {"call", "status", "type", "message"}."""
        return {"call": self.call, "status": self.status, "type": self.type, "message": self.message}


class AuthError(ApiError):
    """Authentication failed (bad credentials, refused or expired token, no usable endpoint)."""


class ConfigError(ApiError):
    """Options that can never work, raised before any call (``call`` and ``status`` are None).

    With ``option`` (and ``value``) the message reads ``"option=value: reason"``; ``value`` is
    shown as given, so never pass a secret as ``value``.
    """

    def __init__(self, message, option=None, value=None):
        self.option = option
        self.value = value
        if option is not None:
            message = "%s=%s: %s" % (option, value, message)
        super().__init__(None, None, "", message, kind=CONFIG)

    def mask(self, secrets):
        """Mask every secret of ``secrets`` in the message and the value (in place)."""
        self.message = scrub(self.message, secrets)
        if self.value is not None:
            self.value = scrub(self.value, secrets)
        self.args = (self._text(),)


class UncertainWrite(ApiError):
    """A POST whose outcome is unknown: the answer was lost or was a 5xx; it may have taken effect.

    The client never repeats such a POST itself; the caller looks for its effect first.
    """


def scrub(text, secrets):
    """``text`` with every secret replaced by a mask and cut to a readable length."""
    if text is None:
        return ""
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + "..."
    return text


def _tidy(text):
    """One line: webob joins its explanation and detail with blank lines."""
    return " ".join(str(text).split())


def parse_error_body(body, reason):
    """(type, message) from an error body of Neutron, Quark (webob), Nova or Identity.

    Neutron: ``{"NeutronError": {"type", "message", "detail"}}``; Quark's ``/ip_addresses``
    routes (webob): ``{"code", "title", "message"}`` with no type, so the title stands in;
    Nova and Identity: ``{"badRequest"|"itemNotFound"|"overLimit"|"unauthorized"|...: {"code",
    "message"}}``; anything else: its text. ``reason`` (the HTTP reason) is the fallback type.
    """
    if not isinstance(body, dict):
        return reason or "", _tidy(body) if body else ""
    if "NeutronError" in body:
        return _neutron(body["NeutronError"], reason)
    if len(body) == 1:
        key, err = next(iter(body.items()))
        if isinstance(err, dict) and ("message" in err or "code" in err):
            return key, _tidy(err.get("message") or "")
    if "message" in body:
        return body.get("type") or body.get("title") or reason or "", _tidy(body["message"])
    return reason or "", ""


def _neutron(err, reason):
    if not isinstance(err, dict):
        return "NeutronError", _tidy(err)
    message = _tidy(err.get("message") or "")
    if err.get("detail"):
        detail = _tidy(err["detail"])
        message = "%s (%s)" % (message, detail) if message else detail
    return err.get("type") or reason or "NeutronError", message
