"""`pooltune monitor -- COMMAND`: put on the child's PYTHONPATH, so Python runs this at start-up.

It installs the monitor (which patches the HTTP clients' constructors as their modules are
imported), then runs the next `sitecustomize` on the path, if the environment has one.
Nothing here may stop the application from starting.
"""

from __future__ import annotations


def _main() -> None:
    import os
    import sys

    if os.environ.get("POOLTUNE_MONITOR_DIR"):
        try:
            from pooltune.monitor.autoinstrument import install

            install()
        except Exception as exc:
            print(f"pooltune monitor: not active in this process ({exc})", file=sys.stderr)
    _chain(os.path.dirname(os.path.abspath(__file__)))


def _chain(here: str) -> None:
    """Run the sitecustomize this one shadows (a virtualenv's or the distribution's)."""
    import importlib.machinery
    import importlib.util
    import os
    import sys

    path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        print(f"pooltune monitor: your sitecustomize failed: {exc}", file=sys.stderr)


_main()
