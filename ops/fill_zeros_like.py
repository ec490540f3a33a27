"""fill_zeros_like: zeros shaped like X, of X's dtype (fluid 1.8's layers.zeros_like).

    Out = zeros(shape(X), dtype(X))
"""
from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import same_as

op = register_op("fill_zeros_like", inputs=["X"], outputs=["Out"], doc=__doc__,
                 no_grad="a constant: its gradient is zero for any X")
op.shape_rule(same_as("X"))


@op.kernel("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")
def fill_zeros_like(x):
    return get_array_module(x).zeros(x.shape, x.dtype)
