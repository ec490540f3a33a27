"""isinf, isnan, isfinite: one flag for the whole of X (fluid 1.8's overflow ops, behind
layers.has_inf, has_nan and isfinite), an Out of shape [1] and X's dtype, as fluid's kernel
writes it:

    isinf     1 if any element of X is +-inf, else 0
    isnan     1 if any element of X is nan, else 0
    isfinite  1 if every element of X is finite (an empty X too), else 0

Integer X holds neither inf nor nan. No gradient: a flag.
"""
from minifluid.place import get_array_module
from minifluid.registry import register_op


FLAG = {"isinf": lambda xp, x: xp.isinf(x).any(), "isnan": lambda xp, x: xp.isnan(x).any(),
        "isfinite": lambda xp, x: xp.isfinite(x).all()}


def flag(op):
    """Out: [1], X's dtype; no LoD (one value for the whole tensor)."""
    return (1,), op.in_var("X").dtype


def _make(type):
    op = register_op(type, inputs=["X"], outputs=["Out"], doc=__doc__,
                     no_grad="a flag over the whole tensor: not differentiable")
    op.shape_rule(flag)

    @op.kernel("float32", "float64", "int32", "int64")
    def forward(x):
        xp = get_array_module(x)
        if x.dtype.kind != "f":  # no inf or nan in an int; isfinite of ints is all finite
            return xp.full((1,), type == "isfinite", x.dtype)
        return FLAG[type](xp, x).reshape(1).astype(x.dtype)


for _type in FLAG:
    _make(_type)
