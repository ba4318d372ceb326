/* arb-cli-stats.c: arbiter-cli stats and agreement
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include <glib/gi18n.h>
#include <json.h>

#include "arb-cli.h"
#include "arb-json-reader.h"
#include "arb-stats.h"

typedef enum
{
  OUT_TABLE,
  OUT_JSON,
  OUT_CSV,
  OUT_MD,
} OutFormat;

static gboolean
parse_format (const char *s,
              OutFormat  *out)
{
  static const char *names[] = { "table", "json", "csv", "md" };

  if (s == NULL)
    {
      *out = OUT_TABLE;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (s, names[i]))
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
parse_failed (const char      *s,
              ArbFailedPolicy *out)
{
  if (s == NULL || g_str_equal (s, "drop"))
    *out = ARB_FAILED_DROP;
  else if (g_str_equal (s, "wrong"))
    *out = ARB_FAILED_WRONG;
  else if (g_str_equal (s, "tie"))
    *out = ARB_FAILED_TIE;
  else
    return FALSE;
  return TRUE;
}

static json_object *
number (double v)
{
  return isnan (v) || isinf (v) ? NULL : json_object_new_double (v);
}

/* What a missing number shows as: "-" in tables, nothing in CSV. */
static const char *missing = "-";

static char *
cell (double      v,
      const char *format)
{
  if (isnan (v))
    return g_strdup (missing);
  return g_strdup_printf (format, v);
}

/* Prints rows of cells as an aligned table, CSV (RFC 4180 quoting) or a Markdown table. */
static void
print_rows (GPtrArray *rows,
            OutFormat  format)
{
  g_autofree int *width = NULL;
  guint n_cols = rows->len > 0 ? g_strv_length (rows->pdata[0]) : 0;

  width = g_new0 (int, MAX (n_cols, 1));
  for (guint r = 0; r < rows->len; r++)
    for (guint c = 0; c < n_cols; c++)
      width[c] = MAX (width[c], (int) g_utf8_strlen (((char **) rows->pdata[r])[c], -1));
  for (guint r = 0; r < rows->len; r++)
    {
      char **row = rows->pdata[r];

      for (guint c = 0; c < n_cols; c++)
        {
          if (format == OUT_CSV)
            {
              gboolean quote = strpbrk (row[c], ",\"\n\r") != NULL;

              if (c > 0)
                putchar (',');
              if (quote)
                {
                  putchar ('"');
                  for (const char *p = row[c]; *p; p++)
                    {
                      if (*p == '"')
                        putchar ('"');
                      putchar (*p);
                    }
                  putchar ('"');
                }
              else
                fputs (row[c], stdout);
            }
          else if (format == OUT_MD)
            {
              g_autoptr(GString) escaped = g_string_new (NULL);

              for (const char *p = row[c]; *p; p++)
                {
                  if (*p == '|')
                    g_string_append_c (escaped, '\\');
                  g_string_append_c (escaped, *p);
                }
              printf ("| %s ", escaped->str);
            }
          else
            {
              int pad = width[c] - (int) g_utf8_strlen (row[c], -1);

              /* Names left, numbers right. */
              if (c == 0)
                printf ("%s%*s", row[c], pad, "");
              else
                printf ("  %*s%s", pad, "", row[c]);
            }
        }
      if (format == OUT_MD)
        printf ("|");
      putchar ('\n');
      if (format == OUT_MD && r == 0)
        {
          for (guint c = 0; c < n_cols; c++)
            printf (c == 0 ? "| --- " : "| ---: ");
          printf ("|\n");
        }
    }
}

static void
add_row (GPtrArray *rows,
         ...)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  va_list ap;
  char *s;

  va_start (ap, rows);
  while ((s = va_arg (ap, char *)) != NULL)
    {
      g_strv_builder_add (b, s);
      g_free (s);
    }
  va_end (ap);
  g_ptr_array_add (rows, g_strv_builder_end (b));
}

/* ---- stats ------------------------------------------------------------------------------- */

static json_object *
stats_json (const ArbStats *stats,
            const char     *category)
{
  json_object *root = json_object_new_object ();
  json_object *systems = json_object_new_array ();
  json_object *matrix = json_object_new_object ();
  json_object *names = json_object_new_array ();
  json_object *wins = json_object_new_array ();
  json_object *counts = json_object_new_array ();
  guint n = stats->n_systems;

  if (category != NULL)
    json_object_object_add (root, "category", json_object_new_string (category));
  json_object_object_add (root, "baseline",
                          stats->baseline ? json_object_new_string (stats->baseline) : NULL);
  json_object_object_add (root, "n_verdicts", json_object_new_int64 (stats->n_verdicts));
  json_object_object_add (root, "n_failed", json_object_new_int64 (stats->n_failed));
  json_object_object_add (root, "n_battles", json_object_new_int64 (stats->n_battles));
  for (guint i = 0; i < stats->systems->len; i++)
    {
      const ArbSystemResult *r = stats->systems->pdata[i];
      json_object *o = json_object_new_object ();

      json_object_object_add (o, "system", json_object_new_string (r->system));
      json_object_object_add (o, "is_baseline", json_object_new_boolean (r->is_baseline));
      json_object_object_add (o, "win_rate", number (r->win_rate.win_rate));
      json_object_object_add (o, "standard_error", number (r->win_rate.standard_error));
      json_object_object_add (o, "n_wins", json_object_new_int64 (r->win_rate.n_wins));
      json_object_object_add (o, "n_wins_base", json_object_new_int64 (r->win_rate.n_wins_base));
      json_object_object_add (o, "n_draws", json_object_new_int64 (r->win_rate.n_draws));
      json_object_object_add (o, "n_total", json_object_new_int64 (r->win_rate.n_total));
      json_object_object_add (o, "discrete_win_rate", number (r->win_rate.discrete_win_rate));
      json_object_object_add (o, "avg_length", json_object_new_int64 (r->avg_length));
      json_object_object_add (o, "length_controlled_win_rate", number (r->lc_win_rate));
      json_object_object_add (o, "rating", number (r->rating));
      json_object_object_add (o, "ci_low", number (r->ci_low));
      json_object_object_add (o, "ci_high", number (r->ci_high));
      json_object_object_add (o, "predicted_win_rate", number (r->predicted_win_rate));
      json_object_object_add (o, "predicted_win_rate_low", number (r->predicted_low));
      json_object_object_add (o, "predicted_win_rate_high", number (r->predicted_high));
      json_object_object_add (o, "n_battles", json_object_new_int64 (r->n_battles));
      json_object_array_add (systems, o);
      json_object_array_add (names, json_object_new_string (r->system));
    }
  for (guint i = 0; i < n; i++)
    {
      json_object *w = json_object_new_array (), *c = json_object_new_array ();

      for (guint j = 0; j < n; j++)
        {
          json_object_array_add (w, number (stats->win_matrix[i * n + j]));
          json_object_array_add (c, json_object_new_int64 (stats->battle_matrix[i * n + j]));
        }
      json_object_array_add (wins, w);
      json_object_array_add (counts, c);
    }
  json_object_object_add (root, "systems", systems);
  json_object_object_add (matrix, "systems", names);
  json_object_object_add (matrix, "win_rate", wins);
  json_object_object_add (matrix, "battles", counts);
  json_object_object_add (root, "matrix", matrix);
  {
    json_object *bins = json_object_new_array ();

    for (guint i = 0; i < stats->n_length_bins; i++)
      {
        json_object *b = json_object_new_object ();

        json_object_object_add (b, "length_difference",
                                number (stats->length_bins[i].length_difference));
        json_object_object_add (b, "win_rate", number (stats->length_bins[i].win_rate));
        json_object_object_add (b, "n", json_object_new_int64 (stats->length_bins[i].n));
        json_object_array_add (bins, b);
      }
    json_object_object_add (root, "win_rate_by_length", bins);
  }
  return root;
}

static void
stats_text (const ArbStats *stats,
            const char     *category,
            OutFormat       format)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  if (format == OUT_TABLE)
    {
      if (category != NULL)
        printf ("%s %s\n", _("Category"), category);
      printf (_("Baseline %s; %llu verdicts (%llu without a preference), %llu battles\n"),
              stats->baseline ? stats->baseline : "-", (unsigned long long) stats->n_verdicts,
              (unsigned long long) stats->n_failed, (unsigned long long) stats->n_battles);
    }
  if (format == OUT_CSV && category != NULL)
    add_row (rows, g_strdup ("category"), g_strdup ("system"), g_strdup ("rating"),
             g_strdup ("ci_low"), g_strdup ("ci_high"), g_strdup ("win_rate"),
             g_strdup ("standard_error"), g_strdup ("length_controlled_win_rate"),
             g_strdup ("n_wins"), g_strdup ("n_wins_base"), g_strdup ("n_draws"),
             g_strdup ("n_total"), g_strdup ("avg_length"), NULL);
  else if (format == OUT_CSV)
    add_row (rows, g_strdup ("system"), g_strdup ("rating"), g_strdup ("ci_low"),
             g_strdup ("ci_high"), g_strdup ("win_rate"), g_strdup ("standard_error"),
             g_strdup ("length_controlled_win_rate"), g_strdup ("n_wins"),
             g_strdup ("n_wins_base"), g_strdup ("n_draws"), g_strdup ("n_total"),
             g_strdup ("avg_length"), NULL);
  else
    add_row (rows, g_strdup (_("System")), g_strdup (_("Rating")), g_strdup (_("95% CI")),
             g_strdup (_("Win rate")), g_strdup (_("± SE")), g_strdup (_("LC win rate")),
             g_strdup (_("W / L / T")), g_strdup (_("n")), g_strdup (_("Avg length")), NULL);
  for (guint i = 0; i < stats->systems->len; i++)
    {
      const ArbSystemResult *r = stats->systems->pdata[i];
      g_autofree char *name = r->is_baseline ? g_strdup_printf ("%s (%s)", r->system,
                                                                _("baseline"))
                                             : g_strdup (r->system);

      if (format == OUT_CSV)
        {
          char *fields[] = {
            cell (r->rating, "%.6f"), cell (r->ci_low, "%.6f"), cell (r->ci_high, "%.6f"),
            cell (r->win_rate.win_rate, "%.6f"), cell (r->win_rate.standard_error, "%.6f"),
            cell (r->lc_win_rate, "%.6f"),
          };

          if (category != NULL)
            add_row (rows, g_strdup (category), g_strdup (r->system), fields[0], fields[1],
                     fields[2], fields[3], fields[4], fields[5],
                     g_strdup_printf ("%u", r->win_rate.n_wins),
                     g_strdup_printf ("%u", r->win_rate.n_wins_base),
                     g_strdup_printf ("%u", r->win_rate.n_draws),
                     g_strdup_printf ("%u", r->win_rate.n_total),
                     g_strdup_printf ("%" G_GINT64_FORMAT, r->avg_length), NULL);
          else
            add_row (rows, g_strdup (r->system), fields[0], fields[1], fields[2], fields[3],
                     fields[4], fields[5], g_strdup_printf ("%u", r->win_rate.n_wins),
                     g_strdup_printf ("%u", r->win_rate.n_wins_base),
                     g_strdup_printf ("%u", r->win_rate.n_draws),
                     g_strdup_printf ("%u", r->win_rate.n_total),
                     g_strdup_printf ("%" G_GINT64_FORMAT, r->avg_length), NULL);
        }
      else
        add_row (rows, g_steal_pointer (&name), cell (r->rating, "%.1f"),
                 isnan (r->ci_low) ? g_strdup ("-")
                                   : g_strdup_printf ("%.1f – %.1f", r->ci_low, r->ci_high),
                 cell (r->win_rate.win_rate, "%.2f"), cell (r->win_rate.standard_error, "%.2f"),
                 cell (r->lc_win_rate, "%.2f"),
                 r->is_baseline ? g_strdup ("-")
                                : g_strdup_printf ("%u / %u / %u", r->win_rate.n_wins,
                                                   r->win_rate.n_wins_base, r->win_rate.n_draws),
                 g_strdup_printf ("%u", r->win_rate.n_total),
                 g_strdup_printf ("%" G_GINT64_FORMAT, r->avg_length), NULL);
    }
  print_rows (rows, format);
}

int
arb_cli_stats (int    argc,
               char **argv)
{
  g_auto(GStrv) raters = NULL;
  g_autofree char *baseline = NULL, *method = NULL, *orders = NULL, *failed = NULL;
  g_autofree char *by = NULL, *format = NULL, *category = NULL, *paired = NULL;
  int bootstrap = 1000;
  double ci = 0.95;
  gint64 seed = 0;
  GOptionEntry entries[] = {
    { "rater", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raters,
      N_("Count this rater's verdicts (repeat for several; default: every rater but gold ones)"),
      "NAME" },
    { "baseline", 0, 0, G_OPTION_ARG_STRING, &baseline,
      N_("Win rates against this system (default: the one in most comparisons)"), "SYSTEM" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &method,
      N_("Rank by winrate, bt (Bradley-Terry, the default) or elo"), "M" },
    { "orders-rule", 0, 0, G_OPTION_ARG_STRING, &orders,
      N_("Both presented orders: each (two battles, the default) or fastchat (one)"), "R" },
    { "failed", 0, 0, G_OPTION_ARG_STRING, &failed,
      N_("Verdicts without a preference: drop (default), wrong (as drop here) or tie"), "P" },
    { "by", 0, 0, G_OPTION_ARG_STRING, &by, N_("A table per category: --by category"), "category" },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category, N_("Only prompts of this category"), "C" },
    { "bootstrap", 0, 0, G_OPTION_ARG_INT, &bootstrap,
      N_("Bootstrap rounds for the rating intervals (default 1000; 0 none)"), "N" },
    { "ci", 0, 0, G_OPTION_ARG_DOUBLE, &ci, N_("Central interval (default 0.95)"), "P" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of the bootstrap (default 0)"), "S" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output: table, json, csv or md"), "F" },
    { "paired", 0, 0, G_OPTION_ARG_STRING, &paired,
      N_("Is X better than Y? A paired bootstrap over prompts of their preferences over the "
         "baseline"), "X,Y" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("WS — win rates and ratings of the systems"));
  g_auto(GStrv) pair = NULL;
  ArbPairedTest test;
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) cats = g_strv_builder_new ();
  g_auto(GStrv) categories = NULL;
  g_autoptr(json_object) all = NULL;
  ArbStatsOptions options;
  OutFormat out;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("stats takes one workspace"));
  arb_stats_options_init (&options);
  if (!parse_format (format, &out))
    return arb_cli_usage_error (context, _("--format must be table, json, csv or md"));
  if (out == OUT_CSV)
    missing = "";
  if (!parse_failed (failed, &options.failed))
    return arb_cli_usage_error (context, _("--failed must be drop, wrong or tie"));
  if (method == NULL || g_str_equal (method, "bt"))
    options.method = ARB_STATS_METHOD_BT;
  else if (g_str_equal (method, "winrate"))
    options.method = ARB_STATS_METHOD_WINRATE;
  else if (g_str_equal (method, "elo"))
    options.method = ARB_STATS_METHOD_ELO;
  else
    return arb_cli_usage_error (context, _("--method must be winrate, bt or elo"));
  if (orders == NULL || g_str_equal (orders, "each"))
    options.orders = ARB_ORDERS_EACH;
  else if (g_str_equal (orders, "fastchat"))
    options.orders = ARB_ORDERS_FASTCHAT;
  else
    return arb_cli_usage_error (context, _("--orders-rule must be each or fastchat"));
  if (by != NULL && !g_str_equal (by, "category"))
    return arb_cli_usage_error (context, _("--by takes only “category”"));
  if (bootstrap < 0)
    return arb_cli_usage_error (context, _("--bootstrap must be 0 or more"));
  if (!(ci > 0 && ci < 1))
    return arb_cli_usage_error (context, _("--ci must be between 0 and 1, e.g. 0.95"));
  if (paired != NULL)
    {
      pair = g_strsplit (paired, ",", 2);
      if (g_strv_length (pair) != 2 || *pair[0] == '\0' || *pair[1] == '\0' ||
          g_str_equal (pair[0], pair[1]))
        return arb_cli_usage_error (context, _("--paired takes two different systems: X,Y"));
      if (by != NULL)
        return arb_cli_usage_error (context, _("--paired and --by cannot go together"));
    }
  options.raters = (const char * const *) raters;
  options.baseline = baseline;
  options.bootstrap = bootstrap;
  options.ci = ci;
  options.seed = (guint64) seed;

  ws = arb_cli_open_workspace (argv[1], &status);
  if (ws == NULL)
    return status;

  /* One pass over the whole workspace, then one per category with --by category. */
  options.category = category;
  {
    g_autoptr(ArbStats) stats = arb_workspace_compute_stats (ws, &options, &error);

    if (stats == NULL)
      return arb_cli_fail (error);
    if (pair != NULL && !arb_workspace_paired_test (ws, &options, pair[0], pair[1], &test, &error))
      return arb_cli_fail (error);
    if (by != NULL)
      for (guint i = 0; stats->categories[i] != NULL; i++)
        g_strv_builder_add (cats, stats->categories[i]);
    else if (out == OUT_JSON)
      {
        all = stats_json (stats, category);
        if (pair != NULL)
          {
            json_object *t = json_object_new_object ();

            json_object_object_add (t, "x", json_object_new_string (pair[0]));
            json_object_object_add (t, "y", json_object_new_string (pair[1]));
            json_object_object_add (t, "difference", number (test.difference));
            json_object_object_add (t, "ci_low", number (test.ci_low));
            json_object_object_add (t, "ci_high", number (test.ci_high));
            json_object_object_add (t, "p_value", number (test.p_value));
            json_object_object_add (t, "n_prompts", json_object_new_int64 (test.n));
            json_object_object_add (all, "paired", t);
          }
      }
    else
      {
        stats_text (stats, category, out);
        if (pair != NULL)
          printf (_("\n%s against %s, paired over %u prompts: mean preference over %s differs by "
                    "%+.4f (%.0f %% interval %+.4f to %+.4f); p = %.4f that %s is not better\n"),
                  pair[0], pair[1], test.n, stats->baseline, test.difference, 100 * ci,
                  test.ci_low, test.ci_high, test.p_value, pair[0]);
      }
  }
  categories = g_strv_builder_end (cats);
  if (by != NULL)
    {
      json_object *list = json_object_new_array ();

      for (guint i = 0; categories[i] != NULL; i++)
        {
          g_autoptr(ArbStats) stats = NULL;

          options.category = categories[i];
          stats = arb_workspace_compute_stats (ws, &options, &error);
          if (stats == NULL)
            {
              json_object_put (list);
              return arb_cli_fail (error);
            }
          if (out == OUT_JSON)
            json_object_array_add (list, stats_json (stats, categories[i]));
          else
            {
              if (i > 0 && out != OUT_CSV)
                putchar ('\n');
              if (out == OUT_MD)
                printf ("### %s\n\n", categories[i]);
              stats_text (stats, categories[i], out == OUT_CSV && i > 0 ? OUT_CSV : out);
            }
        }
      if (out == OUT_JSON)
        {
          all = json_object_new_object ();
          json_object_object_add (all, "categories", list);
        }
      else
        json_object_put (list);
    }
  if (all != NULL)
    printf ("%s\n", json_object_to_json_string_ext (all, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
  return 0;
}

/* ---- agreement --------------------------------------------------------------------------- */

static json_object *
accuracy_json (const ArbAccuracy *a)
{
  return a->n > 0 ? number (a->accuracy) : NULL;
}

int
arb_cli_agreement (int    argc,
                   char **argv)
{
  g_auto(GStrv) raters = NULL;
  g_autofree char *gold = NULL, *failed = NULL, *format = NULL, *category = NULL;
  GOptionEntry entries[] = {
    { "rater", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raters,
      N_("Compare this rater (repeat for several; default: every rater)"), "NAME" },
    { "gold", 0, 0, G_OPTION_ARG_STRING, &gold,
      N_("Accuracy against this rater, or “majority” of the human annotators (default: the "
         "rater with role gold, if there is one)"), "RATER" },
    { "failed", 0, 0, G_OPTION_ARG_STRING, &failed,
      N_("Verdicts without a preference: drop (default), wrong or tie"), "P" },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category, N_("Only prompts of this category"), "C" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output: table, json, csv or md"), "F" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("WS — how well the raters agree, and with the gold labels"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbAgreement) ag = NULL;
  ArbAgreementOptions options = { 0 };
  OutFormat out;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("agreement takes one workspace"));
  if (!parse_format (format, &out))
    return arb_cli_usage_error (context, _("--format must be table, json, csv or md"));
  if (!parse_failed (failed, &options.failed))
    return arb_cli_usage_error (context, _("--failed must be drop, wrong or tie"));
  if (out == OUT_CSV)
    missing = "";
  options.raters = (const char * const *) raters;
  options.gold = gold;
  options.category = category;

  ws = arb_cli_open_workspace (argv[1], &status);
  if (ws == NULL)
    return status;
  ag = arb_workspace_compute_agreement (ws, &options, &error);
  if (ag == NULL)
    return arb_cli_fail (error);

  if (out == OUT_JSON)
    {
      g_autoptr(json_object) root = json_object_new_object ();
      json_object *list = json_object_new_array (), *pairs = json_object_new_array ();
      json_object *alpha = json_object_new_object ();

      json_object_object_add (root, "gold", ag->gold ? json_object_new_string (ag->gold) : NULL);
      json_object_object_add (root, "n_items", json_object_new_int64 (ag->n_items));
      json_object_object_add (root, "fleiss_kappa", number (ag->fleiss_kappa));
      json_object_object_add (alpha, "nominal", number (ag->alpha_nominal));
      json_object_object_add (alpha, "ordinal", number (ag->alpha_ordinal));
      json_object_object_add (alpha, "interval", number (ag->alpha_interval));
      json_object_object_add (root, "krippendorff_alpha", alpha);
      for (guint i = 0; i < ag->raters->len; i++)
        {
          const ArbRaterResult *r = ag->raters->pdata[i];
          json_object *o = json_object_new_object ();

          json_object_object_add (o, "rater", json_object_new_string (r->rater));
          json_object_object_add (o, "kind", json_object_new_string (r->kind));
          json_object_object_add (o, "role", json_object_new_string (r->role));
          json_object_object_add (o, "n_items", json_object_new_int64 (r->n_items));
          json_object_object_add (o, "n_verdicts", json_object_new_int64 (r->n_verdicts));
          json_object_object_add (o, "accuracy", accuracy_json (&r->accuracy));
          json_object_object_add (o, "n_gold", json_object_new_int64 (r->accuracy.n));
          if (r->has_orders)
            {
              json_object *by = json_object_new_array ();

              json_object_array_add (by, accuracy_json (&r->orders.first));
              json_object_array_add (by, accuracy_json (&r->orders.second));
              json_object_object_add (o, "accuracy_by_order", by);
              json_object_object_add (o, "accuracy_both_orders", accuracy_json (&r->orders.both));
              json_object_object_add (o, "order_consistency", number (r->orders.order_consistency));
              json_object_object_add (o, "n_both_orders", json_object_new_int64 (r->orders.n_pairs));
            }
          else
            {
              json_object_object_add (o, "accuracy_by_order", NULL);
              json_object_object_add (o, "accuracy_both_orders", NULL);
              json_object_object_add (o, "order_consistency", NULL);
              json_object_object_add (o, "n_both_orders", json_object_new_int64 (0));
            }
          json_object_object_add (o, "first_position_rate", number (r->position.rate));
          json_object_object_add (o, "reward_accuracy", accuracy_json (&r->reward));
          json_object_object_add (o, "n_reward", json_object_new_int64 (r->reward.n));
          if (r->reward.n > 0)
            {
              json_object *by = json_object_new_object ();

              for (guint k = 0; r->reward_categories[k] != NULL; k++)
                json_object_object_add (by, r->reward_categories[k],
                                        accuracy_json (&r->reward_by_category[k]));
              json_object_object_add (o, "reward_accuracy_by_category", by);
              json_object_object_add (o, "reward_accuracy_macro", number (r->reward_macro));
            }
          else
            {
              json_object_object_add (o, "reward_accuracy_by_category", NULL);
              json_object_object_add (o, "reward_accuracy_macro", NULL);
            }
          json_object_array_add (list, o);
        }
      for (guint x = 0; x < ag->n_raters; x++)
        for (guint y = x + 1; y < ag->n_raters; y++)
          {
            json_object *o = json_object_new_object ();

            json_object_object_add (o, "a", json_object_new_string (
                                      ((ArbRaterResult *) ag->raters->pdata[x])->rater));
            json_object_object_add (o, "b", json_object_new_string (
                                      ((ArbRaterResult *) ag->raters->pdata[y])->rater));
            json_object_object_add (o, "cohen_kappa", number (ag->cohen_kappa[x * ag->n_raters + y]));
            json_object_object_add (o, "percent_agreement",
                                    number (ag->percent_agreement[x * ag->n_raters + y]));
            json_object_object_add (o, "n", json_object_new_int64 (ag->n_common[x * ag->n_raters + y]));
            json_object_array_add (pairs, o);
          }
      json_object_object_add (root, "raters", list);
      json_object_object_add (root, "pairs", pairs);
      printf ("%s\n", json_object_to_json_string_ext (root, JSON_C_TO_STRING_PRETTY |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE));
      return 0;
    }

  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
    g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

    if (out == OUT_TABLE)
      {
        g_autofree char *fleiss = cell (ag->fleiss_kappa, "%.4f");
        g_autofree char *nominal = cell (ag->alpha_nominal, "%.4f");
        g_autofree char *ordinal = cell (ag->alpha_ordinal, "%.4f");
        g_autofree char *interval = cell (ag->alpha_interval, "%.4f");

        printf (_("%u comparisons; gold: %s; Fleiss' κ %s; Krippendorff's α nominal %s,"
                  " ordinal %s, interval %s\n\n"),
                ag->n_items, ag->gold ? ag->gold : "-", fleiss, nominal, ordinal, interval);
      }
    add_row (rows, g_strdup (out == OUT_CSV ? "rater" : _("Rater")),
             g_strdup (out == OUT_CSV ? "kind" : _("Kind")),
             g_strdup (out == OUT_CSV ? "n_items" : _("Items")),
             g_strdup (out == OUT_CSV ? "accuracy" : _("Accuracy")),
             g_strdup (out == OUT_CSV ? "accuracy_first_order" : _("1st order")),
             g_strdup (out == OUT_CSV ? "accuracy_second_order" : _("2nd order")),
             g_strdup (out == OUT_CSV ? "accuracy_both_orders" : _("Both orders")),
             g_strdup (out == OUT_CSV ? "order_consistency" : _("Consistency")),
             g_strdup (out == OUT_CSV ? "first_position_rate" : _("Picks first")),
             g_strdup (out == OUT_CSV ? "reward_accuracy" : _("Graded right")), NULL);
    for (guint i = 0; i < ag->raters->len; i++)
      {
        const ArbRaterResult *r = ag->raters->pdata[i];
        double nan = NAN;

        add_row (rows, g_strdup (r->rater), g_strdup (r->kind),
                 g_strdup_printf ("%u", r->n_items),
                 cell (r->accuracy.n > 0 ? r->accuracy.accuracy : nan, "%.4f"),
                 cell (r->has_orders && r->orders.first.n > 0 ? r->orders.first.accuracy : nan, "%.4f"),
                 cell (r->has_orders && r->orders.second.n > 0 ? r->orders.second.accuracy : nan, "%.4f"),
                 cell (r->has_orders && r->orders.both.n > 0 ? r->orders.both.accuracy : nan, "%.4f"),
                 cell (r->has_orders ? r->orders.order_consistency : nan, "%.4f"),
                 cell (r->position.rate, "%.4f"),
                 cell (r->reward.n > 0 ? r->reward.accuracy : nan, "%.4f"), NULL);
      }
    print_rows (rows, out);
    add_row (pairs, g_strdup (out == OUT_CSV ? "a" : _("Rater")),
             g_strdup (out == OUT_CSV ? "b" : _("and rater")),
             g_strdup (out == OUT_CSV ? "cohen_kappa" : _("Cohen's κ")),
             g_strdup (out == OUT_CSV ? "percent_agreement" : _("Agreement")),
             g_strdup (out == OUT_CSV ? "n" : _("n")), NULL);
    for (guint x = 0; x < ag->n_raters; x++)
      for (guint y = x + 1; y < ag->n_raters; y++)
        if (ag->n_common[x * ag->n_raters + y] > 0)
          add_row (pairs, g_strdup (((ArbRaterResult *) ag->raters->pdata[x])->rater),
                   g_strdup (((ArbRaterResult *) ag->raters->pdata[y])->rater),
                   cell (ag->cohen_kappa[x * ag->n_raters + y], "%.4f"),
                   cell (ag->percent_agreement[x * ag->n_raters + y], "%.4f"),
                   g_strdup_printf ("%u", ag->n_common[x * ag->n_raters + y]), NULL);
    if (pairs->len > 1)
      {
        putchar ('\n');
        print_rows (pairs, out);
      }
  }
  return 0;
}
