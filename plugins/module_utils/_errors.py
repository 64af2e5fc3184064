# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors of the API client and the parsing of the cloud's error bodies."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MAX_MESSAGE = 500
MASK = "********"


class ApiError(Exception):
    """A failed call. ``str(e)`` is ``"METHOD /path: STATUS Type: message"``.

    ``call`` is the method and the path from the service root (``"POST /v2.0/ip_addresses"``,
    ``"PUT /v2/123456/servers/<id>/ip_associations/<ip>"``) or None for a configuration error;
    ``status`` is the HTTP status, None when no answer came (connection error, timeout);
    ``uncertain`` is True when an earlier attempt of this same request may have taken effect
    (its answer was lost or was a 5xx, and the request was repeated).
    """

    def __init__(self, call, status, type_, message, attempts=1, uncertain=False):
        self.call = call
        self.status = status
        self.type = type_
        self.message = message
        self.attempts = attempts
        self.uncertain = uncertain
        super(ApiError, self).__init__(self._text())

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
        return "%s(call=%r, status=%r, type=%r, message=%r)" % (
            type(self).__name__, self.call, self.status, self.type, self.message)

    def failure(self):
        """The structured failure a module returns: {"call", "status", "type", "message"}."""
        return {"call": self.call, "status": self.status, "type": self.type, "message": self.message}


class AuthError(ApiError):
    """Authentication failed (bad credentials, refused or expired token, no usable endpoint)."""


class ConfigError(ApiError):
    """The client was given options that cannot work (raised before any call; ``call`` is None)."""

    def __init__(self, message):
        super(ConfigError, self).__init__(None, None, "", message)


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


def parse_error_body(body, reason):
    """(type, message) from an error body of Neutron, Nova or Identity; ``reason`` as a fallback type.

    Neutron: ``{"NeutronError": {"type", "message", "detail"}}``; Nova and Identity:
    ``{"badRequest"|"itemNotFound"|"overLimit"|"unauthorized"|...: {"code", "message"}}``.
    """
    if isinstance(body, dict):
        if "NeutronError" in body:
            err = body["NeutronError"]
            if isinstance(err, dict):
                message = err.get("message") or ""
                if err.get("detail"):
                    message = "%s (%s)" % (message, err["detail"]) if message else str(err["detail"])
                return err.get("type") or reason or "NeutronError", message
            return "NeutronError", str(err)
        if len(body) == 1:
            key = next(iter(body))
            err = body[key]
            if isinstance(err, dict) and ("message" in err or "code" in err):
                return key, str(err.get("message") or "")
        if "message" in body:
            return body.get("type") or reason or "", str(body["message"])
        return reason or "", ""
    if body:
        return reason or "", str(body).strip()
    return reason or "", ""
