"""Paddle 2.x's spellings: nn.functional.binary_cross_entropy_with_logits, BCEWithLogitsLoss."""
import warnings

import numpy as np
import pytest
from reference import bce_with_logits, bce_with_logits_grad

import minifluid as fluid
from minifluid.nn import BCEWithLogitsLoss
from minifluid.nn.functional import binary_cross_entropy_with_logits as bce

REDUCE = {"none": lambda a: a, "mean": np.mean, "sum": np.sum}


def _run(feed, build, grad_of=None, place=None):
    """Build with fluid.data inputs named and shaped after `feed`; fetch the output and, if
    asked, its gradient with respect to `grad_of`, computed on `place` (default the CPU)."""
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        vs = {k: fluid.data(k, list(v.shape), v.dtype) for k, v in feed.items()}
        out = build(vs)
        fetch = [out]
        if grad_of:
            vs[grad_of].stop_gradient = False
            fetch += fluid.gradients([out], [vs[grad_of]])
    return out, fluid.Executor(place).run(main, feed, fetch)


def test_the_seed_example(place):
    feed = {"logit": np.array([5.0, 1.0, 3.0], "float32"),
            "label": np.array([1.0, 0.0, 1.0], "float32")}
    out, (value,) = _run(feed, lambda v: BCEWithLogitsLoss()(v["logit"], v["label"]), None,
                         place)
    assert out.shape == () and value.shape == () and value.dtype == np.float32
    np.testing.assert_allclose(value, 0.45618808, rtol=1e-7)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_weight_and_pos_weight_against_the_reference(rng, reduction, dtype, place):
    feed = {"logit": rng.normal(0, 3, (2, 3, 4, 10)).astype(dtype),
            "label": rng.uniform(size=(2, 3, 4, 10)).astype(dtype),  # soft labels
            "weight": rng.uniform(0.5, 2, (2, 3, 4, 10)).astype(dtype),
            "pw": rng.uniform(0.5, 4, (3, 4, 10)).astype(dtype)}
    out, (value, grad) = _run(feed, lambda v: bce(v["logit"], v["label"], v["weight"],
                                                  reduction, v["pw"], name="loss"), "logit",
                              place)
    assert out.name == "loss"
    elementwise = feed["weight"] * bce_with_logits(feed["logit"], feed["label"], feed["pw"])
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=0)
    np.testing.assert_allclose(value, REDUCE[reduction](elementwise), **tol)
    assert value.shape == ((2, 3, 4, 10) if reduction == "none" else ())
    dout = {"none": 1.0, "mean": 1 / elementwise.size, "sum": 1.0}[reduction]
    want = bce_with_logits_grad(feed["logit"], feed["label"], dout * feed["weight"], feed["pw"])
    np.testing.assert_allclose(grad, want, **tol)


def test_weight_broadcasts_like_numpy(rng):
    feed = {"logit": rng.normal(size=(4, 3)), "label": rng.uniform(size=(4, 3)),
            "w": rng.uniform(size=(3,))}
    _, (value,) = _run(feed, lambda v: bce(v["logit"], v["label"], v["w"], "sum"))
    np.testing.assert_allclose(value, np.sum(feed["w"] * bce_with_logits(feed["logit"],
                                                                        feed["label"])))


def test_negative_logit_with_pos_weight_and_the_gradient_at_zero(place):
    feed = {"logit": np.array([-14.913, 0.0, 0.0]), "label": np.array([1.0, 1.0, 0.3]),
            "pw": np.array([3.0, 3.0, 3.0])}
    _, (value, grad) = _run(feed, lambda v: bce(v["logit"], v["label"], None, "none",
                                                v["pw"]), "logit", place)
    assert value[0] == pytest.approx(44.73, abs=0.01)  # an old Paddle formula gave 14.913
    # At x = 0: (1 - z) + (1 + (pw - 1) z) (1/2 - 1); TensorFlow's weighted op gets it wrong.
    np.testing.assert_allclose(grad[1:], [0 - 3 * 0.5, 0.7 - 1.6 * 0.5], rtol=1e-12)


def test_float16_inputs(rng, place):
    feed = {"logit": np.array([-6e4, -20, 0, 20, 6e4], np.float16),
            "label": np.array([0, 1, 0.5, 0, 1], np.float16),
            "pw": np.array([2.0], np.float16)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, (value, grad) = _run(feed, lambda v: bce(v["logit"], v["label"], None, "sum",
                                                    v["pw"]), "logit", place)
    assert value.dtype == np.float16 and grad.dtype == np.float16 and np.isfinite(value)
    want = np.sum(bce_with_logits(feed["logit"], feed["label"], 2.0))
    assert float(value) == pytest.approx(want, rel=2e-3)
    np.testing.assert_allclose(grad, bce_with_logits_grad(feed["logit"], feed["label"], 1.0,
                                                          2.0), atol=1e-3)


def test_float16_all_ignored_and_extremes_with_the_fluid_layer(place):
    feed = {"x": np.array([[6e4, -6e4, 1.0]], np.float16),
            "z": np.full((1, 3), -1, np.float16)}
    _, (value,) = _run(feed, lambda v: fluid.layers.sigmoid_cross_entropy_with_logits(
        v["x"], v["z"], ignore_index=-1, normalize=True), None, place)
    np.testing.assert_array_equal(value, np.zeros((1, 3), np.float16))


def test_gradient_check_in_float64(rng):
    from minifluid.testing import check_grad
    check_grad("sigmoid_cross_entropy_with_logits",
               {"X": rng.normal(size=(3, 4)), "Label": rng.uniform(size=(3, 4)),
                "PosWeight": rng.uniform(0.5, 3, (4,))})


def test_errors(fresh):
    x = fluid.data("x", [2, 3])
    z = fluid.data("z", [2, 3])
    with pytest.raises(ValueError, match="reduction must be one of 'none', 'mean' or 'sum', "
                                         "got 'avg'"):
        BCEWithLogitsLoss(reduction="avg")  # checked in the constructor
    with pytest.raises(TypeError, match="'pos_weight' must be None or a Variable, got ndarray"):
        BCEWithLogitsLoss(pos_weight=np.ones(3))  # so are weights
    with pytest.raises(TypeError, match="BCEWithLogitsLoss: name must be a str, got int"):
        BCEWithLogitsLoss(name=3)  # and the name
    with pytest.raises(ValueError, match="reduction must be"):
        bce(np.ones(3), z, reduction="max")  # checked first
    with pytest.raises(TypeError, match="'logit' must be a Variable, got ndarray"):
        bce(np.ones((2, 3)), z)
    with pytest.raises(TypeError, match=r"'label' \('i'\) must be float16, float32 or float64, "
                                        r"got int64"):
        bce(x, fluid.data("i", [2, 3], "int64"))
    with pytest.raises(ValueError, match=r"weight 'w' of shape \[4\] does not broadcast to "
                                         r"logit 'x' of shape \[2, 3\]"):
        bce(x, z, weight=fluid.data("w", [4]))
    with pytest.raises(ValueError, match=r"pos_weight 'p' of shape \[2, 2, 3\] does not "
                                         r"broadcast"):
        bce(x, z, pos_weight=fluid.data("p", [2, 2, 3]))
    for arg in ("label", "weight", "pos_weight"):
        d = fluid.data(f"d_{arg}", [2, 3], "float64")
        with pytest.raises(TypeError, match=rf"'{arg}' \('d_{arg}'\) must have the dtype of "
                                            r"'logit' \('x', float32\), got float64"):
            bce(x, **{"label": z, arg: d})
    with pytest.raises(TypeError, match="name must be a str, got int"):
        bce(x, z, name=3)
    assert not fresh.global_block().ops  # every check comes before the first op


def test_unknown_dimensions_broadcast_and_names_can_be_given_again(fresh, rng):
    x = fluid.data("x", [4, 3], "float64")
    z = fluid.data("z", [4, 3], "float64")
    w = fluid.data("w", [-1, 3], "float64")  # checked when the data comes
    loss_fn = BCEWithLogitsLoss(weight=w, pos_weight=fluid.data("p", [-1], "float64"),
                                name="loss")
    first, second = loss_fn(x, z), loss_fn(x, z)  # a loss object is called again
    assert (first.name, second.name) == ("loss", "loss_1")
    feed = {"x": rng.normal(size=(4, 3)), "z": rng.uniform(size=(4, 3)),
            "w": rng.uniform(size=(4, 3)), "p": rng.uniform(0.5, 2, (3,))}
    a, b = fluid.Executor().run(fresh, feed, [first, second])
    want = np.mean(feed["w"] * bce_with_logits(feed["x"], feed["z"], feed["p"]))
    np.testing.assert_allclose([a, b], [want, want], rtol=1e-12)
    # Per-sample weights [-1] against logits [-1, 1] would broadcast to a square: refused.
    col = fluid.data("col", [-1, 1], "float64")
    with pytest.raises(ValueError, match=r"weight 'ws' of shape \[-1\] does not broadcast to "
                                         r"logit 'col' of shape \[-1, 1\]"):
        bce(col, col, weight=fluid.data("ws", [-1], "float64"))


def test_matches_torch_where_installed():
    torch = pytest.importorskip("torch")
    logit = np.array([[-14.913, -2.0, 0.0, 3.5], [1e4, -1e4, 0.7, -0.3]])
    label = np.array([[1.0, 0.25, 0.5, 0.0], [0.0, 1.0, 1.0, 0.75]])
    weight = np.array([[0.5, 1.0, 2.0, 1.5]])
    pw = np.array([3.0, 0.5, 1.0, 2.0])
    for reduction in ("none", "mean", "sum"):
        _, (ours, grad) = _run({"logit": logit, "label": label, "w": weight, "pw": pw},
                               lambda v: bce(v["logit"], v["label"], v["w"], reduction,
                                             v["pw"]), "logit")
        t = torch.tensor(logit, requires_grad=True)
        theirs = torch.nn.functional.binary_cross_entropy_with_logits(
            t, torch.tensor(label), torch.tensor(weight), reduction=reduction,
            pos_weight=torch.tensor(pw))
        theirs.backward(torch.ones_like(theirs))
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-12, atol=1e-15)
