"""MkDocs hooks: the repository's top-level Markdown files as pages of the site.

README.md is the home page and BENCHMARKS.md a page of its own, so their links and the
docs' links to them are checked with the rest. Each file is written for GitHub, where
README.md links ``docs/semantics.md`` and the docs link ``../BENCHMARKS.md``: those links
are rewritten to the pages' places in the site. Any other link out of docs/ is left as
it is, and the strict build refuses it.

docs/losses.md, generated from the loss docstrings, keeps their Sphinx roles
(``:func:`lossx.primitives.huber```): on the site each is an optional cross-reference to the
API reference (the name in code font where the object has no entry there). The roles
themselves are checked where the docstrings are, by docs/_mkdocs/griffe_lossx.py.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]

#: Top-level file -> its page in the site.
PAGES = {"README.md": "index.md", "BENCHMARKS.md": "benchmarks.md"}

# The target of an inline link or image, ``](target``, or of a reference definition, ``[x]: target``.
_TARGET = re.compile(r"(\]\(|^\[[^\]]+\]:\s*)(<?)([^)\s>#]*)", re.MULTILINE)


_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|data|attr|exc|obj):`~?(?P<target>[^`<>]+)`")


def _reference(match: re.Match[str]) -> str:
    target = match["target"].strip()
    identifier = target if target.startswith("lossx.") else f"lossx.{target}"
    return f'<autoref identifier="{html.escape(identifier)}" optional><code>{html.escape(target)}</code></autoref>'


def on_files(files: Files, config) -> Files:
    for source, page in PAGES.items():
        files.append(File.generated(config, page, abs_src_path=str(ROOT / source)))
    return files


def _site_target(target: str, from_root: bool) -> str:
    if from_root:
        if target in PAGES:
            return PAGES[target]
        return target.removeprefix("docs/")
    if target.startswith("../") and target[3:] in PAGES:
        return PAGES[target[3:]]
    return target


def on_page_markdown(markdown: str, page, config, files: Files) -> str:
    from_root = page.file.src_uri in PAGES.values()

    def rewrite(match: re.Match[str]) -> str:
        return match.group(1) + match.group(2) + _site_target(match.group(3), from_root)

    return _ROLE.sub(_reference, _TARGET.sub(rewrite, markdown))
