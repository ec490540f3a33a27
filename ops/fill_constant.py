"""fill_constant, uniform_random, gaussian_random: new tensors of a given shape and dtype
(the initialisers of the startup program use them).

    fill_constant:   Out = value everywhere
    uniform_random:  Out ~ U[min, max)
    gaussian_random: Out ~ N(mean, std^2)

fill_constant may take its shape when it runs, as in fluid 1.8: from ShapeTensor (a 1-D
int32/int64 tensor holding the whole shape) or else from ShapeTensorList (one 1-element
int32/int64 tensor per dimension); either wins over the `shape` attr. The output's
dimensions are then -1 at build time, except those the attr states for a ShapeTensorList
of its length (the layer writes the ints of a mixed list there). A ValueTensor (a
1-element tensor, fluid 1.8 too) gives the value when the op runs, converted to `dtype`.

A random op with seed 0 draws fresh entropy; with another seed it gives the same values on
every run. The values are drawn with numpy on either place, so a GPU run starts from the
same parameters as a CPU run.
"""
import numpy as np

from minifluid.checks import dtype_name
from minifluid.registry import register_op

from .rules import dtype_of, int_tensor

FLOATS = ("float16", "float32", "float64")


def _shape_rule(op):
    shape = op.attr("shape")
    if not all(isinstance(d, int) and d >= 0 for d in shape):
        raise ValueError(f"shape must be a list of ints >= 0, got {shape}")
    return tuple(shape), dtype_of(op.attr("dtype"))


def _register(type, attrs, draw, dtypes):
    op = register_op(type, outputs=["Out"], attrs={"shape": [], "dtype": "float32", **attrs},
                     doc=__doc__, no_grad="a random draw: no input to differentiate",
                     needs_xp=True)
    op.shape_rule(_shape_rule)

    @op.kernel(*dtypes)
    def _(*, xp, **a):  # drawn by numpy on the host, so a seed gives one draw on any place
        return xp.asarray(draw(a).astype(dtype_name(a["dtype"]), copy=False))


def _rng(a):
    return np.random.default_rng(a["seed"] or None)


fill = register_op("fill_constant", inputs=["ValueTensor?", "ShapeTensor?", "ShapeTensorList*?"],
                   outputs=["Out"], attrs={"shape": [], "dtype": "float32", "value": 0.0},
                   doc=__doc__, no_grad="a constant: its tensor inputs are shapes and a value",
                   needs_xp=True)


@fill.shape_rule
def _(op):
    value_t = op.in_var("ValueTensor")
    if value_t is not None and (value_t.dtype.kind not in "biuf" or any(
            d not in (1, -1) for d in value_t.shape)):
        raise TypeError(f"ValueTensor ('{value_t.name}') must be a 1-element numeric tensor, "
                        f"got {value_t.dtype}{list(value_t.shape)}")
    shape_t, shape_list = op.in_var("ShapeTensor"), [op.block.var(n) for n in
                                                     op.input("ShapeTensorList")]
    if shape_t is None and not shape_list:
        return _shape_rule(op)
    attr = op.attr("shape")
    if shape_t is not None:
        int_tensor(shape_t, "ShapeTensor")
        rank = shape_t.shape[0] if shape_t.shape[0] >= 0 else len(attr)
        if rank <= 0:
            raise ValueError(f"ShapeTensor ('{shape_t.name}') has an unknown length and the "
                             f"shape attr is empty: the output's rank cannot be known")
        dims = (-1,) * rank
    else:
        for i, v in enumerate(shape_list):
            int_tensor(v, f"ShapeTensorList[{i}]", one=True)
        same = len(attr) == len(shape_list)
        dims = tuple(d if same and isinstance(d, int) and d >= 0 else -1 for d in
                     (attr if same else shape_list))
    return dims, dtype_of(op.attr("dtype"))


def _run_shape(shape_t, shape_list, shape):
    if shape_t is not None:
        shape = shape_t.reshape(-1).tolist()  # a read of the device on GPU
    elif shape_list:
        for i, v in enumerate(shape_list):
            if v.size != 1:
                raise ValueError(f"fill_constant: ShapeTensorList[{i}] must hold 1 value, got "
                                 f"shape {list(v.shape)}")
        shape = [v.reshape(-1).tolist()[0] for v in shape_list]
    else:
        return shape
    if any(d < 0 for d in shape):
        raise ValueError(f"fill_constant: the shape tensor holds {shape}; dimensions must be "
                         f">= 0")
    return shape


def _fill(xp, value_t, shape_t, shape_list, shape, dtype, value):
    dtype = dtype_name(dtype)  # a name, or a VarType number as Paddle's tests write it
    out = xp.empty(_run_shape(shape_t, shape_list, shape), dtype)
    if value_t is None:
        out.fill(value)
        return out
    if value_t.size != 1:
        raise ValueError(f"fill_constant: ValueTensor must hold 1 value, got shape "
                         f"{list(value_t.shape)}")
    out[...] = value_t.reshape(()).astype(dtype)  # on the device: no sync
    return out


# The kernel is looked up by the first input's dtype (ValueTensor's or ShapeTensor's when
# given), but what it makes is always `dtype`: one kernel serves every key.
KEYS = FLOATS + ("int32", "int64", "bool", "uint8")


@fill.kernel(*KEYS)
def _(value_t, shape_t, shape_list, *, shape, dtype, value, xp):
    return _fill(xp, value_t, shape_t, shape_list, shape, dtype, value)


_register("uniform_random", {"min": -1.0, "max": 1.0, "seed": 0},
          lambda a: _rng(a).uniform(a["min"], a["max"], a["shape"]), FLOATS)
_register("gaussian_random", {"mean": 0.0, "std": 1.0, "seed": 0},
          lambda a: _rng(a).normal(a["mean"], a["std"], a["shape"]), FLOATS)
