# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_errors: the cloud's error bodies, read and classified by status and message; the error texts
and their failure dict; secrets scrubbed."""

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import ApiError, ConfigError
from ansible_collections.failover.shared_ip.plugins.module_utils._errors import (
    ALREADY_ASSOCIATED,
    BAD_REQUEST,
    CONFLICT,
    NOT_FOUND,
    OVER_QUOTA,
    RATE_LIMITED,
    REQUIRES_DISASSOCIATION,
    SERVER_ERROR,
    UNAUTHORIZED,
    classify,
    parse_error_body,
    scrub,
)


def refusal(call, *args, **kwargs):
    with pytest.raises(ApiError) as info:
        call(*args, **kwargs)
    return info.value


@pytest.fixture
def shared(sim, client_for):
    """A shared IP on node01 and node02 of cluster-net, associated with node01: (client, ip_id, ports, servers).

    ``ports``: the cluster-net ports of node01, node02, node03."""
    client = client_for()
    net = next(n["id"] for n in client.list("network", "/networks", "networks") if n["name"] == "cluster-net")
    servers = dict((s["name"], s["id"]) for s in client.list("compute", "/servers/detail", "servers"))
    ports = [client.list("network", "/ports", "ports", params={"network_id": net, "device_id": servers[name]})[0]["id"]
             for name in ("node01", "node02", "node03")]
    body = client.post("network", "/ip_addresses",
                       {"ip_address": {"network_id": net, "version": 4, "port_ids": ports[:2]}})
    ip_id = body["ip_address"]["id"]
    client.put("compute", "/servers/%s/ip_associations/%s" % (servers["node01"], ip_id), {"ip_association": {}})
    return client, ip_id, ports, servers


def test_deleting_an_associated_address_is_the_disassociation_refusal_in_webob_shape(shared):
    client, ip_id, dummy_ports, dummy_servers = shared
    err = refusal(client.delete, "network", "/ip_addresses/%s" % ip_id)
    assert err.status == 400
    assert err.kind == REQUIRES_DISASSOCIATION and err.requires_disassociation and not err.already_associated
    assert err.type == "Bad Request"  # webob has no error type: its title stands in
    assert "Port requires disassociation" in err.message
    assert err.failure() == {"call": "DELETE /v2.0/ip_addresses/%s" % ip_id, "status": 400, "type": "Bad Request",
                             "message": err.message}


def test_dropping_an_associated_port_is_the_same_refusal(shared):
    client, ip_id, ports, dummy_servers = shared
    err = refusal(client.put, "network", "/ip_addresses/%s" % ip_id, {"ip_address": {"port_ids": ports[1:]}})
    assert (err.status, err.kind) == (400, REQUIRES_DISASSOCIATION)
    assert err.requires_disassociation


def test_a_second_association_is_already_associated_not_a_plain_bad_request(shared):
    client, ip_id, dummy_ports, servers = shared
    err = refusal(client.put, "compute", "/servers/%s/ip_associations/%s" % (servers["node01"], ip_id),
                  {"ip_association": {}})
    assert (err.status, err.type, err.kind) == (400, "badRequest", ALREADY_ASSOCIATED)
    assert err.already_associated and not err.requires_disassociation


def test_other_refusals_are_not_taken_for_those_two(shared):
    client, ip_id, ports, servers = shared
    net = client.get("network", "/ip_addresses/%s" % ip_id)[1]["ip_address"]["network_id"]
    one_port = refusal(client.post, "network", "/ip_addresses",
                       {"ip_address": {"network_id": net, "version": 4, "port_ids": ports[2:]}})
    assert (one_port.status, one_port.kind) == (400, BAD_REQUEST)
    not_held = refusal(client.put, "compute", "/servers/%s/ip_associations/%s" % (servers["node03"], ip_id),
                       {"ip_association": {}})
    assert (not_held.status, not_held.kind) == (404, NOT_FOUND)
    for err in (one_port, not_held):
        assert not err.requires_disassociation and not err.already_associated


@pytest.mark.parametrize("service, path, shape", [
    ("network", "/ip_addresses/no-such-id", "Not Found"),        # webob
    ("network", "/networks/no-such-network", "NetworkNotFound"),  # NeutronError
    ("compute", "/servers/no-such-server", "itemNotFound"),       # Nova
])
def test_not_found_in_every_shape(client_for, service, path, shape):
    err = refusal(client_for().get, service, path)
    assert (err.status, err.kind) == (404, NOT_FOUND)
    assert err.type == shape
    assert err.message


def test_rate_limit_answer_is_rate_limited_once_the_retries_are_spent(sim, client_for):
    sim.faults(retry_after=1, fail_next=[{"method": "GET", "path_regex": "/networks$", "status": 413, "times": 3}])
    err = refusal(client_for(max_retries=0).get, "network", "/networks")
    assert (err.status, err.type, err.kind) == (413, "overLimit", RATE_LIMITED)


WEBOB_EXPLAINED = {"code": 400, "title": "Bad Request",
                   "message": "The server could not comply with the request since it is either malformed or "
                              "otherwise incorrect.\n\nPort requires disassociation before IP can be deleted\n\n"}


@pytest.mark.parametrize("status, body, reason, kind, type_", [
    (400, WEBOB_EXPLAINED, "Bad Request", REQUIRES_DISASSOCIATION, "Bad Request"),
    (409, {"NeutronError": {"type": "PortRequiresDisassociation", "message": "Port requires disassociation "
                            "before IP can be deleted", "detail": ""}}, "Conflict", REQUIRES_DISASSOCIATION,
     "PortRequiresDisassociation"),
    # a type alone decides nothing: the message says something else
    (400, {"NeutronError": {"type": "PortRequiresDisassociation", "message": "Invalid input", "detail": ""}},
     "Bad Request", BAD_REQUEST, "PortRequiresDisassociation"),
    (400, {"badRequest": {"code": 400, "message": "association already exists"}}, "", ALREADY_ASSOCIATED,
     "badRequest"),
    (400, "IP association already exists", "Bad Request", ALREADY_ASSOCIATED, "Bad Request"),  # plain text
    (404, "<html><body>Not Found</body></html>", "Not Found", NOT_FOUND, "Not Found"),
    (409, {"code": 409, "title": "Conflict", "message": "Quota exceeded for resources: ['ip_addresses']"},
     "Conflict", OVER_QUOTA, "Conflict"),
    (409, {"NeutronError": {"type": "IpAddressInUse", "message": "IP 10.0.0.5 is in use", "detail": ""}}, "",
     CONFLICT, "IpAddressInUse"),
    (413, {"overLimit": {"code": 413, "message": "This request was rate-limited.", "retryAfter": "2"}}, "",
     RATE_LIMITED, "overLimit"),
    (413, {"overLimit": {"code": 413, "message": "Quota exceeded for instances"}}, "", OVER_QUOTA, "overLimit"),
    (429, None, "Too Many Requests", RATE_LIMITED, "Too Many Requests"),
    (401, {"unauthorized": {"code": 401, "message": "Username or api key is invalid."}}, "", UNAUTHORIZED,
     "unauthorized"),
    (503, "", "Service Unavailable", SERVER_ERROR, "Service Unavailable"),
    # the disassociation message on a status that is no refusal is not that refusal
    (500, {"code": 500, "title": "Internal Server Error", "message": "requires disassociation"}, "",
     SERVER_ERROR, "Internal Server Error"),
])
def test_shapes_are_classified_by_status_and_message(status, body, reason, kind, type_):
    parsed_type, message = parse_error_body(body, reason)
    assert parsed_type == type_
    assert "\n" not in message
    assert classify(status, message) == kind
    assert ApiError("GET /v2.0/x", status, parsed_type, message).kind == kind


def test_webob_layout_is_read_as_one_line():
    assert parse_error_body(WEBOB_EXPLAINED, "Bad Request")[1] == (
        "The server could not comply with the request since it is either malformed or otherwise incorrect. "
        "Port requires disassociation before IP can be deleted")


@pytest.mark.parametrize(
    "body, reason, expected",
    [
        (
            {"NeutronError": {"type": "PortRequiresDisassociation", "message": "Port requires disassociation", "detail": ""}},
            "Bad Request",
            ("PortRequiresDisassociation", "Port requires disassociation"),
        ),
        ({"NeutronError": {"type": "X", "message": "m", "detail": "d"}}, "", ("X", "m (d)")),
        ({"NeutronError": "plain text"}, "Conflict", ("NeutronError", "plain text")),
        ({"badRequest": {"code": 400, "message": "association already exists"}}, "Bad Request",
         ("badRequest", "association already exists")),
        ({"itemNotFound": {"code": 404, "message": "Server not found"}}, "Not Found", ("itemNotFound", "Server not found")),
        ({"overLimit": {"code": 413, "message": "Rate limited", "retryAfter": "3"}}, "", ("overLimit", "Rate limited")),
        ({"unauthorized": {"code": 401, "message": "bad key"}}, "Unauthorized", ("unauthorized", "bad key")),
        ("<html>Bad gateway</html>", "Bad Gateway", ("Bad Gateway", "<html>Bad gateway</html>")),
        (None, "Service Unavailable", ("Service Unavailable", "")),
    ],
)
def test_error_bodies_of_every_service_are_read(body, reason, expected):
    assert parse_error_body(body, reason) == expected


def test_error_text_and_failure_dict():
    err = ApiError("POST /v2.0/ip_addresses", 409, "CannotCreateMoreSharedIPs", "quota reached")
    assert str(err) == "POST /v2.0/ip_addresses: 409 CannotCreateMoreSharedIPs: quota reached"
    assert err.failure() == {"call": "POST /v2.0/ip_addresses", "status": 409,
                             "type": "CannotCreateMoreSharedIPs", "message": "quota reached"}
    lost = ApiError("GET /v2.0/networks", None, "ConnectionError", "refused")
    assert str(lost) == "GET /v2.0/networks: ConnectionError: refused"
    assert str(ConfigError("no credentials")) == "no credentials"


def test_scrub_masks_secrets_and_cuts_long_text():
    assert scrub("key is s3cr3t!", ["s3cr3t", None, ""]) == "key is ********!"
    assert len(scrub("x" * 5000, [])) == 503
