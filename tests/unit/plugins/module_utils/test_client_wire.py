"""What the client puts on the wire and takes back, where the simulator always answers with a body.

The public guide says the association PUT answers without a body; Rackspace's client sends
``{"ip_association": {}}``. A small loopback server answers every write with an empty 2xx of a
chosen status and records what it received, so that both sides are checked byte for byte."""

import contextlib
import http.server
import json
import threading

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import ApiError, Client


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with the status named in its path's last segment and no body."""

    seen = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        Recorder.seen.append({"method": self.command, "path": self.path,
                              "content_type": self.headers.get("Content-Type"),
                              "body": self.rfile.read(length) if length else b""})
        self.send_response(int(self.path.rstrip("/").rsplit("/", 1)[1]))
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@contextlib.contextmanager
def serving(handler):
    """A loopback server of ``handler`` for the length of the block: yields its base URL."""
    Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def empty_server():
    with serving(Recorder) as base:
        yield base


def client(base):
    return Client.from_options(auth_token="hush-hush", tenant_id="1", network_url=base + "/v2.0",
                               compute_url=base + "/v2/1", max_retries=0)


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_an_empty_2xx_is_success_for_every_verb(empty_server, status):
    cloud = client(empty_server)
    assert cloud.put("compute", "/servers/s/ip_associations/%d" % status, {"ip_association": {}}) is None
    assert cloud.post("network", "/ip_addresses/%d" % status, {"ip_address": {}}) is None
    assert cloud.get("network", "/ip_addresses/%d" % status) == (status, None)
    assert cloud.delete("compute", "/servers/s/ip_associations/%d" % status) is None
    assert [s["method"] for s in Recorder.seen] == ["PUT", "POST", "GET", "DELETE"]  # one call each


def test_the_association_body_is_json_with_its_content_type(empty_server):
    client(empty_server).put("compute", "/servers/s/ip_associations/201", {"ip_association": {}})
    sent = Recorder.seen[0]
    assert sent["content_type"] == "application/json"
    assert json.loads(sent["body"]) == {"ip_association": {}}


def test_an_empty_dict_is_still_a_json_body_and_none_is_no_body(empty_server):
    cloud = client(empty_server)
    cloud.put("compute", "/servers/s/ip_associations/204", {})
    cloud.put("compute", "/servers/s/ip_associations/204")
    with_dict, without = Recorder.seen
    assert (with_dict["content_type"], with_dict["body"]) == ("application/json", b"{}")
    assert (without["content_type"], without["body"]) == (None, b"")


class Garbled(Recorder):
    """Answers every request 200 with a JSON list or HTML where an object is due."""

    def _answer(self):
        Recorder.seen.append({"method": self.command, "path": self.path})
        content = b"<html>portal</html>" if "html" in self.path else b"[1, 2]"
        self.send_response(200)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_PUT = do_POST = do_DELETE = _answer


@pytest.fixture
def garbled_server():
    with serving(Garbled) as base:
        yield base


def test_an_answer_that_is_no_object_is_a_clear_error_not_a_crash(garbled_server):
    cloud = client(garbled_server)
    with pytest.raises(ApiError) as info:
        cloud.list("network", "/ports", "ports")
    assert str(info.value) == "GET /v2.0/ports: 200 BadResponse: the answer holds no ports list"
    login = Client.from_options(username="demo", api_key="0123456789abcdef", identity_url=garbled_server + "/html/v2.0")
    with pytest.raises(ApiError) as info:
        login.authenticate()
    assert str(info.value) == "POST /v2.0/tokens: 200 BadResponse: the answer of %s/html/v2.0/tokens holds no token" \
        % garbled_server


class RateLimitedOnce(Recorder):
    """The first request gets Nova's 413 overLimit with retryAfter in the body only (no header); then 204."""

    def _answer(self):
        Recorder.seen.append({"method": self.command, "path": self.path})
        if len(Recorder.seen) == 1:
            content = json.dumps({"overLimit": {"code": 413, "message": "This request was rate-limited.",
                                                "retryAfter": "2"}}).encode()
            self.send_response(413)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            return
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_POST = do_DELETE = _answer


def test_retry_after_is_read_from_novas_body_when_no_header_gives_it():
    with serving(RateLimitedOnce) as base:
        slept = []
        cloud = Client.from_options(auth_token="hush-hush", tenant_id="1", network_url=base + "/v2.0",
                                    compute_url=base + "/v2/1", sleep=slept.append)
        assert cloud.put("compute", "/servers/s/ip_associations/i", {"ip_association": {}}) is None
        assert slept == [2.0]
        assert len(Recorder.seen) == 2
