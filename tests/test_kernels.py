import multiprocessing
import warnings

import numpy as np
import pytest

from minifluid import kernels
from minifluid.registry import get_kernel

LOSS = "sigmoid_cross_entropy_with_logits"


def _loss_sum(n):
    x = np.linspace(-5, 5, n)
    return float(get_kernel(LOSS, "cpu", "float64")(x, np.zeros(n), None, ignore_index=-100,
                                                    normalize=False).sum())


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_threaded_kernels_work_in_a_forked_child(monkeypatch):
    monkeypatch.setattr(kernels, "BLOCK", 1000)
    monkeypatch.setattr(kernels, "PARALLEL_MIN", 2000)
    monkeypatch.setattr(kernels, "THREADS", 2)
    want = _loss_sum(20000)  # starts the thread pool in this process
    with multiprocessing.get_context("fork").Pool(1) as pool:
        got = pool.apply_async(_loss_sum, (20000,)).get(timeout=60)
    assert got == pytest.approx(want)


def test_for_blocks_covers_every_row_once(monkeypatch):
    monkeypatch.setattr(kernels, "BLOCK", 100)
    monkeypatch.setattr(kernels, "PARALLEL_MIN", 150)
    monkeypatch.setattr(kernels, "THREADS", 3)
    for rows, size in [(1, 1), (99, 1), (1000, 1), (37, 7), (5, 500)]:
        seen = np.zeros(rows, int)

        def fn(lo, hi):
            seen[lo:hi] += 1
        kernels.for_blocks(fn, rows, size)
        assert np.all(seen == 1), (rows, size)


def test_work_buffers_grow_and_zeros_stay_zero():
    big = np.ones(kernels.BLOCK * 2 + 5)
    assert kernels.zeros(big).shape == big.shape and not kernels.zeros(big).any()
    assert kernels.scratch(big, 1).shape == big.shape


@pytest.mark.skipif(kernels._getcpu is None or len(getattr(kernels.os, "sched_getaffinity",
                                                          lambda _: ())(0)) < 2,
                    reason="needs sched_getcpu and two CPUs")
def test_threads_run_on_separate_cpus_and_the_callers_mask_comes_back(monkeypatch):
    import os
    import threading
    monkeypatch.setattr(kernels, "BLOCK", 100)
    monkeypatch.setattr(kernels, "PARALLEL_MIN", 150)
    mask = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, mask)
    except OSError:
        pytest.skip("this process may not set its threads' CPU affinity")
    where = []

    def fn(lo, hi):
        where.append((threading.current_thread() is threading.main_thread(), kernels._getcpu()))
    kernels.for_blocks(fn, 1000)
    assert os.sched_getaffinity(0) == mask
    mine = {cpu for main, cpu in where if main}
    theirs = {cpu for main, cpu in where if not main}
    assert len(mine) == 1 and theirs and not mine & theirs, where
    # A caller held to one CPU keeps its threads there too.
    one = next(iter(mine))
    os.sched_setaffinity(0, {one})
    try:
        where.clear()
        kernels.for_blocks(fn, 1000)
    finally:
        os.sched_setaffinity(0, mask)
    assert {cpu for _, cpu in where} == {one}, where


def test_native_library_refuses_a_stale_build_and_misses_quietly():
    from minifluid.ops import sigmoid_cross_entropy_with_logits as op_module
    name = "_sigmoid_cross_entropy_with_logits_cpu"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kernels.native_library(op_module.__file__, "_no_such_library", abi=1) is None
    if op_module._native is None:
        pytest.skip("the C kernel is not built")
    assert kernels.native_library(op_module.__file__, name, abi=1) is not None
    with pytest.warns(RuntimeWarning, match=r"older source \(ABI 1, not 2\).*pip install -e"):
        assert kernels.native_library(op_module.__file__, name, abi=2) is None
