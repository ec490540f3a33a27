"""fluid.profiler: per-op timings of the executor's runs, a report as fluid 1.8 printed it,
and a Chrome trace.

    with fluid.profiler.profiler("CPU", sorted_key="total", profile_path="/tmp/profile"):
        for batch in batches:
            exe.run(main, feed=batch, fetch_list=[loss])

While profiling is on, each plan runs the executor's own loop over copies of its steps whose
kernels are timed (`execute` below; the plain run is untouched, so it gets no slower): an
op's event is its kernel call. With state 'GPU' or 'All' on a GPU place
each kernel is followed by a device sync and timed with CUDA events as well: 'GPU' reports
the device time, 'All' the host and device times and their sum, as fluid 1.8 did ('CPU' on
a GPU place does not sync: its times are what the host spent, launches included).
`stop_profiler` prints the report and writes every event to `profile_path` as Chrome trace
JSON (chrome://tracing or ui.perfetto.dev open it; fluid 1.8 wrote a protobuf there that
its tools/timeline.py turned into that JSON). Feeding and fetching are not timed.
"""
from __future__ import annotations

import contextlib
import copy
import json
import os
import sys
import threading
import time

__all__ = ["profiler", "start_profiler", "stop_profiler", "reset_profiler", "cuda_profiler"]

on = False  # read by the executor on every run: profiling costs nothing while it is off
_state = None
_events: list = []  # (thread, op type, start ns, end ns, host ns, device ms, kernel ms)
_runs: list = []  # (thread, ns) of each profiled run's loop: the kernels and the framework
_threads: dict = {}  # thread ident -> fluid's thread number, in order of first event
_lock = threading.Lock()
_start_ns = 0
STATES = {"CPU": "CPU", "GPU": "CUDA", "All": "All"}  # state -> the report's "Place:"
SORT = {None: "event first end time", "calls": "number of calls", "total": "total time",
        "max": "maximum time", "min": "minimum time", "ave": "average time"}
_KEY = {"calls": 1, "total": 2, "min": 3, "max": 4, "ave": 5}  # row fields


def start_profiler(state, tracer_option="Default"):
    """Turn profiling on: 'CPU' (host times), 'GPU' (device times on a GPU place) or 'All'
    (both). Nothing happens when it is on already, as in fluid."""
    global on, _state, _start_ns
    if on:
        return
    if state not in STATES:
        raise ValueError(f"start_profiler: argument 'state' must be 'CPU', 'GPU' or 'All', got "
                         f"{state!r}")
    if tracer_option not in ("Default", "OpDetail", "AllOpDetail"):
        raise ValueError(f"start_profiler: argument 'tracer_option' must be 'Default', "
                         f"'OpDetail' or 'AllOpDetail', got {tracer_option!r}")
    reset_profiler()
    _state, _start_ns = state, time.perf_counter_ns()
    on = True


def stop_profiler(sorted_key=None, profile_path="/tmp/profile"):
    """Turn profiling off, print the report sorted by `sorted_key` (None: the order in which
    events first ended; 'calls', 'total', 'max', 'min', 'ave': descending) and write the
    Chrome trace to `profile_path`. Nothing happens when profiling is off."""
    global on
    if not on:
        return
    if sorted_key not in SORT:
        raise ValueError("The sorted_key must be None or in 'calls', 'total', 'max', 'min' "
                         "and 'ave'")
    if not isinstance(profile_path, (str, os.PathLike)):
        raise TypeError(f"stop_profiler: argument 'profile_path' must be a path, got "
                        f"{type(profile_path).__name__}")
    on = False
    events = list(_events)
    sys.stdout.write(report(events, _state, sorted_key, list(_runs)))
    write_trace(events, profile_path)
    reset_profiler()


def reset_profiler():
    """Forget the events recorded so far (profiling stays on or off)."""
    with _lock:
        _events.clear()
        _runs.clear()
        _threads.clear()


@contextlib.contextmanager
def profiler(state, sorted_key=None, profile_path="/tmp/profile", tracer_option="Default"):
    """Profile the runs inside the block (see start_profiler and stop_profiler).

    Example:
        with fluid.profiler.profiler("CPU", "total", "/tmp/profile"):
            exe.run(main, feed=feed, fetch_list=[loss])
    """
    if sorted_key not in SORT:  # refused before the block runs, not after
        raise ValueError("The sorted_key must be None or in 'calls', 'total', 'max', 'min' "
                         "and 'ave'")
    start_profiler(state, tracer_option)
    try:
        yield
    finally:
        stop_profiler(sorted_key, profile_path)


@contextlib.contextmanager
def cuda_profiler(output_file, output_mode=None, config=None):
    """fluid's nvprof control: minifluid has no CUDA profiler hook; use profiler()."""
    raise NotImplementedError("fluid.profiler.cuda_profiler drives nvprof, which minifluid "
                              "does not; use fluid.profiler.profiler('GPU') (CUDA events)")
    yield  # pragma: no cover


def _thread() -> int:
    ident = threading.get_ident()
    n = _threads.get(ident)
    if n is None:
        with _lock:
            n = _threads.setdefault(ident, len(_threads))
    return n


def execute(plan, env):
    """The executor's own loop (executor._Plan._execute), over copies of the plan's steps
    whose kernels are timed: the plain loop is untouched, and costs nothing while off."""
    steps = [_timed(step, plan.place) for step in plan.steps]
    t0 = time.perf_counter_ns()
    try:
        plan._execute(env, steps)
    finally:
        _runs.append((_thread(), time.perf_counter_ns() - t0))


def _timed(step, place):
    """A copy of `step` whose kernel records an event each call: (thread, op type, start,
    end, host ns, device ms, kernel ms)."""
    timed = copy.copy(step)
    fn, device, clock = step.fn, _device_timer(place), time.perf_counter_ns

    def run(*args, **attrs):
        t0 = clock()
        if device is None:
            res, waited, device_ms = fn(*args, **attrs), 0, 0.0
        else:
            res, waited, device_ms = device(fn, args, attrs, clock)
        t1 = clock()
        _events.append((_thread(), step.type, t0, t1, t1 - t0 - waited, device_ms,
                        (t1 - t0 - waited) / 1e6))
        return res
    run.__wrapped__ = fn  # errors name the kernel's own file and line
    timed.fn = run
    return timed


def _device_timer(place):
    """None (host clocks only), or for 'GPU'/'All' on a GPU place a function that runs a
    step's kernel between two CUDA events and waits for the device."""
    if _state == "CPU" or place.kind != "cuda":
        return None
    cuda = place.xp.cuda

    def run(fn, args, attrs, clock):
        begin, end = cuda.Event(), cuda.Event()
        begin.record()
        res = fn(*args, **attrs)
        k1 = clock()
        end.record()
        end.synchronize()
        return res, clock() - k1, cuda.get_elapsed_time(begin, end)
    return run


def _time(e, state):
    """An event's time in ms as fluid 1.8 counted it for `state` (host times where no device
    timed it: 'GPU' on a CPU place)."""
    host = e[4] / 1e6
    return host if state == "CPU" or not e[5] else e[5] if state == "GPU" else host + e[5]


def _rows(events, state, prefix):
    """[name, calls, total, min, max, ave, ratio, host, device, compute] per event name, in
    the order the names first ended."""
    rows: dict = {}
    for e in sorted(events, key=lambda e: e[3]):
        t, name = _time(e, state), (f"thread{e[0]}::" if prefix else "") + e[1]
        compute = e[6] if state == "CPU" or not e[5] else e[5] if state == "GPU" else \
            e[6] + e[5]
        r = rows.get(name)
        if r is None:
            rows[name] = [name, 1, t, t, t, 0.0, 0.0, e[4] / 1e6, e[5], compute]
        else:
            r[1] += 1
            r[2] += t
            r[3], r[4] = min(r[3], t), max(r[4], t)
            r[7] += e[4] / 1e6
            r[8] += e[5]
            r[9] += compute
    total = sum(r[2] for r in rows.values())
    for r in rows.values():
        r[5] = r[2] / r[1]
        r[6] = r[2] / total if total else 0.0
    return list(rows.values()), total


def _g(x) -> str:
    return f"{x:g}"  # C++'s default ostream format for a double: 6 significant digits


def report(events, state, sorted_key=None, runs=()) -> str:
    """The text fluid 1.8's profiler printed: a report of all threads merged (when there
    are several), then one of each thread's events. `runs` ((thread, ns) per run) give the
    framework's overhead: a run's time less its kernels'."""
    threads = sorted({e[0] for e in events})
    out = []
    if len(threads) > 1:
        out.append(_table([events], state, sorted_key, merged=True))
    run_ms = sum(ns for t, ns in runs if len(threads) == 1 and t in threads) / 1e6
    out.append(_table([[e for e in events if e[0] == t] for t in threads] or [[]], state,
                      sorted_key, merged=False, run_ms=run_ms))
    return "".join(out)


def _table(groups, state, sorted_key, merged, run_ms=0.0) -> str:
    w = 12
    tables = [_rows(g, state, prefix=not merged) for g in groups]
    names = [r[0] for rows, _ in tables for r in rows]
    nw = max(map(len, names), default=0) + 8
    lines = ["", "------------------------->     Profiling Report     <-------------------------",
             ""]
    if merged:
        lines.append("Note! This Report merge all thread info into one.")
    lines += [f"Place: {STATES[state]}", "Time unit: ms",
              f"Sorted by {SORT[sorted_key]} in descending order in the same thread", ""]
    if len(tables) == 1:  # fluid's overhead summary, printed for a single table
        rows, total = tables[0]
        compute = sum(r[9] for r in rows)
        total = max(total, run_ms)  # the runs' own time, where measured: kernels + framework
        ratio = compute / total if total else 0.0
        lines += [f"Total time: {_g(total)}",
                  f"{'  Computation time':<25}Total: {_g(compute):<{w}}Ratio: {_g(ratio * 100)}%",
                  f"{'  Framework overhead':<25}Total: {_g(total - compute):<{w}}Ratio: "
                  f"{_g((1 - ratio) * 100)}%"]
    lines += ["", "-------------------------       Event Summary       -------------------------",
              ""]
    both = state == "All"
    head = f"{'Event':<{nw}}{'Calls':<{w}}{'Total':<{w}}"
    if both:
        head += f"{'CPU Time (Ratio)':<{2 * w}}{'GPU Time (Ratio)':<{2 * w}}"
    lines.append(head + f"{'Min.':<{w}}{'Max.':<{w}}{'Ave.':<{w}}{'Ratio.':<{w}}")
    for rows, _ in tables:
        if sorted_key is not None:
            rows = sorted(rows, key=lambda r: -r[_KEY[sorted_key]])
        for r in rows:
            line = f"{r[0]:<{nw}}{r[1]:<{w}}{_g(r[2]):<{w}}"
            if both:
                line += (f"{f'{r[7]:f} ({r[7] / r[2] if r[2] else 0:f})':<{2 * w}}"
                         f"{f'{r[8]:f} ({r[8] / r[2] if r[2] else 0:f})':<{2 * w}}")
            lines.append(line + "".join(f"{_g(v):<{w}}" for v in (r[3], r[4], r[5], r[6])))
    return "\n".join(lines) + "\n"


def write_trace(events, path):
    """Every event as Chrome trace JSON: host events under process 0 (one row per thread),
    device times under process 1."""
    trace = [{"name": "process_name", "ph": "M", "pid": 0, "args": {"name": "/host:CPU"}}]
    if any(e[5] for e in events):
        trace.append({"name": "process_name", "ph": "M", "pid": 1,
                      "args": {"name": "/device:GPU"}})
    for t in sorted({e[0] for e in events}):
        trace.append({"name": "thread_name", "ph": "M", "pid": 0, "tid": t,
                      "args": {"name": f"thread{t}"}})
    for thread, name, t0, t1, host, device_ms, kernel_ms in events:
        ts = (t0 - _start_ns) / 1e3
        trace.append({"name": name, "cat": "Op", "ph": "X", "pid": 0, "tid": thread,
                      "ts": ts, "dur": (t1 - t0) / 1e3, "args": {"kernel_ms": kernel_ms}})
        if device_ms:
            trace.append({"name": name, "cat": "Kernel", "ph": "X", "pid": 1, "tid": 0,
                          "ts": ts, "dur": device_ms * 1e3})
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w") as f:
        json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)
