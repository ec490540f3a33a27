import subprocess
import sys
import types

import numpy as np
import pytest

import minifluid as fluid
from minifluid import place as place_mod


def test_importing_minifluid_does_not_import_cupy():
    code = "import sys, minifluid; assert 'cupy' not in sys.modules, 'cupy was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.fixture
def fake_cupy(monkeypatch):
    place_mod._cuda_problem.cache_clear()
    yield lambda module: monkeypatch.setitem(sys.modules, "cupy", module)
    place_mod._cuda_problem.cache_clear()


def test_cuda_place_without_cupy_says_cupy_is_missing(fake_cupy):
    fake_cupy(None)  # makes `import cupy` raise ImportError
    assert not fluid.core.is_compiled_with_cuda()
    with pytest.raises(RuntimeError, match=r"CUDAPlace\(0\) cannot be used: cupy is not "
                                           r"importable .*minifluid\[cuda\]"):
        fluid.Executor(fluid.CUDAPlace(0))


def test_cuda_place_with_cupy_but_no_gpu_says_the_gpu_is_missing(fake_cupy):
    def no_driver():
        raise RuntimeError("cudaErrorInsufficientDriver")
    runtime = types.SimpleNamespace(getDeviceCount=no_driver)
    fake_cupy(types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime)))
    assert not fluid.is_compiled_with_cuda()
    with pytest.raises(RuntimeError, match="cupy is installed but no usable GPU was found "
                                           r"\(RuntimeError: cudaErrorInsufficientDriver\)"):
        fluid.Executor(fluid.CUDAPlace(0))


def test_cuda_place_with_too_high_an_id(fake_cupy):
    runtime = types.SimpleNamespace(getDeviceCount=lambda: 1)
    fake_cupy(types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime)))
    with pytest.raises(RuntimeError, match=r"there is no GPU 3 \(found 1\)"):
        fluid.Executor(fluid.CUDAPlace(3))


def test_places_compare_and_print():
    assert fluid.CPUPlace() == fluid.CPUPlace() and repr(fluid.CUDAPlace(1)) == "CUDAPlace(1)"
    with pytest.raises(ValueError, match="device_id must be >= 0, got -1"):
        fluid.CUDAPlace(-1)
    for bad in (True, "0", 1.0):
        with pytest.raises(TypeError, match=f"device_id must be an int, got {bad!r}"):
            fluid.CUDAPlace(bad)
    assert fluid.CUDAPlace(np.int64(1)) == fluid.CUDAPlace(1)
