"""What the sdist holds (MANIFEST.in): enough to run its own tests from the unpacked archive,
and no built libraries; and a LICENSE matching setup.cfg's."""
import configparser
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_license_file_is_the_one_setup_cfg_declares():
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"))
    assert cfg["metadata"]["license"] == "Apache-2.0"
    assert cfg["metadata"]["license_files"].split() == ["LICENSE"]
    with open(os.path.join(ROOT, "LICENSE")) as f:
        text = f.read()
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_the_sdist_file_list_holds_what_the_tests_need(tmp_path):
    pytest.importorskip("setuptools")
    if not os.path.isfile(os.path.join(ROOT, "MANIFEST.in")):
        pytest.skip("not a source tree (an installed copy)")
    # egg_info computes the sdist's file list (SOURCES.txt) without building anything.
    r = subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "-e", str(tmp_path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(tmp_path / "minifluid.egg-info" / "SOURCES.txt") as f:
        files = set(f.read().split())
    for need in ("README.md", "LICENSE", "MANIFEST.in", "setup.py", "setup.cfg", "pyproject.toml",
                 ".ci/run", "ops/sigmoid_cross_entropy_with_logits/cpu.c", "tests/conftest.py",
                 "tests/reference.py", "tests/test_readme.py", "tests/ops/test_activation.py",
                 "examples/train_multilabel.py", "examples/loss_and_gradient.py",
                 "benchmarks/bench_loss.py", "ARCHITECTURE.md", "SEMANTICS.md", "ruff.toml"):
        assert need in files, need
    assert not [f for f in files if f.endswith((".so", ".so.json", ".pyc", ".pyd"))]
    assert not [f for f in files if f.startswith((".venv/", "build/"))]
