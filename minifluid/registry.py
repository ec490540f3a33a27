"""The op registry: every op's contract (slots, attrs, shape rule, grad maker) and kernels.

An op file registers itself in a few adjacent declarations:

    op = register_op("my_scale", inputs=["X"], outputs=["Out"], attrs={"factor": 2.0})

    @op.shape_rule
    def _(op):                       # runs when the op is appended; raise ValueError/TypeError
        return like(op.in_var("X"))  # Out: X's shape, dtype and LoD (ops/rules.py has more)

    @op.kernel("float32", "float64")
    def _(x, *, factor):             # arrays in slot order, attrs as keywords, arrays out
        return x * factor

A shape rule returns what the outputs are: a spec (shape, dtype[, lod_level]) for an op with
one output, or {slot: spec} (a list of specs for a list slot); lod_level defaults to 0.
A kernel registered without a place serves every numpy-compatible place (numpy, cupy:
write it with get_array_module); `@op.kernel("float32", place="cuda")` is specialised and
takes precedence there. float16 is a policy: an op with a float32 kernel and no float16 one
computes float16 inputs in float32 and rounds its float results back.

Slot names: "X" is one variable, "PosWeight?" may be left out (the kernel gets None),
"X*" takes a list of variables (the kernel gets a list), "X*?" a list that may be empty.
Gradient names are spelled by grad_name ("X" -> "X@GRAD"); EMPTY is an output nobody wants.
"""
from __future__ import annotations

import operator
import os
import sys
import warnings
from typing import Callable, Optional

import numpy as np

from .checks import FLUID_DTYPES as DTYPES
from .checks import attr_error
from .place import PLACES, place_of_kind
from .selected_rows import SelectedRows

__all__ = ["OpDef", "OPS", "IGNORED_ATTRS", "EMPTY", "GRAD_SUFFIX", "grad_name",
           "register_op", "get_op", "get_kernel", "has_kernel", "kernel_site"]

GRAD_SUFFIX = "@GRAD"
EMPTY = "@EMPTY@"  # an output slot entry whose value nobody wants (a gradient not needed)
_OWN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # minifluid/ and ops/


def grad_name(name: str) -> str:
    """The gradient of variable or slot `name`: `name@GRAD`."""
    return name + GRAD_SUFFIX

# Attrs fluid attaches to every op (op_proto_maker: role, role var, namescope, callstack,
# device; later Paddle adds with_quant_attr) and the kernel-selection switches Paddle's op
# tests pass (oneDNN, cuDNN, inference mode). An op that does not declare one ignores it:
# fill_attrs drops it, so it is neither checked nor stored, and saved programs stay clean.
IGNORED_ATTRS = frozenset({"op_role", "op_role_var", "op_namescope", "op_callstack", "op_device",
                           "with_quant_attr", "use_mkldnn", "use_cudnn", "mkldnn_data_type",
                           "use_quantizer", "is_test"})


class OpDef:
    def __init__(self, type: str, inputs, outputs, attrs, doc: str = "",
                 wants_outputs: bool = False, random: bool = False, no_grad: str = "",
                 needs_xp: bool = False, sparse=(), in_place: bool = False, site: str = "",
                 lod=(), lod_out=()):
        self.type, self.site = type, site  # site: where it was registered (file:line)
        self.own = False  # one of minifluid's own ops (registering over it warns)
        self.inputs = [s.rstrip("?*") for s in inputs]
        self.outputs = [s.rstrip("?*") for s in outputs]
        # "X*?" (or "X?*"): a list that may be left out (fill_constant's ShapeTensorList)
        self.optional = {s.rstrip("?*") for s in list(inputs) + list(outputs) if "?" in s[-2:]}
        self.duplicable = {s.rstrip("?*") for s in list(inputs) + list(outputs) if "*" in s[-2:]}
        self.attrs = dict(attrs or {})
        self.doc = doc or ""
        # With wants_outputs the kernel also gets wanted=(bool per output slot), so that a
        # grad kernel can skip gradients nobody asked for.
        self.wants_outputs = wants_outputs
        # A random op's kernel gets rng=, a numpy Generator that each compiled plan seeds
        # from the op's `seed` attr (fresh entropy for 0) and keeps from run to run.
        self.random = random
        # With needs_xp the kernel gets xp=, the array module of the place it runs on (for
        # ops that make arrays from attrs alone: fill_constant, the random draws).
        self.needs_xp = needs_xp
        # Input slots that may hold a SelectedRows (sparse rows); the kernels handle it.
        self.sparse = frozenset(sparse)
        # Kernels that update their inputs in place (the optimizers': ParamOut is Param); the
        # executor hands them copies of fed arrays, so a caller's array is never changed.
        self.in_place = in_place
        # LoD at run time (sequence ops): the kernel gets lod=[the LoD (offsets, fluid's
        # lod()) of each input slot in `lod`, [] where it has none]; an op with `lod_out`
        # returns, after its outputs, the LoD of each slot in lod_out (a list of them).
        self.lod, self.lod_out = tuple(lod), tuple(lod_out)
        # bind(op, place) -> attrs each compiled plan adds for the kernel: state kept from
        # run to run of that plan (print's count of what it printed, its input's name)
        self.bind: Optional[Callable] = None
        # With several outputs: the gradient of an output nobody differentiated is zeros
        # (backward fills it), so that the grad op gets one for each (split, unstack).
        self.zero_missing_grads = False
        self.grad: Optional[Callable] = None
        self.kernels: dict = {}  # (place kind, or None for any numpy-compatible place, dtype)
        self._half: dict = {}  # float32 kernel -> its float16 form (the float16 policy)
        # A grad op whose outputs are all 'S@GRAD' gets them shaped like its input 'S'.
        is_grad = self.outputs and all(s.endswith(GRAD_SUFFIX) for s in self.outputs)
        # Why the op has no grad maker, where that is by design (backward.py passes over an
        # op without one); tests/test_conventions.py wants a grad maker or a reason.
        self.no_grad = no_grad or ("a gradient op: minifluid has no higher-order gradients"
                                   if is_grad else "")
        self.rule: Optional[Callable] = like_forward if is_grad else None

    def shape_rule(self, fn: Callable) -> Callable:
        """Decorator: fn(op) returns the outputs' specs (see the module doc), or raises."""
        self.rule = fn
        return fn

    def infer_shape(self, op):
        """Run the shape rule on `op` and give its output variables what it returns."""
        if self.rule is None:
            raise TypeError(f"op '{self.type}' has no shape rule to give its outputs a shape "
                            f"and dtype; register one with @op.shape_rule")
        specs = self.rule(op)
        if not isinstance(specs, dict):
            if len(self.outputs) != 1:
                raise TypeError(f"the shape rule of op '{self.type}' ({_site(self.rule)}) "
                                f"returned {specs!r}; an op with outputs {self.outputs} "
                                f"returns {{slot: (shape, dtype)}}")
            specs = {self.outputs[0]: specs}
        vars = op.block.vars
        for slot, names in op.outputs.items():
            spec = specs.get(slot)
            if spec.__class__ is list:  # a list slot: one spec per name
                if len(spec) != len(names):
                    raise TypeError(f"the shape rule of op '{self.type}' ({_site(self.rule)}) "
                                    f"gave {len(spec)} specs for output {slot}'s "
                                    f"{len(names)} variables")
                for name, one in zip(names, spec):
                    if name != EMPTY:
                        self._give(vars[name], slot, one)
            else:
                for name in names:
                    if name != EMPTY:
                        self._give(vars[name], slot, spec)

    def _give(self, v, slot, spec):
        try:
            shape, dtype, lod = spec if len(spec) == 3 else (*spec, 0)
            if shape.__class__ is not tuple or any(d.__class__ is not int for d in shape):
                shape = tuple(operator.index(d) for d in shape)  # ints only: 2.7 is no dim
            if dtype is None:
                raise TypeError("no dtype")
            v.shape, v.lod_level = shape, operator.index(lod)
            v.dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
        except (TypeError, ValueError):
            raise TypeError(f"the shape rule of op '{self.type}' ({_site(self.rule)}) gave "
                            f"output {slot} {spec!r}; expected (shape, dtype[, lod_level])") \
                from None

    def plan_attrs(self, fn: Callable) -> Callable:
        """Decorator: fn(op, place) returns attrs each plan compiled for the op adds."""
        self.bind = fn
        return fn

    def bound_attrs(self, op, place) -> dict:
        """What a compiled plan adds to the op's attrs: xp= (needs_xp) and bind's."""
        extra = {"xp": place.xp} if self.needs_xp else {}
        return {**extra, **self.bind(op, place)} if self.bind is not None else extra

    def grad_maker(self, fn: Callable) -> Callable:
        """Decorator: fn(op) returns the grad ops as dicts (type, inputs, outputs, attrs),
        naming gradients with grad_name. Only backward.py appends them."""
        self.grad = fn
        return fn

    def default_grad(self, inputs=("X",), grads=("X",), outputs=(), dout="Out"):
        """Set the usual grad maker: one '<type>_grad' op that reads the forward slots
        `inputs` and `outputs` and the gradient of output `dout` (Out@GRAD), writes S@GRAD
        for each slot S in `grads`, and has the forward op's attrs."""
        def make(op):
            ins = {s: op.input(s) for s in inputs}
            ins.update({s: op.output(s) for s in outputs})
            ins[grad_name(dout)] = [grad_name(n) for n in op.output(dout)]
            outs = {grad_name(s): [grad_name(n) for n in op.input(s)] for s in grads}
            return [dict(type=op.type + "_grad", inputs=ins, outputs=outs, attrs=dict(op.attrs))]
        self.grad = make
        return self

    def kernel(self, *dtypes: str, place: Optional[str] = None) -> Callable:
        """Decorator registering fn for each dtype, on every numpy-compatible place, or on
        the place of kind `place` ('cpu', 'cuda') only, where it takes precedence."""
        bad = [d for d in dtypes if d not in DTYPES]
        if bad or not dtypes:
            hint = " (name a place with place='cpu')" if bad and bad[0] in ("cpu", "cuda") else ""
            raise ValueError(f"op '{self.type}': kernel dtypes must be some of {DTYPES}, got "
                             f"{list(dtypes)}{hint}")
        if place is not None and place not in PLACES:
            raise ValueError(f"op '{self.type}': unknown place kind {place!r}; expected one "
                             f"of {sorted(PLACES)}")

        def register(fn):
            for d in dtypes:
                self.kernels[(place, d)] = fn
            return fn
        return register

    def kernel_for(self, place, dtype: str, half=None) -> Optional[Callable]:
        """The kernel that serves `place` for `dtype`, or None: the place's specialised one,
        else the generic one (numpy-compatible places), else for float16 the float32 one
        computed in float32. `half` (a bool per output slot: declared float16) says which
        results that one rounds back to float16; None: every float32 result."""
        fn = self._find(place, dtype)
        if fn is None and dtype == "float16":
            base = self._find(place, "float32")
            if base is not None:
                fn = self._half.get((base, half))
                if fn is None:
                    fn = self._half[(base, half)] = _via_float32(base, half)
        return fn

    def serves(self, place) -> bool:
        """Whether some kernel of the op runs on `place`."""
        return any(k == place.kind or (k is None and place.numpy_compatible)
                   for k, _ in self.kernels)

    def _find(self, place, dtype):
        fn = self.kernels.get((place.kind, dtype))
        if fn is None and place.numpy_compatible:
            fn = self.kernels.get((None, dtype))
        return fn

    def check_slots(self, ins: dict, outs: dict):
        for given, declared, what in ((ins, self.inputs, "input"), (outs, self.outputs, "output")):
            for slot, names in given.items():
                if slot not in declared:
                    raise ValueError(f"op '{self.type}' has no {what} slot '{slot}'; its {what}s "
                                     f"are {declared}")
                if len(names) > 1 and slot not in self.duplicable:
                    raise ValueError(f"op '{self.type}': {what} '{slot}' takes one variable, "
                                     f"got {len(names)}")
            for slot in declared:
                if not given.get(slot) and slot not in self.optional:
                    raise ValueError(f"op '{self.type}': {what} '{slot}' is required")

    def drop_ignored(self, attrs: dict) -> dict:
        """`attrs` less the IGNORED_ATTRS this op does not declare, and data_format=
        "AnyLayout" (what 'no layout' reads as in Paddle)."""
        return {k: v for k, v in attrs.items() if k in self.attrs or not (
            k in IGNORED_ATTRS or (k == "data_format" and v == "AnyLayout"))}

    def fill_attrs(self, attrs: dict) -> dict:
        """The defaults updated with `attrs`, each checked against its default's type (so
        every layer and every raw append_op is covered). Undeclared IGNORED_ATTRS are
        dropped, and so is data_format="AnyLayout" (what 'no layout' reads as in Paddle)."""
        attrs = self.drop_ignored(attrs)
        unknown = set(attrs) - set(self.attrs)
        if unknown:
            raise ValueError(f"op '{self.type}' has no attribute(s) {sorted(unknown)}; its "
                             f"attributes are {sorted(self.attrs)}")
        attrs = {k: _plain(v) for k, v in attrs.items()}
        error = attr_error(self.attrs, attrs)
        if error:
            cls, name, problem = error
            raise cls(f"op '{self.type}': {name} {problem}")
        # an int for a float attr is stored as a float, as fluid's FLOAT attr type did: an int
        # beyond int64 would otherwise make numpy 1.x compute in Python objects
        return {**self.attrs, **{k: float(v) if isinstance(self.attrs[k], float) and
                                 type(v) is int else v for k, v in attrs.items()}}

    def __repr__(self) -> str:
        return (f"OpDef({self.type!r}, inputs={self.inputs}, outputs={self.outputs}, "
                f"attrs={self.attrs}, kernels={sorted(self.kernels, key=str)})")


def _plain(v):
    """numpy scalars (and lists of them) as Python values, so that programs save as JSON."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v.item() if isinstance(v, np.generic) else v


def like_forward(op):
    """The rule of a grad op: each S@GRAD is shaped like its forward input S."""
    specs = {}
    for slot, names in op.outputs.items():
        src = [op.block.var(n) for n in op.input(slot[:-len(GRAD_SUFFIX)])]
        if names and len(src) != len(names):
            raise ValueError(f"output {slot} has {len(names)} variables, but its forward "
                             f"input {slot[:-len(GRAD_SUFFIX)]} has {len(src)}")
        specs[slot] = [(v.shape, v.dtype, v.lod_level) for v in src] if names else []
    return specs


def _via_float32(kernel, half=None):
    """The float16 policy: float16 inputs computed in float32, and float32 results rounded
    to float16: those of the output slots `half` marks (all, when it is None)."""
    def run(*args, **attrs):
        res = kernel(*(_f32(a) for a in args), **attrs)
        if not isinstance(res, (tuple, list)):
            return _f16(res) if half is None or half[0] else res
        return type(res)(_f16(r) if half is None or half[i] else r for i, r in enumerate(res))
    run.__name__ = run.__qualname__ = f"{kernel.__name__}_float16"
    run.__wrapped__ = kernel
    return run


def _cast(a, src, dst):
    """`a` (an array, a SelectedRows or a list of them) with its `src` values as `dst`."""
    if isinstance(a, list):
        return [_cast(x, src, dst) for x in a]
    if a.__class__ is SelectedRows:
        return a.with_value(_cast(a.value, src, dst))
    return a.astype(dst) if getattr(a, "dtype", None) == src else a


def _f32(a):
    return _cast(a, np.float16, np.float32)


def _f16(r):
    return _cast(r, np.float32, np.float16)


def _site(fn) -> str:
    """Where a function is defined, as file:line (below minifluid's own folder if there)."""
    while hasattr(fn, "__wrapped__"):
        fn = fn.__wrapped__
    code = getattr(fn, "__code__", None)
    if code is None:
        return repr(fn)
    return f"{_short(code.co_filename)}:{code.co_firstlineno}"


def _short(path: str) -> str:
    return path[len(_OWN) + 1:] if path.startswith(_OWN + os.sep) else path


OPS: dict = {}
KEPT: set = set()  # op types run for what they do (print prints), whatever is fetched


def register_op(type: str, inputs=(), outputs=("Out",), attrs=None, doc: str = "",
                wants_outputs: bool = False, random: bool = False, no_grad: str = "",
                needs_xp: bool = False, sparse=(), in_place: bool = False, lod=(),
                lod_out=()) -> OpDef:
    """Declare op `type`; returns its OpDef for attaching the shape rule, grad and kernels.
    An op that is not differentiable by design says why in `no_grad`. `lod` and `lod_out`
    name the input slots whose run-time LoD the kernel reads and the output slots whose LoD
    it gives (see OpDef).

    Registering a type again replaces the earlier definition (handy when iterating on a
    user op in a notebook); replacing one of minifluid's own ops warns.
    """
    frame = sys._getframe(1)
    own = frame.f_globals.get("__name__", "").startswith("minifluid.")
    old = OPS.get(type)
    if old is not None and old.own and not own:
        warnings.warn(f"register_op: op '{type}' is one of minifluid's own (registered at "
                      f"{old.site}); this definition replaces it", RuntimeWarning, stacklevel=2)
    opdef = OpDef(type, inputs, outputs, attrs, doc, wants_outputs, random, no_grad, needs_xp,
                  sparse, in_place, f"{_short(frame.f_code.co_filename)}:{frame.f_lineno}",
                  lod, lod_out)
    opdef.own = own
    OPS[type] = opdef
    return opdef


def get_op(type: str) -> OpDef:
    try:
        return OPS[type]
    except KeyError:
        raise ValueError(f"op '{type}' is not registered; registered ops: {sorted(OPS)}") from None


def has_kernel(type: str, place, dtype: str) -> bool:
    return get_op(type).kernel_for(place, dtype) is not None


def get_kernel(type: str, place, dtype: str, half=None) -> Callable:
    """The kernel of op `type` for `place` (a Place, or a kind: 'cpu', 'cuda') and `dtype`;
    `half` as for OpDef.kernel_for."""
    if isinstance(place, str):
        place = place_of_kind(place)
    opdef = get_op(type)
    fn = opdef.kernel_for(place, dtype, half)
    if fn is None:
        have = ", ".join(f"{p or 'any'}/{d}" for p, d in sorted(opdef.kernels, key=str)) or "none"
        raise NotImplementedError(f"op '{type}' has no kernel for place '{place.kind}' and "
                                  f"dtype '{dtype}'; registered kernels: {have} (op "
                                  f"registered at {opdef.site})")
    return fn


def kernel_site(fn) -> str:
    """Where kernel `fn` is defined (file:line), for error messages."""
    return _site(fn)
