"""The messages a sandboxed child sends back, and their validation on the grader's side.

A frame is ``>Q`` (body length) + body; a body is ``>I`` (header length) + a JSON header + raw
array bytes. A value in the header is ``{"t": "none"}``, ``{"t": "tuple", "items": [...]}``,
``{"t": "array", "dtype": "<f8", "shape": [2, 3]}`` (its bytes follow, in order) or
``{"t": "other", "type": "dict"}``. Only numeric and boolean dtypes are rebuilt, and only when
dtype, shape and byte count agree; nothing is ever unpickled.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from attnlib.grading.compare import Failure


def decode_value(node: Any, blob: memoryview, pos: list[int], depth: int = 0) -> Any:
    """Rebuild a value from the child's header and bytes, refusing anything but plain numbers."""
    if not isinstance(node, dict) or depth > 3:
        return Failure("malformed result")
    t = node.get("t")
    if t == "none":
        return None
    if t == "other":
        kind = str(node.get("type"))[:40]
        if kind.startswith("array"):
            return Failure(f"returned an {kind}, expected an array of numbers")
        return Failure(f"returned a {kind}, expected a NumPy array")
    if t == "tuple" and isinstance(node.get("items"), list) and len(node["items"]) <= 16:
        return tuple(decode_value(item, blob, pos, depth + 1) for item in node["items"])
    if t == "array":
        dtype, shape = np.dtype(str(node.get("dtype"))), node.get("shape")
        ok = dtype.kind in "biufc" and not dtype.hasobject and isinstance(shape, list)
        if not ok or not all(isinstance(n, int) and n >= 0 for n in shape) or len(shape) > 8:
            return Failure("malformed result")
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if pos[0] + nbytes > len(blob):
            return Failure("malformed result")
        arr = np.frombuffer(blob[pos[0] : pos[0] + nbytes], dtype=dtype).reshape(shape).copy()
        pos[0] += nbytes
        return arr
    return Failure("malformed result")


def parse_message(body: bytes) -> dict:
    (hlen,) = struct.unpack(">I", body[:4])
    header = json.loads(body[4 : 4 + hlen])
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    if "value" in header:
        header["value"] = decode_value(header["value"], memoryview(body)[4 + hlen :], [0])
    return header
