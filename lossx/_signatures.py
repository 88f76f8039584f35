"""The generated face of a loss: the array-generic function's signature and docstring."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._binding import bind
from ._call import compute
from ._spec import INPUT_KINDS

if TYPE_CHECKING:
    from ._spec import LossSpec

__all__ = ["loss_function", "options_docstring"]


def loss_function(spec: LossSpec, run: Callable[..., Any] = compute) -> Callable[..., Any]:
    """A function ``loss(*inputs, reduction, sample_weight, mask, total_weight, mean_across, **options)`` for ``spec``.

    Options are validated on each call and handed, with the inputs, to
    ``run(spec, inputs, options, reduction, sample_weight, mask, total_weight=, mean_across=)``:
    by default :func:`lossx._call.compute`; adapters pass their own input/output conversions
    around it. The function carries the loss's signature (its inputs by name) and generated
    docstring.
    """

    def loss(*inputs, reduction="mean", sample_weight=None, mask=None, total_weight=None, mean_across=None, **options):
        inputs = bind(spec, inputs, options)
        return run(
            spec,
            inputs,
            spec.validate(options),
            reduction,
            sample_weight,
            mask,
            total_weight=total_weight,
            mean_across=mean_across,
        )

    keyword = inspect.Parameter.KEYWORD_ONLY
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [
        *(inspect.Parameter(i.name, positional, **({"default": None} if i.optional else {})) for i in spec.inputs),
        *(inspect.Parameter(o.name, keyword, default=o.default) for o in spec.options),
        inspect.Parameter("reduction", keyword, default="mean"),
        inspect.Parameter("sample_weight", keyword, default=None),
        inspect.Parameter("mask", keyword, default=None),
        inspect.Parameter("total_weight", keyword, default=None),
        inspect.Parameter("mean_across", keyword, default=None),
    ]
    loss.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    loss.__name__ = loss.__qualname__ = spec.name
    loss.__module__ = "lossx"
    loss.__doc__ = options_docstring(spec)
    loss.spec = spec  # type: ignore[attr-defined]
    return loss


def options_docstring(spec: LossSpec) -> str:
    """The loss's own docstring followed by its generated option and call documentation."""
    lines = [inspect.cleandoc(spec.doc), "", "Inputs", "------"]
    for spec_input in spec.inputs:
        optional = " (optional)" if spec_input.optional else ""
        lines.append(f"{spec_input.name}{optional}")
        lines.append(f"    {spec_input.doc} Kind {spec_input.kind!r}: {INPUT_KINDS[spec_input.kind]}.")
    lines += ["", "Options", "-------"]
    for option in spec.options:
        lines.append(f"{option.name} = {option.default!r}")
        lines.append(f"    {option.doc} Valid: {option.range_text()}.")
    if not spec.options:
        lines.append("(none)")
    lines += [
        "",
        "Common arguments",
        "----------------",
        'reduction = "mean"',
        '    "none", "sum" or "mean" (weighted mean Σw·l/Σw; 0 when Σw = 0).',
        "sample_weight = None",
        "    Weights aligned to the leading (batch) axes of the unreduced loss.",
        "mask = None",
        "    Boolean array; False entries contribute nothing and count nothing.",
        "total_weight = None",
        '    The denominator of "mean" instead of this call\'s Σw: the Σw of the whole batch',
        "    (all micro-batches, all shards); 0 gives 0. lossx.total_weight gives one call's.",
        "mean_across = None",
        '    The group "mean" is taken over: a torch process group or "world", a JAX axis',
        '    name (shard_map, pmap), "replicas" (tf.distribute); see docs/distributed.md.',
    ]
    return "\n".join(lines)
