"""Input placeholders: fluid.layers.data (batch dimension added) and fluid.data (as given)."""
from __future__ import annotations

from ..checks import check_bool, check_dtype, check_int, check_str, given, is_int
from ..framework import Variable, default_main_program, to_dtype

__all__ = ["data", "fluid_data"]


def _shape(layer, name, shape):
    if not isinstance(shape, (list, tuple)):
        raise TypeError(f"{layer}('{name}'): argument 'shape' must be a list or tuple, got "
                        f"{given(shape)}")
    out = []
    for d in shape:
        if d is None:
            d = -1
        if not is_int(d):
            raise TypeError(f"{layer}('{name}'): argument 'shape' must hold ints >= 0, -1 or "
                            f"None; got {list(shape)}")
        if not -1 <= d <= 2 ** 63 - 1:
            raise ValueError(f"{layer}('{name}'): argument 'shape' must hold ints >= 0, -1 or "
                             f"None; got {list(shape)}")
        out.append(int(d))
    return out


def _declared(shape, dtype, lod_level, stop_gradient, check_feed):
    return (f"shape {list(shape)}, dtype {dtype.name}, lod_level {lod_level}, stop_gradient "
            f"{bool(stop_gradient)}, fed shapes checked: {bool(check_feed)}")


def _create(layer, name, shape, dtype, lod_level, stop_gradient, check_feed) -> Variable:
    check_str(layer, "name", name, nonempty=True)
    dtype = to_dtype(check_dtype(f"{layer}('{name}')", "dtype", dtype, supported=None))
    lod_level = check_int(f"{layer}('{name}')", "lod_level", lod_level, lo=0)
    block = default_main_program().global_block()
    if block.has_var(name):  # as fluid 1.x: the same declaration again is the same variable
        old = block.var(name)
        if not old.is_data:
            raise ValueError(f"{layer}: '{name}' is already a variable of the program that is "
                             f"not an input; give the input another name")
        was = _declared(old.shape, old.dtype, old.lod_level, old.stop_gradient,
                        old.need_check_feed)
        now = _declared(shape, dtype, lod_level, stop_gradient, check_feed)
        if was != now:
            raise ValueError(f"{layer}: input '{name}' was declared before with {was}; now "
                             f"with {now}")
        return old
    return block.create_var(name, shape, dtype, lod_level=lod_level, is_data=True,
                            stop_gradient=stop_gradient, need_check_feed=check_feed)


def data(name: str, shape, dtype="float32", lod_level: int = 0, append_batch_size: bool = True,
         stop_gradient: bool = True) -> Variable:
    """Declare an input of the program (fluid 1.x `layers.data`).

    A batch dimension -1 is prepended unless `append_batch_size=False` or the shape already
    has a None/-1 dimension. Fed arrays must have the declared dtype; their shape is not
    checked here (the ops that read them check what they need). Declaring a name again the
    same way (shape, dtype, lod_level, stop_gradient, `layers.data` again) gives the same
    variable, as in fluid 1.x; any other declaration of it is a ValueError.

    Example:
        x = fluid.layers.data(name="x", shape=[10], dtype="float32")   # shape (-1, 10)
    """
    if isinstance(dtype, bool):  # fluid 1.x's order is (name, shape, append_batch_size, dtype)
        raise TypeError(f"layers.data('{name}'): dtype must be a dtype such as 'float32', got "
                        f"{dtype!r}; pass append_batch_size by keyword")
    check_str("layers.data", "name", name, nonempty=True)
    shape = _shape("layers.data", name, shape)
    check_bool(f"layers.data('{name}')", "append_batch_size", append_batch_size)
    stop_gradient = check_bool(f"layers.data('{name}')", "stop_gradient", stop_gradient)
    if append_batch_size and -1 not in shape:
        shape = [-1] + shape
    return _create("layers.data", name, shape, dtype, lod_level, stop_gradient, False)


def fluid_data(name: str, shape, dtype="float32", lod_level: int = 0) -> Variable:
    """Declare an input with exactly `shape` (None or -1 for a dimension fixed at run time);
    a fed array of another rank, a different known dimension or dtype is a ValueError.

    Example:
        x = fluid.data(name="x", shape=[None, 10], dtype="float32")
    """
    check_str("data", "name", name, nonempty=True)
    return _create("data", name, _shape("data", name, shape), dtype, lod_level, True, True)
