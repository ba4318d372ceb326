/* test-labels.c: span and step labels by a person, the generation queue, undo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "arb-import.h"
#include "arb-labels.h"
#include "arb-units.h"
#include "arb-plan.h"
#include "arb-queue.h"
#include "arb-test-util.h"
#include "arb-workspace-private.h"

typedef struct
{
  char         *dir;
  ArbWorkspace *ws;
} Fixture;

/* Three prompts, two systems each (three comparisons); the texts have non-ASCII characters and
 * three lines each. */
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

  f->dir = arb_test_mkdtemp ();
  path = g_build_filename (f->dir, "labels.arbiter", NULL);
  f->ws = arb_workspace_create (path, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    g_string_append_printf (s, "{\"prompt\": \"question %d\", \"responses\": ["
                               "{\"system\": \"L\", \"text\": \"Zürich is %d.\\nThen 2+2=5.\\nSo: ok\"},"
                               "{\"system\": \"R\", \"text\": \"Café %d\\nnaïve step\\nend\"}]}\n",
                            i, i, i);
  file = arb_test_write_file (f->dir, "data.jsonl", s->str, s->len, FALSE);
  r = arb_workspace_import_file (f->ws, file, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (arb_workspace_plan (f->ws, &plan, &pr, NULL, &error));
  g_assert_cmpint (pr.added, ==, 3);
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

static guint
n_spans (ArbWorkspace *ws,
         gint64        generation_id,
         gint64        rater_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) spans = arb_workspace_list_spans (ws, generation_id, rater_id, &error);

  g_assert_no_error (error);
  return spans->len;
}

static void
test_spans (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbQueue) q = arb_queue_new (f->ws, "ann", &error);
  g_autoptr(GArray) spans = NULL;
  g_autofree char *text = NULL;
  ArbTaskItem item;
  gint64 gen, a, b, me;
  const char *z;

  g_assert_no_error (error);
  me = arb_queue_get_rater_id (q);
  g_assert_true (arb_queue_next_generation (q, ARB_TASK_SPANS, &item, &error));
  g_assert_no_error (error);
  gen = item.generation_id;
  g_assert_cmpint (gen, >, 0);
  text = arb_workspace_get_generation_text (f->ws, gen, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (text, "Zürich"));

  /* A span inside "ü" (bytes 1-3) is refused, and so is an empty or out-of-range one. */
  g_assert_cmpint (arb_queue_add_span (q, gen, 2, 5, "bad", -1, NULL, &error), ==, -1);
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "inside a character"));
  g_clear_error (&error);
  g_assert_cmpint (arb_queue_add_span (q, gen, 4, 4, "bad", -1, NULL, &error), ==, -1);
  g_clear_error (&error);
  g_assert_cmpint (arb_queue_add_span (q, gen, 0, 1000, "bad", -1, NULL, &error), ==, -1);
  g_clear_error (&error);
  g_assert_cmpint (n_spans (f->ws, gen, me), ==, 0);

  z = strstr (text, "2+2=5");
  a = arb_queue_add_span (q, gen, z - text, z - text + 5, "bad", -1, "wrong sum", &error);
  g_assert_no_error (error);
  b = arb_queue_add_span (q, gen, 0, 7, "good", 1, NULL, &error);   /* "Zürich" */
  g_assert_no_error (error);
  g_assert_cmpint (a, >, 0);
  g_assert_cmpint (b, >, a);
  spans = arb_workspace_list_spans (f->ws, gen, me, &error);
  g_assert_cmpuint (spans->len, ==, 2);
  /* In text order: "Zürich" first. */
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).id, ==, b);
  g_assert_cmpstr (g_array_index (spans, ArbSpan, 1).label, ==, "bad");
  g_assert_cmpstr (g_array_index (spans, ArbSpan, 1).note, ==, "wrong sum");
  g_assert_cmpfloat (g_array_index (spans, ArbSpan, 1).value, ==, -1);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 1).step_index, ==, -1);

  /* Remove, then undo twice: the removal, then the good span. */
  g_assert_true (arb_queue_remove_span (q, a, &error));
  g_assert_cmpint (n_spans (f->ws, gen, me), ==, 1);
  g_assert_false (arb_queue_remove_span (q, a, &error));   /* not current any more */
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (arb_queue_undo_label (q, gen, &error), ==, gen);
  g_assert_cmpint (n_spans (f->ws, gen, me), ==, 2);
  g_assert_cmpint (arb_queue_undo_label (q, gen, &error), ==, gen);
  g_assert_cmpint (n_spans (f->ws, gen, me), ==, 1);
  g_assert_cmpint (arb_queue_undo_label (q, gen, &error), ==, gen);
  g_assert_cmpint (n_spans (f->ws, gen, me), ==, 0);
  g_assert_cmpint (arb_queue_undo_label (q, gen, &error), ==, 0);
  g_assert_no_error (error);
  /* Nothing was deleted: three spans rows, all superseded; five events plus three undos. */
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM spans"), ==, 2);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM spans WHERE superseded_by = id"), ==, 2);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM events WHERE action = 'undo'"), ==, 3);

  /* The pairwise undo does not touch span events: there is no decision to undo. */
  g_assert_cmpint (arb_queue_add_span (q, gen, 0, 7, "good", 1, NULL, &error), >, 0);
  g_assert_cmpint (arb_queue_undo (q, &error), ==, 0);
  g_assert_cmpint (n_spans (f->ws, gen, me), ==, 1);
}

static void
test_queue (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbQueue) q = arb_queue_new (f->ws, "ann", &error);
  g_autoptr(ArbQueue) other = arb_queue_new (f->ws, "bob", &error);
  ArbTaskItem item, again, bob;
  gint64 done, total;
  GHashTable *seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  g_assert_no_error (error);
  g_assert_true (arb_queue_next_generation (q, ARB_TASK_SPANS, &item, &error));
  /* The lease brings the same one back. */
  g_assert_true (arb_queue_next_generation (q, ARB_TASK_SPANS, &again, &error));
  g_assert_cmpint (again.generation_id, ==, item.generation_id);
  /* With overlap 1, another annotator gets another generation. */
  g_assert_true (arb_queue_next_generation (other, ARB_TASK_SPANS, &bob, &error));
  g_assert_cmpint (bob.generation_id, >, 0);
  g_assert_cmpint (bob.generation_id, !=, item.generation_id);
  /* The steps task is separate: the same generation can be leased for steps. */
  g_assert_true (arb_queue_next_generation (q, ARB_TASK_STEPS, &again, &error));
  g_assert_cmpint (again.generation_id, ==, item.generation_id);

  /* Skip one, finish the others: the skipped one comes back last, marked. */
  g_assert_true (arb_queue_skip_generation (q, ARB_TASK_SPANS, item.generation_id, &error));
  for (int i = 0; i < 10; i++)
    {
      g_assert_true (arb_queue_next_generation (q, ARB_TASK_SPANS, &again, &error));
      g_assert_no_error (error);
      if (again.generation_id < 0 || again.skipped)
        break;
      g_assert_cmpint (again.generation_id, !=, item.generation_id);
      g_assert_cmpint (again.generation_id, !=, bob.generation_id);
      g_assert_false (g_hash_table_contains (seen, &again.generation_id));
      g_hash_table_add (seen, g_memdup2 (&again.generation_id, sizeof (gint64)));
      g_assert_true (arb_queue_finish_generation (q, ARB_TASK_SPANS, again.generation_id, &error));
    }
  /* 6 generations: bob holds one, one skipped, 4 finished. */
  g_assert_cmpuint (g_hash_table_size (seen), ==, 4);
  g_assert_true (again.skipped);
  g_assert_cmpint (again.generation_id, ==, item.generation_id);
  g_assert_true (arb_queue_get_task_progress (q, ARB_TASK_SPANS, &done, &total, &error));
  g_assert_cmpint (done, ==, 4);
  g_assert_cmpint (total, ==, 6);
  /* Undo of a finish takes the generation back. */
  g_assert_cmpint (arb_queue_undo_label (q, -1, &error), >, 0);
  g_assert_true (arb_queue_get_task_progress (q, ARB_TASK_SPANS, &done, &total, &error));
  g_assert_cmpint (done, ==, 3);
  g_hash_table_destroy (seen);
}

static void
test_steps (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbQueue) q = arb_queue_new (f->ws, "ann", &error);
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GArray) spans = NULL;
  g_autofree char *source = NULL;
  g_autofree char *text = NULL;
  ArbTaskItem item;
  gint64 gen, me, s1, s2;
  gint64 done, total;

  g_assert_no_error (error);
  me = arb_queue_get_rater_id (q);
  g_assert_true (arb_queue_next_generation (q, ARB_TASK_STEPS, &item, &error));
  gen = item.generation_id;
  text = arb_workspace_get_generation_text (f->ws, gen, NULL, NULL, &error);

  /* No imported steps: the default rule cuts lines. Nothing is stored until a label is. */
  steps = arb_workspace_get_steps (f->ws, gen, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (source, ==, "lines");
  g_assert_cmpuint (steps->len, ==, 3);
  g_assert_cmpint (g_array_index (steps, ArbRange, 0).start, ==, 0);
  g_assert_cmpint (g_array_index (steps, ArbRange, 0).end, ==, strchr (text, '\n') - text);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM steps"), ==, 0);

  s1 = arb_queue_rate_step (q, gen, 1, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f->ws, "SELECT count(*) FROM steps WHERE source = 'lines'"), ==, 3);
  /* Re-rating replaces: one current label for step 2, the old one points at the new. */
  s2 = arb_queue_rate_step (q, gen, 1, 0, &error);
  g_assert_no_error (error);
  spans = arb_workspace_list_spans (f->ws, gen, me, &error);
  g_assert_cmpuint (spans->len, ==, 1);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).id, ==, s2);
  g_assert_cmpstr (g_array_index (spans, ArbSpan, 0).label, ==, "neutral");
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).step_index, ==, 1);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).start_byte, ==,
                   g_array_index (steps, ArbRange, 1).start);
  g_clear_pointer (&spans, g_array_unref);
  g_assert_cmpint (arb_queue_rate_step (q, gen, 3, 1, &error), ==, -1);
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID);
  g_clear_error (&error);
  /* Undo the re-rating: the -1 is back. */
  g_assert_cmpint (arb_queue_undo_label (q, gen, &error), ==, gen);
  spans = arb_workspace_list_spans (f->ws, gen, me, &error);
  g_assert_cmpuint (spans->len, ==, 1);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).id, ==, s1);
  g_clear_pointer (&spans, g_array_unref);

  /* First error at step 2 (index 1): step 1 good, step 2 bad, step 3 unrated; finished. */
  g_assert_true (arb_queue_settle_steps (q, gen, 1, &error));
  g_assert_no_error (error);
  spans = arb_workspace_list_spans (f->ws, gen, me, &error);
  g_assert_cmpuint (spans->len, ==, 2);
  g_assert_cmpfloat (g_array_index (spans, ArbSpan, 0).value, ==, 1);
  g_assert_cmpfloat (g_array_index (spans, ArbSpan, 1).value, ==, -1);
  g_clear_pointer (&spans, g_array_unref);
  g_assert_true (arb_queue_get_task_progress (q, ARB_TASK_STEPS, &done, &total, &error));
  g_assert_cmpint (done, ==, 1);
  /* The next item is another generation. */
  g_assert_true (arb_queue_next_generation (q, ARB_TASK_STEPS, &item, &error));
  g_assert_cmpint (item.generation_id, !=, gen);

  /* "No error" on it: every step good. */
  g_assert_true (arb_queue_settle_steps (q, item.generation_id, -1, &error));
  spans = arb_workspace_list_spans (f->ws, item.generation_id, me, &error);
  g_assert_cmpuint (spans->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (g_array_index (spans, ArbSpan, i).label, ==, "good");
  g_clear_pointer (&spans, g_array_unref);
  /* Undo brings back nothing-rated and not-finished. */
  g_assert_cmpint (arb_queue_undo_label (q, -1, &error), ==, item.generation_id);
  g_assert_cmpuint (n_spans (f->ws, item.generation_id, me), ==, 0);
  g_assert_true (arb_queue_get_task_progress (q, ARB_TASK_STEPS, &done, &total, &error));
  g_assert_cmpint (done, ==, 1);

  /* Stored steps stay what they were; a generation without any follows the rule: a pattern,
   * and a bad one. */
  gen = query_int (f->ws, "SELECT min (id) FROM generations WHERE id NOT IN"
                          " (SELECT generation_id FROM steps)");
  g_assert_true (arb_workspace_set_setting (f->ws, ARB_SETTING_STEP_RULE, "pattern:So:", &error));
  g_clear_pointer (&steps, g_array_unref);
  g_clear_pointer (&source, g_free);
  steps = arb_workspace_get_steps (f->ws, item.generation_id, &source, &error);
  g_assert_cmpstr (source, ==, "lines");
  g_clear_pointer (&steps, g_array_unref);
  g_clear_pointer (&source, g_free);
  steps = arb_workspace_get_steps (f->ws, gen, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (source, ==, "pattern:So:");
  g_clear_pointer (&steps, g_array_unref);
  g_clear_pointer (&source, g_free);
  g_assert_true (arb_workspace_set_setting (f->ws, ARB_SETTING_STEP_RULE, "pattern:(", &error));
  steps = arb_workspace_get_steps (f->ws, gen, &source, &error);
  g_assert_null (steps);
  g_assert_nonnull (error);
  g_clear_error (&error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/labels/spans", Fixture, NULL, fixture_setup, test_spans, fixture_teardown);
  g_test_add ("/labels/queue", Fixture, NULL, fixture_setup, test_queue, fixture_teardown);
  g_test_add ("/labels/steps", Fixture, NULL, fixture_setup, test_steps, fixture_teardown);
  return g_test_run ();
}
