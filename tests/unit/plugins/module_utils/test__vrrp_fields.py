# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-field validators of the keepalived_vip input: a value in, (normalised value, errors) out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils import _vrrp_fields as fields

W = "keepalived_vip_addresses[0]"


@pytest.mark.parametrize("value, normalised", [
    ("192.0.2.1", {"ip": "192.0.2.1", "family": "ipv4", "prefix": 32, "address": "192.0.2.1/32"}),
    (" 192.0.2.1/24 ", {"ip": "192.0.2.1", "family": "ipv4", "prefix": 24, "address": "192.0.2.1/24"}),
    ("fd00::1/64", {"ip": "fd00::1", "family": "ipv6", "prefix": 64, "address": "fd00::1/64"}),
])
def test_address_parses(value, normalised):
    assert fields.address(W, value, "web") == (normalised, [])


@pytest.mark.parametrize("value", ["192.0.2.300", "", None, "web", "fd00::1/129"])
def test_address_rejects(value):
    parsed, errors = fields.address(W, value, "web")
    assert parsed["ip"] is None
    assert errors == ["%s.address: %r (web) is not an IPv4 or IPv6 address" % (W, value)]


@pytest.mark.parametrize("value, result", [(None, (None, [])), (7, (7, [])), ("255", (255, []))])
def test_router_id_accepts(value, result):
    assert fields.router_id(W, value, "web") == result


@pytest.mark.parametrize("value", [0, 256, "x", -3])
def test_router_id_rejects(value):
    assert fields.router_id(W, value, "web") == (-1, ["%s.router_id: %r (web) must be an integer in 1..255" % (W, value)])


@pytest.mark.parametrize("advert, configured, family, version", [
    (1, 2, "ipv4", 2), (1, 3, "ipv4", 3), (0.5, 2, "ipv4", 3), (2.5, 2, "ipv4", 3), (1, 2, "ipv6", 3),
])
def test_vrrp_version(advert, configured, family, version):
    assert fields.vrrp_version(W, advert, configured, family, "web") == (version, [])


def test_vrrp_version_needs_a_number():
    assert fields.vrrp_version(W, "fast", 2, "ipv4", "web")[1] == ["%s.advert_int: 'fast' (web) is not a number" % W]


def test_preferred_and_track_name_what_is_wrong():
    assert fields.preferred(W, ["a", "x", "a"], "web", ["a", "b"])[1] == [
        "%s.preferred: 'x' (web) is not a member (keepalived_vip_members: a, b)" % W,
        "%s.preferred: ['a', 'x', 'a'] (web) lists a host twice" % W]
    assert fields.track(W, ["ok", "nope"], "web", {"ok"}) == (
        ["ok", "nope"], ["%s.track: 'nope' (web) is not a check defined in keepalived_vip_checks" % W])


def test_members_and_membership():
    assert fields.members(["a", "b"]) == (["a", "b"], [])
    assert fields.members([]) == ([], ["keepalived_vip_members: the member list is empty"])
    assert fields.membership("c", ["a", "b"]) == ["keepalived_vip_members: this host c is not a member (a, b)"]
    assert fields.membership(None, ["a"]) == []


def test_a_check_nobody_tracks_is_named_by_its_index():
    checks = [{"name": "alive"}, {"name": "haproxy"}, {"name": None}]
    assert fields.untracked(checks, {"alive"}) == [
        "keepalived_vip_checks[1].name: check 'haproxy' is tracked by no address (add it to the track list of an "
        "item of keepalived_vip_addresses, or remove it)"]
    assert fields.untracked(checks[:1], {"alive"}) == []


def test_a_missing_interface_is_named_per_member_with_the_ones_it_has():
    sources = {"node01": {"ipv4": [], "ipv6": [], "missing_interface": "eth1", "interfaces": ["host0", "lo"]},
               "node02": {"ipv4": ["10.0.0.2"], "ipv6": []},
               "node03": "10.0.0.3"}
    assert fields.interfaces(["node01", "node02", "node03"], sources) == [
        "keepalived_vip_interface: eth1 does not exist on member node01 (its interfaces: host0, lo)"]
    assert fields.missing_interface(sources["node01"]) == "eth1"
    assert fields.missing_interface(sources["node03"]) is None
