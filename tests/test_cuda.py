"""GPU cases; they skip cleanly without cupy and a GPU. The op tests also run on every
available place through minifluid.testing."""
import numpy as np
import pytest
from reference import bce_with_logits, bce_with_logits_grad

import minifluid as fluid
from minifluid.testing import run_op

pytestmark = pytest.mark.skipif(not fluid.is_compiled_with_cuda(), reason="needs cupy and a GPU")
OP = "sigmoid_cross_entropy_with_logits"


@pytest.fixture(params=["32-bit", "64-bit"])
def index_bits(request, monkeypatch):
    """Run the kernels with 32-bit and (as for arrays of 2**30 elements and more) 64-bit
    indices."""
    from minifluid.ops.sigmoid_cross_entropy_with_logits import cuda as sce
    if request.param == "64-bit":
        monkeypatch.setattr(sce, "_INT32_BELOW", 0)
    return request.param


def assert_close_to_cpu(gpu, cpu, x, pw, rtol):
    """The two kernels group the loss's terms differently (the CPU's max(x, 0) - x z, the
    GPU's (1 - z) x): where the terms cancel (soft labels near 1, or labels outside [0, 1]
    such as a -1 that is not ignored) each is exact only to a few ulps of the terms, which
    are at most (1 + pw) (|x| + 1)."""
    fin = np.isfinite(cpu)
    np.testing.assert_array_equal(gpu[~fin], cpu[~fin])
    pw = np.broadcast_to(1 if pw is None else pw, x.shape)[fin]
    err = np.abs(gpu[fin].astype(float) - cpu[fin])
    bound = rtol * np.abs(cpu[fin]) + 4 * np.finfo(x.dtype).eps * (1 + pw) * (np.abs(x[fin]) + 1)
    assert np.all(err <= bound), f"worst: {np.max(err / bound)} times the bound"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("attrs", [{}, {"ignore_index": -1, "normalize": True}])
def test_cuda_kernels_match_cpu_and_reference_on_large_arrays(rng, dtype, attrs, index_bits):
    # 1031 x 1029: rows that are no multiple of a vector, and more labels than one sweep of
    # the counting kernel covers (2**20)
    x = rng.normal(0, 5, (1031, 1029)).astype(dtype)
    z = rng.uniform(size=x.shape).astype(dtype)
    z[::3, ::5] = -1
    x[0, :4] = [1e4, -1e4, 710 if dtype == "float64" else 88, np.inf]
    dout = rng.uniform(size=x.shape).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
    # PosWeight: none, a row repeated, one per element, a column expanded, one number
    for p in (None, rng.uniform(0.5, 3, (1029,)), rng.uniform(0.5, 3, x.shape),
              rng.uniform(0.5, 3, (1031, 1)), np.array([[2.5]])):
        p = None if p is None else p.astype(dtype)
        ins = {"X": x, "Label": z, "PosWeight": p}
        gpu = run_op(OP, ins, attrs, place=fluid.CUDAPlace(0))["Out"]
        np.testing.assert_allclose(gpu, bce_with_logits(x, z, p, **attrs), **tol)
        assert_close_to_cpu(gpu, run_op(OP, ins, attrs)["Out"], x, p, tol["rtol"])
        g = run_op(OP + "_grad", {**ins, "Out@GRAD": dout}, attrs, ("X@GRAD",),
                   fluid.CUDAPlace(0))["X@GRAD"]
        np.testing.assert_allclose(g, bce_with_logits_grad(x, z, dout, p, **attrs), **tol)


@pytest.mark.parametrize("shape", [(0,), (1,), (3,), (5, 0, 2), (1027,)])
def test_cuda_kernels_on_small_and_empty_arrays(rng, shape, index_bits):
    x = rng.normal(0, 3, shape).astype("float32")
    z = rng.integers(-1, 2, shape).astype("float32")
    attrs = {"ignore_index": -1, "normalize": True}
    out = run_op(OP, {"X": x, "Label": z}, attrs, place=fluid.CUDAPlace(0))["Out"]
    np.testing.assert_allclose(out, bce_with_logits(x, z, **attrs), rtol=1e-5, atol=1e-7)
    assert out.shape == shape


def test_cuda_gradient_of_a_sum_and_noncontiguous_inputs(rng):
    import cupy
    from minifluid.registry import get_kernel
    bwd = get_kernel(OP + "_grad", "cuda", "float64")
    x = cupy.asarray(rng.normal(0, 3, (40, 30)))
    z = cupy.asarray(rng.uniform(size=(40, 30)))
    z[::4] = -1
    for dout, want_d in ((cupy.broadcast_to(cupy.asarray(2.5), x.shape), 2.5),
                         (cupy.broadcast_to(cupy.asarray(np.inf), x.shape), np.inf)):
        g = bwd(x.T, z.T, None, dout.T, ignore_index=-1, normalize=True)
        with np.errstate(invalid="ignore"):
            want = bce_with_logits_grad(x.get().T, z.get().T, want_d, ignore_index=-1,
                                        normalize=True)
        np.testing.assert_allclose(g.get(), want, rtol=1e-12)
        assert np.all(g.get()[z.get().T == -1] == 0)  # ignored stay 0 under an infinite dOut


@pytest.mark.parametrize("attrs", [{}, {"ignore_index": -1, "normalize": True}])
def test_cuda_float16_matches_the_cpu_and_the_reference(rng, attrs):
    x = rng.normal(0, 4, (1031, 1029)).astype("float16")  # 1029: rows end mid-vector
    x[0, :5] = [65504, -65504, 0, 20, -20]
    z = rng.integers(0, 2, x.shape).astype("float16")
    z[1::4, ::3] = -1
    z[0, :5] = [0, 1, 1, 1, 0]
    dout = rng.uniform(0.5, 1, x.shape).astype("float16")
    for p in (None, rng.uniform(0.5, 3, (1029,)).astype("float16")):
        ins = {"X": x, "Label": z, "PosWeight": p}
        out = run_op(OP, ins, attrs, place=fluid.CUDAPlace(0))["Out"]
        with np.errstate(over="ignore"):  # -65504 with pw = 3: beyond float16, inf as in torch
            cpu = run_op(OP, ins, attrs)["Out"]
        assert out.dtype == np.float16
        np.testing.assert_allclose(out, cpu, rtol=1e-3, atol=1e-6)  # within a float16 ulp
        g = run_op(OP + "_grad", {**ins, "Out@GRAD": dout}, attrs, ("X@GRAD",),
                   fluid.CUDAPlace(0))["X@GRAD"]
        assert g.dtype == np.float16 and np.all(np.isfinite(g))
        # normalized, the gradient is ~1e-6: float16 subnormals, spaced 6e-8 apart
        np.testing.assert_allclose(g, bce_with_logits_grad(x, z, dout, p, **attrs), rtol=2e-3,
                                   atol=6e-8 if attrs else 1e-4)


def test_the_same_script_runs_on_cpu_and_gpu(fresh, rng):
    x = fluid.layers.data(name="x", shape=[10], dtype="float32")
    label = fluid.layers.data(name="label", shape=[10], dtype="float32")
    x.stop_gradient = False
    total = fluid.layers.reduce_sum(fluid.layers.sigmoid_cross_entropy_with_logits(
        x=x, label=label, ignore_index=-1, normalize=True))
    dx, = fluid.gradients([total], [x])
    feed = {"x": rng.normal(size=(64, 10)).astype("float32"),
            "label": rng.integers(-1, 2, (64, 10)).astype("float32")}
    cpu = fluid.Executor(fluid.CPUPlace()).run(feed=feed, fetch_list=[total, dx])
    gpu = fluid.Executor(fluid.CUDAPlace(0)).run(feed=feed, fetch_list=[total, dx])
    for c, g in zip(cpu, gpu):
        assert isinstance(g, np.ndarray)
        np.testing.assert_allclose(g, c, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("shifted", ["X", "Label", "dOut"])
def test_cuda_kernels_on_views_that_are_not_16_byte_aligned(rng, dtype, shifted):
    import cupy
    from minifluid.registry import get_kernel

    def array(name, a):  # the `shifted` one starts one element into its buffer
        a = a.astype(dtype)
        if name != shifted:
            return cupy.asarray(a)
        view = cupy.asarray(np.concatenate([a[:1], a]))[1:]
        assert view.data.ptr % 16
        return view
    x = array("X", rng.normal(0, 3, 1000))
    z = array("Label", rng.uniform(size=1000))
    d = array("dOut", rng.uniform(size=1000))
    pw = cupy.asarray(rng.uniform(0.5, 2, 1000).astype(dtype))
    tol = 2e-3 if dtype == "float16" else 1e-5
    out = get_kernel(OP, "cuda", dtype)(x, z, pw, ignore_index=-100, normalize=False)
    np.testing.assert_allclose(out.get(), bce_with_logits(x.get(), z.get(), pw.get()), rtol=tol)
    g = get_kernel(OP + "_grad", "cuda", dtype)(x, z, pw, d, ignore_index=-100, normalize=False)
    np.testing.assert_allclose(g.get(), bce_with_logits_grad(x.get(), z.get(), d.get(), pw.get()),
                               rtol=tol, atol=tol * 1e-2)
