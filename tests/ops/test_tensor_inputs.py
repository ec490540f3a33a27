"""fluid 1.8's tensor-valued inputs: scale's ScaleTensor, fill_constant's ShapeTensor /
ShapeTensorList / ValueTensor, adam's Beta1Tensor / Beta2Tensor, and the layers and the
optimizer that build them. References are float64 formulas written here."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import build_op, check_grad, check_output, run_op

ADAM_OUTS = ("ParamOut", "Moment1Out", "Moment2Out", "Beta1PowOut", "Beta2PowOut")


def _run(program, feed, fetch, place=None):
    return fluid.Executor(place or fluid.CPUPlace()).run(program, feed, fetch,
                                                         scope=fluid.Scope())


# scale: ScaleTensor

@pytest.mark.parametrize("after", [True, False])
def test_scale_tensor_wins_over_the_attr(rng, after):
    x, s = rng.normal(size=(3, 4)), np.array([-2.3])
    want = -2.3 * x + 0.5 if after else -2.3 * (x + 0.5)
    attrs = {"scale": 7.0, "bias": 0.5, "bias_after_scale": after}  # 7.0 must be ignored
    check_output("scale", {"X": x, "ScaleTensor": s}, {"Out": want}, attrs, rtol=1e-12)
    check_grad("scale", {"X": x, "ScaleTensor": s}, attrs)


def test_scale_tensor_float32_and_a_float64_tensor_for_float32_x(rng):
    x = rng.normal(size=(5,)).astype(np.float32)
    want = (x.astype(np.float64) * 1.5 + 1).astype(np.float32)
    check_output("scale", {"X": x, "ScaleTensor": np.array([1.5])}, {"Out": want},
                 {"bias": 1.0})


def test_scale_tensor_keeps_0d_and_empty_x(rng):
    got = run_op("scale", {"X": np.array(2.0), "ScaleTensor": np.array([3.0])})["Out"]
    assert np.shape(got) == () and got == 6.0
    got = run_op("scale", {"X": np.zeros((0, 3)), "ScaleTensor": np.array([3.0])})["Out"]
    assert got.shape == (0, 3)


def test_scale_tensor_of_two_elements_or_ints_is_a_build_error(rng):
    x = rng.normal(size=(2, 2))
    with pytest.raises(TypeError, match=r"scale: ScaleTensor \('ScaleTensor'\) must be a "
                                        r"1-element float tensor .*float64\[2\]"):
        build_op("scale", {"X": x, "ScaleTensor": np.ones(2)})
    with pytest.raises(TypeError, match=r"int64\[1\]"):
        build_op("scale", {"X": x, "ScaleTensor": np.ones(1, np.int64)})


def test_scale_tensor_fed_with_two_values_is_a_run_error(fresh):
    x = fluid.data("x", [2], "float64")
    s = fluid.data("s", [-1], "float64")
    y = fluid.layers.scale(x, scale=s)
    with pytest.raises(ValueError, match="ScaleTensor must hold 1 value, got shape"):
        _run(fresh, {"x": np.ones(2), "s": np.ones(2)}, [y])


def test_scale_layer_with_a_variable_builds_scale_tensor_and_its_gradient_uses_it(fresh, rng):
    x = fluid.data("x", [2, 3], "float64")
    x.stop_gradient = False
    s = fluid.layers.create_global_var([1], 2.5, "float64", persistable=True, name="s")
    y = fluid.layers.scale(x, scale=s, bias=1.0)
    op = fresh.global_block().ops[-1]
    assert op.input("ScaleTensor") == ["s"]
    dx, = fluid.gradients([y], [x])
    exe, xv = fluid.Executor(fluid.CPUPlace()), rng.normal(size=(2, 3))
    exe.run(fluid.default_startup_program())
    got_y, got_dx = exe.run(fresh, {"x": xv}, [y, dx])
    np.testing.assert_allclose(got_y, 2.5 * xv + 1, rtol=1e-14)
    np.testing.assert_allclose(got_dx, np.full((2, 3), 2.5), rtol=1e-14)


def test_scale_layer_refuses_a_variable_that_is_not_one_float(fresh):
    x = fluid.data("x", [2, 3], "float32")
    with pytest.raises(TypeError, match=r"scale: argument 'scale' must be a number or a "
                                        r"1-element float Variable, got Variable 'x'"):
        fluid.layers.scale(x, scale=x)
    n = fluid.layers.fill_constant([1], "int32", 2)
    with pytest.raises(TypeError, match="int32"):
        fluid.layers.scale(x, scale=n)


# fill_constant: ShapeTensor, ShapeTensorList, ValueTensor

@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_fill_constant_shape_tensor(dtype):
    check_output("fill_constant", {"ShapeTensor": np.array([3, 2], dtype)},
                 {"Out": np.full((3, 2), 3.8, np.float32)}, {"value": 3.8})
    _, _, outs = build_op("fill_constant", {"ShapeTensor": np.array([3, 2], dtype)})
    assert outs["Out"].shape == (-1, -1)  # known only when the op runs


def test_fill_constant_shape_tensor_list_keeps_the_dims_the_attr_states():
    ins = {"ShapeTensorList": [np.array([4], np.int32), np.array([2], np.int64)]}
    check_output("fill_constant", ins, {"Out": np.full((4, 2), 10000000000, np.int64)},
                 {"shape": [-1, 2], "dtype": "int64", "value": 10000000000})
    _, _, outs = build_op("fill_constant", ins, {"shape": [-1, 2]})
    assert outs["Out"].shape == (-1, 2)
    _, _, outs = build_op("fill_constant", ins)  # no attr: every dim from the list
    assert outs["Out"].shape == (-1, -1)


def test_fill_constant_shape_tensor_wins_over_the_list_and_the_attr():
    ins = {"ShapeTensor": np.array([1, 3], np.int32), "ShapeTensorList": [np.array([5])]}
    check_output("fill_constant", ins, {"Out": np.zeros((1, 3), np.float32)},
                 {"shape": [7, 7]})


@pytest.mark.parametrize("vdtype", ["float32", "float64", "int32"])
def test_fill_constant_value_tensor_is_converted_to_dtype(vdtype):
    ins = {"ValueTensor": np.array([3], vdtype), "ShapeTensor": np.array([2, 2], np.int32)}
    check_output("fill_constant", ins, {"Out": np.full((2, 2), 3, np.int32)},
                 {"value": 99, "dtype": 2})  # 2: Paddle's VarType number of int32
    check_output("fill_constant", {"ValueTensor": np.array([0.25], vdtype)},
                 {"Out": np.full((3,), 0.25 if vdtype != "int32" else 0.0)},
                 {"shape": [3], "dtype": "float64"})


def test_fill_constant_zero_sized_shape_tensor_gives_an_empty_tensor():
    check_output("fill_constant", {"ShapeTensor": np.array([0, 3], np.int64)},
                 {"Out": np.zeros((0, 3), np.float32)}, {"value": 1.0})


@pytest.mark.parametrize("ins,match", [
    ({"ShapeTensor": np.array([2.0, 3.0])}, r"ShapeTensor \('ShapeTensor'\) must be a 1-D "
                                            r"int32/int64 tensor, got float64\[2\]"),
    ({"ShapeTensor": np.ones((1, 2), np.int32)}, r"1-D int32/int64 tensor, got int32\[1, 2\]"),
    ({"ShapeTensorList": [np.array([2]), np.array([True])]},
     r"ShapeTensorList\[1\] \('ShapeTensorList_1'\) must be a 1-element int32/int64 tensor"),
    ({"ShapeTensorList": [np.array([2, 3])]}, r"1-element int32/int64 tensor, got int64\[2\]"),
    ({"ValueTensor": np.array([1.0, 2.0])}, r"ValueTensor \('ValueTensor'\) must be a "
                                            r"1-element numeric tensor, got float64\[2\]"),
])
def test_fill_constant_bad_tensor_inputs_are_build_errors(ins, match):
    with pytest.raises(TypeError, match="^fill_constant: .*" + match):
        build_op("fill_constant", ins, {"shape": [1]})


def test_fill_constant_negative_run_time_shape_is_a_clear_error(fresh):
    st = fluid.data("st", [2], "int32")
    out = fluid.layers.fill_constant(st, "float32", 1.0)
    with pytest.raises(ValueError, match=r"fill_constant: the shape tensor holds \[2, -1\]"):
        _run(fresh, {"st": np.array([2, -1], np.int32)}, [out])


def test_fill_constant_layer_takes_a_variable_a_mixed_list_and_a_value_variable(fresh):
    st = fluid.data("st", [2], "int64")
    n = fluid.layers.fill_constant([1], "int32", 3)
    v = fluid.layers.fill_constant([1], "float64", 1.1)
    a = fluid.layers.fill_constant(st, "float32", 1.1)
    b = fluid.layers.fill_constant((n, 2), "float32", 1.1)
    c = fluid.layers.fill_constant([2, n], "float32", v)
    assert (a.shape, b.shape, c.shape) == ((-1, -1), (-1, 2), (2, -1))
    got = _run(fresh, {"st": np.array([1, 2])}, [a, b, c])
    for value, shape in zip(got, [(1, 2), (3, 2), (2, 3)]):
        np.testing.assert_array_equal(value, np.full(shape, 1.1, np.float32))
        assert value.dtype == np.float32


@pytest.mark.parametrize("bad,cls,match", [
    (lambda: fluid.data("f", [2], "float32"), TypeError,
     r"argument 'shape' must be a list .* got Variable 'f' of float32\[2\]"),
    (lambda: [fluid.data("b", [1], "bool"), 2], TypeError,
     r"argument 'shape' element 0 must be an int >= 0 or a 1-element int32/int64 Variable"),
    (lambda: [2, -1], ValueError, r"argument 'shape' must be a list .* got \[2, -1\]"),
    (lambda: [fluid.layers.fill_constant([1], "int32", 2), -1], ValueError,
     r"argument 'shape\[1\]' must be an int >= 0"),
    (lambda: 3, TypeError, r"argument 'shape' must be a list"),
])
def test_fill_constant_layer_refuses_bad_shapes_and_leaves_nothing(fresh, bad, cls, match):
    shape = bad()
    before = (len(fresh.global_block().ops), list(fresh.global_block().vars))
    with pytest.raises(cls, match="fill_constant: " + match):
        fluid.layers.fill_constant(shape, "float32", 1.0)
    assert (len(fresh.global_block().ops), list(fresh.global_block().vars)) == before


def test_fill_constant_layer_refuses_a_value_variable_of_two_elements(fresh):
    v = fluid.data("v", [2], "float32")
    with pytest.raises(TypeError, match=r"fill_constant: argument 'value' must be a number or "
                                        r"a 1-element numeric Variable, got Variable 'v'"):
        fluid.layers.fill_constant([2], "float32", v)


# adam: Beta1Tensor / Beta2Tensor

def _adam_reference(p, g, m1, m2, lr, b1, b2, b1p, b2p, eps):
    m1 = b1 * m1 + (1 - b1) * g
    m2 = b2 * m2 + (1 - b2) * g * g
    lr_t = lr * np.sqrt(1 - b2p) / (1 - b1p)
    return p - lr_t * m1 / (np.sqrt(m2) + eps * np.sqrt(1 - b2p)), m1, m2


def test_adam_beta_tensors_win_over_the_attrs(rng):
    p, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    m1, m2 = rng.normal(size=(4, 3)), rng.uniform(size=(4, 3))
    b1, b2, b1p, b2p = 0.85, 0.95, 0.85 ** 10, 0.95 ** 10
    ins = {"Param": p.copy(), "Grad": g, "LearningRate": np.array([0.01]),
           "Moment1": m1.copy(), "Moment2": m2.copy(), "Beta1Pow": np.array([b1p]),
           "Beta2Pow": np.array([b2p]), "Beta1Tensor": np.array([b1]),
           "Beta2Tensor": np.array([b2])}
    out = run_op("adam", ins, {"beta1": 0.1, "beta2": 0.2, "epsilon": 1e-8}, ADAM_OUTS)
    want_p, want_m1, want_m2 = _adam_reference(p, g, m1, m2, 0.01, b1, b2, b1p, b2p, 1e-8)
    np.testing.assert_allclose(out["ParamOut"], want_p, rtol=1e-12)
    np.testing.assert_allclose(out["Moment1Out"], want_m1, rtol=1e-12)
    np.testing.assert_allclose(out["Moment2Out"], want_m2, rtol=1e-12)
    np.testing.assert_allclose(out["Beta1PowOut"], [b1p * b1], rtol=1e-14)
    np.testing.assert_allclose(out["Beta2PowOut"], [b2p * b2], rtol=1e-14)


def test_adam_beta_tensor_of_ints_or_two_values_is_a_build_error():
    ins = {"Param": np.ones(3), "Grad": np.ones(3), "LearningRate": np.ones(1),
           "Moment1": np.ones(3), "Moment2": np.ones(3), "Beta1Pow": np.ones(1),
           "Beta2Pow": np.ones(1)}
    with pytest.raises(TypeError, match=r"adam: Beta1Tensor \('Beta1Tensor'\) must be a float "
                                        r"tensor, got int64"):
        build_op("adam", {**ins, "Beta1Tensor": np.ones(1, np.int64)}, outputs=ADAM_OUTS)
    with pytest.raises(ValueError, match=r"adam: Beta2Tensor \('Beta2Tensor'\) must hold one "
                                         r"value \(shape \[1\]\), got shape \[2\]"):
        build_op("adam", {**ins, "Beta2Tensor": np.ones(2)}, outputs=ADAM_OUTS)


def test_adam_optimizer_with_beta_variables_takes_steps_as_the_formula(fresh, rng):
    x = fluid.data("x", [4, 3], "float64")
    y = fluid.layers.fc(x, 1, bias_attr=False, param_attr=fluid.ParamAttr(
        name="w", initializer=fluid.initializer.Constant(0.5)))
    loss = fluid.layers.mean(y)
    b1 = fluid.layers.create_global_var([1], 0.8, "float64", persistable=True, name="b1")
    b2 = fluid.layers.create_global_var([1], 0.9, "float64", persistable=True, name="b2")
    fluid.optimizer.Adam(0.1, beta1=b1, beta2=b2, epsilon=1e-6).minimize(loss)
    op = [o for o in fresh.global_block().ops if o.type == "adam"][0]
    assert op.input("Beta1Tensor") == ["b1"] and op.input("Beta2Tensor") == ["b2"]
    exe, scope = fluid.Executor(fluid.CPUPlace()), fluid.Scope()
    exe.run(fluid.default_startup_program(), scope=scope)
    xv = rng.normal(size=(4, 3))
    g = xv.mean(axis=0).reshape(3, 1)  # d mean(x @ w) / dw
    p, m1, m2 = np.full((3, 1), 0.5), np.zeros((3, 1)), np.zeros((3, 1))
    b1p, b2p = 0.9, 0.999  # fluid 1.8 starts the powers there when the betas are Variables
    for _ in range(2):
        exe.run(fresh, {"x": xv}, [loss], scope=scope)
        p, m1, m2 = _adam_reference(p, g, m1, m2, 0.1, 0.8, 0.9, b1p, b2p, 1e-6)
        b1p, b2p = b1p * 0.8, b2p * 0.9
        np.testing.assert_allclose(np.array(scope.find_var("w").get_tensor()), p, rtol=1e-10)


def test_adam_refuses_a_beta_variable_that_is_not_one_float(fresh):
    n = fluid.layers.fill_constant([1], "int64", 1)
    with pytest.raises(TypeError, match=r"Adam: argument 'beta1' must be a float in \[0, 1\) "
                                        r"or a 1-element float Variable, got Variable"):
        fluid.optimizer.Adam(beta1=n)
    v = fluid.data("v", [3], "float32")
    with pytest.raises(TypeError, match="argument 'beta2'"):
        fluid.optimizer.Adam(beta2=v)


# layers.sum / layers.sums

def test_layers_sum_and_sums_add_their_inputs(fresh, rng):
    a, b = fluid.data("a", [2, 3], "float64"), fluid.data("b", [2, 3], "float64")
    out = fluid.layers.create_global_var([2, 3], 0.0, "float64", name="out")
    s1, s2, s3 = fluid.layers.sum([a, b, a]), fluid.layers.sum(a), fluid.layers.sums([a, b])
    s4 = fluid.layers.sums([b, b], out=out)
    assert s4 is out and all(op.type == "sum" for op in fresh.global_block().ops[-4:])
    av, bv = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    got = _run(fresh, {"a": av, "b": bv}, [s1, s2, s3, s4])
    for value, want in zip(got, [2 * av + bv, av, av + bv, 2 * bv]):
        np.testing.assert_allclose(value, want, rtol=1e-14)


def test_layers_sum_gradient_is_one_for_each_input(fresh):
    a, b = fluid.data("a", [3], "float64"), fluid.data("b", [3], "float64")
    a.stop_gradient = b.stop_gradient = False
    da, db = fluid.gradients([fluid.layers.sum([a, b])], [a, b])
    got = _run(fresh, {"a": np.ones(3), "b": np.ones(3)}, [da, db])
    np.testing.assert_array_equal(got[0], np.ones(3))
    np.testing.assert_array_equal(got[1], np.ones(3))


def test_layers_sum_refuses_numbers_bad_dtypes_and_mismatches(fresh):
    a = fluid.data("a", [3], "float32")
    with pytest.raises(TypeError, match=r"sum: argument 'x\[0\]' must be a Variable"):
        fluid.layers.sum([11, 22])
    with pytest.raises(ValueError, match="sum: argument 'x' must not be an empty list"):
        fluid.layers.sum([])
    with pytest.raises(TypeError, match=r"sum: argument 'x' must hold Variables of float16, "
                                        r".* got 'c' of bool"):
        fluid.layers.sum(fluid.data("c", [3], "bool"))
    with pytest.raises(TypeError, match="sum: all inputs must have one dtype"):
        fluid.layers.sum([a, fluid.data("d", [3], "float64")])
    with pytest.raises(ValueError, match=r"sums: argument 'out' \('o'.* must have the "
                                         r"inputs' dtype and shape"):
        fluid.layers.sums([a, a], out=fluid.layers.create_global_var([4], 0.0, "float32",
                                                                     name="o"))


def test_fill_constant_shape_tensor_of_unknown_length_needs_the_attr_for_its_rank(fresh):
    st = fluid.data("st", [-1], "int32")
    block = fresh.global_block()
    out = block.create_var("out")
    block.append_op("fill_constant", {"ShapeTensor": st}, {"Out": out}, {"shape": [-1, -1]})
    assert out.shape == (-1, -1)
    got, = _run(fresh, {"st": np.array([2, 3], np.int32)}, [out])
    np.testing.assert_array_equal(got, np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"fill_constant: ShapeTensor \('st'\) has an unknown "
                                         r"length and the shape attr is empty"):
        block.append_op("fill_constant", {"ShapeTensor": st}, {"Out": block.create_var("o2")})
