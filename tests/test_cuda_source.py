"""The CUDA loss kernels' code, checked without a GPU: nvcc compiles the ElementwiseKernel
bodies as host/device functions, and their host build must match the float64 reference.
(What this cannot check, cupy's launch of them, tests/test_cuda.py does on a GPU.)"""
import shutil
import subprocess

import numpy as np
import pytest
from reference import bce_with_logits, bce_with_logits_grad

from minifluid.ops import sigmoid_cross_entropy_with_logits as sce

pytestmark = pytest.mark.skipif(shutil.which("nvcc") is None, reason="needs nvcc")

HARNESS = r"""
#include <cstdio>
#include <cmath>
using namespace std;
template <typename T> __host__ __device__ void fwd(T x, T z, T pw, T div, T ign, T& out) {
%s}
template <typename T> __host__ __device__ void bwd(T x, T z, T pw, T in0, T div, T ign, T& dx) {
%s}
template <typename T> void run() {
  double x, z, pw, d, div, ign;
  while (scanf("%%lf %%lf %%lf %%lf %%lf %%lf", &x, &z, &pw, &d, &div, &ign) == 6) {
    T out, dx;
    fwd<T>((T)x, (T)z, (T)pw, (T)div, (T)ign, out);
    bwd<T>((T)x, (T)z, (T)pw, (T)d, (T)div, (T)ign, dx);
    printf("%%.17g %%.17g\n", (double)out, (double)dx);
  }
}
__global__ void device_build(float* o) { fwd<float>(o[0], o[1], o[2], o[3], o[4], o[5]);
                                         bwd<double>(1, 0, 1, 1, 1, -1, *(double*)o); }
int main(int argc, char** argv) { if (argv[1][0] == 'f') run<float>(); else run<double>(); }
"""


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    d = tmp_path_factory.mktemp("cuda")
    (d / "sce.cu").write_text(HARNESS % (sce._CUDA_FWD, sce._CUDA_BWD))
    r = subprocess.run(["nvcc", "-o", str(d / "sce"), str(d / "sce.cu")], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return d / "sce"


@pytest.mark.parametrize("dtype,tol", [("f", 1e-5), ("d", 1e-12)])
def test_cuda_kernel_bodies_match_the_reference(binary, rng, dtype, tol):
    n = 500
    x = np.concatenate([rng.normal(0, 5, n), [0, 0, 1e4, -1e4, 80, -80, np.inf, -np.inf,
                                              np.nan]])
    z = np.concatenate([rng.uniform(size=n), [0, 1, 0.5, 0.5, 1, 0, 1, 0, 1]])
    z[:20] = -1  # ignored
    pw = np.concatenate([rng.uniform(0.5, 3, n), np.ones(9)])
    d = rng.uniform(0.5, 2, x.size)
    lines = "\n".join(" ".join(format(float(v), ".17g") for v in row) + " 3 -1"
                      for row in zip(x, z, pw, d))
    out = subprocess.run([str(binary), dtype], input=lines, capture_output=True, text=True,
                         timeout=60).stdout.split()
    got = np.array(out, float).reshape(-1, 2)
    fin = np.isfinite(x)
    with np.errstate(invalid="ignore"):
        want = bce_with_logits(x, z, pw, ignore_index=-1) / 3
        want_grad = bce_with_logits_grad(x, z, d, pw, ignore_index=-1) / 3
    np.testing.assert_allclose(got[fin, 0], want[fin], rtol=tol, atol=tol)
    np.testing.assert_allclose(got[fin, 1], want_grad[fin], rtol=tol, atol=tol)
    np.testing.assert_array_equal(got[~fin], [[0, 0], [0, 0], [np.nan, np.nan]])
    assert np.all(got[:20] == 0)
