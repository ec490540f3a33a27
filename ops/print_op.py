"""print: Out = In, and In printed to stdout when the op runs, in fluid 1.8's format
(fluid.layers.Print). Its gradient is a print op too: In@GRAD = Out@GRAD, printed when
print_phase is BACKWARD or BOTH.

    <seconds since 1970>\t<message>\tThe place is:CPUPlace
    Tensor[<In's name>]
    \tshape: [2,3,]
    \tdtype: f                     (C++'s type name: f float32, d float64, i int32, l int64, b bool)
    \tdata: 1,2,3,4,5,6,           (the first `summarize` elements; -1: all)

Each line is there when its print_tensor_* attr is set. fluid prints `first_n` times per op
it made for a run (first_n <= 0: always); minifluid counts per compiled plan, which an
executor keeps from run to run (as fluid did with use_program_cache=True). The LoD line is
not printed: kernels see arrays, not their LoD.
"""
import sys
import threading
import time

import numpy as np

from minifluid.registry import KEPT, grad_name, register_op

from .rules import like

PHASES = ("FORWARD", "BACKWARD", "BOTH")
TYPE_NAMES = {"float32": "f", "float64": "d", "int32": "i", "int64": "l", "bool": "b",
              "float16": "N6paddle8platform7float16E", "uint8": "h", "int8": "a", "int16": "s"}
_LOCK = threading.Lock()  # one tensor's lines together, as fluid's LogGuard

op = register_op("print", inputs=["In"], outputs=["Out"],
                 attrs={"first_n": -1, "message": "", "summarize": 20, "print_tensor_name": True,
                        "print_tensor_type": True, "print_tensor_shape": True,
                        "print_tensor_lod": True, "print_phase": "BOTH", "is_forward": True},
                 doc=__doc__)
KEPT.add("print")  # run even when nothing fetched needs its Out, as fluid ran every op


@op.shape_rule
def _(op):
    if op.attr("print_phase") not in PHASES:
        raise ValueError(f"print_phase must be one of {list(PHASES)}, got "
                         f"{op.attr('print_phase')!r}")
    return like(op.in_var("In"))


@op.grad_maker
def _(op):
    return [dict(type="print", inputs={"In": [grad_name(op.output("Out")[0])]},
                 outputs={"Out": [grad_name(op.input("In")[0])]},
                 attrs={**op.attrs, "is_forward": False})]


@op.plan_attrs
def _(op, place):
    return {"name": op.input("In")[0], "times": [0], "place": repr(place).replace("()", "")}


def _number(v, kind):
    if kind == "f":
        return f"{float(v):g}"  # C++'s default ostream format: 6 significant digits
    return str(int(v))  # bool prints 1 or 0


def format_tensor(a, message, name, summarize, place, show_type, show_shape):
    """The text fluid 1.8's print kernel writes for numpy array `a`."""
    lines = [f"{int(time.time())}\t{message}\tThe place is:{place}"]
    if name:
        lines.append(f"Tensor[{name}]")
    if show_shape and a.ndim:
        lines.append("\tshape: [" + "".join(f"{d}," for d in a.shape) + "]")
    if show_type:
        lines.append(f"\tdtype: {TYPE_NAMES.get(a.dtype.name, a.dtype.name)}")
    flat = a.reshape(-1)
    n = flat.size if summarize < 0 else min(flat.size, summarize)  # fluid: any < 0 is all
    if a.dtype.kind in "fiub" and a.dtype.name in TYPE_NAMES and a.dtype.name != "float16":
        lines.append("\tdata: " + "".join(_number(v, a.dtype.kind) + "," for v in flat[:n]))
    else:
        lines.append(f"\tdata: unprintable type: {TYPE_NAMES.get(a.dtype.name, a.dtype.name)}")
    return "\n".join(lines) + "\n"


@op.kernel("float16", "float32", "float64", "int32", "int64", "bool")
def _(x, *, first_n, message, summarize, print_tensor_name, print_tensor_type,
      print_tensor_shape, print_tensor_lod, print_phase, is_forward, name, times, place):
    if (is_forward and print_phase == "BACKWARD") or (not is_forward and print_phase == "FORWARD"):
        return x.copy()
    with _LOCK:
        times[0] += 1
        if first_n > 0 and times[0] > first_n:
            return x.copy()
        host = x if isinstance(x, np.ndarray) else x.get()  # cupy: copied to the host
        sys.stdout.write(format_tensor(host, message, name if print_tensor_name else "",
                                       summarize, place, print_tensor_type, print_tensor_shape))
    return x.copy()
