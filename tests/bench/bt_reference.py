#!/usr/bin/python3
# bt_reference.py: the Bradley-Terry reference for Arbiter's eval/, in NumPy/SciPy.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The same model and objective as eval/arb-bradley-terry.c, written the plain way: battles
# collapsed to (a, b) cells with a-wins, ties, b-wins; P(a beats b) = sigma(ln10 * (r_a - r_b));
# ties half a win each way; the mean log-loss over battles plus ridge/2 * |r|^2; minimised by
# L-BFGS-B to a projected-gradient tolerance of 1e-10; ratings 400 r + 1000 shifted so the anchor
# has 1000 (with ridge 0 the anchor is held at 0). Bootstrap: multinomial resampling of the
# battles over the cells, a cold L-BFGS-B solve per round, percentile bounds.
#
#   bt_reference.py --check EVAL_DUMP        TAP: compare with eval-dump's ratings (1e-4 points)
#   bt_reference.py --bench CELLS.json       fit + bootstrap on a cell file; prints JSON timings
import json
import math
import resource
import subprocess
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

LN10 = math.log(10.0)


def fit(n_systems, pairs, anchor, ridge, gtol=1e-10):
    """pairs: integer array of rows (a, b, a_wins, ties, b_wins). Returns (ratings, result)."""
    pairs = np.asarray(pairs, dtype=np.float64)
    a = pairs[:, 0].astype(np.int64)
    b = pairs[:, 1].astype(np.int64)
    s = pairs[:, 2] + 0.5 * pairs[:, 3]
    n = pairs[:, 2] + pairs[:, 3] + pairs[:, 4]
    total = n.sum()
    free = np.ones(n_systems, dtype=bool)
    if ridge == 0:
        free[anchor] = False

    def full(x):
        r = np.zeros(n_systems)
        r[free] = x
        return r

    def objective(x):
        r = full(x)
        z = LN10 * (r[a] - r[b])
        loss = (s * np.logaddexp(0.0, -z) + (n - s) * np.logaddexp(0.0, z)).sum() / total
        gk = LN10 * (n * expit(z) - s) / total
        g = np.bincount(a, gk, n_systems) - np.bincount(b, gk, n_systems)
        if ridge > 0:
            loss += 0.5 * ridge * r.dot(r)
            g += ridge * r
        return loss, g[free]

    x0 = np.zeros(int(free.sum()))
    res = minimize(objective, x0, jac=True, method="L-BFGS-B",
                   options={"gtol": gtol, "ftol": 0.0, "maxiter": 100000, "maxfun": 200000,
                            "maxcor": 20})
    r = full(res.x)
    return 400.0 * (r - r[anchor]) + 1000.0, res


def bootstrap(n_systems, pairs, anchor, ridge, rounds, seed, ci=0.95):
    """Percentile bounds over `rounds` multinomial resamplings of the battles."""
    pairs = np.asarray(pairs, dtype=np.int64)
    counts = pairs[:, 2:5].reshape(-1)
    total = int(counts.sum())
    rng = np.random.default_rng(seed)
    samples = np.empty((rounds, n_systems))
    for k in range(rounds):
        draw = rng.multinomial(total, counts / total).reshape(-1, 3)
        samples[k], _ = fit(n_systems, np.column_stack([pairs[:, 0], pairs[:, 1], draw]),
                            anchor, ridge)
    return (np.quantile(samples, (1 - ci) / 2, axis=0), np.quantile(samples, (1 + ci) / 2, axis=0),
            samples)


def check_bootstrap(eval_dump, number):
    """Both bootstraps are Monte Carlo with independent draws: their bounds agree to within
    sampling error. With 400 rounds the 2.5 % quantile's standard error is about 0.13 sd of the
    rating, so the bounds may differ by up to 20 % of the interval's width (4 standard errors
    of the difference)."""
    name = "bootstrap bounds of 12 systems, 6 000 battles, 400 rounds, within Monte Carlo error"
    out = subprocess.run([eval_dump, "bt", "5", "12", "6000", "400"], check=True,
                         capture_output=True, text=True).stdout
    data = json.loads(out)
    lo, hi, _ = bootstrap(data["n_systems"], data["pairs"], data["anchor"], data["ridge"], 400, 7)
    c_lo = np.asarray(data["ci_low"])
    c_hi = np.asarray(data["ci_high"])
    width = np.where(hi - lo > 0, hi - lo, 1.0)
    worst = float(max(np.max(np.abs(c_lo - lo) / width), np.max(np.abs(c_hi - hi) / width)))
    mean_width_ratio = float(np.mean((c_hi - c_lo)[hi - lo > 0] / (hi - lo)[hi - lo > 0]))
    ok = worst < 0.2 and abs(mean_width_ratio - 1) < 0.1
    print("# %s: worst bound difference %.1f %% of the width, mean width ratio C/Python %.3f"
          % (name, 100 * worst, mean_width_ratio))
    print("%s %d - %s" % ("ok" if ok else "not ok", number, name))
    return 0 if ok else 1


def check(eval_dump):
    cases = [
        ("20 systems, 20 000 battles (the MLE)", ["bt", "3", "20", "20000"], 1e-4),
        ("6 systems, 300 battles, sparse pairs", ["bt", "9", "6", "300"], 1e-4),
        ("8 systems, one unbeaten (automatic ridge)", ["bt", "4", "8", "4000", "unbeaten"], 1e-4),
    ]
    print("1..%d" % (len(cases) + 1))
    failed = 0
    for i, (name, args, tol) in enumerate(cases, 1):
        out = subprocess.run([eval_dump] + args, check=True, capture_output=True, text=True).stdout
        data = json.loads(out)
        ratings, res = fit(data["n_systems"], data["pairs"], data["anchor"], data["ridge"])
        diff = float(np.max(np.abs(ratings - np.asarray(data["ratings"]))))
        ok = diff < tol
        print("# %s: ridge %g, C gradient %.3g in %d Newton steps, L-BFGS-B gradient %.3g "
              "in %d iterations (%s); max |C - Python| = %.3g rating points"
              % (name, data["ridge"], data["gradient_norm"], data["iterations"],
                 float(np.linalg.norm(res.jac)), res.nit, res.message, diff))
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        failed += not ok
    failed += check_bootstrap(eval_dump, len(cases) + 1)
    return 1 if failed else 0


def bench(path, rounds, seed):
    with open(path) as f:
        data = json.load(f)
    n_systems = data["n_systems"]
    pairs = np.asarray(data["pairs"], dtype=np.int64)
    anchor = data["anchor"]
    ridge = data.get("ridge", 0.0)

    t0 = time.perf_counter()
    ratings, res = fit(n_systems, pairs, anchor, ridge)
    t_fit = time.perf_counter() - t0

    # Cells (a-wins, ties, b-wins of every pair) resampled multinomially.
    counts = pairs[:, 2:5].reshape(-1)
    total = int(counts.sum())
    p = counts / total
    rng = np.random.default_rng(seed)
    samples = np.empty((rounds, n_systems))
    t0 = time.perf_counter()
    for k in range(rounds):
        draw = rng.multinomial(total, p).reshape(-1, 3)
        cells = np.column_stack([pairs[:, 0], pairs[:, 1], draw])
        samples[k], _ = fit(n_systems, cells, anchor, ridge)
    t_boot = time.perf_counter() - t0
    lo = np.quantile(samples, 0.025, axis=0)
    hi = np.quantile(samples, 0.975, axis=0)
    print(json.dumps({
        "fit_seconds": t_fit, "bootstrap_seconds": t_boot, "rounds": rounds,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "ratings": ratings.tolist(), "ci_low": lo.tolist(), "ci_high": hi.tolist(),
    }))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    if len(sys.argv) >= 3 and sys.argv[1] == "--bench":
        rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
        sys.exit(bench(sys.argv[2], rounds, 0))
    sys.stderr.write("usage: bt_reference.py --check EVAL_DUMP | --bench CELLS.json [ROUNDS]\n")
    sys.exit(2)
