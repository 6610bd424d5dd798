"""The report's HTML page: one file, no scripts, no network; figures are PNGs beside it."""

from __future__ import annotations

import html
import time

from symopt.funnel import render_table
from symopt.report.data import RunData, fmt
from symopt.report.lineage import lineage_diffs

CSS = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
img { max-width: 100%; border: 1px solid #eee; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
table { border-collapse: collapse; } td, th { padding: 0.2em 0.8em; text-align: left; }
tr:nth-child(even) { background: #f4f4f4; }
.add { color: #116611; } .del { color: #aa1111; } .hunk { color: #666; }
.note { color: #666; font-size: 0.9em; }
"""


def render_page(data: RunData, figures: dict[str, str]) -> str:
    """The page for ``data``; ``figures`` maps a section title to its PNG file name."""
    name = data.config.get("name", data.run_dir.name)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>symopt report: {_e(name)}</title><style>{CSS}</style></head><body>",
        f"<h1>symopt report: {_e(name)}</h1>",
        f'<p class="note">run {_e(str(data.run_dir))}; made {time.strftime("%Y-%m-%d %H:%M")} '
        f"from {data.judged} stored candidates; fitness is {_e(data.metric)}.</p>",
        "<h2>Counts</h2>",
        _counts(data),
    ]
    for title, file in figures.items():
        parts.append(f"<h2>{_e(title)}</h2>")
        parts.append(f'<img src="{_e(file)}" alt="{_e(title)}">')
        if title.startswith("Funnel") and data.funnel is not None:
            parts.append(f"<pre>{_e(render_table(data.funnel))}</pre>")
    parts += _top(data) + _lineage(data)
    parts += ["<h2>Config</h2>", f"<pre>{_e(data.config_yaml)}</pre>", "</body></html>"]
    return "\n".join(parts) + "\n"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _counts(data: RunData) -> str:
    s = data.stats
    rows = [
        ("candidates judged", s.judged),
        ("trained", s.trained),
        ("completed (trained to the last step)", s.completed),
        ("cache hits", f"{s.cached} ({s.cache_hit_rate:.1%}; the paper: 89%)"),
        ("rejected on the probes", s.rejected),
        ("stopped at the hurdle", s.hurdle),
        ("invalid mutation tries", f"{s.invalid_rate:.1%} of {s.tries} attempts"),
        ("dead statements", f"{s.dead_ratio:.1%}"),
        ("judged per completed", f"{s.judged_per_completed:.1f}"),
        ("restarts", len(data.restarts)),
        ("meta-validation checks", len(data.meta)),
        ("by status", ", ".join(f"{k} {v}" for k, v in data.counts.items()) or "none"),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(str(v))}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _top(data: RunData) -> list[str]:
    parts = [f"<h2>Top {len(data.top)} programs</h2>"]
    if not data.top:
        return [*parts, "<p>No successful evaluation yet.</p>"]
    for rec in data.top:
        parts.append(f"<h3>#{rec.id}: fitness {fmt(rec.fitness)} ({_e(rec.origin)})</h3>")
        parts.append(f"<pre>{_e(rec.program)}</pre>")
    return parts


def _lineage(data: RunData) -> list[str]:
    parts = ["<h2>Lineage of the best program, step by step</h2>"]
    if not data.lineage:
        return [*parts, "<p>No best program yet.</p>"]
    steps, best = len(data.lineage) - 1, data.lineage[-1].id
    parts.append(
        f'<p class="note">{steps} mutation(s) from the seed to #{best}; '
        "each step is diffed against its parent.</p>"
    )
    for rec, diff in lineage_diffs(data.lineage):
        parts.append(
            f"<h3>#{rec.id} ({_e(rec.origin)}, parent #{rec.parent_id}): fitness "
            f"{fmt(rec.fitness)}, {_e(rec.status)}</h3>"
            if rec.parent_id is not None
            else f"<h3>#{rec.id} (seed): fitness {fmt(rec.fitness)}, {_e(rec.status)}</h3>"
        )
        parts.append(f'<pre class="diff">{_diff_html(diff, rec.parent_id is None)}</pre>')
    return parts


def _diff_html(diff: str, whole: bool) -> str:
    if whole:
        return _e(diff)
    if not diff:
        return '<span class="hunk">(same text as the parent)</span>'
    lines = []
    for line in diff.splitlines():
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "")
        if line.startswith(("+++", "---")):
            kind = "hunk"
        lines.append(f'<span class="{kind}">{_e(line)}</span>' if kind else _e(line))
    return "\n".join(lines)
