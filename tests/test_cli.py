"""The `pooltune` command registry: lazy sub-commands, the lint-only install, missing extras."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pooltune.cli import COMMANDS, LazyGroup, app

# Runs `pooltune ARGS` in a fresh interpreter where the listed top-level modules cannot be
# imported (as in an install without the extra), then prints which heavy modules got loaded.
BLOCKING_RUNNER = """
import json, sys
blocked = set(json.loads(sys.argv[1]))

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Blocker())
sys.argv = ["pooltune", *sys.argv[2:]]
import atexit
heavy = ("rich", "scipy", "numpy", "httpx", "hypercorn", "trustme", "h2", "pygls")
atexit.register(lambda: sys.stderr.write(
    "LOADED " + json.dumps(sorted(m for m in heavy if m in sys.modules)) + "\\n"))
from pooltune.cli import main
main()
"""


def run_blocked(
    blocked: list[str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCKING_RUNNER, json.dumps(blocked), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def loaded_modules(proc: subprocess.CompletedProcess[str]) -> list[str]:
    line = next(x for x in proc.stderr.splitlines() if x.startswith("LOADED "))
    return list(json.loads(line.removeprefix("LOADED ")))


def test_root_help_lists_every_command_without_loading_any() -> None:
    proc = run_blocked([], "--help")
    assert proc.returncode == 0, proc.stderr
    for name in COMMANDS:
        assert f"  {name}  " in proc.stdout
    assert loaded_modules(proc) == []
    assert "pooltune.lint" not in proc.stdout


@pytest.mark.parametrize("name", ["lint", "rules", "rule", "recommend", "sim", "server"])
def test_each_summary_is_the_first_line_of_the_commands_docstring(name: str) -> None:
    """The registry repeats each command's summary so --help needs no import; keep them equal."""
    command = LazyGroup.get_command(app_group(), None, name)
    assert command is not None
    assert command.help is not None
    assert command.help.splitlines()[0] == COMMANDS[name].summary


def app_group() -> LazyGroup:
    import typer.main

    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    return group


def test_lint_runs_with_every_optional_dependency_missing(tmp_path: Path) -> None:
    """The base install (libcst, typer, pathspec) is all that `pooltune lint` needs."""
    (tmp_path / "app.py").write_text(
        "import requests\n\ndef f():\n    return requests.get('https://x')\n"
    )
    blocked = ["scipy", "numpy", "httpx", "h2", "hypercorn", "trustme", "pygls", "lsprotocol"]
    proc = run_blocked(blocked, "lint", "app.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "app.py:4:12: POOL003" in proc.stdout
    assert loaded_modules(proc) == []


@pytest.mark.parametrize(
    ("command", "extra", "blocked"),
    [
        ("recommend", "tune", ["scipy", "numpy"]),
        ("sim", "tune", ["hypercorn", "trustme"]),
        ("server", "lsp", ["pygls"]),
    ],
)
def test_a_command_without_its_extra_says_what_to_install(
    command: str, extra: str, blocked: list[str]
) -> None:
    proc = run_blocked(blocked, command, "--help")
    assert proc.returncode == 2
    message = [line for line in proc.stderr.splitlines() if not line.startswith("LOADED ")]
    assert len(message) == 1, proc.stderr
    assert f"pip install 'pooltune[{extra}]'" in message[0]
    assert blocked[0] in message[0]
    assert "Traceback" not in proc.stderr


def test_lint_configuration_and_catalog_do_not_import_pydantic() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pooltune.config import load_config\n"
        "from pooltune.lint.catalog import load_catalog\n"
        "load_config(None, Path('.'))\n"
        "load_catalog()\n"
        "print('pydantic' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.strip() == "False"


def test_every_extra_module_is_declared_in_that_extra(repo_root: Path) -> None:
    from pooltune._toml import tomllib

    extras = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for entry in COMMANDS.values():
        if entry.extra is None:
            continue
        declared = " ".join(extras[entry.extra])
        for module in entry.modules:
            assert module in declared, (entry.extra, module)


def test_the_codes_known_without_importing_the_rules_are_the_rules() -> None:
    from pooltune.lint.rules import RULES_BY_CODE
    from pooltune.lint.settings import known_codes

    assert known_codes() == sorted(RULES_BY_CODE)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[library]]\nname = "x"\nmodules = []\nlimits_defaults = {a = true}\n', "integer"),
        ('[[library]]\nname = "x"\nmodules = []\n[runtime]\nsleepz = []\n', "runtime.sleepz"),
        ('[[library]]\nname = "x"\nmodules = []\ntimeout_positional = "1"\n', "integer"),
    ],
)
def test_a_malformed_catalog_names_the_key(toml: str, message: str) -> None:
    from pooltune.lint.catalog import CatalogError, parse_catalog

    with pytest.raises(CatalogError, match=message):
        parse_catalog(toml)


def test_the_catalog_keeps_its_integer_tables() -> None:
    from pooltune.lint.catalog import parse_catalog

    toml = '[[library]]\nname = "x"\nmodules = ["x"]\nlimits_defaults = {max_connections = 100}\n'
    toml += '[helpers]\nuse = ["x.use"]\n'
    catalog = parse_catalog(toml)
    assert catalog.libraries[0].limits_defaults == {"max_connections": 100}
    assert catalog.use_helpers == frozenset({"x.use"})
