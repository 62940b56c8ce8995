"""Run every chapter notebook as Colab runs it: the attnlib wheel only, no repository, no network.

    python tools/colab_check.py [NOTEBOOK_OR_DIR ...]     (default: chapters)

One pass does two jobs (``make nbval``):
1. builds the attnlib wheel (``pip wheel --no-deps``) and installs it, with its runtime
   dependencies pinned by constraints.txt and what a Colab runtime has (ipykernel, pytest, nbval,
   nbformat, nbclient), into a clean virtual environment ``.venv-colab`` that never sees the
   repository (re-created when pyproject.toml or constraints.txt change; the wheel is
   re-installed on every run);
2. copies each notebook alone into an empty temporary directory and runs
   ``pytest --nbval --nbval-current-env`` there with that environment's Python, the working
   directory in the temporary directory, and every connection that leaves the machine refused
   (_colab_no_network, installed into the clean environment). So each notebook is executed once,
   and that one execution proves its stored outputs are current (nbval, with
   tests/nbval_sanitize.cfg) and that it needs no repository file and no download.

Prints one line per notebook (cells passed/failed, seconds) and exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-colab"
WHEELS = ROOT / ".whl"
STAMP = VENV / ".installed"
COLAB_RUNTIME = ["ipykernel", "pytest", "nbval", "nbformat", "nbclient"]
GUARD = "_colab_no_network"
GUARD_SOURCE = '''"""Refuse every connection that leaves this machine (Colab-fidelity check, tools/colab_check.py).

Active only when COLAB_CHECK_NO_NETWORK=1; the Jupyter kernel's own sockets are on 127.0.0.1.
"""

import ipaddress
import os
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host is None or host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(address) -> None:
    if isinstance(address, tuple) and address and not _is_local(address[0]):
        raise ConnectionRefusedError(f"network access refused in the Colab-fidelity check: {address}")


if os.environ.get("COLAB_CHECK_NO_NETWORK") == "1":
    _connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
    _getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        _check(address)
        return _connect(self, address)

    def connect_ex(self, address):
        _check(address)
        return _connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host):
            raise socket.gaierror(f"name lookup refused in the Colab-fidelity check: {host}")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.getaddrinfo = getaddrinfo
'''


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def build_wheel() -> Path:
    """``pip wheel --no-deps`` of the package: the file Colab would install.

    Built from a copy of pyproject.toml, README.md and lib/ (what the package is made of), so
    the build leaves nothing in the working tree.
    """
    if WHEELS.exists():
        shutil.rmtree(WHEELS)
    with tempfile.TemporaryDirectory(prefix="attnlib-src-") as src:
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (ROOT / name).exists():
                shutil.copy2(ROOT / name, Path(src, name))
        shutil.copytree(
            ROOT / "lib",
            Path(src, "lib"),
            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
        )
        run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(WHEELS), src])
    (wheel,) = WHEELS.glob("attnlib-*.whl")
    return wheel


def python() -> Path:
    return VENV / "bin" / "python"


def clean_env(wheel: Path) -> None:
    """Create .venv-colab once (per pyproject/constraints), then install this wheel into it."""
    inputs = [ROOT / "pyproject.toml", ROOT / "constraints.txt"]
    fresh = STAMP.exists() and all(STAMP.stat().st_mtime >= p.stat().st_mtime for p in inputs)
    pip = [str(python()), "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt")]
    if not fresh:
        if VENV.exists():
            shutil.rmtree(VENV)
        run([sys.executable, "-m", "venv", str(VENV)])
        inside = subprocess.run(
            [str(python()), "-c", "import sys; print(sys.prefix != sys.base_prefix)"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if inside != "True":
            raise RuntimeError(f"{VENV} is not a working virtual environment")
        run([*pip, f"{wheel}[kernels]", *COLAB_RUNTIME])
        site = subprocess.run(
            [str(python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        Path(site, f"{GUARD}.py").write_text(GUARD_SOURCE)
        Path(site, f"{GUARD}.pth").write_text(f"import {GUARD}\n")
        STAMP.touch()
    run([*pip, "--no-deps", "--force-reinstall", str(wheel)])


def notebooks(paths: list[str]) -> list[Path]:
    sys.path.insert(0, str(ROOT / "tools"))
    import notebooks as nbtools

    return [p.resolve() for p in nbtools.notebooks(paths or [str(ROOT / "chapters")])]


def stage(paths: list[Path], workdir: Path) -> dict[str, Path]:
    """Copy each notebook alone into its own empty folder under ``workdir``: copy -> original."""
    copies: dict[str, Path] = {}
    for i, nb in enumerate(paths):
        folder = workdir / f"{i:02d}-{nb.stem}"
        folder.mkdir()
        shutil.copy2(nb, folder / nb.name)
        copies[f"{folder.name}/{nb.name}"] = nb
    shutil.copy2(ROOT / "tests" / "nbval_sanitize.cfg", workdir / "sanitize.cfg")
    return copies


def check(paths: list[Path], workdir: Path) -> dict[str, dict]:
    """Run nbval over the staged copies with the clean environment, in one pytest."""
    copies = stage(paths, workdir)
    # Colab's kernel: matplotlib's inline backend (no MPLBACKEND), nothing of ours on the path.
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        COLAB_CHECK_NO_NETWORK="1",
        PATH=f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        PYTHONHASHSEED="0",
    )
    report = workdir / "junit.xml"
    cmd = [
        str(python()),
        "-m",
        "pytest",
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        "sanitize.cfg",
        "-p",
        "no:cacheprovider",
        "-q",
        "--rootdir",
        str(workdir),
        f"--junitxml={report}",
        *copies,
    ]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=workdir, env=env, check=False)
    results = {
        str(copies[k].relative_to(ROOT)): {"passed": 0, "failed": 0, "s": 0.0} for k in copies
    }
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            name = case.get("file") or case.get("classname", "")
            # The folder name ("03-positions") is unique and starts every test id of its notebook.
            key = next((k for k in copies if name.startswith(k.split("/")[0])), None)
            if key is None:
                continue
            row = results[str(copies[key].relative_to(ROOT))]
            bad = any(child.tag in {"failure", "error"} for child in case)
            row["failed" if bad else "passed"] += 1
            row["s"] += float(case.get("time", 0))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args(argv)
    paths = notebooks(args.paths)
    if not paths:
        print("no notebook to check")
        return 0
    t0 = time.perf_counter()
    # One run at a time per checkout: a second run would rebuild the environment under the first.
    key = hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"colab-check-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        clean_env(build_wheel())
        with tempfile.TemporaryDirectory(prefix="colab-check-") as tmp:
            results = check(paths, Path(tmp))
    print(f"\nColab fidelity + nbval ({time.perf_counter() - t0:.0f} s in all):")
    failed = 0
    for name, row in results.items():
        ok = row["failed"] == 0 and row["passed"] > 0
        failed += not ok
        print(
            f"  {'PASS' if ok else 'FAIL'}  {name}: {row['passed']} cells passed, "
            f"{row['failed']} failed, {row['s']:.1f} s"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
