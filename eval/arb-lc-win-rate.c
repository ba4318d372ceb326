/* arb-lc-win-rate.c: length-controlled win rate (AlpacaEval's length_controlled_minimal GLM)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Dubois et al., "Length-Controlled AlpacaEval: A Simple Way to Debias Automatic Evaluators"
 * (2024), alpaca_eval/metrics/glm_winrate.py, GLM "length_controlled_minimal":
 * formula "np.tanh(std_delta_len) + not_gamed_baseline.astype(float) - 1", i.e. no intercept,
 * one length term and one system term, fitted on the soft preference (each row twice: y = 1
 * weighted x, y = 0 weighted 1 − x), then predicted with the length difference set to zero.
 * AlpacaEval picks C by 5-fold grouped cross-validation with an L1 penalty (liblinear); Arbiter
 * fixes C (default 100, AlpacaEval's own value when it does not cross-validate) with an L2
 * penalty, so the optimum is smooth, unique and solved exactly. docs/statistics.md has the
 * objective.
 */
#include "arb-eval.h"

#include <math.h>

void
arb_lc_options_init (ArbLcOptions *options)
{
  g_return_if_fail (options != NULL);
  options->c = 100;
}

static inline double
softplus (double x)
{
  return x > 0 ? x + log1p (exp (-x)) : log1p (exp (x));
}

/* ½(β² + θ²) + C Σ [x·softplus(−z) + (1 − x)·softplus(z)], z = β·u + θ */
static double
lc_objective (const double *x,
              const double *u,
              gsize         n,
              double        c,
              double        beta,
              double        theta)
{
  double f = 0;

  for (gsize i = 0; i < n; i++)
    {
      double z;

      if (isnan (x[i]))
        continue;
      z = beta * u[i] + theta;
      f += x[i] * softplus (-z) + (1 - x[i]) * softplus (z);
    }
  return 0.5 * (beta * beta + theta * theta) + c * f;
}

/**
 * arb_lc_win_rate:
 * @preferences: (array length=n): x_i, the system over the baseline in [0, 1]; NaN missing
 * @lengths: (array length=n): code-point length of the system's output on row i
 * @baseline_lengths: (array length=n): code-point length of the baseline's output on row i
 * @n: rows
 * @options: (nullable): C
 * @out: (out caller-allocates): the estimate
 * @error: return location for a #GError
 *
 * Δ_i = lengths_i − baseline_lengths_i, u_i = tanh(Δ_i / sd(Δ)) with sd over all @n rows (as
 * AlpacaEval standardises before it drops missing preferences; u = 0 when sd is 0 or n < 2).
 * Minimises ½(β² + θ²) + C·Σ_i [x_i·softplus(−z_i) + (1 − x_i)·softplus(z_i)], z_i = β·u_i + θ,
 * over the rows with a preference, by Newton's method; LC win rate = 100·σ(θ).
 *
 * Returns: %TRUE on success; %FALSE when no row has a preference.
 */
gboolean
arb_lc_win_rate (const double       *preferences,
                 const gint64       *lengths,
                 const gint64       *baseline_lengths,
                 gsize               n,
                 const ArbLcOptions *options,
                 ArbLcWinRate       *out,
                 GError            **error)
{
  ArbLcOptions defaults;
  g_autofree double *u = NULL;
  double mean = 0, ss = 0, sd, beta = 0, theta = 0, c;
  guint used = 0, it;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (n == 0 || (preferences && lengths && baseline_lengths), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    {
      arb_lc_options_init (&defaults);
      options = &defaults;
    }
  c = options->c;
  *out = (ArbLcWinRate) { .length_controlled_win_rate = NAN };
  if (!(c > 0))
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_INVALID, "C must be positive");
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      if (!isnan (preferences[i]))
        used++;
      mean += (double) (lengths[i] - baseline_lengths[i]);
    }
  if (used == 0)
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_EMPTY, "no preferences");
      return FALSE;
    }
  mean /= n;
  for (gsize i = 0; i < n; i++)
    {
      double d = (double) (lengths[i] - baseline_lengths[i]) - mean;
      ss += d * d;
    }
  sd = n >= 2 ? sqrt (ss / (n - 1)) : 0;
  u = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    u[i] = sd > 0 ? tanh ((double) (lengths[i] - baseline_lengths[i]) / sd) : 0;

  /* Newton on a strictly convex 2-parameter objective (its Hessian is ≥ the identity). */
  for (it = 0; it < 100; it++)
    {
      double g0 = beta, g1 = theta, h00 = 1, h01 = 0, h11 = 1;
      double det, d0, d1, f0, t = 1, slope;

      for (gsize i = 0; i < n; i++)
        {
          double z, sig, w;

          if (isnan (preferences[i]))
            continue;
          z = beta * u[i] + theta;
          sig = 1 / (1 + exp (-z));
          g0 += c * (sig - preferences[i]) * u[i];
          g1 += c * (sig - preferences[i]);
          w = c * sig * (1 - sig);
          h00 += w * u[i] * u[i];
          h01 += w * u[i];
          h11 += w;
        }
      det = h00 * h11 - h01 * h01;
      d0 = -(h11 * g0 - h01 * g1) / det;
      d1 = -(h00 * g1 - h01 * g0) / det;
      if (fabs (d0) + fabs (d1) < 1e-15)
        break;
      slope = g0 * d0 + g1 * d1;
      f0 = lc_objective (preferences, u, n, c, beta, theta);
      while (t > 1e-10 &&
             lc_objective (preferences, u, n, c, beta + t * d0, theta + t * d1) >
               f0 + 1e-4 * t * slope &&
             -slope > 1e-13 * (1 + fabs (f0)))
        t *= 0.5;
      beta += t * d0;
      theta += t * d1;
    }
  out->length_coefficient = beta;
  out->system_coefficient = theta;
  out->length_controlled_win_rate = 100 / (1 + exp (-theta));
  out->length_scale = sd;
  out->n = used;
  out->iterations = it;
  return TRUE;
}
