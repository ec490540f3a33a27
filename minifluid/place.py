"""Places: where kernels run, as data. A place knows its kind, its array module (`xp`), the
array type it holds, how to move arrays to and from it, and the context its kernels run in.
A kernel registered without a place serves every place that is `numpy_compatible` (its
arrays follow numpy's API); a new backend is one class here plus its specialised kernels.
CPUPlace uses numpy; CUDAPlace uses cupy, imported on first use.
"""
from __future__ import annotations

import contextlib
import functools
import sys

import numpy as np

from .checks import is_int

__all__ = ["CPUPlace", "CUDAPlace", "is_compiled_with_cuda", "available_places",
           "get_array_module"]

_NO_CONTEXT = contextlib.nullcontext()


class CPUPlace:
    kind = "cpu"
    numpy_compatible = True
    xp = np
    array_type = np.ndarray

    def to_device(self, array):
        return array if isinstance(array, np.ndarray) else self.to_numpy(array)

    def to_numpy(self, array):
        return array if isinstance(array, np.ndarray) else array.get()  # cupy -> host

    def device_context(self):
        return _NO_CONTEXT

    def check(self):
        pass

    @staticmethod
    def usable() -> bool:
        return True

    def __eq__(self, other):
        return isinstance(other, CPUPlace)

    def __hash__(self):
        return hash("cpu")

    def __repr__(self):
        return "CPUPlace()"


class CUDAPlace:
    """GPU `device_id`, served by cupy (`pip install minifluid[cuda]`)."""
    kind = "cuda"
    numpy_compatible = True

    def __init__(self, device_id: int = 0):
        if not is_int(device_id):
            raise TypeError(f"CUDAPlace: device_id must be an int, got {device_id!r}")
        if device_id < 0:
            raise ValueError(f"CUDAPlace: device_id must be >= 0, got {device_id}")
        self.device_id = int(device_id)

    @property
    def xp(self):
        import cupy
        return cupy

    @property
    def array_type(self):
        return self.xp.ndarray

    @staticmethod
    def usable() -> bool:
        """Whether cupy imports and GPU 0 exists."""
        return not _cuda_problem(0)

    def check(self):
        """Raise RuntimeError saying whether cupy or the GPU is missing."""
        reason = _cuda_problem(self.device_id)
        if reason:
            raise RuntimeError(f"CUDAPlace({self.device_id}) cannot be used: {reason}")

    def to_device(self, array):
        with self.device_context():
            return self.xp.asarray(array)

    def to_numpy(self, array):
        return self.xp.asnumpy(array)  # the device sync point of a run

    def device_context(self):
        """The context in which kernels run on this GPU."""
        return self.xp.cuda.Device(self.device_id)

    def __eq__(self, other):
        return isinstance(other, CUDAPlace) and other.device_id == self.device_id

    def __hash__(self):
        return hash(("cuda", self.device_id))

    def __repr__(self):
        return f"CUDAPlace({self.device_id})"


PLACES = {"cpu": CPUPlace, "cuda": CUDAPlace}  # kind -> class


def place_of_kind(kind: str):
    """A place of `kind` ('cpu', 'cuda'): the first device of that kind."""
    try:
        return PLACES[kind]()
    except KeyError:
        raise ValueError(f"unknown place kind {kind!r}; expected one of {sorted(PLACES)}") from None


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
    return CUDAPlace.usable()


def available_places() -> list:
    """The first device of each kind that is usable here: CPUPlace(), and CUDAPlace(0)
    when cupy and a GPU are."""
    return [cls() for cls in PLACES.values() if cls.usable()]


def get_array_module(x):
    """numpy for numpy arrays, cupy for cupy arrays; lets one kernel serve both places."""
    if isinstance(x, np.ndarray) or "cupy" not in sys.modules:
        return np
    return sys.modules["cupy"].get_array_module(x)
