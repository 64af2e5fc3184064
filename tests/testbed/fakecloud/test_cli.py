"""The command line: `python3 testbed/fakecloud --port PORT` prints its listening line and serves."""
import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from testbed.fakecloud.client import login_body, request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SYSTEM_PYTHON = "/usr/bin/python3"

SMALL_FIXTURE = """\
regions: [IAD]
tenants:
  - id: "777"
    default_region: IAD
    users: [{username: tiny, api_key: tiny-key}]
networks:
  - {name: lan, region: IAD, tenant: "777", subnets: [{cidr: 10.9.0.0/24, allocate_from: 10.9.0.50}]}
servers:
  - {name: a1, region: IAD, tenant: "777", ports: [{network: lan}]}
  - {name: a2, region: IAD, tenant: "777", ports: [{network: lan, fixed_ips: [10.9.0.7]}]}
shared_ips:
  - {region: IAD, network: lan, members: [a1, a2], associated: [a1]}
"""


def launch(*args, python=sys.executable, env=None):
    proc = subprocess.Popen([python, "testbed/fakecloud", "--port", "0", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    return proc, line


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def login(url, user="demo", key="demo-api-key"):
    return request("POST", url + "/v2.0/tokens", login_body(user, api_key=key), timeout=10)


@pytest.mark.parametrize("python", [sys.executable, SYSTEM_PYTHON], ids=["venv python", "system python3"])
def test_start_line_and_serving(python):
    if not os.path.exists(python):
        pytest.fail("%s is missing on this machine" % python)
    proc, line = launch(python=python)
    try:
        found = re.fullmatch(r"fakecloud listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert found, line
        assert login(found.group(1)).status_code == 200
    finally:
        stop(proc)


def test_fault_and_ttl_flags(tmp_path):
    proc, line = launch("--error-rate", "1", "--error-status", "429", "--retry-after", "3", "--token-ttl", "60")
    try:
        url = line.split()[-1]
        r = login(url)
        assert r.status_code == 429 and r.headers["Retry-After"] == "3"
        faults = requests.get(url + "/_sim/faults", timeout=10).json()
        assert (faults["error_rate"], faults["token_ttl"]) == (1.0, 60.0)
    finally:
        stop(proc)


def test_fixture_file(tmp_path):
    path = tmp_path / "tiny.yml"
    path.write_text(SMALL_FIXTURE)
    proc, line = launch("--fixture", str(path))
    try:
        url = line.split()[-1]
        assert login(url).status_code == 401                       # the built-in users are gone
        access = login(url, "tiny", "tiny-key").json()["access"]
        headers = {"X-Auth-Token": access["token"]["id"]}
        ips = requests.get(url + "/network/IAD/v2.0/ip_addresses", headers=headers, timeout=10).json()["ip_addresses"]
        assert sorted(ip["address"] for ip in ips) == ["10.9.0.2", "10.9.0.50", "10.9.0.7"]
        servers = requests.get(url + "/compute/IAD/v2/777/servers/detail", headers=headers, timeout=10).json()
        assert sorted(s["name"] for s in servers["servers"]) == ["a1", "a2"]
    finally:
        stop(proc)


@pytest.mark.parametrize("content,text", [
    ("regions: [DFW]\n", "needs `tenants`"),
    ("- just a list\n", "top level must be a mapping"),
    ("servers: [\n", "fixture"),
    (SMALL_FIXTURE.replace("fixed_ips: [10.9.0.7]", "fixed_ips: [10.9.0.2]"), "10.9.0.2 is used twice"),
    (SMALL_FIXTURE.replace("fixed_ips: [10.9.0.7]", "fixed_ips: [10.8.0.7]"), "10.8.0.7 is in no subnet"),
])
def test_bad_fixture_is_a_clear_error(tmp_path, content, text):
    path = tmp_path / "bad.yml"
    path.write_text(content)
    result = subprocess.run([sys.executable, "testbed/fakecloud", "--fixture", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=20, check=False)
    assert result.returncode != 0 and text in result.stderr and "Traceback" not in result.stderr


def test_fixture_without_pyyaml_says_so(tmp_path):
    (tmp_path / "yaml.py").write_text("raise ImportError('no yaml here')\n")
    path = tmp_path / "tiny.yml"
    path.write_text(SMALL_FIXTURE)
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run([sys.executable, "testbed/fakecloud", "--fixture", str(path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=20, check=False)
    assert result.returncode != 0 and "needs PyYAML" in result.stderr and "Traceback" not in result.stderr


def test_module_run_and_package_import():
    result = subprocess.run([sys.executable, "-m", "testbed.fakecloud", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=20, check=False)
    assert result.returncode == 0 and "--drop-after-write-rate" in result.stdout
    code = "from ansible_collections.failover.shared_ip.testbed.fakecloud import start; s = start(); print(s.url); s.stop()"
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, ".build", "collections"))
    result = subprocess.run([sys.executable, "-c", code], cwd="/", env=env, capture_output=True, text=True, timeout=20, check=False)
    assert result.returncode == 0 and result.stdout.startswith("http://127.0.0.1:"), result.stderr


def test_servers_lists_what_an_account_sees_and_names_a_missing_simulator():
    from testbed.fakecloud.client import simulator

    with simulator() as sim:
        port = sim.url.rsplit(":", 1)[1]
        proc = subprocess.run([sys.executable, "-m", "testbed.fakecloud", "servers", "--port", port], cwd=ROOT,
                              capture_output=True, text=True, timeout=60, check=False)
        # Piped into a reader that stops early (`| head -1`): no traceback.
        closed = subprocess.Popen([sys.executable, "-m", "testbed.fakecloud", "servers", "--port", port], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        closed.stdout.close()
        assert closed.wait(timeout=60) == 0 and closed.stderr.read() == b""
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "account demo, region DFW, 10 servers"
    node01 = next(line for line in lines if line.startswith("node01 "))
    assert "cluster-net 192.168.100.11,fd00:100::11" in node01 and "other01" not in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "testbed.fakecloud", "servers", "--port", port], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1
    assert f"is the simulator running? python3 testbed/fakecloud --port {port}" in proc.stderr
