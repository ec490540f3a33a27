"""fluid.debugger: draw_block_graphviz, a block as a Graphviz graph (minifluid/graphviz.py)."""
from __future__ import annotations

from .graphviz import block_dot, write_dot

__all__ = ["draw_block_graphviz", "pprint_program_codes", "pprint_block_codes"]


def draw_block_graphviz(block, highlights=None, path="./temp.dot"):
    """Write `block`'s graph to `path` as Graphviz dot, and a PDF beside it where the `dot`
    program is installed (fluid 1.8's); `highlights` are regex patterns of variable names and
    op types to draw in red. Returns the path of the PDF, or of the .dot without `dot`.

    Example:
        fluid.debugger.draw_block_graphviz(fluid.default_main_program().global_block(),
                                           highlights=["fc_0.*"], path="./net.dot")
    """
    from .framework import Block
    if not isinstance(block, Block):
        raise TypeError(f"draw_block_graphviz: argument 'block' must be a Block "
                        f"(program.global_block()), got {type(block).__name__}")
    return write_dot(block_dot(block, highlights, title=f"block {block.idx}"), path)


def pprint_program_codes(program) -> str:
    """The program as text, block by block (fluid's printed a pseudo-code form)."""
    return program.to_string()


def pprint_block_codes(block, show_backward=False) -> str:
    """The block as text: its variables, then its ops with their slots and attrs."""
    return repr(block)
