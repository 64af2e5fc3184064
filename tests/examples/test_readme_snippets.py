"""The README's snippets a user would paste, run as written.

- "Try it in two minutes": every command block, in order, in one shell, in a copy of the checkout. Only the
  first block (clone, venv, pip) is replaced by the copy and this venv, and the simulator's port 8900 by a
  free one. Then the playbook's claim: a second run of the cloud half changes nothing.
- "Using it on a real account": the group_vars block is the cluster of an inventory whose cloud half runs
  against the simulator (the members cannot be reached: `--tags cloud` must not touch them).
- "Install": the ansible-doc commands.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from testbed.fakecloud.client import Control, simulator
from tests.examples import runner

README = runner.ROOT / "README.md"
TRY_IT = "## Try it in two minutes"


def section(heading):
    text = README.read_text()
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:end if end > 0 else None]


def blocks(text, lang=""):
    """The fenced blocks of `text` with that language tag ("" for none), dedented (list items indent them)."""
    found, current, indent, tag = [], None, "", None
    for line in text.splitlines():
        fence = re.match(r"^(\s*)```(\S*)\s*$", line)
        if fence and current is None:
            current, indent, tag = [], fence.group(1), fence.group(2)
        elif fence and current is not None:
            if tag == lang:
                found.append("".join(l[len(indent):] + "\n" for l in current))
            current = None
        elif current is not None:
            current.append(line)
    return found


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _copy_of_checkout(dest):
    shutil.copytree(runner.ROOT, dest, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", ".venv", ".build", ".lab", ".pytest_cache", "__pycache__"))
    return dest


def _bash(script, cwd, env=None, timeout=600):
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False, env=env)


def _clean_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "RAX_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_NOCOLOR"] = "1"
    return env


def test_the_try_it_section_runs_from_a_copy_of_the_checkout(tmp_path):
    commands = blocks(section(TRY_IT))
    assert len(commands) >= 4 and commands[0].startswith("git clone"), commands
    port = str(_free_port())
    script = "\n".join(commands[1:]).replace("8900", port)
    again = f"ansible-playbook -i examples/inventory failover.shared_ip.site --tags cloud " \
            f"-e shared_ip_identity_url=http://127.0.0.1:{port}/v2.0\n"
    assert script.count("kill %1") == 1, script
    script = script.replace("kill %1", again + "kill %1")
    copy = _copy_of_checkout(tmp_path / "failover.shared_ip")
    proc = _bash(script, copy, env=_clean_env())
    out = proc.stdout
    assert proc.returncode == 0, out[-4000:] + proc.stderr[-2000:]
    listings = [{line.split()[0]: line for line in chunk.splitlines()[2:12]}
                for chunk in out.split("account demo, region DFW, 10 servers")[1:]]
    assert len(listings) == 2, out
    assert sorted(listings[0]) == [f"node{n:02d}" for n in range(1, 11)], listings[0]
    assert "192.168.100.100" not in "".join(listings[0].values())
    assert "192.168.100.100" in listings[1]["node03"] and "192.168.100.101" in listings[1]["node03"], listings[1]
    assert "localhost | CHANGED" in out, out[-4000:]
    recaps = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", out, re.M)
    assert recaps == [("localhost", "1"), ("localhost", "0")], recaps


def test_the_real_account_group_vars_block_declares_its_cluster(tmp_path):
    (group_vars,) = blocks(section("## Using it on a real account"), "yaml")
    inventory = tmp_path / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "group_vars" / "all.yml").write_text(group_vars)
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"members": {
        "vars": {"ansible_host": "127.0.0.1", "ansible_port": 1},
        "hosts": {"node01": None, "node02": None, "node03": None}}}))
    with simulator() as cloud:
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), "failover.shared_ip.site",
             "--tags", "cloud", "-e", f"shared_ip_identity_url={cloud.identity_url}"],
            cwd=tmp_path, env=runner.env(), capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, runner.failures(proc.stdout)
        shared = Control(cloud.url).session().get("network", "/ip_addresses", type="shared")["ip_addresses"]
    assert [ip["address"] for ip in shared] == ["192.168.100.100"]
    assert re.findall(r"^(\S+)\s+: ok=", proc.stdout, re.M) == ["localhost"]


@pytest.mark.parametrize("command", [line for block in blocks(section("## Install"))
                                     for line in block.splitlines() if line.startswith("ansible-doc ")])
def test_the_install_sections_doc_commands_run(command, tmp_path):
    proc = _bash(command, tmp_path, env=runner.env())
    assert proc.returncode == 0, proc.stderr
    assert "failover.shared_ip" in proc.stdout
