"""logical_and, logical_or, logical_xor (X, Y) and logical_not (X): Out = X op Y elementwise,
bool in and out (fluid 1.8's logical ops). Out has X's shape and LoD; Y holds as many elements
as X and is read in X's shape, element by element, as fluid's kernels read both flat. No
gradient: the result is bool.
"""
import math

import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import like

UFUNC = {"logical_and": "logical_and", "logical_or": "logical_or",
         "logical_xor": "logical_xor", "logical_not": "logical_not"}
NO_GRAD = "a bool result: not differentiable"


def _bool(op, slot):
    v = op.in_var(slot)
    if v.dtype != np.bool_:
        raise TypeError(f"{slot} ('{v.name}') must be a bool tensor, got {v.dtype}")
    return v


def unary(op):
    return like(_bool(op, "X"))


def binary(op):
    """Out: X's spec; X and Y bool, of one number of elements (where both are known)."""
    x, y = _bool(op, "X"), _bool(op, "Y")
    nx, ny = math.prod(x.shape), math.prod(y.shape)
    if nx >= 0 and ny >= 0 and -1 not in x.shape + y.shape and nx != ny:
        raise ValueError(f"X ('{x.name}', shape {list(x.shape)}) and Y ('{y.name}', shape "
                         f"{list(y.shape)}) must hold as many elements")
    return like(x)


def _make(type, ufunc):
    op = register_op(type, inputs=["X"] if type == "logical_not" else ["X", "Y"],
                     outputs=["Out"], doc=__doc__, no_grad=NO_GRAD)
    op.shape_rule(unary if type == "logical_not" else binary)

    @op.kernel("bool")
    def forward(x, *y):
        xp = get_array_module(x)
        if y:
            if y[0].size != x.size:
                raise ValueError(f"X of shape {list(x.shape)} and Y of shape "
                                 f"{list(y[0].shape)} must hold as many elements")
            y = (y[0].reshape(x.shape),)
        return xp.asarray(getattr(xp, ufunc)(x, *y))


for _type, _ufunc in UFUNC.items():
    _make(_type, _ufunc)
