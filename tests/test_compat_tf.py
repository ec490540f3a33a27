"""TensorFlow's spelling: minifluid.compat.tf.nn."""
import numpy as np
import pytest
from reference import bce_with_logits

import minifluid as fluid
from minifluid.compat import tf


def test_sigmoid_cross_entropy_with_logits_keywords(fresh, rng, place):
    x = fluid.data("x", [None, 4], "float64")
    z = fluid.data("z", [None, 4], "float64")
    loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x, name="tf_loss")
    assert loss.name == "tf_loss" and fresh.global_block().ops[-1].type == \
        "sigmoid_cross_entropy_with_logits"
    xv, zv = rng.normal(size=(3, 4)), rng.uniform(size=(3, 4))
    out, = fluid.Executor(place).run(fresh, {"x": xv, "z": zv}, [loss])
    np.testing.assert_allclose(out, bce_with_logits(xv, zv), rtol=1e-12)
    with pytest.raises(TypeError, match="keyword arguments only"):
        tf.nn.sigmoid_cross_entropy_with_logits(z, x)


def test_shape_mismatch_uses_tensorflows_message(fresh):
    x = fluid.data("x", [None, 4])
    with pytest.raises(ValueError, match=r"logits and labels must have the same shape "
                                         r"\(\(None, 4\) vs \(None, 3\)\)"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=fluid.data("z", [None, 3]), logits=x)
    with pytest.raises(ValueError, match=r"same shape \(\(None, 4\) vs \(5,\)\)"):
        tf.nn.weighted_cross_entropy_with_logits(fluid.data("y", [5]), x, 2.0)


def test_weighted_cross_entropy_with_logits(fresh, rng, place):
    x = fluid.data("x", [3, 4], "float64")
    z = fluid.data("z", [3, 4], "float64")
    pwv = fluid.data("pw", [4], "float64")
    by_number = tf.nn.weighted_cross_entropy_with_logits(z, x, 2.5)
    by_var = tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=pwv)
    by_0d = tf.nn.weighted_cross_entropy_with_logits(z, x, np.array(2.5))
    xv, zv, pw = rng.normal(0, 5, (3, 4)), rng.uniform(size=(3, 4)), rng.uniform(1, 3, 4)
    a, b, c = fluid.Executor(place).run(fresh, {"x": xv, "z": zv, "pw": pw},
                                        [by_number, by_var, by_0d])
    np.testing.assert_allclose(a, bce_with_logits(xv, zv, 2.5), rtol=1e-12)
    np.testing.assert_array_equal(c, a)
    np.testing.assert_allclose(b, bce_with_logits(xv, zv, pw), rtol=1e-12)
    with pytest.raises(TypeError, match=r"labels \('h'\) must have the dtype of logits "
                                        r"\('x', float64\), got float32"):
        tf.nn.weighted_cross_entropy_with_logits(fluid.data("h", [3, 4]), x, 2.0)
    with pytest.raises(TypeError, match="pos_weight must be a number or a Variable, got str"):
        tf.nn.weighted_cross_entropy_with_logits(z, x, "2")
    with pytest.raises(TypeError, match=r"got list \(for one weight per class, declare a "
                       r"Variable and feed it\)"):
        tf.nn.weighted_cross_entropy_with_logits(z, x, [2.0] * 4)


def test_a_name_given_again_is_made_unique_as_tensorflow_does(fresh):
    x = fluid.data("x", [3], "float64")
    z = fluid.data("z", [3], "float64")
    names = [tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x, name="l").name,
             tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x, name="l").name,
             tf.nn.weighted_cross_entropy_with_logits(z, x, 2.0, name="l").name]
    assert names == ["l", "l_1", "l_2"]


def test_a_pos_weight_beyond_float16_fails_when_the_layer_is_called(fresh, rng):
    x = fluid.data("x", [3], "float16")
    z = fluid.data("z", [3], "float16")
    for big in (1e6, -7e4, 10**400):
        with pytest.raises(ValueError, match=rf"pos_weight {big!r} does not fit the float16 of "
                                             r"logits 'x' \(its size must be at most 65504.0\)"):
            tf.nn.weighted_cross_entropy_with_logits(z, x, big)
    loss = tf.nn.weighted_cross_entropy_with_logits(z, x, 6e4)  # fits: finite losses
    xv, zv = np.array([-3.0, 0.5, 2.0], "float16"), np.array([0.0, 1.0, 0.0], "float16")
    out, = fluid.Executor().run(fresh, {"x": xv, "z": zv}, [loss])
    np.testing.assert_allclose(out.astype(np.float64), bce_with_logits(xv, zv, 6e4), rtol=2e-3)
