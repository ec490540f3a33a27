"""The vocabulary op files share: shape rules and their pieces, and the few array helpers
that more than one op's kernels use. A shape rule returns its outputs' specs, (shape, dtype)
or (shape, dtype, lod_level) (see minifluid/registry.py):

    op.shape_rule(same_as_x)              Out: X's shape, dtype and LoD; X must be float
    op.shape_rule(same_as("Out@GRAD"))    Out: like that input, any dtype
    return like(x, dtype=np.bool_)        X's shape and LoD (fluid's ShareLoD), another dtype
    return broadcast(op)                  elementwise: X and Y lined up at `axis`, broadcast
    return reduced(x, dim, keep, all_)    the shape left when dims are reduced
    return tensor_shape(op), dtype        a shape its ShapeTensor(List) may give at run time
                                          (the kernel reads it with run_shape)
"""
import numpy as np

from minifluid.checks import dtype_name
from minifluid.place import get_array_module
from minifluid.registry import grad_name


def like(v, dtype=None, shape=None):
    """The spec of an output like variable `v`: its shape (or `shape`), dtype (or `dtype`)
    and LoD level (fluid's ShareLoD)."""
    return (v.shape if shape is None else tuple(shape), v.dtype if dtype is None else dtype,
            v.lod_level)


def float_input(op, slot="X"):
    """The variable in input `slot`, which must be float16, float32 or float64."""
    v = op.in_var(slot)
    if v.dtype.kind != "f":
        raise TypeError(f"{slot} ('{v.name}') must be a float tensor, got {v.dtype}")
    return v


def same_as_x(op):
    """Out has X's shape, dtype and LoD; X is float."""
    return like(float_input(op))


def same_as(slot):
    """The rule: the op's one output is like input `slot` (any dtype)."""
    def rule(op):
        return like(op.in_var(slot))
    rule.__name__ = f"same_as_{slot}"
    return rule


def x_and_y(op):
    """The X and Y inputs of a binary op, which must share a dtype."""
    x, y = op.in_var("X"), op.in_var("Y")
    if x.dtype != y.dtype:
        raise TypeError(f"X ('{x.name}', {x.dtype}) and Y ('{y.name}', {y.dtype}) must have "
                        f"one dtype")
    return x, y


def int_tensor(v, what, one=False):
    """`v`, which must be an int32/int64 tensor: 1-D, or with `one` a single element."""
    # a 1-element one may have a batch dimension: layers.data(shape=[1]) is [-1, 1]
    ok = v.dtype.name in ("int32", "int64") and (
        all(d in (1, -1) for d in v.shape) if one else len(v.shape) == 1)
    if not ok:
        want = "a 1-element int32/int64 tensor" if one else "a 1-D int32/int64 tensor"
        raise TypeError(f"{what} ('{v.name}') must be {want}, got {v.dtype}{list(v.shape)}")
    return v


# Broadcasting (elementwise ops, matmul's batch dimensions)

def aligned_shape(x_shape, y_shape, axis):
    """Y's shape padded with 1s so that it lines up with X from dimension `axis`."""
    if len(y_shape) > len(x_shape):
        raise ValueError(f"Y has more dimensions ({list(y_shape)}) than X ({list(x_shape)})")
    axis = len(x_shape) - len(y_shape) if axis == -1 else axis
    if not 0 <= axis <= len(x_shape) - len(y_shape):
        raise ValueError(f"axis {axis} does not fit Y of shape {list(y_shape)} into X of "
                         f"shape {list(x_shape)}")
    return (1,) * axis + tuple(y_shape) + (1,) * (len(x_shape) - axis - len(y_shape))


def aligned(x_shape, y_shape, axis):
    """X's and Y's shapes of one rank: the one with fewer dimensions lined up with the other
    from dimension `axis` (Paddle lets Y be the larger one)."""
    if len(y_shape) > len(x_shape):
        try:
            return aligned_shape(y_shape, x_shape, axis), tuple(y_shape)
        except ValueError:
            raise ValueError(f"axis {axis} does not fit X of shape {list(x_shape)} into Y of "
                             f"shape {list(y_shape)}") from None
    return tuple(x_shape), aligned_shape(x_shape, y_shape, axis)


def broadcast_shape(a, b):
    """numpy's broadcast of two shapes of one rank, where -1 is a dimension not yet known."""
    out = []
    for p, q in zip(a, b):
        if p == 1 or q == 1 or p == q or -1 in (p, q):
            out.append(q if p == 1 else p if q == 1 else max(p, q) if -1 not in (p, q)
                       else -1)
        else:
            raise ValueError(f"shapes {list(a)} and {list(b)} do not broadcast")
    return tuple(out)


def broadcast(op):
    """Out of an elementwise op: X and Y lined up at `axis` and broadcast; X's dtype and
    LoD (fluid's ShareLoD("X", "Out"))."""
    x, y = x_and_y(op)
    axis = op.attr("axis")
    try:
        shape = broadcast_shape(*aligned(x.shape, y.shape, axis))
    except ValueError as e:
        raise ValueError(f"Y ('{y.name}') of shape {list(y.shape)} does not broadcast to X "
                         f"('{x.name}') of shape {list(x.shape)} with axis={axis}: {e}") from None
    return like(x, shape=shape)


def reduce_to(g, shape):
    """Sum g over the dimensions in which `shape` was broadcast (a gradient kernel's step)."""
    axes = tuple(i for i, (n, s) in enumerate(zip(g.shape, shape)) if s == 1 and n != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def broadcast_grads(grads, aligned, shapes, wanted=(True, True)):
    """An elementwise grad kernel's outputs: `grads` holds thunks giving dX', dY' in the
    broadcast shape; each wanted one is summed over the dimensions its operand was broadcast
    in (`aligned`: the operands' shapes lined up) and given the operand's shape; else None."""
    out = []
    for g, al, shape, want in zip(grads, aligned, shapes, wanted):
        if not want:
            out.append(None)
            continue
        g = g()
        xp = get_array_module(g)
        # reshaped after, because ascontiguousarray makes a 0-d array 1-d
        out.append(xp.ascontiguousarray(xp.broadcast_to(reduce_to(g, al), al)).reshape(shape))
    return tuple(out)


# Reductions

def axes(ndim, dim, reduce_all):
    """The reduced axes, or None when all of them are (the result then has shape [1])."""
    if reduce_all or not dim or not ndim:
        return None
    ax = tuple(sorted({d % ndim for d in dim}))
    return None if len(ax) == ndim else ax


def reduced(shape, dim, keep_dim, reduce_all):
    """The shape left when `dim` (all of them with reduce_all) are reduced: [1] for all."""
    ax = axes(len(shape), dim, reduce_all)
    if ax is None:
        return (1,) * len(shape) if keep_dim else (1,)
    return tuple(1 if i in ax else d for i, d in enumerate(shape) if keep_dim or i not in ax)


def dtype_of(name_or_number):
    """A dtype from a name or Paddle's VarType number (out_dtype attrs)."""
    return np.dtype(dtype_name(name_or_number))


# Shapes given when the op runs (fluid 1.8's ShapeTensor and ShapeTensorList inputs of
# fill_constant and the random ops)

def tensor_shape(op):
    """The build-time shape of an op whose `shape` attr may be replaced when it runs: by its
    ShapeTensor (a 1-D int32/int64 tensor holding the whole shape) or else its
    ShapeTensorList (one 1-element int32/int64 tensor per dimension). A dimension known only
    at run time is -1; for a ShapeTensorList of the attr's length, the attr's dims >= 0 are
    kept (the layers write the ints of a mixed list there)."""
    shape_t, shape_list = op.in_var("ShapeTensor"), [op.block.var(n) for n in
                                                     op.input("ShapeTensorList")]
    attr = op.attr("shape")
    if shape_t is None and not shape_list:
        if not all(isinstance(d, int) and d >= 0 for d in attr):
            raise ValueError(f"shape must be a list of ints >= 0, got {attr}")
        return tuple(attr)
    if shape_t is not None:
        int_tensor(shape_t, "ShapeTensor")
        rank = shape_t.shape[0] if shape_t.shape[0] >= 0 else len(attr)
        if rank <= 0:
            raise ValueError(f"ShapeTensor ('{shape_t.name}') has an unknown length and the "
                             f"shape attr is empty: the output's rank cannot be known")
        return (-1,) * rank
    for i, v in enumerate(shape_list):
        int_tensor(v, f"ShapeTensorList[{i}]", one=True)
    same = len(attr) == len(shape_list)
    return tuple(d if same and isinstance(d, int) and d >= 0 else -1 for d in
                 (attr if same else shape_list))


def run_shape(op_type, shape_t, shape_list, shape):
    """The shape a kernel makes: from the ShapeTensor array, else the ShapeTensorList
    arrays, else the `shape` attr (see tensor_shape)."""
    if shape_t is not None:
        shape = shape_t.reshape(-1).tolist()  # a read of the device on GPU
    elif shape_list:
        for i, v in enumerate(shape_list):
            if v.size != 1:
                raise ValueError(f"{op_type}: ShapeTensorList[{i}] must hold 1 value, got "
                                 f"shape {list(v.shape)}")
        shape = [v.reshape(-1).tolist()[0] for v in shape_list]
    else:
        return shape
    if any(d < 0 for d in shape):
        raise ValueError(f"{op_type}: the shape tensor holds {shape}; dimensions must be >= 0")
    return shape


def batch_size_like(op):
    """The shape of a *_batch_size_like op's Out (fluid 1.8's BatchSizeLikeOp): the `shape`
    attr with dimension output_dim_idx replaced by Input's dimension input_dim_idx."""
    x, shape = op.in_var("Input"), list(op.attr("shape"))
    i, o = op.attr("input_dim_idx"), op.attr("output_dim_idx")
    if not 0 <= o < len(shape):
        raise ValueError(f"output_dim_idx {o} is out of range for shape {shape}")
    if not 0 <= i < len(x.shape):
        raise ValueError(f"input_dim_idx {i} is out of range for Input ('{x.name}') of shape "
                         f"{list(x.shape)}")
    if any(d < 0 for k, d in enumerate(shape) if k != o):
        raise ValueError(f"shape must hold ints >= 0 (any int at output_dim_idx {o}), got "
                         f"{shape}")
    shape[o] = x.shape[i]
    return tuple(shape)


def grads_like(src, *slots):
    """The rule of a grad op whose outputs S@GRAD (for each of `slots`) are all like input
    `src` (a residual, a difference)."""
    def rule(op):
        spec = like(op.in_var(src))
        return {grad_name(s): spec for s in slots}
    return rule


# Stable logistic pieces (the ranking and focal losses' kernels)

def softplus(x):
    """log(1 + exp(x)) as max(x, 0) + log1p(exp(-|x|)): exp never overflows, and the loss of
    a large x is x, not inf."""
    xp = get_array_module(x)
    return xp.maximum(x, x.dtype.type(0)) + xp.log1p(xp.exp(-xp.abs(x)))


def sigmoid(x):
    """1 / (1 + exp(-x)) from exp(-|x|) only: no overflow, and sigmoid(-x) = 1 - sigmoid(x)
    is accurate where it is tiny."""
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
