"""minifluid.kernels.native_status: which CPU kernel the loss runs (C or numpy), and why."""
import importlib.machinery
import os
import warnings

import pytest

from minifluid import kernels
from minifluid.ops import sigmoid_cross_entropy_with_logits as loss_op

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def test_the_loss_status_matches_the_kernel_the_op_uses():
    kind, why = kernels.native_status()
    if loss_op._native is None:
        assert kind == "numpy" and why
    else:
        assert kind == "C" and os.path.samefile(why, loss_op._native._name)


def test_not_built_is_numpy_with_the_reason_and_no_warning(tmp_path):
    beside = str(tmp_path / "op.py")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the plain "not built" case is silent
        assert kernels.native_library(beside, "_nf_absent", abi=1) is None
    kind, why = kernels.native_status("_nf_absent")
    assert kind == "numpy"
    assert why.startswith(f"not built: no _nf_absent{SUFFIX} in {tmp_path}")
    assert "pip install -e ." in why


def test_a_refused_library_is_numpy_with_why_it_was_refused(tmp_path):
    (tmp_path / f"_nf_broken{SUFFIX}").write_bytes(b"not a library")
    with pytest.warns(RuntimeWarning, match="records its size and sha256, is missing"):
        assert kernels.native_library(str(tmp_path / "op.py"), "_nf_broken", abi=1) is None
    kind, why = kernels.native_status("_nf_broken")
    assert kind == "numpy" and "not using" in why and "is missing" in why


def test_a_library_never_looked_for_says_so():
    assert kernels.native_status("_nf_never") == ("numpy",
                                                  "never loaded: no op asked for _nf_never")
