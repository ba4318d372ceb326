/* test-judge-keyring.c: API keys from the desktop keyring, and the fallback without one
 *
 * Runs under dbus-run-session (see meson.build) and starts its own gnome-keyring-daemon, its
 * keyrings in a temporary XDG_DATA_HOME, unlocked with a password on stdin. A key stored there
 * for the test server's URL must reach the server (which answers 401 without it) when
 * `arbiter-cli judge` is given no --api-key-env, and appear nowhere else; without a session
 * bus the run goes on without a key at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "arb-api-key.h"
#include "arb-test-util.h"

static char *
run (const char *const *argv,
     gboolean           no_bus,
     int               *out_status,
     char             **out_err)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  if (no_bus)
    g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, out_err, &error);
  g_assert_no_error (error);
  *out_status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
  return out;
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
test_keyring (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *data_home = g_build_filename (dir, "data", NULL);
  g_autofree char *runtime = g_build_filename (dir, "run", NULL);
  g_autofree char *ws = g_build_filename (dir, "ws.arbiter", NULL);
  g_autofree char *jsonl = NULL;
  g_autofree char *data = NULL;
  g_autofree char *log = g_build_filename (dir, "server.log", NULL);
  g_autofree char *key = g_strdup_printf ("sk-keyring-test-%08x%08x", g_random_int (),
                                          g_random_int ());
  g_autofree char *url = NULL;
  g_autofree char *line = NULL;
  g_autofree char *found = NULL;
  g_autoptr(GSubprocess) keyring = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GOutputStream) pw = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) records = g_string_new (NULL);
  gboolean stored = FALSE;
  int status;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_test_skip ("needs a session bus: run under dbus-run-session (meson test does)");
      return;
    }
  g_mkdir_with_parents (data_home, 0700);
  g_mkdir_with_parents (runtime, 0700);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);

  /* A keyring daemon of our own, replacing any the bus activated, its login keyring unlocked. */
  keyring = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                              G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              "gnome-keyring-daemon", "--foreground", "--replace", "--unlock",
                              "--components=secrets", NULL);
  g_assert_no_error (error);
  pw = g_object_ref (g_subprocess_get_stdin_pipe (keyring));
  g_output_stream_write_all (pw, "arbiter-test", 12, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (pw, NULL, NULL);
  /* Wait until it owns the name: asking before would make the bus start another daemon, one
   * without an unlocked login keyring. NameHasOwner never starts anything. */
  {
    g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
    gboolean owned = FALSE;

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
  }
  for (int i = 0; i < 100 && !stored; i++)
    {
      g_clear_error (&error);
      stored = arb_api_key_store ("http://placeholder.invalid", "x", &error);
      if (!stored)
        g_usleep (100 * 1000);
    }
  g_assert_no_error (error);

  g_setenv ("ARB_TEST_KEYRING_KEY", key, TRUE);
  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE,
                             &error, g_getenv ("ARB_TEST_SERVER"), "--log", log, "--api-key-env",
                             "ARB_TEST_KEYRING_KEY", "--exit-with-stdin", NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_true (line != NULL && g_str_has_prefix (line, "PORT "));
  url = g_strdup_printf ("http://127.0.0.1:%s/", line + 5);
  g_unsetenv ("ARB_TEST_KEYRING_KEY");

  /* Stored under the URL without its trailing slash; found with or without it. */
  g_assert_true (arb_api_key_store (url, key, &error));
  g_assert_no_error (error);
  found = arb_api_key_lookup (url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, key);
  g_clear_pointer (&found, g_free);
  {
    g_autofree char *bare = arb_api_key_normalize_endpoint (url);

    found = arb_api_key_lookup (bare, &error);
    g_assert_cmpstr (found, ==, key);
  }

  for (int i = 0; i < 10; i++)
    g_string_append_printf (records, "{\"prompt\": \"Keyring question %d\", \"responses\": ["
                            "{\"system\": \"a\", \"text\": \"yes %d\"}, {\"system\": \"b\", "
                            "\"text\": \"no %d\"}], \"pairs\": [[0, 1]]}\n", i, i, i);
  jsonl = arb_test_write_file (dir, "data.jsonl", records->str, records->len, FALSE);
  {
    const char *init[] = { g_getenv ("ARB_CLI"), "init", ws, NULL };
    const char *import[] = { g_getenv ("ARB_CLI"), "import", ws, jsonl, NULL };
    g_autofree char *o1 = run (init, TRUE, &status, NULL);
    g_autofree char *o2 = NULL;

    g_assert_cmpint (status, ==, 0);
    o2 = run (import, TRUE, &status, NULL);
    g_assert_cmpint (status, ==, 0);
  }

  /* Without a session bus: no keyring, no key, no wait; the server refuses every request. */
  {
    const char *judge[] = { g_getenv ("ARB_CLI"), "judge", ws, "--endpoint", url, "--model", "m",
                            "--format", "json", NULL };
    g_autofree char *err = NULL;
    g_autofree char *out = NULL;
    gint64 t0 = g_get_monotonic_time ();

    out = run (judge, TRUE, &status, &err);
    g_test_message ("without a bus: %s (%.2f s)", out, (g_get_monotonic_time () - t0) / 1e6);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "\"answered\": 0,"));
    g_assert_nonnull (strstr (out, "\"http_4xx\": 10"));
    g_assert_cmpfloat ((g_get_monotonic_time () - t0) / 1e6, <, 5);
  }
  /* With the keyring: the key is found and sent. */
  {
    const char *judge[] = { g_getenv ("ARB_CLI"), "judge", ws, "--endpoint", url, "--model", "m",
                            "--format", "json", NULL };
    g_autofree char *err = NULL;
    g_autofree char *out = run (judge, FALSE, &status, &err);
    g_autofree char *wal = g_strconcat (ws, "-wal", NULL);

    g_test_message ("with the keyring: %s", out);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "\"answered\": 10,"));
    g_assert_null (strstr (out, key));
    g_assert_null (strstr (err, key));
    g_assert_false (file_contains (ws, key));
    g_assert_false (file_contains (wal, key));
    g_assert_false (file_contains (log, key));
  }

  g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
  g_subprocess_force_exit (keyring);
  g_subprocess_wait (keyring, NULL, NULL);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

    g_assert_cmpint (system (cmd), ==, 0);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/judge-keyring/lookup-and-fallback", test_keyring);
  return g_test_run ();
}
