"""fluid 1.8's layers.Print (in its control_flow module)."""
from __future__ import annotations

from ..checks import check_bool, check_int, check_str, check_var_dtype
from ..framework import Variable
from .helper import LayerHelper, building

__all__ = ["Print"]

_PRINTABLE = ("float32", "float64", "int32", "int64", "bool")


def Print(input, first_n=-1, message=None, summarize=20, print_tensor_name=True,
          print_tensor_type=True, print_tensor_shape=True, print_tensor_lod=True,
          print_phase="both") -> Variable:
    """`input` passed through, printed (to stdout, in fluid 1.8's format) each time the
    program runs it; with print_phase 'backward' or 'both' its gradient is printed too when
    the gradient passes back. Use the returned Variable: printing happens where it is used.

    Example:
        x = fluid.layers.Print(x, message="x is", summarize=5)
    """
    where = "Print"
    check_var_dtype(where, "input", input, _PRINTABLE)
    attrs = dict(first_n=check_int(where, "first_n", first_n, lo=-2 ** 31, hi=2 ** 31 - 1),
                 message=check_str(where, "message", message, none=True) or "",
                 summarize=check_int(where, "summarize", summarize, lo=-2 ** 31, hi=2 ** 31 - 1))
    for arg, v in (("print_tensor_name", print_tensor_name),
                   ("print_tensor_type", print_tensor_type),
                   ("print_tensor_shape", print_tensor_shape),
                   ("print_tensor_lod", print_tensor_lod)):
        attrs[arg] = check_bool(where, arg, v)
    phase = check_str(where, "print_phase", print_phase)
    if phase.upper() not in ("FORWARD", "BACKWARD", "BOTH"):
        raise ValueError(f"{where}: argument 'print_phase' must be 'forward', 'backward' or "
                         f"'both' (any case), got {print_phase!r}")
    attrs["print_phase"] = phase.upper()
    with building():
        helper = LayerHelper(f"print_{input.name}")  # fluid's name: print_<input>_0.tmp_0
        out = helper.tmp()
        helper.append_op("print", {"In": input}, {"Out": out}, attrs)
    return out
