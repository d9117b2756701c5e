"""`pooltune monitor` and a command that forks or sets its own PYTHONPATH (real processes,
the real simulator): a forked child counts only its own requests, so the merged report equals
the server's count; a command that drops the bootstrap is told so, not "no pool was used"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pooltune.sim import SimHandle, fetch_stats, reset_stats

APPS = Path(__file__).parent / "apps"


def monitor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pooltune", "monitor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.mark.parametrize("exit_with", ["sys", "_exit"])
def test_a_forked_child_counts_only_its_own_requests(
    sim_slow: SimHandle, tmp_path: Path, exit_with: str
) -> None:
    sim = sim_slow
    reset_stats(sim)
    out = tmp_path / "snapshot.json"
    env = {
        **os.environ,
        "SIM_URL": sim.url,
        "SIM_CA": sim.ca_bundle or "",
        "EXIT": exit_with,
    }
    result = monitor(
        "--json", str(out), "--", sys.executable, str(APPS / "forking_script.py"), env=env
    )
    assert result.returncode == 0, result.stderr
    pools = json.loads(out.read_text())["pools"]
    served = fetch_stats(sim)["requests"]
    assert served == 10  # 3 + 1 in the parent, 4 + 2 in the child
    assert sum(pool["requests"] for pool in pools) == served
    # the parent's pool (its 3 before the fork and its 1 after) and the child's (the inherited
    # client and its own: one origin); the child reused the inherited connection
    assert sorted((pool["requests"], pool["connections_opened"]) for pool in pools) == [
        (4, 2),
        (6, 1),
    ]


def test_a_command_that_sets_its_own_pythonpath_is_told_so(tmp_path: Path) -> None:
    result = monitor("--", "env", f"PYTHONPATH={tmp_path}", sys.executable, "-c", "exit(4)")
    assert result.returncode == 4
    assert result.stderr.startswith(
        "pooltune monitor: no Python process of the command loaded the monitor, so nothing "
        "was measured. A command that sets its own PYTHONPATH"
    )
    assert "no HTTP client pool was used" not in result.stderr


def test_the_bootstrap_path_is_offered_to_such_a_command(tmp_path: Path) -> None:
    script = 'PYTHONPATH="$POOLTUNE_MONITOR_BOOTSTRAP:/nowhere" python -c "exit(0)"'
    result = monitor("--", "sh", "-c", script.replace("python", sys.executable))
    assert result.returncode == 0
    assert result.stderr == "pooltune monitor: no HTTP client pool was used.\n"
