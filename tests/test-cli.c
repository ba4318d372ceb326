/* test-cli.c: arbiter-cli as a script sees it — exit status, stdout, stderr and what lands
 *
 * Each case runs the real executable ($ARB_CLI) in a fresh temporary folder. Exit status is the
 * contract of DESIGN.md: 0 the work completed, 1 it could not (the message says what and where),
 * 2 wrong usage. Results go to stdout, messages to stderr.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <sqlite3.h>

typedef struct
{
  char *dir;    /* a temporary folder, removed afterwards */
  char *ws;     /* dir/ws.arbiter, not created yet */
} Fixture;

typedef struct
{
  int   status; /* exit status, or -1 if the process did not exit normally */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static const char *
cli_path (void)
{
  const char *path = g_getenv ("ARB_CLI");

  if (path == NULL)
    g_error ("ARB_CLI is not set: run this test with meson test");
  return path;
}

static char *
bytes_to_string (GBytes *bytes)
{
  gsize len = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

  return data != NULL ? g_strndup (data, len) : g_strdup ("");
}

/* Runs arbiter-cli with the NULL-terminated arguments that follow @run; stdin is /dev/null,
 * stdout and stderr are captured. */
static void G_GNUC_NULL_TERMINATED
run_cli (Run *run,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  g_ptr_array_add (argv, (gpointer) cli_path ());
  va_start (args, run);
  for (const char *arg = va_arg (args, const char *); arg != NULL;
       arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  run_clear (run);
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  if (proc == NULL)
    g_error ("cannot run %s: %s", cli_path (), error->message);
  /* Bytes, not communicate_utf8(): a message that is not valid UTF-8 is a finding to assert on,
   * not a reason to abort here. */
  if (!g_subprocess_communicate (proc, NULL, NULL, &out, &err, &error))
    g_error ("cannot read from %s: %s", cli_path (), error->message);
  run->out = bytes_to_string (out);
  run->err = bytes_to_string (err);
  run->status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;

  /* Said always, so that a failed check shows what the command printed (a sanitizer's report
   * from an instrumented arbiter-cli, too). */
  {
    g_autofree char *command = g_strjoinv (" ", (char **) argv->pdata + 1);
    gsize len = strlen (run->err);
    /* The TAP reader wants UTF-8; what the program printed need not be. */
    g_autofree char *shown = g_utf8_make_valid (run->err, MIN (len, 4000));

    g_test_message ("arbiter-cli %s: exit %d", command, run->status);
    if (len > 0)
      g_test_message ("stderr: %s%s", shown, len > 4000 ? " [...]" : "");
    /* An exit status outside the contract is a crash or a sanitizer's report: put it where
     * `meson test --print-errorlogs` shows it. */
    if (run->status < 0 || run->status > 2)
      g_printerr ("arbiter-cli %s: exit %d\n%s\n", command, run->status, run->err);
  }
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_remove (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_rmdir (path);
}

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("arbiter-cli-XXXXXX", &error);
  if (fx->dir == NULL)
    g_error ("%s", error->message);
  fx->ws = g_build_filename (fx->dir, "ws.arbiter", NULL);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->ws);
}

static char *
write_file (Fixture    *fx,
            const char *name,
            const char *contents)
{
  char *path = g_build_filename (fx->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, contents, -1, &error))
    g_error ("%s", error->message);
  return path;
}

static void
init_workspace (const char *ws)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, "init", ws, NULL);
  g_assert_cmpint (run.status, ==, 0);
}

/* ---- info --format json ------------------------------------------------------------------- */

static const char *const count_keys[] = {
  "prompts", "generations", "comparisons", "systems", "raters", "verdicts", "grades", "spans",
};

typedef struct
{
  gint64 prompts, generations, comparisons, systems, raters, verdicts, grades, spans;
} Counts;

/* Runs `info --format json` and checks that it is one object of exactly the eight integer keys. */
static Counts
info_counts (const char *ws)
{
  g_auto(Run) run = { 0 };
  json_object *root;
  gint64 values[G_N_ELEMENTS (count_keys)];
  Counts c;

  run_cli (&run, "info", ws, "--format", "json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = json_tokener_parse (run.out);
  if (root == NULL || json_object_get_type (root) != json_type_object)
    {
      g_test_message ("info --format json printed no JSON object: %s", run.out);
      g_test_fail ();
      json_object_put (root);
      return (Counts) { -1, -1, -1, -1, -1, -1, -1, -1 };
    }
  g_assert_cmpint (json_object_object_length (root), ==, G_N_ELEMENTS (count_keys));
  for (guint i = 0; i < G_N_ELEMENTS (count_keys); i++)
    {
      json_object *value = NULL;

      if (!json_object_object_get_ex (root, count_keys[i], &value))
        {
          g_test_message ("info --format json lacks \"%s\": %s", count_keys[i], run.out);
          g_test_fail ();
        }
      g_assert_cmpint (json_object_get_type (value), ==, json_type_int);
      values[i] = value != NULL ? json_object_get_int64 (value) : -1;
      g_assert_cmpint (values[i], >=, 0);
    }
  json_object_put (root);
  c = (Counts) { values[0], values[1], values[2], values[3], values[4], values[5], values[6],
                 values[7] };
  return c;
}

static void
assert_counts_equal (const Counts *a,
                     const Counts *b)
{
  g_assert_cmpint (a->prompts, ==, b->prompts);
  g_assert_cmpint (a->generations, ==, b->generations);
  g_assert_cmpint (a->comparisons, ==, b->comparisons);
  g_assert_cmpint (a->systems, ==, b->systems);
  g_assert_cmpint (a->raters, ==, b->raters);
  g_assert_cmpint (a->verdicts, ==, b->verdicts);
  g_assert_cmpint (a->grades, ==, b->grades);
  g_assert_cmpint (a->spans, ==, b->spans);
}

/* ---- usage and exit status ---------------------------------------------------------------- */

static void
test_version (void)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, "--version", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "arbiter-cli " PACKAGE_VERSION "\n");
}

static void
test_help (void)
{
  static const char *const names[] = { "init", "import", "info", "plan" };
  g_auto(Run) run = { 0 };

  run_cli (&run, "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_nonnull (strstr (run.out, names[i]));

  /* Each command's own --help also succeeds and names its options. */
  run_cli (&run, "import", "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "--skip-bad"));
  run_cli (&run, "plan", "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "--per-prompt"));
}

static void
test_no_args (void)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, "Usage"));
}

static void
test_unknown_command (void)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, "frobnicate", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "frobnicate"));
}

static void
test_wrong_arguments (Fixture       *fx,
                      gconstpointer  data)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, "init", NULL);
  g_assert_cmpint (run.status, ==, 2);
  run_cli (&run, "info", NULL);
  g_assert_cmpint (run.status, ==, 2);
  run_cli (&run, "import", fx->ws, NULL);
  g_assert_cmpint (run.status, ==, 2);
  run_cli (&run, "info", fx->ws, "--no-such-option", NULL);
  g_assert_cmpint (run.status, ==, 2);
  run_cli (&run, "info", fx->ws, "--format", "xml", NULL);
  g_assert_cmpint (run.status, ==, 2);
  /* Usage errors are found before the workspace is touched. */
  g_assert_false (g_file_test (fx->ws, G_FILE_TEST_EXISTS));
}

static void
test_import_bad_format (Fixture       *fx,
                        gconstpointer  data)
{
  g_autofree char *file = write_file (fx, "x.jsonl", "{\"prompt\": \"p\"}\n");
  g_auto(Run) run = { 0 };

  init_workspace (fx->ws);
  run_cli (&run, "import", fx->ws, file, "--format", "no-such-format", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "no-such-format"));
  /* The message lists the formats there are. */
  g_assert_nonnull (strstr (run.err, "hh-rlhf"));
}

static void
test_plan_needs_mode (Fixture       *fx,
                      gconstpointer  data)
{
  g_auto(Run) run = { 0 };

  init_workspace (fx->ws);
  run_cli (&run, "plan", fx->ws, NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--all-pairs"));
  run_cli (&run, "plan", fx->ws, "--all-pairs", "--baseline", "x", NULL);
  g_assert_cmpint (run.status, ==, 2);
  run_cli (&run, "plan", fx->ws, "--all-pairs", "--per-prompt", "-1", NULL);
  g_assert_cmpint (run.status, ==, 2);
}

/* ---- init and info ------------------------------------------------------------------------ */

static void
test_init_twice (Fixture       *fx,
                 gconstpointer  data)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, "init", fx->ws, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, fx->ws));
  g_assert_true (g_file_test (fx->ws, G_FILE_TEST_IS_REGULAR));

  run_cli (&run, "init", fx->ws, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, fx->ws));
  /* The first workspace is still there and still works. */
  info_counts (fx->ws);
}

static void
test_info_missing (Fixture       *fx,
                   gconstpointer  data)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, "info", fx->ws, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, fx->ws));
  /* Looking does not create it. */
  g_assert_false (g_file_test (fx->ws, G_FILE_TEST_EXISTS));
}

static void
test_info_not_a_workspace (Fixture       *fx,
                           gconstpointer  data)
{
  g_autofree char *file = write_file (fx, "notes.arbiter", "just some text\n");
  g_auto(Run) run = { 0 };

  run_cli (&run, "info", file, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, file));
}

static void
test_info_json (Fixture       *fx,
                gconstpointer  data)
{
  Counts zero = { 0 }, c;
  g_auto(Run) run = { 0 };

  init_workspace (fx->ws);
  c = info_counts (fx->ws);
  assert_counts_equal (&c, &zero);

  /* The table names the same eight counts. */
  run_cli (&run, "info", fx->ws, NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (count_keys); i++)
    g_assert_nonnull (strstr (run.out, count_keys[i]));
}

/* ---- import ------------------------------------------------------------------------------- */

static void
test_import_hh_rlhf (Fixture       *fx,
                     gconstpointer  data)
{
  g_autofree char *file = NULL;
  g_auto(Run) run = { 0 };
  Counts first, again;

  g_assert_nonnull (g_getenv ("ARB_SHARED_DATA"));
  file = g_build_filename (g_getenv ("ARB_SHARED_DATA"), "hh_rlhf_harmless_base", "harmless-base",
                           "test.first300.jsonl.gz", NULL);
  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *message = g_strdup_printf ("%s is missing", file);

      g_test_skip (message);
      return;
    }

  init_workspace (fx->ws);
  run_cli (&run, "import", fx->ws, file, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "hh-rlhf"));
  g_assert_nonnull (strstr (run.out, "300 records"));
  first = info_counts (fx->ws);
  g_assert_cmpint (first.prompts, ==, 300);
  g_assert_cmpint (first.comparisons, ==, 300);
  g_assert_cmpint (first.verdicts, ==, 300);
  g_assert_cmpint (first.generations, ==, 600);
  g_assert_cmpint (first.systems, ==, 1);
  g_assert_cmpint (first.raters, ==, 1);

  /* The same file again adds nothing, and says so. */
  run_cli (&run, "import", fx->ws, file, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "300 verdicts were already present"));
  g_assert_nonnull (strstr (run.err, "imported before"));
  again = info_counts (fx->ws);
  assert_counts_equal (&first, &again);
}

/* Ten records in our own format, one pair and one verdict each; line 7 is not JSON. */
static char *
write_broken_jsonl (Fixture *fx)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (int i = 1; i <= 10; i++)
    if (i == 7)
      g_string_append (s, "{\"prompt\": \"Question 7\", \"responses\": [{\"system\": \"x\", "
                          "\"text\": \"a\"}, }\n");
    else
      g_string_append_printf (s, "{\"prompt\": \"Question %d\", \"responses\": [{\"system\": "
                                 "\"x\", \"text\": \"x says %d\"}, {\"system\": \"y\", \"text\": "
                                 "\"y says %d\"}], \"verdicts\": [{\"rater\": \"r\", "
                                 "\"winner\": \"a\"}]}\n", i, i, i);
  return write_file (fx, "broken.jsonl", s->str);
}

static void
test_import_broken_line (Fixture       *fx,
                         gconstpointer  data)
{
  g_autofree char *file = write_broken_jsonl (fx);
  g_auto(Run) run = { 0 };
  Counts before, after;

  init_workspace (fx->ws);
  before = info_counts (fx->ws);
  run_cli (&run, "import", fx->ws, file, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, "broken.jsonl:7:"));
  /* The file lands whole or not at all: the six good lines before line 7 are gone too. */
  after = info_counts (fx->ws);
  assert_counts_equal (&before, &after);
}

static void
test_import_skip_bad (Fixture       *fx,
                      gconstpointer  data)
{
  g_autofree char *file = write_broken_jsonl (fx);
  g_auto(Run) run = { 0 };
  Counts c;

  init_workspace (fx->ws);
  run_cli (&run, "import", fx->ws, file, "--skip-bad", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "skipped: "));
  g_assert_nonnull (strstr (run.err, "broken.jsonl:7:"));
  g_assert_nonnull (strstr (run.out, "9 records, 1 skipped"));
  c = info_counts (fx->ws);
  g_assert_cmpint (c.prompts, ==, 9);
  g_assert_cmpint (c.generations, ==, 18);
  g_assert_cmpint (c.comparisons, ==, 9);
  g_assert_cmpint (c.verdicts, ==, 9);
  g_assert_cmpint (c.systems, ==, 2);
  g_assert_cmpint (c.raters, ==, 1);
}

/* What is not text where text is expected: invalid UTF-8 and NUL are refused with file:line:column
 * and the field; a number or a boolean becomes text with a warning. */
static void
test_import_bad_text (Fixture       *fx,
                      gconstpointer  data)
{
  g_autofree char *utf8 = write_file (fx, "utf8.jsonl",
                                      "{\"prompt\": \"p\", \"responses\": [{\"system\": \"s\", "
                                      "\"text\": \"bad \xff byte\"}]}\n");
  g_autofree char *nul = write_file (fx, "nul.jsonl",
                                     "{\"prompt\": \"p\", \"responses\": [{\"system\": \"s\", "
                                     "\"text\": \"a \\u0000 b\"}]}\n");
  g_autofree char *scalar = write_file (fx, "scalar.jsonl",
                                        "{\"prompt\": \"p\", \"responses\": [{\"system\": \"s\", "
                                        "\"text\": true}, {\"system\": \"t\", \"text\": 42}]}\n");
  g_auto(Run) run = { 0 };
  Counts c;

  init_workspace (fx->ws);
  run_cli (&run, "import", fx->ws, utf8, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "utf8.jsonl:1:"));
  g_assert_nonnull (strstr (run.err, "UTF-8"));

  run_cli (&run, "import", fx->ws, nul, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "nul.jsonl:1:"));
  g_assert_nonnull (strstr (run.err, "NUL"));
  g_assert_true (g_utf8_validate (run.err, -1, NULL));
  g_assert_nonnull (strstr (run.err, "in field \"text\""));
  g_assert_cmpint (info_counts (fx->ws).prompts, ==, 0);

  run_cli (&run, "import", fx->ws, scalar, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "warning: "));
  g_assert_nonnull (strstr (run.err, "scalar.jsonl:1:"));
  g_assert_nonnull (strstr (run.err, "\"true\""));
  c = info_counts (fx->ws);
  g_assert_cmpint (c.prompts, ==, 1);
  g_assert_cmpint (c.generations, ==, 2);
}

/* ---- plan --------------------------------------------------------------------------------- */

/* AlpacaEval model outputs of three systems for the same four instructions, as JSON arrays. */
static void
import_three_systems (Fixture    *fx,
                      const char *ws)
{
  static const char *const systems[] = { "alpha", "beta", "gamma" };
  g_auto(Run) run = { 0 };

  for (guint s = 0; s < G_N_ELEMENTS (systems); s++)
    {
      g_autoptr(GString) json = g_string_new ("[\n");
      g_autofree char *name = g_strdup_printf ("%s.json", systems[s]);
      g_autofree char *path = NULL;

      for (int i = 1; i <= 4; i++)
        g_string_append_printf (json, "  {\"instruction\": \"Question %d?\", \"output\": \"%s "
                                      "answers %d\", \"generator\": \"%s\", \"dataset\": "
                                      "\"helpful_base\"}%s\n", i, systems[s], i, systems[s],
                                i < 4 ? "," : "");
      g_string_append (json, "]\n");
      path = write_file (fx, name, json->str);
      run_cli (&run, "import", ws, path, NULL);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_nonnull (strstr (run.out, "alpaca-eval-outputs"));
    }
}

static void
test_plan_unknown_baseline (Fixture       *fx,
                            gconstpointer  data)
{
  g_auto(Run) run = { 0 };

  init_workspace (fx->ws);
  import_three_systems (fx, fx->ws);
  run_cli (&run, "plan", fx->ws, "--baseline", "NOPE", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "NOPE"));
  g_assert_cmpint (info_counts (fx->ws).comparisons, ==, 0);
}

static void
test_plan_all_pairs (Fixture       *fx,
                     gconstpointer  data)
{
  g_auto(Run) run = { 0 };
  Counts c;

  init_workspace (fx->ws);
  import_three_systems (fx, fx->ws);
  c = info_counts (fx->ws);
  g_assert_cmpint (c.prompts, ==, 4);
  g_assert_cmpint (c.generations, ==, 12);
  g_assert_cmpint (c.systems, ==, 3);
  g_assert_cmpint (c.comparisons, ==, 0);

  /* Three systems make three pairs per prompt. */
  run_cli (&run, "plan", fx->ws, "--all-pairs", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "4 prompts, 12 pairs planned, 12 comparisons added"));
  g_assert_cmpint (info_counts (fx->ws).comparisons, ==, 12);

  /* Planning again adds nothing. */
  run_cli (&run, "plan", fx->ws, "--all-pairs", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "0 comparisons added (12 existed)"));
  g_assert_cmpint (info_counts (fx->ws).comparisons, ==, 12);

  /* Against a baseline: the two pairs per prompt that include it, all present already. */
  run_cli (&run, "plan", fx->ws, "--baseline", "alpha", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "8 pairs planned, 0 comparisons added"));
  g_assert_cmpint (info_counts (fx->ws).comparisons, ==, 12);
}

/* The planned pairs as sorted lines "prompt messages|system of A|system of B". */
static char *
list_pairs (const char *ws)
{
  g_autoptr(GString) s = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (ws, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT p.messages, sa.name, sb.name FROM comparisons c "
                                       "JOIN prompts p ON p.id = c.prompt_id "
                                       "JOIN generations ga ON ga.id = c.a_id "
                                       "JOIN generations gb ON gb.id = c.b_id "
                                       "JOIN systems sa ON sa.id = ga.system_id "
                                       "JOIN systems sb ON sb.id = gb.system_id "
                                       "ORDER BY 1, 2, 3", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (s, "%s|%s|%s\n", sqlite3_column_text (stmt, 0),
                            sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
plan_one_per_prompt (const char *ws,
                     const char *seed)
{
  g_auto(Run) run = { 0 };

  run_cli (&run, "plan", ws, "--all-pairs", "--per-prompt", "1", "--seed", seed, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "4 prompts, 4 pairs planned"));
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GFile) src = g_file_new_for_path (from);
  g_autoptr(GFile) dest = g_file_new_for_path (to);
  g_autoptr(GError) error = NULL;

  g_file_copy (src, dest, G_FILE_COPY_NONE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* The same workspace and seed choose the same pairs (the plan runs on two copies of one file). */
static void
test_plan_seed_same_workspace (Fixture       *fx,
                               gconstpointer  data)
{
  g_autofree char *copy = g_build_filename (fx->dir, "copy.arbiter", NULL);
  g_autofree char *pairs1 = NULL, *pairs2 = NULL;
  g_auto(Run) run = { 0 };

  init_workspace (fx->ws);
  import_three_systems (fx, fx->ws);
  /* arbiter-cli has exited, so the WAL is checkpointed into the main file. */
  copy_file (fx->ws, copy);

  plan_one_per_prompt (fx->ws, "7");
  plan_one_per_prompt (copy, "7");
  g_assert_cmpint (info_counts (fx->ws).comparisons, ==, 4);
  pairs1 = list_pairs (fx->ws);
  pairs2 = list_pairs (copy);
  g_assert_cmpstr (pairs1, ==, pairs2);

  /* Planning again with the same seed finds the same pairs, all present. */
  run_cli (&run, "plan", fx->ws, "--all-pairs", "--per-prompt", "1", "--seed", "7", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "0 comparisons added (4 existed)"));
}

/* Two workspaces built from the same files choose the same pairs for the same seed: a plan can be
 * reproduced from the data and the command line alone. */
static void
test_plan_seed_rebuilt_workspace (Fixture       *fx,
                                  gconstpointer  data)
{
  g_autofree char *other = g_build_filename (fx->dir, "other.arbiter", NULL);
  g_autofree char *pairs1 = NULL, *pairs2 = NULL;

  init_workspace (fx->ws);
  import_three_systems (fx, fx->ws);
  init_workspace (other);
  import_three_systems (fx, other);

  plan_one_per_prompt (fx->ws, "7");
  plan_one_per_prompt (other, "7");
  pairs1 = list_pairs (fx->ws);
  pairs2 = list_pairs (other);
  g_assert_cmpstr (pairs1, ==, pairs2);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* A failed check marks its case failed and the other cases still run: each one is a separate
   * finding about the command line. */
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/arbiter/cli/version", test_version);
  g_test_add_func ("/arbiter/cli/help", test_help);
  g_test_add_func ("/arbiter/cli/no-args", test_no_args);
  g_test_add_func ("/arbiter/cli/unknown-command", test_unknown_command);
#define ADD(path, func) \
  g_test_add ("/arbiter/cli/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("wrong-arguments", test_wrong_arguments);
  ADD ("import-bad-format", test_import_bad_format);
  ADD ("plan-needs-mode", test_plan_needs_mode);
  ADD ("init-twice", test_init_twice);
  ADD ("info-missing", test_info_missing);
  ADD ("info-not-a-workspace", test_info_not_a_workspace);
  ADD ("info-json", test_info_json);
  ADD ("import-hh-rlhf", test_import_hh_rlhf);
  ADD ("import-broken-line", test_import_broken_line);
  ADD ("import-skip-bad", test_import_skip_bad);
  ADD ("import-bad-text", test_import_bad_text);
  ADD ("plan-unknown-baseline", test_plan_unknown_baseline);
  ADD ("plan-all-pairs", test_plan_all_pairs);
  ADD ("plan-seed-same-workspace", test_plan_seed_same_workspace);
  ADD ("plan-seed-rebuilt-workspace", test_plan_seed_rebuilt_workspace);
#undef ADD

  return g_test_run ();
}
