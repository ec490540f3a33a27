"""Every op with a float32 CPU kernel, at the edges: a size-0 batch, and 0-d inputs.

Each op is built with its inputs (a size-0 batch; each input 0-d in turn; all of them 0-d)
and, where the build allows, run together with the gradients backward makes for it. The
op must either refuse at build time with a ValueError/TypeError that names it, or run and
give values of the shapes its shape rule inferred; an error at run time fails the test.
Grad ops are built by backward from a forward op that was checked, so they are run here
with a size-0 batch directly and with 0-d inputs through backward.
"""
import warnings

import numpy as np
import pytest

from minifluid.backward import gradients
from minifluid.executor import Executor, Scope
from minifluid.framework import Program, program_guard
from minifluid.ops.activation import NAMES as ACTIVATIONS
from minifluid.place import CPUPlace
from minifluid.registry import OPS
from minifluid.testing import build_op

B = "B"  # the batch dimension
X = (B, 3)
SPECS = {  # op: ({slot: shape, or a list of shapes for a duplicable slot}, attrs, outputs)
    "adam": ({"Param": X, "Grad": X, "LearningRate": (1,), "Moment1": X, "Moment2": X,
              "Beta1Pow": (1,), "Beta2Pow": (1,), "Beta1Tensor": (1,), "Beta2Tensor": (1,)}, {},
             ("ParamOut", "Moment1Out", "Moment2Out", "Beta1PowOut", "Beta2PowOut")),
    "momentum": ({"Param": X, "Grad": X, "Velocity": X, "LearningRate": (1,)}, {},
                 ("ParamOut", "VelocityOut")),
    "sgd": ({"Param": X, "Grad": X, "LearningRate": (1,)}, {}, ("ParamOut",)),
    "cast": ({"X": X}, {"out_dtype": "float64"}, ("Out",)),
    "concat": ({"X": [X, (B, 2)]}, {"axis": 1}, ("Out",)),
    "concat_grad": ({"X": [X, (B, 2)], "Out@GRAD": (B, 5)}, {"axis": -1}, ("X@GRAD",)),
    "dropout": ({"X": X}, {}, ("Out", "Mask")),
    "dropout_grad": ({"Mask": X, "Out@GRAD": X}, {}, ("X@GRAD",)),
    "fill_any_like": ({"X": X}, {}, ("Out",)),
    "matmul": ({"X": X, "Y": (3, 2)}, {}, ("Out",)),
    "matmul_grad": ({"X": X, "Y": (3, 2), "Out@GRAD": (B, 2)}, {}, ("X@GRAD", "Y@GRAD")),
    "mean": ({"X": X}, {}, ("Out",)),
    "mean_grad": ({"X": X, "Out@GRAD": (1,)}, {}, ("X@GRAD",)),
    "mul": ({"X": X, "Y": (3, 2)}, {}, ("Out",)),
    "mul_grad": ({"X": X, "Y": (3, 2), "Out@GRAD": (B, 2)}, {}, ("X@GRAD", "Y@GRAD")),
    "reshape": ({"X": X}, {"shape": [-1, 1]}, ("Out",)),
    "reshape_grad": ({"X": X, "Out@GRAD": (B, 3)}, {"shape": [-1, 3]}, ("X@GRAD",)),
    "reshape2": ({"X": X}, {"shape": [-1, 1]}, ("Out", "XShape")),
    "reshape2_grad": ({"XShape": (0, B, 3), "Out@GRAD": (B, 3)}, {}, ("X@GRAD",)),
    "scale": ({"X": X, "ScaleTensor": (1,)}, {"scale": 2.0, "bias": 1.0}, ("Out",)),
    "sigmoid_cross_entropy_with_logits": ({"X": X, "Label": X, "PosWeight": X},
                                          {"normalize": True}, ("Out",)),
    "sigmoid_cross_entropy_with_logits_grad": (
        {"X": X, "Label": X, "PosWeight": X, "Out@GRAD": X}, {"normalize": True},
        ("X@GRAD",)),
    "softmax": ({"X": X}, {}, ("Out",)),
    "softmax_grad": ({"Out": X, "Out@GRAD": X}, {}, ("X@GRAD",)),
    "sum": ({"X": [X, X]}, {}, ("Out",)),
    "target_gradient_seed": ({"Gradient": X, "Target": X}, {}, ("Out",)),
}
for _op in ("add", "sub", "mul", "div"):
    SPECS[f"elementwise_{_op}"] = ({"X": X, "Y": (3,)}, {}, ("Out",))
    SPECS[f"elementwise_{_op}_grad"] = ({"X": X, "Y": (3,), "Out@GRAD": X}, {},
                                        ("X@GRAD", "Y@GRAD"))
for _op in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod"):
    SPECS[_op] = ({"X": X}, {"dim": [1]}, ("Out",))
    SPECS[_op + "_grad"] = ({"X": X, "Out@GRAD": (B,)}, {"dim": [1]}, ("X@GRAD",))
for _op in ("reduce_max", "reduce_min"):
    SPECS[_op + "_grad"] = ({"X": X, "Out": (B,), "Out@GRAD": (B,)}, {"dim": [1]}, ("X@GRAD",))
for _op in ("relu", "sigmoid", "tanh"):
    SPECS[_op] = ({"X": X}, {}, ("Out",))
    SPECS[_op + "_grad"] = ({"Out": X, "Out@GRAD": X}, {}, ("X@GRAD",))
for _op in ACTIVATIONS:  # each grad op reads X or Out (or neither) and Out@GRAD
    SPECS.setdefault(_op, ({"X": X}, {}, ("Out",)))
    SPECS.setdefault(_op + "_grad", ({s: X for s in OPS[_op + "_grad"].inputs
                                      if s not in OPS[_op + "_grad"].optional}, {},
                                     ("X@GRAD",)))
NOT_SWEPT = {"fill_constant", "uniform_random", "gaussian_random"}  # no inputs: test_random_ops
SWEPT = sorted(t for t, d in OPS.items() if ("cpu", "float32") in d.kernels
               and t not in NOT_SWEPT)


def test_every_op_with_a_float32_cpu_kernel_is_swept():
    assert set(SWEPT) <= set(SPECS), sorted(set(SWEPT) - set(SPECS))


def _variants(op):
    """(name, {slot: shape or list}, batch size): size-0 batch; each input 0-d; all 0-d."""
    inputs = SPECS[op][0]
    yield "batch 0", inputs, 0
    if op.endswith("_grad"):
        return
    for slot, v in inputs.items():
        if isinstance(v, list):
            for i in range(len(v)):
                yield f"{slot}[{i}] 0-d", {**inputs, slot: [
                    () if j == i else s for j, s in enumerate(v)]}, 2
        else:
            yield f"{slot} 0-d", {**inputs, slot: ()}, 2
    yield "all 0-d", {s: [()] * len(v) if isinstance(v, list) else ()
                      for s, v in inputs.items()}, 2


CASES = [(op, name, shapes, b) for op in SWEPT if op in SPECS
         for name, shapes, b in _variants(op)]


def _array(rng, slot, shape, batch):
    shape = tuple(batch if d == B else d for d in shape)
    if slot == "Label":
        return rng.integers(0, 2, shape).astype(np.float32)
    # Adam's betas and their powers < 1
    lo, hi = (0.9, 0.99) if slot.startswith("Beta") else (0.5, 1.5)
    return rng.uniform(lo, hi, shape).astype(np.float32)


@pytest.mark.parametrize("op,case,shapes,batch", CASES,
                         ids=[f"{op}-{name}" for op, name, _, _ in CASES])
def test_an_op_at_the_edges_refuses_at_build_time_or_runs(op, case, shapes, batch):
    rng = np.random.default_rng(0)
    attrs, outs = SPECS[op][1:]
    feed = {s: [_array(rng, s, x, batch) for x in v] if isinstance(v, list)
            else _array(rng, s, v, batch) for s, v in shapes.items()}
    try:
        program, fed, out_vars = build_op(op, feed, attrs, outs, stop_gradient=False)
    except (ValueError, TypeError) as e:
        assert str(e).startswith(f"{op}: "), e  # a build error that names the op
        return
    fetch = list(out_vars.values())
    if OPS[op].grad is not None and not op.endswith("_grad") and op not in ("sgd", "momentum",
                                                                             "adam"):
        block = program.global_block()
        wrt = [block.var(n) for n in fed if block.var(n).dtype.kind == "f"
               and not n.startswith("Label")]
        with program_guard(program, Program()):
            grads = gradients([out_vars[outs[0]]], wrt)
        for v, g in zip(wrt, grads):
            if g is not None:
                fetch.append(g)
                assert g.shape == v.shape, (g.name, g.shape, v.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not numpy's warnings either
        got = Executor(CPUPlace()).run(program, fed, fetch, scope=Scope())
    for v, value in zip(fetch, got):
        assert np.shape(value) == tuple(v.shape), (v.name, np.shape(value), v.shape)
        assert np.asarray(value).dtype == v.dtype, (v.name, np.asarray(value).dtype, v.dtype)
