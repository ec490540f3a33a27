"""GPU cases; they skip cleanly without cupy and a GPU. The op tests also run on every
available place through minifluid.testing."""
import numpy as np
import pytest
from reference import bce_with_logits, bce_with_logits_grad

import minifluid as fluid
from minifluid.testing import run_op

pytestmark = pytest.mark.skipif(not fluid.is_compiled_with_cuda(), reason="needs cupy and a GPU")
OP = "sigmoid_cross_entropy_with_logits"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("attrs", [{}, {"ignore_index": -1, "normalize": True}])
def test_cuda_kernels_match_cpu_and_reference_on_large_arrays(rng, dtype, attrs):
    x = rng.normal(0, 5, (1000, 300)).astype(dtype)
    z = rng.uniform(size=x.shape).astype(dtype)
    z[::3, ::5] = -1
    x[0, :4] = [1e4, -1e4, 710 if dtype == "float64" else 88, np.inf]
    pw = rng.uniform(0.5, 3, (300,)).astype(dtype)
    dout = rng.uniform(size=x.shape).astype(dtype)
    for p in (None, pw):
        ins = {"X": x, "Label": z, "PosWeight": p}
        gpu = run_op(OP, ins, attrs, place=fluid.CUDAPlace(0))["Out"]
        cpu = run_op(OP, ins, attrs)["Out"]
        want = bce_with_logits(x, z, p, **attrs)
        tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(gpu, want, **tol)
        np.testing.assert_allclose(gpu, cpu, **tol)
        g = run_op(OP + "_grad", {**ins, "Out@GRAD": dout}, attrs, ("X@GRAD",),
                   fluid.CUDAPlace(0))["X@GRAD"]
        np.testing.assert_allclose(g, bce_with_logits_grad(x, z, dout, p, **attrs), **tol)


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
