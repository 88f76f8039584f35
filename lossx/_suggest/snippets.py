"""The Python code a suggestion comes with: its loss computed on NumPy, torch, JAX or Keras.

The frameworks' names appear here only as the text of the code written; nothing is imported from them."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .text import _is_range

if TYPE_CHECKING:
    from .result import Suggestion, Suggestions


#: Vector options longer than this are read back from lossx.suggest in a snippet instead of written out.
_LONGEST_LITERAL = 16
_CODE_WIDTH = 79


def _literal(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, int):
        return repr(value)
    return repr(float(f"{value:.4g}"))


def _call(head: str, arguments: list[str], tail: str = "") -> list[str]:
    """``head(arguments)tail`` on one line, or one argument per line where that is too wide."""
    line = f"{head}({', '.join(arguments)}){tail}"
    if len(line) <= _CODE_WIDTH:
        return [line]
    lines = [f"{head}("]
    for argument in arguments:
        if len(argument) + 5 <= _CODE_WIDTH:
            lines.append(f"    {argument},")
            continue
        text = _string_value(argument)
        if text is not None:  # a long path: adjacent literals, which Python joins
            pieces = _string_pieces(text, _CODE_WIDTH - 7)
            lines += [f"    {piece!r}" for piece in pieces[:-1]] + [f"    {pieces[-1]!r},"]
            continue
        name, _, literal = argument.partition("=")
        if not literal.startswith("["):
            lines.append(f"    {argument},")
            continue
        lines.append(f"    {name}=[")
        items = literal.strip("[]").split(", ")
        row = "       "
        for item in items:
            if len(row) + len(item) + 2 > _CODE_WIDTH:
                lines.append(row.rstrip())
                row = "       "
            row += f" {item},"
        lines.append(row.rstrip())
        lines.append("    ],")
    lines.append(f"){tail}")
    return lines


def _string_value(argument: str) -> str | None:
    """The string an argument's source spells, if it is a string literal."""
    try:
        node = ast.parse(argument, mode="eval").body
    except SyntaxError:
        return None
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _string_pieces(text: str, width: int) -> list[str]:
    """``text`` cut into pieces whose literals fit ``width``, after a ``/`` where one is near."""
    pieces = []
    while len(repr(text)) > width:
        cut = width - 2
        while len(repr(text[:cut])) > width:
            cut -= 1
        slash = text.rfind("/", 0, cut)
        cut = slash + 1 if slash > cut // 2 else cut
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text]


def _assignment(name: str, expression: str) -> list[str]:
    """``name = expression``, the outermost call's arguments one per line where the line is too wide."""
    line = f"{name} = {expression}"
    if len(line) <= _CODE_WIDTH:
        return [line]
    tree = ast.parse(expression, mode="eval").body
    call = tree.value if isinstance(tree, ast.Subscript) else tree
    if not isinstance(call, ast.Call):
        return [line]
    head = ast.get_source_segment(expression, call.func)
    # The nodes were parsed from expression: each one has its segment (never None).
    arguments = [
        segment
        for node in [*call.args, *call.keywords]
        if (segment := ast.get_source_segment(expression, node)) is not None
    ]
    tail = expression[call.end_col_offset :]
    return _call(f"{name} = {head}", arguments, tail)


def _target_code(result: Suggestions, suggestion: Suggestion) -> str:
    """A NumPy expression for suggestion's targets, in terms of ``y_true``."""
    evidence = result.evidence
    if suggestion.targets == "class_indices":
        if evidence.target_format in ("one_hot", "probabilities"):
            return "y_true.argmax(axis=-1)"
        if _is_range(evidence.classes):
            return "y_true.astype(np.int64)"
        return f"np.searchsorted(np.array({_literal(evidence.classes)}), y_true)"
    if suggestion.targets == "is_positive" and evidence.classes is not None:
        positive = evidence.classes[-1]
        if positive == 1 and evidence.classes[0] == 0:
            return "y_true.astype(np.float32)"
        return f"(y_true == {_literal(positive)}).astype(np.float32)"
    return "y_true.astype(np.float32)"


#: The losses that take dense targets against a softmax over the class axis (the others: a sigmoid per entry).
_SOFTMAX_OVER_TARGETS = frozenset({"categorical_cross_entropy", "categorical_focal_cross_entropy", "kl_divergence"})


def _stand_in(suggestion: Suggestion, framework: str) -> tuple[str, str]:
    """A stand-in for the model's output (its code and its comment): a valid prediction of the right shape."""
    shape = suggestion.prediction_shape
    fill = 0.0
    if suggestion.prediction == "probabilities":
        softmax = suggestion.targets == "class_indices" or suggestion.loss in _SOFTMAX_OVER_TARGETS
        fill = 1.0 / shape[-1] if softmax else 0.5
    shape_text = repr(tuple(shape))
    if framework == "torch":
        sizes = ", ".join(str(n) for n in shape)
        code = (
            f"torch.zeros({sizes}, requires_grad=True)"
            if fill == 0
            else f"torch.full(({sizes}{',' if len(shape) == 1 else ''}), {_literal(fill)}, requires_grad=True)"
        )
    else:
        module = {"numpy": "np", "jax": "jnp", "keras": "keras.ops"}[framework]
        code = f"{module}.zeros({shape_text})" if fill == 0 else f"{module}.full({shape_text}, {_literal(fill)})"
    return code, f"a stand-in for your model's {suggestion.prediction}"


def _keras_options(loss: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` under the names of lossx.backends.keras's class, where it is Keras's preset (Dice, Tversky)."""
    from .._registry import lookup
    from ..presets import presets

    preset = next((p for p in presets("keras") if p.loss == loss and p.replaces_own_class), None)
    if preset is None:
        return dict(options)
    defaults = {option.name: option.default for option in lookup(loss).options}
    chosen = {**{name: defaults[name] for name in preset.defaults}, **options}
    return preset.framework_config(chosen)


def _snippet(
    result: Suggestions,
    suggestion: Suggestion,
    rank: int,
    framework: str,
    load: str | None,
    load_predictions: str | None,
) -> str:
    from .._registry import lookup

    options = dict(suggestion.options)
    long_options = [k for k, v in options.items() if isinstance(v, (tuple, list)) and len(v) > _LONGEST_LITERAL]
    lines = ["import numpy as np"]
    if framework == "numpy" or long_options:
        lines.append("import lossx")
    camel = lookup(suggestion.loss).camel_name
    if framework == "torch":
        lines += ["import torch", f"from lossx.backends.torch import {camel}"]
    elif framework == "jax":
        lines += ["import jax", "import jax.numpy as jnp", "from lossx.backends import jax as lx"]
    elif framework == "keras":
        lines += ["import keras", f"from lossx.backends.keras import {camel}"]
    lines.append("")
    lines += _assignment("y_true", load) if load else ["# y_true: the targets given to lossx.suggest"]
    target = _target_code(result, suggestion)
    if framework == "torch":
        target = f"torch.as_tensor({target})"
    elif framework == "jax":
        target = f"jnp.asarray({target})"
    lines.append(f"targets = {target}")
    if load_predictions:
        prediction = {
            "numpy": "{}",
            "torch": "torch.as_tensor({}, dtype=torch.float32).requires_grad_()",
            "jax": "jnp.asarray({}, dtype=jnp.float32)",
            "keras": "keras.ops.convert_to_tensor({})",
        }
        lines += _assignment("y_pred", prediction[framework].format(load_predictions))
    else:
        code, comment = _stand_in(suggestion, framework)
        lines += [f"# {comment}, shape {suggestion.prediction_shape}:", f"y_pred = {code}"]
    if long_options:
        evidence = result.evidence
        # Asked for its own task, an alternative reading's suggestion comes first.
        index = rank - 1 if suggestion.task == evidence.task else 0
        arguments = [
            "y_true",
            *([] if not load_predictions else ["y_pred=y_pred"]),
            f"task={suggestion.task!r}",
            f"output={evidence.output!r}",
        ]
        lines += _call("options = lossx.suggest", arguments, f"[{index}].options")
        lines.append(f"# {', '.join(long_options)}: one value per class, as lossx.suggest measured them")
        arguments = ["**options"]
    else:
        given = _keras_options(suggestion.loss, options) if framework == "keras" else options
        arguments = [f"{name}={_literal(value)}" for name, value in given.items()]
    if framework == "numpy":
        lines += _call(f"loss = lossx.{suggestion.loss}", ["y_pred", "targets", *arguments])
        lines.append("print(float(loss))")
    elif framework == "torch":
        lines += _call(f"criterion = {camel}", arguments)
        lines += ["loss = criterion(y_pred, targets)", "loss.backward()", "print(loss.item())"]
    elif framework == "jax":
        lines += ["", "", "def objective(y_pred):"]
        lines += ["    " + line for line in _call(f"return lx.{suggestion.loss}", ["y_pred", "targets", *arguments])]
        lines += ["", "", "loss, gradient = jax.value_and_grad(objective)(y_pred)", "print(float(loss))"]
    else:
        lines += _call(f"loss_fn = {camel}", arguments)
        lines += [
            "print(float(loss_fn(targets, y_pred)))  # Keras's order: (y_true, y_pred)",
            '# model.compile(optimizer="adam", loss=loss_fn)',
        ]
    return "\n".join(lines) + "\n"
