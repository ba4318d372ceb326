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
  g_free (info->raw);
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
                                 " v.strength, v.presented, v.rationale, v.seconds, v.raw, v.sample"
                                 " FROM current_verdicts v JOIN raters r ON r.id = v.rater_id"
                                 " WHERE v.comparison_id = ?"
                                 " ORDER BY r.kind = 'human' DESC, r.role, r.name, v.sample,"
                                 " v.presented",
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
      v->raw = dup_text (stmt, 10);
      v->sample = sqlite3_column_int (stmt, 11);
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

void
arb_grade_info_free (ArbGradeInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->rater);
  g_free (info->status);
  g_free (info->raw);
  g_free (info);
}

/**
 * arb_workspace_list_grades:
 *
 * Returns: (transfer full) (element-type ArbGradeInfo): every current grade of the generation
 */
GPtrArray *
arb_workspace_list_grades (ArbWorkspace  *self,
                           gint64         generation_id,
                           GError       **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) arb_grade_info_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (self,
                                 "SELECT r.name, g.status, g.score, g.raw"
                                 " FROM current_grades g JOIN raters r ON r.id = g.rater_id"
                                 " WHERE g.generation_id = ? ORDER BY r.name, g.sample", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, generation_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ArbGradeInfo *g = g_new0 (ArbGradeInfo, 1);

      g->rater = dup_text (stmt, 0);
      g->status = dup_text (stmt, 1);
      g->score = sqlite3_column_type (stmt, 2) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 2);
      g->raw = dup_text (stmt, 3);
      g_ptr_array_add (rows, g);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (self), "listing grades");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/**
 * arb_workspace_list_comparisons_between:
 * @system: a system's name
 * @other: (nullable): another system's name, or %NULL for any other system
 * @limit: at most this many
 *
 * The comparisons of @system with @other (in either orientation), those with the most current
 * verdicts first: what a click on a leaderboard row or a matrix cell drills down to.
 *
 * Returns: (transfer full) (element-type gint64): comparison ids
 */
GArray *
arb_workspace_list_comparisons_between (ArbWorkspace *self,
                                        const char   *system,
                                        const char   *other,
                                        guint         limit,
                                        GError      **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (self,
                                 "SELECT c.id FROM visible_comparisons c"
                                 " JOIN generations ga ON ga.id = c.a_id"
                                 " JOIN generations gb ON gb.id = c.b_id"
                                 " JOIN systems sa ON sa.id = ga.system_id"
                                 " JOIN systems sb ON sb.id = gb.system_id"
                                 " WHERE sa.id <> sb.id"
                                 " AND ((sa.name = ?1 AND (?2 IS NULL OR sb.name = ?2))"
                                 "   OR (sb.name = ?1 AND (?2 IS NULL OR sa.name = ?2)))"
                                 " ORDER BY (SELECT count(*) FROM current_verdicts v"
                                 "           WHERE v.comparison_id = c.id) DESC, c.id"
                                 " LIMIT ?3", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, system, -1, SQLITE_TRANSIENT);
  if (other != NULL)
    sqlite3_bind_text (stmt, 2, other, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (self), "listing comparisons");
      return NULL;
    }
  return g_steal_pointer (&ids);
}
