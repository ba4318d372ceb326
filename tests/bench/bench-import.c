/* bench-import.c: how fast and how lean a 200 MB `arbiter` import is, and whether an annotator
 * committing during it is held up
 *
 * The parent writes the data (100 000 records of about 2 KB, made from a seed) to a temporary
 * folder and runs three children, each this program again in a hidden mode, so that wait4()
 * reports the peak RSS of one job alone:
 *
 *   import     arb_workspace_import_file() of the file into a fresh workspace;
 *   committer  during the import, one arb_workspace_record_verdict() every 100 ms on a
 *              comparison that exists before the import starts, timing each commit;
 *   baseline   the same rows written into a workspace of the same schema by a plain loop of
 *              prepared INSERTs in transactions of the importer's size: no file, no JSON.
 *
 * It prints plain lines of figures. It exits non-zero only when something failed (a child, a
 * count, a commit); a figure that misses its target is printed as "target missed".
 *
 * Usage: bench-import [--records N] [--seed S] [--keep] [--ascii]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "arb-bench-data.h"
#include "arb-import.h"
#include "arb-workspace.h"

/* The importer's batch limits (db/arb-import.c), so the baseline's transactions match. */
#define BATCH_MICROSECONDS (40 * 1000)
#define BATCH_RECORDS 5000

#define COMMIT_INTERVAL_MICROSECONDS (100 * 1000)
#define TARGET_RATIO 0.60
#define TARGET_RSS_MB 64.0
#define TARGET_COMMIT_MS 200.0

/* The record that exists before the big import: far outside the big file's indices. */
#define SEED_RECORD_INDEX (G_GUINT64_CONSTANT (1) << 40)

#define LIVE_RATER "bench-live-annotator"

static gint64 opt_records = 100000;
static gint64 opt_seed = ARB_BENCH_DEFAULT_SEED;
static gboolean opt_keep = FALSE;
static gboolean opt_ascii = FALSE;
static char *opt_child = NULL;
static char *opt_workspace = NULL;
static char *opt_file = NULL;
static gint64 opt_comparison = 0;

static const GOptionEntry entries[] = {
  { "records", 'n', 0, G_OPTION_ARG_INT64, &opt_records,
    "Records in the data file (default 100000)", "N" },
  { "seed", 's', 0, G_OPTION_ARG_INT64, &opt_seed, "Seed of the data", "S" },
  { "keep", 'k', 0, G_OPTION_ARG_NONE, &opt_keep, "Keep the temporary folder", NULL },
  { "ascii", 0, 0, G_OPTION_ARG_NONE, &opt_ascii, "Write all non-ASCII text as \\u escapes", NULL },
  { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_child, NULL, NULL },
  { "workspace", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &opt_workspace, NULL, NULL },
  { "file", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &opt_file, NULL, NULL },
  { "comparison", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &opt_comparison, NULL, NULL },
  { NULL }
};

/* ---- Small helpers --------------------------------------------------------------------------- */

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* The peak resident set of this process image, from the kernel's own count (VmHWM), in KiB. */
static long
self_peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

/* Whether an error from the workspace is SQLite's "busy" (any extended code of SQLITE_BUSY);
 * the message ends "(SQLite error N)" with the extended code (see _arb_set_sqlite_error). */
static gboolean
error_is_busy (const GError *error)
{
  const char *code;

  if (error == NULL || !g_error_matches (error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE))
    return FALSE;
  code = g_strrstr (error->message, "(SQLite error ");
  if (code != NULL && (strtol (code + 14, NULL, 10) & 0xff) == SQLITE_BUSY)
    return TRUE;
  return strstr (error->message, "database is locked") != NULL;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *sorted,
            double  q)
{
  if (sorted->len == 0)
    return 0.0;
  return g_array_index (sorted, double, MIN (sorted->len - 1, (guint) floor (q * sorted->len)));
}

/* "key=value key=value" lines, as the children print them. */
static GHashTable *
parse_fields (const char *text)
{
  GHashTable *fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) tokens = g_strsplit_set (text, " \n", -1);

  for (guint i = 0; tokens[i] != NULL; i++)
    {
      char *eq = strchr (tokens[i], '=');

      if (eq != NULL)
        g_hash_table_insert (fields, g_strndup (tokens[i], eq - tokens[i]), g_strdup (eq + 1));
    }
  return fields;
}

static double
field_double (GHashTable *fields,
              const char *key)
{
  const char *value = g_hash_table_lookup (fields, key);

  return value != NULL ? g_ascii_strtod (value, NULL) : NAN;
}

static gint64
sqlite_count (sqlite3    *db,
              const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    g_printerr ("bench-import: %s: %s\n", sql, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return n;
}

/* ---- Child: the import ---------------------------------------------------------------------- */

static int
run_import_child (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(ArbImportResult) result = NULL;
  ArbImportOptions options = { ARB_IMPORT_FORMAT_AUTO };
  gint64 start;
  double seconds;

  ws = arb_workspace_open (opt_workspace, &error);
  if (ws == NULL)
    {
      g_printerr ("bench-import (import): %s\n", error->message);
      return 1;
    }
  start = g_get_monotonic_time ();
  result = arb_workspace_import_file (ws, opt_file, &options, NULL, NULL, NULL, &error);
  seconds = seconds_since (start);
  if (result == NULL)
    {
      g_printerr ("bench-import (import): %s\n", error->message);
      return 1;
    }
  printf ("records=%" G_GUINT64_FORMAT " skipped=%" G_GUINT64_FORMAT " seconds=%.6f "
          "prompts=%" G_GINT64_FORMAT " generations=%" G_GINT64_FORMAT " comparisons=%"
          G_GINT64_FORMAT " verdicts=%" G_GINT64_FORMAT " warnings=%u hwm_kb=%ld\n",
          result->records, result->skipped, seconds, result->prompts, result->generations,
          result->comparisons, result->verdicts, result->warnings->len, self_peak_rss_kb ());
  return 0;
}

/* ---- Child: the annotator ------------------------------------------------------------------- */

/* Commits one verdict every 100 ms until its stdin closes, then prints what the commits took.
 * Only commits made while an import is running count for the figures. */
static int
run_committer_child (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GArray) during = g_array_new (FALSE, FALSE, sizeof (double));
  guint n_commits = 0, n_failed = 0, n_busy = 0;
  double max_all = 0.0;
  gint64 rater, next;
  gboolean stop = FALSE;

  ws = arb_workspace_open (opt_workspace, &error);
  if (ws == NULL)
    {
      g_printerr ("bench-import (committer): %s\n", error->message);
      return 1;
    }
  rater = arb_workspace_ensure_rater (ws, LIVE_RATER, "human", "live", "annotator", &error);
  if (rater < 0)
    {
      g_printerr ("bench-import (committer): %s\n", error->message);
      return 1;
    }
  printf ("ready\n");
  fflush (stdout);

  next = g_get_monotonic_time ();
  while (!stop)
    {
      g_autoptr(GError) commit_error = NULL;
      g_autoptr(GPtrArray) imports = NULL;
      struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
      gint64 now = g_get_monotonic_time ();
      gint64 t0, t1;
      gboolean running = FALSE;
      double ms;

      /* Sleeps until the next tick, waking early when the parent closes our stdin. */
      if (poll (&pfd, 1, next > now ? (int) ((next - now + 999) / 1000) : 0) > 0)
        {
          char buf[64];

          if (read (STDIN_FILENO, buf, sizeof buf) <= 0)
            break;
        }

      t0 = g_get_monotonic_time ();
      if (arb_workspace_record_verdict (ws, opt_comparison, rater, (n_commits % 2) ? 1.0 : 0.0,
                                        1, "ab", NULL, 1.5, &commit_error) < 0)
        {
          n_failed++;
          if (error_is_busy (commit_error))
            n_busy++;
          if (n_failed <= 5)
            g_printerr ("bench-import (committer): commit %u failed: %s\n", n_commits + 1,
                        commit_error->message);
        }
      t1 = g_get_monotonic_time ();
      n_commits++;
      ms = (t1 - t0) / 1000.0;
      max_all = MAX (max_all, ms);

      imports = arb_workspace_list_imports (ws, NULL);
      for (guint i = 0; imports != NULL && i < imports->len; i++)
        {
          ArbImportInfo *info = g_ptr_array_index (imports, i);

          if (g_strcmp0 (info->state, "running") == 0)
            running = TRUE;
        }
      if (running)
        g_array_append_val (during, ms);

      next += COMMIT_INTERVAL_MICROSECONDS;
      if (next < t1)
        next = t1;
    }

  {
    double max_during = 0.0, sum = 0.0;
    guint over = 0;

    for (guint i = 0; i < during->len; i++)
      {
        double ms = g_array_index (during, double, i);

        max_during = MAX (max_during, ms);
        sum += ms;
        if (ms >= TARGET_COMMIT_MS)
          over++;
      }
    g_array_sort (during, compare_doubles);
    printf ("commits=%u failed=%u busy=%u during=%u max_ms=%.3f max_all_ms=%.3f mean_ms=%.3f "
            "p50_ms=%.3f p99_ms=%.3f over_target=%u\n", n_commits, n_failed, n_busy, during->len,
            max_during, max_all, during->len ? sum / during->len : 0.0,
            percentile (during, 0.50), percentile (during, 0.99), over);
  }
  return 0;
}

/* ---- Child: the baseline -------------------------------------------------------------------- */

typedef enum
{
  STMT_PROMPT,
  STMT_PROMPT_ID,
  STMT_SYSTEM,
  STMT_RATER,
  STMT_GENERATION,
  STMT_COMPARISON,
  STMT_VERDICT,
  N_STMTS
} BaselineStmt;

static const char *const baseline_sql[N_STMTS] = {
  [STMT_PROMPT] = "INSERT INTO prompts (uuid, key, messages, category, import_id) "
                  "VALUES (?, ?, ?, ?, ?)",
  [STMT_PROMPT_ID] = "INSERT INTO prompt_ids (source, external_id, prompt_id, import_id) "
                     "VALUES ('arbiter', ?, ?, ?)",
  [STMT_SYSTEM] = "INSERT INTO systems (uuid, name, import_id) VALUES (?, ?, ?)",
  [STMT_RATER] = "INSERT INTO raters (uuid, name, kind, origin, role, import_id) "
                 "VALUES (?, ?, 'human', 'imported', 'annotator', ?)",
  [STMT_GENERATION] = "INSERT INTO generations (uuid, prompt_id, system_id, text, text_hash, kind, "
                      "length, import_id) VALUES (?, ?, ?, ?, ?, 'text', ?, ?)",
  [STMT_COMPARISON] = "INSERT INTO comparisons (uuid, prompt_id, a_id, b_id, import_id) "
                      "VALUES (?, ?, ?, ?, ?)",
  [STMT_VERDICT] = "INSERT INTO verdicts (uuid, comparison_id, rater_id, preference, strength, "
                   "status, presented, sample, created_at, import_id) "
                   "VALUES (?, ?, ?, ?, ?, 'ok', ?, 0, ?, ?)",
};

typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *stmts[N_STMTS];
  gint64        import_id;
} Baseline;

static gboolean
baseline_fail (Baseline   *b,
               const char *what)
{
  g_printerr ("bench-import (baseline): %s: %s\n", what, sqlite3_errmsg (b->db));
  return FALSE;
}

static gboolean
baseline_exec (Baseline   *b,
               const char *sql)
{
  if (sqlite3_exec (b->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return baseline_fail (b, sql);
  return TRUE;
}

/* Steps an INSERT and returns the new row's id, or -1. */
static gint64
baseline_insert (Baseline     *b,
                 BaselineStmt  which)
{
  sqlite3_stmt *stmt = b->stmts[which];
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      baseline_fail (b, baseline_sql[which]);
      return -1;
    }
  return sqlite3_last_insert_rowid (b->db);
}

static void
bind_uuid (sqlite3_stmt *stmt,
           int           index)
{
  sqlite3_bind_text (stmt, index, g_uuid_string_random (), -1, g_free);
}

/* The id of a system or rater by name, inserting it on first use. */
static gint64
baseline_name (Baseline     *b,
               GHashTable   *ids,
               BaselineStmt  which,
               const char   *name)
{
  gpointer cached;
  gint64 id;

  if (g_hash_table_lookup_extended (ids, name, NULL, &cached))
    return GPOINTER_TO_SIZE (cached);
  bind_uuid (b->stmts[which], 1);
  sqlite3_bind_text (b->stmts[which], 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (b->stmts[which], 3, b->import_id);
  if ((id = baseline_insert (b, which)) < 0)
    return -1;
  g_hash_table_insert (ids, (gpointer) name, GSIZE_TO_POINTER (id));
  return id;
}

static gboolean
baseline_record (Baseline             *b,
                 const ArbBenchRecord *rec,
                 GHashTable           *system_ids,
                 GHashTable           *rater_ids,
                 const char           *now)
{
  g_autofree char *messages = arb_bench_prompt_messages (rec);
  g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, messages, -1);
  sqlite3_stmt *stmt;
  gint64 prompt_id, gens[2], comparison_id, rater_id;

  stmt = b->stmts[STMT_PROMPT];
  bind_uuid (stmt, 1);
  sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, messages, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, rec->category, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, b->import_id);
  if ((prompt_id = baseline_insert (b, STMT_PROMPT)) < 0)
    return FALSE;

  stmt = b->stmts[STMT_PROMPT_ID];
  sqlite3_bind_text (stmt, 1, rec->id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, prompt_id);
  sqlite3_bind_int64 (stmt, 3, b->import_id);
  if (baseline_insert (b, STMT_PROMPT_ID) < 0)
    return FALSE;

  for (guint j = 0; j < 2; j++)
    {
      guint8 hash[32];
      gsize hash_len = sizeof hash;
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      gint64 system_id = baseline_name (b, system_ids, STMT_SYSTEM, rec->systems[j]);

      if (system_id < 0)
        return FALSE;
      g_checksum_update (checksum, (const guchar *) rec->texts[j]->str, rec->texts[j]->len);
      g_checksum_get_digest (checksum, hash, &hash_len);

      stmt = b->stmts[STMT_GENERATION];
      bind_uuid (stmt, 1);
      sqlite3_bind_int64 (stmt, 2, prompt_id);
      sqlite3_bind_int64 (stmt, 3, system_id);
      sqlite3_bind_text (stmt, 4, rec->texts[j]->str, rec->texts[j]->len, SQLITE_STATIC);
      sqlite3_bind_blob (stmt, 5, hash, hash_len, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 6, g_utf8_strlen (rec->texts[j]->str, rec->texts[j]->len));
      sqlite3_bind_int64 (stmt, 7, b->import_id);
      if ((gens[j] = baseline_insert (b, STMT_GENERATION)) < 0)
        return FALSE;
    }

  /* Inserted in order, so the first response has the smaller id: already canonical (a < b). */
  stmt = b->stmts[STMT_COMPARISON];
  bind_uuid (stmt, 1);
  sqlite3_bind_int64 (stmt, 2, prompt_id);
  sqlite3_bind_int64 (stmt, 3, MIN (gens[0], gens[1]));
  sqlite3_bind_int64 (stmt, 4, MAX (gens[0], gens[1]));
  sqlite3_bind_int64 (stmt, 5, b->import_id);
  if ((comparison_id = baseline_insert (b, STMT_COMPARISON)) < 0)
    return FALSE;

  if ((rater_id = baseline_name (b, rater_ids, STMT_RATER, rec->rater)) < 0)
    return FALSE;
  stmt = b->stmts[STMT_VERDICT];
  bind_uuid (stmt, 1);
  sqlite3_bind_int64 (stmt, 2, comparison_id);
  sqlite3_bind_int64 (stmt, 3, rater_id);
  sqlite3_bind_double (stmt, 4, rec->preference);
  sqlite3_bind_int (stmt, 5, rec->strength);
  sqlite3_bind_text (stmt, 6, rec->presented, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, b->import_id);
  return baseline_insert (b, STMT_VERDICT) >= 0;
}

/* Writes the rows the import of the data file writes (less the seed record), without the file:
 * records are made again from the seed, and the time spent making them is not counted. */
static int
run_baseline_child (void)
{
  Baseline b = { NULL };
  ArbBenchRecord rec;
  g_autoptr(GHashTable) system_ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) rater_ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GDateTime) date = g_date_time_new_now_utc ();
  g_autofree char *now = g_date_time_format (date, "%Y-%m-%dT%H:%M:%S.%fZ");
  g_autofree char *uuid = g_uuid_string_random ();
  gint64 start, batch_start = 0, making = 0;
  guint batch_records = 0;
  gboolean in_batch = FALSE, ok = FALSE;
  double seconds;
  char *sql;

  if (sqlite3_open_v2 (opt_workspace, &b.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      baseline_fail (&b, opt_workspace);
      return 1;
    }
  /* What arb_workspace_open sets on its connection. */
  sqlite3_busy_timeout (b.db, 30000);
  if (!baseline_exec (&b, "PRAGMA journal_mode = WAL") ||
      !baseline_exec (&b, "PRAGMA synchronous = NORMAL") ||
      !baseline_exec (&b, "PRAGMA foreign_keys = ON"))
    goto out;
  for (guint i = 0; i < N_STMTS; i++)
    if (sqlite3_prepare_v3 (b.db, baseline_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &b.stmts[i],
                            NULL) != SQLITE_OK)
      {
        baseline_fail (&b, baseline_sql[i]);
        goto out;
      }

  sql = sqlite3_mprintf ("INSERT INTO imports (uuid, name, format, state, started_at) "
                         "VALUES (%Q, 'baseline', 'arbiter', 'running', %Q)", uuid, now);
  ok = baseline_exec (&b, sql);
  sqlite3_free (sql);
  if (!ok)
    goto out;
  ok = FALSE;
  b.import_id = sqlite3_last_insert_rowid (b.db);

  arb_bench_record_init (&rec);
  start = g_get_monotonic_time ();
  for (gint64 i = 0; i < opt_records; i++)
    {
      gint64 t = g_get_monotonic_time ();

      arb_bench_record_make (&rec, opt_seed, i);
      making += g_get_monotonic_time () - t;

      if (!in_batch)
        {
          if (!baseline_exec (&b, "BEGIN IMMEDIATE"))
            goto out_rec;
          in_batch = TRUE;
          batch_start = g_get_monotonic_time ();
          batch_records = 0;
        }
      if (!baseline_record (&b, &rec, system_ids, rater_ids, now))
        goto out_rec;
      if (++batch_records >= BATCH_RECORDS ||
          g_get_monotonic_time () - batch_start > BATCH_MICROSECONDS)
        {
          if (!baseline_exec (&b, "COMMIT"))
            goto out_rec;
          in_batch = FALSE;
        }
    }
  if (!in_batch && !baseline_exec (&b, "BEGIN IMMEDIATE"))
    goto out_rec;
  sql = sqlite3_mprintf ("UPDATE imports SET state = 'done', n_records = %lld WHERE id = %lld",
                         (long long) opt_records, (long long) b.import_id);
  ok = baseline_exec (&b, sql) && baseline_exec (&b, "COMMIT");
  sqlite3_free (sql);
  seconds = seconds_since (start) - making / (double) G_USEC_PER_SEC;
  if (ok)
    printf ("records=%" G_GINT64_FORMAT " seconds=%.6f making_seconds=%.6f hwm_kb=%ld\n",
            opt_records, seconds, making / (double) G_USEC_PER_SEC, self_peak_rss_kb ());

out_rec:
  arb_bench_record_clear (&rec);
out:
  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (b.stmts[i]);
  sqlite3_close_v2 (b.db);
  return ok ? 0 : 1;
}

/* ---- The parent ----------------------------------------------------------------------------- */

typedef struct
{
  GPid pid;
  int  in_fd;
  int  out_fd;
} Child;

static char *self_exe;

static gboolean
child_spawn (Child       *child,
             const char  *mode,
             const char  *workspace,
             gboolean     with_stdin,
             GError     **error,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *records = g_strdup_printf ("--records=%" G_GINT64_FORMAT, opt_records);
  g_autofree char *seed = g_strdup_printf ("--seed=%" G_GINT64_FORMAT, opt_seed);
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, g_strdup (self_exe));
  g_ptr_array_add (argv, g_strconcat ("--child=", mode, NULL));
  g_ptr_array_add (argv, g_strconcat ("--workspace=", workspace, NULL));
  g_ptr_array_add (argv, g_strdup (records));
  g_ptr_array_add (argv, g_strdup (seed));
  va_start (args, error);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  child->in_fd = -1;
  /* LEAVE_DESCRIPTORS_OPEN lets GLib use posix_spawn (a vfork): the child does not start as a
   * copy of this process, so its peak RSS is its own. Our descriptors are all close-on-exec. */
  return g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL,
                                   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_LEAVE_DESCRIPTORS_OPEN,
                                   NULL, NULL, &child->pid, with_stdin ? &child->in_fd : NULL,
                                   &child->out_fd, NULL, error);
}

static char *
read_line (int fd)
{
  GString *line = g_string_new (NULL);
  char c;

  while (read (fd, &c, 1) == 1 && c != '\n')
    g_string_append_c (line, c);
  return g_string_free (line, FALSE);
}

static char *
read_all (int fd)
{
  GString *text = g_string_new (NULL);
  char buf[4096];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      g_string_append_len (text, buf, n);
    }
  return g_string_free (text, FALSE);
}

/* Reaps the child; returns its output; *out_rss_mb is its peak RSS from wait4(). */
static char *
child_finish (Child      *child,
              const char *name,
              double     *out_rss_mb,
              gboolean   *out_ok)
{
  g_autofree char *output = read_all (child->out_fd);
  struct rusage usage = { 0 };
  int status = 0;

  close (child->out_fd);
  while (wait4 (child->pid, &status, 0, &usage) < 0)
    if (errno != EINTR)
      {
        g_printerr ("bench-import: waiting for the %s child: %s\n", name, g_strerror (errno));
        *out_ok = FALSE;
        return g_steal_pointer (&output);
      }
  /* Linux gives ru_maxrss in KiB. */
  *out_rss_mb = usage.ru_maxrss / 1024.0;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      if (WIFSIGNALED (status))
        g_printerr ("bench-import: the %s child was killed by signal %d\n", name,
                    WTERMSIG (status));
      else
        g_printerr ("bench-import: the %s child exited with status %d\n", name,
                    WEXITSTATUS (status));
      *out_ok = FALSE;
    }
  return g_steal_pointer (&output);
}

static gboolean
check_count (const char *what,
             gint64      got,
             gint64      expected)
{
  if (got == expected)
    return TRUE;
  printf ("FAILED: %s: %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT "\n", what, got, expected);
  return FALSE;
}

static gboolean
check_counts (const char *name,
              const char *path,
              gint64      prompts,
              gint64      systems,
              gint64      raters,
              gint64      verdicts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (path, &error);
  ArbCounts counts = { 0 };
  gboolean ok = TRUE;

  if (ws == NULL || !arb_workspace_get_counts (ws, &counts, &error))
    {
      printf ("FAILED: %s: %s\n", name, error->message);
      return FALSE;
    }
  printf ("%s counts: %" G_GINT64_FORMAT " prompts, %" G_GINT64_FORMAT " generations, %"
          G_GINT64_FORMAT " comparisons, %" G_GINT64_FORMAT " systems, %" G_GINT64_FORMAT
          " raters, %" G_GINT64_FORMAT " verdicts\n", name, counts.prompts, counts.generations,
          counts.comparisons, counts.systems, counts.raters, counts.verdicts);
  ok &= check_count ("prompts", counts.prompts, prompts);
  ok &= check_count ("generations", counts.generations, 2 * prompts);
  ok &= check_count ("comparisons", counts.comparisons, prompts);
  ok &= check_count ("systems", counts.systems, systems);
  ok &= check_count ("raters", counts.raters, raters);
  ok &= check_count ("verdicts", counts.verdicts, verdicts);
  return ok;
}

/* That the baseline wrote the very rows the import wrote, so the two timings are of one job. */
static gboolean
check_same_rows (const char *import_ws,
                 const char *baseline_ws)
{
  sqlite3 *db = NULL;
  char *attach;
  gint64 prompts, generations, verdicts;
  gboolean ok;

  if (sqlite3_open_v2 (import_ws, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      printf ("FAILED: %s: %s\n", import_ws, sqlite3_errmsg (db));
      sqlite3_close (db);
      return FALSE;
    }
  attach = sqlite3_mprintf ("ATTACH %Q AS b", baseline_ws);
  ok = sqlite3_exec (db, attach, NULL, NULL, NULL) == SQLITE_OK;
  sqlite3_free (attach);
  if (!ok)
    {
      printf ("FAILED: attaching %s: %s\n", baseline_ws, sqlite3_errmsg (db));
      sqlite3_close (db);
      return FALSE;
    }
  prompts = sqlite_count (db, "SELECT count(*) FROM prompts p JOIN b.prompts q "
                              "ON p.key = q.key AND p.messages = q.messages "
                              "AND p.category IS q.category");
  /* Joined through the unique keys, so each side is an index lookup. */
  generations = sqlite_count (db, "SELECT count(*) FROM generations g "
                                  "JOIN prompts p ON p.id = g.prompt_id "
                                  "JOIN systems s ON s.id = g.system_id "
                                  "JOIN b.prompts q ON q.key = p.key "
                                  "JOIN b.systems t ON t.name = s.name "
                                  "JOIN b.generations h ON h.prompt_id = q.id "
                                  "  AND h.system_id = t.id AND h.text_hash = g.text_hash "
                                  "WHERE h.text = g.text AND h.length = g.length");
  /* CROSS JOIN fixes the order: otherwise SQLite scans a rater's verdicts for each verdict. */
  verdicts = sqlite_count (db, "SELECT count(*) FROM b.verdicts w "
                               "CROSS JOIN b.comparisons d ON d.id = w.comparison_id "
                               "CROSS JOIN b.prompts q ON q.id = d.prompt_id "
                               "CROSS JOIN prompts p ON p.key = q.key "
                               "CROSS JOIN comparisons c ON c.prompt_id = p.id "
                               "CROSS JOIN verdicts v ON v.comparison_id = c.id "
                               "  AND v.superseded_by IS NULL "
                               "CROSS JOIN raters r ON r.id = v.rater_id "
                               "CROSS JOIN b.raters s ON s.id = w.rater_id "
                               "WHERE w.superseded_by IS NULL AND s.name = r.name "
                               "AND w.preference = v.preference AND w.strength IS v.strength "
                               "AND w.presented IS v.presented");
  sqlite3_close (db);
  printf ("baseline rows equal to the import's: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
          " prompts, %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " generations, %" G_GINT64_FORMAT
          " of %" G_GINT64_FORMAT " verdicts\n", prompts, opt_records, generations,
          2 * opt_records, verdicts, opt_records);
  ok = prompts == opt_records && generations == 2 * opt_records && verdicts == opt_records;
  if (!ok)
    printf ("FAILED: the baseline does not write the rows the import writes\n");
  return ok;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_remove (child);
    }
  g_rmdir (path);
}

static const char *
verdict_word (gboolean met)
{
  return met ? "target met" : "target missed";
}

static int
run_parent (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *data = NULL;
  g_autofree char *seed_data = NULL;
  g_autofree char *import_ws = NULL;
  g_autofree char *baseline_ws = NULL;
  g_autofree char *ready = NULL;
  g_autofree char *import_out = NULL;
  g_autofree char *committer_out = NULL;
  g_autofree char *baseline_out = NULL;
  g_autofree char *file_arg = NULL;
  g_autofree char *comparison_arg = NULL;
  g_autoptr(GHashTable) import_fields = NULL;
  g_autoptr(GHashTable) committer_fields = NULL;
  g_autoptr(GHashTable) baseline_fields = NULL;
  ArbBenchDataSummary summary = { 0 }, seed_summary = { 0 };
  Child importer, committer, baseline;
  double import_rss = 0, committer_rss = 0, baseline_rss = 0;
  double mb, import_s, baseline_s, import_mbs, baseline_mbs, ratio, max_ms;
  gboolean ok = TRUE;
  gint64 start, comparison = 0;
  guint n_failed, n_busy;
  ArbBenchDataFlags flags = opt_ascii ? ARB_BENCH_DATA_ASCII : ARB_BENCH_DATA_DEFAULT;

  tmp = g_dir_make_tmp ("arb-bench-XXXXXX", &error);
  if (tmp == NULL)
    {
      g_printerr ("bench-import: %s\n", error->message);
      return 1;
    }
  data = g_build_filename (tmp, "data.jsonl", NULL);
  seed_data = g_build_filename (tmp, "seed.jsonl", NULL);
  import_ws = g_build_filename (tmp, "import.arbiter", NULL);
  baseline_ws = g_build_filename (tmp, "baseline.arbiter", NULL);

  printf ("bench-import: SQLite %s, %" G_GINT64_FORMAT " records, seed %" G_GINT64_FORMAT
          ", in %s\n", sqlite3_libversion (), opt_records, opt_seed, tmp);

  start = g_get_monotonic_time ();
  if (!arb_bench_data_write (data, opt_seed, 0, opt_records, flags, &summary, &error) ||
      !arb_bench_data_write (seed_data, opt_seed, SEED_RECORD_INDEX, 1, flags, &seed_summary,
                             &error))
    {
      g_printerr ("bench-import: %s\n", error->message);
      ok = FALSE;
      goto out;
    }
  mb = summary.bytes / 1e6;
  printf ("data: %" G_GUINT64_FORMAT " records, %.1f MB (%.0f bytes a record), written in %.1f s\n",
          summary.records, mb, (double) summary.bytes / summary.records, seconds_since (start));

  /* The workspace already holds one comparison, which the annotator decides again and again. */
  {
    g_autoptr(ArbWorkspace) ws = arb_workspace_create (import_ws, &error);
    g_autoptr(ArbImportResult) result = NULL;
    sqlite3 *db = NULL;

    if (ws != NULL)
      result = arb_workspace_import_file (ws, seed_data, NULL, NULL, NULL, NULL, &error);
    if (result == NULL)
      {
        g_printerr ("bench-import: %s\n", error->message);
        ok = FALSE;
        goto out;
      }
    if (sqlite3_open_v2 (import_ws, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
      comparison = sqlite_count (db, "SELECT min(id) FROM comparisons");
    sqlite3_close (db);
    if (comparison <= 0)
      {
        g_printerr ("bench-import: the seed record made no comparison\n");
        ok = FALSE;
        goto out;
      }
  }
  {
    g_autoptr(ArbWorkspace) ws = arb_workspace_create (baseline_ws, &error);

    if (ws == NULL)
      {
        g_printerr ("bench-import: %s\n", error->message);
        ok = FALSE;
        goto out;
      }
  }

  /* 1. The import, with the annotator committing beside it. */
  comparison_arg = g_strdup_printf ("--comparison=%" G_GINT64_FORMAT, comparison);
  if (!child_spawn (&committer, "committer", import_ws, TRUE, &error, comparison_arg, NULL))
    {
      g_printerr ("bench-import: %s\n", error->message);
      ok = FALSE;
      goto out;
    }
  ready = read_line (committer.out_fd);
  if (g_strcmp0 (ready, "ready") != 0)
    {
      g_printerr ("bench-import: the committer did not start\n");
      close (committer.in_fd);
      g_free (child_finish (&committer, "committer", &committer_rss, &ok));
      ok = FALSE;
      goto out;
    }
  file_arg = g_strconcat ("--file=", data, NULL);
  if (!child_spawn (&importer, "import", import_ws, FALSE, &error, file_arg, NULL))
    {
      g_printerr ("bench-import: %s\n", error->message);
      close (committer.in_fd);
      g_free (child_finish (&committer, "committer", &committer_rss, &ok));
      ok = FALSE;
      goto out;
    }
  import_out = child_finish (&importer, "import", &import_rss, &ok);
  close (committer.in_fd);
  committer_out = child_finish (&committer, "committer", &committer_rss, &ok);
  if (!ok)
    goto out;

  /* 2. The baseline, alone. */
  if (!child_spawn (&baseline, "baseline", baseline_ws, FALSE, &error, NULL))
    {
      g_printerr ("bench-import: %s\n", error->message);
      ok = FALSE;
      goto out;
    }
  baseline_out = child_finish (&baseline, "baseline", &baseline_rss, &ok);
  if (!ok)
    goto out;

  import_fields = parse_fields (import_out);
  committer_fields = parse_fields (committer_out);
  baseline_fields = parse_fields (baseline_out);
  import_s = field_double (import_fields, "seconds");
  baseline_s = field_double (baseline_fields, "seconds");
  if (isnan (import_s) || isnan (baseline_s) ||
      isnan (field_double (committer_fields, "commits")))
    {
      printf ("FAILED: a child printed no figures\n");
      ok = FALSE;
      goto out;
    }

  import_mbs = mb / import_s;
  baseline_mbs = mb / baseline_s;
  ratio = baseline_s / import_s;
  printf ("import: %.1f MB/s, %.0f records/s, peak RSS %.1f MB (%.1f s; VmHWM %.1f MB)\n",
          import_mbs, opt_records / import_s, import_rss,
          import_s, field_double (import_fields, "hwm_kb") / 1024.0);
  printf ("baseline: %.1f MB/s, %.0f records/s, peak RSS %.1f MB (%.1f s of SQLite work; "
          "%.1f s making the records not counted)\n", baseline_mbs, opt_records / baseline_s,
          baseline_rss, baseline_s, field_double (baseline_fields, "making_seconds"));
  printf ("ratio import/baseline: %.2f (target >= %.2f: %s)\n", ratio, TARGET_RATIO,
          verdict_word (ratio >= TARGET_RATIO));
  printf ("import peak RSS < %.0f MB: %s (%.1f MB: %s)\n", TARGET_RSS_MB,
          import_rss < TARGET_RSS_MB ? "yes" : "no", import_rss,
          verdict_word (import_rss < TARGET_RSS_MB));

  max_ms = field_double (committer_fields, "max_ms");
  n_failed = (guint) field_double (committer_fields, "failed");
  n_busy = (guint) field_double (committer_fields, "busy");
  printf ("concurrent commits: %.0f during the import (%.0f in all), longest commit delay "
          "%.1f ms (target < %.0f ms: %s), p50 %.1f ms, p99 %.1f ms, mean %.1f ms, "
          "%.0f at or over %.0f ms; longest of all commits %.1f ms\n",
          field_double (committer_fields, "during"), field_double (committer_fields, "commits"),
          max_ms, TARGET_COMMIT_MS, verdict_word (max_ms < TARGET_COMMIT_MS),
          field_double (committer_fields, "p50_ms"), field_double (committer_fields, "p99_ms"),
          field_double (committer_fields, "mean_ms"),
          field_double (committer_fields, "over_target"),
          TARGET_COMMIT_MS, field_double (committer_fields, "max_all_ms"));
  printf ("SQLITE_BUSY commits: %u, failed commits: %u (must be 0)\n", n_busy, n_failed);
  if (n_failed > 0)
    {
      printf ("FAILED: %u commits failed\n", n_failed);
      ok = FALSE;
    }

  /* The annotator's decisions supersede each other: one current verdict of the live rater. */
  ok &= check_counts ("import", import_ws, opt_records + 1,
                      __builtin_popcount (summary.systems_mask | seed_summary.systems_mask),
                      __builtin_popcount (summary.raters_mask | seed_summary.raters_mask) + 1,
                      opt_records + 1 + 1);
  ok &= check_counts ("baseline", baseline_ws, opt_records,
                      __builtin_popcount (summary.systems_mask),
                      __builtin_popcount (summary.raters_mask), opt_records);
  ok &= check_same_rows (import_ws, baseline_ws);

out:
  if (opt_keep)
    printf ("kept %s\n", tmp);
  else
    remove_tree (tmp);
  printf ("bench-import: %s\n", ok ? "done" : "FAILED");
  return ok ? 0 : 1;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;

  context = g_option_context_new ("— benchmark the import of a 200 MB file");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-import: %s\n", error->message);
      return 2;
    }
  if (opt_records < 1)
    {
      g_printerr ("bench-import: --records must be at least 1\n");
      return 2;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);

  if (opt_child == NULL)
    {
      int status;

      self_exe = g_file_read_link ("/proc/self/exe", &error);
      if (self_exe == NULL)
        {
          g_printerr ("bench-import: %s\n", error->message);
          return 1;
        }
      status = run_parent ();
      g_free (self_exe);
      return status;
    }
  if (opt_workspace == NULL)
    return 2;
  if (g_str_equal (opt_child, "import") && opt_file != NULL)
    return run_import_child ();
  if (g_str_equal (opt_child, "committer") && opt_comparison > 0)
    return run_committer_child ();
  if (g_str_equal (opt_child, "baseline"))
    return run_baseline_child ();
  g_printerr ("bench-import: unknown child mode %s\n", opt_child);
  return 2;
}
