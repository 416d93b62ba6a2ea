"""Command line: ``python -m helpers {corpus,reports} ...``."""

from __future__ import annotations

import sys

USAGE = """usage: python -m helpers COMMAND [ARGS]

commands:
  corpus PATH     load a corpus and print its ledger (every input record: loaded, flagged, rejected)
  reports         run every notebook with papermill and render reports/ (HTML, figures, data)

'python -m helpers COMMAND --help' describes each command."""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "corpus":
        from .corpus import cli_main
    elif command == "reports":
        from .reports import cli_main
    else:
        print(f"unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    return cli_main(rest)


if __name__ == "__main__":
    sys.exit(main())
