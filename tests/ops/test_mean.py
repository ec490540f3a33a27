import numpy as np
import pytest

from minifluid.testing import check_grad, check_output, run_op


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_mean_matches_numpy_float64(rng, dtype, shape):
    x = rng.normal(size=shape).astype(dtype)
    want = np.array([np.mean(x.astype(np.float64))], dtype)
    check_output("mean", {"X": x}, {"Out": want}, rtol=1e-6)
    dout = np.array([2.5], dtype)
    check_output("mean_grad", {"X": x, "Out@GRAD": dout},
                 {"X@GRAD": np.full(shape, 2.5 / x.size, dtype)})


def test_mean_gradient_check(rng):
    check_grad("mean", {"X": rng.normal(size=(3, 5))})


def test_mean_of_empty_is_nan_quietly():
    out = run_op("mean", {"X": np.zeros((0, 3), np.float32)})["Out"]
    assert out.shape == (1,) and np.isnan(out[0])
