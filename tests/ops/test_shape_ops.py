"""reshape, concat, cast, scale."""
import numpy as np
import pytest

from minifluid.testing import check_grad, check_output


@pytest.mark.parametrize("shape,want", [([6, 4], (6, 4)), ([0, -1], (2, 12)),
                                        ([-1], (24,)), ([2, 0, 2, 2], (2, 3, 2, 2))])
def test_reshape(rng, shape, want):
    x = rng.normal(size=(2, 3, 4))
    check_output("reshape", {"X": x}, {"Out": x.reshape(want)}, {"shape": shape})
    check_grad("reshape", {"X": x}, {"shape": shape})


def test_reshape_errors(fresh):
    import minifluid as fluid
    x = fluid.data("x", [2, 3])
    with pytest.raises(ValueError, match=r"cannot reshape X of shape \[2, 3\] \(6 elements\) "
                                         r"into \[4\]"):
        fluid.layers.reshape(x, [4])
    with pytest.raises(ValueError, match="only one -1"):
        fluid.layers.reshape(x, [-1, -1])
    assert fluid.layers.reshape(fluid.layers.data("b", [3, 4]), [0, 12]).shape == (-1, 12)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(rng, axis):
    xs = [rng.normal(size=(2, 3, 4)) for _ in range(3)]
    check_output("concat", {"X": xs}, {"Out": np.concatenate(xs, axis)}, {"axis": axis})
    check_grad("concat", {"X": xs}, {"axis": axis}, inputs_to_check=("X",))


def test_concat_gradient_of_only_some_inputs(fresh, rng):
    import minifluid as fluid
    a = fluid.data("a", [2, 3], "float64")
    b = fluid.data("b", [2, 3], "float64")
    a.stop_gradient = False
    out = fluid.layers.reduce_sum(fluid.layers.concat([a, b], axis=1))
    da, db = fluid.gradients(out, [a, b])
    assert db is not None  # asked for, so computed
    g, = fluid.Executor().run(fresh, {"a": np.ones((2, 3)), "b": np.ones((2, 3))}, [da])
    np.testing.assert_array_equal(g, np.ones((2, 3)))


def test_cast(rng):
    x = rng.normal(size=(3, 4))
    check_output("cast", {"X": x}, {"Out": x.astype("float32")}, {"out_dtype": "float32"})
    check_output("cast", {"X": x}, {"Out": x.astype("int64")}, {"out_dtype": "int64"})


def test_cast_gradient_flows_back_in_the_input_dtype(fresh, rng):
    import minifluid as fluid
    x = fluid.data("x", [3], "float32")
    x.stop_gradient = False
    y = fluid.layers.cast(x, "float64")
    dx, = fluid.gradients(fluid.layers.reduce_sum(y), [x])
    assert dx.dtype == np.float32
    g, = fluid.Executor().run(fresh, {"x": np.ones(3, np.float32)}, [dx])
    assert g.dtype == np.float32 and list(g) == [1, 1, 1]


@pytest.mark.parametrize("after", [True, False])
def test_scale(rng, after):
    x = rng.normal(size=(3, 4))
    want = 3 * x + 2 if after else 3 * (x + 2)
    attrs = {"scale": 3.0, "bias": 2.0, "bias_after_scale": after}
    check_output("scale", {"X": x}, {"Out": want}, attrs, rtol=1e-12)
    check_grad("scale", {"X": x}, attrs)


def test_cast_gradient_check(rng):
    check_grad("cast", {"X": rng.normal(size=(3, 4))}, {"out_dtype": "float64"})


def test_reshape_infers_the_minus_one_when_unknown_dims_are_copied(fresh):
    import minifluid as fluid
    img = fluid.layers.data("img", [3, 4, 4])
    assert fluid.layers.reshape(img, [0, -1]).shape == (-1, 48)
    assert fluid.layers.reshape(img, [-1, 16]).shape == (-1, 16)


@pytest.mark.parametrize("shape,want", [([12, 10], (12, 10)), ([5, -1, 4], (5, 6, 4)),
                                        ([0, -1, 4], (6, 5, 4)), ([-1], (120,))])
def test_reshape2_gives_out_and_an_empty_xshape(rng, shape, want):
    x = rng.normal(size=(6, 20))
    check_output("reshape2", {"X": x}, {"Out": x.reshape(want), "XShape": np.empty((0, 6, 20))},
                 {"shape": shape})
    check_grad("reshape2", {"X": x}, {"shape": shape})


def _ints(*values):
    return [np.array([v], np.int32) for v in values]


@pytest.mark.parametrize("inputs,attr,want", [
    ({"Shape": np.array([2, 3, 20], np.int32)}, [0, -1, 20], (2, 3, 20)),  # Shape wins
    ({"Shape": np.array([0, -1], np.int64)}, [], (6, 20)),
    ({"ShapeTensor": _ints(10, 12)}, [-1, -1], (10, 12)),
    ({"ShapeTensor": _ints(3, 0, -1)}, [3, 0, -1], (3, 20, 2)),
    ({"ShapeTensor": _ints(4, 30), "Shape": np.array([120], np.int32)}, [], (4, 30)),
])
@pytest.mark.parametrize("op", ["reshape", "reshape2"])
def test_the_shape_tensors_decide_when_the_op_runs(rng, op, inputs, attr, want):
    x = rng.normal(size=(6, 20))
    check_output(op, {"X": x, **inputs}, {"Out": x.reshape(want)}, {"shape": attr})


def test_reshape_layer_builds_reshape2_with_tensors_and_actual_shape(fresh, rng):
    import minifluid as fluid
    five = fluid.layers.fill_constant([1], "int32", 5)
    x = fluid.data("x", [2, 25], "float32")
    x.stop_gradient = False
    actual = fluid.data("actual", [3], "int32")
    outs = [fluid.layers.reshape(x, [2, 5, 5]),
            fluid.layers.reshape(x, [2, 5, 5], actual_shape=actual),
            fluid.layers.reshape(x, [five, 10]), fluid.layers.reshape(x, actual)]
    block = fluid.default_main_program().global_block()
    assert {op.type for op in block.ops} == {"fill_constant", "reshape2"}
    assert [o.shape for o in outs] == [(2, 5, 5), (-1, -1, -1), (-1, 10), (-1, -1, -1)]
    loss = fluid.layers.reduce_sum(outs[1] * outs[3]) + fluid.layers.reduce_sum(outs[2])
    grad, = fluid.gradients([loss], [x])
    a = rng.normal(size=(2, 25)).astype(np.float32)
    got = fluid.Executor(fluid.CPUPlace()).run(
        feed={"x": a, "actual": np.array([5, 2, 5], np.int32)}, fetch_list=outs + [grad])
    for value, shape in zip(got, [(2, 5, 5), (5, 2, 5), (5, 10), (5, 2, 5)]):
        np.testing.assert_array_equal(value, a.reshape(shape))
    np.testing.assert_allclose(got[-1], 2 * a + 1, rtol=1e-6)  # through Shape and ShapeTensor


def test_reshape_layer_errors(fresh):
    import minifluid as fluid
    x = fluid.data("x", [2, 25], "float32")
    with pytest.raises(TypeError, match="reshape: argument 'shape' must be a list of ints"):
        fluid.layers.reshape(x, 1)
    with pytest.raises(TypeError, match="reshape: argument 'actual_shape' must be a Variable"):
        fluid.layers.reshape(x, [25, 2], actual_shape=1)
    with pytest.raises(TypeError, match=r"reshape: argument 'actual_shape' must be a 1-D int32 "
                                        r"or int64 Variable, got 'x' of float32\[2, 25\]"):
        fluid.layers.reshape(x, [25, 2], actual_shape=x)
    with pytest.raises(TypeError, match="argument 'shape' must be a 1-D 1-element int32"):
        fluid.layers.reshape(x, [fluid.data("s", [2], "int32"), 5])
    for bad, why in (([-1, -1, 5], "may hold only one -1"), ([2, 5, 5, 0], "has a 0 at "
                     "position 3"), ([-1, -2, 5], r"must hold ints >= -1"), ([], "must be a list")):
        # fluid 1.8 asserted these: the error is an AssertionError too
        for cls in (ValueError, AssertionError):
            with pytest.raises(cls, match=f"reshape: argument 'shape' {why}"):
                fluid.layers.reshape(x, bad)
    # fluid 1.8's dtypes for x: int8 (which the op takes) and bool are TypeErrors
    for dtype in ("int8", "bool"):
        with pytest.raises(TypeError, match=r"reshape: argument 'x' must be a Variable of "
                                            rf"float16, .*, got '{dtype}' of {dtype}"):
            fluid.layers.reshape(fluid.data(dtype, [2, 25], dtype), [50])


@pytest.mark.parametrize("src,dst", [("float32", "float64"), ("float64", "float16"),
                                     ("float32", "int32"), ("int64", "float32"),
                                     ("bool", "float32"), ("float32", "uint8")])
def test_cast_takes_paddles_vartype_numbers_and_names(rng, src, dst):
    vartype = {"bool": 0, "int32": 2, "int64": 3, "float16": 4, "float32": 5, "float64": 6,
               "uint8": 20}
    x = (rng.uniform(0, 100, (3, 4)) if src[0] == "f" else rng.integers(0, 2, (3, 4))
         ).astype(src)
    for attrs in ({"in_dtype": vartype[src], "out_dtype": vartype[dst]},
                  {"in_dtype": src, "out_dtype": dst}, {"out_dtype": dst}):
        check_output("cast", {"X": x}, {"Out": x.astype(dst)}, attrs)
    if src[0] == dst[0] == "f":
        check_grad("cast", {"X": x}, {"in_dtype": vartype["float64"], "out_dtype": 6})


def test_cast_errors():
    from minifluid.testing import build_op
    x = {"X": np.ones(3, np.float32)}
    # in_dtype is recorded, not enforced: X's own dtype is cast, as in Paddle
    check_output("cast", x, {"Out": np.ones(3, np.float64)}, {"in_dtype": 5, "out_dtype": 6})
    check_output("cast", {"X": np.ones(3)}, {"Out": np.ones(3, np.float16)},
                 {"in_dtype": 5, "out_dtype": 4})
    with pytest.raises(ValueError, match=r"op 'cast': out_dtype must be a dtype name among "
                                         r".* or one of Paddle's VarType numbers .*, got 1"):
        build_op("cast", x, {"out_dtype": 1})  # int16: not a dtype minifluid has
    with pytest.raises(ValueError, match=r"op 'cast': in_dtype is not one of"):
        build_op("cast", x, {"in_dtype": "int16"})


def test_the_cast_layer_records_in_dtype(fresh):
    import minifluid as fluid
    y = fluid.layers.cast(fluid.data("x", [3], "float32"), "int64")
    op = fluid.default_main_program().global_block().ops[-1]
    assert (op.attr("in_dtype"), op.attr("out_dtype"), y.dtype) == ("float32", "int64",
                                                                    np.dtype("int64"))


@pytest.mark.parametrize("axis,attr", [(1, 0), (-1, 0), (0, 2), (-3, 1)])
def test_concat_axis_tensor_wins_over_the_attr(rng, axis, attr):
    xs = [rng.normal(size=(2, 3, 4)) for _ in range(3)]
    ins = {"X": xs, "AxisTensor": np.array([axis], np.int32)}
    check_output("concat", ins, {"Out": np.concatenate(xs, axis)}, {"axis": attr})
    # The gradient through a program (check_grad's weights need Out's shape at build time).
    import minifluid as fluid
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()):
        vs = [fluid.data(f"x{i}", [2, 3, 4], "float64") for i in range(3)]
        for v in vs:
            v.stop_gradient = False
        w = rng.normal(size=np.concatenate(xs, axis).shape)
        wv = fluid.data("w", list(w.shape), "float64")
        out = fluid.layers.concat(vs, axis=fluid.layers.fill_constant([1], "int64", axis))
        grads = fluid.gradients([fluid.layers.reduce_sum(out * wv)], vs)
    feed = {**{f"x{i}": x for i, x in enumerate(xs)}, "w": w}
    got = fluid.Executor().run(main, feed, grads)
    for g, want in zip(got, np.split(w, 3, axis)):
        np.testing.assert_array_equal(g, want)


def test_concat_layer_with_a_variable_axis_and_errors(fresh, rng):
    import minifluid as fluid
    a, b = fluid.data("a", [2, 3], "float32"), fluid.data("b", [2, 5], "float32")
    ax = fluid.layers.fill_constant([1], "int32", -1)
    out = fluid.layers.concat([a, b], axis=ax)
    assert out.shape == (-1, -1)
    assert fluid.layers.concat([a, b], axis=-1).shape == (2, 8)
    va, vb = rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(2, 5)).astype("float32")
    got, = fluid.Executor().run(feed={"a": va, "b": vb}, fetch_list=[out])
    np.testing.assert_array_equal(got, np.concatenate([va, vb], 1))
    with pytest.raises(ValueError, match=r"concat: 'b' \(float32\[2, 5\]\) cannot be joined to "
                                         r"'a' \(float32\[2, 3\]\) along axis 0"):
        fluid.layers.concat([a, b])
    with pytest.raises(ValueError, match="concat: axis -3 is out of range for rank 2"):
        fluid.layers.concat([a, b], axis=-3)
    with pytest.raises(TypeError, match=r"concat: argument 'axis' must be an int or a 1-element"):
        fluid.layers.concat([a, b], axis=a)


def test_reshape2_and_cast_ops_take_int8(rng):
    x = rng.integers(-128, 128, size=(2, 3, 4)).astype(np.int8)
    check_output("reshape2", {"X": x}, {"Out": x.reshape(6, 4)}, {"shape": [6, -1]})
    check_output("reshape", {"X": x}, {"Out": x.reshape(24)}, {"shape": [24]})
    f = np.array([-128.0, 0.0, 127.0])
    check_output("cast", {"X": f}, {"Out": f.astype(np.int8)}, {"out_dtype": 21})
