/* test-window.c: the application shell under Xvfb (suite gui)
 *
 * Opens the demo workspace as `arbiter WORKSPACE` would, checks the overview against
 * `arbiter-cli info`, imports a broken and a good file from the window, checks the toasts, keeps
 * a timeout source firing through a large import, and photographs the window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json.h>

#include "arb-application.h"
#include "arb-bench-data.h"
#include "arb-gui-test-util.h"
#include "arb-overview-page.h"
#include "arb-preferences-window.h"
#include "arb-pack-dialogs.h"
#include "arb-window.h"
#include "arbiter-resources.h"
#include "arb-import.h"

static char *tmpdir;
static char *demo_ws;
static ArbApplication *app;

static ArbWindow *
the_window (void)
{
  GtkWindow *w = gtk_application_get_active_window (GTK_APPLICATION (app));

  g_assert_true (ARB_IS_WINDOW (w));
  return ARB_WINDOW (w);
}

static ArbOverviewPage *
the_overview (void)
{
  return ARB_OVERVIEW_PAGE (arb_window_get_page (the_window (), "overview"));
}

/* `arbiter-cli info --format json WS`, parsed. */
static json_object *
cli_info (const char *ws)
{
  const char *cli = g_getenv ("ARB_CLI");
  const char *argv[] = { cli, "info", "--format", "json", ws, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;
  json_object *obj;

  g_assert_nonnull (cli);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  obj = json_tokener_parse (out);
  g_assert_nonnull (obj);
  return obj;
}

/* The overview's text for a count, digits only (the locale may group thousands). */
/* The overview reads on a worker thread; this waits until it has shown what it read. */
static void
wait_overview (void)
{
  ARB_WAIT_UNTIL (!arb_overview_page_get_loading (the_overview ()), 60);
  arb_gui_test_flush ();
}

static gint64
shown_count (const char *what)
{
  const char *text;
  g_autoptr(GString) digits = g_string_new (NULL);
  GtkWidget *label;

  if (arb_overview_page_get_loading (the_overview ()))
    wait_overview ();
  text = arb_overview_page_get_count_text (the_overview (), what);
  g_assert_nonnull (text);
  for (const char *p = text; *p; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);
  /* It is on screen, not only in the model. */
  label = arb_gui_test_find (GTK_WIDGET (the_overview ()), what);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_mapped (label));
  return g_ascii_strtoll (digits->str, NULL, 10);
}

static void
assert_overview_matches_cli (const char *ws)
{
  static const char *keys[] = { "prompts", "generations", "comparisons", "verdicts", "systems",
                                "raters", "grades", "spans" };
  json_object *info = cli_info (ws);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      json_object *v = NULL;

      g_assert_true (json_object_object_get_ex (info, keys[i], &v));
      g_assert_cmpint (shown_count (keys[i]), ==, json_object_get_int64 (v));
    }
  json_object_put (info);
}

static gboolean import_finished;

static void
on_import_finished (ArbWindow *window,
                    gpointer   user_data)
{
  import_finished = TRUE;
}

static void
import_and_wait (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  gint64 t0 = g_get_monotonic_time (), t1;

  import_finished = FALSE;
  arb_window_import_files (the_window (), &file, 1);
  g_assert_true (arb_window_get_importing (the_window ()));
  ARB_WAIT_UNTIL (import_finished, 600);
  t1 = g_get_monotonic_time ();
  g_assert_false (arb_window_get_importing (the_window ()));
  wait_overview ();
  g_test_message ("import %.0f ms, overview %.0f ms", (t1 - t0) / 1e3,
                  (g_get_monotonic_time () - t1) / 1e3);
}

/* With ARB_SCREENSHOT_DIR set (tools/update-screenshots.sh), the pictures for docs/ and the README. */
static void
save_docs_screenshot (const char *name)
{
  const char *docs = g_getenv ("ARB_SCREENSHOT_DIR");

  if (docs != NULL && docs[0] != '\0')
    {
      g_autofree char *path = g_build_filename (docs, name, NULL);

      /* Past the pages' crossfades (200 ms). */
      for (int i = 0; i < 3; i++)
        arb_gui_test_flush ();
      arb_gui_test_screenshot (GTK_WIDGET (the_window ()), path);
      g_test_message ("screenshot saved to %s", path);
    }
}

static void
test_open_demo (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (demo_ws);
  g_autofree char *shot = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshot-overview.png",
                                            NULL);
  ArbWindow *window;

  /* What `arbiter WORKSPACE` does. */
  g_application_open (G_APPLICATION (app), &file, 1, "");
  window = the_window ();
  g_signal_connect (window, "import-finished", G_CALLBACK (on_import_finished), NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 780);
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)), 10);
  wait_overview ();

  g_assert_nonnull (arb_window_get_workspace (window));
  g_assert_cmpstr (arb_workspace_get_path (arb_window_get_workspace (window)), ==, demo_ws);
  g_assert_false (arb_overview_page_get_empty (the_overview ()));
  assert_overview_matches_cli (demo_ws);
  g_assert_cmpint (shown_count ("comparisons"), ==, 91);

  /* The systems, raters and imports are listed by name. */
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (window), "borealis-13b"));
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (window), "annotator-gold"));
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (window), "demo.jsonl"));
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (window), "72 verdicts"));

  /* The CLI's look at the file may have made the overview count again: a settled picture. */
  wait_overview ();
  arb_gui_test_screenshot (GTK_WIDGET (window), shot);
  save_docs_screenshot ("screenshot-overview.png");
}

static void
test_import_broken (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "broken.jsonl", NULL);
  const char *data =
    "{\"prompt\": \"one\", \"responses\": [{\"system\": \"x\", \"text\": \"1\"},"
    " {\"system\": \"y\", \"text\": \"2\"}]}\n"
    "{\"prompt\": \"two\", \"responses\": [{\"system\": \"x\", \"text\": \"1\"},"
    " {\"system\": \"y\", \"text\": \"2\"}]}\n"
    "{\"prompt\": \"three\", \"responses\": [}\n";
  const char *toast;

  g_assert_true (g_file_set_contents (path, data, -1, NULL));
  import_and_wait (path);
  toast = arb_window_get_last_toast (the_window ());
  g_test_message ("toast: %s", toast);
  g_assert_nonnull (toast);
  g_assert_nonnull (strstr (toast, "Nothing imported from broken.jsonl"));
  /* File and line (and column) of the fault. */
  g_assert_nonnull (strstr (toast, ": broken.jsonl:3:35: unexpected character"));
  g_assert_nonnull (strstr (arb_window_get_last_report (the_window ()), "broken.jsonl:3:"));
  /* Nothing landed; the overview still agrees with the CLI and lists the failed import. */
  arb_gui_test_flush ();
  assert_overview_matches_cli (demo_ws);
  g_assert_cmpint (shown_count ("prompts"), ==, 36);
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (the_window ()), "failed"));
  save_docs_screenshot ("screenshot-import-error.png");
}

static void
test_import_good (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "more.jsonl", NULL);
  const char *data =
    "{\"prompt\": \"Name a prime above 100.\", \"responses\": ["
    "{\"system\": \"atlas-7b\", \"text\": \"101\"}, {\"system\": \"echo-1b\", \"text\": \"100\"}],"
    " \"verdicts\": [{\"rater\": \"annotator-ana\", \"a\": 0, \"b\": 1, \"winner\": \"a\"}]}\n";
  const char *toast;

  g_assert_true (g_file_set_contents (path, data, -1, NULL));
  import_and_wait (path);
  toast = arb_window_get_last_toast (the_window ());
  g_test_message ("toast: %s", toast);
  g_assert_cmpstr (toast, ==, "Imported more.jsonl: 1 prompt, 1 comparison, 1 verdict added");
  arb_gui_test_flush ();
  assert_overview_matches_cli (demo_ws);
  g_assert_cmpint (shown_count ("prompts"), ==, 37);
  g_assert_cmpint (shown_count ("systems"), ==, 5);
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (the_window ()), "echo-1b"));
}

typedef struct
{
  gint64 last;
  gint64 longest;
  guint  ticks;
  double fractions[4];
  guint  n_fractions;
} Ticker;

static gboolean
tick (gpointer user_data)
{
  Ticker *t = user_data;
  gint64 now = g_get_monotonic_time ();
  double f = arb_window_get_import_fraction (the_window ());

  if (t->last != 0)
    t->longest = MAX (t->longest, now - t->last);
  t->last = now;
  t->ticks++;
  if (f > 0 && f < 1 && (t->n_fractions == 0 || f > t->fractions[t->n_fractions - 1]) &&
      t->n_fractions < G_N_ELEMENTS (t->fractions))
    t->fractions[t->n_fractions++] = f;
  return G_SOURCE_CONTINUE;
}

/* 8 000 records (17 MB) in the gui suite; ARB_GUI_IMPORT_RECORDS=100000 (210 MB) in the
 * integration suite. */
static guint64
large_records (void)
{
  const char *env = g_getenv ("ARB_GUI_IMPORT_RECORDS");

  return env ? g_ascii_strtoull (env, NULL, 10) : 8000;
}

/* A large import runs off the main thread: a 10 ms timeout keeps firing and the progress bar
 * moves. The longest stall is printed (its target is the benchmark's business). */
static void
test_import_keeps_dispatching (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "large.jsonl", NULL);
  g_autoptr(GError) error = NULL;
  ArbBenchDataSummary summary;
  Ticker t = { 0 };
  gint64 start, elapsed;
  guint id;
  const char *toast;

  g_assert_true (arb_bench_data_write (path, ARB_BENCH_DEFAULT_SEED, 0, large_records (),
                                       ARB_BENCH_DATA_DEFAULT, &summary, &error));
  g_assert_no_error (error);

  id = g_timeout_add (10, tick, &t);
  start = g_get_monotonic_time ();
  import_and_wait (path);
  elapsed = g_get_monotonic_time () - start;
  g_source_remove (id);

  g_test_message ("%" G_GUINT64_FORMAT " bytes in %.2f s: %u ticks of 10 ms, longest gap %.1f ms,"
                  " %u progress steps seen", summary.bytes, elapsed / 1e6, t.ticks,
                  t.longest / 1e3, t.n_fractions);
  toast = arb_window_get_last_toast (the_window ());
  g_assert_nonnull (strstr (toast, "Imported large.jsonl"));
  /* If the import ran on the main loop the timeout could not fire while it ran. At least a
   * quarter of the 10 ms ticks the import's duration allows must have fired. */
  g_assert_cmpuint (t.ticks, >=, elapsed / 10000 / 4);
  g_assert_cmpuint (t.ticks, >=, 10);
  /* The progress was seen at more than one point between 0 and 1. */
  g_assert_cmpuint (t.n_fractions, >=, 2);
  arb_gui_test_flush ();
  assert_overview_matches_cli (demo_ws);
}

static void
test_close_and_recent (void)
{
  ArbWindow *window = the_window ();

  gtk_widget_activate_action (GTK_WIDGET (window), "win.close-workspace", NULL);
  arb_gui_test_flush ();
  g_assert_null (arb_window_get_workspace (window));
  arb_gui_test_flush ();
  arb_gui_test_flush ();
  arb_gui_test_flush ();
  save_docs_screenshot ("screenshot-welcome.png");
  /* The welcome page lists the workspace among the recent ones; activating it opens it. */
  {
    g_auto(GStrv) recent = arb_application_list_recent (app);
    g_autofree char *base = g_path_get_basename (demo_ws);
    GtkWidget *label;

    g_assert_cmpuint (g_strv_length (recent), >=, 1);
    g_assert_cmpstr (recent[0], ==, demo_ws);
    label = arb_gui_test_find_label (GTK_WIDGET (window), base);
    g_assert_nonnull (label);
    {
      GtkWidget *row = gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW);

      g_assert_nonnull (row);
      g_signal_emit_by_name (row, "activate");
    }
    wait_overview ();
  }
  g_assert_nonnull (arb_window_get_workspace (window));
  assert_overview_matches_cli (demo_ws);
}

static void
test_not_a_workspace (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "notes.arbiter", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  ArbWindow *window = the_window ();

  g_assert_true (g_file_set_contents (path, "just some text\n", -1, NULL));
  g_assert_false (arb_window_open_workspace (window, file));
  g_assert_nonnull (strstr (arb_window_get_last_toast (window), "Could not open the workspace"));
  g_assert_nonnull (strstr (arb_window_get_last_toast (window), "notes.arbiter"));
  /* The open workspace stays open. */
  g_assert_cmpstr (arb_workspace_get_path (arb_window_get_workspace (window)), ==, demo_ws);
}

/* Dropping files on the window: a workspace (even renamed) opens, data files are imported. */
static gboolean
drop_files (GFile **files,
            guint   n)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (the_window ()));
  GdkFileList *list = gdk_file_list_new_from_array (files, n);
  GValue value = G_VALUE_INIT;
  gboolean handled = FALSE;
  GtkDropTarget *drop = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && drop == NULL; i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (c))
        drop = GTK_DROP_TARGET (c);
    }
  g_assert_nonnull (drop);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, list);
  g_signal_emit_by_name (drop, "drop", &value, 10.0, 10.0, &handled);
  g_value_unset (&value);
  return handled;
}

static void
test_drop (void)
{
  g_autofree char *renamed = g_build_filename (tmpdir, "renamed-workspace.db", NULL);
  g_autofree char *data = g_build_filename (tmpdir, "dropped.jsonl", NULL);
  g_autofree char *copy_cmd = g_strdup_printf ("cp '%s' '%s'", demo_ws, renamed);
  g_autoptr(GFile) ws_file = g_file_new_for_path (renamed);
  g_autoptr(GFile) data_file = g_file_new_for_path (data);
  GFile *both[] = { ws_file, data_file };

  g_assert_true (g_file_set_contents (data,
                                      "{\"prompt\": \"Dropped?\", \"responses\": ["
                                      "{\"system\": \"x\", \"text\": \"yes\"},"
                                      " {\"system\": \"y\", \"text\": \"no\"}]}\n", -1, NULL));
  /* A copy of the demo workspace under a name without .arbiter: told by its header. */
  arb_gui_test_flush ();
  g_assert_cmpint (system (copy_cmd), ==, 0);

  import_finished = FALSE;
  g_assert_true (drop_files (both, 2));
  g_assert_cmpstr (arb_workspace_get_path (arb_window_get_workspace (the_window ())), ==, renamed);
  ARB_WAIT_UNTIL (import_finished, 60);
  g_assert_nonnull (strstr (arb_window_get_last_toast (the_window ()), "Imported dropped.jsonl"));
  wait_overview ();
  assert_overview_matches_cli (renamed);

  /* Back to the demo workspace for what follows. */
  {
    g_autoptr(GFile) demo = g_file_new_for_path (demo_ws);

    g_assert_true (drop_files (&demo, 1));
    g_assert_cmpstr (arb_workspace_get_path (arb_window_get_workspace (the_window ())), ==,
                     demo_ws);
    wait_overview ();
  }
}

static gboolean
shown (GType type)
{
  g_autoptr(GList) all = gtk_window_list_toplevels ();

  for (GList *l = all; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_mapped (l->data))
      return TRUE;
  return FALSE;
}

/* The preferences, about and shortcuts windows open from their actions. */
static void
test_app_windows (void)
{
  g_autoptr(GList) after = NULL;

  g_assert_false (shown (ARB_TYPE_PREFERENCES_WINDOW));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  gtk_widget_activate_action (GTK_WIDGET (the_window ()), "win.show-help-overlay", NULL);
  arb_gui_test_flush ();
  g_assert_true (shown (ARB_TYPE_PREFERENCES_WINDOW));
  g_assert_true (shown (ADW_TYPE_ABOUT_WINDOW));
  g_assert_true (shown (GTK_TYPE_SHORTCUTS_WINDOW));
  after = gtk_window_list_toplevels ();
  for (GList *l = after; l != NULL; l = l->next)
    if (l->data != (gpointer) the_window () && gtk_widget_get_visible (l->data))
      gtk_window_close (l->data);
  arb_gui_test_flush ();
}
/* Every page shown in turn leaves no statement stepping on the window's connection, and the
 * window then sees what another process commits (a statement left stepping would hold a read
 * snapshot and hide it). */
static void
test_sees_other_processes (void)
{
  static const char *pages[] = { "overview", "compare", "review", "dashboard", "judges" };
  g_autofree char *path = g_build_filename (tmpdir, "other.jsonl", NULL);
  const char *data =
    "{\"prompt\": \"Which is larger, 7 or 9?\", \"responses\": ["
    "{\"system\": \"atlas-7b\", \"text\": \"9\"}, {\"system\": \"echo-1b\", \"text\": \"7\"}], \"pairs\": [[0, 1]]}\n";
  const char *cli = g_getenv ("ARB_CLI");
  ArbWindow *window = the_window ();
  ArbWorkspace *ws;
  ArbCounts before, after;
  g_autoptr(GError) error = NULL;
  int status;

  ws = arb_window_get_workspace (window);
  g_assert_nonnull (ws);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      if (arb_window_get_page (window, pages[i]) == NULL)
        continue;
      arb_window_show_page (window, pages[i]);
      arb_gui_test_flush ();
      arb_gui_test_flush ();
      g_test_message ("page %s shown", pages[i]);
      ARB_ASSERT_NO_BUSY_STATEMENTS (ws);
    }
  g_assert_true (arb_workspace_get_counts (ws, &before, &error));
  g_assert_true (g_file_set_contents (path, data, -1, NULL));
  {
    const char *argv[] = { cli, "import", (const char *) arb_workspace_get_path (ws), path, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                  &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  g_assert_true (arb_workspace_get_counts (ws, &after, &error));
  g_assert_no_error (error);
  g_assert_cmpint (after.prompts, ==, before.prompts + 1);
  g_assert_cmpint (after.comparisons, ==, before.comparisons + 1);
  arb_window_show_page (window, "overview");
}
static void
record_fraction (GtkProgressBar *bar,
                 GParamSpec     *pspec,
                 GArray         *seen)
{
  double f = gtk_progress_bar_get_fraction (bar);

  g_array_append_val (seen, f);
}

/* Export Pack… and Merge Pack…: the dialog asks for an annotator first; the pack is written on
 * a worker and listed on the overview as out, then merged back and listed as merged. */
static void
test_packs (void)
{
  ArbWindow *window = the_window ();
  g_autofree char *pack = g_build_filename (tmpdir, "zoe-pack.arbiter", NULL);
  GtkWindow *dialog;
  GtkWidget *entry;

  arb_window_show_page (window, "overview");
  dialog = arb_pack_export_dialog (window);
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (dialog)), 10);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "export"));
  entry = arb_gui_test_find (GTK_WIDGET (dialog), "pack-rater");
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "zoe");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "export"));
  gtk_window_destroy (dialog);

  arb_pack_run (window, "zoe", 5, pack);
  {
    /* The progress bar follows the steps (every value it was given is recorded: the worker
     * may finish before the main loop runs), then goes away with the toast. */
    GtkWidget *bar = arb_gui_test_find (GTK_WIDGET (window), "progress-bar");
    g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (double));
    gulong id;

    g_assert_nonnull (bar);
    id = g_signal_connect (bar, "notify::fraction", G_CALLBACK (record_fraction), seen);
    ARB_WAIT_UNTIL (!arb_pack_is_busy (window), 30);
    g_signal_handler_disconnect (bar, id);
    g_test_message ("pack out: %u progress values", seen->len);
    g_assert_cmpuint (seen->len, >=, 3);
    for (guint i = 1; i < seen->len; i++)
      g_assert_cmpfloat (g_array_index (seen, double, i), >=, g_array_index (seen, double, i - 1));
    g_assert_cmpfloat (g_array_index (seen, double, seen->len - 1), ==, 1);
    g_assert_cmpfloat (arb_window_get_task_progress (window), <, 0);
  }
  ARB_WAIT_UNTIL (!arb_pack_is_busy (window), 30);
  g_test_message ("toast: %s", arb_window_get_last_toast (window));
  g_assert_true (g_str_has_prefix (arb_window_get_last_toast (window), "Wrote zoe-pack.arbiter for zoe: 5 comparisons"));
  g_assert_true (g_file_test (pack, G_FILE_TEST_EXISTS));
  ARB_WAIT_UNTIL (arb_gui_test_find_label (GTK_WIDGET (window), "zoe · zoe-pack.arbiter") != NULL, 10);

  arb_pack_run (window, NULL, 0, pack);
  ARB_WAIT_UNTIL (!arb_pack_is_busy (window), 30);
  g_test_message ("toast: %s", arb_window_get_last_toast (window));
  g_assert_true (g_str_has_prefix (arb_window_get_last_toast (window), "Merged zoe-pack.arbiter of zoe: 0 verdicts added"));
  ARB_WAIT_UNTIL (arb_gui_test_find_label (GTK_WIDGET (window), "merged") != NULL, 10);
  if (g_getenv ("ARB_SCREENSHOT_DIR") != NULL)
    {
      GtkWidget *group = arb_gui_test_find_label (GTK_WIDGET (window), "zoe · zoe-pack.arbiter");
      g_autofree char *path = g_build_filename (g_getenv ("ARB_SCREENSHOT_DIR"),
                                                "screenshot-packs.png", NULL);

      while (group != NULL && !ADW_IS_PREFERENCES_GROUP (group))
        group = gtk_widget_get_parent (group);
      g_assert_nonnull (group);
      arb_gui_test_flush ();
      arb_gui_test_screenshot (group, path);
    }

  /* The demo workspace is no pack of itself. */
  arb_pack_run (window, NULL, 0, demo_ws);
  ARB_WAIT_UNTIL (!arb_pack_is_busy (window), 30);
  g_test_message ("toast: %s", arb_window_get_last_toast (window));
  g_assert_true (g_str_has_prefix (arb_window_get_last_toast (window), "Nothing merged from"));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *demo = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(ArbImportResult) r = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  arbiter_register_resource ();

  tmpdir = g_dir_make_tmp ("arbiter-gui-XXXXXX", &error);
  g_assert_no_error (error);
  demo_ws = g_build_filename (tmpdir, "demo.arbiter", NULL);
  demo = g_build_filename (ARB_TEST_SRCDIR, "..", "data", "demo", "demo.jsonl", NULL);
  ws = arb_workspace_create (demo_ws, &error);
  g_assert_no_error (error);
  r = arb_workspace_import_file (ws, demo, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&ws);

  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/arbiter/gui/window/open-demo", test_open_demo);
  if (g_getenv ("ARB_GUI_IMPORT_RECORDS") != NULL)
    {
      /* The integration suite's run: only the large import. */
      g_test_add_func ("/arbiter/gui/window/import-keeps-dispatching",
                       test_import_keeps_dispatching);
      goto run;
    }
  g_test_add_func ("/arbiter/gui/window/import-broken", test_import_broken);
  g_test_add_func ("/arbiter/gui/window/import-good", test_import_good);
  g_test_add_func ("/arbiter/gui/window/import-keeps-dispatching", test_import_keeps_dispatching);
  g_test_add_func ("/arbiter/gui/window/sees-other-processes", test_sees_other_processes);
  g_test_add_func ("/arbiter/gui/window/packs", test_packs);
  g_test_add_func ("/arbiter/gui/window/close-and-recent", test_close_and_recent);
  g_test_add_func ("/arbiter/gui/window/not-a-workspace", test_not_a_workspace);
  g_test_add_func ("/arbiter/gui/window/drop", test_drop);
  g_test_add_func ("/arbiter/gui/window/app-windows", test_app_windows);
run:
  status = g_test_run ();

  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  arb_gui_test_flush ();
  g_clear_object (&app);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

    (void) system (cmd);
  }
  return status;
}
