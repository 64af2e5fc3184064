# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived.conf.j2 rendered by Ansible for sample clusters and checked by the real keepalived.

The sample cluster is this machine plus two peers that exist only as
addresses (tests/role/inventory.yml); nothing is sent anywhere and no daemon
starts: keepalived only runs --config-test, through the role's validate
command (__keepalived_vip_config_test) and vip_files, exactly as tasks/configure.yml does.
"""

import re
import subprocess

import pytest

MEMBERS = ["localhost", "peer1", "peer2"]
CHECKS = [
    {"name": "haproxy", "type": "process", "process": "haproxy"},
    {"name": "alive", "type": "script", "script": "/bin/true", "timeout": 1},
    {"name": "nic", "type": "interface", "interface": "ifb0"},
    {"name": "flag", "type": "file", "file": "/tmp/keepalived-vip-test-flag", "weight": -100},
    {"name": "gateway", "type": "bfd", "neighbor": "192.0.2.1"},
]
ADDRESSES = [
    {"name": "web", "address": "192.0.2.100", "preferred": ["localhost"], "track": ["haproxy", "alive"],
     "auth_pass": "s3cret"},
    {"name": "api", "address": "192.0.2.101/24", "preempt": False, "garp_master_refresh": 10, "track": ["gateway"]},
    {"name": "api6", "address": "fd00::100", "preferred": ["peer1"], "track": ["nic", "flag"]},
]
SAMPLE = {
    "keepalived_vip_members": MEMBERS,
    "keepalived_vip_interface": "eth0",
    "keepalived_vip_script_user": "nobody",
    "keepalived_vip_addresses": ADDRESSES,
    "keepalived_vip_checks": CHECKS,
}


def instance(text, name):
    match = re.search(r"^vrrp_instance %s \{\n(.*?)^\}" % re.escape(name), text, re.M | re.S)
    assert match, "no vrrp_instance %s in:\n%s" % (name, text)
    return match.group(1)


def keepalived_version():
    out = subprocess.run(["keepalived", "--version"], capture_output=True, text=True, check=False)
    return tuple(int(part) for part in re.search(r"v(\d+)\.(\d+)\.(\d+)", out.stderr + out.stdout).groups())


RUNNING = "# the running configuration\n"

BAD_INPUTS = {
    "router-id": ({"keepalived_vip_addresses": ADDRESSES[:2] + [
        dict(ADDRESSES[0], name="web2", router_id=7), dict(ADDRESSES[1], name="api2", address="192.0.2.102", router_id=7)]},
        "keepalived_vip_addresses[3].router_id: 7 (api2) is already used on interface eth0 by web2"),
    "address": ({"keepalived_vip_addresses": [{"name": "web", "address": "192.0.2.300"}]},
                "keepalived_vip_addresses[0].address: '192.0.2.300' (web) is not an IPv4 or IPv6 address"),
    "preferred": ({"keepalived_vip_addresses": [{"name": "web", "address": "192.0.2.100", "preferred": ["node09"]}]},
                  "keepalived_vip_addresses[0].preferred: 'node09' (web) is not a member "
                  "(keepalived_vip_members: localhost, peer1, peer2)"),
    "password": ({"keepalived_vip_addresses": [{"name": "web", "address": "192.0.2.100", "auth_pass": "much-too-long"}]},
                 "auth_pass of web: 1 to 8 printable ASCII characters without spaces (value not shown)"),
    "not-a-member": ({"keepalived_vip_members": ["peer1", "peer2"]},
                     "keepalived_vip_members: this host localhost is not a member (peer1, peer2)"),
    "bfd-neighbor": ({"keepalived_vip_checks": CHECKS[:4] + [dict(CHECKS[4], neighbor="192.0.2.1/24")]},
                     "keepalived_vip_checks[4].neighbor: '192.0.2.1/24' (gateway) is not an IP address"),
    "untracked-check": ({"keepalived_vip_checks": CHECKS + [{"name": "spare", "type": "process", "process": "sshd"}]},
                        "keepalived_vip_checks[5].name: check 'spare' is tracked by no address (add it to the track "
                        "list of an item of keepalived_vip_addresses, or remove it)"),
}


@pytest.fixture(scope="module")
def rendered(render):
    """The sample, a configuration keepalived rejects, and every bad input: one ansible-playbook run."""
    cases = {"sample": {"vars": SAMPLE},
             "rejected": {"vars": dict(SAMPLE, keepalived_vip_instance_extra=["no_such_keyword 1"]), "existing": RUNNING}}
    cases.update(("bad-" + name, {"vars": dict(SAMPLE, **override), "existing": RUNNING})
                 for name, (override, _message) in BAD_INPUTS.items())
    return render(cases)


def test_sample_cluster_renders_and_passes_keepalived_config_test(rendered):
    outcome = rendered.outcomes["sample"]
    assert not outcome.failed, outcome.__dict__
    dest = outcome.dest
    text = dest.read_text()
    assert text.startswith("#\n# Ansible managed")
    assert "script_user nobody" in text  # written as asked; only the validation copy runs scripts as root
    assert "vrrp_garp_master_refresh 1\n" in text and "vrrp_gna_interval 0.01" in text

    web, api, api6 = (instance(text, name) for name in ("web", "api", "api6"))
    assert "priority 254" in web  # first choice of localhost
    assert "priority 239" in api6  # peer1 first (254), then peer2 (249: 1 s adverts), then localhost
    assert re.search(r"unicast_src_ip 192\.0\.2\.2\n\s+unicast_peer \{\n\s+192\.0\.2\.3\n\s+192\.0\.2\.4\n", web)
    assert re.search(r"unicast_src_ip fd00::2\n\s+unicast_peer \{\n\s+fd00::3\n\s+fd00::4\n", api6)
    assert "version 3" in api6 and "version 2" in web
    assert "auth_pass s3cret" in web and "authentication" not in api and "authentication" not in api6
    assert "nopreempt" in api and "nopreempt" not in web
    assert "garp_master_refresh 10" in api and "garp_master_refresh" not in web
    assert "192.0.2.100/32 dev eth0" in web and "192.0.2.101/24 dev eth0" in api and "fd00::100/128 dev eth0" in api6
    assert re.search(r"track_script \{\n\s+alive\n", web) and re.search(r"track_process \{\n\s+haproxy\n", web)
    assert "ifb0 weight -253" in api6 and "track_script" not in api6
    for body, name in ((web, "web"), (api, "api"), (api6, "api6")):
        assert "vip_drain weight -253" in body and "vip_offset_%s weight 1" % name in body
        assert re.search(r"track_file vip_offset_%s \{\n\s+file \S+/%s.offset\"\n\s+init_file 0\n\}" % (name, name), text)
        assert "vip_handover_%s weight 1" % name in body
        assert re.search(r"track_file vip_handover_%s \{\n\s+file \S+/%s.handover\"\n\s+init_file 0\n\}" % (name, name), text)
    # priority changes reach the hand-over script (run as root: it writes the handover files)
    assert re.search(r"vrrp_notify_fifo /\S+\n\s+vrrp_notify_fifo_script /\S+/handover root\n\s+"
                     r"vrrp_notify_priority_changes true\n", text)
    assert re.search(r"track_file flag \{\n\s+file \"/tmp/keepalived-vip-test-flag\"\n\s+weight -100\n", text)
    # a BFD session to the clients' side, with the role's defaults: down after 3 x 50 ms of silence
    assert re.search(r"bfd_instance gateway \{\n\s+neighbor_ip 192\.0\.2\.1\n\s+min_rx 50\n\s+min_tx 50\n\s+"
                     r"multiplier 3\n\s+weight -253\n\s+vrrp\n\}", text)
    assert re.search(r"track_bfd \{\n\s+gateway\n\s+\}", api) and "track_bfd" not in web
    router_ids = re.findall(r"virtual_router_id (\d+)", text)
    assert len(set(router_ids)) == 3
    # keywords by version (2.2.7 on Debian 12 has both)
    version = keepalived_version()
    assert ("check_unicast_src" in web) == (version >= (2, 1, 0))
    assert ("unicast_fault_no_peer" in web) == (version >= (2, 2, 5))
    # the password makes the file private (mode set by configure.yml; here the render keeps 0600)
    assert dest.stat().st_mode & 0o077 == 0


def test_a_config_keepalived_rejects_never_replaces_the_old_one(rendered):
    outcome = rendered.outcomes["rejected"]
    assert outcome.failed and outcome.task == "Render and validate like tasks/configure.yml"
    assert "failed to validate" in outcome.msg
    assert "Unknown keyword 'no_such_keyword'" in outcome.msg
    assert outcome.dest.read_text() == RUNNING


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_stops_in_preflight_before_any_change(rendered, case):
    outcome, message = rendered.outcomes["bad-" + case], BAD_INPUTS[case][1]
    assert outcome.failed
    assert outcome.task == "Check the input"  # stopped in preflight, before rendering
    assert message in outcome.msg
    assert "much-too-long" not in outcome.msg and "much-too-long" not in rendered.stdout
    assert outcome.dest.read_text() == RUNNING


def test_an_interface_this_member_lacks_is_named_with_the_ones_it_has(render):
    """localhost's own facts (gathered by preflight) hold no interface nosuch0; the peers have no facts at all and
    keep the hint to set their unicast source (keepalived_vip_unicast_src={} for every host: an extra var)."""
    run = render({"nosuch0": {"vars": dict(SAMPLE, keepalived_vip_interface="nosuch0"), "existing": RUNNING}},
                 extra_vars={"keepalived_vip_unicast_src": {}})
    outcome = run.outcomes["nosuch0"]
    assert outcome.failed and outcome.task == "Check the input"
    found = re.search(r"keepalived_vip_interface: nosuch0 does not exist on member localhost \(its interfaces: ([^)]*)\)",
                      outcome.msg)
    assert found, outcome.msg
    assert "lo" in found.group(1).split(", ")
    assert "member localhost has no IPv4 unicast source" not in outcome.msg
    assert "member peer1 has no IPv4 unicast source on nosuch0 (set keepalived_vip_unicast_src for it)" in outcome.msg
    assert outcome.dest.read_text() == RUNNING
