"""fluid.compiler: CompiledProgram, BuildStrategy, ExecutionStrategy.

fluid compiled a Program into a graph before running it, and with `with_data_parallel` made
one copy per device and split each batch between them. minifluid compiles every program on
its first run anyway (the executor's plans), so a CompiledProgram is its program plus the
strategies it was given, and `Executor.run` runs the program. Data parallelism over more
than one place is not there yet: `with_data_parallel` on several places (or CPU_NUM > 1)
raises saying so, rather than running on one and returning what one device gives.
"""
from __future__ import annotations

import os

from .framework import Program

__all__ = ["CompiledProgram", "BuildStrategy", "ExecutionStrategy"]


class _Strategy:
    """fluid's strategy objects: fixed fields with defaults; an unknown one is an error."""
    FIELDS: dict = {}

    def __init__(self):
        for k, v in self.FIELDS.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, name, value):
        if name not in self.FIELDS:
            raise AttributeError(f"{type(self).__name__} has no field '{name}'; its fields "
                                 f"are {sorted(self.FIELDS)}")
        object.__setattr__(self, name, value)

    def __repr__(self):
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.FIELDS)
        return f"{type(self).__name__}({fields})"


class BuildStrategy(_Strategy):
    """How fluid built its graph (fusions, in-place reuse, gradient reduction). minifluid
    keeps the fields a script sets; none changes what a run computes on one place."""

    class ReduceStrategy:
        AllReduce, Reduce = 0, 1

    class GradientScaleStrategy:
        CoeffNumDevice, One, Customized = 0, 1, 2

    FIELDS = dict(reduce_strategy=0, gradient_scale_strategy=0, debug_graphviz_path="",
                  enable_sequential_execution=False, fuse_elewise_add_act_ops=False,
                  fuse_bn_act_ops=False, fuse_relu_depthwise_conv=False,
                  fuse_broadcast_ops=False, fuse_all_optimizer_ops=False,
                  fuse_all_reduce_ops=False, enable_inplace=False, enable_auto_fusion=False,
                  memory_optimize=False, enable_backward_optimizer_op_deps=True,
                  sync_batch_norm=False, remove_unnecessary_lock=True,
                  cache_runtime_context=False, num_trainers=1, trainer_id=0,
                  use_hierarchical_allreduce=False, mkldnn_enabled_op_types=set())


class ExecutionStrategy(_Strategy):
    """How fluid's parallel executor scheduled ops (threads, scope dropping)."""
    FIELDS = dict(num_threads=0, num_iteration_per_drop_scope=100, num_iteration_per_run=1,
                  use_thread_barrier=False, allow_op_delay=False,
                  use_experimental_executor=False)


class CompiledProgram:
    """`program` as fluid's CompiledProgram: `exe.run(CompiledProgram(p), ...)` runs `p`."""

    def __init__(self, program_or_graph, build_strategy: BuildStrategy = None):
        if not isinstance(program_or_graph, Program):
            raise TypeError(f"CompiledProgram: argument 'program_or_graph' must be a Program, "
                            f"got {type(program_or_graph).__name__}")
        _check(build_strategy, BuildStrategy, "build_strategy")
        self._program = program_or_graph
        self._build_strategy = build_strategy or BuildStrategy()
        self._exec_strategy = ExecutionStrategy()
        self._loss_name, self._places = None, None

    def with_data_parallel(self, loss_name=None, build_strategy=None, exec_strategy=None,
                           share_vars_from=None, places=None):
        """fluid's data-parallel compile; minifluid runs it on one place only."""
        _check(build_strategy, BuildStrategy, "build_strategy")
        _check(exec_strategy, ExecutionStrategy, "exec_strategy")
        if loss_name is not None and not isinstance(loss_name, str):
            raise TypeError(f"with_data_parallel: argument 'loss_name' must be a str (the "
                            f"loss variable's name), got {type(loss_name).__name__}")
        if places is not None and not isinstance(places, (list, tuple)):
            places = [places]  # fluid 1.8 takes one place too
        places = list(places) if places is not None else None
        cpu_num = os.environ.get("CPU_NUM", "1")
        count = len(places) if places is not None else int(cpu_num) if cpu_num.isdigit() else 1
        if count != 1:
            given = f"places={places!r}" if places is not None else f"CPU_NUM={cpu_num}"
            raise NotImplementedError(
                f"with_data_parallel: minifluid runs a program on one place, and was given "
                f"{count} ({given}); pass places=[one place] or set CPU_NUM=1")
        self._loss_name, self._places = loss_name, places
        self._build_strategy = build_strategy or self._build_strategy
        self._exec_strategy = exec_strategy or self._exec_strategy
        return self

    def __repr__(self):
        return f"CompiledProgram({self._program!r})"


def _check(value, cls, name):
    if value is not None and not isinstance(value, cls):
        raise TypeError(f"CompiledProgram: argument '{name}' must be a {cls.__name__}, got "
                        f"{type(value).__name__}")
