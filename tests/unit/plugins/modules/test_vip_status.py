# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vip_status against this machine's real `ip -json addr show` and real state files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import pytest

from ansible_collections.failover.shared_ip.plugins.modules import vip_status

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None


def local_address():
    """One address really configured on this host (loopback always exists)."""
    links = json.loads(subprocess.run(["ip", "-json", "addr", "show"], check=True, capture_output=True).stdout)
    for link in links:
        for info in link.get("addr_info", []):
            if info.get("family") == "inet":
                return info["local"], link["ifname"]
    pytest.skip("no IPv4 address on this host")


def run(args, capsys):
    if patch_module_args is None:
        pytest.skip("needs ansible.module_utils.testing.patch_module_args")
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            vip_status.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def member(tmp_path):
    """A run dir with state files and a PID file naming a live process (this test)."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    pid_file = tmp_path / "keepalived.pid"
    pid_file.write_text("%d\n" % os.getpid())
    return run_dir, pid_file


def test_held_and_state(member, capsys):
    run_dir, pid_file = member
    address, ifname = local_address()
    (run_dir / "here.state").write_text("MASTER\n")
    (run_dir / "away.state").write_text("BACKUP\n")
    (run_dir / "here.priority").write_text("249\n")
    (run_dir / "away.priority").write_text("\n")  # being written: no priority rather than a wrong one
    result = run(dict(run_dir=str(run_dir), pid_file=str(pid_file), manifest=str(run_dir / "none.json"), addresses=[
        dict(name="here", address=address + "/32", interface=ifname),
        dict(name="away", address="198.51.100.77"),
        dict(name="silent", address="2001:db8::77"),
    ]), capsys)
    assert result["changed"] is False and result["keepalived_running"] is True
    assert result["vips"] == [
        {"name": "here", "address": address, "held": True, "state": "MASTER", "priority": 249},
        {"name": "away", "address": "198.51.100.77", "held": False, "state": "BACKUP", "priority": None},
        {"name": "silent", "address": "2001:db8::77", "held": False, "state": "UNKNOWN", "priority": None},
    ]


def test_interface_must_match(member, capsys):
    run_dir, pid_file = member
    address, _ifname = local_address()
    result = run(dict(run_dir=str(run_dir), pid_file=str(pid_file), manifest=str(run_dir / "none.json"),
                      addresses=[dict(name="x", address=address, interface="no-such-if0")]), capsys)
    assert result["vips"][0]["held"] is False


def test_manifest_and_stale_state_when_keepalived_is_gone(member, tmp_path, capsys):
    run_dir, pid_file = member
    pid_file.write_text("999999999\n")  # no such process: state files are stale
    (run_dir / "web.state").write_text("MASTER\n")
    (run_dir / "web.priority").write_text("254\n")
    manifest = tmp_path / "vip-status.json"
    manifest.write_text(json.dumps({"run_dir": str(run_dir), "addresses": [
        {"name": "web", "address": "fd00:100::100/128", "interface": "host0"}]}))
    result = run(dict(manifest=str(manifest), pid_file=str(pid_file)), capsys)
    assert result["keepalived_running"] is False
    assert result["vips"] == [{"name": "web", "address": "fd00:100::100", "held": False, "state": "UNKNOWN",
                               "priority": None}]


def test_odd_state_file_is_unknown(member, capsys):
    run_dir, pid_file = member
    (run_dir / "web.state").write_text("STOP\n")
    result = run(dict(run_dir=str(run_dir), pid_file=str(pid_file), manifest=str(run_dir / "none.json"),
                      addresses=[dict(name="web", address="10.9.9.9")]), capsys)
    assert result["vips"][0]["state"] == "UNKNOWN"


def test_errors_name_the_option(member, tmp_path, capsys):
    run_dir, pid_file = member
    result = run(dict(manifest=str(tmp_path / "missing.json")), capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("manifest: cannot read %s" % (tmp_path / "missing.json"))
    result = run(dict(manifest=str(tmp_path / "missing.json"), addresses=[dict(name="a", address="10.0.0.300")]),
                 capsys)
    assert result["msg"] == "addresses[0].address: '10.0.0.300' is not an IPv4 or IPv6 address"


def test_host_addresses_parses_ip_json():
    sample = json.dumps([{"ifname": "host0", "addr_info": [
        {"family": "inet", "local": "192.168.100.11", "prefixlen": 24},
        {"family": "inet6", "local": "fd00:100:0::0100", "prefixlen": 128}]}])
    assert vip_status.host_addresses(sample) == {("192.168.100.11", "host0"), ("fd00:100::100", "host0")}
