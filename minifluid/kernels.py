"""Helpers for writing kernels.

numpy runs each ufunc as a separate pass over memory, and on one thread. A kernel that chains
several ufuncs over a large array therefore runs them block by block, so each block stays in
the core's cache between ufuncs, and splits the blocks across threads (numpy releases the
GIL inside ufunc loops). Its scratch space is then one block, not an array the size of the
input. Measured on the loss kernels on a 2-core VM (benchmarks/RESULTS.md): blocks under
256K elements lose more to per-call overhead than they gain in cache, and a second thread
pays only from about 5e5 elements: waking a thread costs ~75 us there, and each ufunc call
hands the GIL over.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["BLOCK", "for_blocks", "scratch", "zeros"]

BLOCK = 1 << 18  # elements per block: 1 MiB per float32 array; a few stay in L2/L3 cache
PARALLEL_MIN = 1 << 19  # elements; below this a second thread costs more than it saves
THREADS = max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                     else os.cpu_count() or 1))
_pool = None


_zeros = {}


def zeros(like: np.ndarray) -> np.ndarray:
    """Read-only zeros shaped like `like` (at most BLOCK elements): numpy's maximum(x, 0)
    against a scalar runs 4x slower than maximum(x, zeros), which has a SIMD loop."""
    z = _zeros.get(like.dtype)
    if z is None:
        z = _zeros[like.dtype] = np.zeros(BLOCK, like.dtype)
        z.flags.writeable = False
    return z[:like.size].reshape(like.shape)


_local = threading.local()


def scratch(like: np.ndarray) -> np.ndarray:
    """A work array shaped like `like`, this thread's, reused from call to call: a fresh
    1 MiB array would be mapped from the OS, and page-faulted in, every time."""
    bufs = _local.__dict__.setdefault("bufs", {})
    buf = bufs.get(like.dtype)
    if buf is None or buf.size < like.size:
        buf = bufs[like.dtype] = np.empty(max(like.size, BLOCK), like.dtype)
    return buf[:like.size].reshape(like.shape)


def _loop(fn, lo, hi, step):
    for s in range(lo, hi, step):
        fn(s, min(s + step, hi))


def for_blocks(fn, rows: int, row_size: int = 1):
    """Call fn(lo, hi) over rows [0, rows) in blocks of about BLOCK elements, on up to
    THREADS threads. fn must write only rows [lo, hi) of its outputs.
    """
    global _pool
    if rows * row_size <= BLOCK:
        fn(0, rows)
        return
    per_block = max(1, BLOCK // max(row_size, 1))
    blocks = -(-rows // per_block)
    parts = max(1, min(THREADS, blocks, rows * row_size // PARALLEL_MIN))
    if parts == 1:
        _loop(fn, 0, rows, per_block)
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(THREADS - 1, thread_name_prefix="minifluid")
    cuts = [min(rows, blocks * i // parts * per_block) for i in range(parts + 1)]
    futures = [_pool.submit(_loop, fn, cuts[i], cuts[i + 1], per_block)
               for i in range(1, parts)]
    _loop(fn, cuts[0], cuts[1], per_block)
    for f in futures:
        f.result()
