"""Where things are: the repository root and the var/ folder that `dorf up` keeps its state in."""

from __future__ import annotations

from pathlib import Path


def _is_repo_root(folder: Path) -> bool:
    pyproject = folder / "pyproject.toml"
    return pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text(encoding="utf-8")


def repo_root() -> Path:
    """The workspace root: above this package (the launcher is installed editable from the repo),
    else above the current directory (`dorf` started from a checkout of an installed launcher)."""
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if _is_repo_root(folder):
                return folder
    raise SystemExit("dorf: cannot find the repository root (a pyproject.toml with [tool.uv.workspace])")


def var_dir(option: Path | None) -> Path:
    """`--var DIR`, or the repository's own var/; absolute, because children get paths from it."""
    folder = option if option is not None else repo_root() / "var"
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder
