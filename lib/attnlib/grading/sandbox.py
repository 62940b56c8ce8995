"""Run a submission's calls in a child process under CPU, memory and wall-clock limits.

The child (:mod:`attnlib.grading._child`) executes the student's code and streams back one
framed message per call over a pipe; :mod:`attnlib.grading.wire` validates each one (only
arrays of numbers or booleans are rebuilt; nothing is ever unpickled).
A call that hangs costs the rest of its exercise; one that kills the child costs only itself.
Either way the grader kills the process group and starts a fresh child for what is left.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from attnlib.grading.compare import Failure
from attnlib.grading.wire import parse_message

CHILD = Path(__file__).with_name("_child.py")
MAX_MESSAGE = 256 * 2**20  # bytes of one framed message
LOAD_EXTRA = 10.0  # seconds added to the timeout for loading the code (imports such as torch)
Call = tuple[str, str, tuple, dict]  # (group, function name, args, kwargs)


def _limits(memory_mb: int, cpu_s: int) -> None:  # runs in the child before exec
    import resource  # Unix only; the notebook check() never gets here

    for limit, value in [
        (resource.RLIMIT_AS, memory_mb * 2**20),
        (resource.RLIMIT_CPU, cpu_s),
        (resource.RLIMIT_FSIZE, 16 * 2**20),
        (resource.RLIMIT_CORE, 0),
    ]:
        try:
            resource.setrlimit(limit, (value, value + (limit == resource.RLIMIT_CPU)))
        except (ValueError, OSError):  # e.g. macOS refuses RLIMIT_AS; the timeout still holds
            pass


class _Child:
    """One sandboxed child process and the pipe its messages arrive on."""

    def __init__(self, cells: list, calls: list, memory_mb: int, cpu_s: int):
        self.tmp = tempfile.TemporaryDirectory(prefix="attn-grade-")
        job = Path(self.tmp.name, "job.pkl")
        job.write_bytes(pickle.dumps({"cells": cells, "calls": calls}))
        r, w = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp.name}
        env |= {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(CHILD), str(job), str(w)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(w,), cwd=self.tmp.name, env=env, start_new_session=True,
            preexec_fn=lambda: _limits(memory_mb, cpu_s),
        )  # fmt: skip
        os.close(w)
        self.fd, self.buf, self.reason = r, bytearray(), "ended early"

    def receive(self, deadline: float) -> dict | None:
        """The next message, or None (``self.reason`` says why) when none came by ``deadline``."""
        while True:
            if len(self.buf) >= 8:
                (n,) = struct.unpack(">Q", self.buf[:8])
                if n > MAX_MESSAGE:
                    self.reason = "returned a value that is too large"
                    return None
                if len(self.buf) >= 8 + n:
                    body, self.buf = bytes(self.buf[8 : 8 + n]), self.buf[8 + n :]
                    try:
                        return parse_message(body)
                    except (ValueError, TypeError, KeyError, struct.error, UnicodeDecodeError):
                        self.reason = "sent a malformed message"
                        return None
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([self.fd], [], [], wait)[0]:
                self.reason = "timeout"
                return None
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                code = self.proc.wait()
                self.reason = f"the process died ({_describe_exit(code)})"
                return None
            self.buf += chunk

    def close(self) -> None:
        os.close(self.fd)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.tmp.cleanup()


def run_calls(
    cells: list[tuple[str, str]], calls: list[Call], timeout: float = 10.0, memory_mb: int = 1024
) -> tuple[list[Any], list[str]]:
    """Run ``calls`` on the code in ``cells``; returns (one output or Failure per call, notes).

    ``timeout`` is the wall-clock budget of each group of calls (one exercise); loading the
    code gets ``timeout + LOAD_EXTRA`` seconds. A call that hangs fails with the rest of its group; one that kills the process
    fails alone; a fresh child runs whatever is left.
    """
    outputs: list[Any] = [None] * len(calls)
    pending, notes, first = list(range(len(calls))), [], True
    while pending:
        groups = len({calls[i][0] for i in pending})
        todo = [(i, calls[i][1], calls[i][2], calls[i][3]) for i in pending]
        child = _Child(cells, todo, memory_mb, int(timeout * (groups + 1) + LOAD_EXTRA) + 2)
        try:
            msg = child.receive(time.monotonic() + timeout + LOAD_EXTRA)
            if msg is None or msg.get("kind") != "loaded":
                why = "took too long" if child.reason == "timeout" else child.reason
                for i in pending:
                    outputs[i] = Failure(f"loading the submission failed: {why}")
                break
            if first:
                notes += [str(n)[:300] for n in msg.get("notes", [])[:20]]
                first = False
            group, deadline = None, 0.0
            while pending:
                i = pending[0]
                if calls[i][0] != group:
                    group, deadline = calls[i][0], time.monotonic() + timeout
                msg = child.receive(deadline)
                if msg is None:
                    break
                if msg.get("kind") != "result" or msg.get("id") != i:
                    child.reason = "sent a malformed message"
                    break
                err = msg.get("error")
                outputs[i] = Failure(f"raised {str(err)[:300]}") if err else msg.get("value")
                pending.pop(0)
        finally:
            child.close()
        if pending:
            i = pending[0]
            if child.reason == "timeout":
                hung = [j for j in pending if calls[j][0] == calls[i][0]]
                for j in hung:
                    outputs[j] = Failure(
                        f"timed out ({timeout:g} s per exercise): an infinite loop?"
                    )
                pending = [j for j in pending if j not in hung]
            else:
                outputs[i] = Failure(f"{child.reason} while running this test")
                pending.pop(0)
    return outputs, notes


def _describe_exit(code: int) -> str:
    if code < 0:
        name = signal.Signals(-code).name
        extra = {
            "SIGXCPU": ": CPU time limit",
            "SIGKILL": ": killed",
            "SIGXFSZ": ": file too large",
        }
        return name + extra.get(name, "")
    return f"exit code {code}"
