"""What a ported `import paddle` lands on: `paddle.fluid` is minifluid.

    import minifluid.compat.paddle as paddle          # was: import paddle
    import minifluid.compat.paddle.fluid as fluid     # was: import paddle.fluid as fluid
    from minifluid.compat.paddle import fluid         # the same module: minifluid

minifluid is static-graph only: `enable_static()` does nothing, and `disable_static()` and
the dygraph-only entry points (`to_tensor`, `grad`, `no_grad`) raise NotImplementedError.
`__version__` is "1.8.5+minifluid.<minifluid's version>": the fluid API level minifluid
follows (Paddle v1.8.5), marked as minifluid's with a PEP 440 local label; it is not a
Paddle release.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

import minifluid as fluid
from minifluid import CPUPlace, CUDAPlace, is_compiled_with_cuda, version
from minifluid.data_feeder import batch  # paddle.batch

__all__ = ["fluid", "static", "nn", "enable_static", "disable_static", "in_dynamic_mode",
           "CPUPlace", "CUDAPlace", "is_compiled_with_cuda", "to_tensor", "grad", "no_grad",
           "__version__", "batch", "dataset", "reader"]

__version__ = f"1.8.5+minifluid.{fluid.__version__}"

_FLUID = __name__ + ".fluid"


class _FluidAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of minifluid.compat.paddle.fluid[.M] return the module minifluid[.M] itself,
    not a second copy (a copy would register every op twice)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == _FLUID or fullname.startswith(_FLUID + "."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("minifluid" + spec.name[len(_FLUID):])

    def exec_module(self, module):
        pass


if not any(isinstance(f, _FluidAlias) for f in sys.meta_path):
    sys.meta_path.insert(0, _FluidAlias())
sys.modules[_FLUID] = fluid
sys.modules[__name__ + ".version"] = version  # paddle.version: the fluid version, 1.8.5


def enable_static():
    """Paddle 2's switch to static graphs: minifluid is always static, so nothing to do."""


def in_dynamic_mode() -> bool:
    return False


def _static_only(name):
    def entry(*args, **kwargs):
        raise NotImplementedError(f"paddle.{name}: minifluid is static-graph only (fluid 1.x "
                                  f"programs run by an Executor); there is no dygraph mode")
    entry.__name__ = name
    entry.__doc__ = "Dygraph only: raises NotImplementedError (minifluid is static-graph only)."
    return entry


disable_static = _static_only("disable_static")
to_tensor = _static_only("to_tensor")
grad = _static_only("grad")
no_grad = _static_only("no_grad")

# paddle.static: Paddle 2's names for the static-graph entry points fluid already has.
static = types.ModuleType(__name__ + ".static", "Paddle 2's static-graph names, from minifluid.")
for _name in ("Program", "program_guard", "Executor", "data", "default_main_program",
              "default_startup_program", "global_scope", "scope_guard", "append_backward",
              "gradients", "CPUPlace", "CUDAPlace"):
    setattr(static, _name, getattr(fluid, _name))
sys.modules[static.__name__] = static

# paddle.nn: the Paddle 2 loss spellings minifluid has (minifluid.nn itself)
nn = fluid.nn
sys.modules[__name__ + ".nn"] = nn
sys.modules[__name__ + ".nn.functional"] = nn.functional


def __getattr__(name):
    if name in ("dataset", "reader"):  # paddle.dataset.mnist, paddle.reader.shuffle
        return importlib.import_module(f"{__name__}.{name}")
    # Paddle 2's tensor functions (paddle.exp, paddle.mean ...) are not fluid 1.x API; their
    # signatures differ from fluid.layers', so say where the 1.x one is instead of aliasing.
    hint = f"; fluid 1.x has paddle.fluid.layers.{name}" if hasattr(fluid.layers, name) else ""
    raise AttributeError(f"module 'paddle' (minifluid.compat.paddle) has no attribute "
                         f"'{name}': minifluid follows the fluid 1.x API (paddle.fluid){hint}")
