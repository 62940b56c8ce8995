"""Shared fixtures: the one comparison helper (tests/compare.py) as ``close``."""

from __future__ import annotations

import pytest
from compare import ORACLE_ERRORS, assert_close


@pytest.fixture(scope="session")
def close():
    """The shared comparison helper (session-scoped so hypothesis tests may use it)."""
    return assert_close


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if ORACLE_ERRORS and config.getoption("verbose") > 0:
        terminalreporter.write_sep("-", "max abs error per oracle case")
        for label, err in sorted(ORACLE_ERRORS.items()):
            terminalreporter.write_line(f"{err:10.2e}  {label}")


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny tensors run fastest on one thread (and do not stall when the CPU is shared)."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
