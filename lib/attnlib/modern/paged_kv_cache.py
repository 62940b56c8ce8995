r"""A paged KV cache: fixed-size blocks from one pool, a block table per sequence (vLLM's idea).

A contiguous cache reserves one slab per sequence; a paged cache cuts memory into blocks of
``block_size`` token slots and gives each sequence a **block table**, the list of its block ids.
Token $t$ of a sequence lives in block ``table[t // block_size]``, slot ``t % block_size``.
Blocks are handed out by a :class:`BlockAllocator` only when a sequence needs one, so at most
``block_size - 1`` slots per sequence are ever empty, and blocks are reference-counted so that
sequences with a common prefix can share them (copy-on-write when a shared block is written).

Shapes: pools ``(num_blocks, H, block_size, D)``; one sequence's keys ``(H, S, D)``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from attnlib.nn.kv_cache import KVCache
from attnlib.scratch._checks import check_size


class BlockAllocator:
    """Hands out block ids from a free list and takes them back when no sequence uses them."""

    def __init__(self, num_blocks: int) -> None:
        self.num_blocks = check_size("num_blocks", num_blocks, 1)
        self.free_ids = list(range(num_blocks - 1, -1, -1))  # pop() gives the lowest id first
        self.refcount = [0] * num_blocks

    @property
    def num_free(self) -> int:
        return len(self.free_ids)

    def allocate(self) -> int:
        """A free block id, its reference count set to 1; ``MemoryError`` when none is left."""
        if not self.free_ids:
            raise MemoryError(f"all {self.num_blocks} blocks are in use")
        block = self.free_ids.pop()
        self.refcount[block] = 1
        return block

    def share(self, block: int) -> None:
        """One more sequence uses ``block``."""
        if self.refcount[block] == 0:
            raise ValueError(f"block {block} is free; only a block in use can be shared")
        self.refcount[block] += 1

    def release(self, block: int) -> None:
        """One sequence fewer uses ``block``; at zero it goes back on the free list."""
        if self.refcount[block] == 0:
            raise ValueError(f"block {block} is already free")
        self.refcount[block] -= 1
        if self.refcount[block] == 0:
            self.free_ids.append(block)


class PagedKVCache:
    r"""Keys and values of many sequences in one pool of blocks, addressed by block tables.

    Args:
        num_blocks: blocks in the pool.
        block_size: token slots per block.
        num_heads: key/value heads H.
        head_dim: D.
        dtype: dtype of the pools.
    """

    def __init__(self, num_blocks: int, block_size: int, num_heads: int, head_dim: int,
                 dtype: torch.dtype = torch.float32) -> None:  # fmt: skip
        self.block_size = check_size("block_size", block_size, 1)
        shape = (num_blocks, check_size("num_heads", num_heads, 1), block_size,
                 check_size("head_dim", head_dim, 1))  # fmt: skip
        self.allocator = BlockAllocator(num_blocks)
        self.k_pool = torch.zeros(shape, dtype=dtype)  # (num_blocks, H, block_size, D)
        self.v_pool = torch.zeros(shape, dtype=dtype)
        self.tables: dict[int, list[int]] = {}  # sequence id -> block ids
        self.lengths: dict[int, int] = {}  # sequence id -> tokens stored

    def append(self, seq: int, k: Tensor, v: Tensor) -> None:
        """Store new keys and values (H, L_new, D) of sequence ``seq`` (created if new)."""
        _, H, bs, D = self.k_pool.shape
        for name, t in (("k", k), ("v", v)):
            if not isinstance(t, Tensor) or t.dtype != self.k_pool.dtype:
                what = t.dtype if isinstance(t, Tensor) else type(t).__name__
                raise TypeError(f"{name} must be a {self.k_pool.dtype} tensor, got {what}")
            if t.dim() != 3 or t.shape[0] != H or t.shape[2] != D:
                raise ValueError(f"{name} must be (H={H}, L_new, D={D}), got {tuple(t.shape)}")
        if k.shape != v.shape:
            raise ValueError(f"k {tuple(k.shape)} and v {tuple(v.shape)} differ")
        table = self.tables.setdefault(seq, [])
        n = self.lengths.setdefault(seq, 0)
        for i in range(k.shape[1]):
            block, slot = divmod(n + i, bs)
            if block == len(table):  # the last block is full (or there is none): a new one
                table.append(self.allocator.allocate())
            elif self.allocator.refcount[table[block]] > 1:  # shared: copy before writing
                table[block] = self._copy_block(table[block])
            self.k_pool[table[block], :, slot] = k[:, i]  # (H, D) into slot `slot`
            self.v_pool[table[block], :, slot] = v[:, i]
        self.lengths[seq] = n + k.shape[1]

    def gather(self, seq: int) -> tuple[Tensor, Tensor]:
        """The keys and values of ``seq`` as contiguous tensors (H, S, D), in token order."""
        table, S = self.tables[seq], self.lengths[seq]
        ids = torch.tensor(table, dtype=torch.long)
        # (n_blocks, H, bs, D) -> (H, n_blocks, bs, D) -> (H, n_blocks * bs, D) -> (H, S, D)
        k = self.k_pool[ids].transpose(0, 1).flatten(1, 2)[:, :S]
        v = self.v_pool[ids].transpose(0, 1).flatten(1, 2)[:, :S]
        return k, v

    def fork(self, parent: int, child: int) -> None:
        """Start ``child`` as a copy of ``parent`` that shares all of its blocks (no copying)."""
        if child in self.tables:
            raise ValueError(f"sequence {child} already exists")
        for block in self.tables[parent]:
            self.allocator.share(block)
        self.tables[child] = list(self.tables[parent])
        self.lengths[child] = self.lengths[parent]

    def free(self, seq: int) -> None:
        """Release every block of a finished sequence."""
        for block in self.tables.pop(seq):
            self.allocator.release(block)
        del self.lengths[seq]

    def _copy_block(self, block: int) -> int:
        new = self.allocator.allocate()
        self.k_pool[new], self.v_pool[new] = self.k_pool[block], self.v_pool[block]
        self.allocator.release(block)
        return new


class PagedSequences(KVCache):
    """One layer's view of a :class:`PagedKVCache` for a batch of sequences: a drop-in
    :class:`~attnlib.nn.KVCache`, so ``MultiHeadAttention`` and ``CausalLM`` decode from pages.
    """

    def __init__(self, paged: PagedKVCache, seqs: list[int]) -> None:  # no KVCache tensors
        self.paged, self.seqs = paged, list(seqs)

    @property
    def k(self) -> Tensor | None:
        """All cached keys of the batch (B, H, S, D), gathered from the pages."""
        return torch.stack([self.paged.gather(s)[0] for s in self.seqs]) if len(self) else None

    @property
    def v(self) -> Tensor | None:
        """All cached values of the batch (B, H, S, D), gathered from the pages."""
        return torch.stack([self.paged.gather(s)[1] for s in self.seqs]) if len(self) else None

    def __len__(self) -> int:
        return self.paged.lengths.get(self.seqs[0], 0)

    def update(self, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Append (B, H, L_new, D) for the B sequences; return all of them (B, H, S, D)."""
        if k.dim() != 4 or k.shape[0] != len(self.seqs):
            raise ValueError(f"k must be (B={len(self.seqs)}, H, L_new, D), got {tuple(k.shape)}")
        for b, seq in enumerate(self.seqs):
            self.paged.append(seq, k[b], v[b])
        pairs = [self.paged.gather(seq) for seq in self.seqs]
        return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])

    def reset(self) -> None:
        """Free the batch's sequences (their blocks go back to the pool)."""
        for seq in self.seqs:
            if seq in self.paged.tables:
                self.paged.free(seq)
