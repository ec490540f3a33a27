"""fluid's `op.Operator`: one op built from keywords and run against the variables of a Scope,
as Paddle's op tests use it.

    scope = fluid.Scope()
    scope.var("X").get_tensor().set(np.ones((2, 3), "float32"), fluid.CPUPlace())
    Operator("scale", X="X", Out="Out", scale=2.0).run(scope, fluid.CPUPlace())
    np.array(scope.find_var("Out").get_tensor())   # all 2.0
"""
from __future__ import annotations

import numpy as np

from .executor import Executor, Scope
from .framework import Program, program_guard, unique_name
from .layers.io import fluid_data
from .registry import get_op
from .selected_rows import SelectedRows
from .vartype import VarType

__all__ = ["Operator"]


class Operator:
    """Operator(type, **kwargs): keywords that name a slot of op `type` give its variable
    name(s) (a str or a list of str); the other keywords are attrs.

    `run(scope, place)` reads the inputs from `scope` (set with
    `scope.var(name).get_tensor().set(array, place)`, or `get_selected_rows()` for the
    sparse slots an op declares) and writes the outputs there; an output may name an input
    (ParamOut="Param"), which is then updated. An output whose scope variable holds a
    SelectedRows is written into it: its value, and its rows where the op gives some.
    """

    def __init__(self, type: str, **kwargs):
        opdef = get_op(type)
        self.type = type
        self.inputs, self.outputs, self.attrs = {}, {}, {}
        for key, value in kwargs.items():
            if key in opdef.inputs or key in opdef.outputs:
                names = [value] if isinstance(value, str) else value
                if not (isinstance(names, (list, tuple)) and
                        all(isinstance(n, str) for n in names)):
                    raise TypeError(f"Operator('{type}'): slot {key} takes a variable name or "
                                    f"a list of names, got {value.__class__.__name__}")
                (self.inputs if key in opdef.inputs else self.outputs)[key] = list(names)
            else:
                self.attrs[key] = value
        opdef.check_slots(self.inputs, self.outputs)
        opdef.fill_attrs(self.attrs)  # a bad attr fails here, not at run

    def input(self, slot: str) -> list:
        return self.inputs.get(slot, [])

    def output(self, slot: str) -> list:
        return self.outputs.get(slot, [])

    def run(self, scope: Scope, place):
        if not isinstance(scope, Scope):
            raise TypeError(f"Operator('{self.type}').run: scope must be a Scope, got "
                            f"{type(scope).__name__}")
        feed, program, opdef = {}, Program(), get_op(self.type)
        read = {n for names in self.inputs.values() for n in names}
        with program_guard(program, Program()), unique_name.guard():
            ins = {}
            for slot, names in self.inputs.items():
                for n in names:
                    value = scope._vars.get(n)
                    if value is None:
                        raise ValueError(f"Operator('{self.type}').run: input {slot} names "
                                         f"'{n}', which holds no tensor in the scope; set it "
                                         f"with scope.var('{n}').get_tensor().set(array, place)")
                    sparse = isinstance(value, SelectedRows)
                    if sparse and (slot not in opdef.sparse or value.value is None):
                        raise TypeError(
                            f"Operator('{self.type}').run: input {slot} names '{n}', a "
                            f"SelectedRows " + ("with no value; set it with get_tensor()."
                                                "set(array, place)" if slot in opdef.sparse
                                                else f"(op '{self.type}' takes dense tensors "
                                                f"there; its sparse slots: "
                                                f"{sorted(opdef.sparse) or 'none'})"))
                    feed[n] = value if sparse or isinstance(value, np.ndarray) else value.get()
                    var = fluid_data(n, list(value.shape), value.dtype)
                    var.type = VarType.SELECTED_ROWS if sparse else var.type
                    ins.setdefault(slot, []).append(var)
            block = program.global_block()
            # an output that names an input is written to a variable of its own, then back
            outs = {slot: [block.create_var(f"{n}@OUT" if n in read else n) for n in names]
                    for slot, names in self.outputs.items()}
            block.append_op(self.type, ins, outs, dict(self.attrs))
        fetch = [(n, v) for slot, names in self.outputs.items()
                 for n, v in zip(names, outs[slot])]
        values = Executor(place).run(program, feed, [v for _, v in fetch], scope=Scope())
        for (name, _), value in zip(fetch, values):
            held = scope._vars.get(name)
            if isinstance(held, SelectedRows):  # written into, so handles to it see the result
                if isinstance(value, SelectedRows):
                    held.assign(value)
                else:
                    held.get_tensor().set(value, place)
            elif isinstance(value, SelectedRows):
                scope._vars[name] = value
            else:
                scope.var(name).get_tensor().set(value, place)

    def __repr__(self) -> str:
        return f"Operator({self.type!r}, inputs={self.inputs}, outputs={self.outputs}, " \
               f"attrs={self.attrs})"
