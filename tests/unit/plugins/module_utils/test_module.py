# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_module, the base every cloud module goes through: connection options, credentials, errors, run
in-process against the real simulator."""

from __future__ import absolute_import, division, print_function

import json

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils import _module
from ansible_collections.failover.shared_ip.plugins.modules import address, address_info, auth
from ansible_collections.failover.shared_ip.tests.unit.plugins.modules.module_support import (  # noqa: F401  # pylint: disable=unused-import
    PAIR,
    login,
    run,
    sim,
    simulator,
)


def test_credentials_from_the_environment(sim, capsys, monkeypatch):
    monkeypatch.setenv("RAX_USERNAME", "demo")
    monkeypatch.setenv("RAX_API_KEY", "demo-api-key")
    monkeypatch.setenv("RAX_REGION", "dfw")
    out = run(auth, {"identity_url": sim.identity_url}, capsys)
    assert out["region"] == "DFW" and out["tenant_id"] == "123456"


def test_an_explicit_password_wins_over_a_key_in_the_environment(sim, capsys, monkeypatch):
    monkeypatch.setenv("RAX_API_KEY", "some-other-key")
    out = run(auth, {"identity_url": sim.identity_url, "username": "demo", "password": "demo-password"}, capsys)
    assert not out.get("failed"), out.get("msg")


def test_credentials_file(sim, capsys, monkeypatch, tmp_path):
    creds = tmp_path / "pyrax.ini"
    creds.write_text("[rackspace_cloud]\nusername = demo\napi_key = demo-api-key\n")
    monkeypatch.setenv("RAX_CREDS_FILE", str(creds))
    out = run(address_info, {"identity_url": sim.identity_url}, capsys)
    assert out["shared_ips"] == []


def test_wrong_key_is_a_clear_failure_without_the_key(sim, capsys):
    out = run(address, dict(PAIR, **login(sim, api_key="not-the-key")), capsys)
    assert out["failed"] and out["msg"].startswith("POST /v2.0/tokens: 401 ")
    assert out["failure"]["status"] == 401 and "not-the-key" not in json.dumps(out)


@pytest.mark.parametrize("args, message", [
    ({"auth_token": "abc"}, "missing parameter(s) required by 'auth_token': network_url, compute_url"),
    ({"network_url": "http://127.0.0.1:1/v2.0"}, "parameters are required together: network_url, compute_url"),
    ({}, "no credentials: set username and api_key (or password), credentials, or auth_token with network_url "
         "and compute_url"),
])
def test_connection_rules(sim, capsys, args, message):
    out = run(address_info, dict(args, identity_url=sim.identity_url), capsys)
    assert out["failed"] and out["msg"] == message


def test_missing_requests_is_reported(sim, capsys, monkeypatch):
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    out = run(address_info, login(sim), capsys)
    assert out["failed"] and "Failed to import the required Python library (requests)" in out["msg"]
