"""fluid.input (fluid 1.8): embedding, the lookup_table_v2 layer (ids without a trailing 1)."""
from .layers.emb15 import embedding_v2 as embedding

__all__ = ["embedding"]
