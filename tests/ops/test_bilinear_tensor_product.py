"""bilinear_tensor_product against a float64 numpy loop, its gradient, extremes, the layer."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output


def reference(x, y, w, b):
    out = np.zeros((len(x), len(w)))
    for n in range(len(x)):
        for k in range(len(w)):
            out[n, k] = x[n].astype(np.float64) @ w[k].astype(np.float64) @ y[n]
    return out if b is None else out + b


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n, m, p, k, bias", [(6, 5, 4, 5, True), (3, 1, 7, 2, False),
                                              (0, 3, 2, 4, True), (2, 3, 3, 1, True)])
def test_matches_numpy(rng, dtype, n, m, p, k, bias):
    ins = {"X": rng.normal(size=(n, m)).astype(dtype), "Y": rng.normal(size=(n, p)).astype(dtype),
           "Weight": rng.normal(size=(k, m, p)).astype(dtype)}
    if bias:
        ins["Bias"] = rng.normal(size=(1, k)).astype(dtype)
    want = reference(ins["X"], ins["Y"], ins["Weight"], ins.get("Bias"))
    check_output("bilinear_tensor_product", ins, {"Out": want.astype(dtype)}, rtol=1e-5,
                 atol=1e-5)


@pytest.mark.parametrize("bias", [True, False])
def test_gradient_check(rng, bias):
    ins = {"X": rng.normal(size=(4, 3)), "Y": rng.normal(size=(4, 2)),
           "Weight": rng.normal(size=(3, 3, 2))}
    if bias:
        ins["Bias"] = rng.normal(size=(1, 3))
    check_grad("bilinear_tensor_product", ins, inputs_to_check=tuple(ins))
    check_grad("bilinear_tensor_product", ins, inputs_to_check=("Weight",))


def test_large_values_and_bad_shapes(fresh):
    x, y = np.array([[1e18, -1e18]], np.float32), np.array([[1e18]], np.float32)
    w = np.array([[[1], [1]], [[2], [-1]]], np.float32)  # [2, 2, 1]
    check_output("bilinear_tensor_product", {"X": x, "Y": y, "Weight": w},
                 {"Out": np.array([[0, 3e36]], np.float32)}, rtol=1e-6)
    a, b = fluid.data("a", [None, 3], "float32"), fluid.data("b", [None, 2], "float32")
    wv = fluid.data("w", [4, 3, 3], "float32")
    with pytest.raises(ValueError, match=r"widths Weight's \[K, X width, Y width\] = \[4, 3, 3\]"):
        fluid.default_main_program().global_block().append_op(
            "bilinear_tensor_product", {"X": a, "Y": b, "Weight": wv}, {"Out": "o"})


def test_the_layer(fresh):
    a, b = fluid.data("a", [None, 3], "float32"), fluid.data("b", [None, 2], "float32")
    out = layers.bilinear_tensor_product(a, b, size=4, act="tanh", bias_attr=False)
    plain = layers.bilinear_tensor_product(a, b, 2, param_attr=fluid.ParamAttr(name="bw"),
                                           name="plain")
    params = {p.name: p.shape for p in fluid.default_main_program().global_block()
              .all_parameters()}
    assert params == {"bilinear_tensor_product_0.w_0": (4, 3, 2), "bw": (2, 3, 2),
                      "plain.b_0": (1, 2)}
    assert out.shape == (-1, 4) and plain.name == "plain"
    with pytest.raises(TypeError, match="bilinear_tensor_product: argument 'y' must have x's"):
        layers.bilinear_tensor_product(a, layers.cast(b, "float64"), 2)
    with pytest.raises(ValueError, match="bilinear_tensor_product: argument 'size'"):
        layers.bilinear_tensor_product(a, b, 0)
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    rng = np.random.default_rng(0)
    av, bv = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 2)).astype(np.float32)
    got_out, got_plain = exe.run(feed={"a": av, "b": bv}, fetch_list=[out, plain])
    scope = fluid.global_scope()
    w0 = np.array(scope.find_var("bilinear_tensor_product_0.w_0").get_tensor())
    bw = np.array(scope.find_var("bw").get_tensor())
    np.testing.assert_allclose(got_out, np.tanh(reference(av, bv, w0, None)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_plain, reference(av, bv, bw, np.zeros((1, 2))), rtol=1e-5,
                               atol=1e-6)
