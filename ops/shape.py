"""shape: the shape of Input as a 1-D int32 tensor.

    Out = int32(shape(Input))
"""
from minifluid.place import get_array_module
from minifluid.registry import register_op

op = register_op("shape", inputs=["Input"], outputs=["Out"], doc=__doc__,
                 no_grad="an int tensor: it does not depend on Input's values")
op.shape_rule(lambda op: ((len(op.in_var("Input").shape),), "int32"))


@op.kernel("float16", "float32", "float64", "int8", "int32", "int64", "bool", "uint8")
def shape(x):
    return get_array_module(x).asarray(x.shape, dtype="int32").reshape(-1)
