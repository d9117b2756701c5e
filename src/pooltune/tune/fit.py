"""Universal Scalability Law fit of throughput against concurrency (scipy.optimize.curve_fit).

X(N) = lambda * N / (1 + sigma * (N - 1) + kappa * N * (N - 1)): lambda is the throughput of one
client, sigma the contention, kappa the coherency cost. Throughput peaks at
N* = sqrt((1 - sigma) / kappa); its confidence interval comes from the fit's covariance by the
delta method. Little's law (N = X * R) checks that the measurements are consistent.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.optimize import curve_fit

from pooltune.model import Fit, LevelStats
from pooltune.tune.stats import refusal_share

MIN_LEVELS = 3
MIN_R_SQUARED = 0.9
Z95 = 1.959963984540054


def usl(n: np.ndarray, lam: float, sigma: float, kappa: float) -> np.ndarray:
    result: np.ndarray = lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))
    return result


def _little_error(levels: list[LevelStats]) -> float | None:
    errors = [
        abs(lv.throughput_rps * lv.latency_s.p50 - lv.concurrency) / lv.concurrency
        for lv in levels
        if lv.concurrency > 0 and lv.throughput_rps > 0 and refusal_share(lv) <= 0.02
    ]
    return max(errors) if errors else None


def fit_usl(levels: list[LevelStats]) -> Fit:
    usable = sorted(
        (lv for lv in levels if lv.throughput_rps > 0 and lv.requests > lv.errors),
        key=lambda lv: lv.concurrency,
    )
    little = _little_error(usable)
    if len(usable) < MIN_LEVELS:
        return Fit(
            fits=False,
            reason=f"only {len(usable)} level(s) with successful requests; the fit needs "
            f"{MIN_LEVELS}",
            little_law_max_error=little,
        )
    n = np.array([lv.concurrency for lv in usable], dtype=float)
    x = np.array([lv.throughput_rps for lv in usable], dtype=float)
    lam0 = x[0] / n[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params, cov = curve_fit(
                usl,
                n,
                x,
                p0=(lam0, 0.05, 1e-4),
                bounds=([0.0, 0.0, 0.0], [np.inf, 1.0, 1.0]),
                maxfev=20000,
            )
    except (RuntimeError, ValueError) as exc:
        return Fit(
            fits=False, reason=f"the USL fit did not converge ({exc})", little_law_max_error=little
        )
    lam, sigma, kappa = (float(v) for v in params)
    predicted = usl(n, lam, sigma, kappa)
    ss_res = float(np.sum((x - predicted) ** 2))
    ss_tot = float(np.sum((x - x.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
    top = float(n.max())
    optimal, ci = _optimum(sigma, kappa, cov)
    knee = _knee(lam, sigma, kappa, top if optimal is None else min(optimal, 4 * top))
    fitted = Fit(
        fits=True,
        reason=f"USL fits with R^2 = {r2:.2f}; throughput peaks near N={optimal or 0:.0f}",
        lambda_rps=lam,
        sigma=sigma,
        kappa=kappa,
        r_squared=r2,
        knee_concurrency=knee,
        optimal_concurrency=optimal,
        optimal_concurrency_ci=ci,
        little_law_max_error=little,
    )
    if r2 < MIN_R_SQUARED:
        reason = f"throughput does not follow the USL (R^2 = {r2:.2f})"
        return fitted.model_copy(update={"fits": False, "reason": reason})
    if optimal is None or optimal > 4 * top:
        reason = f"throughput still rising at N={top:.0f}: no optimum within reach (R^2 = {r2:.2f})"
        return fitted.model_copy(
            update={"reason": reason, "optimal_concurrency": None, "optimal_concurrency_ci": None}
        )
    return fitted


def _optimum(
    sigma: float, kappa: float, cov: np.ndarray
) -> tuple[float | None, tuple[float, float] | None]:
    if kappa <= 1e-9 or sigma >= 1.0:
        return None, None
    optimal = math.sqrt((1 - sigma) / kappa)
    # delta method: gradient of N* with respect to (lambda, sigma, kappa)
    grad = np.array([0.0, -0.5 / math.sqrt(kappa * (1 - sigma)), -0.5 * optimal / kappa])
    variance = float(grad @ cov @ grad) if np.all(np.isfinite(cov)) else math.inf
    if not math.isfinite(variance) or variance < 0:
        return optimal, None
    half = Z95 * math.sqrt(variance)
    return optimal, (max(1.0, optimal - half), optimal + half)


def _knee(lam: float, sigma: float, kappa: float, upto: float) -> float:
    """The concurrency where throughput reaches 90% of its best within [1, upto]."""
    grid = np.linspace(1.0, max(upto, 1.0), 400)
    throughput = usl(grid, lam, sigma, kappa)
    best = float(throughput.max())
    return float(grid[np.argmax(throughput >= 0.9 * best)])
