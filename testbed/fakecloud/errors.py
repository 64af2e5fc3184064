"""The one exception the rules raise, and the four error body shapes of the cloud."""

# Nova names its error bodies after the status (nova/api/openstack/wsgi.py's fault map).
NOVA_KEYS = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    429: "overLimit",
    500: "computeFault",
    503: "serviceUnavailable",
}


class CloudError(Exception):
    """A refusal by the cloud: HTTP status, Neutron error type, human message."""

    def __init__(self, status, type_, message):
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message

    def __repr__(self):
        return "CloudError(%d, %r, %r)" % (self.status, self.type, self.message)


def bad_request(message, type_="BadRequest"):
    return CloudError(400, type_, message)


def not_found(message, type_="NotFound"):
    return CloudError(404, type_, message)


def conflict(message, type_):
    return CloudError(409, type_, message)


def neutron_body(status, type_, message):
    return {"NeutronError": {"type": type_, "message": message, "detail": ""}}


# webob's status titles, as Quark's /ip_addresses routes send them (webob.exc.HTTPBadRequest & co).
WEBOB_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def webob_body(status, type_, message):
    """Quark's /ip_addresses routes: webob's shape, no error type (cloud-api.md section 3)."""
    return {"code": status, "title": WEBOB_TITLES.get(status, "Error"), "message": message}


def nova_body(status, type_, message):
    return {NOVA_KEYS.get(status, "computeFault"): {"code": status, "message": message}}


def identity_body(status, type_, message):
    key = {400: "badRequest", 401: "unauthorized", 404: "itemNotFound"}.get(status, "identityFault")
    return {key: {"code": status, "message": message}}


BODY_SHAPES = {"network": neutron_body, "ip_addresses": webob_body, "compute": nova_body,
               "identity": identity_body}


def error_body(service, status, type_, message):
    """The body the cloud sends for an error on `service` (network, ip_addresses, compute, identity)."""
    return BODY_SHAPES[service](status, type_, message)
