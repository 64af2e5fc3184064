"""`ansible-playbook failover.shared_ip.site --check --diff` on an empty account and fresh members: it shows
what it would create in the cloud (an address the cloud will pick, shown as such) and what keepalived would
be configured with, exits 0, and writes nothing, neither in the cloud nor on any member."""

import os
import subprocess
import sys

import pytest
import yaml

from tests.examples import runner

pytestmark = [pytest.mark.lab, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root")]

LAB_NAME = os.environ.get("FSIP_CHECKMODE_LAB", "checkmode")
CLUSTER = {
    "shared_ip_network": "cluster-net",
    "keepalived_vip_interface": "host0",
    "shared_ips": [
        {"name": "web", "address": "192.168.100.100", "preferred": ["node01", "node02"], "track": ["web_health"]},
        {"name": "api6", "version": 6},
    ],
    "keepalived_vip_checks": [{"name": "web_health", "type": "script", "script": "/usr/bin/test ! -e /run/web-down"}],
}
# What a run could leave on a member: the package, and any file under /etc or /usr/local (path, size, mtime).
FINGERPRINT = ("dpkg-query -W -f='${Status}\\n' keepalived 2>&1; "
               "find /etc /usr/local -xdev -printf '%p %s %T@\\n' | sort | sha256sum")


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    from testbed.fakecloud.client import simulator
    from testbed.lab import Lab

    workdir = tmp_path_factory.mktemp("site-check")
    with simulator(log_path=str(workdir / "fakecloud.log")) as cloud:
        lab = Lab(LAB_NAME, members=3, log=lambda text: None, cloud=cloud.url)
        try:
            lab.up()
            before = {m.name: m.exec(FINGERPRINT).stdout for m in lab.members}
            cloud.reset()
            cluster = workdir / "cluster.yml"
            cluster.write_text(yaml.safe_dump({**CLUSTER, "shared_ip_identity_url": cloud.identity_url}))
            proc = subprocess.run(
                [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(lab.inventory),
                 "failover.shared_ip.site", "-e", f"@{cluster}", "--check", "--diff"],
                cwd=workdir, env=runner.env(), capture_output=True, text=True, timeout=900, check=False)
            after = {m.name: m.exec(FINGERPRINT).stdout for m in lab.members}
            yield proc, cloud.writes(), before, after
        finally:
            lab.down()


def test_check_mode_of_the_whole_play_exits_0(checked):
    proc, _writes, _before, _after = checked
    assert proc.returncode == 0, runner.failures(proc.stdout)


def test_check_mode_shows_the_addresses_it_would_create_a_picked_one_as_such(checked):
    proc, _writes, _before, _after = checked
    diff = proc.stdout.split("TASK [Declare every shared IP", 1)[1].split("TASK [", 1)[0]
    assert '"address": "192.168.100.100"' in diff, diff
    assert '"address": "(picked by the cloud)"' in diff, diff


def test_check_mode_shows_what_keepalived_would_be_configured_with(checked):
    proc, _writes, _before, _after = checked
    conf = proc.stdout.split("+++ after: /etc/keepalived/keepalived.conf", 1)[1].split("TASK [", 1)[0]
    assert "+vrrp_instance web {" in conf and "192.168.100.100/24 dev host0" in conf, conf
    assert "web_health" in conf, conf


def test_check_mode_writes_nothing_in_the_cloud_or_on_any_member(checked):
    _proc, writes, before, after = checked
    assert writes == {}
    assert after == before
    assert all("install ok installed" not in text for text in after.values()), after
