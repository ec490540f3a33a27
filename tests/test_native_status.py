"""minifluid.kernels.native_status(): which CPU kernel the loss runs (C or numpy), and why;
checked on this checkout and on copies of it without the library and with a broken one."""
import importlib.machinery
import os
import shutil
import subprocess
import sys

from minifluid import kernels
from minifluid.ops import sigmoid_cross_entropy_with_logits as loss_op

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
LIB = kernels.LOSS_LIBRARY
LOSS = "sigmoid_cross_entropy_with_logits"  # the loss's package, in ops/


def test_the_status_is_the_kernel_the_loss_op_uses(monkeypatch):
    kind, why = kernels.native_status()
    if loss_op._native is None:
        assert kind == "numpy" and why
    else:
        assert kind == "C" and os.path.samefile(why, loss_op._native._name)
        monkeypatch.setattr(loss_op, "_native", None)
        assert kernels.native_status() == ("numpy", "switched off: the loss op's _native is "
                                                    "None (as bench_loss.py --numpy sets it)")


def _status_in_a_copy(tmp_path, library=None):
    """native_status() in a fresh process on a copy of minifluid whose ops/ holds `library`
    (bytes) as the loss's C library, or no library; its stdout and stderr."""
    shutil.copytree(os.path.join(ROOT, "minifluid"), tmp_path / "minifluid",
                    ignore=shutil.ignore_patterns("__pycache__"))
    # Laid out as installed (ops/ inside the package), so that an editable install's finder,
    # which maps minifluid.ops to the checkout's ops/, does not serve it instead.
    ops = tmp_path / "minifluid" / "ops"
    shutil.copytree(os.path.join(ROOT, "ops"), ops,
                    ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.so.json", "*.pyd*"))
    if library is not None:
        (ops / LOSS / f"{LIB}{SUFFIX}").write_bytes(library)
    code = "import minifluid.kernels as k; print(k.native_status())"
    r = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True,
                       text=True, cwd=tmp_path, timeout=60,
                       env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    return r.stdout.strip(), r.stderr


def test_not_built_is_numpy_with_the_reason_and_no_warning(tmp_path):
    out, err = _status_in_a_copy(tmp_path)
    ops = tmp_path / "minifluid" / "ops" / LOSS
    assert out == repr(("numpy", f"not built: no {LIB}{SUFFIX} in {ops} (no C compiler when "
                                 f"it was installed, or a source checkout: python -m pip "
                                 f"install -e . builds it)"))
    assert err == ""  # the plain "not built" case is no warning


def test_a_refused_library_is_numpy_with_why_and_one_warning(tmp_path):
    out, err = _status_in_a_copy(tmp_path, b"not a library")
    lib = tmp_path / "minifluid" / "ops" / LOSS / f"{LIB}{SUFFIX}"
    assert out.startswith(f"('numpy', 'not using {lib}: ")
    assert "records its size and sha256, is missing" in out
    assert err.count("RuntimeWarning") == 1
