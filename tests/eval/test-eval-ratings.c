/* test-eval-ratings.c: win rate, both-orders battles, Bradley-Terry, bootstrap, Elo, random
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "arb-eval.h"

#define NA NAN

static void
test_win_rate (void)
{
  /* x: 1, 0, ½, 0.7, 0.2, 0.5, NaN. mean = 2.9/6; wins 2 (1, 0.7), base wins 2 (0, 0.2),
   * draws 2. discrete: 1, 0, ½, 1, 0, ½ → 3/6. */
  const double x[] = { 1, 0, 0.5, 0.7, 0.2, 0.5, NA };
  const gint64 lengths[] = { 10, 11, 12, 14 };
  double mean = 2.9 / 6, ss = 0, expected_se;
  ArbWinRate wr;

  g_assert_true (arb_win_rate (x, G_N_ELEMENTS (x), &wr));
  for (guint i = 0; i < 6; i++)
    ss += (x[i] - mean) * (x[i] - mean);
  expected_se = 100 * sqrt (ss / 5) / sqrt (6);
  g_assert_cmpfloat_with_epsilon (wr.win_rate, 100 * mean, 1e-12);
  g_assert_cmpfloat_with_epsilon (wr.standard_error, expected_se, 1e-12);
  g_assert_cmpuint (wr.n_wins, ==, 2);
  g_assert_cmpuint (wr.n_wins_base, ==, 2);
  g_assert_cmpuint (wr.n_draws, ==, 2);
  g_assert_cmpuint (wr.n_total, ==, 6);
  g_assert_cmpfloat_with_epsilon (wr.discrete_win_rate, 50, 1e-12);

  /* One value: no standard error. Nothing: FALSE. */
  g_assert_true (arb_win_rate ((double[]) { 0.9 }, 1, &wr));
  g_assert_true (isnan (wr.standard_error));
  g_assert_cmpfloat (wr.discrete_win_rate, ==, 100);
  g_assert_false (arb_win_rate ((double[]) { NA }, 1, &wr));
  g_assert_cmpuint (wr.n_total, ==, 0);

  /* (10 + 11 + 12 + 14) / 4 = 11.75 → 11 */
  g_assert_cmpint (arb_avg_length (lengths, 4), ==, 11);
  g_assert_cmpint (arb_avg_length (lengths, 0), ==, -1);
}

static void
test_win_rate_by_length (void)
{
  /* Δ = 30, −10, 20, NaN row, 0, 40 → sorted −10 (x 0), 0 (½), 20 (1), 30 (1), 40 (1).
   * Two bins of 2 and 3: mean Δ −5 with 25 %, mean Δ 30 with 100 %. */
  const double x[] = { 1, 0, 1, NA, 0.5, 1 };
  const gint64 len[] = { 130, 90, 120, 100, 100, 140 };
  const gint64 base[] = { 100, 100, 100, 100, 100, 100 };
  ArbLengthBin bins[3];

  g_assert_cmpuint (arb_win_rate_by_length (x, len, base, 6, 2, bins), ==, 2);
  g_assert_cmpuint (bins[0].n, ==, 2);
  g_assert_cmpfloat_with_epsilon (bins[0].length_difference, -5, 1e-12);
  g_assert_cmpfloat_with_epsilon (bins[0].win_rate, 25, 1e-12);
  g_assert_cmpuint (bins[1].n, ==, 3);
  g_assert_cmpfloat_with_epsilon (bins[1].length_difference, 30, 1e-12);
  g_assert_cmpfloat_with_epsilon (bins[1].win_rate, 100, 1e-12);
  /* More bins than rows: one row each. */
  g_assert_cmpuint (arb_win_rate_by_length (x, len, base, 3, 3, bins), ==, 3);
  g_assert_cmpfloat_with_epsilon (bins[0].length_difference, -10, 1e-12);
}

static void
test_both_orders (void)
{
  /* Canonical verdicts on one comparison (a = 3, b = 5) in both orders. */
  const ArbVerdict much_b = { 1.0, 2 }, b = { 1.0, 1 }, tie = { 0.5, 0 }, a = { 0.0, 1 };
  const ArbVerdict none = { NA, -1 }, soft = { 0.8, -1 };
  ArbVerdict two[2];
  ArbBattle out[6], one;

  two[0] = much_b;
  two[1] = a;
  g_assert_cmpuint (arb_battles_each (3, 5, two, 2, out), ==, 4);
  for (int i = 0; i < 3; i++)
    g_assert_cmpuint (out[i].outcome, ==, ARB_OUTCOME_B);
  g_assert_cmpuint (out[3].outcome, ==, ARB_OUTCOME_A);
  g_assert_cmpuint (out[3].a, ==, 3);
  g_assert_cmpuint (out[3].b, ==, 5);
  two[0] = none;
  two[1] = soft;
  g_assert_cmpuint (arb_battles_each (3, 5, two, 2, out), ==, 1);
  g_assert_cmpuint (out[0].outcome, ==, ARB_OUTCOME_B);
  /* A strength-2 tie is no such thing; a tie counts once. */
  two[0] = (ArbVerdict) { 0.5, 2 };
  g_assert_cmpuint (arb_battles_each (3, 5, two, 1, out), ==, 1);

  /* fastchat: agree → that side; disagree → tie; first a tie → tie; a missing order → none. */
  g_assert_true (arb_battles_fastchat (3, 5, &much_b, &b, &one));
  g_assert_cmpuint (one.outcome, ==, ARB_OUTCOME_B);
  g_assert_true (arb_battles_fastchat (3, 5, &b, &a, &one));
  g_assert_cmpuint (one.outcome, ==, ARB_OUTCOME_TIE);
  g_assert_true (arb_battles_fastchat (3, 5, &tie, &a, &one));
  g_assert_cmpuint (one.outcome, ==, ARB_OUTCOME_TIE);
  g_assert_true (arb_battles_fastchat (3, 5, &a, &tie, &one));
  g_assert_cmpuint (one.outcome, ==, ARB_OUTCOME_TIE);
  g_assert_true (arb_battles_fastchat (3, 5, &a, &a, &one));
  g_assert_cmpuint (one.outcome, ==, ARB_OUTCOME_A);
  g_assert_false (arb_battles_fastchat (3, 5, &a, &none, &one));
}

static void
test_bt_two_systems (void)
{
  /* Two systems: the MLE has P(0 beats 1) = (w + t/2) / n exactly, so
   * rating_0 − rating_1 = 400·log10((w + t/2) / (l + t/2)). 30 wins, 10 losses, 8 ties:
   * 34 / 14. */
  g_autoptr(ArbBattleTable) table = arb_battle_table_new (3);
  ArbBtOptions options;
  ArbBtInfo info;
  double ratings[3];
  g_autoptr(GError) error = NULL;

  arb_battle_table_add (table, 0, 1, ARB_OUTCOME_A, 30);
  arb_battle_table_add (table, 1, 0, ARB_OUTCOME_A, 10);   /* seen from 1: 1 won */
  arb_battle_table_add (table, 0, 1, ARB_OUTCOME_TIE, 8);
  g_assert_false (arb_battle_table_add (table, 0, 3, ARB_OUTCOME_A, 1));
  g_assert_false (arb_battle_table_add (table, 2, 2, ARB_OUTCOME_A, 1));
  g_assert_cmpuint (arb_battle_table_get_total (table), ==, 48);
  g_assert_cmpuint (arb_battle_table_get_count (table, 1, 0, ARB_OUTCOME_B), ==, 30);
  g_assert_cmpuint (arb_battle_table_get_count (table, 0, 1, ARB_OUTCOME_B), ==, 10);

  arb_bt_options_init (&options);
  options.anchor = 1;
  g_assert_true (arb_bradley_terry_fit (table, &options, ratings, &info, &error));
  g_assert_no_error (error);
  g_assert_true (info.mle_exists);
  g_assert_cmpfloat (info.ridge, ==, 0);
  g_assert_cmpfloat (info.gradient_norm, <, 1e-10);
  g_assert_cmpuint (info.n_active, ==, 2);
  g_assert_cmpfloat_with_epsilon (ratings[1], 1000, 1e-9);
  g_assert_cmpfloat_with_epsilon (ratings[0], 1000 + 400 * log10 (34.0 / 14.0), 1e-7);
  g_assert_true (isnan (ratings[2]));  /* no battles */
  g_assert_cmpfloat_with_epsilon (arb_predicted_win_rate (ratings[0], ratings[1]),
                                  100 * 34.0 / 48.0, 1e-7);

  /* An anchor without battles is an error. */
  options.anchor = 2;
  g_assert_false (arb_bradley_terry_fit (table, &options, ratings, NULL, &error));
  g_assert_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_INVALID);
}

static void
test_bt_unbeaten (void)
{
  /* System 2 never loses: no finite MLE. The automatic ridge keeps the ratings finite, reports
   * it, and still orders the systems. */
  g_autoptr(ArbBattleTable) table = arb_battle_table_new (3);
  ArbBtOptions options;
  ArbBtInfo info;
  double ratings[3];
  g_autoptr(GError) error = NULL;

  arb_battle_table_add (table, 0, 1, ARB_OUTCOME_A, 6);
  arb_battle_table_add (table, 0, 1, ARB_OUTCOME_B, 4);
  arb_battle_table_add (table, 2, 0, ARB_OUTCOME_A, 5);
  arb_battle_table_add (table, 2, 1, ARB_OUTCOME_A, 5);
  arb_bt_options_init (&options);
  g_assert_true (arb_bradley_terry_fit (table, &options, ratings, &info, &error));
  g_assert_no_error (error);
  g_assert_false (info.mle_exists);
  g_assert_cmpfloat (info.ridge, ==, ARB_BT_AUTO_RIDGE);
  g_assert_cmpfloat (info.gradient_norm, <, 1e-10);
  g_assert_true (isfinite (ratings[2]));
  g_assert_cmpfloat (ratings[2], >, ratings[0] + 400);
  g_assert_cmpfloat (ratings[0], >, ratings[1]);
  g_assert_cmpfloat_with_epsilon (ratings[0], 1000, 1e-9);

  /* A tie against the unbeaten system makes the MLE exist. */
  arb_battle_table_add (table, 2, 1, ARB_OUTCOME_TIE, 1);
  g_assert_true (arb_bradley_terry_fit (table, &options, ratings, &info, &error));
  g_assert_true (info.mle_exists);
  g_assert_cmpfloat (info.ridge, ==, 0);

  /* Asked for no ridge on data without an MLE: an error, never a silent wrong answer. */
  arb_battle_table_free (table);
  table = arb_battle_table_new (2);
  arb_battle_table_add (table, 0, 1, ARB_OUTCOME_A, 3);
  options.ridge = 0;
  g_assert_false (arb_bradley_terry_fit (table, &options, ratings, &info, &error));
  g_assert_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_NO_CONVERGENCE);
}

static ArbBattleTable *
random_table (guint   n_systems,
              guint   n_battles,
              guint64 seed)
{
  ArbBattleTable *table = arb_battle_table_new (n_systems);
  g_autofree double *strength = g_new (double, n_systems);
  ArbRandom rng;

  arb_random_init (&rng, seed, 0);
  for (guint i = 0; i < n_systems; i++)
    strength[i] = (i * 37 % n_systems) / (double) n_systems * 2;
  for (guint k = 0; k < n_battles; k++)
    {
      guint a = arb_random_below (&rng, n_systems);
      guint b = arb_random_below (&rng, n_systems - 1);
      double p, u = arb_random_double (&rng);

      b += b >= a;
      p = 1 / (1 + exp (-(strength[a] - strength[b])));
      if (u < 0.1)
        arb_battle_table_add (table, a, b, ARB_OUTCOME_TIE, 1);
      else
        arb_battle_table_add (table, a, b, u < 0.1 + 0.9 * p ? ARB_OUTCOME_A : ARB_OUTCOME_B, 1);
    }
  return table;
}

static void
test_bt_bootstrap (void)
{
  const guint n_sys = 8, rounds = 200;
  g_autoptr(ArbBattleTable) table = random_table (n_sys, 4000, 11);
  ArbBtOptions options;
  ArbBootstrapOptions boot;
  double ratings[8], lo1[8], hi1[8], lo2[8], hi2[8];
  g_autofree double *s1 = g_new (double, rounds * n_sys);
  g_autofree double *s2 = g_new (double, rounds * n_sys);
  g_autoptr(GError) error = NULL;

  arb_bt_options_init (&options);
  options.anchor = 3;
  g_assert_true (arb_bradley_terry_fit (table, &options, ratings, NULL, &error));
  arb_bootstrap_options_init (&boot);
  boot.rounds = rounds;
  boot.seed = 5;
  boot.n_threads = 1;
  g_assert_true (arb_bradley_terry_bootstrap (table, &options, &boot, lo1, hi1, s1, &error));
  g_assert_no_error (error);
  boot.n_threads = 3;
  g_assert_true (arb_bradley_terry_bootstrap (table, &options, &boot, lo2, hi2, s2, &error));
  g_assert_no_error (error);

  /* The thread count changes nothing, bit for bit. */
  g_assert_cmpmem (s1, rounds * n_sys * sizeof (double), s2, rounds * n_sys * sizeof (double));
  for (guint i = 0; i < n_sys; i++)
    {
      g_assert_cmpfloat (lo1[i], ==, lo2[i]);
      g_assert_cmpfloat (hi1[i], ==, hi2[i]);
      if (i == 3)
        {
          g_assert_cmpfloat (lo1[i], ==, 1000);
          g_assert_cmpfloat (hi1[i], ==, 1000);
          continue;
        }
      g_assert_cmpfloat (lo1[i], <, ratings[i]);
      g_assert_cmpfloat (hi1[i], >, ratings[i]);
      /* With 1 000 battles per system the 95 % interval is tens of points wide, not hundreds. */
      g_assert_cmpfloat (hi1[i] - lo1[i], >, 10);
      g_assert_cmpfloat (hi1[i] - lo1[i], <, 200);
    }
  /* Another seed, other rounds. */
  boot.seed = 6;
  g_assert_true (arb_bradley_terry_bootstrap (table, &options, &boot, lo2, hi2, s2, &error));
  g_assert_true (memcmp (s1, s2, rounds * n_sys * sizeof (double)) != 0);

  /* Every round is solved to the tolerance: refit round 0's ratings' gradient via the public
   * API is not possible, but a round's ratings must keep the anchor at exactly 1000. */
  for (guint b = 0; b < rounds; b++)
    g_assert_cmpfloat (s1[b * n_sys + 3], ==, 1000);
}

/* A system with one battle is missing from about e⁻¹ of the rounds: its samples there are NaN,
 * and its bounds come from the rounds where it played. */
static void
test_bt_bootstrap_absent (void)
{
  const guint rounds = 300;
  g_autoptr(ArbBattleTable) table = random_table (4, 2000, 8);
  g_autofree double *samples = g_new (double, rounds * 5);
  g_autoptr(ArbBattleTable) wide = arb_battle_table_new (5);
  ArbBootstrapOptions boot;
  double lo[5], hi[5];
  guint absent = 0;
  g_autoptr(GError) error = NULL;

  for (guint k = 0; k < arb_battle_table_get_n_pairs (table); k++)
    {
      guint a, b;
      guint64 c[3];

      arb_battle_table_get_pair (table, k, &a, &b, c);
      for (int o = 0; o < 3; o++)
        arb_battle_table_add (wide, a, b, o, c[o]);
    }
  arb_battle_table_add (wide, 4, 1, ARB_OUTCOME_TIE, 1);
  arb_bootstrap_options_init (&boot);
  boot.rounds = rounds;
  g_assert_true (arb_bradley_terry_bootstrap (wide, NULL, &boot, lo, hi, samples, &error));
  g_assert_no_error (error);
  for (guint b = 0; b < rounds; b++)
    {
      absent += isnan (samples[b * 5 + 4]);
      g_assert_false (isnan (samples[b * 5 + 1]));
    }
  g_test_message ("system 4 absent from %u of %u rounds", absent, rounds);
  g_assert_cmpuint (absent, >, rounds / 5);
  g_assert_cmpuint (absent, <, rounds / 2);
  g_assert_true (isfinite (lo[4]) && isfinite (hi[4]));
  g_assert_cmpfloat (lo[4], <=, hi[4]);
}

static void
test_bt_bootstrap_cancel (void)
{
  g_autoptr(ArbBattleTable) table = random_table (5, 500, 2);
  ArbBootstrapOptions boot;
  double lo[5], hi[5];
  gint cancel = 1;
  g_autoptr(GError) error = NULL;

  arb_bootstrap_options_init (&boot);
  boot.cancel = &cancel;
  g_assert_false (arb_bradley_terry_bootstrap (table, NULL, &boot, lo, hi, NULL, &error));
  g_assert_error (error, ARB_EVAL_ERROR, ARB_EVAL_ERROR_CANCELLED);
}

static void
test_elo (void)
{
  /* Two battles by hand: from 1000/1000, a wins: e = ½, a += 4·½ = 1002, b = 998. Then a tie:
   * e_a = 1/(1 + 10^(−4/400)), a += 4(½ − e_a), b += 4(½ − e_b). */
  const ArbBattle battles[] = { { 0, 1, ARB_OUTCOME_A }, { 0, 1, ARB_OUTCOME_TIE } };
  double r[2], ea = 1 / (1 + pow (10, -4.0 / 400)), eb = 1 - ea;

  g_assert_true (arb_elo_online (battles, 2, 2, NULL, r));
  g_assert_cmpfloat_with_epsilon (r[0], 1002 + 4 * (0.5 - ea), 1e-12);
  g_assert_cmpfloat_with_epsilon (r[1], 998 + 4 * (0.5 - eb), 1e-12);
  g_assert_false (arb_elo_online (battles, 2, 1, NULL, r));
}

static void
test_random (void)
{
  ArbRandom a, b;
  const double w[] = { 1, 0, 3, 0.5, 10, 0 };
  guint64 counts[6], total = 0;
  double sum = 0, ss = 0;
  const guint draws = 20000;

  /* Streams are reproducible and distinct. */
  arb_random_init (&a, 1, 7);
  arb_random_init (&b, 1, 7);
  g_assert_cmpuint (arb_random_next (&a), ==, arb_random_next (&b));
  arb_random_init (&b, 1, 8);
  g_assert_cmpuint (arb_random_next (&a), !=, arb_random_next (&b));

  /* Binomial(1000, 0.3) on the BTRS path: mean 300, variance 210. */
  for (guint i = 0; i < draws; i++)
    {
      double k = (double) arb_random_binomial (&a, 1000, 0.3);
      sum += k;
      ss += k * k;
    }
  sum /= draws;
  ss = ss / draws - sum * sum;
  g_assert_cmpfloat (fabs (sum - 300), <, 0.5);
  g_assert_cmpfloat (fabs (ss - 210), <, 10);
  /* Binomial(40, 0.1) on the inversion path: mean 4, variance 3.6. */
  sum = ss = 0;
  for (guint i = 0; i < draws; i++)
    {
      double k = (double) arb_random_binomial (&a, 40, 0.1);
      sum += k;
      ss += k * k;
    }
  sum /= draws;
  ss = ss / draws - sum * sum;
  g_assert_cmpfloat (fabs (sum - 4), <, 0.1);
  g_assert_cmpfloat (fabs (ss - 3.6), <, 0.25);
  g_assert_cmpuint (arb_random_binomial (&a, 10, 1.0), ==, 10);
  g_assert_cmpuint (arb_random_binomial (&a, 10, 0.0), ==, 0);

  /* Multinomial: sums to n, never draws a zero-weight cell. */
  arb_random_multinomial (&a, 100000, w, 6, counts);
  for (guint i = 0; i < 6; i++)
    total += counts[i];
  g_assert_cmpuint (total, ==, 100000);
  g_assert_cmpuint (counts[1], ==, 0);
  g_assert_cmpuint (counts[5], ==, 0);
  g_assert_cmpfloat (fabs (counts[4] / 100000.0 - 10 / 14.5), <, 0.01);

  /* below() stays below. */
  for (guint i = 0; i < 1000; i++)
    g_assert_cmpuint (arb_random_below (&a, 3), <, 3);
}

/* The Poissonised sampler against the multinomial's moments: E = n·p_i, Var = n·p_i(1 − p_i),
 * and every draw sums to n exactly. Both paths: n ≥ 1 000 (Poisson + alias) and n < 1 000. */
static void
check_sampler (guint64 n)
{
  const double w[] = { 5, 0, 1, 20, 0.2, 73.8 };
  const guint draws = 4000;
  g_autoptr(ArbMultinomial) sampler = arb_multinomial_new (n, w, G_N_ELEMENTS (w));
  double mean[6] = { 0 }, sq[6] = { 0 };
  guint64 counts[6];
  ArbRandom rng;

  arb_random_init (&rng, 99, n);
  for (guint d = 0; d < draws; d++)
    {
      guint64 total = 0;

      arb_multinomial_draw (sampler, &rng, counts);
      for (guint i = 0; i < 6; i++)
        {
          total += counts[i];
          mean[i] += counts[i];
          sq[i] += (double) counts[i] * counts[i];
        }
      g_assert_cmpuint (total, ==, n);
      g_assert_cmpuint (counts[1], ==, 0);
    }
  for (guint i = 0; i < 6; i++)
    {
      double p = w[i] / 100, m = mean[i] / draws, var = sq[i] / draws - m * m;
      double expected_var = n * p * (1 - p);

      /* The mean of 4 000 draws is within 5 standard errors; the variance within 15 %. */
      g_assert_cmpfloat (fabs (m - n * p), <=, 5 * sqrt (expected_var / draws) + 1e-9);
      if (expected_var > 0)
        g_assert_cmpfloat (fabs (var / expected_var - 1), <, 0.15);
    }
}

static void
test_multinomial_sampler (void)
{
  check_sampler (100000);
  check_sampler (500);
}

/* Two systems, no ties, N = 10 000 battles at p = 0.7: the bootstrap spread of the rating
 * difference 400·log10(p̂/(1 − p̂)) is, by the delta method, 400/ln 10 / √(N·p(1 − p)) = 3.79. */
static void
test_bt_bootstrap_spread (void)
{
  const guint rounds = 1000;
  g_autoptr(ArbBattleTable) table = arb_battle_table_new (2);
  g_autofree double *samples = g_new (double, rounds * 2);
  ArbBootstrapOptions boot;
  double lo[2], hi[2], mean = 0, var = 0, expected = 400 / G_LN10 / sqrt (10000 * 0.7 * 0.3);

  arb_battle_table_add (table, 0, 1, ARB_OUTCOME_B, 7000);
  arb_battle_table_add (table, 0, 1, ARB_OUTCOME_A, 3000);
  arb_bootstrap_options_init (&boot);
  boot.rounds = rounds;
  g_assert_true (arb_bradley_terry_bootstrap (table, NULL, &boot, lo, hi, samples, NULL));
  for (guint b = 0; b < rounds; b++)
    mean += samples[2 * b + 1] / rounds;
  for (guint b = 0; b < rounds; b++)
    var += (samples[2 * b + 1] - mean) * (samples[2 * b + 1] - mean) / (rounds - 1);
  g_test_message ("bootstrap sd %.3f, delta method %.3f", sqrt (var), expected);
  g_assert_cmpfloat (fabs (sqrt (var) / expected - 1), <, 0.1);
  g_assert_cmpfloat (fabs (mean - (1000 + 400 * log10 (7.0 / 3))), <, 1);
  /* The 95 % interval is about ±1.96 sd. */
  g_assert_cmpfloat (fabs ((hi[1] - lo[1]) / (2 * 1.96 * expected) - 1), <, 0.15);
}

static void
test_quantile (void)
{
  /* NumPy: np.quantile([1, 2, 3, 4], 0.25) = 1.75; NaNs ignored. */
  double v[] = { 4, NA, 1, 3, 2 };
  double w[] = { 4, NA, 1, 3, 2 };

  g_assert_cmpfloat_with_epsilon (arb_quantile (v, 5, 0.25), 1.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (arb_quantile (w, 5, 1.0), 4, 1e-12);
  g_assert_true (isnan (arb_quantile ((double[]) { NA }, 1, 0.5)));

  /* Several quantiles of values with NaNs: the NaNs never come back as stale values. */
  {
    double x[] = { 10, NA, NA, 0, 5, NA }, qs[] = { 0, 0.5, 1 }, out[3];

    arb_quantiles (x, 6, qs, 3, out);
    g_assert_cmpfloat (out[0], ==, 0);
    g_assert_cmpfloat (out[1], ==, 5);
    g_assert_cmpfloat (out[2], ==, 10);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/arbiter/eval/ratings/win-rate", test_win_rate);
  g_test_add_func ("/arbiter/eval/ratings/win-rate-by-length", test_win_rate_by_length);
  g_test_add_func ("/arbiter/eval/ratings/both-orders", test_both_orders);
  g_test_add_func ("/arbiter/eval/ratings/bt-two-systems", test_bt_two_systems);
  g_test_add_func ("/arbiter/eval/ratings/bt-unbeaten", test_bt_unbeaten);
  g_test_add_func ("/arbiter/eval/ratings/bt-bootstrap", test_bt_bootstrap);
  g_test_add_func ("/arbiter/eval/ratings/bt-bootstrap-absent", test_bt_bootstrap_absent);
  g_test_add_func ("/arbiter/eval/ratings/bt-bootstrap-cancel", test_bt_bootstrap_cancel);
  g_test_add_func ("/arbiter/eval/ratings/elo", test_elo);
  g_test_add_func ("/arbiter/eval/ratings/random", test_random);
  g_test_add_func ("/arbiter/eval/ratings/quantile", test_quantile);
  g_test_add_func ("/arbiter/eval/ratings/multinomial-sampler", test_multinomial_sampler);
  g_test_add_func ("/arbiter/eval/ratings/bt-bootstrap-spread", test_bt_bootstrap_spread);

  return g_test_run ();
}
