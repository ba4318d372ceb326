/* arb-chart-style.c: styles, colour scales, text and ticks shared by the charts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "arb-chart-private.h"

static ArbRgba
rgb (guint32 hex)
{
  return (ArbRgba) { ((hex >> 16) & 0xff) / 255.0, ((hex >> 8) & 0xff) / 255.0,
                     (hex & 0xff) / 255.0, 1.0 };
}

#define FONT_FAMILY "Cantarell, DejaVu Sans, sans-serif"

/* libadwaita 1.2's light palette: window #fafafa, text at 80 % black, accent blue_3 #3584e4;
 * the scales are ColorBrewer's Blues and RdBu (Brewer, colorbrewer2.org), which stay apart for
 * the common forms of colour blindness. */
void
arb_chart_style_init_light (ArbChartStyle *style)
{
  g_return_if_fail (style != NULL);

  memset (style, 0, sizeof *style);
  style->foreground = (ArbRgba) { 0, 0, 0, 0.8 };
  style->background = rgb (0xffffff);
  style->accent = rgb (0x1c71d8);
  style->grid = rgb (0xdeddda);
  style->muted = rgb (0x77767b);
  style->sequential[0] = rgb (0xf7fbff);
  style->sequential[1] = rgb (0x08306b);
  style->diverging[0] = rgb (0xb2182b);
  style->diverging[1] = rgb (0xf7f7f7);
  style->diverging[2] = rgb (0x2166ac);
  style->font_family = FONT_FAMILY;
  style->font_size = 12;
}

/* libadwaita 1.2's dark palette: view #1e1e1e, white text, accent #78aeed; the scales end in
 * dark tones so that the neutral value does not glare. */
void
arb_chart_style_init_dark (ArbChartStyle *style)
{
  g_return_if_fail (style != NULL);

  memset (style, 0, sizeof *style);
  style->foreground = rgb (0xffffff);
  style->background = rgb (0x1e1e1e);
  style->accent = rgb (0x78aeed);
  style->grid = rgb (0x3d3846);
  style->muted = rgb (0x9a9996);
  style->sequential[0] = rgb (0x26262e);
  style->sequential[1] = rgb (0x6baed6);
  style->diverging[0] = rgb (0xd6604d);
  style->diverging[1] = rgb (0x303030);
  style->diverging[2] = rgb (0x4393c3);
  style->font_family = FONT_FAMILY;
  style->font_size = 12;
}

const ArbChartStyle *
_arb_chart_style_or_default (const ArbChartStyle *style,
                             ArbChartStyle       *storage)
{
  if (style != NULL)
    return style;
  arb_chart_style_init_light (storage);
  return storage;
}

void
_arb_chart_set_color (cairo_t       *cr,
                      const ArbRgba *c)
{
  cairo_set_source_rgba (cr, c->r, c->g, c->b, c->a);
}

void
_arb_chart_fill_background (cairo_t             *cr,
                            double               width,
                            double               height,
                            const ArbChartStyle *style)
{
  cairo_save (cr);
  _arb_chart_set_color (cr, &style->background);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  cairo_restore (cr);
}

gboolean
_arb_chart_is_finite (double v)
{
  return !isnan (v) && !isinf (v);
}

static ArbRgba
mix (const ArbRgba *a,
     const ArbRgba *b,
     double         t)
{
  return (ArbRgba) { a->r + (b->r - a->r) * t, a->g + (b->g - a->g) * t,
                     a->b + (b->b - a->b) * t, a->a + (b->a - a->a) * t };
}

/* Linear in sRGB between the stops, the same interpolation cairo's gradient of the legend bar
 * uses, so a cell matches its place on the bar. */
void
arb_chart_scale_color (const ArbChartStyle *style,
                       ArbChartScale        scale,
                       double               min,
                       double               center,
                       double               max,
                       double               value,
                       ArbRgba             *out)
{
  ArbChartStyle storage;
  double t;

  g_return_if_fail (out != NULL);
  style = _arb_chart_style_or_default (style, &storage);
  if (!_arb_chart_is_finite (value))
    {
      *out = style->background;
      return;
    }
  if (!(max > min))
    t = 0.5;
  else
    t = CLAMP ((value - min) / (max - min), 0.0, 1.0);
  if (scale == ARB_CHART_SCALE_SEQUENTIAL)
    {
      *out = mix (&style->sequential[0], &style->sequential[1], t);
      return;
    }
  {
    double c = _arb_chart_is_finite (center) && max > min
               ? CLAMP ((center - min) / (max - min), 0.0, 1.0) : 0.5;

    if (t <= c)
      *out = c > 0 ? mix (&style->diverging[0], &style->diverging[1], t / c) : style->diverging[1];
    else
      *out = c < 1 ? mix (&style->diverging[1], &style->diverging[2], (t - c) / (1 - c))
                   : style->diverging[1];
  }
}

PangoLayout *
_arb_chart_text (cairo_t             *cr,
                 const ArbChartStyle *style,
                 const char          *text,
                 double               scale,
                 gboolean             bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (style->font_family);
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);

  pango_font_description_set_absolute_size (desc, MAX (style->font_size * scale, 1) * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  /* One line: a name with a newline in it must not push its neighbours. */
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  pango_layout_set_text (layout, valid, -1);
  return layout;
}

void
_arb_chart_text_size (PangoLayout *layout,
                      double      *width,
                      double      *height)
{
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  if (width != NULL)
    *width = (double) logical.width / PANGO_SCALE;
  if (height != NULL)
    *height = (double) logical.height / PANGO_SCALE;
}

void
_arb_chart_draw_text (cairo_t     *cr,
                      PangoLayout *layout,
                      double       x,
                      double       y,
                      double       xalign,
                      double       yalign)
{
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  cairo_move_to (cr, x - xalign * logical.width / PANGO_SCALE - (double) logical.x / PANGO_SCALE,
                 y - yalign * logical.height / PANGO_SCALE - (double) logical.y / PANGO_SCALE);
  pango_cairo_show_layout (cr, layout);
}

void
_arb_chart_fit_width (PangoLayout *layout,
                      double       max_width)
{
  double w;

  if (max_width <= 0)
    return;
  _arb_chart_text_size (layout, &w, NULL);
  if (w <= max_width)
    return;
  pango_layout_set_width (layout, (int) (MAX (max_width, 1) * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
}

static double
nice_number (double x,
             gboolean round)
{
  double e = floor (log10 (x));
  double f = x / pow (10, e);
  double nf;

  if (round)
    nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else
    nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * pow (10, e);
}

void
_arb_chart_nice_range (double  lo,
                       double  hi,
                       int     target,
                       double *nice_lo,
                       double *nice_hi,
                       double *step)
{
  double range, d;

  if (!_arb_chart_is_finite (lo) || !_arb_chart_is_finite (hi))
    lo = 0, hi = 1;
  if (hi < lo)
    {
      double t = lo;
      lo = hi;
      hi = t;
    }
  if (hi - lo < 1e-12 * MAX (fabs (lo), 1))
    {
      double w = fabs (lo) > 0 ? fabs (lo) * 0.1 : 1;
      lo -= w;
      hi += w;
    }
  range = nice_number (hi - lo, FALSE);
  d = nice_number (range / MAX (target - 1, 1), TRUE);
  *nice_lo = floor (lo / d + 1e-9) * d;
  *nice_hi = ceil (hi / d - 1e-9) * d;
  *step = d;
}

char *
_arb_chart_tick_label (double value,
                       double step)
{
  int decimals = MAX (0, (int) -floor (log10 (step) + 1e-9));

  /* No "-0". */
  if (fabs (value) < step * 1e-6)
    value = 0;
  return g_strdup_printf ("%.*f", decimals, value);
}

double
arb_chart_frame_x (const ArbChartFrame *frame,
                   double               value)
{
  g_return_val_if_fail (frame != NULL, NAN);
  if (!(frame->x_max > frame->x_min))
    return frame->x + frame->width / 2;
  return frame->x + (value - frame->x_min) / (frame->x_max - frame->x_min) * frame->width;
}

double
arb_chart_frame_y (const ArbChartFrame *frame,
                   double               value)
{
  g_return_val_if_fail (frame != NULL, NAN);
  if (!(frame->y_max > frame->y_min))
    return frame->y + frame->height / 2;
  return frame->y + (frame->y_max - value) / (frame->y_max - frame->y_min) * frame->height;
}

double
arb_chart_frame_row_y (const ArbChartFrame *frame,
                       guint                row)
{
  g_return_val_if_fail (frame != NULL && frame->n_rows > 0, NAN);
  return frame->y + (row + 0.5) * frame->height / frame->n_rows;
}
