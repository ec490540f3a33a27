"""fluid.core: the few names old scripts reach for."""
from .executor import Scope
from .lod_tensor import LoDTensor
from .place import CPUPlace, CUDAPlace, is_compiled_with_cuda

__all__ = ["CPUPlace", "CUDAPlace", "LoDTensor", "Scope", "is_compiled_with_cuda"]
