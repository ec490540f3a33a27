"""minifluid: a miniature static-graph tensor framework that runs PaddlePaddle fluid 1.x scripts.

    import minifluid as fluid
    x = fluid.layers.data(name="x", shape=[10], dtype="float32")
"""
import importlib.util as _util
import os as _os
import sys as _sys

if _util.find_spec(__name__ + ".ops") is None:  # a source checkout: ops/ lies beside us
    _dir = _os.path.join(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))), "ops")
    _spec = _util.spec_from_file_location(__name__ + ".ops", _os.path.join(_dir, "__init__.py"),
                                          submodule_search_locations=[_dir])
    _sys.modules[_spec.name] = _util.module_from_spec(_spec)
    _spec.loader.exec_module(_sys.modules[_spec.name])

from . import ops  # noqa: E402,F401  (registers every op)
from . import (backward, compat, compiler, core, dygraph, initializer, io, layers,  # noqa: E402
               nn, op, optimizer, registry, regularizer)
from . import debugger, profiler, version  # noqa: E402
from . import metrics  # noqa: E402
from . import nets  # noqa: E402  (issue 15: fluid.nets)
from .namescope import name_scope  # noqa: E402
from .parallel_executor import ParallelExecutor  # noqa: E402
from .version import require_version  # noqa: E402
from .backward import append_backward, gradients  # noqa: E402
from .compiler import BuildStrategy, CompiledProgram, ExecutionStrategy  # noqa: E402
from .data_feeder import DataFeeder, batch  # noqa: E402
from .dataloader import cpu_places, cuda_places  # noqa: E402
from .dygraph import disable_dygraph, enable_dygraph  # noqa: E402
from .executor import Executor, Scope, global_scope, scope_guard  # noqa: E402
from .io_fluid import load, load_program_state, save, set_program_state  # noqa: E402
from .framework import (Block, Operator, Parameter, Program, Variable,  # noqa: E402
                        default_main_program, default_startup_program, in_dygraph_mode,
                        program_guard, unique_name)
from .layers.io import fluid_data as data  # noqa: E402
from . import input  # noqa: E402,A004  (fluid.input.embedding)
from .layers.emb15 import embedding_v2 as embedding  # noqa: E402
from .layers.shape15_values import fluid_one_hot as one_hot  # noqa: E402
from .lod_tensor import LoDTensor, create_lod_tensor, create_random_int_lodtensor  # noqa: E402
from .param_attr import ParamAttr  # noqa: E402
from .place import CPUPlace, CUDAPlace, is_compiled_with_cuda  # noqa: E402

__version__ = "0.1.0"
__all__ = [
    "Block", "BuildStrategy", "CompiledProgram", "CPUPlace", "CUDAPlace", "DataFeeder",
    "ExecutionStrategy", "Executor", "LoDTensor", "Operator",
    "ParamAttr", "Parameter", "create_lod_tensor", "create_random_int_lodtensor",
    "Program", "Scope", "Variable", "append_backward", "backward", "batch", "core", "data",
    "default_main_program", "default_startup_program", "global_scope", "gradients",
    "compat", "compiler", "dygraph", "disable_dygraph", "enable_dygraph", "in_dygraph_mode",
    "initializer", "io", "is_compiled_with_cuda", "layers", "nn", "op", "optimizer",
    "program_guard", "registry", "regularizer", "scope_guard", "unique_name",
    "save", "load", "load_program_state", "set_program_state",
    "cpu_places", "cuda_places",
    "debugger", "name_scope", "ParallelExecutor", "profiler", "require_version", "version",
    "metrics",
]
__all__ += ["embedding", "input", "one_hot"]  # issue 15
__all__ += ["nets"]  # issue 15: fluid.nets
