# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""defaults/main.yml, meta/argument_specs.yml and README.md describe the same variables."""

import pathlib
import re

import pytest
import yaml

from ansible_collections.failover.shared_ip.plugins.module_utils import _vrrp_fields as fields

ROLE = pathlib.Path(__file__).resolve().parents[2] / "roles" / "keepalived_vip"


def defaults():
    return yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())


def specs():
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]


def test_every_default_is_documented_in_the_main_spec():
    options = specs()["main"]["options"]
    assert sorted(set(defaults()) - set(options)) == []
    assert sorted(set(options) - set(defaults())) == []


@pytest.mark.parametrize("name", sorted(defaults()))
def test_spec_default_matches_the_default(name):
    option = specs()["main"]["options"][name]
    value = defaults()[name]
    if isinstance(value, str) and "{{" in value:
        assert "default" not in option, "%s: a templated default is documented in the description" % name
    else:
        assert option.get("default") == value, name
    assert option.get("description"), name


@pytest.mark.parametrize("entry", ["drain", "undrain", "move"])
def test_other_entry_points_accept_the_same_variables(entry):
    assert set(specs()["main"]["options"]) <= set(specs()[entry]["options"])


def test_readme_documents_every_variable_with_its_default():
    readme = (ROLE / "README.md").read_text()
    for name, value in defaults().items():
        section = re.search(r"^### %s\n\n```yaml\n(.*?)\n```\n\n(\S.*?)\n\n" % re.escape(name), readme, re.M | re.S)
        assert section, "README.md: no section for %s (heading, default in a code block, a paragraph)" % name
        assert yaml.safe_load(section.group(1)) == {name: value}, name


def test_secrets_are_no_log():
    options = specs()["main"]["options"]
    assert options["keepalived_vip_auth_pass"]["no_log"] is True
    assert options["keepalived_vip_addresses"]["options"]["auth_pass"]["no_log"] is True


def test_a_checks_documented_defaults_are_the_ones_preflight_fills_in():
    documented = dict((key, option["default"]) for key, option in
                      specs()["main"]["options"]["keepalived_vip_checks"]["options"].items() if "default" in option)
    filled = dict(weight=fields.DEFAULT_WEIGHT)
    for kind_defaults in fields.CHECK_DEFAULTS.values():
        filled.update(kind_defaults)
    assert documented == filled
