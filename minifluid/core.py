"""fluid.core: the few names old scripts reach for."""
from .checks import EnforceNotMet
from .dataloader import EOFException, get_cuda_device_count
from .executor import Scope
from .lod_tensor import LoDTensor
from .op_desc import get_grad_op_desc
from .place import CPUPlace, CUDAPlace, is_compiled_with_cuda
from .selected_rows import SelectedRows
from .vartype import VarDesc

__all__ = ["CPUPlace", "CUDAPlace", "EnforceNotMet", "LoDTensor", "Scope", "SelectedRows",
           "VarDesc", "is_compiled_with_cuda", "EOFException", "get_cuda_device_count"]
__all__ += ["get_grad_op_desc"]  # issue 15: Paddle's op tests append grad ops by hand
