"""fluid's C++ descriptions, as Paddle's op tests reach them: `op.desc`, `block.desc`,
`core.get_grad_op_desc` and `program._sync_with_cpp()`. minifluid has no second (C++) copy
of a program, so these are thin views of its Operator and Block: appending a description
appends the op (its shape rule runs then), and the infer_* calls have nothing left to do.

    grads, _ = core.get_grad_op_desc(op.desc, set(), [])
    block.desc.append_op().copy_from(grads[0])       # appends the grad op to the block
"""
from __future__ import annotations

import numpy as np

from . import registry
from .checks import dtype_name

__all__ = ["OpDesc", "BlockDesc", "get_grad_op_desc"]


def _str(name) -> str:
    return name.decode() if isinstance(name, bytes) else name


class OpDesc:
    """An op's type, slots and attrs (fluid's OpDesc); `op` is the Operator it describes."""

    def __init__(self, type=None, inputs=None, outputs=None, attrs=None, op=None, block=None):
        self._type, self._op, self._block = type, op, block
        self._inputs, self._outputs = dict(inputs or {}), dict(outputs or {})
        self._attrs = dict(attrs or {})

    def type(self) -> str:
        return self._type

    def input(self, slot) -> list:
        return list(self._inputs.get(slot, []))

    def output(self, slot) -> list:
        return list(self._outputs.get(slot, []))

    def input_arg_names(self) -> list:
        return [n for names in self._inputs.values() for n in names]

    def output_arg_names(self) -> list:
        return [n for names in self._outputs.values() for n in names if n != registry.EMPTY]

    def attr(self, name):
        return self._attrs[name]

    def copy_from(self, other: "OpDesc"):
        """Take `other`'s contents; a description from block.desc.append_op() appends its op
        to that block here."""
        self._type, self._inputs = other._type, dict(other._inputs)
        self._outputs, self._attrs = dict(other._outputs), dict(other._attrs)
        if self._block is not None and self._op is None:
            self._op = self._block.append_op(self._type, self._inputs, self._outputs,
                                             self._attrs, role="backward")

    def infer_var_type(self, block_desc=None):
        """Done when the op was appended (its shape rule gives dtypes)."""

    def infer_shape(self, block_desc=None):
        """Done when the op was appended (its shape rule runs then)."""


def op_desc(op) -> OpDesc:
    return OpDesc(op.type, op.inputs, op.outputs, op.attrs, op=op)


def get_grad_op_desc(desc: OpDesc, no_grad_set=(), sub_blocks=()) -> tuple:
    """(the grad ops' descriptions, {gradient name: forward variable name}) of the op `desc`
    describes; gradients named in `no_grad_set` are left out."""
    opdef = registry.get_op(desc.type())
    if opdef.grad is None:
        raise ValueError(f"op '{desc.type()}' has no gradient: {opdef.no_grad or 'none'}")
    skip = {_str(n) for n in no_grad_set or ()}
    descs, to_var = [], {}
    for d in opdef.grad(desc._op):
        outs = {s: [n for n in names if n not in skip] for s, names in d["outputs"].items()}
        outs = {s: names for s, names in outs.items() if names}
        to_var.update({n: n[:-len(registry.GRAD_SUFFIX)] for names in outs.values()
                       for n in names if n.endswith(registry.GRAD_SUFFIX)})
        descs.append(OpDesc(d["type"], d["inputs"], outs, d.get("attrs")))
    return descs, to_var


class VarDescView:
    """A variable's dtype and shape as fluid's VarDesc gives them."""

    def __init__(self, var):
        self._var = var

    def name(self) -> str:
        return self._var.name

    def set_dtype(self, dtype):
        self._var.dtype = np.dtype(dtype_name(dtype))

    def dtype(self):
        return self._var.dtype

    def set_shape(self, shape):
        self._var.shape = tuple(int(d) for d in shape)

    def shape(self) -> list:
        return list(self._var.shape)


class BlockDesc:
    def __init__(self, block):
        self._block = block

    def append_op(self) -> OpDesc:
        """An empty description whose copy_from appends its op to the block."""
        return OpDesc(block=self._block)

    def var(self, name) -> VarDescView:
        """The variable `name`, created when the block has none."""
        name = _str(name)
        block = self._block
        return VarDescView(block.var(name) if block.has_var(name) else block.create_var(name))

    def find_var(self, name):
        name = _str(name)
        return VarDescView(self._block.var(name)) if self._block.has_var(name) else None

    def has_var(self, name) -> bool:
        return self._block.has_var(_str(name))
