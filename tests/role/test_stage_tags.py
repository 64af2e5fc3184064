# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each stage tag of the role runs alone on a real lab (testbed.lab): install, configure, service.

The role converges the lab once (tests/role/lab_converge.yml); then each test breaks or changes one thing on
the members, runs ansible-playbook with one stage tag and checks what a user would look at: the package, the
configuration and the VRRP filter keepalived runs with, the address a new instance brings up, the daemon
running and enabled. Each run also shows that the other stages did not run.
"""

import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

from testbed.lab import Lab

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root"),
]

NAME = os.environ.get("FSIP_ROLE_TAGS_LAB", "rtagtest")  # another name: two checkouts side by side
REPO = pathlib.Path(__file__).resolve().parents[2]
PLAYBOOK = REPO / "tests" / "role" / "lab_converge.yml"
CONFIG = "/etc/keepalived/keepalived.conf"
ROLE_VARS = {
    "keepalived_vip_interface": "host0",
    "keepalived_vip_addresses": [
        {"name": "web", "address": "192.168.100.100/24", "preferred": ["node01"], "track": ["flag"]},
        {"name": "api", "address": "192.168.100.101/24", "preferred": ["node02"]},
    ],
    "keepalived_vip_checks": [{"name": "flag", "type": "file", "file": "/run/stage-tags-flag"}],
}
# task names of each stage, as ansible-playbook prints them
INSTALL = "Install keepalived"
CONFIGURE = "Write the role's directories and files"
SERVICE = "Start keepalived and enable it at boot"


def _ansible_playbook():
    candidate = pathlib.Path(sys.executable).with_name("ansible-playbook")
    return str(candidate) if candidate.exists() else shutil.which("ansible-playbook")


def converge(lab, tmp_path, role_vars, *args, playbook=PLAYBOOK):
    vars_file = tmp_path / ("vars-%d.json" % time.monotonic_ns())
    vars_file.write_text(json.dumps(role_vars))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0")
    started = time.monotonic()
    proc = subprocess.run([_ansible_playbook(), "-i", str(lab.inventory), str(playbook), "-e", "@%s" % vars_file,
                           *args], capture_output=True, text=True, env=env, cwd=str(REPO), timeout=900, check=False)
    elapsed = time.monotonic() - started
    print("ansible-playbook %s: rc %d in %.1f s" % (" ".join(args) or "(whole role)", proc.returncode, elapsed))
    return proc


def sh(lab, member, cmd):
    return lab.member(member).exec(cmd, check=False).stdout


def config_digest(lab, member):
    return hashlib.sha256(sh(lab, member, "cat %s" % CONFIG).encode()).hexdigest()


def main_pid(lab, member):
    return sh(lab, member, "systemctl show -p MainPID --value keepalived").strip()


def holds(lab, member, address, seconds=30):
    """Whether `member` carries `address` on host0 within `seconds` (polled; the time is not asserted)."""
    deadline = time.monotonic() + seconds
    while True:
        if " %s/" % address in sh(lab, member, "ip -br addr show host0"):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with Lab(NAME, members=3) as running:
        proc = converge(running, tmp_path_factory.mktemp("converge"), ROLE_VARS)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
        yield running


def test_install_alone_installs_the_package_and_touches_nothing_else(lab, tmp_path):
    before = config_digest(lab, "node02")
    sh(lab, "node02", "DEBIAN_FRONTEND=noninteractive apt-get remove -y -q keepalived")
    assert "Status: deinstall" in sh(lab, "node02", "dpkg -s keepalived")

    proc = converge(lab, tmp_path, ROLE_VARS, "--tags", "keepalived_vip_install")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert "Status: install ok installed" in sh(lab, "node02", "dpkg -s keepalived")
    # a package change restarts keepalived (the role's rolling restart), here on node02 only
    assert "Restart keepalived on node02" in proc.stdout
    assert sh(lab, "node02", "systemctl is-active keepalived").strip() == "active"
    assert holds(lab, "node02", "192.168.100.101")
    assert CONFIGURE not in proc.stdout and SERVICE not in proc.stdout
    assert config_digest(lab, "node02") == before


def test_configure_alone_writes_what_is_asked_and_reloads(lab, tmp_path):
    pids = {member: main_pid(lab, member) for member in lab.names}
    wanted = dict(ROLE_VARS, keepalived_vip_nftables=True, keepalived_vip_addresses=ROLE_VARS["keepalived_vip_addresses"]
                  + [{"name": "db", "address": "192.168.100.102/24", "preferred": ["node03"]}])

    proc = converge(lab, tmp_path, wanted, "--tags", "keepalived_vip_configure")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert INSTALL not in proc.stdout and SERVICE not in proc.stdout
    for member in lab.names:
        assert "vrrp_instance db {" in sh(lab, member, "cat %s" % CONFIG)
        assert main_pid(lab, member) == pids[member]  # reloaded (SIGHUP), not restarted
        table = sh(lab, member, "nft list table inet keepalived_vip")
        peers = sorted(lab.member(other).ipv4 for other in lab.names if other != member)
        assert "ip saddr { %s } accept" % ", ".join(peers) in table and "drop" in table, table
        assert "keepalived-vip-nftables.conf" in sh(lab, member, "systemctl show -p DropInPaths keepalived")
    assert holds(lab, "node03", "192.168.100.102")  # the reloaded keepalived runs the new instance

    # keepalived validates before anything is replaced: a rejected configuration leaves the running one
    before = {member: config_digest(lab, member) for member in lab.names}
    rejected = converge(lab, tmp_path, dict(wanted, keepalived_vip_global_extra=["no_such_keyword 1"]),
                        "--tags", "keepalived_vip_configure")
    assert rejected.returncode != 0
    assert "failed to validate" in rejected.stdout and "no_such_keyword" in rejected.stdout
    assert {member: config_digest(lab, member) for member in lab.names} == before

    # the VRRP filter goes with the setting: file, drop-in and the loaded table
    proc = converge(lab, tmp_path, dict(wanted, keepalived_vip_nftables=False), "--tags", "keepalived_vip_configure")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    for member in lab.names:
        assert "keepalived_vip" not in sh(lab, member, "nft list tables")
        assert "keepalived-vip-nftables.conf" not in sh(lab, member, "systemctl show -p DropInPaths keepalived")
        assert not sh(lab, member, "ls /etc/keepalived").count("vip-nftables.nft")


def test_service_alone_starts_and_enables_keepalived(lab, tmp_path):
    sh(lab, "node01", "systemctl disable --now keepalived")
    assert sh(lab, "node01", "systemctl is-active keepalived").strip() != "active"
    assert holds(lab, "node02", "192.168.100.100")  # web left the stopped member
    before = config_digest(lab, "node01")

    proc = converge(lab, tmp_path, ROLE_VARS, "--tags", "keepalived_vip_service")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert sh(lab, "node01", "systemctl is-active keepalived").strip() == "active"
    assert sh(lab, "node01", "systemctl is-enabled keepalived").strip() == "enabled"
    assert holds(lab, "node01", "192.168.100.100")  # its first choice comes back (preempt)
    assert INSTALL not in proc.stdout and CONFIGURE not in proc.stdout
    assert config_digest(lab, "node01") == before
