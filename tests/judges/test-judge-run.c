/* test-judge-run.c: `arbiter-cli judge` against arb-test-server, both real processes
 *
 * The server chooses faults as a function of (SHA-256 of the body, attempt), the same function
 * this file computes, and logs every request as "HASH ATTEMPT OUTCOME". So a test knows, for
 * each request, exactly how many attempts the retry policy allows, and checks the log against
 * it: no answered request is sent again, nothing is sent more or fewer times than the policy
 * says, and every comparison ends with a verdict (ok, unparseable or failed).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json.h>
#include <sqlite3.h>

#include "arb-judge-run.h"
#include "arb-test-util.h"

#define MAX_ATTEMPTS 4

static const char *const fault_names[] = {
  "400", "429", "500", "503", "stall", "reset", "truncated", "malformed", "noverdict",
};

typedef struct
{
  GSubprocess *proc;
  char        *url;
  char        *log;
} Server;

typedef struct
{
  char *dir;
  char *ws;
} Fixture;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Result;

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

static const char *
env_path (const char *name)
{
  const char *path = g_getenv (name);

  if (path == NULL)
    g_error ("%s is not set: run this test with meson test", name);
  return path;
}

/* Starts arb-test-server with the NULL-terminated options after @fixture. */
static void G_GNUC_NULL_TERMINATED
server_start (Server  *server,
              Fixture *fixture,
              ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  va_list args;
  static int n = 0;

  server->log = g_strdup_printf ("%s/server-%d.log", fixture->dir, n++);
  g_ptr_array_add (argv, (gpointer) env_path ("ARB_TEST_SERVER"));
  g_ptr_array_add (argv, (gpointer) "--log");
  g_ptr_array_add (argv, server->log);
  g_ptr_array_add (argv, (gpointer) "--exit-with-stdin");
  va_start (args, fixture);
  for (const char *a = va_arg (args, const char *); a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  /* Its stdin is a pipe from us: if this test dies, the server goes too. */
  server->proc = g_subprocess_newv ((const char *const *) argv->pdata,
                                    G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                    G_SUBPROCESS_FLAGS_STDIN_PIPE, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->proc));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (line != NULL && g_str_has_prefix (line, "PORT "));
  server->url = g_strdup_printf ("http://127.0.0.1:%s", line + 5);
}

static void
server_stop (Server *server)
{
  if (server->proc != NULL)
    {
      g_subprocess_force_exit (server->proc);
      g_subprocess_wait (server->proc, NULL, NULL);
    }
  g_clear_object (&server->proc);
  g_clear_pointer (&server->url, g_free);
  g_clear_pointer (&server->log, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Server, server_stop)

static GSubprocess *
cli_spawn (GPtrArray *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  g_ptr_array_add (argv, (gpointer) env_path ("ARB_CLI"));
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (args, i));
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                            G_SUBPROCESS_FLAGS_STDIN_INHERIT, &error);
  g_assert_no_error (error);
  return proc;
}

static void
cli_wait (GSubprocess *proc,
          Result      *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;

  result_clear (result);
  g_subprocess_communicate (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  /* An empty GBytes has NULL data. */
  result->out = g_strndup (g_bytes_get_size (out) ? g_bytes_get_data (out, NULL) : "",
                           g_bytes_get_size (out));
  result->err = g_strndup (g_bytes_get_size (err) ? g_bytes_get_data (err, NULL) : "",
                           g_bytes_get_size (err));
  result->status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

/* Runs arbiter-cli with the NULL-terminated arguments after @result. */
static void G_GNUC_NULL_TERMINATED
cli (Result *result,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  va_list ap;

  va_start (ap, result);
  for (const char *a = va_arg (ap, const char *); a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  proc = cli_spawn (args);
  cli_wait (proc, result);
  g_test_message ("stdout: %s", result->out);
  if (result->err[0] != '\0')
    g_test_message ("stderr: %s", result->err);
}

/* A workspace of @n comparisons of two systems; every tenth pair has identical texts. */
static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  guint n = GPOINTER_TO_UINT (data);
  g_autoptr(GString) jsonl = g_string_new (NULL);
  g_autofree char *file = NULL;
  g_auto(Result) r = { 0 };

  f->dir = arb_test_mkdtemp ();
  f->ws = g_build_filename (f->dir, "ws.arbiter", NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (jsonl,
                            "{\"id\": %u, \"prompt\": \"Question %u: how much is %u times 3?\", "
                            "\"reference\": \"%u\", \"responses\": ["
                            "{\"system\": \"alpha\", \"text\": \"It is %u.\"}, "
                            "{\"system\": \"beta\", \"text\": \"%s%u.\"}], \"pairs\": [[0, 1]]}\n",
                            i, i, i, 3 * i, 3 * i, i % 10 == 9 ? "It is " : "I believe ",
                            i % 10 == 9 ? 3 * i : 3 * i + 1);
  file = arb_test_write_file (f->dir, "data.jsonl", jsonl->str, jsonl->len, FALSE);
  cli (&r, "init", f->ws, NULL);
  g_assert_cmpint (r.status, ==, 0);
  cli (&r, "import", f->ws, file, NULL);
  g_assert_cmpint (r.status, ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  arb_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->ws);
}

/* ---- what the server did and what the policy allows ------------------------------------- */

/* The server's choice for (hash, attempt): a name from fault_names, or "ok". Must match
 * choose_fault in tests/arb-test-server.c. */
static const char *
server_fault (const char        *hex,
              int                attempt,
              double             rate,
              const char *const *kinds,
              guint              n_kinds)
{
  g_autofree char *seed = g_strdup_printf ("%s/%d", hex, attempt);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  guint64 f = 0;

  g_checksum_update (sum, (const guchar *) seed, strlen (seed));
  g_checksum_get_digest (sum, digest, &len);
  for (int i = 0; i < 8; i++)
    f = (f << 8) | digest[i];
  if ((double) (f % 1000000) / 1000000.0 >= rate)
    return "ok";
  return kinds[(f / 1000000) % n_kinds];
}

static gboolean
retryable (const char *outcome)
{
  return g_str_equal (outcome, "429") || g_str_equal (outcome, "500") ||
         g_str_equal (outcome, "503") || g_str_equal (outcome, "stall") ||
         g_str_equal (outcome, "reset") || g_str_equal (outcome, "truncated") ||
         g_str_equal (outcome, "malformed");
}

/* Attempts the policy allows for one request from its @first attempt on: until an answer,
 * a final error or @max attempts in this run. */
static int
allowed_attempts (const char        *hex,
                  int                max,
                  int                first,
                  double             rate,
                  const char *const *kinds,
                  guint              n_kinds,
                  const char       **out_last)
{
  int a = first;

  for (;; a++)
    {
      const char *f = server_fault (hex, a, rate, kinds, n_kinds);

      if (!retryable (f) || a - first + 1 >= max)
        {
          *out_last = f;
          return a - first + 1;
        }
    }
}

typedef struct
{
  int      attempts;   /* lines in the log */
  int      last;       /* highest attempt number */
  GString *outcomes;   /* space-separated */
  gboolean answered;   /* an ok or noverdict line */
  gboolean sent_after_answer;
} Seen;

static void
seen_free (Seen *s)
{
  g_string_free (s->outcomes, TRUE);
  g_free (s);
}

/* The server's log from line @from on: hash → Seen. */
static GHashTable *
read_log (const char *path,
          guint       from,
          guint      *out_lines)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) seen_free);
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    text = g_strdup ("");
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) parts = NULL;
      Seen *s;

      if (lines[i][0] == '\0')
        continue;
      if (n++ < from)
        continue;
      parts = g_strsplit (lines[i], " ", 3);
      g_assert_cmpint (g_strv_length (parts), ==, 3);
      s = g_hash_table_lookup (map, parts[0]);
      if (s == NULL)
        {
          s = g_new0 (Seen, 1);
          s->outcomes = g_string_new (NULL);
          g_hash_table_insert (map, g_strdup (parts[0]), s);
        }
      if (s->answered)
        s->sent_after_answer = TRUE;
      s->attempts++;
      s->last = MAX (s->last, atoi (parts[1]));
      g_string_append_printf (s->outcomes, "%s%s", s->outcomes->len ? " " : "", parts[2]);
      if (g_str_equal (parts[2], "ok") || g_str_equal (parts[2], "noverdict"))
        s->answered = TRUE;
    }
  if (out_lines != NULL)
    *out_lines = n;
  return map;
}

static sqlite3 *
open_db (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static gint64
db_int (const char *ws,
        const char *sql)
{
  sqlite3 *db = open_db (ws);
  gint64 v = query_int (db, sql);

  sqlite3_close (db);
  return v;
}

/* The server's hash (SHA-256 of the body) of every call that holds an answer. */
static GHashTable *
answered_hashes (const char *ws)
{
  sqlite3 *db = open_db (ws);
  sqlite3_stmt *stmt = NULL;
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT request FROM calls WHERE response IS NOT NULL",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_add (set, g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                          (const char *) sqlite3_column_text (stmt, 0),
                                                          -1));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return set;
}

static json_object *
parse_summary (const char *out)
{
  json_object *root = json_tokener_parse (out);

  g_assert_nonnull (root);
  return root;
}

static gint64
jint (json_object *root,
      const char  *key)
{
  json_object *v;

  g_assert_true (json_object_object_get_ex (root, key, &v));
  return json_object_get_int64 (v);
}

/* Every comparison has, per presented order, one current verdict of the rater. */
static void
assert_every_comparison_ended (const char *ws,
                               gint64      n_comparisons,
                               int         orders)
{
  sqlite3 *db = open_db (ws);

  g_assert_cmpint (query_int (db, "SELECT count(*) FROM comparisons"), ==, n_comparisons);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM current_verdicts v JOIN raters r "
                                  "ON r.id = v.rater_id WHERE r.kind = 'judge'"), ==,
                   n_comparisons * orders);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM (SELECT comparison_id FROM "
                                  "current_verdicts GROUP BY comparison_id HAVING count(*) = "
                                  "count(DISTINCT presented))"), ==, n_comparisons);
  /* A failed verdict has no preference; an ok one has one in [0, 1]; unparseable keeps text. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM current_verdicts WHERE "
                                  "(status = 'ok' AND preference IS NULL) OR "
                                  "(status <> 'ok' AND preference IS NOT NULL) OR "
                                  "(status = 'unparseable' AND raw IS NULL)"), ==, 0);
  g_assert_cmpint (query_int (db, "PRAGMA integrity_check = 1") , ==, 0);
  sqlite3_close (db);
}

/* Checks one run's log against the policy and the summary. With @from_attempt_one the run is
 * the first for every hash; else a hash may go on from where an earlier run stopped. */
static void
check_policy (GHashTable        *log,
              json_object       *summary,
              double             rate,
              const char *const *kinds,
              guint              n_kinds,
              gint64            *out_failed,
              gint64            *out_unparseable)
{
  GHashTableIter iter;
  gpointer key, value;
  gint64 attempts = 0, failed = 0, unparseable = 0, answered = 0, retries = 0;

  g_hash_table_iter_init (&iter, log);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Seen *s = value;
      int first = s->last - s->attempts + 1;
      const char *last = NULL;
      int allowed = allowed_attempts (key, MAX_ATTEMPTS, first, rate, kinds, n_kinds, &last);

      if (s->attempts != allowed || s->sent_after_answer)
        g_error ("%s: sent %d times (%s), the policy allows %d from attempt %d",
                 (char *) key, s->attempts, s->outcomes->str, allowed, first);
      attempts += s->attempts;
      retries += s->attempts - 1;
      if (g_str_equal (last, "ok"))
        answered++;
      else if (g_str_equal (last, "noverdict"))
        answered++, unparseable++;
      else
        failed++;
    }
  g_assert_cmpint (jint (summary, "attempts"), ==, attempts);
  g_assert_cmpint (jint (summary, "retries"), ==, retries);
  g_assert_cmpint (jint (summary, "answered"), ==, answered);
  g_assert_cmpint (jint (summary, "given_up"), ==, failed);
  *out_failed = failed;
  *out_unparseable = unparseable;
}

static GPtrArray *
judge_args (Fixture    *f,
            Server     *server,
            const char *first,
            ...)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  va_list ap;

  g_ptr_array_add (args, g_strdup ("judge"));
  g_ptr_array_add (args, g_strdup (f->ws));
  g_ptr_array_add (args, g_strdup ("--endpoint"));
  g_ptr_array_add (args, g_strdup (server->url));
  g_ptr_array_add (args, g_strdup ("--model"));
  g_ptr_array_add (args, g_strdup ("test-judge"));
  g_ptr_array_add (args, g_strdup ("--format"));
  g_ptr_array_add (args, g_strdup ("json"));
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, g_strdup (a));
  va_end (ap);
  return args;
}

static void
run_args (GPtrArray *args,
          Result    *result)
{
  g_autoptr(GSubprocess) proc = cli_spawn (args);

  cli_wait (proc, result);
  g_test_message ("stdout: %s", result->out);
  if (result->err[0] != '\0')
    g_test_message ("stderr: %s", result->err);
}

/* ---- the tests --------------------------------------------------------------------------- */

/* Faults of every kind on 20 % of attempts; then a second run sends only what failed. */
static void
run_faults (Fixture *f,
            gint64   n,
            guint    concurrency)
{
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GHashTable) log = NULL;
  g_autoptr(GHashTable) log2 = NULL;
  g_autofree char *conc = g_strdup_printf ("%u", concurrency);
  g_autofree char *attempts = g_strdup_printf ("%d", MAX_ATTEMPTS);
  json_object *summary;
  gint64 failed, unparseable, ties = (n + 9) / 10 * 2, failed2, unparseable2;
  guint lines = 0;
  gint64 t0 = g_get_monotonic_time ();

  server_start (&server, f, "--fault-rate", "0.2", "--stall", "3", NULL);
  /* A timeout far above a loaded machine's answer time, so only stalls time out: an answer
   * that timed out would be sent again, as the policy says, but the log could not tell. */
  args = judge_args (f, &server, "--orders", "both", "--concurrency", conc, "--timeout", "2",
                     "--max-attempts", attempts, "--retry-budget", "-1", "--backoff", "0.02",
                     NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  summary = parse_summary (r.out);
  g_test_message ("first run: %.2f s", (g_get_monotonic_time () - t0) / 1e6);

  log = read_log (server.log, 0, &lines);
  g_assert_cmpint (g_hash_table_size (log), ==, 2 * n - ties);
  g_assert_cmpint (jint (summary, "to_send"), ==, 2 * n - ties);
  g_assert_cmpint (jint (summary, "ties"), ==, ties);
  check_policy (log, summary, 0.2, fault_names, G_N_ELEMENTS (fault_names), &failed,
                &unparseable);
  g_test_message ("%u requests on the wire for %" G_GINT64_FORMAT " distinct; %" G_GINT64_FORMAT
                  " failed, %" G_GINT64_FORMAT " unparseable; 429 %" G_GINT64_FORMAT ", 5xx %"
                  G_GINT64_FORMAT ", 4xx %" G_GINT64_FORMAT ", timeouts %" G_GINT64_FORMAT
                  ", transport %" G_GINT64_FORMAT ", bad bodies %" G_GINT64_FORMAT, lines,
                  2 * n - ties, failed, unparseable, jint (summary, "http_429"),
                  jint (summary, "http_5xx"), jint (summary, "http_4xx"),
                  jint (summary, "timeouts"), jint (summary, "transport_errors"),
                  jint (summary, "bad_bodies"));
  g_assert_cmpint (jint (summary, "failed"), ==, failed);
  g_assert_cmpint (jint (summary, "unparseable"), ==, unparseable);
  g_assert_cmpint (jint (summary, "ok"), ==, 2 * n - ties - failed - unparseable);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE status = 'failed'"),
                   ==, failed);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE "
                                  "status = 'unparseable'"), ==, unparseable);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM calls"), ==, 2 * n - ties);
  g_assert_cmpint (db_int (f->ws, "SELECT sum(attempts) FROM calls"), ==, lines);
  assert_every_comparison_ended (f->ws, n, 2);
  json_object_put (summary);

  /* Again: only the failed requests go out, each from its next attempt on. */
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  summary = parse_summary (r.out);
  g_assert_cmpint (jint (summary, "to_send"), ==, failed);
  g_assert_cmpint (jint (summary, "settled"), ==, 2 * n - failed);
  log2 = read_log (server.log, lines, NULL);
  g_assert_cmpint (g_hash_table_size (log2), ==, failed);
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, log2);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_assert_false (((Seen *) g_hash_table_lookup (log, key))->answered);
  }
  check_policy (log2, summary, 0.2, fault_names, G_N_ELEMENTS (fault_names), &failed2,
                &unparseable2);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE status = 'failed'"),
                   ==, failed2);
  assert_every_comparison_ended (f->ws, n, 2);
  json_object_put (summary);
}

static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  run_faults (f, 300, 32);
}

static void
test_acceptance (Fixture       *f,
                 gconstpointer  data)
{
  gint64 t0 = g_get_monotonic_time ();
  double seconds;

  /* In pages of 300 comparisons: the counts must hold across the pages' borders too. */
  g_setenv ("ARB_JUDGE_PAGE_SIZE", "300", TRUE);
  run_faults (f, 2000, 64);
  g_unsetenv ("ARB_JUDGE_PAGE_SIZE");
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  g_test_message ("2 000 comparisons, both orders, 20 %% faults, twice: %.1f s", seconds);
  /* About 5 s here; stalls wait out a 1 s timeout, so much more means requests queue. */
  g_assert_cmpfloat (seconds, <, 45);
}

/* Killed halfway, the rerun sends what is missing, plus at most what was in flight. */
static void
test_sigkill (Fixture       *f,
              gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) stored = NULL;
  g_autoptr(GHashTable) after = NULL;
  GHashTableIter iter;
  gpointer key, value;
  const gint64 n = 300, total = 2 * n - 2 * 30, concurrency = 8;
  gint64 verdicts = 0, answered_lost = 0;
  guint lines = 0;

  server_start (&server, f, "--delay", "40", NULL);
  args = judge_args (f, &server, "--orders", "both", "--concurrency", "8", NULL);
  g_setenv ("ARB_JUDGE_PAGE_SIZE", "64", TRUE);
  proc = cli_spawn (args);
  g_unsetenv ("ARB_JUDGE_PAGE_SIZE");
  /* Wait until about a third is stored, then kill without warning. */
  while (verdicts < total / 3)
    {
      g_usleep (10 * 1000);
      verdicts = db_int (f->ws, "SELECT count(*) FROM calls WHERE response IS NOT NULL");
    }
  g_subprocess_send_signal (proc, SIGKILL);
  g_subprocess_wait (proc, NULL, NULL);
  g_assert_true (g_subprocess_get_if_signaled (proc));
  g_assert_cmpint (g_subprocess_get_term_sig (proc), ==, SIGKILL);

  before = read_log (server.log, 0, &lines);
  stored = answered_hashes (f->ws);
  g_test_message ("killed with %u stored of %" G_GINT64_FORMAT " (%u sent)",
                  g_hash_table_size (stored), total, lines);
  g_assert_cmpint (g_hash_table_size (stored), <, total);
  /* Nothing stored that the server did not answer; what it answered and we lost was in
   * flight, so at most the concurrency. */
  g_hash_table_iter_init (&iter, stored);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_nonnull (g_hash_table_lookup (before, key));
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (stored, key))
      answered_lost++;
  g_assert_cmpint (answered_lost, <=, concurrency);

  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  after = read_log (server.log, lines, NULL);
  /* The rerun sends exactly what was not stored, each once. */
  g_assert_cmpint (g_hash_table_size (after), ==, total - g_hash_table_size (stored));
  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_false (g_hash_table_contains (stored, key));
      g_assert_cmpint (((Seen *) value)->attempts, ==, 1);
    }
  g_test_message ("rerun sent %u: %" G_GINT64_FORMAT " missing, of which %" G_GINT64_FORMAT
                  " were in flight at the kill", g_hash_table_size (after),
                  total - (gint64) g_hash_table_size (stored), answered_lost);
  assert_every_comparison_ended (f->ws, n, 2);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE status <> 'ok'"),
                   ==, 0);
}

/* Ctrl+C stops sending, keeps what arrived, records nothing for what was in flight. */
static void
test_sigint (Fixture       *f,
             gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  gint64 stored = 0, t0;

  server_start (&server, f, "--delay", "100", NULL);
  args = judge_args (f, &server, "--concurrency", "4", NULL);
  proc = cli_spawn (args);
  while (stored < 8)
    {
      g_usleep (10 * 1000);
      stored = db_int (f->ws, "SELECT count(*) FROM calls WHERE response IS NOT NULL");
    }
  t0 = g_get_monotonic_time ();
  g_subprocess_send_signal (proc, SIGINT);
  cli_wait (proc, &r);
  g_test_message ("stopped %.2f s after SIGINT: %s", (g_get_monotonic_time () - t0) / 1e6, r.err);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "interrupted"));
  g_assert_cmpfloat ((g_get_monotonic_time () - t0) / 1e6, <, 2);
  /* The summary is printed; nothing in flight became a failed verdict. */
  g_assert_nonnull (strstr (r.out, "\"rater\""));
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE status = 'failed'"),
                   ==, 0);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM calls WHERE response IS NULL"), ==, 0);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE call_id IS NOT NULL"),
                   <, 54);
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  /* Byte by byte: the workspace holds NUL bytes, so no str* search. */
  for (gsize i = 0, n = strlen (needle); i + n <= len; i++)
    if (data[i] == needle[0] && memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* The key reaches the server (which refuses requests without it) and nothing else. */
static void
test_api_key (Fixture       *f,
              gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *key = g_strdup_printf ("sk-arbiter-test-%08x%08x", g_random_int (),
                                          g_random_int ());
  g_autofree char *wal = g_strconcat (f->ws, "-wal", NULL);
  const char *files[3];

  g_setenv ("ARB_TEST_JUDGE_KEY", key, TRUE);
  server_start (&server, f, "--api-key-env", "ARB_TEST_JUDGE_KEY", "--fault-rate", "0.3",
                "--faults", "400,500,noverdict", NULL);

  /* Without the key the server refuses: 401 is final, so every request fails once. */
  args = judge_args (f, &server, "--samples", "1", NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"answered\": 0"));
  g_ptr_array_unref (args);

  args = judge_args (f, &server, "--api-key-env", "ARB_TEST_JUDGE_KEY", NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_null (strstr (r.out, key));
  g_assert_null (strstr (r.err, key));
  g_assert_null (strstr (r.out, "\"answered\": 0,"));
  /* Progress lines and errors too: a run with an unreachable second endpoint. */
  g_ptr_array_add (args, g_strdup ("--endpoint"));
  g_ptr_array_add (args, g_strdup ("http://127.0.0.1:1"));
  g_ptr_array_add (args, g_strdup ("--reparse"));
  g_ptr_array_add (args, g_strdup ("--backoff"));
  g_ptr_array_add (args, g_strdup ("0.05"));
  run_args (args, &r);
  g_assert_null (strstr (r.out, key));
  g_assert_null (strstr (r.err, key));
  /* A missing variable is an error that names the variable, not a value. */
  g_unsetenv ("ARB_TEST_JUDGE_MISSING");
  cli (&r, "judge", f->ws, "--endpoint", server.url, "--model", "m", "--api-key-env",
       "ARB_TEST_JUDGE_MISSING", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "ARB_TEST_JUDGE_MISSING"));

  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM calls WHERE response IS NOT NULL"), >, 0);
  files[0] = f->ws;
  files[1] = wal;
  files[2] = server.log;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_assert_false (file_contains (files[i], key));
  {
    sqlite3 *db = open_db (f->ws);
    sqlite3_stmt *stmt = NULL;

    /* Nor any hint of it in the rater's identity or a call. */
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM raters WHERE config LIKE "
                                         "'%http%' OR config LIKE '%key%'", -1, &stmt, NULL),
                     ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
    sqlite3_finalize (stmt);
    g_assert_cmpint (query_int (db, "SELECT count(*) FROM calls WHERE request LIKE '%127.0.0.1%' "
                                    "OR request LIKE '%Bearer%'"), ==, 0);
    sqlite3_close (db);
  }
  g_unsetenv ("ARB_TEST_JUDGE_KEY");
}

/* 429 with Retry-After: 0.3 s is waited for, though the backoff alone would be 10 ms. */
static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  const char *kinds[] = { "429" };
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GHashTable) log = NULL;
  GHashTableIter iter;
  gpointer key, value;
  int longest = 0;
  gint64 t0;
  double seconds, retry_after = 0.3;
  json_object *summary;

  server_start (&server, f, "--faults", "429", "--fault-rate", "0.5", "--retry-after", "0.3",
                NULL);
  args = judge_args (f, &server, "--backoff", "0.01", "--max-attempts", "10", "--retry-budget",
                     "-1", NULL);
  t0 = g_get_monotonic_time ();
  run_args (args, &r);
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  g_assert_cmpint (r.status, ==, 0);
  summary = parse_summary (r.out);
  log = read_log (server.log, 0, NULL);
  g_hash_table_iter_init (&iter, log);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Seen *s = value;
      const char *last;

      g_assert_cmpint (s->attempts, ==, allowed_attempts (key, 10, 1, 0.5, kinds, 1, &last));
      g_assert_cmpint (s->attempts, <, 10);
      longest = MAX (longest, s->attempts - 1);
    }
  g_test_message ("longest run of 429s: %d; %.2f s (at least %.2f)", longest, seconds,
                  longest * retry_after);
  g_assert_cmpint (longest, >=, 2);
  g_assert_cmpfloat (seconds, >=, longest * retry_after);
  g_assert_cmpfloat (seconds, <, longest * retry_after + 5);
  g_assert_cmpint (jint (summary, "http_429"), ==, jint (summary, "retries"));
  g_assert_cmpint (jint (summary, "given_up"), ==, 0);
  json_object_put (summary);
}

/* A 400 is final: sent once, a failed verdict; the 5xx beside it are retried. */
static void
test_no_retry_4xx (Fixture       *f,
                   gconstpointer  data)
{
  const char *kinds[] = { "400", "500" };
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GHashTable) log = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gint64 final_400 = 0, retried_500 = 0;
  json_object *summary;

  server_start (&server, f, "--faults", "400,500", "--fault-rate", "0.5", NULL);
  args = judge_args (f, &server, "--backoff", "0.01", "--max-attempts", "5", "--retry-budget",
                     "-1", NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  summary = parse_summary (r.out);
  log = read_log (server.log, 0, NULL);
  g_hash_table_iter_init (&iter, log);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Seen *s = value;
      const char *last;

      g_assert_cmpint (s->attempts, ==, allowed_attempts (key, 5, 1, 0.5, kinds, 2, &last));
      /* Nothing follows a 400. */
      g_assert_true (strstr (s->outcomes->str, "400 ") == NULL);
      if (g_str_has_suffix (s->outcomes->str, "400"))
        final_400++;
      if (strstr (s->outcomes->str, "500") != NULL)
        retried_500++;
    }
  g_test_message ("%" G_GINT64_FORMAT " requests ended at a 400, %" G_GINT64_FORMAT
                  " met a 500 and were retried", final_400, retried_500);
  g_assert_cmpint (final_400, >, 0);
  g_assert_cmpint (retried_500, >, 0);
  g_assert_cmpint (jint (summary, "http_4xx"), ==, final_400);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE status = 'failed'"),
                   >=, final_400);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM calls WHERE http_status = 400 AND "
                                  "response IS NULL AND attempts = 1"), >, 0);
  json_object_put (summary);
}

/* Orders, ties, identity, the cache across raters, dry runs, re-parsing and the rpm limit. */
static void
test_cache (Fixture       *f,
            gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  json_object *summary;
  guint lines = 0;
  gint64 t0;
  double seconds;

  server_start (&server, f, NULL);
  cli (&r, "judge", f->ws, "--model", "m", "--dry-run", "--format", "json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  summary = parse_summary (r.out);
  g_assert_cmpint (jint (summary, "to_send"), ==, 18);   /* 20 comparisons, 2 identical */
  g_assert_cmpint (jint (summary, "ties"), ==, 2);
  g_assert_cmpint (jint (summary, "estimated_input_tokens"), >, 0);
  json_object_put (summary);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM raters"), ==, 0);

  /* --system: only comparisons of two of the systems named. */
  cli (&r, "judge", f->ws, "--model", "m", "--dry-run", "--format", "json", "--system", "alpha",
       "--system", "beta", NULL);
  g_assert_cmpint (r.status, ==, 0);
  summary = parse_summary (r.out);
  g_assert_cmpint (jint (summary, "to_send"), ==, 18);
  json_object_put (summary);
  cli (&r, "judge", f->ws, "--model", "m", "--dry-run", "--format", "json", "--system", "alpha",
       NULL);
  g_assert_cmpint (r.status, ==, 0);
  summary = parse_summary (r.out);
  g_assert_cmpint (jint (summary, "to_send"), ==, 0);
  g_assert_cmpint (jint (summary, "comparisons"), ==, 0);
  json_object_put (summary);
  cli (&r, "judge", f->ws, "--model", "m", "--dry-run", "--system", "alpha", "--system",
       "gamma", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no system named “gamma”"));

  /* 60 requests per minute per endpoint: a bucket of 1, so 18 requests take 17 s; at 600/min
   * (10 at once, then 10 a second) they take about 0.8 s. */
  args = judge_args (f, &server, "--rpm", "600", "--seed", "7", NULL);
  t0 = g_get_monotonic_time ();
  run_args (args, &r);
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  g_assert_cmpint (r.status, ==, 0);
  g_test_message ("18 requests at --rpm 600: %.2f s", seconds);
  g_assert_cmpfloat (seconds, >=, 0.75);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts"), ==, 20);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE call_id IS NULL "
                                  "AND preference = 0.5 AND strength = 0"), ==, 2);
  /* --orders one: the order comes from the seed, both orders occur. */
  g_assert_cmpint (db_int (f->ws, "SELECT count(DISTINCT presented) FROM current_verdicts"), ==, 2);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM raters WHERE kind = 'judge' AND config "
                                  "LIKE '%\"model\":\"test-judge\"%template_sha256%'"), ==, 1);

  /* Another rater of the same identity: all from the cache, nothing sent. */
  read_log (server.log, 0, &lines);
  g_ptr_array_add (args, g_strdup ("--rater"));
  g_ptr_array_add (args, g_strdup ("second-name"));
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  summary = parse_summary (r.out);
  g_assert_cmpint (jint (summary, "cached"), ==, 18);
  g_assert_cmpint (jint (summary, "to_send"), ==, 0);
  json_object_put (summary);
  {
    guint lines2 = 0;

    g_hash_table_unref (read_log (server.log, 0, &lines2));
    g_assert_cmpint (lines2, ==, lines);
  }
  /* The name is taken by another identity now: refused. */
  cli (&r, "judge", f->ws, "--endpoint", server.url, "--model", "other-model", "--rater",
       "second-name", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "second-name"));

  /* Both orders, two samples: the new tasks only; then a dry run has nothing to send. */
  g_ptr_array_unref (args);
  args = judge_args (f, &server, "--orders", "both", "--samples", "2", "--seed", "7", NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  summary = parse_summary (r.out);
  g_assert_cmpint (jint (summary, "tasks"), ==, 80);
  g_assert_cmpint (jint (summary, "settled"), ==, 20);
  g_assert_cmpint (jint (summary, "to_send"), ==, 80 - 20 - 6);
  json_object_put (summary);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                  "r.id = v.rater_id WHERE r.name = 'judge:test-judge:pairwise-5'"),
                   ==, 80);
  g_ptr_array_add (args, g_strdup ("--dry-run"));
  run_args (args, &r);
  summary = parse_summary (r.out);
  g_assert_cmpint (jint (summary, "to_send"), ==, 0);
  g_assert_cmpint (jint (summary, "settled"), ==, 80);
  json_object_put (summary);

  /* Re-parsing reads stored replies again and sends nothing. */
  g_ptr_array_set_size (args, args->len - 1);
  g_ptr_array_add (args, g_strdup ("--reparse"));
  read_log (server.log, 0, &lines);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  {
    guint lines2 = 0;

    g_hash_table_unref (read_log (server.log, 0, &lines2));
    g_assert_cmpint (lines2, ==, lines);
  }
}

/* The other templates: grades become grades and derived verdicts; logprobs a probability. */
static void
test_templates (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;

  server_start (&server, f, NULL);
  args = judge_args (f, &server, "--template", "grade-10", NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  /* 20 comparisons of 40 generations, 2 pairs identical: 36 generations graded once. */
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_grades WHERE status = 'ok' AND "
                                  "score BETWEEN 1 AND 10"), ==, 36);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE presented IS NULL"),
                   ==, 20);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts v JOIN comparisons c ON "
                                  "c.id = v.comparison_id JOIN current_grades ga ON "
                                  "ga.generation_id = c.a_id JOIN current_grades gb ON "
                                  "gb.generation_id = c.b_id WHERE v.preference <> CASE WHEN "
                                  "gb.score > ga.score THEN 1.0 WHEN gb.score < ga.score THEN 0.0 "
                                  "ELSE 0.5 END"), ==, 0);
  g_ptr_array_unref (args);

  args = judge_args (f, &server, "--template", "logprob-ab", "--orders", "both", NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                  "r.id = v.rater_id WHERE r.name LIKE '%logprob-ab'"), ==, 40);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                  "r.id = v.rater_id WHERE r.name LIKE '%logprob-ab' AND "
                                  "v.status = 'ok' AND v.strength IS NULL AND v.call_id IS NOT NULL"),
                   >, 0);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                  "r.id = v.rater_id WHERE r.name LIKE '%logprob-ab' AND "
                                  "v.status = 'unparseable'"), >, 0);
  g_ptr_array_unref (args);

  args = judge_args (f, &server, "--template", "reference-pairwise", NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"no_reference\": 0"));
  g_ptr_array_unref (args);
  args = judge_args (f, &server, "--template", "pairwise-3", NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  g_ptr_array_unref (args);

  /* A template of one's own, from a file: its hash is the rater's identity. */
  {
    const char *text = "[judge]\nname=mine\nverdict=pairwise-3\nmax_tokens=64\n"
                       "user=Which is better for {question}? A: {answer_a} B: {answer_b} "
                       "Say [[A]], [[B]] or [[C]].\n";
    g_autofree char *path = arb_test_write_file (f->dir, "mine.ini", text, -1, FALSE);
    g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM raters WHERE name = "
                                            "'judge:test-judge:mine' AND config LIKE '%%%s%%'",
                                            sha);

    args = judge_args (f, &server, "--template", path, NULL);
    run_args (args, &r);
    g_assert_cmpint (r.status, ==, 0);
    g_assert_cmpint (db_int (f->ws, sql), ==, 1);
    g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                    "r.id = v.rater_id WHERE r.name = 'judge:test-judge:mine' "
                                    "AND v.status = 'ok'"), ==, 20);
    g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM calls WHERE request LIKE "
                                    "'%Which is better for Question 3:%' AND request NOT LIKE "
                                    "'%\"role\":\"system\"%'"), ==, 1);
  }
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                  "r.id = v.rater_id WHERE r.name LIKE '%pairwise-3' AND "
                                  "v.status = 'ok'"), ==, 20);
}

/* A run spreads over two endpoints, each within its own concurrency; no request goes to both. */
static void
test_spread (Fixture       *f,
             gconstpointer  data)
{
  g_auto(Server) one = { 0 };
  g_auto(Server) two = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GHashTable) log1 = NULL;
  g_autoptr(GHashTable) log2 = NULL;
  GHashTableIter iter;
  gpointer key;
  gint64 t0;
  double seconds;

  server_start (&one, f, "--delay", "50", NULL);
  server_start (&two, f, "--delay", "50", NULL);
  args = judge_args (f, &one, "--endpoint", two.url, "--concurrency", "3", NULL);
  t0 = g_get_monotonic_time ();
  run_args (args, &r);
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  g_assert_cmpint (r.status, ==, 0);
  log1 = read_log (one.log, 0, NULL);
  log2 = read_log (two.log, 0, NULL);
  g_test_message ("54 requests: %u and %u, %.2f s", g_hash_table_size (log1),
                  g_hash_table_size (log2), seconds);
  g_assert_cmpint (g_hash_table_size (log1) + g_hash_table_size (log2), ==, 54);
  g_assert_cmpint (g_hash_table_size (log1), >=, 18);
  g_assert_cmpint (g_hash_table_size (log2), >=, 18);
  g_hash_table_iter_init (&iter, log1);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_false (g_hash_table_contains (log2, key));
  /* 6 in flight at 50 ms: 54 requests take at least 9 rounds, 0.45 s; one endpoint alone at 3
   * would take twice that. */
  g_assert_cmpfloat (seconds, >=, 0.45);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE status = 'ok'"),
                   ==, 60);
}

/* Endpoints with limits and keys of their own. */
static void
test_endpoint_settings (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(Server) one = { 0 };
  g_auto(Server) two = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GHashTable) log1 = NULL;
  g_autoptr(GHashTable) log2 = NULL;
  g_autofree char *spec1 = NULL;
  g_autofree char *spec2 = NULL;

  g_setenv ("ARB_TEST_KEY_ONE", "sk-one-1234567890", TRUE);
  g_setenv ("ARB_TEST_KEY_TWO", "sk-two-0987654321", TRUE);
  server_start (&one, f, "--delay", "40", "--api-key-env", "ARB_TEST_KEY_ONE", NULL);
  server_start (&two, f, "--delay", "40", "--api-key-env", "ARB_TEST_KEY_TWO", NULL);
  spec1 = g_strdup_printf ("%s concurrency=1 key-env=ARB_TEST_KEY_ONE", one.url);
  spec2 = g_strdup_printf ("%s  concurrency=5 rpm=100000 key-env=ARB_TEST_KEY_TWO", two.url);
  args = judge_args (f, &one, NULL);
  g_free (g_ptr_array_index (args, 3));
  g_ptr_array_index (args, 3) = g_strdup (spec1);
  g_ptr_array_add (args, g_strdup ("--endpoint"));
  g_ptr_array_add (args, g_strdup (spec2));
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"answered\": 54,"));
  g_assert_null (strstr (r.out, "sk-one"));
  g_assert_null (strstr (r.err, "sk-two"));
  log1 = read_log (one.log, 0, NULL);
  log2 = read_log (two.log, 0, NULL);
  g_test_message ("concurrency 1 and 5: %u and %u requests", g_hash_table_size (log1),
                  g_hash_table_size (log2));
  g_assert_cmpint (g_hash_table_size (log1) + g_hash_table_size (log2), ==, 54);
  g_assert_cmpint (g_hash_table_size (log2), >, 2 * g_hash_table_size (log1));

  cli (&r, "judge", f->ws, "--endpoint", "http://127.0.0.1:9 bogus=1", "--model", "m", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "judge", f->ws, "--endpoint", "http://127.0.0.1:9 concurrency=0", "--model", "m", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "judge", f->ws, "--endpoint", "http://127.0.0.1:9 key-env=ARB_TEST_KEY_UNSET",
       "--model", "other", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "ARB_TEST_KEY_UNSET"));
}

/* A run over a live and a dead endpoint: the dead one rests after failing, retries go to the
 * live one, and everything is answered. */
static void
test_dead_endpoint (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  json_object *summary;

  server_start (&server, f, "--delay", "5", NULL);
  args = judge_args (f, &server, "--endpoint", "http://127.0.0.1:1", "--backoff", "0.05",
                     "--concurrency", "4", NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  summary = parse_summary (r.out);
  g_test_message ("%" G_GINT64_FORMAT " requests, %" G_GINT64_FORMAT " attempts, %"
                  G_GINT64_FORMAT " refused", jint (summary, "to_send"),
                  jint (summary, "attempts"), jint (summary, "transport_errors"));
  g_assert_cmpint (jint (summary, "answered"), ==, 54);
  g_assert_cmpint (jint (summary, "given_up"), ==, 0);
  g_assert_cmpint (jint (summary, "transport_errors"), <=, 12);
  json_object_put (summary);
}

/* Reward models through each API, with 20 % faults: every generation ends graded (or failed
 * or unparseable), attempts as the policy allows, and each comparison's verdict is
 * σ(grade_B − grade_A). */
static void
test_score (Fixture       *f,
            gconstpointer  data)
{
  static const char *const apis[] = { "pooling", "classify", "tei" };
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  guint lines = 0;

  server_start (&server, f, "--fault-rate", "0.2", "--stall", "3", NULL);
  for (guint a = 0; a < G_N_ELEMENTS (apis); a++)
    {
      g_autofree char *rater = g_strdup_printf ("rm-%s", apis[a]);
      g_autofree char *attempts = g_strdup_printf ("%d", MAX_ATTEMPTS);
      g_autoptr(GHashTable) log = NULL;
      json_object *summary;
      gint64 failed, unparseable;
      sqlite3 *db;
      sqlite3_stmt *stmt = NULL;
      g_autofree char *sql = NULL;
      int checked = 0;

      cli (&r, "score", f->ws, "--endpoint", server.url, "--model", "rm", "--api", apis[a],
           "--rater", rater, "--timeout", "2", "--backoff", "0.02", "--max-attempts", attempts,
           "--retry-budget", "-1", "--format", "json", NULL);
      g_assert_cmpint (r.status, ==, 0);
      summary = parse_summary (r.out);
      log = read_log (server.log, lines, NULL);
      g_hash_table_unref (read_log (server.log, 0, &lines));
      /* 20 comparisons, 2 of identical texts: 36 generations. */
      g_assert_cmpint (jint (summary, "to_send"), ==, 36);
      g_assert_cmpint (g_hash_table_size (log), ==, 36);
      check_policy (log, summary, 0.2, fault_names, G_N_ELEMENTS (fault_names), &failed,
                    &unparseable);
      g_test_message ("%s: %" G_GINT64_FORMAT " attempts, %" G_GINT64_FORMAT " failed, %"
                      G_GINT64_FORMAT " unparseable", apis[a], jint (summary, "attempts"),
                      failed, unparseable);
      g_assert_cmpint (jint (summary, "failed"), ==, failed);
      g_assert_cmpint (jint (summary, "unparseable"), ==, unparseable);
      g_assert_cmpint (jint (summary, "verdicts"), ==, 20);
      json_object_put (summary);

      db = open_db (f->ws);
      sql = g_strdup_printf ("SELECT v.status, v.preference, v.strength, ga.status, ga.score, "
                             "gb.status, gb.score FROM current_verdicts v "
                             "JOIN raters r ON r.id = v.rater_id AND r.name = '%s' "
                             "JOIN comparisons c ON c.id = v.comparison_id "
                             "LEFT JOIN current_grades ga ON ga.generation_id = c.a_id "
                             "AND ga.rater_id = r.id LEFT JOIN current_grades gb "
                             "ON gb.generation_id = c.b_id AND gb.rater_id = r.id", rater);
      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *status = (const char *) sqlite3_column_text (stmt, 0);

          if (sqlite3_column_type (stmt, 3) == SQLITE_NULL)
            {
              /* Identical texts: a tie without a call. */
              g_assert_cmpstr (status, ==, "ok");
              g_assert_cmpfloat (sqlite3_column_double (stmt, 1), ==, 0.5);
            }
          else if (g_str_equal ((const char *) sqlite3_column_text (stmt, 3), "ok") &&
                   g_str_equal ((const char *) sqlite3_column_text (stmt, 5), "ok"))
            {
              double ga = sqlite3_column_double (stmt, 4), gb = sqlite3_column_double (stmt, 6);

              g_assert_cmpstr (status, ==, "ok");
              g_assert_cmpfloat_with_epsilon (sqlite3_column_double (stmt, 1),
                                              1 / (1 + exp (-(gb - ga))), 1e-12);
              g_assert_cmpint (sqlite3_column_type (stmt, 2), ==, SQLITE_NULL);
              checked++;
            }
          else
            g_assert_cmpstr (status, !=, "ok");
        }
      sqlite3_finalize (stmt);
      sqlite3_close (db);
      g_assert_cmpint (checked, >, 10);
    }
  /* Usage. */
  cli (&r, "score", f->ws, "--endpoint", server.url, "--model", "rm", "--api", "nope", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "score", f->ws, "--endpoint", server.url, NULL);
  g_assert_cmpint (r.status, ==, 2);
}

/* The run on a worker thread: progress on the caller's main context, cancellation keeps what
 * was answered. */
typedef struct
{
  GMainLoop      *loop;
  GAsyncResult   *result;
  guint           progress_calls;
  gboolean        off_thread;
  GCancellable   *cancel_at_first;
} Async;

static void
on_async_progress (const ArbJudgeResult *result,
                   gpointer              data)
{
  Async *a = data;

  if (!g_main_context_is_owner (g_main_context_default ()))
    a->off_thread = TRUE;
  a->progress_calls++;
  if (a->cancel_at_first != NULL && result->http.answered > 0)
    g_cancellable_cancel (a->cancel_at_first);
}

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Async *a = data;

  a->result = g_object_ref (result);
  g_main_loop_quit (a->loop);
}

static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_auto(ArbJudgeResult) result = { 0 };
  g_auto(ArbJudgeResult) cancelled = { 0 };
  const char *endpoints[1];
  ArbJudgeOptions options = { 0 };
  Async a = { 0 };
  gboolean ok;
  gint64 kept;

  server_start (&server, f, "--delay", "100", NULL);
  endpoints[0] = server.url;
  options.endpoints = endpoints;
  options.n_endpoints = 1;
  options.model = "test-judge";
  options.rater = "async";
  options.concurrency = 4;
  a.loop = g_main_loop_new (NULL, FALSE);
  arb_judge_run_async (f->ws, &options, on_async_progress, &a, NULL, on_async_done, &a);
  g_main_loop_run (a.loop);
  ok = arb_judge_run_finish (a.result, &result, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_test_message ("async: %" G_GINT64_FORMAT " answered, %u progress calls", result.http.answered,
                  a.progress_calls);
  g_assert_cmpint (result.http.answered, ==, 54);
  g_assert_cmpstr (result.rater, ==, "async");
  g_assert_cmpint (a.progress_calls, >, 0);
  g_assert_false (a.off_thread);
  g_clear_object (&a.result);

  /* Cancelled once the first answers are in: they are kept, and the run says it was stopped. */
  options.rater = "async-cancelled";
  options.model = "test-judge-2";   /* another identity, so nothing comes from the cache */
  options.concurrency = 2;
  a.cancel_at_first = cancellable;
  arb_judge_run_async (f->ws, &options, on_async_progress, &a, cancellable, on_async_done, &a);
  g_main_loop_run (a.loop);
  ok = arb_judge_run_finish (a.result, &cancelled, &error);
  g_assert_false (ok);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  kept = db_int (f->ws, "SELECT count(*) FROM current_verdicts v JOIN raters r ON r.id = "
                        "v.rater_id WHERE r.name = 'async-cancelled' AND v.call_id IS NOT NULL");
  g_test_message ("cancelled after %" G_GINT64_FORMAT " answers: %" G_GINT64_FORMAT " kept",
                  cancelled.http.answered, kept);
  g_assert_cmpint (kept, >, 0);
  g_assert_cmpint (kept, <, 54);
  g_assert_cmpint (kept, ==, cancelled.http.answered);
  g_clear_object (&a.result);
  g_main_loop_unref (a.loop);
}

/* The cost limit stops sending; wrong usage is status 2. */
static void
test_cost_and_usage (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(Server) server = { 0 };
  g_auto(Result) r = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  json_object *summary;

  server_start (&server, f, NULL);
  /* A request is estimated at about 300 input and 1 024 output tokens, about 1.3 USD at 1 USD
   * per 1 000; its answer costs about 0.3 USD. With 3 USD, requests go while what was spent
   * and the estimate of what is in flight leave room for one more. */
  args = judge_args (f, &server, "--price-input", "1", "--price-output", "1",
                     "--max-cost", "3", "--concurrency", "2", NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "cost limit"));
  summary = parse_summary (r.out);
  g_assert_cmpint (jint (summary, "answered"), >, 0);
  g_assert_cmpint (jint (summary, "not_sent"), >, 0);
  g_assert_cmpint (jint (summary, "answered") + jint (summary, "not_sent"), ==, 18);
  {
    json_object *v;

    g_assert_true (json_object_object_get_ex (summary, "cost", &v));
    g_test_message ("cost %.4f USD for %" G_GINT64_FORMAT " answers", json_object_get_double (v),
                    jint (summary, "answered"));
    g_assert_cmpfloat (json_object_get_double (v), <=, 3.0);
  }
  json_object_put (summary);
  /* What was not sent is sent by the next run without a limit. */
  g_ptr_array_unref (args);
  args = judge_args (f, &server, NULL);
  run_args (args, &r);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (db_int (f->ws, "SELECT count(*) FROM current_verdicts WHERE status = 'ok'"),
                   ==, 20);

  cli (&r, "judge", f->ws, "--model", "m", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "judge", f->ws, "--endpoint", server.url, NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "judge", f->ws, "--endpoint", server.url, "--model", "m", "--orders", "three", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "judge", f->ws, "--endpoint", server.url, "--model", "m", "--max-cost", "1", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "judge", f->ws, "--endpoint", "ftp://x", "--model", "m", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "judge", f->ws, "--endpoint", server.url, "--model", "m", "--samples", "0", NULL);
  g_assert_cmpint (r.status, ==, 2);
  cli (&r, "judge", f->ws, "--endpoint", server.url, "--model", "m", "--template", "nope", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "nope"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/arbiter/judge-run/faults", Fixture, GUINT_TO_POINTER (300), fixture_set_up,
              test_faults, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/acceptance-2000", Fixture, GUINT_TO_POINTER (2000),
              fixture_set_up, test_acceptance, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/sigkill", Fixture, GUINT_TO_POINTER (300), fixture_set_up,
              test_sigkill, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/sigint", Fixture, GUINT_TO_POINTER (60), fixture_set_up,
              test_sigint, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/api-key", Fixture, GUINT_TO_POINTER (20), fixture_set_up,
              test_api_key, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/retry-after", Fixture, GUINT_TO_POINTER (20), fixture_set_up,
              test_retry_after, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/no-retry-4xx", Fixture, GUINT_TO_POINTER (60), fixture_set_up,
              test_no_retry_4xx, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/cache", Fixture, GUINT_TO_POINTER (20), fixture_set_up,
              test_cache, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/templates", Fixture, GUINT_TO_POINTER (20), fixture_set_up,
              test_templates, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/spread", Fixture, GUINT_TO_POINTER (60), fixture_set_up,
              test_spread, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/endpoint-settings", Fixture, GUINT_TO_POINTER (60),
              fixture_set_up, test_endpoint_settings, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/dead-endpoint", Fixture, GUINT_TO_POINTER (60), fixture_set_up,
              test_dead_endpoint, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/score", Fixture, GUINT_TO_POINTER (20), fixture_set_up,
              test_score, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/async", Fixture, GUINT_TO_POINTER (60), fixture_set_up,
              test_async, fixture_tear_down);
  g_test_add ("/arbiter/judge-run/cost-and-usage", Fixture, GUINT_TO_POINTER (20),
              fixture_set_up, test_cost_and_usage, fixture_tear_down);
  return g_test_run ();
}
