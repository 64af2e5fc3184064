#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vip_files
short_description: Write the keepalived_vip role's files on a member in one call
version_added: 0.1.0
description:
  - Puts a list of directories and small files into their wanted state in one round trip, in the order given,
    instead of one C(ansible.builtin.copy) or C(ansible.builtin.file) task (two round trips each) per path.
  - Used by the role P(failover.shared_ip.keepalived_vip#role) for its configuration, scripts and settings.
  - A file is replaced atomically (a temporary file in the same directory, with its owner, group and mode
    already set, moved into place by C(AnsibleModule.atomic_move)), and only after its O(paths[].validate)
    command accepted the new content; a rejected file stops the run and stays as it was. Check mode validates
    nothing (the command may not be installed yet).
  - On an SELinux host the replaced or created file gets the policy's default context for its path (what
    C(restorecon) would set), not the context of the temporary file.
  - Owner, group and mode are set on every path, changed or not.
author: failover.shared_ip developers (@failover)
options:
  paths:
    description: The paths, handled one after the other.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      state:
        description:
          - V(file) writes O(paths[].content); V(directory) creates the directory (missing parents as root, mode 0755 under the usual umask);
            V(absent) removes a file.
        type: str
        choices: [file, directory, absent]
        default: file
      content:
        description: The whole content of a file.
        type: str
        default: ""
      force:
        description: Replace a file whose content differs. V(false) only creates a missing file.
        type: bool
        default: true
      validate:
        description:
          - Command that must succeed on the new content before it replaces the file; C(%s) is the temporary file.
          - Run without a shell.
        type: str
      owner:
        description: Owner of the path.
        type: str
        default: root
      group:
        description: Group of the path.
        type: str
        default: root
      mode:
        description: Mode of the path, octal as a string.
        type: str
        default: "0644"
      apply:
        description:
          - Command (argument list, no shell) run right after this file or directory was written or created,
            before the next path, so that a setting takes effect at once (for example
            C([systemd-tmpfiles, --create, <path>])). Not run in check mode, nor when the path did not change.
        type: list
        elements: str
      apply_removed:
        description:
          - Command (argument list, no shell) run right after this path was removed (O(paths[].state=absent)), to
            undo what O(paths[].apply) did (for example unload a firewall table). Not run in check mode, nor when
            the path was already absent.
        type: list
        elements: str
      apply_may_fail:
        description:
          - A failing O(paths[].apply) or O(paths[].apply_removed) command is recorded in RV(applied) instead of
            failing the task.
        type: bool
        default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  platform:
    platforms: posix
  check_mode:
    support: full
  diff_mode:
    support: full
seealso:
  - module: ansible.builtin.copy
  - name: The keepalived_vip role
    description: Writes its files with this module.
    link: https://github.com/failover/shared_ip/blob/main/roles/keepalived_vip/README.md
"""

EXAMPLES = r"""
- name: A script, a keepalived configuration checked by keepalived, and a tmpfiles entry applied, in one call
  failover.shared_ip.vip_files:
    paths:
      - { path: /usr/local/libexec/web-check, state: directory, mode: "0755" }
      - path: /usr/local/libexec/web-check/check
        content: |
          #!/bin/sh
          # healthy unless the web service (or its operator) took this member out
          exec /usr/bin/test ! -e /run/web-down
        mode: "0755"
      - path: /etc/keepalived/web-check.conf
        content: |
          vrrp_script web_check {
              script /usr/local/libexec/web-check/check
              interval 2
          }
        validate: keepalived --config-test -f %s
      - { path: /etc/keepalived/web-check.old, state: absent }
      - path: /etc/tmpfiles.d/web-check.conf
        content: "d /run/web-check 0755 root root -\n"
        apply: [systemd-tmpfiles, --create, /etc/tmpfiles.d/web-check.conf]
  register: files

- name: Reload keepalived only when a configuration changed
  ansible.builtin.systemd_service:
    name: keepalived
    state: reloaded
  when: files.changed_paths | select('match', '/etc/keepalived/') | list | length > 0
"""

RETURN = r"""
changed_paths:
  description: The paths that changed (or would change, in check mode), in the order given.
  returned: always
  type: list
  elements: str
  sample: [/etc/keepalived/keepalived.conf]
applied:
  description: The O(paths[].apply) and O(paths[].apply_removed) commands that ran, in order.
  returned: always
  type: list
  elements: dict
  sample: [{path: /etc/tmpfiles.d/keepalived-vip.conf, cmd: [systemd-tmpfiles, --create, /etc/tmpfiles.d/keepalived-vip.conf], rc: 0}]
  contains:
    path:
      description: The path that changed.
      type: str
    cmd:
      description: The command.
      type: list
      elements: str
    rc:
      description: Its exit status.
      type: int
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def _attributes(module, item, changed):
    args = module.load_file_common_arguments({"path": item["path"], "owner": item["owner"], "group": item["group"],
                                              "mode": item["mode"]})
    return module.set_fs_attributes_if_different(args, changed)


def _directory(module, item):
    path = item["path"]
    if os.path.isdir(path):
        return _attributes(module, item, False)
    if os.path.lexists(path):
        module.fail_json(msg="%s: exists and is not a directory" % path)
    if not module.check_mode:
        os.makedirs(path)
        _attributes(module, item, True)
    return True


def _absent(module, item):
    path = item["path"]
    if not os.path.lexists(path):
        return False
    if os.path.isdir(path) and not os.path.islink(path):
        module.fail_json(msg="%s: is a directory; state=absent removes files only" % path)
    if not module.check_mode:
        os.unlink(path)
    return True


def _validate(module, item, temp):
    if not item.get("validate"):
        return
    if "%s" not in item["validate"]:
        module.fail_json(msg="%s: validate must contain %%s: %r" % (item["path"], item["validate"]))
    rc, out, err = module.run_command(item["validate"] % temp)
    if rc != 0:
        module.fail_json(msg="%s: failed to validate: %s" % (item["path"], (err or out).strip()),
                         rc=rc, stdout=out, stderr=err)


def _file(module, item, diffs):
    path = item["path"]
    wanted = to_bytes(item["content"], errors="surrogate_or_strict")
    current = _read(path)
    if current is not None and (current == wanted or not item["force"]):
        return _attributes(module, item, False)
    if os.path.isdir(path):
        module.fail_json(msg="%s: is a directory" % path)
    diffs.append({"before_header": path, "after_header": path,
                  "before": to_native(current or b"", errors="surrogate_or_strict"), "after": item["content"]})
    if module.check_mode:
        return True
    # owner, group and mode are right before the move: a private file is never readable by others
    handle, temp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(wanted)
        _attributes(module, dict(item, path=temp), True)
        _validate(module, item, temp)
        _replace(module, temp, path)
    finally:
        if os.path.lexists(temp):
            os.unlink(temp)
    _attributes(module, item, True)
    return True


def _replace(module, temp, path):
    """atomic_move: the rename, and the SELinux context the policy gives `path`.

    Not the old file's mode and owner (keep_dest_attrs): the temporary file carries the wanted ones. A file
    that atomic_move creates gets 0666 less the umask; 077 keeps it private until _attributes sets its mode.
    """
    umask = os.umask(0o077)
    try:
        module.atomic_move(temp, path, keep_dest_attrs=False)
    except Exception as error:  # atomic_move raises a bare Exception naming both paths
        module.fail_json(msg="%s: %s" % (path, to_native(error)))
    finally:
        os.umask(umask)


def _apply(module, item, applied):
    cmd = item["apply_removed"] if item["state"] == "absent" else item["apply"]
    if not cmd or module.check_mode:
        return
    rc, out, err = module.run_command(cmd)
    applied.append({"path": item["path"], "cmd": cmd, "rc": rc})
    if rc != 0 and not item["apply_may_fail"]:
        module.fail_json(msg="%s: %s failed: %s" % (item["path"], " ".join(cmd), (err or out).strip()),
                         rc=rc, stdout=out, stderr=err, applied=applied)


def main():
    module = AnsibleModule(
        argument_spec=dict(paths=dict(type="list", elements="dict", required=True, options=dict(
            path=dict(type="path", required=True),
            state=dict(type="str", choices=["file", "directory", "absent"], default="file"),
            content=dict(type="str", default=""),
            force=dict(type="bool", default=True),
            validate=dict(type="str"),
            owner=dict(type="str", default="root"),
            group=dict(type="str", default="root"),
            mode=dict(type="str", default="0644"),
            apply=dict(type="list", elements="str"),
            apply_removed=dict(type="list", elements="str"),
            apply_may_fail=dict(type="bool", default=False),
        ))),
        supports_check_mode=True,
    )
    changed_paths, diffs, applied = [], [], []
    for item in module.params["paths"]:
        if not os.path.isabs(item["path"]):
            module.fail_json(msg="paths: %r is not an absolute path" % item["path"])
        if item["state"] == "directory":
            changed = _directory(module, item)
        elif item["state"] == "absent":
            changed = _absent(module, item)
        else:
            changed = _file(module, item, diffs)
        if changed:
            changed_paths.append(item["path"])
            _apply(module, item, applied)
    module.exit_json(changed=bool(changed_paths), changed_paths=changed_paths, applied=applied, diff=diffs)


if __name__ == "__main__":
    main()
