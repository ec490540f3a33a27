"""The CUDA loss kernels' code, checked without a GPU: nvcc compiles every kernel cupy will
compile, and the host build of their arithmetic must match the float64 reference. (What
this cannot check, cupy's launch of them, tests/test_cuda.py does on a GPU.)"""
import shutil
import subprocess

import numpy as np
import pytest
from reference import bce_with_logits, bce_with_logits_grad

from minifluid.ops.sigmoid_cross_entropy_with_logits import cuda as sce

pytestmark = pytest.mark.skipif(shutil.which("nvcc") is None, reason="needs nvcc")

HARNESS = r"""
#include <cstdio>
#include <cmath>
using namespace std;
%s
%s
template <typename T> void run() {  // the kernels' arithmetic, on the host
  double x, z, pw, d, div, ign;
  while (scanf("%%lf %%lf %%lf %%lf %%lf %%lf", &x, &z, &pw, &d, &div, &ign) == 6) {
    bool kept = (T)z != (T)ign;
    T out = kept ? sce_loss<T>((T)x, (T)z, (T)pw) / (T)div : 0;
    T dx = kept ? (T)d * sce_grad<T>((T)x, (T)z, (T)pw) / (T)div : 0;
    printf("%%.17g %%.17g\n", (double)out, (double)dx);
  }
}
void* kernels[] = {%s};  // every kernel cupy compiles, instantiated for the device
int main(int argc, char** argv) { if (argv[1][0] == 'f') run<float>(); else run<double>(); }
"""


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    d = tmp_path_factory.mktemp("cuda")
    kernels = ", ".join(f"(void*){name}" for name in sce._CUDA_NAMES)
    (d / "sce.cu").write_text(HARNESS % (sce._CUDA_MATH, sce._CUDA_KERNELS, kernels))
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


@pytest.mark.parametrize("dtype,big,rtol", [("f", 80, 1e-6), ("d", 700, 1e-13)])
def test_cuda_gradient_keeps_small_values_relatively_accurate(binary, dtype, big, rtol):
    # (1 + tanh(x/2)) / 2 and (s - z) + (pw - 1) z (s - 1) lost these to ~ulp(1).
    x = np.array([-5, -13.6, -20, -40, -big] * 2)
    z = np.repeat([0, 0.5], 5)
    pw = np.repeat([3, 0], 5)
    lines = "\n".join(f"{float(a):.17g} {float(b):.17g} {float(c):.17g} 1 1 -1"
                      for a, b, c in zip(x, z, pw))
    out = subprocess.run([str(binary), dtype], input=lines, capture_output=True, text=True,
                         timeout=60).stdout.split()
    got = np.array(out, float).reshape(-1, 2)[:, 1]
    np.testing.assert_allclose(got, bce_with_logits_grad(x, z, 1.0, pw), rtol=rtol, atol=0)
