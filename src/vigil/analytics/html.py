"""The transparency report as one self-contained HTML page: figures, charts, how to check.

Rendering is a pure function of the report's JSON, so `vigil report verify` renders it again
and compares bytes. Nothing from the store is inserted unescaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from vigil.analytics.charts import bar_chart, funnel_chart, interval_chart, step_chart

__all__ = ["render_html"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:780px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
    "th{background:#f2f2f2}code{font-size:90%;word-break:break-all}"
)


def _v(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def _km_table(groups: dict[str, Any]) -> str:
    head = "<tr><th>group</th><th>n</th><th>actions</th><th>median days</th>"
    head += "<th>gone by 2 d</th><th>5 d</th><th>90 d</th></tr>"
    rows = [
        f"<tr><td>{escape(name)}</td><td>{_v(s['n'])}</td><td>{_v(s['events'])}</td>"
        f"<td>{_v(s['median_days'])}</td><td>{_v(s['gone_by_2d'])}</td>"
        f"<td>{_v(s['gone_by_5d'])}</td><td>{_v(s['gone_by_90d'])}</td></tr>"
        for name, s in groups.items()
    ]
    return f"<table>{head}{''.join(rows)}</table>"


def _time_section(title: str, t: dict[str, Any]) -> str:
    groups = {"all": t["all"]}
    groups.update({f"platform {k}": v for k, v in t["by_platform"].items()})
    groups.update({f"criterion {k}": v for k, v in t["by_criterion"].items()})
    chart = step_chart({"all": t["all"].get("curve", [])}, title)
    return f"<h3>{escape(title)}</h3>{chart}{_km_table(groups)}"


def render_html(report: dict[str, Any]) -> str:
    f = report["figures"]
    funnel = f["funnel"]
    waves = f["waves"]
    marked: set[str] = set()
    for w in waves["waves"]:
        marked.update(d for d, _ in waves["daily"] if w["first_day"] <= d <= w["last_day"])
    attribution = f["attribution"]
    low, high = attribution["ci95"] or [None, None]
    n_listed, n_control = attribution["listed"]["n"], attribution["control"]["n"]
    pop_rows = []
    for unit in ("accounts", "identities"):
        h = f["population"][unit]["headline"]
        if h:
            pop_rows.append((f"{unit} ({'+'.join(h['routes'])})", h["estimate"], *h["ci95"]))
    ident = f["identities"]
    merkle = report["merkle"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">",
        f"<title>Vigil transparency report {escape(report['generated_at'][:10])}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Transparency report</h1>",
        f"<p>Generated {escape(report['generated_at'])} by Vigil "
        f"{escape(report['vigil_version'])}. "
        f"Every figure below is recomputed from the exported observations by "
        f"<code>vigil report verify DIR</code>.</p>",
        "<h2>From candidates to removals</h2>",
        funnel_chart(
            [
                ("candidates", funnel["candidates"]),
                ("reviewed", funnel["reviewed"]),
                ("listed", funnel["listed"]),
                ("reported", funnel["reported"]),
                ("removed", funnel["removed"]),
            ],
            "funnel",
        ),
        "<h2>Suspension waves</h2>",
        bar_chart([(d, n) for d, n in waves["daily"]], marked, "listed accounts acted on per day"),
        "<table><tr><th>wave</th><th>days</th><th>actions</th><th>baseline/day</th></tr>",
        *(
            f"<tr><td>{escape(w['first_day'])} – {escape(w['last_day'])}</td><td>{w['days']}</td>"
            f"<td>{_v(w['actions'])}</td><td>{_v(w['baseline'])}</td></tr>"
            for w in waves["waves"]
        ),
        "</table><h2>Time to action</h2>",
        _time_section("from listing", f["time_to_action"]["from_listing"]),
        _time_section("from report", f["time_to_action"]["from_report"]),
        "<h2>Did the platform act because of the list?</h2>",
        step_chart(attribution["curves"], "listed accounts and matched controls still up"),
        f"<p>Hazard ratio of listed accounts against matched unlisted controls: "
        f"<b>{_v(attribution['hazard_ratio'])}</b>, 95% interval "
        f"{_v(low)} – {_v(high)} ({_v(n_listed)} listed, {_v(n_control)} controls).</p>",
        "<h2>People, not accounts</h2>",
        f"<p>{_v(ident['accounts_removed'])} of {_v(ident['accounts_listed'])} listed accounts "
        f"and {_v(ident['identities_removed'])} of {_v(ident['identities_listed'])} identities "
        f"removed; {_v(ident['identities_returned'])} identities came back (median "
        f"{_v(ident['median_days_to_return'])} days).</p>",
        "<h2>How many supporter accounts exist?</h2>",
        interval_chart(pop_rows, "capture-recapture estimates"),
        "<p>Chapman estimate across discovery routes. Assumptions: "
        + "; ".join(escape(a) for a in f["population"]["accounts"]["assumptions"])
        + ".</p>",
        "<h2>Census of listed accounts</h2>",
        f"<p>Median followers {_v(f['census']['followers'].get('p50'))}; median posts per day "
        f"{_v(f['census']['posts_per_day_median'])}; languages "
        + ", ".join(f"{escape(k)} {v}" for k, v in f["census"]["languages"].items())
        + ".</p>",
        "<h2>What this was computed from</h2>",
        f"<p>Audit log Merkle root <code>{escape(merkle['audit_log']['root'])}</code> "
        f"({_v(merkle['audit_log']['events'])} events); lists Merkle root "
        f"<code>{escape(merkle['lists']['root'])}</code> ({_v(merkle['lists']['entries'])} "
        f"entries). Signed with the Ed25519 key of fingerprint "
        f"<code>{escape(report['key_fingerprint'])}</code>.</p>",
        "</body></html>\n",
    ]
    return "".join(parts)
