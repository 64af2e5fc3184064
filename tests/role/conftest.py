# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role-level tests that need no containers: they run ansible-playbook on localhost."""

import json
import os
import pathlib
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
ROLE = REPO / "roles" / "keepalived_vip"
HERE = pathlib.Path(__file__).resolve().parent


def _playbook_bin():
    candidate = pathlib.Path(sys.executable).with_name("ansible-playbook")
    return str(candidate) if candidate.exists() else shutil.which("ansible-playbook")


@pytest.fixture(scope="session")
def render(tmp_path_factory):
    """render(cases, extra_vars=None) -> SimpleNamespace(stdout, outcomes): every case rendered by
    tests/role/render.yml on localhost, one play per case, in one ansible-playbook run (each run costs
    seconds; a case, a fraction of one).

    `cases` maps a name to {"vars": the role's input, "existing": the text already in the destination, or
    None}; the case's input is its play's vars. `extra_vars` go to the whole run (for what must reach
    every host's hostvars, as the inventory's own variables do). outcomes[name] has `failed`, and when
    failed the `task` it stopped at and that task's `msg`; `dest` is the case's destination file."""

    def run(cases, extra_vars=None):
        workdir = tmp_path_factory.mktemp("render")
        plays, outcomes = [], {}
        for number, (name, case) in enumerate(cases.items(), 1):
            case_dir = workdir / ("case-%d" % number)
            (case_dir / "state").mkdir(parents=True)
            dest = case_dir / "keepalived.conf"
            if case.get("existing") is not None:
                dest.write_text(case["existing"])
            outcomes[name] = SimpleNamespace(dest=dest)
            plays.append({
                "name": "Render case %s" % name, "hosts": "localhost", "gather_facts": False,
                "vars": dict(case["vars"], render_role=str(ROLE), render_dest=str(dest),
                             render_case=name, keepalived_vip_state_dir=str(case_dir / "state")),
                "tasks": [{"name": "Render", "ansible.builtin.import_tasks": str(HERE / "render.yml")}],
            })
        recorded = workdir / "outcomes.json"
        plays.append({"name": "Keep the outcomes for the test", "hosts": "localhost", "gather_facts": False, "tasks": [
            {"name": "Write them", "ansible.builtin.copy": {"content": "{{ render_outcomes | to_json }}",
                                                            "dest": str(recorded), "mode": "0600"}}]})
        playbook = workdir / "render-cases.yml"
        playbook.write_text(json.dumps(plays))
        cmd = [_playbook_bin(), "-i", str(HERE / "inventory.yml"), str(playbook)]
        if extra_vars:
            (workdir / "extra.json").write_text(json.dumps(extra_vars))
            cmd += ["-e", "@%s" % (workdir / "extra.json")]
        env = dict(os.environ,
                   ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"),
                   ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
                   ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(REPO), timeout=600, check=False)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        written = json.loads(recorded.read_text())
        assert sorted(written) == sorted(outcomes), result.stdout[-4000:]
        for name, outcome in outcomes.items():
            outcome.__dict__.update(written[name])
        return SimpleNamespace(stdout=result.stdout, outcomes=outcomes)

    if shutil.which("keepalived") is None:
        pytest.fail("keepalived is not installed (make deps installs it): the role's template is checked by it")
    return run
