"""examples/fit_a_line.py (the Paddle book's fit_a_line) trains on a small housing.data
written here in the UCI file's format (506 rows, as the real file, in the real
columns' ranges, with prices a linear function of the features plus noise)."""
import os
import re
import subprocess
import sys

import numpy as np


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOW = np.array([0.006, 0, 0.46, 0, 0.385, 3.56, 2.9, 1.13, 1, 187, 12.6, 0.32, 1.73])
HIGH = np.array([89.0, 100, 27.7, 1, 0.871, 8.78, 100, 12.1, 24, 711, 22, 396.9, 38.0])


def housing_data(rows=506, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(LOW, HIGH, (rows, 13))
    x[:, 3] = x[:, 3] > 0.9  # CHAS is 0 or 1
    x[:, 8] = np.round(x[:, 8])  # RAD is an index
    z = (x - x.mean(0)) / (x.max(0) - x.min(0))
    price = 22.5 + z @ rng.normal(0, 8, 13) + rng.normal(0, 1, rows)
    rows_text = (" ".join(f"{v:.4f}" for v in row) for row in np.column_stack([x, price]))
    return "\n".join(rows_text) + "\n"


def test_fit_a_line_loss_falls_and_the_saved_model_predicts(tmp_path):
    (tmp_path / "uci_housing").mkdir()
    (tmp_path / "uci_housing" / "housing.data").write_text(housing_data())
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "fit_a_line.py"),
                        "--num_epochs", "30", "--model_dir", str(tmp_path / "model")],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path,
                       env={**os.environ, "MINIFLUID_DATA_HOME": str(tmp_path)})
    assert r.returncode == 0, r.stdout + r.stderr
    train = [float(v) for v in re.findall(r"train cost ([\d.]+)", r.stdout)]
    test = [float(v) for v in re.findall(r"test cost ([\d.]+)", r.stdout)]
    assert len(train) == len(test) == 30
    assert test[-1] < 0.5 * test[0] and train[-1] < 0.5 * train[0], r.stdout
    assert len(re.findall(r"predicted [-\d.]+, actual [-\d.]+", r.stdout)) == 10
    assert (tmp_path / "model" / "__model__").exists()


def test_fit_a_line_without_the_data_says_where_to_put_it(tmp_path):
    # a proxy that refuses connections: no download even on a machine with a network
    env = {**os.environ, "MINIFLUID_DATA_HOME": str(tmp_path), "http_proxy": "http://127.0.0.1:9",
           "https_proxy": "http://127.0.0.1:9", "no_proxy": ""}
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "fit_a_line.py"),
                        "--num_epochs", "1"], capture_output=True, text=True, timeout=120,
                       cwd=tmp_path, env=env)
    assert r.returncode != 0
    assert "DownloadError" in r.stderr and "housing.data" in r.stderr
    assert f"put it at {tmp_path / 'uci_housing' / 'housing.data'}" in r.stderr, r.stderr
    assert "http://paddlemodels.bj.bcebos.com/uci_housing/housing.data" in r.stderr
