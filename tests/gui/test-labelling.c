/* test-labelling.c: an annotator at the keyboard, for real (suite gui)
 *
 * Runs the real `arbiter --annotator kbd WORKSPACE` under Xvfb and types on it with xdotool
 * (X key events; GTK 4.8 has no way to inject them): 30 decisions with every key, a skip, a flag,
 * a rationale that contains the letters s and f and digits (which must not act as shortcuts
 * while typed), an undo; then kills the program with SIGKILL right after the 30th decision has
 * been seen in the file, and checks every verdict in it: all 30 there, each preference relative
 * to the stored orientation whatever side its response was shown on, the undone one superseded,
 * and `PRAGMA integrity_check` ok.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "arb-import.h"
#include "arb-plan.h"
#include "arb-test-util.h"

static sqlite3 *db;

static gint64
query_int (const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static gint64
n_events (void)
{
  return query_int ("SELECT count(*) FROM events e JOIN raters r ON r.id = e.rater_id"
                    " WHERE r.name = 'kbd'");
}

static void
run (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s %s %s failed (status %d)", argv[0], argv[1], argv[2] ? argv[2] : "", status);
}

/* Sends keys and waits until the program has logged one more event (each decision, skip, flag
 * and undo is one), so that what follows goes to the next item. */
static void
keys_then_event (const char *keys)
{
  gint64 before = n_events ();
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_auto(GStrv) names = g_strsplit (keys, " ", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;

  g_strv_builder_add_many (builder, "xdotool", "key", "--delay", "40", NULL);
  g_strv_builder_addv (builder, (const char **) names);
  argv = g_strv_builder_end (builder);
  run ((const char * const *) argv);
  while (n_events () == before && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  g_assert_cmpint (n_events (), ==, before + 1);
}

/* Starts `arbiter --annotator kbd WS`, waits for its window (titled after the file), focuses
 * it, opens the workspace read-only for the checks and gives the first item a moment to show. */
static GPid
launch (const char *gui,
        const char *ws_path,
        const char *title)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wid = NULL;
  GPid pid;
  int status;

  {
    const char *argv[] = { gui, "--annotator", "kbd", ws_path, NULL };

    g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error);
    g_assert_no_error (error);
  }
  {
    const char *argv[] = { "timeout", "30", "xdotool", "search", "--sync", "--onlyvisible",
                           "--name", title, NULL };
    g_autofree char *out = NULL;

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status,
                  &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    wid = g_strndup (out, strcspn (out, "\n"));
  }
  {
    const char *argv[] = { "xdotool", "windowfocus", "--sync", wid, NULL };

    run (argv);
  }
  g_assert_cmpint (sqlite3_open_v2 (ws_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_usleep (500 * 1000);
  return pid;
}

static void
kill_gui (GPid pid)
{
  int status;

  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
  g_assert_true (WIFSIGNALED (status));
  sqlite3_close (db);
  db = NULL;
}

/* Makes a workspace of n two-system comparisons in dir. */
static char *
make_workspace (const char *dir,
                const char *name,
                int         n,
                const char *dimensions)
{
  g_autofree char *ws_path = g_build_filename (dir, name, NULL);
  g_autoptr(GString) data = g_string_new (NULL);
  g_autofree char *data_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (ws_path, &error);
  g_autoptr(ArbImportResult) r = NULL;
  ArbPlanOptions plan = { 0 };
  ArbPlanResult pr;

  g_assert_no_error (error);
  for (int i = 0; i < n; i++)
    g_string_append_printf (data, "{\"prompt\": \"Question %d: which answer is better?\","
                                  " \"responses\": [{\"system\": \"one\", \"text\": \"First answer %d\"},"
                                  " {\"system\": \"two\", \"text\": \"Second answer %d\"}]}\n", i, i, i);
  data_path = arb_test_write_file (dir, "data.jsonl", data->str, data->len, FALSE);
  r = arb_workspace_import_file (ws, data_path, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (arb_workspace_plan (ws, &plan, &pr, NULL, &error));
  g_assert_cmpint (pr.added, ==, n);
  if (dimensions != NULL)
    g_assert_true (arb_workspace_set_setting (ws, "dimensions", dimensions, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&ws_path);
}

static void
test_keyboard_session (void)
{
  const char *gui = g_getenv ("ARB_GUI");
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws_path = NULL;
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();  /* the key of each current verdict, in order */
  GPid pid;

  if (gui == NULL || g_find_program_in_path ("xdotool") == NULL)
    {
      g_test_skip ("needs ARB_GUI and xdotool");
      return;
    }

  /* 40 comparisons. */
  ws_path = make_workspace (dir, "keys.arbiter", 40, NULL);
  pid = launch (gui, ws_path, "keys.arbiter");

  /* Five decisions, one of each key. */
  for (int k = 1; k <= 5; k++)
    {
      char key[2] = { (char) ('0' + k), 0 };

      keys_then_event (key);
      g_ptr_array_add (keys, GINT_TO_POINTER (k));
    }
  /* Skip one. */
  keys_then_event ("s");
  /* Flag one, then decide it (tie). */
  keys_then_event ("f");
  keys_then_event ("3");
  g_ptr_array_add (keys, GINT_TO_POINTER (3));
  /* A rationale with s, f and digits: typed into the field, none of them acts. */
  {
    const char *tab[] = { "xdotool", "key", "Tab", NULL };
    const char *type[] = { "xdotool", "type", "--delay", "30", "sf 12 fast; see 4 5", NULL };
    gint64 before = n_events ();

    run (tab);
    g_usleep (100 * 1000);
    run (type);
    g_usleep (300 * 1000);
    g_assert_cmpint (n_events (), ==, before);
    keys_then_event ("Escape 1");
  }
  /* Undo that decision; the item comes back and is decided again, the other way. */
  keys_then_event ("ctrl+z");
  keys_then_event ("5");
  g_ptr_array_add (keys, GINT_TO_POINTER (5));
  /* The rest, to 30 decisions. */
  while (keys->len < 30)
    {
      int k = 1 + (int) (keys->len * 7 % 5);
      char key[2] = { (char) ('0' + k), 0 };

      keys_then_event (key);
      g_ptr_array_add (keys, GINT_TO_POINTER (k));
    }

  /* The 30th is in the file: kill the program at once. */
  kill_gui (pid);

  /* Every verdict, read after the kill. */
  g_assert_cmpint (sqlite3_open_v2 (ws_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  {
    sqlite3_stmt *stmt = NULL;
    guint i = 0;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
    sqlite3_finalize (stmt);

    g_assert_cmpint (sqlite3_prepare_v2 (db,
                                         "SELECT v.preference, v.strength, v.presented, v.seconds"
                                         " FROM verdicts v JOIN raters r ON r.id = v.rater_id"
                                         " WHERE r.name = 'kbd' AND v.superseded_by IS NULL"
                                         " ORDER BY v.id", -1, &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        int k = GPOINTER_TO_INT (keys->pdata[i]);
        int choice = k - 3;   /* -2 left much better … 2 right much better */
        const char *presented = (const char *) sqlite3_column_text (stmt, 2);
        int toward_b = g_strcmp0 (presented, "ab") == 0 ? choice : -choice;
        double want = toward_b > 0 ? 1.0 : toward_b < 0 ? 0.0 : 0.5;

        g_assert_cmpuint (i, <, keys->len);
        g_assert_cmpfloat (sqlite3_column_double (stmt, 0), ==, want);
        g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, ABS (choice));
        g_assert_cmpfloat (sqlite3_column_double (stmt, 3), >, 0.0);
        i++;
      }
    sqlite3_finalize (stmt);
    g_assert_cmpuint (i, ==, 30);
  }
  g_assert_cmpint (query_int ("SELECT count(*) FROM verdicts"), ==, 31);
  /* The undone verdict is kept, superseded, with the rationale that was typed. */
  g_assert_cmpint (query_int ("SELECT count(*) FROM verdicts WHERE superseded_by = id"
                              " AND rationale = 'sf 12 fast; see 4 5' AND preference IS NOT NULL"),
                   ==, 1);
  g_assert_cmpint (query_int ("SELECT count(*) FROM events WHERE action = 'skip'"), ==, 1);
  g_assert_cmpint (query_int ("SELECT count(*) FROM events WHERE action = 'flag'"), ==, 1);
  g_assert_cmpint (query_int ("SELECT count(*) FROM events WHERE action = 'undo'"), ==, 1);
  g_assert_cmpint (query_int ("SELECT count(DISTINCT presented) FROM verdicts"), ==, 2);
  sqlite3_close (db);
  db = NULL;
  arb_test_rmdir (dir);
}

/* Per-dimension ratings by keyboard: D highlights the first dimension, the digits rate it and
 * move on, after the last one they decide again; Esc leaves the dimensions without rating more. */
static void
test_dimensions (void)
{
  const char *gui = g_getenv ("ARB_GUI");
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws_path = NULL;
  sqlite3_stmt *stmt = NULL;
  GPid pid;
  int n = 0;

  if (gui == NULL || g_find_program_in_path ("xdotool") == NULL)
    {
      g_test_skip ("needs ARB_GUI and xdotool");
      return;
    }
  ws_path = make_workspace (dir, "dims.arbiter", 4, "helpful,honest");
  pid = launch (gui, ws_path, "dims.arbiter");
  /* helpful: left (1), honest: right (5), then the decision: right better (4). */
  keys_then_event ("d 1 5 4");
  /* helpful: tie (3); Esc; then the digit decides: left much better (1). */
  keys_then_event ("d 3 Escape 1");
  kill_gui (pid);

  g_assert_cmpint (sqlite3_open_v2 (ws_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT v.preference, v.presented, d.dimension, d.preference"
                                       " FROM verdicts v JOIN verdict_dimensions d ON d.verdict_id = v.id"
                                       " ORDER BY v.id, d.dimension", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gboolean ab = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "ab") == 0;
      const char *dim = (const char *) sqlite3_column_text (stmt, 2);
      double overall = sqlite3_column_double (stmt, 0);
      double dp = sqlite3_column_double (stmt, 3);
      /* Preferences are toward B in stored order: "right" is B when shown ab. */
      double right = ab ? 1.0 : 0.0, left = 1.0 - right;

      if (n < 2)
        {
          g_assert_cmpfloat (overall, ==, right);
          g_assert_cmpfloat (dp, ==, g_str_equal (dim, "helpful") ? left : right);
        }
      else
        {
          g_assert_cmpfloat (overall, ==, left);
          g_assert_cmpstr (dim, ==, "helpful");
          g_assert_cmpfloat (dp, ==, 0.5);
        }
      n++;
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (n, ==, 3);
  sqlite3_close (db);
  db = NULL;
  arb_test_rmdir (dir);
}
/* A label pack, labelled in the real arbiter by keyboard and merged back (issue 9): the
 * decisions land in the pack, and `pack in` brings exactly them to the origin. */
static void
test_pack (void)
{
  const char *gui = g_getenv ("ARB_GUI");
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *origin = NULL;
  g_autofree char *pack = NULL;
  g_auto(ArbTestRun) run = { 0 };
  GPid pid;

  if (gui == NULL || g_find_program_in_path ("xdotool") == NULL)
    {
      g_test_skip ("needs ARB_GUI and xdotool");
      return;
    }
  origin = make_workspace (dir, "origin.arbiter", 12, NULL);
  pack = g_build_filename (dir, "kbd-pack.arbiter", NULL);
  {
    const char *args[] = { "pack", "out", origin, "--rater", "kbd", "--count", "5", "-o", pack,
                           NULL };

    arb_test_run_cliv (&run, args);
    g_assert_cmpint (run.status, ==, 0);
  }
  pid = launch (gui, pack, "kbd-pack.arbiter");
  keys_then_event ("1");
  keys_then_event ("5");
  keys_then_event ("3");
  kill_gui (pid);
  {
    const char *args[] = { "pack", "in", origin, pack, NULL };

    arb_test_run_cliv (&run, args);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "added 3 verdicts"));
  }
  g_assert_cmpint (sqlite3_open_v2 (origin, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (query_int ("SELECT count(*) FROM current_verdicts v JOIN raters r"
                              " ON r.id = v.rater_id WHERE r.name = 'kbd'"), ==, 3);
  g_assert_cmpint (query_int ("SELECT count(DISTINCT strength) FROM current_verdicts"), ==, 2);
  sqlite3_close (db);
  db = NULL;
  arb_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/gui/labelling/keyboard-session", test_keyboard_session);
  g_test_add_func ("/arbiter/gui/labelling/dimensions", test_dimensions);
  g_test_add_func ("/arbiter/gui/labelling/pack", test_pack);
  return g_test_run ();
}
