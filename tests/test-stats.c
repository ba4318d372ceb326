/* test-stats.c: arbiter-cli stats and agreement, on the real samples and on a made-up workspace
 * whose numbers are worked out here by hand (suite core)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json.h>

#include "arb-json-reader.h"
#include "arb-test-util.h"

#define RUN(run, ...) \
  G_STMT_START { \
    const char *args_[] = { __VA_ARGS__, NULL }; \
    arb_test_run_cliv ((run), args_); \
  } G_STMT_END

static json_object *
parse_json (const char *text)
{
  json_object *o = json_tokener_parse (text);

  if (o == NULL)
    g_error ("not JSON: %s", text);
  return o;
}

static json_object *
find_by (json_object *array,
         const char  *key,
         const char  *value)
{
  for (size_t i = 0; i < json_object_array_length (array); i++)
    {
      json_object *o = json_object_array_get_idx (array, i), *v;

      if (json_object_object_get_ex (o, key, &v) && g_strcmp0 (json_object_get_string (v), value) == 0)
        return o;
    }
  g_error ("no element with %s = %s", key, value);
  return NULL;
}

static double
get_double (json_object *o,
            const char  *key)
{
  json_object *v;

  g_assert_true (json_object_object_get_ex (o, key, &v));
  return v == NULL ? NAN : json_object_get_double (v);
}

static gint64
get_int (json_object *o,
         const char  *key)
{
  json_object *v;

  g_assert_true (json_object_object_get_ex (o, key, &v));
  g_assert_nonnull (v);
  return json_object_get_int64 (v);
}

static void
import_files (const char         *ws,
              const char * const *files)
{
  g_auto(ArbTestRun) run = { 0 };
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;

  RUN (&run, "init", ws);
  g_assert_cmpint (run.status, ==, 0);
  g_strv_builder_add_many (b, "import", ws, NULL);
  g_strv_builder_addv (b, (const char **) files);
  args = g_strv_builder_end (b);
  arb_test_run_cliv (&run, (const char * const *) args);
  g_assert_cmpint (run.status, ==, 0);
}

/* PandaLM's README: Cohen's κ 0.9110 / 0.8792 / 0.8885 between its annotators, Fleiss' κ 0.8928. */
static void
test_pandalm_kappas (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = g_build_filename (dir, "p.arbiter", NULL);
  g_autofree char *data = g_build_filename (arb_test_shared_data (), "pandalm_testset", "data", NULL);
  g_autofree char *f1 = g_build_filename (data, "testset-v1.first200.json", NULL);
  g_autofree char *f2 = g_build_filename (data, "gpt-3.5-turbo-testset-v1.first200.json", NULL);
  g_autofree char *f3 = g_build_filename (data, "pandalm-7b-testset-v1.first200.json", NULL);
  const char *files[] = { f1, f2, f3, NULL };
  g_auto(ArbTestRun) run = { 0 };
  g_autoptr(json_object) root = NULL;
  json_object *pairs;
  static const struct { const char *a, *b; double kappa; } want[] = {
    { "pandalm/annotator1", "pandalm/annotator2", 0.9110 },
    { "pandalm/annotator1", "pandalm/annotator3", 0.8792 },
    { "pandalm/annotator2", "pandalm/annotator3", 0.8885 },
  };

  import_files (ws, files);
  RUN (&run, "agreement", ws, "--rater", "pandalm/annotator1", "--rater", "pandalm/annotator2",
       "--rater", "pandalm/annotator3", "--format", "json");
  g_assert_cmpint (run.status, ==, 0);
  root = parse_json (run.out);
  g_assert_cmpint (get_int (root, "n_items"), ==, 200);
  g_assert_cmpfloat_with_epsilon (get_double (root, "fleiss_kappa"), 0.8928, 0.00005);
  g_assert_true (json_object_object_get_ex (root, "pairs", &pairs));
  g_assert_cmpuint (json_object_array_length (pairs), ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      json_object *p = json_object_array_get_idx (pairs, i);

      g_assert_cmpstr (json_object_get_string (json_object_object_get (p, "a")), ==, want[i].a);
      g_assert_cmpstr (json_object_get_string (json_object_object_get (p, "b")), ==, want[i].b);
      g_assert_cmpfloat_with_epsilon (get_double (p, "cohen_kappa"), want[i].kappa, 0.00005);
      g_assert_cmpint (get_int (p, "n"), ==, 200);
    }

  /* The two judges, against the majority of the three people: one of the judges failed 4 times
   * (gpt-3.5-turbo's "garbage"), which --failed wrong counts and drop does not. */
  {
    g_autoptr(json_object) drop = NULL, wrong = NULL;
    json_object *raters, *gpt_drop, *gpt_wrong;

    RUN (&run, "agreement", ws, "--gold", "majority", "--format", "json");
    g_assert_cmpint (run.status, ==, 0);
    drop = parse_json (run.out);
    RUN (&run, "agreement", ws, "--gold", "majority", "--failed", "wrong", "--format", "json");
    g_assert_cmpint (run.status, ==, 0);
    wrong = parse_json (run.out);
    g_assert_cmpstr (json_object_get_string (json_object_object_get (drop, "gold")), ==,
                     "majority");
    g_assert_true (json_object_object_get_ex (drop, "raters", &raters));
    gpt_drop = find_by (raters, "rater", "pandalm/gpt-3.5-turbo");
    g_assert_true (json_object_object_get_ex (wrong, "raters", &raters));
    gpt_wrong = find_by (raters, "rater", "pandalm/gpt-3.5-turbo");
    g_assert_cmpint (get_int (gpt_drop, "n_gold") + 4, ==, get_int (gpt_wrong, "n_gold"));
    g_assert_cmpfloat (get_double (gpt_wrong, "accuracy"), <, get_double (gpt_drop, "accuracy"));
    g_assert_cmpfloat_with_epsilon (get_double (gpt_drop, "accuracy") * get_int (gpt_drop, "n_gold"),
                                    get_double (gpt_wrong, "accuracy") * get_int (gpt_wrong, "n_gold"),
                                    1e-9);
  }
  arb_test_rmdir (dir);
}

/* "71 / 100 = 71.0%" → 0.71 */
static double
fraction (json_object *stats,
          const char  *key)
{
  const char *s = json_object_get_string (json_object_object_get (stats, key));
  unsigned n = 0, d = 0;

  g_assert_cmpint (sscanf (s, "%u / %u", &n, &d), ==, 2);
  return (double) n / d;
}

/* LLMBar's statistics.json for each judge: correct_False/True (per order), correct_both and
 * equal (order consistency), with failed verdicts counting as wrong as LLMBar counts them. */
static void
test_llmbar_orders (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = g_build_filename (dir, "l.arbiter", NULL);
  g_autofree char *natural = g_build_filename (arb_test_shared_data (), "llmbar", "Dataset",
                                               "LLMBar", "Natural", NULL);
  static const char *judges[] = { "Falcon", "GPT-4", "PaLM2" };
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_auto(ArbTestRun) run = { 0 };
  g_autoptr(json_object) root = NULL;
  json_object *raters;

  g_ptr_array_add (paths, g_build_filename (natural, "dataset.json", NULL));
  for (guint i = 0; i < G_N_ELEMENTS (judges); i++)
    g_ptr_array_add (paths, g_build_filename (natural, "evaluators", judges[i], "Vanilla",
                                              "result.json", NULL));
  g_ptr_array_add (paths, NULL);
  import_files (ws, (const char * const *) paths->pdata);
  RUN (&run, "agreement", ws, "--failed", "wrong", "--format", "json");
  g_assert_cmpint (run.status, ==, 0);
  root = parse_json (run.out);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (root, "gold")), ==, "gold");
  g_assert_true (json_object_object_get_ex (root, "raters", &raters));
  for (guint i = 0; i < G_N_ELEMENTS (judges); i++)
    {
      g_autofree char *name = g_strdup_printf ("llmbar/%s/Vanilla", judges[i]);
      g_autofree char *stats_path = g_build_filename (natural, "evaluators", judges[i], "Vanilla",
                                                      "statistics.json", NULL);
      g_autoptr(json_object) stats = json_object_from_file (stats_path);
      json_object *r = find_by (raters, "rater", name);
      json_object *by = json_object_object_get (r, "accuracy_by_order");

      g_assert_nonnull (stats);
      g_assert_nonnull (by);
      g_assert_cmpfloat_with_epsilon (json_object_get_double (json_object_array_get_idx (by, 0)),
                                      fraction (stats, "correct_False"), 1e-12);
      g_assert_cmpfloat_with_epsilon (json_object_get_double (json_object_array_get_idx (by, 1)),
                                      fraction (stats, "correct_True"), 1e-12);
      g_assert_cmpfloat_with_epsilon (get_double (r, "accuracy_both_orders"),
                                      fraction (stats, "correct_both"), 1e-12);
      g_assert_cmpfloat_with_epsilon (get_double (r, "order_consistency"),
                                      fraction (stats, "equal"), 1e-12);
      g_assert_cmpint (get_int (r, "n_both_orders"), ==, 100);
    }
  arb_test_rmdir (dir);
}

/* A workspace worked out by hand: systems base, x and y on 10 prompts. */
static const double x_over_base[10] = { 1, 1, 1, 0, 0.5, 1, 0, 1, 0.7, 0.2 };

static char *
made_up_workspace (const char *dir)
{
  g_autofree char *ws = g_build_filename (dir, "m.arbiter", NULL);
  g_autoptr(GString) data = g_string_new (NULL);
  g_autofree char *path = NULL;
  const char *files[2] = { NULL, NULL };

  for (int i = 0; i < 10; i++)
    {
      g_autoptr(GString) x = g_string_new (NULL);

      /* x's texts: 20 + i code points of two bytes each (mean 24.5 → avg_length 24). */
      for (int k = 0; k < 20 + i; k++)
        g_string_append (x, "é");
      /* A reward model grades base 1 everywhere and x 2, 2, 2, 1 (equal: wrong), then 0.5. */
      g_string_append_printf (data,
                              "{\"prompt\": \"Question %d\", \"category\": \"%s\","
                              " \"responses\": [{\"system\": \"base\", \"text\": \"base answer %d\","
                              " \"grades\": [{\"rater\": \"rm\", \"score\": 1}]},"
                              " {\"system\": \"x\", \"text\": \"%s\","
                              " \"grades\": [{\"rater\": \"rm\", \"score\": %g}]},"
                              " {\"system\": \"y\", \"text\": \"y %d\"}],"
                              " \"verdicts\": ["
                              "{\"rater\": \"h1\", \"a\": 0, \"b\": 1, \"preference\": %g},"
                              "{\"rater\": \"h1\", \"a\": 2, \"b\": 0, \"winner\": \"b\"},"
                              "{\"rater\": \"g\", \"role\": \"gold\", \"a\": 0, \"b\": 1, \"winner\": \"a\"}",
                              i, i < 5 ? "easy" : "hard", i, x->str,
                              i < 3 ? 2.0 : i == 3 ? 1.0 : 0.5, i, x_over_base[i]);
      /* On the first prompt a judge in both orders, disagreeing with itself: x much better when
       * x was shown second, base better when base was shown second. */
      if (i == 0)
        g_string_append (data, ",{\"rater\": \"j\", \"kind\": \"judge\", \"a\": 0, \"b\": 1,"
                               " \"winner\": \"b\", \"strength\": 2, \"presented\": \"ab\"},"
                               "{\"rater\": \"j\", \"kind\": \"judge\", \"a\": 0, \"b\": 1,"
                               " \"winner\": \"a\", \"strength\": 1, \"presented\": \"ba\"}");
      g_string_append (data, "]}\n");
    }
  path = arb_test_write_file (dir, "m.jsonl", data->str, data->len, FALSE);
  files[0] = path;
  import_files (ws, files);
  return g_steal_pointer (&ws);
}

static void
test_leaderboard (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = made_up_workspace (dir);
  g_auto(ArbTestRun) run = { 0 };
  g_autoptr(json_object) root = NULL;
  json_object *systems, *x, *y, *base, *matrix;
  double mean = 0, var = 0;
  g_autofree char *first = NULL;

  RUN (&run, "stats", ws, "--rater", "h1", "--baseline", "base", "--format", "json");
  g_assert_cmpint (run.status, ==, 0);
  first = g_strdup (run.out);
  root = parse_json (run.out);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (root, "baseline")), ==, "base");
  g_assert_cmpint (get_int (root, "n_verdicts"), ==, 20);
  g_assert_true (json_object_object_get_ex (root, "systems", &systems));
  g_assert_cmpuint (json_object_array_length (systems), ==, 3);
  x = find_by (systems, "system", "x");
  y = find_by (systems, "system", "y");
  base = find_by (systems, "system", "base");

  /* AlpacaEval's numbers for x, by hand. */
  for (int i = 0; i < 10; i++)
    mean += x_over_base[i] / 10;
  for (int i = 0; i < 10; i++)
    var += (x_over_base[i] - mean) * (x_over_base[i] - mean) / 9;
  g_assert_cmpfloat_with_epsilon (get_double (x, "win_rate"), 64.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (get_double (x, "standard_error"), 100 * sqrt (var / 10), 1e-9);
  g_assert_cmpint (get_int (x, "n_wins"), ==, 6);
  g_assert_cmpint (get_int (x, "n_wins_base"), ==, 3);
  g_assert_cmpint (get_int (x, "n_draws"), ==, 1);
  g_assert_cmpint (get_int (x, "n_total"), ==, 10);
  g_assert_cmpfloat_with_epsilon (get_double (x, "discrete_win_rate"), 65.0, 1e-9);
  g_assert_cmpint (get_int (x, "avg_length"), ==, 24);
  g_assert_cmpfloat (get_double (x, "length_controlled_win_rate"), >, 0);
  g_assert_cmpfloat (get_double (x, "length_controlled_win_rate"), <, 100);
  g_assert_cmpfloat_with_epsilon (get_double (y, "win_rate"), 0.0, 1e-9);
  g_assert_cmpint (get_int (y, "n_wins_base"), ==, 10);

  /* Bradley-Terry: the baseline at 1000, x above, y (always beaten) below; bounds around. */
  g_assert_cmpfloat_with_epsilon (get_double (base, "rating"), 1000.0, 1e-6);
  g_assert_cmpfloat (get_double (x, "rating"), >, 1000.0);
  g_assert_cmpfloat (get_double (y, "rating"), <, get_double (x, "rating"));
  g_assert_cmpfloat (get_double (x, "ci_low"), <=, get_double (x, "rating"));
  g_assert_cmpfloat (get_double (x, "ci_high"), >=, get_double (x, "rating"));
  g_assert_cmpstr (json_object_get_string (json_object_object_get (
                     json_object_array_get_idx (systems, 0), "system")), ==, "x");
  /* The matrix: shares of wins add up to one across the diagonal. */
  g_assert_true (json_object_object_get_ex (root, "matrix", &matrix));
  {
    json_object *w = json_object_object_get (matrix, "win_rate");

    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 3; k++)
        {
          json_object *a = json_object_array_get_idx (json_object_array_get_idx (w, i), k);
          json_object *b = json_object_array_get_idx (json_object_array_get_idx (w, k), i);

          if (i == k)
            g_assert_null (a);
          else if (a != NULL)
            g_assert_cmpfloat_with_epsilon (json_object_get_double (a) + json_object_get_double (b),
                                            1.0, 1e-12);
        }
  }

  /* Win rate against length difference: the 20 preferences over base (x: 10, y: 10), in 10 bins
   * of 2 by increasing Δ; y's answers are shorter than base's, x's longer. */
  {
    json_object *bins = json_object_object_get (root, "win_rate_by_length");
    double last = -INFINITY, total = 0;

    g_assert_cmpuint (json_object_array_length (bins), ==, 10);
    for (guint i = 0; i < 10; i++)
      {
        json_object *b = json_object_array_get_idx (bins, i);

        g_assert_cmpint (get_int (b, "n"), ==, 2);
        g_assert_cmpfloat (get_double (b, "length_difference"), >=, last);
        last = get_double (b, "length_difference");
        total += get_double (b, "win_rate") * 2;
      }
    /* Its mean is the pooled win rate: (64 · 10 + 0 · 10) / 20. */
    g_assert_cmpfloat_with_epsilon (total / 20, 32.0, 1e-9);
    /* The first five bins are y's (shorter, never winning). */
    g_assert_cmpfloat_with_epsilon (get_double (json_object_array_get_idx (bins, 0), "win_rate"),
                                    0.0, 1e-12);
  }

  /* The same seed, the same output; bootstrap 0, no bounds. */
  RUN (&run, "stats", ws, "--rater", "h1", "--baseline", "base", "--format", "json");
  g_assert_cmpstr (run.out, ==, first);
  RUN (&run, "stats", ws, "--rater", "h1", "--baseline", "base", "--bootstrap", "0",
       "--format", "json");
  {
    g_autoptr(json_object) r = parse_json (run.out);

    g_assert_true (isnan (get_double (find_by (json_object_object_get (r, "systems"), "system",
                                               "x"), "ci_low")));
  }

  /* Default raters: every one but gold ones (h1 and j), so x has 12 verdicts over base. */
  RUN (&run, "stats", ws, "--baseline", "base", "--format", "json");
  {
    g_autoptr(json_object) r = parse_json (run.out);

    g_assert_cmpint (get_int (find_by (json_object_object_get (r, "systems"), "system", "x"),
                              "n_total"), ==, 12);
  }
  arb_test_rmdir (dir);
}

/* Both orders: each (two verdicts; strength 2 is three battles) or fastchat (one tie). */
static void
test_orders_rule (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = made_up_workspace (dir);
  g_auto(ArbTestRun) run = { 0 };
  g_autoptr(json_object) each = NULL, fastchat = NULL;
  json_object *x;

  RUN (&run, "stats", ws, "--rater", "j", "--baseline", "base", "--format", "json");
  g_assert_cmpint (run.status, ==, 0);
  each = parse_json (run.out);
  RUN (&run, "stats", ws, "--rater", "j", "--baseline", "base", "--orders-rule", "fastchat",
       "--format", "json");
  g_assert_cmpint (run.status, ==, 0);
  fastchat = parse_json (run.out);

  g_assert_cmpint (get_int (each, "n_battles"), ==, 4);
  x = find_by (json_object_object_get (each, "systems"), "system", "x");
  g_assert_cmpint (get_int (x, "n_total"), ==, 2);
  g_assert_cmpint (get_int (x, "n_wins"), ==, 1);
  g_assert_cmpint (get_int (x, "n_wins_base"), ==, 1);
  g_assert_cmpint (get_int (fastchat, "n_battles"), ==, 1);
  x = find_by (json_object_object_get (fastchat, "systems"), "system", "x");
  g_assert_cmpint (get_int (x, "n_total"), ==, 1);
  g_assert_cmpint (get_int (x, "n_draws"), ==, 1);
  g_assert_cmpfloat_with_epsilon (get_double (x, "win_rate"), 50.0, 1e-9);
  arb_test_rmdir (dir);
}

static void
test_formats_and_errors (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = made_up_workspace (dir);
  g_auto(ArbTestRun) run = { 0 };
  g_auto(GStrv) lines = NULL;

  RUN (&run, "stats", ws, "--rater", "h1", "--format", "csv");
  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);   /* header, 3 systems, "" */
  g_assert_true (g_str_has_prefix (lines[0], "system,rating,ci_low,ci_high,win_rate,"));
  g_assert_true (g_str_has_prefix (lines[1], "x,"));
  g_clear_pointer (&lines, g_strfreev);

  RUN (&run, "stats", ws, "--rater", "h1", "--format", "md", "--by", "category");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "### easy"));
  g_assert_nonnull (strstr (run.out, "### hard"));
  g_assert_nonnull (strstr (run.out, "| --- |"));

  /* Per category: x wins 3.5 of the 5 easy ones (1, 1, 1, 0, 0.5). */
  RUN (&run, "stats", ws, "--rater", "h1", "--baseline", "base", "--category", "easy",
       "--format", "json");
  {
    g_autoptr(json_object) r = parse_json (run.out);

    g_assert_cmpfloat_with_epsilon (get_double (find_by (json_object_object_get (r, "systems"),
                                                         "system", "x"), "win_rate"),
                                    70.0, 1e-9);
  }

  RUN (&run, "stats", ws);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "(baseline)"));

  /* Is x better than y? On each of the 10 prompts x's preference over base is x_over_base[i]
   * and y's is 0: the difference is their mean, 0.64, and no resample reaches 0. */
  RUN (&run, "stats", ws, "--rater", "h1", "--baseline", "base", "--paired", "x,y",
       "--format", "json");
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(json_object) r = parse_json (run.out);
    json_object *t = json_object_object_get (r, "paired");

    g_assert_nonnull (t);
    g_assert_cmpfloat_with_epsilon (get_double (t, "difference"), 0.64, 1e-12);
    g_assert_cmpint (get_int (t, "n_prompts"), ==, 10);
    g_assert_cmpfloat (get_double (t, "ci_low"), >, 0.0);
    g_assert_cmpfloat (get_double (t, "ci_high"), <=, 1.0);
    g_assert_cmpfloat (get_double (t, "p_value"), <, 0.01);
  }
  RUN (&run, "stats", ws, "--paired", "x");
  g_assert_cmpint (run.status, ==, 2);
  RUN (&run, "stats", ws, "--paired", "x,nothing");
  g_assert_cmpint (run.status, ==, 1);

  RUN (&run, "stats", ws, "--rater", "nobody");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "no rater named “nobody”"));
  RUN (&run, "stats", ws, "--baseline", "nothing");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "no system named “nothing”"));
  RUN (&run, "stats", ws, "--method", "magic");
  g_assert_cmpint (run.status, ==, 2);
  RUN (&run, "stats", ws, "--ci", "1.5");
  g_assert_cmpint (run.status, ==, 2);
  RUN (&run, "agreement", ws, "--failed", "sometimes");
  g_assert_cmpint (run.status, ==, 2);
  RUN (&run, "agreement", ws, "--gold", "nobody");
  g_assert_cmpint (run.status, ==, 1);

  /* The gold rater by its role: h1 picks base over x on 3 of 10 (g always picks base). */
  RUN (&run, "agreement", ws, "--rater", "h1", "--format", "json");
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(json_object) r = parse_json (run.out);
    json_object *h1 = find_by (json_object_object_get (r, "raters"), "rater", "h1");

    g_assert_cmpstr (json_object_get_string (json_object_object_get (r, "gold")), ==, "g");
    /* Over the 10 x-base comparisons only: h1 has 20 items, g labels 10 of them. */
    g_assert_cmpint (get_int (h1, "n_gold"), ==, 10);
    g_assert_cmpfloat_with_epsilon (get_double (h1, "accuracy"), 0.3, 1e-12);
  }
  /* RewardBench's strict accuracy of rm's grades against g (base better everywhere): 6 of 10;
   * easy 1 of 5 (three wrong, one equal), hard 5 of 5. */
  RUN (&run, "agreement", ws, "--format", "json");
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(json_object) r = parse_json (run.out);
    json_object *rm = find_by (json_object_object_get (r, "raters"), "rater", "rm");
    json_object *by = json_object_object_get (rm, "reward_accuracy_by_category");

    g_assert_cmpfloat_with_epsilon (get_double (rm, "reward_accuracy"), 0.6, 1e-12);
    g_assert_cmpint (get_int (rm, "n_reward"), ==, 10);
    g_assert_nonnull (by);
    g_assert_cmpfloat_with_epsilon (get_double (by, "easy"), 0.2, 1e-12);
    g_assert_cmpfloat_with_epsilon (get_double (by, "hard"), 1.0, 1e-12);
    g_assert_cmpfloat_with_epsilon (get_double (rm, "reward_accuracy_macro"), 0.6, 1e-12);
    g_assert_null (json_object_object_get (find_by (json_object_object_get (r, "raters"), "rater",
                                                    "h1"), "reward_accuracy"));
  }
  arb_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/stats/pandalm-kappas", test_pandalm_kappas);
  g_test_add_func ("/arbiter/stats/llmbar-orders", test_llmbar_orders);
  g_test_add_func ("/arbiter/stats/leaderboard", test_leaderboard);
  g_test_add_func ("/arbiter/stats/orders-rule", test_orders_rule);
  g_test_add_func ("/arbiter/stats/formats-and-errors", test_formats_and_errors);
  return g_test_run ();
}
