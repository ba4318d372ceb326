/* arb-comparison.c: what one comparison shows: the prompt and its two generations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "arb-comparison.h"
#include "arb-workspace-private.h"

static char *
dup_column (sqlite3_stmt *stmt,
            int           i)
{
  const char *s = (const char *) sqlite3_column_text (stmt, i);

  return s ? g_strdup (s) : NULL;
}

static void
generation_view_clear (ArbGenerationView *g)
{
  g_free (g->system);
  g_free (g->text);
  g_free (g->messages);
  g_free (g->kind);
}

void
arb_comparison_view_free (ArbComparisonView *view)
{
  if (view == NULL)
    return;
  g_free (view->uuid);
  g_free (view->messages);
  g_free (view->category);
  g_free (view->reference);
  generation_view_clear (&view->a);
  generation_view_clear (&view->b);
  g_free (view);
}

/**
 * arb_workspace_get_comparison:
 *
 * Returns: (transfer full) (nullable): the comparison's prompt and generations, or %NULL with
 *   %ARB_DB_ERROR_NOT_FOUND when there is no such (visible) comparison
 */
ArbComparisonView *
arb_workspace_get_comparison (ArbWorkspace  *self,
                              gint64         comparison_id,
                              GError       **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(ArbComparisonView) view = NULL;
  int rc;

  g_return_val_if_fail (ARB_IS_WORKSPACE (self), NULL);

  stmt = _arb_workspace_prepare (self,
                                 "SELECT c.uuid, p.messages, p.category, p.reference,"
                                 " ga.id, sa.name, ga.text, ga.messages, ga.kind, ga.length,"
                                 " gb.id, sb.name, gb.text, gb.messages, gb.kind, gb.length"
                                 " FROM visible_comparisons c"
                                 " JOIN prompts p ON p.id = c.prompt_id"
                                 " JOIN generations ga ON ga.id = c.a_id"
                                 " JOIN systems sa ON sa.id = ga.system_id"
                                 " JOIN generations gb ON gb.id = c.b_id"
                                 " JOIN systems sb ON sb.id = gb.system_id"
                                 " WHERE c.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, comparison_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND, "%s: no comparison %" G_GINT64_FORMAT,
                     arb_workspace_get_path (self), comparison_id);
      else
        _arb_set_sqlite_error (error, _arb_workspace_get_db (self), "reading a comparison");
      sqlite3_reset (stmt);
      return NULL;
    }
  view = g_new0 (ArbComparisonView, 1);
  view->id = comparison_id;
  view->uuid = dup_column (stmt, 0);
  view->messages = dup_column (stmt, 1);
  view->category = dup_column (stmt, 2);
  view->reference = dup_column (stmt, 3);
  for (int side = 0; side < 2; side++)
    {
      ArbGenerationView *g = side == 0 ? &view->a : &view->b;
      int base = 4 + side * 6;

      g->id = sqlite3_column_int64 (stmt, base);
      g->system = dup_column (stmt, base + 1);
      g->text = dup_column (stmt, base + 2);
      g->messages = dup_column (stmt, base + 3);
      g->kind = dup_column (stmt, base + 4);
      g->length = sqlite3_column_int64 (stmt, base + 5);
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&view);
}
