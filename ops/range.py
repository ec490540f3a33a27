"""range and linspace: 1-D sequences whose bounds are 1-element tensors read when the op runs.

    range:     Out[i] = Start + i * Step,  i in [0, n), n = ceil((End - Start) / Step)
               (numpy's arange; computed in the dtype, so an int n is (|End - Start| +
               |Step| - 1) // |Step|). Step must not be 0 and must point from Start to End.
    linspace:  Out[i] = Start + i * (Stop - Start) / (Num - 1),  i in [0, Num); Num = 1
               gives [Start]. Num (int32) must be > 0.

Out has Start's dtype and, at build time, shape [-1] (its length is known when the op runs),
as in fluid 1.8. Neither has a gradient: fluid 1.8 had none.
"""
import numpy as np

from minifluid.place import get_array_module
from minifluid.registry import register_op

NUMBERS = ("float32", "float64", "int32", "int64")


def _scalars(op, slots, dtypes, same):
    """The build-time check: each slot a 1-element tensor of `dtypes`, of Start's dtype for
    the slots in `same`."""
    first = op.in_var(slots[0])
    for s in slots:
        v = op.in_var(s)
        want = dtypes if s not in same else (first.dtype.name,)
        if v.dtype.name not in want or any(d not in (1, -1) for d in v.shape):
            raise TypeError(f"{s} ('{v.name}') must be a 1-element tensor of "
                            f"{', '.join(want)}, got {v.dtype}{list(v.shape)}")
    return first


def _value(a, what, op_type):
    if a.size != 1:
        raise ValueError(f"{op_type}: {what} must hold 1 value, got shape {list(a.shape)}")
    return a.reshape(-1)[0].item()  # a read of the device on GPU


rng = register_op("range", inputs=["Start", "End", "Step"], outputs=["Out"], doc=__doc__,
                  no_grad="fluid 1.8's range has no gradient")


@rng.shape_rule
def _(op):
    start = _scalars(op, ("Start", "End", "Step"), NUMBERS, ("End", "Step"))
    return (-1,), start.dtype


def range_size(start, end, step, dtype):
    """The length of range(start, end, step) in `dtype`, with fluid 1.8's checks."""
    if step == 0:
        raise ValueError("range: Step must not be 0")
    if (start < end and step < 0) or (start > end and step > 0):
        raise ValueError(f"range: Step ({step}) must be > 0 when Start ({start}) < End "
                         f"({end}) and < 0 when Start > End")
    if np.dtype(dtype).kind in "iu":
        return (abs(end - start) + abs(step) - 1) // abs(step)
    t = np.dtype(dtype).type  # the division in the dtype, as fluid 1.8 computes it
    return int(np.ceil(abs((t(end) - t(start)) / t(step))))


@rng.kernel(*NUMBERS)
def range_(start, end, step):
    xp = get_array_module(start)
    s, e, d = (_value(a, w, "range") for a, w in ((start, "Start"), (end, "End"),
                                                   (step, "Step")))
    n = range_size(s, e, d, start.dtype)
    if start.dtype.kind in "iu":
        return xp.arange(n, dtype=start.dtype) * start.dtype.type(d) + start.dtype.type(s)
    return (xp.arange(n, dtype=np.float64) * d + s).astype(start.dtype)


lin = register_op("linspace", inputs=["Start", "Stop", "Num"], outputs=["Out"], doc=__doc__,
                  no_grad="fluid 1.8's linspace has no gradient")


@lin.shape_rule
def _(op):
    start = _scalars(op, ("Start", "Stop"), ("float32", "float64"), ("Stop",))
    _scalars(op, ("Num",), ("int32",), ())
    return (-1,), start.dtype


@lin.kernel("float32", "float64")
def linspace(start, stop, num):
    xp = get_array_module(start)
    s, e, n = (_value(a, w, "linspace") for a, w in ((start, "Start"), (stop, "Stop"),
                                                      (num, "Num")))
    if n <= 0:
        raise ValueError(f"linspace: Num must be > 0, got {n}")
    step = (e - s) / (n - 1) if n > 1 else 0.0
    return (xp.arange(n, dtype=np.float64) * step + s).astype(start.dtype)
