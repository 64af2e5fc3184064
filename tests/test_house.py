"""The map of the house (docs/docsite/rst/house.rst) stays true: imports point one way.

plugins/ imports none of testbed/, tools/, tests/ (it ships alone and runs on controllers and members);
testbed/ imports none of plugins/, tools/, tests/ (the simulator and the lab stand apart from the code they
test); tools/ may import testbed/ and plugins/, never tests/; tests/ may import anything. Every import
statement of every Python file is read with ast, and so is a call of importlib.import_module or __import__
with a literal name.
"""

import ast
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLLECTION = "ansible_collections.failover.shared_ip"
FORBIDDEN = {
    "plugins": {"testbed", "tools", "tests"},
    "testbed": {"plugins", "tools", "tests"},
    "tools": {"tests"},
}


def _area(name):
    """The top-level directory of the repository that a dotted module name points into (None: outside)."""
    if name == COLLECTION or name.startswith(COLLECTION + "."):
        name = name[len(COLLECTION) + 1:]
    top = name.split(".")[0]
    return top if top in ("plugins", "testbed", "tools", "tests") else None


def _imported(tree):
    """(line, dotted name) of every absolute import and every literal dynamic import of a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:  # `from ansible_collections.failover.shared_ip import tools`
                if node.module == COLLECTION:
                    yield node.lineno, f"{COLLECTION}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in ("import_module", "__import__"):
                yield node.lineno, node.args[0].value


def wrong_way_imports(root):
    """Every import under `root` that points the wrong way, as 'path:line: area imports target'."""
    found = []
    for area, forbidden in FORBIDDEN.items():
        for path in sorted((root / area).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            for line, name in _imported(ast.parse(path.read_text(), filename=str(path))):
                target = _area(name)
                if target in forbidden:
                    found.append(f"{path.relative_to(root)}:{line}: {area}/ imports {name} ({target}/)")
    return found


def test_imports_point_one_way():
    assert wrong_way_imports(REPO) == []


# Inside plugins/module_utils: the pure decide step talks to no cloud, and no module's own file reaches for the base.
TALKS_TO_THE_CLOUD = {"_client", "_cloud", "_steps", "_snapshot", "_module", "_http", "_identity", "_retry"}
UTILS_FORBIDDEN = {
    **{pure: TALKS_TO_THE_CLOUD for pure in ("_plan", "_rules", "_resolve", "_contract")},
    **{own: {"_module"} for own in ("_address", "_binding", "_cluster", "_address_info", "_auth")},
}


def module_utils_imported(path):
    """The module_utils files that one module_utils file imports."""
    found = set()
    for _line, name in _imported(ast.parse(path.read_text(), filename=str(path))):
        if ".module_utils" in name:
            found.add(name.rsplit(".", 1)[-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".module_utils"):
            found.update(alias.name for alias in node.names)
    return found


def test_module_utils_imports_point_one_way():
    utils = REPO / "plugins" / "module_utils"
    wrong = {name: sorted(module_utils_imported(utils / f"{name}.py") & forbidden)
             for name, forbidden in UTILS_FORBIDDEN.items()}
    assert {name: found for name, found in wrong.items() if found} == {}


def test_a_pure_file_that_reads_the_cloud_is_caught(tmp_path):
    planted = tmp_path / "_plan.py"
    planted.write_text((REPO / "plugins/module_utils/_plan.py").read_text()
                       + "\nfrom ansible_collections.failover.shared_ip.plugins.module_utils import _cloud\n")
    assert "_cloud" in module_utils_imported(planted) & UTILS_FORBIDDEN["_plan"]


def test_every_area_of_the_map_holds_python_files():
    """A rule about an empty or renamed directory would hold without checking anything."""
    for area in FORBIDDEN:
        assert any((REPO / area).rglob("*.py")), f"{area}/ has no Python file: update the map and this test"


PLANTED = [
    ("plugins/module_utils/_client.py", "from testbed.fakecloud.client import Session",
     "plugins/ imports testbed.fakecloud.client (testbed/)"),
    ("plugins/modules/address.py", "from ansible_collections.failover.shared_ip import tools",
     "plugins/ imports ansible_collections.failover.shared_ip.tools (tools/)"),
    ("testbed/lab/lab.py", "import tests.release.helpers",
     "testbed/ imports tests.release.helpers (tests/)"),
    ("testbed/fakecloud/state.py", "from tools.paths import ROOT",
     "testbed/ imports tools.paths (tools/)"),
    ("testbed/lab/portsec.py", "importlib.import_module('ansible_collections.failover.shared_ip.plugins.filter.vrrp')",
     "testbed/ imports ansible_collections.failover.shared_ip.plugins.filter.vrrp (plugins/)"),
    ("tools/demo.py", "from tests.testbed.fakecloud.helpers import Api",
     "tools/ imports tests.testbed.fakecloud.helpers (tests/)"),
]


def test_planted_wrong_way_imports_are_caught(tmp_path):
    """The check on a copy of the real tree, with one bad import added to the end of six real files."""
    for area in FORBIDDEN:
        shutil.copytree(REPO / area, tmp_path / area, ignore=shutil.ignore_patterns("__pycache__"))
    expected = []
    for where, planted, message in PLANTED:
        target = tmp_path / where
        lines = target.read_text().splitlines()
        target.write_text("\n".join(lines + [planted]) + "\n")
        expected.append(f"{where}:{len(lines) + 1}: {message}")
    assert sorted(wrong_way_imports(tmp_path)) == sorted(expected)
