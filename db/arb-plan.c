/* arb-plan.c: making comparisons between the generations of each prompt
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "arb-plan.h"
#include "arb-workspace-private.h"

#define BATCH_MICROSECONDS (40 * 1000)

typedef struct
{
  gint64 id;
  gint64 system_id;
} Gen;

typedef struct
{
  gint64 a;
  gint64 b;
} Pair;

/* A per-prompt random stream from the prompt's content key: the same seed and prompt choose the
 * same pairs in any workspace built from the same files, whatever else it holds. */
static guint32
prompt_seed (guint64     seed,
             const char *prompt_key)
{
  guint32 h = g_str_hash (prompt_key);

  return h ^ (guint32) seed ^ (guint32) (seed >> 32) ^ 0x9e3779b9u;
}

static gboolean
plan_prompt (ArbWorkspace          *self,
             gint64                 prompt_id,
             const char            *prompt_uuid,
             GArray                *gens,
             gint64                 baseline_id,
             const ArbPlanOptions  *options,
             ArbPlanResult         *result,
             GError               **error)
{
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  guint n;
  sqlite3_stmt *stmt;

  for (guint i = 0; i < gens->len; i++)
    for (guint j = i + 1; j < gens->len; j++)
      {
        Gen *x = &g_array_index (gens, Gen, i), *y = &g_array_index (gens, Gen, j);
        Pair p = { MIN (x->id, y->id), MAX (x->id, y->id) };

        if (x->system_id == y->system_id)
          continue;
        if (baseline_id > 0 && x->system_id != baseline_id && y->system_id != baseline_id)
          continue;
        g_array_append_val (pairs, p);
      }
  if (pairs->len == 0)
    return TRUE;
  result->prompts++;

  n = pairs->len;
  if (options->per_prompt > 0 && n > options->per_prompt)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (prompt_seed (options->seed, prompt_uuid));

      /* A partial Fisher-Yates shuffle picks per_prompt pairs uniformly. */
      for (guint i = 0; i < options->per_prompt; i++)
        {
          guint k = g_rand_int_range (rand, i, n);
          Pair tmp = g_array_index (pairs, Pair, i);

          g_array_index (pairs, Pair, i) = g_array_index (pairs, Pair, k);
          g_array_index (pairs, Pair, k) = tmp;
        }
      n = options->per_prompt;
    }

  stmt = _arb_workspace_prepare (self,
                                 "INSERT INTO comparisons (uuid, prompt_id, a_id, b_id) "
                                 "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      Pair *p = &g_array_index (pairs, Pair, i);

      sqlite3_bind_text (stmt, 1, g_uuid_string_random (), -1, g_free);
      sqlite3_bind_int64 (stmt, 2, prompt_id);
      sqlite3_bind_int64 (stmt, 3, p->a);
      sqlite3_bind_int64 (stmt, 4, p->b);
      if (!_arb_workspace_step_done (self, stmt, error))
        return FALSE;
      result->planned++;
      result->added += sqlite3_changes (_arb_workspace_get_db (self));
    }
  return TRUE;
}

/**
 * arb_workspace_plan:
 * @options: all pairs or against a baseline; how many per prompt; the seed
 * @out_result: (out): what was planned and added
 *
 * Creates comparisons between generations of different systems for every prompt. Comparisons that
 * exist already are kept, so planning twice adds nothing; the work is committed in short
 * batches, so a plan that is interrupted is completed by running it again.
 */
gboolean
arb_workspace_plan (ArbWorkspace          *self,
                    const ArbPlanOptions  *options,
                    ArbPlanResult         *out_result,
                    GCancellable          *cancellable,
                    GError               **error)
{
  sqlite3 *db = _arb_workspace_get_db (self);
  sqlite3_stmt *prompts = NULL;
  sqlite3_stmt *gens_stmt;
  g_autoptr(GArray) gens = g_array_new (FALSE, FALSE, sizeof (Gen));
  gint64 baseline_id = 0;
  gint64 last_prompt = 0;
  gint64 batch_start;
  ArbPlanResult result = { 0 };

  g_return_val_if_fail (ARB_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (options->baseline != NULL)
    {
      sqlite3_stmt *stmt = _arb_workspace_prepare (self,
                                                   "SELECT id FROM visible_systems WHERE name = ?",
                                                   error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, options->baseline, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        baseline_id = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (baseline_id == 0)
        {
          g_auto(GStrv) names = arb_workspace_list_systems (self, NULL);
          g_autofree char *list = names ? g_strjoinv (", ", names) : g_strdup ("");

          g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                       "no system named \"%s\" (the systems are: %s)", options->baseline,
                       *list ? list : "none yet");
          return FALSE;
        }
    }

  /* Prompts are walked in id order, a page at a time, each page in its own short transaction. */
  if (sqlite3_prepare_v2 (db, "SELECT id, key FROM visible_prompts WHERE id > ? ORDER BY id "
                              "LIMIT 1", -1, &prompts, NULL) != SQLITE_OK)
    {
      _arb_set_sqlite_error (error, db, "planning");
      return FALSE;
    }
  gens_stmt = _arb_workspace_prepare (self,
                                      "SELECT id, system_id FROM visible_generations "
                                      "WHERE prompt_id = ? ORDER BY id", error);
  if (gens_stmt == NULL)
    goto fail_nobegin;

  if (!_arb_workspace_exec (self, "BEGIN IMMEDIATE", error))
    goto fail_nobegin;
  batch_start = g_get_monotonic_time ();
  for (;;)
    {
      gint64 prompt_id;
      g_autofree char *uuid = NULL;
      int rc;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto fail;
      sqlite3_bind_int64 (prompts, 1, last_prompt);
      rc = sqlite3_step (prompts);
      if (rc == SQLITE_DONE)
        {
          sqlite3_reset (prompts);
          break;
        }
      if (rc != SQLITE_ROW)
        {
          _arb_set_sqlite_error (error, db, "planning");
          sqlite3_reset (prompts);
          goto fail;
        }
      prompt_id = sqlite3_column_int64 (prompts, 0);
      uuid = g_strdup ((const char *) sqlite3_column_text (prompts, 1));
      sqlite3_reset (prompts);
      last_prompt = prompt_id;

      g_array_set_size (gens, 0);
      sqlite3_reset (gens_stmt);
      sqlite3_bind_int64 (gens_stmt, 1, prompt_id);
      while (sqlite3_step (gens_stmt) == SQLITE_ROW)
        {
          Gen g = { sqlite3_column_int64 (gens_stmt, 0), sqlite3_column_int64 (gens_stmt, 1) };
          g_array_append_val (gens, g);
        }
      sqlite3_reset (gens_stmt);

      if (!plan_prompt (self, prompt_id, uuid, gens, baseline_id, options, &result, error))
        goto fail;

      if (g_get_monotonic_time () - batch_start > BATCH_MICROSECONDS)
        {
          if (!_arb_workspace_exec (self, "COMMIT", error) ||
              !_arb_workspace_exec (self, "BEGIN IMMEDIATE", error))
            goto fail;
          batch_start = g_get_monotonic_time ();
        }
    }
  if (!_arb_workspace_exec (self, "COMMIT", error))
    goto fail;
  sqlite3_finalize (prompts);
  if (out_result != NULL)
    *out_result = result;
  return TRUE;

fail:
  _arb_workspace_exec (self, "ROLLBACK", NULL);
fail_nobegin:
  sqlite3_finalize (prompts);
  return FALSE;
}
