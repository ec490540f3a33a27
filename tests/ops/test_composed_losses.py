"""npair_loss and dice_loss, which fluid 1.8 composes of other layers: against float64
formulas written here, and their gradients through the composition (append_backward)
against central differences in float64."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers


def npair64(anchor, positive, labels, l2_reg):
    labels = labels.reshape(-1)
    same = (labels[:, None] == labels[None, :]).astype(float)
    targets = same / same.sum(1, keepdims=True)
    logits = anchor @ positive.T
    log_softmax = logits - logits.max(1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(1, keepdims=True))
    ce = -(targets * log_softmax).sum(1).mean()
    l2 = ((anchor ** 2).sum(1).mean() + (positive ** 2).sum(1).mean()) * 0.25 * l2_reg
    return np.array([ce + l2])


def dice64(x, label, eps):
    onehot = np.eye(x.shape[-1])[label[..., 0]]
    axes = tuple(range(1, x.ndim))
    inse = (x * onehot).sum(axes)
    return np.array([(1 - 2 * inse / (x.sum(axes) + onehot.sum(axes) + eps)).mean()])


def _build(make, arrays, dtypes):
    """A program computing make(*data variables) for arrays; returns it, the feed, the
    loss and the gradients of the float inputs."""
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()), fluid.unique_name.guard():
        vs = []
        for i, (a, dtype) in enumerate(zip(arrays, dtypes)):
            v = fluid.data(f"in{i}", [-1] + list(a.shape[1:]), dtype)
            v.stop_gradient = dtype not in ("float32", "float64")
            vs.append(v)
        loss = make(*vs)
        floats = [v for v in vs if not v.stop_gradient]
        grads = fluid.gradients([loss], floats)
    feed = {f"in{i}": a.astype(d) for i, (a, d) in enumerate(zip(arrays, dtypes))}
    return main, feed, loss, dict(zip([v.name for v in floats], grads))


def _check_gradients(make, arrays, dtypes, delta=1e-6):
    main, feed, loss, grads = _build(make, arrays, dtypes)
    exe = fluid.Executor(fluid.CPUPlace())
    analytic = exe.run(main, feed=feed, fetch_list=list(grads.values()))

    def f(fd):
        return float(exe.run(main, feed=fd, fetch_list=[loss])[0][0])

    for (name, _), got in zip(grads.items(), analytic):
        x = feed[name]
        numeric = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            d = np.zeros_like(x)
            d[i] = delta
            numeric[i] = (f({**feed, name: x + d}) - f({**feed, name: x - d})) / (2 * delta)
        np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-9, err_msg=name)


def _run(make, arrays, dtypes):
    main, feed, loss, _ = _build(make, arrays, dtypes)
    return fluid.Executor(fluid.CPUPlace()).run(main, feed=feed, fetch_list=[loss])[0]


# npair_loss

@pytest.mark.parametrize("label_dtype", ["int64", "float32", "float64"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_npair_loss(rng, dtype, label_dtype):
    a, p = rng.normal(size=(7, 4)), rng.normal(size=(7, 4))
    labels = rng.integers(0, 3, 7)
    got = _run(lambda x, y, z: layers.npair_loss(x, y, z, l2_reg=0.01), [a, p, labels],
               [dtype, dtype, label_dtype])
    assert got.shape == (1,) and got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, npair64(a, p, labels, 0.01),
                               rtol=1e-5 if dtype == "float32" else 1e-12)


def test_npair_loss_gradients_through_the_composition(rng):
    a, p = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    labels = np.array([0, 1, 0, 2, 1])
    _check_gradients(lambda x, y, z: layers.npair_loss(x, y, z, l2_reg=0.05), [a, p, labels],
                     ["float64", "float64", "int64"])


def test_npair_loss_far_apart_embeddings_stay_finite(rng):
    # similarities of 1e6: the softmax cross entropy is taken from log-softmax
    a, p = rng.normal(size=(6, 3)) * 1e3, rng.normal(size=(6, 3)) * 1e3
    labels = np.arange(6) % 2
    got = _run(layers.npair_loss, [a, p, labels], ["float32", "float32", "int64"])
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, npair64(a.astype("float32").astype(float),
                                            p.astype("float32").astype(float), labels, 0.002),
                               rtol=1e-4)


def test_npair_loss_checks_its_arguments(fresh):
    a = fluid.data("a", [4, 3], "float32")
    lab = fluid.data("lab", [4], "int64")
    with pytest.raises(ValueError, match="npair_loss.*'anchor' and 'positive'"):
        layers.npair_loss(a, fluid.data("p", [4, 2], "float32"), lab)
    with pytest.raises(TypeError, match="npair_loss.*one dtype"):
        layers.npair_loss(a, fluid.data("p64", [4, 3], "float64"), lab)
    with pytest.raises(ValueError, match="npair_loss.*'labels' must be \\[B\\]"):
        layers.npair_loss(a, a, fluid.data("l5", [5], "int64"))
    with pytest.raises(TypeError, match="npair_loss.*'labels'"):
        layers.npair_loss(a, a, fluid.data("l32", [4], "int32"))
    assert len(fresh.global_block().ops) == 0


# dice_loss

@pytest.mark.parametrize("shape", [(6, 4), (2, 3, 3, 5)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dice_loss(rng, dtype, shape):
    x = rng.uniform(0, 1, shape)
    label = rng.integers(0, shape[-1], shape[:-1] + (1,))
    got = _run(lambda u, v: layers.dice_loss(u, v, epsilon=1e-3), [x, label], [dtype, "int64"])
    assert got.shape == (1,) and got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, dice64(x, label, 1e-3),
                               rtol=1e-5 if dtype == "float32" else 1e-12)


def test_dice_loss_gradients_through_the_composition(rng):
    x = rng.uniform(0, 1, (3, 2, 4))
    label = rng.integers(0, 4, (3, 2, 1))
    _check_gradients(layers.dice_loss, [x, label], ["float64", "int64"])


def test_dice_loss_of_a_perfect_prediction_is_0_and_of_zeros_is_finite():
    label = np.array([[1], [0], [2]])
    x = np.eye(3)[label[:, 0]]
    np.testing.assert_allclose(_run(layers.dice_loss, [x, label], ["float64", "int64"]),
                               [1e-5 / (2 + 1e-5)], rtol=1e-9)
    out = _run(layers.dice_loss, [np.zeros((3, 3)), label], ["float32", "int64"])
    np.testing.assert_allclose(out, [1.0])  # epsilon keeps 0 / 0 away


def test_dice_loss_checks_its_arguments(fresh):
    x = fluid.data("x", [None, 4], "float32")
    with pytest.raises(ValueError, match="dice_loss.*'label' must be \\[N, ..., 1\\]"):
        layers.dice_loss(x, fluid.data("l2", [None, 2], "int64"))
    with pytest.raises(TypeError, match="dice_loss.*'label'"):
        layers.dice_loss(x, fluid.data("lf", [None, 1], "float32"))
    with pytest.raises(ValueError, match="dice_loss.*'epsilon'"):
        layers.dice_loss(x, fluid.data("l", [None, 1], "int64"), epsilon=-1.0)
    assert len(fresh.global_block().ops) == 0
