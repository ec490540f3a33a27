import os
import shutil
import sysconfig
import warnings

import numpy as np
import pytest
from reference import bce_with_logits, bce_with_logits_grad

import minifluid as fluid
from minifluid.ops import sigmoid_cross_entropy_with_logits as cpu_op
from minifluid.ops.sigmoid_cross_entropy_with_logits import blocking
from minifluid.testing import check_grad, check_output, run_op

OP = "sigmoid_cross_entropy_with_logits"
TOL = {"float32": dict(atol=2e-6, rtol=2e-5), "float64": dict(atol=1e-12, rtol=1e-10)}
BUILT = cpu_op._native is not None


@pytest.fixture(autouse=True, params=["numpy", "C"])
def cpu_kernels(request, monkeypatch):
    """Each test runs with the numpy CPU kernels, then with the C ones (float32 only) where
    they were built."""
    if request.param == "numpy":
        monkeypatch.setattr(cpu_op, "_native", None)
    elif not BUILT:
        pytest.skip("the C kernel is not built: `python -m pip install -e .` builds it")
    elif getattr(request.node, "callspec", None) and \
            request.node.callspec.params.get("dtype") == "float64":
        pytest.skip("the C kernel is float32 only")
    return request.param


def _case(rng, shape, dtype, soft=True):
    x = rng.normal(0, 4, shape).astype(dtype)
    z = (rng.uniform(0, 1, shape) if soft else rng.integers(0, 2, shape)).astype(dtype)
    return x, z


def _check(x, z, pw=None, dout=None, **attrs):
    """Forward and backward on every place against the float64 references."""
    ins = {"X": x, "Label": z, "PosWeight": pw}
    want = bce_with_logits(x, z, pw, **attrs).astype(x.dtype)
    check_output(OP, ins, {"Out": want}, attrs, **TOL[x.dtype.name])
    dout = np.ones_like(x) if dout is None else dout
    want = bce_with_logits_grad(x, z, dout, pw, **attrs).astype(x.dtype)
    check_output(OP + "_grad", {**ins, "Out@GRAD": dout}, {"X@GRAD": want}, attrs,
                 **TOL[x.dtype.name])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(7,), (5, 10), (2, 3, 4), (2, 1, 3, 5)])
def test_matches_reference_hard_and_soft_labels(rng, dtype, shape):
    for soft in (False, True):
        _check(*_case(rng, shape, dtype, soft))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_blocks_and_threads_give_the_same_result(rng, dtype, monkeypatch):
    # Shrink the block so that 21,000 elements make many blocks, spread over threads.
    monkeypatch.setattr(blocking, "BLOCK", 1000)
    monkeypatch.setattr(blocking, "PARALLEL_MIN", 2000)
    monkeypatch.setattr(blocking, "THREADS", 3)
    x, z = _case(rng, (300, 70), dtype)
    z[::7, ::3] = -1
    x[5, 5], x[200, 3] = np.inf, -np.inf  # mended in their own blocks
    _check(x, z, dout=rng.uniform(0.5, 2, x.shape).astype(dtype), ignore_index=-1,
           normalize=True)
    for pw_shape in [(70,), (300, 70)]:
        _check(x, z, rng.uniform(0.5, 3, pw_shape).astype(dtype), ignore_index=-1)
    # One gradient value broadcast (as reduce_sum_grad gives it) is kept a stride-0 view.
    _check(x, z, dout=np.broadcast_to(np.asarray(0.25, dtype), x.shape))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("block", [None, 1000])
@pytest.mark.parametrize("value", [1.0, 0.25, 3.0, np.inf])
def test_one_broadcast_gradient_value_is_folded_into_the_divisor(rng, dtype, block, value,
                                                                 monkeypatch):
    # dOut as reduce_sum_grad or mean_grad gives it: one value, a stride-0 view. The kernel
    # multiplies by value / kept-count once; ignored elements stay 0 even for an infinite one.
    if block:
        monkeypatch.setattr(blocking, "BLOCK", block)
        monkeypatch.setattr(blocking, "PARALLEL_MIN", 2 * block)
    x, z = _case(rng, (60, 70), dtype)
    z[::5, ::4] = -1
    dout = np.broadcast_to(np.asarray(value, dtype), x.shape)
    for attrs in (dict(ignore_index=-1, normalize=True), dict(ignore_index=-1), {}):
        got = run_op(OP + "_grad", {"X": x, "Label": z, "Out@GRAD": dout}, attrs,
                     outputs=("X@GRAD",))["X@GRAD"]
        with np.errstate(invalid="ignore"):
            want = bce_with_logits_grad(x, z, dout.astype(np.float64), **attrs)
        if attrs:
            assert np.all(got[::5, ::4] == 0)
        np.testing.assert_allclose(got, want, **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_extreme_logits_are_finite_and_silent(dtype):
    big = [1e4, 710.0] if dtype == "float64" else [1e4, 88.8]
    x = np.array([v * s for v in big for s in (1, -1) for _ in range(3)], dtype)
    z = np.array([0, 0.5, 1] * (len(x) // 3), dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = run_op(OP, {"X": x, "Label": z})["Out"]
        dx = run_op(OP + "_grad", {"X": x, "Label": z, "Out@GRAD": np.ones_like(x)},
                    outputs=("X@GRAD",))["X@GRAD"]
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    np.testing.assert_allclose(out, bce_with_logits(x, z), rtol=1e-6, atol=np.finfo(dtype).tiny)
    np.testing.assert_allclose(dx, bce_with_logits_grad(x, z, 1.0), atol=1e-7)
    _check(x, z)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ignored_labels_with_huge_logits_are_silent(dtype):
    # x z overflows where z is the ignore_index (-100); those elements are 0 anyway.
    big = np.finfo(dtype).max / 2
    x = np.array([big, -big, 1.5, -2.5], dtype)
    for pw in (None, np.full(4, 2, dtype), np.full(4, 0.5, dtype)):
        for ignore_index in (-100, 255):
            z = np.array([ignore_index, ignore_index, 1, 0.25], dtype)
            ins = {"X": x, "Label": z, "PosWeight": pw}
            attrs = {"ignore_index": ignore_index}
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                out = run_op(OP, ins, attrs)["Out"]
                dx = run_op(OP + "_grad", {**ins, "Out@GRAD": np.full_like(x, 1e4)}, attrs,
                            outputs=("X@GRAD",))["X@GRAD"]
            assert np.all(out[:2] == 0) and np.all(dx[:2] == 0)
            p = None if pw is None else pw[2:]
            np.testing.assert_allclose(out[2:], bce_with_logits(x[2:], z[2:], p), rtol=1e-6)
            np.testing.assert_allclose(dx[2:], bce_with_logits_grad(x[2:], z[2:], 1e4, p),
                                       rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_an_overflow_at_a_kept_element_is_reported(dtype, cpu_kernels):
    # The loss pw |x| is past the dtype's range before normalize divides it by 10: inf,
    # as numpy would give, with its warning.
    big = np.finfo(dtype).max * 0.9
    x = np.array([-big] + [1] * 9, dtype)
    z = np.ones_like(x)
    ins = {"X": x, "Label": z, "PosWeight": np.full(1, 4, dtype)}
    with pytest.warns(RuntimeWarning, match=f"1 value\\(s\\) overflowed to inf from finite "
                      f"inputs \\(past the range of {dtype}, at least before normalize divides"):
        out = run_op(OP, ins, {"normalize": True})["Out"]
    assert out[0] == np.inf and np.all(np.isfinite(out[1:]))
    x = np.array([-5.0] * 10, dtype)  # the gradient: -4 (1 - sigmoid(-5)) dOut
    grad = {**ins, "X": x, "Out@GRAD": np.full_like(x, big)}
    with pytest.warns(RuntimeWarning, match="10 value"):
        dx = run_op(OP + "_grad", grad, outputs=("X@GRAD",))["X@GRAD"]
    assert np.all(dx == -np.inf)
    # With normalize, -0.4 (1 - sigmoid(-5)) dOut fits. numpy multiplies by dOut before it
    # divides, and overflows; the C kernel scales dOut first, and gives it.
    if cpu_kernels == "C":
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            dx = run_op(OP + "_grad", grad, {"normalize": True}, outputs=("X@GRAD",))
        np.testing.assert_allclose(dx["X@GRAD"], bce_with_logits_grad(
            x, z, big, ins["PosWeight"], normalize=True), rtol=1e-6)
    else:
        with pytest.warns(RuntimeWarning, match="10 value"):
            dx = run_op(OP + "_grad", grad, {"normalize": True}, outputs=("X@GRAD",))
        assert np.all(dx["X@GRAD"] == -np.inf)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradient_at_zero_is_exactly_half_minus_label(dtype):
    z = np.array([0, 0.25, 0.5, 1], dtype)
    x = np.zeros_like(z)
    for place in fluid.testing.available_places():
        dx = run_op(OP + "_grad", {"X": x, "Label": z, "Out@GRAD": np.ones_like(x)},
                    outputs=("X@GRAD",), place=place)["X@GRAD"]
        np.testing.assert_array_equal(dx, np.array([0.5, 0.25, 0, -0.5], dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ignore_index_compares_exactly(rng, dtype):
    x, z = _case(rng, (4, 6), dtype)
    z[0, :3] = 0.0
    z[1, 0] = 1e-7  # a soft label just above 0 is kept (Paddle's CPU truncated it to 0)
    out = run_op(OP, {"X": x, "Label": z}, {"ignore_index": 0})["Out"]
    assert np.all(out[0, :3] == 0) and out[1, 0] > 0
    _check(x, z, ignore_index=0)
    z[2, :] = -1
    _check(x, z, ignore_index=-1)
    z[3, 1] = 255  # above every other label (segmentation's "void"), then the largest one
    _check(x, z, ignore_index=255, normalize=True)
    z[3, 1] = 1
    _check(x, z, ignore_index=1, normalize=True)


def test_ignore_index_above_the_labels_in_threaded_blocks(rng, monkeypatch):
    monkeypatch.setattr(blocking, "BLOCK", 1000)
    monkeypatch.setattr(blocking, "PARALLEL_MIN", 2000)
    x, z = _case(rng, (50, 100), "float64", soft=False)
    z[7, ::3] = 255
    _check(x, z, ignore_index=255, normalize=True)
    _check(x, z, ignore_index=-100, normalize=True)  # in no block's range


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normalize_divides_by_kept_count(rng, dtype):
    x, z = _case(rng, (3, 5), dtype, soft=False)
    z[0, :4] = -1
    out = run_op(OP, {"X": x, "Label": z}, {"ignore_index": -1, "normalize": True})["Out"]
    plain = bce_with_logits(x, z, ignore_index=-1)
    np.testing.assert_allclose(out, plain / 11, **TOL[dtype])
    _check(x, z, ignore_index=-1, normalize=True)
    _check(x, z, normalize=True)  # nothing ignored: divide by the element count


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_all_ignored_with_normalize_gives_zeros_not_nan(rng, dtype):
    x = rng.normal(size=(2, 3)).astype(dtype)
    z = np.full_like(x, -100)
    for place in fluid.testing.available_places():
        out = run_op(OP, {"X": x, "Label": z}, {"normalize": True}, place=place)["Out"]
        np.testing.assert_array_equal(out, np.zeros_like(x))
        dx = run_op(OP + "_grad", {"X": x, "Label": z, "Out@GRAD": np.ones_like(x)},
                    {"normalize": True}, ("X@GRAD",), place)["X@GRAD"]
        np.testing.assert_array_equal(dx, np.zeros_like(x))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nan_propagates_and_infinities_have_their_limits(dtype):
    x = np.array([np.nan, np.inf, -np.inf, np.inf, -np.inf, 1.0], dtype)
    z = np.array([1, 1, 0, 0, 1, np.nan], dtype)
    for place in fluid.testing.available_places():
        out = run_op(OP, {"X": x, "Label": z}, place=place)["Out"]
        np.testing.assert_array_equal(out, np.array([np.nan, 0, 0, np.inf, np.inf, np.nan],
                                                    dtype))
        dx = run_op(OP + "_grad", {"X": x, "Label": z, "Out@GRAD": np.ones_like(x)},
                    outputs=("X@GRAD",), place=place)["X@GRAD"]
        assert np.isnan(dx[0]) and np.isnan(dx[5])
        np.testing.assert_array_equal(dx[1:5], np.array([0, 0, 1, -1], dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_infinities_with_pos_weight_are_silent(dtype):
    # The loss is |x| c, c = 1 - z for x = +inf and pw z for x = -inf; 0 where c is 0.
    x = np.array([np.inf, -np.inf, np.inf, -np.inf, -np.inf, np.inf, 2.0], dtype)
    z = np.array([1, 0, 0, 1, 0.5, 0.5, 1], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for place in fluid.testing.available_places():
            out = run_op(OP, {"X": x, "Label": z, "PosWeight": np.full(7, 3, dtype)},
                         place=place)["Out"]
            np.testing.assert_array_equal(out[:6], [0, 0, np.inf, np.inf, np.inf, np.inf])
            np.testing.assert_allclose(out[6], 3 * np.log1p(np.exp(-2.0)), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pos_weight_keeps_small_losses_relatively_accurate(dtype):
    # Confident, correct predictions have losses near exp(-|x|): a formula that adds x and
    # |x| before the small term returns 0 or a few ulps of |x| there.
    x = np.array([-5, -8, -10, -16, -20, -30, 5, 10, 16, 20, -40, 10], dtype)
    z = np.array([0] * 6 + [1] * 4 + [1e-3, 1], dtype)
    pw = np.array([3] * 10 + [2, 0.01], dtype)
    rtol = 1e-6 if dtype == "float32" else 1e-14
    for place in fluid.testing.available_places():
        for p in (pw, np.ones_like(pw)):
            out = run_op(OP, {"X": x, "Label": z, "PosWeight": p}, place=place)["Out"]
            want = bce_with_logits(x, z, p)
            np.testing.assert_allclose(out[:11], want[:11], rtol=rtol, atol=0)
            # pw < 1 subtracts (1 - pw) of a term from one about as large: a few ulps more
            np.testing.assert_allclose(out[11:], want[11:], rtol=10 * rtol, atol=0)
        # Gradient where both of its terms are negative: x << 0, a small label.
        dx = run_op(OP + "_grad", {"X": x[10:11], "Label": z[10:11], "PosWeight": pw[10:11],
                                   "Out@GRAD": np.ones(1, dtype)}, outputs=("X@GRAD",),
                    place=place)["X@GRAD"]
        np.testing.assert_allclose(dx, [-2e-3], rtol=rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_small_gradients_keep_their_relative_accuracy(dtype):
    # Confident, correct predictions of 0 have gradients sigmoid(x) << 1, which torch and
    # Paddle give to a few ulps. (1 + tanh(x/2)) / 2 would be off by ~3e-8 absolute in
    # float32: 3x at x = -20, and 0 from x = -38 in float64. The CPU's 2**(-x log2 e) adds
    # a relative error of up to |x| 2**-24 (float32) or |x| 2**-53 (float64).
    if dtype == "float32":  # down to where sigmoid(x) is still a normal float32
        x, rtol = np.array([-5, -13.6, -18.43, -20, -40, -60, -87], dtype), 5e-6
    else:
        x, rtol = np.array([-5, -18.43, -38, -40, -100, -300, -700], dtype), 2e-13
    for place in fluid.testing.available_places():
        # With z = 0 PosWeight changes nothing; with pw = 0 the gradient is (1 - z) sigmoid(x),
        # which (sigmoid(x) - z) + (pw - 1) z (sigmoid(x) - 1) lost to cancellation.
        for z, pw in ((0, None), (0, 3), (0.5, 0), (0.25, 0)):
            z = np.full_like(x, z)
            pw = None if pw is None else np.full(1, pw, dtype)
            dx = run_op(OP + "_grad", {"X": x, "Label": z, "PosWeight": pw,
                                       "Out@GRAD": np.ones_like(x)},
                        outputs=("X@GRAD",), place=place)["X@GRAD"]
            np.testing.assert_allclose(dx, bce_with_logits_grad(x, z, 1.0, pw), rtol=rtol,
                                       atol=0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pos_weight_broadcasts_over_trailing_dims(rng, dtype):
    x, z = _case(rng, (2, 3, 4, 10), dtype)
    for pw_shape in [(10,), (4, 10), (3, 4, 10), (1, 4, 1), (2, 3, 4, 10)]:
        _check(x, z, rng.uniform(0.2, 4, pw_shape).astype(dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pos_weight_negative_logit_and_gradient_at_zero(dtype):
    # -log(sigmoid(-14.913)) * 3 = 44.739...; the pre-2024 Paddle formula gave 14.913.
    out = run_op(OP, {"X": np.array([-14.913], dtype), "Label": np.array([1.0], dtype),
                      "PosWeight": np.array([3.0], dtype)})["Out"]
    np.testing.assert_allclose(out, [3 * np.logaddexp(0, 14.913)], rtol=1e-6)
    assert abs(out[0] - 44.73) < 0.01
    z = np.array([0, 0.5, 1], dtype)
    pw = np.array([2.0, 3.0, 4.0], dtype)
    dx = run_op(OP + "_grad", {"X": np.zeros(3, dtype), "Label": z, "PosWeight": pw,
                               "Out@GRAD": np.ones(3, dtype)}, outputs=("X@GRAD",))["X@GRAD"]
    # (1 - z) + (1 + (pw - 1) z) (1/2 - 1)
    np.testing.assert_array_equal(dx, np.array([0.5, 0.5 - 1.0, -2.0], dtype))
    _check(np.array([-1e4, -5, 0, 5, 1e4], dtype), np.array([1, 0.3, 1, 0, 0], dtype),
           np.full(5, 3.0, dtype))


def test_empty_batch(rng):
    x = np.zeros((0, 10), np.float32)
    out = run_op(OP, {"X": x, "Label": x}, {"normalize": True})["Out"]
    assert out.shape == (0, 10) and out.dtype == np.float32
    _check(x, x)


@pytest.mark.parametrize("attrs", [{}, {"ignore_index": -1, "normalize": True}])
def test_float64_gradient_check(rng, attrs):
    x, z = _case(rng, (3, 4), "float64")
    z[0, 0] = -1
    check_grad(OP, {"X": x, "Label": z}, attrs)
    check_grad(OP, {"X": x, "Label": z, "PosWeight": rng.uniform(0.5, 3, (4,))}, attrs)
    x, z = _case(rng, (20, 30), "float64")  # larger: along random directions
    check_grad(OP, {"X": x, "Label": z}, attrs)


# -- the layer ------------------------------------------------------------------------------

def test_layer_builds_one_op_and_names_its_output(fresh):
    x = fluid.layers.data("x", [10])
    y = fluid.layers.data("y", [10], lod_level=1)
    x.lod_level = 1
    out = fluid.layers.sigmoid_cross_entropy_with_logits(x, y, -1, "my_loss", True)
    op = fresh.global_block().ops[-1]
    assert op.type == OP and out.name == "my_loss" and op.attrs == {"ignore_index": -1,
                                                                     "normalize": True}
    assert out.shape == (-1, 10) and out.dtype == np.float32 and out.lod_level == 1
    auto = fluid.layers.sigmoid_cross_entropy_with_logits(x=x, label=y)
    assert auto.name == "sigmoid_cross_entropy_with_logits_0.tmp_0"


def test_build_time_errors_name_what_is_wrong(fresh):
    x = fluid.layers.data("x", [10])
    with pytest.raises(TypeError, match="must be float16, float32 or float64, got int64"):
        fluid.layers.sigmoid_cross_entropy_with_logits(fluid.layers.data("i", [10], "int64"),
                                                       fluid.layers.data("j", [10], "int64"))
    with pytest.raises(TypeError, match=r"Label \('d'\) must have the dtype of X \('x', "
                                        r"float32\), got float64"):
        fluid.layers.sigmoid_cross_entropy_with_logits(x, fluid.layers.data("d", [10],
                                                                            "float64"))
    with pytest.raises(ValueError, match=r"same shape, got \[-1, 10\] and \[-1, 9\]"):
        fluid.layers.sigmoid_cross_entropy_with_logits(x, fluid.layers.data("s", [9]))
    with pytest.raises(ValueError, match=r"same shape, got \[-1, 10\] and \[-1, 10, 1\]"):
        fluid.layers.sigmoid_cross_entropy_with_logits(x, fluid.layers.data("r", [10, 1]))
    with pytest.raises(TypeError, match="argument 'label' must be a Variable.*got ndarray"):
        fluid.layers.sigmoid_cross_entropy_with_logits(x, np.zeros((2, 10), np.float32))
    with pytest.raises(TypeError, match="ignore_index must be an int"):
        fluid.layers.sigmoid_cross_entropy_with_logits(x, x, ignore_index=0.5)
    with pytest.raises(ValueError) as e:
        fluid.layers.sigmoid_cross_entropy_with_logits(x, fluid.layers.data("t", [3]))
    assert __file__ in str(e.value)  # points at the user's line
    assert len(fresh.global_block().ops) == 0  # nothing half-built was appended


def test_run_time_shape_mismatch_names_op_shapes_and_line(fresh):
    x = fluid.layers.data("x", [10])
    y = fluid.layers.data("y", [10])
    loss = fluid.layers.sigmoid_cross_entropy_with_logits(x, y)  # the line in the message
    exe = fluid.Executor()
    with pytest.raises(ValueError) as e:
        exe.run(fresh, {"x": np.zeros((4, 10), np.float32), "y": np.zeros((3, 10), np.float32)},
                [loss])
    msg = str(e.value)
    assert OP in msg and "[4, 10]" in msg and "[3, 10]" in msg
    assert "loss = fluid.layers.sigmoid_cross_entropy_with_logits(x, y)" in msg


def test_pos_weight_with_rows_longer_than_a_block(rng, monkeypatch):
    monkeypatch.setattr(blocking, "BLOCK", 1000)
    x, z = _case(rng, (4, 3000), "float64")
    for pw_shape in [(3000,), (4, 1), (1,), (1, 3000)]:
        _check(x, z, rng.uniform(0.5, 3, pw_shape))


@pytest.mark.parametrize("dtype,big", [("float32", 2e38), ("float64", 1e308)])
def test_pos_weight_does_not_overflow_where_the_loss_is_finite(dtype, big):
    x = np.array([-big, big, -1e4], dtype)
    z = np.array([0.5, 0.5, 0.5], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = run_op(OP, {"X": x, "Label": z, "PosWeight": np.full(3, 3, dtype)})["Out"]
    np.testing.assert_allclose(out, [1.5 * big, 0.5 * big, 1.5e4], rtol=1e-6)


def test_ignore_index_the_dtype_cannot_hold_matches_nothing():
    z = np.array([16777216.0, 1.0], np.float32)  # 2**24; 2**24 + 1 rounds to it in float32
    out = run_op(OP, {"X": np.zeros(2, np.float32), "Label": z},
                 {"ignore_index": 16777217})["Out"]
    assert out[0] != 0


def test_float16_is_computed_in_float32(rng):
    x = rng.normal(0, 4, (6, 7)).astype(np.float16)
    z = rng.uniform(size=(6, 7)).astype(np.float16)
    out = run_op(OP, {"X": x, "Label": z})["Out"]
    assert out.dtype == np.float16
    np.testing.assert_allclose(out, bce_with_logits(x, z), rtol=2e-3, atol=1e-3)
    dx = run_op(OP + "_grad", {"X": x, "Label": z, "Out@GRAD": np.ones_like(x)},
                outputs=("X@GRAD",))["X@GRAD"]
    assert dx.dtype == np.float16
    np.testing.assert_allclose(dx, bce_with_logits_grad(x, z, 1.0), atol=1e-3)
    ext = np.array([-6e4, 6e4, 0], np.float16)
    out = run_op(OP, {"X": ext, "Label": np.array([0.5, 0.5, -100], np.float16)},
                 {"normalize": True})["Out"]
    assert np.all(np.isfinite(out)) and out[2] == 0


def test_the_c_kernel_is_built_where_a_compiler_is(cpu_kernels):
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if cpu_kernels == "C" or shutil.which(cc) is None:
        pytest.skip("no C compiler" if cpu_kernels == "numpy" else "checked once")
    assert BUILT, ("a C compiler is installed but minifluid's C kernel was not built into "
                   f"{os.path.dirname(cpu_op.__file__)}: `python -m pip install -e .` builds it")


def _wide_range(dtype):
    """Logits over the float32 range that matters, both signs, with hard and soft labels."""
    m = np.geomspace(1e-6, 100, 20000)
    x = np.concatenate([-m, [0.0], m]).astype(dtype)
    return [(x, np.full_like(x, z)) for z in (0, 1, 0.3, 0.77)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_loss_is_relatively_accurate_over_the_range(dtype):
    rtol = 4.5e-7 if dtype == "float32" else 1e-13  # 3.8 ulps; measured: 3 (C and numpy)
    for x, z in _wide_range(dtype):
        for pw in (None, np.full(1, 3, dtype), np.full(1, 0.5, dtype)):
            out = run_op(OP, {"X": x, "Label": z, "PosWeight": pw})["Out"]
            np.testing.assert_allclose(out, bce_with_logits(x, z, pw), rtol=rtol,
                                       atol=np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradient_is_accurate_over_the_range(dtype, cpu_kernels):
    # Relative to the gradient's terms: sigmoid(x) - z cancels where the two are close.
    # The C kernel computes (1 - z) - sigmoid(-x) for x >= 0, so its gradient with z = 1
    # stays relatively accurate there as well (numpy's rounds sigmoid(x) to 1 first). numpy's
    # sigmoid, 1 / (1 + 2**(-x log2 e)), adds a relative error of up to |x| eps.
    for x, z in _wide_range(dtype):
        # measured, in eps: at most 1.7 (C), 1.1 + |x| (numpy)
        ulps = 3 if cpu_kernels == "C" else 2 + np.abs(x.astype(np.float64))
        for pw in (None, np.full(1, 3, dtype)):
            dx = run_op(OP + "_grad", {"X": x, "Label": z, "PosWeight": pw,
                                       "Out@GRAD": np.ones_like(x)}, outputs=("X@GRAD",))
            want = bce_with_logits_grad(x, z, 1.0, pw)
            p = 1 if pw is None else 3
            exact = z[0] == 0 or (z[0] == 1 and cpu_kernels == "C")  # no cancellation
            scale = np.abs(want) if exact else 1 + p
            np.testing.assert_array_less(np.abs(dx["X@GRAD"] - want),
                                         ulps * np.finfo(dtype).eps * scale +
                                         np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_views_and_fortran_order_are_read_as_their_values(rng, dtype):
    # The kernels may be given any strided array (the C one reads contiguous memory).
    from minifluid.registry import get_kernel
    fwd, bwd = get_kernel(OP, "cpu", dtype), get_kernel(OP + "_grad", "cpu", dtype)
    x, z = _case(rng, (6, 14), dtype)
    d = rng.uniform(size=(6, 14)).astype(dtype)
    pw = rng.uniform(0.5, 3, (1, 7)).astype(dtype)
    attrs = dict(ignore_index=-100, normalize=False)
    for view in (lambda a: a[:, ::2], lambda a: np.asfortranarray(a[:, 1::2])):
        xv, zv, dv = view(x), view(z), view(d)
        np.testing.assert_allclose(fwd(xv, zv, pw, **attrs), bce_with_logits(xv, zv, pw),
                                   **TOL[dtype])
        np.testing.assert_allclose(bwd(xv, zv, pw, dv, **attrs),
                                   bce_with_logits_grad(xv, zv, dv, pw), **TOL[dtype])


def test_a_direct_call_with_mixed_dtypes_reads_values_not_bytes(rng):
    # The op checks dtypes when it is appended; a kernel called directly is not, and the C
    # one must not read float32s out of a float16 or float64 buffer.
    from minifluid.registry import get_kernel
    fwd = get_kernel(OP, "cpu", "float32")
    bwd = get_kernel(OP + "_grad", "cpu", "float32")
    x, z = _case(rng, (5, 8), "float32")
    attrs = dict(ignore_index=-100, normalize=False)
    for other in (np.float16, np.float64):
        zo, pw, d = z.astype(other), np.full(8, 2, other), np.full(x.shape, 0.5, other)
        np.testing.assert_allclose(fwd(x, zo, pw, **attrs), bce_with_logits(x, zo, pw),
                                   rtol=2e-6, atol=1e-7)
        np.testing.assert_allclose(bwd(x, zo, pw, d, **attrs),
                                   bce_with_logits_grad(x, zo, d, pw), rtol=2e-6, atol=1e-7)


def test_a_direct_call_compares_labels_in_their_own_dtype():
    # 2**24 and 2**24 + 1 are distinct in float64 but one value in float32: with labels in
    # float64, ignore_index 2**24 + 1 must not drop the label 2**24.
    from minifluid.registry import get_kernel
    z = np.array([16777216, 16777217, 0, 1], np.float64)
    out = get_kernel(OP, "cpu", "float32")(np.ones(4, np.float32), z, None,
                                           ignore_index=16777217, normalize=False)
    assert out[0] != 0 and out[1] == 0


def test_an_element_does_not_depend_on_its_neighbours():
    # A NaN beside them must not change the other elements' results: in the C kernel only
    # the non-finite elements are computed again the numpy way.
    big = np.finfo(np.float32).max * 0.9
    x = np.full(10, -5.0, np.float32)
    ins = {"X": x, "Label": np.ones(10, np.float32), "PosWeight": np.full(1, 4, np.float32),
           "Out@GRAD": np.full(10, big, np.float32)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's order overflows, and says so
        alone = run_op(OP + "_grad", ins, {"normalize": True}, outputs=("X@GRAD",))
        x2 = np.append(x, np.float32(np.nan))
        beside = run_op(OP + "_grad", {**ins, "X": x2, "Label": np.ones(11, np.float32),
                                       "Out@GRAD": np.full(11, big, np.float32)},
                        {"normalize": True}, outputs=("X@GRAD",))["X@GRAD"]
        out = run_op(OP, {"X": np.array([3e38, 1.0], np.float32),
                          "Label": np.array([2.0, 0.0], np.float32)})["Out"]
        out2 = run_op(OP, {"X": np.array([3e38, 1.0, np.nan], np.float32),
                           "Label": np.array([2.0, 0.0, 0.0], np.float32)})["Out"]
    # normalize divides by 11 instead of 10 there
    np.testing.assert_allclose(beside[:10], alone["X@GRAD"].astype(np.float64) * 10 / 11,
                               rtol=1e-6)
    assert np.isnan(beside[10])
    np.testing.assert_array_equal(out2[:2], out)


def test_normalize_over_blocks_with_no_label_ignored(rng, monkeypatch):
    # ignore_index is outside the labels, which include 0: nothing is dropped, and the
    # divisor is the whole size.
    monkeypatch.setattr(blocking, "BLOCK", 1000)
    monkeypatch.setattr(blocking, "PARALLEL_MIN", 2000)
    x, z = _case(rng, (70, 100), "float32", soft=False)
    assert np.any(z == 0)
    _check(x, z, ignore_index=-1, normalize=True)


def test_one_gradient_value_of_any_shape_over_blocks(rng, monkeypatch):
    # dOut as a 0-d array or a short row, broadcast against X, in blocks as when whole.
    monkeypatch.setattr(blocking, "BLOCK", 1000)
    from minifluid.registry import get_kernel
    bwd = get_kernel(OP + "_grad", "cpu", "float32")
    x, z = _case(rng, (30, 100), "float32")
    for dout in (np.asarray(0.5, np.float32), np.full(100, 0.5, np.float32)):
        np.testing.assert_allclose(bwd(x, z, None, dout, ignore_index=-100, normalize=False),
                                   bce_with_logits_grad(x, z, 0.5), **TOL["float32"])


def test_unaligned_inputs(rng):
    from minifluid.registry import get_kernel
    x, z = _case(rng, (37,), "float32")
    buf = np.zeros(4 * 37 + 1, np.uint8)
    xu = np.ndarray((37,), np.float32, buf, offset=1)
    xu[...] = x
    assert not xu.flags.aligned
    out = get_kernel(OP, "cpu", "float32")(xu, z, None, ignore_index=-100, normalize=False)
    np.testing.assert_allclose(out, bce_with_logits(x, z), **TOL["float32"])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_the_package_reference_kernel_matches_the_textbook_and_the_kernels(rng, dtype):
    # ops/sigmoid_cross_entropy_with_logits/reference.py, the short xp kernel a new place
    # starts from: against the float64 textbook formula, and every CPU kernel against it.
    from minifluid.ops.sigmoid_cross_entropy_with_logits import reference
    from minifluid.registry import get_kernel
    x, z = _case(rng, (40, 25), dtype)
    x.flat[:4] = [0, 40, -40, np.inf]
    z.flat[4::7] = -100
    pw, dout = (rng.uniform(0.5, 3, s).astype(dtype) for s in ((25,), x.shape))
    tol = {"float16": dict(atol=1e-3, rtol=2e-3), **TOL}[dtype]
    for p in (None, pw):
        for normalize in (False, True):
            attrs = dict(ignore_index=-100, normalize=normalize)
            fwd = reference.loss(x, z, p, **attrs)
            bwd = reference.loss_grad(x, z, p, dout, **attrs)
            assert fwd.dtype == bwd.dtype == x.dtype
            np.testing.assert_allclose(fwd, bce_with_logits(x, z, p, **attrs), **tol)
            fin = np.isfinite(x)  # the textbook gradient has inf * 0 at x = inf
            np.testing.assert_allclose(bwd[fin], bce_with_logits_grad(x, z, dout, p, **attrs)[fin],
                                       **tol)
            np.testing.assert_allclose(get_kernel(OP, "cpu", dtype)(x, z, p, **attrs), fwd, **tol)
            np.testing.assert_allclose(get_kernel(OP + "_grad", "cpu", dtype)(x, z, p, dout,
                                                                              **attrs), bwd, **tol)
