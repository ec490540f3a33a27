"""reshape, reshape2: X with a new shape. In the shape, 0 copies X's dimension at that
position and one -1 is inferred from the rest.

    Out = X.reshape(shape);  X@GRAD = dOut.reshape(X.shape)

The shape comes, first found first, from ShapeTensor (a list of 1-element int tensors, one
per dimension), from Shape (a 1-D int tensor: fluid's `actual_shape`), or from the `shape`
attr; the tensors are read when the op runs, so at build time Out has -1 where they decide.
reshape2 also gives XShape, of shape [0] + X.shape and no elements: it carries X's shape to
reshape2_grad, which then does not keep X alive.

Out is a copy, not a view: X may be a parameter that an optimizer later updates in place.
"""
import math

from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import int_tensor, like

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")


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


def shape_rule(op):
    x, shape = op.in_var("X"), list(op.attr("shape"))
    tensors = [int_tensor(op.block.var(n), "ShapeTensor", one=True)
               for n in op.input("ShapeTensor")]
    given = op.in_var("Shape")
    if tensors:  # an attr entry > 0 is a dimension the layer was given as an int
        known = len(shape) == len(tensors)
        out = tuple(shape[i] if known and shape[i] > 0 else -1 for i in range(len(tensors)))
    elif given is not None:
        n = int_tensor(given, "Shape").shape[0]
        if n == -1:
            raise ValueError(f"Shape ('{given.name}') must have a known length, got shape "
                             f"{list(given.shape)}")
        out = (-1,) * n
    else:  # an empty shape makes a 0-d Out (of a 1-element X)
        out = resolve(x.shape, shape)
    return {"Out": like(x, shape=out), "XShape": ((0,) + tuple(x.shape), x.dtype)}


def forward(x, shape_t, shape_ts, *, shape):
    if shape_ts:
        shape = [int(t.reshape(-1)[0]) for t in shape_ts]  # a read of the device on a GPU
    elif shape_t is not None:
        shape = [int(d) for d in shape_t.tolist()]
    try:
        out = x.reshape([x.shape[i] if d == 0 else d for i, d in enumerate(shape)]).copy()
    except (ValueError, IndexError):
        raise ValueError(f"cannot reshape X of shape {list(x.shape)} into {list(shape)}") \
            from None
    return out


INPUTS = ["X", "Shape?", "ShapeTensor*"]
reshape = register_op("reshape", inputs=INPUTS, outputs=["Out"], attrs={"shape": []},
                      doc=__doc__)
reshape2 = register_op("reshape2", inputs=INPUTS, outputs=["Out", "XShape?"],
                       attrs={"shape": []}, doc=__doc__)
for _op in (reshape, reshape2):
    _op.optional.add("ShapeTensor")  # a list that may be left out
    _op.shape_rule(shape_rule)
reshape.kernel(*DTYPES)(forward)


@reshape2.kernel(*DTYPES)
def _(x, shape_t, shape_ts, *, shape):
    xp = get_array_module(x)
    return forward(x, shape_t, shape_ts, shape=shape), xp.empty((0,) + x.shape, x.dtype)


reshape.default_grad()
grad = register_op("reshape_grad", inputs=["X", grad_name("Out")],
                   outputs=[grad_name("X") + "?"],
                   attrs={"shape": []})


@grad.kernel("float16", "float32", "float64")
def reshape_grad(x, dout, *, shape):
    return dout.reshape(x.shape)


@reshape2.grad_maker
def _(op):
    out_grad = {grad_name("Out"): [grad_name(op.output("Out")[0])]}
    x_grad = {grad_name("X"): [grad_name(op.input("X")[0])]}
    if not op.output("XShape"):  # built without it (by hand): differentiate with X itself
        return [dict(type="reshape_grad", inputs={"X": op.input("X"), **out_grad},
                     outputs=x_grad, attrs={"shape": op.attr("shape")})]
    return [dict(type="reshape2_grad", inputs={"XShape": op.output("XShape"), **out_grad},
                 outputs=x_grad)]


grad2 = register_op("reshape2_grad", inputs=["XShape", grad_name("Out")],
                    outputs=[grad_name("X") + "?"])


@grad2.shape_rule
def _(op):
    xshape = op.in_var("XShape")
    return tuple(xshape.shape[1:]), xshape.dtype, xshape.lod_level


@grad2.kernel("float16", "float32", "float64")
def _(xshape, dout):
    return dout.reshape(xshape.shape[1:])
