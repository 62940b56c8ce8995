"""A small, seeded training loop with a progress bar, shared by the application chapters."""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from tqdm import tqdm


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and PyTorch so a run can be repeated exactly."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def warmup_cosine(step: int, total: int, warmup: int) -> float:
    r"""Learning-rate multiplier: linear warm-up, then cosine decay to 0.

    $m(s) = s / w$ for $s < w$, else $\tfrac12\left(1 + \cos\left(\pi \frac{s - w}{T - w}\right)\right)$.
    """
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def fit(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.nn.Module, Any], torch.Tensor],
    get_batch: Callable[[torch.Generator], Any],
    steps: int,
    lr: float = 3e-3,
    weight_decay: float = 0.01,
    warmup: int = 50,
    clip: float = 1.0,
    seed: int = 0,
    eval_fn: Callable[[torch.nn.Module], float] | None = None,
    eval_every: int = 0,
    desc: str = "training",
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train ``model`` with AdamW, warm-up + cosine schedule and gradient clipping.

    Args:
        model: the module to train (its parameters are updated in place).
        loss_fn: ``loss_fn(model, batch) -> scalar loss``.
        get_batch: ``get_batch(generator) -> batch``; draws from the seeded generator, so the
            sequence of batches is the same on every run.
        steps: number of optimisation steps.
        lr, weight_decay, warmup, clip: optimiser settings.
        seed: seeds torch (initial dropout etc.) and the batch generator.
        eval_fn: optional ``eval_fn(model) -> float`` run every ``eval_every`` steps (in eval
            mode, without gradients).
        desc, progress: the tqdm bar's label, and whether to show it.

    Returns:
        history: ``{"step": [...], "loss": [...]}`` per step, plus ``"eval_step"``/``"eval"``.
    """
    if steps <= 0:
        raise ValueError(f"steps must be positive, got {steps}")
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: warmup_cosine(s, steps, warmup)
    )
    history: dict[str, list[float]] = {"step": [], "loss": [], "eval_step": [], "eval": []}
    bar = tqdm(range(steps), desc=desc, disable=not progress, file=sys.stdout, mininterval=10.0)
    for step in bar:
        model.train()
        loss = loss_fn(model, get_batch(generator))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        schedule.step()
        history["step"].append(step)
        history["loss"].append(loss.item())
        if (
            eval_fn is not None
            and eval_every
            and ((step + 1) % eval_every == 0 or step + 1 == steps)
        ):
            model.eval()
            with torch.no_grad():
                history["eval_step"].append(step + 1)
                history["eval"].append(float(eval_fn(model)))
            bar.set_postfix(
                loss=f"{loss.item():.3f}", eval=f"{history['eval'][-1]:.3f}", refresh=False
            )
        elif step % 20 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    model.eval()
    return history


def count_parameters(model: torch.nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
