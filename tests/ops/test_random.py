"""uniform_random and gaussian_random as fluid 1.8 has them (ops/random.py): shapes given at
run time (ShapeTensor, ShapeTensorList), uniform_random's diagonal, the *_batch_size_like
ops, the layers and the Uniform initializer's diag arguments.

The references are facts about the distributions, written here: a draw's mean is within a
few standard errors of the distribution's (U[a, b): mean (a + b) / 2, variance (b - a)^2 / 12,
kurtosis 9/5; N(m, s^2): kurtosis 3), and each tenth of U[a, b) holds a tenth of the draw.
Fixed seeds make every check deterministic.
"""
import shutil
import subprocess

import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import build_op, run_op

N = 200_000
Z = 5  # standard errors allowed


def _run(program, feed, fetch, place=None):
    return fluid.Executor(place or fluid.CPUPlace()).run(program, feed, fetch,
                                                         scope=fluid.Scope())


def assert_uniform(x, lo, hi):
    x = np.asarray(x, np.float64).ravel()
    n, var = x.size, (hi - lo) ** 2 / 12
    assert lo <= x.min() and x.max() < hi
    assert abs(x.mean() - (lo + hi) / 2) < Z * np.sqrt(var / n)
    assert abs(x.var() - var) < Z * var * np.sqrt((9 / 5 - 1) / n)  # Var(s^2) = s^4 (k - 1) / n
    tenths = np.histogram(x, bins=10, range=(lo, hi))[0] / n
    assert np.abs(tenths - 0.1).max() < Z * np.sqrt(0.1 * 0.9 / n)


def assert_normal(x, mean, std):
    x = np.asarray(x, np.float64).ravel()
    n = x.size
    assert abs(x.mean() - mean) < Z * std / np.sqrt(n)
    assert abs(x.var() - std ** 2) < Z * std ** 2 * np.sqrt(2 / n)
    # the share within one std of the mean: 0.6827 for any normal
    inside = np.mean(np.abs(x - mean) < std)
    assert abs(inside - 0.682689) < Z * np.sqrt(0.68 * 0.32 / n)


SHAPES = {  # how the shape [400, 500] is given: the attr, ShapeTensor, ShapeTensorList
    "attr": ({}, {"shape": [400, 500]}),
    "ShapeTensor int32": ({"ShapeTensor": np.array([400, 500], np.int32)}, {}),
    "ShapeTensor int64": ({"ShapeTensor": np.array([400, 500], np.int64)}, {}),
    "ShapeTensorList": ({"ShapeTensorList": [np.array([400], np.int64),
                                             np.array([500], np.int32)]}, {"shape": [-1, 500]}),
}


@pytest.mark.parametrize("how", sorted(SHAPES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform_moments_for_every_way_of_giving_the_shape(how, dtype, place):
    ins, attrs = SHAPES[how]
    out = run_op("uniform_random", ins, {**attrs, "min": -2.0, "max": 3.0, "seed": 7,
                                         "dtype": dtype}, place=place)["Out"]
    assert out.shape == (400, 500) and out.dtype == dtype
    assert_uniform(out, -2.0, 3.0)


@pytest.mark.parametrize("how", sorted(SHAPES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gaussian_moments_for_every_way_of_giving_the_shape(how, dtype, place):
    ins, attrs = SHAPES[how]
    out = run_op("gaussian_random", ins, {**attrs, "mean": 1.5, "std": 0.25, "seed": 7,
                                          "dtype": dtype}, place=place)["Out"]
    assert out.shape == (400, 500) and out.dtype == dtype
    assert_normal(out, 1.5, 0.25)


def test_build_time_shapes_have_minus_one_where_the_tensors_decide():
    ins, attrs = SHAPES["ShapeTensorList"]
    for op in ("uniform_random", "gaussian_random"):
        assert build_op(op, ins, attrs)[2]["Out"].shape == (-1, 500)  # the attr's 500 kept
        assert build_op(op, ins)[2]["Out"].shape == (-1, -1)
        assert build_op(op, SHAPES["ShapeTensor int32"][0])[2]["Out"].shape == (-1, -1)


def test_float32_draws_never_reach_max():
    # In float32, 9.999999 and 10 are neighbours: a float64 draw rounded to float32 lands on
    # 10 about half the time; the interval must stay half-open.
    out = run_op("uniform_random", {}, {"shape": [10_000], "min": 9.999999, "max": 10.0,
                                        "seed": 3})["Out"]
    assert out.dtype == np.float32 and (out < np.float32(10.0)).all()
    assert (out >= np.float32(9.999999)).all()


def test_float16_and_a_vartype_number_as_dtype():
    out = run_op("uniform_random", {}, {"shape": [N], "min": 0.0, "max": 1.0, "seed": 2,
                                        "dtype": 4})["Out"]  # VarType FP16
    assert out.dtype == np.float16 and (out < 1).all()
    assert abs(out.astype(np.float64).mean() - 0.5) < 0.01


@pytest.mark.parametrize("op", ["uniform_random", "gaussian_random"])
def test_an_empty_shape_tensor_gives_an_empty_tensor(op):
    out = run_op(op, {"ShapeTensor": np.array([0, 3], np.int64)}, {"seed": 1})["Out"]
    assert out.shape == (0, 3) and out.dtype == np.float32


def test_min_equal_to_max_is_a_constant():
    out = run_op("uniform_random", {}, {"shape": [5], "min": 0.5, "max": 0.5})["Out"]
    np.testing.assert_array_equal(out, np.full(5, 0.5, np.float32))


# The diagonal: diag_val at flat positions i * diag_step + i, i < diag_num, after the draw

@pytest.mark.parametrize("shape, num, step", [([5, 7], 5, 7), ([4, 6], 3, 8), ([30], 4, 0),
                                              ([2, 3, 4], 2, 20)])
def test_diagonal_values_are_placed_exactly(shape, num, step, place):
    out = run_op("uniform_random", {}, {"shape": shape, "seed": 11, "diag_num": num,
                                        "diag_step": step, "diag_val": 7.0}, place=place)["Out"]
    flat = out.ravel()
    where = [i * step + i for i in range(num)]
    np.testing.assert_array_equal(flat[where], 7.0)
    rest = np.delete(flat, where)
    assert (rest >= -1).all() and (rest < 1).all()  # 7 is outside U[-1, 1): nowhere else


def test_diagonal_of_a_square_matrix_is_its_diagonal():
    out = run_op("uniform_random", {"ShapeTensor": np.array([6, 6], np.int64)},
                 {"diag_num": 6, "diag_step": 6, "diag_val": -3.0, "seed": 1})["Out"]
    np.testing.assert_array_equal(np.diag(out), np.full(6, -3.0, np.float32))
    assert (out[~np.eye(6, dtype=bool)] > -1).all()


def test_diagonal_outside_the_tensor_is_a_build_error_or_a_run_error(fresh):
    with pytest.raises(ValueError, match=r"uniform_random: diag_num 3 with diag_step 4 puts "
                                         r"a diagonal element at flat index 10, outside the "
                                         r"10 elements"):
        build_op("uniform_random", {}, {"shape": [2, 5], "diag_num": 3, "diag_step": 4})
    shape = fluid.data("shape", [2], "int64")
    block = fresh.global_block()
    out = block.create_var("out")
    block.append_op("uniform_random", {"ShapeTensor": [shape]}, {"Out": [out]},
                    {"diag_num": 3, "diag_step": 4})
    assert _run(fresh, {"shape": np.array([3, 5])}, [out])[0].shape == (3, 5)  # 10 < 15
    with pytest.raises(ValueError, match="diag_num 3 with diag_step 4 .* outside the 10"):
        _run(fresh, {"shape": np.array([2, 5])}, [out])


# Seeds

def _draws(seed, program_seed=0):
    main = fluid.Program()
    main.random_seed = program_seed
    with fluid.program_guard(main, fluid.Program()), fluid.unique_name.guard():
        a = fluid.layers.uniform_random([3, 4], seed=seed)
        b = fluid.layers.gaussian_random([3, 4], seed=seed)
    exe = fluid.Executor(fluid.CPUPlace())
    return [exe.run(main, fetch_list=[a, b]) for _ in range(2)]


def test_a_seed_gives_one_draw_on_every_run_and_zero_a_fresh_one():
    first, again = _draws(5), _draws(5)
    for run in first + again:  # two runs of each of two identical programs
        for got, want in zip(run, first[0]):
            np.testing.assert_array_equal(got, want)
    fresh = _draws(0)
    assert not np.array_equal(fresh[0][0], fresh[1][0])
    assert not np.array_equal(_draws(6)[0][0], first[0][0])


def test_two_ops_of_one_seed_agree(fresh):
    # fluid 1.8's TestUniformRandomOp_API_seed: the same seed, the same values
    a = fluid.layers.uniform_random([2, 3, 2], min=5, max=10, seed=10)
    b = fluid.layers.uniform_random([2, 3, 2], min=5, max=10, seed=10)
    got_a, got_b = _run(fresh, {}, [a, b])
    np.testing.assert_array_equal(got_a, got_b)
    assert (got_a >= 5).all() and (got_a < 10).all()


def test_a_seed_gives_the_same_draw_on_every_place():
    attrs = {"shape": [50], "seed": 9, "diag_num": 3, "diag_step": 2}
    draws = [run_op("uniform_random", {}, attrs, place=p)["Out"]
             for p in fluid.testing.available_places()]
    for d in draws[1:]:
        np.testing.assert_array_equal(d, draws[0])


# The layers

def test_layers_take_a_shape_variable_fed_at_run_time(fresh):
    shape = fluid.data("shape", [2], "int32")
    u = fluid.layers.uniform_random(shape, min=0.0, max=2.0, seed=1)
    g = fluid.layers.gaussian_random(shape, mean=-1.0, std=3.0, seed=1, dtype="float64")
    op = fresh.global_block().ops[0]
    assert op.input("ShapeTensor") == ["shape"] and u.shape == (-1, -1)
    for dims in ([2, 3], [400, 500]):
        got_u, got_g = _run(fresh, {"shape": np.array(dims, np.int32)}, [u, g])
        assert got_u.shape == got_g.shape == tuple(dims)
        assert got_u.dtype == np.float32 and got_g.dtype == np.float64
    assert_uniform(got_u, 0.0, 2.0)
    assert_normal(got_g, -1.0, 3.0)


def test_layers_take_a_list_mixing_ints_and_int_variables(fresh):
    n = fluid.layers.fill_constant([1], "int64", 300)
    m = fluid.data("m", [1], "int32")
    u = fluid.layers.uniform_random([n, 2, m], dtype="float64", seed=4)
    g = fluid.layers.gaussian_random((n, 7), seed=4)
    assert u.shape == (-1, 2, -1) and g.shape == (-1, 7) and u.stop_gradient
    op = fresh.global_block().ops[-1]
    assert op.type == "gaussian_random" and op.attr("shape") == [-1, 7]
    assert len(op.input("ShapeTensorList")) == 2  # the 7 is a tensor too, as in fluid
    got_u, got_g = _run(fresh, {"m": np.array([500], np.int32)}, [u, g])
    assert got_u.shape == (300, 2, 500) and got_g.shape == (300, 7)
    assert_uniform(got_u, -1.0, 1.0)


def test_a_list_of_ints_is_the_attr_alone(fresh):
    out = fluid.layers.gaussian_random([3, 4], std=2.0, dtype=np.float64)
    op = fresh.global_block().ops[0]
    assert not op.input("ShapeTensor") and not op.input("ShapeTensorList")
    assert op.attr("shape") == [3, 4] and op.attr("dtype") == "float64"
    assert out.shape == (3, 4) and out.dtype == np.float64


BAD_LAYER_CALLS = [  # v: Variables f float32[2], d float64[2], t int32[2]
    (lambda v: fluid.layers.uniform_random(np.zeros((4, 784))), TypeError,
     r"uniform_random: argument 'shape' must be a list or tuple of ints"),
    (lambda v: fluid.layers.uniform_random(v["f"]), TypeError,
     r"uniform_random: argument 'shape' must be .* got Variable 'f' of float32\[2\]"),
    (lambda v: fluid.layers.gaussian_random(v["d"]), TypeError,
     r"gaussian_random: argument 'shape' .* float64"),
    (lambda v: fluid.layers.uniform_random([2, v["t"]]), TypeError,
     r"uniform_random: argument 'shape' element 1 must be an int >= 0 or a 1-element"),
    (lambda v: fluid.layers.uniform_random([2, 3], "int32"), TypeError,
     r"uniform_random: argument 'dtype' must be one of \['float32', 'float64'\], got int32"),
    (lambda v: fluid.layers.gaussian_random([2, 3], dtype="float16"), TypeError,
     r"gaussian_random: argument 'dtype'"),
    (lambda v: fluid.layers.uniform_random([]), ValueError,
     r"uniform_random: argument 'shape' must not be empty"),
    (lambda v: fluid.layers.uniform_random([2, -1]), ValueError,
     r"uniform_random: argument 'shape'"),
    (lambda v: fluid.layers.uniform_random([2], min=1.0, max=0.5), ValueError,
     r"uniform_random: argument 'min' \(1.0\) must not exceed 'max' \(0.5\)"),
    (lambda v: fluid.layers.gaussian_random([2], std=-1.0), ValueError,
     r"gaussian_random: argument 'std' must be a finite number >= 0, got -1.0"),
    (lambda v: fluid.layers.uniform_random([2], seed=-1), ValueError,
     r"uniform_random: argument 'seed' must be an int >= 0"),
    (lambda v: fluid.layers.uniform_random([2], seed=1.5), TypeError,
     r"uniform_random: argument 'seed'"),
]


@pytest.mark.parametrize("call, cls, match", BAD_LAYER_CALLS)
def test_layer_argument_errors_name_the_argument_and_leave_nothing(fresh, call, cls, match):
    v = {"f": fluid.data("f", [2], "float32"), "d": fluid.data("d", [2], "float64"),
         "t": fluid.data("t", [2], "int32")}
    block = fresh.global_block()
    before = (len(block.ops), list(block.vars))
    with pytest.raises(cls, match=match):
        call(v)
    assert (len(block.ops), list(block.vars)) == before


def test_op_attr_errors_are_build_errors():
    for attrs, cls, match in [
            ({"min": 2.0, "max": 1.0}, ValueError, r"min \(2.0\) and max \(1.0\) must be finite"),
            ({"dtype": "int32"}, TypeError, "dtype must be float16, float32 or float64"),
            ({"seed": -3}, ValueError, "seed must be >= 0"),
            ({"diag_num": -1}, ValueError, "diag_num and diag_step must be >= 0")]:
        with pytest.raises(cls, match="^uniform_random: " + match):
            build_op("uniform_random", {}, {"shape": [2, 2], **attrs})
    with pytest.raises(ValueError, match=r"^gaussian_random: mean \(0.0\) must be finite and "
                                         r"std \(-2.0\) finite and >= 0"):
        build_op("gaussian_random", {}, {"shape": [2], "std": -2.0})
    with pytest.raises(ValueError, match="shape must be a list of ints >= 0, got"):
        build_op("gaussian_random", {}, {"shape": [2, -1]})


# *_batch_size_like: shape[output_dim_idx] = Input.shape[input_dim_idx]

@pytest.mark.parametrize("op", ["uniform_random_batch_size_like",
                                "gaussian_random_batch_size_like"])
def test_batch_size_like_takes_the_dimension_of_input(op):
    x = np.zeros((7, 3, 2), np.float32)
    out = run_op(op, {"Input": x}, {"shape": [-1, 4], "seed": 1})["Out"]
    assert out.shape == (7, 4) and out.dtype == np.float32
    out = run_op(op, {"Input": x}, {"shape": [5, 0, 6], "input_dim_idx": 2,
                                    "output_dim_idx": 1, "dtype": "float64"})["Out"]
    assert out.shape == (5, 2, 6) and out.dtype == np.float64
    _, _, outs = build_op(op, {"Input": x}, {"shape": [-1, 4], "input_dim_idx": 1})
    assert outs["Out"].shape == (3, 4)
    empty = run_op(op, {"Input": np.zeros((0, 3))}, {"shape": [-1, 4]})["Out"]
    assert empty.shape == (0, 4) and empty.dtype == np.float32


def test_batch_size_like_layers_follow_the_fed_batch(fresh):
    x = fluid.data("x", [None, 3], "float32")
    u = fluid.layers.uniform_random_batch_size_like(x, [-1, 500], min=1.0, max=4.0, seed=2)
    g = fluid.layers.gaussian_random_batch_size_like(x, [2, 400], output_dim_idx=1, mean=2.0,
                                                     std=0.5, seed=2, dtype="float64")
    assert u.shape == (-1, 500) and g.shape == (2, -1) and u.stop_gradient
    got_u, got_g = _run(fresh, {"x": np.zeros((400, 3), np.float32)}, [u, g])
    assert got_u.shape == (400, 500) and got_g.shape == (2, 400)
    assert_uniform(got_u, 1.0, 4.0)
    assert_normal(got_g, 2.0, 0.5)
    assert _run(fresh, {"x": np.zeros((9, 3), np.float32)}, [u])[0].shape == (9, 500)


def test_batch_size_like_errors(fresh):
    x = fluid.data("x", [4, 3], "float32")
    layer = fluid.layers.uniform_random_batch_size_like
    with pytest.raises(TypeError, match="argument 'shape' must be a non-empty list of ints"):
        layer(x, shape="shape")
    with pytest.raises(TypeError, match="argument 'dtype'"):
        layer(x, [2, 3], "int32")
    with pytest.raises(TypeError, match="argument 'input' must be a Variable"):
        layer(np.zeros((4, 3)), [2, 3])
    with pytest.raises(ValueError, match="argument 'input_dim_idx' must be an int >= 0 and "
                                         "<= 1, got 2"):
        layer(x, [2, 3], input_dim_idx=2)
    with pytest.raises(ValueError, match="argument 'output_dim_idx'"):
        fluid.layers.gaussian_random_batch_size_like(x, [2, 3], output_dim_idx=2)
    with pytest.raises(ValueError, match=r"^uniform_random_batch_size_like: shape must hold "
                                         r"ints >= 0 \(any int at output_dim_idx 0\)"):
        layer(x, [-1, -1])


# The Uniform initializer's diagonal

def test_uniform_initializer_puts_diag_val_on_the_weight_diagonal(fresh):
    x = fluid.data("x", [None, 16], "float32")
    init = fluid.initializer.Uniform(low=-0.5, high=0.5, seed=10, diag_num=16, diag_step=16,
                                     diag_val=1.0)
    fluid.layers.fc(x, size=16, param_attr=fluid.ParamAttr(name="w", initializer=init))
    scope = fluid.Scope()
    fluid.Executor(fluid.CPUPlace()).run(fluid.default_startup_program(), scope=scope)
    w = np.asarray(scope.find_var("w").get_tensor())
    np.testing.assert_array_equal(np.diag(w), np.ones(16, np.float32))
    off = w[~np.eye(16, dtype=bool)]
    assert (off >= -0.5).all() and (off < 0.5).all()


def test_uniform_initializer_diag_errors(fresh):
    Uniform = fluid.initializer.Uniform
    with pytest.raises(ValueError, match="Uniform: arguments 'diag_num' \\(3\\) and "
                                         "'diag_step' \\(0\\) must both be > 0, or both 0"):
        Uniform(diag_num=3)
    with pytest.raises(TypeError, match="Uniform: argument 'diag_val'"):
        Uniform(diag_num=1, diag_step=1, diag_val="1")
    x = fluid.data("x", [None, 3], "float32")
    with pytest.raises(ValueError, match=r"Uniform: arguments 'diag_num' \(4\) and 'diag_step' "
                                         r"\(2\) put a diagonal element at flat index 9, "
                                         r"outside 'fc_0.w_0' of shape \[3, 2\]"):
        fluid.layers.fc(x, 2, param_attr=fluid.ParamAttr(initializer=Uniform(
            diag_num=4, diag_step=2)))


# fluid 1.8's own values: its CPU kernels draw from std::minstd_rand through libstdc++.

def test_the_engine_is_minstd_rand_as_the_cpp_standard_defines_it():
    from minifluid.ops.random import minstd
    # [rand.predef]: the 10000th output of a default-constructed minstd_rand (seed 1)
    assert minstd(1, 10000)[-1] == 399268537
    assert minstd(1, 10000)[:3].tolist() == [48271, 48271 ** 2 % (2 ** 31 - 1),
                                             48271 ** 3 % (2 ** 31 - 1)]
    assert (minstd(2 ** 31 - 1, 5) == minstd(1, 5)).all()  # seed % m == 0 seeds 1
    assert len(minstd(7, 4097)) == 4097 and minstd(7, 4097)[-1] == \
        7 * pow(48271, 4097, 2 ** 31 - 1) % (2 ** 31 - 1)


CPP = r"""
#include <cstdio>
#include <cstdlib>
#include <random>
int main(int argc, char **argv) {
  unsigned seed = strtoul(argv[1], 0, 10); int n = atoi(argv[2]), kind = atoi(argv[3]);
  std::minstd_rand e; e.seed(seed);
  std::uniform_real_distribution<float> uf(-5.0f, 10.0f);
  std::uniform_real_distribution<double> ud(-5.0, 10.0);
  std::normal_distribution<float> nf(1.0f, 2.0f);
  std::normal_distribution<double> nd(1.0, 2.0);
  for (int i = 0; i < n; i++)
    printf("%.17g\n", kind == 0 ? uf(e) : kind == 1 ? ud(e) : kind == 2 ? nf(e) : nd(e));
}
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="no g++ to build the reference")
@pytest.mark.parametrize("op,dtype,kind", [("uniform_random", "float32", 0),
                                           ("uniform_random", "float64", 1),
                                           ("gaussian_random", "float32", 2),
                                           ("gaussian_random", "float64", 3)])
def test_a_seed_gives_the_values_fluid_1_8s_cpu_kernel_gives(tmp_path, op, dtype, kind):
    exe = tmp_path / "ref"
    (tmp_path / "ref.cc").write_text(CPP)
    subprocess.run(["g++", "-O2", "-o", str(exe), str(tmp_path / "ref.cc")], check=True)
    n, seed = 20001, 90
    ref = np.array(subprocess.run([str(exe), str(seed), str(n), str(kind)], check=True,
                                  capture_output=True, text=True).stdout.split(), dtype)
    attrs = dict(min=-5.0, max=10.0) if kind < 2 else dict(mean=1.0, std=2.0)
    got = run_op(op, {}, dict(shape=[n], dtype=dtype, seed=seed, **attrs))["Out"]
    if kind < 2:
        np.testing.assert_array_equal(got, ref)  # bit for bit
    else:  # the same pairs: numpy's log and sqrt may round their last bit otherwise
        eps = np.finfo(dtype).eps  # an ulp of y m, times std, then mean added
        np.testing.assert_allclose(got, ref, rtol=4 * eps, atol=16 * eps)
