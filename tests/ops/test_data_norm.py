"""data_norm against a float64 numpy loop (with slots), its gradient, fluid's summary
increments for the statistics, extremes and the layer."""
import numpy as np
import pytest

import minifluid as fluid
from minifluid import layers
from minifluid.testing import check_grad, check_output


def reference(x, size, total, square, slot_dim=-1, w=None, b=None):
    means, scales = total / size, np.sqrt(size / square)
    y = (x.astype(np.float64) - means) * scales
    if w is not None:
        y = y * w + b
    if slot_dim > 0:
        for n in range(len(x)):
            for s in range(0, x.shape[1], slot_dim):
                if abs(x[n, s]) < 1e-7:
                    y[n, s:s + slot_dim] = 0
    return y, means, scales


def stats(rng, c, dtype="float64"):
    return {"BatchSize": rng.uniform(1, 100, c).astype(dtype),
            "BatchSum": rng.normal(size=c).astype(dtype),
            "BatchSquareSum": rng.uniform(1, 100, c).astype(dtype)}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("slot_dim, scaled", [(-1, False), (-1, True), (2, False), (3, True)])
def test_data_norm_matches_numpy(rng, dtype, slot_dim, scaled):
    x = rng.normal(size=(5, 6)).astype(dtype)
    x[1, 0] = x[3, 3] = 0  # slots that do not show (with slot_dim)
    ins = {"X": x, **stats(rng, 6, dtype)}
    if scaled:
        ins.update(scale_w=rng.normal(size=6).astype(dtype), bias=rng.normal(size=6).astype(dtype))
    y, m, s = reference(x, ins["BatchSize"], ins["BatchSum"], ins["BatchSquareSum"], slot_dim,
                        ins.get("scale_w"), ins.get("bias"))
    check_output("data_norm", ins, {"Y": y.astype(dtype), "Means": m.astype(dtype),
                                    "Scales": s.astype(dtype)},
                 attrs={"slot_dim": slot_dim, "enable_scale_and_shift": scaled}, rtol=1e-5,
                 atol=1e-6)


@pytest.mark.parametrize("slot_dim, scaled", [(-1, False), (-1, True), (3, True)])
def test_data_norm_gradient_check(rng, slot_dim, scaled):
    ins = {"X": rng.normal(size=(4, 6)), **stats(rng, 6)}  # every slot shows: smooth
    check = ("X",)
    if scaled:
        ins.update(scale_w=rng.normal(size=6), bias=rng.normal(size=6))
        check = ("X", "scale_w", "bias")
    check_grad("data_norm", ins, attrs={"slot_dim": slot_dim, "enable_scale_and_shift": scaled},
               inputs_to_check=check, output_names=("Y",))


def _grads(slot_dim, xv, eps=1e-4):
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 4], "float64")
        x.stop_gradient = False
        y = layers.data_norm(x, epsilon=eps, slot_dim=slot_dim, enable_scale_and_shift=True)
        names = ["x", "dn.batch_size", "dn.batch_sum", "dn.batch_square_sum", "dn.scale_w"]
        grads = fluid.gradients(layers.reduce_sum(y), [main.global_block().var(n)
                                                       for n in names])
    exe = fluid.Executor(fluid.CPUPlace())
    scope = fluid.Scope()
    exe.run(startup, scope=scope)
    return exe.run(main, {"x": xv}, grads, scope=scope)


def test_the_statistics_get_fluids_summary_increments():
    xv = np.array([[1.0, 2, 3, 4], [0, 5, 6, 7], [2, 0, 0, 1]])
    dx, d_size, d_sum, d_square, d_w = _grads(-1, xv)
    np.testing.assert_allclose(dx, np.full((3, 4), np.sqrt(1e4 / 1e4)))  # dY * Scales * w
    np.testing.assert_allclose(d_size, [3] * 4)
    np.testing.assert_allclose(d_sum, xv.sum(0))
    np.testing.assert_allclose(d_square, (xv ** 2).sum(0) + 3 * 1e-4)  # Means are 0
    np.testing.assert_allclose(d_w, xv.sum(0))
    # slots of 2: row 1's first slot and row 2's second do not show
    dx, d_size, d_sum, d_square, _ = _grads(2, xv)
    shown = np.array([[1, 1, 1, 1], [0, 0, 1, 1], [1, 1, 0, 0]], float)
    n = shown.sum(0)
    np.testing.assert_allclose(dx, shown)
    np.testing.assert_allclose(d_size, [1] * 4)
    np.testing.assert_allclose(d_sum, (xv * shown).sum(0) / n)
    np.testing.assert_allclose(d_square, (xv ** 2 * shown).sum(0) / n + n * 1e-4)


def test_extremes():
    # huge inputs stay finite where Y is; an empty batch gives empty Y
    x = np.array([[1e30, -1e30]], np.float32)
    s = {"BatchSize": np.full(2, 1e4, np.float32), "BatchSum": np.zeros(2, np.float32),
         "BatchSquareSum": np.full(2, 1e4, np.float32)}
    check_output("data_norm", {"X": x, **s}, {"Y": x}, rtol=1e-6)
    check_output("data_norm", {"X": np.zeros((0, 2), np.float32), **s},
                 {"Y": np.zeros((0, 2), np.float32)}, attrs={"slot_dim": 1})


def test_the_layer(fresh):
    x = fluid.data("x", [None, 4], "float32")
    y = layers.data_norm(x, param_attr={"batch_size": 2.0, "batch_sum": 2.0, "batch_square": 8.0},
                         name="a", act="relu")
    z = layers.data_norm(x, enable_scale_and_shift=True, param_attr={"scale_w": 2.0})
    params = sorted(p.name for p in fluid.default_main_program().global_block().all_parameters())
    assert params == ["a.batch_size", "a.batch_square_sum", "a.batch_sum", "dn.batch_size",
                      "dn.batch_square_sum", "dn.batch_sum", "dn.bias", "dn.scale_w"]
    with pytest.raises(ValueError, match="data_norm: argument 'param_attr' has an unknown key"):
        layers.data_norm(x, param_attr={"mean": 1.0})
    with pytest.raises(ValueError, match=r"data_norm: argument 'slot_dim' \(3\) must divide"):
        layers.data_norm(x, slot_dim=3)
    with pytest.raises(TypeError, match="data_norm: argument 'input'"):
        layers.data_norm(layers.cast(x, "int32"))
    with pytest.raises(ValueError, match="data_norm: input 'r' must be 2-D"):
        layers.data_norm(fluid.data("r", [None, 2, 2], "float32"))
    exe = fluid.Executor(fluid.CPUPlace())
    exe.run(fluid.default_startup_program())
    xv = np.array([[3, 0, 1, 5], [-1, 2, 2, 2]], np.float32)
    got_y, got_z = exe.run(feed={"x": xv}, fetch_list=[y, z])
    np.testing.assert_allclose(got_y, np.maximum((xv - 1) * 0.5, 0))
    np.testing.assert_allclose(got_z, xv * 2, rtol=1e-6)
