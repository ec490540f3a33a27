"""The argument checks every public entry point uses, so that a bad argument fails at once with
a message naming the callable, the argument, what was expected and what was given:

    fc: argument 'size' must be an int >= 1, got '3' (str)

TypeError for a value of the wrong kind, ValueError for the right kind with a bad value.
Where fluid 1.8 raised another class, the error is also of that class, so that code written
against fluid catches it: a dtype fluid knows but the callable does not take is a TypeError
(fluid's check_dtype); a name that is no dtype is a DtypeNameError, both ValueError (fluid's
convert_dtype) and TypeError (numpy's np.dtype); a check fluid made with `assert` raises a
FluidAssertionError, both ValueError and AssertionError.
Kinds: bool (np.bool_ too) is not an int or a float; numpy integers are ints (returned as
Python ints), numpy floats are floats, and an int is accepted where a float is wanted.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["DTYPES", "VARTYPES", "dtype_name", "INT64_MAX", "check_bool", "check_int",
           "check_float", "check_str", "check_dtype", "check_ints", "check_instance",
           "check_variable", "check_name", "is_bool", "is_int", "is_real", "attr_error",
           "wrong_attr", "DtypeNameError", "FluidAssertionError", "FLUID_DTYPES",
           "check_var_dtype", "Floats", "Bools"]

DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool", "uint8", "int8")
# The dtypes fluid 1.8 names (its convert_dtype's list): one of these that a callable does
# not take is a TypeError there, any other name a ValueError.
FLUID_DTYPES = ("bool", "float16", "float32", "float64", "int8", "int16", "int32", "int64",
                "uint8")
# Paddle's VarDesc.VarType numbers for those dtypes: an in_dtype, out_dtype (cast's, the
# reduce ops') or dtype attr (fill_constant's) takes one of them or a name, as Paddle
# programs and unit tests write them.
VARTYPES = {0: "bool", 2: "int32", 3: "int64", 4: "float16", 5: "float32", 6: "float64",
            20: "uint8", 21: "int8"}
VARTYPE_ATTRS = ("in_dtype", "out_dtype", "dtype")  # dtype: fill_constant's, the random ops'


_NAMES: dict = {}  # np.dtype -> its name: numpy computes dtype.name in Python, each time


def name_of(dtype: np.dtype) -> str:
    """dtype.name, remembered (building and compiling ask it of every variable)."""
    name = _NAMES.get(dtype)
    if name is None:
        name = _NAMES[dtype] = dtype.name
    return name


def dtype_name(v) -> str:
    """A dtype attr's value as a dtype name (a VarType number becomes its name)."""
    return VARTYPES[v] if is_int(v) else v
# Ints end up in attrs and shapes, which fluid keeps as int64 at most.
INT64_MAX = 2 ** 63 - 1
FLOAT64_MAX = float(np.finfo(np.float64).max)  # a Python float: compares with any int


# Each test looks at the exact type first: the abstract-class checks cost ~1 us apiece, and
# a large program makes hundreds of thousands of them.
def is_bool(v) -> bool:
    return v.__class__ is bool or isinstance(v, (bool, np.bool_))


def is_int(v) -> bool:
    return v.__class__ is int or (isinstance(v, numbers.Integral) and not is_bool(v))


def is_real(v) -> bool:
    return v.__class__ in (int, float) or (isinstance(v, numbers.Real) and not is_bool(v))


class DtypeNameError(ValueError, TypeError):
    """A dtype argument that names no dtype ('flaot32')."""


class FluidAssertionError(ValueError, AssertionError):
    """A bad value that fluid 1.8 refused with an `assert` (a reshape with two -1s)."""


class EnforceNotMet(ValueError):
    """A value an op refuses where fluid 1.8's C++ op did, with core.EnforceNotMet (a fill
    value that does not fit its dtype)."""


def given(v) -> str:
    """How a message shows what it got: "'3' (str)"."""
    r = repr(v)
    r = r if len(r) <= 60 else r[:57] + "..."
    return f"{r} ({type(v).__name__})"


def _fail(where, arg, expected, v, cls):
    raise cls(f"{where}: argument '{arg}' must be {expected}, got {given(v)}")


def _range(lo, hi, open_lo=False, open_hi=False) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if open_lo else '>='} {lo}")
    if hi is not None and hi != INT64_MAX:
        parts.append(f"{'<' if open_hi else '<='} {hi}")
    return " and ".join(parts)


def check_bool(where: str, arg: str, v) -> bool:
    if not is_bool(v):
        _fail(where, arg, "a bool", v, TypeError)
    return bool(v)


def check_int(where: str, arg: str, v, lo=None, hi=INT64_MAX, none: bool = False):
    """v as a Python int, within [lo, hi]; None passes when `none`."""
    if v is None and none:
        return None
    if not is_int(v):
        _fail(where, arg, _int_what(lo, hi, none), v, TypeError)
    v = int(v)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        _fail(where, arg, _int_what(lo, hi, none), v, ValueError)
    return v


def _int_what(lo, hi, none):
    return "an int" + (f" {_range(lo, hi)}" if _range(lo, hi) else "") + (
        " or None" if none else "")


def check_float(where: str, arg: str, v, lo=None, hi=None, open_lo=False, open_hi=False,
                finite: bool = True, none: bool = False):
    """v as a Python float within the range (nan and inf refused unless not `finite`)."""
    if v is None and none:
        return None

    def fail(cls):
        rng = _range(lo, hi, open_lo, open_hi)
        _fail(where, arg, ("a finite number" if finite else "a number") + (
            f" {rng}" if rng else "") + (" or None" if none else ""), v, cls)
    if not is_real(v):
        fail(TypeError)
    try:
        f = float(v)
    except OverflowError:  # an int beyond float64
        fail(ValueError)
    if math.isnan(f):
        if finite:
            fail(ValueError)
        return f
    if (finite and math.isinf(f)) or (lo is not None and (f <= lo if open_lo else f < lo)) or (
            hi is not None and (f >= hi if open_hi else f > hi)):
        fail(ValueError)
    return f


def check_str(where: str, arg: str, v, choices=None, none: bool = False,
              nonempty: bool = False):
    if v is None and none:
        return None
    what = ("None or " if none else "") + (f"one of {list(choices)}" if choices else
                                           "a non-empty str" if nonempty else "a str")
    if not isinstance(v, str):
        _fail(where, arg, what, v, TypeError)
    if (choices and v not in choices) or (nonempty and not v):
        _fail(where, arg, what, v, ValueError)
    return v


def check_dtype(where: str, arg: str, v, supported=DTYPES) -> str:
    """The dtype's name, from a name, an np.dtype or a numpy type, among `supported` (None:
    any bool, int or float numpy dtype, as an input placeholder may declare)."""
    what = (f"a dtype among {list(supported)}" if supported else "a bool, int or float dtype") \
        + " (a name, np.dtype or numpy type)"
    if not (isinstance(v, (str, np.dtype)) or (isinstance(v, type) and issubclass(v, np.generic))):
        _fail(where, arg, what, v, TypeError)
    try:
        name = np.dtype(v).name
    except TypeError:
        _fail(where, arg, what, v, DtypeNameError)
    if (name not in supported) if supported else np.dtype(name).kind not in "biuf":
        _fail(where, arg, what, v, TypeError if name in FLUID_DTYPES else ValueError)
    return name


def check_var_dtype(where: str, arg: str, v, dtypes, none: bool = False):
    """check_variable, and v's dtype among `dtypes` (a TypeError, as fluid 1.8's
    check_variable_and_dtype raises)."""
    if check_variable(where, arg, v, none=none) is None:
        return None
    if name_of(v.dtype) not in dtypes:
        raise TypeError(f"{where}: argument '{arg}' must be a Variable of {', '.join(dtypes)}, "
                        f"got '{v.name}' of {v.dtype}")
    return v


def check_ints(where: str, arg: str, v, lo=None, what: str = "") -> list:
    """A list or tuple of ints >= lo, as a list of Python ints."""
    what = what or "a list of ints" + (f" {_range(lo, None)}" if lo is not None else "")
    if not isinstance(v, (list, tuple)):
        _fail(where, arg, what, v, TypeError)
    if not all(is_int(d) for d in v):
        _fail(where, arg, what, v, TypeError)
    if any(d > INT64_MAX or (lo is not None and d < lo) for d in v):
        _fail(where, arg, what, v, ValueError)
    return [int(d) for d in v]


def check_instance(where: str, arg: str, v, cls, what: str, none: bool = False):
    if v is None and none:
        return None
    if not isinstance(v, cls):
        _fail(where, arg, what + (" or None" if none else ""), v, TypeError)
    return v


_FRAMEWORK = ()  # framework's Variable and default_main_program, once imported


def check_variable(where: str, arg: str, v, none: bool = False, program=None):
    """TypeError unless v is a Variable; ValueError unless it belongs to `program` (the
    default main program when not given)."""
    global _FRAMEWORK
    if not _FRAMEWORK:  # imported on first use: framework imports this module
        from .framework import Variable, default_main_program
        _FRAMEWORK = (Variable, default_main_program)
    Variable, default_main_program = _FRAMEWORK
    if v is None and none:
        return None
    if not isinstance(v, Variable):
        raise TypeError(f"{where}: argument '{arg}' must be a Variable (from fluid.data, "
                        f"layers.data or another layer){' or None' if none else ''}, got "
                        f"{type(v).__name__}")
    program = program or default_main_program()
    if v.block.program is not program:
        raise ValueError(f"{where}: variable '{v.name}' (argument '{arg}') belongs to another "
                         f"program; build the whole network inside one program_guard")
    return v


def check_name(where: str, name):
    """None or a str."""
    if name is not None and not isinstance(name, str):
        raise TypeError(f"{where}: name must be a str, got {type(name).__name__}")
    return name


class Floats(list):
    """An op attr default: a list of numbers (assign_value's fp32_values); a plain list
    default is a list of ints."""


class Bools(list):
    """An op attr default: a list of bools (assign_value's bool_values)."""


def attr_problem(default, v):
    """(exception class, what is wrong) when `v` does not fit an op attr whose default is
    `default`, or None. Each value must have its default's type (an int may stand for a
    float; a tuple for a list), ints fit int64, dtypes are the names minifluid supports."""
    t = v.__class__
    if t is default.__class__:  # the common cases, decided without the checks below
        if t is int:
            if -INT64_MAX - 1 <= v <= INT64_MAX:
                return None
        elif t is list:
            if all(i.__class__ is int and -INT64_MAX - 1 <= i <= INT64_MAX for i in v):
                return None
        elif t in (bool, float, str):
            return None
    if isinstance(default, bool):
        ok, what = is_bool(v), "a bool"
    elif isinstance(default, int):
        ok, what = is_int(v), "an int"
    elif isinstance(default, float):
        ok, what = is_real(v), "a number"
    elif isinstance(default, Floats):
        ok = isinstance(v, (list, tuple)) and all(is_real(i) for i in v)
        what = "a list of numbers"
    elif isinstance(default, Bools):
        ok = isinstance(v, (list, tuple)) and all(is_bool(i) for i in v)
        what = "a list of bools"
    elif isinstance(default, list):
        ok = isinstance(v, (list, tuple)) and all(is_int(i) for i in v)
        what = "a list of ints"
    else:
        ok, what = isinstance(v, type(default)), f"a {type(default).__name__}"
    if not ok:
        return TypeError, f"must be {what}, got {given(v)}"
    if isinstance(default, float) and is_int(v) and abs(v) > FLOAT64_MAX:
        return ValueError, f"must fit float64, got {given(v)}"
    ints = [v] if isinstance(default, int) else v if isinstance(default, list) and not \
        isinstance(default, (Floats, Bools)) else []
    if any(abs(i) > INT64_MAX for i in ints):
        return ValueError, f"must fit int64, got {given(v)}"
    return None


def attr_error(defaults: dict, attrs: dict):
    """(exception class, attr name, what is wrong) for the first of `attrs` that does not
    fit an op whose attrs default to `defaults`, or None."""
    for k, v in attrs.items():
        if k not in defaults:
            return ValueError, k, (f"is not an attribute of the op; its attributes are "
                                   f"{sorted(defaults)}")
        if k in VARTYPE_ATTRS and (is_int(v) or isinstance(v, str)):
            if (v in VARTYPES or v == defaults[k] == -1) if is_int(v) else v in DTYPES:
                continue  # a VarType number, a name, or the reduce ops' -1 (X's dtype)
            if isinstance(v, str):
                return ValueError, k, f"is not one of {list(DTYPES)}: got {given(v)}"
            return ValueError, k, (f"must be a dtype name among {list(DTYPES)} or one of "
                                   f"Paddle's VarType numbers {VARTYPES}, got {given(v)}")
        problem = attr_problem(defaults[k], v)
        if problem:
            return problem[0], k, problem[1]
        if k in ("dtype",) + VARTYPE_ATTRS and v not in DTYPES:
            return ValueError, k, f"is not one of {list(DTYPES)}: got {given(v)}"
    return None


def wrong_attr(defaults: dict, attrs: dict) -> str:
    """What is wrong with `attrs` for an op whose attrs default to `defaults`, or '' (the
    check io.py makes of a loaded program)."""
    error = attr_error(defaults, attrs)
    return f"attr '{error[1]}' {error[2]}" if error else ""
