"""Self-contained HTML report of a diagnosis (figures embedded as PNG)."""

import base64
import html
import io
import os
from datetime import datetime, timezone

import numpy as np

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,
sans-serif;margin:0;background:#f6f7f9;color:#1f2328;line-height:1.45}
header{background:#1f2d3d;color:#fff;padding:22px 36px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:6px 0 0;color:#c7d0da;font-size:14px;overflow-wrap:anywhere}
main{padding:24px 36px;max-width:1200px}
.cards{display:flex;gap:16px;flex-wrap:wrap;margin-bottom:20px}
.card{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:14px 18px;
min-width:150px}
.card .v{font-size:26px;font-weight:600}.card .k{color:#59636e;font-size:13px}
.alarm .v{color:#c62828}
section{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:16px 20px;
margin-bottom:20px}
h2{font-size:17px;margin:0 0 8px}
section>p.muted:first-of-type{margin-top:0}
img{display:block;max-width:100%;height:auto;margin:8px 0 0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #eaeef2;padding:8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600;white-space:nowrap}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.culprit{display:grid;grid-template-columns:56px 3.4em minmax(5.5em,max-content)
7.5em minmax(0,1fr);gap:2px 10px;align-items:baseline;padding:3px 0}
.culprit+.culprit{border-top:1px dashed #eaeef2}
.culprit.nolabel{grid-template-columns:56px 3.4em minmax(5.5em,max-content)
minmax(0,1fr)}
.culprit code{white-space:pre-wrap;overflow-wrap:anywhere;color:#24292f}
.culprit .sc{font-variant-numeric:tabular-nums;color:#59636e}
.meter{display:inline-block;width:56px;height:8px;background:#eaeef2;border-radius:4px;
overflow:hidden;vertical-align:middle}
.meter span{display:block;height:100%;background:#e53935}
.tag{display:inline-block;padding:1px 7px;border-radius:10px;font-size:11px;
background:#eaeef2;color:#424a53;white-space:nowrap}
.tag.rc{background:#fde7e9;color:#b71c1c}
.muted{color:#59636e;font-size:13px}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px;font-size:13px;
margin:0}dt{color:#59636e}dd{margin:0;overflow-wrap:anywhere}
@media (max-width:760px){header,main{padding-left:14px;padding-right:14px}
.culprit,.culprit.nolabel{grid-template-columns:56px 3.4em max-content 1fr}
.culprit code{grid-column:1/-1}}
"""


_HEAT_ROWS = 40  # alarmed windows drawn in the heatmap

# The settings of `chimera fit`, as the report names them.
_SETTING_NAMES = {
    "labels": "labels",
    "format": "log format",
    "window": "window size (lines)",
    "step": "window step (lines)",
    "session": "session key (regex)",
    "line_supervision": "line supervision weight",
    "trained_on": "trained on",
    "n_lines": "training lines",
    "n_windows": "training windows",
    "n_anomalous": "anomalous training windows",
}


def _figure_png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figures(timeline, heat):
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
    except ImportError:
        return None, None
    from .metrics import AnomalyScoreDisplay, RootCauseDisplay

    timeline_png = heat_png = None
    if timeline:
        pos = np.array([t[0] for t in timeline])
        scores = np.array([t[1] for t in timeline])
        labels = [t[2] for t in timeline]
        y_true = None if labels[0] is None else np.array(labels)
        disp = AnomalyScoreDisplay.from_predictions(
            scores, positions=pos, y_true=y_true
        )
        disp.ax_.set_title("", loc="left")  # the section heading says it
        timeline_png = _figure_png(disp.figure_)
    if heat:
        shown = heat[:_HEAT_ROWS]
        scores = np.vstack([h[0] for h in shown])
        rc = np.vstack([h[1] for h in shown]).astype(int)
        # Every row is an alarmed window: no "!" marks, nothing dimmed.
        disp = RootCauseDisplay.from_predictions(
            scores,
            root_cause=rc if rc.any() else None,
            window_names=[f"lines {h[2]}" for h in shown],
        )
        disp.ax_.set_title("", loc="left")
        disp.ax_.set_ylabel("alarmed window")
        heat_png = _figure_png(disp.figure_)
    return timeline_png, heat_png


def write_html_report(
    path, *, bundle, logfile, records, timeline, heat, n_windows, n_alarms, n_lines
):
    """Write the report of ``chimera diagnose --html``."""
    esc = html.escape
    settings = bundle["settings"]
    timeline_png, heat_png = _figures(timeline, heat)
    labelled = any("label" in r for r in records)
    rows = []
    for r in records:
        culprits = []
        for c in r["culprits"]:
            line_labelled = "root_cause" in c
            tag = ""
            if line_labelled:
                tag = (
                    '<span class="tag rc">root cause</span>'
                    if c["root_cause"]
                    else '<span class="tag">normal line</span>'
                )
                tag = f"<span>{tag}</span>"
            text = c["text"]
            if len(text) > 400:
                text = text[:400] + "…"
            width = max(0.0, min(1.0, c["score"]))
            culprits.append(
                f'<div class="culprit{"" if line_labelled else " nolabel"}">'
                f'<span class="meter" title="root-cause score {c["score"]:.3f}">'
                f'<span style="width:{100 * width:.0f}%"></span></span>'
                f'<span class="sc">{c["score"]:.3f}</span>'
                f"<b>line {c['line']}</b>{tag}<code>{esc(text)}</code></div>"
            )
        truth = ""
        if labelled:
            truth = (
                '<td><span class="tag rc">anomalous</span></td>'
                if r.get("label")
                else '<td><span class="tag" title="a false alarm">normal</span></td>'
            )
        rows.append(
            f'<tr><td class="num">{r["first_line"]}–{r["last_line"]}</td>'
            f'<td class="num">{r["anomaly_score"]:.3f}</td>{truth}'
            f"<td>{''.join(culprits)}</td></tr>"
        )
    more = ""
    if n_alarms > len(records):
        more = (
            f'<p class="muted">Showing the first {len(records)} of {n_alarms} '
            "alarms; <code>--max-report</code> shows more, <code>--json</code> "
            "writes all of them.</p>"
        )
    setting_rows = "".join(
        f"<dt>{esc(_SETTING_NAMES.get(k, str(k)))}</dt><dd>{esc(str(v))}</dd>"
        for k, v in settings.items()
        if v is not None
    )
    figures = ""
    if timeline_png:
        truth = (
            ", black ticks the windows labelled anomalous"
            if timeline and timeline[0][2] is not None
            else ""
        )
        figures += (
            "<section><h2>Anomaly score over the log</h2>"
            '<p class="muted">One point per window, at its first line; a window '
            f"scoring above the dashed threshold is an alarm (red){truth}.</p>"
            f'<img alt="anomaly score timeline" '
            f'src="data:image/png;base64,{timeline_png}"></section>'
        )
    if heat_png:
        outlined = (
            "  Outlined: the lines labelled as root causes."
            if any(np.any(h[1]) for h in heat[:_HEAT_ROWS])
            else ""
        )
        first = (
            f" (the first {_HEAT_ROWS} of {len(heat)})"
            if len(heat) > _HEAT_ROWS
            else ""
        )
        figures += (
            "<section><h2>Root-cause scores of alarmed windows</h2>"
            f'<p class="muted">Each row is an alarmed window{first}, each column '
            "a line of it; darker = more likely the culprit."
            f"{outlined}</p>"
            f'<img alt="root-cause heatmap" '
            f'src="data:image/png;base64,{heat_png}"></section>'
        )
    label_head = "<th>label</th>" if labelled else ""
    legend = (
        "; the tags give the labels of the log (window: anomalous or normal, "
        "a normal one being a false alarm; line: root cause or normal)"
        if labelled
        else ""
    )
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    source = "standard input" if logfile == "-" else logfile
    name = os.path.basename(source) or source
    version = esc(str(bundle.get("version")))
    share = 100 * n_alarms / max(n_windows, 1)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Chimera diagnosis of {esc(name)}</title>
<style>{_CSS}</style></head><body>
<header><h1>Chimera fault diagnosis: {esc(name)}</h1>
<p>{esc(source)} · {stamp} · chimera_sklearn {version}</p>
</header><main>
<div class="cards">
<div class="card"><div class="v">{n_lines:,}</div><div class="k">lines</div></div>
<div class="card"><div class="v">{n_windows:,}</div><div class="k">windows</div></div>
<div class="card alarm"><div class="v">{n_alarms:,}</div>
<div class="k">alarmed windows ({share:.1f}%)</div></div>
</div>
{figures}
<section><h2>Alarms and culprit lines</h2>
<p class="muted">Every alarmed window with its line range and anomaly score, then
its culprit lines, most likely first: root-cause score, line number in the file
and raw text{legend}.</p>
<table><thead><tr><th>lines</th><th>anomaly score</th>{label_head}
<th>culprit lines</th></tr></thead>
<tbody>{"".join(rows) or '<tr><td colspan="3">No window was alarmed.</td></tr>'}
</tbody></table>{more}</section>
<section><h2>Model</h2><dl>{setting_rows}</dl></section>
</main></body></html>
"""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(page)
