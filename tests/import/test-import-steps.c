/* test-import-steps.c: the importers of span and step labels (finegrained-rlhf, bigbench-mistake,
 * prm800k) on the real samples in ../shared/data, checked against the numbers their READMEs give,
 * and `arbiter-cli spans` reading them back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "arb-json-reader.h"   /* json-c, with g_autoptr (json_object) */

#include "arb-import.h"
#include "arb-workspace-private.h"
#include "../arb-test-util.h"

typedef struct
{
  char         *dir;
  char         *path;
  ArbWorkspace *ws;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = arb_test_mkdtemp ();
  f->path = g_build_filename (f->dir, "ws.arbiter", NULL);
  f->ws = arb_workspace_create (f->path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_object (&f->ws);
  arb_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static ArbImportResult *
import_ok (Fixture         *f,
           const char      *relative,
           ArbImportFormat  expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (arb_test_shared_data (), relative, NULL);
  ArbImportResult *result = arb_workspace_import_file (f->ws, path, NULL, NULL, NULL, NULL,
                                                       &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpstr (arb_import_format_to_string (result->format), ==,
                   arb_import_format_to_string (expected));
  return result;
}

static gint64
query_int64 (Fixture    *f,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  if (sqlite3_prepare_v2 (_arb_workspace_get_db (f->ws), sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (_arb_workspace_get_db (f->ws)));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static gint64
count_label (Fixture    *f,
             const char *label)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM spans WHERE label = '%s'", label);

  return query_int64 (f, sql);
}

static gint64
total_rows (Fixture *f)
{
  return query_int64 (f, "SELECT (SELECT count(*) FROM spans) + (SELECT count(*) FROM steps) + "
                         "(SELECT count(*) FROM verdicts) + (SELECT count(*) FROM generations)");
}

#define FINEGRAINED "finegrained_rlhf_qa_feedback/dev_feedback.first100.json"

static void
test_finegrained (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(ArbImportResult) r = import_ok (f, FINEGRAINED, ARB_IMPORT_FORMAT_FINEGRAINED_RLHF);
  g_autoptr(ArbImportResult) again = NULL;
  gint64 before;

  g_assert_cmpuint (r->records, ==, 100);
  g_assert_cmpint (r->generations, ==, 400);
  g_assert_cmpint (r->verdicts, ==, 600);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM spans"), ==, 265);
  g_assert_cmpint (count_label (f, "Irrelevant"), ==, 181);
  g_assert_cmpint (count_label (f, "Unverifiable"), ==, 34);
  g_assert_cmpint (count_label (f, "Redundant"), ==, 29);
  g_assert_cmpint (count_label (f, "Wrong-Grounding"), ==, 19);
  g_assert_cmpint (count_label (f, "Incoherent"), ==, 2);
  /* 8 records have no spans: 92 of the 100 first predictions carry some. */
  g_assert_cmpint (query_int64 (f, "SELECT count(DISTINCT generation_id) FROM spans"), ==, 92);
  /* The preferences: 1 (first better) 378, 2 (second better) 178, ties 44. Comparisons are
   * stored with A the smaller generation id, which is the record's first here. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM verdicts WHERE preference = 0"), ==, 378);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM verdicts WHERE preference = 1"), ==, 178);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM verdicts WHERE preference = 0.5 "
                                   "AND strength = 0"), ==, 44);
  /* Seven spans start after a non-ASCII character, where bytes and code points differ. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM spans s JOIN generations g "
                                   "ON g.id = s.generation_id WHERE s.start_byte <> length "
                                   "(CAST (substr (CAST (g.text AS BLOB), 1, s.start_byte) "
                                   "AS TEXT))"), ==, 7);
  /* Record 99: code points 171..330 are bytes 175..334 and 331..571 are 335..576 (one more
   * character of two bytes inside); record 12: 141..198 are bytes 143..200. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM spans WHERE start_byte = 175 AND end_byte = 334"), ==, 1);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM spans WHERE start_byte = 335 AND end_byte = 576"), ==, 1);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM spans WHERE start_byte = 143 AND end_byte = 200"), ==, 1);

  before = total_rows (f);
  again = import_ok (f, FINEGRAINED, ARB_IMPORT_FORMAT_FINEGRAINED_RLHF);
  g_assert_cmpint (again->verdicts, ==, 0);
  g_assert_cmpint (total_rows (f), ==, before);
}

static void
test_bigbench (Fixture      *f,
               gconstpointer data)
{
  static const char *const tasks[] = { "word_sorting", "tracking_shuffled_objects",
                                       "logical_deduction", "multistep_arithmetic",
                                       "dyck_languages" };
  gint64 before;

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autofree char *rel = g_strdup_printf ("big_bench_mistake/%s.first60.jsonl", tasks[i]);
      g_autoptr(ArbImportResult) r = import_ok (f, rel, ARB_IMPORT_FORMAT_BIGBENCH_MISTAKE);

      g_assert_cmpuint (r->records, ==, 60);
    }
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations"), ==, 300);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM steps"), ==, 3296);
  g_assert_cmpint (query_int64 (f, "SELECT max(idx) + 1 FROM steps"), ==, 126);
  /* 56 traces without a mistake (7 + 11 + 0 + 10 + 28): every step correct; the other 244 have
   * one incorrect step and the correct ones before it. */
  g_assert_cmpint (count_label (f, "incorrect"), ==, 244);
  g_assert_cmpint (count_label (f, "correct"), ==, 1487);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations WHERE "
                                   "json_extract (metadata, '$.mistake_index') IS NULL"), ==, 56);
  /* A step label covers its step exactly. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM spans s JOIN steps t ON t.generation_id "
                                   "= s.generation_id AND t.idx = s.step_index AND t.start_byte = "
                                   "s.start_byte AND t.end_byte = s.end_byte"), ==, 1731);

  before = total_rows (f);
  {
    g_autoptr(ArbImportResult) r = import_ok (f, "big_bench_mistake/word_sorting.first60.jsonl",
                                              ARB_IMPORT_FORMAT_BIGBENCH_MISTAKE);
    g_assert_cmpuint (r->duplicates, >, 0);
  }
  g_assert_cmpint (total_rows (f), ==, before);
}

static void
test_prm800k (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(ArbImportResult) p1 = import_ok (f, "prm800k_examples/prm800k-phase1-train-example.json",
                                             ARB_IMPORT_FORMAT_PRM800K);
  g_autoptr(ArbImportResult) p2 = import_ok (f, "prm800k_examples/prm800k-phase2-train-example.jsonl",
                                             ARB_IMPORT_FORMAT_PRM800K);
  g_autoptr(ArbImportResult) again = NULL;
  gint64 before;

  g_assert_cmpuint (p1->records, ==, 3);
  g_assert_cmpuint (p2->records, ==, 9);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations"), ==, 12);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations WHERE "
                                   "json_extract (metadata, '$.finish_reason') = 'found_error'"),
                   ==, 9);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations WHERE "
                                   "json_extract (metadata, '$.finish_reason') = 'solution'"), ==, 2);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations WHERE "
                                   "json_extract (metadata, '$.finish_reason') = 'give_up'"), ==, 1);
  /* Every completion is either on the path (a step) or kept as an alternative: 262 in the files
   * plus 13 human completions. */
  g_assert_cmpint (query_int64 (f, "SELECT (SELECT count(*) FROM steps) + (SELECT count(*) FROM "
                                   "generations g, json_each (g.metadata, '$.alternatives'))"),
                   ==, 275);
  /* Rated completions: on the path as step labels, the rest among the alternatives. */
  g_assert_cmpint (query_int64 (f, "SELECT (SELECT count(*) FROM spans) + (SELECT count(*) FROM "
                                   "generations g, json_each (g.metadata, '$.alternatives') a "
                                   "WHERE json_extract (a.value, '$.rating') IS NOT NULL)"), ==, 255);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM spans WHERE value NOT IN (-1, 0, 1)"), ==, 0);
  /* Six labelers on the same problem. */
  g_assert_cmpint (query_int64 (f, "SELECT max(n) FROM (SELECT count(DISTINCT s.rater_id) AS n "
                                   "FROM spans s JOIN generations g ON g.id = s.generation_id "
                                   "GROUP BY g.prompt_id)"), ==, 6);

  before = total_rows (f);
  again = import_ok (f, "prm800k_examples/prm800k-phase2-train-example.jsonl",
                     ARB_IMPORT_FORMAT_PRM800K);
  g_assert_cmpint (total_rows (f), ==, before);
}

static void
test_cli_spans (Fixture      *f,
                gconstpointer data)
{
  static const char *const keys[] = { "generation", "system", "rater", "label", "start", "end",
                                      "byte_start", "byte_end", "text" };
  g_autoptr(ArbImportResult) r = import_ok (f, FINEGRAINED, ARB_IMPORT_FORMAT_FINEGRAINED_RLHF);
  const char *args[] = { "spans", f->path, "--rater", "finegrained-rlhf", NULL };
  g_auto(ArbTestRun) run = { 0 };
  g_auto(GStrv) lines = NULL;
  guint n = 0, shifted = 0;

  arb_test_run_cliv (&run, args);
  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(json_object) o = NULL;
      g_autofree char *sql = NULL;
      g_autofree char *expected = NULL;
      sqlite3_stmt *stmt = NULL;
      gint64 start, end;

      if (*lines[i] == '\0')
        continue;
      o = json_tokener_parse (lines[i]);
      g_assert_nonnull (o);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        g_assert_true (json_object_object_get_ex (o, keys[k], NULL));
      start = json_object_get_int64 (json_object_object_get (o, "start"));
      end = json_object_get_int64 (json_object_object_get (o, "end"));
      if (start != json_object_get_int64 (json_object_object_get (o, "byte_start")))
        shifted++;
      sql = g_strdup_printf ("SELECT text FROM generations WHERE uuid = '%s'",
                             json_object_get_string (json_object_object_get (o, "generation")));
      g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (f->ws), sql, -1, &stmt, NULL),
                       ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      expected = g_utf8_substring ((const char *) sqlite3_column_text (stmt, 0), start, end);
      sqlite3_finalize (stmt);
      g_assert_cmpstr (json_object_get_string (json_object_object_get (o, "text")), ==, expected);
      n++;
    }
  g_assert_cmpuint (n, ==, 265);
  g_assert_cmpuint (shifted, ==, 7);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/arbiter/import-steps/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("finegrained-rlhf", test_finegrained);
  ADD ("bigbench-mistake", test_bigbench);
  ADD ("prm800k", test_prm800k);
  ADD ("cli-spans", test_cli_spans);
#undef ADD

  return g_test_run ();
}
