"""`vigil keys`: the master key's source, the signing key and its rotation, platform tokens.

Secrets are read from a file, VIGIL_TOKEN_VALUE or a hidden prompt, never from the command
line (shell history); nothing here prints a secret, only fingerprints and dates.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from vigil.analytics.signing import fingerprint, load_or_create_key, rotate_key
from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import err_console, out_console, print_json
from vigil.errors import InputError
from vigil.keys.history import history_document, load_history
from vigil.keys.master import load_master_key
from vigil.keys.tokens import store_token, token_names
from vigil.platforms.registry import connector, names
from vigil.store import record

__all__ = ["keys_app"]

keys_app = typer.Typer(
    help="Secrets at rest: signing key rotation, platform tokens, the public key history.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
]


def _status(home: Path) -> dict[str, Any]:
    master = load_master_key(home)
    key = load_or_create_key(home)
    env_tokens = sorted(
        name
        for name in names()
        if connector(name).token_env and os.environ.get(connector(name).token_env)
    )
    return {
        "master_key": master.source,
        "master_key_file": str(master.path) if master.path else None,
        "signing_key": fingerprint(key.public_key()),
        "published_keys": [k.to_dict() for k in load_history(home)],
        "tokens": token_names(home),
        "tokens_from_environment": env_tokens,
    }


@keys_app.command("status")
def status(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Where the master key comes from, the signing key, its history, the stored tokens."""
    data = _status(state(ctx).settings.home)
    if fmt is OutputFormat.JSON:
        print_json(data)
        return
    where = data["master_key"] + (
        f" ({data['master_key_file']})" if data["master_key_file"] else ""
    )
    out_console.print(f"master key: {where}", markup=False)
    if data["master_key"] == "file":
        err_console.print(
            "note: the master key sits beside the keys it protects; set VIGIL_MASTER_KEY or "
            "VIGIL_MASTER_KEY_FILE (mode 0600, elsewhere) to keep it apart",
            markup=False,
        )
    out_console.print(f"signing key: {data['signing_key']} (encrypted at rest)", markup=False)
    for k in data["published_keys"]:
        until = k["valid_until"] or "now"
        out_console.print(f"  published {k['fingerprint'][:16]}  {k['valid_from']} .. {until}")
    for name, since in data["tokens"].items():
        out_console.print(f"token {name}: stored (encrypted), set {since}", markup=False)
    for name in data["tokens_from_environment"]:
        out_console.print(f"token {name}: from the environment (overrides the store)")


@keys_app.command("rotate")
def rotate(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Make a new signing key; old public keys stay published with their validity periods."""
    settings = state(ctx).settings
    with current_store(ctx) as db:
        result = rotate_key(settings.home)
        with db.transaction() as session:
            record(
                session,
                actor="cli",
                action="keys.rotated",
                subject=f"key:{result.new_fingerprint[:16]}",
                payload={"old": result.old_fingerprint, "new": result.new_fingerprint},
            )
    if fmt is OutputFormat.JSON:
        print_json({"old": result.old_fingerprint, "new": result.new_fingerprint, "at": result.at})
        return
    out_console.print(f"signing key rotated: {result.old_fingerprint} -> {result.new_fingerprint}")
    err_console.print(
        "publish the new key history: vigil keys export-public --out FILE", markup=False
    )


def _read_secret(file: Path | None) -> str:
    if file is not None:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(
                f"cannot read the token file: {exc.strerror}", source=str(file)
            ) from None
        if not lines or not lines[0].strip():
            raise InputError("the token file is empty", source=str(file), line=1)
        return lines[0]
    env = os.environ.get("VIGIL_TOKEN_VALUE")
    if env:
        return env
    if not sys.stdin.isatty():
        line = sys.stdin.readline().strip()
        if line:
            return line
        raise InputError("no token: use --token-file, VIGIL_TOKEN_VALUE or stdin", field="token")
    return str(typer.prompt("token", hide_input=True))


@keys_app.command("set-token")
def set_token(
    ctx: typer.Context,
    platform: Annotated[str, typer.Argument(help="x, mastodon or bluesky.")],
    token_file: Annotated[
        Path | None, typer.Option(help="Read the token from this file (first line).")
    ] = None,
) -> None:
    """Store a platform token (X bearer, Mastodon token, Bluesky app password) encrypted."""
    cls = connector(platform)
    if not cls.token_env:
        raise InputError(f"{platform} takes no token", field="platform")
    store_token(state(ctx).settings.home, cls.name, _read_secret(token_file))
    out_console.print(
        f"stored the {cls.name} token (encrypted); {cls.token_env} still overrides it"
    )


@keys_app.command("export-public")
def export_public(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option(help="Write the history here (else stdout).")] = None,
) -> None:
    """Print the organisation's public key history (JSON) for publication and verification."""
    settings = state(ctx).settings
    load_or_create_key(settings.home)  # the history starts with the first key
    doc = history_document(load_history(settings.home), settings.publish.org_name)
    text = json.dumps(doc, indent=1) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        err_console.print(f"key history written to {out}", markup=False)
