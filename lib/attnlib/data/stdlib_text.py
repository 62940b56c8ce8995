"""Character text that ships with Python itself: the standard library's own source code.

Reading the installed standard library needs no download and no data files, and every
learner who has Python has the same text (for the same Python version).
"""

from __future__ import annotations

import importlib
import inspect

DEFAULT_MODULES = ("textwrap", "string", "fnmatch", "shlex", "glob", "bisect", "heapq", "colorsys")


def stdlib_source(modules: tuple[str, ...] = DEFAULT_MODULES, ascii_only: bool = True) -> str:
    """The source files of the given pure-Python standard-library modules, concatenated.

    Args:
        modules: module names; each must be implemented in Python (not C).
        ascii_only: drop non-ASCII characters so the character vocabulary stays small.

    Returns:
        one string; modules are separated by a blank line, in the order given.
    """
    parts = []
    for name in modules:
        module = importlib.import_module(name)
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError) as err:
            raise ValueError(f"module {name!r} has no Python source (is it written in C?)") from err
        parts.append(source)
    text = "\n\n".join(parts)
    if ascii_only:
        text = text.encode("ascii", "ignore").decode("ascii")
    return text


def train_val_split(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """Split a text into a leading training part and a trailing validation part."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    cut = int(len(text) * (1.0 - val_fraction))
    return text[:cut], text[cut:]
