"""one_hot, one_hot_v2: int class ids X as one-hot rows of length `depth`.

    one_hot:     X of shape [..., 1];  Out of shape [..., depth]   (fluid 1.8's layers.one_hot)
    one_hot_v2:  X of any shape;       Out of shape X.shape + [depth]   (fluid.one_hot)
    Out[..., k] = 1 where k == X, else 0       (dtype: the `dtype` attr, float32 by default)

depth_tensor (a 1-element int tensor) gives the depth when the op runs; Out's last dimension
is then -1 at build time. An id outside [0, depth) is an error (EnforceNotMet, as in fluid)
unless allow_out_of_range, which gives it a row of zeros. Out shares X's LoD.
"""
from minifluid.checks import EnforceNotMet
from minifluid.place import get_array_module
from minifluid.registry import register_op

from .rules import dtype_of, int_tensor, like

ATTRS = {"depth": -1, "dtype": 5, "allow_out_of_range": False}
NO_GRAD = "int class ids: Out does not depend on them continuously"


def _rule(v2):
    def rule(op):
        x, depth_t = op.in_var("X"), op.in_var("depth_tensor")
        if x.dtype.name not in ("int32", "int64"):
            raise TypeError(f"X ('{x.name}') must be an int32/int64 tensor of class ids, got "
                            f"{x.dtype}")
        if not v2 and (not x.shape or x.shape[-1] not in (1, -1)):
            raise ValueError(f"X ('{x.name}') must have a last dimension of 1, got shape "
                             f"{list(x.shape)}")
        if depth_t is not None:
            int_tensor(depth_t, "depth_tensor", one=True)
            depth = -1
        else:
            depth = op.attr("depth")
            if depth < 1:
                raise ValueError(f"depth must be an int >= 1 (or give depth_tensor), got {depth}")
        lead = tuple(x.shape) if v2 else tuple(x.shape[:-1])
        return like(x, dtype=dtype_of(op.attr("dtype")), shape=lead + (depth,))
    return rule


def _kernel(v2):
    def one_hot(x, depth_t, *, depth, dtype, allow_out_of_range):
        xp = get_array_module(x)
        if depth_t is not None:
            depth = int(depth_t.reshape(-1).tolist()[0])  # a read of the device
        ids = x if v2 else x.reshape(x.shape[:-1])
        bad = (ids < 0) | (ids >= depth)
        if not allow_out_of_range and bool(bad.any()):
            raise EnforceNotMet(f"one_hot: X holds ids outside [0, {depth}), e.g. "
                                f"{int(ids[bad].reshape(-1)[0])} (allow_out_of_range=False)")
        return (ids[..., None] == xp.arange(depth)).astype(dtype_of(dtype))
    return one_hot


for _type, _v2 in (("one_hot", False), ("one_hot_v2", True)):
    _op = register_op(_type, inputs=["X", "depth_tensor?"], outputs=["Out"], attrs=ATTRS,
                      doc=__doc__, no_grad=NO_GRAD)
    _op.shape_rule(_rule(_v2))
    _op.kernel("int32", "int64")(_kernel(_v2))
