"""The sandboxed side of ``attn-grade``: load a student's code, run the calls, send raw outputs.

Run as ``python -I -S child.py FD`` inside the sandbox (:mod:`attnlib.grading.bubblewrap`), or,
only when an instructor explicitly turns the sandbox off, as a plain subprocess. The job (the
student's cells and the test inputs, pickled by the grader) arrives on stdin; the results leave
on file descriptor FD, one frame per call: only numbers, as dtype + shape + raw bytes. Expected
values, oracles and hidden tests never come here. This file imports nothing from attnlib.
"""

import json
import os
import pickle
import struct
import sys

if os.path.isdir("/harness/site"):
    sys.path.insert(0, "/harness/site")  # NumPy, bound read-only by the sandbox

import numpy as np  # noqa: E402

_write, _dumps, _pack = os.write, json.dumps, struct.pack
_asarray, _ascontig, _ndarray, _generic = np.asarray, np.ascontiguousarray, np.ndarray, np.generic
_BaseException, _isinstance, _type, _str, _len = BaseException, isinstance, type, str, len


class _Discard:
    """Replaces sys.stdout/sys.stderr: floods of print() cost nothing and reach nobody."""

    def write(self, s):
        return len(s)

    def flush(self):
        pass


class _Block:
    """Without the sandbox only: the course library and torch are refused (a courtesy, not a wall)."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("attnlib", "torch"):
            raise ImportError(f"{name} is not available while grading: use NumPy only")
        return None


def _exit(*args, **kwargs):
    raise SystemExit("exit() called")


def _limit(job):
    """Resource limits (and, when started as root, an unprivileged uid) before student code."""
    import resource

    for name, value in job["limits"].items():
        limit = getattr(resource, name)
        try:
            resource.setrlimit(limit, (value, value + (name == "RLIMIT_CPU")))
        except (ValueError, OSError):  # e.g. macOS refuses RLIMIT_AS; the timeout still holds
            pass
    uid = job.get("uid")
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid:
            os._exit(71)


def _encode(value, blobs, depth=0):
    if value is None:
        return {"t": "none"}
    if _isinstance(value, (tuple, list)) and depth < 2 and _len(value) <= 16:
        return {"t": "tuple", "items": [_encode(v, blobs, depth + 1) for v in value]}
    if _isinstance(value, (bool, int, float, complex, _generic, _ndarray)):
        try:
            arr = _ascontig(_asarray(value))
        except _BaseException:  # e.g. int too large
            return {"t": "other", "type": _type(value).__name__}
        if arr.dtype.kind in "biufc":
            blobs.append(arr.tobytes())
            return {"t": "array", "dtype": arr.dtype.str, "shape": list(arr.shape)}
        return {"t": "other", "type": f"array of dtype {arr.dtype}"}
    return {"t": "other", "type": _type(value).__name__}


def _send(fd, header, blobs=()):
    head = _dumps(header).encode()
    body = _pack(">I", _len(head)) + head + b"".join(blobs)
    data = _pack(">Q", _len(body)) + body
    while data:
        data = data[_write(fd, data) :]


def main():
    fd = int(sys.argv[1])
    if sys.argv[2:] == ["--probe"]:  # the grader checks that a sandbox starts and has NumPy
        os.write(fd, b"sandbox ok\n")
        return
    job = pickle.loads(sys.stdin.buffer.read())  # written by the grader, not by the student
    sys.stdin.close()
    _limit(job)
    if not os.path.isdir("/harness/site"):
        sys.meta_path.insert(0, _Block())
    sys.stdout = sys.stderr = _Discard()
    sys.exit = os._exit = _exit
    ns = {"__name__": "__submission__", "check": lambda *a, **k: None}
    notes = []
    for label, source in job["cells"]:
        try:
            exec(compile(source, label, "exec"), ns)
        except _BaseException as err:
            notes.append(f"{label} raised {_type(err).__name__}: {_str(err)[:200]}")
    _send(fd, {"kind": "loaded", "notes": notes[:20]})
    for cid, fn_name, args, kwargs in job["calls"]:
        fn = ns.get(fn_name)
        blobs = []
        try:
            if not callable(fn):
                raise NameError(f"function `{fn_name}` is not defined in the submission")
            value = _encode(fn(*args, **kwargs), blobs)
            header = {"kind": "result", "id": cid, "value": value}
        except _BaseException as err:
            blobs = []
            header = {
                "kind": "result",
                "id": cid,
                "error": f"{_type(err).__name__}: {_str(err)[:300]}",
            }
        _send(fd, header, blobs)
    _send(fd, {"kind": "done"})


main()
