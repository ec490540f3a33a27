import numpy as np
import pytest

import minifluid as fluid

_CUDA = fluid.is_compiled_with_cuda()


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not _CUDA, reason="needs cupy and a GPU"))])
def place(request):
    return fluid.CPUPlace() if request.param == "cpu" else fluid.CUDAPlace(0)


@pytest.fixture
def fresh():
    """Build into a fresh main/startup program and name generator; yields the main program."""
    main, startup = fluid.Program(), fluid.Program()
    with fluid.program_guard(main, startup), fluid.unique_name.guard():
        yield main


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
