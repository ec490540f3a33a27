import hashlib
import importlib.machinery
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import sysconfig
import warnings

import numpy as np
import pytest
from reference import bce_with_logits

from minifluid import kernels
from minifluid.ops.sigmoid_cross_entropy_with_logits import blocking
from minifluid.registry import get_kernel

LOSS = "sigmoid_cross_entropy_with_logits"


def _loss_sum(n):
    x = np.linspace(-5, 5, n)
    return float(get_kernel(LOSS, "cpu", "float64")(x, np.zeros(n), None, ignore_index=-100,
                                                    normalize=False).sum())


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_threaded_kernels_work_in_a_forked_child(monkeypatch):
    monkeypatch.setattr(blocking, "BLOCK", 1000)
    monkeypatch.setattr(blocking, "PARALLEL_MIN", 2000)
    monkeypatch.setattr(blocking, "THREADS", 2)
    want = _loss_sum(20000)  # starts the thread pool in this process
    with multiprocessing.get_context("fork").Pool(1) as pool:
        got = pool.apply_async(_loss_sum, (20000,)).get(timeout=60)
    assert got == pytest.approx(want)


def test_for_blocks_covers_every_row_once(monkeypatch):
    monkeypatch.setattr(blocking, "BLOCK", 100)
    monkeypatch.setattr(blocking, "PARALLEL_MIN", 150)
    monkeypatch.setattr(blocking, "THREADS", 3)
    for rows, size in [(1, 1), (99, 1), (1000, 1), (37, 7), (5, 500)]:
        seen = np.zeros(rows, int)

        def fn(lo, hi):
            seen[lo:hi] += 1
        blocking.for_blocks(fn, rows, size)
        assert np.all(seen == 1), (rows, size)


def test_work_buffers_grow_and_zeros_stay_zero():
    big = np.ones(blocking.BLOCK * 2 + 5)
    assert blocking.zeros(big).shape == big.shape and not blocking.zeros(big).any()
    assert blocking.scratch(big, 1).shape == big.shape


@pytest.mark.skipif(blocking._getcpu is None or len(getattr(blocking.os, "sched_getaffinity",
                                                          lambda _: ())(0)) < 2,
                    reason="needs sched_getcpu and two CPUs")
def test_threads_run_on_separate_cpus_and_the_callers_mask_comes_back(monkeypatch):
    import os
    import threading
    monkeypatch.setattr(blocking, "BLOCK", 100)
    monkeypatch.setattr(blocking, "PARALLEL_MIN", 150)
    mask = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, mask)
    except OSError:
        pytest.skip("this process may not set its threads' CPU affinity")
    where = []

    def fn(lo, hi):
        where.append((threading.current_thread() is threading.main_thread(), blocking._getcpu()))
    blocking.for_blocks(fn, 1000)
    assert os.sched_getaffinity(0) == mask
    mine = {cpu for main, cpu in where if main}
    theirs = {cpu for main, cpu in where if not main}
    assert len(mine) == 1 and theirs and not mine & theirs, where
    # A caller held to one CPU keeps its threads there too.
    one = next(iter(mine))
    os.sched_setaffinity(0, {one})
    try:
        where.clear()
        blocking.for_blocks(fn, 1000)
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


# -- a broken C library never stops the import ------------------------------------------------
# Each case runs `import minifluid` in its own process (a truncated library used to crash it
# with SIGBUS inside dlopen), from a copy of the package laid out as installed, whose ops/
# holds the broken library. The processes run side by side.

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = "_sigmoid_cross_entropy_with_logits_cpu"
CC = (sysconfig.get_config_var("CC") or "cc").split()[0]
PROBE = """
import json, warnings
import numpy as np
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import minifluid
    from minifluid.ops import sigmoid_cross_entropy_with_logits as m
from minifluid.testing import run_op
x = np.linspace(-6, 6, 24, dtype=np.float32).reshape(4, 6)
z = (np.arange(24).reshape(4, 6) % 3 / 2).astype(np.float32)
out = run_op("sigmoid_cross_entropy_with_logits", {"X": x, "Label": z})["Out"]
print(json.dumps({"ops": m.__file__, "native": m._native is not None, "loss": out.tolist(),
                  "warnings": [str(w.message) for w in caught if "not using" in str(w.message)]}))
"""


def _real_library():
    from minifluid.ops import sigmoid_cross_entropy_with_logits as op_module
    return None if op_module._native is None else op_module._native._name


def _record(data):
    return json.dumps({"size": len(data), "sha256": hashlib.sha256(data).hexdigest()})


def _cut(n):
    return lambda data, tmp: (data[:n(len(data))], _record(data))


def _flipped(data, tmp):
    bad = bytearray(data)
    for i in range(0, len(bad), 4096):
        bad[i] ^= 0xFF
    return bytes(bad), _record(data)


def _only_abi(data, tmp):
    """A library with the right ABI number but none of the kernels."""
    src, lib = os.path.join(tmp, "abi.c"), os.path.join(tmp, "abi.so")
    with open(src, "w") as f:
        f.write("int minifluid_abi(void) { return 1; }\n")
    subprocess.run([CC, "-shared", "-fPIC", "-o", lib, src], check=True, capture_output=True)
    with open(lib, "rb") as f:
        small = f.read()
    return small, _record(small)


BROKEN = {  # case: (make (library bytes, record) from the real library's bytes, the problem)
    "cut to 1 KB": (_cut(lambda n: 1024), "not the"),
    "cut to 4 KB": (_cut(lambda n: 4096), "not the"),
    "cut to 16 KB": (_cut(lambda n: 16384), "not the"),
    "cut to 30 KB": (_cut(lambda n: 30720), "not the"),
    "cut by one byte": (_cut(lambda n: n - 1), "not the"),
    "bytes flipped": (_flipped, "sha256 is not"),
    "no record": (lambda data, tmp: (data, None), "is missing"),
    "only minifluid_abi": (_only_abi, "does not export sce_loss_f32, sce_grad_f32"),
}


@pytest.fixture(scope="module")
def broken_imports(tmp_path_factory):
    """case -> the process importing minifluid with that broken library, or why it is skipped."""
    real, runs = _real_library(), {}
    data = None
    if real is not None:
        with open(real, "rb") as f:
            data = f.read()
    for case, (make, _) in BROKEN.items():
        if data is None and make is not _only_abi:
            runs[case] = "the C kernel is not built"
            continue
        if make is _only_abi and shutil.which(CC) is None:
            runs[case] = "no C compiler"
            continue
        tmp = str(tmp_path_factory.mktemp("broken"))
        pkg = os.path.join(tmp, "minifluid")
        skip = shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", "*.json")
        shutil.copytree(os.path.join(ROOT, "minifluid"), pkg, ignore=skip)
        shutil.copytree(os.path.join(ROOT, "ops"), os.path.join(pkg, "ops"), ignore=skip)
        lib, record = make(data, tmp)
        path = os.path.join(pkg, "ops", LOSS, LIB + importlib.machinery.EXTENSION_SUFFIXES[0])
        with open(path, "wb") as f:
            f.write(lib)
        if record is not None:
            with open(path + kernels.RECORD_SUFFIX, "w") as f:
                f.write(record)
        env = {**os.environ, "PYTHONPATH": tmp}
        runs[case] = (path, subprocess.Popen([sys.executable, "-c", PROBE], cwd=tmp, env=env,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                             text=True))
    yield runs
    for run in runs.values():
        if not isinstance(run, str) and run[1].poll() is None:
            run[1].kill()


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_library_warns_and_the_numpy_kernels_run(broken_imports, case):
    run = broken_imports[case]
    if isinstance(run, str):
        pytest.skip(run)
    path, proc = run
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, f"{case}: exit status {proc.returncode}\n{stderr}"
    got = json.loads(stdout)
    assert got["ops"].startswith(os.path.dirname(path)), got["ops"]  # the copy was imported
    assert not got["native"]
    warning, = got["warnings"]
    assert path in warning and BROKEN[case][1] in warning, warning
    assert "the numpy kernels run instead (python -m pip install -e . rebuilds it)" in warning
    x = np.linspace(-6, 6, 24, dtype=np.float32).reshape(4, 6)
    z = (np.arange(24).reshape(4, 6) % 3 / 2).astype(np.float32)
    np.testing.assert_allclose(got["loss"], bce_with_logits(x, z), rtol=2e-6, atol=1e-6)


@pytest.mark.skipif(shutil.which(CC) is None, reason="no C compiler")
def test_setup_py_records_the_size_and_sha256_of_what_it_built(tmp_path):
    subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--build-lib",
                    str(tmp_path / "lib"), "--build-temp", str(tmp_path / "tmp")],
                   cwd=ROOT, check=True, capture_output=True)
    built = tmp_path / "lib" / "minifluid" / "ops" / LOSS
    lib, = (p for p in built.glob(LIB + "*") if p.suffix != kernels.RECORD_SUFFIX)
    record = json.loads((built / (lib.name + kernels.RECORD_SUFFIX)).read_text())
    data = lib.read_bytes()
    assert record == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
