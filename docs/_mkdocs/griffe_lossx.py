"""A griffe extension for lossx's API reference: what static analysis cannot see by itself.

* The docstrings use Sphinx roles (``:func:`lossx.get```, ``:class:`Input```, ``:mod:`.arrays```).
  Each becomes an optional cross-reference: a link where the object has a page, its name in
  code font where it has none (a private helper). A role naming no object of lossx is a
  mistake in the docstring and is reported as a warning, which fails the strict build.
* Doctest lines (``>>>``) under a section title other than ``Examples`` would render as nested
  quotes: each is a warning too.
* A ``@define_loss`` function's source is the loss's body, ``body(xp, y_pred, y_true,
  **options)``; the public function is the one the decorator returns, with the loss's inputs,
  options and common arguments. Its signature is taken from lossx itself (``import lossx``
  imports no framework), and its docstring is the generated one, whose ``Inputs``, ``Options``
  and ``Common arguments`` sections become numpydoc parameter sections.
* ``lossx.losses.__all__`` (and so the wildcard import into ``lossx``) is computed from the
  families' lists: it is read from lossx, and each loss's function is added to both modules
  as an alias.
"""

from __future__ import annotations

import html
import inspect
import re
from typing import Any

import griffe

logger = griffe.get_logger("lossx_docs")

_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|data|attr|exc|obj):`(?P<body>[^`]+)`")
# A numpydoc section: its title, the dashes under it, and its lines up to the next title.
_SECTION = re.compile(
    r"^[ \t]*(?P<title>\w[\w ]*)\n[ \t]*-{3,}\n(?P<body>(?:(?![ \t]*\w[\w ]*\n[ \t]*-{3,}\n).*\n?)*)", re.MULTILINE
)
_EXPLICIT_TITLE = re.compile(r"(?P<title>.+?)\s*<(?P<target>[^>]+)>$")


class LossxDocs(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.name != "lossx":
            return
        _export_losses(pkg)
        for obj in _walk(pkg):
            if obj.is_function and any("define_loss" in str(d.value) for d in obj.decorators):
                _runtime_loss(obj)
        for obj in _walk(pkg):
            if obj.docstring is not None:
                _check_doctests(obj)
                obj.docstring.value = _ROLE.sub(lambda match, obj=obj: _reference(obj, match), obj.docstring.value)


def _walk(obj: griffe.Object):
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)


def _export_losses(lossx: griffe.Module) -> None:
    import lossx as runtime

    losses = lossx["losses"]
    names = list(runtime.losses.__all__)
    for name in names:
        body = runtime.lookup(name).body
        for module in (losses, lossx):
            if name not in module.members:
                module.set_member(name, griffe.Alias(name, f"{body.__module__}.{body.__qualname__}", parent=module))
    losses.exports = names
    lossx.exports = [e for e in lossx.exports or () if isinstance(e, str)] + names


def _runtime_loss(func: griffe.Function) -> None:
    import lossx
    from lossx._signatures import loss_function

    spec = next(
        (s for s in lossx.registered() if (s.body.__module__, s.body.__qualname__) == (func.module.path, func.name)),
        None,
    )
    if spec is None:
        logger.warning("%s: decorated with define_loss, but no registered loss has it as its body", func.path)
        return
    public = loss_function(spec)
    func.parameters = griffe.Parameters(
        *(
            griffe.Parameter(
                p.name,
                kind=griffe.ParameterKind(p.kind.description),
                default=None if p.default is inspect.Parameter.empty else repr(p.default),
            )
            for p in inspect.signature(public).parameters.values()
        )
    )
    old = func.docstring
    func.docstring = griffe.Docstring(
        _numpydoc(public.__doc__, func.path),
        parent=func,
        parser=old.parser if old else None,
        parser_options=old.parser_options if old else None,
    )


def _numpydoc(generated: str, path: str) -> str:
    """The generated docstring with numpydoc parameter sections (its defaults are in the signature)."""
    head, found, rest = generated.partition("\nInputs\n------\n")
    inputs, found_options, rest = rest.partition("\nOptions\n-------\n")
    options, found_common, common = rest.partition("\nCommon arguments\n----------------\n")
    if not (found and found_options and found_common):
        logger.warning("%s: the generated docstring no longer has Inputs, Options and Common arguments", path)
        return generated
    inputs = re.sub(r"^(\w+) \(optional\)$", r"\1", inputs, flags=re.MULTILINE)
    options = "" if options.strip() == "(none)" else options
    other = re.sub(r"^(\w+) = .*$", r"\1", options + common, flags=re.MULTILINE)
    return f"{head}\nParameters\n----------\n{inputs}\nOther Parameters\n----------------\n{other}"


def _check_doctests(obj: griffe.Object) -> None:
    """Doctest lines belong in an ``Examples`` section: elsewhere Markdown reads ``>>>`` as nested quotes."""
    docstring = obj.docstring
    for match in _SECTION.finditer(docstring.value):
        if match["title"].lower() != "examples" and re.search(r"^\s*>>> ", match["body"], re.MULTILINE):
            line = (docstring.lineno or 0) + docstring.value.count("\n", 0, match.start())
            logger.warning(
                "%s:%s: %s: doctest in a section titled %r (numpydoc's is 'Examples')",
                obj.relative_filepath,
                line,
                obj.path,
                match["title"],
            )


def _reference(obj: griffe.Object, match: re.Match[str]) -> str:
    body = match["body"].strip()
    explicit = _EXPLICIT_TITLE.match(body)
    target = explicit["target"] if explicit else body
    short = target.startswith("~")
    target = target.lstrip("~")
    path = _resolve(obj, target)
    if path is None:
        docstring = obj.docstring
        line = (docstring.lineno or 0) + docstring.value.count("\n", 0, match.start()) if docstring else 0
        logger.warning("%s:%s: %s: %s names no object of lossx", obj.relative_filepath, line, obj.path, match[0])
        path = target
    title = explicit["title"] if explicit else target.rsplit(".", 1)[-1] if short else target.lstrip(".")
    return f'<autoref identifier="{html.escape(path)}" optional><code>{html.escape(title)}</code></autoref>'


def _resolve(obj: griffe.Object, target: str) -> str | None:
    """The full path of ``target`` seen from ``obj``, as Sphinx would look it up; None where nothing has that name."""
    collection = obj.modules_collection
    module = obj.module
    if target.startswith("."):
        package = module if module.is_init_module else module.parent
        candidates = [f"{package.path}{target}"]
    else:
        first, _, rest = target.partition(".")
        candidates = [target]
        scope: griffe.Object | None = obj
        while scope is not None:
            try:
                resolved = scope.resolve(first)
            except griffe.NameResolutionError:
                scope = scope.parent
                continue
            candidates.insert(0, f"{resolved}.{rest}" if rest else resolved)
            break
        candidates.append(f"lossx.{target}")
    for candidate in candidates:
        try:
            collection.get_member(candidate)
        except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue
        return candidate
    return None
