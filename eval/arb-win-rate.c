/* arb-win-rate.c: win rate against a baseline (AlpacaEval 2) and battles from both orders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "arb-eval.h"

#include <math.h>

G_DEFINE_QUARK (arb-eval-error-quark, arb_eval_error)

/**
 * arb_win_rate:
 * @preferences: (array length=n): x_i = preference of the system over the baseline, in [0, 1];
 *   NaN = missing (dropped, as AlpacaEval's `dropna`)
 * @n: length of @preferences
 * @out: (out caller-allocates): the metrics
 *
 * AlpacaEval 2's `get_winrate` (alpaca_eval/metrics/winrate.py): win_rate = 100·mean(x),
 * standard_error = 100·sem(x) (pandas: ddof 1), n_wins = #(x > ½), n_wins_base = #(x < ½),
 * n_draws = #(x = ½), n_total, discrete_win_rate = 100·mean of x rounded to {0, ½, 1}: an exact ½
 * stays a draw, everything else is rounded half to even (Python's round(), which for x in [0, 1]
 * differs from half-up only at ½ itself).
 *
 * Returns: %FALSE (and @out zeroed with NaN rates) when no x is present.
 */
gboolean
arb_win_rate (const double *preferences,
              gsize         n,
              ArbWinRate   *out)
{
  double sum = 0, discrete = 0, mean, ss = 0;
  guint total = 0;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (preferences != NULL || n == 0, FALSE);

  *out = (ArbWinRate) { .win_rate = NAN, .standard_error = NAN, .discrete_win_rate = NAN };
  for (gsize i = 0; i < n; i++)
    {
      double x = preferences[i];

      if (isnan (x))
        continue;
      total++;
      sum += x;
      if (x > 0.5)
        out->n_wins++;
      else if (x < 0.5)
        out->n_wins_base++;
      else
        out->n_draws++;
      /* nearbyint rounds half to even in the default rounding mode. */
      discrete += x == 0.5 ? 0.5 : nearbyint (x);
    }
  out->n_total = total;
  if (total == 0)
    return FALSE;

  mean = sum / total;
  /* Two passes for the variance: a one-pass sum of squares loses digits near x = mean. */
  for (gsize i = 0; i < n; i++)
    if (!isnan (preferences[i]))
      ss += (preferences[i] - mean) * (preferences[i] - mean);
  out->win_rate = 100 * mean;
  out->standard_error = total >= 2 ? 100 * sqrt (ss / (total - 1)) / sqrt (total) : NAN;
  out->discrete_win_rate = 100 * discrete / total;
  return TRUE;
}

/**
 * arb_avg_length:
 * @lengths: (array length=n): code-point lengths of a system's generations
 * @n: how many
 *
 * AlpacaEval's `avg_length`: the mean length truncated to an integer (pandas `astype(int)`).
 *
 * Returns: the integer part of the mean, or -1 when @n is 0.
 */
gint64
arb_avg_length (const gint64 *lengths,
                gsize         n)
{
  long double sum = 0;

  g_return_val_if_fail (lengths != NULL || n == 0, -1);

  if (n == 0)
    return -1;
  for (gsize i = 0; i < n; i++)
    sum += lengths[i];
  return (gint64) (sum / n);
}

typedef struct
{
  double delta;
  double x;
  gsize  index;
} LengthRow;

static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const LengthRow *x = a, *y = b;

  if (x->delta != y->delta)
    return x->delta < y->delta ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

/**
 * arb_win_rate_by_length:
 * @preferences: (array length=n): x_i, the system over the baseline; NaN missing (dropped)
 * @lengths: (array length=n): code-point length of the system's output on row i
 * @baseline_lengths: (array length=n): the baseline's on row i
 * @n: rows
 * @n_bins: how many bins
 * @bins: (out caller-allocates) (array length=n_bins): the bins, by increasing length difference
 *
 * Win rate against length difference: the rows with a preference sorted by Δ = length −
 * baseline length (ties in Δ by row order) and cut into @n_bins bins of sizes differing by at
 * most one; each bin gives its mean Δ, 100·mean(x) and n.
 *
 * Returns: the number of bins written, min(@n_bins, rows with a preference).
 */
guint
arb_win_rate_by_length (const double *preferences,
                        const gint64 *lengths,
                        const gint64 *baseline_lengths,
                        gsize         n,
                        guint         n_bins,
                        ArbLengthBin *bins)
{
  g_autofree LengthRow *rows = NULL;
  gsize m = 0;
  guint k;

  g_return_val_if_fail (n == 0 || (preferences && lengths && baseline_lengths), 0);
  g_return_val_if_fail (n_bins == 0 || bins != NULL, 0);

  rows = g_new (LengthRow, n + 1);
  for (gsize i = 0; i < n; i++)
    if (!isnan (preferences[i]))
      rows[m++] = (LengthRow) { (double) (lengths[i] - baseline_lengths[i]), preferences[i], i };
  qsort (rows, m, sizeof (LengthRow), compare_rows);
  k = (guint) MIN ((gsize) n_bins, m);
  for (guint b = 0; b < k; b++)
    {
      gsize from = b * m / k, to = (b + 1) * m / k;
      double sd = 0, sx = 0;

      for (gsize i = from; i < to; i++)
        {
          sd += rows[i].delta;
          sx += rows[i].x;
        }
      bins[b] = (ArbLengthBin) { sd / (to - from), 100 * sx / (to - from), (guint) (to - from) };
    }
  return k;
}

/**
 * arb_verdict_outcome:
 * @verdict: a verdict with a preference (not NaN)
 *
 * The battle outcome of a verdict: p < ½ is A, p > ½ is B, p = ½ (or strength 0) a tie. A
 * continuous preference becomes the side it leans to.
 */
ArbOutcome
arb_verdict_outcome (const ArbVerdict *verdict)
{
  g_return_val_if_fail (verdict != NULL, ARB_OUTCOME_TIE);

  if (verdict->strength == 0 || verdict->preference == 0.5)
    return ARB_OUTCOME_TIE;
  return verdict->preference < 0.5 ? ARB_OUTCOME_A : ARB_OUTCOME_B;
}

/**
 * arb_battles_each:
 * @a: system of generation A
 * @b: system of generation B
 * @verdicts: (array length=n_verdicts): the verdicts on one comparison (each presented order,
 *   each sample)
 * @n_verdicts: how many
 * @out: (out caller-allocates): room for 3 × @n_verdicts battles
 *
 * The `each` rule: every verdict is its own battle, and a decisive verdict of strength 2 ("much
 * better") counts as three, as Arena-Hard's `get_battles_from_judgment` (WEIGHT = 3) does for
 * "A>>B". Verdicts without a preference give no battle.
 *
 * Returns: the number of battles written.
 */
gsize
arb_battles_each (guint32           a,
                  guint32           b,
                  const ArbVerdict *verdicts,
                  gsize             n_verdicts,
                  ArbBattle        *out)
{
  gsize k = 0;

  g_return_val_if_fail (verdicts != NULL || n_verdicts == 0, 0);
  g_return_val_if_fail (out != NULL || n_verdicts == 0, 0);

  for (gsize i = 0; i < n_verdicts; i++)
    {
      ArbOutcome o;
      guint copies;

      if (isnan (verdicts[i].preference))
        continue;
      o = arb_verdict_outcome (&verdicts[i]);
      copies = (o != ARB_OUTCOME_TIE && verdicts[i].strength == 2) ? 3 : 1;
      for (guint c = 0; c < copies; c++)
        out[k++] = (ArbBattle) { a, b, o };
    }
  return k;
}

/**
 * arb_battles_fastchat:
 * @a: system of generation A
 * @b: system of generation B
 * @first: the verdict in the first presented order
 * @second: the verdict in the second (swapped) order, in the canonical orientation
 * @out: (out caller-allocates): one battle
 *
 * FastChat's rule for a pairwise judgment in both orders (fastchat/llm_judge/show_result.py):
 * the battle is a tie when the first order is a tie or the two orders disagree, else the side
 * both chose. Strength does not weigh. When either order has no verdict there is no battle
 * (the caller's --failed policy decides beforehand whether a failed order becomes a tie).
 *
 * Returns: %TRUE when a battle was written.
 */
gboolean
arb_battles_fastchat (guint32           a,
                      guint32           b,
                      const ArbVerdict *first,
                      const ArbVerdict *second,
                      ArbBattle        *out)
{
  ArbOutcome o1, o2;

  g_return_val_if_fail (first != NULL && second != NULL && out != NULL, FALSE);

  if (isnan (first->preference) || isnan (second->preference))
    return FALSE;
  o1 = arb_verdict_outcome (first);
  o2 = arb_verdict_outcome (second);
  *out = (ArbBattle) { a, b, (o1 == ARB_OUTCOME_TIE || o1 != o2) ? ARB_OUTCOME_TIE : o1 };
  return TRUE;
}
