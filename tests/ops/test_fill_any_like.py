import numpy as np
import pytest

from minifluid.testing import check_output


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_fill_any_like(dtype):
    x = np.arange(6).reshape(2, 3).astype(dtype)
    check_output("fill_any_like", {"X": x}, {"Out": np.full((2, 3), 3, dtype)}, {"value": 3.0})
