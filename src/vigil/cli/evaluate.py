"""`vigil eval`: detection and resurgence metrics against a simulated world's truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from vigil.cli._app import OutputFormat, app, current_store, state
from vigil.cli._output import out_console, print_json
from vigil.config import Settings
from vigil.scoring.evaluation import (
    OPERATING_THRESHOLD,
    Evaluation,
    add_time_to_queue,
    evaluate,
    load_truth,
)
from vigil.scoring.score import Weights, current_weights, weights_version

__all__ = ["eval_"]


def _scoring_weights(settings: Settings, ev: Evaluation) -> Weights:
    """The weights the stored scores were made with, so the replay scores the same way."""
    for version in ev.model_versions:
        found = weights_version(settings, version)
        if found is not None:
            return found
    return current_weights(settings)


def _fmt(value: object) -> str:
    return "-" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def _table(ev: Evaluation) -> Table:
    d = ev.detection
    table = Table(title=f"evaluation over {ev.accounts:,} accounts ({ev.supporters} supporters)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("precision", "recall", "f1", "pr_auc", "precision_at_recall_0_9"):
        table.add_row(
            f"{key} (threshold {d['threshold']:g})" if key == "precision" else key, _fmt(d[key])
        )
    for name, c in ev.protected.items():
        table.add_row(f"FPR {name} ({c['flagged']}/{c['accounts']})", _fmt(c["fpr"]))
    links = ev.links
    if links.get("available"):
        table.add_row("resurgence link precision", _fmt(links["precision"]))
        table.add_row("resurgence link recall", _fmt(links["recall"]))
    else:
        table.add_row("resurgence links", "no links table")
    table.add_row("median hours to queue", _fmt(ev.time_to_queue.get("median_hours")))
    return table


@app.command("eval")
def eval_(
    ctx: typer.Context,
    truth: Annotated[Path, typer.Option(help="The simulator's truth.json for the world.")],
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Operating threshold on the score.")
    ] = OPERATING_THRESHOLD,
    platform: Annotated[str, typer.Option(help="Platform whose accounts are measured.")] = "x",
    replay: Annotated[
        bool,
        typer.Option(help="Replay the scan over the world's time for the hours to the queue."),
    ] = True,
    step_hours: Annotated[
        float, typer.Option(min=1.0, help="Replay step, in hours of the world's time.")
    ] = 24.0,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output as a table or as JSON.")
    ] = OutputFormat.TABLE,
) -> None:
    """Precision, recall, F1, PR-AUC, precision at recall 0.9, false-positive rate per
    protected class, resurgence link precision/recall, against a simulated world's truth.

    Hours to the queue: the scan is replayed in steps over the world's time (posts after
    each step unseen); a supporter enters at the first step where it has posted and scores
    at or above the threshold; the median is over supporters in the queue at the end."""
    known = load_truth(truth)
    settings = state(ctx).settings
    with current_store(ctx) as db:
        with db.session() as session:
            result = evaluate(session, known, threshold=threshold, platform=platform)
        if replay:
            add_time_to_queue(
                db,
                settings,
                known,
                result,
                weights=_scoring_weights(settings, result),
                threshold=threshold,
                step_hours=step_hours,
                platform=platform,
            )
    if fmt is OutputFormat.JSON:
        print_json(result.to_dict())
        return
    out_console.print(_table(result))
