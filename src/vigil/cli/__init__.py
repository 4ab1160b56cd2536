"""The `vigil` command: a thin Typer shell over the library, one module per command group.

`main` maps Vigil's errors to exit codes and one line on stderr (tracebacks with --debug).
"""

from __future__ import annotations

import sys
import traceback

from vigil.cli import (  # noqa: F401  (registers the commands)
    backup,
    bank,
    collect,
    demo,
    doctor,
    evaluate,
    evidence,
    imports,
    keys,
    links,
    lists,
    monitor,
    publish,
    queue,
    report,
    review,
    scan,
    serve,
    sim,
    snapshot,
    spark,
    store,
    train,
    users,
    worker,
)
from vigil.cli._app import app
from vigil.errors import VigilError

__all__ = ["app", "main"]

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; usage errors are Typer's, Vigil's errors become one line and a code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, prog_name="vigil")
    except VigilError as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"vigil: error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("vigil: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(
            f"vigil: internal error: {type(exc).__name__}: {exc} (run with --debug for details)\n"
        )
        sys.exit(EXIT_INTERNAL)
