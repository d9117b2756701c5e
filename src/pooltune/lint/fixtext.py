"""Fix edits on one file's text: where a location is, the spliced text, and the checks that the
splice changed only what it meant to and left a module that still parses.

Lines are counted as Python's tokenizer (and libcst) count them: a line ends at ``\\n``,
``\\r\\n`` or ``\\r`` and nowhere else. ``str.splitlines`` also ends lines at form feed, ``\\v``,
``\\x1c``-``\\x1e``, ``\\x85``, U+2028 and U+2029, which would put an edit on the wrong line.
Columns are code points (1-based), as the rules report them. On a line whose indentation holds
a form feed, libcst's columns leave out some of that whitespace (at module level, not in a block),
so an edit there is refused rather than guessed at.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LINE_END = re.compile(r"\r\n|\r|\n")
FORM_FEED_INDENT = re.compile(r"[ \t\x0c]*\x0c")


class EditError(ValueError):
    """An edit that does not fit the text (past the end of its line, overlapping, reversed)."""


@dataclass(frozen=True)
class Span:
    """A replacement by offsets into the text: ``text[start:end]`` becomes ``content``."""

    start: int
    end: int
    content: str
    first_row: int  # the rows the replacement covers (1-based, inclusive)
    last_row: int


class LineIndex:
    """Offsets of the lines of one text, as the tokenizer counts them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.ends: list[int] = []  # where each line's content ends (before its line break)
        for match in LINE_END.finditer(text):
            self.ends.append(match.start())
            self.starts.append(match.end())
        self.ends.append(len(text))

    def offset(self, row: int, column: int) -> int:
        """The offset of a 1-based row and column; an error if it is not on that line."""
        if not 1 <= row <= len(self.starts):
            raise EditError(f"row {row} is past the end of the file ({len(self.starts)} lines)")
        start, end = self.starts[row - 1], self.ends[row - 1]
        offset = start + column - 1
        if column < 1 or offset > end:
            raise EditError(f"column {column} is past the end of line {row}")
        if FORM_FEED_INDENT.match(self.text, start, end):
            raise EditError(f"line {row} is indented with a form feed (its columns are unsure)")
        return offset

    def newline(self) -> str:
        """The file's line break (its first one; ``\\n`` if it has none)."""
        match = LINE_END.search(self.text)
        return match.group() if match else "\n"


def to_spans(
    index: LineIndex, edits: Iterable[tuple[int, int, int, int, str]], newline: str
) -> list[Span]:
    """(row, column, end row, end column, content) into spans; the content's line breaks
    become the file's own (a CRLF file stays CRLF)."""
    spans = []
    for row, column, end_row, end_column, content in edits:
        start, end = index.offset(row, column), index.offset(end_row, end_column)
        if end < start:
            raise EditError(f"edit ends before it starts (line {row})")
        if newline != "\n":
            content = LINE_END.sub(newline, content)
        spans.append(Span(start, end, content, row, end_row))
    return spans


def overlaps(a: Sequence[Span], b: Sequence[Span]) -> bool:
    """Whether two groups of spans touch the same text (two insertions at one point do too)."""
    return any((x.start < y.end and y.start < x.end) or x.start == y.start for x in a for y in b)


def splice(text: str, spans: Sequence[Span]) -> str:
    """Apply non-overlapping spans (in any order)."""
    pieces = []
    position = 0
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if span.start < position:
            raise EditError("edits overlap")
        pieces.append(text[position : span.start])
        pieces.append(span.content)
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def unintended_change(old: str, new: str, spans: Sequence[Span]) -> str | None:
    """Why ``new`` is not ``old`` with exactly ``spans`` applied, or None.

    Checked independently of how the spans were placed: the text outside the spans is the same
    in both, piece by piece, and every line of ``old`` outside the spans' rows is still a whole
    line of ``new`` (so no edit landed on a line it did not name).
    """
    position = shift = 0
    for span in sorted(spans, key=lambda s: s.start):
        if old[position : span.start] != new[position + shift : span.start + shift]:
            return f"text before line {span.first_row} changed"
        shift += len(span.content) - (span.end - span.start)
        position = span.end
    if old[position:] != new[position + shift :]:
        return "text after the last edit changed"
    rows = {row for span in spans for row in range(span.first_row, span.last_row + 1)}
    old_lines = LINE_END.split(old)
    new_lines = set(LINE_END.split(new))
    for number, line in enumerate(old_lines, start=1):
        if number not in rows and line not in new_lines:
            return f"line {number} changed, and no edit was on it"
    return None


def parse_problem(text: str, filename: str) -> str | None:
    """Why ``text`` is not a module Python and libcst both accept, or None."""
    import libcst as cst

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for escapes is the user's business
            compile(text, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"does not compile: {exc.__class__.__name__}: {getattr(exc, 'msg', exc)}"
    except RecursionError:
        return "does not compile: nested too deep"
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return f"libcst cannot parse it: {exc.message}"
    except RecursionError:
        return "libcst cannot parse it: nested too deep"
    return None
