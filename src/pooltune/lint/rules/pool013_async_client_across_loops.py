"""POOL013 async-client-across-loops: a client built once, used from a new event loop each time."""

from __future__ import annotations

import libcst as cst

from pooltune.lint.rule import Rule


class AsyncClientAcrossLoops(Rule):
    code = "POOL013"
    name = "async-client-across-loops"
    message = "async client built once but used from several event loops"

    def visit_Call(self, node: cst.Call) -> None:
        facts = self.facts
        runners = set(self.context.catalog.runtime.loop_runners)
        if not (runners & self.qualnames(node.func)) or not node.args:
            return
        coroutine = node.args[0].value
        if not isinstance(coroutine, cst.Call):
            return
        callee = facts.callee_facts(coroutine)
        if callee is None or not callee.is_async or callee.shared_async is None:
            return
        function = facts.enclosing_function(node)
        if facts.in_loop(node, function):
            why = "in a loop"
        elif function is not None and (reason := facts.per_request_reason(function)):
            why = reason
        else:
            return  # run once (a script's entry point): one loop, no problem
        runner = self.context.module.code_for_node(node.func)
        short = callee.qualname.rsplit(".", 1)[-1]
        self.report(
            node,
            f"`{runner}({short}(...))` {why} starts a new event loop each time, but "
            f"{callee.shared_async} is built once and its connections belong to the first "
            "loop: later calls fail with 'Event loop is closed' or hang; build the client "
            "inside the coroutine, or keep one loop running",
        )
