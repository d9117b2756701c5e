"""Fetch the real-code corpus: pinned LLM application packages, Python sources only.

Downloads each package of ``PACKAGES`` (exact version, ``pip download --no-deps``), checks the
archive's SHA-256 and its own version, and extracts only its ``.py`` files into ``DEST/<name>/``
(one folder per package, the archive's own layout below it; ``*.dist-info`` left out). Prints
the files and lines of each package and the total. Idempotent: a package folder whose stamp
(``.corpus.json``) names the pinned version and hash is kept as it is; any other is replaced.

    python bench/realcode/fetch.py [--dest bench/realcode/corpus] [--manifest MANIFEST.md]
    python bench/realcode/fetch.py --set fresh        # -> /work/corpus/fresh/<name>/

The corpus is third-party code: it is never committed (``bench/realcode/corpus/`` is ignored).
``bench/realcode/evaluate.py`` (precision and recall of ``pooltune lint``) and the lint speed
benchmarks run on it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DEST = HERE / "corpus"
STAMP = ".corpus.json"

# (distribution, version, sha256 of the archive pip serves for this machine's kind, what it is).
# 18 packages, ~2.27M lines: agent frameworks, provider integrations, a gateway.
PACKAGES: list[tuple[str, str, str, str]] = [
    (
        "litellm",
        "1.110.2",
        "9d94d1c7d524b6fd10c14f9c8c6c4f0ac31705f9964ac59dcfd8337c046d8917",
        "gateway / SDK",
    ),
    (
        "langchain-community",
        "0.4.2",
        "84dd8c5122532394d5b6849a5fc9995ef28e4f77227daeb09f24b3d942e9e466",
        "integrations",
    ),
    (
        "langchain-core",
        "1.8.1",
        "e093de87371e648af23517f1e98cefc316f8be7c72a137b0e0f94d3e8e8cc421",
        "framework core",
    ),
    (
        "langchain-openai",
        "1.7.4",
        "aaee93369765bac7ebf640aab62f8ae16df403ed982737ae51f88f6a24a151ab",
        "provider",
    ),
    (
        "langchain-anthropic",
        "1.7.10",
        "9ba64332784bddedabbeb24f5f5759f2d0dfe58244e0ef07e313e039b21ecb1f",
        "provider",
    ),
    (
        "llama-index-core",
        "0.14.25",
        "caa7d9c5ac9b13dc33400cf8d5e92e689b6d1e4497eb9bfa50d6f52ca2eb22a1",
        "framework core",
    ),
    (
        "llama-index-llms-openai",
        "0.8.3",
        "b86deb1a9d296ca8a66cd2fa1e039e8752a529232cebaf0c7c1d0626c039a29a",
        "provider",
    ),
    (
        "pydantic-ai-slim",
        "2.68.0",
        "bb2fe81f198b77da7686f7b78c78c8a8ce966807c77d9ae277950fc20b77b165",
        "agent framework",
    ),
    (
        "crewai",
        "1.15.30",
        "a54909d778971a7ef21b6a1d52a59090fcc3e1c3fb09bb5ea5b117e6157e0e65",
        "agent framework",
    ),
    (
        "openai-agents",
        "0.24.0",
        "18d4ac34e84ed937333ec8ce46395ed3521ffcbb0a521780a4c2eaa451467f49",
        "agent framework",
    ),
    (
        "semantic-kernel",
        "1.45.0",
        "57b744fa7dc00cc3c151145bc0420684346b72230ba6620a8fbdd7c6345b6f81",
        "agent framework",
    ),
    (
        "dspy",
        "3.4.1",
        "afda9e7f8b3d46be0829af19ac1153a6feaa6db5923f2b1011eef547fb15ce2d",
        "framework",
    ),
    (
        "haystack-ai",
        "3.4.1",
        "f9093156d534adcf92ef68d03601c11b67f0945e81b00e999504b68bce4fdd80",
        "framework",
    ),
    (
        "instructor",
        "1.17.0",
        "f6b1832d178e899ee0a6a3f247e221f19580fa525c815211c02447691d761217",
        "structured output",
    ),
    (
        "mem0ai",
        "2.2.1",
        "fe91bb91ac8926231993a4aa58df00a60c6c74c709e6a338fe399500776eef4d",
        "agent memory",
    ),
    (
        "autogen-ext",
        "0.7.5",
        "18cecc8aab37c7c4861fbad038a1017f0ef25e35e273aa158066ccf9d93fea4f",
        "agent framework",
    ),
    (
        "smolagents",
        "1.26.0",
        "70e1cfb1576f782da93190ee31d9bb2659e5ca4bd84fda0c412e1f20498f28b6",
        "agent framework",
    ),
    (
        "aider-chat",
        "0.86.2",
        "64f6a0c66c9f4633ad9f479bca3e64ebcba02b9da03c6b604b74a44736b2416e",
        "coding agent",
    ),
]


# The "fresh" set (issue 18's proof): 16 other LLM applications that nobody here had read when
# they were picked and labelled (bench/realcode/antipatterns-fresh.toml). Not the packages above,
# nor the 16 of issue 18's first trial. ``--set fresh`` fetches these into /work/corpus/fresh.
FRESH_PACKAGES: list[tuple[str, str, str, str]] = [
    (
        "letta",
        "0.16.8",
        "2d200cd13212c9232650c7efa16c0a4682ce5e89af8a0e53f3fbd09fc34091d3",
        "agent server",
    ),
    (
        "langroid",
        "0.69.16",
        "42a84ec25f454865a8e4fb4dd051040047d020299915d98e7b71b1544e756de2",
        "agent framework",
    ),
    (
        "lightrag-hku",
        "1.5.7",
        "895b81d94ca447afc6290c0e049d339f6caed46fbf29e4324f6db987046c6fcb",
        "RAG server",
    ),
    (
        "fschat",
        "0.2.36",
        "a66ecf1e90f6db1d015096f6aa8a305d20d0a13e067951285aecdb56a33e9cb1",
        "chat serving / UI",
    ),
    (
        "scrapegraphai",
        "1.76.0",
        "bb749e6443d58fd87b21dd808098c4e5fe1ca61c93456494daf0f44b15a7c2bf",
        "LLM scraping",
    ),
    (
        "llama-stack",
        "0.2.12",
        "355c8a3b1c4254967c52d85a1cb65448d89a2cad55630aa77346a41f2702c69d",
        "API server / providers",
    ),
    (
        "ragas",
        "0.4.3",
        "ef1d75f674c294e9a6e7d8e9ad261b6bf4697dad1c9cbd1a756ba7a6b4849a38",
        "eval",
    ),
    (
        "deepeval",
        "4.3.1",
        "a269343d74232b43aa75501d77b21bfacbad2701f3134a5ad76589489e0b7789",
        "eval",
    ),
    (
        "graphrag",
        "3.3.0",
        "24e57f54cbf02c4c678bd132e0cc1f1796bd020176ab02d77318a8f0de7bd9ee",
        "RAG",
    ),
    (
        "phidata",
        "2.7.10",
        "9cb3b2bf790440d644c5443cd20e0ab27dea98e5b7cfed4676a615e1583e2501",
        "agent framework",
    ),
    (
        "paper-qa",
        "2026.8.12",
        "4cdf007207dea58edf1c1f3507ca33e1e7737fd8d7a17cb1736a8a089463918c",
        "RAG",
    ),
    (
        "aisuite",
        "0.2.0",
        "6c1be95f499347b77f8c0f4626c7f73388408f4e659ab0c39f088b40846eb0c4",
        "provider layer",
    ),
    (
        "promptflow-tools",
        "1.6.1",
        "4131a68ab156bef083e35b71e55c7a9cb2462bc26a9d3f05edd07238113ee477",
        "provider tools",
    ),
    (
        "ag2",
        "1.2.1",
        "65224a6b1b55f0f26a07d1eebe10f8cb3565741db26e35fb7d880fca63c915d5",
        "agent framework",
    ),
    (
        "marvin",
        "3.2.7",
        "f9993cdecfab46adef2d0384a1b3d80b18e5b659349959734fed79044675afb8",
        "agent framework",
    ),
    (
        "llama-index-llms-ollama",
        "0.11.0",
        "835d552625082a79a4dc17e4a2c5e9bf70de26c7f679db7b3bf427dd593e5247",
        "provider",
    ),
]

# The "fresh2" set (issue 18, second held-out proof): 17 more LLM applications, picked when the
# "fresh" set had been tuned on; labelled by reading (bench/realcode/antipatterns-fresh2.toml)
# before the linter ran on them. ``--set fresh2`` fetches these into /work/corpus/fresh2.
FRESH2_PACKAGES: list[tuple[str, str, str, str]] = [
    (
        "agentops",
        "0.4.21",
        "93b098ea77bc5f64dcae5031a8292531cb446d9d66e6c7ef2f21a66d4e4fb2f0",
        "fresh2",
    ),
    (
        "agentscope",
        "2.0.11",
        "9b602aebc76d349425193469f2c4dd413d2bff837a4d22b27cac57653349877a",
        "fresh2",
    ),
    (
        "crewai-tools",
        "1.15.30",
        "7bb131c4165111967f612854bfb7b3ca4c4865a5eb463ceafe44e059fc74be5e",
        "fresh2",
    ),
    ("g4f", "8.8.6", "6562c3b835bff983f27cd9c7e0ec8a6d1afaa9250946f988f55848d4f4012144", "fresh2"),
    (
        "gptme",
        "0.35.1",
        "7b527b2513bb097c20c6f2fbb0fbd352be86b1607c9274561e80b9c46e976923",
        "fresh2",
    ),
    (
        "langchain-mistralai",
        "1.1.6",
        "0aa59b313b406ee934dc0431873b0e11849d8d746a6a7e281103c6848a9b1319",
        "fresh2",
    ),
    (
        "langchain-ollama",
        "1.1.0",
        "43ac83a6eacb0f43855810739794dd55019e0d9b17bdcf3ecb3b1991ac3b59dd",
        "fresh2",
    ),
    (
        "langfuse",
        "5.2.0",
        "4763cbad358960f1036078a4c6e9f86f04690ea566541709c2c40aa1998e2b0f",
        "fresh2",
    ),
    (
        "llama-index-readers-web",
        "0.7.0",
        "1fc489f7d8db85f093b726ae979970b7a5d318856d98c01d66b6d0968d30bf15",
        "fresh2",
    ),
    (
        "llmware",
        "0.4.7",
        "9ba72d7ecfe1876854ef124fc6770a8d7bf819c3e2af1d1a08d4a0f0a5166472",
        "fresh2",
    ),
    (
        "metagpt",
        "0.8.2",
        "aa077423aad6ed5e2cef762a71f028b54105adb3776a76cdcadc80aa716ff611",
        "fresh2",
    ),
    (
        "mirascope",
        "2.8.2",
        "4d242b8587cf004e57313f82db91e8b813b715dd3c953f832350b9f1e3a1d57d",
        "fresh2",
    ),
    (
        "open-interpreter",
        "0.4.3",
        "bb694b826b11986a305b7d34acbabae830481bb1180b52fe1b912e882a21b590",
        "fresh2",
    ),
    (
        "openhands-ai",
        "0.9.8",
        "f37dfd057a312d7fea5f3dd356ee0288db9b20054aa122ce87e58ff92aa2b4e8",
        "fresh2",
    ),
    (
        "pandasai",
        "3.0.0",
        "1d37629f2450dfe25b47b437f581ce7ca88c4ea321f9a9c8c1eaf4e82ed52ebf",
        "fresh2",
    ),
    (
        "pr-agent",
        "0.2.4",
        "297bda060846bea824fd782b3f2bcbbd2c68a5a4b07fc924004ebe7563dc5b72",
        "fresh2",
    ),
    (
        "shell-gpt",
        "1.5.1",
        "f7bf429e289d878e8094adf9826dec1d28f3c69438a0d85446bc043e4f052b83",
        "fresh2",
    ),
]


# The "fresh3" set (issue 18, third held-out proof): 16 more LLM applications, picked when
# "fresh2" had been tuned on; labelled by reading (bench/realcode/antipatterns-fresh3.toml)
# before the linter ran on them. ``--set fresh3`` fetches these into /work/corpus/fresh3.
FRESH3_PACKAGES: list[tuple[str, str, str, str]] = [
    (
        "agentstack",
        "0.3.7",
        "490c6eb365ee76f3f1377547aa514f4228453e6da029a12f1f809792bf8c4a82",
        "fresh3",
    ),
    (
        "autogenstudio",
        "0.4.2.2",
        "2d8393a2afac5a54107160a6186447f68ff0a2b9af26b94ed7efe18940574cdf",
        "fresh3",
    ),
    (
        "composio-core",
        "0.7.22",
        "7c73942ff80817f8c0be3be5183bcb628c64529d1320e5a9f9189216483150d6",
        "fresh3",
    ),
    (
        "crawl4ai",
        "0.9.5",
        "ee2a2a2832d7bf4081289a4d2322be8111331960939e27dd0f921ed69b5e4db4",
        "fresh3",
    ),
    (
        "firecrawl-py",
        "4.55.0",
        "3cd1df65f0c2851fc0cc41f6837ee32bb715bcbbda3a105a0dcad5584eb93806",
        "fresh3",
    ),
    (
        "gptcache",
        "0.1.44",
        "11ddd63b173dc3822b8c2eb7588ea947c825845ed0737b043038a238286bfec4",
        "fresh3",
    ),
    (
        "julep",
        "2.21.0",
        "b8e00e1d61ff35542022667b827c711c2d7d04151d664ad1b32dbd1869c12015",
        "fresh3",
    ),
    (
        "knowledge-storm",
        "1.1.1",
        "85e9ca115463bfe0731620d7b95b630b7509ba3b665e6e02d90b7fb7baef13d2",
        "fresh3",
    ),
    (
        "langchain-google-genai",
        "4.4.3",
        "a3906f1813aee36e9e67e384b6d7bf6cacd6cd44610beef35ec1ae4fb23dd2a2",
        "fresh3",
    ),
    (
        "langflow-base",
        "1.13.0",
        "e15db23e16cf27d6d1ac8fcc5030cf25ad3a04356a9581862b4e97de739dd3a2",
        "fresh3",
    ),
    (
        "langsmith",
        "0.15.1",
        "9d8ddba87cd4812cbbf10f90aea63f82280a1df7cd8f6bfc446f83b23b62c246",
        "fresh3",
    ),
    (
        "lmnr",
        "0.8.2",
        "aaa5010862dbe56b8fe2a45d4eccf3ef4dee85a1bfbabce141d161ff403a14b7",
        "fresh3",
    ),
    (
        "mcp",
        "2.3.0",
        "dd0c44c089d16453e8ae31a3877a0054d7a2314caaa81f5e0541b9b1734b2377",
        "fresh3",
    ),
    (
        "mcp-agent",
        "0.2.6",
        "184205d9a16535264497568b3ca2a805c8ac8e36144f6ff4264bdb785d71f745",
        "fresh3",
    ),
    (
        "openlit",
        "1.45.0",
        "9616c3210410649403280b6fbae770c11add04a776136db7ef2c60634821c25e",
        "fresh3",
    ),
    (
        "tavily-python",
        "0.8.5",
        "f8d2880f5aa67cf3ee2eb1f7c9336ea50dc331eb1e406688391badb0140599a7",
        "fresh3",
    ),
]


SETS: dict[str, tuple[list[tuple[str, str, str, str]], Path]] = {
    "realcode": (PACKAGES, DEFAULT_DEST),
    "fresh": (FRESH_PACKAGES, Path("/work/corpus/fresh")),
    "fresh2": (FRESH2_PACKAGES, Path("/work/corpus/fresh2")),
    "fresh3": (FRESH3_PACKAGES, Path("/work/corpus/fresh3")),
}


def _count(folder: Path) -> tuple[int, int]:
    files = lines = 0
    for path in folder.rglob("*.py"):
        files += 1
        lines += path.read_bytes().count(b"\n")
    return files, lines


def _stamp_ok(folder: Path, version: str, sha256: str) -> bool:
    try:
        stamp = json.loads((folder / STAMP).read_text())
    except (OSError, ValueError):
        return False
    return stamp.get("version") == version and stamp.get("sha256") == sha256


def _archive_version(archive: Path) -> str | None:
    """The version the archive says it is (wheel METADATA, sdist PKG-INFO)."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if name.endswith(".dist-info/METADATA"):
                    return _metadata_version(zf.read(name).decode("utf-8", "replace"))
        return None
    with tarfile.open(archive) as tf:
        for member in tf.getmembers():
            if member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                data = tf.extractfile(member)
                if data is not None:
                    return _metadata_version(data.read().decode("utf-8", "replace"))
    return None


def _metadata_version(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
        if not line.strip():
            break
    return None


def _extract_py(archive: Path, out: Path) -> None:
    """Copy the archive's .py files (not its dist-info) into ``out``, keeping their layout."""
    out.mkdir(parents=True)
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                parts = name.split("/")
                if not name.endswith(".py") or any(p.endswith(".dist-info") for p in parts):
                    continue
                if ".." in parts or name.startswith("/"):
                    continue
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name))
        return
    with tarfile.open(archive) as tf:  # sdist: drop the top-level "name-version/" folder
        for member in tf.getmembers():
            parts = member.name.split("/")[1:]
            if not member.isfile() or not member.name.endswith(".py") or ".." in parts:
                continue
            data = tf.extractfile(member)
            if data is None:
                continue
            target = out.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.read())


def _download(name: str, version: str, into: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        "--disable-pip-version-check",
        "-d",
        str(into),
        f"{name}=={version}",
    ]
    subprocess.run(cmd, check=True)
    archives = [p for p in into.iterdir() if p.suffix == ".whl" or p.name.endswith(".tar.gz")]
    if len(archives) != 1:
        raise RuntimeError(f"{name}=={version}: expected one archive, got {archives}")
    return archives[0]


def fetch(
    dest: Path,
    *,
    packages: list[tuple[str, str, str, str]] = PACKAGES,
    verbose: bool = True,
) -> list[dict[str, object]]:
    dest.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    for name, version, sha256, kind in packages:
        folder = dest / name
        if _stamp_ok(folder, version, sha256):
            stamp = json.loads((folder / STAMP).read_text())
            rows.append(stamp)
            if verbose:
                print(f"kept    {name}=={version}", file=sys.stderr)
            continue
        if folder.exists():
            shutil.rmtree(folder)
        with tempfile.TemporaryDirectory() as tmp:
            archive = _download(name, version, Path(tmp))
            digest = hashlib.sha256(archive.read_bytes()).hexdigest()
            if digest != sha256:
                raise RuntimeError(
                    f"{name}=={version}: {archive.name} has sha256 {digest}, pinned {sha256}"
                )
            found = _archive_version(archive)
            if found != version:
                raise RuntimeError(f"{name}: archive says version {found}, pinned {version}")
            staging = dest / f".{name}.partial"
            if staging.exists():
                shutil.rmtree(staging)
            _extract_py(archive, staging)
            files, lines = _count(staging)
            stamp = {
                "package": name,
                "version": version,
                "sha256": sha256,
                "kind": kind,
                "archive": archive.name,
                "files": files,
                "lines": lines,
            }
            (staging / STAMP).write_text(json.dumps(stamp, indent=1) + "\n")
            staging.rename(folder)
        rows.append(stamp)
        if verbose:
            print(f"fetched {name}=={version}", file=sys.stderr)
    pinned = {name for name, *_ in packages}
    for extra in sorted(p for p in dest.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if extra.name not in pinned:
            print(f"warning: {extra} is not in the pinned list", file=sys.stderr)
    return rows


def manifest(rows: list[dict[str, object]]) -> str:
    out = [
        "# Real-code corpus",
        "",
        "Made by `bench/realcode/fetch.py` (pinned versions, Python sources only).",
        "",
        "| package | version | kind | files | lines |",
        "|---|---|---|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['package']} | {r['version']} | {r['kind']} | {r['files']:,} | {r['lines']:,} |"
        )
    files = sum(int(str(r["files"])) for r in rows)
    lines = sum(int(str(r["lines"])) for r in rows)
    out.append(f"| **total** ({len(rows)} packages) | | | {files:,} | {lines:,} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="realcode", dest="package_set")
    parser.add_argument("--dest", type=Path, help="default: the set's own folder")
    parser.add_argument("--manifest", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    packages, default_dest = SETS[args.package_set]
    rows = fetch(args.dest or default_dest, packages=packages)
    table = manifest(rows)
    print(table, end="")
    if args.manifest:
        args.manifest.write_text(table)
    lines = sum(int(str(r["lines"])) for r in rows)
    if args.package_set == "realcode" and lines < 2_000_000:
        print(f"warning: only {lines:,} lines (the benchmarks want >= 2,000,000)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
