"""fluid.ParallelExecutor: fluid 1.x's data-parallel executor, over one place.

fluid 1.8 made it a CompiledProgram with_data_parallel run by an Executor, on every visible
GPU (use_cuda) or CPU_NUM CPU places. minifluid runs a program on one place: CUDAPlace(0) or
CPUPlace(). Several places (CPU_NUM > 1, more than one GPU visible) are refused, as
CompiledProgram.with_data_parallel refuses them, rather than computing what one device gives.
"""
from __future__ import annotations

import os

from .checks import check_bool, check_int
from .compiler import BuildStrategy, CompiledProgram
from .executor import Executor, Scope, global_scope
from .framework import Program, default_main_program
from .place import CPUPlace, CUDAPlace

__all__ = ["ParallelExecutor"]


class ParallelExecutor:
    """Runs `main_program` (the default main program if None) on one place.

    Example:
        train_exe = fluid.ParallelExecutor(use_cuda=False, loss_name=loss.name,
                                           main_program=train_program)
        loss_value, = train_exe.run(fetch_list=[loss.name], feed={"x": xs})
    """

    def __init__(self, use_cuda, loss_name=None, main_program=None, share_vars_from=None,
                 exec_strategy=None, build_strategy=None, num_trainers=1, trainer_id=0,
                 scope=None):
        where = "ParallelExecutor"
        use_cuda = check_bool(where, "use_cuda", use_cuda)
        if main_program is not None and not isinstance(main_program, Program):
            raise TypeError(f"{where}: argument 'main_program' must be a Program or None, got "
                            f"{type(main_program).__name__}")
        if share_vars_from is not None and not isinstance(share_vars_from, ParallelExecutor):
            raise TypeError(f"{where}: argument 'share_vars_from' must be a ParallelExecutor "
                            f"or None, got {type(share_vars_from).__name__}")
        if scope is not None and not isinstance(scope, Scope):
            raise TypeError(f"{where}: argument 'scope' must be a Scope or None, got "
                            f"{type(scope).__name__}")
        build_strategy = build_strategy if build_strategy is not None else BuildStrategy()
        # fluid 1.8 wrote the trainer numbers into the build strategy
        if check_int(where, "num_trainers", num_trainers, lo=1) != 1:
            build_strategy.num_trainers = num_trainers
        if check_int(where, "trainer_id", trainer_id, lo=0) != 0:
            build_strategy.trainer_id = trainer_id
        self._place = CUDAPlace(0) if use_cuda else CPUPlace()
        self._places = [CUDAPlace(i) for i in range(_visible_gpus())] if use_cuda else None
        # what the vars are shared through: the scope, as fluid's share_vars_from did
        self._scope = scope if scope is not None else (
            share_vars_from._scope if share_vars_from is not None else global_scope())
        program = main_program if main_program is not None else default_main_program()
        self._compiled_program = CompiledProgram(program).with_data_parallel(
            loss_name=loss_name, build_strategy=build_strategy, exec_strategy=exec_strategy,
            places=self._places)
        self._exe = Executor(self._place)

    def run(self, fetch_list, feed=None, feed_dict=None, return_numpy=True):
        """Run the program and return the fetched values. `feed` is a dict of name -> array
        (or a list of one such dict: one per place, as fluid took it); `feed_dict` is its old
        name, used when `feed` is None."""
        feed = feed if feed is not None else feed_dict
        if isinstance(feed, (list, tuple)):
            if len(feed) != 1 or not isinstance(feed[0], dict):
                raise ValueError(f"ParallelExecutor.run: a feed list holds one dict per place, "
                                 f"and minifluid runs on one place; got a list of {len(feed)}")
            feed = feed[0]
        return self._exe.run(self._compiled_program, feed=feed, fetch_list=fetch_list,
                             scope=self._scope, return_numpy=return_numpy)

    @property
    def device_count(self) -> int:
        return 1

    def drop_local_exe_scopes(self):
        """fluid dropped its per-device scopes here; minifluid keeps none."""


def _visible_gpus() -> int:
    """The GPUs fluid 1.8 would have used: FLAGS_selected_gpus, else every visible one."""
    selected = os.environ.get("FLAGS_selected_gpus")
    if selected:
        return len([s for s in selected.split(",") if s.strip()])
    try:
        import cupy
        return max(cupy.cuda.runtime.getDeviceCount(), 1)
    except Exception:  # noqa: BLE001 -- no cupy or no GPU: CUDAPlace(0) says why when it runs
        return 1
