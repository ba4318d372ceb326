/* arb-test-util.h: small helpers shared by the core tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <glib/gstdio.h>

/* Writes data to a new file in dir, gzip-compressed when gzip is set; returns its path. */
static inline char *
arb_test_write_file (const char *dir,
                     const char *name,
                     const char *data,
                     gssize      len,
                     gboolean    gzip)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (len < 0)
    len = strlen (data);
  if (!gzip)
    {
      g_file_set_contents (path, data, len, &error);
      g_assert_no_error (error);
    }
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, 0, NULL, &error);
      g_autoptr(GZlibCompressor) z = NULL;
      g_autoptr(GOutputStream) zout = NULL;

      g_assert_no_error (error);
      z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
      zout = g_converter_output_stream_new (G_OUTPUT_STREAM (out), G_CONVERTER (z));
      g_output_stream_write_all (zout, data, len, NULL, NULL, &error);
      g_assert_no_error (error);
      g_output_stream_close (zout, NULL, &error);
      g_assert_no_error (error);
    }
  return path;
}

/* A fresh temporary folder, removed (with its files) by arb_test_rmdir. */
static inline char *
arb_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("arbiter-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static inline void
arb_test_rmdir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

static inline const char *
arb_test_shared_data (void)
{
  const char *dir = g_getenv ("ARB_SHARED_DATA");

  return dir != NULL ? dir : "../shared/data";
}

/* What a run of arbiter-cli did: its exit status (-1 if it did not exit normally) and output. */
typedef struct
{
  int   status;
  char *out;
  char *err;
} ArbTestRun;

static inline void
arb_test_run_clear (ArbTestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ArbTestRun, arb_test_run_clear)

/* Runs $ARB_CLI with the arguments in argv (NULL-terminated, without the program); stdin is
 * /dev/null, stdout and stderr are captured and stderr is logged with the test. */
static inline void
arb_test_run_cliv (ArbTestRun         *run,
                   const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  const char *cli = g_getenv ("ARB_CLI");
  gsize len = 0;
  const char *data;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  arb_test_run_clear (run);
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  data = out != NULL ? g_bytes_get_data (out, &len) : NULL;
  run->out = data != NULL ? g_strndup (data, len) : g_strdup ("");
  data = err != NULL ? g_bytes_get_data (err, &len) : NULL;
  run->err = data != NULL ? g_strndup (data, len) : g_strdup ("");
  run->status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
  {
    g_autofree char *command = g_strjoinv (" ", (char **) argv->pdata + 1);
    g_autofree char *shown = g_utf8_make_valid (run->err, MIN (strlen (run->err), 4000));

    g_test_message ("arbiter-cli %s: exit %d", command, run->status);
    if (*run->err != '\0')
      g_test_message ("stderr: %s", shown);
    if (run->status < 0 || run->status > 2)
      g_printerr ("arbiter-cli %s: exit %d\n%s\n", command, run->status, run->err);
  }
}
