/* test-application.c: the command line of `arbiter` (suite gui)
 *
 * `arbiter WORKSPACE` opens it; `arbiter` alone opens the last workspace or the welcome page;
 * `--annotator NAME` says who labels. Each case runs the real g_application_run() in a
 * subprocess (an application can register on the bus once per process).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "arb-application.h"
#include "arb-gui-test-util.h"
#include "arb-window.h"
#include "arbiter-resources.h"

static char *tmpdir;
static char *ws_path;

typedef struct
{
  ArbApplication *app;
  guint           polls;
} Run;

/* Once the window is up, prints what it shows (the parent reads it) and quits. */
static gboolean
report_and_quit (gpointer user_data)
{
  Run *run = user_data;
  GtkWindow *w = gtk_application_get_active_window (GTK_APPLICATION (run->app));
  ArbWorkspace *ws;
  const char *annotator;

  if ((w == NULL || !gtk_widget_get_mapped (GTK_WIDGET (w))) && run->polls++ < 200)
    return G_SOURCE_CONTINUE;
  g_assert_true (ARB_IS_WINDOW (w));
  ws = arb_window_get_workspace (ARB_WINDOW (w));
  annotator = arb_application_get_annotator (run->app);
  g_print ("workspace=%s\n", ws ? arb_workspace_get_path (ws) : "(none)");
  g_print ("annotator=%s\n", annotator ? annotator : "(none)");
  g_print ("toast=%s\n", arb_window_get_last_toast (ARB_WINDOW (w)) ?: "(none)");
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static int
run_app (const char * const *args,
         const char         *last_workspace)
{
  g_autoptr(ArbApplication) app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  g_autoptr(GError) error = NULL;
  Run run = { app, 0 };
  int argc = g_strv_length ((char **) args);
  int status;

  /* gtk_test_init() chose the C locale; arguments are UTF-8 here, as on a desktop. */
  setlocale (LC_ALL, "C.UTF-8");
  arbiter_register_resource ();
  if (last_workspace != NULL)
    {
      g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);

      g_settings_set_string (settings, "last-workspace", last_workspace);
    }
  g_timeout_add (50, report_and_quit, &run);
  status = g_application_run (G_APPLICATION (app), argc, (char **) args);
  return status;
}

static void
test_open_workspace_argument (void)
{
  if (g_test_subprocess ())
    {
      const char *args[] = { "arbiter", "--annotator", "zoë", ws_path, NULL };

      exit (run_app (args, NULL));
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout (g_strdup_printf ("*workspace=%s\n*", ws_path));
  g_test_trap_assert_stdout ("*annotator=zoë\n*");
}

static void
test_reopens_last (void)
{
  if (g_test_subprocess ())
    {
      const char *args[] = { "arbiter", NULL };

      exit (run_app (args, ws_path));
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout (g_strdup_printf ("*workspace=%s\n*", ws_path));
  g_test_trap_assert_stdout ("*annotator=(none)\n*");
}

static void
test_welcome (void)
{
  if (g_test_subprocess ())
    {
      const char *args[] = { "arbiter", NULL };

      exit (run_app (args, NULL));
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*workspace=(none)\n*");
}

static void
test_missing_workspace (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *missing = g_build_filename (tmpdir, "missing.arbiter", NULL);
      const char *args[] = { "arbiter", missing, NULL };

      exit (run_app (args, NULL));
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*workspace=(none)\n*");
  g_test_trap_assert_stdout ("*toast=Could not open the workspace: *missing.arbiter: no such "
                             "workspace*");
}

static void
test_bad_annotator (void)
{
  if (g_test_subprocess ())
    {
      const char *args[] = { "arbiter", "--annotator", "", ws_path, NULL };

      exit (run_app (args, NULL));
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*--annotator needs a name*");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;
  int status;

  /* The parent makes the workspace once; each subprocess sees it. */
  tmpdir = g_strdup (g_getenv ("ARB_TEST_APP_DIR"));
  if (tmpdir == NULL)
    {
      tmpdir = g_dir_make_tmp ("arbiter-app-XXXXXX", &error);
      g_assert_no_error (error);
      g_setenv ("ARB_TEST_APP_DIR", tmpdir, TRUE);
    }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  ws_path = g_build_filename (tmpdir, "cmdline.arbiter", NULL);
  if (!g_file_test (ws_path, G_FILE_TEST_EXISTS))
    {
      ws = arb_workspace_create (ws_path, &error);
      g_assert_no_error (error);
      g_clear_object (&ws);
    }

  g_test_add_func ("/arbiter/gui/application/open-workspace-argument",
                   test_open_workspace_argument);
  g_test_add_func ("/arbiter/gui/application/reopens-last", test_reopens_last);
  g_test_add_func ("/arbiter/gui/application/welcome", test_welcome);
  g_test_add_func ("/arbiter/gui/application/missing-workspace", test_missing_workspace);
  g_test_add_func ("/arbiter/gui/application/bad-annotator", test_bad_annotator);
  status = g_test_run ();
  if (!g_test_subprocess ())
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

      (void) system (cmd);
    }
  return status;
}
