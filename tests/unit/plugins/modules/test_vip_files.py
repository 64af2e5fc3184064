# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vip_files on real files in a temporary directory: one call, every path, validate before replace."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import json
import os
import pwd

import pytest

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
             {"path": str(tmp_path / "gone"), "state": "absent", "apply": ["/bin/false"], "apply_may_fail": True}]
    (tmp_path / "gone").write_text("")
    first = run(paths, capsys)
    assert [a["rc"] for a in first["applied"]] == [0, 1] and marker.read_text() == "ran\n"
    again = run(paths, capsys)
    assert again["applied"] == [] and marker.read_text() == "ran\n"
    check = run([dict(paths[0], content="y\n")], capsys, check_mode=True)
    assert check["changed"] is True and check["applied"] == [] and marker.read_text() == "ran\n"


def test_a_failing_apply_fails_the_task(tmp_path, capsys):
    result = run([{"path": str(tmp_path / "a.conf"), "content": "x\n", "apply": ["/bin/false"]},
                  {"path": str(tmp_path / "b.conf"), "content": "y\n"}], capsys)
    assert result["failed"] is True and result["msg"].startswith("%s: /bin/false failed" % (tmp_path / "a.conf"))
    assert not (tmp_path / "b.conf").exists()
