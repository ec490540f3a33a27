"""fluid.nets.glu and fluid.nets.scaled_dot_product_attention against float64 numpy
formulas, their gradients (numeric differences through the composed layers) and errors."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers


def run(fetch, feed):
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    return exe, exe.run(feed=feed, fetch_list=fetch)


def param(name):
    return np.array(fluid.global_scope().find_var(name).get_tensor()).copy()


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def attention(q, k, v, heads):
    """Per head h: softmax(q_h k_h^T / sqrt(d)) v_h, heads side by side."""
    d = k.shape[-1] // heads
    outs = []
    for h in range(heads):
        qs, ks = q[..., h * d:(h + 1) * d], k[..., h * d:(h + 1) * d]
        vs = v[..., h * (v.shape[-1] // heads):(h + 1) * (v.shape[-1] // heads)]
        outs.append(softmax(qs @ ks.transpose(0, 2, 1) / np.sqrt(d)) @ vs)
    return np.concatenate(outs, axis=-1)


@pytest.mark.parametrize("dim", [1, -1])
def test_glu_matches_numpy(fresh, rng, dim):
    x = fluid.data("x", [None, 4, 6], "float64")
    out = fluid.nets.glu(x, dim=dim)
    xv = rng.normal(size=(3, 4, 6)) * 5
    _, (got,) = run([out], {"x": xv})
    a, b = np.split(xv, 2, axis=dim)
    np.testing.assert_allclose(got, a / (1 + np.exp(-b)), rtol=1e-12)


def numeric_check(fresh, build, shapes, rng):
    """fluid.gradients of sum(w * out) against central differences, in float64."""
    names = [f"in{i}" for i in range(len(shapes))]
    ins = [fluid.data(n, list(s), "float64") for n, s in zip(names, shapes)]
    for v in ins:
        v.stop_gradient = False
    out = build(*ins)
    w = fluid.data("w", list(out.shape), "float64")
    loss = layers.reduce_sum(layers.elementwise_mul(out, w))
    grads = fluid.gradients(loss, ins)
    vals = {n: rng.normal(size=s) for n, s in zip(names, shapes)}
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    feed = {**vals, "w": rng.normal(size=[d if d > 0 else shapes[0][0] for d in out.shape])}
    got = exe.run(feed=feed, fetch_list=grads)
    for n, g in zip(names, got):
        num = np.zeros_like(vals[n])
        for i in np.ndindex(num.shape):
            for sign in (1, -1):
                f = dict(feed)
                f[n] = vals[n].copy()
                f[n][i] += sign * 1e-6
                num[i] += sign * exe.run(feed=f, fetch_list=[loss])[0].item() / 2e-6
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


def test_glu_gradient(fresh, rng):
    numeric_check(fresh, lambda x: fluid.nets.glu(x, dim=1), [(2, 4, 3)], rng)


def test_glu_refuses_odd_sizes(fresh):
    x = fluid.data("x", [None, 3], "float32")
    with pytest.raises(ValueError,
                       match=r"glu: argument 'dim' \(-1\) must name a dimension of even size"):
        fluid.nets.glu(x)
    with pytest.raises(ValueError, match="glu: argument 'dim'"):
        fluid.nets.glu(x, dim=2)


@pytest.mark.parametrize("heads", [1, 2])
def test_attention_matches_numpy(fresh, rng, heads):
    q = fluid.data("q", [None, 5, 8], "float64")
    kv = fluid.data("k", [None, 7, 8], "float64")
    v = fluid.data("v", [None, 7, 4], "float64")
    out = fluid.nets.scaled_dot_product_attention(q, kv, v, num_heads=heads)
    assert out.shape == (-1, 5, 4)
    feed = {"q": rng.normal(size=(2, 5, 8)) * 3, "k": rng.normal(size=(2, 7, 8)) * 3,
            "v": rng.normal(size=(2, 7, 4))}
    _, (got,) = run([out], feed)
    qv, kv_, vv = feed["q"], feed["k"], feed["v"]
    if heads > 1:  # each input went through its own fc (weights fc_0, fc_1, fc_2, biases 0)
        qv, kv_, vv = (t @ param(f"fc_{i}.w_0") + param(f"fc_{i}.b_0")
                       for i, t in enumerate((qv, kv_, vv)))
    np.testing.assert_allclose(got, attention(qv, kv_, vv, heads), rtol=1e-10, atol=1e-12)


def test_attention_gradient(fresh, rng):
    numeric_check(fresh, lambda q, k, v: fluid.nets.scaled_dot_product_attention(q, k, v),
                  [(2, 3, 4), (2, 5, 4), (2, 5, 2)], rng)


def test_attention_with_large_scores_and_dropout(fresh):
    q = fluid.data("q", [1, 2, 2], "float32")
    out = fluid.nets.scaled_dot_product_attention(q, q, q)
    dropped = fluid.nets.scaled_dot_product_attention(q, q, q, dropout_rate=1.0)
    qv = np.array([[[1e4, 0], [0, 1e4]]], np.float32)  # scores of 7e7: softmax stays finite
    _, (got, zero) = run([out, dropped], {"q": qv})
    np.testing.assert_allclose(got, qv)
    np.testing.assert_array_equal(zero, 0)  # every weight dropped (fluid 1.8: is_test=False)


def test_attention_errors(fresh):
    q = fluid.data("q", [None, 5, 6], "float32")
    with pytest.raises(ValueError, match="'queries' and 'keys' must have one hidden size"):
        fluid.nets.scaled_dot_product_attention(q, fluid.data("k", [None, 5, 4], "float32"), q)
    with pytest.raises(ValueError, match=r"must be divisible by argument 'num_heads' \(4\)"):
        fluid.nets.scaled_dot_product_attention(q, q, q, num_heads=4)
    with pytest.raises(ValueError, match="argument 'queries' must be 3-D"):
        fluid.nets.scaled_dot_product_attention(fluid.data("f", [None, 6], "float32"), q, q)
    with pytest.raises(TypeError, match="must have one dtype"):
        fluid.nets.scaled_dot_product_attention(q, q, layers.cast(q, "float64"))
    with pytest.raises(ValueError, match="argument 'dropout_rate'"):
        fluid.nets.scaled_dot_product_attention(q, q, q, dropout_rate=1.5)
