"""`--plot out.png`: latency percentiles and throughput against concurrency, with the USL fit."""

from __future__ import annotations

from pathlib import Path

from pooltune.model import Report


def plot_title(report: Report) -> str:
    """What the curves are: the sweep runs HTTP/1.1 (one connection per request in flight)
    whatever the server offers; the recommendation's protocol is said apart."""
    library = f" on {report.client.library}" if report.client else ""
    title = f"{report.target.url}: sweep over HTTP/1.1{library}"
    rec = report.recommendation
    if rec is not None:
        protocol = "HTTP/2" if rec.http2 else "HTTP/1.1"
        title += f"; recommended {protocol}, {rec.max_connections} connections"
    title += f"; target concurrency {report.target.concurrency}"
    return title + (" (PARTIAL)" if report.partial else "")


def plot_report(report: Report, path: Path) -> None:
    """Needs the optional extra: pip install 'pooltune[plot]' (raises ImportError without it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from pooltune.tune.fit import usl

    levels = sorted(report.levels, key=lambda lv: lv.concurrency)
    n = [lv.concurrency for lv in levels]
    fig, (lat_ax, tput_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, style in (("p50", "o-"), ("p90", "s--"), ("p99", "^:")):
        lat_ax.plot(n, [getattr(lv.latency_s, key) * 1000 for lv in levels], style, label=key)
    lat_ax.set_xlabel("concurrency")
    lat_ax.set_ylabel("latency (ms)")
    lat_ax.set_title("latency")
    tput_ax.plot(n, [lv.throughput_rps for lv in levels], "o", label="measured")
    fit = report.fit
    if fit is not None and fit.lambda_rps is not None and n:
        grid = np.linspace(1, max(n) * 1.2, 200)
        curve = usl(grid, fit.lambda_rps, fit.sigma or 0.0, fit.kappa or 0.0)
        tput_ax.plot(grid, curve, "-", label=f"USL fit (R^2={fit.r_squared or 0:.2f})")
    limit = report.server.concurrency_limit
    for ax in (lat_ax, tput_ax):
        if limit:
            ax.axvline(limit, color="grey", linestyle="--", linewidth=1, label="server limit")
        ax.axvline(
            report.target.concurrency, color="tab:red", linestyle=":", linewidth=1, label="target"
        )
    tput_ax.set_xlabel("concurrency")
    tput_ax.set_ylabel("requests/s")
    tput_ax.set_title("throughput")
    lat_ax.legend(fontsize=8)
    tput_ax.legend(fontsize=8)
    fig.suptitle(plot_title(report), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
