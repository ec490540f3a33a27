import contextlib
import errno
import json
import os
import shutil
import signal
import threading
import uuid

import numpy as np
import pytest

import minifluid as fluid


def _trained_net(rng):
    x = fluid.layers.data("x", [4])
    h = fluid.layers.fc(x, 8, act="tanh")
    h = fluid.layers.dropout(h, 0.3)
    out = fluid.layers.fc(h, 2)
    loss = fluid.layers.mean(out)
    fluid.optimizer.SGD(0.1).minimize(loss)
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    xv = rng.normal(size=(5, 4)).astype("float32")
    exe.run(feed={"x": xv}, fetch_list=[loss])
    return exe, x, out, xv


def test_inference_model_round_trip(fresh, rng, tmp_path):
    exe, x, out, xv = _trained_net(rng)
    fluid.io.save_inference_model(str(tmp_path), ["x"], [out], exe)
    assert sorted(os.listdir(tmp_path)) == ["__model__", "__params__.npz"]
    doc = json.loads((tmp_path / "__model__").read_text())
    assert [op["type"] for op in doc["ops"]] == ["mul", "elementwise_add", "tanh", "dropout",
                                                 "mul", "elementwise_add"]
    assert all(op["attrs"]["is_test"] for op in doc["ops"] if op["type"] == "dropout")
    want, = exe.run(fresh.clone(for_test=True), {"x": xv}, [out])
    with fluid.scope_guard(fluid.Scope()):  # a fresh process, as far as values go
        program, feeds, fetches = fluid.io.load_inference_model(str(tmp_path), exe)
        got, = exe.run(program, {feeds[0]: xv}, fetches)
    assert feeds == ["x"] and [v.name for v in fetches] == [out.name]
    np.testing.assert_array_equal(got, want)


def test_params_and_persistables_round_trip(fresh, rng, tmp_path):
    exe, x, out, xv = _trained_net(rng)
    fluid.io.save_params(exe, str(tmp_path))
    fluid.io.save_persistables(exe, str(tmp_path))
    before = {k: np.array(v) for k, v in fluid.global_scope()._vars.items() if v is not None}
    with fluid.scope_guard(fluid.Scope()):
        fluid.io.load_persistables(exe, str(tmp_path))
        for name, value in fluid.global_scope()._vars.items():
            np.testing.assert_array_equal(value, before[name])
        assert "learning_rate_0" in fluid.global_scope()._vars
    with fluid.scope_guard(fluid.Scope()):
        fluid.io.load_params(exe, str(tmp_path))
        assert set(fluid.global_scope()._vars) == {p.name for p in fresh.all_parameters()}


def _saved(fresh, rng, tmp_path):
    exe, x, out, xv = _trained_net(rng)
    fluid.io.save_inference_model(str(tmp_path), ["x"], [out], exe)
    return exe


@pytest.mark.parametrize("text,match", [
    ('{"format": "minifluid.program/1", "feed": [', "invalid JSON"),
    ("[1, 2, 3]", "expected a JSON object"),
    ('{"format": "other"}', "expected a JSON object"),
    ('{"format": "minifluid.program/1", "feed": [], "fetch": [], "vars": [{"name": 3}], '
     '"ops": []}', "bad or repeated variable"),
    ('{"format": "minifluid.program/1", "feed": [], "fetch": [], "vars": [], "ops": '
     '[{"type": "os.system", "inputs": {}, "outputs": {}, "attrs": {}}]}', "bad op entry"),
    ('{"format": "minifluid.program/1", "feed": ["x"], "fetch": [], "vars": [], "ops": []}',
     "feed/fetch name 'x'"),
])
def test_malformed_models_are_rejected_clearly(fresh, rng, tmp_path, text, match):
    exe = _saved(fresh, rng, tmp_path)
    (tmp_path / "__model__").write_text(text)
    with pytest.raises(ValueError, match=match):
        fluid.io.load_inference_model(str(tmp_path), exe)


def test_an_op_that_does_not_fit_its_variables_is_rejected(fresh, rng, tmp_path):
    exe = _saved(fresh, rng, tmp_path)
    doc = json.loads((tmp_path / "__model__").read_text())
    next(v for v in doc["vars"] if v["name"] == "fc_0.w_0")["shape"] = [5, 8]
    (tmp_path / "__model__").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="op 'mul' does not fit its variables"):
        fluid.io.load_inference_model(str(tmp_path), exe)


def test_truncated_pickled_or_mismatched_params_are_rejected(fresh, rng, tmp_path):
    exe = _saved(fresh, rng, tmp_path)
    path = tmp_path / "__params__.npz"
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="is not a readable .npz"):
        fluid.io.load_inference_model(str(tmp_path), exe)
    np.savez(path, **{"fc_0.w_0": np.array([object()], dtype=object), "fc_0.b_0": 0,
                       "fc_1.w_0": 0, "fc_1.b_0": 0})
    with pytest.raises(ValueError, match=r"'fc_0.w_0' in .* is object\[1\]"):  # not unpickled
        fluid.io.load_inference_model(str(tmp_path), exe)
    np.savez(path, **{n: np.zeros(3) for n in ["fc_0.w_0", "fc_0.b_0", "fc_1.w_0",
                                               "fc_1.b_0"]})
    with pytest.raises(ValueError, match=r"'fc_0.w_0' in .* is float64\[3\], the program "
                                         r"declares float32\[4, 8\]"):
        fluid.io.load_inference_model(str(tmp_path), exe)
    np.savez(path, other=np.zeros(3))
    with pytest.raises(ValueError, match="lacks"):
        fluid.io.load_inference_model(str(tmp_path), exe)


def test_saving_before_startup_says_so(fresh, tmp_path):
    x = fluid.layers.data("x", [4])
    out = fluid.layers.fc(x, 2)
    with fluid.scope_guard(fluid.Scope()):
        with pytest.raises(RuntimeError, match="have no value in the scope; run the startup"):
            fluid.io.save_inference_model(str(tmp_path), ["x"], [out], fluid.Executor())


@pytest.mark.parametrize("attrs,match", [
    ({"out_dtype": "object"}, "is not one of"),
    ({"scale": [1, 2]}, "attr 'scale'"),
    ({"scale": 10 ** 400}, "attr 'scale'"),  # no float holds it: OverflowError at run time
    ({"is_test": "no"}, "attr 'is_test'"),
])
def test_attrs_of_the_wrong_type_are_rejected(fresh, rng, tmp_path, attrs, match):
    exe = _saved(fresh, rng, tmp_path)
    doc = json.loads((tmp_path / "__model__").read_text())
    op = {"out_dtype": "cast", "scale": "scale", "is_test": "dropout"}[next(iter(attrs))]
    doc["ops"].append({"type": op, "inputs": {"X": ["x"]}, "outputs": {"Out": ["x"]},
                       "attrs": attrs})
    (tmp_path / "__model__").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=match):
        fluid.io.load_inference_model(str(tmp_path), exe)


def test_deep_json_and_huge_array_headers_are_rejected_cleanly(fresh, rng, tmp_path):
    import zipfile
    exe = _saved(fresh, rng, tmp_path)
    model = (tmp_path / "__model__").read_text()
    (tmp_path / "__model__").write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(ValueError, match="is not a minifluid model"):
        fluid.io.load_inference_model(str(tmp_path), exe)
    (tmp_path / "__model__").write_text(model)
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (10000000000000,), }"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
    with zipfile.ZipFile(tmp_path / "__params__.npz", "w") as z:
        for name in ["fc_0.w_0", "fc_0.b_0", "fc_1.w_0", "fc_1.b_0"]:
            z.writestr(name + ".npy", npy)
    with pytest.raises(ValueError, match=r"'fc_0.w_0' in .* is float32\[10000000000000\], the "
                                         r"program declares float32\[4, 8\]"):
        fluid.io.load_inference_model(str(tmp_path), exe)


@pytest.mark.filterwarnings("ignore:no variable in your model")  # it has no parameters
def test_numpy_scalar_attrs_save_as_json(fresh, rng, tmp_path):
    x = fluid.data("x", [2, 3])
    out = fluid.layers.concat([x, x], axis=np.int64(1))
    exe = fluid.Executor()
    fluid.io.save_inference_model(str(tmp_path), ["x"], [out], exe)
    program, feeds, fetches = fluid.io.load_inference_model(str(tmp_path), exe)
    got, = exe.run(program, {"x": np.ones((2, 3), np.float32)}, fetches)
    assert got.shape == (2, 6)


# ---------------------------------------------------------------- saving is all or nothing

def _model(act, seed, tag="m"):
    """A one-layer model (parameters `tag`.w/.b with values from `seed`) in its own program;
    models differing only in `act` share names and shapes, so a mixed pair would load."""
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.layers.data("x", [4])
        out = fluid.layers.fc(x, 3, act=act, param_attr=f"{tag}.w", bias_attr=f"{tag}.b")
    rng = np.random.default_rng(seed)
    values = {f"{tag}.w": rng.normal(size=(4, 3)).astype("float32"),
              f"{tag}.b": rng.normal(size=3).astype("float32")}
    return main, out, values


XV = np.linspace(-2, 2, 20, dtype="float32").reshape(5, 4)


def _save_model(dirname, act, seed, tag="m"):
    """Save the model into dirname; returns its own outputs on XV."""
    main, out, values = _model(act, seed, tag)
    fluid.global_scope()._vars.update(values)
    exe = fluid.Executor()
    want, = exe.run(main, {"x": XV}, [out])
    fluid.io.save_inference_model(dirname, ["x"], [out], exe, main_program=main)
    return want


def _outputs(dirname):
    with fluid.scope_guard(fluid.Scope()):
        exe = fluid.Executor()
        program, feeds, fetches = fluid.io.load_inference_model(dirname, exe)
        return exe.run(program, {feeds[0]: XV}, fetches)[0]


def _is_one_of(got, *models):
    return sum(np.array_equal(got, m) for m in models) == 1


class _Calls:
    n, kill = 0, False


@contextlib.contextmanager
def _fail_at(k, exc):
    """Raise `exc` at the k-th call of any file-system step a save takes."""
    calls = _Calls()
    saved = {n: getattr(os, n) for n in ("open", "fsync", "link", "replace", "remove")}

    def wrap(real):
        def step(*args, **kwargs):
            calls.n += 1
            if calls.n == k:
                if calls.kill:
                    os.kill(os.getpid(), signal.SIGKILL)
                raise exc
            return real(*args, **kwargs)
        return step
    for name, real in saved.items():
        setattr(os, name, wrap(real))
    try:
        yield calls
    finally:
        for name, real in saved.items():
            setattr(os, name, real)


@pytest.mark.parametrize("exc", [OSError(errno.EIO, "injected"), KeyboardInterrupt()])
def test_a_save_failing_at_any_step_leaves_the_old_model_or_the_new_one(tmp_path, exc):
    d = str(tmp_path / "m")
    seen = set()
    for k in range(1, 60):
        shutil.rmtree(d, ignore_errors=True)
        old = _save_model(d, "tanh", 1)
        main, out, values = _model("sigmoid", 2)
        fluid.global_scope()._vars.update(values)
        new, = fluid.Executor().run(main, {"x": XV}, [out])
        try:
            with _fail_at(k, exc) as calls:
                fluid.io.save_inference_model(d, ["x"], [out], fluid.Executor(),
                                              main_program=main)
        except type(exc):
            pass
        got = _outputs(d)
        assert _is_one_of(got, old, new), k
        seen.add("new" if np.array_equal(got, new) else "old")
        assert all(n in ("__model__", "__params__.npz", "__params__.npz.minifluid-backup")
                   for n in os.listdir(d)), os.listdir(d)  # no temporaries left behind
        if calls.n < k:  # the save ran to its end without reaching step k
            break
    assert k > 5 and seen == {"old", "new"} and np.array_equal(got, new)


def test_disk_full_leaves_the_old_files_untouched(tmp_path, monkeypatch):
    d = str(tmp_path)
    old = _save_model(d, "tanh", 1)
    before = {n: (tmp_path / n).read_bytes() for n in os.listdir(d)}
    real = np.lib.format.write_array

    def full(f, a, **kw):
        f.write(b"\0" * 50)
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(np.lib.format, "write_array", full)
    with pytest.raises(OSError, match="save_inference_model: could not write .* the files "
                                      "there are unchanged") as e:
        _save_model(d, "sigmoid", 2)
    assert e.value.errno == errno.ENOSPC
    monkeypatch.setattr(np.lib.format, "write_array", real)
    assert {n: (tmp_path / n).read_bytes() for n in os.listdir(d)} == before
    np.testing.assert_array_equal(_outputs(d), old)


def test_a_new_layer_without_startup_leaves_the_saved_model(fresh, tmp_path):
    d = str(tmp_path)
    old = _save_model(d, "tanh", 1)
    before = {n: (tmp_path / n).read_bytes() for n in os.listdir(d)}
    main, out, values = _model("tanh", 1)
    fluid.global_scope()._vars.update(values)
    with fluid.program_guard(main), fluid.unique_name.guard("new"):
        out2 = fluid.layers.fc(out, 2)  # its parameters have no values: startup not run
    with pytest.raises(RuntimeError, match="have no value in the scope"):
        fluid.io.save_inference_model(d, ["x"], [out2], fluid.Executor(), main_program=main)
    assert {n: (tmp_path / n).read_bytes() for n in os.listdir(d)} == before
    np.testing.assert_array_equal(_outputs(d), old)


def _fork_save(dirname, act, seed, kill_at=0, times=1):
    """In a forked child, save the model `times` times, SIGKILLed at file-system step
    `kill_at`; returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        main, out, values = _model(act, seed)
        fluid.global_scope()._vars.update(values)
        with _fail_at(kill_at, None) as calls:
            calls.kill = True
            for _ in range(times):
                fluid.io.save_inference_model(dirname, ["x"], [out], fluid.Executor(),
                                              main_program=main)
        code = 0
    finally:
        os._exit(code)


def _wait(pid):
    status = os.waitpid(pid, 0)[1]
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_at_any_step_leaves_the_old_model_or_the_new_one(tmp_path):
    old = _save_model(str(tmp_path / "old"), "tanh", 1)
    main, out, values = _model("sigmoid", 2)
    fluid.global_scope()._vars.update(values)
    new, = fluid.Executor().run(main, {"x": XV}, [out])
    dirs = []
    for k in range(1, 18):
        dirs.append(str(tmp_path / f"k{k}"))
        shutil.copytree(tmp_path / "old", dirs[-1])
    codes = [_wait(_fork_save(d, "sigmoid", 2, kill_at=k)) for k, d in enumerate(dirs, 1)]
    got = [_outputs(d) for d in dirs]
    assert all(_is_one_of(g, old, new) for g in got)
    assert codes.count(-signal.SIGKILL) > 5 and codes[-1] == 0
    assert any(np.array_equal(g, old) for g, c in zip(got, codes) if c)
    assert any(np.array_equal(g, new) for g, c in zip(got, codes) if c)


def test_concurrent_saves_into_one_directory(tmp_path):
    d = str(tmp_path)
    outs = [_save_model(d, act, seed, tag) for act, seed, tag in
            [("tanh", 1, "a"), ("sigmoid", 2, "b")]]
    mains = [_model(act, seed, tag)[:2] for act, seed, tag in
             [("tanh", 1, "a"), ("sigmoid", 2, "b")]]
    errors = []

    def save(main, out):
        try:
            for _ in range(40):
                fluid.io.save_inference_model(d, ["x"], [out], fluid.Executor(),
                                              main_program=main)
        except Exception as e:  # noqa: BLE001  (collected, then asserted empty)
            errors.append(e)
    threads = [threading.Thread(target=save, args=m) for m in mains]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and _is_one_of(_outputs(d), *outs)
    # two processes saving models with the same names and shapes
    old = _save_model(d, "tanh", 1)
    new = _save_model(str(tmp_path / "new"), "sigmoid", 2)
    if hasattr(os, "fork"):
        children = [_fork_save(d, "tanh", 1, times=30), _fork_save(d, "sigmoid", 2, times=30)]
        assert [_wait(c) for c in children] == [0, 0]
    assert _is_one_of(_outputs(d), old, new)
    assert sorted(os.listdir(d)) == ["__model__", "__params__.npz", "new"]


def test_planted_symlinks_are_not_written_through(tmp_path, monkeypatch):
    d, victim = tmp_path / "m", tmp_path / "victim"
    victim.write_bytes(b"keep")
    old = _save_model(str(d), "tanh", 1)
    names = [f"__model__.tmp{os.getpid()}", f"__params__.npz.tmp{os.getpid()}",
             "__params__.npz.minifluid-backup", f".minifluid-{'0' * 32}.tmp"]
    for n in names:
        os.symlink(victim, d / n)
    new = _save_model(str(d), "sigmoid", 2)
    # a temporary name that is guessed: the save refuses it rather than follow the link
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=0))
    with pytest.raises(OSError, match="could not create a file in"):
        _save_model(str(d), "tanh", 1)
    assert victim.read_bytes() == b"keep"
    np.testing.assert_array_equal(_outputs(str(d)), new)
    assert not np.array_equal(old, new)


def test_a_model_and_params_of_different_saves_are_refused(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _save_model(str(a), "tanh", 1)
    _save_model(str(b), "sigmoid", 2)
    shutil.copy(b / "__params__.npz", a / "__params__.npz")
    with pytest.raises(ValueError, match=r"__params__.npz holds other values than the model's "
                                         r".* save the model again"):
        _outputs(str(a))
    # a backup there that belongs to yet another save is not taken either
    shutil.copy(b / "__params__.npz", a / "__params__.npz.minifluid-backup")
    with pytest.raises(ValueError, match=r"__params__.npz holds other values than the model's "
                                         r".* save the model again"):
        _outputs(str(a))


def _outputs_of(dirname, model_filename):
    with fluid.scope_guard(fluid.Scope()):
        exe = fluid.Executor()
        program, feeds, fetches = fluid.io.load_inference_model(dirname, exe, model_filename)
        return exe.run(program, {feeds[0]: XV}, fetches)[0]


def test_two_models_of_one_network_share_a_parameters_file(fresh, tmp_path):
    """Two inference programs saved from one trained network into one directory (their own
    model_filename, the default params file) both load: the second save rewrote the
    parameters with the values the first was saved with."""
    d = str(tmp_path)
    main, out, values = _model("tanh", 1)
    with fluid.program_guard(main):
        act = fluid.layers.sigmoid(out)
    fluid.global_scope()._vars.update(values)
    exe = fluid.Executor()
    want_out, want_act = exe.run(main, {"x": XV}, [out, act])
    fluid.io.save_inference_model(d, ["x"], [out], exe, main_program=main,
                                  model_filename="features")
    fluid.io.save_inference_model(d, ["x"], [act], exe, main_program=main,
                                  model_filename="predict")
    np.testing.assert_array_equal(_outputs_of(d, "features"), want_out)
    np.testing.assert_array_equal(_outputs_of(d, "predict"), want_act)
    # trained on in between: the first model's values are gone, and it says so
    fluid.global_scope()._vars["m.b"] = values["m.b"] + 1
    fluid.io.save_inference_model(d, ["x"], [act], exe, main_program=main,
                                  model_filename="predict")
    with pytest.raises(ValueError, match="holds other values than the model's"):
        _outputs_of(d, "features")


def test_params_saved_over_an_inference_model_are_loaded_with_it(fresh, tmp_path):
    """fluid's way to update a saved model's weights: save_params into its directory."""
    d = str(tmp_path)
    _save_model(d, "tanh", 1)
    main, out, values = _model("tanh", 5)
    fluid.global_scope()._vars.update(values)
    want, = fluid.Executor().run(main, {"x": XV}, [out])
    fluid.io.save_params(fluid.Executor(), d, main_program=main, filename="__params__.npz")
    np.testing.assert_array_equal(_outputs(d), want)
    fluid.io.save_inference_model(d, ["x"], [out], fluid.Executor(), main_program=main,
                                  program_only=True)
    np.testing.assert_array_equal(_outputs(d), want)


WEIRD = ["allow_pickle", "file", "a\x00b", "../x", "ünï/码", "x.npy", "index.json",
         "n" * 10_000]


def test_any_variable_name_round_trips(fresh, tmp_path):
    h = fluid.layers.data("x", [4])
    for w, b in zip(WEIRD[::2], WEIRD[1::2]):
        h = fluid.layers.fc(h, 4, act="tanh", param_attr=w, bias_attr=b)
    exe = fluid.Executor()
    exe.run(fluid.default_startup_program())
    want, = exe.run(fresh, {"x": XV}, [h])
    values = {n: np.array(fluid.global_scope()._vars[n]) for n in WEIRD}
    fluid.io.save_params(exe, str(tmp_path))
    with fluid.scope_guard(fluid.Scope()):
        fluid.io.load_params(exe, str(tmp_path))
        assert set(fluid.global_scope()._vars) == set(WEIRD)
        for n in WEIRD:
            np.testing.assert_array_equal(fluid.global_scope()._vars[n], values[n])
    fluid.io.save_inference_model(str(tmp_path / "m"), ["x"], [h], exe)
    np.testing.assert_array_equal(_outputs(str(tmp_path / "m")), want)


def test_a_saved_op_may_carry_the_attrs_fluid_puts_on_every_op(fresh, rng, tmp_path):
    """They are ignored when a model is loaded, as when a program is built."""
    exe, x, out, xv = _trained_net(rng)
    fluid.io.save_inference_model(str(tmp_path), ["x"], [out], exe)
    want = _outputs_of_model(str(tmp_path), xv)
    doc = json.loads((tmp_path / "__model__").read_text())
    for op in doc["ops"]:
        op["attrs"].update(op_role=0, op_callstack=["a line"], use_mkldnn=False)
    (tmp_path / "__model__").write_text(json.dumps(doc))
    np.testing.assert_array_equal(_outputs_of_model(str(tmp_path), xv), want)


def _outputs_of_model(dirname, xv):
    with fluid.scope_guard(fluid.Scope()):
        exe = fluid.Executor()
        program, feeds, fetches = fluid.io.load_inference_model(dirname, exe)
        return exe.run(program, {feeds[0]: xv}, fetches)[0]
