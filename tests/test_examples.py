import os
import subprocess
import sys

import pytest

import minifluid as fluid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*args):
    return subprocess.run([sys.executable, os.path.join(ROOT, "examples", *args[:1]),
                           *args[1:]], capture_output=True, text=True, timeout=300)


def test_loss_and_gradient_example():
    r = _run("loss_and_gradient.py")
    assert r.returncode == 0, r.stderr
    assert "matches the float64 reference: True" in r.stdout


@pytest.mark.skipif(not fluid.is_compiled_with_cuda(), reason="needs cupy and a GPU")
def test_loss_and_gradient_example_on_gpu():
    r = _run("loss_and_gradient.py", "--cuda")
    assert r.returncode == 0, r.stderr
    assert "CUDAPlace(0)" in r.stdout
