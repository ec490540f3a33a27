"""fluid.layers: functions that append ops to the default main program."""
from .io import data
from .math_op_patch import monkey_patch_variable
from .nn import *  # noqa: F401,F403
from .nn import __all__ as _nn
from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops
from .tensor import create_global_var, fill_constant, full_like, sum, sums  # noqa: A004

monkey_patch_variable()

__all__ = ["data", "fill_constant", "full_like", "create_global_var", "sum", "sums"] + _nn + _ops
