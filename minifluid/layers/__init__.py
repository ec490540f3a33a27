"""fluid.layers: functions that append ops to the default main program."""
from .control_flow import Print
from .emb15 import *  # noqa: F401,F403
from .emb15 import __all__ as _emb15
from .io import data
from .loss import square_error_cost
from .loss15 import *  # noqa: F401,F403
from .loss15 import __all__ as _loss15
from .loss15b import *  # noqa: F401,F403
from .loss15b import __all__ as _loss15b
from .math15 import *  # noqa: F401,F403
from .math15 import __all__ as _math15
from .math_op_patch import monkey_patch_variable
from .metric15 import *  # noqa: F401,F403
from .metric15 import __all__ as _metric15
from .nn import *  # noqa: F401,F403
from .nn import __all__ as _nn
from .norm15 import *  # noqa: F401,F403
from .norm15 import __all__ as _norm15
from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops
from .shape15 import *  # noqa: F401,F403
from .shape15 import __all__ as _shape15
from .shape15b import *  # noqa: F401,F403
from .shape15b import __all__ as _shape15b
from .shape15c import *  # noqa: F401,F403
from .shape15c import __all__ as _shape15c
from .shape15_values import *  # noqa: F401,F403
from .shape15_values import __all__ as _shape15_values
from .tensor import (create_global_var, fill_constant, fill_constant_batch_size_like,  # noqa: A004
                     full_like, sum, sums)

monkey_patch_variable()

__all__ = ["data", "fill_constant", "full_like", "create_global_var", "sum", "sums",
           "fill_constant_batch_size_like", "Print", "square_error_cost"] + _nn + _ops + \
    _loss15 + _loss15b + _math15 + _emb15 + _shape15 + _shape15_values + _shape15b + \
    _shape15c + _metric15 + _norm15
