"""Test helpers for ops, in the style of Paddle's OpTest; use them for your own ops too.

`check_output` runs a one-op program through the real Executor on every available place that
has kernels for it (the CPU, and the GPU when cupy and one are usable) and compares with
expected arrays; it also checks the shapes and dtypes the op's shape rule inferred.
`check_grad` compares the gradients that backward builds with central differences
in float64.

Example:
    from minifluid.testing import check_output, check_grad
    x = np.random.rand(3, 4)
    check_output("my_scale", {"X": x}, {"Out": 2 * x}, attrs={"factor": 2.0})
    check_grad("my_scale", {"X": x}, attrs={"factor": 2.0})
"""
from __future__ import annotations

import unittest

import numpy as np

from .backward import gradients
from .executor import Executor, Scope
from .framework import Program, program_guard, unique_name
from .layers.io import fluid_data
from .place import CPUPlace, CUDAPlace, is_compiled_with_cuda
from .registry import get_op

__all__ = ["available_places", "build_op", "run_op", "check_output", "check_grad", "OpTest"]


def available_places() -> list:
    """CPUPlace, and CUDAPlace(0) when cupy and a GPU are usable."""
    return [CPUPlace()] + ([CUDAPlace(0)] if is_compiled_with_cuda() else [])


def _places(program: Program, places) -> list:
    """`places`, or else the available places that have kernels for every op in `program`:
    an op with CPU kernels only is tested on the CPU, also on a machine with a GPU."""
    if places:
        return places
    ops = program.global_block().ops
    have = [p for p in available_places()
            if all(any(k == p.kind for k, _ in get_op(op.type).kernels) for op in ops)]
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
        outs = {s: block.create_var(f"{op_type}.{s}") for s in outputs}
        block.append_op(op_type, slots, outs, attrs or {})
    return program, feed, outs


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

    Inputs of at most 64 elements are perturbed one element at a time; larger ones along
    three random directions. With `max_relative_error`, Paddle's rule replaces rtol and
    atol: |analytic - numeric| / |numeric| at most that, dividing by 1 instead where
    |numeric| < 1e-3.
    """
    rng = np.random.default_rng(seed)
    inputs = {s: (None if v is None else
                  [np.asarray(a, np.float64) for a in v] if isinstance(v, (list, tuple))
                  else np.asarray(v, np.float64) if np.asarray(v).dtype.kind == "f"
                  else np.asarray(v)) for s, v in inputs.items()}
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


class OpTest(unittest.TestCase):
    """Paddle's OpTest: a unittest.TestCase whose setUp sets op_type, inputs, outputs and
    attrs, and whose tests call self.check_output() and self.check_grad([...], "Out"), so a
    test ported from Paddle runs under unittest or pytest unchanged.

    Paddle's keywords and defaults keep their meaning: check_output compares within atol
    1e-5 and rtol 1e-5; check_grad takes central differences of step numeric_grad_delta
    (0.005; in float64 here) and wants |analytic - numeric| / |numeric| at most
    max_relative_error (0.005), dividing by 1 instead where |numeric| < 1e-3.
    no_grad_set and check_dygraph are accepted and change nothing: only inputs_to_check
    get gradients, and there is no dygraph mode.
    """
    op_type: str = ""
    inputs: dict = {}
    outputs: dict = {}
    attrs: dict = {}

    def check_output(self, atol=1e-5, rtol=1e-5, no_check_set=None, check_dygraph=None):
        outputs = {k: v for k, v in self.outputs.items() if k not in (no_check_set or ())}
        check_output(self.op_type, self.inputs, outputs, self.attrs, atol=atol, rtol=rtol)

    def check_grad(self, inputs_to_check, output_names="Out", no_grad_set=None,
                   numeric_grad_delta=0.005, max_relative_error=0.005, check_dygraph=None):
        if isinstance(output_names, str):
            output_names = (output_names,)
        check_grad(self.op_type, self.inputs, self.attrs, tuple(inputs_to_check),
                   tuple(output_names), delta=numeric_grad_delta,
                   max_relative_error=max_relative_error)
