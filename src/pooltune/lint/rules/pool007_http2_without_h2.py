"""POOL007 http2-without-h2: http2=True while the project does not depend on h2."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.args import keyword, literal
from pooltune.lint.rule import Rule


class Http2WithoutH2(Rule):
    code = "POOL007"
    name = "http2-without-h2"
    message = "`http2=True` but the project does not depend on `h2`: ImportError at run time"

    def visit_Call(self, node: cst.Call) -> None:
        deps = self.context.project.dependencies
        if deps is None:
            return  # no project metadata: we cannot know
        spec = self.client_spec(node)
        if spec is None or spec.library.http2_param is None:
            return
        arg = keyword(node, spec.library.http2_param)
        if arg is None or literal(arg.value) is not True:
            return
        lib = spec.library.name
        if "h2" in deps or f"{lib}[http2]" in deps:
            return
        self.report(
            arg,
            f"`http2=True` but the project declares neither `h2` nor `{lib}[http2]`: "
            f"`{spec.display}` raises ImportError at run time; depend on `{lib}[http2]`",
        )
