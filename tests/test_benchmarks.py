"""The benchmark scripts run to the end (at a small size): an API change that breaks one
fails here, not in the next session's measurement."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("script,args,expect", [
    ("bench_loss.py", ["--sizes", "1e4"], "One run of the README program"),
    ("bench_training.py", [], "Executor overhead:"),
])
def test_benchmark_runs(script, args, expect):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", script), *args],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert expect in r.stdout
