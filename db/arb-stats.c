/* arb-stats.c: the leaderboard and the agreement of raters, gathered from a workspace
 *
 * One query reads the current verdicts of the chosen raters on comparisons of two different
 * systems, with both generations' lengths; everything else is eval/ on arrays.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "arb-stats.h"
#include "arb-workspace-private.h"

/* One current verdict, as read. */
typedef struct
{
  gint64 comparison;
  gint64 prompt;
  gint64 system_a;
  gint64 system_b;
  gint64 length_a;
  gint64 length_b;
  gint64 rater;
  double preference;  /* NaN: unparseable or failed */
  int    strength;    /* -1 unknown */
  int    presented;   /* ArbPresented */
  int    sample;
  double seconds;     /* NaN unknown */
} Row;

void
arb_stats_options_init (ArbStatsOptions *options)
{
  *options = (ArbStatsOptions) {
    .method = ARB_STATS_METHOD_BT,
    .orders = ARB_ORDERS_EACH,
    .failed = ARB_FAILED_DROP,
    .bootstrap = 1000,
    .ci = 0.95,
  };
}

static void
system_result_free (ArbSystemResult *r)
{
  g_free (r->system);
  g_free (r);
}

void
arb_stats_free (ArbStats *stats)
{
  if (stats == NULL)
    return;
  g_free (stats->baseline);
  g_clear_pointer (&stats->systems, g_ptr_array_unref);
  g_free (stats->win_matrix);
  g_free (stats->battle_matrix);
  g_strfreev (stats->categories);
  g_free (stats);
}

static void
rater_result_free (ArbRaterResult *r)
{
  g_strfreev (r->reward_categories);
  g_free (r->reward_by_category);
  g_free (r->rater);
  g_free (r->kind);
  g_free (r->role);
  g_free (r);
}

void
arb_agreement_free (ArbAgreement *agreement)
{
  if (agreement == NULL)
    return;
  g_free (agreement->gold);
  g_clear_pointer (&agreement->raters, g_ptr_array_unref);
  g_free (agreement->cohen_kappa);
  g_free (agreement->percent_agreement);
  g_free (agreement->n_common);
  g_free (agreement);
}

/* ---- gathering */

typedef struct
{
  gint64 id;
  char  *name;
  char  *kind;
  char  *role;
} RaterInfo;

static void
rater_info_free (RaterInfo *r)
{
  g_free (r->name);
  g_free (r->kind);
  g_free (r->role);
  g_free (r);
}

/* The raters to read: the named ones (an unknown name is an error), or every rater, leaving
 * out gold raters when without_gold is set. In name order. */
static GPtrArray *
choose_raters (ArbWorkspace       *ws,
               const char * const *names,
               gboolean            without_gold,
               GError            **error)
{
  g_autoptr(GPtrArray) raters = g_ptr_array_new_with_free_func ((GDestroyNotify) rater_info_free);
  sqlite3_stmt *stmt;
  gboolean named = names != NULL && names[0] != NULL;
  int rc;

  stmt = _arb_workspace_prepare (ws, "SELECT id, name, kind, role FROM visible_raters"
                                     " ORDER BY name", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      const char *role = (const char *) sqlite3_column_text (stmt, 3);
      RaterInfo *r;

      if (named ? !g_strv_contains (names, name)
                : (without_gold && g_strcmp0 (role, "gold") == 0))
        continue;
      r = g_new0 (RaterInfo, 1);
      r->id = sqlite3_column_int64 (stmt, 0);
      r->name = g_strdup (name);
      r->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      r->role = g_strdup (role);
      g_ptr_array_add (raters, r);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "reading raters");
      return NULL;
    }
  for (guint i = 0; named && names[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint k = 0; k < raters->len && !found; k++)
        found = g_str_equal (((RaterInfo *) raters->pdata[k])->name, names[i]);
      if (!found)
        {
          g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                       _("%s: no rater named “%s” (arbiter-cli info lists them)"),
                       arb_workspace_get_path (ws), names[i]);
          return NULL;
        }
    }
  return g_steal_pointer (&raters);
}

/* Every current verdict of the raters (a table of rater id → index + 1) on comparisons of two
 * different systems, in comparison, rater, sample order. */
static GArray *
read_rows (ArbWorkspace *ws,
           GHashTable   *raters,
           const char   *category,
           gboolean      same_system_too,
           GError      **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  int rc;

  sql = g_strdup_printf ("SELECT v.comparison_id, ga.system_id, gb.system_id, ga.length,"
                         " gb.length, v.rater_id, v.status, v.preference, v.strength, v.presented,"
                         " v.sample, v.seconds, c.prompt_id"
                         " FROM current_verdicts v"
                         " JOIN visible_comparisons c ON c.id = v.comparison_id"
                         " JOIN generations ga ON ga.id = c.a_id"
                         " JOIN generations gb ON gb.id = c.b_id"
                         " JOIN prompts p ON p.id = c.prompt_id"
                         " WHERE %s %s"
                         " ORDER BY v.comparison_id, v.rater_id, v.sample, v.id",
                         same_system_too ? "1" : "ga.system_id <> gb.system_id",
                         category != NULL ? "AND p.category = ?1" : "");
  stmt = _arb_workspace_prepare (ws, sql, error);
  if (stmt == NULL)
    return NULL;
  if (category != NULL)
    sqlite3_bind_text (stmt, 1, category, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 rater = sqlite3_column_int64 (stmt, 5);
      const char *status = (const char *) sqlite3_column_text (stmt, 6);
      const char *presented = (const char *) sqlite3_column_text (stmt, 9);
      Row row;

      if (!g_hash_table_contains (raters, &rater))
        continue;
      row.comparison = sqlite3_column_int64 (stmt, 0);
      row.system_a = sqlite3_column_int64 (stmt, 1);
      row.system_b = sqlite3_column_int64 (stmt, 2);
      row.length_a = sqlite3_column_int64 (stmt, 3);
      row.length_b = sqlite3_column_int64 (stmt, 4);
      row.rater = rater;
      row.preference = g_strcmp0 (status, "ok") == 0 &&
                       sqlite3_column_type (stmt, 7) != SQLITE_NULL
                       ? sqlite3_column_double (stmt, 7) : NAN;
      row.strength = sqlite3_column_type (stmt, 8) == SQLITE_NULL
                     ? -1 : sqlite3_column_int (stmt, 8);
      row.presented = g_strcmp0 (presented, "ab") == 0 ? ARB_PRESENTED_AB
                      : g_strcmp0 (presented, "ba") == 0 ? ARB_PRESENTED_BA
                      : ARB_PRESENTED_UNKNOWN;
      row.sample = sqlite3_column_int (stmt, 10);
      row.seconds = sqlite3_column_type (stmt, 11) == SQLITE_NULL
                    ? NAN : sqlite3_column_double (stmt, 11);
      row.prompt = sqlite3_column_int64 (stmt, 12);
      g_array_append_val (rows, row);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "reading verdicts");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

static GHashTable *
rater_index (GPtrArray *raters)
{
  GHashTable *index = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, NULL);

  for (guint i = 0; i < raters->len; i++)
    {
      RaterInfo *r = raters->pdata[i];

      g_hash_table_insert (index, &r->id, GUINT_TO_POINTER (i + 1));
    }
  return index;
}

/* The verdict as eval/ takes it, with the --failed policy applied. */
static ArbVerdict
row_verdict (const Row       *row,
             ArbFailedPolicy  failed)
{
  if (isnan (row->preference))
    {
      if (failed == ARB_FAILED_TIE)
        return (ArbVerdict) { 0.5, 0 };
      return (ArbVerdict) { NAN, -1 };
    }
  return (ArbVerdict) { row->preference, row->strength };
}

static GStrv
list_categories (ArbWorkspace *ws)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws, "SELECT DISTINCT category FROM visible_prompts"
                                                   " WHERE category IS NOT NULL ORDER BY 1",
                                               NULL);

  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return g_strv_builder_end (builder);
}

/* ---- the leaderboard */

typedef struct
{
  gint64  id;
  char   *name;
  gint64  n_comparisons;
  GArray *x;                /* double: preference over the baseline */
  GArray *length;           /* gint64: own length, per x */
  GArray *baseline_length;  /* gint64 */
} SystemAcc;

static void
system_acc_free (SystemAcc *s)
{
  g_free (s->name);
  g_array_unref (s->x);
  g_array_unref (s->length);
  g_array_unref (s->baseline_length);
  g_free (s);
}

static guint
system_index (GHashTable *index,
              GPtrArray  *systems,
              gint64      id)
{
  gpointer v = g_hash_table_lookup (index, &id);
  SystemAcc *s;

  if (v != NULL)
    return GPOINTER_TO_UINT (v) - 1;
  s = g_new0 (SystemAcc, 1);
  s->id = id;
  s->x = g_array_new (FALSE, FALSE, sizeof (double));
  s->length = g_array_new (FALSE, FALSE, sizeof (gint64));
  s->baseline_length = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_ptr_array_add (systems, s);
  g_hash_table_insert (index, &s->id, GUINT_TO_POINTER (systems->len));
  return systems->len - 1;
}

/* Names, and the mean lengths of every system's visible generations (of the category). */
static gboolean
read_systems (ArbWorkspace *ws,
              GPtrArray    *systems,
              GHashTable   *index,
              const char   *category,
              GHashTable   *avg_length,
              GError      **error)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT s.id, s.name, count(g.id), sum(g.length) FROM visible_systems s"
    " LEFT JOIN visible_generations g ON g.system_id = s.id AND g.kind = 'text' %s"
    " GROUP BY s.id",
    category != NULL ? "AND g.prompt_id IN (SELECT id FROM prompts WHERE category = ?1)" : "");
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (category != NULL)
    sqlite3_bind_text (stmt, 1, category, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gpointer v = g_hash_table_lookup (index, &id);
      gint64 n = sqlite3_column_int64 (stmt, 2);
      gint64 sum = sqlite3_column_int64 (stmt, 3);

      if (v == NULL)
        continue;
      g_free (((SystemAcc *) systems->pdata[GPOINTER_TO_UINT (v) - 1])->name);
      ((SystemAcc *) systems->pdata[GPOINTER_TO_UINT (v) - 1])->name =
        g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      if (n > 0)
        {
          gint64 *lengths = g_new (gint64, 1);

          /* Integer part of the mean, as AlpacaEval's int(mean(len)). */
          *lengths = sum / n;
          g_hash_table_insert (avg_length, GUINT_TO_POINTER (GPOINTER_TO_UINT (v) - 1), lengths);
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "reading systems");
      return FALSE;
    }
  return TRUE;
}

static gint64
baseline_by_name (ArbWorkspace *ws,
                  const char   *name,
                  GError      **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws, "SELECT id FROM visible_systems WHERE name = ?",
                                               error);
  gint64 id = -1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (id < 0)
    g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                 _("%s: no system named “%s” (arbiter-cli info lists them)"),
                 arb_workspace_get_path (ws), name);
  return id;
}

static ArbStatsMethod sort_method;

static int
compare_results (gconstpointer a,
                 gconstpointer b)
{
  const ArbSystemResult *x = *(ArbSystemResult * const *) a;
  const ArbSystemResult *y = *(ArbSystemResult * const *) b;
  double kx = sort_method == ARB_STATS_METHOD_WINRATE ? x->win_rate.win_rate : x->rating;
  double ky = sort_method == ARB_STATS_METHOD_WINRATE ? y->win_rate.win_rate : y->rating;

  if (isnan (kx) != isnan (ky))
    return isnan (kx) ? 1 : -1;
  if (!isnan (kx) && kx != ky)
    return kx > ky ? -1 : 1;
  return g_strcmp0 (x->system, y->system);
}

/**
 * arb_workspace_compute_stats:
 * @ws: a workspace
 * @options: which raters, the baseline, the rules
 * @error: return location for an error
 *
 * The leaderboard: for each system, the win rate against the baseline (AlpacaEval 2), its
 * length-controlled form, the mean length, the Bradley-Terry (or Elo) rating with bootstrap
 * bounds, and the win-rate matrix of every pair. See docs/statistics.md for which verdicts
 * count how.
 *
 * Returns: (transfer full): the results, or %NULL with @error set
 */
ArbStats *
arb_workspace_compute_stats (ArbWorkspace          *ws,
                             const ArbStatsOptions *options,
                             GError               **error)
{
  g_autoptr(ArbStats) stats = g_new0 (ArbStats, 1);
  g_autoptr(GPtrArray) raters = NULL;
  g_autoptr(GHashTable) rindex = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GPtrArray) systems = g_ptr_array_new_with_free_func ((GDestroyNotify) system_acc_free);
  g_autoptr(GHashTable) sindex = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) avg_length = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr(GArray) battles = g_array_new (FALSE, FALSE, sizeof (ArbBattle));
  g_autoptr(ArbBattleTable) table = NULL;
  g_autofree double *ratings = NULL, *low = NULL, *high = NULL;
  gint64 baseline_id = -1;
  guint baseline = G_MAXUINT, n;
  gboolean fitted = FALSE;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), NULL);

  raters = choose_raters (ws, options->raters, TRUE, error);
  if (raters == NULL)
    return NULL;
  rindex = rater_index (raters);
  rows = read_rows (ws, rindex, options->category, FALSE, error);
  if (rows == NULL)
    return NULL;
  stats->categories = list_categories (ws);
  if (options->baseline != NULL)
    {
      baseline_id = baseline_by_name (ws, options->baseline, error);
      if (baseline_id < 0)
        return NULL;
      baseline = system_index (sindex, systems, baseline_id);
    }

  /* Systems, in order of appearance; the default baseline is the one in most comparisons. */
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *r = &g_array_index (rows, Row, i);
      guint ia, ib;

      if (i > 0 && g_array_index (rows, Row, i - 1).comparison == r->comparison)
        continue;
      ia = system_index (sindex, systems, r->system_a);
      ib = system_index (sindex, systems, r->system_b);
      ((SystemAcc *) systems->pdata[ia])->n_comparisons++;
      ((SystemAcc *) systems->pdata[ib])->n_comparisons++;
    }
  if (!read_systems (ws, systems, sindex, options->category, avg_length, error))
    return NULL;
  if (baseline == G_MAXUINT && systems->len > 0)
    {
      baseline = 0;
      for (guint i = 1; i < systems->len; i++)
        {
          SystemAcc *s = systems->pdata[i], *b = systems->pdata[baseline];

          if (s->n_comparisons > b->n_comparisons ||
              (s->n_comparisons == b->n_comparisons && g_strcmp0 (s->name, b->name) < 0))
            baseline = i;
        }
    }
  n = systems->len;
  stats->n_systems = n;
  if (n > 0)
    stats->baseline = g_strdup (((SystemAcc *) systems->pdata[baseline])->name);

  /* Verdicts into battles and into preferences over the baseline. */
  for (guint i = 0; i < rows->len;)
    {
      const Row *r = &g_array_index (rows, Row, i);
      guint end = i + 1, first = G_MAXUINT, second = G_MAXUINT;
      guint a = system_index (sindex, systems, r->system_a);
      guint b = system_index (sindex, systems, r->system_b);
      g_autofree ArbVerdict *verdicts = NULL;
      g_autofree double *prefs = NULL;
      guint n_units = 0;

      while (end < rows->len &&
             g_array_index (rows, Row, end).comparison == r->comparison &&
             g_array_index (rows, Row, end).rater == r->rater &&
             g_array_index (rows, Row, end).sample == r->sample)
        end++;
      verdicts = g_new (ArbVerdict, end - i);
      prefs = g_new (double, end - i);
      for (guint k = i; k < end; k++)
        {
          const Row *rk = &g_array_index (rows, Row, k);

          stats->n_verdicts++;
          if (isnan (rk->preference))
            stats->n_failed++;
          if (rk->presented == ARB_PRESENTED_AB && first == G_MAXUINT)
            first = k;
          else if (rk->presented == ARB_PRESENTED_BA && second == G_MAXUINT)
            second = k;
        }

      if (options->orders == ARB_ORDERS_FASTCHAT && first != G_MAXUINT && second != G_MAXUINT)
        {
          ArbVerdict v1 = row_verdict (&g_array_index (rows, Row, first), options->failed);
          ArbVerdict v2 = row_verdict (&g_array_index (rows, Row, second), options->failed);
          ArbBattle battle;

          if (arb_battles_fastchat (a, b, &v1, &v2, &battle))
            {
              g_array_append_val (battles, battle);
              prefs[n_units++] = battle.outcome == ARB_OUTCOME_A ? 0.0
                                 : battle.outcome == ARB_OUTCOME_B ? 1.0 : 0.5;
            }
        }
      else
        {
          for (guint k = i; k < end; k++)
            {
              ArbVerdict v = row_verdict (&g_array_index (rows, Row, k), options->failed);
              ArbBattle out[3];
              gsize nb;

              if (isnan (v.preference))
                continue;
              nb = arb_battles_each (a, b, &v, 1, out);
              g_array_append_vals (battles, out, nb);
              prefs[n_units++] = v.preference;
            }
        }
      /* Preferences of the other system over the baseline. */
      if (a == baseline || b == baseline)
        {
          SystemAcc *s = systems->pdata[a == baseline ? b : a];

          for (guint k = 0; k < n_units; k++)
            {
              double x = a == baseline ? prefs[k] : 1.0 - prefs[k];
              gint64 own = a == baseline ? r->length_b : r->length_a;
              gint64 base = a == baseline ? r->length_a : r->length_b;

              g_array_append_val (s->x, x);
              g_array_append_val (s->length, own);
              g_array_append_val (s->baseline_length, base);
            }
        }
      i = end;
    }

  /* Does the longer response win? Every preference over the baseline, pooled. */
  {
    g_autoptr(GArray) x = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) own = g_array_new (FALSE, FALSE, sizeof (gint64));
    g_autoptr(GArray) base = g_array_new (FALSE, FALSE, sizeof (gint64));

    for (guint i = 0; i < n; i++)
      {
        SystemAcc *sa = systems->pdata[i];

        g_array_append_vals (x, sa->x->data, sa->x->len);
        g_array_append_vals (own, sa->length->data, sa->length->len);
        g_array_append_vals (base, sa->baseline_length->data, sa->baseline_length->len);
      }
    stats->n_length_bins = arb_win_rate_by_length ((const double *) x->data,
                                                   (const gint64 *) own->data,
                                                   (const gint64 *) base->data, x->len,
                                                   ARB_STATS_LENGTH_BINS, stats->length_bins);
  }

  /* Ratings. */
  ratings = g_new (double, MAX (n, 1));
  low = g_new (double, MAX (n, 1));
  high = g_new (double, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    ratings[i] = low[i] = high[i] = NAN;
  table = arb_battle_table_new (MAX (n, 1));
  arb_battle_table_add_battles (table, (const ArbBattle *) battles->data, battles->len);
  stats->n_battles = battles->len;
  if (n >= 2 && battles->len > 0)
    {
      ArbBtOptions bt;
      ArbBtInfo info;
      g_autoptr(GError) local = NULL;

      arb_bt_options_init (&bt);
      bt.anchor = baseline;
      if (options->method == ARB_STATS_METHOD_ELO)
        {
          ArbEloOptions elo;

          arb_elo_options_init (&elo);
          fitted = arb_elo_online ((const ArbBattle *) battles->data, battles->len, n, &elo,
                                   ratings);
        }
      else
        fitted = arb_bradley_terry_fit (table, &bt, ratings, &info, &local);
      if (!fitted)
        {
          for (guint i = 0; i < n; i++)
            ratings[i] = NAN;
        }
      else if (options->method != ARB_STATS_METHOD_ELO && options->bootstrap > 0)
        {
          ArbBootstrapOptions boot;

          arb_bootstrap_options_init (&boot);
          boot.rounds = options->bootstrap;
          boot.seed = options->seed;
          boot.ci = options->ci;
          boot.cancel = options->cancel;
          if (!arb_bradley_terry_bootstrap (table, &bt, &boot, low, high, NULL, &local))
            {
              if (g_error_matches (local, ARB_EVAL_ERROR, ARB_EVAL_ERROR_CANCELLED))
                {
                  g_propagate_error (error, g_steal_pointer (&local));
                  return NULL;
                }
              for (guint i = 0; i < n; i++)
                low[i] = high[i] = NAN;
            }
        }
    }

  /* The matrix. */
  stats->win_matrix = g_new (double, MAX (n * n, 1));
  stats->battle_matrix = g_new0 (guint64, MAX (n * n, 1));

  stats->systems = g_ptr_array_new_with_free_func ((GDestroyNotify) system_result_free);
  for (guint i = 0; i < n; i++)
    {
      SystemAcc *s = systems->pdata[i];
      ArbSystemResult *res = g_new0 (ArbSystemResult, 1);
      gint64 *avg = g_hash_table_lookup (avg_length, GUINT_TO_POINTER (i));

      res->system = g_strdup (s->name);
      res->is_baseline = i == baseline;
      res->avg_length = avg != NULL ? *avg : 0;
      res->lc_win_rate = NAN;
      if (res->is_baseline)
        {
          res->win_rate.win_rate = res->win_rate.discrete_win_rate = 50.0;
          res->win_rate.standard_error = NAN;
          res->lc_win_rate = 50.0;
        }
      else if (!arb_win_rate ((const double *) s->x->data, s->x->len, &res->win_rate))
        {
          res->win_rate.win_rate = res->win_rate.discrete_win_rate = NAN;
          res->win_rate.standard_error = NAN;
        }
      else
        {
          ArbLcOptions lc;
          ArbLcWinRate out;

          arb_lc_options_init (&lc);
          if (arb_lc_win_rate ((const double *) s->x->data, (const gint64 *) s->length->data,
                               (const gint64 *) s->baseline_length->data, s->x->len, &lc, &out,
                               NULL))
            res->lc_win_rate = out.length_controlled_win_rate;
        }
      res->rating = ratings[i];
      res->ci_low = low[i];
      res->ci_high = high[i];
      res->predicted_win_rate = arb_predicted_win_rate (ratings[i], ratings[baseline]);
      res->predicted_low = arb_predicted_win_rate (low[i], ratings[baseline]);
      res->predicted_high = arb_predicted_win_rate (high[i], ratings[baseline]);
      for (guint j = 0; j < n; j++)
        {
          guint64 w = arb_battle_table_get_count (table, i, j, ARB_OUTCOME_A);
          guint64 t = arb_battle_table_get_count (table, i, j, ARB_OUTCOME_TIE);
          guint64 l = arb_battle_table_get_count (table, i, j, ARB_OUTCOME_B);
          guint64 total = w + t + l;

          stats->battle_matrix[i * n + j] = total;
          stats->win_matrix[i * n + j] = total > 0 ? (w + 0.5 * t) / total : NAN;
          res->n_battles += total;
        }
      g_ptr_array_add (stats->systems, res);
    }

  /* Best first; the matrices follow the same order. */
  {
    g_autofree double *wm = g_memdup2 (stats->win_matrix, sizeof (double) * MAX (n * n, 1));
    g_autofree guint64 *bm = g_memdup2 (stats->battle_matrix, sizeof (guint64) * MAX (n * n, 1));
    g_autofree guint *old = g_new (guint, MAX (n, 1));
    g_autoptr(GHashTable) pos = g_hash_table_new (NULL, NULL);

    for (guint i = 0; i < n; i++)
      g_hash_table_insert (pos, stats->systems->pdata[i], GUINT_TO_POINTER (i));
    sort_method = options->method;
    g_ptr_array_sort (stats->systems, compare_results);
    for (guint i = 0; i < n; i++)
      old[i] = GPOINTER_TO_UINT (g_hash_table_lookup (pos, stats->systems->pdata[i]));
    for (guint i = 0; i < n; i++)
      for (guint j = 0; j < n; j++)
        {
          stats->win_matrix[i * n + j] = wm[old[i] * n + old[j]];
          stats->battle_matrix[i * n + j] = bm[old[i] * n + old[j]];
        }
  }
  return g_steal_pointer (&stats);
}

/* ---- agreement */

static int
pick_of (const Row       *row,
         ArbFailedPolicy  failed)
{
  if (isnan (row->preference))
    return failed == ARB_FAILED_TIE ? ARB_PICK_TIE : ARB_PICK_FAILED;
  return arb_pick_from_preference (row->preference);
}

/* RewardBench's strict accuracy of a rater's grades against the gold picks of the items. */
static gboolean
reward_accuracy (ArbWorkspace   *ws,
                 gint64          rater_id,
                 GArray         *item_ids,
                 const int      *gold,
                 ArbFailedPolicy failed,
                 ArbRaterResult *res,
                 GError        **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws,
    "SELECT (SELECT CASE WHEN g.status = 'ok' THEN g.score END FROM current_grades g"
    "        WHERE g.generation_id = c.a_id AND g.rater_id = ?2 ORDER BY g.sample LIMIT 1),"
    "       (SELECT CASE WHEN g.status = 'ok' THEN g.score END FROM current_grades g"
    "        WHERE g.generation_id = c.b_id AND g.rater_id = ?2 ORDER BY g.sample LIMIT 1),"
    "       ifnull (p.category, ''),"
    "       EXISTS (SELECT 1 FROM current_grades g WHERE g.rater_id = ?2"
    "               AND g.generation_id IN (c.a_id, c.b_id))"
    " FROM comparisons c JOIN prompts p ON p.id = c.prompt_id WHERE c.id = ?1", error);
  g_autoptr(GArray) chosen = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) rejected = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cats = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);

  if (stmt == NULL)
    return FALSE;
  for (guint it = 0; it < item_ids->len; it++)
    {
      double a, b, c, r;
      const char *cat;
      guint ci;
      gpointer v;

      if (gold[it] != ARB_PICK_A && gold[it] != ARB_PICK_B)
        continue;
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, g_array_index (item_ids, gint64, it));
      sqlite3_bind_int64 (stmt, 2, rater_id);
      if (sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_int (stmt, 3) == 0)
        continue;
      a = sqlite3_column_type (stmt, 0) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 0);
      b = sqlite3_column_type (stmt, 1) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 1);
      cat = (const char *) sqlite3_column_text (stmt, 2);
      if (!g_hash_table_lookup_extended (index, cat, NULL, &v))
        {
          char *name = g_strdup (cat);

          g_ptr_array_add (names, name);
          v = GUINT_TO_POINTER (names->len - 1);
          g_hash_table_insert (index, name, v);
        }
      ci = GPOINTER_TO_UINT (v);
      c = gold[it] == ARB_PICK_A ? a : b;
      r = gold[it] == ARB_PICK_A ? b : a;
      g_array_append_val (chosen, c);
      g_array_append_val (rejected, r);
      g_array_append_val (cats, ci);
    }
  sqlite3_reset (stmt);
  res->reward = (ArbAccuracy) { NAN, 0, 0 };
  res->reward_macro = NAN;
  if (chosen->len == 0)
    return TRUE;
  res->reward_by_category = g_new0 (ArbAccuracy, names->len);
  arb_reward_accuracy ((const double *) chosen->data, (const double *) rejected->data,
                       (const guint *) cats->data, chosen->len, names->len, failed,
                       res->reward_by_category, &res->reward, &res->reward_macro);
  g_ptr_array_add (names, NULL);
  res->reward_categories = (GStrv) g_ptr_array_steal (names, NULL);
  return TRUE;
}

static int
flip_pick (int pick)
{
  return pick == ARB_PICK_A ? ARB_PICK_B : pick == ARB_PICK_B ? ARB_PICK_A : pick;
}

/**
 * arb_workspace_compute_agreement:
 * @ws: a workspace
 * @options: which raters, the gold labels, the failed policy
 * @error: return location for an error
 *
 * Agreement between raters on the comparisons they share (Cohen's κ and percent agreement for
 * each pair, Fleiss' κ and Krippendorff's α over all), and for each rater its accuracy against
 * the gold labels, its per-order statistics when it was asked in both orders, and how often it
 * picked the response shown first. A rater's label on a comparison is the pick of its verdict;
 * asked in both orders, the pick both orders agree on, else a tie (FastChat's rule); the first
 * sample only.
 *
 * Returns: (transfer full): the results, or %NULL with @error set
 */
ArbAgreement *
arb_workspace_compute_agreement (ArbWorkspace              *ws,
                                 const ArbAgreementOptions *options,
                                 GError                   **error)
{
  g_autoptr(ArbAgreement) out = g_new0 (ArbAgreement, 1);
  g_autoptr(GPtrArray) raters = NULL;
  g_autoptr(GHashTable) rindex = NULL, items = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GArray) item_ids = NULL;
  g_autofree int *labels = NULL, *first = NULL, *second = NULL, *gold = NULL;
  g_autofree int *item_major = NULL;
  g_autofree gboolean *flip = NULL;
  g_autofree double *values = NULL;
  g_autoptr(GPtrArray) picks = NULL, presented = NULL, seconds = NULL;
  int gold_rater = -1;
  gboolean majority = g_strcmp0 (options->gold, "majority") == 0;
  guint nr, ni;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), NULL);

  raters = choose_raters (ws, options->raters, FALSE, error);
  if (raters == NULL)
    return NULL;
  /* The gold rater is read even when not among the raters compared. */
  if (options->gold != NULL && !majority)
    {
      gboolean have = FALSE;

      for (guint i = 0; i < raters->len && !have; i++)
        if (g_str_equal (((RaterInfo *) raters->pdata[i])->name, options->gold))
          {
            gold_rater = i;
            have = TRUE;
          }
      if (!have)
        {
          const char *names[] = { options->gold, NULL };
          g_autoptr(GPtrArray) g = choose_raters (ws, names, FALSE, error);

          if (g == NULL)
            return NULL;
          gold_rater = raters->len;
          g_ptr_array_add (raters, g_ptr_array_steal_index (g, 0));
        }
    }
  else if (options->gold == NULL)
    {
      g_autoptr(GPtrArray) all = choose_raters (ws, NULL, FALSE, error);
      int found = -1, count = 0;

      if (all == NULL)
        return NULL;
      for (guint i = 0; i < all->len; i++)
        if (g_strcmp0 (((RaterInfo *) all->pdata[i])->role, "gold") == 0)
          {
            found = i;
            count++;
          }
      if (count == 1)
        {
          const char *gname = ((RaterInfo *) all->pdata[found])->name;

          for (guint i = 0; i < raters->len && gold_rater < 0; i++)
            if (g_str_equal (((RaterInfo *) raters->pdata[i])->name, gname))
              gold_rater = i;
          if (gold_rater < 0)
            {
              gold_rater = raters->len;
              g_ptr_array_add (raters, g_ptr_array_steal_index (all, found));
            }
        }
    }
  if (gold_rater >= 0)
    out->gold = g_strdup (((RaterInfo *) raters->pdata[gold_rater])->name);
  else if (majority)
    out->gold = g_strdup ("majority");

  rindex = rater_index (raters);
  rows = read_rows (ws, rindex, options->category, TRUE, error);
  if (rows == NULL)
    return NULL;

  /* Sized once, so that the keys pointing into it never move. */
  item_ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), MAX (rows->len, 1));
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = &g_array_index (rows, Row, i);

      if (!g_hash_table_contains (items, &r->comparison))
        {
          g_array_append_val (item_ids, r->comparison);
          g_hash_table_insert (items, &g_array_index (item_ids, gint64, item_ids->len - 1),
                               GUINT_TO_POINTER (item_ids->len));
        }
    }

  nr = raters->len;
  ni = item_ids->len;
  /* Labels count in the order the comparison was shown: as stored when some verdict on it was
   * presented ab (or none has a known order), swapped when every known order is ba. Flipping an
   * item flips every rater's label on it alike, so only the marginals of the κs see it. */
  flip = g_new0 (gboolean, MAX (ni, 1));
  {
    g_autofree guint8 *seen = g_new0 (guint8, MAX (ni, 1));  /* bit 0: ab seen, bit 1: ba */

    for (guint i = 0; i < rows->len; i++)
      {
        const Row *r = &g_array_index (rows, Row, i);
        guint it = GPOINTER_TO_UINT (g_hash_table_lookup (items, &r->comparison)) - 1;

        if (r->presented == ARB_PRESENTED_AB)
          seen[it] |= 1;
        else if (r->presented == ARB_PRESENTED_BA)
          seen[it] |= 2;
      }
    for (guint it = 0; it < ni; it++)
      flip[it] = seen[it] == 2;
  }
  labels = g_new (int, MAX ((gsize) nr * ni, 1));
  first = g_new (int, MAX ((gsize) nr * ni, 1));
  second = g_new (int, MAX ((gsize) nr * ni, 1));
  for (gsize k = 0; k < (gsize) nr * ni; k++)
    labels[k] = first[k] = second[k] = ARB_PICK_MISSING;
  picks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  presented = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  seconds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  out->raters = g_ptr_array_new_with_free_func ((GDestroyNotify) rater_result_free);
  for (guint i = 0; i < nr; i++)
    {
      RaterInfo *info = raters->pdata[i];
      ArbRaterResult *res = g_new0 (ArbRaterResult, 1);

      res->rater = g_strdup (info->name);
      res->kind = g_strdup (info->kind);
      res->role = g_strdup (info->role);
      g_ptr_array_add (out->raters, res);
      g_ptr_array_add (picks, g_array_new (FALSE, FALSE, sizeof (int)));
      g_ptr_array_add (presented, g_array_new (FALSE, FALSE, sizeof (int)));
      g_ptr_array_add (seconds, g_array_new (FALSE, FALSE, sizeof (double)));
    }

  /* Labels: rater-major, labels[r·ni + item]. */
  for (guint i = 0; i < rows->len;)
    {
      const Row *r = &g_array_index (rows, Row, i);
      guint end = i + 1;
      guint ri = GPOINTER_TO_UINT (g_hash_table_lookup (rindex, &r->rater)) - 1;
      guint it = GPOINTER_TO_UINT (g_hash_table_lookup (items, &r->comparison)) - 1;
      gsize at = (gsize) ri * ni + it;
      ArbRaterResult *res = out->raters->pdata[ri];
      int p1 = ARB_PICK_MISSING, p2 = ARB_PICK_MISSING, other = ARB_PICK_MISSING;

      while (end < rows->len &&
             g_array_index (rows, Row, end).comparison == r->comparison &&
             g_array_index (rows, Row, end).rater == r->rater)
        end++;
      for (guint k = i; k < end; k++)
        {
          const Row *rk = &g_array_index (rows, Row, k);
          int p = pick_of (rk, options->failed);

          res->n_verdicts++;
          g_array_append_val (picks->pdata[ri], p);
          g_array_append_val (presented->pdata[ri], rk->presented);
          if (!isnan (rk->seconds) && rk->seconds >= 0)
            g_array_append_val (seconds->pdata[ri], rk->seconds);
          if (rk->sample != r->sample)
            continue;   /* the first sample only */
          if (rk->presented == ARB_PRESENTED_AB && p1 == ARB_PICK_MISSING)
            p1 = p;
          else if (rk->presented == ARB_PRESENTED_BA && p2 == ARB_PICK_MISSING)
            p2 = p;
          else if (other == ARB_PICK_MISSING)
            other = p;
        }
      res->n_items++;
      if (flip[it])
        {
          p1 = flip_pick (p1);
          p2 = flip_pick (p2);
          other = flip_pick (other);
        }
      first[at] = p1;
      second[at] = p2;
      if (p1 != ARB_PICK_MISSING && p2 != ARB_PICK_MISSING)
        {
          res->has_orders = TRUE;
          labels[at] = p1 == p2 ? p1 : (p1 < 0 || p2 < 0) ? ARB_PICK_FAILED : ARB_PICK_TIE;
        }
      else
        labels[at] = p1 != ARB_PICK_MISSING ? p1 : p2 != ARB_PICK_MISSING ? p2 : other;
      i = end;
    }

  /* Gold labels. */
  if (gold_rater >= 0 || majority)
    {
      gold = g_new (int, MAX (ni, 1));
      if (gold_rater >= 0)
        {
          for (guint it = 0; it < ni; it++)
            gold[it] = labels[(gsize) gold_rater * ni + it] >= 0
                       ? labels[(gsize) gold_rater * ni + it] : ARB_PICK_MISSING;
        }
      else
        {
          g_autofree int *human = NULL;
          guint nh = 0;

          for (guint ri = 0; ri < nr; ri++)
            if (g_strcmp0 (((RaterInfo *) raters->pdata[ri])->kind, "human") == 0 &&
                g_strcmp0 (((RaterInfo *) raters->pdata[ri])->role, "gold") != 0)
              nh++;
          human = g_new (int, MAX ((gsize) nh * ni, 1));
          for (guint it = 0; it < ni; it++)
            {
              guint h = 0;

              for (guint ri = 0; ri < nr; ri++)
                if (g_strcmp0 (((RaterInfo *) raters->pdata[ri])->kind, "human") == 0 &&
                    g_strcmp0 (((RaterInfo *) raters->pdata[ri])->role, "gold") != 0)
                  {
                    int l = labels[(gsize) ri * ni + it];

                    human[(gsize) it * nh + h++] = l >= 0 ? l : ARB_PICK_MISSING;
                  }
            }
          arb_majority_labels (human, ni, nh, gold);
        }
    }

  for (guint ri = 0; ri < nr; ri++)
    {
      ArbRaterResult *res = out->raters->pdata[ri];
      GArray *pk = picks->pdata[ri], *pr = presented->pdata[ri];

      if (gold != NULL && (int) ri != gold_rater)
        {
          g_autofree int *l = g_new (int, MAX (ni, 1));
          g_autofree int *g = g_new (int, MAX (ni, 1));
          gsize m = 0;

          for (guint it = 0; it < ni; it++)
            if (labels[(gsize) ri * ni + it] != ARB_PICK_MISSING)
              {
                l[m] = labels[(gsize) ri * ni + it];
                g[m++] = gold[it];
              }
          arb_accuracy (l, g, m, options->failed, &res->accuracy);
        }
      else
        res->accuracy = (ArbAccuracy) { NAN, 0, 0 };
      if (res->has_orders)
        {
          g_autofree int *f = g_new (int, MAX (ni, 1));
          g_autofree int *s = g_new (int, MAX (ni, 1));
          g_autofree int *g = g_new (int, MAX (ni, 1));
          gsize m = 0;

          for (guint it = 0; it < ni; it++)
            if (first[(gsize) ri * ni + it] != ARB_PICK_MISSING &&
                second[(gsize) ri * ni + it] != ARB_PICK_MISSING)
              {
                f[m] = first[(gsize) ri * ni + it];
                s[m] = second[(gsize) ri * ni + it];
                g[m++] = gold != NULL ? gold[it] : ARB_PICK_MISSING;
              }
          arb_order_accuracy (f, s, g, m, options->failed, &res->orders);
        }
      arb_first_position_rate ((const int *) pk->data, (const int *) pr->data, pk->len,
                               &res->position);
      res->reward = (ArbAccuracy) { NAN, 0, 0 };
      res->reward_macro = NAN;
      if (gold != NULL && (int) ri != gold_rater &&
          !reward_accuracy (ws, ((RaterInfo *) raters->pdata[ri])->id, item_ids, gold,
                            options->failed, res, error))
        return NULL;
      {
        GArray *sec = seconds->pdata[ri];

        res->median_seconds = arb_quantile ((double *) sec->data, sec->len, 0.5);
      }
    }

  /* Between raters (the gold rater included when it is one of them). */
  out->n_raters = nr;
  out->n_items = ni;
  out->cohen_kappa = g_new (double, MAX ((gsize) nr * nr, 1));
  out->percent_agreement = g_new (double, MAX ((gsize) nr * nr, 1));
  out->n_common = g_new0 (guint, MAX ((gsize) nr * nr, 1));
  for (gsize k = 0; k < (gsize) nr * ni; k++)
    if (labels[k] < 0 && !(labels[k] == ARB_PICK_FAILED && options->failed == ARB_FAILED_TIE))
      labels[k] = ARB_PICK_MISSING;
  for (guint x = 0; x < nr; x++)
    for (guint y = 0; y < nr; y++)
      {
        ArbPercentAgreement pa;
        guint used = 0;

        if (x == y)
          {
            out->cohen_kappa[x * nr + y] = out->percent_agreement[x * nr + y] = NAN;
            continue;
          }
        out->cohen_kappa[x * nr + y] = arb_cohen_kappa (labels + (gsize) x * ni,
                                                        labels + (gsize) y * ni, ni, &used);
        if (arb_percent_agreement (labels + (gsize) x * ni, labels + (gsize) y * ni, ni,
                                   ARB_PICK_TIE, &pa))
          out->percent_agreement[x * nr + y] = pa.agreement;
        else
          out->percent_agreement[x * nr + y] = NAN;
        out->n_common[x * nr + y] = used;
      }
  for (guint x = 0; x < nr; x++)
    {
      ArbRaterResult *res = out->raters->pdata[x];
      double sum = 0;
      guint m = 0;

      for (guint y = 0; y < nr; y++)
        if (y != x && !isnan (out->cohen_kappa[x * nr + y]))
          {
            sum += out->cohen_kappa[x * nr + y];
            m++;
          }
      res->mean_kappa = m > 0 ? sum / m : NAN;
    }
  item_major = g_new (int, MAX ((gsize) nr * ni, 1));
  values = g_new (double, MAX ((gsize) nr * ni, 1));
  for (guint ri = 0; ri < nr; ri++)
    for (guint it = 0; it < ni; it++)
      {
        int l = labels[(gsize) ri * ni + it];

        item_major[(gsize) it * nr + ri] = l;
        values[(gsize) ri * ni + it] = l >= 0 ? l : NAN;
      }
  out->fleiss_kappa = nr >= 2 ? arb_fleiss_kappa (item_major, ni, nr, &out->fleiss_n) : NAN;
  out->alpha_nominal = arb_krippendorff_alpha (values, nr, ni, ARB_ALPHA_NOMINAL);
  out->alpha_ordinal = arb_krippendorff_alpha (values, nr, ni, ARB_ALPHA_ORDINAL);
  out->alpha_interval = arb_krippendorff_alpha (values, nr, ni, ARB_ALPHA_INTERVAL);
  return g_steal_pointer (&out);
}

/**
 * arb_workspace_paired_test:
 * @ws: a workspace
 * @options: raters, baseline, category, failed policy, bootstrap rounds, ci and seed
 * @x: a system's name
 * @y: another system's name
 * @out: (out caller-allocates): the difference of mean preferences over the baseline, its
 *   interval and the one-sided p-value for "x is better than y"
 * @error: return location for an error
 *
 * The paired bootstrap test over prompts (arb_paired_bootstrap): for every prompt on which both
 * systems were compared with the baseline, the mean preference of each over the baseline on it
 * (every verdict its own preference, as the `each` rule); prompts are resampled with their pair.
 *
 * Returns: %TRUE on success
 */
gboolean
arb_workspace_paired_test (ArbWorkspace          *ws,
                           const ArbStatsOptions *options,
                           const char            *x,
                           const char            *y,
                           ArbPairedTest         *out,
                           GError               **error)
{
  g_autoptr(GPtrArray) raters = NULL;
  g_autoptr(GHashTable) rindex = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GHashTable) prompts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GArray) xs = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ys = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *baseline = NULL;
  gint64 xid, yid, bid;
  ArbBootstrapOptions boot;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), FALSE);

  if ((xid = baseline_by_name (ws, x, error)) < 0 || (yid = baseline_by_name (ws, y, error)) < 0)
    return FALSE;
  if (options->baseline != NULL)
    baseline = g_strdup (options->baseline);
  else
    {
      ArbStatsOptions o = *options;
      g_autoptr(ArbStats) stats = NULL;

      o.bootstrap = 0;
      stats = arb_workspace_compute_stats (ws, &o, error);
      if (stats == NULL)
        return FALSE;
      baseline = g_strdup (stats->baseline);
    }
  if (baseline == NULL || (bid = baseline_by_name (ws, baseline, error)) < 0)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                     _("%s: no verdicts between systems to test"), arb_workspace_get_path (ws));
      return FALSE;
    }
  raters = choose_raters (ws, options->raters, TRUE, error);
  if (raters == NULL)
    return FALSE;
  rindex = rater_index (raters);
  rows = read_rows (ws, rindex, options->category, FALSE, error);
  if (rows == NULL)
    return FALSE;

  /* Per prompt: sums and counts of x's and y's preferences over the baseline. */
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *r = &g_array_index (rows, Row, i);
      ArbVerdict v = row_verdict (r, options->failed);
      gint64 other = r->system_a == bid ? r->system_b : r->system_b == bid ? r->system_a : -1;
      double pref, *acc;

      if (isnan (v.preference) || (other != xid && other != yid))
        continue;
      pref = r->system_a == bid ? v.preference : 1.0 - v.preference;
      acc = g_hash_table_lookup (prompts, &r->prompt);
      if (acc == NULL)
        {
          gint64 *key = g_new (gint64, 1);

          *key = r->prompt;
          acc = g_new0 (double, 4);
          g_hash_table_insert (prompts, key, acc);
        }
      acc[other == xid ? 0 : 2] += pref;
      acc[other == xid ? 1 : 3] += 1;
    }
  g_hash_table_iter_init (&iter, prompts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      double *acc = value;
      double mx, my;

      if (acc[1] == 0 || acc[3] == 0)
        continue;
      mx = acc[0] / acc[1];
      my = acc[2] / acc[3];
      g_array_append_val (xs, mx);
      g_array_append_val (ys, my);
    }
  if (xs->len == 0)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                   _("%s: no prompt on which both %s and %s were compared with %s"),
                   arb_workspace_get_path (ws), x, y, baseline);
      return FALSE;
    }
  arb_bootstrap_options_init (&boot);
  boot.rounds = options->bootstrap > 0 ? options->bootstrap : 1000;
  boot.seed = options->seed;
  boot.ci = options->ci;
  boot.cancel = options->cancel;
  return arb_paired_bootstrap ((const double *) xs->data, (const double *) ys->data, xs->len,
                               &boot, out, error);
}
