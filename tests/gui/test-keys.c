/* test-keys.c: the window's keyboard shortcuts, pressed as real keys (suite gui)
 *
 * GTK 4.8 cannot inject key events, so the keys go to the X server under Xvfb through xdotool
 * (XTEST), as a person's keyboard would (STYLE.md).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk/x11/gdkx.h>

#include "arb-application.h"
#include "arb-gui-test-util.h"
#include "arb-preferences-window.h"
#include "arb-window.h"
#include "arbiter-resources.h"

static ArbApplication *app;
static ArbWindow *window;
static char *tmpdir;

static void
press (const char *keys)
{
  g_autofree char *xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (
                                            gtk_native_get_surface (GTK_NATIVE (window))));
  const char *focus[] = { "xdotool", "windowfocus", "--sync", xid, NULL };
  const char *key[] = { "xdotool", "key", "--clearmodifiers", keys, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) focus, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  arb_gui_test_flush ();
  g_spawn_sync (NULL, (char **) key, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  arb_gui_test_flush ();
}

static GtkWindow *
shown (GType type)
{
  g_autoptr(GList) all = gtk_window_list_toplevels ();

  for (GList *l = all; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_mapped (l->data))
      return l->data;
  return NULL;
}

static void
test_keys (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "keys.arbiter", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GtkWindow *w;

  if (!g_find_program_in_path ("xdotool"))
    {
      g_test_skip ("xdotool is not installed (tools/setup-debian.sh installs it)");
      return;
    }
  window = arb_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)), 10);
  g_assert_true (arb_window_create_workspace (window, file));
  arb_gui_test_flush ();

  /* Ctrl+, opens the preferences; Escape closes them. */
  press ("ctrl+comma");
  ARB_WAIT_UNTIL (shown (ARB_TYPE_PREFERENCES_WINDOW) != NULL, 5);
  w = shown (ARB_TYPE_PREFERENCES_WINDOW);
  gtk_window_close (w);
  ARB_WAIT_UNTIL (shown (ARB_TYPE_PREFERENCES_WINDOW) == NULL, 5);

  /* Ctrl+? shows the shortcuts. */
  press ("ctrl+question");
  ARB_WAIT_UNTIL (shown (GTK_TYPE_SHORTCUTS_WINDOW) != NULL, 5);
  gtk_window_close (shown (GTK_TYPE_SHORTCUTS_WINDOW));
  ARB_WAIT_UNTIL (shown (GTK_TYPE_SHORTCUTS_WINDOW) == NULL, 5);

  /* Ctrl+I asks for files to import; Escape cancels and nothing happens. */
  press ("ctrl+i");
  ARB_WAIT_UNTIL (shown (GTK_TYPE_FILE_CHOOSER_DIALOG) != NULL, 5);
  gtk_window_close (shown (GTK_TYPE_FILE_CHOOSER_DIALOG));
  ARB_WAIT_UNTIL (shown (GTK_TYPE_FILE_CHOOSER_DIALOG) == NULL, 5);
  g_assert_false (arb_window_get_importing (window));

  /* Ctrl+W closes the workspace: the welcome page, where Ctrl+I is off. */
  press ("ctrl+w");
  ARB_WAIT_UNTIL (arb_window_get_workspace (window) == NULL, 5);
  press ("ctrl+i");
  g_assert_null (shown (GTK_TYPE_FILE_CHOOSER_DIALOG));

  /* Ctrl+O asks for a workspace. */
  press ("ctrl+o");
  ARB_WAIT_UNTIL (shown (GTK_TYPE_FILE_CHOOSER_DIALOG) != NULL, 5);
  gtk_window_close (shown (GTK_TYPE_FILE_CHOOSER_DIALOG));
  ARB_WAIT_UNTIL (shown (GTK_TYPE_FILE_CHOOSER_DIALOG) == NULL, 5);

  gtk_window_destroy (GTK_WINDOW (window));
  arb_gui_test_flush ();
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
  tmpdir = g_dir_make_tmp ("arbiter-keys-XXXXXX", &error);
  g_assert_no_error (error);
  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/arbiter/gui/keys/window-shortcuts", test_keys);
  status = g_test_run ();
  g_clear_object (&app);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

    (void) system (cmd);
  }
  return status;
}
