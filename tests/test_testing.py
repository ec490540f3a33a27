"""minifluid.testing.OpTest behaves as Paddle 1.8's op_test.OpTest: each feature a ported
Paddle test relies on, exercised by a Paddle-style test written here, and checks that fail
when the op, the expected output or the gradient kernel is wrong."""
import unittest

import numpy as np
import pytest

import minifluid as fluid
from minifluid.framework import Program, program_guard
from minifluid.layers.io import fluid_data
from minifluid.op import Operator
from minifluid.registry import IGNORED_ATTRS, register_op
from minifluid.testing import OpTest, check_output, randomize_probability, skip_check_grad_ci

# what fluid's framework attaches to every op, as a Paddle test or a loaded program has them
UNIVERSAL = {"use_mkldnn": False, "use_cudnn": True, "op_role": 0, "op_role_var": [],
             "op_namescope": "/", "op_callstack": ["x.py:1"], "op_device": "",
             "mkldnn_data_type": "float32", "is_test": False, "data_format": "AnyLayout"}


def outcome(case):
    """(tests run, failures + errors) of a TestCase class run under unittest."""
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
    return result.testsRun, len(result.failures) + len(result.errors), result


class TestSumOfThree(OpTest):
    """Duplicable inputs as [(name, array), ...], the universal attrs, both checks."""

    def setUp(self):
        self.op_type = "sum"
        self.init_kernel_type()
        xs = [np.random.uniform(-1, 1, (3, 5)).astype(self.dtype) for _ in range(3)]
        self.inputs = {"X": [(f"x{i}", self.np_dtype_to_fluid_dtype(x))
                             for i, x in enumerate(xs)]}
        self.attrs = dict(UNIVERSAL)
        self.outputs = {"Out": xs[0] + xs[1] + xs[2]}

    def init_kernel_type(self):
        self.dtype = np.float64

    def test_check_output(self):
        self.check_output()

    def test_check_grad(self):
        self.check_grad(["x0", "x2"], "Out")

    def test_check_grad_no_grad_set(self):
        self.check_grad(["x1"], ["Out"], no_grad_set={"x0", "x2"})


class TestSumOfThreeFloat32(TestSumOfThree):
    def init_kernel_type(self):
        self.dtype = np.float32


class TestMulUserGrads(OpTest):
    """user_defined_grads replace the numeric gradient: here Paddle's loss mean(X @ Y) gives
    dX = 1/(M N) * ones(M, N) @ Y^T and dY = X^T @ ones / (M N), written independently."""

    def setUp(self):
        self.op_type = "mul"
        self.inputs = {"X": np.random.rand(4, 3), "Y": np.random.rand(3, 5)}
        self.outputs = {"Out": self.inputs["X"] @ self.inputs["Y"]}

    def grads(self):
        x, y = self.inputs["X"], self.inputs["Y"]
        ones = np.ones((4, 5)) / 20.0
        return [ones @ y.T, x.T @ ones]

    def test_check_grad_user_defined(self):
        self.check_grad(["X", "Y"], "Out", user_defined_grads=self.grads())

    def test_check_grad_one_slot_ignored(self):
        self.check_grad(["Y"], "Out", no_grad_set=set("X"), user_defined_grads=self.grads()[1:])

    def test_check_output_on_each_place(self):
        for place in self._get_places():
            self.check_output_with_place(place, atol=1e-12)


class TestScaleLoDInput(OpTest):
    """An (array, lod) input and an (array, lod) expected output are accepted."""

    def setUp(self):
        self.op_type = "scale"
        x = np.random.rand(5, 2)
        self.inputs = {"X": (x, [[2, 3]])}
        self.attrs = {"scale": -1.5, "op_role": 0}
        self.outputs = {"Out": (-1.5 * x, [[2, 3]])}

    def test_check_output(self):
        self.check_output(atol=1e-12, check_dygraph=False, check_eager=True)

    def test_check_grad(self):
        self.check_grad(["X"], "Out", in_place=True, check_dygraph=False)


class TestEmptyBatch(OpTest):
    def setUp(self):
        self.op_type = "sum"
        x = np.zeros((0, 4))
        self.inputs = {"X": [("a", x), ("b", x)]}
        self.outputs = {"Out": x}

    def test_check_output(self):
        self.check_output()

    def test_check_grad(self):
        self.check_grad(["a"], "Out")


@skip_check_grad_ci(reason="sgd updates a parameter; it has no gradient")
class TestSgdNoGrad(OpTest):
    def setUp(self):
        self.op_type = "sgd"
        w, g = np.random.rand(3, 4).astype("float32"), np.random.rand(3, 4).astype("float32")
        lr = np.array([0.1], "float32")
        self.inputs = {"Param": w, "Grad": g, "LearningRate": lr}
        self.outputs = {"ParamOut": w - lr * g}

    def test_check_output(self):
        self.check_output()


def test_the_paddle_style_cases_pass_under_unittest_too():
    for case in (TestSumOfThree, TestMulUserGrads, TestScaleLoDInput, TestSgdNoGrad):
        run, bad, result = outcome(case)
        assert run >= 1 and bad == 0, result.failures + result.errors


def test_skip_check_grad_ci_marks_the_class_and_wants_a_reason():
    assert TestSgdNoGrad.no_need_check_grad is True
    assert "no gradient" in TestSgdNoGrad.skip_check_grad_reason
    for reason in (None, "", 3):
        with pytest.raises(TypeError, match="reason= must be a non-empty str"):
            skip_check_grad_ci(reason=reason)


def test_dtype_helpers_and_randomize_probability():
    x = np.ones(3, "float32")
    assert OpTest.np_dtype_to_fluid_dtype(x) is x
    p = randomize_probability(4, 6, dtype="float64")
    assert p.shape == (4, 6) and p.dtype == np.float64 and (p > 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


# -- checks that must fail ---------------------------------------------------------------

class _WrongOutput(TestSumOfThree):
    __test__ = False

    def setUp(self):
        super().setUp()
        self.outputs = {"Out": self.outputs["Out"] + 1e-3}


class _WrongShape(TestSumOfThree):
    __test__ = False

    def setUp(self):
        super().setUp()
        self.outputs = {"Out": self.outputs["Out"].T.copy()}


off = register_op("test_optest_off_cube", inputs=["X"], outputs=["Out"],
                  doc="Out = X**3 with a gradient 1% off: check_grad must catch it")


off.shape_rule(lambda op: (op.in_var("X").shape, op.in_var("X").dtype))
off.default_grad()
off.kernel("float32", "float64")(lambda x: x ** 3)
register_op("test_optest_off_cube_grad", inputs=["X", "Out@GRAD"], outputs=["X@GRAD"]).kernel(
    "float32", "float64")(lambda x, dout: 1.01 * 3 * x * x * dout)


class _WrongGradKernel(OpTest):
    __test__ = False

    def setUp(self):
        self.op_type = "test_optest_off_cube"
        self.inputs = {"X": np.random.uniform(0.5, 2, (3, 4))}
        self.outputs = {"Out": self.inputs["X"] ** 3}

    def test_check_output(self):
        self.check_output()  # the forward is right: this passes

    def test_check_grad(self):
        self.check_grad(["X"], "Out")


class _WrongUserGrads(TestMulUserGrads):
    __test__ = False

    def grads(self):
        dx, dy = super().grads()
        return [dx, dy * 1.01]


@pytest.mark.parametrize("case, failing", [
    (_WrongOutput, {"test_check_output"}),
    (_WrongShape, {"test_check_output"}),
    (_WrongGradKernel, {"test_check_grad"}),
    (_WrongUserGrads, {"test_check_grad_user_defined", "test_check_grad_one_slot_ignored"}),
])
def test_the_checks_fail_when_something_is_wrong(case, failing):
    _, _, result = outcome(case)
    failed = {t._testMethodName for t, _ in result.failures}
    assert failed >= failing, result.errors
    assert not result.errors, result.errors
    messages = " ".join(m for _, m in result.failures)
    assert "has diff" in messages or "differ" in messages or "gradient diff" in messages \
        or "shape" in messages


def test_the_relative_error_has_an_absolute_floor():
    # Paddle's rule: |numeric| < 1e-3 divides by 1, so 5e-4 vs 0 is an error of 5e-4
    t = OpTest()
    t.op_type = "sum"
    t._assert_is_close([np.array([0.0, 2.0])], [np.array([5e-4, 2.0 + 9e-3])], ["X"], 0.005, "")
    with pytest.raises(AssertionError, match="max gradient diff 0.006 over limit 0.005"):
        t._assert_is_close([np.array([0.0])], [np.array([6e-3])], ["X"], 0.005, "")
    with pytest.raises(AssertionError, match="over limit"):  # nan never passes
        t._assert_is_close([np.array([1.0])], [np.array([np.nan])], ["X"], 0.005, "")


def test_numpy_is_seeded_per_test_whatever_the_order():
    drawn = {}

    class Draws(OpTest):
        def setUp(self):
            drawn[self._testMethodName] = np.random.random(3)

        def test_a(self):
            pass

        def test_b(self):
            pass

    before = np.random.get_state()[1].copy()
    for order in (["test_a", "test_b"], ["test_b", "test_a"]):
        unittest.TestSuite([Draws(n) for n in order]).run(unittest.TestResult())
        np.testing.assert_array_equal(drawn["test_a"], drawn["test_b"])
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # restored after


def test_check_grad_names_the_misnamed_input_and_output():
    case = TestSumOfThree("test_check_grad")
    case.setUp()
    with pytest.raises(ValueError, match="inputs_to_check names 'X'"):
        case.check_grad(["X"], "Out")
    with pytest.raises(ValueError, match=r"output_names \['Y'\] name no output"):
        case.check_grad(["x0"], "Y")
    with pytest.raises(ValueError, match="both inputs_to_check and no_grad_set"):
        case.check_grad(["x0"], "Out", no_grad_set={"x0"})


# -- the attrs fluid puts on every op ----------------------------------------------------

def test_universal_attrs_are_accepted_and_not_stored():
    with program_guard(Program(), Program()):
        x = fluid_data("x", [2, 3], "float32")
        y = fluid.layers.scale(x, scale=2.0)
        block = x.block
        op = block.append_op("scale", {"X": [x]}, {"Out": [block.create_var("y2")]},
                             {"scale": 3.0, **UNIVERSAL})
    assert op.attrs["scale"] == 3.0 and not set(op.attrs) & set(UNIVERSAL)
    assert y is not None and "op_role" in IGNORED_ATTRS


def test_a_declared_attr_of_the_same_name_is_kept_and_others_still_fail():
    with program_guard(Program(), Program()):
        x = fluid_data("x", [2, 3], "float32")
        block = x.block
        op = block.append_op("dropout", {"X": [x]}, {"Out": [block.create_var("o")]},
                             {"is_test": True, "op_role": 1})
        assert op.attrs["is_test"] is True and "op_role" not in op.attrs
        with pytest.raises(ValueError, match=r"op 'scale' has no attribute\(s\) \['scael'\]"):
            block.append_op("scale", {"X": [x]}, {"Out": [block.create_var("p")]},
                            {"scael": 2.0})
        with pytest.raises(ValueError, match="data_format"):  # a real layout is not dropped
            block.append_op("scale", {"X": [x]}, {"Out": [block.create_var("q")]},
                            {"data_format": "NHWC"})


# -- fluid.op.Operator -------------------------------------------------------------------

def test_operator_runs_against_a_scope_and_updates_in_place():
    scope, place = fluid.Scope(), fluid.CPUPlace()
    w = np.full((4, 3), 5.0, "float32")
    g = np.random.rand(4, 3).astype("float32")
    scope.var("Param").get_tensor().set(w, place)
    scope.var("Grad").get_tensor().set(g, place)
    scope.var("LearningRate").get_tensor().set(np.array([2.0], "float32"), place)
    param = scope.var("Param").get_tensor()
    Operator("sgd", Param="Param", Grad="Grad", LearningRate="LearningRate",
             ParamOut="Param", op_role=2).run(scope, place)
    np.testing.assert_allclose(np.array(param), 5.0 - 2.0 * g, rtol=1e-6)

    scope.var("a").get_tensor().set(np.ones((2, 2)), place)
    scope.var("b").get_tensor().set(np.full((2, 2), 3.0), place)
    Operator("sum", X=["a", "b"], Out="s").run(scope, place)
    np.testing.assert_array_equal(np.array(scope.find_var("s").get_tensor()), np.full((2, 2), 4))


def test_operator_errors_name_the_op_and_what_is_missing():
    scope, place = fluid.Scope(), fluid.CPUPlace()
    with pytest.raises(ValueError, match="op 'scale' has no attribute"):
        Operator("scale", X="x", Out="y", factor=2.0)
    with pytest.raises(ValueError, match="'X' is required"):
        Operator("scale", Out="y")
    with pytest.raises(TypeError, match="slot X takes a variable name"):
        Operator("scale", X=3, Out="y")
    with pytest.raises(ValueError, match=r"input X names 'x', which holds no tensor"):
        Operator("scale", X="x", Out="y").run(scope, place)


class TestZeroDim(OpTest):
    """0-d inputs (numpy scalars, as Paddle's tests make them) through both checks."""

    def setUp(self):
        self.op_type = "elementwise_sub"
        self.inputs = {"X": np.random.uniform(0.1, 1, []), "Y": np.random.uniform(0.1, 1, [])}
        self.outputs = {"Out": self.inputs["X"] - self.inputs["Y"]}

    def test_check_output(self):
        self.check_output()

    def test_check_grad(self):
        self.check_grad(["X", "Y"], "Out")


def test_a_lod_that_does_not_fit_its_array_is_named():
    case = TestScaleLoDInput("test_check_output")
    case.setUp()
    x = case.inputs["X"][0]
    case.inputs = {"X": (x, [[2, 2]])}  # 4 rows described, 5 given
    with pytest.raises(ValueError, match=r"slot 'X': lod level 0 \[2, 2\] sums to 4, "
                                         r"expected 5"):
        case.check_output()
    case.inputs = {"X": (x, [[1, 1], [2, 3]])}  # two levels that fit
    case.check_output(atol=1e-12)


class TestReshapeByShapeTensors(OpTest):
    """Shape from a list of int32 tensors: the output's shape is known at run time only, so
    check_grad's seed gradient (known shape) meets a target of shape [-1, -1]."""

    def setUp(self):
        self.op_type = "reshape2"
        x = np.random.uniform(-1, 1, (4, 6)).astype("float32")
        self.inputs = {"X": x, "ShapeTensor": [("s0", np.array([3], "int32")),
                                               ("s1", np.array([8], "int32"))]}
        self.attrs = {"shape": [-1, -1]}
        self.outputs = {"Out": x.reshape(3, 8), "XShape": np.zeros((0, 4, 6), "float32")}

    def test_check_output(self):
        self.check_output(no_check_set=["XShape"])

    def test_check_grad(self):
        self.check_grad(["X"], "Out")


def test_check_grad_keeps_int_list_inputs_int():
    from minifluid.testing import check_grad
    x = np.random.default_rng(0).uniform(-1, 1, (4, 6))
    shape = [np.array([2], "int32"), np.array([12], "int64")]  # ShapeTensor takes ints only
    check_grad("reshape2", {"X": x, "ShapeTensor": shape}, attrs={"shape": [-1, -1]})
    assert [s.dtype for s in shape] == [np.int32, np.int64]  # the caller's arrays untouched


class TestDropoutMaskNotChecked(OpTest):
    """dropout's gradient reads Mask: OpTest builds it though the test lists Out only."""

    def setUp(self):
        self.op_type = "dropout"
        self.inputs = {"X": np.random.uniform(0, 1, (4, 5)).astype("float32")}
        self.attrs = {"dropout_prob": 0.0, "fix_seed": True, "is_test": False}
        self.outputs = {"Out": self.inputs["X"]}

    def test_check_output(self):
        self.check_output()

    def test_check_grad(self):
        self.check_grad(["X"], "Out")


def test_check_grad_builds_the_outputs_the_gradient_reads():
    from minifluid.testing import check_grad
    x = np.random.default_rng(0).uniform(0, 1, (3, 4))
    check_grad("dropout", {"X": x}, attrs={"dropout_prob": 0.0, "is_test": False})


class TestConcatOfPairsInEveryForm(OpTest):
    """A duplicable slot as (name, array) tuples, named tuples and two-item lists, mixed."""

    def setUp(self):
        import collections
        pair = collections.namedtuple("pair", "name value")
        a, b, c = (np.random.uniform(-1, 1, (n, 3)) for n in (1, 2, 3))
        self.op_type = "concat"
        self.inputs = {"X": [("a", a), pair("b", b), ["c", c]]}
        self.attrs = {"axis": 0}
        self.outputs = {"Out": np.concatenate([a, b, c])}

    def test_check_output(self):
        self.check_output()

    def test_check_grad(self):
        self.check_grad(["a", "b", "c"], "Out")


class TestScalarAgainstOneElement(OpTest):
    """An expected numpy scalar against the op's [1] output, and the reverse, compare as one
    value (Paddle's tests write either); other shapes still must agree."""

    def setUp(self):
        self.op_type = "reduce_sum"
        self.inputs = {"X": np.random.uniform(-1, 1, (2, 3))}
        self.attrs = {"reduce_all": True}
        self.outputs = {"Out": self.inputs["X"].sum()}  # a 0-d float64

    def test_check_output(self):
        self.check_output()


def test_scalar_and_one_element_outputs_compare_either_way():
    case = TestScalarAgainstOneElement("test_check_output")
    case.setUp()
    case.check_output()
    case.outputs = {"Out": np.array([case.inputs["X"].sum()])}  # [1] as expected
    case.check_output()
    case.outputs = {"Out": np.full(2, case.inputs["X"].sum())}
    with pytest.raises(AssertionError, match=r"shape \[1\], expected \[2\]"):
        case.check_output()
    case.op_type, case.attrs = "scale", {"scale": 2.0}
    case.inputs = {"X": np.array(0.5)}  # 0-d in, so scale's Out is 0-d; expected [1]
    case.outputs = {"Out": np.array([1.0])}
    case.check_output()


def test_vartype_has_fluids_numbers_and_the_dtype_attrs_take_them():
    from minifluid.checks import VARTYPES
    from minifluid.vartype import VarDesc
    vt = VarDesc.VarType
    assert [vt.BOOL, vt.INT16, vt.INT32, vt.INT64, vt.FP16, vt.FP32, vt.FP64] == list(range(7))
    assert (vt.LOD_TENSOR, vt.SELECTED_ROWS, vt.LOD_TENSOR_ARRAY, vt.UINT8, vt.INT8) == \
        (7, 8, 13, 20, 21)
    names = {"BOOL": "bool", "INT32": "int32", "INT64": "int64", "FP16": "float16",
             "FP32": "float32", "FP64": "float64", "UINT8": "uint8", "INT8": "int8"}
    assert {int(vt[k]): v for k, v in names.items()} == VARTYPES
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    from minifluid.testing import run_op
    out = run_op("cast", {"X": x}, {"in_dtype": vt.FP32, "out_dtype": int(vt.FP64)})["Out"]
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, x)


def test_bfloat16_helpers_truncate_to_the_upper_half_and_back():
    from minifluid.testing import convert_float_to_uint16, convert_uint16_to_float
    x = np.array([[1.0, -2.5], [3.14159, 0.0]], np.float32)
    bits = convert_float_to_uint16(x)
    assert bits.dtype == np.uint16 and bits.shape == (2, 2)
    assert bits[0, 0] == 0x3F80 and bits[0, 1] == 0xC020  # 1.0 and -2.5 are exact
    back = convert_uint16_to_float(bits)
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back.flat[[0, 1, 3]], [1.0, -2.5, 0.0])
    assert 0 <= 3.14159 - back[1, 0] < 2.0 ** -6  # truncated: 8 significant bits, rounded down
    np.testing.assert_array_equal(convert_float_to_uint16(x, data_format="NHWC"), bits)


class _UndeclaredAttr(OpTest):
    """Paddle's hard_shrink test passes its value as 'lambda', which the op does not declare
    (its attr is 'threshold'): fluid 1.8's append_op set only declared attrs."""
    __test__ = False

    def setUp(self):
        self.op_type = "hard_shrink"
        x = np.array([[-1.0, -0.2, 0.3, 0.8]])
        self.inputs, self.attrs = {"X": x}, {"lambda": 0.5}
        self.outputs = {"Out": np.where(np.abs(x) > 0.5, x, 0.0)}  # the default threshold


def test_an_attr_the_op_does_not_declare_is_ignored_with_a_warning():
    case = _UndeclaredAttr()
    case.setUp()
    with pytest.warns(UserWarning, match=r"op 'hard_shrink' has no attr\(s\) \['lambda'\]; "
                                         "ignored, as fluid 1.8 ignored them"):
        case.check_output()
    with pytest.raises(ValueError, match=r"op 'hard_shrink' has no attribute\(s\) \['lambda'\]"):
        check_output("hard_shrink", case.inputs, case.outputs, case.attrs)  # ours: refused


class _ExpectedTiled(OpTest):
    """Paddle's check_output compared by np.allclose, which broadcasts: data_norm's own tests
    expect [N, C] of a [C] output. Accepted with a warning, and still checked value by value."""
    __test__ = False
    tile = 1.0

    def setUp(self):
        self.op_type = "scale"
        x = np.random.rand(4)
        self.inputs, self.attrs = {"X": x}, {"scale": 2.0}
        self.outputs = {"Out": np.tile(2 * x * self.tile, (3, 1))}  # [3, 4] of a [4] output

    def test_check_output(self):
        self.check_output()


class _ExpectedTiledWrong(_ExpectedTiled):
    __test__ = False
    tile = 1.01


def test_an_expected_array_the_output_broadcasts_to_is_compared_as_paddle_did():
    with pytest.warns(UserWarning, match=r"shape \[4\] compared with the expected \[3, 4\]"):
        assert outcome(_ExpectedTiled)[:2] == (1, 0)
    with pytest.warns(UserWarning):
        _, bad, result = outcome(_ExpectedTiledWrong)
    assert bad == 1 and "elements differ" in result.failures[0][1]
