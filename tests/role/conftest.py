# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role-level tests that need no containers: they run ansible-playbook on localhost."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
ROLE = REPO / "roles" / "keepalived_vip"
HERE = pathlib.Path(__file__).resolve().parent


def _playbook_bin():
    candidate = pathlib.Path(sys.executable).with_name("ansible-playbook")
    return str(candidate) if candidate.exists() else shutil.which("ansible-playbook")


@pytest.fixture
def render(tmp_path):
    """render(extra_vars) -> (CompletedProcess, dest path): tests/role/render.yml on localhost."""

    def run(extra_vars, dest=None):
        dest = dest or tmp_path / "keepalived.conf"
        state_dir = tmp_path / "state"
        state_dir.mkdir(exist_ok=True)
        extra = dict(dict(render_role=str(ROLE), render_dest=str(dest), keepalived_vip_state_dir=str(state_dir)),
                     **extra_vars)
        vars_file = tmp_path / "vars.json"
        vars_file.write_text(json.dumps(extra))
        env = dict(os.environ,
                   ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"),
                   ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
                   ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
        result = subprocess.run(
            [_playbook_bin(), "-i", str(HERE / "inventory.yml"), str(HERE / "render.yml"), "-e", "@%s" % vars_file],
            capture_output=True, text=True, env=env, cwd=str(REPO), timeout=300, check=False)
        return result, dest

    if shutil.which("keepalived") is None:
        pytest.fail("keepalived is not installed (make deps installs it): the role's template is checked by it")
    return run
