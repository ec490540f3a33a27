"""Executor and the compiled plan.

`Executor.run` compiles a (program version, feed names, fetch names) once into a `_Plan`, in
four passes: prune (the ops the fetches and the persistable writes need), slots (every
variable a place in a flat list), bind (each op to its kernel, its attrs and the outputs its
shape rule promised) and lifetimes (the slots that die after each op). A run is five steps:
load the feeds, load the persistables from the scope, execute the bound kernels in order
(checking each output against its promise), store the persistables, return the fetches.

A feed whose shape does not fit its declaration (rank, or a known dim) runs on a plan for
the shapes fed: compiled once from a copy of the program whose ops downstream of that feed
re-ran their shape rules on those shapes (fluid's run-time InferShape), and kept with the
plan. A feed that fits costs one tuple comparison.

Each executor keeps its last `max_plans` plans (least recently used out); a plan holds no
reference to its program, so a dropped program (a clone per evaluation) is freed with its
plans. The Scope and the per-thread current scope live in `minifluid/scope.py`.
"""
from __future__ import annotations

import threading
import warnings
import weakref
from collections import OrderedDict
from typing import Optional

import numpy as np

from . import profiler, registry
from .compiler import CompiledProgram
from .checks import name_of
from .data_feeder import to_feed_array
from .dataloader import feed_of
from .fetched import fetch_values
from .framework import EMPTY, Program, Variable, default_main_program, rerun_shape_rules
from .lod_tensor import LoDTensor
from .place import CPUPlace
from .run_lod import with_lod
from .scope import Scope, global_scope, scope_guard  # noqa: F401 (re-exported)
from .selected_rows import SelectedRows, checked, read_by

__all__ = ["Executor", "Scope", "global_scope", "scope_guard"]


class _Step:
    # No Operator or Variable: a plan must not keep its program alive (the executor's
    # cache holds plans, and a program is dropped by weakref). `where` and `in_slots` are
    # what an error message needs of the op.
    __slots__ = ("fn", "ins", "outs", "attrs", "type", "where", "in_slots", "free", "packed",
                 "expect", "single")


class _Plan:
    """A program compiled for one set of feed and fetch names on one place, in four passes:
    prune (the ops the fetches and persistable writes need), slots (a place in a flat list
    for every variable), bind (each op to its kernel, attrs and promised outputs) and
    lifetimes (the slots that die after each op). `run` loads the feeds, loads the
    persistables, executes, stores the persistables and returns the fetches."""

    max_specialised = 8  # plans for feeds shaped otherwise than declared, kept per plan

    def __init__(self, program: Program, feed_names, fetch_names, place):
        block = program.global_block()
        self.place, self.feed_names, self.fetch_names = place, feed_names, fetch_names
        self.array_type = place.array_type  # a value of this class needs no moving
        feeds = _known_feeds(block, feed_names, fetch_names)
        ops = _prune(block, fetch_names, feeds)
        # Slot 0 always holds None (an absent optional input); slot 1 takes discarded outputs.
        self._slot = {}
        # what only sparse slots read (may be SelectedRows); what in-place kernels read
        self.sparse_ok, updated = read_by(ops)
        self._slot_feeds(block, feeds, updated)
        available, last_use = set(feeds), {}
        self.reads = []  # persistables read from the scope
        self.lods = None  # {variable name: LoD} of this run, where a kernel reads LoD
        self.steps = [self._bind(block, op, k, available, last_use) for k, op in enumerate(ops)]
        self._lifetimes(block, ops, fetch_names, last_use)
        self._slot_fetches(block, feeds, fetch_names, available)
        self.nslots = len(self._slot) + 2
        del self._slot  # names only matter while compiling
        self._special: OrderedDict = OrderedDict()  # fed-shape signature -> plan
        self._lock = threading.Lock()

    def _index(self, name):
        return self._slot.setdefault(name, len(self._slot) + 2)

    def _slot_feeds(self, block, feeds, updated):
        self.feeds = []
        for name in feeds:
            v = block.var(name)
            # the last fed shape that fitted the declaration: the next run compares with it
            fitted = [v.shape if -1 not in v.shape else None]
            self.feeds.append((name, self._index(name), v.dtype,
                               v.shape if v.need_check_feed else None,
                               v.persistable or name in updated, f"feed '{name}'", v.shape,
                               fitted, name in self.sparse_ok))

    def _bind(self, block, op, k, available, last_use) -> "_Step":
        opdef = registry.OPS[op.type]
        step = _Step()
        step.type, step.where, step.attrs = op.type, op.where(), op.attrs
        step.in_slots = tuple(opdef.inputs)
        step.packed = bool(opdef.duplicable)
        step.ins = []
        for s in opdef.inputs:
            names = op.input(s)
            for n in names:
                if n not in available:
                    v = block.var(n)
                    if not v.persistable:
                        what = "fed" if v.is_data else "computed by any earlier op"
                        raise ValueError(f"variable '{n}' is needed by {op.where()} but was "
                                         f"not {what}")
                    self.reads.append((n, self._index(n), v.dtype))
                    available.add(n)
                last_use[n] = k
            idx = [self._slot[n] for n in names]
            step.ins.append(idx if s in opdef.duplicable else (idx[0] if idx else 0))
        step.outs, step.expect = [], []
        for s in opdef.outputs:
            names = op.output(s)
            idx = [1 if n == EMPTY else self._index(n) for n in names]
            step.outs.append(idx if s in opdef.duplicable else (idx[0] if idx else 1))
            available.update(names)
            for n, i in zip(names, idx):
                if i != 1:  # what the shape rule promised: checked after each run of it
                    v = block.var(n)
                    # [the last shape that passed]: the next run compares with it first
                    seen = [v.shape if -1 not in v.shape else None]
                    step.expect.append((i, s, v.dtype, seen, len(v.shape), v.shape[1:],
                                        v.shape))
        step.single = len(step.outs) == 1 and not step.packed
        if opdef.wants_outputs:
            step.attrs = {**op.attrs, "wanted": tuple(i != 1 for i in step.outs)}
        if opdef.needs_xp or opdef.bind:  # the place's array module, per-plan attrs
            step.attrs = {**step.attrs, **opdef.bound_attrs(op, self.place)}
        if opdef.random:
            # an op with fix_seed (dropout) uses its seed only when that is set, as Paddle's
            seed = op.attrs["seed"] if op.attrs.get("fix_seed", True) else 0
            step.attrs = {**step.attrs, "rng": np.random.default_rng(seed or None)}
        try:
            dtype = _kernel_dtype(op)
            half = None if dtype != "float16" else tuple(  # which outputs are float16
                any(block.var(n).dtype == np.float16 for n in op.output(s) if n != EMPTY)
                for s in opdef.outputs)
            step.fn = registry.get_kernel(op.type, self.place, dtype, half)
        except NotImplementedError as e:
            raise NotImplementedError(f"{e}\n  needed by {op.where()}") from None
        if opdef.lod or opdef.lod_out:  # the kernel reads (or gives) LoD: see run_lod.py
            if self.lods is None:
                self.lods, self.lod_made = {}, set()
            step.fn = with_lod(step.fn, block, op, self.feed_names, self.lods, self.lod_made)
        return step

    def _lifetimes(self, block, ops, fetch_names, last_use):
        keep = set(fetch_names) | {n for n in self._slot if block.var(n).persistable}
        for step in self.steps:
            step.free = []
        for name, k in last_use.items():
            if name not in keep:
                self.steps[k].free.append(self._slot[name])
        self.writes = [(n, self._slot[n]) for op in ops for n in op.output_arg_names
                       if block.var(n).persistable]

    def _slot_fetches(self, block, feeds, fetch_names, available):
        for name in fetch_names:
            if name not in available:
                v = block.var(name)
                if not v.persistable:
                    raise ValueError(f"fetch target '{name}' is neither fed nor computed by the "
                                     f"program" + (" (it is a data variable: feed it)"
                                                   if v.is_data else ""))
                self.reads.append((name, self._index(name), v.dtype))
        self.fetch = [self._slot[n] for n in fetch_names]
        # Copied when fetched: persistables (a later run updates them in place), fed arrays
        # (they are the caller's own) and a name fetched a second time.
        self.fetch_copy = [block.var(n).persistable or n in feeds or n in fetch_names[:k]
                           for k, n in enumerate(fetch_names)]

    def run(self, program, feed: dict, scope: Scope, return_numpy: bool):
        env = [None] * self.nslots
        misfits = self._load_feeds(feed, env)
        if misfits:  # fluid's run-time InferShape: the plan for the shapes actually fed
            return self._specialised(program, misfits).run(program, feed, scope, return_numpy)
        values = self._load_persistables(scope, env)
        if self.lods is not None:  # the fed LoDs, for the kernels that read LoD
            self.lods.clear()
            self.lods.update((n, v.lod()) for n, v in feed.items() if v.__class__ is LoDTensor)
        with self.place.device_context():
            self._execute(env) if not profiler.on else profiler.execute(self, env)
        for name, i in self.writes:  # store
            v = env[i]
            if v.__class__ is SelectedRows and values.get(name).__class__ is SelectedRows:
                values[name].assign(v)  # the scope's own, so handles to it see the update
            else:
                values[name] = v
        return fetch_values(self, env, program, feed, return_numpy)

    def _load_feeds(self, feed, env) -> Optional[list]:
        """Place the feeds in env; return the feeds whose shapes do not fit their declaration
        (None if all do), as (name, declared, fed, the shape to compile for)."""
        place, array_type = self.place, self.array_type
        misfits = None
        for name, i, dtype, shape, copy, what, declared, fitted, sparse in self.feeds:
            value = feed[name]
            if value.__class__ is not np.ndarray or value.dtype != dtype:
                if value.__class__ is SelectedRows:
                    env[i] = checked(value, sparse, dtype, what, declared).to(place)
                    continue
                value = to_feed_array(value, dtype, what)  # converts exactly, or refuses
            if shape is not None:  # fluid.data: refused, as fluid does
                _check_fed_shape(name, shape, value.shape)
            got = value.shape
            if got != fitted[0]:
                if _fits_dims(got, declared):
                    fitted[0] = got
                else:
                    misfits = (misfits or []) + [(name, declared, got, _signature(declared, got))]
            if copy:  # it may be updated in place (a persistable, an optimizer's input)
                value = value.copy()
            env[i] = value if value.__class__ is array_type else place.to_device(value)
        return misfits

    def _load_persistables(self, scope, env) -> dict:
        values = scope._vars
        place, array_type = self.place, self.array_type
        for name, i, dtype in self.reads:
            value = values.get(name)
            if value is None:
                raise RuntimeError(f"variable '{name}' has no value in the scope: run the "
                                   f"startup program first (exe.run(fluid.default_startup_"
                                   f"program())), or feed it")
            if value.dtype != dtype:
                raise ValueError(f"variable '{name}' holds {value.dtype} in the scope but the "
                                 f"program declares {dtype.name}")
            if value.__class__ is not array_type:  # it lives elsewhere
                if value.__class__ is SelectedRows:  # kept: handles to it see its updates
                    value = checked(value, name in self.sparse_ok, dtype, f"variable '{name}'",
                                    ())
                    if value.value.__class__ is not array_type:
                        value.value = place.to_device(value.value)
                else:
                    value = values[name] = place.to_device(value)
            env[i] = value
        return values

    def _specialised(self, program, misfits) -> "_Plan":
        """The plan for these fed shapes: compiled once from a copy of the program re-shaped
        by its shape rules, and kept (the most recently used `max_specialised`)."""
        key = tuple((name, sig) for name, _, _, sig in misfits)
        with self._lock:
            plan = self._special.get(key)
            if plan is not None:
                self._special.move_to_end(key)
                return plan
        plan = _Plan(_reshaped(program, misfits), self.feed_names, self.fetch_names, self.place)
        with self._lock:
            self._special[key] = plan
            while len(self._special) > self.max_specialised:
                self._special.popitem(last=False)
        return plan

    def _execute(self, env, steps=None):
        step = args = None
        try:
            for step in steps or self.steps:
                if step.packed:
                    args = [[env[j] for j in i] if i.__class__ is list else env[i]
                            for i in step.ins]
                else:
                    args = [env[i] for i in step.ins]
                res = step.fn(*args, **step.attrs)
                if step.single:
                    env[step.outs[0]] = res
                else:
                    for i, r in zip(step.outs, (res,) if len(step.outs) == 1 else res):
                        if i.__class__ is list:
                            for j, rj in zip(i, r):
                                env[j] = rj
                        else:
                            env[i] = r
                for i, slot, dtype, seen, rank, tail, shape in step.expect:
                    v = env[i]
                    if v is not None and (v.shape != seen[0] or v.dtype is not dtype):
                        if (v.shape[1:] != tail or len(v.shape) != rank or v.dtype != dtype) \
                                and not _fits(v, dtype, shape):
                            raise ShapeMismatchError(step.type, slot, v, dtype, shape)
                        seen[0] = v.shape
                for i in step.free:
                    env[i] = None
        except Exception as e:
            raise _kernel_error(e, step, args) from e


def _fits_dims(got, shape):
    """`got` has shape's rank, and its size where shape's is known (-1: any)."""
    return len(got) == len(shape) and all(d in (-1, n) for d, n in zip(shape, got))


def _fits(value, dtype, shape):
    return value.dtype == dtype and _fits_dims(value.shape, shape)


class ShapeMismatchError(ValueError):
    """A kernel's output is not what the op's shape rule promised when the program was built:
    usually an input fed with another shape than declared (numpy then broadcasts silently);
    where only the dtype differs, the op's kernel and its shape rule disagree."""

    def __init__(self, op_type, slot, value, dtype, shape):
        got = f"its output {slot} is {value.dtype}{list(value.shape)}, but the program was built "
        if _fits_dims(value.shape, shape):
            super().__init__(f"{got}for {dtype.name}{list(shape)}: the kernel of op "
                             f"'{op_type}' returned {value.dtype} where its shape rule "
                             f"promised {dtype.name} (a bug in the op, not in the feeds)")
        else:
            super().__init__(f"{got}for {dtype.name}{list(shape)}; were the inputs fed with "
                             f"the shapes they were declared with?")


_KEPT_ERRORS = (ValueError, TypeError, IndexError, ArithmeticError, NotImplementedError,
                MemoryError, RuntimeError)


def _kernel_error(e, step, args):
    """The kernel's error, re-raised naming the op, its input shapes, the user's line and the
    kernel (the original, chained as __cause__, keeps the kernel's own traceback)."""
    shapes = ", ".join(f"{s}: {_describe(a)}" for s, a in zip(step.in_slots, args or ())
                       if a is not None)
    sparse = [s for s, a in zip(step.in_slots, args or ()) if a.__class__ is SelectedRows
              and s not in registry.OPS[step.type].sparse]
    if sparse:  # one made inside the program (scale of a sparse input) reached a dense slot
        shapes += (f"\n  (input {sparse[0]} is a SelectedRows, sparse rows, which op "
                   f"'{step.type}' does not take)")
    msg = (f"{step.where}\n  failed on inputs {shapes}\n  in its kernel "
           f"{registry.kernel_site(step.fn)}:\n  {type(e).__name__}: {e}")
    return next((c for c in _KEPT_ERRORS if isinstance(e, c)), RuntimeError)(msg)


def _describe(a):
    if isinstance(a, list):
        return "[" + ", ".join(_describe(x) for x in a) + "]"
    if a.__class__ is SelectedRows:
        return f"SelectedRows {a.dtype}{list(a.shape)}"
    return f"{getattr(a, 'dtype', type(a).__name__)}{list(getattr(a, 'shape', ()))}"


def _check_fed_shape(name, declared, got):
    if not _fits_dims(got, declared):
        raise ValueError(f"feed '{name}': the variable is declared with shape {list(declared)} "
                         f"but the fed array has shape {list(got)}")


def _kernel_dtype(op) -> str:
    """Kernels are chosen by the dtype of the first input (of the first output if none), in
    the order the op declares its slots (a program built by hand may list Ids before W)."""
    opdef = registry.OPS.get(op.type)
    order = (opdef.inputs, opdef.outputs) if opdef is not None else (op.inputs, op.outputs)
    for names in [op.inputs.get(s) for s in order[0]] + [op.outputs.get(s) for s in order[1]]:
        if names:
            return name_of(op.block.var(names[0]).dtype)
    raise ValueError(f"{op.where()} has neither inputs nor outputs")


def _known_feeds(block, feed_names, fetch_names) -> list:
    for name in fetch_names:
        if not block.has_var(name):
            raise ValueError(f"fetch target '{name}' is not a variable of the program")
    for name in feed_names:
        if not block.has_var(name):
            warnings.warn(f"feed '{name}' is not a variable of the program; it is ignored",
                          UserWarning, stacklevel=4)
    return [n for n in feed_names if block.has_var(n)]


def _signature(declared, got) -> tuple:
    """The shape a misfit feed's plan is compiled for: the fed one, but still -1 where the
    declaration has -1 (the batch size), so that one plan serves every batch size."""
    if len(declared) == len(got):
        return tuple(-1 if d == -1 else g for d, g in zip(declared, got))
    return tuple(-1 if k == 0 and declared[:1] == (-1,) else g for k, g in enumerate(got))


def _reshaped(program, misfits) -> Program:
    """`program` re-shaped by its shape rules for the misfit feeds' shapes."""
    fed = "; ".join(f"feed '{n}' is declared with shape {list(d)} but fed with shape "
                    f"{list(g)}" for n, d, g, _ in misfits)
    return rerun_shape_rules(program, {n: sig for n, _, _, sig in misfits},
                             f"on the shapes fed: {fed}")


def _prune(block, fetch_names, feed_names):
    """Ops the fetches need, ops that write persistables (optimizers), registry.KEPT ones."""
    needed = set(fetch_names)
    kept = []
    for op in reversed(block.ops):
        outs = op.output_arg_names
        if any(n in needed or block.var(n).persistable for n in outs) or op.type in registry.KEPT:
            kept.append(op)
            needed.update(op.input_arg_names)
    kept.reverse()
    return kept


class Executor:
    """Runs programs on `place` (CPUPlace by default).

    Example:
        exe = fluid.Executor(fluid.CPUPlace())
        exe.run(fluid.default_startup_program())
        loss_value, = exe.run(feed={"x": xs}, fetch_list=[loss])
    """

    max_plans = 64  # compiled plans kept, least recently used first out

    def __init__(self, place=None):
        self.place = place if place is not None else CPUPlace()
        if not hasattr(self.place, "kind"):
            raise TypeError(f"Executor: place must be CPUPlace() or CUDAPlace(id), got "
                            f"{self.place!r}")
        self.place.check()
        # (id(program), its version, feed names, fetch names) -> (weakref to program, plan).
        # Plans hold nothing of their program, so a dropped program dies and its weakref
        # queues the key in _dead; only lookups (under the lock) touch the dict, because a
        # weakref callback may run inside any allocation, in any thread.
        self._plans: OrderedDict = OrderedDict()
        self._dead: list = []
        self._lock = threading.Lock()

    def run(self, program: Optional[Program] = None, feed: Optional[dict] = None,
            fetch_list=None, scope: Optional[Scope] = None, return_numpy: bool = True,
            feed_var_name="feed", fetch_var_name="fetch", use_program_cache=True):
        """Run `program` (the default main program if None) and return the fetched values
        as numpy arrays (fetched.FetchedArray), or as LoDTensors with `return_numpy=False`.
        Without a feed, the next batch of the started non-iterable DataLoader (or PyReader)
        that feeds the program is fed; at the end of its epoch, core.EOFException."""
        if program is None:
            program = default_main_program()
        elif isinstance(program, CompiledProgram):
            program = program._program
        elif not isinstance(program, Program):
            raise TypeError(f"Executor.run: program must be a Program or CompiledProgram, got "
                            f"{type(program).__name__}")
        feed = feed_of(program, feed)  # a dict; the next batch of a started DataLoader if None
        if isinstance(fetch_list, (str, Variable)):
            fetch_list = [fetch_list]
        fetch_names = tuple([f.name if f.__class__ is Variable else _fetch_name(f)
                             for f in fetch_list]) if fetch_list else ()
        if scope is None:
            scope = global_scope()
        elif not isinstance(scope, Scope):
            raise TypeError(f"Executor.run: scope must be a Scope, got {type(scope).__name__}")
        feed_names = tuple(feed)
        if not use_program_cache:
            return _Plan(program, feed_names, fetch_names, self.place).run(program, feed, scope,
                                                                           return_numpy)
        # A program that changed (its version) gets a new plan; the old one ages out.
        key = (id(program), program._version, feed_names, fetch_names)
        plans = self._plans
        with self._lock:
            if self._dead:
                self._drop_dead()
            entry = plans.get(key)
            plan = entry[1] if entry is not None and entry[0]() is program else None
            if plan is not None:
                plans.move_to_end(key)
        if plan is None:  # compiled outside the lock: other threads keep running
            plan = _Plan(program, feed_names, fetch_names, self.place)
            ref = weakref.ref(program, lambda _, k=key, dead=self._dead: dead.append(k))
            with self._lock:
                plans[key] = ref, plan
                plans.move_to_end(key)
                while len(plans) > self.max_plans:
                    plans.popitem(last=False)
        return plan.run(program, feed, scope, return_numpy)

    def _drop_dead(self):
        while self._dead:
            key = self._dead.pop()
            entry = self._plans.get(key)
            if entry is not None and entry[0]() is None:  # not a new program of the same id
                del self._plans[key]

    def close(self):
        with self._lock:
            self._plans.clear()


def _fetch_name(f) -> str:
    if f.__class__ is Variable or isinstance(f, Variable):
        return f.name
    if isinstance(f, str):
        return f
    raise TypeError(f"fetch_list items must be Variables or names, got {type(f).__name__}")
