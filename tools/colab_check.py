"""Run every chapter notebook as Colab runs it and check its stored outputs, under one or more
numeric configurations.

    python tools/colab_check.py [--config NAME ...] [--jobs N] [NOTEBOOK_OR_DIR ...]

One execution per notebook and configuration does two jobs (``make nbval``):
1. builds the attnlib wheel (``pip wheel --no-deps``) and installs it, with its runtime
   dependencies pinned by constraints.txt and what a Colab runtime has (ipykernel, nbformat,
   nbclient), into a clean virtual environment ``.venv-colab`` that never sees the repository
   (re-created when pyproject.toml or constraints.txt change; the wheel is re-installed on every
   run);
2. copies each notebook alone into an empty temporary directory and runs it there with
   tools/nbcheck.py in that environment: the working directory in the temporary directory, every
   connection that leaves the machine refused (tools/colab_guard.py, installed into the clean
   environment), and the configuration's variables set (CONFIGS). nbcheck compares each fresh
   output with the stored one, exactly or within the tolerance the cell declares. So one
   execution proves the stored outputs hold on this configuration, and that the notebook needs no
   repository file and no download.

Prints one line per notebook and configuration and exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-colab"
WHEELS = ROOT / ".whl"
STAMP = VENV / ".installed"
COLAB_RUNTIME = ["ipykernel", "nbformat", "nbclient"]
# Numeric configurations: each makes PyTorch / MKL pick other kernels (and so other float32
# round-off), as another reader's CPU would. `make test` runs native + "portable"; `make
# portability` runs all three.
CONFIGS: dict[str, dict[str, str]] = {
    "native": {},
    "portable": {
        "ATEN_CPU_CAPABILITY": "default",
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
        "OMP_NUM_THREADS": "1",
    },
    "avx2-1thread": {
        "ATEN_CPU_CAPABILITY": "avx2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "OMP_NUM_THREADS": "1",
    },
}
NUMERIC_VARS = {var for config in CONFIGS.values() for var in config} - {"OMP_NUM_THREADS"}
GUARD = "colab_guard"  # tools/colab_guard.py, installed into the clean environment
GUARD_SOURCE = (ROOT / "tools" / f"{GUARD}.py").read_text()


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
    import notebooks as nbtools

    return [p.resolve() for p in nbtools.notebooks(paths or [str(ROOT / "chapters")])]


def stage(paths: list[Path], workdir: Path) -> dict[Path, Path]:
    """Copy each notebook alone into its own empty folder under ``workdir``: copy -> original."""
    copies: dict[Path, Path] = {}
    for i, nb in enumerate(paths):
        folder = workdir / f"{i:02d}-{nb.stem}"
        folder.mkdir()
        shutil.copy2(nb, folder / nb.name)
        copies[folder / nb.name] = nb
    return copies


def kernel_env(config: str) -> dict[str, str]:
    """Colab's kernel: matplotlib's inline backend (no MPLBACKEND), nothing of ours on the path,
    no network, and the numeric configuration ``config`` (see CONFIGS)."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND", *NUMERIC_VARS}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        COLAB_CHECK_NO_NETWORK="1",
        PATH=f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        PYTHONHASHSEED="0",
    )
    env.update(CONFIGS[config])
    return env


def check_one(copy: Path, config: str) -> dict:
    """Execute one staged notebook with tools/nbcheck.py in the clean environment."""
    report = copy.with_suffix(".json")
    cmd = [str(python()), str(ROOT / "tools" / "nbcheck.py"), str(copy), "--json", str(report)]
    cmd += ["--sanitize", str(ROOT / "tests" / "nbval_sanitize.cfg")]
    done = subprocess.run(
        cmd, cwd=copy.parent, env=kernel_env(config), capture_output=True, text=True
    )
    if report.exists():
        return json.loads(report.read_text())
    return {"failures": [], "error": (done.stdout + done.stderr)[-3000:], "seconds": 0.0}


def check(paths: list[Path], workdir: Path, config: str, jobs: int) -> dict[str, dict]:
    """Every notebook once under ``config``, ``jobs`` at a time; results by repository path."""
    copies = stage(paths, workdir)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(check_one, c, config): nb for c, nb in copies.items()}
        results = {}
        for future in as_completed(futures):
            name = str(futures[future].relative_to(ROOT))
            results[name] = row = future.result()
            ok = not row["failures"] and not row["error"]
            counts = (
                ""
                if row["error"]
                else (
                    f"{row['exact']} exact, {row['measured']} measured, {row['ignored']} ignored, "
                )
            )
            print(
                f"  [{config}] {'PASS' if ok else 'FAIL'}  {name}: {counts}{row['seconds']:.0f} s"
            )
            for line in row["failures"] + ([row["error"]] if row["error"] else []):
                print("      " + line.replace("\n", "\n      "), flush=True)
    return dict(sorted(results.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument(
        "--config",
        action="append",
        choices=sorted(CONFIGS),
        help="numeric configuration(s) to run under (repeatable; default: native)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        help="notebooks run at once (default: 2 under a one-thread configuration, else 1)",
    )
    args = parser.parse_args(argv)
    paths = notebooks(args.paths)
    if not paths:
        print("no notebook to check")
        return 0
    t0 = time.perf_counter()
    # One run at a time per checkout: a second run would rebuild the environment under the first.
    key = hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]
    summary = []
    with open(Path(tempfile.gettempdir()) / f"colab-check-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        clean_env(build_wheel())
        for config in args.config or ["native"]:
            t1 = time.perf_counter()
            print(f"\n== notebooks under configuration {config!r}: {CONFIGS[config] or 'as is'}")
            with tempfile.TemporaryDirectory(prefix="colab-check-") as tmp:
                one_thread = CONFIGS[config].get("OMP_NUM_THREADS") == "1"
                results = check(paths, Path(tmp), config, args.jobs or (2 if one_thread else 1))
            bad = sum(1 for r in results.values() if r["failures"] or r["error"])
            summary.append((config, len(results) - bad, bad, time.perf_counter() - t1))
    print(f"\nNotebooks, run as in Colab ({time.perf_counter() - t0:.0f} s in all):")
    for config, good, bad, seconds in summary:
        print(f"  {config:>14}: {good} of {good + bad} notebooks pass, {seconds:.0f} s")
    passed = sum(s[1] for s in summary)
    failed = sum(s[2] for s in summary)
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
