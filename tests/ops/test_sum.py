import numpy as np
import pytest

from minifluid.testing import check_output


@pytest.mark.parametrize("n", [1, 2, 4])
def test_sum_adds_all_inputs_without_touching_them(rng, n):
    xs = [rng.normal(size=(3, 4)) for _ in range(n)]
    before = [x.copy() for x in xs]
    check_output("sum", {"X": xs}, {"Out": np.sum(xs, axis=0)}, rtol=1e-12)
    for x, b in zip(xs, before):
        np.testing.assert_array_equal(x, b)


def test_sum_gradient_reaches_every_input(rng):
    from minifluid.testing import check_grad
    check_grad("sum", {"X": [rng.normal(size=(2, 3)) for _ in range(3)]},
               inputs_to_check=("X",))
