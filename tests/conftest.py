"""Shared fixtures: the one comparison helper every scratch oracle test goes through."""

from __future__ import annotations

import numpy as np
import pytest

# (label, max abs error) of every oracle comparison made in this session, for the summary table.
ORACLE_ERRORS: dict[str, float] = {}


def assert_close(ours, reference, tol: float, label: str) -> float:
    """Check shape, then dtype, then values of ``ours`` against ``reference`` (array or tensor).

    Returns the max abs error and records it under ``label`` for the end-of-run error table.
    """
    if hasattr(reference, "detach"):  # a torch tensor
        reference = reference.detach().cpu().numpy()
    ours, reference = np.asarray(ours), np.asarray(reference)
    assert ours.shape == reference.shape, f"{label}: shape {ours.shape} != {reference.shape}"
    assert ours.dtype == reference.dtype, f"{label}: dtype {ours.dtype} != {reference.dtype}"
    same = ours == reference  # equal infinities count as zero error; any NaN counts as a failure
    with np.errstate(invalid="ignore"):  # inf - inf where both are inf; masked by `same`
        diff = np.abs(np.where(same, 0.0, ours.astype(np.float64) - reference))
    err = float(np.max(diff)) if ours.size else 0.0
    ORACLE_ERRORS[label] = max(err, ORACLE_ERRORS.get(label, 0.0))
    assert err <= tol, f"{label}: max abs error {err:.3e} > tolerance {tol:.0e}"
    return err


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
