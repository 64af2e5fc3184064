"""The route table: each route's name is "METHOD template", e.g.
"PUT /compute/{region}/v2/{tenant}/servers/{server_id}/ip_associations/{ip_id}".
The same names key the counters of /_sim/counters.
"""
import re
from urllib.parse import unquote

from .paging import body, listing, pager

NETWORK = "/network/{region}/v2.0"
COMPUTE = "/compute/{region}/v2/{tenant}"


class Request:
    """What a handler gets: the state, path parameters, query (dict of lists), parsed JSON body, tenant."""

    def __init__(self, state, params, query, body, tenant, page_url):
        self.state, self.params, self.query, self.body = state, params, query, body
        self.tenant, self.page_url = tenant, page_url

    @property
    def scope(self):
        return self.tenant, self.params["region"]


def _filters(req):
    return {k: v for k, v in req.query.items() if k not in ("limit", "marker", "page_reverse", "fields")}


def _lister(method_name, collection, **options):
    def handler(req):
        chunk, links = getattr(req.state, method_name)(*req.scope, _filters(req), pager(req.query, req.page_url),
                                                       **options)
        return 200, body(collection, chunk, links)
    return handler


def _args(req, param_names):
    return [*req.scope, *[req.params[p] for p in param_names]]


def _getter(method_name, key, *param_names):
    """A handler that answers 200 with ``{key: the state's method_name(scope, path parameters)}``."""
    def handler(req):
        return 200, {key: getattr(req.state, method_name)(*_args(req, param_names))}
    return handler


def _writer(method_name, status, key, *param_names):
    """A handler that hands the path parameters and the JSON body to the state and answers ``status`` with
    ``{key: its result}``."""
    def handler(req):
        return status, {key: getattr(req.state, method_name)(*_args(req, param_names), req.body)}
    return handler


def _deleter(method_name, *param_names):
    """A handler that hands the path parameters to the state and answers 204 without a body."""
    def handler(req):
        getattr(req.state, method_name)(*_args(req, param_names))
        return 204, None
    return handler


def tokens(req):
    return 200, req.state.authenticate(req.body, req.page_url.rsplit("/v2.0/tokens", 1)[0])


def ip_ports(req):
    items = req.state.ip_address_ports(*req.scope, req.params["ip_id"], _filters(req))
    return 200, listing("ip_addresses_ports", items, req.query, req.page_url)


TABLE = [
    ("POST", "/v2.0/tokens", tokens),
    ("GET", NETWORK + "/networks", _lister("networks", "networks")),
    ("GET", NETWORK + "/networks/{network_id}", _getter("network", "network", "network_id")),
    ("GET", NETWORK + "/subnets", _lister("subnets", "subnets")),
    ("GET", NETWORK + "/subnets/{subnet_id}", _getter("subnet", "subnet", "subnet_id")),
    ("GET", NETWORK + "/ports", _lister("ports", "ports")),
    ("GET", NETWORK + "/ports/{port_id}", _getter("port", "port", "port_id")),
    ("GET", NETWORK + "/ip_addresses", _lister("ip_addresses", "ip_addresses")),
    ("POST", NETWORK + "/ip_addresses", _writer("create_ip_address", 201, "ip_address")),
    ("GET", NETWORK + "/ip_addresses/{ip_id}", _getter("ip_address", "ip_address", "ip_id")),
    ("PUT", NETWORK + "/ip_addresses/{ip_id}", _writer("update_ip_address", 200, "ip_address", "ip_id")),
    ("DELETE", NETWORK + "/ip_addresses/{ip_id}", _deleter("delete_ip_address", "ip_id")),
    ("GET", NETWORK + "/ip_addresses/{ip_id}/ports", ip_ports),
    ("GET", NETWORK + "/ip_addresses/{ip_id}/ports/{port_id}",
     _getter("ip_address_port", "ip_addresses_port", "ip_id", "port_id")),
    ("GET", COMPUTE + "/servers", _lister("servers", "servers", brief=True)),
    ("GET", COMPUTE + "/servers/detail", _lister("servers", "servers")),
    ("GET", COMPUTE + "/servers/{server_id}", _getter("server", "server", "server_id")),
    ("GET", COMPUTE + "/servers/{server_id}/metadata", _getter("metadata", "metadata", "server_id")),
    ("GET", COMPUTE + "/servers/{server_id}/metadata/{key}", _getter("metadata_item", "meta", "server_id", "key")),
    ("PUT", COMPUTE + "/servers/{server_id}/metadata/{key}",
     _writer("set_metadata_item", 200, "meta", "server_id", "key")),
    ("DELETE", COMPUTE + "/servers/{server_id}/metadata/{key}", _deleter("delete_metadata_item", "server_id", "key")),
    ("GET", COMPUTE + "/servers/{server_id}/ip_associations",
     _getter("associations", "ip_associations", "server_id")),
    ("GET", COMPUTE + "/servers/{server_id}/ip_associations/{ip_id}",
     _getter("association", "ip_association", "server_id", "ip_id")),
    ("PUT", COMPUTE + "/servers/{server_id}/ip_associations/{ip_id}",
     _writer("associate", 201, "ip_association", "server_id", "ip_id")),
    ("DELETE", COMPUTE + "/servers/{server_id}/ip_associations/{ip_id}",
     _deleter("disassociate", "server_id", "ip_id")),
]


def _compile(template):
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


ROUTES = [(method, template, _compile(template), handler) for method, template, handler in TABLE]
ROUTE_NAMES = ["%s %s" % (route[0], route[1]) for route in TABLE]
# The cloud's internal view (cloud-api.md section 3): hidden from tenants unless the simulator's
# `internal_view` switch is on; hidden, they answer exactly as a path that does not exist.
INTERNAL_ROUTES = frozenset([
    "GET " + NETWORK + "/ip_addresses/{ip_id}/ports",
    "GET " + NETWORK + "/ip_addresses/{ip_id}/ports/{port_id}",
])
_QUARK_PATH = re.compile(r"^/network/[^/]+/v2\.0/ip_addresses(/|$)")


def service_of(path):
    if path.startswith("/network/"):
        return "network"
    if path.startswith("/compute/"):
        return "compute"
    return "identity"


def error_shape(path):
    """Which error body a path answers with: Quark's /ip_addresses routes use webob's shape."""
    path = strip_json(path)
    if _QUARK_PATH.match(path):
        return "ip_addresses"
    return service_of(path)


def strip_json(path):
    """Every network path also answers with a `.json` suffix (python-neutronclient always sends it)."""
    if path.startswith("/network/") and path.endswith(".json"):
        return path[:-len(".json")]
    return path


def match(method, path):
    """(route name, handler, params) for the request; handler None means 404 (no template) or 405."""
    path = strip_json(path)
    allowed = None
    for route_method, template, regex, handler in ROUTES:
        found = regex.match(path)
        if found is None:
            continue
        params = {k: unquote(v) for k, v in found.groupdict().items()}
        if route_method == method:
            return "%s %s" % (method, template), handler, params
        allowed = allowed or "%s %s" % (method, template)
    if allowed:
        return allowed, None, "method"
    return "%s (unrouted)" % method, None, None
