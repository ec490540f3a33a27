"""Shape and dtype rules that several ops share: an op file names the rule instead of
assigning its outputs' fields by hand.

    op.shape_rule(same_as_x)          Out is X's shape, dtype and LoD; X must be float
"""


def like(out, src, dtype=None):
    """Give `out` the shape, dtype (or `dtype`) and LoD level of `src` (fluid's ShareLoD)."""
    out.shape, out.dtype, out.lod_level = src.shape, src.dtype if dtype is None else dtype, \
        src.lod_level


def float_input(op, slot="X"):
    """The variable in input `slot`, which must be float16, float32 or float64."""
    v = op.in_var(slot)
    if v.dtype.kind != "f":
        raise TypeError(f"{slot} ('{v.name}') must be a float tensor, got {v.dtype}")
    return v


def same_as_x(op):
    """Out has X's shape, dtype and LoD; X is float."""
    like(op.out_var("Out"), float_input(op))
