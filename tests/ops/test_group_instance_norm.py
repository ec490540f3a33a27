"""group_norm and instance_norm against float64 numpy formulas (loops over samples and
groups), their gradients, extreme inputs and the layers."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output


def group_reference(x, scale, bias, groups, eps, layout="NCHW"):
    """Loops over each sample and group; channels in groups of ceil(C / groups)."""
    x = np.moveaxis(x, -1, 1) if layout == "NHWC" else x
    x = x.astype(np.float64)
    n, c = x.shape[:2]
    size = -(-c // groups)
    y = np.empty_like(x)
    mean, var = np.zeros((n, groups)), np.zeros((n, groups))
    for i in range(n):
        for g in range(groups):
            part = x[i, g * size:(g + 1) * size]
            if part.size == 0:
                continue
            mean[i, g], var[i, g] = part.mean(), part.var()
            y[i, g * size:(g + 1) * size] = (part - mean[i, g]) / np.sqrt(var[i, g] + eps)
    shape = (1, c) + (1,) * (x.ndim - 2)
    y = y * (1 if scale is None else scale.reshape(shape)) + (
        0 if bias is None else bias.reshape(shape))
    return (np.moveaxis(y, 1, -1) if layout == "NHWC" else y), mean, var


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, groups, layout", [
    ((2, 6, 3, 5), 2, "NCHW"), ((2, 6, 3, 5), 1, "NCHW"), ((2, 6, 3, 5), 6, "NCHW"),
    ((2, 3, 5, 6), 3, "NHWC"), ((2, 5, 4), 2, "NCHW"), ((3, 4), 2, "NCHW"),
    ((0, 4, 2, 2), 2, "NCHW"), ((2, 7, 3), 3, "NCHW"), ((1, 2, 2, 2, 4), 2, "NHWC")])
def test_group_norm_matches_numpy(rng, dtype, shape, groups, layout):
    x = rng.normal(size=shape).astype(dtype)
    c = shape[1] if layout == "NCHW" else shape[-1]
    s, b = rng.normal(size=c).astype(dtype), rng.normal(size=c).astype(dtype)
    y, m, v = group_reference(x, s, b, groups, 1e-5, layout)
    check_output("group_norm", {"X": x, "Scale": s, "Bias": b},
                 {"Y": y.astype(dtype), "Mean": m.astype(dtype), "Variance": v.astype(dtype)},
                 attrs={"groups": groups, "data_layout": layout}, rtol=1e-4, atol=1e-5)


def test_group_norm_without_scale_and_bias_and_with_a_large_offset():
    x = np.array([[[1e4 + 1, 1e4 - 1], [1e4 + 1, 1e4 - 1], [3, 3], [5, 5]]], np.float32)
    # the offset 1e4 costs no precision (two passes); a constant group is 0 (variance 0)
    check_output("group_norm", {"X": x},
                 {"Y": np.array([[[1, -1], [1, -1], [-1, -1], [1, 1]]], np.float32)},
                 attrs={"groups": 2}, rtol=1e-3, atol=1e-3)
    check_output("group_norm", {"X": np.full((2, 4, 3), 7.0)}, {"Y": np.zeros((2, 4, 3))},
                 attrs={"groups": 4})


@pytest.mark.parametrize("shape, groups, layout", [((2, 6, 3), 3, "NCHW"),
                                                   ((2, 3, 4), 2, "NHWC"),
                                                   ((2, 5, 2), 4, "NCHW")])  # groups 2,2,1,0
def test_group_norm_gradient_check(rng, shape, groups, layout):
    c = shape[1] if layout == "NCHW" else shape[-1]
    ins = {"X": rng.normal(size=shape), "Scale": rng.normal(size=c), "Bias": rng.normal(size=c)}
    check_grad("group_norm", ins, attrs={"groups": groups, "data_layout": layout},
               inputs_to_check=("X", "Scale", "Bias"), output_names=("Y",))
    check_grad("group_norm", {"X": ins["X"]}, attrs={"groups": groups, "data_layout": layout},
               output_names=("Y",))


def instance_reference(x, scale, bias, eps):
    y, mean, var = group_reference(x, scale, bias, x.shape[1], eps)
    return y, mean.reshape(-1), 1 / np.sqrt(var.reshape(-1) + eps)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 3, 4), (3, 4), (0, 3, 2),
                                   (2, 2, 2, 3, 2)])
def test_instance_norm_matches_numpy(rng, dtype, shape):
    x = (rng.normal(size=shape) * 3 + 5).astype(dtype)
    s, b = rng.normal(size=shape[1]).astype(dtype), rng.normal(size=shape[1]).astype(dtype)
    y, m, inv = instance_reference(x, s, b, 1e-5)
    check_output("instance_norm", {"X": x, "Scale": s, "Bias": b},
                 {"Y": y.astype(dtype), "SavedMean": m.astype(dtype),
                  "SavedVariance": inv.astype(dtype)}, rtol=1e-4, atol=1e-4)


def test_instance_norm_gradient_check_and_extremes(rng):
    ins = {"X": rng.normal(size=(2, 3, 4)), "Scale": rng.normal(size=3),
           "Bias": rng.normal(size=3)}
    check_grad("instance_norm", ins, inputs_to_check=("X", "Scale", "Bias"), output_names=("Y",))
    check_grad("instance_norm", ins, inputs_to_check=("X",), output_names=("Y",))
    # deviations of 1e30 in float32 (squares overflow at 1.8e19) give finite outputs
    big = np.array([[[1e30, -1e30, 1e30, -1e30], [2, 2, 2, 2]]], np.float32)
    check_output("instance_norm", {"X": big, "Scale": np.ones(2, np.float32),
                                   "Bias": np.zeros(2, np.float32)},
                 {"Y": np.array([[[1, -1, 1, -1], [0, 0, 0, 0]]], np.float32),
                  "SavedMean": np.array([0, 2], np.float32),
                  "SavedVariance": np.array([1e-30, 1 / np.sqrt(1e-5)], np.float32)},
                 rtol=1e-5, atol=1e-6)
    check_output("group_norm", {"X": big},
                 {"Y": np.array([[[1, -1, 1, -1], [0, 0, 0, 0]]], np.float32)},
                 attrs={"groups": 2}, rtol=1e-5, atol=1e-6)


def test_the_layers_create_channel_parameters_and_run(fresh):
    x = fluid.data("x", [None, 4, 3, 2], "float32")
    y = layers.instance_norm(x)
    z = layers.group_norm(x, groups=2, act="relu", bias_attr=False)
    w = layers.group_norm(layers.transpose(x, [0, 2, 3, 1]), groups=4, data_layout="NHWC",
                          param_attr=False)
    params = {p.name: p.shape for p in fluid.default_main_program().global_block()
              .all_parameters()}
    assert params == {"instance_norm_0.w_0": (4,), "instance_norm_0.b_0": (4,),
                      "group_norm_0.w_0": (4,), "group_norm_1.b_0": (4,)}
    with pytest.raises(ValueError, match=r"group_norm: argument 'groups' must be an int >= 1 "
                                         r"and <= 4, got 5"):
        layers.group_norm(x, groups=5)
    with pytest.raises(ValueError, match="group_norm: argument 'data_layout'"):
        layers.group_norm(x, groups=2, data_layout="NDHW")
    with pytest.raises(ValueError, match="instance_norm: argument 'bias_attr' cannot be False"):
        layers.instance_norm(x, bias_attr=False)
    with pytest.raises(TypeError, match="instance_norm: argument 'input'"):
        layers.instance_norm(layers.cast(x, "int32"))
    with pytest.raises(ValueError, match="must be known"):
        layers.group_norm(fluid.data("u", [2, None, 3], "float32"), groups=1)
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    xv = np.random.default_rng(0).normal(size=(2, 4, 3, 2)).astype(np.float32)
    got_y, got_z, got_w = exe.run(feed={"x": xv}, fetch_list=[y, z, w])
    np.testing.assert_allclose(got_y, instance_reference(xv, None, None, 1e-5)[0], rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(got_z, np.maximum(group_reference(xv, None, None, 2, 1e-5)[0], 0),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_w, group_reference(xv.transpose(0, 2, 3, 1), None, None, 4,
                                                      1e-5, "NHWC")[0], rtol=1e-4, atol=1e-5)


def test_training_through_group_norm_lowers_the_loss(fresh):
    x = fluid.data("x", [None, 4, 3], "float32")
    h = layers.group_norm(x, groups=2)
    loss = layers.mean(layers.square(layers.elementwise_sub(h, layers.scale(x, 0.5))))
    fluid.optimizer.SGD(0.2).minimize(loss)
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    xv = np.random.default_rng(1).normal(size=(3, 4, 3)).astype(np.float32)
    first = exe.run(feed={"x": xv}, fetch_list=[loss])[0]
    for _ in range(20):
        last = exe.run(feed={"x": xv}, fetch_list=[loss])[0]
    assert last < 0.8 * first
