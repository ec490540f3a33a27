"""The project's conventions and size budgets as checks that fail (ARCHITECTURE.md lists them).

Every registered op has a shape rule, CPU float32 and float64 kernels, a grad maker or a
stated reason for having none, and a test that names it; no kernel writes into its inputs;
shape rules return their outputs' specs (no op file assigns a variable's fields), and no op
file spells '@GRAD' (registry.grad_name does);
every module in ops/ is imported by ops/__init__.py; engine files, op files and functions stay
within their line budgets; and the documents say only what is there (the tests SEMANTICS.md
cites, the files ARCHITECTURE.md names, its worked example).
"""
import ast
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import minifluid  # noqa: F401  (registers every op)
from minifluid.place import CPUPlace
from minifluid.registry import OPS

ROOT = Path(__file__).resolve().parent.parent

# Ops whose inputs are never float, so that float32/float64 kernels would be meaningless.
NOT_FLOAT = {
    **{t: "a logical op: X and Y are bool" for t in ("logical_and", "logical_or", "logical_xor",
                                                   "logical_not")},
    "elementwise_floordiv": "fluid 1.8's floordiv has int32 and int64 kernels only",
    "reduce_all": "a logical reduction: X is bool",
    "reduce_any": "a logical reduction: X is bool",
    "one_hot": "X holds int class ids",
    "one_hot_v2": "X holds int class ids",
}

# Not differentiable by design, but declared in files other work was changing when this check
# came in. TODO: give each its register_op(..., no_grad=reason) and drop it from here.
NO_GRAD_TODO: dict = {}  # op type -> where it is, for ops still to be marked


# Modules in ops/ that declare no op, so ops/__init__.py need not import them.
HELPER_MODULES = {"rules": "the shared shape rules and helpers, imported by the op files"}

# Budgets, set a little above the largest today (see ARCHITECTURE.md, "Budgets").
ENGINE_FILE_LINES = 500     # minifluid/**.py; largest: minifluid/testing.py, 492 lines
OP_FILE_LINES = 400         # ops/**.py; largest: sigmoid_cross_entropy_with_logits/cpu_numpy, 220
FUNCTION_LINES = 85         # largest: minifluid/backward.py, _backward, 80 lines


TEST_FILES = {p: p.read_text() for p in sorted((ROOT / "tests").rglob("test_*.py"))}


def _files_naming(type):
    """The test files that name op `type` as a string."""
    pattern = re.compile(rf"""["']{re.escape(type)}["']""")
    return [text for text in TEST_FILES.values() if pattern.search(text)]


@pytest.mark.parametrize("type", sorted(OPS))
def test_op_has_a_shape_rule(type):
    assert OPS[type].rule is not None, f"op '{type}' has no shape rule (@op.shape_rule)"


@pytest.mark.parametrize("type", sorted(OPS))
def test_op_has_cpu_float32_and_float64_kernels(type):
    if type in NOT_FLOAT:
        assert not any(d.startswith("float") for _, d in OPS[type].kernels), (
            f"op '{type}' is allow-listed as never float ({NOT_FLOAT[type]}) but has float "
            f"kernels: drop it from NOT_FLOAT")
        return
    missing = [d for d in ("float32", "float64") if OPS[type].kernel_for(CPUPlace(), d) is None]
    assert not missing, (f"op '{type}' has no CPU kernel for {missing}; registered: "
                         f"{sorted(OPS[type].kernels)}")


@pytest.mark.parametrize("type", sorted(OPS))
def test_op_has_a_gradient_or_says_why_not(type):
    opdef = OPS[type]
    if type in NO_GRAD_TODO:
        assert opdef.grad is None and not opdef.no_grad, (
            f"op '{type}' now declares its gradient or its reason: drop it from NO_GRAD_TODO")
        return
    assert (opdef.grad is None) != (not opdef.no_grad), (
        f"op '{type}' needs exactly one of a grad maker (@op.grad_maker, op.default_grad) and "
        f"register_op(..., no_grad='why'); it has grad={opdef.grad}, no_grad={opdef.no_grad!r}")


@pytest.mark.parametrize("type", sorted(OPS))
def test_op_is_named_by_a_test(type):
    forward = type[:-len("_grad")] if type.endswith("_grad") else type
    if forward != type and forward in OPS and not _files_naming(type):
        # A grad op is tested through its forward op's gradient check.
        assert any("check_grad" in text for text in _files_naming(forward)), (
            f"grad op '{type}': no test file names it, or its forward op '{forward}' and "
            f"calls check_grad")
        return
    assert _files_naming(type), f"no file under tests/ names op '{type}' (as a string)"


def _call_on_read_only_inputs(opdef):
    """Call the CPU float64 kernel on read-only (4, 4) inputs in [0.5, 1] and default attrs;
    return the exception it raised, or None."""
    a = np.random.default_rng(0).uniform(0.5, 1.0, (4, 4))
    a.flags.writeable = False
    args = [[a, a] if s in opdef.duplicable else None if s in opdef.optional else a
            for s in opdef.inputs]
    attrs = dict(opdef.attrs)
    if opdef.wants_outputs:
        attrs["wanted"] = (True,) * len(opdef.outputs)
    if opdef.random:
        attrs["rng"] = np.random.default_rng(0)
    if opdef.needs_xp:
        attrs["xp"] = np
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opdef.kernel_for(CPUPlace(), "float64")(*args, **attrs)
    except Exception as e:  # these inputs do not suit every op: only read-only errors count
        return e
    return None


def test_kernels_do_not_write_their_inputs():
    # Fed arrays reach kernels without a copy, and gradients of reductions are read-only
    # broadcast views: a kernel that writes into an input fails on read-only arrays.
    ran, writes = [], []
    for type, opdef in sorted(OPS.items()):
        if opdef.kernel_for(CPUPlace(), "float64") is None:
            continue
        e = _call_on_read_only_inputs(opdef)
        wrote = e is not None and "read-only" in str(e)
        # by design only where the op says so (register_op(..., in_place=True): the
        # optimizers, whose ParamOut is Param); the executor copies fed arrays for them
        if wrote != opdef.in_place:
            writes.append(f"{type}: {e}" if wrote else f"{type}: in_place=True but wrote nothing")
        ran += [type] if e is None else []
    assert not writes, f"kernels writing into their inputs (return new arrays): {writes}"
    assert len(ran) > 100, f"only {len(ran)} kernels ran on the generic inputs"


def test_every_op_module_is_imported_by_the_package():
    tree = ast.parse((ROOT / "ops" / "__init__.py").read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 1
                for a in n.names}
    imported |= {n.module for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module}
    modules = {p.stem for p in (ROOT / "ops").glob("*.py")} - {"__init__", *HELPER_MODULES}
    modules |= {p.parent.name for p in (ROOT / "ops").glob("*/__init__.py")}  # an op package
    assert modules <= imported, f"ops/__init__.py does not import {sorted(modules - imported)}"


def _lines(path):
    return len(path.read_text().splitlines())


def test_engine_files_are_within_budget():
    sizes = {p.relative_to(ROOT): _lines(p) for p in (ROOT / "minifluid").rglob("*.py")}
    over = {str(p): n for p, n in sizes.items() if n > ENGINE_FILE_LINES}
    assert not over, f"engine files over {ENGINE_FILE_LINES} lines (split them): {over}"


def test_op_files_are_within_budget():
    sizes = {str(p.relative_to(ROOT)): _lines(p) for p in (ROOT / "ops").rglob("*.py")}
    over = {p: n for p, n in sizes.items() if n > OP_FILE_LINES}
    assert not over, f"op files over {OP_FILE_LINES} lines (split them): {over}"


def test_functions_are_within_budget():
    over = []
    for path in [*(ROOT / "minifluid").rglob("*.py"), *(ROOT / "ops").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > FUNCTION_LINES:
                    over.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n})")
    assert not over, f"functions over {FUNCTION_LINES} lines (split them): {over}"


def test_the_tests_semantics_md_cites_exist():
    files = {"op": "tests/ops/test_sigmoid_cross_entropy_with_logits.py",
             "nn": "tests/test_nn.py", "tf": "tests/test_compat_tf.py"}
    text = (ROOT / "SEMANTICS.md").read_text()
    cited = [(m[1], name) for m in re.finditer(r"\[(op|nn|tf):([^\]]*)\]", text)
             for name in re.findall(r"`(test_\w+)`", m[2])]
    assert len(cited) > 20
    missing = [f"{files[f]}::{name}" for f, name in cited
               if f"def {name}(" not in (ROOT / files[f]).read_text()]
    assert not missing, f"SEMANTICS.md cites tests that do not exist: {missing}"


def test_the_files_architecture_md_names_exist():
    text = (ROOT / "ARCHITECTURE.md").read_text()
    named = set(re.findall(r"`((?:minifluid|ops|tests|benchmarks|examples)/[\w/]+\.\w+)`", text))
    example = {"ops/cube.py", "tests/ops/test_cube.py"}  # the worked example, not in the tree
    assert len(named) > 20
    missing = sorted(p for p in named - example if not (ROOT / p).exists())
    assert not missing, f"ARCHITECTURE.md names files that do not exist: {missing}"


def test_the_worked_example_in_architecture_md_runs():
    from minifluid.testing import check_grad, check_output

    text = (ROOT / "ARCHITECTURE.md").read_text()
    code = text.split("`ops/cube.py`:\n\n```python\n", 1)[1].split("```", 1)[0]
    code = code.replace("from .rules import", "from minifluid.ops.rules import")
    try:
        exec(compile(code, "ARCHITECTURE.md", "exec"), {"__name__": "cube"})
        x = np.random.default_rng(0).uniform(-2, 2, (3, 4))
        check_output("cube", {"X": x}, {"Out": x ** 3})
        check_grad("cube", {"X": x})
    finally:
        OPS.pop("cube", None)
        OPS.pop("cube_grad", None)


def _misspellings(tree):
    """Assignments to a variable's shape/dtype/lod_level, and '@GRAD' in a string that is
    not a docstring."""
    docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for t in targets:
            for a in t.elts if isinstance(t, ast.Tuple) else [t]:
                if isinstance(a, ast.Attribute) and a.attr in ("shape", "dtype", "lod_level"):
                    yield node.lineno, f"assigns .{a.attr}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                "@GRAD" in node.value and id(node) not in docs:
            yield node.lineno, f"spells {node.value!r}"


def test_shape_rules_return_specs_and_grad_names_are_spelled_once():
    found = [f"{p.relative_to(ROOT)}:{line}: {what}" for p in sorted((ROOT / "ops").rglob("*.py"))
             for line, what in _misspellings(ast.parse(p.read_text()))]
    assert not found, ("op files that assign variables' fields (a shape rule returns specs: "
                       "ops/rules.py) or spell '@GRAD' (use grad_name):\n" + "\n".join(found))
