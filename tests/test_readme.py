"""The README as a newcomer reads it: its set-up block is what .ci/run runs, its Python code
runs as pasted and computes what it says, and every name it lists exists."""
import importlib
import os
import re
import subprocess
import sys

import pytest

import minifluid as fluid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as _f:
    README = _f.read()


def section(title):
    """The text of the README section `## title`, up to the next `## ` heading."""
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README + "\n## ", re.M | re.S)
    assert m, f"README has no section '## {title}'"
    return m.group(1)


def blocks(title, lang="python"):
    return re.findall(rf"^```{lang}\n(.*?)^```$", section(title), re.M | re.S)


def run_python(code, cwd):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, cwd=cwd, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


# -- set up and run ---------------------------------------------------------------------------

def test_ci_runs_exactly_the_set_up_block_and_it_uses_a_venv():
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        extract = next(line for line in f if line.startswith("sed -n"))
    extract = extract.split(">")[0]  # the pipeline .ci/run writes to its command file
    got = subprocess.run(["bash", "-c", extract], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    block, = blocks("Set up and run", "bash")
    assert got == block
    first, second = block.splitlines()
    # PEP 668: a stock Debian/Ubuntu Python refuses pip outside a venv, so both commands
    # activate .venv before anything runs pip or python.
    assert first.startswith("python3 -m venv .venv && . .venv/bin/activate && ")
    assert second.startswith(". .venv/bin/activate && ")
    assert "python -m pip install '.[examples]'" in first and "train_multilabel.py" in first
    assert "python -m pip install -e '.[test]'" in second and "pytest -q tests" in second


# -- the Python code --------------------------------------------------------------------------

def test_the_fluid_program_runs_and_computes_the_textbook_loss(tmp_path):
    program, = blocks("A fluid program")[:1]
    check = """
sig = 1 / (1 + np.exp(-xs.astype(np.float64)))
want = np.sum(np.logaddexp(0, xs.astype(np.float64)) - xs * ys) / xs.size  # normalize=True
assert abs(float(np.asarray(out).reshape(())) - want) < 1e-5 * max(1, abs(want)), (out, want)
assert np.allclose(g, (sig - ys) / xs.size, atol=1e-6), "dx"
print("CHECKED")
"""
    out = run_python(program + check, tmp_path)
    assert out.rstrip().endswith("CHECKED")
    for op in ("sigmoid_cross_entropy_with_logits", "reduce_sum", "x@GRAD"):
        assert op in out  # print(program) lists the ops and variables


def test_the_training_fragment_trains_and_saves(tmp_path):
    # The fragment is not a whole program (examples/train_multilabel.py is): give it the x,
    # label, reader, feeder and exe it assumes, and check it trains and saves.
    fragment = blocks("A fluid program")[1]
    prelude = """
import numpy as np
import minifluid as fluid
x = fluid.layers.data(name="x", shape=[8], dtype="float32")
label = fluid.layers.data(name="label", shape=[10], dtype="float32")
rng = np.random.default_rng(0)
data = [(rng.normal(size=8).astype("float32"), (rng.random(10) < 0.5).astype("float32"))
        for _ in range(256)]
reader = lambda: iter(data)
exe = fluid.Executor(fluid.CPUPlace())
feeder = fluid.DataFeeder(feed_list=[x, label], place=fluid.CPUPlace())
"""
    check = """
assert isinstance(test_program, fluid.Program)
print("OPS", [op.type for op in fluid.default_main_program().global_block().ops][-1])
"""
    out = run_python(prelude + fragment + check, tmp_path)
    assert "OPS adam" in out
    assert (tmp_path / "model" / "__model__").is_file()


def test_the_own_op_snippet_runs_as_pasted_and_its_checks_bite(tmp_path):
    register, test = blocks("Your own op")
    assert "import numpy as np" in test  # pasted as it stands, it must import what it uses
    bite = """
for wrong in (lambda: check_output("scaled_square", {"X": x}, {"Out": 3 * x**2}, {"factor": 2.0}),
              lambda: check_output("scaled_square", {"X": x}, {"Out": 2 * x**2}, {"factor": 3.0})):
    try:
        wrong()
    except AssertionError:
        continue
    raise SystemExit("a wrong factor passed check_output")
main, startup = fluid.Program(), fluid.Program()
with fluid.program_guard(main, startup):
    v = fluid.layers.data(name="v", shape=[4], dtype="float64")
    out = scaled_square(v, factor=0.5)
got, = fluid.Executor().run(main, {"v": x}, [out])
assert np.allclose(got, 0.5 * x**2, rtol=1e-12)
print("CHECKED", main.global_block().ops[-1].type)
"""
    out = run_python(register + test + bite, tmp_path)
    assert out.rstrip().endswith("CHECKED scaled_square")


# -- the names it lists -----------------------------------------------------------------------

# Backticked words in "What is there" that are not names to look up: op names' run-together
# spelling, variable names fluid generates, argument names of the function before them,
# expressions and file suffixes.
NOT_NAMES = {"x", "y", "reshape2", "shape", "actual_shape", "Mask", "fix_seed", "Seed",
             "act=", "fc_0.w_0", "fc_0.tmp_0", "print(program)", "axis", "weight", "pos_weight",
             "reduction", "elementwise_add/sub/mul/div", "1 - p", "a + b", "x * 0.5", "-x",
             ".npy", ".npz", "<", "<=", ">", ">=", "**", "//", "%", "x / 2", "*_batch_size_like",
             "seed", "std::minstd_rand", "Program.random_seed", "diag_num", "diag_step",
             "diag_val", "scope.var(name).get_selected_rows()", "sgd", "momentum", "adam",
             "lazy_mode", "x < y", "x ** 2", "x // 2", "x % 2", "2 // x", "2 % x",
             "correct", "total", "seq_length", "ignored_tokens", "logical_and/or/xor/not",
             "elementwise_max/min/pow/mod/floordiv", "x[i]", "x[a:b:k]", "moment",
             "register_op(..., lod=, lod_out=)", "minifluid/run_lod.py",
             "initial_accumulator_value"}
NAMESPACES = ["", "layers", "initializer", "optimizer", "io", "regularizer", "compat.tf.nn",
              "metrics", "backward"]


def _lookup(path):
    """minifluid.<path> (a module, imported if need be, or an attribute), or None."""
    obj, here = fluid, "minifluid"
    for part in path.split("."):
        here += "." + part
        if not hasattr(obj, part):
            try:
                importlib.import_module(here)  # a submodule not imported by minifluid
            except ImportError:
                return None
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _resolve(name):
    """The object `name` (`fluid.X.Y`, `minifluid.X`, a bare name in one of fluid's
    namespaces, or an attribute of a Program or an Executor) is, or None."""
    name = re.sub(r"\(.*\)$", "", name).split("=")[-1]  # `f(...)`, `arg=fluid.X(c)`
    if name.startswith(("fluid.", "minifluid.")):
        return _lookup(name.split(".", 1)[1])
    for prefix in NAMESPACES:
        found = _lookup(f"{prefix}.{name}" if prefix else name)
        if found is not None:
            return found
    for owner in (fluid.Program(), fluid.Executor):
        if "." not in name and hasattr(owner, name):
            return getattr(owner, name)
    return None


def test_every_name_the_readme_lists_exists():
    the_list = section("What is there").strip().split("\n\n")[0]  # the bullets
    listed = re.findall(r"`([^`]+)`", the_list)
    dotted = re.findall(r"`((?:mini)?fluid\.[\w.]+)", README)
    names = [n for n in listed if n not in NOT_NAMES] + dotted
    for n in ("Block", "Program", "fluid.data", "reduce_mean", "Momentum", "L2Decay"):
        assert any(n in m for m in names), n  # the scan sees the list
    missing = [n for n in names if _resolve(n) is None]
    assert not missing, f"README lists names minifluid lacks: {missing}"
    assert set(NOT_NAMES) <= set(listed), "NOT_NAMES holds words the README no longer has"
    for op in ("add", "sub", "mul", "div"):
        assert callable(getattr(fluid.layers, f"elementwise_{op}"))


@pytest.mark.parametrize("name", ["fluid.Block", "fluid.core.is_compiled_with_cuda",
                                  "fluid.io.load_inference_model", "minifluid.testing.OpTest"])
def test_resolve_finds_known_names(name):
    assert _resolve(name) is not None
    assert _resolve(name + "_no_such_thing") is None
