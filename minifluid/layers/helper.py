"""What every layer does: check its arguments, name and create its outputs and parameters,
append its ops (fluid's LayerHelper).

Most layers are one op with no extra logic; `generate_layer` builds those from the op's
declaration in ops/, so the op file is the one place they are described.
"""
from __future__ import annotations

import inspect
import re

import numpy as np

from .. import registry
from ..checks import check_name, check_str, check_variable
from ..framework import (Parameter, Variable, all_or_nothing, default_main_program,
                         default_startup_program, unique_name)
from ..initializer import Constant, Xavier
from ..ops import activation as _activation_ops
from ..param_attr import ParamAttr

__all__ = ["LayerHelper", "activate", "append_layer_op", "building", "check_act", "check_name",
           "check_variable", "free_name", "generate_layer"]


def free_name(layer: str, name):
    """`name` for a layer's output, or when the program already has a variable of that name
    the first free 'name_1', 'name_2', ...: Paddle 2.x and TensorFlow let one name be given
    again (a loss object called twice, say). None stays None."""
    check_name(layer, name)
    if name is None:
        return None
    block, n, free = default_main_program().current_block(), 0, name
    while block.has_var(free):
        n += 1
        free = f"{name}_{n}"
    return free


class LayerHelper:
    """Names a layer ('fc_0', or `name`) and creates its variables: 'fc_0.tmp_0',
    parameters 'fc_0.w_0' / 'fc_0.b_0' with their initializers in the startup program."""

    def __init__(self, layer_type: str, name=None):
        check_name(layer_type, name)
        self.layer_type = layer_type
        self.name = name or unique_name.generate(layer_type)
        self.main = default_main_program()
        self.block = self.main.current_block()

    def tmp(self, name=None) -> Variable:
        """A new output variable; its op's shape rule gives it shape and dtype."""
        if name is not None and self.block.has_var(name):
            raise ValueError(f"{self.layer_type}: a variable named '{name}' already exists")
        return self.block.create_var(name or unique_name.generate(f"{self.name}.tmp"))

    def append_op(self, type, inputs=None, outputs=None, attrs=None):
        """Append the op (inside `building()`, which takes everything out if it is refused)."""
        return self.block.append_op(type, inputs, outputs, attrs)

    def create_parameter(self, attr: ParamAttr, shape, dtype, is_bias=False,
                         default_initializer=None) -> Variable:
        """The parameter `attr` names (made, or shared by name), initialised in the startup
        program by attr's initializer, else `default_initializer`, else fluid's default
        (Xavier for weights, 0 for biases)."""
        suffix = "b" if is_bias else "w"
        name = attr.name or unique_name.generate(f"{self.name}.{suffix}")
        init = attr.initializer or default_initializer or (Constant(0.0) if is_bias else Xavier())
        kw = dict(trainable=attr.trainable, learning_rate=attr.learning_rate,
                  regularizer=attr.regularizer)
        existing = self.block.vars.get(name)
        if isinstance(existing, Parameter):  # a shared parameter, as ParamAttr(name=...) asks
            if existing.shape != tuple(shape) or existing.dtype != np.dtype(dtype):
                raise ValueError(f"{self.layer_type}: parameter '{name}' is shared but has "
                                 f"{existing.dtype}{list(existing.shape)}, here "
                                 f"{np.dtype(dtype)}{list(shape)} is needed")
            return existing
        startup = default_startup_program().global_block()
        if not startup.has_var(name):
            init(startup.create_parameter(name, shape, dtype, **kw), startup)
        return self.block.create_parameter(name, shape, dtype, **kw)

# The activation ops (ops/activation*.py, registered before any layer module loads) and
# softmax: the names `act=` takes.
ACTIVATIONS = tuple(_activation_ops.NAMES) + ("softmax",)


def check_act(layer: str, act):
    """None or the name of an activation op."""
    return check_str(layer, "act", act, choices=ACTIVATIONS, none=True)


def building():
    """A `with` block in which a refused layer call leaves the programs as they were."""
    return all_or_nothing(default_main_program(), default_startup_program())


def activate(x: Variable, act, helper: LayerHelper) -> Variable:
    """x through the activation op `act` ('relu', ...), or x itself when act is None. The
    output is the layer's next variable ('fc_0.tmp_2'), as fluid names it."""
    if check_act(helper.layer_type, act) is None:
        return x
    out = helper.tmp()
    helper.append_op(act, {"X": x}, {"Out": out})
    return out


def append_layer_op(op_type: str, inputs: dict, attrs: dict, name=None, outputs=("Out",),
                    act=None):
    """Append `op_type` (and the activation `act`) to the main program; returns its output
    Variable(s).

    `inputs` maps slot -> (argument name, Variable or None, or a list of Variables). A
    single output is named `name` when given, else '<op_type>_<n>.tmp_0' as fluid names it.
    """
    opdef = registry.get_op(op_type)
    for slot, (arg, value) in inputs.items():
        if slot not in opdef.duplicable:
            check_variable(op_type, arg, value, none=slot in opdef.optional)
            continue
        for v in value:
            check_variable(op_type, arg, v)
    check_act(op_type, act)
    with building():
        return _append_layer_op(op_type, opdef, inputs, attrs, name, outputs, act)


def _append_layer_op(op_type, opdef, inputs, attrs, name, outputs, act):
    helper = LayerHelper(op_type, name)
    single = len(outputs) == 1 and act is None
    outs = {s: [helper.tmp(name if single else None)] for s in outputs}
    helper.append_op(op_type, {s: v for s, (_, v) in inputs.items()}, outs, attrs)
    result = [vs[0] for vs in outs.values()]
    if act is not None:
        return activate(result[0], act, helper)
    return result[0] if len(result) == 1 else result


def _snake(slot: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", slot).lower()  # PosWeight -> pos_weight


def generate_layer(op_type: str, params: str, doc: str = ""):
    """Build the layer function of a one-op layer.

    `params` lists the layer's parameters in fluid's order, e.g. "x, label, ignore_index,
    name, normalize": a parameter is an input slot in snake case (pos_weight -> PosWeight),
    an attr (its default from the op), or `name`.
    """
    opdef = registry.get_op(op_type)
    slot_of = {_snake(s): s for s in opdef.inputs}
    P = inspect.Parameter
    sig_params = []
    for p in (s.strip() for s in params.split(",")):
        if p in slot_of:
            default = None if slot_of[p] in opdef.optional else P.empty
        elif p in opdef.attrs:
            default = opdef.attrs[p]
        elif p == "name":
            default = None
        else:
            raise ValueError(f"generate_layer('{op_type}'): '{p}' is neither an input slot "
                             f"nor an attr of the op")
        sig_params.append(P(p, P.POSITIONAL_OR_KEYWORD, default=default))
    sig = inspect.Signature(sig_params)

    def layer(*args, **kwargs):
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{op_type}{sig}: {e}") from None
        bound.apply_defaults()
        a = bound.arguments
        inputs = {slot_of[p]: (p, a[p]) for p in a if p in slot_of}
        attrs = {p: a[p] for p in a if p in opdef.attrs}
        return append_layer_op(op_type, inputs, attrs, a.get("name"))

    layer.__name__ = layer.__qualname__ = op_type
    layer.__signature__ = sig
    layer.__doc__ = doc or opdef.doc
    return layer
