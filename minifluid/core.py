"""fluid.core: the few names old scripts reach for."""
from .executor import Scope
from .lod_tensor import LoDTensor
from .place import CPUPlace, CUDAPlace, is_compiled_with_cuda
from .vartype import VarDesc

__all__ = ["CPUPlace", "CUDAPlace", "LoDTensor", "Scope", "VarDesc", "is_compiled_with_cuda"]
