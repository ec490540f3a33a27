"""Test helpers for ops, in the style of Paddle's OpTest; use them for your own ops too.

`check_output` runs a one-op program through the real Executor on every available place that
has kernels for it (the CPU, and the GPU when cupy and one are usable) and compares with
expected arrays; it also checks the shapes and dtypes the op's shape rule inferred.
`check_grad` compares the gradients that backward builds with central differences in float64.
`OpTest` is Paddle 1.8's op_test.OpTest: Paddle's own op tests run with only their imports
changed (an `op_test.py` holding `from minifluid.testing import *`). Example:
    from minifluid.testing import check_output, check_grad
    x = np.random.rand(3, 4)
    check_output("my_scale", {"X": x}, {"Out": 2 * x}, attrs={"factor": 2.0})
    check_grad("my_scale", {"X": x}, attrs={"factor": 2.0})
"""
from __future__ import annotations

import random
import unittest
import warnings

import numpy as np

from .backward import gradients
from .executor import Executor, Scope
from .framework import Program, program_guard, unique_name
from .layers.io import fluid_data
from .lod_tensor import LoDTensor
from .place import CPUPlace, available_places
from .registry import get_op, has_kernel

__all__ = ["available_places", "build_op", "run_op", "check_output", "check_grad", "OpTest",
           "skip_check_grad_ci", "randomize_probability", "convert_float_to_uint16",
           "convert_uint16_to_float"]


def _places(program: Program, places) -> list:
    """`places`, or else the available places that have kernels for every op in `program`:
    an op with CPU kernels only is tested on the CPU, also on a machine with a GPU."""
    if places:
        return places
    ops = program.global_block().ops
    have = [p for p in available_places()
            if all(get_op(op.type).serves(p) for op in ops)]
    return have or available_places()  # none: let the run name the missing kernel


def _flat_inputs(inputs: dict):
    """(slot, feed name, array) for every given input; a list in a slot becomes slot_0, ..."""
    for slot, value in inputs.items():
        if isinstance(value, (list, tuple)):
            for i, a in enumerate(value):
                yield slot, f"{slot}_{i}", np.asarray(a)
        elif value is not None:
            yield slot, slot, np.asarray(value)


def build_op(op_type: str, inputs: dict, attrs=None, outputs=("Out",), stop_gradient=True):
    """A fresh Program holding data variables for `inputs` and one `op_type` op.

    Returns (program, {feed name: array}, {output slot: Variable}).
    """
    program = Program()
    feed, slots = {}, {}
    with program_guard(program, Program()), unique_name.guard():
        for slot, name, a in _flat_inputs(inputs):
            v = fluid_data(name, list(a.shape), a.dtype)
            v.stop_gradient = stop_gradient
            feed[name] = a
            slots.setdefault(slot, []).append(v)
        block = program.global_block()
        # every declared output gets a variable: the op's gradient may read one not asked for
        made = {s: block.create_var(f"{op_type}.{s}")
                for s in dict.fromkeys([*outputs, *get_op(op_type).outputs])}
        block.append_op(op_type, slots, made, attrs or {})
    return program, feed, {s: made[s] for s in outputs}


def run_op(op_type: str, inputs: dict, attrs=None, outputs=("Out",), place=None) -> dict:
    """Run one op on `place` (CPU by default); returns {output slot: numpy array}."""
    program, feed, outs = build_op(op_type, inputs, attrs, outputs)
    values = Executor(place or CPUPlace()).run(program, feed, list(outs.values()), scope=Scope())
    return dict(zip(outs, values))


def check_output(op_type: str, inputs: dict, outputs: dict, attrs=None, atol=1e-6, rtol=1e-6,
                 places=None):
    """Assert that the op gives `outputs` ({slot: expected array}) on every place, with the
    expected dtype and the shape its shape rule inferred."""
    program, feed, outs = build_op(op_type, inputs, attrs, tuple(outputs))
    for slot, expected in outputs.items():
        v = outs[slot]
        expected = np.asarray(expected)
        assert v.dtype == expected.dtype, f"{op_type}.{slot}: inferred dtype {v.dtype}, " \
                                          f"expected {expected.dtype}"
        assert len(v.shape) == expected.ndim and all(
            d in (-1, e) for d, e in zip(v.shape, expected.shape)), \
            f"{op_type}.{slot}: inferred shape {list(v.shape)}, expected {list(expected.shape)}"
    for place in _places(program, places):
        got = Executor(place).run(program, feed, list(outs.values()), scope=Scope())
        for (slot, expected), value in zip(outputs.items(), got):
            expected = np.asarray(expected)
            msg = f"{op_type}.{slot} on {place}"
            assert value.dtype == expected.dtype, f"{msg}: dtype {value.dtype}, " \
                                                  f"expected {expected.dtype}"
            assert value.shape == expected.shape, f"{msg}: shape {value.shape}, " \
                                                  f"expected {expected.shape}"
            np.testing.assert_allclose(value, expected, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg=msg)


def check_grad(op_type: str, inputs: dict, attrs=None, inputs_to_check=("X",),
               output_names=("Out",), rtol=1e-5, atol=1e-8, delta=1e-6, seed=0,
               places=None, max_relative_error=None):
    """Assert that backward's gradients of sum(w * outputs), w random, with respect to
    `inputs_to_check` match central differences, in float64 on every place.

    Floating inputs are made float64; int ones (a ShapeTensor) keep their dtype. Every
    output the op declares is built (the gradient may read one not in `output_names`).
    Inputs of at most 64 elements are perturbed one element at a time; larger ones along
    three random directions. With `max_relative_error`, Paddle's rule replaces rtol and
    atol: |analytic - numeric| / |numeric| at most that, dividing by 1 instead where
    |numeric| < 1e-3.
    """
    rng = np.random.default_rng(seed)
    def float64(a):  # floating inputs in float64; int ones (a ShapeTensor) keep their dtype
        a = np.asarray(a)
        return a.astype(np.float64) if a.dtype.kind == "f" else a
    inputs = {s: (None if v is None else [float64(a) for a in v] if isinstance(v, (list, tuple))
                  else float64(v)) for s, v in inputs.items()}
    program, feed, outs = build_op(op_type, inputs, attrs, tuple(output_names),
                                   stop_gradient=False)
    block = program.global_block()
    checked = [n for s, n, _ in _flat_inputs(inputs) if s in inputs_to_check]
    outputs = [outs[s] for s in output_names]
    exe = Executor(CPUPlace())
    shapes = [a.shape for a in exe.run(program, feed, outputs, scope=Scope())]
    weights = {f"{v.name}@W": rng.uniform(0.5, 1.5, shp) for v, shp in zip(outputs, shapes)}
    with program_guard(program, Program()):
        w_vars = [fluid_data(n, list(w.shape), "float64") for n, w in weights.items()]
        grads = gradients(outputs, [block.var(n) for n in checked], target_gradients=w_vars)
    feed = {**feed, **weights}

    def f(fd):
        vals = exe.run(program, fd, outputs, scope=Scope())
        return sum(float(np.sum(w * v)) for w, v in zip(weights.values(), vals))

    for name, g in zip(checked, grads):
        assert g is not None, f"{op_type}: no gradient reaches input '{name}'"
        x = feed[name]
        if x.size <= 64:
            directions = [np.eye(x.size)[i].reshape(x.shape) for i in range(x.size)]
        else:
            directions = [rng.standard_normal(x.shape) for _ in range(3)]
        numeric = np.array([(f({**feed, name: x + delta * d}) - f({**feed, name: x - delta * d}))
                            / (2 * delta) for d in directions])
        for place in _places(program, places):
            analytic, = Executor(place).run(program, feed, [g], scope=Scope())
            projected = np.array([np.sum(analytic * d) for d in directions])
            msg = f"{op_type}: d/d{name} on {place}"
            if max_relative_error is None:
                np.testing.assert_allclose(projected, numeric, rtol=rtol, atol=atol,
                                           err_msg=msg)
                continue
            scale = np.where(np.abs(numeric) < 1e-3, 1.0, np.abs(numeric))
            worst = np.max(np.abs(projected - numeric) / scale)
            assert worst <= max_relative_error, \
                f"{msg}: relative error {worst:.3g} > max_relative_error " \
                f"{max_relative_error}\n  analytic {projected}\n  numeric  {numeric}"


def skip_check_grad_ci(reason=None):
    """Paddle's class decorator for an OpTest that checks no gradient; `reason` says why.

    Example:
        @skip_check_grad_ci(reason="sgd has no gradient")
        class TestSGD(OpTest): ...
    """
    if not isinstance(reason, str) or not reason.strip():
        raise TypeError(f"skip_check_grad_ci: reason= must be a non-empty str saying why the "
                        f"gradient is not checked, got {reason!r}")

    def wrap(cls):
        cls.no_need_check_grad = True
        cls.skip_check_grad_reason = reason
        return cls
    return wrap


def randomize_probability(batch_size: int, class_num: int, dtype="float32") -> np.ndarray:
    """Rows of random probabilities in [0.1, 1) normalised to sum to 1 (Paddle's helper)."""
    prob = np.random.uniform(0.1, 1.0, size=(batch_size, class_num)).astype(dtype)
    return prob / prob.sum(axis=1, keepdims=True)


def convert_float_to_uint16(float_list, data_format="NCHW") -> np.ndarray:
    """Paddle's bfloat16 helper: each float32's upper 16 bits (truncated, not rounded), as
    uint16. `data_format` changes nothing (Paddle's transposes there and back). minifluid
    has no bfloat16 kernels: an op test fed these runs into a missing-kernel error."""
    return (np.ascontiguousarray(float_list, np.float32).view(np.uint32) >> 16).astype(np.uint16)


def convert_uint16_to_float(in_list) -> np.ndarray:
    """The float32 values of bfloat16 bits held as uint16 (the inverse, up to truncation)."""
    return (np.asarray(in_list, np.uint16).astype(np.uint32) << 16).view(np.float32)


def _entries(op_type: str, slot: str, value) -> list:
    """[(variable name, array, lod)] for a slot's value in Paddle's forms: an array, an
    (array, lod) tuple, or, for a duplicable slot, a list of (name, array or (array, lod))
    pairs (tuples, named tuples or two-item lists)."""
    def array_lod(v):
        if not isinstance(v, tuple):
            return np.asarray(v), None
        a, lod = np.asarray(v[0]), v[1]
        # recursive sequence lengths: each level's lengths sum to the next level's count,
        # the last level's to the rows
        counts = [len(level) for level in lod[1:]] + [len(a) if a.ndim else 0]
        for depth, (level, count) in enumerate(zip(lod, counts)):
            if sum(level) != count:
                raise ValueError(f"OpTest of '{op_type}': slot '{slot}': lod level {depth} "
                                 f"{list(level)} sums to {sum(level)}, expected {count}")
        return a, lod
    if not isinstance(value, list):
        return [(slot, *array_lod(value))]
    for item in value:
        # any pair unpacks, as in Paddle: a tuple, a named tuple, a two-item list
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)):
            raise TypeError(f"OpTest of '{op_type}': slot '{slot}' given as a list must hold "
                            f"(name, array) pairs, got an item {type(item).__name__} {item!r:.60}")
    return [(name, *array_lod(v)) for name, v in value]


class OpTest(unittest.TestCase):
    """Paddle 1.8's OpTest: setUp sets op_type, inputs, outputs (and attrs); the tests call
    self.check_output() and self.check_grad([...], "Out"). A test ported from Paddle runs
    under unittest or pytest with only its imports changed.

    Paddle's forms and semantics:
    - inputs and outputs are {slot: array}; a duplicable slot takes [(name, array), ...]
      (any pair: a tuple, a named tuple, a two-item list) and an (array, lod) tuple is
      accepted (fed as a LoDTensor where the op's kernel reads LoD: register_op(lod=)).
      Variables are named as in Paddle (the slot, or the names in the list), so
      inputs_to_check and output_names name variables ('X', 'x0', 'Out').
    - every output the op declares is built, as Paddle's OpTest does, also those the test
      leaves out of self.outputs (dropout's Mask, which its gradient reads); only the ones
      in self.outputs are checked.
    - check_output: np.allclose(actual, expected, atol=atol) (rtol 1e-5), on every place
      with kernels for the op. Paddle 1.8 compares with np.allclose alone, so numpy's
      broadcasting lets an expected 0-d scalar meet an actual [1] and the reverse; so does
      this check. Stricter than Paddle: the shapes must agree up to size-1 dimensions, and
      the runtime shape and dtype must match what the shape rule inferred.
    - check_grad: the loss is Paddle's, the mean of each output in output_names averaged;
      the numeric gradient takes central differences of step numeric_grad_delta per element,
      in float64 (Paddle: in the input dtype); analytic gradients come from backward in the
      test's dtype on each place; |numeric - analytic| / |numeric| must stay within
      max_relative_error, dividing by 1 where |numeric| < 1e-3.
    - numpy's and random's global generators are seeded (123, 124) before each test and
      restored after, so no result depends on the order the tests run in.
    - check_dygraph, check_eager, in_place, inplace_atol and check_compile_vs_runtime are
      accepted and change nothing: minifluid is static-graph only and never works in place.
    """
    op_type: str = ""
    inputs: dict = {}
    outputs: dict = {}
    attrs: dict = {}
    dtype = None

    def run(self, result=None):
        np_state, py_state = np.random.get_state(), random.getstate()
        np.random.seed(123)
        random.seed(124)
        try:
            return super().run(result)
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)

    # Hooks Paddle's tests override and call from setUp.
    def init_kernel_type(self):
        pass

    def init_dtype(self):
        pass

    @staticmethod
    def np_dtype_to_fluid_dtype(input):
        return input

    @staticmethod
    def fluid_dtype_to_np_dtype(dtype):
        return dtype

    @staticmethod
    def np_value_to_fluid_value(input):
        return input

    def _get_places(self) -> list:
        """Paddle's rule: the CPU, and the GPU where usable and the op has GPU kernels;
        float16 runs only where a float16 kernel is registered."""
        opdef, cpu_only = get_op(self.op_type), getattr(self, "_cpu_only", False)
        places = [p for p in available_places() if opdef.serves(p) and
                  not (cpu_only and p != CPUPlace())]
        if self.dtype is not None and np.dtype(self.dtype) == np.float16:
            return [p for p in places if has_kernel(self.op_type, p, "float16")]
        return places

    def _program(self, cast=None, no_grad=None):
        """The one-op Program, its feed and {output slot: [Variable]}. With `cast`, floating
        inputs are cast to it; with `no_grad` (a set), floating inputs not in it may get
        gradients."""
        op_type = self.op_type
        if not op_type:
            raise ValueError(f"{type(self).__name__}: setUp must set self.op_type")
        opdef = get_op(op_type)
        outputs = getattr(self, "outputs", None) or {}
        attrs = {k: v for k, v in (getattr(self, "attrs", None) or {}).items() if v is not None}
        # a numpy array for a list attr (pad's paddings), as Paddle's op desc takes it
        attrs = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in attrs.items()}
        unknown = sorted(set(opdef.drop_ignored(attrs)) - set(opdef.attrs))
        if unknown:  # fluid 1.8's append_op set only the attrs the op declares
            warnings.warn(f"{type(self).__name__}: op '{op_type}' has no attr(s) {unknown}; "
                          f"ignored, as fluid 1.8 ignored them", UserWarning, stacklevel=3)
            attrs = {k: v for k, v in attrs.items() if k not in unknown}
        program, feed, ins, outs = Program(), {}, {}, {}
        with program_guard(program, Program()), unique_name.guard():
            block = program.global_block()
            for slot, value in (getattr(self, "inputs", None) or {}).items():
                if value is None:
                    continue
                for name, a, lod in _entries(op_type, slot, value):
                    if cast and a.dtype.kind == "f":
                        a = a.astype(cast)
                    if self.dtype is None and a.dtype.kind == "f":
                        self.dtype = a.dtype
                    v = fluid_data(name, list(a.shape), a.dtype, lod_level=len(lod or ()))
                    v.stop_gradient = no_grad is None or a.dtype.kind != "f" or name in no_grad
                    # fed as a LoDTensor to an op whose kernel reads LoD (run_lod.py)
                    feed[name] = LoDTensor._wrap(a, lod, None) if lod and opdef.lod else a
                    ins.setdefault(slot, []).append(v)
            # Every output the op declares, as Paddle's OpTest makes them: one the test does
            # not check (dropout's Mask) may be what the op's gradient reads.
            for slot in list(outputs) + [s for s in opdef.outputs if s not in outputs]:
                names = ([n for n, _, _ in _entries(op_type, slot, outputs[slot])]
                         if slot in outputs else [slot])
                outs[slot] = [block.create_var(n) for n in names]
            block.append_op(op_type, ins, outs, attrs)
        return program, feed, outs

    def calc_output(self, place) -> list:
        program, feed, outs = self._program()
        fetch = [v for vs in outs.values() for v in vs]
        return Executor(place).run(program, feed, fetch, scope=Scope())

    def check_output_customized(self, checker):
        for place in self._get_places():
            checker([np.array(o) for o in self.calc_output(place)])

    def check_output(self, atol=1e-5, no_check_set=None, equal_nan=False, check_dygraph=True,
                     inplace_atol=None, **ignored):
        for place in self._get_places():
            self.check_output_with_place(place, atol, no_check_set, equal_nan)

    def check_output_with_place(self, place, atol=1e-5, no_check_set=None, equal_nan=False,
                                check_dygraph=True, inplace_atol=None, **ignored):
        program, feed, outs = self._program()
        skip = set(no_check_set or ())
        checks = [(v, expect) for slot, vs in outs.items() if slot in self.outputs
                  and slot not in skip
                  for v, (_, expect, _) in zip(vs, _entries(self.op_type, slot,
                                                            self.outputs[slot]))]
        got = Executor(place).run(program, feed, [v for v, _ in checks], scope=Scope())
        for (v, expect), actual in zip(checks, got):
            where = f"{self.op_type}: output '{v.name}' on {place} in {type(self).__name__}"
            self.assertEqual(actual.dtype, v.dtype, f"{where}: runtime dtype {actual.dtype}, "
                                                    f"the shape rule inferred {v.dtype}")
            self.assertTrue(len(v.shape) == actual.ndim and all(
                d in (-1, e) for d, e in zip(v.shape, actual.shape)),
                f"{where}: runtime shape {list(actual.shape)}, the shape rule inferred "
                f"{list(v.shape)}")
            squeeze = [tuple(d for d in s if d != 1) for s in (actual.shape, expect.shape)]
            if squeeze[0] != squeeze[1] and 0 < actual.ndim < expect.ndim and \
                    expect.shape[expect.ndim - actual.ndim:] == actual.shape:  # [C] as [N, C]
                warnings.warn(f"{where}: shape {list(actual.shape)} compared with the expected "
                              f"{list(expect.shape)} by broadcasting, as Paddle's np.allclose "
                              f"did (data_norm's tests)", stacklevel=2)
                actual, squeeze = np.broadcast_to(actual, expect.shape), squeeze[1:] * 2
            self.assertEqual(squeeze[0], squeeze[1], f"{where}: shape {list(actual.shape)}, "
                                                     f"expected {list(expect.shape)}")
            actual = actual.reshape(expect.shape)
            if not np.allclose(actual, expect, atol=atol, equal_nan=equal_nan):
                bad = ~np.isclose(actual, expect, atol=atol, equal_nan=equal_nan)
                first = np.unravel_index(np.argmax(bad), bad.shape) if bad.ndim else ()
                self.fail(f"{where}: {int(bad.sum())} of {bad.size} elements differ beyond "
                          f"atol {atol} + rtol 1e-5; first at {list(first)}: got "
                          f"{actual[first]!r}, expected {expect[first]!r}")

    def check_grad(self, inputs_to_check, output_names, no_grad_set=None,
                   numeric_grad_delta=0.005, in_place=False, max_relative_error=0.005,
                   user_defined_grads=None, check_dygraph=True, **ignored):
        numeric = user_defined_grads  # computed once, shared by every place
        for place in self._get_places():
            numeric = self.check_grad_with_place(
                place, inputs_to_check, output_names, no_grad_set, numeric_grad_delta,
                in_place, max_relative_error, numeric)

    def check_grad_with_place(self, place, inputs_to_check, output_names, no_grad_set=None,
                              numeric_grad_delta=0.005, in_place=False,
                              max_relative_error=0.005, user_defined_grads=None,
                              check_dygraph=True, **ignored):
        names = [inputs_to_check] if isinstance(inputs_to_check, str) else list(inputs_to_check)
        output_names = [output_names] if isinstance(output_names, str) else list(output_names)
        no_grad = set([no_grad_set] if isinstance(no_grad_set, str) else no_grad_set or ())
        both = no_grad.intersection(names)
        if both:
            raise ValueError(f"{self.op_type}: check_grad: {sorted(both)} are in both "
                             f"inputs_to_check and no_grad_set")
        numeric = user_defined_grads
        if numeric is None:
            numeric = self._numeric_grads(names, output_names, numeric_grad_delta)
        elif len(numeric) != len(names):
            raise ValueError(f"{self.op_type}: check_grad: {len(numeric)} user_defined_grads "
                             f"for {len(names)} inputs_to_check {names}")
        analytic = self._analytic_grads(place, names, output_names, no_grad)
        self._assert_is_close(numeric, analytic, names, max_relative_error,
                              f"Gradient Check On {place}")
        return numeric

    def _loss_outputs(self, program, output_names) -> list:
        block = program.global_block()
        missing = [n for n in output_names if not block.has_var(n)]
        if missing:
            made = [n for op in block.ops for n in op.output_arg_names]
            raise ValueError(f"{self.op_type}: check_grad: output_names {missing} name no "
                             f"output variable; the op writes {made}")
        return [block.var(n) for n in output_names]

    def _numeric_grads(self, names, output_names, delta) -> list:
        program, feed, _ = self._program(cast="float64")
        targets = self._loss_outputs(program, output_names)
        exe, scope = Executor(CPUPlace()), Scope()

        def loss():
            vals = exe.run(program, feed, targets, scope=scope)
            return sum(float(np.mean(v)) for v in vals if v.size) / len(vals)

        grads = []
        for name in names:
            if name not in feed:
                raise ValueError(f"{self.op_type}: check_grad: inputs_to_check names "
                                 f"'{name}', which is not an input; inputs: {sorted(feed)}")
            x = feed[name]
            if x.dtype.kind != "f":
                raise TypeError(f"{self.op_type}: check_grad: input '{name}' is {x.dtype}; "
                                f"only floating inputs have gradients")
            flat, grad = x.reshape(-1), np.zeros(x.size)
            for i in range(x.size):  # central differences, one element at a time (Paddle's)
                origin = flat[i]
                flat[i] = origin + delta
                up = loss()
                flat[i] = origin - delta
                down = loss()
                flat[i] = origin
                grad[i] = (up - down) / (2 * delta)
            grads.append(grad.reshape(x.shape))
        return grads

    def _analytic_grads(self, place, names, output_names, no_grad) -> list:
        program, feed, _ = self._program(no_grad=no_grad)
        block = program.global_block()
        targets = self._loss_outputs(program, output_names)
        shapes = [v.shape for v in Executor(place).run(program, feed, targets, scope=Scope())]
        # d(loss)/d(output) of Paddle's loss, mean(output) averaged over the outputs
        seeds = {f"{t.name}@LOSS_GRAD": np.full(s, 1.0 / (len(targets) * max(1, np.prod(s))),
                                                t.dtype) for t, s in zip(targets, shapes)}
        with program_guard(program, Program()):
            seed_vars = [fluid_data(n, list(t.shape), t.dtype) for n, t in zip(seeds, targets)]
            grads = gradients(targets, [block.var(n) for n in names],
                              target_gradients=seed_vars, no_grad_set=no_grad or None)
        for name, g in zip(names, grads):
            self.assertIsNotNone(g, f"{self.op_type}: no gradient reaches input '{name}'")
        return Executor(place).run(program, {**feed, **seeds}, grads, scope=Scope())

    def _assert_is_close(self, numeric_grads, analytic_grads, names, max_relative_error,
                         msg_prefix):
        for a, b, name in zip(numeric_grads, analytic_grads, names):
            a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
            self.assertEqual(a.size, b.size, f"{msg_prefix}: {self.op_type} d/d{name}: "
                                             f"analytic shape {list(b.shape)}, numeric "
                                             f"{list(a.shape)}")
            if not a.size:
                continue
            a = a.reshape(b.shape)
            scale = np.where(np.abs(a) < 1e-3, 1.0, np.abs(a))  # below 1e-3: absolute error
            diff = np.abs(a - b) / scale
            worst = np.max(diff)
            if not worst <= max_relative_error:  # also fails on nan
                i = int(np.argmax(~(diff <= max_relative_error)))
                self.fail(f"{msg_prefix}: {self.op_type} variable {name} max gradient diff "
                          f"{worst:g} over limit {max_relative_error:g}; first at flat index "
                          f"{i}: numeric {a.flat[i]:g}, analytic {b.flat[i]:g}")
