"""Normalization and similarity layers with fluid 1.8 signatures (issue 15): cos_sim,
l2_normalize, instance_norm, group_norm, prelu, maxout, bilinear_tensor_product."""
from __future__ import annotations

from ..checks import check_float, check_int, check_var_dtype
from ..framework import Variable
from .helper import LayerHelper, building, check_name

__all__ = ["cos_sim", "l2_normalize"]

FLOATS = ("float16", "float32", "float64")


def cos_sim(X, Y) -> Variable:
    """The cosine similarity of each row of X (flattened from dimension 1) with the matching
    row of Y, or with Y's one row when Y's batch is 1: shape [N, 1]. A zero row gives NaN.

    Example:
        x = fluid.data("x", [None, 7], "float32")
        y = fluid.data("y", [1, 7], "float32")
        out = fluid.layers.cos_sim(x, y)          # [N, 1]
    """
    where = "cos_sim"
    check_var_dtype(where, "X", X, FLOATS)
    check_var_dtype(where, "Y", Y, FLOATS)
    with building():
        helper = LayerHelper(where)
        out, xnorm, ynorm = helper.tmp(), helper.tmp(), helper.tmp()
        helper.append_op(where, {"X": X, "Y": Y}, {"Out": out, "XNorm": xnorm, "YNorm": ynorm})
        return out


def l2_normalize(x, axis, epsilon=1e-12, name=None) -> Variable:
    """x divided by sqrt(sum(x^2) + epsilon) along `axis` (negative: counted from the end;
    0 for 1-D x, as in fluid); op norm.

    Example:
        y = fluid.layers.l2_normalize(x, axis=1)
    """
    where = "l2_normalize"
    check_var_dtype(where, "x", x, FLOATS)
    rank = len(x.shape)
    if rank == 1:  # fluid 1.8 ignores axis for 1-D x
        axis = 0
    axis = 1 if axis is None else check_int(where, "axis", axis, lo=-rank, hi=rank - 1)
    if axis >= rank:
        raise ValueError(f"{where}: argument 'axis' (1, the default for None) is out of range "
                         f"for x '{x.name}' of shape {list(x.shape)}")
    epsilon = check_float(where, "epsilon", epsilon, lo=0)
    check_name(where, name)
    with building():
        helper = LayerHelper(where, name)
        out, norm = helper.tmp(name), helper.tmp()
        helper.append_op("norm", {"X": x}, {"Out": out, "Norm": norm},
                         {"axis": axis, "epsilon": epsilon})
        return out
