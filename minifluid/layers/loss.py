"""fluid 1.8's square_error_cost (in its layers/loss module)."""
from __future__ import annotations

from ..checks import check_var_dtype
from ..framework import Variable
from .helper import LayerHelper, building

__all__ = ["square_error_cost"]


def square_error_cost(input, label) -> Variable:
    """(input - label)^2 elementwise, built as fluid 1.8 built it: an elementwise_sub op
    ('square_error_cost_0.tmp_0') and a square op ('square_error_cost_0.tmp_1'); label
    broadcasts to input as elementwise_sub broadcasts Y.

    Example:
        cost = fluid.layers.square_error_cost(input=y_predict, label=y)
        avg_cost = fluid.layers.mean(cost)
    """
    where = "square_error_cost"
    check_var_dtype(where, "input", input, ("float32", "float64"))
    check_var_dtype(where, "label", label, ("float32", "float64"))
    with building():
        helper = LayerHelper(where)
        minus = helper.tmp()
        helper.append_op("elementwise_sub", {"X": input, "Y": label}, {"Out": minus})
        square = helper.tmp()
        helper.append_op("square", {"X": minus}, {"Out": square})
    return square
