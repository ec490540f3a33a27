"""split: X cut along `axis` into the outputs Out[0], Out[1], ...

    num > 0:   num equal parts (X's dimension must divide by num)
    sections:  parts of those sizes along axis; one may be -1 (the rest of the dimension)
    X@GRAD = concatenate(dOut, axis)    (an output nobody used contributes zeros)

AxisTensor (a 1-element int tensor) gives the axis when the op runs, SectionsTensorList
(1-element int tensors) the sections; then Out's dimensions they decide are -1 at build time.
"""
from minifluid.place import get_array_module
from minifluid.registry import grad_name, register_op

from .rules import int_tensor, like

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")

op = register_op("split", inputs=["X", "AxisTensor?", "SectionsTensorList*?"],
                 outputs=["Out*"], attrs={"axis": 0, "num": 0, "sections": []}, doc=__doc__)
op.zero_missing_grads = True


def sizes(dim, num, sections, n_out):
    """The part sizes along a dimension of size `dim` (-1: not known yet)."""
    if num > 0:
        if num != n_out:
            raise ValueError(f"num {num} must equal the number of outputs ({n_out})")
        if dim != -1 and dim % num:
            raise ValueError(f"num {num} does not divide the dimension ({dim}) split")
        return [-1 if dim == -1 else dim // num] * num
    if len(sections) != n_out or not sections:
        raise ValueError(f"sections {list(sections)} must have one size per output ({n_out}), "
                         f"or num must be > 0")
    if sections.count(-1) > 1 or any(s < -1 for s in sections):
        raise ValueError(f"sections {list(sections)} must hold sizes >= 0 and at most one -1")
    if dim == -1 or -1 not in sections:
        if dim != -1 and sum(sections) != dim:
            raise ValueError(f"sections {list(sections)} must add up to the dimension ({dim}) "
                             f"split")
        return list(sections)
    rest = dim - sum(s for s in sections if s != -1)
    if rest < 0:
        raise ValueError(f"sections {list(sections)} exceed the dimension ({dim}) split")
    return [rest if s == -1 else s for s in sections]


@op.shape_rule
def _(op):
    x, axis_t = op.in_var("X"), op.in_var("AxisTensor")
    listed = [int_tensor(op.block.var(n), "SectionsTensorList", one=True)
              for n in op.input("SectionsTensorList")]
    n_out, rank = len(op.output("Out")), len(x.shape)
    if axis_t is not None:
        int_tensor(axis_t, "AxisTensor", one=True)
        return [((-1,) * rank, x.dtype, x.lod_level)] * n_out
    axis = op.attr("axis")
    if not -rank <= axis < rank:
        raise ValueError(f"axis {axis} is out of range for X ('{x.name}') of rank {rank}")
    axis %= rank
    sections = op.attr("sections")
    if listed:  # an entry of the attr that is not -1 is an int the layer was given
        parts = [max(s, -1) for s in sections] if len(sections) == len(listed) else \
            [-1] * len(listed)
        if len(parts) != n_out:
            raise ValueError(f"SectionsTensorList has {len(listed)} entries for {n_out} outputs")
    else:
        parts = sizes(x.shape[axis], op.attr("num"), list(sections), n_out)
    return [like(x, shape=x.shape[:axis] + (p,) + x.shape[axis + 1:]) for p in parts]


def _run_axis(axis_t, axis, rank):
    a = int(axis_t.reshape(-1).tolist()[0]) if axis_t is not None else axis  # a device read
    if not -rank <= a < rank:
        raise ValueError(f"split: axis {a} is out of range for rank {rank}")
    return a % rank


@op.kernel(*DTYPES)
def split(x, axis_t, sections_ts, *, axis, num, sections):
    axis = _run_axis(axis_t, axis, x.ndim)
    if sections_ts:
        sections = [int(t.reshape(-1).tolist()[0]) for t in sections_ts]
    n = num if num > 0 else len(sections)
    parts = sizes(x.shape[axis], num, list(sections), n)
    cuts, at = [], 0
    for p in parts[:-1]:
        at += p
        cuts.append(at)
    return [p.copy() for p in get_array_module(x).split(x, cuts, axis=axis)]


@op.grad_maker
def _(op):
    ins = {grad_name("Out"): [grad_name(n) for n in op.output("Out")],
           "AxisTensor": op.input("AxisTensor")}
    return [dict(type="split_grad", inputs=ins,
                 outputs={grad_name("X"): [grad_name(op.input("X")[0])]},
                 attrs={"axis": op.attr("axis")})]


grad = register_op("split_grad", inputs=[grad_name("Out") + "*", "AxisTensor?"],
                   outputs=[grad_name("X")], attrs={"axis": 0},
                   doc="split's gradient: the gradients of its outputs joined along axis")


@grad.shape_rule
def _(op):
    gs = [op.block.var(n) for n in op.input(grad_name("Out"))]
    if op.in_var("AxisTensor") is not None:
        return (-1,) * len(gs[0].shape), gs[0].dtype
    axis = op.attr("axis") % len(gs[0].shape)
    dims = [g.shape[axis] for g in gs]
    return like(gs[0], shape=gs[0].shape[:axis] + (-1 if -1 in dims else sum(dims),) +
                gs[0].shape[axis + 1:])


@grad.kernel("float16", "float32", "float64")
def split_grad(douts, axis_t, *, axis):
    return get_array_module(douts[0]).concatenate(douts, axis=_run_axis(axis_t, axis,
                                                                        douts[0].ndim))
