"""Other frameworks' spellings of minifluid's ops: `minifluid.compat.tf.nn`."""
from . import tf

__all__ = ["tf"]
