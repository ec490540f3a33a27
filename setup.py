"""Builds the loss's optional float32 C kernel; everything else is declared in setup.cfg.

Without a working C compiler the build is skipped with a warning and minifluid runs its
numpy kernels instead (benchmarks/RESULTS.md has what the C kernel is measured to gain).
Beside each library it writes `<library>.json`, the library's size and sha256, which
minifluid checks before loading it (minifluid/kernels.py, native_library).
"""
import hashlib
import json
import os

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    def build_extensions(self):
        if self.compiler.compiler_type == "unix":
            for ext in self.extensions:  # selects without traps, so the loops vectorise
                ext.extra_compile_args = ["-O3", "-fno-trapping-math"]
        super().build_extensions()

    def get_export_symbols(self, ext):
        return ext.export_symbols  # a plain library for ctypes: no PyInit_ to export (MSVC)

    def run(self):
        try:
            super().run()  # builds into build_lib, then copies to the source tree if inplace
        except Exception as e:  # no compiler, or it failed: the numpy kernels serve instead
            print(f"WARNING: minifluid's C kernel was not built ({e}); using numpy kernels")
            return
        for ext in self.extensions:
            filename = self.get_ext_filename(self.get_ext_fullname(ext.name))
            for path in {os.path.join(self.build_lib, filename), self.get_ext_fullpath(ext.name)}:
                if os.path.isfile(path):
                    _record(path)


def _record(path):
    """Write path's size and sha256 beside it, for minifluid to check before loading it."""
    with open(path, "rb") as f:
        data = f.read()
    with open(path + ".json", "w") as f:
        json.dump({"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}, f)


LOSS = "sigmoid_cross_entropy_with_logits"
setup(ext_modules=[Extension(f"minifluid.ops.{LOSS}._{LOSS}_cpu", [f"ops/{LOSS}/cpu.c"])],
      cmdclass={"build_ext": OptionalBuildExt})
