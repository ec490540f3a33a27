"""The update ops against steps computed by hand in float64."""
import numpy as np
import pytest

from minifluid.registry import get_op
from minifluid.testing import build_op, run_op


def _run(op, ins, attrs, outs):
    copies = {k: v.copy() for k, v in ins.items()}  # the ops update in place
    return run_op(op, copies, attrs, outs)


def test_sgd(rng):
    p, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    out = _run("sgd", {"Param": p, "Grad": g, "LearningRate": np.array([0.1])}, {},
               ("ParamOut",))
    np.testing.assert_allclose(out["ParamOut"], p - 0.1 * g, rtol=1e-14)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum(rng, nesterov):
    p, g, v = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)
    out = _run("momentum", {"Param": p, "Grad": g, "Velocity": v,
                            "LearningRate": np.array([0.1])},
               {"mu": 0.9, "use_nesterov": nesterov}, ("ParamOut", "VelocityOut"))
    v1 = 0.9 * v + g
    p1 = p - 0.1 * (g + 0.9 * v1) if nesterov else p - 0.1 * v1
    np.testing.assert_allclose(out["VelocityOut"], v1, rtol=1e-14)
    np.testing.assert_allclose(out["ParamOut"], p1, rtol=1e-14)


def test_adam_two_steps(rng):
    p, lr = rng.normal(size=6), 0.01
    m1, m2, b1p, b2p = np.zeros(6), np.zeros(6), np.array([0.9]), np.array([0.999])
    want_p, want_m1, want_m2 = p.copy(), m1.copy(), m2.copy()
    for step in range(1, 3):
        g = rng.normal(size=6)
        out = _run("adam", {"Param": p, "Grad": g, "LearningRate": np.array([lr]),
                            "Moment1": m1, "Moment2": m2, "Beta1Pow": b1p, "Beta2Pow": b2p},
                   {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
                   ("ParamOut", "Moment1Out", "Moment2Out", "Beta1PowOut", "Beta2PowOut"))
        want_m1 = 0.9 * want_m1 + 0.1 * g
        want_m2 = 0.999 * want_m2 + 0.001 * g * g
        lr_t = lr * np.sqrt(1 - 0.999 ** step) / (1 - 0.9 ** step)
        want_p = want_p - lr_t * want_m1 / (np.sqrt(want_m2) + 1e-8 * np.sqrt(1 - 0.999 ** step))
        np.testing.assert_allclose(out["ParamOut"], want_p, rtol=1e-12)
        np.testing.assert_allclose(out["Moment2Out"], want_m2, rtol=1e-12)
        np.testing.assert_allclose(out["Beta1PowOut"], [0.9 ** (step + 1)], rtol=1e-14)
        p, m1, m2 = out["ParamOut"], out["Moment1Out"], out["Moment2Out"]
        b1p, b2p = out["Beta1PowOut"], out["Beta2PowOut"]


@pytest.mark.parametrize("op,slot", [("momentum", "Velocity"), ("adam", "Moment1"),
                                     ("adam", "Moment2"), ("sgd", "Grad")])
def test_an_accumulator_not_shaped_like_param_is_a_build_error(op, slot):
    shapes = {"Param": (2, 3), "Grad": (2, 3), "LearningRate": (1,), "Velocity": (2, 3),
              "Moment1": (2, 3), "Moment2": (2, 3), "Beta1Pow": (1,), "Beta2Pow": (1,)}
    ins = {s: np.ones(shapes[s] if s != slot else ()) for s in get_op(op).inputs
           if s not in get_op(op).optional}
    with pytest.raises(ValueError, match=rf"{op}: {slot} \('{slot}', float64\[\]\) does not "
                                         rf"match Param \('Param', float64\[2, 3\]\)"):
        build_op(op, ins, outputs=get_op(op).outputs)


@pytest.mark.parametrize("op", ["sgd", "adam"])
def test_a_learning_rate_of_more_than_one_value_is_a_build_error(op):
    ins = {"Param": np.ones((2, 3)), "Grad": np.ones((2, 3)), "LearningRate": np.ones(4)}
    if op == "adam":
        ins.update(Moment1=np.ones((2, 3)), Moment2=np.ones((2, 3)), Beta1Pow=np.ones(1),
                   Beta2Pow=np.ones(1))
    with pytest.raises(ValueError, match=rf"{op}: LearningRate \('LearningRate'\) must hold "
                                         rf"one value \(shape \[1\]\), got shape \[4\]"):
        build_op(op, ins, outputs=get_op(op).outputs)
