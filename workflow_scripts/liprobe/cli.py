"""The ``liprobe`` command (installed by ``pip install -e .``).

``liprobe --version`` prints the package version; ``liprobe where`` prints the
path of the workflow's Snakefile, for ``snakemake -s "$(liprobe where)"``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import liprobe


def snakefile() -> Path:
    """The Snakefile of the checkout this package is imported from.

    liprobe lives in ``workflow_scripts/liprobe`` of the workflow's repository,
    so the Snakefile is two folders up. A wheel built from the package alone
    carries no workflow: that is an error, not a guess.
    """
    path = Path(liprobe.__file__).resolve().parents[2] / "Snakefile"
    if not path.is_file():
        raise FileNotFoundError(
            f"no Snakefile at {path}: this liprobe ({liprobe.__file__}) is not "
            "imported from a checkout of the workflow; install it with "
            "'pip install -e <checkout>'"
        )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="liprobe",
        description="Solid-state NMR and operando NDP of lithium batteries: "
        "a Snakemake workflow.",
    )
    parser.add_argument(
        "--version", action="version", version=f"liprobe {liprobe.__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("where", help="print the path of the workflow's Snakefile")
    args = parser.parse_args(argv)
    if args.command == "where":
        try:
            print(snakefile())
        except FileNotFoundError as exc:
            print(f"liprobe: {exc}", file=sys.stderr)
            return 1
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover - python -m liprobe.cli
    sys.exit(main())
