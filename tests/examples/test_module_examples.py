"""Every EXAMPLES block of every module runs as written, against the simulator's default fixture.

Blocks for the controller alone run here; blocks with plays for members run on a lab whose members are
the fixture's servers node01..node03 (root). Each cloud task is run again right after itself and must
change nothing (tests/examples/runner.py says what goes around a block).
"""

import os

import pytest
import yaml

from testbed.fakecloud.client import simulator
from tests.examples import runner

BLOCKS = {module: runner.examples(module) for module in runner.modules_with_examples()}
CONTROLLER = sorted(m for m, text in BLOCKS.items() if not runner.uses_members(yaml.safe_load(text)))
MEMBERS = sorted(m for m, text in BLOCKS.items() if runner.uses_members(yaml.safe_load(text)))
# The member-side modules report on and write next to what the role set up: their blocks run after the
# cluster block gave the members the role.
ROLE_FIRST = ["cluster"] + [m for m in MEMBERS if m != "cluster"]
LAB_NAME = os.environ.get("FSIP_EXAMPLES_LAB", "examples")


def test_every_module_has_examples():
    assert sorted(BLOCKS) == runner.modules_with_examples() and all(t.strip() for t in BLOCKS.values())
    assert set(CONTROLLER) | set(MEMBERS) == set(BLOCKS)


@pytest.fixture(scope="module")
def sim():
    with simulator() as cloud:
        yield cloud


@pytest.mark.parametrize("module", CONTROLLER)
def test_controller_example_runs_as_written_and_again_changes_nothing(module, sim, tmp_path):
    sim.reset_state()
    plays = runner.playbook(BLOCKS[module], sim.identity_url)
    proc = runner.run_playbook(plays, tmp_path, runner.inventory(tmp_path / "inventory.yml", []))
    assert proc.returncode == 0, runner.failures(proc.stdout)
    assert "Run again changed nothing" in proc.stdout


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the lab needs root")
    from testbed.lab import Lab

    workdir = tmp_path_factory.mktemp("examples-lab")
    with simulator(log_path=str(workdir / "fakecloud.log")) as cloud:
        members = Lab(LAB_NAME, members=3, log=lambda text: None, cloud=cloud.url)
        try:
            members.up()
            yield cloud, members, {}
        finally:
            members.down()


@pytest.mark.lab
@pytest.mark.slow
@pytest.mark.parametrize("module", ROLE_FIRST)
def test_member_example_runs_as_written_on_the_lab(module, lab, tmp_path):
    cloud, members, done = lab
    if module != "cluster" and "cluster" not in done:
        pytest.skip("runs after the cluster example (the role on the members)")
    cloud.reset_state()
    text = BLOCKS[module]
    plays = runner.playbook(text, cloud.identity_url)
    inventories = runner.inventory(tmp_path / "groups.yml", runner.play_groups(text), interface="host0",
                                   lab_inventory=members.inventory)
    proc = runner.run_playbook(plays, tmp_path, inventories)
    assert proc.returncode == 0, runner.failures(proc.stdout)
    done[module] = True
