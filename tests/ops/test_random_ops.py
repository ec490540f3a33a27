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
    assert got["Mask"].dtype == np.uint8 and set(np.unique(got["Mask"])) <= {0, 1}
    dx = run_op("dropout_grad", {"Out@GRAD": np.ones_like(x), "Mask": got["Mask"]}, attrs,
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


def test_dropout_mask_is_uint8_and_the_gradient_scales(rng):
    x = rng.uniform(1, 2, (6, 7))
    for impl, p in (("upscale_in_train", 0.4), ("downgrade_in_infer", 0.4),
                    ("upscale_in_train", 1.0), ("downgrade_in_infer", 0.0)):
        attrs = {"dropout_prob": p, "dropout_implementation": impl, "fix_seed": True,
                 "seed": 5}
        got = run_op("dropout", {"X": x}, attrs, ("Out", "Mask"))
        mask = got["Mask"]
        assert mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 1}
        scale = (1 / (1 - p) if p < 1 else 0) if impl == "upscale_in_train" else 1
        np.testing.assert_allclose(got["Out"], x * mask * scale)
        assert np.isfinite(got["Out"]).all()
        dx = run_op("dropout_grad", {"Out@GRAD": 2 * np.ones_like(x), "Mask": mask}, attrs,
                    ("X@GRAD",))["X@GRAD"]
        np.testing.assert_allclose(dx, 2 * mask * scale)


def test_a_seed_tensor_gives_one_mask_per_value(rng):
    x = np.ones((40, 40))
    masks = [run_op("dropout", {"X": x, "Seed": np.array([s], np.int32)}, {}, ("Out", "Mask"))
             ["Mask"] for s in (3, 3, 4)]
    np.testing.assert_array_equal(masks[0], masks[1])
    assert (masks[0] != masks[2]).any()


def test_fix_seed_decides_whether_seed_counts(fresh):
    x = fluid.data("x", [400], "float32")
    fixed = fluid.default_main_program().global_block().create_var("fixed")
    free = fluid.default_main_program().global_block().create_var("free")
    block = fluid.default_main_program().global_block()
    for out, fix in ((fixed, True), (free, False)):
        block.append_op("dropout", {"X": [x]}, {"Out": [out]},
                        {"fix_seed": fix, "seed": 9})
    runs = [fluid.Executor().run(fresh, {"x": np.ones(400, np.float32)}, [fixed, free])
            for _ in range(2)]  # two executors: two compiled plans
    np.testing.assert_array_equal(runs[0][0], runs[1][0])  # fix_seed: the same sequence
    assert (runs[0][1] != runs[1][1]).any()  # no fix_seed: fresh entropy, seed ignored


def test_the_layer_sets_fix_seed_with_a_seed(fresh):
    x = fluid.data("x", [4], "float32")
    fluid.layers.dropout(x, 0.5)
    fluid.layers.dropout(x, 0.5, seed=3)
    ops = fluid.default_main_program().global_block().ops
    assert [(op.attr("fix_seed"), op.attr("seed")) for op in ops] == [(False, 0), (True, 3)]


@pytest.mark.parametrize("impl", ["downgrade_in_infer", "upscale_in_train"])
@pytest.mark.parametrize("is_test", [False, True])
def test_dropout_gradient_check_with_a_seed_tensor(rng, impl, is_test):
    from minifluid.testing import check_grad
    # A Seed tensor fixes the mask, so central differences see the same one.
    check_grad("dropout", {"X": rng.uniform(1, 2, (4, 5)), "Seed": np.array([3], np.int32)},
               {"dropout_prob": 0.3, "dropout_implementation": impl, "is_test": is_test},
               output_names=("Out", "Mask"))
