"""The ``liprobe`` command (installed by ``pip install -e .``).

``liprobe --version`` prints the package version; ``liprobe where`` prints the
path of the workflow's Snakefile, for ``snakemake -s "$(liprobe where)"``;
``liprobe init DATA_DIR... --out CAMPAIGN_DIR`` drafts a campaign's sheets and
config from raw data folders (:mod:`liprobe.scaffold`); ``liprobe config-docs``
rewrites ``config/README.md`` from the schemas (``--check``: only compare, exit
1 when it differs). From a checkout without installing: ``python -m liprobe``.
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


def _config_docs(check: bool) -> int:
    from liprobe.configdocs import checkout_dir, config_docs, write_config_docs

    root = checkout_dir()
    path = root / "config" / "README.md"
    if check:
        current = path.read_text() if path.is_file() else ""
        if current != config_docs(root / "config" / "schemas"):
            print(
                f"liprobe: {path} differs from the schemas; "
                "run 'liprobe config-docs' to rewrite it",
                file=sys.stderr,
            )
            return 1
        return 0
    print(write_config_docs(root))
    return 0


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
    init = commands.add_parser(
        "init",
        help="draft a campaign's sheets and config from raw data folders",
        description="Scan Bruker dataset folders (EXPNO folders with acqus, at any "
        "depth), list-mode and cycler files; write nmr.tsv, regions.tsv, ndp.tsv, "
        "config.yaml and init_report.md into CAMPAIGN_DIR. A file you edited is "
        "never overwritten: the new draft is written beside it as <name>.new.",
    )
    init.add_argument("data_dirs", nargs="+", metavar="DATA_DIR")
    init.add_argument("--out", required=True, metavar="CAMPAIGN_DIR")
    init.add_argument(
        "--cycler-timezone",
        metavar="ZONE",
        help="IANA zone of the cycler clocks (e.g. Europe/Amsterdam): lets "
        "list-mode runs be paired with cycler files by time overlap",
    )
    docs = commands.add_parser(
        "config-docs",
        help="write config/README.md (every config key and sheet column) "
        "from the schemas",
    )
    docs.add_argument(
        "--check",
        action="store_true",
        help="only compare with the committed file; exit 1 when it differs",
    )
    args = parser.parse_args(argv)
    if args.command == "init":
        return _init(args)
    if args.command == "config-docs":
        return _config_docs(check=args.check)
    if args.command == "where":
        try:
            print(snakefile())
        except FileNotFoundError as exc:
            print(f"liprobe: {exc}", file=sys.stderr)
            return 1
        return 0
    parser.print_help()
    return 2


def _init(args) -> int:
    from liprobe.errors import LiprobeError
    from liprobe.scaffold import scaffold_campaign

    try:
        workflow = str(snakefile())
    except FileNotFoundError:
        workflow = "<liprobe checkout>/Snakefile"
    try:
        done = scaffold_campaign(
            args.data_dirs,
            args.out,
            snakefile=workflow,
            cycler_timezone=args.cycler_timezone,
        )
    except LiprobeError as exc:
        print(f"liprobe init: {exc}", file=sys.stderr)
        return 1
    print(done.report)
    return 0


if __name__ == "__main__":  # pragma: no cover - python -m liprobe.cli
    sys.exit(main())
