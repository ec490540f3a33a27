"""op.desc, block.desc and core.get_grad_op_desc: the way Paddle's op tests append a grad
op by hand gives the gradients fluid.gradients gives."""
import numpy as np

import minifluid as fluid
from minifluid import core


def test_a_grad_op_appended_by_hand_matches_gradients(rng):
    x = rng.normal(size=(3, 4)).astype(np.float32)
    dy = rng.normal(size=(3, 4)).astype(np.float32)
    program = fluid.Program()
    with fluid.program_guard(program, fluid.Program()):
        block = program.global_block()
        for name in ("x", "y", "mean", "var", "y@GRAD"):
            block.create_var(name=name, shape=(3, 4), dtype="float32")
        op = block.append_op("layer_norm", {"X": "x"}, {"Y": "y", "Mean": "mean",
                                                        "Variance": "var"})
        descs, to_var = core.get_grad_op_desc(op.desc, {"nothing@GRAD"}, [])
        assert [d.type() for d in descs] == ["layer_norm_grad"]
        assert descs[0].output_arg_names() == ["x@GRAD"] and to_var == {"x@GRAD": "x"}
        block.desc.append_op().copy_from(descs[0])
        assert block.desc.find_var(b"x@GRAD").shape() == [3, 4]
        block.desc.find_var(b"x@GRAD").set_dtype(core.VarDesc.VarType.FP32)
        program._sync_with_cpp()
    got, = fluid.Executor(fluid.CPUPlace()).run(program, {"x": x, "y@GRAD": dy}, ["x@GRAD"],
                                                scope=fluid.Scope())
    r = x.astype(np.float64)
    xhat = (r - r.mean(1, keepdims=True)) / np.sqrt(r.var(1, keepdims=True) + 1e-5)
    want = (dy - dy.mean(1, keepdims=True) - xhat * (dy * xhat).mean(1, keepdims=True)) \
        / np.sqrt(r.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_no_grad_set_leaves_gradients_out():
    program = fluid.Program()
    with fluid.program_guard(program, fluid.Program()):
        x = fluid.data("x", [2, 3], "float32")
        y = fluid.layers.layer_norm(x)
        op = program.global_block().ops[-1]
        scale = op.input("Scale")[0]
        descs, _ = core.get_grad_op_desc(op.desc, {scale + "@GRAD"}, [])
        assert scale + "@GRAD" not in descs[0].output_arg_names()
        assert y.name + "@GRAD" in descs[0].input_arg_names()
