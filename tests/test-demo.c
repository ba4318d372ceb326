/* test-demo.c: the bundled demo dataset imports whole and has what the pages need
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "arb-import.h"
#include "arb-test-util.h"
#include "arb-workspace-private.h"

static char *
demo_path (void)
{
  return g_build_filename (ARB_TEST_SRCDIR, "..", "data", "demo", "demo.jsonl", NULL);
}

static gint64
query_int (ArbWorkspace *ws,
           const char   *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v;

  g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (ws), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static void
test_demo_import (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "demo.arbiter", NULL);
  g_autofree char *data = demo_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (path, &error);
  g_autoptr(ArbImportResult) r = NULL;
  ArbCounts c;

  g_assert_no_error (error);
  r = arb_workspace_import_file (ws, data, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->skipped, ==, 0);
  g_assert_cmpuint (r->warnings->len, ==, 0);
  g_assert_cmpuint (r->conflicts, ==, 0);

  g_assert_true (arb_workspace_get_counts (ws, &c, &error));
  g_assert_cmpint (c.prompts, ==, 36);
  g_assert_cmpint (c.generations, ==, 144);
  g_assert_cmpint (c.comparisons, ==, 91);
  g_assert_cmpint (c.verdicts, ==, 145);
  g_assert_cmpint (c.systems, ==, 4);
  g_assert_cmpint (c.raters, ==, 3);

  /* What the pages need to show: two annotators and a gold rater, multi-turn prompts, verdicts
   * shown in both orders, ties, strong preferences, rationales, dimensions. */
  g_assert_cmpint (query_int (ws, "SELECT count(DISTINCT rater_id) FROM verdicts"), ==, 3);
  g_assert_cmpint (query_int (ws, "SELECT count(*) FROM raters WHERE name = 'annotator-gold'"
                                  " AND role = 'gold'"), ==, 1);
  g_assert_cmpint (query_int (ws, "SELECT count(*) FROM verdicts WHERE presented = 'ba'"), >, 20);
  g_assert_cmpint (query_int (ws, "SELECT count(*) FROM verdicts WHERE preference = 0.5"), >, 5);
  g_assert_cmpint (query_int (ws, "SELECT count(*) FROM verdicts WHERE strength = 2"), >, 5);
  g_assert_cmpint (query_int (ws, "SELECT count(*) FROM verdicts WHERE rationale <> ''"), >, 10);
  g_assert_cmpint (query_int (ws, "SELECT count(*) FROM verdict_dimensions"), >, 20);

  /* The overview's tables. */
  {
    g_autoptr(GPtrArray) systems = arb_workspace_list_system_stats (ws, &error);
    g_autoptr(GPtrArray) raters = arb_workspace_list_rater_stats (ws, &error);
    gint64 in_comparisons = 0;
    const char *names[] = { "annotator-ana", "annotator-ben", "annotator-gold" };
    const gint64 verdicts[] = { 65, 72, 8 };

    g_assert_no_error (error);
    g_assert_cmpuint (systems->len, ==, 4);
    for (guint i = 0; i < systems->len; i++)
      {
        ArbNameStats *st = systems->pdata[i];

        g_assert_cmpint (st->n_items, ==, 36);
        g_assert_cmpint (st->n_grades, >, 0);
        in_comparisons += st->n_grades;
      }
    /* Every comparison has two sides from two systems. */
    g_assert_cmpint (in_comparisons, ==, 2 * 91);
    g_assert_cmpstr (((ArbNameStats *) systems->pdata[0])->name, ==, "atlas-7b");
    g_assert_cmpuint (raters->len, ==, 3);
    for (guint i = 0; i < raters->len; i++)
      {
        ArbNameStats *st = raters->pdata[i];

        g_assert_cmpstr (st->name, ==, names[i]);
        g_assert_cmpint (st->n_items, ==, verdicts[i]);
        g_assert_cmpstr (st->kind, ==, "human");
        g_assert_cmpstr (st->origin, ==, "imported");
        g_assert_cmpint (st->n_grades, ==, 0);
      }
    g_assert_cmpstr (((ArbNameStats *) raters->pdata[2])->role, ==, "gold");
  }

  /* Re-importing changes nothing. */
  g_clear_pointer (&r, arb_import_result_free);
  r = arb_workspace_import_file (ws, data, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->verdicts, ==, 0);
  g_assert_cmpint (r->comparisons, ==, 0);
  g_assert_cmpuint (r->duplicates, ==, 145);

  g_clear_object (&ws);
  arb_test_rmdir (dir);
}

static void
test_demo_content (void)
{
  g_autofree char *data = demo_path ();
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (data, &text, NULL, &error));
  g_assert_no_error (error);
  /* Code, tables, non-Latin scripts and a right-to-left one. */
  g_assert_nonnull (strstr (text, "```python"));
  g_assert_nonnull (strstr (text, "```c"));
  g_assert_nonnull (strstr (text, "```sql"));
  g_assert_nonnull (strstr (text, "|---"));
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_nonnull (g_utf8_strchr (text, -1, 0x3042) ?: g_utf8_strchr (text, -1, 0x306e)); /* hiragana */
  g_assert_nonnull (g_utf8_strchr (text, -1, 0x0627)); /* Arabic alef */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/demo/import", test_demo_import);
  g_test_add_func ("/arbiter/demo/content", test_demo_content);
  return g_test_run ();
}
