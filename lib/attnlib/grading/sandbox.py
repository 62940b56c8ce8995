"""Run a submission's calls in a sandboxed child under process, memory, CPU, disk and time limits.

The child (:mod:`attnlib.grading._child`) runs inside bubblewrap (:mod:`attnlib.grading.bubblewrap`)
and streams back one framed message per call over a pipe; :mod:`attnlib.grading.wire` validates
each one (only arrays of numbers or booleans are rebuilt; nothing is ever unpickled, and a
malformed or forged message costs only the call it claims to answer).
A call that hangs costs the rest of its exercise; one that kills the child costs only itself.
Either way the grader kills the sandbox (and with it everything the submission started) and
starts a fresh one for what is left.

``isolation="process"`` runs the child as a plain subprocess with resource limits only: no
namespaces, same user, attnlib and torch merely refused at import. It is for a student's own
machine (e.g. Colab), where no sandbox can start, and for instructors who pass
``--no-sandbox-i-trust-every-submission``.
"""

from __future__ import annotations

import os
import pickle
import pwd
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import Any

from attnlib.grading import bubblewrap
from attnlib.grading.compare import Failure
from attnlib.grading.wire import parse_message

MAX_MESSAGE = 64 * 2**20  # bytes of one framed message
LOAD_EXTRA = 10.0  # seconds added to the timeout for loading the code (imports such as torch)
PROCESSES = 8  # RLIMIT_NPROC in the sandbox (per slot uid as root): at most 8 x --memory MiB
Call = tuple[str, str, tuple, dict]  # (group, function name, args, kwargs)

_slots_lock = threading.Lock()
_slots_used: set[int] = set()


def _take_uid() -> int | None:
    """Root mode: an unused uid for one sandbox, so its process limit is its own."""
    if os.getuid() != 0:
        return None
    with _slots_lock:
        for uid in bubblewrap.SLOT_UIDS:
            if uid in _slots_used:
                continue
            try:
                pwd.getpwuid(uid)
                continue  # a real account: leave it alone
            except KeyError:
                _slots_used.add(uid)
                return uid
    raise RuntimeError("no free sandbox uid: too many concurrent jobs")


def _give_uid(uid: int | None) -> None:
    with _slots_lock:
        _slots_used.discard(uid)


def _fallback_limits(memory_mb: int, cpu_s: int) -> None:  # process mode: runs before exec
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


def _feed(fd: int, data: bytes) -> None:
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except OSError:  # the child died before reading its job: receive() reports it
        pass


class _Child:
    """One sandboxed child process and the pipe its messages arrive on."""

    def __init__(self, cells: list, calls: list, memory_mb: int, cpu_s: int, isolation: str):
        self.uid = _take_uid() if isolation == "sandbox" else None
        limits = {
            "RLIMIT_AS": memory_mb * 2**20, "RLIMIT_CPU": cpu_s, "RLIMIT_FSIZE": 16 * 2**20,
            "RLIMIT_CORE": 0, "RLIMIT_NOFILE": 64,
        }  # fmt: skip
        if isolation == "sandbox":
            limits["RLIMIT_NPROC"] = PROCESSES
        job = pickle.dumps({"cells": cells, "calls": calls, "limits": limits, "uid": self.uid})
        r, w = os.pipe()
        jr, jw = os.pipe()
        filt = bubblewrap.seccomp_fd() if isolation == "sandbox" else None
        if isolation == "sandbox":
            bwrap = bubblewrap.find_bwrap() or "bwrap"
            argv, pre = bubblewrap.command(bwrap, [], w, seccomp=filt), None
        else:
            argv = [sys.executable, "-I", str(bubblewrap.CHILD), str(w)]
            pre = lambda: _fallback_limits(memory_mb, cpu_s)  # noqa: E731
        try:
            self.proc = subprocess.Popen(
                argv, stdin=jr, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(w,) if filt is None else (w, filt), cwd="/", env=_plain_env(),
                start_new_session=True, preexec_fn=pre,
            )  # fmt: skip
        except BaseException:
            _give_uid(self.uid)
            raise
        finally:
            for fd in (w, jr) if filt is None else (w, jr, filt):
                os.close(fd)
        threading.Thread(target=_feed, args=(jw, job), daemon=True).start()
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
                        msg = parse_message(body)
                    except Exception:  # noqa: BLE001 - anything a child can forge
                        msg = None
                    if not isinstance(msg, dict):
                        self.reason = "sent a malformed message"
                    return msg
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([self.fd], [], [], wait)[0]:
                self.reason = "timeout"
                return None
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                try:
                    code = self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:  # closed its pipe but keeps running
                    self.reason = "closed its result channel"
                    return None
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
        _give_uid(self.uid)


def _plain_env() -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp", "LANG": "C.UTF-8"}
    return env | {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def run_calls(
    cells: list[tuple[str, str]],
    calls: list[Call],
    timeout: float = 10.0,
    memory_mb: int = 1024,
    isolation: str = "sandbox",
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
        cpu_s = int(timeout * (groups + 1) + LOAD_EXTRA) + 2
        child = _Child(cells, todo, memory_mb, cpu_s, isolation)
        try:
            msg = child.receive(time.monotonic() + timeout + LOAD_EXTRA)
            if msg is None or msg.get("kind") != "loaded":
                why = "took too long" if child.reason == "timeout" else child.reason
                for i in pending:
                    outputs[i] = Failure(f"loading the submission failed: {why}")
                break
            if first:
                given = msg.get("notes")
                notes += [str(n)[:300] for n in (given if isinstance(given, list) else [])[:20]]
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
    if 128 < code <= 128 + 64:  # bubblewrap reports a child's signal as 128 + its number
        code = 128 - code
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:  # real-time and other unnamed signals
            name = f"signal {-code}"
        extra = {
            "SIGXCPU": ": CPU time limit",
            "SIGKILL": ": killed",
            "SIGXFSZ": ": file too large",
        }
        return name + extra.get(name, "")
    return f"exit code {code}"
