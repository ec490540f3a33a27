"""What every layer does: check its arguments, create outputs, append the op.

Most layers are one op with no extra logic; `generate_layer` builds those from the op's
declaration in ops/, so the op file is the one place they are described.
"""
from __future__ import annotations

import inspect
import re

from .. import registry
from ..framework import Variable, default_main_program, unique_name

__all__ = ["append_layer_op", "check_variable", "generate_layer"]


def check_variable(layer: str, arg: str, value, optional: bool = False):
    """TypeError unless `value` is a Variable of the program being built."""
    if value is None and optional:
        return
    if not isinstance(value, Variable):
        raise TypeError(f"{layer}: argument '{arg}' must be a Variable (from fluid.data, "
                        f"layers.data or another layer), got {type(value).__name__}")
    if value.block.program is not default_main_program():
        raise ValueError(f"{layer}: variable '{value.name}' ('{arg}') belongs to another "
                         f"program; build the whole network inside one program_guard")


def append_layer_op(op_type: str, inputs: dict, attrs: dict, name=None, outputs=("Out",)):
    """Append `op_type` to the main program; returns its output Variable(s).

    `inputs` maps slot -> (argument name, Variable or None). The single output is named
    `name` when given, else '<op_type>_<n>.tmp_0' as fluid names it.
    """
    for slot, (arg, value) in inputs.items():
        check_variable(op_type, arg, value, optional=slot in registry.get_op(op_type).optional)
    block = default_main_program().current_block()
    if name is not None:
        if not isinstance(name, str):
            raise TypeError(f"{op_type}: name must be a str, got {type(name).__name__}")
        if block.has_var(name):
            raise ValueError(f"{op_type}: a variable named '{name}' already exists")
        names = [name] if len(outputs) == 1 else [f"{name}.tmp_{i}" for i in range(len(outputs))]
    else:
        base = unique_name.generate(op_type)
        names = [f"{base}.tmp_{i}" for i in range(len(outputs))]
    outs = {s: [block.create_var(n)] for s, n in zip(outputs, names)}
    block.append_op(op_type, {s: v for s, (_, v) in inputs.items()}, outs, attrs)
    result = [vs[0] for vs in outs.values()]
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
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        a = bound.arguments
        inputs = {slot_of[p]: (p, a[p]) for p in a if p in slot_of}
        attrs = {p: a[p] for p in a if p in opdef.attrs}
        return append_layer_op(op_type, inputs, attrs, a.get("name"))

    layer.__name__ = layer.__qualname__ = op_type
    layer.__signature__ = sig
    layer.__doc__ = doc or opdef.doc
    return layer
