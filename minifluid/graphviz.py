"""A block's graph as Graphviz dot (fluid.debugger.draw_block_graphviz, Program.to_graphviz):
variables are boxes (parameters and other persistables filled), ops are ellipses, each edge
is labelled with the op's slot, and ops created under a fluid.name_scope sit in a cluster of
that scope. Names matching a `highlights` pattern (re.match, as fluid) are drawn in red.
Where Graphviz's `dot` program is installed, a PDF is made next to the .dot file, as fluid
1.8 made one; where it is not, only the .dot file is written.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess

from .registry import EMPTY

__all__ = ["block_dot", "write_dot"]


def _quote(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _patterns(highlights):
    if highlights is None:
        return []
    if isinstance(highlights, str) or not all(isinstance(p, str) for p in highlights):
        raise TypeError(f"draw_block_graphviz: argument 'highlights' must be None or a list of "
                        f"str patterns, got {highlights!r}")
    return [re.compile(p) for p in highlights]


def block_dot(block, highlights=None, title="block") -> str:
    """The dot source of `block`'s variables and ops."""
    marks = _patterns(highlights)

    def lit(name):
        return any(p.match(name) for p in marks)

    lines = [f"digraph {_quote(title)} {{", "  rankdir=TB;", '  node [fontsize=10];']
    ids = {}

    def var(name):
        if name not in ids:
            ids[name] = f"var_{len(ids)}"
            v = block.vars.get(name)
            label = name if v is None else f"{name}\n{v.dtype}{list(v.shape)}"
            style = ', style=filled, fillcolor="#dddddd"' if v is not None and v.persistable else ""
            color = ", color=red, fontcolor=red" if lit(name) else ""
            lines.append(f"  {ids[name]} [label={_quote(label)}, shape=box{style}{color}];")
        return ids[name]

    for name in block.vars:
        var(name)
    clusters: dict = {}
    for k, op in enumerate(block.ops):
        color = ", color=red, fontcolor=red" if lit(op.type) else ""
        node = f"  op_{k} [label={_quote(op.type)}, shape=ellipse{color}];"
        clusters.setdefault(getattr(op, "namescope", "/"), []).append(node)
        for slot, names in op.inputs.items():
            for n in names:
                lines.append(f"  {var(n)} -> op_{k} [label={_quote(slot)}];")
        for slot, names in op.outputs.items():
            for n in names:
                if n != EMPTY:
                    lines.append(f"  op_{k} -> {var(n)} [label={_quote(slot)}];")
    for i, (scope, nodes) in enumerate(clusters.items()):
        if scope == "/":
            lines += nodes
        else:
            lines += [f"  subgraph cluster_{i} {{", f"    label={_quote(scope)};", *nodes, "  }"]
    return "\n".join(lines + ["}"]) + "\n"


def write_dot(source: str, path) -> str:
    """Write `source` to `path`; where `dot` exists, also the PDF beside it (returned), else
    return the .dot path."""
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w") as f:
        f.write(source)
    dot = shutil.which("dot")
    if dot is None:
        return path
    image = os.path.splitext(path)[0] + ".pdf"
    done = subprocess.run([dot, "-Tpdf", path, "-o", image], capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"dot could not draw {path}: {done.stderr.strip()}")
    return image
