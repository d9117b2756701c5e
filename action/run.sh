#!/usr/bin/env bash
# The GitHub Action's step (action.yml): install pooltune, lint, annotate the pull request.
#   INPUT_VERSION  source (default) | latest | 0.2.0 | a pip requirement | installed
#                  ("source": this action's own checkout, the ref in `uses: ...@ref`; "latest",
#                  a version or a requirement: from the package index; "installed": the
#                  pooltune already on PATH)
#   INPUT_ARGS     what to lint and any `pooltune lint` flags (default: .)
# Exit status is pooltune's: 0 clean, 1 findings, 2 usage or configuration error.
set -euo pipefail

version="${INPUT_VERSION:-source}"
# The action's own checkout: GitHub sets GITHUB_ACTION_PATH; run by hand, the script's parent.
action_dir="${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
args="${INPUT_ARGS:-.}"
python="${PYTHON:-python3}"

case "$version" in
    installed) pooltune=pooltune ;;
    *)
        case "$version" in
            source) requirement="$action_dir" ;;
            latest) requirement=pooltune ;;
            *[=\<\>@\ ]*) requirement="$version" ;;
            *) requirement="pooltune==${version#v}" ;;
        esac
        # A virtualenv of its own: runner images refuse pip into the system Python (PEP 668).
        venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/pooltune-action-venv"
        "$python" -m venv "$venv"
        bin="$venv/bin"
        [ -d "$bin" ] || bin="$venv/Scripts"  # Windows runners
        "$bin/python" -m pip install --quiet --disable-pip-version-check "$requirement"
        pooltune="$bin/pooltune"
        ;;
esac

"$pooltune" --version >&2
set -f  # split args into words, but never expand globs: pooltune walks folders itself
# shellcheck disable=SC2086
exec "$pooltune" lint --format github $args
