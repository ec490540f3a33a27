"""What a feed may be: Executor.run and DataFeeder convert through one function
(data_feeder.to_feed_array), exactly or not at all."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.fetched import FetchedArray

pytestmark = pytest.mark.filterwarnings("ignore:the matrix subclass")

DTYPES = ["float32", "float64", "int32", "int64", "bool"]


class _LoDTensorLike:
    """An object that only exposes __array__, as fluid's LoDTensor does."""

    def __init__(self, array):
        self.array = array

    def __array__(self, dtype=None, copy=None):
        return self.array


def _run(program, feed, fetch):
    return fluid.Executor().run(program, feed, fetch)


def test_a_matrix_feed_is_multiplied_elementwise(fresh):
    a, b = fluid.data("a", [None, 2], "float64"), fluid.data("b", [None, 2], "float64")
    prod = fluid.layers.elementwise_mul(a, b)
    m = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    out, = _run(fresh, {"a": m, "b": m}, [prod])
    plain = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert out.__class__ is FetchedArray  # an ndarray, not a matrix
    np.testing.assert_array_equal(out, plain * plain)  # not the matrix product m @ m


def test_a_masked_array_is_refused_naming_the_feed(fresh):
    m = fluid.layers.mean(fluid.data("a", [None, 2], "float32"))
    masked = np.ma.masked_array(np.ones((1, 2), np.float32), mask=[[False, True]])
    with pytest.raises(TypeError, match=r"feed 'a' is a masked array.*a\.filled\(0\)"):
        _run(fresh, {"a": masked}, [m])


def test_text_is_not_parsed_into_numbers(fresh):
    x = fluid.data("n", [4], "int64")
    with pytest.raises(TypeError, match=r"feed 'n': cannot feed a str '1234'"):
        _run(fresh, {"n": "1234"}, [x])
    with pytest.raises(TypeError, match=r"feed 'n': .* holds str\d* values such as '1'"):
        _run(fresh, {"n": ["1", "2", "3", "4"]}, [x])


def test_integers_out_of_range_are_refused_clearly(fresh):
    x = fluid.data("n", [1], "int32")
    with pytest.raises(ValueError, match=r"feed 'n': the fed list holds 1099511627776, which "
                                         r"is out of the range of int32 "
                                         r"\(-2147483648\.\.2147483647\)"):
        _run(fresh, {"n": [2**40]}, [x])
    with pytest.raises(TypeError, match=f"feed 'n': .* holds the integer {2**70}, beyond the "
                                        f"range of any numpy integer"):
        _run(fresh, {"n": [2**70]}, [x])


def test_a_fractional_float_for_an_int_variable_is_refused(fresh):
    x = fluid.data("n", [1], "int64")
    with pytest.raises(ValueError, match=r"feed 'n': the fed list holds 1\.5, which is not an "
                                         r"integer; the variable is declared int64"):
        _run(fresh, {"n": [1.5]}, [x])
    out, = _run(fresh, {"n": [3.0]}, [x])  # an integral float is exact
    assert out.dtype == np.int64 and out.tolist() == [3]


def test_exact_lists_and_numbers_are_converted(fresh):
    n = fluid.data("n", [3], "int64")
    f = fluid.data("f", [3], "float32")
    big = 2**62 + 1  # not a float64: a conversion through float would change it
    out_n, out_f = _run(fresh, {"n": [big, -7, np.int8(3)], "f": [True, 2, 0.1]}, [n, f])
    assert out_n.dtype == np.int64 and out_n.tolist() == [big, -7, 3]
    assert out_f.dtype == np.float32
    assert out_f.tolist() == [1.0, 2.0, float(np.float32(0.1))]


def test_an_array_of_another_dtype_stays_refused(fresh):
    x = fluid.data("f", [2], "float32")
    for bad in (np.ones(2), np.ones(2, bool), np.ones(2, object)):
        with pytest.raises(ValueError, match=f"feed 'f': the variable is declared float32 but "
                                             f"the fed array is {bad.dtype}"):
            _run(fresh, {"f": bad}, [x])


def test_a_float_overflowing_float32_is_refused(fresh):
    x = fluid.data("f", [1], "float32")
    with pytest.raises(ValueError, match=r"holds 1e\+300, which overflows float32"):
        _run(fresh, {"f": [1e300]}, [x])


def test_arrays_of_the_declared_dtype_are_fed_without_a_copy():
    from minifluid.data_feeder import to_feed_array
    a = np.ones(3, np.float32)
    assert to_feed_array(a, np.dtype("float32"), "feed 'a'") is a


def test_an_object_with___array___is_read_and_checked_like_an_array(fresh):
    x = fluid.data("f", [2], "float32")
    out, = _run(fresh, {"f": _LoDTensorLike(np.array([1, 2], np.float32))}, [x])
    assert out.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="feed 'f': the variable is declared float32 but the "
                                         "fed array is int64"):
        _run(fresh, {"f": _LoDTensorLike(np.array([1, 2], np.int64))}, [x])


def test_data_feeder_uses_the_same_rules(fresh):
    img = fluid.layers.data("img", [2, 2])
    label = fluid.layers.data("label", [1], "int64")
    feeder = fluid.DataFeeder([img, label], fluid.CPUPlace())
    # by value: a float64 sample image becomes float32, a matrix a plain array
    feed = feeder.feed([(np.matrix([[1.0, 2.0], [3.0, 4.0]]), 1), (np.full((2, 2), 0.1), 0)])
    assert feed["img"].__class__ is np.ndarray and feed["img"].dtype == np.float32
    np.testing.assert_array_equal(feed["img"][0], [[1, 2], [3, 4]])
    assert feed["img"][1, 0, 0] == np.float32(0.1)
    assert feed["label"].tolist() == [[1], [0]]
    bad = [((np.ones(4), 1.5), r"field 1 \('label'\) of sample 0: .* holds 1\.5, which is not "
                               r"an integer"),
           ((np.ones(4), 2**70), r"field 1 \('label'\) of sample 0: .* beyond the range"),
           (("1234", 0), r"field 0 \('img'\) of sample 0: cannot feed a str"),
           ((np.ma.masked_array(np.ones(4), [0, 1, 0, 0]), 0),
            r"field 0 \('img'\) of sample 0 is a masked array"),
           ((None, 0), r"field 0 \('img'\) of sample 0 is None"),
           ((np.ones(4), {}), r"field 1 \('label'\) of sample 0: cannot feed a dict")]
    for sample, message in bad:
        with pytest.raises((ValueError, TypeError), match=message):
            feeder.feed([sample])
    with pytest.raises(TypeError, match="sample 0 is a int; expected a tuple of 2 fields"):
        feeder.feed([3])


def _bad_values(dtype, checked):
    """(description, value) pairs that a [?, 2] variable of `dtype` must refuse."""
    dt = np.dtype(dtype)
    other = np.dtype("int64" if dt.kind == "f" else "float32")
    bad = [("None", None), ("str", "1234"), ("bytes", b"x"), ("dict", {}), ("set", set()),
           ("object", object()),
           ("masked", np.ma.masked_array(np.ones((1, 2), dt), mask=[[False, True]])),
           ("list of masked", [np.ma.masked_array(np.ones(2, dt), mask=[False, True])]),
           ("object array", np.array([[1, None]], object)),
           ("another dtype", np.ones((1, 2), other)),
           ("matrix of another dtype", np.matrix(np.ones((1, 2), other))),
           ("ragged", [[1, 0], [1]]), ("str in list", [["1", 0]]),
           ("None in list", [[1, None]]), ("complex", [[1 + 2j, 0]]),
           ("huge int", [[10**400, 0]])]
    if dt.kind == "i":
        info = np.iinfo(dt)
        bad += [("1.5", [[1.5, 0]]), ("nan", [[float("nan"), 0]]), ("inf", [[float("inf"), 0]]),
                ("max + 1", [[int(info.max) + 1, 0]]), ("min - 1", [[int(info.min) - 1, 0]]),
                ("np.float64(0.5)", [[np.float64(0.5), 0]])]
    if dt.kind == "b":
        bad += [("2", [[2, 0]]), ("0.5", [[0.5, 1]]), ("-1", [[-1, 0]])]
    if dt == np.float32:
        bad += [("1e300", [[1e300, 0]])]
    if checked:
        bad += [("wrong width", np.ones((1, 3), dt)), ("rank 1", np.ones(2, dt)),
                ("rank 1 list", [1, 0]), ("rank 1 range", range(2))]
    return bad


def _good_values(dtype, checked):
    """(description, value, expected array) for a [?, 2] variable of `dtype`."""
    dt = np.dtype(dtype)
    ref = np.array([[1, 0], [0, 1]], dt)  # every dtype holds these exactly
    good = [("list", [[1, 0], [0, 1]], ref), ("tuple", ((1, 0), (0, 1)), ref),
            ("array", ref.copy(), ref), ("matrix", np.matrix(ref), ref),
            ("np scalars", [[np.int8(1), np.float64(0)], [np.bool_(False), np.uint8(1)]], ref),
            ("__array__", _LoDTensorLike(ref.copy()), ref),
            ("integral floats", [[1.0, 0.0], [-0.0, 1.0]], ref),
            ("bools", [[True, False], [False, True]], ref),
            ("empty batch", np.zeros((0, 2), dt), np.zeros((0, 2), dt))]
    if dt.kind == "f":
        good += [("fractions", [[0.25, -2.5]], np.array([[0.25, -2.5]], dt)),
                 ("nan", [[float("nan"), 1]], np.array([[np.nan, 1]], dt))]
    if dt.kind == "i":
        info = np.iinfo(dt)
        edge = [[int(info.min), int(info.max)]]
        good += [("range edges", edge, np.array(edge, dt))]
    if not checked:  # layers.data does not check the fed shape (fluid 1.x did not)
        good += [("np scalar", np.float64(1.0), np.array(1, dt)), ("int", 1, np.array(1, dt))]
    return good


@pytest.mark.parametrize("dtype", DTYPES)
def test_fuzz_bad_feeds_are_refused_and_good_ones_run(fresh, dtype):
    xs = {"checked": fluid.data("checked", [None, 2], dtype),
          "unchecked": fluid.layers.data("unchecked", [2], dtype)}
    exe = fluid.Executor()
    failures = []
    for name, x in xs.items():
        for what, value in _bad_values(dtype, name == "checked"):
            try:
                exe.run(fresh, {name: value}, [x])
            except (ValueError, TypeError) as e:
                if f"feed '{name}'" not in str(e):
                    failures.append(f"{name} {what}: the error does not name the feed: {e}")
            except Exception as e:
                failures.append(f"{name} {what}: {type(e).__name__}: {e}")
            else:
                failures.append(f"{name} {what}: accepted")
        for what, value, expected in _good_values(dtype, name == "checked"):
            try:
                out, = exe.run(fresh, {name: value}, [x])
            except Exception as e:
                failures.append(f"{name} {what}: refused: {type(e).__name__}: {e}")
                continue
            if out.__class__ is not FetchedArray or out.dtype != expected.dtype or \
                    not np.array_equal(out, expected, equal_nan=expected.dtype.kind == "f"):
                failures.append(f"{name} {what}: got {out!r}, expected {expected!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fuzz_data_feeder_refuses_bad_fields(fresh, dtype):
    x = fluid.layers.data("x", [2], dtype)
    feeder = fluid.DataFeeder([x], fluid.CPUPlace())
    failures = []
    for what, value in _bad_values(dtype, checked=False):
        if what in ("another dtype", "matrix of another dtype"):
            continue  # sample fields are converted by value: covered by the good ones below
        try:
            feeder.feed([(value,)])  # a [1, 2] field is reshaped to x's [2]
        except (ValueError, TypeError) as e:
            if "DataFeeder: field 0 ('x') of sample 0" not in str(e):
                failures.append(f"{what}: the error does not name the field: {e}")
        except Exception as e:
            failures.append(f"{what}: {type(e).__name__}: {e}")
        else:
            failures.append(f"{what}: accepted")
    ref = np.array([[1, 0], [0, 1]], dtype)
    for what, rows in [("lists", [[1, 0], [0, 1]]), ("float64 arrays", np.eye(2)),
                       ("bools", [[True, False], [False, True]])]:
        got = feeder.feed([(r,) for r in rows])["x"]
        if got.dtype != ref.dtype or not np.array_equal(got, ref):
            failures.append(f"{what}: got {got!r}")
    assert not failures, "\n".join(failures)


def test_cupy_feeds(fresh, place):
    if place.kind != "cuda":
        pytest.skip("needs cupy and a GPU")
    import cupy
    x = fluid.data("f", [2], "float32")
    m = fluid.layers.mean(x)
    exe = fluid.Executor(place)
    out, = exe.run(fresh, {"f": cupy.asarray([1, 3], "float32")}, [m])
    assert out.tolist() == [2.0]
    with pytest.raises(ValueError, match="feed 'f': the variable is declared float32 but the "
                                         "fed array is float64"):
        exe.run(fresh, {"f": cupy.asarray([1, 3], "float64")}, [m])
    # a device array fed to a CPU run is brought to the host
    out, = fluid.Executor().run(fresh, {"f": cupy.asarray([1, 3], "float32")}, [m])
    assert out.__class__ is FetchedArray and out.tolist() == [2.0]


class _Interface:
    """Exposes an array through the array interface only (as a PIL image does)."""

    def __init__(self, a):
        self.__array_interface__ = a.__array_interface__
        self._keep = a


def test_array_interface_buffers_and_ranges_are_fed(fresh):
    import array
    x = fluid.data("x", [None, 3], "float32")
    n = fluid.data("n", [3], "int64")
    y = x * 2
    m = n * 1
    exe = fluid.Executor()
    a = np.array([[1, 2, 3]], "float32")
    for value in (_Interface(a), memoryview(a), array.array("f", [1, 2, 3])):
        got, = exe.run(feed={"x": value if not isinstance(value, array.array)
                             else np.asarray(value).reshape(1, 3)}, fetch_list=[y])
        np.testing.assert_array_equal(got, a * 2)
    got, = exe.run(feed={"n": range(3)}, fetch_list=[m])
    np.testing.assert_array_equal(got, [0, 1, 2])
    got, = exe.run(feed={"n": array.array("q", [4, 5, 6])}, fetch_list=[m])
    np.testing.assert_array_equal(got, [4, 5, 6])
    with pytest.raises(ValueError, match="feed 'n'.*declared int64.*float32"):
        exe.run(feed={"n": array.array("f", [1, 2, 3])}, fetch_list=[m])
    with pytest.raises(TypeError, match="feed 'x'.*bytearray"):
        exe.run(feed={"x": bytearray(12)}, fetch_list=[y])


def test_a_masked_array_inside_lists_is_refused(fresh):
    x = fluid.data("x", [None, 1, 3], "float32")
    m = np.ma.masked_array(np.array([1, 99, 3], "float32"), mask=[0, 1, 0])
    with pytest.raises(TypeError, match="feed 'x'.*masked array"):
        fluid.Executor().run(feed={"x": ([m],)}, fetch_list=[x * 1])


def test_data_feeder_converts_array_like_fields_by_value(fresh):
    img = fluid.layers.data("img", [3], "float32")
    feeder = fluid.DataFeeder([img], fluid.CPUPlace())
    field = _Interface(np.array([0.5, 1.5, 2.5]))  # float64, as an image decoder may give
    got = feeder.feed([(field,)])["img"]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [[0.5, 1.5, 2.5]])
