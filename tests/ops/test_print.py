"""The print op (ops/print_op.py) and layers.Print: Out is In, the text is fluid 1.8's
format (written here from print_op.cc's Formater: the lines, C++'s type names, `%g` numbers,
a trailing comma after each element and each dim), the gradient passes through and is
printed in the backward phase, first_n and summarize count as fluid counts them."""
import re

import numpy as np
import pytest

import minifluid as fluid
from minifluid.testing import check_grad, check_output


def _blocks(text):
    """Each printed tensor as (time, message, the lines after the first)."""
    out = []
    for block in re.split(r"(?m)^(?=\d+\t)", text):
        if block:
            first, *rest = block.rstrip("\n").split("\n")
            t, message, place = first.split("\t")
            out.append((int(t), message, place, rest))
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_out_is_in_for_every_printable_dtype(dtype, capsys):
    x = (np.arange(6).reshape(2, 3) % 2 if dtype == "bool" else np.arange(6).reshape(2, 3) - 2)
    x = x.astype(dtype)
    check_output("print", {"In": x}, {"Out": x})
    assert "Tensor[In]" in capsys.readouterr().out


def test_the_text_is_fluids_format(fresh, capsys):
    x = fluid.data("x", [2, 3], "float32")
    fluid.layers.Print(x, message="the x")
    value = np.array([[0.5, -1.25, 3.0], [1e-7, 123456789.0, -0.0]], "float32")
    fluid.Executor().run(fresh, {"x": value})
    (t, message, place, lines), = _blocks(capsys.readouterr().out)
    assert abs(t - __import__("time").time()) < 60 and message == "the x"
    assert place == "The place is:CPUPlace"
    # C++'s ostream << float: six significant digits, as printf's %g
    assert lines == ["Tensor[x]", "\tshape: [2,3,]", "\tdtype: f",
                     "\tdata: 0.5,-1.25,3,1e-07,1.23457e+08,-0,"]


def test_summarize_and_the_switches(fresh, capsys):
    x = fluid.data("x", [4], "int64")
    fluid.layers.Print(x, summarize=2, print_tensor_name=False, print_tensor_type=False)
    fluid.layers.Print(x, summarize=-1, print_tensor_shape=False)
    fluid.Executor().run(fresh, {"x": np.array([2 ** 40, -3, 4, 5], "int64")})
    first, second = _blocks(capsys.readouterr().out)
    assert first[3] == ["\tshape: [4,]", f"\tdata: {2 ** 40},-3,"]
    assert second[3] == ["Tensor[x]", "\tdtype: l", f"\tdata: {2 ** 40},-3,4,5,"]


def test_first_n_counts_the_prints_of_one_compiled_plan(fresh, capsys):
    x = fluid.data("x", [1], "float64")
    fluid.layers.Print(x, first_n=2)
    exe = fluid.Executor()
    for _ in range(4):
        exe.run(fresh, {"x": np.ones(1)})
    assert len(_blocks(capsys.readouterr().out)) == 2
    # a plan compiled afresh (use_program_cache=False) counts from 0 again, as fluid did
    # on every run without its program cache
    exe.run(fresh, {"x": np.ones(1)}, use_program_cache=False)
    assert len(_blocks(capsys.readouterr().out)) == 1


@pytest.mark.parametrize("phase,printed", [("forward", ["x"]), ("backward", ["G"]),
                                           ("BOTH", ["x", "G"])])
def test_the_gradient_passes_through_and_prints_in_backward(fresh, capsys, phase, printed):
    x = fluid.data("x", [2, 2], "float64")
    x.stop_gradient = False
    p = fluid.layers.Print(x, print_phase=phase)
    loss = fluid.layers.reduce_sum(fluid.layers.square(p))
    gx, = fluid.gradients(loss, x)
    value = np.array([[1.0, 2.0], [-3.0, 0.5]])
    got, = fluid.Executor().run(fresh, {"x": value}, [gx])
    np.testing.assert_allclose(got, 2 * value)  # d sum(x^2) / dx, print changes nothing
    names = [lines[0][len("Tensor["):-1] for *_, lines in _blocks(capsys.readouterr().out)]
    assert [("G" if n.endswith("@GRAD") else n) for n in names] == printed
    if "G" in printed:
        assert names[-1] == p.name + "@GRAD"  # fluid prints the name of Out's gradient


def test_check_grad():
    check_grad("print", {"In": np.random.default_rng(0).standard_normal((3, 2))},
               inputs_to_check=("In",))


def test_out_is_a_copy_and_an_empty_tensor_prints_no_data(fresh, capsys):
    x = fluid.data("x", [-1, 2], "float32")
    out = fluid.layers.Print(x)
    value = np.zeros((0, 2), "float32")
    got, = fluid.Executor().run(fresh, {"x": value}, [out])
    assert got.shape == (0, 2) and got is not value
    assert _blocks(capsys.readouterr().out)[0][3][-1] == "\tdata: "


def test_the_layer_refuses_what_fluid_refuses(fresh):
    x = fluid.data("x", [2], "float32")
    with pytest.raises(ValueError, match="Print: argument 'print_phase'"):
        fluid.layers.Print(x, print_phase="sideways")
    with pytest.raises(TypeError, match="Print: argument 'input' must be a Variable of"):
        fluid.layers.Print(fluid.layers.cast(x, "float16"))
    with pytest.raises(ValueError, match="print_phase must be one of"):
        fresh.global_block().append_op("print", {"In": x}, {"Out": "o"}, {"print_phase": "x"})
    assert len(fresh.global_block().ops) == 1  # only the cast
