/* bench-export.c: 1 000 000 verdicts exported to trl-preference, MB/s and peak RSS (suite bench)
 *
 * Makes a workspace of N comparisons (default 1 000 000), one per prompt, each with one verdict
 * of a human annotator, from the import benchmark's synthetic records (arb-bench-data.c: about
 * 2 KB of text per record, with the escapes real data has; 45 % A better, 45 % B, 10 % ties),
 * written with plain SQL (the importer would take minutes). Then, each in a child process so
 * that wait4() gives the peak RSS of that job alone:
 *
 *   export     `arbiter-cli export WS --format trl-preference -o FILE --no-card`, the real thing;
 *   reference  the floor for the same bytes: one SQL query that reads the same prompt and the
 *              two texts of every decided comparison (no aggregation, no rules, no JSON) and
 *              writes them through a plain 256 KiB stdio buffer to a file, synced. What is
 *              left between the two is the export's own work;
 *   preview    the Export page's preview of the same choices (arb_workspace_export with
 *              preview_records 5: the same counts, five rows, nothing written), its time next
 *              to the export's and its peak RSS; then a preview cancelled 0.5 s in, and how
 *              long it took to return after the cancel.
 *
 * It checks the export (rows, every line a JSON object) and prints MB/s of output and peak RSS
 * for both, against the targets (at least 100 MB/s, RSS under 64 MB). It fails only when
 * something fails, not on a missed target.
 *
 * ARB_BENCH_VERDICTS overrides N; ARB_BENCH_WS=FILE keeps the workspace there (and reuses it
 * when it exists).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "arb-bench-data.h"
#include "arb-export.h"
#include "arb-workspace-private.h"

#define TARGET_MB_S 100.0
#define TARGET_RSS_MB 64.0

static void
exec_or_die (sqlite3    *db,
             const char *sql)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
}

static void
step_or_die (sqlite3      *db,
             sqlite3_stmt *stmt)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_error ("%s", sqlite3_errmsg (db));
  sqlite3_reset (stmt);
}

static void
bind_hash (sqlite3_stmt *stmt,
           int           col,
           GString      *text)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_checksum_update (sum, (const guchar *) text->str, text->len);
  g_checksum_get_digest (sum, digest, &len);
  sqlite3_bind_blob (stmt, col, digest, len, SQLITE_TRANSIENT);
}

/* N prompts, each with the record's two responses, one comparison and one verdict. Returns the
 * decided (not tied) comparisons. */
static gint64
make_workspace (const char *path,
                gint64      n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (path, &error);
  ArbBenchRecord rec;
  sqlite3 *db;
  sqlite3_stmt *prompt, *gen, *cmp, *verdict;
  gint64 t0 = g_get_monotonic_time (), decided = 0;

  if (ws == NULL)
    g_error ("%s", error->message);
  db = _arb_workspace_get_db (ws);
  arb_bench_record_init (&rec);
  exec_or_die (db, "BEGIN");
  for (guint i = 0; i < arb_bench_n_systems (); i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO systems (id, uuid, name) VALUES"
                                              " (%u, 's%u', '%s')", i + 1, i + 1,
                                              arb_bench_system_name (i));

      exec_or_die (db, sql);
    }
  for (guint i = 0; i < arb_bench_n_raters (); i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO raters (id, uuid, name, kind, origin,"
                                              " role) VALUES (%u, 'r%u', '%s', 'human',"
                                              " 'imported', 'annotator')", i + 1, i + 1,
                                              arb_bench_rater_name (i));

      exec_or_die (db, sql);
    }
  sqlite3_prepare_v2 (db, "INSERT INTO prompts (id, uuid, key, messages) VALUES (?, ?, ?, ?)",
                      -1, &prompt, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO generations (id, uuid, prompt_id, system_id, text,"
                          " text_hash, length) VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &gen, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO comparisons (id, uuid, prompt_id, a_id, b_id)"
                          " VALUES (?, ?, ?, ?, ?)", -1, &cmp, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO verdicts (uuid, comparison_id, rater_id, preference,"
                          " strength, presented, created_at) VALUES (?, ?, ?, ?, ?, ?,"
                          " '2026-12-03T12:00:00Z')", -1, &verdict, NULL);
  for (gint64 p = 1; p <= n; p++)
    {
      g_autofree char *puuid = g_uuid_string_random ();
      g_autofree char *cuuid = g_uuid_string_random ();
      g_autofree char *vuuid = g_uuid_string_random ();
      g_autofree char *key = g_strdup_printf ("bench-%" G_GINT64_FORMAT, p);
      g_autofree char *messages = NULL;
      guint rater = 0;

      arb_bench_record_make (&rec, ARB_BENCH_DEFAULT_SEED, p);
      messages = arb_bench_prompt_messages (&rec);
      sqlite3_bind_int64 (prompt, 1, p);
      sqlite3_bind_text (prompt, 2, puuid, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (prompt, 3, key, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (prompt, 4, messages, -1, SQLITE_TRANSIENT);
      step_or_die (db, prompt);
      for (int s = 0; s < 2; s++)
        {
          g_autofree char *guuid = g_uuid_string_random ();
          guint system = 0;

          for (guint k = 0; k < arb_bench_n_systems (); k++)
            if (g_str_equal (arb_bench_system_name (k), rec.systems[s]))
              system = k + 1;
          sqlite3_bind_int64 (gen, 1, 2 * p - 1 + s);
          sqlite3_bind_text (gen, 2, guuid, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (gen, 3, p);
          sqlite3_bind_int64 (gen, 4, system);
          sqlite3_bind_text (gen, 5, rec.texts[s]->str, rec.texts[s]->len, SQLITE_TRANSIENT);
          bind_hash (gen, 6, rec.texts[s]);
          sqlite3_bind_int64 (gen, 7, g_utf8_strlen (rec.texts[s]->str, rec.texts[s]->len));
          step_or_die (db, gen);
        }
      sqlite3_bind_int64 (cmp, 1, p);
      sqlite3_bind_text (cmp, 2, cuuid, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (cmp, 3, p);
      sqlite3_bind_int64 (cmp, 4, 2 * p - 1);
      sqlite3_bind_int64 (cmp, 5, 2 * p);
      step_or_die (db, cmp);
      for (guint k = 0; k < arb_bench_n_raters (); k++)
        if (g_str_equal (arb_bench_rater_name (k), rec.rater))
          rater = k + 1;
      sqlite3_bind_text (verdict, 1, vuuid, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (verdict, 2, p);
      sqlite3_bind_int64 (verdict, 3, rater);
      sqlite3_bind_double (verdict, 4, rec.preference);
      sqlite3_bind_int (verdict, 5, rec.strength);
      sqlite3_bind_text (verdict, 6, rec.presented, -1, SQLITE_STATIC);
      step_or_die (db, verdict);
      decided += rec.preference != 0.5;
      if (p % 50000 == 0)
        {
          exec_or_die (db, "COMMIT");
          exec_or_die (db, "BEGIN");
        }
    }
  sqlite3_finalize (prompt);
  sqlite3_finalize (gen);
  sqlite3_finalize (cmp);
  sqlite3_finalize (verdict);
  exec_or_die (db, "COMMIT");
  exec_or_die (db, "PRAGMA wal_checkpoint(TRUNCATE)");
  arb_bench_record_clear (&rec);
  g_print ("workspace: %" G_GINT64_FORMAT " prompts, %" G_GINT64_FORMAT " generations, %"
           G_GINT64_FORMAT " comparisons and verdicts (%" G_GINT64_FORMAT " decided), made in "
           "%.1f s\n", n, 2 * n, n, decided, (g_get_monotonic_time () - t0) / 1e6);
  return decided;
}

/* The reference, in the child: the same texts of the decided comparisons, raw. */
static int
child_reference (const char *ws,
                 const char *out)
{
  static const char sql[] =
    "SELECT p.messages, ga.text, gb.text FROM verdicts v"
    " JOIN comparisons c ON c.id = v.comparison_id JOIN prompts p ON p.id = c.prompt_id"
    " JOIN generations ga ON ga.id = c.a_id JOIN generations gb ON gb.id = c.b_id"
    " WHERE v.superseded_by IS NULL AND v.preference <> 0.5 ORDER BY c.id";
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  FILE *fp = fopen (out, "wb");
  static char buf[1 << 18];
  gint64 rows = 0;

  if (fp == NULL || sqlite3_open_v2 (ws, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_printerr ("reference: %s\n", db != NULL ? sqlite3_errmsg (db) : g_strerror (errno));
      return 1;
    }
  setvbuf (fp, buf, _IOFBF, sizeof buf);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int i = 0; i < 3; i++)
        fwrite (sqlite3_column_text (stmt, i), 1, sqlite3_column_bytes (stmt, i), fp);
      fputc ('\n', fp);
      rows++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  if (fflush (fp) != 0 || fsync (fileno (fp)) != 0 || fclose (fp) != 0)
    {
      g_printerr ("reference: %s: %s\n", out, g_strerror (errno));
      return 1;
    }
  printf ("%" G_GINT64_FORMAT "\n", rows);
  return 0;
}

/* The preview, in the child: the page's choices (trl-preference, majority, ties dropped), five
 * records; prints its counts. */
static int
child_preview (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (path, &error);
  g_autoptr(ArbExportResult) r = NULL;
  ArbExportOptions o;

  if (ws == NULL)
    {
      g_printerr ("preview: %s\n", error->message);
      return 1;
    }
  arb_export_options_init (&o);
  o.preview_records = 5;
  r = arb_workspace_export (ws, NULL, &o, NULL, &error);
  if (r == NULL)
    {
      g_printerr ("preview: %s\n", error->message);
      return 1;
    }
  printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
          " %zu\n", r->rows, r->considered, r->ties, r->preview_rows, strlen (r->preview));
  return 0;
}

typedef struct
{
  GCancellable *cancellable;
  gint64        cancelled_at;
} Canceller;

static gboolean
cancel_now (gpointer data)
{
  Canceller *c = data;

  c->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (c->cancellable);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (G_USEC_PER_SEC / 2);
  cancel_now (data);
  return NULL;
}

/* A preview cancelled 0.5 s in, in the child: prints the milliseconds from the cancel to the
 * return. */
static int
child_cancel (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (path, &error);
  g_autoptr(ArbExportResult) r = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Canceller c = { cancellable, 0 };
  GThread *thread;
  ArbExportOptions o;

  if (ws == NULL)
    {
      g_printerr ("cancel: %s\n", error->message);
      return 1;
    }
  arb_export_options_init (&o);
  o.preview_records = 5;
  thread = g_thread_new ("cancel", cancel_thread, &c);
  r = arb_workspace_export (ws, NULL, &o, cancellable, &error);
  g_thread_join (thread);
  if (r != NULL || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_printerr ("cancel: the preview was not cancelled: %s\n",
                  error != NULL ? error->message : "it finished");
      return 1;
    }
  printf ("%.1f\n", (g_get_monotonic_time () - c.cancelled_at) / 1e3);
  return 0;
}

typedef struct
{
  double  seconds;
  double  rss_mb;
  char   *out;
  char   *err;
  gboolean ok;
} Run;

/* Runs argv to its end with stdout and stderr in files, and its peak RSS from wait4(). */
static Run
run_child (const char * const *argv,
           const char         *dir)
{
  g_autofree char *out_path = g_build_filename (dir, "child.out", NULL);
  g_autofree char *err_path = g_build_filename (dir, "child.err", NULL);
  struct rusage usage = { 0 };
  Run r = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  int status = 0;
  pid_t pid;

  pid = fork ();
  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      if (freopen (out_path, "w", stdout) == NULL || freopen (err_path, "w", stderr) == NULL)
        _exit (127);
      execv (argv[0], (char **) argv);
      _exit (127);
    }
  while (wait4 (pid, &status, 0, &usage) < 0)
    if (errno != EINTR)
      g_error ("wait4: %s", g_strerror (errno));
  r.seconds = (g_get_monotonic_time () - t0) / 1e6;
  r.rss_mb = usage.ru_maxrss / 1024.0;
  r.ok = WIFEXITED (status) && WEXITSTATUS (status) == 0;
  g_file_get_contents (out_path, &r.out, NULL, NULL);
  g_file_get_contents (err_path, &r.err, NULL, NULL);
  return r;
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

/* Every line a JSON object with prompt, chosen and rejected strings: a quick check by bytes
 * (the tests load real exports with Python's json). */
static gint64
count_rows (const char *path,
            gboolean   *ok)
{
  FILE *fp = fopen (path, "rb");
  static char line[1 << 20];
  gint64 n = 0;
  size_t len;

  *ok = fp != NULL;
  while (*ok && fgets (line, sizeof line, fp) != NULL)
    {
      len = strlen (line);
      if (len == sizeof line - 1 && line[len - 1] != '\n')
        {
          /* a row longer than the buffer: read on to its end */
          int c;

          while ((c = fgetc (fp)) != EOF && c != '\n')
            ;
          n++;
          continue;
        }
      if (!g_str_has_prefix (line, "{\"prompt\": \"") || strstr (line, "\", \"chosen\": \"") == NULL ||
          strstr (line, "\", \"rejected\": \"") == NULL || len < 3 || line[len - 2] != '}')
        {
          g_printerr ("bench-export: row %" G_GINT64_FORMAT " is not a preference row\n", n + 1);
          *ok = FALSE;
        }
      n++;
    }
  if (fp != NULL)
    fclose (fp);
  return n;
}

int
main (int    argc,
      char **argv)
{
  const char *env_n = g_getenv ("ARB_BENCH_VERDICTS");
  const char *keep = g_getenv ("ARB_BENCH_WS");
  const char *cli = g_getenv ("ARB_CLI");
  gint64 n = env_n != NULL ? g_ascii_strtoll (env_n, NULL, 10) : 1000000;
  g_autofree char *dir = NULL, *ws = NULL, *out = NULL, *ref = NULL;
  gint64 decided = -1, rows, bytes, ref_bytes;
  gboolean ok = TRUE, rows_ok = FALSE;
  Run ex, rf, pv, cn;

  if (argc == 4 && g_str_equal (argv[1], "--child-reference"))
    return child_reference (argv[2], argv[3]);
  if (argc == 3 && g_str_equal (argv[1], "--child-preview"))
    return child_preview (argv[2]);
  if (argc == 3 && g_str_equal (argv[1], "--child-cancel"))
    return child_cancel (argv[2]);
  if (cli == NULL)
    {
      g_printerr ("bench-export: ARB_CLI must name arbiter-cli (meson test sets it)\n");
      return 1;
    }
  dir = g_dir_make_tmp ("arb-bench-export-XXXXXX", NULL);
  ws = keep != NULL ? g_strdup (keep) : g_build_filename (dir, "bench.arbiter", NULL);
  out = g_build_filename (dir, "export.jsonl", NULL);
  ref = g_build_filename (dir, "reference.txt", NULL);
  if (keep != NULL && g_file_test (ws, G_FILE_TEST_EXISTS))
    g_print ("workspace: %s, kept from an earlier run\n", ws);
  else
    decided = make_workspace (ws, n);

  /* The page cache warm for both: each reads the same workspace once first. */
  ex = run_child ((const char *[]) { cli, "export", ws, "--format", "trl-preference", "-o", out,
                                     "--no-card", NULL }, dir);
  if (!ex.ok)
    {
      g_printerr ("bench-export: the export failed:\n%s%s", ex.out, ex.err);
      return 1;
    }
  rows = count_rows (out, &rows_ok);
  bytes = file_size (out);
  g_print ("export: %" G_GINT64_FORMAT " rows, %.1f MB in %.2f s: %.1f MB/s (target >= %.0f: %s);"
           " peak RSS %.1f MB (target < %.0f: %s)\n", rows, bytes / 1e6, ex.seconds,
           bytes / 1e6 / ex.seconds, TARGET_MB_S,
           bytes / 1e6 / ex.seconds >= TARGET_MB_S ? "met" : "target missed", ex.rss_mb,
           TARGET_RSS_MB, ex.rss_mb < TARGET_RSS_MB ? "met" : "target missed");
  g_print ("export summary:\n%s", ex.out);
  if (!rows_ok)
    ok = FALSE;
  if (decided >= 0 && rows != decided)
    {
      /* Every decided comparison has two different texts and its own prompt. */
      g_print ("FAILED: %" G_GINT64_FORMAT " rows, %" G_GINT64_FORMAT " decided comparisons\n",
               rows, decided);
      ok = FALSE;
    }

  rf = run_child ((const char *[]) { argv[0], "--child-reference", ws, ref, NULL }, dir);
  if (!rf.ok)
    {
      g_printerr ("bench-export: the reference failed:\n%s", rf.err);
      return 1;
    }
  ref_bytes = file_size (ref);
  g_print ("reference (the same texts raw: one SQL query, stdio, no rules, no JSON): %.1f MB in "
           "%.2f s: %.1f MB/s; peak RSS %.1f MB\n", ref_bytes / 1e6, rf.seconds,
           ref_bytes / 1e6 / rf.seconds, rf.rss_mb);
  g_print ("export / reference: %.2f of the reference's MB/s (%.2f s against %.2f s for %.2f of "
           "its bytes)\n", (bytes / ex.seconds) / (ref_bytes / rf.seconds), ex.seconds,
           rf.seconds, (double) bytes / ref_bytes);

  /* The preview of the same choices: the same counts as the export, five rows, no file. */
  pv = run_child ((const char *[]) { argv[0], "--child-preview", ws, NULL }, dir);
  if (!pv.ok)
    {
      g_printerr ("bench-export: the preview failed:\n%s", pv.err);
      return 1;
    }
  {
    gint64 p_rows = -1, p_considered = -1, p_ties = -1, p_records = -1, p_bytes = -1;

    sscanf (pv.out, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %"
            G_GINT64_FORMAT " %" G_GINT64_FORMAT, &p_rows, &p_considered, &p_ties, &p_records,
            &p_bytes);
    g_print ("preview (5 records, the same counts, nothing written): %" G_GINT64_FORMAT
             " rows counted, %" G_GINT64_FORMAT " records (%" G_GINT64_FORMAT " bytes) kept, in "
             "%.2f s: %.3f of the export's time (%.1fx faster); peak RSS %.1f MB\n", p_rows,
             p_records, p_bytes, pv.seconds, pv.seconds / ex.seconds, ex.seconds / pv.seconds,
             pv.rss_mb);
    if (p_rows != rows || p_records != MIN (5, rows))
      {
        g_print ("FAILED: the preview counts %" G_GINT64_FORMAT " rows and kept %"
                 G_GINT64_FORMAT ", the export wrote %" G_GINT64_FORMAT "\n", p_rows, p_records,
                 rows);
        ok = FALSE;
      }
  }
  cn = run_child ((const char *[]) { argv[0], "--child-cancel", ws, NULL }, dir);
  if (!cn.ok)
    {
      g_printerr ("bench-export: the cancelled preview:\n%s", cn.err);
      ok = FALSE;
    }
  else
    g_print ("preview cancelled 0.5 s in: returned G_IO_ERROR_CANCELLED %.1f ms after the "
             "cancel\n", g_ascii_strtod (cn.out, NULL));

  g_unlink (out);
  g_unlink (ref);
  {
    g_autofree char *o = g_build_filename (dir, "child.out", NULL);
    g_autofree char *e = g_build_filename (dir, "child.err", NULL);

    g_unlink (o);
    g_unlink (e);
  }
  if (keep == NULL)
    {
      g_autofree char *wal = g_strconcat (ws, "-wal", NULL);
      g_autofree char *shm = g_strconcat (ws, "-shm", NULL);

      g_unlink (ws);
      g_unlink (wal);
      g_unlink (shm);
    }
  g_rmdir (dir);
  return ok ? 0 : 1;
}
