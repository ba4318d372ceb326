#!/usr/bin/python3
# lc_reference.py: the length-controlled win rate reference for Arbiter's eval/, in sklearn.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# AlpacaEval's length_controlled_minimal GLM with a fixed C and an L2 penalty, exactly as
# docs/statistics.md writes it: delta = len(system) - len(baseline), standardised by its sample
# standard deviation over all rows; features tanh(delta / sd) and a constant (the system term), no
# intercept; every row with a preference x twice, y = 1 with weight x and y = 0 with weight 1 - x
# (AlpacaEval's fit_LogisticRegressionCV with is_ytrue_proba); LogisticRegression(C, l2); the
# LC win rate is 100 * sigmoid(system term) (the prediction at delta = 0).
#
#   lc_reference.py --check EVAL_DUMP     TAP: compare with eval-dump's LC win rate (1e-6)
import json
import subprocess
import sys

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression


def lc_win_rate(x, lengths, baseline_lengths, c):
    x = np.asarray(x, dtype=np.float64)
    delta = np.asarray(lengths, dtype=np.float64) - np.asarray(baseline_lengths, dtype=np.float64)
    sd = delta.std(ddof=1) if len(delta) > 1 else 0.0
    u = np.tanh(delta / sd) if sd > 0 else np.zeros_like(delta)
    keep = ~np.isnan(x)
    features = np.column_stack([u[keep], np.ones(int(keep.sum()))])
    X = np.vstack([features, features])
    y = np.concatenate([np.ones(int(keep.sum())), np.zeros(int(keep.sum()))])
    w = np.concatenate([x[keep], 1.0 - x[keep]])
    model = LogisticRegression(C=c, penalty="l2", fit_intercept=False, solver="newton-cg",
                               tol=1e-12, max_iter=1000)
    model.fit(X, y, sample_weight=w)
    beta, theta = model.coef_[0]
    return 100.0 * expit(theta), beta, theta


def check(eval_dump):
    cases = [
        ("805 rows, C = 100", ["lc", "1", "805"]),
        ("200 rows, C = 100", ["lc", "2", "200"]),
        ("805 rows, C = 0.01 (the penalty matters)", ["lc", "3", "805", "0.01"]),
    ]
    print("1..%d" % len(cases))
    failed = 0
    for i, (name, args) in enumerate(cases, 1):
        out = subprocess.run([eval_dump] + args, check=True, capture_output=True, text=True).stdout
        data = json.loads(out)
        rows = data["rows"]
        x = [np.nan if r[0] is None else r[0] for r in rows]
        lc, beta, theta = lc_win_rate(x, [r[1] for r in rows], [r[2] for r in rows], data["c"])
        diff = abs(lc - data["lc"])
        ok = diff < 1e-6 and abs(beta - data["beta"]) < 1e-6
        print("# %s: LC win rate C %.10f sklearn %.10f (|diff| %.3g); length coefficient "
              "C %.8f sklearn %.8f" % (name, data["lc"], lc, diff, data["beta"], beta))
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    sys.stderr.write("usage: lc_reference.py --check EVAL_DUMP\n")
    sys.exit(2)
