"""The module pages in docs/modules are generated from the modules' own documentation."""

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


def test_options_show_type_requirement_choices_default_and_suboptions(page):
    assert "| `servers` | `list` of `str`<br>**required** |" in page
    assert 'choices: `present`, `absent`<br>default: `"present"`' in page
    assert "| `members.name` |" in page
    assert "| `shared_ip.address` |" in page


def test_a_pipe_inside_a_description_does_not_break_the_table(page):
    row = next(line for line in page.splitlines() if line.startswith("| `state` |"))
    assert row.endswith("| Wanted: `present\\|absent`. |")


def test_examples_are_kept_verbatim(page):
    assert "```yaml\n- name: Share it\n  failover.shared_ip.address:\n    name: web\n```" in page


@pytest.mark.skipif(not gendocs.module_names(), reason="no modules in plugins/modules yet")
def test_committed_pages_match_the_modules():
    """Fails when a module's documentation changed and `python -m tools.gendocs` was not run."""
    assert gendocs.main(["--check"]) == 0
