"""Programs as data: Program, Block, Variable, Operator, and fluid's unique names.

A Program holds blocks; a Block holds variables and an ordered list of operators. Appending
an operator looks up its definition in the registry, fills attribute defaults and runs its
shape/dtype rule at once, so a bad shape fails on the line of user code that built the op.
"""
from __future__ import annotations

import contextlib
import copy
import linecache
import os
import sys
from collections import defaultdict
from typing import Iterator, Optional, Sequence

import numpy as np

from . import op_desc as _desc, registry
from .vartype import VarType
from .namescope import current as current_namescope, name_scope  # noqa: F401
from .registry import EMPTY, GRAD_SUFFIX  # noqa: F401 (spelled once, in the registry)
from .registry import grad_name as grad_var_name  # fluid's name for it
from .vartype import convert_np_dtype_to_dtype_  # noqa: F401 (fluid.framework's name)

__all__ = [
    "Program", "Block", "Variable", "Parameter", "Operator", "default_main_program",
    "default_startup_program", "program_guard", "switch_main_program",
    "switch_startup_program", "unique_name", "grad_var_name", "all_or_nothing",
]


class _UniqueName:
    """fluid's name generator: `generate("fc")` gives fc_0, fc_1, ...; `guard()` restarts
    the counts, and `guard("net1_")` also puts a prefix on every name (net1_fc_0)."""

    def __init__(self):
        self._ids, self._prefix = defaultdict(int), ""

    def generate(self, key: str) -> str:
        n = self._ids[key]
        self._ids[key] = n + 1
        return f"{self._prefix}{key}_{n}"

    @contextlib.contextmanager
    def guard(self, new_generator: Optional[str] = None):
        if isinstance(new_generator, bytes):
            new_generator = new_generator.decode()
        if new_generator is not None and not isinstance(new_generator, str):
            raise TypeError(f"unique_name.guard: argument 'new_generator' must be None or a "
                            f"prefix str, got {type(new_generator).__name__}")
        saved = self._ids, self._prefix
        self._ids, self._prefix = defaultdict(int), new_generator or ""
        try:
            yield
        finally:
            self._ids, self._prefix = saved


unique_name = _UniqueName()

# Frames from these folders are ours; the first frame outside them is the user's line.
_OWN_DIRS = (os.path.dirname(os.path.abspath(__file__)) + os.sep,
             os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ops")
             + os.sep)


def user_callsite() -> str:
    """'file:line: source' of the innermost caller outside minifluid (and its ops)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_OWN_DIRS):
        f = f.f_back
    if f is None:
        return "<unknown>"
    filename, lineno = f.f_code.co_filename, f.f_lineno
    src = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno}" + (f": {src}" if src else "")


def same_shape(a, b) -> bool:
    """Whether shapes a and b can be the same: one rank, equal where both are known (-1 is
    a dimension known only at run time)."""
    return len(a) == len(b) and all(p == q or -1 in (p, q) for p, q in zip(a, b))


def to_dtype(dtype) -> np.dtype:
    """A numpy dtype from 'float32', np.float32, np.dtype(...)."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; expected a name such as 'float32'") from None


class Variable:
    """A named, typed slot in a block. `shape` uses -1 for a dimension known only at run time."""

    # numpy defers to Variable's own operators: `np.ones(3) + x` calls x.__radd__ instead of
    # broadcasting over the Variable object into an ndarray of Variables (an op per element).
    __array_ufunc__ = None

    def __init__(self, block: "Block", name: str, shape: Sequence[int] = (), dtype="float32",
                 lod_level: int = 0, persistable: bool = False, stop_gradient: bool = False,
                 is_data: bool = False, need_check_feed: bool = False):
        self.block = block
        self.name = name
        self.shape = tuple(int(d) for d in shape)
        self.dtype = to_dtype(dtype)
        self.lod_level = lod_level
        self.persistable = persistable
        self.stop_gradient = stop_gradient
        self.is_data = is_data
        self.need_check_feed = need_check_feed  # fluid.data checks fed shapes; layers.data not
        self.type = VarType.LOD_TENSOR  # or SELECTED_ROWS (sparse rows: selected_rows.py)

    @property
    def persistable(self) -> bool:
        return self._persistable

    @persistable.setter
    def persistable(self, value: bool):
        # Compiled plans decide what is written back to the scope from this flag.
        if value != getattr(self, "_persistable", value):
            self.block.program._bump()
        self._persistable = bool(value)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def _summary(self) -> str:
        flags = [k for k in ("persistable", "stop_gradient") if getattr(self, k)]
        if self.is_data:
            flags.insert(0, "data")
        if self.lod_level:
            flags.append(f"lod_level={self.lod_level}")
        kind = "param" if isinstance(self, Parameter) else "var"
        return f"{kind} {self.name} : {self.dtype.name}{list(self.shape)}" + (
            f" ({', '.join(flags)})" if flags else "")

    def __repr__(self) -> str:
        return self._summary()

    __str__ = __repr__


class Parameter(Variable):
    """A persistable, trainable variable, initialised by the startup program."""

    def __init__(self, block, name, shape, dtype="float32", trainable=True, learning_rate=1.0,
                 regularizer=None, **kw):
        kw.setdefault("persistable", True)
        super().__init__(block, name, shape, dtype, stop_gradient=not trainable, **kw)
        self.trainable = trainable
        self.learning_rate = learning_rate  # a factor on the optimizer's learning rate
        self.regularizer = regularizer


class Operator:
    """One op in a block: its type, slot -> variable-name lists, attrs and the user's line."""

    def __init__(self, block, type, inputs, outputs, attrs, callsite, role="forward",
                 namescope=None):
        self.block = block
        self.namescope = namescope or current_namescope()  # fluid's op_namescope attr
        self.type = type
        self.inputs = inputs
        self.outputs = outputs
        self.attrs = attrs
        self.callsite = callsite
        self.role = role

    def input(self, slot: str) -> list:
        return self.inputs.get(slot, [])

    def output(self, slot: str) -> list:
        return self.outputs.get(slot, [])

    def attr(self, name: str):
        return self.namescope if name == "op_namescope" else self.attrs[name]

    @property
    def input_arg_names(self) -> list:
        return [n for names in self.inputs.values() for n in names]

    @property
    def output_arg_names(self) -> list:
        return [n for names in self.outputs.values() for n in names if n != EMPTY]

    def in_var(self, slot: str) -> Optional[Variable]:
        """The single variable in input `slot`, or None when the slot is empty."""
        names = self.inputs.get(slot)
        return self.block.var(names[0]) if names else None

    def out_var(self, slot: str) -> Optional[Variable]:
        names = self.outputs.get(slot)
        return self.block.var(names[0]) if names else None

    def where(self) -> str:
        return f"op '{self.type}' created at {self.callsite}"

    desc = property(lambda self: _desc.op_desc(self), doc="fluid's OpDesc view (op_desc.py)")

    def __repr__(self) -> str:
        def show(n):
            return n if n == EMPTY else f"{n}{list(self.block.var(n).shape)}"

        def slots(d):
            return ", ".join(f"{s}=[{', '.join(map(show, names))}]" for s, names in d.items()
                             if names)
        attrs = ", ".join(f"{k}={v!r}" for k, v in self.attrs.items())
        role = "" if self.role == "forward" else f"{self.role}, "
        return (f"{{{slots(self.outputs)}}} = {self.type}({slots(self.inputs)})"
                + (f" {{{attrs}}}" if attrs else "") + f"  # {role}{self.callsite}")


def _names(value, what: str) -> list:
    """Normalise a slot value (Variable, name, list of those, None) to a list of names."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _names(v, what)]
    if isinstance(value, Variable):
        return [value.name]
    if isinstance(value, str):
        return [value]
    raise TypeError(f"{what} must be a Variable, got {type(value).__name__}")


class Block:
    def __init__(self, program: "Program", idx: int):
        self.program = program
        self.idx = idx
        self.vars: dict = {}
        self.ops: list = []

    def var(self, name: str) -> Variable:
        try:
            return self.vars[name]
        except KeyError:
            raise ValueError(f"variable '{name}' is not in block {self.idx}") from None

    def has_var(self, name: str) -> bool:
        return name in self.vars

    desc = property(lambda self: _desc.BlockDesc(self), doc="fluid's BlockDesc view (op_desc.py)")

    def create_var(self, name: Optional[str] = None, shape=(), dtype="float32", **kw) -> Variable:
        name = name or unique_name.generate("_generated_var")
        v = Variable(self, name, shape, dtype, **kw)
        self.vars[name] = v
        self.program._bump()
        return v

    def create_parameter(self, name: str, shape, dtype="float32", trainable=True, **kw):
        if name in self.vars:
            raise ValueError(f"a variable named '{name}' already exists in block {self.idx}")
        p = Parameter(self, name, shape, dtype, trainable=trainable, **kw)
        self.vars[name] = p
        self.program._bump()
        return p

    def all_parameters(self) -> list:
        return [v for v in self.vars.values() if isinstance(v, Parameter)]

    def append_op(self, type: str, inputs=None, outputs=None, attrs=None,
                  role: str = "forward") -> Operator:
        """Append an op after checking its slots and attrs and running its shape rule.

        Output variables that do not exist yet are created; the shape rule sets their shape
        and dtype. Errors name the op and the user's line.
        """
        callsite = user_callsite()
        opdef = registry.get_op(type)
        ins = {s: _names(v, f"input '{s}' of op '{type}'") for s, v in (inputs or {}).items()}
        outs = {s: _names(v, f"output '{s}' of op '{type}'") for s, v in (outputs or {}).items()}
        opdef.check_slots(ins, outs)
        for name in (n for names in ins.values() for n in names):
            if name not in self.vars:
                raise ValueError(f"op '{type}' at {callsite}: input variable '{name}' is not "
                                 f"in block {self.idx}")
        attrs = opdef.fill_attrs(attrs or {})
        created = list(dict.fromkeys(n for names in outs.values() for n in names
                                     if n not in self.vars and n != EMPTY))
        for name in created:
            self.create_var(name)
        op = Operator(self, type, ins, outs, attrs, callsite, role)
        try:
            opdef.infer_shape(op)
        except (ValueError, TypeError) as e:
            for name in created:  # a failed op leaves nothing behind
                del self.vars[name]
            raise e.__class__(f"{type}: {e}\n  inputs {_input_shapes(self, ins)}\n  at "
                              f"{callsite}") from e
        self.ops.append(op)
        self.program._bump()
        return op

    def __repr__(self) -> str:
        lines = [f"block {self.idx} {{"]
        lines += [f"    {v._summary()}" for v in self.vars.values()]
        lines += [f"    {op!r}" for op in self.ops]
        return "\n".join(lines + ["}"])


class Program:
    """A list of blocks; block 0 is the global block. Any change bumps `_version`, which
    tells executors to recompile their cached plans."""

    def __init__(self):
        self.blocks = [Block(self, 0)]
        self.random_seed = 0
        self._version = 0

    def _bump(self):
        self._version += 1

    def _sync_with_cpp(self):  # fluid copies its C++ program back; minifluid has one copy
        pass

    def global_block(self) -> Block:
        return self.blocks[0]

    def current_block(self) -> Block:
        return self.blocks[0]

    @property
    def num_blocks(self) -> int:
        return len(self.blocks)

    def list_vars(self) -> Iterator[Variable]:
        for b in self.blocks:
            yield from b.vars.values()

    def all_parameters(self) -> list:
        return [p for b in self.blocks for p in b.all_parameters()]

    def clone(self, for_test: bool = False) -> "Program":
        """A copy of the program. With for_test, backward and optimizer ops are left out and
        every op with an `is_test` attr (dropout) gets is_test=True; parameters stay shared
        with this program through the scope, by name.

        Example:
            test_program = fluid.default_main_program().clone(for_test=True)
        """
        from .checks import check_bool
        for_test = check_bool("Program.clone", "for_test", for_test)
        p = Program()
        p.random_seed = self.random_seed
        for src, dst in zip(self.blocks, p.blocks):
            for name, v in src.vars.items():
                nv = copy.copy(v)
                nv.block = dst
                dst.vars[name] = nv
            for op in src.ops:
                if for_test and op.role != "forward":
                    continue
                attrs = dict(op.attrs)
                if for_test and "is_test" in attrs:
                    attrs["is_test"] = True
                dst.ops.append(Operator(dst, op.type, {k: list(v) for k, v in op.inputs.items()},
                                        {k: list(v) for k, v in op.outputs.items()}, attrs,
                                        op.callsite, op.role, op.namescope))
        return p

    def to_graphviz(self, path=None, highlights=None, block: int = 0) -> str:
        """Block `block` as Graphviz dot source; with `path`, also written there, and a PDF
        beside it where `dot` is installed (minifluid/graphviz.py)."""
        from .graphviz import block_dot, write_dot
        dot = block_dot(self.blocks[block], highlights, title=f"program block {block}")
        if path is not None:
            write_dot(dot, path)
        return dot

    def to_string(self, throw_on_error: bool = False, with_details: bool = False) -> str:
        return "\n".join(repr(b) for b in self.blocks)

    __str__ = __repr__ = to_string


@contextlib.contextmanager
def all_or_nothing(*programs: Program):
    """On an error inside, take the variables and ops added to `programs` out again, so that
    a refused call (an fc whose bias fails after its weight was made) leaves nothing behind."""
    # Counts, not copies: a call only adds variables (a dict keeps their order) and ops.
    saved = [(b, len(b.vars), len(b.ops)) for p in dict.fromkeys(programs) for b in p.blocks]
    try:
        yield
    except BaseException:
        for block, nvars, nops in saved:
            if len(block.vars) != nvars or len(block.ops) != nops:
                for name in list(block.vars)[nvars:]:
                    del block.vars[name]
                del block.ops[nops:]
                block.program._bump()
        raise


_main_program = Program()
_startup_program = Program()


def default_main_program() -> Program:
    return _main_program


def default_startup_program() -> Program:
    return _startup_program


def switch_main_program(program: Program) -> Program:
    global _main_program
    prev, _main_program = _main_program, program
    return prev


def switch_startup_program(program: Program) -> Program:
    global _startup_program
    prev, _startup_program = _startup_program, program
    return prev


@contextlib.contextmanager
def program_guard(main_program: Program, startup_program: Optional[Program] = None):
    """Build into `main_program` (and `startup_program`) inside the `with` block.

    Example:
        main, startup = fluid.Program(), fluid.Program()
        with fluid.program_guard(main, startup):
            x = fluid.data("x", [None, 3])
    """
    if not isinstance(main_program, Program):
        raise TypeError(f"program_guard: main_program must be a Program, got "
                        f"{type(main_program).__name__}")
    if startup_program is not None and not isinstance(startup_program, Program):
        raise TypeError(f"program_guard: startup_program must be a Program, got "
                        f"{type(startup_program).__name__}")
    prev_main = switch_main_program(main_program)
    prev_startup = switch_startup_program(startup_program) if startup_program else None
    try:
        yield
    finally:
        switch_main_program(prev_main)
        if startup_program is not None:
            switch_startup_program(prev_startup)


def _input_shapes(block, ins) -> str:
    """'X: float32[-1, 10]; Y: ...', what an op's shape rule was given."""
    return "; ".join(f"{slot}: " + ", ".join(f"{block.vars[n].dtype}{list(block.vars[n].shape)}"
                                             for n in names)
                     for slot, names in ins.items() if names) or "none"


def rerun_shape_rules(program: Program, shapes: dict, note: str) -> Program:
    """A copy of `program` whose variables in `shapes` (name -> shape) take those shapes, and
    whose ops downstream of them are re-shaped by their shape rules (fluid's run-time
    InferShape). An output may gain a known dim where it was built with -1, not change one.
    A rule that refuses raises naming the op and the user's line, followed by `note`."""
    reshaped = program.clone()
    block = reshaped.global_block()
    for name, shape in shapes.items():
        block.var(name).shape = tuple(shape)
    changed = set(shapes)
    for op in block.ops:
        if changed.isdisjoint(op.input_arg_names):
            continue
        # XShape (reshape2's) only records its input's shape: no op computes with it
        outs = [block.var(n) for slot, names in op.outputs.items() if slot != "XShape"
                for n in names if n != EMPTY]
        built = [v.shape for v in outs]
        try:
            registry.OPS[op.type].infer_shape(op)
            for v, shape in zip(outs, built):
                # The ops below were built on these shapes (a changed known dim is what
                # numpy would broadcast silently)
                v.shape = _meet(v, shape)
        except (ValueError, TypeError) as e:
            raise e.__class__(f"{op.where()}: {e}\n  {note}") from e
        changed.update(op.output_arg_names)
    return reshaped


def _meet(v, built) -> tuple:
    """The shape `v` has now, checked against the one it was built with."""
    if len(v.shape) != len(built) or any(-1 not in (a, b) and a != b
                                         for a, b in zip(v.shape, built)):
        raise ValueError(f"its output '{v.name}' would have shape {list(v.shape)}, but the "
                         f"program was built for {list(built)}")
    return tuple(b if a == -1 else a for a, b in zip(v.shape, built))


def in_dygraph_mode() -> bool:
    """fluid's test for dygraph mode: minifluid runs static graphs only, so always False."""
    return False
