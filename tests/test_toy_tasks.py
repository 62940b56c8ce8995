"""Tests of the toy sequence tasks used by the code chapters."""

import pytest
import torch
from attnlib.data.toy_tasks import (
    distinct_tokens,
    first_token_task,
    previous_and_mirror_task,
    previous_token_task,
    reverse_task,
)


def test_distinct_tokens_shape_range_and_distinctness():
    x = distinct_tokens(50, 6, 10, seed=1)
    assert x.shape == (50, 6)
    assert x.dtype == torch.long
    assert int(x.min()) >= 0 and int(x.max()) < 10
    assert all(len(set(row.tolist())) == 6 for row in x)


def test_same_seed_same_data_and_other_seed_differs():
    assert torch.equal(distinct_tokens(8, 5, 9, seed=3), distinct_tokens(8, 5, 9, seed=3))
    assert not torch.equal(distinct_tokens(8, 5, 9, seed=3), distinct_tokens(8, 5, 9, seed=4))


def test_targets():
    x, y = reverse_task(4, 5, 9)
    assert y[0, 0] == x[0, -1] and y[2, 4] == x[2, 0]
    x, y = previous_token_task(4, 5, 9)
    assert y[1, 3] == x[1, 2] and y[1, 0] == x[1, -1]
    x, yp, ym = previous_and_mirror_task(4, 5, 9)
    assert torch.equal(yp, x.roll(1, -1)) and torch.equal(ym, x.flip(-1))
    x, y = first_token_task(4, 5, 9)
    assert bool((y == x[:, :1]).all())


def test_too_long_for_vocab_is_rejected():
    with pytest.raises(ValueError, match="length 7 > vocab_size 5"):
        distinct_tokens(2, 7, 5)
