"""minifluid.compat.paddle: what a ported `import paddle` lands on."""
import sys

import numpy as np
import pytest

import minifluid


def test_every_spelling_of_paddle_fluid_is_minifluid_itself():
    import minifluid.compat.paddle as paddle
    import minifluid.compat.paddle.fluid as fluid
    import minifluid.compat.paddle.fluid.core as core
    import minifluid.compat.paddle.fluid.layers as layers
    from minifluid.compat.paddle import fluid as fluid2
    from minifluid.compat.paddle.fluid import unique_name
    from minifluid.compat.paddle.fluid.op import Operator

    assert fluid is minifluid and fluid2 is minifluid and paddle.fluid is minifluid
    # the same module objects, not second copies (which would register every op again)
    assert core is minifluid.core and layers is minifluid.layers
    assert sys.modules["minifluid.compat.paddle.fluid.layers"] is minifluid.layers
    assert unique_name is minifluid.unique_name and Operator is minifluid.op.Operator


def test_version_says_what_it_is():
    import minifluid.compat.paddle as paddle
    assert paddle.__version__ == f"1.8.5+minifluid.{minifluid.__version__}"


def test_static_mode_is_the_only_mode():
    import minifluid.compat.paddle as paddle
    assert paddle.enable_static() is None and paddle.in_dynamic_mode() is False
    for entry in (paddle.disable_static, paddle.to_tensor, paddle.grad, paddle.no_grad):
        with pytest.raises(NotImplementedError, match="minifluid is static-graph only"):
            entry(np.ones(2))


def test_a_ported_script_runs_through_paddle_fluid():
    import minifluid.compat.paddle as paddle
    from minifluid.compat.paddle import fluid
    paddle.enable_static()
    main, startup = paddle.static.Program(), fluid.Program()
    with fluid.program_guard(main, startup):
        x = fluid.data("x", [None, 3], "float32")
        y = fluid.layers.scale(x, scale=2.0)
    exe = paddle.static.Executor(paddle.CPUPlace())
    out, = exe.run(main, feed={"x": np.ones((2, 3), "float32")}, fetch_list=[y])
    np.testing.assert_array_equal(out, np.full((2, 3), 2.0))


def test_paddle_2_tensor_functions_say_where_the_fluid_one_is():
    import minifluid.compat.paddle as paddle
    with pytest.raises(AttributeError, match=r"no attribute 'tanh'.*paddle.fluid.layers.tanh"):
        paddle.tanh
    with pytest.raises(AttributeError, match=r"no attribute 'no_such_thing': minifluid follows"):
        paddle.no_such_thing
