"""The op registry: every op's contract (slots, attrs, shape rule, grad maker) and kernels.

An op file registers itself in a few adjacent declarations:

    op = register_op("my_scale", inputs=["X"], outputs=["Out"], attrs={"factor": 2.0})

    @op.shape_rule
    def _(op):                       # runs when the op is appended; raise ValueError/TypeError
        x, out = op.in_var("X"), op.out_var("Out")
        out.shape, out.dtype = x.shape, x.dtype

    @op.kernel("cpu", "float32", "float64")
    def _(x, *, factor):             # arrays in slot order, attrs as keywords, arrays out
        return x * factor

Slot names: "X" is one variable, "PosWeight?" may be left out (the kernel gets None),
"X*" takes a list of variables (the kernel gets a list), "X*?" a list that may be empty.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .checks import attr_error

__all__ = ["OpDef", "OPS", "IGNORED_ATTRS", "register_op", "get_op", "get_kernel"]

PLACES = ("cpu", "cuda")

# Attrs fluid attaches to every op (op_proto_maker: role, role var, namescope, callstack,
# device; later Paddle adds with_quant_attr) and the kernel-selection switches Paddle's op
# tests pass (oneDNN, cuDNN, inference mode). An op that does not declare one ignores it:
# fill_attrs drops it, so it is neither checked nor stored, and saved programs stay clean.
IGNORED_ATTRS = frozenset({"op_role", "op_role_var", "op_namescope", "op_callstack", "op_device",
                           "with_quant_attr", "use_mkldnn", "use_cudnn", "mkldnn_data_type",
                           "use_quantizer", "is_test"})


class OpDef:
    def __init__(self, type: str, inputs, outputs, attrs, doc: str = "",
                 wants_outputs: bool = False, random: bool = False, no_grad: str = ""):
        self.type = type
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
        self.grad: Optional[Callable] = None
        self.kernels: dict = {}
        # A grad op whose outputs are all 'S@GRAD' gets them shaped like its input 'S'.
        is_grad = self.outputs and all(s.endswith("@GRAD") for s in self.outputs)
        # Why the op has no grad maker, where that is by design (backward.py passes over an
        # op without one); tests/test_conventions.py wants a grad maker or a reason.
        self.no_grad = no_grad or ("a gradient op: minifluid has no higher-order gradients"
                                   if is_grad else "")
        self.infer_shape: Optional[Callable] = _like_forward if is_grad else None

    def shape_rule(self, fn: Callable) -> Callable:
        """Decorator: fn(op) sets the shape and dtype of the op's outputs, or raises."""
        self.infer_shape = fn
        return fn

    def grad_maker(self, fn: Callable) -> Callable:
        """Decorator: fn(op) returns the grad ops as dicts (type, inputs, outputs, attrs),
        naming gradients 'v@GRAD'. Only backward.py appends them."""
        self.grad = fn
        return fn

    def default_grad(self, inputs=("X",), grads=("X",), outputs=()):
        """Set the usual grad maker: one '<type>_grad' op that reads the forward slots
        `inputs` and `outputs` and Out@GRAD, writes S@GRAD for each slot S in `grads`, and
        has the forward op's attrs."""
        def make(op):
            ins = {s: op.input(s) for s in inputs}
            ins.update({s: op.output(s) for s in outputs})
            ins["Out@GRAD"] = [n + "@GRAD" for n in op.output("Out")]
            outs = {f"{s}@GRAD": [n + "@GRAD" for n in op.input(s)] for s in grads}
            return [dict(type=op.type + "_grad", inputs=ins, outputs=outs, attrs=dict(op.attrs))]
        self.grad = make
        return self

    def kernel(self, places, *dtypes: str) -> Callable:
        """Decorator registering fn for each place ('cpu', 'cuda' or a tuple) and dtype."""
        places = (places,) if isinstance(places, str) else tuple(places)
        for p in places:
            if p not in PLACES:
                raise ValueError(f"unknown place kind {p!r}; expected one of {PLACES}")

        def register(fn):
            for p in places:
                for d in dtypes:
                    self.kernels[(p, d)] = fn
            return fn
        return register

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
        return {**self.attrs, **attrs}

    def __repr__(self) -> str:
        return (f"OpDef({self.type!r}, inputs={self.inputs}, outputs={self.outputs}, "
                f"attrs={self.attrs}, kernels={sorted(self.kernels)})")


def _plain(v):
    """numpy scalars (and lists of them) as Python values, so that programs save as JSON."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v.item() if isinstance(v, np.generic) else v


def _like_forward(op):
    for slot, names in op.outputs.items():
        src = op.in_var(slot[:-len("@GRAD")])
        for n in names:
            if n == "@EMPTY@":
                continue
            v = op.block.var(n)
            v.shape, v.dtype, v.lod_level = src.shape, src.dtype, src.lod_level


OPS: dict = {}


def register_op(type: str, inputs=(), outputs=("Out",), attrs=None, doc: str = "",
                wants_outputs: bool = False, random: bool = False, no_grad: str = "") -> OpDef:
    """Declare op `type`; returns its OpDef for attaching the shape rule, grad and kernels.
    An op that is not differentiable by design says why in `no_grad`.

    Registering a type twice replaces the earlier definition (handy when iterating on a
    user op in a notebook).
    """
    opdef = OpDef(type, inputs, outputs, attrs, doc, wants_outputs, random, no_grad)
    OPS[type] = opdef
    return opdef


def get_op(type: str) -> OpDef:
    try:
        return OPS[type]
    except KeyError:
        raise ValueError(f"op '{type}' is not registered; registered ops: {sorted(OPS)}") from None


def get_kernel(type: str, place: str, dtype: str) -> Callable:
    opdef = get_op(type)
    try:
        return opdef.kernels[(place, dtype)]
    except KeyError:
        have = ", ".join(f"{p}/{d}" for p, d in sorted(opdef.kernels)) or "none"
        raise NotImplementedError(f"op '{type}' has no kernel for place '{place}' and dtype "
                                  f"'{dtype}'; registered kernels: {have}") from None
