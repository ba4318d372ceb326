/* arb-review.c: comparisons on which human annotators disagree, and their adjudication
 *
 * A comparison is in dispute when its current verdicts from human annotators (role annotator,
 * live or imported, status ok) do not all fall on the same side: some prefer a, some b, or some
 * call it a tie while others do not. It stays in dispute until an adjudicator's verdict exists;
 * an adjudicator's verdict is the final word (exports always take it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "arb-review.h"
#include "arb-workspace-private.h"

void
arb_verdict_info_free (ArbVerdictInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->rater);
  g_free (info->kind);
  g_free (info->role);
  g_free (info->status);
  g_free (info->presented);
  g_free (info->rationale);
  g_free (info);
}

/**
 * arb_workspace_list_disagreements:
 * @limit: at most this many (0: no limit)
 *
 * Returns: (transfer full) (element-type gint64): the disputed comparisons without an
 *   adjudicator's verdict, most verdicts first
 */
GArray *
arb_workspace_list_disagreements (ArbWorkspace  *self,
                                  guint          limit,
                                  GError       **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (self,
                                 "SELECT v.comparison_id FROM current_verdicts v"
                                 " JOIN raters r ON r.id = v.rater_id"
                                 /* Driven by the (few) verdicts: not `IN visible_comparisons`,
                                  * which builds a set of every comparison (0.5 s at a million). */
                                 " JOIN comparisons c ON c.id = v.comparison_id"
                                 " WHERE r.kind = 'human' AND r.role = 'annotator' AND v.status = 'ok'"
                                 " AND (c.import_id IS NULL OR c.import_id IN"
                                 "      (SELECT id FROM imports WHERE state = 'done'))"
                                 " AND NOT EXISTS (SELECT 1 FROM current_verdicts a JOIN raters ar"
                                 "   ON ar.id = a.rater_id WHERE a.comparison_id = v.comparison_id"
                                 "   AND ar.role = 'adjudicator')"
                                 " GROUP BY v.comparison_id"
                                 " HAVING min (sign (v.preference - 0.5)) <> max (sign (v.preference - 0.5))"
                                 " ORDER BY count(*) DESC, v.comparison_id"
                                 " LIMIT ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit > 0 ? (gint64) limit : G_MAXINT64);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (self), "listing disagreements");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static char *
dup_text (sqlite3_stmt *stmt,
          int           i)
{
  const char *s = (const char *) sqlite3_column_text (stmt, i);

  return s ? g_strdup (s) : NULL;
}

/**
 * arb_workspace_list_verdicts:
 *
 * Returns: (transfer full) (element-type ArbVerdictInfo): every current verdict on the
 *   comparison, humans first, with who gave it and why
 */
GPtrArray *
arb_workspace_list_verdicts (ArbWorkspace  *self,
                             gint64         comparison_id,
                             GError       **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) arb_verdict_info_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (self,
                                 "SELECT v.id, r.name, r.kind, r.role, v.status, v.preference,"
                                 " v.strength, v.presented, v.rationale, v.seconds"
                                 " FROM current_verdicts v JOIN raters r ON r.id = v.rater_id"
                                 " WHERE v.comparison_id = ?"
                                 " ORDER BY r.kind = 'human' DESC, r.role, r.name, v.presented",
                                 error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, comparison_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ArbVerdictInfo *v = g_new0 (ArbVerdictInfo, 1);

      v->verdict_id = sqlite3_column_int64 (stmt, 0);
      v->rater = dup_text (stmt, 1);
      v->kind = dup_text (stmt, 2);
      v->role = dup_text (stmt, 3);
      v->status = dup_text (stmt, 4);
      v->preference = sqlite3_column_type (stmt, 5) == SQLITE_NULL ? NAN
                                                                    : sqlite3_column_double (stmt, 5);
      v->strength = sqlite3_column_type (stmt, 6) == SQLITE_NULL ? -1 : sqlite3_column_int (stmt, 6);
      v->presented = dup_text (stmt, 7);
      v->rationale = dup_text (stmt, 8);
      v->seconds = sqlite3_column_type (stmt, 9) == SQLITE_NULL ? -1 : sqlite3_column_double (stmt, 9);
      g_ptr_array_add (rows, v);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (self), "listing verdicts");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/**
 * arb_workspace_adjudicate:
 * @adjudicator: the name of a live human rater with the adjudicator role (made if needed)
 * @choice: -1 a better, 0 tie, 1 b better (in the stored orientation: the reviewer sees a and b
 *   by name, not by side)
 *
 * Records the final verdict on a comparison in its own transaction.
 *
 * Returns: the verdict's id, or -1 on error
 */
gint64
arb_workspace_adjudicate (ArbWorkspace  *self,
                          gint64         comparison_id,
                          const char    *adjudicator,
                          int            choice,
                          const char    *rationale,
                          GError       **error)
{
  gint64 rater, id;

  g_return_val_if_fail (ARB_IS_WORKSPACE (self), -1);
  g_return_val_if_fail (choice >= -1 && choice <= 1, -1);

  rater = arb_workspace_ensure_rater (self, adjudicator, "human", "live", "adjudicator", error);
  if (rater < 0)
    return -1;
  {
    sqlite3_stmt *stmt = _arb_workspace_prepare (self, "SELECT role FROM raters WHERE id = ?",
                                                 error);
    gboolean ok = FALSE;

    if (stmt == NULL)
      return -1;
    sqlite3_bind_int64 (stmt, 1, rater);
    if (sqlite3_step (stmt) == SQLITE_ROW)
      ok = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "adjudicator") == 0;
    sqlite3_reset (stmt);
    if (!ok)
      {
        g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                     "%s: \"%s\" is a rater already, but not an adjudicator; review under "
                     "another name", arb_workspace_get_path (self), adjudicator);
        return -1;
      }
  }
  if (!_arb_workspace_exec (self, "BEGIN IMMEDIATE", error))
    return -1;
  id = _arb_workspace_insert_verdict (self, comparison_id, rater,
                                      choice < 0 ? 0.0 : choice > 0 ? 1.0 : 0.5,
                                      choice == 0 ? 0 : 1, NULL,
                                      rationale && rationale[0] ? rationale : NULL, -1, NULL, error);
  if (id < 0 || !_arb_workspace_exec (self, "COMMIT", error))
    {
      _arb_workspace_exec (self, "ROLLBACK", NULL);
      return -1;
    }
  return id;
}
