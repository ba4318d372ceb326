/* test-judges.c: the Judges page against arb-test-server (suite gui)
 *
 * A workspace of 12 prompts with 3 systems' answers says to plan first until `arbiter-cli plan
 * --all-pairs` makes its 36 comparisons; then the page's errors say what and where (a refused
 * connection, an unreadable template, a 401), Estimate counts 72 calls for both orders, a run
 * cancelled with Escape keeps what arrived, and running again sends exactly the rest (the
 * server's request log), ending with 72 verdicts; with a second endpoint a run spreads over
 * both. The API key goes to the keyring (a gnome-keyring-daemon of the test's own, under the
 * session bus meson gives it) and nowhere else: not in the workspace, its WAL, nor the servers'
 * logs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <sqlite3.h>
#include <string.h>

#include "arb-api-key.h"
#include "arb-application.h"
#include "arb-gui-test-util.h"
#include "arb-judges-page.h"
#include "arb-test-util.h"
#include "arb-window.h"

void arbiter_register_resource (void);

#define N_PROMPTS     12
#define N_COMPARISONS (N_PROMPTS * 3)   /* three systems: three pairs a prompt */
#define N_CALLS       (N_COMPARISONS * 2)
#define CONCURRENCY   2

static ArbApplication *app;
static ArbWindow *window;
static ArbJudgesPage *page;
static char *tmpdir;
static char *ws_path;
static char *server_url;
static char *server_log;
static char *server2_log;
static char *api_key;
static GSubprocess *server;
static GSubprocess *keyring;
static gboolean use_keyring;

static GtkWidget *
find (const char *name)
{
  GtkWidget *w = arb_gui_test_find (GTK_WIDGET (page), name);

  if (w == NULL)
    g_error ("no widget named %s on the Judges page", name);
  return w;
}

static void
set_text (const char *name,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (find (name)), text);
}

static const char *
label_text (const char *name)
{
  return gtk_label_get_text (GTK_LABEL (find (name)));
}

static void
set_spin (const char *name,
          double      value)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find (name)), value);
}

static void
choose_template (const char *name)
{
  AdwComboRow *row = ADW_COMBO_ROW (find ("judges-template"));
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), i), name) == 0)
      {
        adw_combo_row_set_selected (row, i);
        return;
      }
  g_error ("no template %s", name);
}

static gint64
sql_count (const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (ws_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* A server's log: one "HASH ATTEMPT OUTCOME" line per request it received. */
static GPtrArray *
log_lines_of (const char *log)
{
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_get_contents (log, &data, NULL, NULL))
    return out;
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (out, g_strdup (lines[i]));
  return out;
}

static GPtrArray *
log_lines (void)
{
  return log_lines_of (server_log);
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  for (gsize i = 0, n = strlen (needle); i + n <= len; i++)
    if (data[i] == needle[0] && memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
wait_idle (double seconds)
{
  ARB_WAIT_UNTIL (!arb_judges_page_is_busy (page), seconds);
  arb_gui_test_flush ();
}

static gboolean
press (const char *keys)
{
  g_autofree char *xid = NULL;
  const char *focus[] = { "xdotool", "windowfocus", "--sync", NULL, NULL };
  const char *key[] = { "xdotool", "key", "--clearmodifiers", keys, NULL };
  int status;

  if (!g_find_program_in_path ("xdotool"))
    return FALSE;
  xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (
                           gtk_native_get_surface (GTK_NATIVE (window))));
  focus[3] = xid;
  g_assert_true (g_spawn_sync (NULL, (char **) focus, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
  g_assert_true (g_spawn_sync (NULL, (char **) key, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
  return g_spawn_check_wait_status (status, NULL);
}

static void
save_docs_screenshot (const char *name)
{
  const char *docs = g_getenv ("ARB_SCREENSHOT_DIR");

  if (docs != NULL)
    {
      g_autofree char *path = g_build_filename (docs, name, NULL);

      arb_window_dismiss_toast (window);
      arb_gui_test_flush ();
      arb_gui_test_flush ();
      arb_gui_test_screenshot (GTK_WIDGET (window), path);
      g_test_message ("screenshot saved to %s", path);
    }
}

/* ---- set-up: a keyring of our own, the server, the workspace */

static void
start_keyring (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = g_build_filename (tmpdir, "keyring-data", NULL);
  g_autofree char *runtime = g_build_filename (tmpdir, "keyring-run", NULL);
  GOutputStream *pw;
  gboolean owned = FALSE, stored = FALSE;

  /* Only under the session bus meson starts for this test (ARB_TEST_OWN_BUS): on a desktop
   * the daemon would replace the person's own keyring. */
  if (g_getenv ("ARB_TEST_OWN_BUS") == NULL || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL ||
      !g_find_program_in_path ("gnome-keyring-daemon"))
    return;
  g_mkdir_with_parents (data_home, 0700);
  g_mkdir_with_parents (runtime, 0700);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  keyring = g_subprocess_launcher_spawn (launcher, &error, "gnome-keyring-daemon",
                                         "--foreground", "--replace", "--unlock",
                                         "--components=secrets", NULL);
  g_assert_no_error (error);
  pw = g_subprocess_get_stdin_pipe (keyring);
  g_output_stream_write_all (pw, "arbiter-test", 12, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (pw, NULL, NULL);
  /* Asking before it owns the name would make the bus start another, locked one. */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 100 && !owned; i++)
    {
      g_autoptr(GVariant) reply =
        g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "NameHasOwner",
                                     g_variant_new ("(s)", "org.freedesktop.secrets"),
                                     G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                     &error);

      g_assert_no_error (error);
      g_variant_get (reply, "(b)", &owned);
      if (!owned)
        g_usleep (50 * 1000);
    }
  g_assert_true (owned);
  for (int i = 0; i < 100 && !stored; i++)
    {
      g_clear_error (&error);
      stored = arb_api_key_store ("http://placeholder.invalid", "x", &error);
      if (!stored)
        g_usleep (100 * 1000);
    }
  g_assert_no_error (error);
  use_keyring = TRUE;
}

/* It answers 401 unless the bearer token is the key; 100 ms per answer leaves time to cancel. */
static GSubprocess *
spawn_server (const char  *log,
              char       **out_url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  const char *exe = g_getenv ("ARB_TEST_SERVER");
  GSubprocess *proc;

  g_assert_nonnull (exe);
  g_setenv ("ARB_TEST_JUDGES_KEY", api_key, TRUE);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE,
                           &error, exe, "--log", log, "--api-key-env", "ARB_TEST_JUDGES_KEY",
                           "--delay", "100", "--exit-with-stdin", NULL);
  g_assert_no_error (error);
  /* With a keyring the page must find the key there, not in our environment. */
  if (use_keyring)
    g_unsetenv ("ARB_TEST_JUDGES_KEY");
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (line != NULL && g_str_has_prefix (line, "PORT "));
  *out_url = g_strdup_printf ("http://127.0.0.1:%s", line + 5);
  return proc;
}

static void
start_server (void)
{
  server_log = g_build_filename (tmpdir, "server.log", NULL);
  server = spawn_server (server_log, &server_url);
}

static void
make_workspace (void)
{
  g_autoptr(GString) records = g_string_new (NULL);
  g_autofree char *jsonl = NULL;
  g_auto(ArbTestRun) run = { 0 };
  const char *init[] = { "init", ws_path, NULL };
  const char *import[] = { "import", ws_path, NULL, NULL };

  for (int i = 0; i < N_PROMPTS; i++)
    g_string_append_printf (records,
                            "{\"prompt\": \"Name a colour that starts with the letter %c.\", "
                            "\"responses\": [{\"system\": \"alpha\", \"text\": \"Answer %d: "
                            "amber.\"}, {\"system\": \"beta\", \"text\": \"Answer %d: a colour "
                            "I cannot name.\"}, {\"system\": \"gamma\", \"text\": \"Answer %d: "
                            "it could be several.\"}]}\n", 'a' + i, i, i, i);
  jsonl = arb_test_write_file (tmpdir, "colours.jsonl", records->str, records->len, FALSE);
  import[2] = jsonl;
  arb_test_run_cliv (&run, init);
  g_assert_cmpint (run.status, ==, 0);
  arb_test_run_cliv (&run, import);
  g_assert_cmpint (run.status, ==, 0);
}

/* ---- the cases, in order: each goes on from the last */

static void
test_empty (void)
{
  g_autoptr(GFile) file = NULL;
  g_auto(ArbTestRun) run = { 0 };
  const char *plan[] = { "plan", ws_path, "--all-pairs", NULL };
  GtkStack *stack;

  make_workspace ();
  file = g_file_new_for_path (ws_path);
  g_assert_true (arb_window_open_workspace (window, file));
  arb_window_show_page (window, "judges");
  page = ARB_JUDGES_PAGE (arb_window_get_page (window, "judges"));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (page)), 10);

  /* Responses but no pairs yet: the page says what to do. */
  stack = GTK_STACK (gtk_widget_get_first_child (GTK_WIDGET (page)));
  arb_gui_test_flush ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  ARB_WAIT_UNTIL (arb_gui_test_find_label (GTK_WIDGET (page), "Plan comparisons first") != NULL,
                  5);
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (page), "arbiter-cli plan"));

  arb_test_run_cliv (&run, plan);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (sql_count ("SELECT count(*) FROM comparisons"), ==, N_COMPARISONS);
  arb_judges_page_refresh (page);
  ARB_WAIT_UNTIL (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "form") == 0, 10);
}

static void
test_errors (void)
{
  g_autofree char *bad = arb_test_write_file (tmpdir, "broken-judge.ini",
                                              "this is not a key file\n[[[\n", -1, FALSE);
  const char *msg;

  /* Nothing listens on port 1: the message names the address and says why. */
  set_text ("judges-endpoint", "http://127.0.0.1:1");
  set_text ("judges-model", "judge-m");
  set_text ("judges-rater", "refused-judge");
  set_spin ("judges-attempts", 2);
  set_spin ("judges-concurrency", CONCURRENCY);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.run", NULL));
  g_assert_true (arb_judges_page_is_busy (page));
  wait_idle (60);
  msg = label_text ("judges-message");
  g_test_message ("refused: %s", msg);
  g_assert_nonnull (strstr (msg, "http://127.0.0.1:1"));
  g_assert_nonnull (strstr (msg, "could not connect"));
  g_assert_nonnull (strstr (msg, "36 of 36 requests"));   /* orders one: a call a comparison */
  g_assert_cmpint (arb_judges_page_get_result (page)->http.given_up, ==, N_COMPARISONS);

  /* An unreadable template: its path and what is wrong with it, before anything is sent. */
  arb_judges_page_set_template_file (page, bad);
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (page), "Cannot be used"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.estimate", NULL));
  wait_idle (10);
  msg = label_text ("judges-message");
  g_test_message ("bad template: %s", msg);
  g_assert_nonnull (strstr (msg, "template"));
  g_assert_nonnull (strstr (msg, bad));
  choose_template ("pairwise-5");

  /* A wrong key: HTTP 401, and the message says where and what to check. */
  set_text ("judges-endpoint", server_url);
  set_text ("judges-rater", "unauthorized-judge");
  adw_combo_row_set_selected (ADW_COMBO_ROW (find ("judges-key-source")), 1);
  g_setenv ("ARB_TEST_WRONG_KEY", "sk-wrong", TRUE);
  set_text ("judges-key-env", "ARB_TEST_WRONG_KEY");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.run", NULL));
  wait_idle (60);
  msg = label_text ("judges-message");
  g_test_message ("wrong key: %s", msg);
  g_assert_nonnull (strstr (msg, server_url));
  g_assert_nonnull (strstr (msg, "401"));
  g_assert_nonnull (strstr (msg, "environment variable"));
  g_assert_cmpint (arb_judges_page_get_result (page)->http.http_4xx, ==, N_COMPARISONS);

  set_text ("judges-rater", "");
  set_spin ("judges-attempts", 6);
}

static void
test_estimate (void)
{
  /* Both orders: two calls a comparison, none answered yet. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (find ("judges-orders")), 1);
  set_spin ("judges-price-input", 0.001);
  set_spin ("judges-price-output", 0.002);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.estimate", NULL));
  wait_idle (10);
  g_assert_cmpstr (label_text ("judges-est-send"), ==, "72");
  g_assert_cmpstr (label_text ("judges-est-cached"), ==, "0");
  g_assert_cmpstr (label_text ("judges-est-settled"), ==, "0");
  g_assert_cmpint (arb_judges_page_get_result (page)->to_send, ==, N_CALLS);
  g_assert_cmpint (arb_judges_page_get_result (page)->estimated_input_tokens, >, 0);
  g_assert_nonnull (strstr (label_text ("judges-est-cost"), "USD"));
  /* An estimate writes nothing. */
  g_assert_cmpint (sql_count ("SELECT count(*) FROM raters WHERE name = "
                              "'judge:judge-m:pairwise-5'"), ==, 0);

  /* Two of the three systems ticked: their 12 comparisons, both orders; then all again. */
  {
    GtkWidget *box = gtk_popover_get_child (gtk_menu_button_get_popover (
                                              GTK_MENU_BUTTON (find ("judges-systems"))));
    GtkCheckButton *checks[3] = { NULL };
    guint n = 0;

    while (box != NULL && !GTK_IS_BOX (box))
      box = gtk_widget_get_first_child (box);
    g_assert_nonnull (box);
    for (GtkWidget *c = gtk_widget_get_first_child (box); c && n < 3; c = gtk_widget_get_next_sibling (c))
      checks[n++] = GTK_CHECK_BUTTON (c);
    g_assert_cmpuint (n, ==, 3);
    gtk_check_button_set_active (checks[0], TRUE);
    gtk_check_button_set_active (checks[1], TRUE);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.estimate", NULL));
    wait_idle (10);
    g_assert_cmpint (arb_judges_page_get_result (page)->to_send, ==, N_CALLS / 3);
    gtk_check_button_set_active (checks[0], FALSE);
    gtk_check_button_set_active (checks[1], FALSE);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.estimate", NULL));
    wait_idle (10);
    g_assert_cmpint (arb_judges_page_get_result (page)->to_send, ==, N_CALLS);
  }
}

static void
test_cancel_and_resume (void)
{
  g_autoptr(GPtrArray) before = log_lines ();
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GHashTable) sent_first = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            NULL);
  guint n_before = before->len, n_first, again = 0;
  gint64 answered;
  const char *msg;

  if (use_keyring)
    {
      /* The key typed here goes to the keyring when the run starts, and the field empties. */
      adw_combo_row_set_selected (ADW_COMBO_ROW (find ("judges-key-source")), 0);
      set_text ("judges-key", api_key);
    }
  else
    set_text ("judges-key-env", "ARB_TEST_JUDGES_KEY");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.run", NULL));
  ARB_WAIT_UNTIL (arb_judges_page_get_result (page) != NULL &&
                  arb_judges_page_get_result (page)->http.answered >= 10, 30);
  g_assert_true (arb_judges_page_is_busy (page));
  /* The counters follow the run while it goes. */
  g_assert_cmpstr (label_text ("judges-done"), !=, "0");
  g_assert_nonnull (strstr (gtk_progress_bar_get_text (GTK_PROGRESS_BAR (find ("judges-progress"))),
                            "of 72 requests"));
  /* Escape cancels (the focus is on Cancel); without xdotool the action does. */
  if (!press ("Escape"))
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.cancel", NULL));
  wait_idle (30);
  answered = arb_judges_page_get_result (page)->http.answered;
  msg = label_text ("judges-message");
  g_test_message ("cancelled after %" G_GINT64_FORMAT " answers: %s", answered, msg);
  g_assert_nonnull (strstr (msg, "Cancelled"));
  g_assert_nonnull (strstr (msg, "still missing"));
  g_assert_cmpint (answered, >=, 10);
  g_assert_cmpint (answered, <, N_CALLS);
  g_assert_cmpint (sql_count ("SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                              "r.id = v.rater_id WHERE r.name = 'judge:judge-m:pairwise-5'"),
                   ==, answered);
  if (use_keyring)
    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find ("judges-key"))), ==, "");

  /* What is left, as the estimate counts it. */
  first = log_lines ();
  n_first = first->len;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.estimate", NULL));
  wait_idle (10);
  g_assert_cmpint (arb_judges_page_get_result (page)->to_send, ==, N_CALLS - answered);
  g_assert_cmpint (arb_judges_page_get_result (page)->settled, ==, answered);

  /* Run again: only the rest goes out (from the keyring now, the field being empty). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.run", NULL));
  wait_idle (60);
  second = log_lines ();
  g_test_message ("server log: %u lines before, %u in the cancelled run, %u in the rerun",
                  n_before, n_first - n_before, second->len - n_first);
  g_assert_cmpint (second->len - n_first, ==, N_CALLS - answered);
  for (guint i = n_before; i < n_first; i++)
    {
      g_auto(GStrv) f = g_strsplit (first->pdata[i], " ", 3);

      g_assert_cmpstr (f[1], ==, "1");
      g_hash_table_add (sent_first, g_strdup (f[0]));
    }
  /* The run sent each request once; what the rerun sends again is at most what was in flight
   * at the cancel (received by the server, never answered to the page). */
  g_assert_cmpint (n_first - n_before, <=, answered + CONCURRENCY);
  for (guint i = n_first; i < second->len; i++)
    {
      g_auto(GStrv) f = g_strsplit (second->pdata[i], " ", 3);

      g_assert_cmpstr (f[2], ==, "ok");
      if (g_hash_table_contains (sent_first, f[0]))
        {
          again++;
          g_assert_cmpstr (f[1], ==, "2");
        }
      else
        g_assert_cmpstr (f[1], ==, "1");
    }
  g_assert_cmpint (again, ==, n_first - n_before - answered);

  g_assert_cmpint (arb_judges_page_get_result (page)->http.given_up, ==, 0);
  g_assert_cmpint (sql_count ("SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                              "r.id = v.rater_id WHERE r.name = 'judge:judge-m:pairwise-5' "
                              "AND v.status = 'ok'"), ==, N_CALLS);
  g_assert_cmpint (sql_count ("SELECT count(DISTINCT v.comparison_id || v.presented) FROM "
                              "current_verdicts v JOIN raters r ON r.id = v.rater_id WHERE "
                              "r.name = 'judge:judge-m:pairwise-5' AND v.presented IN "
                              "('ab', 'ba')"), ==, N_CALLS);
  {
    g_autofree char *bar = g_strdup_printf ("%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                                            " requests", N_CALLS - answered, N_CALLS - answered);

    g_assert_cmpstr (gtk_progress_bar_get_text (GTK_PROGRESS_BAR (find ("judges-progress"))),
                     ==, bar);
  }
  g_assert_cmpstr (label_text ("judges-failed"), ==, "0");
  g_assert_nonnull (strstr (label_text ("judges-summary"), "judge:judge-m:pairwise-5"));
  {
    /* The picture for docs/gui.md: the estimate after the cancel and the finished rerun. */
    GtkAdjustment *adj =
      gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (find ("judges-scroller")));

    arb_gui_test_flush ();
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) -
                                   gtk_adjustment_get_page_size (adj));
    save_docs_screenshot ("screenshot-judges.png");
  }

  /* Nothing is left: a third estimate sends nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.estimate", NULL));
  wait_idle (10);
  g_assert_cmpstr (label_text ("judges-est-send"), ==, "0");
  g_assert_cmpstr (label_text ("judges-est-settled"), ==, "72");
}

static void
test_two_endpoints (void)
{
  g_autoptr(GSubprocess) server2 = NULL;
  g_autofree char *url2 = NULL;
  guint n1 = 0, n2 = 0, before = 0;

  {
    g_autoptr(GPtrArray) lines = log_lines ();

    before = lines->len;
  }
  server2_log = g_build_filename (tmpdir, "server-2.log", NULL);
  server2 = spawn_server (server2_log, &url2);

  /* Another endpoint in the run; the key saved with Enter (the row's apply) goes to both. */
  g_assert_null (arb_gui_test_find (GTK_WIDGET (page), "judges-endpoint-2"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.add-endpoint", NULL));
  set_text ("judges-endpoint-2", url2);
  /* Another model: the same one would find every answer in the cache and send nothing. */
  set_text ("judges-model", "judge-two");
  if (use_keyring)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *found = NULL;

      set_text ("judges-key", api_key);
      g_signal_emit_by_name (find ("judges-key"), "apply");
      g_assert_true (arb_judges_page_is_busy (page));
      wait_idle (30);
      g_assert_nonnull (strstr (label_text ("judges-message"), "saved in the desktop keyring"));
      g_assert_nonnull (strstr (label_text ("judges-message"), url2));
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find ("judges-key"))), ==, "");
      found = arb_api_key_lookup (url2, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (found, ==, api_key);
    }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "judges.run", NULL));
  wait_idle (60);
  {
    g_autoptr(GPtrArray) lines1 = log_lines ();
    g_autoptr(GPtrArray) lines2 = log_lines_of (server2_log);

    n1 = lines1->len - before;
    n2 = lines2->len;
  }
  g_test_message ("two endpoints: %u requests to the first, %u to the second", n1, n2);
  g_assert_cmpint (n1 + n2, ==, N_CALLS);
  g_assert_cmpint (n1, >, 0);
  g_assert_cmpint (n2, >, 0);
  g_assert_cmpint (arb_judges_page_get_result (page)->http.given_up, ==, 0);
  g_assert_cmpint (sql_count ("SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                              "r.id = v.rater_id WHERE r.name = 'judge:judge-two:pairwise-5' "
                              "AND v.status = 'ok'"), ==, N_CALLS);

  /* A typo in an endpoint: Run is off and the row says why. */
  set_text ("judges-endpoint-2", "127.0.0.1:8000");
  g_assert_false (gtk_widget_is_sensitive (find ("judges-run-button")));
  g_assert_true (gtk_widget_has_css_class (find ("judges-endpoint-2"), "error"));
  /* Removing it puts things back. */
  g_signal_emit_by_name (find ("judges-endpoint-remove-2"), "clicked");
  arb_gui_test_flush ();
  g_assert_null (arb_gui_test_find (GTK_WIDGET (page), "judges-endpoint-2"));
  g_assert_true (gtk_widget_is_sensitive (find ("judges-run-button")));
  set_text ("judges-model", "judge-m");

  g_subprocess_force_exit (server2);
  g_subprocess_wait (server2, NULL, NULL);
}

static void
test_key_nowhere (void)
{
  g_autofree char *wal = g_strconcat (ws_path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (ws_path, "-shm", NULL);

  if (use_keyring)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *found = arb_api_key_lookup (server_url, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (found, ==, api_key);
    }
  else
    g_test_message ("no keyring of our own (run under meson): the key came from the environment");
  g_assert_false (file_contains (ws_path, api_key));
  g_assert_false (file_contains (wal, api_key));
  g_assert_false (file_contains (shm, api_key));
  g_assert_false (file_contains (server_log, api_key));
  g_assert_false (file_contains (server2_log, api_key));
  g_assert_cmpint (sql_count ("SELECT count(*) FROM calls WHERE instr (request, 'sk-gui-') > 0 "
                              "OR instr (ifnull (response, ''), 'sk-gui-') > 0 "
                              "OR instr (ifnull (error, ''), 'sk-gui-') > 0"), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  arbiter_register_resource ();
  tmpdir = g_dir_make_tmp ("arbiter-judges-XXXXXX", &error);
  g_assert_no_error (error);
  ws_path = g_build_filename (tmpdir, "judged.arbiter", NULL);
  api_key = g_strdup_printf ("sk-gui-%08x%08x", g_random_int (), g_random_int ());
  start_keyring ();
  start_server ();

  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  window = arb_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)), 10);

  g_test_add_func ("/arbiter/gui/judges/empty", test_empty);
  g_test_add_func ("/arbiter/gui/judges/errors", test_errors);
  g_test_add_func ("/arbiter/gui/judges/estimate", test_estimate);
  g_test_add_func ("/arbiter/gui/judges/cancel-and-resume", test_cancel_and_resume);
  g_test_add_func ("/arbiter/gui/judges/two-endpoints", test_two_endpoints);
  g_test_add_func ("/arbiter/gui/judges/key-nowhere", test_key_nowhere);
  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);
  g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
  if (keyring != NULL)
    {
      g_subprocess_force_exit (keyring);
      g_subprocess_wait (keyring, NULL, NULL);
    }
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", tmpdir);
  }
  return status;
}
