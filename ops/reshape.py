"""reshape: X with a new shape. In `shape`, 0 copies X's dimension at that position and one
-1 is inferred from the rest.

    Out = X.reshape(shape);  X@GRAD = dOut.reshape(X.shape)

Out is a copy, not a view: X may be a parameter that an optimizer later updates in place.
"""
import math

from minifluid.registry import register_op

op = register_op("reshape", inputs=["X"], outputs=["Out"], attrs={"shape": []}, doc=__doc__)


def resolve(x_shape, shape):
    """The output shape, with -1 where it is known only at run time."""
    if sum(d == -1 for d in shape) > 1:
        raise ValueError(f"shape {list(shape)} may hold only one -1")
    out = []
    for i, d in enumerate(shape):
        if not isinstance(d, int) or d < -1:
            raise ValueError(f"shape {list(shape)} must hold ints >= -1")
        if d == 0:
            if i >= len(x_shape):
                raise ValueError(f"shape {list(shape)}: 0 at position {i} copies a dimension "
                                 f"X of shape {list(x_shape)} does not have")
            d = x_shape[i]
        out.append(d)
    copied = {i for i, d in enumerate(shape) if d == 0}
    if -1 in shape and all(d != -1 or i in copied for i, d in enumerate(x_shape)):
        # The -1 is inferable: X's unknown dimensions (if any) are copied through by 0s.
        known = math.prod(d for i, d in enumerate(out) if d != -1 and i not in copied)
        total = math.prod(d for i, d in enumerate(x_shape) if i not in copied)
        if known == 0 or total % known:
            raise ValueError(f"cannot reshape X of shape {list(x_shape)} into {list(shape)}")
        out[shape.index(-1)] = total // known
    elif -1 not in out and -1 not in x_shape and math.prod(out) != math.prod(x_shape):
        raise ValueError(f"cannot reshape X of shape {list(x_shape)} ({math.prod(x_shape)} "
                         f"elements) into {list(shape)}")
    return tuple(out)


@op.shape_rule
def _(op):
    x, out = op.in_var("X"), op.out_var("Out")
    out.shape, out.dtype = resolve(x.shape, op.attr("shape")), x.dtype


@op.kernel(("cpu", "cuda"), "float16", "float32", "float64", "int32", "int64", "bool")
def reshape(x, *, shape):
    try:
        return x.reshape([x.shape[i] if d == 0 else d for i, d in enumerate(shape)]).copy()
    except (ValueError, IndexError):
        raise ValueError(f"cannot reshape X of shape {list(x.shape)} into {list(shape)}") \
            from None


op.default_grad()
grad = register_op("reshape_grad", inputs=["X", "Out@GRAD"], outputs=["X@GRAD?"],
                   attrs={"shape": []})


@grad.kernel(("cpu", "cuda"), "float16", "float32", "float64")
def reshape_grad(x, dout, *, shape):
    return dout.reshape(x.shape)
