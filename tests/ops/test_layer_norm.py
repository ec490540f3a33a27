"""layer_norm against a float64 numpy formula, its gradient, extreme inputs, the layer."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output


def reference(x, scale, bias, eps, axis):
    n = int(np.prod(x.shape[:axis]))
    r = x.astype(np.float64).reshape(n, int(np.prod(x.shape[axis:])))
    mean, var = r.mean(1), r.var(1)
    y = (r - mean[:, None]) / np.sqrt(var[:, None] + eps)
    y = y * (1 if scale is None else scale) + (0 if bias is None else bias)
    return y.reshape(x.shape), mean, var


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, axis", [((2, 3, 4), 1), ((2, 3, 4), 2), ((5, 6), 1),
                                         ((0, 4), 1), ((3, 4), 0)])
def test_layer_norm_matches_numpy(rng, dtype, shape, axis):
    x = rng.normal(size=shape).astype(dtype)
    d = int(np.prod(shape[axis:]))
    s, b = rng.normal(size=d).astype(dtype), rng.normal(size=d).astype(dtype)
    y, m, v = reference(x, s, b, 1e-5, axis)
    check_output("layer_norm", {"X": x, "Scale": s, "Bias": b},
                 {"Y": y.astype(dtype), "Mean": m.astype(dtype), "Variance": v.astype(dtype)},
                 attrs={"begin_norm_axis": axis}, rtol=1e-4, atol=1e-5)


def test_large_offsets_stay_accurate():
    x = np.array([[1e4 + 1, 1e4 - 1, 1e4 + 1, 1e4 - 1]], np.float32)
    check_output("layer_norm", {"X": x}, {"Y": np.array([[1, -1, 1, -1]], np.float32)},
                 rtol=1e-3, atol=1e-3)
    const = np.full((2, 3), 7.0)  # variance 0: epsilon keeps Y finite (0)
    check_output("layer_norm", {"X": const}, {"Y": np.zeros((2, 3))})


@pytest.mark.parametrize("with_params", [True, False])
def test_layer_norm_gradient_check(rng, with_params):
    x = rng.normal(size=(2, 3, 4))
    ins = {"X": x, "Scale": rng.normal(size=12), "Bias": rng.normal(size=12)} \
        if with_params else {"X": x}
    check_grad("layer_norm", ins, inputs_to_check=tuple(ins), output_names=("Y",))


def test_the_layer_makes_scale_1_and_bias_0_and_refuses_bad_axes():
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 3, 4], "float32")
        y = layers.layer_norm(x, begin_norm_axis=2)
        assert y.shape == (-1, 3, 4)
        assert [p.shape for p in main.global_block().all_parameters()] == [(4,), (4,)]
        with pytest.raises(ValueError,
                           match=r"layer_norm: argument 'begin_norm_axis' \(3\) must be less"):
            layers.layer_norm(x, begin_norm_axis=3)
        with pytest.raises(TypeError, match="layer_norm: argument 'input'"):
            layers.layer_norm(layers.cast(x, "int32"))
    exe = fluid.Executor(fluid.CPUPlace())
    scope = fluid.Scope()
    exe.run(startup, scope=scope)
    xv = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    got, = exe.run(main, {"x": xv}, [y], scope=scope)
    np.testing.assert_allclose(got, reference(xv, None, None, 1e-5, 2)[0], rtol=1e-5, atol=1e-5)
