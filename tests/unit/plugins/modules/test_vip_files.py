# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vip_files on real files in a temporary directory: one call, every path, validate before replace."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import json
import os
import pwd
import shutil
import subprocess

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.failover.shared_ip.plugins.modules import vip_files

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None

ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name


def run(paths, capsys, check_mode=False):
    if patch_module_args is None:
        pytest.skip("needs ansible.module_utils.testing.patch_module_args")
    args = {"paths": [dict({"owner": ME, "group": MY_GROUP}, **item) for item in paths]}
    if check_mode:
        args["_ansible_check_mode"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            vip_files.main()
    return json.loads(capsys.readouterr().out)


def mode(path):
    return oct(os.stat(str(path)).st_mode & 0o7777)


def test_writes_every_path_once_then_nothing(tmp_path, capsys):
    paths = [{"path": str(tmp_path / "local" / "lib"), "state": "directory", "mode": "0755"},
             {"path": str(tmp_path / "local" / "lib" / "notify"), "content": "#!/bin/sh\n", "mode": "0755"},
             {"path": str(tmp_path / "secret.conf"), "content": "auth_pass s3cret\n", "mode": "0600"},
             {"path": str(tmp_path / "old.conf"), "state": "absent"}]
    (tmp_path / "old.conf").write_text("stale\n")
    first = run(paths, capsys)
    assert first["changed"] is True
    assert first["changed_paths"] == [p["path"] for p in paths]
    notify = tmp_path / "local" / "lib" / "notify"
    assert notify.read_text() == "#!/bin/sh\n" and mode(notify) == "0o755"
    assert mode(tmp_path / "secret.conf") == "0o600" and not (tmp_path / "old.conf").exists()
    again = run(paths, capsys)
    assert again["changed"] is False and again["changed_paths"] == []


def test_check_mode_reports_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "a.conf").write_text("old\n")
    result = run([{"path": str(tmp_path / "a.conf"), "content": "new\n", "validate": "/bin/false %s"},
                  {"path": str(tmp_path / "d"), "state": "directory"}], capsys, check_mode=True)
    assert result["changed_paths"] == [str(tmp_path / "a.conf"), str(tmp_path / "d")]
    assert (tmp_path / "a.conf").read_text() == "old\n" and not (tmp_path / "d").exists()


def test_a_rejected_file_stays_as_it_was_and_stops_the_run(tmp_path, capsys):
    (tmp_path / "keepalived.conf").write_text("# running\n")
    result = run([{"path": str(tmp_path / "keepalived.conf"), "content": "bad\n",
                   "validate": "/bin/sh -c 'grep -q good \"$0\"' %s"},
                  {"path": str(tmp_path / "after"), "content": "x\n"}], capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("%s: failed to validate" % (tmp_path / "keepalived.conf"))
    assert (tmp_path / "keepalived.conf").read_text() == "# running\n"
    assert not (tmp_path / "after").exists()
    assert sorted(os.listdir(str(tmp_path))) == ["keepalived.conf"]  # no temporary file left


def test_validate_sees_the_new_content(tmp_path, capsys):
    result = run([{"path": str(tmp_path / "keepalived.conf"), "content": "good\n",
                   "validate": "/bin/sh -c 'grep -q good \"$0\"' %s"}], capsys)
    assert result["changed"] is True and (tmp_path / "keepalived.conf").read_text() == "good\n"


def test_force_false_only_creates(tmp_path, capsys):
    (tmp_path / "drain").write_text("1\n")
    paths = [{"path": str(tmp_path / "drain"), "content": "0\n", "force": False},
             {"path": str(tmp_path / "web.offset"), "content": "0\n", "force": False}]
    assert run(paths, capsys)["changed_paths"] == [str(tmp_path / "web.offset")]
    assert (tmp_path / "drain").read_text() == "1\n"


def test_mode_is_corrected_without_rewriting(tmp_path, capsys):
    (tmp_path / "f").write_text("same\n")
    os.chmod(str(tmp_path / "f"), 0o666)
    result = run([{"path": str(tmp_path / "f"), "content": "same\n", "mode": "0640"}], capsys)
    assert result["changed_paths"] == [str(tmp_path / "f")] and mode(tmp_path / "f") == "0o640"


def test_apply_runs_only_after_its_path_changed(tmp_path, capsys):
    marker = tmp_path / "applied"
    paths = [{"path": str(tmp_path / "a.conf"), "content": "x\n",
              "apply": ["/bin/sh", "-c", "echo ran >> %s" % marker]},
             {"path": str(tmp_path / "gone"), "state": "absent", "apply": ["/bin/sh", "-c", "echo wrong >> %s" % marker],
              "apply_removed": ["/bin/false"], "apply_may_fail": True}]
    (tmp_path / "gone").write_text("")
    first = run(paths, capsys)
    assert [(a["path"], a["cmd"], a["rc"]) for a in first["applied"]] == [
        (paths[0]["path"], paths[0]["apply"], 0), (paths[1]["path"], ["/bin/false"], 1)]
    assert marker.read_text() == "ran\n"  # a removal runs apply_removed, not apply
    again = run(paths, capsys)
    assert again["applied"] == [] and marker.read_text() == "ran\n"
    check = run([dict(paths[0], content="y\n")], capsys, check_mode=True)
    assert check["changed"] is True and check["applied"] == [] and marker.read_text() == "ran\n"


def test_a_failing_apply_fails_the_task(tmp_path, capsys):
    result = run([{"path": str(tmp_path / "a.conf"), "content": "x\n", "apply": ["/bin/false"]},
                  {"path": str(tmp_path / "b.conf"), "content": "y\n"}], capsys)
    assert result["failed"] is True and result["msg"].startswith("%s: /bin/false failed" % (tmp_path / "a.conf"))
    assert not (tmp_path / "b.conf").exists()


@pytest.fixture
def moves(monkeypatch):
    """Every AnsibleModule.atomic_move call of the module, run for real; records its arguments and the mode the
    destination has the moment the move returned (before vip_files sets the wanted one again)."""
    calls = []
    real = AnsibleModule.atomic_move

    def recorded(module, src, dest, *args, **kwargs):
        real(module, src, dest, *args, **kwargs)
        calls.append({"src": src, "dest": dest, "keep_dest_attrs": kwargs.get("keep_dest_attrs", True),
                      "mode_after_move": mode(dest)})

    monkeypatch.setattr(AnsibleModule, "atomic_move", recorded)
    return calls


def test_files_are_replaced_by_atomic_move_with_the_wanted_mode_never_wider(tmp_path, capsys, moves):
    (tmp_path / "keepalived.conf").write_text("# no password\n")
    os.chmod(str(tmp_path / "keepalived.conf"), 0o644)
    paths = [{"path": str(tmp_path / "keepalived.conf"), "content": "auth_pass s3cret\n", "mode": "0600"},
             {"path": str(tmp_path / "new.conf"), "content": "x\n", "mode": "0644"},
             {"path": str(tmp_path / "private.conf"), "content": "auth_pass s3cret\n", "mode": "0600"}]
    result = run(paths, capsys)
    assert result["changed_paths"] == [item["path"] for item in paths]
    assert [call["dest"] for call in moves] == [item["path"] for item in paths]
    for call in moves:
        assert os.path.dirname(call["src"]) == str(tmp_path)  # a temporary file beside the destination
        assert call["keep_dest_attrs"] is False  # the old file's mode must not come back with the new content
        assert int(call["mode_after_move"], 8) & 0o077 == 0, call  # private from the moment it is in place
    assert [mode(item["path"]) for item in paths] == ["0o600", "0o644", "0o600"]
    assert (tmp_path / "keepalived.conf").read_text() == "auth_pass s3cret\n"
    assert sorted(os.listdir(str(tmp_path))) == ["keepalived.conf", "new.conf", "private.conf"]


def _selinux_on():
    tools = all(shutil.which(tool) for tool in ("selinuxenabled", "matchpathcon", "chcon"))
    return tools and subprocess.run(["selinuxenabled"], check=False).returncode == 0


@pytest.mark.skipif(not _selinux_on(), reason="needs an SELinux host (selinuxenabled, matchpathcon, chcon)")
def test_on_selinux_a_replaced_file_gets_the_policy_default_context(tmp_path, capsys):
    path = tmp_path / "keepalived.conf"
    path.write_text("old\n")
    default = subprocess.run(["matchpathcon", "-n", str(path)], capture_output=True, text=True, check=True).stdout.strip()
    other = "etc_t" if ":etc_t:" not in default else "tmp_t"
    subprocess.run(["chcon", "-t", other, str(path)], check=True)
    assert run([{"path": str(path), "content": "new\n"}], capsys)["changed"] is True
    context = subprocess.run(["stat", "-c", "%C", str(path)], capture_output=True, text=True, check=True).stdout.strip()
    assert context == default


def test_without_selinux_the_move_asks_the_real_selinux_library(tmp_path, capsys, monkeypatch, moves):
    """What this host can show on its own: during the move, AnsibleModule.selinux_enabled (libselinux) is asked and
    answers that SELinux is off, so no context is set. The SELinux branch itself is the next test."""
    if _selinux_on():
        pytest.skip("SELinux is on here: the test above shows the context")
    asked = []
    real_enabled = AnsibleModule.selinux_enabled
    monkeypatch.setattr(AnsibleModule, "selinux_enabled", lambda module: asked.append(real_enabled(module)) or asked[-1])
    assert run([{"path": str(tmp_path / "a.conf"), "content": "x\n"}], capsys)["changed"] is True
    assert len(moves) == 1 and asked and set(asked) == {False}


def test_with_selinux_reported_on_the_move_sets_the_default_context_of_the_path(tmp_path, capsys, monkeypatch):
    """The branch an SELinux host takes, on a host without SELinux: only the answer of selinux_enabled is forced and
    the two calls that need libselinux are recorded. It shows which context atomic_move asks for (the policy default
    of the destination, not the old file's) and that it is set on the destination; not that a kernel labels it."""
    (tmp_path / "a.conf").write_text("old\n")
    asked_default, asked_current, set_on = [], [], []
    policy_default = ["system_u", "object_r", "keepalived_etc_t", "s0"]
    monkeypatch.setattr(AnsibleModule, "selinux_enabled", lambda module: True)
    monkeypatch.setattr(AnsibleModule, "selinux_mls_enabled", lambda module: True)
    monkeypatch.setattr(AnsibleModule, "selinux_default_context",
                        lambda module, path, mode=0: asked_default.append(path) or list(policy_default))
    monkeypatch.setattr(AnsibleModule, "selinux_context", lambda module, path: asked_current.append(path) or [None] * 4)
    monkeypatch.setattr(AnsibleModule, "set_context_if_different",
                        lambda module, path, context, changed, diff=None: set_on.append((path, context)) or changed)
    result = run([{"path": str(tmp_path / "a.conf"), "content": "new\n"},
                  {"path": str(tmp_path / "b.conf"), "content": "new\n"}], capsys)
    assert result["changed_paths"] == [str(tmp_path / "a.conf"), str(tmp_path / "b.conf")]
    for name in ("a.conf", "b.conf"):  # replaced and created alike
        assert str(tmp_path / name) in asked_default
        assert (str(tmp_path / name), policy_default) in set_on
    assert str(tmp_path / "a.conf") not in asked_current  # the old file's context is not carried over
