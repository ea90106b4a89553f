"""Self-contained HTML report of a diagnosis (figures embedded as PNG)."""

import base64
import html
import io
from datetime import datetime, timezone

import numpy as np

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,
sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
header{background:#1f2d3d;color:#fff;padding:22px 36px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:6px 0 0;color:#c7d0da;font-size:14px}
main{padding:24px 36px;max-width:1200px}
.cards{display:flex;gap:16px;flex-wrap:wrap;margin-bottom:20px}
.card{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:14px 18px;
min-width:150px}
.card .v{font-size:26px;font-weight:600}.card .k{color:#59636e;font-size:13px}
.alarm .v{color:#c62828}
section{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:16px 20px;
margin-bottom:20px}
h2{font-size:17px;margin:0 0 12px}
img{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #eaeef2;padding:6px 8px;text-align:left;
vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;
word-break:break-all}
.score{display:inline-block;height:8px;background:#e53935;border-radius:4px;
vertical-align:middle;margin-right:6px}
.tag{display:inline-block;padding:1px 6px;border-radius:10px;font-size:11px;
background:#eaeef2;color:#424a53}
.tag.rc{background:#fde7e9;color:#b71c1c}
.muted{color:#59636e;font-size:13px}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px;font-size:13px;
margin:0}dt{color:#59636e}dd{margin:0}
"""


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
        timeline_png = _figure_png(disp.figure_)
    if heat:
        shown = heat[:40]
        scores = np.vstack([h[0] for h in shown])
        rc = np.vstack([h[1] for h in shown]).astype(int)
        disp = RootCauseDisplay.from_predictions(
            scores,
            y_pred=np.ones(len(shown), dtype=int),
            root_cause=rc if rc.any() else None,
            window_names=[f"lines {h[2]}" for h in shown],
        )
        heat_png = _figure_png(disp.figure_)
    return timeline_png, heat_png


def write_html_report(
    path, *, bundle, logfile, records, timeline, heat, n_windows, n_alarms, n_lines
):
    """Write the report of ``chimera diagnose --html``."""
    esc = html.escape
    settings = bundle["settings"]
    timeline_png, heat_png = _figures(timeline, heat)
    rows = []
    for r in records:
        culprits = []
        for c in r["culprits"]:
            tag = ""
            if "root_cause" in c:
                tag = (
                    '<span class="tag rc">root cause</span> '
                    if c["root_cause"]
                    else '<span class="tag">not labelled</span> '
                )
            culprits.append(
                f'<div><span class="score" style="width:{int(60 * c["score"])}px">'
                f"</span><b>line {c['line']}</b> ({c['score']:.3f}) {tag}"
                f"<code>{esc(c['text'][:400])}</code></div>"
            )
        truth = ""
        if "label" in r:
            truth = "anomalous" if r["label"] else "normal"
        rows.append(
            f'<tr><td class="num">{r["first_line"]}–{r["last_line"]}</td>'
            f'<td class="num">{r["anomaly_score"]:.3f}</td><td>{esc(truth)}</td>'
            f"<td>{''.join(culprits)}</td></tr>"
        )
    more = ""
    if n_alarms > len(records):
        more = (
            f'<p class="muted">Showing the first {len(records)} of {n_alarms} '
            "alarms; use <code>--json</code> for all of them.</p>"
        )
    setting_rows = "".join(
        f"<dt>{esc(str(k))}</dt><dd>{esc(str(v))}</dd>"
        for k, v in settings.items()
        if v is not None
    )
    figures = ""
    if timeline_png:
        figures += (
            "<section><h2>Anomaly score over the log</h2>"
            f'<img alt="anomaly score timeline" '
            f'src="data:image/png;base64,{timeline_png}"></section>'
        )
    if heat_png:
        figures += (
            "<section><h2>Root-cause scores of alarmed windows</h2>"
            '<p class="muted">Each row is an alarmed window, each column a '
            "line of it; darker = more likely the culprit.</p>"
            f'<img alt="root-cause heatmap" '
            f'src="data:image/png;base64,{heat_png}"></section>'
        )
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    share = 100 * n_alarms / max(n_windows, 1)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Chimera diagnosis of {esc(logfile)}</title>
<style>{_CSS}</style></head><body>
<header><h1>Chimera fault diagnosis</h1>
<p>{esc(logfile)} · {stamp} · chimera_sklearn {esc(str(bundle.get("version")))}</p>
</header><main>
<div class="cards">
<div class="card"><div class="v">{n_lines:,}</div><div class="k">lines</div></div>
<div class="card"><div class="v">{n_windows:,}</div><div class="k">windows</div></div>
<div class="card alarm"><div class="v">{n_alarms:,}</div>
<div class="k">alarmed windows ({share:.1f}%)</div></div>
</div>
{figures}
<section><h2>Alarms and culprit lines</h2>
<table><thead><tr><th>lines</th><th>score</th><th>label</th>
<th>culprit lines (top-k, most likely first)</th></tr></thead>
<tbody>{"".join(rows) or '<tr><td colspan="4">No window was alarmed.</td></tr>'}
</tbody></table>{more}</section>
<section><h2>Model</h2><dl>{setting_rows}</dl></section>
</main></body></html>
"""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(page)
