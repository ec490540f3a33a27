"""fluid.dygraph: minifluid is static-graph only; each dygraph entry point says so."""
import numpy as np
import pytest

import minifluid as fluid

STATIC_ONLY = "minifluid runs fluid's static graphs; dygraph mode is not supported"


def test_dygraph_mode_is_never_on():
    assert fluid.dygraph.enabled() is False and fluid.in_dygraph_mode() is False
    assert fluid.framework.in_dygraph_mode() is False
    import minifluid.compat.paddle.fluid.dygraph as dg  # the spelling Paddle's tests port to
    assert dg is fluid.dygraph


@pytest.mark.parametrize("name", ["guard", "to_variable", "grad", "enable_dygraph",
                                  "disable_dygraph", "save_dygraph", "load_dygraph",
                                  "prepare_context"])
def test_each_dygraph_function_raises_saying_static_only(name):
    with pytest.raises(NotImplementedError, match=STATIC_ONLY):
        getattr(fluid.dygraph, name)(np.ones(2))


@pytest.mark.parametrize("decorator", ["no_grad", "declarative", "jit.declarative"])
def test_dygraph_decorators_let_a_script_load_and_raise_when_called(decorator):
    obj = fluid.dygraph
    for part in decorator.split("."):
        obj = getattr(obj, part)
    for wrapped in (obj(lambda x: x), obj()(lambda x: x)):  # @dec and @dec()
        with pytest.raises(NotImplementedError, match=STATIC_ONLY):
            wrapped(1)
    with pytest.raises(NotImplementedError, match=STATIC_ONLY):
        with obj():
            pass


def test_guard_fails_on_the_with_line():
    ran = []
    with pytest.raises(NotImplementedError, match=r"fluid\.dygraph\.guard: .*build a Program"):
        with fluid.dygraph.guard(fluid.CPUPlace()):
            ran.append(1)
    assert not ran
    with pytest.raises(NotImplementedError, match=STATIC_ONLY):
        fluid.enable_dygraph()


def test_a_script_defining_dygraph_layers_still_loads():
    class Net(fluid.dygraph.Layer):  # defining is fine: a module of such classes imports
        def forward(self, x):
            return x

    @fluid.dygraph.no_grad
    def infer(x):
        return x

    with pytest.raises(NotImplementedError, match=STATIC_ONLY):
        Net()
    with pytest.raises(NotImplementedError, match=STATIC_ONLY):
        infer(1)
    with pytest.raises(NotImplementedError, match=STATIC_ONLY):
        with fluid.dygraph.no_grad():
            pass
    for cls in (fluid.dygraph.Linear, fluid.dygraph.Conv2D, fluid.dygraph.Embedding,
                fluid.dygraph.Sequential, fluid.dygraph.ParallelEnv):
        with pytest.raises(NotImplementedError, match=STATIC_ONLY):
            cls(4, 4)
