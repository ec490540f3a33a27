"""The rest of the fluid surface real scripts touch (issue 14, items 4 and 7):
require_version, name_scope, square_error_cost, ParallelExecutor, draw_block_graphviz and
Program.to_graphviz."""
import os
import re
import shutil
import stat

import numpy as np
import pytest

import minifluid as fluid


# require_version: fluid 1.8's rules, against the fluid version minifluid implements (1.8.5)

@pytest.mark.parametrize("lo,hi", [("1.8.5", None), ("0.1.0", None), ("1", None),
                                   ("1.8", "1.8.5"), ("1.8.5.0", "1.8.5.0"), ("1.6", "10.0.0"),
                                   ("1.8.4", "1.9")])
def test_require_version_passes_inside_the_range(lo, hi):
    assert fluid.require_version(lo, hi) is None


@pytest.mark.parametrize("lo,hi,message", [
    ("1.8.6", None, "VersionError: PaddlePaddle version 1.8.6 or higher is required, but "
                    "1.8.5 installed"),
    ("2.0", None, "or higher is required"),
    ("1.0", "1.7.2", r"VersionError: PaddlePaddle version in \[1.0, 1.7.2\] required, but "
                     r"1.8.5 installed."),
    ("1.8.5.1", "2.0", r"in \[1.8.5.1, 2.0\] required")])
def test_require_version_raises_outside_it(lo, hi, message):
    with pytest.raises(Exception, match=message):
        fluid.require_version(lo, hi)


@pytest.mark.parametrize("lo,hi,cls,arg", [(1.8, None, TypeError, "min_version"),
                                           ("1.8", 2, TypeError, "max_version"),
                                           ("1.8.x", None, ValueError, "min_version"),
                                           ("1.2.3.4.5", None, ValueError, "min_version"),
                                           ("1.8", "v2", ValueError, "max_version")])
def test_require_version_refuses_bad_arguments(lo, hi, cls, arg):
    with pytest.raises(cls, match=f"'{arg}' in require_version"):
        fluid.require_version(lo, hi)


def test_the_implemented_version_is_stated():
    assert fluid.version.full_version == "1.8.5"


# name_scope: fluid 1.8's own example

def test_name_scope_names_ops_as_fluids_example_does(fresh):
    # fluid's example with the ops spelled out (minifluid's `a + 1` is a scale op)
    layers = fluid.layers
    with fluid.name_scope("s1"):
        a = fluid.data(name="data", shape=[None, 1], dtype="float32")
        b = layers.elementwise_add(a, a)
        with fluid.name_scope("s2"):
            c = layers.elementwise_mul(b, b)
        with fluid.name_scope("s3"):
            d = layers.elementwise_div(c, b)
    with fluid.name_scope("s1"):
        f = layers.pow(d, 2.0)
    with fluid.name_scope("s4"):
        layers.elementwise_sub(f, a)
    scopes = {op.type: op.attr("op_namescope") for op in fresh.global_block().ops}
    assert scopes == {"elementwise_add": "/s1/", "elementwise_mul": "/s1/s2/",
                      "elementwise_div": "/s1/s3/", "pow": "/s1_1/", "elementwise_sub": "/s4/"}
    # outside every scope '/', and a clone keeps each op's scope
    assert fluid.layers.relu(a).block.ops[-1].attr("op_namescope") == "/"
    assert [op.attr("op_namescope") for op in fresh.clone().global_block().ops] == \
        [op.attr("op_namescope") for op in fresh.global_block().ops]
    # it names nothing else: variables and attrs are as without it
    assert "op_namescope" not in fresh.global_block().ops[0].attrs
    with pytest.raises(ValueError, match="name_scope: argument 'prefix'"):
        with fluid.name_scope(""):
            pass


# square_error_cost

def test_square_error_cost_is_elementwise_sub_then_square_as_in_fluid(fresh):
    x = fluid.data("x", [None, 3], "float64")
    y = fluid.data("y", [None, 1], "float64")
    x.stop_gradient = False
    cost = fluid.layers.square_error_cost(x, y)
    ops = fresh.global_block().ops
    assert [op.type for op in ops] == ["elementwise_sub", "square"]
    assert (ops[0].output("Out"), cost.name) == (["square_error_cost_0.tmp_0"],
                                                 "square_error_cost_0.tmp_1")
    gx, = fluid.gradients(fluid.layers.reduce_sum(cost), x)
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((4, 3)) * 1e3, rng.standard_normal((4, 1))
    got, grad = fluid.Executor().run(fresh, {"x": a, "y": b}, [cost, gx])
    np.testing.assert_allclose(got, (a - b) ** 2, rtol=1e-12)  # label broadcast over columns
    np.testing.assert_allclose(grad, 2 * (a - b), rtol=1e-12)
    with pytest.raises(TypeError, match="square_error_cost: argument 'label'"):
        fluid.layers.square_error_cost(x, fluid.data("l", [None, 1], "int64"))


# ParallelExecutor

def _regression(main, startup):
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        x = fluid.data("x", [None, 2], "float32")
        y = fluid.data("y", [None, 1], "float32")
        loss = fluid.layers.mean(fluid.layers.square_error_cost(fluid.layers.fc(x, 1), y))
        test = main.clone(for_test=True)
        fluid.optimizer.SGD(0.1).minimize(loss)
    return loss, test


def test_parallel_executor_trains_as_an_executor_does(monkeypatch):
    monkeypatch.delenv("CPU_NUM", raising=False)
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((16, 2)).astype("float32")
    feed = {"x": xs, "y": xs @ np.array([[2.0], [-1.0]], "float32")}
    losses = []
    for parallel in (False, True):
        main, startup, scope = fluid.Program(), fluid.Program(), fluid.Scope()
        main.random_seed = startup.random_seed = 5
        loss, test = _regression(main, startup)
        exe = fluid.Executor()
        exe.run(startup, scope=scope)
        if parallel:
            train = fluid.ParallelExecutor(False, loss_name=loss.name, main_program=main,
                                           scope=scope)
            tester = fluid.ParallelExecutor(False, main_program=test, share_vars_from=train)
            assert train.device_count == 1
            run = [lambda: train.run([loss.name], feed=feed)[0],
                   lambda: train.run([loss.name], feed=[feed])[0],  # one dict per place
                   lambda: train.run([loss.name], feed_dict=feed)[0]]  # its old name
            steps = [run[k % 3]() for k in range(6)]
            steps.append(tester.run([loss.name], feed=feed)[0])
        else:
            steps = [exe.run(main, feed, [loss], scope=scope)[0] for _ in range(6)]
            steps.append(exe.run(test, feed, [loss], scope=scope)[0])
        losses.append(np.concatenate(steps))
    np.testing.assert_array_equal(losses[0], losses[1])
    assert losses[1][5] < losses[1][0]  # it trained


def test_parallel_executor_refuses_several_places(monkeypatch, fresh):
    loss, _ = _regression(fresh, fluid.Program())
    monkeypatch.setenv("CPU_NUM", "4")
    with pytest.raises(NotImplementedError, match="runs a program on one place"):
        fluid.ParallelExecutor(False, loss_name=loss.name, main_program=fresh)
    monkeypatch.setenv("CPU_NUM", "1")
    pe = fluid.ParallelExecutor(False, main_program=fresh)
    with pytest.raises(ValueError, match="a feed list holds one dict per place"):
        pe.run([loss.name], feed=[{}, {}])
    with pytest.raises(TypeError, match="argument 'share_vars_from'"):
        fluid.ParallelExecutor(False, main_program=fresh, share_vars_from=fluid.Executor())
    monkeypatch.setenv("FLAGS_selected_gpus", "0,1")
    with pytest.raises(NotImplementedError, match="was given 2"):
        fluid.ParallelExecutor(True, main_program=fresh)


# Graphviz

def _program():
    main = fluid.Program()
    with fluid.program_guard(main, fluid.Program()), fluid.unique_name.guard():
        x = fluid.data("x", [None, 3], "float32")
        with fluid.name_scope("encoder"):
            h = fluid.layers.fc(x, 2, act="relu")
        fluid.layers.mean(h)
    return main


def _edges(dot):
    ids = dict(re.findall(r'(?m)^\s*(\w+) \[label="([^"\\]+)', dot))
    return {(ids[a], ids[b], slot) for a, b, slot in
            re.findall(r'(\w+) -> (\w+) \[label="(\w+)"\]', dot)}


def test_the_dot_has_every_op_variable_and_slot(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot`: only the .dot file
    main = _program()
    path = tmp_path / "g" / "net.dot"
    dot = main.to_graphviz(str(path), highlights=["fc_0.w.*", "relu"])
    assert path.read_text() == dot and not (tmp_path / "g" / "net.pdf").exists()
    assert dot.startswith('digraph "program block 0" {') and dot.rstrip().endswith("}")
    edges = _edges(dot)
    assert ("x", "mul", "X") in edges and ("fc_0.w_0", "mul", "Y") in edges
    assert ("mul", "fc_0.tmp_0", "Out") in edges and ("relu", "fc_0.tmp_2", "Out") in edges
    assert len(edges) == sum(len(n) for op in main.global_block().ops
                             for n in list(op.inputs.values()) + list(op.outputs.values()))
    assert re.search(r'label="fc_0.w_0\\nfloat32\[3, 2\]", shape=box, style=filled.*color=red',
                     dot)
    assert re.search(r'label="relu", shape=ellipse, color=red', dot)
    assert 'label="/encoder/"' in dot and dot.count("subgraph cluster_") == 1
    out = fluid.debugger.draw_block_graphviz(main.global_block(), path=str(tmp_path / "b.dot"))
    assert out == str(tmp_path / "b.dot") and _edges((tmp_path / "b.dot").read_text()) == edges
    with pytest.raises(TypeError, match="draw_block_graphviz: argument 'block'"):
        fluid.debugger.draw_block_graphviz(main)


def test_an_image_is_made_where_dot_exists(tmp_path, monkeypatch):
    real = shutil.which("dot")
    if real is None:  # a stand-in that records its command line: what minifluid asks of dot
        bin_ = tmp_path / "bin"
        bin_.mkdir()
        (bin_ / "dot").write_text(f'#!/bin/sh\necho "$@" > "{bin_}/args"\n'
                                  'while [ "$1" != "-o" ]; do shift; done; : > "$2"\n')
        (bin_ / "dot").chmod(stat.S_IRWXU)
        monkeypatch.setenv("PATH", str(bin_))
    out = fluid.debugger.draw_block_graphviz(_program().global_block(),
                                             path=str(tmp_path / "net.dot"))
    assert out == str(tmp_path / "net.pdf") and os.path.exists(out)
    if real is None:
        assert (tmp_path / "bin" / "args").read_text().split() == [
            "-Tpdf", str(tmp_path / "net.dot"), "-o", out]
    else:
        assert open(out, "rb").read(5) == b"%PDF-"


def test_paddle_version_is_the_module_require_version_reads(monkeypatch):
    import minifluid.compat.paddle.version as paddle_version
    assert paddle_version is fluid.version and paddle_version.full_version == "1.8.5"
    # fluid 1.8's own test sets the version fields and expects require_version to follow
    for k, v in zip(("major", "minor", "patch", "rc"), ("1", "4", "1", "0")):
        monkeypatch.setattr(paddle_version, k, v)
    fluid.require_version("1.4.1", "1.4.1")
    with pytest.raises(Exception, match="VersionError"):
        fluid.require_version("1.4.2")
    for k in ("major", "minor", "patch"):  # 0.0.0.0, a develop build: a warning, no check
        monkeypatch.setattr(paddle_version, k, "0")
    with pytest.warns(UserWarning, match="Maybe you are using a develop version"):
        fluid.require_version("9.0")
