"""minifluid.compat.paddle: what a ported `import paddle` lands on."""
import sys

import numpy as np
import pytest

import minifluid
import minifluid as fluid


def test_every_spelling_of_paddle_fluid_is_minifluid_itself():
    import minifluid.compat.paddle as paddle
    import minifluid.compat.paddle.fluid as fluid
    import minifluid.compat.paddle.fluid.core as core
    import minifluid.compat.paddle.fluid.layers as layers
    from minifluid.compat.paddle import fluid as fluid2
    from minifluid.compat.paddle.fluid import unique_name
    from minifluid.compat.paddle.fluid.op import Operator

    assert fluid is minifluid and fluid2 is minifluid and paddle.fluid is minifluid
    # the same module objects, not second copies (which would register every op again)
    assert core is minifluid.core and layers is minifluid.layers
    assert sys.modules["minifluid.compat.paddle.fluid.layers"] is minifluid.layers
    assert unique_name is minifluid.unique_name and Operator is minifluid.op.Operator


def test_version_says_what_it_is():
    import minifluid.compat.paddle as paddle
    assert paddle.__version__ == f"1.8.5+minifluid.{minifluid.__version__}"


def test_static_mode_is_the_only_mode():
    import minifluid.compat.paddle as paddle
    assert paddle.enable_static() is None and paddle.in_dynamic_mode() is False
    for entry in (paddle.disable_static, paddle.to_tensor, paddle.grad, paddle.no_grad):
        with pytest.raises(NotImplementedError, match="minifluid is static-graph only"):
            entry(np.ones(2))


def test_a_ported_script_runs_through_paddle_fluid():
    import minifluid.compat.paddle as paddle
    from minifluid.compat.paddle import fluid
    paddle.enable_static()
    main, startup = paddle.static.Program(), fluid.Program()
    with fluid.program_guard(main, startup):
        x = fluid.data("x", [None, 3], "float32")
        y = fluid.layers.scale(x, scale=2.0)
    exe = paddle.static.Executor(paddle.CPUPlace())
    out, = exe.run(main, feed={"x": np.ones((2, 3), "float32")}, fetch_list=[y])
    np.testing.assert_array_equal(out, np.full((2, 3), 2.0))


def test_paddle_2_tensor_functions_say_where_the_fluid_one_is():
    import minifluid.compat.paddle as paddle
    with pytest.raises(AttributeError, match=r"no attribute 'tanh'.*paddle.fluid.layers.tanh"):
        paddle.tanh
    with pytest.raises(AttributeError, match=r"no attribute 'no_such_thing': minifluid follows"):
        paddle.no_such_thing


def test_paddle_compat_text_helpers():
    import minifluid.compat.paddle.compat as cpt
    assert cpt.to_text(b"ab\xc3\xa9") == "ab\u00e9" and cpt.to_text("x") == "x"
    assert cpt.to_bytes("ab\u00e9") == b"ab\xc3\xa9" and cpt.to_bytes(b"x") == b"x"
    assert cpt.to_text(None) is None and cpt.to_text(3) == 3
    items = [b"a", "b", 1]
    assert cpt.to_text(items) == ["a", "b", 1] and items == [b"a", "b", 1]  # a copy
    assert cpt.to_text(items, inplace=True) is items and items == ["a", "b", 1]
    assert cpt.to_bytes({"a", b"b"}) == {b"a", b"b"}
    table = {b"k": b"v"}
    assert cpt.to_text(table, inplace=True) is table and table == {"k": "v"}
    assert cpt.to_bytes({"k": 2}) == {b"k": 2}


def test_paddle_compat_round_is_half_away_from_zero():
    import math

    import minifluid.compat.paddle.compat as cpt
    # Python 3's round gives 2, -2, 0, then 2.67 and -0.12 (2.675 is a shade below in binary)
    assert [cpt.round(v) for v in (2.5, -2.5, 0.5, 1.4999)] == [3.0, -3.0, 1.0, 1.0]
    assert cpt.round(2.675, 2) == 2.68 and cpt.round(-0.125, 2) == -0.13
    assert math.copysign(1, cpt.round(-0.0)) == -1 and cpt.round(0) == 0.0
    assert cpt.floor_division(-7, 2) == -4 and cpt.floor_division(7.5, 2) == 3.0
    assert cpt.get_exception_message(ValueError("bad x")) == "bad x"
    with pytest.raises(ValueError, match="get_exception_message"):
        cpt.get_exception_message(None)
    assert cpt.int_type is int and cpt.long_type is int


def test_convert_np_dtype_to_dtype_gives_fluids_vartype_numbers():
    from minifluid.framework import convert_np_dtype_to_dtype_ as convert
    from minifluid.vartype import VarDesc
    want = {np.bool_: 0, np.int16: 1, np.int32: 2, np.int64: 3, np.float16: 4, np.float32: 5,
            np.float64: 6, np.uint8: 20, np.int8: 21, np.uint16: 1}  # uint16: fluid 1.8's
    assert {t: int(convert(t)) for t in want} == want
    assert convert("float32") is VarDesc.VarType.FP32 and convert(np.dtype("int64")) == 3
    with pytest.raises(ValueError, match="numpy dtype complex64 has no VarType"):
        convert(np.complex64)
    # what Paddle's reduce tests do with it: a VarType number as in_dtype / out_dtype
    from minifluid.testing import run_op
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = run_op("reduce_sum", {"X": x}, {"dim": [1], "in_dtype": int(convert(np.float32)),
                                          "out_dtype": int(convert(np.float64))})["Out"]
    assert out.dtype == np.float64 and out.tolist() == [3.0, 12.0]


def test_paddle_nn_is_minifluids_nn(fresh):
    import minifluid.compat.paddle as paddle
    import minifluid.compat.paddle.nn.functional as F
    assert paddle.nn is fluid.nn and F is fluid.nn.functional
    x = fluid.data("x", [None, 3])
    z = fluid.data("z", [None, 3])
    loss = paddle.nn.BCEWithLogitsLoss(reduction="sum")(x, z)
    xs, zs = np.array([[0.5, -1.0, 2.0]], "float32"), np.array([[1.0, 0.0, 1.0]], "float32")
    got, = fluid.Executor().run(fresh, {"x": xs, "z": zs}, [loss])
    want = np.sum(np.maximum(xs, 0) - xs * zs + np.log1p(np.exp(-np.abs(xs))))
    np.testing.assert_allclose(got, want, rtol=1e-6)
