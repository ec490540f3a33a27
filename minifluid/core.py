"""fluid.core: the few names old scripts reach for."""
from .executor import Scope
from .place import CPUPlace, CUDAPlace, is_compiled_with_cuda

__all__ = ["CPUPlace", "CUDAPlace", "Scope", "is_compiled_with_cuda"]
