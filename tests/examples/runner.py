"""Run the EXAMPLES of the modules and the README's snippets as a user would paste them.

A block is taken as written. Around it goes only what a user's own setup holds: the login (RAX_USERNAME,
RAX_API_KEY, RAX_REGION in the environment, rax_username/rax_api_key as variables, and the simulator's
identity_url in the action group's module_defaults) and an inventory whose groups hold the lab's members,
the simulator's servers node01..node03. A block that is a list of tasks becomes one play: on the members
when it uses a member-side module, else on localhost. Each cloud task is run a second time right after
itself, and that second run must report no change.
"""

import ast
import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from testbed.fakecloud.client import DEMO

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "plugins" / "modules"
COLLECTIONS = ROOT / ".build" / "collections"
FQCN = "failover.shared_ip"
GROUP = f"group/{FQCN}.cloud"
CLOUD = {f"{FQCN}.{name}" for name in yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
         ["action_groups"]["cloud"]}
MEMBER_SIDE = {f"{FQCN}.vip_files", f"{FQCN}.vip_status"}
LOGIN_VARS = {"rax_username": DEMO["username"], "rax_api_key": DEMO["api_key"]}


def examples(module):
    """The EXAMPLES text of a module file."""
    tree = ast.parse((MODULES / f"{module}.py").read_text())
    return next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                and getattr(node.targets[0], "id", None) == "EXAMPLES")


def modules_with_examples():
    return sorted(p.stem for p in MODULES.glob("*.py") if not p.stem.startswith("_"))


def _action(task):
    return next((key for key in task if key.startswith(f"{FQCN}.")), None)


def _is_playbook(data):
    return all("hosts" in item or "ansible.builtin.import_playbook" in item for item in data)


def uses_members(data):
    """Whether a block needs member hosts: a play on hosts other than localhost, or a member-side module."""
    text = json.dumps(data)
    if _is_playbook(data) and any(play.get("hosts") != "localhost" for play in data):
        return True
    return any(module in text for module in MEMBER_SIDE)


class _Again:
    """Inserts, after each cloud task, the same task again and an assert that it changed nothing."""

    def __init__(self):
        self.count = 0

    def tasks(self, tasks):
        out = []
        for task in tasks:
            task = dict(task)
            for key in ("block", "rescue", "always"):
                if key in task:
                    task[key] = self.tasks(task[key])
            out.append(task)
            if _action(task) in CLOUD:
                out += self._again(task)
        return out

    def _again(self, task):
        self.count += 1
        var = f"example_again_{self.count}"
        again = {k: copy.deepcopy(v) for k, v in task.items() if k not in ("name", "register")}
        again["name"] = f"Run again: {task.get('name', _action(task))}"
        again["register"] = var
        check = {"name": f"Run again changed nothing: {task.get('name', _action(task))}",
                 "ansible.builtin.assert": {"that": [f"not {var}.changed"],
                                            "fail_msg": f"run again, {task.get('name')} changed: "
                                                        f"{{{{ {var}.diff | default({var}) }}}}"}}
        if "delegate_to" in task:
            check["delegate_to"] = task["delegate_to"]
        return [again, check]


def _identity(module_defaults, identity_url, top):
    """Point the action group at the simulator: inside a login written as a mapping, or at the play's top."""
    module_defaults = dict(module_defaults or {})
    login = module_defaults.get(GROUP)
    if isinstance(login, dict):
        module_defaults[GROUP] = {**login, "identity_url": identity_url}
    elif login is None and top:
        module_defaults[GROUP] = {"identity_url": identity_url}
    return module_defaults


def _blocks_identity(tasks, identity_url):
    for task in tasks:
        if "module_defaults" in task:
            task["module_defaults"] = _identity(task["module_defaults"], identity_url, top=False)
        for key in ("block", "rescue", "always"):
            _blocks_identity(task.get(key, []), identity_url)


def playbook(text, identity_url):
    """The block as a playbook, with the login around it and every cloud task repeated."""
    data = yaml.safe_load(text)
    if not _is_playbook(data):
        member = uses_members(data)
        data = [{"name": "The example", "hosts": "members" if member else "localhost",
                 "gather_facts": False, "tasks": data}]
    again = _Again()
    plays = []
    for play in data:
        play = dict(play)
        play["module_defaults"] = _identity(play.get("module_defaults"), identity_url, top=True)
        for key in ("pre_tasks", "tasks", "post_tasks", "handlers"):
            if key in play:
                _blocks_identity(play[key], identity_url)
                if key != "handlers":
                    play[key] = again.tasks(play[key])
        plays.append(play)
    return plays


def inventory(path, groups, interface=None, lab_inventory=None):
    """An inventory of localhost and, when a lab is given, its members as the groups `groups`."""
    data = {"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                            "ansible_python_interpreter": sys.executable}},
                    "children": {}}}
    for group in groups:
        data["all"]["children"][group] = {"children": {"members": {}}}
    if interface:
        data["all"]["children"]["members"] = {"vars": {"keepalived_vip_interface": interface}}
    path.write_text(yaml.safe_dump(data))
    return [lab_inventory, path] if lab_inventory else [path]


def play_groups(text):
    """Host patterns of the plays of a block, other than localhost and members."""
    data = yaml.safe_load(text)
    if not _is_playbook(data):
        return []
    return sorted({p["hosts"] for p in data if p["hosts"] not in ("localhost", "members", "all")})


def env(extra=None):
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    run_env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_HOST_KEY_CHECKING="False",
                   ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="False",
                   RAX_USERNAME=DEMO["username"], RAX_API_KEY=DEMO["api_key"], RAX_REGION=DEMO["region"],
                   PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    run_env.update(extra or {})
    return run_env


def run_playbook(plays, workdir, inventories, extra_vars=None, timeout=900):
    """ansible-playbook on `plays` (a list); the CompletedProcess."""
    path = workdir / "example.yml"
    path.write_text(yaml.safe_dump(plays, sort_keys=False))
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(path)]
    for inv in inventories:
        cmd += ["-i", str(inv)]
    cmd += ["-e", json.dumps({**LOGIN_VARS, **(extra_vars or {})})]
    return subprocess.run(cmd, cwd=workdir, env=env(), capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)


def failures(stdout):
    """The lines of a run that say what failed."""
    return "\n".join(line for line in stdout.splitlines() if re.match(r"^(fatal|failed):", line)) or stdout[-3000:]
