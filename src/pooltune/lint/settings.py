"""Lint settings resolved once from `[tool.pooltune]` (and flags): enabled codes per file, excludes.

The command line and the language server both start from here, so a file gets the same rules
whichever way it is linted.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pooltune.config import LoadedConfig, enabled_codes, expand_selectors

if TYPE_CHECKING:
    import pathspec


@functools.cache
def known_codes() -> list[str]:
    """The rule codes, from the rule documents (one per rule, the tests make sure): reading
    them costs a directory listing, importing the rules costs libcst (0.1 s)."""
    from pooltune.lint.catalog import catalog_dir

    return sorted(p.stem for p in catalog_dir().glob("POOL[0-9][0-9][0-9].md"))


@dataclass(frozen=True)
class LintSettings:
    root: Path  # globs (excludes, per-file-ignores) are relative to it
    codes: frozenset[str]  # enabled before per-file-ignores
    # Not reported in test code (`test-ignore`); the runner decides what is test code.
    test_ignore: frozenset[str]
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...]
    exclude: tuple[str, ...]
    source: Path | None  # the pyproject.toml (or --config file) read, if any

    @classmethod
    def from_config(
        cls,
        loaded: LoadedConfig,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
    ) -> LintSettings:
        """Raises ConfigError for an unknown code or prefix anywhere in the settings."""
        from pooltune.lint.files import DEFAULT_EXCLUDE

        known = known_codes()
        config = loaded.config
        codes = enabled_codes(config, known, select, ignore)
        per_file = tuple(
            (pattern, frozenset(expand_selectors(codes, known, "per-file-ignores")))
            for pattern, codes in config.per_file_ignores.items()
        )
        test_ignore = frozenset(expand_selectors(config.test_ignore, known, "test-ignore"))
        exclude = config.exclude if config.exclude is not None else DEFAULT_EXCLUDE
        return cls(
            root=loaded.root,
            codes=codes,
            test_ignore=test_ignore,
            per_file_ignores=per_file,
            exclude=(*exclude, *config.extend_exclude),
            source=loaded.source,
        )

    @functools.cached_property
    def _specs(self) -> list[tuple[pathspec.GitIgnoreSpec, frozenset[str]]]:
        import pathspec

        return [(pathspec.GitIgnoreSpec.from_lines([p]), c) for p, c in self.per_file_ignores]

    def codes_for(self, filename: str) -> frozenset[str]:
        """The codes enabled for one file, after `per-file-ignores` (ruff's matching)."""
        if not self.per_file_ignores:
            return self.codes
        try:
            rel = Path(filename).resolve().relative_to(self.root).as_posix()
        except ValueError:
            rel = Path(filename).as_posix()
        codes = self.codes
        for spec, ignored in self._specs:
            if spec.match_file(rel) or spec.match_file(Path(filename).name):
                codes = codes - ignored
        return codes

    def codes_per_file(self, filenames: Sequence[str]) -> dict[str, frozenset[str]]:
        return {name: self.codes_for(name) for name in filenames}
