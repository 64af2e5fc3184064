"""The module pages in docs/modules are generated from the modules' own documentation."""

import re

import pytest

from tools import gendocs

ENTRY = {
    "doc": {
        "short_description": "Declare a shared IP",
        "description": ["Allocates O(address) on V(cluster-net).", "Second paragraph with C(a|b)."],
        "options": {
            "servers": {"type": "list", "elements": "str", "required": True, "description": "Members, see RV(shared_ip)."},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present", "description": "Wanted: C(present|absent)."},
            "members": {"type": "list", "description": "Nested.", "suboptions": {
                "name": {"type": "str", "description": "The server's name."}}},
            "auth_token": {"type": "str", "aliases": ["token"], "env": [{"name": "RAX_AUTH_TOKEN"}],
                           "description": "As returned by M(failover.shared_ip.auth) in "
                                          "RV(failover.shared_ip.auth#module:auth_token); see also "
                                          "O(failover.shared_ip.binding#module:name) and M(ansible.builtin.uri)."},
        },
        "attributes": {"check_mode": {"support": "full", "description": "Can run in check mode."}},
    },
    "examples": "- name: Share it\n  failover.shared_ip.address:\n    name: web\n",
    "return": {"shared_ip": {"type": "dict", "returned": "always", "description": "The address.",
                             "sample": {"address": "192.168.100.100"},
                             "contains": {"address": {"type": "str", "returned": "always", "description": "IP."}}}},
}


@pytest.fixture(scope="module")
def page():
    return gendocs.render("failover.shared_ip.address", ENTRY)


def test_page_has_the_sections_a_reader_looks_for(page):
    for heading in ("# failover.shared_ip.address", "## Synopsis", "## Options", "## Attributes", "## Examples",
                    "## Return values"):
        assert heading + "\n" in page


def test_markup_becomes_readable_markdown(page):
    assert "Allocates `address` on `cluster-net`." in page
    assert "see `shared_ip`" in page


def test_options_have_a_column_each_for_type_required_and_default(page):
    assert "| Option | Type | Required | Default | Description |" in page
    assert "Facts" not in page
    assert "| `servers` | `list` of `str` | yes |  | Members, see `shared_ip`. |" in page
    assert '| `state` | `str` |  | `"present"` | Wanted: `present\\|absent`.<br>Choices: `present`, `absent`. |' in page
    assert "| `members.name` | `str` |  |  |" in page
    assert "| `shared_ip.address` |" in page


def test_aliases_go_with_the_option_and_environment_variables_with_the_description(page):
    row = next(line for line in page.splitlines() if line.startswith("| `auth_token`"))
    assert row.startswith("| `auth_token`<br>aliases: `token` | `str` |  |  |")
    assert row.endswith("<br>Environment: `RAX_AUTH_TOKEN`. |")


def test_another_module_is_named_once_and_linked(page):
    row = next(line for line in page.splitlines() if line.startswith("| `auth_token`"))
    assert "As returned by [`failover.shared_ip.auth`](auth.md) in [`auth_token`](auth.md#return-values)" in row
    assert "see also [`name`](binding.md#options)" in row
    assert "`ansible.builtin.uri`" in row and "(of module" not in page


def test_a_pipe_inside_a_description_does_not_break_the_table(page):
    row = next(line for line in page.splitlines() if line.startswith("| `state` |"))
    cells = re.split(r"(?<!\\)\|", row)[1:-1]
    assert len(cells) == 5, cells
    assert cells[4].strip().startswith("Wanted: `present\\|absent`.")


def test_examples_are_kept_verbatim(page):
    assert "```yaml\n- name: Share it\n  failover.shared_ip.address:\n    name: web\n```" in page


@pytest.mark.skipif(not gendocs.module_names(), reason="no modules in plugins/modules yet")
def test_committed_pages_match_the_modules():
    """Fails when a module's documentation changed and `python -m tools.gendocs` was not run."""
    assert gendocs.main(["--check"]) == 0
