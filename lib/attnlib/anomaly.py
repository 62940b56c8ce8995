"""Anomaly scores for multichannel streams without attention, and how to grade any score.

The detectors a practitioner tries first, each giving one score per time step (higher = more
anomalous), and the metrics used to compare them with a learned model:

- :func:`rolling_zscore`: per channel, how many trailing standard deviations a reading is away
  from the trailing mean; the score is the largest over channels.
- :func:`pca_window_scores`: fit PCA on windows of normal data; the score of step t is the
  squared reconstruction error of the window that ends at t, in its last step.
- :func:`linear_forecast_scores`: least-squares forecast of the next step from a window; the
  score is the squared error, each channel divided by its error variance on normal data.
- :func:`roc_auc` and :func:`f1_at`: threshold-free ranking quality, and F1 at a threshold.
"""

from __future__ import annotations

import numpy as np

from attnlib.data.machines import past_and_next
from attnlib.data.series import sliding_windows


def _check_stream(x: np.ndarray, name: str = "x") -> None:
    if np.ndim(x) != 2:
        raise ValueError(f"{name} must be a (T, C) stream, got shape {np.shape(x)}")


def rolling_zscore(x: np.ndarray, window: int) -> np.ndarray:
    r"""$s_t = \max_c |x_{tc} - \mu_{tc}| / \sigma_{tc}$, with $\mu, \sigma$ over steps $t-w..t-1$.

    Args:
        x: (T, C) stream. window: w, the trailing steps (before step w: all earlier steps).

    Returns:
        (T,) scores.
    """
    _check_stream(x)
    if not 1 < window < len(x):
        raise ValueError(f"window must be in (1, T), got {window} for T = {len(x)}")
    x = np.asarray(x, dtype=np.float64)
    past, now = past_and_next(x, window)  # (N, w, C), (N, C)
    z = np.abs(now - past.mean(axis=1)) / (past.std(axis=1) + 1e-8)  # (N, C)
    # the first w steps: all the steps before them (an expanding window; steps 0, 1 score 0)
    first = [np.abs(x[t] - x[:t].mean(0)) / (x[:t].std(0) + 1e-8) for t in range(2, window)]
    return np.concatenate([np.zeros(2), np.max(first, axis=1) if first else [], z.max(axis=1)])


def standardize(train: np.ndarray, *streams: np.ndarray) -> list[np.ndarray]:
    """Each stream minus the training mean, divided by the training std, per channel."""
    _check_stream(train, "train")
    mean, std = train.mean(axis=0), train.std(axis=0) + 1e-8
    for s in streams:
        _check_stream(s, "stream")
        if s.shape[1] != train.shape[1]:
            raise ValueError(f"stream has {s.shape[1]} channels, train has {train.shape[1]}")
    return [((s - mean) / std).astype(np.float32) for s in streams]


def pca_window_scores(train: np.ndarray, x: np.ndarray, window: int, k: int) -> np.ndarray:
    r"""PCA reconstruction error of the window ending at each step, in that step's C values.

    Windows $w \in \mathbb{R}^{W C}$ of ``train`` give a mean $m$ and the top-$k$ principal
    directions $U$ (WC, k); $\hat w = m + U U^\top (w - m)$, and $s_t = \|w_{\text{last}} -
    \hat w_{\text{last}}\|^2$.

    Returns:
        (T,) scores of ``x`` (the first window - 1 steps score 0).
    """
    _check_stream(train, "train")
    _check_stream(x)
    if not 0 < k <= window * x.shape[1]:
        raise ValueError(f"k must be in [1, {window * x.shape[1]}], got {k}")
    if not 0 < window <= min(len(train), len(x)):
        raise ValueError(f"window must be in [1, T], got {window}")
    C = x.shape[1]

    def flat(s):  # (T, C) -> (T - W + 1, W C): every window, flattened
        windows, _ = sliding_windows(np.asarray(s, dtype=np.float64), window, 0)  # (N, W, C)
        return windows.reshape(len(windows), window * C)

    w_train = flat(train)  # (N, W C)
    mean = w_train.mean(axis=0)
    _, _, vt = np.linalg.svd(w_train - mean, full_matrices=False)
    U = vt[:k].T  # (W C, k)
    w = flat(x) - mean  # (N, W C)
    error = (w - w @ U @ U.T)[:, -C:]  # (N, C): the last step of each window
    return np.concatenate([np.zeros(window - 1), (error**2).sum(axis=1)])


def forecast_scores(predicted: np.ndarray, actual: np.ndarray, variance: np.ndarray) -> np.ndarray:
    r"""$s_t = \sum_c (x_{tc} - \hat x_{tc})^2 / v_c$: forecast errors (N, C) -> scores (N,)."""
    if predicted.shape != actual.shape or predicted.ndim != 2:
        raise ValueError(f"predicted {predicted.shape} and actual {actual.shape} must be (N, C)")
    if np.shape(variance) != (actual.shape[1],):
        raise ValueError(f"variance must be ({actual.shape[1]},), got {np.shape(variance)}")
    return (((actual - predicted) ** 2) / variance).sum(axis=1)


def linear_forecast_scores(train: np.ndarray, x: np.ndarray, window: int, ridge: float = 1e-3):
    r"""Ridge forecast $\hat x_t = [x_{t-W..t-1}, 1]\, B$ fitted on ``train``, scored on ``x``.

    Returns:
        (T,) scores (the first ``window`` steps score 0), and the weights B (W C + 1, C).
    """
    _check_stream(train, "train")
    _check_stream(x)
    past, now = past_and_next(np.asarray(train, dtype=np.float64), window)  # (N, W, C), (N, C)
    A = np.hstack([past.reshape(len(now), -1), np.ones((len(now), 1))])  # (N, W C + 1)
    B = np.linalg.solve(A.T @ A + ridge * len(now) * np.eye(A.shape[1]), A.T @ now)
    variance = ((A @ B - now) ** 2).mean(axis=0)  # (C,) on normal data
    past, now = past_and_next(np.asarray(x, dtype=np.float64), window)
    predicted = np.hstack([past.reshape(len(now), -1), np.ones((len(now), 1))]) @ B
    return np.concatenate([np.zeros(window), forecast_scores(predicted, now, variance)]), B


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    r"""Area under the ROC curve: $P(s^+ > s^-) + \tfrac12 P(s^+ = s^-)$ (Mann–Whitney)."""
    scores, positive = np.asarray(scores, dtype=np.float64), np.asarray(positive, dtype=bool)
    if scores.shape != positive.shape or scores.ndim != 1:
        raise ValueError(f"scores {scores.shape} and positive {positive.shape} must be (N,)")
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"need positives and negatives, got {n_pos} and {n_neg}")
    if not np.isfinite(scores).all():
        raise ValueError(f"scores hold {int((~np.isfinite(scores)).sum())} NaN or infinite values")
    from sklearn.metrics import roc_auc_score  # the same area, ties counted half

    return float(roc_auc_score(positive, scores))


def auc_by_kind(scores: np.ndarray, labels: np.ndarray, kinds=(1, 2, 3)) -> list[float]:
    """ROC AUC of each kind of anomaly against the normal steps (label 0); other kinds left out."""
    labels = np.asarray(labels)
    return [
        roc_auc(scores[(labels == 0) | (labels == k)], labels[(labels == 0) | (labels == k)] == k)
        for k in kinds
    ]


def f1_at(scores: np.ndarray, positive: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """(precision, recall, F1) of flagging the steps with score > threshold."""
    scores, positive = np.asarray(scores), np.asarray(positive, dtype=bool)
    if scores.shape != positive.shape:
        raise ValueError(f"scores {scores.shape} and positive {positive.shape} differ")
    flagged = scores > threshold
    tp = int((flagged & positive).sum())
    precision = tp / max(1, int(flagged.sum()))
    recall = tp / max(1, int(positive.sum()))
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


def best_threshold(scores: np.ndarray, positive: np.ndarray) -> float:
    """The threshold (one of the scores) with the highest F1, e.g. on a validation stream."""
    candidates = np.unique(np.asarray(scores))
    f1 = [f1_at(scores, positive, t)[2] for t in candidates[:-1]] or [0.0]
    return float(candidates[int(np.argmax(f1))])
