/* test-widgets.c: every widget type of app/ can be made and is finalized when let go (suite gui)
 *
 * A reference cycle (a signal handler holding its widget, a template child kept after dispose)
 * shows up here as an object that is never finalized.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "arb-application.h"
#include "arb-gui-test-util.h"
#include "arb-import.h"
#include "arb-overview-page.h"
#include "arb-preferences-window.h"
#include "arb-window.h"
#include "arbiter-resources.h"

static char *tmpdir;
static ArbApplication *app;  /* one per process: its D-Bus path is taken once registered */

static void
test_overview_page (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "overview.arbiter", NULL);
  g_autoptr(GError) error = NULL;
  ArbWorkspace *ws = arb_workspace_create (path, &error);
  ArbOverviewPage *page;

  g_assert_no_error (error);
  page = g_object_ref_sink (arb_overview_page_new ());
  g_assert_true (arb_overview_page_get_empty (page));
  arb_overview_page_set_workspace (page, ws);
  /* Not shown, it does not read yet; refreshed, it reads on a worker thread. */
  g_assert_false (arb_overview_page_get_loading (page));
  arb_overview_page_refresh (page);
  g_assert_true (arb_overview_page_get_loading (page));
  ARB_WAIT_UNTIL (!arb_overview_page_get_loading (page), 30);
  g_assert_true (arb_overview_page_get_empty (page));
  g_assert_cmpstr (arb_overview_page_get_count_text (page, "prompts"), ==, "0");
  g_assert_null (arb_overview_page_get_count_text (page, "nonsense"));
  g_assert_finalize_object (page);
  g_assert_finalize_object (ws);
}

static void
count_change (guint *n)
{
  (*n)++;
}

/* The n-th (from 0) descendant of a type, depth first. */
static GtkWidget *
find_type (GtkWidget *root,
           GType      type,
           int        n)
{
  static int seen;
  GtkWidget *found = NULL;

  if (n >= 0)
    seen = n;
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && seen-- == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c && !found; c = gtk_widget_get_next_sibling (c))
    found = find_type (c, type, -1);
  return found;
}

static void
test_preferences_window (void)
{
  ArbPreferencesWindow *prefs;
  GSettings *settings;

  settings = arb_application_get_settings (app);
  g_settings_set_string (settings, "annotator", "ana");
  prefs = arb_preferences_window_new (settings);
  g_object_ref_sink (prefs);
  gtk_window_present (GTK_WINDOW (prefs));
  arb_gui_test_flush ();
  /* A binding works both ways: the switch follows the key. */
  g_settings_set_boolean (settings, "show-system-names", TRUE);
  g_assert_true (arb_gui_test_find_label (GTK_WIDGET (prefs), "Show") != NULL);
  gtk_window_destroy (GTK_WINDOW (prefs));
  g_assert_finalize_object (prefs);

  /* With a workspace: its own settings page, written to the workspace. */
  {
    g_autofree char *path = g_build_filename (tmpdir, "prefs.arbiter", NULL);
    g_autoptr(GError) error = NULL;
    ArbWorkspace *ws = arb_workspace_create (path, &error);
    g_autofree char *scale = NULL;
    AdwComboRow *combo = NULL;
    guint changed = 0;

    g_assert_no_error (error);
    prefs = g_object_ref_sink (arb_preferences_window_new (settings));
    arb_preferences_window_set_workspace (prefs, ws);
    g_signal_connect_swapped (prefs, "workspace-changed", G_CALLBACK (count_change), &changed);
    gtk_window_present (GTK_WINDOW (prefs));
    arb_gui_test_flush ();
    combo = ADW_COMBO_ROW (find_type (GTK_WIDGET (prefs), ADW_TYPE_COMBO_ROW, 1));
    g_assert_nonnull (combo);
    adw_combo_row_set_selected (combo, 1);
    scale = arb_workspace_get_setting (ws, "scale");
    g_assert_cmpstr (scale, ==, "3");
    g_assert_cmpuint (changed, ==, 1);
    gtk_window_destroy (GTK_WINDOW (prefs));
    g_assert_finalize_object (prefs);
    g_assert_finalize_object (ws);
  }
  g_settings_reset (settings, "show-system-names");
  g_settings_reset (settings, "annotator");
}

static void
test_window (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "window.arbiter", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  ArbWindow *window;

  window = g_object_ref (arb_window_new (app));
  gtk_window_present (GTK_WINDOW (window));
  arb_gui_test_flush ();
  /* A new workspace opens on an overview that says what to do. */
  g_assert_true (arb_window_create_workspace (window, file));
  ARB_WAIT_UNTIL (!arb_overview_page_get_loading (ARB_OVERVIEW_PAGE (arb_window_get_page (window,
                                                                                          "overview"))), 30);
  arb_gui_test_flush ();
  g_assert_true (arb_overview_page_get_empty (ARB_OVERVIEW_PAGE (arb_window_get_page (window,
                                                                                       "overview"))));
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (window), "No Data Yet"));
  /* A file that exists is never replaced. */
  g_assert_false (arb_window_create_workspace (window, file));
  g_assert_nonnull (strstr (arb_window_get_last_toast (window), "exists already"));
  /* A refresh that runs when the window goes holds the page until it ends, not longer. */
  arb_overview_page_refresh (ARB_OVERVIEW_PAGE (arb_window_get_page (window, "overview")));
  gtk_window_destroy (GTK_WINDOW (window));
  arb_gui_test_flush ();
  arb_gui_test_flush ();
  g_assert_finalize_object (window);
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
  tmpdir = g_dir_make_tmp ("arbiter-widgets-XXXXXX", &error);
  g_assert_no_error (error);
  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/arbiter/gui/widgets/overview-page", test_overview_page);
  g_test_add_func ("/arbiter/gui/widgets/preferences-window", test_preferences_window);
  g_test_add_func ("/arbiter/gui/widgets/window", test_window);
  status = g_test_run ();
  g_clear_object (&app);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

    (void) system (cmd);
  }
  return status;
}
