"""paddle.reader: fluid 1.8's reader decorators (the same functions as fluid.io's)."""
from minifluid.reader import (ComposeNotAligned, buffered, cache, chain, compose,  # noqa: F401
                              firstn, map_readers, multiprocess_reader, shuffle, xmap_readers)

__all__ = ["cache", "map_readers", "buffered", "compose", "chain", "shuffle",
           "ComposeNotAligned", "firstn", "xmap_readers", "multiprocess_reader"]
