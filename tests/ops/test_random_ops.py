"""fill_constant, uniform_random, gaussian_random, dropout."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_output, run_op


def test_fill_constant():
    check_output("fill_constant", {}, {"Out": np.full((2, 3), 1.5, np.float32)},
                 {"shape": [2, 3], "dtype": "float32", "value": 1.5})
    check_output("fill_constant", {}, {"Out": np.full((4,), 7, np.int64)},
                 {"shape": [4], "dtype": "int64", "value": 7.0})


def test_uniform_and_gaussian_statistics_and_seeds():
    u = run_op("uniform_random", {}, {"shape": [200, 100], "min": -2.0, "max": 3.0, "seed": 5})
    u = u["Out"]
    assert u.dtype == np.float32 and u.min() >= -2 and u.max() < 3
    assert abs(u.mean() - 0.5) < 0.05 and abs(u.std() - 5 / np.sqrt(12)) < 0.05
    g = run_op("gaussian_random", {}, {"shape": [200, 100], "mean": 1.0, "std": 2.0,
                                       "seed": 5, "dtype": "float64"})["Out"]
    assert g.dtype == np.float64 and abs(g.mean() - 1) < 0.05 and abs(g.std() - 2) < 0.05
    again = run_op("uniform_random", {}, {"shape": [200, 100], "min": -2.0, "max": 3.0,
                                          "seed": 5})["Out"]
    np.testing.assert_array_equal(u, again)  # a seed fixes the values
    fresh1 = run_op("uniform_random", {}, {"shape": [50]})["Out"]
    fresh2 = run_op("uniform_random", {}, {"shape": [50]})["Out"]
    assert not np.array_equal(fresh1, fresh2)  # seed 0: fresh entropy


@pytest.mark.parametrize("impl", ["downgrade_in_infer", "upscale_in_train"])
def test_dropout_train_and_test(rng, impl):
    x = rng.uniform(1, 2, (100, 100))
    attrs = {"dropout_prob": 0.3, "dropout_implementation": impl, "seed": 11}
    got = run_op("dropout", {"X": x}, attrs, ("Out", "Mask"))
    kept = got["Mask"] != 0
    assert abs(kept.mean() - 0.7) < 0.02
    scale = 1 / 0.7 if impl == "upscale_in_train" else 1.0
    np.testing.assert_allclose(got["Out"], np.where(kept, x * scale, 0))
    test = run_op("dropout", {"X": x}, {**attrs, "is_test": True})["Out"]
    np.testing.assert_allclose(test, x * (0.7 if impl == "downgrade_in_infer" else 1.0))
    dx = run_op("dropout_grad", {"Mask": got["Mask"], "Out@GRAD": np.ones_like(x)}, {},
                ("X@GRAD",))["X@GRAD"]
    np.testing.assert_allclose(dx, np.where(kept, scale, 0))


def test_dropout_gradient_through_the_layer(fresh, rng):
    x = fluid.data("x", [20, 30], "float64")
    x.stop_gradient = False
    y = fluid.layers.dropout(x, 0.5, seed=3)
    dx, = fluid.gradients(fluid.layers.reduce_sum(y), [x])
    out, g = fluid.Executor().run(fresh, {"x": np.ones((20, 30))}, [y, dx])
    np.testing.assert_array_equal(g, out)  # d(sum x*mask)/dx = mask, and x = 1


def test_dropout_rejects_bad_probability(fresh):
    with pytest.raises(ValueError, match=r"dropout_prob must be in \[0, 1\], got 1.5"):
        fluid.layers.dropout(fluid.data("x", [3]), 1.5)


def test_dropout_in_test_mode_has_a_gradient(fresh):
    x = fluid.data("x", [3], "float64")
    x.stop_gradient = False
    y = fluid.layers.dropout(x, 0.25, is_test=True)
    dx, = fluid.gradients(fluid.layers.reduce_sum(y), [x])
    out, g = fluid.Executor().run(fresh, {"x": np.ones(3)}, [y, dx])
    np.testing.assert_allclose(out, [0.75] * 3)
    np.testing.assert_allclose(g, [0.75] * 3)


def test_seeded_dropout_repeats_for_identically_built_programs():
    def masks():
        main = fluid.Program()
        main.random_seed = 7
        with fluid.program_guard(main, fluid.Program()), fluid.unique_name.guard():
            out = fluid.layers.dropout(fluid.data("x", [50]), 0.5)
        exe = fluid.Executor()
        return [exe.run(main, {"x": np.ones(50, np.float32)}, [out])[0] for _ in range(3)]
    first, second = masks(), masks()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # a new mask every step
