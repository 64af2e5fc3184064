"""The cached Debian root image the members boot from.

Built once per (distro, package list, mirror) with debootstrap into
/var/cache/fsip-lab/<distro>-<hash>, atomically (a temporary directory renamed
into place under a lock) and reused by every later lab. keepalived and its
dependencies are downloaded into /var/cache/apt/archives but not installed,
so that the role installs them for real while the members stay offline.
"""

import fcntl
import hashlib
import os
import shutil
import time
from pathlib import Path

from ._run import LabError, run

CACHE_DIR = Path(os.environ.get("FSIP_LAB_CACHE", "/var/cache/fsip-lab"))
MIRROR = "http://deb.debian.org/debian"
DISTROS = ("bookworm", "trixie")
PACKAGES = (
    "systemd", "systemd-sysv", "dbus", "iproute2", "openssh-server", "python3", "python3-apt",
    "tcpdump", "iputils-ping", "iputils-arping", "nftables", "procps",
)
DOWNLOAD_ONLY = ("keepalived",)
# Bump when the steps in _finish change what the image holds.
RECIPE = 4

_APT_CONF = """\
// fsip lab: members have no internet; fail fast instead of waiting on the network.
Acquire::Retries "0";
Acquire::http::Timeout "3";
APT::Install-Recommends "false";
"""

_MASKED_UNITS = (
    "apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer", "fstrim.timer",
    "systemd-timesyncd.service", "getty@tty1.service",
)


def image_key(distro):
    blob = "\n".join([distro, MIRROR, str(RECIPE), *PACKAGES, "download-only:", *DOWNLOAD_ONLY])
    return f"{distro}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def image_path(distro):
    return CACHE_DIR / image_key(distro)


def ensure_image(distro="bookworm", log=print):
    """Return the path of the ready image for `distro`, building it first if needed."""
    if distro not in DISTROS:
        raise LabError(f"distro {distro!r} is not supported; choose one of {', '.join(DISTROS)}")
    final = image_path(distro)
    if (final / ".fsip-image-ready").exists():
        return final
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / f".{distro}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / ".fsip-image-ready").exists():
            return final
        tmp = CACHE_DIR / f".tmp-{final.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        started = time.monotonic()
        log(f"lab: building the {distro} image in {final} (debootstrap, once)")
        try:
            run(["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}",
                 distro, str(tmp), MIRROR], timeout=1800)
            _finish(tmp)
            (tmp / ".fsip-image-ready").write_text(f"{image_key(distro)}\n")
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        log(f"lab: image built in {time.monotonic() - started:.0f}s")
    return final


def _chroot(root, *cmd, timeout=600):
    env_cmd = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive",
               "LC_ALL=C"]
    return run(["chroot", str(root), *env_cmd, *cmd], timeout=timeout)


def _finish(root):
    """Pre-download the offline packages and make the image neutral (no identity, no DNS)."""
    _chroot(root, "apt-get", "clean")
    _chroot(root, "apt-get", "update", "-q")
    _chroot(root, "apt-get", "install", "-y", "-q", "--download-only", *DOWNLOAD_ONLY)
    (root / "etc/apt/apt.conf.d/90fsip-lab").write_text(_APT_CONF)
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc/machine-id").write_text("")
    for path in ("var/lib/dbus/machine-id", "etc/resolv.conf"):
        (root / path).unlink(missing_ok=True)
    (root / "etc/resolv.conf").write_text("# fsip lab: members have no DNS\n")
    _chroot(root, "systemctl", "mask", *_MASKED_UNITS)
    (root / "root/.ssh").mkdir(mode=0o700, exist_ok=True)
