import json
import os

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


def test_numpy_scalar_attrs_save_as_json(fresh, rng, tmp_path):
    x = fluid.data("x", [2, 3])
    out = fluid.layers.concat([x, x], axis=np.int64(1))
    exe = fluid.Executor()
    fluid.io.save_inference_model(str(tmp_path), ["x"], [out], exe)
    program, feeds, fetches = fluid.io.load_inference_model(str(tmp_path), exe)
    got, = exe.run(program, {"x": np.ones((2, 3), np.float32)}, fetches)
    assert got.shape == (2, 6)
