import numpy as np
import pytest

import minifluid as fluid


def test_unique_names_count_per_key_and_restart_in_guard():
    with fluid.unique_name.guard():
        assert [fluid.unique_name.generate(k) for k in ("fc", "fc", "conv", "fc")] == \
            ["fc_0", "fc_1", "conv_0", "fc_2"]
        with fluid.unique_name.guard():
            assert fluid.unique_name.generate("fc") == "fc_0"
        assert fluid.unique_name.generate("fc") == "fc_3"
        with fluid.unique_name.guard("net1_"):  # fluid's prefix, for two copies of a net
            assert fluid.unique_name.generate("fc") == "net1_fc_0"
        assert fluid.unique_name.generate("fc") == "fc_4"
    with pytest.raises(TypeError,
                       match="argument .new_generator. must be None or a prefix str, got int"):
        with fluid.unique_name.guard(3):
            pass


def test_program_guard_switches_and_restores_defaults():
    outer_main, outer_startup = fluid.default_main_program(), fluid.default_startup_program()
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup):
        assert fluid.default_main_program() is main
        assert fluid.default_startup_program() is startup
        fluid.layers.data("x", [3])
    assert fluid.default_main_program() is outer_main
    assert fluid.default_startup_program() is outer_startup
    assert [v.name for v in main.list_vars()] == ["x"]
    with pytest.raises(TypeError, match="main_program must be a Program"):
        with fluid.program_guard("main"):
            pass


def test_variables_and_blocks(fresh):
    x = fluid.layers.data("x", [3, 4], dtype="float64", lod_level=1)
    assert (x.name, x.shape, x.dtype, x.lod_level) == ("x", (-1, 3, 4), np.float64, 1)
    assert x.stop_gradient and not x.persistable
    block = fresh.global_block()
    assert block.var("x") is x and fresh.num_blocks == 1
    with pytest.raises(ValueError, match="variable 'nope' is not in block 0"):
        block.var("nope")
    assert list(fresh.list_vars()) == [x]


def test_layers_data_shapes(fresh):
    assert fluid.layers.data("a", [10]).shape == (-1, 10)
    assert fluid.layers.data("b", [10], append_batch_size=False).shape == (10,)
    assert fluid.layers.data("c", [None, 10]).shape == (-1, 10)
    assert fluid.layers.data("d", [-1, 5, 10]).shape == (-1, 5, 10)
    assert fluid.data("e", [None, 10]).shape == (-1, 10)
    assert fluid.data("f", [4, 10], "float64").shape == (4, 10)


def test_declaring_an_input_again_gives_the_same_variable_as_in_fluid(fresh):
    x = fluid.layers.data("x", [10])
    assert fluid.layers.data("x", [10]) is x
    assert fluid.layers.data("x", [-1, 10], append_batch_size=False) is x
    with pytest.raises(ValueError, match=r"input 'x' was declared before with shape \[-1, 10\], "
                       r"dtype float32, lod_level 0, stop_gradient True, fed shapes checked: "
                       r"False; now with shape \[-1, 5\], dtype float32"):
        fluid.layers.data("x", [5])
    with pytest.raises(ValueError, match="now with .* stop_gradient False"):
        fluid.layers.data("x", [10], stop_gradient=False)
    with pytest.raises(ValueError, match="now with .* fed shapes checked: True"):
        fluid.data("x", [-1, 10])  # fluid.data checks fed shapes; layers.data does not
    with pytest.raises(ValueError, match=r"now with shape \[-1, 10\], dtype float64"):
        fluid.layers.data("x", [10], "float64")
    with pytest.raises(ValueError, match=r"now with shape \[-1, 10\], dtype float32, lod_level 1"):
        fluid.layers.data("x", [10], lod_level=1)
    y = fluid.layers.scale(x, 2.0)
    with pytest.raises(ValueError, match=f"'{y.name}' is already a variable of the program "
                       "that is not an input"):
        fluid.layers.data(y.name, [10])


def test_the_fluid_seed_example_runs_as_written(fresh):
    # ../shared/seeds: both inputs are declared as 'data', so in fluid 1.x they are one
    # variable, and the loss is that of x against itself.
    input = fluid.layers.data(name='data', shape=[10], dtype='float32')
    label = fluid.layers.data(name='data', shape=[10], dtype='float32')
    loss = fluid.layers.sigmoid_cross_entropy_with_logits(x=input, label=label, ignore_index=-1,
                                                          normalize=True)
    loss = fluid.layers.reduce_sum(loss)
    xs = np.random.default_rng(0).uniform(0, 1, (4, 10)).astype("float32")
    got, = fluid.Executor(fluid.CPUPlace()).run(feed={"data": xs}, fetch_list=[loss])
    x = xs.astype(np.float64)
    want = np.sum(np.maximum(x, 0) - x * x + np.log1p(np.exp(-np.abs(x)))) / x.size
    np.testing.assert_allclose(got, [want], rtol=1e-6)


def test_data_errors(fresh):
    with pytest.raises(TypeError,
                       match=r"argument .shape. must be a list or tuple, got 10 \(int\)"):
        fluid.data("y", 10)
    with pytest.raises(ValueError,
                       match=r"argument .shape. must hold ints >= 0, -1 or None; got \[2, -3\]"):
        fluid.data("y", [2, -3])
    with pytest.raises(ValueError, match="argument 'dtype' must be .*, got 'float99'"):
        fluid.data("y", [2], "float99")
    with pytest.raises(TypeError, match="dtype must be a dtype such as 'float32', got False; "
                       "pass append_batch_size by keyword"):
        fluid.layers.data("y", [2], False, "float32")  # fluid 1.x's positional order


def test_print_program_shows_ops_inputs_outputs_attrs_shapes_and_line(fresh):
    x = fluid.layers.data("x", [10])
    y = fluid.layers.data("label", [10])
    fluid.layers.sigmoid_cross_entropy_with_logits(x, y, ignore_index=-1)  # printed line
    text = str(fresh)
    assert "sigmoid_cross_entropy_with_logits(X=[x[-1, 10]], Label=[label[-1, 10]])" in text
    assert "{ignore_index=-1, normalize=False}" in text
    assert "Out=[sigmoid_cross_entropy_with_logits_0.tmp_0[-1, 10]]" in text
    assert "test_framework.py" in text and "# printed line" in text
    assert "var x : float32[-1, 10] (data, stop_gradient)" in text


def test_append_op_checks_slots_and_attrs(fresh):
    block = fresh.global_block()
    x = fluid.layers.data("x", [3])
    with pytest.raises(ValueError, match="op 'mean' has no input slot 'Y'"):
        block.append_op("mean", {"Y": x}, {"Out": "o"})
    with pytest.raises(ValueError, match="op 'mean': input 'X' is required"):
        block.append_op("mean", {}, {"Out": "o"})
    with pytest.raises(ValueError, match=r"op 'mean' has no attribute\(s\) \['axis'\]"):
        block.append_op("mean", {"X": x}, {"Out": "o"}, {"axis": 1})
    with pytest.raises(ValueError, match="op 'nope' is not registered"):
        block.append_op("nope", {"X": x}, {"Out": "o"})
    with pytest.raises(ValueError, match="input variable 'ghost' is not in block 0"):
        block.append_op("mean", {"X": "ghost"}, {"Out": "o"})
    fluid.registry.register_op("test_no_shape_rule", inputs=["X"], outputs=["Out"])
    with pytest.raises(TypeError, match="op 'test_no_shape_rule' has no shape rule"):
        block.append_op("test_no_shape_rule", {"X": x}, {"Out": "o"})
    assert not block.has_var("o")
    with pytest.raises(TypeError, match=r"sigmoid_cross_entropy_with_logits\(x, label, "
                                        r"ignore_index=-100, name=None, normalize=False\): "
                                        r"got an unexpected keyword argument 'ignre_index'"):
        fluid.layers.sigmoid_cross_entropy_with_logits(x, x, ignre_index=1)


def test_variables_from_another_program_are_rejected():
    main = fluid.Program()
    with fluid.program_guard(main):
        x = fluid.layers.data("x", [3])
    with fluid.program_guard(fluid.Program()):
        with pytest.raises(ValueError, match="variable 'x' .* belongs to another program"):
            fluid.layers.mean(x)
