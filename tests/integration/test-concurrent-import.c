/* test-concurrent-import.c: an annotator's commits are never refused while a 200 MB import runs
 *
 * Acceptance: while `arbiter-cli import` writes a 200 MB file into a workspace, another process
 * (this one) committing one verdict every 100 ms is never refused: no SQLITE_BUSY reaches it.
 *
 * Environment: ARB_CLI, the arbiter-cli to run (set by meson); ARB_TEST_RECORDS, the number of
 * records to import (default 100 000, about 200 MB); ARB_TEST_ASCII_JSON=1 writes the data with
 * every non-ASCII character as a \u escape.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "arb-bench-data.h"
#include "arb-import.h"
#include "arb-workspace.h"

#define DEFAULT_RECORDS 100000
#define COMMIT_INTERVAL_MICROSECONDS (100 * 1000)
#define MIN_COMMITS_DURING_IMPORT 20
#define SEED_RECORD_INDEX (G_GUINT64_CONSTANT (1) << 40)
#define LIVE_RATER "live-annotator"

typedef struct
{
  gboolean  done;
  gboolean  ok;
  char     *output;
  GError   *error;
} ImportRun;

static void
import_finished (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ImportRun *run = user_data;

  run->ok = g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->output,
                                                  NULL, &run->error);
  run->done = TRUE;
}

static gint64
query_int64 (sqlite3    *db,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  else
    g_test_message ("%s: %s", sql, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return value;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
remove_workspace_files (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_remove (path);
  g_remove (wal);
  g_remove (shm);
}

static void
test_concurrent_import (void)
{
  const char *cli = g_getenv ("ARB_CLI");
  const char *records_env = g_getenv ("ARB_TEST_RECORDS");
  guint64 n_records = records_env != NULL ? g_ascii_strtoull (records_env, NULL, 10)
                                          : DEFAULT_RECORDS;
  ArbBenchDataFlags flags = g_strcmp0 (g_getenv ("ARB_TEST_ASCII_JSON"), "1") == 0
                            ? ARB_BENCH_DATA_ASCII : ARB_BENCH_DATA_DEFAULT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) commit_error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *data = NULL;
  g_autofree char *seed_data = NULL;
  g_autofree char *ws_path = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(ArbImportResult) seed_result = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  ArbBenchDataSummary summary = { 0 }, seed_summary = { 0 };
  ImportRun run = { FALSE };
  ArbCounts counts = { 0 };
  sqlite3 *db = NULL;
  gint64 comparison, rater, start, next, import_start, import_end = 0;
  guint n_commits = 0, n_during = 0;
  double longest = 0.0, longest_during = 0.0;

  if (cli == NULL)
    {
      g_test_skip ("ARB_CLI is not set (run the test through meson)");
      return;
    }
  g_assert_cmpuint (n_records, >, 0);

  tmp = g_dir_make_tmp ("arb-concurrent-XXXXXX", &error);
  g_assert_no_error (error);
  data = g_build_filename (tmp, "data.jsonl", NULL);
  seed_data = g_build_filename (tmp, "seed.jsonl", NULL);
  ws_path = g_build_filename (tmp, "work.arbiter", NULL);

  start = g_get_monotonic_time ();
  arb_bench_data_write (data, ARB_BENCH_DEFAULT_SEED, 0, n_records, flags, &summary, &error);
  g_assert_no_error (error);
  arb_bench_data_write (seed_data, ARB_BENCH_DEFAULT_SEED, SEED_RECORD_INDEX, 1, flags,
                        &seed_summary, &error);
  g_assert_no_error (error);
  g_test_message ("data: %" G_GUINT64_FORMAT " records, %.1f MB, written in %.1f s",
                  summary.records, summary.bytes / 1e6,
                  (g_get_monotonic_time () - start) / 1e6);

  /* A comparison that exists before the import, for the annotator to decide. */
  ws = arb_workspace_create (ws_path, &error);
  g_assert_no_error (error);
  seed_result = arb_workspace_import_file (ws, seed_data, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seed_result->comparisons, ==, 1);
  g_assert_cmpint (sqlite3_open_v2 (ws_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  comparison = query_int64 (db, "SELECT min(id) FROM comparisons");
  g_assert_cmpint (comparison, >, 0);
  rater = arb_workspace_ensure_rater (ws, LIVE_RATER, "human", "live", "annotator", &error);
  g_assert_no_error (error);

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                           &error, cli, "import", ws_path, data, NULL);
  g_assert_no_error (error);
  import_start = g_get_monotonic_time ();
  /* Collects the output (so the pipe never fills) and tells when the import has exited. */
  g_subprocess_communicate_utf8_async (proc, NULL, NULL, import_finished, &run);

  next = g_get_monotonic_time ();
  while (!run.done)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 t0, t1;
      gboolean running;
      double ms;

      if (next > now)
        g_usleep (next - now);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (run.done)
        break;

      t0 = g_get_monotonic_time ();
      if (arb_workspace_record_verdict (ws, comparison, rater, (n_commits % 2) ? 1.0 : 0.0, 1,
                                        "ab", NULL, 2.0, &commit_error) < 0)
        break;
      t1 = g_get_monotonic_time ();
      n_commits++;
      ms = (t1 - t0) / 1000.0;
      longest = MAX (longest, ms);

      /* Counts as during the import only if the import was still running after the commit. */
      running = query_int64 (db, "SELECT count(*) FROM imports WHERE state = 'running'") > 0;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (running && !run.done)
        {
          n_during++;
          longest_during = MAX (longest_during, ms);
          g_array_append_val (latencies, ms);
        }

      next += COMMIT_INTERVAL_MICROSECONDS;
      if (next < t1)
        next = t1;
    }

  if (commit_error != NULL)
    {
      /* Stop the import before failing, so that nothing outlives the test. */
      g_test_message ("commit %u failed after %.1f s of import: %s", n_commits + 1,
                      (g_get_monotonic_time () - import_start) / 1e6, commit_error->message);
      g_subprocess_force_exit (proc);
      while (!run.done)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_no_error (commit_error);
  import_end = g_get_monotonic_time ();
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (run.error);
  g_assert_true (run.ok);

  g_array_sort (latencies, compare_doubles);
  g_test_message ("import: %.1f s (%.1f MB/s); %u commits, %u of them during the import; "
                  "longest commit delay %.1f ms during the import (%.1f ms of all), median %.1f "
                  "ms, p99 %.1f ms", (import_end - import_start) / 1e6,
                  summary.bytes / 1e6 / ((import_end - import_start) / 1e6), n_commits, n_during,
                  longest_during, longest,
                  latencies->len ? g_array_index (latencies, double, latencies->len / 2) : 0.0,
                  latencies->len ? g_array_index (latencies, double,
                                                  MIN (latencies->len - 1,
                                                       latencies->len * 99 / 100)) : 0.0);
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    g_test_message ("arbiter-cli import said:\n%s", run.output);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_cmpuint (n_during, >=, MIN_COMMITS_DURING_IMPORT);

  /* Everything landed: the file's rows, the seed record's, and the annotator's. A live rater's
   * repeated decisions on one comparison (same presented order) supersede each other, so one of
   * them is current; every one of them is kept as a row, and logged as an event. */
  g_assert_true (arb_workspace_get_counts (ws, &counts, &error));
  g_assert_no_error (error);
  g_test_message ("counts: %" G_GINT64_FORMAT " prompts, %" G_GINT64_FORMAT " generations, %"
                  G_GINT64_FORMAT " comparisons, %" G_GINT64_FORMAT " systems, %" G_GINT64_FORMAT
                  " raters, %" G_GINT64_FORMAT " verdicts", counts.prompts, counts.generations,
                  counts.comparisons, counts.systems, counts.raters, counts.verdicts);
  g_assert_cmpint (counts.prompts, ==, n_records + 1);
  g_assert_cmpint (counts.generations, ==, 2 * (n_records + 1));
  g_assert_cmpint (counts.comparisons, ==, n_records + 1);
  g_assert_cmpint (counts.systems, ==,
                   __builtin_popcount (summary.systems_mask | seed_summary.systems_mask));
  g_assert_cmpint (counts.raters, ==,
                   __builtin_popcount (summary.raters_mask | seed_summary.raters_mask) + 1);
  g_assert_cmpint (counts.verdicts, ==, n_records + 1 + (n_commits > 0 ? 1 : 0));
  g_assert_cmpint (counts.grades, ==, 0);
  g_assert_cmpint (counts.spans, ==, 0);
  g_assert_cmpint (query_int64 (db, "SELECT count(*) FROM verdicts v JOIN raters r "
                                    "ON r.id = v.rater_id WHERE r.name = '" LIVE_RATER "'"),
                   ==, n_commits);
  g_assert_cmpint (query_int64 (db, "SELECT count(*) FROM events"), ==, n_commits);
  g_assert_cmpint (query_int64 (db, "SELECT count(*) FROM imports WHERE state = 'done'"), ==, 2);

  sqlite3_close (db);
  g_clear_object (&ws);
  remove_workspace_files (ws_path);
  g_remove (data);
  g_remove (seed_data);
  g_assert_cmpint (g_rmdir (tmp), ==, 0);
  g_free (run.output);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/integration/concurrent-import", test_concurrent_import);
  return g_test_run ();
}
