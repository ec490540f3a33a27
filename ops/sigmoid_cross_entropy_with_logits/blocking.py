"""The loss's CPU blocking and threading: for_blocks, and the per-thread work arrays.

numpy runs each ufunc as a separate pass over memory, and on one thread. A kernel that chains
several ufuncs over a large array therefore runs them block by block, so each block stays in
the core's cache between ufuncs, and splits the blocks across threads (numpy releases the
GIL inside ufunc loops). Its scratch space is then one block, not an array the size of the
input. Measured on the loss kernels on a 2-core VM (benchmarks/RESULTS.md): blocks under
256K elements lose more to per-call overhead than they gain in cache, and a second thread
pays only from about 5e5 elements: waking a thread costs ~75 us there, and each ufunc call
hands the GIL over. While the threads run, each is held to its own CPU (the caller to the
one it is on, for the call only): otherwise Linux wakes a thread that waited for the GIL
on the CPU of the thread that woke it, and the two often end up sharing one CPU (measured:
median 1.5 -> 0.85-1.2 ms for the 1e6-element loss; one thread takes 1.3-1.6).
"""
import contextlib
import ctypes
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

BLOCK = 1 << 18  # elements per block: 1 MiB per float32 array; a few stay in L2/L3 cache
PARALLEL_MIN = 1 << 19  # elements; below this a second thread costs more than it saves
THREADS = max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                     else os.cpu_count() or 1))
_pool = None


def _forget_pool():
    global _pool
    _pool = None  # a forked child inherits the pool but not its threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


_local = threading.local()


def _buffer(key, like, fill):
    """This thread's buffer `key` for like's dtype, at least like.size long, kept between
    calls: a fresh 1 MiB array would be mapped from the OS, and page-faulted in, each time.
    A small one is simply allocated: that is quicker than looking the buffer up."""
    if like.size <= 4096:
        return fill(like.shape, like.dtype)
    bufs = _local.__dict__.setdefault("bufs", {})
    buf = bufs.get((key, like.dtype))
    if buf is None or buf.size < like.size:
        buf = bufs[(key, like.dtype)] = fill(max(like.size, BLOCK), like.dtype)
    return buf[:like.size].reshape(like.shape)


def scratch(like: np.ndarray, k: int = 0) -> np.ndarray:
    """Work array number k, shaped like `like`; its contents are undefined."""
    return _buffer(k, like, np.empty)


def zeros(like: np.ndarray) -> np.ndarray:
    """Zeros shaped like `like`; never write to them. numpy's maximum(x, 0) against a
    scalar runs 4x slower than maximum(x, zeros), which has a SIMD loop."""
    return _buffer("zeros", like, np.zeros)


def _loop(fn, lo, hi, step, cpus=None):
    """fn over [lo, hi) in steps; a pool thread first moves to the set of CPUs `cpus` (it
    stays there after: moving back costs a migration on the next call)."""
    if cpus is not None and getattr(_local, "cpus", None) != cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, cpus)
            _local.cpus = cpus
    for s in range(lo, hi, step):
        fn(s, min(s + step, hi))


try:
    _getcpu = ctypes.CDLL(None).sched_getcpu
    _getcpu.restype = ctypes.c_int
except (AttributeError, OSError, TypeError):  # not glibc/musl, or no sched_getaffinity
    _getcpu = None


@contextlib.contextmanager
def _pinned(workers):
    """Hold the calling thread to the CPU it is on; yield, for each of `workers` pool
    threads, the CPUs it may use: one other CPU each (those after the caller's first, so
    processes on different CPUs spread out), the caller's own mask when there is no other,
    or None where affinity is not available."""
    mask, pinned, cpus = None, False, [None] * workers
    try:
        if _getcpu is not None and hasattr(os, "sched_setaffinity"):
            with contextlib.suppress(OSError):
                mask, here = frozenset(os.sched_getaffinity(0)), _getcpu()
                others = sorted(mask - {here}, key=lambda c: (c < here, c))
                cpus = [mask] * workers
                if here in mask and others:
                    pinned = True
                    os.sched_setaffinity(0, {here})
                    cpus = [frozenset({others[i % len(others)]}) for i in range(workers)]
        yield cpus
    finally:
        if pinned:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(0, mask)


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
    parts = min(THREADS, blocks) if rows * row_size >= PARALLEL_MIN else 1
    if parts == 1:
        _loop(fn, 0, rows, per_block)
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(THREADS - 1, thread_name_prefix="minifluid")
    cuts = [min(rows, blocks * i // parts * per_block) for i in range(parts + 1)]
    with _pinned(parts - 1) as cpus:
        futures = [_pool.submit(_loop, fn, cuts[i], cuts[i + 1], per_block, cpus[i - 1])
                   for i in range(1, parts)]
        _loop(fn, cuts[0], cuts[1], per_block)
        for f in futures:
            f.result()
