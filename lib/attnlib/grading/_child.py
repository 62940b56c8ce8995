"""The sandboxed side of ``attn-grade``: load a student's code, run the calls, send raw outputs.

Run as ``python -I _child.py JOB FD`` by :mod:`attnlib.grading.sandbox`, under resource limits.
This file imports nothing from attnlib (it is blocked here). It never sees expected values: it
sends back what the student's functions returned — only numbers, as dtype + shape + raw bytes —
and the grader validates and compares them in its own process.
"""

import json
import os
import pickle
import struct
import sys

import numpy as np

_write, _dumps, _pack = os.write, json.dumps, struct.pack
_asarray, _ascontig, _ndarray, _generic = np.asarray, np.ascontiguousarray, np.ndarray, np.generic
_BaseException, _isinstance, _type, _str = BaseException, isinstance, type, str


class _Discard:
    """Replaces sys.stdout/sys.stderr: floods of print() cost nothing and reach nobody."""

    def write(self, s):
        return len(s)

    def flush(self):
        pass


class _BlockAttnlib:
    """Submissions are graded without the course library (no calling the reference code)."""

    def find_spec(self, name, path=None, target=None):
        if name == "attnlib" or name.startswith("attnlib."):
            raise ImportError("attnlib is not available while grading: use NumPy only")
        return None


def _exit(*args, **kwargs):
    raise SystemExit("exit() called")


def _encode(value, blobs, depth=0):
    if value is None:
        return {"t": "none"}
    if _isinstance(value, (tuple, list)) and depth < 2 and len(value) <= 16:
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
    body = _pack(">I", len(head)) + head + b"".join(blobs)
    data = _pack(">Q", len(body)) + body
    while data:
        data = data[_write(fd, data) :]


def main():
    job_path, fd = sys.argv[1], int(sys.argv[2])
    with open(job_path, "rb") as f:
        job = pickle.load(f)  # written by the grader, not by the student
    os.remove(job_path)
    sys.stdout = sys.stderr = _Discard()
    sys.meta_path.insert(0, _BlockAttnlib())
    for name in [m for m in sys.modules if m == "attnlib" or m.startswith("attnlib.")]:
        del sys.modules[name]
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
