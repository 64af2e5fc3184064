"""The fsip lab: Debian members in systemd-nspawn on one bridge, plus a client (see README.md).

    from testbed.lab import Lab
    with Lab("mylab", members=3) as lab:
        lab.member("node01").exec("ip -br addr")
"""

from ._run import LabError
from .image import ensure_image
from .lab import DEFAULT_NAME, Lab, all_lab_names

__all__ = ["DEFAULT_NAME", "Lab", "LabError", "all_lab_names", "ensure_image"]
