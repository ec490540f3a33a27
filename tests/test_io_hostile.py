"""Hostile files: each gets a ValueError (FileNotFoundError when missing) naming the file,
in bounded time and memory."""
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import minifluid as fluid


def _saved(tmp_path, size=3):
    """Save a small model; returns its outputs on a fixed input."""
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.layers.data("x", [4])
        out = fluid.layers.fc(x, size, act="tanh")
    exe = fluid.Executor()
    exe.run(startup)
    want, = exe.run(main, {"x": np.ones((2, 4), "float32")}, [out])
    fluid.io.save_inference_model(str(tmp_path), ["x"], [out], exe, main_program=main)
    return want


def _load(tmp_path):
    with fluid.scope_guard(fluid.Scope()):
        exe = fluid.Executor()
        program, feeds, fetches = fluid.io.load_inference_model(str(tmp_path), exe)
        return exe.run(program, {"x": np.ones((2, 4), "float32")}, fetches)[0]


def _refused(tmp_path, name, match=None):
    with pytest.raises(ValueError, match=match) as e:
        _load(tmp_path)
    assert os.path.join(str(tmp_path), name) in str(e.value)
    return str(e.value)


def _npy(header):
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


def _rewrite(tmp_path, edit, compression=zipfile.ZIP_STORED):
    """Rewrite __params__.npz, member by member, through edit(name, data) -> [(name, data)]."""
    path = tmp_path / "__params__.npz"
    with zipfile.ZipFile(path) as z:
        members = [(n, z.read(n)) for n in z.namelist()]
    with zipfile.ZipFile(path, "w", compression) as z:
        for n, data in members:
            for n2, data2 in edit(n, data):
                z.writestr(n2, data2)


def test_every_truncation_is_refused(fresh, tmp_path):
    _saved(tmp_path)
    for name in ["__params__.npz", "__model__"]:
        good = (tmp_path / name).read_bytes()
        for n in range(0, len(good), 7):
            (tmp_path / name).write_bytes(good[:n])
            _refused(tmp_path, name)
        (tmp_path / name).write_bytes(good)
    _load(tmp_path)


FIELDS = {  # a saved model's field -> values of the wrong type or out of bounds
    "format": [None, 3, "minifluid.program/2"],
    "feed": [None, "x", {}, [3]], "fetch": [None, 7, [None]], "vars": [None, {}], "ops": [3],
    "save_id": [3, True, "x" * 32, "A" * 32, "0" * 31],
    "var.name": [None, 3, "", ["x"]],
    "var.shape": [None, "3", [True, 3], [1.5], [-2], [2 ** 40] * 3, [1] * 65, [10 ** 300]],
    "var.dtype": [None, 3, "object", "complex64", "float", "<f4", "V8", ["float32"], {"a": 1}],
    "var.lod_level": [None, True, 1.5, "0", -1, 65, 10 ** 30],
    "var.persistable": [None, 1, "yes"], "var.parameter": [0, "no"],
    "var.is_data": [1, None], "var.need_check_feed": ["", []],
    "op.type": [None, 3, "nope", "os.system"],
    "op.inputs": [None, [], {"X": "x"}, {"X": [3]}, {"X": ["nope"]}, {}],
    "op.outputs": [None, {"Out": [None]}], "op.attrs": [None, [], {"nope": 1},
                                                       {"x_num_col_dims": 2 ** 64}],
}


@pytest.mark.parametrize("field", FIELDS)
def test_wrong_types_in_every_json_field_are_refused(fresh, tmp_path, field):
    _saved(tmp_path)
    good = json.loads((tmp_path / "__model__").read_text())
    for value in FIELDS[field]:
        doc = json.loads(json.dumps(good))
        where, _, key = field.rpartition(".")
        target = {"": doc, "var": doc["vars"][-1], "op": doc["ops"][0]}[where]
        target[key] = value
        (tmp_path / "__model__").write_text(json.dumps(doc))
        _refused(tmp_path, "__model__")


def test_a_5000_digit_integer_is_refused(fresh, tmp_path):
    _saved(tmp_path)
    (tmp_path / "__model__").write_text('{"format": ' + "9" * 5000 + "}")
    _refused(tmp_path, "__model__", "invalid JSON")


@pytest.mark.parametrize("npy_header", [
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (True, 3), }",
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }",
    b"{'descr': '<f4', 'fortran_order': False, 'shape': " + b"(" * 500 + b")" * 500 + b", }",
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (" + b"1, " * 70 + b"), }",
    b"{'descr': '|O', 'fortran_order': False, 'shape': (4, 3), }",
    b"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4, 3), }",
    b"not a dict",
])
def test_bad_npy_headers_are_refused(fresh, tmp_path, npy_header):
    _saved(tmp_path)
    _rewrite(tmp_path, lambda n, d: [(n, _npy(npy_header) if n == "0.npy" else d)])
    _refused(tmp_path, "__params__.npz")


@pytest.mark.parametrize("edit,match", [
    (lambda n, d: [(n, d), (n, d)] if n == "0.npy" else [(n, d)], "repeated"),
    (lambda n, d: [(n, d[:-4] if n == "0.npy" else d)], "holds 44 bytes"),
    (lambda n, d: [(n, d + b"\0" * 1000 if n == "0.npy" else d)], "holds 1048 bytes"),
    (lambda n, d: [(n, d)] if n != "index.json" else [], r"lacks \['fc_0.w_0'"),
    (lambda n, d: [(n, d)] if n != "0.npy" else [], "do not match its index"),
    (lambda n, d: [(n, b'{"format": "minifluid.params/1", "names": [1]}'
                    if n == "index.json" else d)], "not a minifluid.params/1 index"),
    (lambda n, d: [(n, b"[" * 100000 if n == "index.json" else d)], "invalid JSON"),
    (lambda n, d: [(n, d.replace(b"\x93NUMPY\x01", b"\x93NUMPY\x03") if n == "0.npy" else d)],
     "version"),
])
def test_bad_archives_are_refused(fresh, tmp_path, edit, match):
    _saved(tmp_path)
    with pytest.warns(UserWarning) if match == "repeated" else _nothing():
        _rewrite(tmp_path, edit)
    _refused(tmp_path, "__params__.npz", match)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("compression", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_unsupported_compression_is_refused(fresh, tmp_path, compression):
    _saved(tmp_path)
    _rewrite(tmp_path, lambda n, d: [(n, d)], compression)
    _refused(tmp_path, "__params__.npz", "only stored and deflated members")


def test_deflated_members_load_and_encrypted_ones_are_refused(fresh, tmp_path):
    want = _saved(tmp_path)
    _rewrite(tmp_path, lambda n, d: [(n, d)], zipfile.ZIP_DEFLATED)
    np.testing.assert_array_equal(_load(tmp_path), want)
    path = tmp_path / "__params__.npz"
    raw = bytearray(path.read_bytes())
    for magic, at in [(b"PK\x03\x04", 6), (b"PK\x01\x02", 8)]:  # local, central headers
        for i in range(len(raw)):
            if raw[i:i + 4] == magic:
                raw[i + at] |= 1
    path.write_bytes(bytes(raw))
    _refused(tmp_path, "__params__.npz", "is encrypted")


def test_lying_sizes_and_corrupt_data_are_refused(fresh, tmp_path):
    _saved(tmp_path)
    path = tmp_path / "__params__.npz"
    good = path.read_bytes()
    bad = bytearray(good)
    bad[good.index(b"\x93NUMPY") + 150] ^= 0xFF  # a byte of data: the CRC differs
    path.write_bytes(bytes(bad))
    _refused(tmp_path, "__params__.npz", "CRC")
    with zipfile.ZipFile(path, "w") as z:  # a member claiming more than deflate can make
        info = zipfile.ZipInfo("0.npy")
        z.writestr(info, b"x" * 10)
    raw = bytearray(path.read_bytes())
    cd = raw.index(b"PK\x01\x02")
    raw[cd + 24:cd + 28] = (10 ** 9).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(raw))
    _refused(tmp_path, "__params__.npz", "declares sizes the file cannot hold")


def test_files_of_older_versions_still_load(fresh, tmp_path):
    want = _saved(tmp_path)
    with fluid.scope_guard(fluid.Scope()):
        fluid.io.load_inference_model(str(tmp_path), fluid.Executor())
        values = {n: np.array(v) for n, v in fluid.global_scope()._vars.items()}
    np.savez(tmp_path / "__params__.npz", **values)  # as minifluid wrote them: no index
    doc = json.loads((tmp_path / "__model__").read_text())
    del doc["save_id"]
    (tmp_path / "__model__").write_text(json.dumps(doc))
    np.testing.assert_array_equal(_load(tmp_path), want)


def test_a_directory_in_a_files_place_is_refused(fresh, tmp_path):
    _saved(tmp_path)
    for name in ["__params__.npz", "__model__"]:
        os.rename(tmp_path / name, tmp_path / "moved")
        os.mkdir(tmp_path / name)
        _refused(tmp_path, name, "is a directory, not a regular file")
        os.rmdir(tmp_path / name)
        os.rename(tmp_path / "moved", tmp_path / name)
    os.remove(tmp_path / "__params__.npz")
    with pytest.raises(FileNotFoundError, match="__params__.npz"):
        _load(tmp_path)


_UNBOUNDED = textwrap.dedent("""
    import os, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    import minifluid as fluid
    d, name, kind = sys.argv[1:]
    os.remove(os.path.join(d, name))
    if kind == "fifo":
        os.mkfifo(os.path.join(d, name))
    else:
        os.symlink("/dev/zero", os.path.join(d, name))
    try:
        fluid.io.load_inference_model(d, fluid.Executor())
    except ValueError as e:
        print(e)
""")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                    reason="needs FIFOs and /dev/zero")
@pytest.mark.parametrize("kind", ["fifo", "zero"])
@pytest.mark.parametrize("name", ["__model__", "__params__.npz"])
def test_fifos_and_devices_are_refused_at_once(fresh, tmp_path, kind, name):
    _saved(tmp_path)
    run = subprocess.run([sys.executable, "-c", _UNBOUNDED, str(tmp_path), name, kind],
                         capture_output=True, text=True, timeout=20,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert f"{tmp_path / name} is a {'FIFO' if kind == 'fifo' else 'device'}, not a regular " \
           f"file" in run.stdout, run.stdout + run.stderr


_BOMB = textwrap.dedent("""
    import sys, tracemalloc
    import minifluid as fluid
    tracemalloc.start()
    try:
        fluid.io.load_inference_model(sys.argv[1], fluid.Executor())
    except ValueError as e:
        print("refused", e)
    print(tracemalloc.get_traced_memory()[1])
""")


@pytest.mark.parametrize("lie", [False, True])
def test_a_zip_bomb_is_read_in_bounded_memory(fresh, tmp_path, lie):
    """A 32 MB parameter deflated into a few kB: loading it holds it once, not twice; one
    whose header declares a different shape is refused before any of its data is read."""
    n = 8 << 20
    x = fluid.layers.data("x", [n])
    out = fluid.layers.fc(x, 1, bias_attr=False)
    fluid.io.save_inference_model(str(tmp_path), ["x"], [out], fluid.Executor(),
                                  program_only=True)
    with zipfile.ZipFile(tmp_path / "__params__.npz", "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("fc_0.w_0.npy", "w", force_zip64=True) as m:
            np.lib.format.write_array(m, np.zeros((2 * n if lie else n, 1), "float32"))
    assert os.path.getsize(tmp_path / "__params__.npz") < 100_000
    run = subprocess.run([sys.executable, "-c", _BOMB, str(tmp_path)], capture_output=True,
                         text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    *lines, peak = run.stdout.split()
    assert ("refused" in lines) == lie, run.stdout + run.stderr
    assert int(peak) < (1 << 20 if lie else 1.2 * 4 * n)
