# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timer profiles: the named sets of timer and scheduling settings, rendered by Ansible and checked by the real
keepalived (tests/role/render.yml, as test_render.py)."""

import re

import pytest

from tests.role.test_render import RUNNING, SAMPLE, instance


def global_defs(text):
    match = re.search(r"^global_defs \{\n(.*?)^\}", text, re.M | re.S)
    assert match, text
    return match.group(1)


MINE = {"advert_int": 0.5, "vrrp_version": 3, "garp_master_refresh": 5, "rt_priority": 10, "no_swap": False,
        "rlimit_rttime": 0, "max_auto_priority": 0}
CASES = {
    "default": {"vars": SAMPLE},
    "fast": {"vars": dict(SAMPLE, keepalived_vip_timer_profile="fast")},
    "fastest": {"vars": dict(SAMPLE, keepalived_vip_timer_profile="fastest")},
    "alone-wins": {"vars": dict(SAMPLE, keepalived_vip_timer_profile="fastest", keepalived_vip_rt_priority=0,
                                keepalived_vip_advert_int=0.05, keepalived_vip_max_auto_priority=-1)},
    "mine": {"vars": dict(SAMPLE, keepalived_vip_timer_profile="mine", keepalived_vip_timer_profiles={"mine": MINE})},
    "unknown": {"vars": dict(SAMPLE, keepalived_vip_timer_profile="ludicrous"), "existing": RUNNING},
}


@pytest.fixture(scope="module")
def rendered(render):
    """Every profile case of this file: one ansible-playbook run."""
    return render(CASES)


def rendered_text(rendered, case):
    outcome = rendered.outcomes[case]
    assert not outcome.failed, outcome.__dict__
    return outcome.dest.read_text()


def test_the_default_profile_keeps_whole_second_vrrpv2_and_keepalived_scheduling(rendered):
    text = rendered_text(rendered, "default")
    assert "advert_int 1\n" in instance(text, "web") and "version 2\n" in instance(text, "web")
    assert "vrrp_garp_master_refresh 1\n" in global_defs(text)
    for keyword in ("vrrp_rt_priority", "vrrp_no_swap", "vrrp_rlimit_rttime", "max_auto_priority"):
        assert keyword not in text


@pytest.mark.parametrize("profile, advert", [("fast", "0.2"), ("fastest", "0.1")])
def test_a_fast_profile_sets_subsecond_vrrpv3_and_a_realtime_vrrp_process(rendered, profile, advert):
    text = rendered_text(rendered, profile)
    for name in ("web", "api6"):
        assert f"advert_int {advert}\n" in instance(text, name) and "version 3\n" in instance(text, name)
    defs = global_defs(text)
    assert "vrrp_rt_priority 90\n" in defs and "vrrp_no_swap\n" in defs and "vrrp_rlimit_rttime 10000\n" in defs
    assert "max_auto_priority" not in defs


def test_a_setting_given_alone_wins_over_the_profile(rendered):
    text = rendered_text(rendered, "alone-wins")
    assert "advert_int 0.05\n" in instance(text, "web")
    assert "vrrp_rt_priority" not in text and "vrrp_no_swap\n" in text
    assert "max_auto_priority -1\n" in global_defs(text)


def test_a_profile_of_ones_own_is_used_by_name(rendered):
    text = rendered_text(rendered, "mine")
    assert "advert_int 0.5\n" in instance(text, "web")
    assert "vrrp_rt_priority 10\n" in text and "vrrp_garp_master_refresh 5\n" in text


def test_an_unknown_profile_fails_naming_it_and_the_known_ones(rendered):
    outcome = rendered.outcomes["unknown"]
    assert outcome.failed
    assert "keepalived_vip_timer_profile: no profile named 'ludicrous' (known: default, fast, fastest)" in outcome.msg
    assert outcome.dest.read_text() == RUNNING
