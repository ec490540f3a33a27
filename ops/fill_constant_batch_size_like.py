"""fill_constant_batch_size_like: fill_constant whose shape takes its batch size from Input
(fluid 1.8's op, used for the labels and noise of a batch, as in the fc_gan demo).

    Out = value everywhere, of `shape` with shape[output_dim_idx] = Input.shape[input_dim_idx]

The value is `str_value` when that is set (what the layer writes: exact for int64), else
the float attr `value` as fluid's kernel reads it, a C++ float. Only Input's shape is read.
(fluid 1.8 takes the batch size from the LoD of a LoD Input with input_dim_idx 0; minifluid's
kernels see arrays, so the batch size is Input's row count there too.)
"""
import numpy as np

from minifluid.checks import dtype_name
from minifluid.registry import register_op

from .rules import batch_size_like, dtype_of

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool")

op = register_op("fill_constant_batch_size_like", inputs=["Input"], outputs=["Out"],
                 attrs={"shape": [], "input_dim_idx": 0, "output_dim_idx": 0, "dtype": "float32",
                        "value": 0.0, "str_value": "", "force_cpu": False},
                 doc=__doc__, no_grad="a constant: Input gives only its batch size", needs_xp=True)


@op.shape_rule
def _(op):
    dtype = dtype_of(op.attr("dtype"))
    if dtype.name not in DTYPES:
        raise TypeError(f"dtype must be one of {list(DTYPES)}, got {dtype.name}")
    return batch_size_like(op), dtype


def _value(dtype, value, str_value):
    if not str_value:
        return np.float32(value).astype(dtype)
    try:  # int64 is read as an integer (exact); the others as a double, then cast
        return dtype.type(int(str_value)) if dtype == np.int64 else \
            np.float64(str_value).astype(dtype)
    except ValueError:
        raise ValueError(f"fill_constant_batch_size_like: str_value {str_value!r} is not a "
                         f"number") from None


# Looked up by Input's dtype; what it makes is always `dtype`.
@op.kernel(*DTYPES, "uint8")
def _(x, *, xp, shape, input_dim_idx, output_dim_idx, dtype, value, str_value, force_cpu):
    dtype = np.dtype(dtype_name(dtype))  # a name, or a VarType number
    shape = list(shape)
    shape[output_dim_idx] = x.shape[input_dim_idx]
    return xp.full(tuple(shape), _value(dtype, value, str_value), dtype)
