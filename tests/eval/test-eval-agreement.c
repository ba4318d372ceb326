/* test-eval-agreement.c: agreement, accuracy against gold, order statistics, RM accuracy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The oracles are published numbers: Krippendorff's own worked example, the PandaLM test set's
 * README and LLMBar's statistics.json files (read here with json-c; eval/ itself does no I/O).
 */
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "arb-eval.h"

#define NA NAN

static const char *
shared_data (void)
{
  const char *dir = g_getenv ("ARB_SHARED_DATA");
  return dir ? dir : ARB_TEST_SRCDIR "/../../../shared/data";
}

static json_object *
read_json (const char *relative)
{
  g_autofree char *path = g_build_filename (shared_data (), relative, NULL);
  json_object *root = json_object_from_file (path);

  if (root == NULL)
    g_error ("cannot read %s: %s", path, json_util_get_last_err ());
  return root;
}

/* Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
 * twelve units, values 1-5, with missing values; published α: nominal 0.743, ordinal 0.815,
 * interval 0.849. */
static void
test_krippendorff_example (void)
{
  const double data[4 * 12] = {
    1,  2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA,
    1,  2, 3, 3, 2, 2, 4, 1, 2, 5,  NA, 3,
    NA, 3, 3, 3, 2, 3, 4, 2, 2, 5,  1,  NA,
    1,  2, 3, 3, 2, 4, 4, 1, 2, 5,  1,  NA,
  };
  double nominal = arb_krippendorff_alpha (data, 4, 12, ARB_ALPHA_NOMINAL);
  double ordinal = arb_krippendorff_alpha (data, 4, 12, ARB_ALPHA_ORDINAL);
  double interval = arb_krippendorff_alpha (data, 4, 12, ARB_ALPHA_INTERVAL);

  g_test_message ("alpha nominal %.6f ordinal %.6f interval %.6f", nominal, ordinal, interval);
  g_assert_cmpfloat_with_epsilon (nominal, 0.743, 0.0005);
  g_assert_cmpfloat_with_epsilon (ordinal, 0.815, 0.0005);
  g_assert_cmpfloat_with_epsilon (interval, 0.849, 0.0005);
}

/* Small cases computed by hand. */
static void
test_krippendorff_small (void)
{
  /* Perfect agreement: α = 1. Two coders, three units, one missing. */
  const double same[2 * 3] = { 1, 2, 3, 1, 2, NA };
  /* Two coders who always disagree on binary values: units (0,1), (1,0). o_01 = o_10 = 2,
   * n_0 = n_1 = 2, n = 4: α = 1 − 3·4 / (2·2 + 2·2) = −0.5. */
  const double opposite[2 * 2] = { 0, 1, 1, 0 };
  /* Only one value per unit: nothing pairable. */
  const double lonely[2 * 2] = { 1, NA, NA, 2 };

  g_assert_cmpfloat_with_epsilon (arb_krippendorff_alpha (same, 2, 3, ARB_ALPHA_NOMINAL), 1,
                                  1e-12);
  g_assert_cmpfloat_with_epsilon (arb_krippendorff_alpha (opposite, 2, 2, ARB_ALPHA_NOMINAL),
                                  -0.5, 1e-12);
  g_assert_true (isnan (arb_krippendorff_alpha (lonely, 2, 2, ARB_ALPHA_INTERVAL)));
}

static void
test_cohen_small (void)
{
  /* 10 items, two raters, yes (1) / no (0):
   *   both yes 4, x yes y no 2, x no y yes 1, both no 3.
   * p_o = 0.7; p_x(yes) = 0.6, p_y(yes) = 0.5: p_e = 0.3 + 0.2 = 0.5; κ = 0.2 / 0.5 = 0.4. */
  const int x[] = { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, -1 };
  const int y[] = { 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1 };
  guint used;
  ArbPercentAgreement pa;

  g_assert_cmpfloat_with_epsilon (arb_cohen_kappa (x, y, G_N_ELEMENTS (x), &used), 0.4, 1e-12);
  g_assert_cmpuint (used, ==, 10);
  /* Identical constant labels: p_e = 1, κ undefined. */
  g_assert_true (isnan (arb_cohen_kappa ((int[]) { 2, 2 }, (int[]) { 2, 2 }, 2, NULL)));

  /* With 0 as the tie label: items without a 0 from either are the 4 both-yes: all agree. */
  g_assert_true (arb_percent_agreement (x, y, G_N_ELEMENTS (x), 0, &pa));
  g_assert_cmpfloat_with_epsilon (pa.agreement, 0.7, 1e-12);
  g_assert_cmpuint (pa.n, ==, 10);
  g_assert_cmpuint (pa.n_without_ties, ==, 4);
  g_assert_cmpfloat_with_epsilon (pa.agreement_without_ties, 1.0, 1e-12);
}

static void
test_fleiss_small (void)
{
  /* Fleiss (1971)-style case, 4 items × 3 raters, categories 0..2:
   *   (0,0,0) P=1; (0,0,1) P=1/3; (1,1,2) P=1/3; (2,2,2) P=1.  P̄ = 2/3.
   *   counts: 0 → 5, 1 → 3, 2 → 4 of 12: P_e = (25 + 9 + 16)/144 = 50/144.
   *   κ = (2/3 − 50/144) / (1 − 50/144) = (96 − 50) / (144 − 50) = 46/94. */
  const int labels[] = { 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2 };
  /* One more item with a single label is left out. */
  const int with_lonely[] = { 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, -1, 1, -1 };
  guint used;

  g_assert_cmpfloat_with_epsilon (arb_fleiss_kappa (labels, 4, 3, &used), 46.0 / 94, 1e-12);
  g_assert_cmpuint (used, ==, 4);
  g_assert_cmpfloat_with_epsilon (arb_fleiss_kappa (with_lonely, 5, 3, &used), 46.0 / 94, 1e-12);
  g_assert_cmpuint (used, ==, 4);
}

static int
pandalm_pick (json_object *v)
{
  /* Human labels and pandalm_result: 1 = response1, 2 = response2, 0 = tie.
   * gpt_result: "1", "2", "Tie" or "garbage". */
  if (json_object_is_type (v, json_type_int))
    {
      int x = json_object_get_int (v);
      return x == 1 ? ARB_PICK_A : x == 2 ? ARB_PICK_B : ARB_PICK_TIE;
    }
  else
    {
      const char *s = json_object_get_string (v);
      if (g_str_equal (s, "1"))
        return ARB_PICK_A;
      if (g_str_equal (s, "2"))
        return ARB_PICK_B;
      if (g_str_equal (s, "Tie"))
        return ARB_PICK_TIE;
      return ARB_PICK_FAILED;
    }
}

static void
test_pandalm_readme (void)
{
  json_object *humans = read_json ("pandalm_testset/data/testset-v1.first200.json");
  json_object *gpt = read_json ("pandalm_testset/data/gpt-3.5-turbo-testset-v1.first200.json");
  json_object *panda = read_json ("pandalm_testset/data/pandalm-7b-testset-v1.first200.json");
  gsize n = json_object_array_length (humans);
  g_autofree int *a = g_new (int, n * 3);
  g_autofree int *r1 = g_new (int, n), *r2 = g_new (int, n), *r3 = g_new (int, n);
  g_autofree int *majority = g_new (int, n), *g = g_new (int, n), *p = g_new (int, n);
  double k12, k13, k23, fleiss;
  ArbAccuracy acc;
  guint count[3] = { 0 };

  g_assert_cmpuint (n, ==, 200);
  for (gsize i = 0; i < n; i++)
    {
      json_object *item = json_object_array_get_idx (humans, i), *v;

      for (int r = 0; r < 3; r++)
        {
          char key[16];
          g_snprintf (key, sizeof key, "annotator%d", r + 1);
          g_assert_true (json_object_object_get_ex (item, key, &v));
          a[i * 3 + r] = pandalm_pick (v);
        }
      r1[i] = a[i * 3];
      r2[i] = a[i * 3 + 1];
      r3[i] = a[i * 3 + 2];
      /* The judge files are in the same idx order. */
      g_assert_true (json_object_object_get_ex (json_object_array_get_idx (gpt, i),
                                                "gpt_result", &v));
      g[i] = pandalm_pick (v);
      g_assert_true (json_object_object_get_ex (json_object_array_get_idx (panda, i),
                                                "pandalm_result", &v));
      p[i] = pandalm_pick (v);
    }

  k12 = arb_cohen_kappa (r1, r2, n, NULL);
  k13 = arb_cohen_kappa (r1, r3, n, NULL);
  k23 = arb_cohen_kappa (r2, r3, n, NULL);
  fleiss = arb_fleiss_kappa (a, n, 3, NULL);
  g_test_message ("PandaLM: kappa a1-a2 %.6f a1-a3 %.6f a2-a3 %.6f fleiss %.6f",
                  k12, k13, k23, fleiss);
  /* The README: 0.9110, 0.8792, 0.8885 and Fleiss 0.8928, to four decimals. */
  g_assert_cmpfloat_with_epsilon (k12, 0.9110, 0.00005);
  g_assert_cmpfloat_with_epsilon (k13, 0.8792, 0.00005);
  g_assert_cmpfloat_with_epsilon (k23, 0.8885, 0.00005);
  g_assert_cmpfloat_with_epsilon (fleiss, 0.8928, 0.00005);

  /* Majority labels: 2 → 90, 1 → 81, 0 → 29; every item has one. */
  g_assert_cmpuint (arb_majority_labels (a, n, 3, majority), ==, 200);
  for (gsize i = 0; i < n; i++)
    count[majority[i]]++;
  g_assert_cmpuint (count[ARB_PICK_B], ==, 90);
  g_assert_cmpuint (count[ARB_PICK_A], ==, 81);
  g_assert_cmpuint (count[ARB_PICK_TIE], ==, 29);

  /* Judges against the majority: gpt 0.680 (Tie ≡ 0, garbage wrong), PandaLM-7B 0.695. */
  arb_accuracy (g, majority, n, ARB_FAILED_WRONG, &acc);
  g_assert_cmpuint (acc.n, ==, 200);
  g_assert_cmpuint (acc.n_correct, ==, 136);
  arb_accuracy (g, majority, n, ARB_FAILED_DROP, &acc);
  g_assert_cmpuint (acc.n, ==, 196);
  arb_accuracy (p, majority, n, ARB_FAILED_WRONG, &acc);
  g_assert_cmpfloat_with_epsilon (acc.accuracy, 0.695, 1e-12);

  json_object_put (humans);
  json_object_put (gpt);
  json_object_put (panda);
}

static int
llmbar_pick (json_object *v)
{
  const char *s;

  if (v == NULL || json_object_is_type (v, json_type_null))
    return ARB_PICK_FAILED;
  s = json_object_get_string (v);
  return g_str_equal (s, "1") ? ARB_PICK_A : g_str_equal (s, "2") ? ARB_PICK_B : ARB_PICK_FAILED;
}

/* "95 / 100 = 95.0%" → 95 */
static guint
llmbar_count (json_object *stats,
              const char  *key)
{
  json_object *v;

  g_assert_true (json_object_object_get_ex (stats, key, &v));
  return (guint) g_ascii_strtoull (json_object_get_string (v), NULL, 10);
}

static void
test_llmbar_statistics (void)
{
  const char *judges[] = { "GPT-4", "PaLM2", "Falcon" };

  for (guint j = 0; j < G_N_ELEMENTS (judges); j++)
    {
      g_autofree char *rp = g_strdup_printf ("llmbar/Dataset/LLMBar/Natural/evaluators/%s/Vanilla/"
                                             "result.json", judges[j]);
      g_autofree char *sp = g_strdup_printf ("llmbar/Dataset/LLMBar/Natural/evaluators/%s/Vanilla/"
                                             "statistics.json", judges[j]);
      json_object *result = read_json (rp), *stats = read_json (sp), *v;
      gsize n = json_object_array_length (result);
      g_autofree int *first = g_new (int, n), *second = g_new (int, n), *gold = g_new (int, n);
      g_autofree int *picks = g_new (int, 2 * n), *presented = g_new (int, 2 * n);
      ArbOrderAccuracy oa;
      ArbPositionBias pb;
      double average;

      for (gsize i = 0; i < n; i++)
        {
          json_object *item = json_object_array_get_idx (result, i), *res, *order;

          g_assert_true (json_object_object_get_ex (item, "label", &v));
          gold[i] = json_object_get_int (v) == 1 ? ARB_PICK_A : ARB_PICK_B;
          g_assert_true (json_object_object_get_ex (item, "results", &res));
          res = json_object_array_get_idx (res, 0);
          g_assert_true (json_object_object_get_ex (res, "swap = False", &order));
          json_object_object_get_ex (order, "winner", &v);
          first[i] = llmbar_pick (v);
          g_assert_true (json_object_object_get_ex (res, "swap = True", &order));
          json_object_object_get_ex (order, "winner", &v);
          second[i] = llmbar_pick (v);
          picks[2 * i] = first[i];
          presented[2 * i] = ARB_PRESENTED_AB;
          picks[2 * i + 1] = second[i];
          presented[2 * i + 1] = ARB_PRESENTED_BA;
        }
      /* LLMBar counts an unparseable order as not correct. */
      arb_order_accuracy (first, second, gold, n, ARB_FAILED_WRONG, &oa);
      g_test_message ("LLMBar %s: correct %u / %u, %u / %u, both %u, equal %u / %u", judges[j],
                      oa.first.n_correct, oa.first.n, oa.second.n_correct, oa.second.n,
                      oa.both.n_correct, oa.n_consistent, oa.n_pairs);
      g_assert_cmpuint (oa.first.n, ==, n);
      g_assert_cmpuint (oa.first.n_correct, ==, llmbar_count (stats, "correct_False"));
      g_assert_cmpuint (oa.second.n_correct, ==, llmbar_count (stats, "correct_True"));
      g_assert_cmpuint (oa.both.n_correct, ==, llmbar_count (stats, "correct_both"));
      g_assert_cmpuint (oa.n_consistent, ==, llmbar_count (stats, "equal"));
      g_assert_cmpuint (oa.n_pairs, ==, n);
      g_assert_true (json_object_object_get_ex (stats, "correct_average", &v));
      average = g_ascii_strtod (json_object_get_string (v), NULL);
      g_assert_cmpfloat_with_epsilon (100 * oa.accuracy_average, average, 1e-9);

      arb_first_position_rate (picks, presented, 2 * n, &pb);
      if (g_str_equal (judges[j], "Falcon"))
        {
          ArbPositionBias one;

          /* The README: Falcon picks the first-shown output 69/100 and 79/100. */
          arb_first_position_rate (first, presented, n, &one);  /* presented[0..] alternate */
          g_assert_cmpuint (pb.n_first, ==, 69 + 79);
          g_assert_cmpuint (pb.n_first + pb.n_second, ==, 200);
          g_assert_cmpfloat_with_epsilon (pb.rate, 0.74, 1e-12);
        }
      if (g_str_equal (judges[j], "PaLM2"))
        g_assert_cmpuint (pb.n_failed, ==, 4);
      json_object_put (result);
      json_object_put (stats);
    }
}

static void
test_order_conventions (void)
{
  /* Two failed orders agree; a failed and a given pick do not; --failed drop leaves the item
   * out of the accuracies but not out of the consistency. */
  const int first[] = { ARB_PICK_FAILED, ARB_PICK_FAILED, ARB_PICK_A, ARB_PICK_B };
  const int second[] = { ARB_PICK_FAILED, ARB_PICK_A, ARB_PICK_A, ARB_PICK_A };
  const int gold[] = { ARB_PICK_A, ARB_PICK_A, ARB_PICK_A, ARB_PICK_A };
  ArbOrderAccuracy oa;

  arb_order_accuracy (first, second, gold, 4, ARB_FAILED_DROP, &oa);
  g_assert_cmpuint (oa.n_pairs, ==, 4);
  g_assert_cmpuint (oa.n_consistent, ==, 2);
  g_assert_cmpuint (oa.first.n, ==, 2);
  g_assert_cmpuint (oa.first.n_correct, ==, 1);
  g_assert_cmpuint (oa.second.n, ==, 3);
  g_assert_cmpuint (oa.second.n_correct, ==, 3);
  g_assert_cmpuint (oa.both.n, ==, 2);
  g_assert_cmpuint (oa.both.n_correct, ==, 1);

  arb_order_accuracy (first, second, gold, 4, ARB_FAILED_TIE, &oa);
  g_assert_cmpuint (oa.both.n, ==, 4);
  g_assert_cmpuint (oa.first.n_correct, ==, 1);
}

static void
test_apply_failed (void)
{
  int picks[] = { ARB_PICK_A, ARB_PICK_FAILED, ARB_PICK_MISSING, ARB_PICK_FAILED };
  int other[] = { ARB_PICK_A, ARB_PICK_FAILED, ARB_PICK_B, ARB_PICK_TIE };
  int p1[4], p2[4];
  ArbPercentAgreement pa;

  /* wrong: failed is its own category; two failed agree, failed vs tie does not. */
  memcpy (p1, picks, sizeof picks);
  memcpy (p2, other, sizeof other);
  arb_picks_apply_failed (p1, 4, ARB_FAILED_WRONG);
  arb_picks_apply_failed (p2, 4, ARB_FAILED_WRONG);
  g_assert_cmpint (p1[1], ==, ARB_PICK_FAILED_CATEGORY);
  g_assert_true (arb_percent_agreement (p1, p2, 4, ARB_PICK_TIE, &pa));
  g_assert_cmpuint (pa.n, ==, 3);
  g_assert_cmpfloat_with_epsilon (pa.agreement, 2.0 / 3, 1e-12);
  /* tie: the last item agrees now. */
  memcpy (p1, picks, sizeof picks);
  arb_picks_apply_failed (p1, 4, ARB_FAILED_TIE);
  g_assert_cmpint (p1[3], ==, ARB_PICK_TIE);
  /* drop: missing. */
  memcpy (p1, picks, sizeof picks);
  arb_picks_apply_failed (p1, 4, ARB_FAILED_DROP);
  g_assert_cmpint (p1[1], ==, ARB_PICK_MISSING);
}

static void
test_reward_accuracy (void)
{
  /* Category 0: correct, equal (wrong), wrong; category 1: correct, correct, failed. */
  const double chosen[] = { 2.0, 1.0, 0.0, 5.0, 1.5, NA };
  const double rejected[] = { 1.0, 1.0, 3.0, -1.0, 1.4, 0.0 };
  const guint cats[] = { 0, 0, 0, 1, 1, 1 };
  ArbAccuracy per[2], all;
  double macro;

  g_assert_true (arb_reward_accuracy (chosen, rejected, cats, 6, 2, ARB_FAILED_DROP, per, &all,
                                      &macro));
  g_assert_cmpuint (per[0].n_correct, ==, 1);
  g_assert_cmpuint (per[0].n, ==, 3);
  g_assert_cmpuint (per[1].n_correct, ==, 2);
  g_assert_cmpuint (per[1].n, ==, 2);
  /* Weighted by size: (1/3·3 + 1·2) / 5 = 3/5. Macro: (1/3 + 1)/2. */
  g_assert_cmpfloat_with_epsilon (all.accuracy, 0.6, 1e-12);
  g_assert_cmpfloat_with_epsilon (macro, 2.0 / 3, 1e-12);

  g_assert_true (arb_reward_accuracy (chosen, rejected, cats, 6, 2, ARB_FAILED_WRONG, per, &all,
                                      NULL));
  g_assert_cmpuint (per[1].n, ==, 3);
  g_assert_cmpfloat_with_epsilon (all.accuracy, 0.5, 1e-12);
  g_assert_false (arb_reward_accuracy (chosen, rejected, (guint[]) { 0, 0, 0, 0, 0, 2 }, 6, 2,
                                       ARB_FAILED_DROP, NULL, NULL, NULL));
}

static void
test_paired_bootstrap (void)
{
  const guint n = 400;
  g_autofree double *x = g_new (double, n), *y = g_new (double, n);
  ArbBootstrapOptions options;
  ArbPairedTest better, same, again;
  ArbRandom rng;

  arb_random_init (&rng, 7, 0);
  for (guint i = 0; i < n; i++)
    {
      /* X beats the baseline 65 % of the time, Y 50 %, on the same prompts. */
      x[i] = arb_random_double (&rng) < 0.65 ? 1 : 0;
      y[i] = arb_random_double (&rng) < 0.50 ? 1 : 0;
    }
  arb_bootstrap_options_init (&options);
  options.seed = 42;
  g_assert_true (arb_paired_bootstrap (x, y, n, &options, &better, NULL));
  g_assert_cmpfloat (better.difference, >, 0.05);
  g_assert_cmpfloat (better.p_value, <, 0.01);
  g_assert_cmpfloat (better.ci_low, >, 0);
  g_assert_cmpfloat (better.ci_low, <, better.difference);
  g_assert_cmpfloat (better.ci_high, >, better.difference);
  /* X against itself: difference 0 in every round, so p = 1. */
  g_assert_true (arb_paired_bootstrap (x, x, n, &options, &same, NULL));
  g_assert_cmpfloat (same.difference, ==, 0);
  g_assert_cmpfloat (same.p_value, ==, 1);
  /* Y against X: not better. */
  g_assert_true (arb_paired_bootstrap (y, x, n, &options, &again, NULL));
  g_assert_cmpfloat (again.p_value, >, 0.99);
  /* Same seed, same answer. */
  g_assert_true (arb_paired_bootstrap (x, y, n, &options, &again, NULL));
  g_assert_cmpfloat (again.ci_low, ==, better.ci_low);
  g_assert_cmpfloat (again.p_value, ==, better.p_value);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/arbiter/eval/agreement/krippendorff-example", test_krippendorff_example);
  g_test_add_func ("/arbiter/eval/agreement/krippendorff-small", test_krippendorff_small);
  g_test_add_func ("/arbiter/eval/agreement/cohen-small", test_cohen_small);
  g_test_add_func ("/arbiter/eval/agreement/fleiss-small", test_fleiss_small);
  g_test_add_func ("/arbiter/eval/agreement/pandalm-readme", test_pandalm_readme);
  g_test_add_func ("/arbiter/eval/agreement/llmbar-statistics", test_llmbar_statistics);
  g_test_add_func ("/arbiter/eval/agreement/order-conventions", test_order_conventions);
  g_test_add_func ("/arbiter/eval/agreement/apply-failed", test_apply_failed);
  g_test_add_func ("/arbiter/eval/agreement/reward-accuracy", test_reward_accuracy);
  g_test_add_func ("/arbiter/eval/agreement/paired-bootstrap", test_paired_bootstrap);

  return g_test_run ();
}
