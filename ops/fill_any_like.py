"""fill_any_like: a tensor shaped like X filled with `value` (backward seeds loss@GRAD with it).

    Out = full(shape(X), value, dtype(X))
"""
from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import same_as

op = register_op("fill_any_like", inputs=["X"], outputs=["Out"], attrs={"value": 0.0},
                 doc=__doc__, no_grad="a constant: its gradient is zero for any X")


op.shape_rule(same_as("X"))


@op.kernel("float16", "float32", "float64", "int32", "int64", "bool")
def fill_any_like(x, *, value):
    return get_array_module(x).full_like(x, value)
