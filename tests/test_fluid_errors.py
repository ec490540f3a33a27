"""The error classes fluid 1.8's layers raised, which ported code and Paddle's own op tests
catch: a dtype fluid knows but a layer does not take is a TypeError (its check_dtype), a
name that is no dtype is a ValueError and a TypeError (fluid's convert_dtype; numpy's), and
what fluid checked with `assert` is an AssertionError as well as a ValueError."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.checks import DtypeNameError, FluidAssertionError, check_dtype


def test_check_dtype_sorts_names_as_fluid_did():
    with pytest.raises(TypeError, match=r"f: argument 'dtype' must be a dtype among "
                                        r"\['float32'\] .*, got 'int16'"):
        check_dtype("f", "dtype", "int16", ("float32",))  # a dtype fluid names
    for cls in (TypeError, ValueError):
        with pytest.raises(cls, match="got 'flaot32'"):
            check_dtype("f", "dtype", "flaot32")
    with pytest.raises(ValueError, match="got 'complex64'") as e:
        check_dtype("f", "dtype", "complex64")  # numpy's, not fluid's
    assert not isinstance(e.value, TypeError)
    assert issubclass(DtypeNameError, (TypeError, ValueError))
    assert issubclass(FluidAssertionError, AssertionError)
    assert issubclass(FluidAssertionError, ValueError)


def test_a_misspelt_data_dtype_is_both_value_and_type_error(fresh):
    for cls in (TypeError, ValueError):
        with pytest.raises(cls, match=r"data\('a'\): argument 'dtype' .*got 'flaot32'"):
            fluid.data("a", [2], "flaot32")


def test_cast_takes_fluids_dtypes_only(fresh):
    x16 = layers.data("x16", [4], dtype="int16")
    with pytest.raises(TypeError, match=r"cast: argument 'x' must be a Variable of bool, .*"
                                        r"uint8, got 'x16' of int16"):
        layers.cast(x16, "int32")
    x = layers.data("x", [4], dtype="int32")
    with pytest.raises(TypeError, match=r"cast: argument 'dtype' .*, got 'int16'"):
        layers.cast(x, "int16")
    with pytest.raises(TypeError, match="cast: argument 'x' must be a Variable"):
        layers.cast(np.ones(3), "int32")
    assert len(fresh.global_block().ops) == 0


def test_cast_to_and_from_int8_runs(fresh):
    x = fluid.data("x", [None, 3], "float32")
    i8 = layers.cast(x, "int8")  # fluid 1.8's layer casts to int8, not from it; the op does
    a = np.array([[-128.0, 3.0, 127.0]], np.float32)
    got, = fluid.Executor().run(fresh, {"x": a}, [i8])
    assert i8.dtype == np.int8 and got.dtype == np.int8 and got.tolist() == [[-128, 3, 127]]
    with pytest.raises(TypeError, match="cast: argument 'x' must be a Variable of bool"):
        layers.cast(i8, "float32")
    from minifluid.testing import check_output
    b = np.array([-128, 0, 127], np.int8)
    check_output("cast", {"X": b}, {"Out": b.astype(np.float64)}, {"in_dtype": 21,
                                                                   "out_dtype": "float64"})


def test_concat_takes_a_single_variable_and_refuses_other_dtypes(fresh):
    x = fluid.data("x", [2, 3], "int32")
    out = layers.concat(x)  # fluid 1.8: a list of one
    got, = fluid.Executor().run(fresh, {"x": np.arange(6, dtype=np.int32).reshape(2, 3)}, [out])
    assert out.shape == (2, 3) and got.tolist() == [[0, 1, 2], [3, 4, 5]]
    u8 = fluid.data("u8", [2, 3], "uint8")
    with pytest.raises(TypeError, match=r"concat: argument 'input\[1\]' must be a Variable of "
                                        r"float16, .*, got 'u8' of uint8"):
        layers.concat([x, u8])
    f = fluid.data("f", [2, 3], "float32")
    with pytest.raises(TypeError, match="concat: the Variables in 'input' must have one dtype"):
        layers.concat([x, f])
    half = fluid.data("h", [2, 3], "float16")
    assert layers.concat([half, half], axis=1).shape == (2, 6)


@pytest.mark.parametrize("op", ["elementwise_add", "elementwise_sub", "elementwise_mul",
                                "elementwise_div"])
def test_elementwise_layers_refuse_uint8_and_bool(fresh, op):
    for dtype in ("uint8", "bool", "int8"):
        v = fluid.data(dtype, [3], dtype)
        for args, arg in (((v, v), "x"), ((fluid.data(f"f{dtype}", [3], "int32"), v), "y")):
            with pytest.raises(TypeError, match=rf"{op}: argument '{arg}' must be a Variable of "
                                                rf"float16, float32, float64, int32, int64, got"):
                getattr(layers, op)(*args)
    assert not fresh.global_block().ops


def test_fill_constant_errors_are_fluids(fresh):
    with pytest.raises(ValueError, match="fill_constant: argument 'dtype'"):
        layers.fill_constant([1], "uint4", 5)
    for dtype in ("int16", "uint8", "int8"):
        with pytest.raises(TypeError, match=f"fill_constant: argument 'dtype' .*got '{dtype}'"):
            layers.fill_constant([1], dtype, 5)
    x2 = fluid.data("x2", [1], "int32")
    with pytest.raises(TypeError, match=r"fill_constant: argument 'out' must be a Variable of "
                                        r"float64, got 'x2' of int32"):
        layers.fill_constant([1], "float64", 5, out=x2)
    with pytest.raises(TypeError, match="fill_constant: argument 'out' must be a Variable"):
        layers.fill_constant([1], "float64", 5, out=np.ones(1))
    for cls in (AssertionError, ValueError):
        with pytest.raises(cls, match="fill_constant: argument 'shape' must not be empty"):
            layers.fill_constant([], "float32", 1)
    assert layers.fill_constant([1], "int32", 5, out=x2) is x2
    got, = fluid.Executor().run(fresh, {}, [x2])
    assert got.tolist() == [5]


def test_sums_errors_are_fluids(fresh):
    with pytest.raises(TypeError, match="sums: argument 'input\\[0\\]' must be a Variable"):
        layers.sums([11, 22])
    i8 = fluid.data("i8", [10], "int8")
    for arg in ([i8, i8], i8):
        with pytest.raises(TypeError, match="sums: argument 'input' must hold Variables of"):
            layers.sums(arg)
    a = fluid.data("a", [10], "float32")
    out = layers.create_global_var([10], 0, "int32")
    with pytest.raises(TypeError, match=r"sums: argument 'out' must be a Variable of float32, "
                                        r"got '.*' of int32"):
        layers.sums([a, a], out=out)


def test_reduce_layers_refuse_dtypes_without_kernels(fresh):
    u8 = fluid.data("u8", [4], "uint8")
    for op in ("reduce_sum", "reduce_max", "reduce_min", "reduce_prod"):
        with pytest.raises(TypeError, match=rf"{op}: argument 'input' must be a Variable of "
                                            rf"float16, .*, got 'u8' of uint8"):
            getattr(layers, op)(u8)
    assert layers.reduce_sum(fluid.data("i", [4], "int32")).dtype == np.int32


def test_reshape_faults_fluid_asserted_are_assertion_errors(fresh):
    x = fluid.data("x", [2, 25], "float32")
    for shape in ([-1, -1, 5], [2, 5, 5, 0], [-1, -2, 5], []):
        with pytest.raises(AssertionError, match="reshape: argument 'shape'"):
            layers.reshape(x, shape)
    with pytest.raises(TypeError, match="reshape: argument 'x' must be a Variable of float16"):
        layers.reshape(fluid.data("b", [2, 25], "bool"), [50])
    assert layers.reshape(fluid.data("h", [2, 25], "float16"), [50]).shape == (50,)
