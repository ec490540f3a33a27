"""LoD at run time, for the kernels that read it (sequence ops, chunk_eval, edit_distance).

An op registered with lod=(slots) gets the keyword lod=[the LoD of each of those inputs as
offsets (fluid's LoDTensor.lod()), [] where it has none]; one registered with
lod_out=(slots) returns, after its outputs, a list of the LoD of each of those outputs (an
op that changes sequence lengths: sequence_erase). The LoD of an input is that of the
variable it comes from by fluid's ShareLoD (see fetched.py): a fed LoDTensor's, or one an
earlier kernel gave. Each compiled plan keeps one {variable name: LoD} dict, filled from
the feed on every run; only the ops that declare LoD pay for it.
"""
from __future__ import annotations

from . import registry


def lod_source(block, name, feed_names, made=()):
    """The variable whose LoD variable `name` has (None: none): a fed one, or one in `made`
    (whose LoD a kernel gives), followed back through the first input of each producer."""
    producer = {}
    for op in block.ops:
        for n in op.output_arg_names:
            producer.setdefault(n, op)  # the first writer: later ones update in place
    fed, seen = set(feed_names) | set(made), set()
    while name is not None and name not in fed:
        op = producer.get(name)
        if op is None or name in seen or block.var(name).lod_level == 0:
            return None
        seen.add(name)
        name = next((op.input(s)[0] for s in registry.OPS[op.type].inputs if op.input(s)), None)
    return name


def with_lod(fn, block, op, feed_names, lods: dict, made: set):
    """Kernel `fn` of `op` given lod= from the run's `lods`, storing there the LoD its
    lod_out outputs get (their names are added to `made`)."""
    opdef = registry.OPS[op.type]
    sources = [lod_source(block, op.input(s)[0], feed_names, made) if op.input(s) else None
               for s in opdef.lod]
    outs = [op.output(s)[0] for s in opdef.lod_out]
    made.update(outs)

    def run(*args, **attrs):
        res = fn(*args, lod=[lods.get(n, []) for n in sources], **attrs)
        if outs:
            *res, given = res
            lods.update(zip(outs, given))
            res = res[0] if len(res) == 1 else tuple(res)
        return res
    run.__name__ = run.__qualname__ = getattr(fn, "__name__", op.type)
    run.__wrapped__ = fn  # errors name the kernel's own line
    return run
