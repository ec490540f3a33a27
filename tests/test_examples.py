import os
import subprocess
import sys

import pytest

import minifluid as fluid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, os.path.join(ROOT, "examples", *args[:1]),
                           *args[1:]], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=None if env is None else {**os.environ, **env})


def test_loss_and_gradient_example():
    r = _run("loss_and_gradient.py")
    assert r.returncode == 0, r.stderr
    assert "matches the float64 reference: True" in r.stdout


@pytest.mark.skipif(not fluid.is_compiled_with_cuda(), reason="needs cupy and a GPU")
def test_loss_and_gradient_example_on_gpu():
    r = _run("loss_and_gradient.py", "--cuda")
    assert r.returncode == 0, r.stderr
    assert "CUDAPlace(0)" in r.stdout


def test_train_multilabel_example_reaches_its_bar_and_leaves_no_temporary_directory(tmp_path):
    pytest.importorskip("sklearn")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    r = _run("train_multilabel.py", "--epochs", "15", env={"TMPDIR": str(tmp)}, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "micro F1" in r.stdout and "the loaded model predicts the same: True" in r.stdout
    assert "now removed" in r.stdout
    assert list(tmp.iterdir()) == [] and list(tmp_path.iterdir()) == [tmp]


def test_train_multilabel_example_keeps_the_model_in_model_dir(tmp_path):
    pytest.importorskip("sklearn")
    # One epoch keeps this quick; it misses the F1 bar, so the exit status is 1 for that.
    r = _run("train_multilabel.py", "--epochs", "1", "--model-dir", str(tmp_path / "m"))
    assert r.returncode in (0, 1) and "(bar: 0.95)" in r.stdout, r.stdout + r.stderr
    assert f"saved to {tmp_path / 'm'}; the loaded model predicts the same: True" in r.stdout
    assert (tmp_path / "m" / "__model__").exists()


def test_no_top_level_ops_module_is_installed(tmp_path):
    # Run from an empty folder, so that only installed packages are importable.
    code = "import importlib.util as u, minifluid; print(u.find_spec('ops') is None)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=tmp_path)
    assert r.stdout.strip() == "True", r.stderr
