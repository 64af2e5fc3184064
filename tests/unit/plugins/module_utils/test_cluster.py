# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_cluster: the items of the cluster module's addresses, and the role's settings they carry."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.failover.shared_ip.plugins.module_utils import _cluster as cluster_items
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import PlanError
from ansible_collections.failover.shared_ip.plugins.modules import cluster as cluster_module

ROOT = Path(__file__).resolve().parents[4]
FILLED_IN_BY_THE_MODULE = ("name", "address", "preferred")
KEYS = ("type", "elements", "choices", "no_log")


def role_item_options():
    spec = yaml.safe_load((ROOT / "roles" / "keepalived_vip" / "meta" / "argument_specs.yml").read_text())
    return spec["argument_specs"]["main"]["options"]["keepalived_vip_addresses"]["options"]


def essentials(options, keys=KEYS):
    return dict((name, dict((k, o[k]) for k in keys if o.get(k) not in (None, False)))
                for name, o in options.items())


def test_the_role_settings_are_a_copy_of_the_roles_spec():
    """The one source is the role's argument spec: the module's copy names the same settings with the same
    types, elements, choices and no_log, less what the module fills in itself."""
    role = dict((k, v) for k, v in role_item_options().items() if k not in FILLED_IN_BY_THE_MODULE)
    assert essentials(cluster_items.ROLE_SETTINGS) == essentials(role)


def test_the_documentation_lists_every_setting_of_an_item_with_its_type():
    docs = yaml.safe_load(cluster_module.DOCUMENTATION)["options"]["addresses"]["suboptions"]
    keys = ("type", "elements", "choices")
    assert essentials(docs, keys) == essentials(cluster_items.ITEM_SPEC, keys)
    role = role_item_options()
    assert essentials(dict((k, docs[k]) for k in cluster_items.ROLE_SETTINGS), keys) == \
        essentials(dict((k, role[k]) for k in cluster_items.ROLE_SETTINGS), keys)


def test_an_item_is_converted_to_the_types_of_the_spec():
    item = {"name": "web", "router_id": "51", "advert_int": 1, "track": ["http"], "preempt": "no", "version": "6"}
    assert cluster_items.check_item(0, item) == {"name": "web", "router_id": 51, "advert_int": 1.0,
                                                 "track": ["http"], "preempt": False, "version": 6}
    assert cluster_items.role_part(cluster_items.check_item(0, item)) == {
        "router_id": 51, "advert_int": 1.0, "track": ["http"], "preempt": False}


@pytest.mark.parametrize("item, message", [
    ({"name": "web", "trak": ["http"]}, "addresses[1].trak=[http]: no such setting (did you mean track?); an address takes"),
    ({"name": "web", "router_id": "one"}, "addresses[1].router_id=one: must be a whole number (the role's "
                                          "keepalived_vip_addresses[].router_id)"),
    ({"name": "web", "track": {"http": 1}}, "addresses[1].track={'http': 1}: must be a list of strings"),
    ({"name": "web", "vrrp_version": 4}, "addresses[1].vrrp_version=4: must be one of 2, 3"),
    ({"name": "web", "preempt": "maybe"}, "addresses[1].preempt=maybe: must be a boolean"),
    ({"name": "web", "version": 5}, "addresses[1].version=5: must be one of 4, 6"),
    ({"name": "web", "auth_pass": "s3cret", "garp_master_delay": "soon"},
     "addresses[1].garp_master_delay=soon: must be a whole number"),
    ({"name": "web", "auth_pass": "s3cret", "auth_pas": "s3cret"}, "addresses[1].auth_pas=********: no such setting (did you mean auth_pass?)"),
    ("web", "addresses[1]=web: must be a dict"),
])
def test_a_bad_setting_is_refused_by_its_place(item, message):
    with pytest.raises(PlanError, match="^" + re.escape(message)):
        cluster_items.check_items([{"name": "ok"}, item])


def test_a_secret_is_never_shown_in_a_refusal():
    with pytest.raises(PlanError) as err:
        cluster_items.check_items([{"name": "web", "auth_pass": ["s3cret"], "trak": "x"}])
    assert "s3cret" not in str(err.value)


def test_secrets_are_the_auth_pass_values():
    assert cluster_items.secrets([{"name": "a", "auth_pass": "s3cret"}, {"name": "b"}, "junk"]) == ["s3cret"]
