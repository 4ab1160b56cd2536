"""Attribution: did the platform act because of the list? Listed accounts against controls.

Controls are accounts scored but not listed, matched on score, followers, age and platform;
each is followed from its match's listing time until it is listed itself, if ever (then
its later time counts among the listed: exposure changes, the account does not). A Cox
model with one covariate (listed) gives the hazard ratio and its 95% interval: above 1 with
an interval clear of 1 means listed accounts went faster than similar unlisted ones.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from lifelines import CoxPHFitter  # type: ignore[import-untyped, unused-ignore]
from lifelines.exceptions import ConvergenceError  # type: ignore[import-untyped, unused-ignore]

from vigil.analytics.dataset import CONTROL, LISTED, AccountRow
from vigil.analytics.events import Course
from vigil.analytics.survival import durations, km_summary

__all__ = ["hazard_ratio"]

log = logging.getLogger(__name__)

_MAX_LOG_HR = 20.0  # a hazard ratio beyond e^20 is divergence, not an estimate


def _r(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None


def hazard_ratio(accounts: Sequence[AccountRow], course: Mapping[str, Course]) -> dict[str, Any]:
    """Cox hazard ratio of listed vs control accounts, with its 95% confidence interval."""
    listed = durations([a for a in accounts if a.cohort == LISTED], course, lambda a: a.listed_at)
    controls = durations(
        [a for a in accounts if a.cohort == CONTROL or a.index_at is not None],
        course,
        lambda a: a.index_at,
        lambda a: a.left_at,
    )
    result: dict[str, Any] = {
        "listed": {"n": len(listed), "events": sum(d.event for d in listed)},
        "control": {"n": len(controls), "events": sum(d.event for d in controls)},
        "hazard_ratio": None,
        "ci95": None,
        "p_value": None,
        "curves": {
            "listed": km_summary(listed)["curve"],
            "control": km_summary(controls)["curve"],
        },
    }
    if not listed or not controls or not any(d.event for d in listed + controls):
        result["note"] = "too few accounts or actions in one group to compare"
        return result
    frame = pd.DataFrame(
        {
            "days": [max(d.days, 1e-6) for d in listed + controls],
            "event": [int(d.event) for d in listed + controls],
            "listed": [1] * len(listed) + [0] * len(controls),
        }
    )
    cph = CoxPHFitter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph.fit(frame, duration_col="days", event_col="event")
    except (ConvergenceError, ValueError, ZeroDivisionError) as exc:
        log.warning("Cox model did not converge: %s", type(exc).__name__)
        result["note"] = "the Cox model did not converge"
        return result
    coef = float(cph.params_["listed"])
    ci = cph.confidence_intervals_.loc["listed"]
    bounds = (coef, float(ci.iloc[0]), float(ci.iloc[1]))
    # With (nearly) no actions in one group the likelihood has no maximum: the estimate runs
    # off towards infinity and means nothing, so it is reported as not estimable.
    if not all(math.isfinite(b) and abs(b) < _MAX_LOG_HR for b in bounds):
        result["note"] = "not estimable: actions in one group only (separation)"
        return result
    result["hazard_ratio"] = _r(math.exp(coef))
    result["ci95"] = [_r(math.exp(bounds[1])), _r(math.exp(bounds[2]))]
    result["p_value"] = _r(float(cph.summary.loc["listed", "p"]))
    return result
