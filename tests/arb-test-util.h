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
