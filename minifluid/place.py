"""Places: where kernels run. CPUPlace uses numpy; CUDAPlace uses cupy, imported on first use."""
from __future__ import annotations

import functools
import sys

import numpy as np

from .checks import is_int

__all__ = ["CPUPlace", "CUDAPlace", "is_compiled_with_cuda", "get_array_module"]


class CPUPlace:
    kind = "cpu"

    def to_device(self, array):
        return array if isinstance(array, np.ndarray) else self.to_numpy(array)

    def to_numpy(self, array):
        return array if isinstance(array, np.ndarray) else array.get()  # cupy -> host

    def check(self):
        pass

    def __eq__(self, other):
        return isinstance(other, CPUPlace)

    def __hash__(self):
        return hash("cpu")

    def __repr__(self):
        return "CPUPlace()"


class CUDAPlace:
    """GPU `device_id`, served by cupy (`pip install minifluid[cuda]`)."""
    kind = "cuda"

    def __init__(self, device_id: int = 0):
        if not is_int(device_id):
            raise TypeError(f"CUDAPlace: device_id must be an int, got {device_id!r}")
        if device_id < 0:
            raise ValueError(f"CUDAPlace: device_id must be >= 0, got {device_id}")
        self.device_id = int(device_id)

    def check(self):
        """Raise RuntimeError saying whether cupy or the GPU is missing."""
        reason = _cuda_problem(self.device_id)
        if reason:
            raise RuntimeError(f"CUDAPlace({self.device_id}) cannot be used: {reason}")

    def to_device(self, array):
        import cupy
        with cupy.cuda.Device(self.device_id):
            return cupy.asarray(array)

    def to_numpy(self, array):
        import cupy
        return cupy.asnumpy(array)  # the device sync point of a run

    def device(self):
        """The context in which kernels run on this GPU."""
        import cupy
        return cupy.cuda.Device(self.device_id)

    def __eq__(self, other):
        return isinstance(other, CUDAPlace) and other.device_id == self.device_id

    def __hash__(self):
        return hash(("cuda", self.device_id))

    def __repr__(self):
        return f"CUDAPlace({self.device_id})"


@functools.lru_cache(maxsize=None)
def _cuda_problem(device_id: int = 0) -> str:
    """'' when cupy imports and GPU `device_id` exists, else what is missing."""
    try:
        import cupy
    except Exception as e:  # ImportError, or a broken CUDA install under cupy
        return f"cupy is not importable ({e}); install it with pip install 'minifluid[cuda]'"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # cupy installed on a machine without a driver or GPU
        return f"cupy is installed but no usable GPU was found ({type(e).__name__}: {e})"
    if device_id >= count:
        return f"cupy is installed but there is no GPU {device_id} (found {count})"
    return ""


def is_compiled_with_cuda() -> bool:
    """True when cupy imports and at least one GPU is usable."""
    return not _cuda_problem(0)


def get_array_module(x):
    """numpy for numpy arrays, cupy for cupy arrays; lets one kernel serve both places."""
    if isinstance(x, np.ndarray) or "cupy" not in sys.modules:
        return np
    return sys.modules["cupy"].get_array_module(x)
