"""fluid.dygraph: minifluid runs fluid's static graphs only, so each dygraph entry point
raises NotImplementedError saying so, except `enabled()` and `in_dygraph_mode()`, which are
False. Scripts that only import the module, subclass `Layer` or decorate with `no_grad`
still load; the error comes when dygraph is used.

    fluid.dygraph.enabled()            # False
    with fluid.dygraph.guard():        # NotImplementedError: minifluid runs fluid's ...
        ...
"""
from __future__ import annotations

import functools
import types

from .framework import in_dygraph_mode

__all__ = ["MESSAGE", "enabled", "in_dygraph_mode", "guard", "to_variable", "no_grad", "grad",
           "enable_dygraph", "disable_dygraph", "Layer", "Sequential", "LayerList",
           "ParameterList", "Linear", "Conv2D", "Conv2DTranspose", "Conv3D", "Pool2D",
           "BatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm", "Embedding", "Dropout",
           "GRUUnit", "PRelu", "BilinearTensorProduct", "NCE", "SpectralNorm", "TreeConv",
           "DataParallel", "ParallelEnv", "prepare_context", "save_dygraph", "load_dygraph",
           "TracedLayer", "declarative", "jit", "ProgramTranslator", "BackwardStrategy"]

MESSAGE = ("minifluid runs fluid's static graphs; dygraph mode is not supported: build a "
           "Program (fluid.data, fluid.layers.*) and run it with fluid.Executor")


def _unsupported(name: str):
    raise NotImplementedError(f"fluid.dygraph.{name}: {MESSAGE}")


enabled = in_dygraph_mode  # whether dygraph mode is on: never, in minifluid


def _entry(name: str):
    def entry(*args, **kwargs):
        _unsupported(name)
    entry.__name__ = entry.__qualname__ = name
    entry.__doc__ = f"Dygraph only: raises NotImplementedError ({MESSAGE})."
    return entry


guard = _entry("guard")
to_variable = _entry("to_variable")
grad = _entry("grad")
enable_dygraph = _entry("enable_dygraph")
disable_dygraph = _entry("disable_dygraph")
prepare_context = _entry("prepare_context")
save_dygraph = _entry("save_dygraph")
load_dygraph = _entry("load_dygraph")
def _decorator(name: str):
    """A dygraph decorator: the decorated function loads, and raises when called;
    `@name()` works too, and `with name():` raises at once."""
    class Decorator:
        def __call__(self, func):
            return decorate(func)

        def __enter__(self):
            _unsupported(name)

        def __exit__(self, *exc):
            return False

    def decorate(func=None):
        if func is None:
            return Decorator()

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            _unsupported(name)
        return wrapper
    decorate.__name__ = decorate.__qualname__ = name.rsplit(".", 1)[-1]
    return decorate


no_grad = _decorator("no_grad")
declarative = _decorator("declarative")
jit = types.SimpleNamespace(declarative=_decorator("jit.declarative"),
                            save=_entry("jit.save"), load=_entry("jit.load"),
                            TracedLayer=_entry("jit.TracedLayer"))


class Layer:
    """Dygraph only: subclasses can be defined (a script loads), creating one raises."""

    def __init__(self, *args, **kwargs):
        _unsupported(type(self).__name__)


def _layer(name: str):
    return type(name, (Layer,), {"__doc__": Layer.__doc__, "__module__": __name__})


Sequential = _layer("Sequential")
LayerList = _layer("LayerList")
ParameterList = _layer("ParameterList")
Linear = _layer("Linear")
Conv2D = _layer("Conv2D")
Conv2DTranspose = _layer("Conv2DTranspose")
Conv3D = _layer("Conv3D")
Pool2D = _layer("Pool2D")
BatchNorm = _layer("BatchNorm")
LayerNorm = _layer("LayerNorm")
GroupNorm = _layer("GroupNorm")
InstanceNorm = _layer("InstanceNorm")
Embedding = _layer("Embedding")
Dropout = _layer("Dropout")
GRUUnit = _layer("GRUUnit")
PRelu = _layer("PRelu")
BilinearTensorProduct = _layer("BilinearTensorProduct")
NCE = _layer("NCE")
SpectralNorm = _layer("SpectralNorm")
TreeConv = _layer("TreeConv")
DataParallel = _layer("DataParallel")
TracedLayer = _layer("TracedLayer")


class ParallelEnv(Layer):
    """Dygraph only: creating one raises."""


class ProgramTranslator(Layer):
    """Dygraph only: creating one raises."""


class BackwardStrategy(Layer):
    """Dygraph only: creating one raises."""
