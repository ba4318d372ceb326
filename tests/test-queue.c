/* test-queue.c: the labelling queue: overlap, leases, skip, undo, gold, orientation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "arb-import.h"
#include "arb-plan.h"
#include "arb-queue.h"
#include "arb-review.h"
#include "arb-test-util.h"
#include "arb-workspace-private.h"

typedef struct
{
  char         *dir;
  ArbWorkspace *ws;
} Fixture;

/* n prompts, each answered by two systems: n comparisons. */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *file = NULL;
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r = NULL;
  ArbPlanOptions plan = { 0 };
  ArbPlanResult pr;
  int n = GPOINTER_TO_INT (data);

  f->dir = arb_test_mkdtemp ();
  path = g_build_filename (f->dir, "queue.arbiter", NULL);
  f->ws = arb_workspace_create (path, &error);
  g_assert_no_error (error);
  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "{\"prompt\": \"question %d\", \"responses\": ["
                               "{\"system\": \"left-sys\", \"text\": \"answer %d from L\"},"
                               "{\"system\": \"right-sys\", \"text\": \"answer %d from R\"}]}\n",
                            i, i, i);
  file = arb_test_write_file (f->dir, "data.jsonl", s->str, s->len, FALSE);
  r = arb_workspace_import_file (f->ws, file, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (arb_workspace_plan (f->ws, &plan, &pr, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pr.added, ==, n);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->ws);
  arb_test_rmdir (f->dir);
  g_free (f->dir);
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
set (ArbWorkspace *ws,
     const char   *key,
     const char   *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (arb_workspace_set_setting (ws, key, value, &error));
  g_assert_no_error (error);
}

static gint64
next_id (ArbQueue *q)
{
  g_autoptr(GError) error = NULL;
  ArbQueueItem item;

  g_assert_true (arb_queue_next (q, &item, &error));
  g_assert_no_error (error);
  return item.comparison_id;
}

static void
decide (ArbQueue *q,
        gint64    id,
        int       choice)
{
  g_autoptr(GError) error = NULL;
  ArbQueueItem item;

  g_assert_true (arb_queue_next (q, &item, &error));
  g_assert_cmpint (item.comparison_id, ==, id);
  g_assert_cmpint (arb_queue_decide (q, id, item.presented, choice, NULL, NULL, 1.5, &error), >, 0);
  g_assert_no_error (error);
}

/* Overlap 2, two annotators, ten comparisons: each sees all ten, none twice. */
static void
test_overlap_two (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbQueue) ana = NULL;
  g_autoptr(ArbQueue) ben = NULL;
  g_autoptr(GHashTable) seen_a = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                                NULL);
  g_autoptr(GHashTable) seen_b = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                                NULL);
  ArbQueueProgress p;

  set (f->ws, ARB_SETTING_OVERLAP, "2");
  ana = arb_queue_new (f->ws, "ana", &error);
  g_assert_no_error (error);
  ben = arb_queue_new (f->ws, "ben", &error);
  g_assert_no_error (error);

  for (int round = 0; round < 20; round++)
    {
      ArbQueue *q = round % 2 ? ben : ana;
      GHashTable *seen = round % 2 ? seen_b : seen_a;
      gint64 id = next_id (q);
      gint64 *key = g_new (gint64, 1);

      if (id < 0)
        {
          g_free (key);
          continue;
        }
      *key = id;
      g_assert_false (g_hash_table_contains (seen, key));
      g_hash_table_add (seen, key);
      decide (q, id, round % 3 - 1);
    }
  g_assert_cmpuint (g_hash_table_size (seen_a), ==, 10);
  g_assert_cmpuint (g_hash_table_size (seen_b), ==, 10);
  g_assert_cmpint (next_id (ana), ==, -1);
  g_assert_cmpint (next_id (ben), ==, -1);
  g_assert_true (arb_queue_get_progress (ana, &p, &error));
  g_assert_cmpint (p.mine, ==, 10);
  g_assert_cmpint (p.overall_done, ==, 20);
  g_assert_cmpint (p.overall_total, ==, 20);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM current_verdicts"), ==, 20);
}

/* Overlap 1: they split the items; one stops midway, and the item whose lease expires goes to
 * the other. */
static void
test_overlap_one_expiry (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbQueue) ana = arb_queue_new (f->ws, "ana", &error);
  g_autoptr(ArbQueue) ben = arb_queue_new (f->ws, "ben", &error);
  gint64 abandoned, id;
  int by_ben = 0;

  g_assert_no_error (error);
  /* Ana decides two, then leases a third and walks away. */
  decide (ana, next_id (ana), -1);
  decide (ana, next_id (ana), 1);
  abandoned = next_id (ana);
  g_assert_cmpint (abandoned, >, 0);
  /* Asking again gives her the same item (her lease). */
  g_assert_cmpint (next_id (ana), ==, abandoned);

  while ((id = next_id (ben)) > 0)
    {
      g_assert_cmpint (id, !=, abandoned);
      decide (ben, id, 0);
      by_ben++;
    }
  g_assert_cmpint (by_ben, ==, 7);

  /* 31 minutes later (lease 30 minutes) the abandoned item is Ben's. */
  arb_queue_set_clock_offset (ben, 31 * 60);
  g_assert_cmpint (next_id (ben), ==, abandoned);
  decide (ben, abandoned, 1);
  g_assert_cmpint (next_id (ben), ==, -1);
  g_assert_cmpint (query_int (f->ws, "SELECT count(DISTINCT comparison_id) FROM current_verdicts"),
                   ==, 10);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM current_verdicts"), ==, 10);
}

/* The stored preference is relative to the stored orientation (a has the smaller id), whatever
 * side each response was shown on. */
static void
test_orientation (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbQueue) q = arb_queue_new (f->ws, "ana", &error);
  int seen_ab = 0, seen_ba = 0;
  ArbQueueItem item;

  g_assert_no_error (error);
  while (arb_queue_next (q, &item, &error) && item.comparison_id > 0)
    {
      g_autofree char *sql = NULL;
      sqlite3_stmt *stmt = NULL;
      int choice;

      /* The left response much better. */
      g_assert_cmpint (arb_queue_decide (q, item.comparison_id, item.presented, -2, NULL, "left",
                                         2.0, &error), >, 0);
      sql = g_strdup_printf ("SELECT preference, strength, presented FROM current_verdicts"
                             " WHERE comparison_id = %" G_GINT64_FORMAT, item.comparison_id);
      g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (f->ws), sql, -1, &stmt, NULL), ==,
                       SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      if (g_str_equal (item.presented, "ab"))
        {
          g_assert_cmpfloat (sqlite3_column_double (stmt, 0), ==, 0.0);
          seen_ab++;
        }
      else
        {
          g_assert_cmpfloat (sqlite3_column_double (stmt, 0), ==, 1.0);
          seen_ba++;
        }
      g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, 2);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 2), ==, item.presented);
      sqlite3_finalize (stmt);
      /* Read back as the annotator made it. */
      g_assert_true (arb_queue_get_own_verdict (q, item.comparison_id, &choice, NULL));
      g_assert_cmpint (choice, ==, -2);
    }
  g_assert_no_error (error);
  /* Ten items: both orders occur (the seed is per annotator and comparison). */
  g_assert_cmpint (seen_ab, >, 0);
  g_assert_cmpint (seen_ba, >, 0);
  g_assert_cmpint (seen_ab + seen_ba, ==, 10);
}

static void
test_skip_undo_change (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbQueue) q = arb_queue_new (f->ws, "ana", &error);
  gint64 first, second, id;
  int choice;
  g_autofree char *why = NULL;

  g_assert_no_error (error);
  first = next_id (q);
  g_assert_true (arb_queue_skip (q, first, &error));
  /* Skipped: comes back after everything else. */
  second = next_id (q);
  g_assert_cmpint (second, !=, first);
  decide (q, second, -1);
  /* Undo: the item is back, the verdict superseded (not deleted). */
  g_assert_cmpint (arb_queue_undo (q, &error), ==, second);
  g_assert_cmpint (next_id (q), ==, second);
  g_assert_false (arb_queue_get_own_verdict (q, second, &choice, NULL));
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM verdicts"), ==, 1);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM current_verdicts"), ==, 0);
  /* Decide, then change the decision: two verdicts, one current. */
  decide (q, second, 1);
  g_assert_true (arb_queue_get_flagged (q, second) == FALSE);
  /* Going back to it (the previous item) and changing it, in its own presented order. */
  {
    sqlite3_stmt *stmt = NULL;
    char presented[3];
    g_autofree char *sql = g_strdup_printf ("SELECT uuid FROM comparisons WHERE id = %"
                                            G_GINT64_FORMAT, second);

    g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (f->ws), sql, -1, &stmt, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    memcpy (presented, arb_queue_presented_for (q, (const char *) sqlite3_column_text (stmt, 0)), 3);
    sqlite3_finalize (stmt);
    g_assert_cmpint (arb_queue_decide (q, second, presented, 0, NULL, "changed my mind", 3.0,
                                       &error), >, 0);
    g_assert_no_error (error);
  }
  g_assert_true (arb_queue_get_own_verdict (q, second, &choice, &why));
  g_assert_cmpint (choice, ==, 0);
  g_assert_cmpstr (why, ==, "changed my mind");
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM verdicts"), ==, 3);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM current_verdicts"), ==, 1);
  /* Undo the change: the earlier decision (right better) is current again. */
  g_assert_cmpint (arb_queue_undo (q, &error), ==, second);
  g_assert_true (arb_queue_get_own_verdict (q, second, &choice, NULL));
  g_assert_cmpint (choice, ==, 1);

  /* Flag and undo the flag. */
  g_assert_true (arb_queue_set_flagged (q, second, TRUE, &error));
  g_assert_true (arb_queue_get_flagged (q, second));
  g_assert_cmpint (arb_queue_undo (q, &error), ==, second);
  g_assert_false (arb_queue_get_flagged (q, second));

  /* Everything else, and then the skipped item comes back last. */
  while ((id = next_id (q)) > 0 && id != first)
    decide (q, id, 1);
  g_assert_cmpint (id, ==, first);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM current_verdicts"), ==, 9);
  decide (q, first, -1);
  g_assert_cmpint (next_id (q), ==, -1);
  /* Every undo, skip and decision is in the log. */
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM events WHERE action = 'undo'"), ==, 3);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM events WHERE action = 'skip'"), ==, 1);
}

static void
test_scale_and_dimensions (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbQueue) q = NULL;
  ArbQueueItem item;
  const int dims[] = { -1, G_MININT };

  set (f->ws, ARB_SETTING_SCALE, "2");
  set (f->ws, ARB_SETTING_DIMENSIONS, "correctness, clarity");
  q = arb_queue_new (f->ws, "ana", &error);
  g_assert_no_error (error);
  g_assert_cmpint (arb_queue_get_scale (q), ==, 2);
  g_assert_cmpuint (g_strv_length (arb_queue_get_dimensions (q)), ==, 2);
  g_assert_true (arb_queue_next (q, &item, &error));
  /* No tie on a 2-point scale. */
  g_assert_cmpint (arb_queue_decide (q, item.comparison_id, item.presented, 0, NULL, NULL, 1, &error),
                   <, 0);
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (arb_queue_decide (q, item.comparison_id, item.presented, 1, dims, NULL, 1,
                                     &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM verdict_dimensions"), ==, 1);
  g_assert_cmpint (query_int (f->ws, "SELECT strength FROM current_verdicts"), ==, 1);

  /* A name that belongs to an imported or machine rater is refused. */
  arb_workspace_ensure_rater (f->ws, "gpt-judge", "judge", "live", "annotator", &error);
  g_assert_no_error (error);
  g_assert_null (arb_queue_new (f->ws, "gpt-judge", &error));
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID);
}

static void
test_gold (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbQueue) q = NULL;
  gint64 gold_rater;
  int n_gold = 0, n = 0;
  ArbQueueItem item;
  ArbQueueProgress p;

  /* Comparisons 1 and 2 have gold verdicts (a better); a third of the items should be gold. */
  gold_rater = arb_workspace_ensure_rater (f->ws, "expert", "human", "imported", "gold", &error);
  g_assert_no_error (error);
  for (gint64 c = 1; c <= 2; c++)
    g_assert_cmpint (_arb_workspace_insert_verdict (f->ws, c, gold_rater, 0.0, 1, NULL, NULL, -1,
                                                    NULL, &error), >, 0);
  set (f->ws, ARB_SETTING_GOLD_RATE, "0.34");
  q = arb_queue_new (f->ws, "ana", &error);
  g_assert_no_error (error);
  while (arb_queue_next (q, &item, &error) && item.comparison_id > 0)
    {
      /* Choose "a better" on the visual side where a is. */
      int choice = g_str_equal (item.presented, "ab") ? -1 : 1;

      n++;
      n_gold += item.gold;
      if (item.gold)
        g_assert_cmpint (item.comparison_id, <=, 2);
      g_assert_cmpint (arb_queue_decide (q, item.comparison_id, item.presented,
                                         item.comparison_id == 2 ? -choice : choice, NULL, NULL,
                                         1, &error), >, 0);
    }
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 10);
  g_assert_cmpint (n_gold, ==, 2);
  g_assert_true (arb_queue_get_progress (q, &p, &error));
  g_assert_cmpint (p.gold_done, ==, 2);
  g_assert_cmpint (p.gold_agreed, ==, 1);
  g_assert_cmpint (p.overall_total, ==, 8);
}

/* Disagreements among annotators, and the adjudicator's final word. */
static void
test_review (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbQueue) ana = NULL;
  g_autoptr(ArbQueue) ben = NULL;
  g_autoptr(GArray) disputed = NULL;
  g_autoptr(GPtrArray) verdicts = NULL;
  ArbQueueItem item;

  set (f->ws, ARB_SETTING_OVERLAP, "2");
  ana = arb_queue_new (f->ws, "ana", &error);
  ben = arb_queue_new (f->ws, "ben", &error);
  g_assert_no_error (error);
  /* Ana always prefers a; Ben prefers a on the first five items and b on the rest. */
  for (int i = 0; i < 10; i++)
    {
      g_assert_true (arb_queue_next (ana, &item, &error));
      g_assert_cmpint (arb_queue_decide (ana, item.comparison_id, item.presented,
                                         g_str_equal (item.presented, "ab") ? -1 : 1, NULL,
                                         "a reads better", 1, &error), >, 0);
      g_assert_true (arb_queue_next (ben, &item, &error));
      g_assert_cmpint (arb_queue_decide (ben, item.comparison_id, item.presented,
                                         (g_str_equal (item.presented, "ab") ? -1 : 1) *
                                         (item.comparison_id <= 5 ? 1 : -1), NULL, NULL, 1,
                                         &error), >, 0);
    }
  disputed = arb_workspace_list_disagreements (f->ws, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (disputed->len, ==, 5);
  verdicts = arb_workspace_list_verdicts (f->ws, g_array_index (disputed, gint64, 0), &error);
  g_assert_cmpuint (verdicts->len, ==, 2);
  g_assert_cmpstr (((ArbVerdictInfo *) verdicts->pdata[0])->rater, ==, "ana");
  g_assert_cmpstr (((ArbVerdictInfo *) verdicts->pdata[0])->rationale, ==, "a reads better");
  /* The adjudicator settles one; an annotator's name cannot adjudicate. */
  g_assert_cmpint (arb_workspace_adjudicate (f->ws, g_array_index (disputed, gint64, 0),
                                             "lead", 1, "b is correct", &error), >, 0);
  g_assert_cmpint (arb_workspace_adjudicate (f->ws, g_array_index (disputed, gint64, 1), "ana", 1,
                                             NULL, &error), <, 0);
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&disputed, g_array_unref);
  disputed = arb_workspace_list_disagreements (f->ws, 0, &error);
  g_assert_cmpuint (disputed->len, ==, 4);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM current_verdicts v JOIN raters r ON"
                                     " r.id = v.rater_id WHERE r.role = 'adjudicator'"
                                     " AND v.preference = 1"), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/arbiter/queue/" path, Fixture, GINT_TO_POINTER (10), fixture_setup, func, \
              fixture_teardown)
  ADD ("overlap-two", test_overlap_two);
  ADD ("overlap-one-expiry", test_overlap_one_expiry);
  ADD ("orientation", test_orientation);
  ADD ("skip-undo-change", test_skip_undo_change);
  ADD ("scale-and-dimensions", test_scale_and_dimensions);
  ADD ("gold", test_gold);
  ADD ("review", test_review);
  return g_test_run ();
}
