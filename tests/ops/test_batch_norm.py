"""batch_norm against float64 numpy formulas (training, moving statistics, both layouts),
its gradient, and the layer: moving statistics as named persistables, clone(for_test=True)."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output


def to_nhwc(x, layout):
    return x if layout == "NHWC" or x.ndim == 2 else np.moveaxis(x, 1, -1)


def from_nhwc(x, layout):
    return x if layout == "NHWC" or x.ndim == 2 else np.moveaxis(x, -1, 1)


def reference(x, scale, bias, mean, var, eps, momentum, layout, fixed):
    """Channels last, in float64: (Y, MeanOut, VarianceOut, SavedMean, SavedVariance)."""
    h = to_nhwc(x.astype(np.float64), layout)
    flat = h.reshape(-1, h.shape[-1])
    if fixed:
        mu, s2, mean_out, var_out = mean, var, mean, var
    else:
        mu, s2 = flat.mean(0), flat.var(0)
        mean_out, var_out = mean * momentum + mu * (1 - momentum), var * momentum + s2 * (
            1 - momentum)
    y = (h - mu) / np.sqrt(s2 + eps) * scale + bias
    return from_nhwc(y, layout), mean_out, var_out, mu, 1 / np.sqrt(s2 + eps)


def inputs(rng, shape, layout, dtype="float64", offset=0.0):
    c = shape[1] if layout == "NCHW" else shape[-1]
    return {"X": (rng.normal(size=shape) + offset).astype(dtype),
            "Scale": rng.normal(size=c).astype(dtype), "Bias": rng.normal(size=c).astype(dtype),
            "Mean": rng.normal(size=c).astype(dtype),
            "Variance": rng.uniform(0.5, 2, c).astype(dtype)}


CASES = [("NCHW", (2, 3, 4, 5)), ("NHWC", (2, 4, 5, 3)), ("NCHW", (6, 3)), ("NHWC", (6, 3)),
         ("NCHW", (2, 3, 4)), ("NHWC", (2, 2, 2, 2, 3))]
OUTS = ("Y", "MeanOut", "VarianceOut", "SavedMean", "SavedVariance")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("layout, shape", CASES)
@pytest.mark.parametrize("mode", ["train", "is_test", "use_global_stats"])
def test_batch_norm_matches_numpy(rng, dtype, layout, shape, mode):
    ins = inputs(rng, shape, layout, dtype)
    attrs = {"data_layout": layout, "momentum": 0.8, "epsilon": 1e-5,
             "is_test": mode == "is_test", "use_global_stats": mode == "use_global_stats"}
    want = reference(*[ins[s].astype(np.float64) for s in ("X", "Scale", "Bias", "Mean",
                                                            "Variance")],
                     1e-5, 0.8, layout, fixed=mode != "train")
    outs = {s: w.astype(dtype) for s, w in zip(OUTS, want)}
    if mode == "is_test":  # fluid leaves the saved statistics unspecified in testing
        outs = {s: outs[s] for s in OUTS[:3]}
    check_output("batch_norm", ins, outs, attrs=attrs, rtol=1e-4, atol=1e-4)


def test_momentum_tensor_replaces_the_attr(rng):
    ins = inputs(rng, (4, 3), "NCHW")
    want = reference(*ins.values(), 1e-5, 0.25, "NCHW", fixed=False)
    check_output("batch_norm", {**ins, "MomentumTensor": np.array([0.25])},
                 {"MeanOut": want[1], "VarianceOut": want[2]}, attrs={"momentum": 0.9})


def test_extreme_inputs_stay_finite_and_accurate(rng):
    ins = inputs(rng, (8, 2, 3, 3), "NCHW", "float32", offset=1e4)
    want = reference(*[v.astype(np.float64) for v in ins.values()], 1e-5, 0.9, "NCHW", False)
    check_output("batch_norm", ins, {"Y": want[0].astype(np.float32)}, rtol=2e-2, atol=2e-2)
    const = {**inputs(rng, (4, 2), "NCHW"), "X": np.full((4, 2), 3.0)}  # variance 0
    check_output("batch_norm", const, {"Y": np.broadcast_to(const["Bias"], (4, 2))})


@pytest.mark.parametrize("layout, shape", [("NCHW", (2, 3, 2, 2)), ("NHWC", (2, 2, 2, 3)),
                                           ("NCHW", (5, 3))])
@pytest.mark.parametrize("fixed", [False, True])
def test_batch_norm_gradient_check(rng, layout, shape, fixed):
    check_grad("batch_norm", inputs(rng, shape, layout), inputs_to_check=("X", "Scale", "Bias"),
               output_names=("Y",), attrs={"data_layout": layout, "use_global_stats": fixed})


def _net(layout="NCHW", **kw):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        shape = [None, 3, 2, 2] if layout == "NCHW" else [None, 2, 2, 3]
        x = fluid.data("x", shape, "float32")
        y = layers.batch_norm(x, data_layout=layout, moving_mean_name="bn_mean",
                              moving_variance_name="bn_var", momentum=0.5, **kw)
        loss = layers.mean(layers.elementwise_mul(y, y))
        test_program = main.clone(for_test=True)
        fluid.optimizer.SGD(0.1).minimize(loss)
    return main, startup, test_program, y


@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_the_layer_trains_moving_statistics_and_tests_with_them(rng, layout):
    main, startup, test_program, y = _net(layout)
    names = [p.name for p in main.global_block().all_parameters()]
    assert names == ["batch_norm_0.w_0", "batch_norm_0.b_0", "bn_mean", "bn_var"]
    exe, scope = fluid.Executor(fluid.CPUPlace()), fluid.Scope()
    exe.run(startup, scope=scope)
    x = (rng.normal(size=(4, 3, 2, 2) if layout == "NCHW" else (4, 2, 2, 3)) * 2 + 1).astype(
        np.float32)
    exe.run(main, {"x": x}, [y], scope=scope)
    flat = to_nhwc(x.astype(np.float64), layout).reshape(-1, 3)
    mean, var = (np.array(scope.find_var(n).get_tensor()) for n in ("bn_mean", "bn_var"))
    np.testing.assert_allclose(mean, 0.5 * flat.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var, 0.5 + 0.5 * flat.var(0), rtol=1e-5)
    scale, bias = (np.array(scope.find_var(n).get_tensor())
                   for n in ("batch_norm_0.w_0", "batch_norm_0.b_0"))
    got, = exe.run(test_program, {"x": x}, [y], scope=scope)
    want = reference(x, scale, bias, mean, var, 1e-5, 0.5, layout, fixed=True)[0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(np.array(scope.find_var("bn_mean").get_tensor()), mean)


def test_float16_input_keeps_float32_parameters_and_bad_arguments_are_refused():
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 4], "float16")
        y = layers.batch_norm(x, is_test=True)
        assert y.dtype == np.float16
        assert {p.dtype for p in main.global_block().all_parameters()} == {np.dtype("float32")}
        with pytest.raises(TypeError, match="batch_norm: argument 'input'"):
            layers.batch_norm(fluid.data("i", [None, 4], "int32"))
        with pytest.raises(ValueError, match="batch_norm: argument 'data_layout'"):
            layers.batch_norm(x, data_layout="NCWH")
        with pytest.raises(ValueError, match="batch_norm: argument 'epsilon'"):
            layers.batch_norm(x, epsilon=0.1)


def test_an_empty_batch_keeps_the_moving_statistics(rng):
    ins = {**inputs(rng, (2, 3), "NCHW"), "X": np.zeros((0, 3))}
    check_output("batch_norm", ins, {"Y": np.zeros((0, 3)), "MeanOut": ins["Mean"],
                                     "VarianceOut": ins["Variance"]})
