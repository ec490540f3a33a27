"""Other frameworks' spellings of minifluid's ops: `minifluid.compat.tf.nn`; and
`minifluid.compat.paddle`, what a ported `import paddle` lands on (imported on demand:
`import minifluid.compat.paddle as paddle`)."""
from . import tf

__all__ = ["tf", "paddle"]
