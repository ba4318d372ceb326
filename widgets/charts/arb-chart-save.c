/* arb-chart-save.c: a chart into a PNG, SVG or PDF file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "arb-chart-private.h"

G_DEFINE_QUARK (arb-chart-error-quark, arb_chart_error)

typedef enum
{
  KIND_PNG,
  KIND_SVG,
  KIND_PDF,
} Kind;

typedef struct
{
  FILE *file;
  int   errsv;  /* the first write error, 0 if none */
} Sink;

static cairo_status_t
write_sink (void                *closure,
            const unsigned char *data,
            unsigned int         length)
{
  Sink *sink = closure;

  if (sink->errsv != 0)
    return CAIRO_STATUS_WRITE_ERROR;
  if (fwrite (data, 1, length, sink->file) != length)
    {
      sink->errsv = errno != 0 ? errno : EIO;
      return CAIRO_STATUS_WRITE_ERROR;
    }
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
kind_of (const char *path,
         Kind       *kind)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *lower = g_ascii_strdown (base, -1);

  if (g_str_has_suffix (lower, ".png") && strlen (lower) > 4)
    *kind = KIND_PNG;
  else if (g_str_has_suffix (lower, ".svg") && strlen (lower) > 4)
    *kind = KIND_SVG;
  else if (g_str_has_suffix (lower, ".pdf") && strlen (lower) > 4)
    *kind = KIND_PDF;
  else
    return FALSE;
  return TRUE;
}

static gboolean
draw_into (cairo_surface_t  *surface,
           int               width,
           int               height,
           ArbChartDrawFunc  draw,
           gpointer          user_data)
{
  cairo_t *cr = cairo_create (surface);
  cairo_status_t status;

  draw (cr, width, height, user_data);
  status = cairo_status (cr);
  cairo_destroy (cr);
  return status == CAIRO_STATUS_SUCCESS;
}

gboolean
arb_chart_save (const char        *path,
                int                width,
                int                height,
                ArbChartDrawFunc   draw,
                gpointer           user_data,
                GError           **error)
{
  g_autofree char *dir = NULL, *base = NULL, *tmp = NULL;
  g_autofree char *display = NULL;
  cairo_surface_t *surface = NULL;
  cairo_status_t status = CAIRO_STATUS_SUCCESS;
  Sink sink = { NULL, 0 };
  gboolean drawn;
  Kind kind;
  int fd;

  g_return_val_if_fail (path != NULL && draw != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display = g_filename_display_name (path);
  if (!kind_of (path, &kind))
    {
      g_set_error (error, ARB_CHART_ERROR, ARB_CHART_ERROR_FORMAT,
                   _("%s: the file name must end in .png, .svg or .pdf"), display);
      return FALSE;
    }
  if (width < 1 || height < 1 || width > 32767 || height > 32767)
    {
      g_set_error (error, ARB_CHART_ERROR, ARB_CHART_ERROR_FORMAT,
                   _("%s: a chart is 1 to 32767 units wide and high, not %d × %d"),
                   display, width, height);
      return FALSE;
    }

  /* Beside the target, so the rename is atomic. */
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  tmp = g_strdup_printf ("%s%c.%s.XXXXXX", dir, G_DIR_SEPARATOR, base);
  fd = g_mkstemp_full (tmp, O_WRONLY, 0600);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, ARB_CHART_ERROR, ARB_CHART_ERROR_WRITE, _("%s: cannot write: %s"),
                   display, g_strerror (errsv));
      return FALSE;
    }
  sink.file = fdopen (fd, "wb");
  if (sink.file == NULL)
    {
      int errsv = errno;

      close (fd);
      g_unlink (tmp);
      g_set_error (error, ARB_CHART_ERROR, ARB_CHART_ERROR_WRITE, _("%s: cannot write: %s"),
                   display, g_strerror (errsv));
      return FALSE;
    }

  switch (kind)
    {
    case KIND_PNG:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
      drawn = draw_into (surface, width, height, draw, user_data);
      if (drawn)
        status = cairo_surface_write_to_png_stream (surface, write_sink, &sink);
      break;
    case KIND_SVG:
      surface = cairo_svg_surface_create_for_stream (write_sink, &sink, width, height);
      /* width="800" rather than "800pt": one unit is one pixel, as in the PNG. */
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_USER);
      drawn = draw_into (surface, width, height, draw, user_data);
      cairo_surface_finish (surface);
      break;
    case KIND_PDF:
    default:
      surface = cairo_pdf_surface_create_for_stream (write_sink, &sink, width, height);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Arbiter");
      drawn = draw_into (surface, width, height, draw, user_data);
      cairo_surface_finish (surface);
      break;
    }
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (fflush (sink.file) != 0 && sink.errsv == 0)
    sink.errsv = errno;
  if (sink.errsv == 0 && g_fsync (fileno (sink.file)) != 0)
    sink.errsv = errno;
  if (fclose (sink.file) != 0 && sink.errsv == 0)
    sink.errsv = errno;
  if (!drawn || status != CAIRO_STATUS_SUCCESS || sink.errsv != 0)
    {
      g_unlink (tmp);
      if (sink.errsv != 0)
        g_set_error (error, ARB_CHART_ERROR, ARB_CHART_ERROR_WRITE, _("%s: cannot write: %s"),
                     display, g_strerror (sink.errsv));
      else
        g_set_error (error, ARB_CHART_ERROR, ARB_CHART_ERROR_WRITE, _("%s: cannot draw: %s"),
                     display, cairo_status_to_string (status != CAIRO_STATUS_SUCCESS ? status
                                                                                     : CAIRO_STATUS_INVALID_STATUS));
      return FALSE;
    }
  /* mkstemp made it 0600; a chart is an ordinary document. */
  {
    mode_t mask = umask (0);

    umask (mask);
    g_chmod (tmp, 0666 & ~mask);
  }
  if (g_rename (tmp, path) != 0)
    {
      int errsv = errno;

      g_unlink (tmp);
      g_set_error (error, ARB_CHART_ERROR, ARB_CHART_ERROR_WRITE, _("%s: cannot write: %s"),
                   display, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}
