/* arb-agreement.c: agreement between raters, accuracy against gold, position bias, RM accuracy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "arb-eval.h"

#include <math.h>
#include <string.h>

/* Labels beyond this are not categories but a caller's bug; refuse rather than allocate. */
#define MAX_CATEGORIES 65536

/* The pick a preference leans to: < ½ A, > ½ B, ½ a tie, NaN failed. */
ArbPick
arb_pick_from_preference (double preference)
{
  if (isnan (preference))
    return ARB_PICK_FAILED;
  if (preference < 0.5)
    return ARB_PICK_A;
  if (preference > 0.5)
    return ARB_PICK_B;
  return ARB_PICK_TIE;
}

/**
 * arb_picks_apply_failed:
 * @picks: (array length=n) (inout): picks
 * @n: how many
 * @failed: the policy
 *
 * Rewrites failed picks for the functions that take plain labels (percent agreement, Cohen,
 * Fleiss, Krippendorff): %ARB_FAILED_DROP makes them missing, %ARB_FAILED_TIE a tie, and
 * %ARB_FAILED_WRONG a category of their own (%ARB_PICK_FAILED_CATEGORY), which agrees with no
 * verdict but another failed one. arb_accuracy() and friends take the policy themselves.
 */
void
arb_picks_apply_failed (int             *picks,
                        gsize            n,
                        ArbFailedPolicy  failed)
{
  g_return_if_fail (picks != NULL || n == 0);

  for (gsize i = 0; i < n; i++)
    if (picks[i] == ARB_PICK_FAILED)
      picks[i] = failed == ARB_FAILED_DROP ? ARB_PICK_MISSING :
                 failed == ARB_FAILED_TIE ? ARB_PICK_TIE : ARB_PICK_FAILED_CATEGORY;
}

/**
 * arb_percent_agreement:
 * @x: (array length=n): labels of one rater (negative = missing)
 * @y: (array length=n): labels of another
 * @n: items
 * @tie_label: the label that means a tie (ARB_PICK_TIE for picks)
 * @out: (out caller-allocates): agreement with and without ties
 *
 * Raw agreement on the items both labelled, and the same on the items where neither said tie
 * (MT-Bench's "w/o tie", Zheng et al. 2023, fastchat/llm_judge/compute_agreement.py).
 *
 * Returns: %FALSE when no item was labelled by both.
 */
gboolean
arb_percent_agreement (const int           *x,
                       const int           *y,
                       gsize                n,
                       int                  tie_label,
                       ArbPercentAgreement *out)
{
  guint same = 0, used = 0, same_nt = 0, used_nt = 0;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (n == 0 || (x && y), FALSE);

  for (gsize i = 0; i < n; i++)
    {
      if (x[i] < 0 || y[i] < 0)
        continue;
      used++;
      same += x[i] == y[i];
      if (x[i] != tie_label && y[i] != tie_label)
        {
          used_nt++;
          same_nt += x[i] == y[i];
        }
    }
  out->n = used;
  out->agreement = used ? (double) same / used : NAN;
  out->n_without_ties = used_nt;
  out->agreement_without_ties = used_nt ? (double) same_nt / used_nt : NAN;
  return used > 0;
}

static int
max_label (const int *labels,
           gsize      n)
{
  int top = -1;

  for (gsize i = 0; i < n; i++)
    top = MAX (top, labels[i]);
  return top;
}

/**
 * arb_cohen_kappa:
 * @x: (array length=n): labels of rater 1 (negative = missing)
 * @y: (array length=n): labels of rater 2
 * @n: items
 * @n_used: (out) (optional): items labelled by both
 *
 * Cohen's κ (Cohen 1960) on the items both labelled: (p_o − p_e) / (1 − p_e) with
 * p_e = Σ_k p_1k·p_2k from each rater's own marginals (sklearn's cohen_kappa_score).
 *
 * Returns: κ, NaN when undefined (no items, or p_e = 1).
 */
double
arb_cohen_kappa (const int *x,
                 const int *y,
                 gsize      n,
                 guint     *n_used)
{
  g_autofree double *mx = NULL, *my = NULL;
  int k = MAX (max_label (x, n), max_label (y, n)) + 1;
  double agree = 0, used = 0, pe = 0, po;

  g_return_val_if_fail (n == 0 || (x && y), NAN);

  if (n_used)
    *n_used = 0;
  if (k <= 0 || k > MAX_CATEGORIES)
    return NAN;
  mx = g_new0 (double, k);
  my = g_new0 (double, k);
  for (gsize i = 0; i < n; i++)
    {
      if (x[i] < 0 || y[i] < 0)
        continue;
      used++;
      agree += x[i] == y[i];
      mx[x[i]]++;
      my[y[i]]++;
    }
  if (n_used)
    *n_used = (guint) used;
  if (used == 0)
    return NAN;
  for (int c = 0; c < k; c++)
    pe += (mx[c] / used) * (my[c] / used);
  po = agree / used;
  if (pe >= 1)
    return NAN;
  return (po - pe) / (1 - pe);
}

/**
 * arb_fleiss_kappa:
 * @labels: (array length=n_items*n_raters): item-major labels, labels[i·n_raters + r]; negative
 *   = missing
 * @n_items: items
 * @n_raters: raters (columns)
 * @n_used: (out) (optional): items with at least two labels
 *
 * Fleiss' κ (Fleiss 1971): P_i = Σ_j n_ij(n_ij − 1) / (n_i(n_i − 1)), P̄ = mean P_i,
 * p_j = Σ_i n_ij / Σ_i n_i, P_e = Σ_j p_j², κ = (P̄ − P_e) / (1 − P_e). With every item labelled
 * by every rater this is Fleiss' formula exactly (statsmodels' fleiss_kappa); an item with
 * missing labels uses its own n_i, and items with fewer than two labels are left out.
 *
 * Returns: κ, NaN when undefined.
 */
double
arb_fleiss_kappa (const int *labels,
                  gsize      n_items,
                  guint      n_raters,
                  guint     *n_used)
{
  g_autofree double *pj = NULL;
  g_autofree guint *count = NULL;
  int k = max_label (labels, n_items * n_raters) + 1;
  double sum_p = 0, total = 0, pe = 0, pbar;
  guint used = 0;

  g_return_val_if_fail (n_items == 0 || labels != NULL, NAN);

  if (n_used)
    *n_used = 0;
  if (k <= 0 || k > MAX_CATEGORIES)
    return NAN;
  pj = g_new0 (double, k);
  count = g_new0 (guint, k);
  for (gsize i = 0; i < n_items; i++)
    {
      const int *row = labels + i * n_raters;
      double ni = 0, agree = 0;

      memset (count, 0, k * sizeof (guint));
      for (guint r = 0; r < n_raters; r++)
        if (row[r] >= 0)
          {
            count[row[r]]++;
            ni++;
          }
      if (ni < 2)
        continue;
      used++;
      for (guint r = 0; r < n_raters; r++)
        if (row[r] >= 0 && count[row[r]] > 0)
          {
            double c = count[row[r]];
            agree += c * (c - 1);
            pj[row[r]] += c;
            count[row[r]] = 0;
          }
      sum_p += agree / (ni * (ni - 1));
      total += ni;
    }
  if (n_used)
    *n_used = used;
  if (used == 0)
    return NAN;
  pbar = sum_p / used;
  for (int c = 0; c < k; c++)
    pe += (pj[c] / total) * (pj[c] / total);
  if (pe >= 1)
    return NAN;
  return (pbar - pe) / (1 - pe);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/**
 * arb_krippendorff_alpha:
 * @values: (array length=n_raters*n_units): rater-major values, values[r·n_units + u]; NaN =
 *   missing
 * @n_raters: raters (coders)
 * @n_units: units
 * @metric: the difference function
 *
 * Krippendorff's α from the coincidence matrix (Krippendorff, "Computing Krippendorff's
 * Alpha-Reliability", 2011): o_ck = Σ_u (number of c-k pairs in u) / (m_u − 1) over units with
 * m_u ≥ 2 values, n_c = Σ_k o_ck, n = Σ_c n_c, and
 * α = 1 − (n − 1)·Σ_ck o_ck·δ²_ck / Σ_ck n_c·n_k·δ²_ck with δ² nominal [c ≠ k], ordinal
 * (Σ_{g=c..k} n_g − (n_c + n_k)/2)² over the ranked values, interval (c − k)².
 *
 * Returns: α, NaN when there are no pairable values or no expected disagreement.
 */
double
arb_krippendorff_alpha (const double   *values,
                        guint           n_raters,
                        gsize           n_units,
                        ArbAlphaMetric  metric)
{
  g_autofree double *distinct = NULL, *o = NULL, *nc = NULL, *delta = NULL, *cum = NULL;
  g_autofree guint *unit_count = NULL;
  gsize n_values = 0, k = 0, total_cells = (gsize) n_raters * n_units;
  double n = 0, observed = 0, expected = 0;

  g_return_val_if_fail (total_cells == 0 || values != NULL, NAN);
  g_return_val_if_fail (metric <= ARB_ALPHA_INTERVAL, NAN);

  distinct = g_new (double, total_cells + 1);
  for (gsize i = 0; i < total_cells; i++)
    if (!isnan (values[i]))
      distinct[n_values++] = values[i];
  if (n_values == 0)
    return NAN;
  qsort (distinct, n_values, sizeof (double), compare_doubles);
  for (gsize i = 0; i < n_values; i++)
    if (k == 0 || distinct[i] != distinct[k - 1])
      distinct[k++] = distinct[i];

  o = g_new0 (double, k * k);
  unit_count = g_new0 (guint, k);
  for (gsize u = 0; u < n_units; u++)
    {
      guint m = 0;

      memset (unit_count, 0, k * sizeof (guint));
      for (guint r = 0; r < n_raters; r++)
        {
          double v = values[(gsize) r * n_units + u];
          double *hit;

          if (isnan (v))
            continue;
          hit = bsearch (&v, distinct, k, sizeof (double), compare_doubles);
          unit_count[hit - distinct]++;
          m++;
        }
      if (m < 2)
        continue;
      for (gsize c = 0; c < k; c++)
        {
          if (unit_count[c] == 0)
            continue;
          for (gsize d = 0; d < k; d++)
            {
              double pairs = (double) unit_count[c] * (unit_count[d] - (c == d));
              o[c * k + d] += pairs / (m - 1);
            }
        }
    }

  nc = g_new0 (double, k);
  for (gsize c = 0; c < k; c++)
    {
      for (gsize d = 0; d < k; d++)
        nc[c] += o[c * k + d];
      n += nc[c];
    }
  if (n <= 1)
    return NAN;

  delta = g_new (double, k * k);
  cum = g_new (double, k + 1);
  cum[0] = 0;
  for (gsize c = 0; c < k; c++)
    cum[c + 1] = cum[c] + nc[c];
  for (gsize c = 0; c < k; c++)
    for (gsize d = 0; d < k; d++)
      {
        double v;

        switch (metric)
          {
          case ARB_ALPHA_NOMINAL:
            v = c != d;
            break;
          case ARB_ALPHA_ORDINAL:
            {
              gsize lo = MIN (c, d), hi = MAX (c, d);
              v = cum[hi + 1] - cum[lo] - (nc[c] + nc[d]) / 2;
              v *= v;
            }
            break;
          case ARB_ALPHA_INTERVAL:
          default:
            v = (distinct[c] - distinct[d]) * (distinct[c] - distinct[d]);
            break;
          }
        delta[c * k + d] = v;
      }
  for (gsize c = 0; c < k; c++)
    for (gsize d = 0; d < k; d++)
      {
        observed += o[c * k + d] * delta[c * k + d];
        expected += nc[c] * nc[d] * delta[c * k + d];
      }
  if (expected <= 0)
    return NAN;
  return 1 - (n - 1) * observed / expected;
}

/**
 * arb_majority_labels:
 * @labels: (array length=n_items*n_raters): item-major labels; negative = missing
 * @n_items: items
 * @n_raters: raters
 * @majority: (out caller-allocates) (array length=n_items): the most frequent label of each
 *   item, or %ARB_PICK_MISSING when no label or a tie for the most frequent
 *
 * The gold of `--gold majority`: the plurality label among the raters who labelled the item.
 *
 * Returns: how many items have a majority label.
 */
gsize
arb_majority_labels (const int *labels,
                     gsize      n_items,
                     guint      n_raters,
                     int       *majority)
{
  gsize with = 0;

  g_return_val_if_fail (n_items == 0 || (labels && majority), 0);

  for (gsize i = 0; i < n_items; i++)
    {
      const int *row = labels + i * n_raters;
      int best = ARB_PICK_MISSING;
      guint best_count = 0;
      gboolean tied = FALSE;

      for (guint r = 0; r < n_raters; r++)
        {
          guint c = 0;

          if (row[r] < 0)
            continue;
          for (guint s = 0; s < n_raters; s++)
            c += row[s] == row[r];
          if (c > best_count)
            {
              best = row[r];
              best_count = c;
              tied = FALSE;
            }
          else if (c == best_count && row[r] != best)
            tied = TRUE;
        }
      majority[i] = tied ? ARB_PICK_MISSING : best;
      with += majority[i] >= 0;
    }
  return with;
}

/* Applies the failed policy to one label: returns FALSE when the item is dropped; *label is
 * rewritten (a tie) and *wrong set when it can never be correct. */
static gboolean
apply_policy (int             *label,
              ArbFailedPolicy  failed,
              gboolean        *wrong)
{
  *wrong = FALSE;
  if (*label == ARB_PICK_FAILED)
    {
      switch (failed)
        {
        case ARB_FAILED_DROP:
          return FALSE;
        case ARB_FAILED_TIE:
          *label = ARB_PICK_TIE;
          return TRUE;
        case ARB_FAILED_WRONG:
        default:
          *wrong = TRUE;
          return TRUE;
        }
    }
  return *label >= 0;
}

static void
accuracy_finish (ArbAccuracy *a)
{
  a->accuracy = a->n ? (double) a->n_correct / a->n : NAN;
}

/**
 * arb_accuracy:
 * @labels: (array length=n): a rater's labels (ARB_PICK_FAILED for a failed verdict, other
 *   negatives missing)
 * @gold: (array length=n): the gold labels (a gold rater's, or arb_majority_labels()); items with
 *   a negative gold label are left out
 * @n: items
 * @failed: how a failed verdict counts
 * @out: (out caller-allocates): the accuracy
 *
 * Exact agreement with the gold label on the items that have one.
 */
void
arb_accuracy (const int       *labels,
              const int       *gold,
              gsize            n,
              ArbFailedPolicy  failed,
              ArbAccuracy     *out)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (n == 0 || (labels && gold));

  *out = (ArbAccuracy) { 0 };
  for (gsize i = 0; i < n; i++)
    {
      int l = labels[i];
      gboolean wrong;

      if (gold[i] < 0 || !apply_policy (&l, failed, &wrong))
        continue;
      out->n++;
      out->n_correct += !wrong && l == gold[i];
    }
  accuracy_finish (out);
}

/**
 * arb_order_accuracy:
 * @first: (array length=n): picks in the first presented order (canonical orientation)
 * @second: (array length=n): picks in the swapped order (canonical orientation)
 * @gold: (array length=n): gold picks
 * @n: items
 * @failed: how a failed verdict counts for the accuracies
 * @out: (out caller-allocates): LLMBar's statistics
 *
 * LLMBar's statistics.json (Zeng et al. 2024): correct_False / correct_True = accuracy in each
 * order, correct_average their mean, correct_both = correct in both orders, equal = the same pick
 * in both orders. Order consistency compares the raw picks whatever @failed says: two failed
 * orders agree (LLMBar compares the two `winner` fields, and None == None), a failed and a
 * given pick do not. It is over the items asked in both orders, gold or not.
 */
void
arb_order_accuracy (const int        *first,
                    const int        *second,
                    const int        *gold,
                    gsize             n,
                    ArbFailedPolicy   failed,
                    ArbOrderAccuracy *out)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (n == 0 || (first && second && gold));

  *out = (ArbOrderAccuracy) { 0 };
  arb_accuracy (first, gold, n, failed, &out->first);
  arb_accuracy (second, gold, n, failed, &out->second);
  out->accuracy_average = (out->first.accuracy + out->second.accuracy) / 2;
  for (gsize i = 0; i < n; i++)
    {
      int a = first[i], b = second[i];
      gboolean wrong_a, wrong_b;

      if (a != ARB_PICK_MISSING && b != ARB_PICK_MISSING)
        {
          out->n_pairs++;
          out->n_consistent += a == b;
        }
      if (gold[i] < 0 || !apply_policy (&a, failed, &wrong_a) ||
          !apply_policy (&b, failed, &wrong_b))
        continue;
      out->both.n++;
      out->both.n_correct += !wrong_a && !wrong_b && a == gold[i] && b == gold[i];
    }
  accuracy_finish (&out->both);
  out->order_consistency = out->n_pairs ? (double) out->n_consistent / out->n_pairs : NAN;
}

/**
 * arb_first_position_rate:
 * @picks: (array length=n): picks in the canonical orientation
 * @presented: (array length=n): an #ArbPresented for each pick
 * @n: verdicts
 * @out: (out caller-allocates): counts and the rate
 *
 * How often a rater prefers the response shown first, over its decisive verdicts whose
 * presented order is known (ties and failures counted apart). 0.5 is no position bias.
 */
void
arb_first_position_rate (const int       *picks,
                         const int       *presented,
                         gsize            n,
                         ArbPositionBias *out)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (n == 0 || (picks && presented));

  *out = (ArbPositionBias) { 0 };
  for (gsize i = 0; i < n; i++)
    {
      if (presented[i] != ARB_PRESENTED_AB && presented[i] != ARB_PRESENTED_BA)
        continue;
      switch (picks[i])
        {
        case ARB_PICK_FAILED:
          out->n_failed++;
          break;
        case ARB_PICK_TIE:
          out->n_ties++;
          break;
        case ARB_PICK_A:
        case ARB_PICK_B:
          if ((picks[i] == ARB_PICK_A) == (presented[i] == ARB_PRESENTED_AB))
            out->n_first++;
          else
            out->n_second++;
          break;
        default:
          break;
        }
    }
  out->rate = out->n_first + out->n_second ?
              (double) out->n_first / (out->n_first + out->n_second) : NAN;
}

/**
 * arb_reward_accuracy:
 * @chosen: (array length=n): the score of the chosen response; NaN failed
 * @rejected: (array length=n): the score of the rejected response; NaN failed
 * @categories: (array length=n) (nullable): category index per pair; %NULL: all in category 0
 * @n: pairs
 * @n_categories: categories
 * @failed: a failed score drops the pair or counts as wrong (%ARB_FAILED_TIE: wrong, since a
 *   tie is wrong here)
 * @per_category: (out caller-allocates) (array length=n_categories) (optional): per category
 * @weighted: (out caller-allocates) (optional): the average weighted by category size
 * @macro: (out) (optional): the unweighted mean over categories that have pairs
 *
 * RewardBench's strict accuracy (Lambert et al. 2024, rewardbench/utils.py): a pair is correct
 * when the chosen score is strictly above the rejected one; equal scores are wrong. The weighted
 * average of per-category accuracies by their sizes (calculate_scores_per_section) equals the
 * accuracy over all pairs.
 *
 * Returns: %FALSE when a category index is out of range.
 */
gboolean
arb_reward_accuracy (const double    *chosen,
                     const double    *rejected,
                     const guint     *categories,
                     gsize            n,
                     guint            n_categories,
                     ArbFailedPolicy  failed,
                     ArbAccuracy     *per_category,
                     ArbAccuracy     *weighted,
                     double          *macro)
{
  g_autofree ArbAccuracy *cat = NULL;
  ArbAccuracy all = { 0 };
  double sum = 0;
  guint with = 0;

  g_return_val_if_fail (n == 0 || (chosen && rejected), FALSE);
  g_return_val_if_fail (n_categories > 0, FALSE);

  cat = g_new0 (ArbAccuracy, n_categories);
  for (gsize i = 0; i < n; i++)
    {
      guint c = categories ? categories[i] : 0;
      gboolean correct;

      if (c >= n_categories)
        return FALSE;
      if (isnan (chosen[i]) || isnan (rejected[i]))
        {
          if (failed == ARB_FAILED_DROP)
            continue;
          correct = FALSE;
        }
      else
        correct = chosen[i] > rejected[i];
      cat[c].n++;
      cat[c].n_correct += correct;
    }
  for (guint c = 0; c < n_categories; c++)
    {
      accuracy_finish (&cat[c]);
      all.n += cat[c].n;
      all.n_correct += cat[c].n_correct;
      if (cat[c].n)
        {
          sum += cat[c].accuracy;
          with++;
        }
    }
  accuracy_finish (&all);
  if (per_category)
    memcpy (per_category, cat, n_categories * sizeof (ArbAccuracy));
  if (weighted)
    *weighted = all;
  if (macro)
    *macro = with ? sum / with : NAN;
  return TRUE;
}

/**
 * arb_paired_bootstrap:
 * @x: (array length=n): per-prompt score of system X (e.g. its preference over the baseline)
 * @y: (array length=n): per-prompt score of system Y on the same prompts
 * @n: prompts; a prompt where either is NaN is left out
 * @options: (nullable): rounds, seed, ci (threads are not used: a round is one pass over n)
 * @out: (out caller-allocates): the observed difference, its interval and the p-value
 * @error: return location for a #GError
 *
 * The paired bootstrap test (Koehn, "Statistical significance tests for machine translation
 * evaluation", EMNLP 2004; Efron & Tibshirani 1993 §16): resample the prompts with replacement,
 * keeping each prompt's pair together, and recompute mean(x) − mean(y). The one-sided p-value for
 * "X is better than Y" is the share of rounds whose difference is ≤ 0. Round r uses random stream
 * (seed, r).
 *
 * Returns: %TRUE on success.
 */
gboolean
arb_paired_bootstrap (const double              *x,
                      const double              *y,
                      gsize                      n,
                      const ArbBootstrapOptions *options,
                      ArbPairedTest             *out,
                      GError                   **error)
{
  ArbBootstrapOptions defaults;
  g_autofree double *d = NULL, *rounds = NULL;
  gsize m = 0;
  double sum = 0;
  guint not_better = 0;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (n == 0 || (x && y), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    {
      arb_bootstrap_options_init (&defaults);
      options = &defaults;
    }
  *out = (ArbPairedTest) { NAN, NAN, NAN, NAN, 0 };
  if (options->rounds == 0 || !(options->ci > 0 && options->ci < 1))
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_INVALID,
                   "a bootstrap needs at least one round and a ci in (0, 1)");
      return FALSE;
    }
  d = g_new (double, n + 1);
  for (gsize i = 0; i < n; i++)
    if (!isnan (x[i]) && !isnan (y[i]))
      {
        d[m++] = x[i] - y[i];
        sum += x[i] - y[i];
      }
  if (m == 0)
    {
      g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_EMPTY, "no prompt has both scores");
      return FALSE;
    }
  rounds = g_new (double, options->rounds);
  for (guint r = 0; r < options->rounds; r++)
    {
      ArbRandom rng;
      double s = 0;

      if (options->cancel && g_atomic_int_get (options->cancel))
        {
          g_set_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_CANCELLED, "bootstrap cancelled");
          return FALSE;
        }
      arb_random_init (&rng, options->seed, r);
      for (gsize i = 0; i < m; i++)
        s += d[arb_random_below (&rng, m)];
      rounds[r] = s / m;
      not_better += rounds[r] <= 0;
    }
  out->difference = sum / m;
  out->n = (guint) m;
  out->p_value = (double) not_better / options->rounds;
  {
    const double qs[2] = { (1 - options->ci) / 2, (1 + options->ci) / 2 };
    double bounds[2];

    arb_quantiles (rounds, options->rounds, qs, 2, bounds);
    out->ci_low = bounds[0];
    out->ci_high = bounds[1];
  }
  return TRUE;
}
