/* arb-calls.c: the `calls` table (the cache of model requests) and machine verdicts
 *
 * A call row is written once a request has a good answer or has been given up; a key whose row
 * holds a response with HTTP status 200 is answered and is never sent again. The caller writes
 * from one thread and wraps batches in arb_calls_begin/arb_calls_commit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <json.h>

#include "arb-calls.h"
#include "arb-workspace-private.h"

void
arb_judge_item_free (ArbJudgeItem *item)
{
  if (item == NULL)
    return;
  g_free (item->question);
  g_free (item->messages);
  g_free (item->reference);
  g_free (item->text_a);
  g_free (item->text_b);
  g_free (item);
}

/* The content of the last user message of a canonical messages array. */
static char *
last_user_content (const char *messages)
{
  json_object *root = json_tokener_parse (messages);
  char *content = NULL;

  if (root != NULL && json_object_is_type (root, json_type_array))
    for (size_t i = json_object_array_length (root); i > 0 && content == NULL; i--)
      {
        json_object *m = json_object_array_get_idx (root, i - 1);
        json_object *role, *text;

        if (json_object_object_get_ex (m, "role", &role) &&
            g_strcmp0 (json_object_get_string (role), "user") == 0 &&
            json_object_object_get_ex (m, "content", &text))
          content = g_strdup (json_object_get_string (text));
      }
  json_object_put (root);
  return content != NULL ? content : g_strdup ("");
}

/**
 * arb_calls_list_comparisons:
 *
 * Returns: (transfer full) (element-type ArbJudgeItem): every visible comparison in id order,
 *   or NULL on error
 */
GPtrArray *
arb_calls_list_comparisons (ArbWorkspace  *ws,
                            GError       **error)
{
  return arb_calls_list_comparisons_page (ws, -1, -1, error);
}

/**
 * arb_calls_list_comparisons_page:
 * @after_id: list comparisons with a larger id only (-1: from the first)
 * @limit: at most this many (-1: all)
 *
 * Returns: (transfer full) (element-type ArbJudgeItem): visible comparisons in id order, or
 *   NULL on error
 */
GPtrArray *
arb_calls_list_comparisons_page (ArbWorkspace  *ws,
                                 gint64         after_id,
                                 gint64         limit,
                                 GError       **error)
{
  return arb_calls_list_comparisons_of (ws, after_id, limit, NULL, error);
}

/**
 * arb_calls_list_comparisons_of:
 * @systems: (nullable) (array zero-terminated=1): only comparisons whose two systems are both
 *   among these names; %NULL or empty: every comparison
 *
 * As arb_calls_list_comparisons_page(), for a chosen set of systems.
 */
GPtrArray *
arb_calls_list_comparisons_of (ArbWorkspace       *ws,
                               gint64              after_id,
                               gint64              limit,
                               const char * const *systems,
                               GError            **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *names = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) arb_judge_item_free);
  int rc;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), NULL);

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT c.id, p.messages, p.reference, ga.text, gb.text, "
                                 "c.a_id, c.b_id "
                                 "FROM visible_comparisons c JOIN prompts p ON p.id = c.prompt_id "
                                 "JOIN generations ga ON ga.id = c.a_id "
                                 "JOIN generations gb ON gb.id = c.b_id WHERE c.id > ?1 "
                                 "AND (?3 IS NULL OR ("
                                 " (SELECT name FROM systems WHERE id = ga.system_id)"
                                 "   IN (SELECT value FROM json_each (?3)) AND"
                                 " (SELECT name FROM systems WHERE id = gb.system_id)"
                                 "   IN (SELECT value FROM json_each (?3)))) "
                                 "ORDER BY c.id LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_id);
  sqlite3_bind_int64 (stmt, 2, limit);
  if (systems != NULL && systems[0] != NULL)
    {
      json_object *array = json_object_new_array ();

      for (guint i = 0; systems[i] != NULL; i++)
        json_object_array_add (array, json_object_new_string (systems[i]));
      names = g_strdup (json_object_to_json_string_ext (array, JSON_C_TO_STRING_PLAIN));
      json_object_put (array);
      sqlite3_bind_text (stmt, 3, names, -1, SQLITE_TRANSIENT);
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ArbJudgeItem *item = g_new0 (ArbJudgeItem, 1);

      item->comparison_id = sqlite3_column_int64 (stmt, 0);
      item->question = last_user_content ((const char *) sqlite3_column_text (stmt, 1));
      item->messages = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      item->reference = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      item->text_a = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      item->text_b = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      item->a_id = sqlite3_column_int64 (stmt, 5);
      item->b_id = sqlite3_column_int64 (stmt, 6);
      g_ptr_array_add (items, item);
    }
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "listing comparisons");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&items);
}

/**
 * arb_calls_list_settled:
 *
 * The rater's current verdicts that need no more calls, as keys "COMPARISON:PRESENTED:SAMPLE":
 * those with status ok, and unparseable ones too when @with_unparseable (a run that re-parses
 * stored replies leaves them out).
 *
 * Returns: (transfer full): a set of strings, or NULL on error
 */
GHashTable *
arb_calls_list_settled (ArbWorkspace  *ws,
                        gint64         rater_id,
                        gboolean       with_unparseable,
                        GError       **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GHashTable) set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int rc;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT comparison_id, ifnull (presented, ''), sample "
                                 "FROM current_verdicts WHERE rater_id = ? "
                                 "AND (status = 'ok' OR (? AND status = 'unparseable'))",
                                 error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, rater_id);
  sqlite3_bind_int (stmt, 2, with_unparseable);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (set, g_strdup_printf ("%" G_GINT64_FORMAT ":%s:%d",
                                            (gint64) sqlite3_column_int64 (stmt, 0),
                                            sqlite3_column_text (stmt, 1),
                                            sqlite3_column_int (stmt, 2)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "listing verdicts");
      return NULL;
    }
  return g_steal_pointer (&set);
}

/**
 * arb_calls_lookup_answered:
 * @out_call_id: (out): the call's id
 *
 * Returns: (transfer full) (nullable): the stored response of an answered key, or NULL (error
 *   set only when the query failed)
 */
char *
arb_calls_lookup_answered (ArbWorkspace  *ws,
                           const char    *key,
                           gint64        *out_call_id,
                           GError       **error)
{
  sqlite3_stmt *stmt;
  char *response = NULL;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT id, response FROM calls WHERE key = ? "
                                 "AND response IS NOT NULL", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *out_call_id = sqlite3_column_int64 (stmt, 0);
      response = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  return response;
}

static void
bind_optional_int (sqlite3_stmt *stmt,
                   int           index,
                   gint64        value)
{
  if (value >= 0)
    sqlite3_bind_int64 (stmt, index, value);
}

/**
 * arb_calls_store:
 *
 * Writes a call, or updates the row of a key that was tried before (its attempts add up).
 *
 * Returns: the call's id, or -1 on error
 */
gint64
arb_calls_store (ArbWorkspace         *ws,
                 const ArbCallRecord  *r,
                 GError              **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *now = _arb_now_iso8601 ();
  gint64 id = -1;

  stmt = _arb_workspace_prepare (ws,
                                 "INSERT INTO calls (uuid, key, kind, model, request, response, "
                                 "http_status, attempts, latency_ms, input_tokens, output_tokens, "
                                 "error, created_at, finished_at, cost) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                 "ON CONFLICT (key) DO UPDATE SET response = excluded.response, "
                                 "http_status = excluded.http_status, "
                                 "attempts = calls.attempts + excluded.attempts, "
                                 "latency_ms = excluded.latency_ms, "
                                 "input_tokens = excluded.input_tokens, "
                                 "output_tokens = excluded.output_tokens, "
                                 "error = excluded.error, finished_at = excluded.finished_at, "
                                 "cost = excluded.cost",
                                 error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, r->key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, r->kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, r->model, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, r->request, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, r->response, -1, SQLITE_STATIC);
  if (r->http_status > 0)
    sqlite3_bind_int (stmt, 7, r->http_status);
  sqlite3_bind_int (stmt, 8, r->attempts);
  sqlite3_bind_double (stmt, 9, r->latency_ms);
  bind_optional_int (stmt, 10, r->input_tokens);
  bind_optional_int (stmt, 11, r->output_tokens);
  sqlite3_bind_text (stmt, 12, r->error, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 13, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 14, now, -1, SQLITE_STATIC);
  if (r->cost >= 0)
    sqlite3_bind_double (stmt, 15, r->cost);
  if (!_arb_workspace_step_done (ws, stmt, error))
    return -1;

  stmt = _arb_workspace_prepare (ws, "SELECT id FROM calls WHERE key = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, r->key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return id;
}

/**
 * arb_calls_store_verdict:
 * @preference: NAN when there is none (unparseable, failed)
 * @strength: -1 when there is none
 * @call_id: -1 when no call was made (identical texts)
 *
 * Writes a machine verdict, superseding the rater's current one with the same comparison,
 * presented order and sample. Machine verdicts log no human event.
 */
gboolean
arb_calls_store_verdict (ArbWorkspace  *ws,
                         gint64         comparison_id,
                         gint64         rater_id,
                         const char    *status,
                         double         preference,
                         int            strength,
                         const char    *presented,
                         int            sample,
                         gint64         call_id,
                         const char    *raw,
                         GError       **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *now = _arb_now_iso8601 ();
  gint64 old_id = -1, new_id;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT id FROM verdicts WHERE comparison_id = ? AND rater_id = ? "
                                 "AND ifnull (presented, '') = ifnull (?, '') AND sample = ? "
                                 "AND superseded_by IS NULL", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, comparison_id);
  sqlite3_bind_int64 (stmt, 2, rater_id);
  sqlite3_bind_text (stmt, 3, presented, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, sample);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    old_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  /* The old verdict steps aside first, since the natural key holds among current verdicts. */
  if (old_id >= 0)
    {
      stmt = _arb_workspace_prepare (ws, "UPDATE verdicts SET superseded_by = -1 WHERE id = ?",
                                     error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, old_id);
      if (!_arb_workspace_step_done (ws, stmt, error))
        return FALSE;
    }

  stmt = _arb_workspace_prepare (ws,
                                 "INSERT INTO verdicts (uuid, comparison_id, rater_id, preference, "
                                 "strength, status, presented, sample, created_at, call_id, raw) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, comparison_id);
  sqlite3_bind_int64 (stmt, 3, rater_id);
  if (!isnan (preference))
    sqlite3_bind_double (stmt, 4, preference);
  if (strength >= 0)
    sqlite3_bind_int (stmt, 5, strength);
  sqlite3_bind_text (stmt, 6, status, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, presented, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 8, sample);
  sqlite3_bind_text (stmt, 9, now, -1, SQLITE_STATIC);
  if (call_id >= 0)
    sqlite3_bind_int64 (stmt, 10, call_id);
  sqlite3_bind_text (stmt, 11, raw, -1, SQLITE_STATIC);
  if (!_arb_workspace_step_done (ws, stmt, error))
    return FALSE;
  new_id = sqlite3_last_insert_rowid (_arb_workspace_get_db (ws));

  if (old_id >= 0)
    {
      stmt = _arb_workspace_prepare (ws, "UPDATE verdicts SET superseded_by = ? WHERE id = ?",
                                     error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, new_id);
      sqlite3_bind_int64 (stmt, 2, old_id);
      if (!_arb_workspace_step_done (ws, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * arb_calls_store_grade:
 * @score: NAN when there is none (unparseable, failed)
 *
 * Writes a machine grade of one generation, superseding the rater's current one with the same
 * sample.
 */
gboolean
arb_calls_store_grade (ArbWorkspace  *ws,
                       gint64         generation_id,
                       gint64         rater_id,
                       const char    *status,
                       double         score,
                       int            sample,
                       gint64         call_id,
                       const char    *raw,
                       GError       **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *now = _arb_now_iso8601 ();
  gint64 old_id = -1, new_id;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT id FROM grades WHERE generation_id = ? AND rater_id = ? "
                                 "AND sample = ? AND superseded_by IS NULL", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, generation_id);
  sqlite3_bind_int64 (stmt, 2, rater_id);
  sqlite3_bind_int (stmt, 3, sample);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    old_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (old_id >= 0)
    {
      stmt = _arb_workspace_prepare (ws, "UPDATE grades SET superseded_by = -1 WHERE id = ?",
                                     error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, old_id);
      if (!_arb_workspace_step_done (ws, stmt, error))
        return FALSE;
    }
  stmt = _arb_workspace_prepare (ws,
                                 "INSERT INTO grades (uuid, generation_id, rater_id, score, status, "
                                 "sample, created_at, call_id, raw) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, generation_id);
  sqlite3_bind_int64 (stmt, 3, rater_id);
  if (!isnan (score))
    sqlite3_bind_double (stmt, 4, score);
  sqlite3_bind_text (stmt, 5, status, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 6, sample);
  sqlite3_bind_text (stmt, 7, now, -1, SQLITE_STATIC);
  if (call_id >= 0)
    sqlite3_bind_int64 (stmt, 8, call_id);
  sqlite3_bind_text (stmt, 9, raw, -1, SQLITE_STATIC);
  if (!_arb_workspace_step_done (ws, stmt, error))
    return FALSE;
  new_id = sqlite3_last_insert_rowid (_arb_workspace_get_db (ws));
  if (old_id >= 0)
    {
      stmt = _arb_workspace_prepare (ws, "UPDATE grades SET superseded_by = ? WHERE id = ?",
                                     error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, new_id);
      sqlite3_bind_int64 (stmt, 2, old_id);
      if (!_arb_workspace_step_done (ws, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * arb_calls_list_grades:
 *
 * The rater's current grades with status ok or unparseable, as keys "GENERATION:SAMPLE" with
 * the score (NAN when unparseable) in a newly allocated double.
 *
 * Returns: (transfer full): string → double*, or NULL on error
 */
GHashTable *
arb_calls_list_grades (ArbWorkspace  *ws,
                       gint64         rater_id,
                       GError       **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GHashTable) map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int rc;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT generation_id, sample, status, score FROM current_grades "
                                 "WHERE rater_id = ? AND status <> 'failed'", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, rater_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      double *score = g_new (double, 1);

      *score = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), "ok") == 0
                 ? sqlite3_column_double (stmt, 3) : NAN;
      g_hash_table_insert (map, g_strdup_printf ("%" G_GINT64_FORMAT ":%d",
                                                 (gint64) sqlite3_column_int64 (stmt, 0),
                                                 sqlite3_column_int (stmt, 1)), score);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "listing grades");
      return NULL;
    }
  return g_steal_pointer (&map);
}

/**
 * arb_calls_find_rater:
 * @out_kind: (out) (optional): the rater's kind
 * @out_config: (out) (optional) (nullable): its identity config
 *
 * Returns: the id of the rater named @name, 0 when there is none, -1 on error
 */
gint64
arb_calls_find_rater (ArbWorkspace  *ws,
                      const char    *name,
                      char         **out_kind,
                      char         **out_config,
                      GError       **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws, "SELECT id, kind, config FROM raters "
                                               "WHERE name = ?", error);
  gint64 id = 0;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (stmt, 0);
      if (out_kind != NULL)
        *out_kind = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      if (out_config != NULL)
        *out_config = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  return id;
}

gboolean
arb_calls_set_rater_config (ArbWorkspace  *ws,
                            gint64         rater_id,
                            const char    *config,
                            GError       **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws, "UPDATE raters SET config = ? WHERE id = ?",
                                               error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, config, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, rater_id);
  return _arb_workspace_step_done (ws, stmt, error);
}

gboolean
arb_calls_begin (ArbWorkspace  *ws,
                 GError       **error)
{
  return _arb_workspace_exec (ws, "BEGIN IMMEDIATE", error);
}

gboolean
arb_calls_commit (ArbWorkspace  *ws,
                  GError       **error)
{
  return _arb_workspace_exec (ws, "COMMIT", error);
}

void
arb_calls_rollback (ArbWorkspace *ws)
{
  _arb_workspace_exec (ws, "ROLLBACK", NULL);
}
