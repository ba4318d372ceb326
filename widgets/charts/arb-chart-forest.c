/* arb-chart-forest.c: a forest plot, one row per label with a point and an interval
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "arb-chart-axis.h"

/* Room for the reference line's label above the plot area. */
#define REF_SCALE 0.85

typedef struct
{
  ArbChartFrame frame;
  double        step;
  double        label_scale;  /* of the row labels, smaller when rows are dense */
  double        label_width;  /* room for the row labels */
} ForestLayout;

static char *
value_text (const ArbForestData *data,
            guint                i)
{
  g_autofree char *v = NULL;

  if (data->value_format == NULL || !_arb_chart_is_finite (data->values[i]))
    return NULL;
  v = g_strdup_printf (data->value_format, data->values[i]);
  /* An interval of no width (the anchor of a rating) is not worth writing. */
  if (data->low != NULL && data->high != NULL && _arb_chart_is_finite (data->low[i]) &&
      _arb_chart_is_finite (data->high[i]) && data->low[i] != data->high[i])
    {
      g_autofree char *lo = g_strdup_printf (data->value_format, data->low[i]);
      g_autofree char *hi = g_strdup_printf (data->value_format, data->high[i]);

      /* U+2013 EN DASH between the bounds. */
      return g_strdup_printf ("%s  (%s\u2013%s)", v, lo, hi);
    }
  return g_steal_pointer (&v);
}

static void
layout_forest (cairo_t             *cr,
               double               width,
               double               height,
               const ArbChartStyle *style,
               const ArbForestData *data,
               ForestLayout        *out)
{
  double top = ARB_CHART_PAD + _arb_chart_title_height (cr, style, data->title);
  double bottom = ARB_CHART_PAD + _arb_chart_x_axis_height (cr, style, data->axis_label);
  double line = _arb_chart_line_height (cr, style, 1.0);
  double lo = INFINITY, hi = -INFINITY, left, right = 0, widest = 0, plot_h, row_h;
  guint n = MAX (data->n, 1);

  if (_arb_chart_is_finite (data->reference) && data->reference_label != NULL)
    top += _arb_chart_line_height (cr, style, REF_SCALE) + 2;
  plot_h = MAX (height - top - bottom, 1);
  row_h = plot_h / n;
  /* Labels shrink with dense rows down to 60 % of the font, then may touch. */
  out->label_scale = CLAMP (row_h * 0.9 / line, 0.6, 1.0);

  for (guint i = 0; i < data->n; i++)
    {
      g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, data->labels[i],
                                                       out->label_scale, FALSE);
      g_autofree char *v = value_text (data, i);
      double w;

      _arb_chart_text_size (layout, &w, NULL);
      widest = MAX (widest, w);
      if (v != NULL)
        {
          g_autoptr(PangoLayout) vl = _arb_chart_text (cr, style, v, out->label_scale * 0.9, FALSE);

          _arb_chart_text_size (vl, &w, NULL);
          right = MAX (right, w);
        }
      if (_arb_chart_is_finite (data->values[i]))
        lo = MIN (lo, data->values[i]), hi = MAX (hi, data->values[i]);
      if (data->low != NULL && _arb_chart_is_finite (data->low[i]))
        lo = MIN (lo, data->low[i]), hi = MAX (hi, data->low[i]);
      if (data->high != NULL && _arb_chart_is_finite (data->high[i]))
        lo = MIN (lo, data->high[i]), hi = MAX (hi, data->high[i]);
    }
  if (_arb_chart_is_finite (data->reference))
    lo = MIN (lo, data->reference), hi = MAX (hi, data->reference);
  if (!(lo <= hi))
    lo = 0, hi = 1;

  out->label_width = MIN (widest, width * 0.35);
  left = ARB_CHART_PAD + out->label_width + ARB_CHART_PAD;
  /* The value column, or at least half a tick label at the right end. */
  right = right > 0 ? MIN (right, width * 0.3) + 2 * ARB_CHART_PAD : 3 * ARB_CHART_PAD;

  out->frame.x = left;
  out->frame.y = top;
  out->frame.width = MAX (width - left - right, 1);
  out->frame.height = plot_h;
  out->frame.n_rows = data->n;
  {
    /* A margin of 4 % each side, so no point sits on the frame. */
    double pad = (hi - lo) * 0.04;

    _arb_chart_nice_range (lo - pad, hi + pad, _arb_chart_tick_target (out->frame.width, 90),
                           &out->frame.x_min, &out->frame.x_max, &out->step);
  }
  out->frame.y_min = 0;
  out->frame.y_max = n;
}

gboolean
arb_chart_forest_frame (cairo_t             *cr,
                        double               width,
                        double               height,
                        const ArbChartStyle *style,
                        const ArbForestData *data,
                        ArbChartFrame       *frame)
{
  ArbChartStyle storage;
  ForestLayout layout;

  g_return_val_if_fail (cr != NULL && data != NULL && frame != NULL, FALSE);
  g_return_val_if_fail (data->n == 0 || (data->labels != NULL && data->values != NULL), FALSE);
  style = _arb_chart_style_or_default (style, &storage);
  layout_forest (cr, width, height, style, data, &layout);
  *frame = layout.frame;
  return data->n > 0;
}

void
arb_chart_forest (cairo_t             *cr,
                  double               width,
                  double               height,
                  const ArbChartStyle *style,
                  const ArbForestData *data)
{
  ArbChartStyle storage;
  ForestLayout L;
  const ArbChartFrame *f = &L.frame;
  double row_h;

  g_return_if_fail (cr != NULL && data != NULL);
  g_return_if_fail (data->n == 0 || (data->labels != NULL && data->values != NULL));
  style = _arb_chart_style_or_default (style, &storage);

  cairo_save (cr);
  _arb_chart_fill_background (cr, width, height, style);
  layout_forest (cr, width, height, style, data, &L);
  row_h = f->height / MAX (data->n, 1);
  _arb_chart_draw_title (cr, style, width, data->title);

  /* Bands on every other row guide the eye from a label to its interval. */
  cairo_save (cr);
  _arb_chart_set_color (cr, &style->grid);
  cairo_push_group (cr);
  for (guint i = 1; i < data->n; i += 2)
    cairo_rectangle (cr, ARB_CHART_PAD, f->y + i * row_h, width - 2 * ARB_CHART_PAD, row_h);
  cairo_fill (cr);
  cairo_pop_group_to_source (cr);
  cairo_paint_with_alpha (cr, 0.45);
  cairo_restore (cr);

  _arb_chart_draw_grid (cr, style, f, L.step, 0);

  if (_arb_chart_is_finite (data->reference))
    {
      double x = arb_chart_frame_x (f, data->reference);
      static const double dash[] = { 5, 3 };

      cairo_save (cr);
      _arb_chart_set_color (cr, &style->muted);
      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_move_to (cr, x, f->y);
      cairo_line_to (cr, x, f->y + f->height);
      cairo_stroke (cr);
      if (data->reference_label != NULL)
        {
          g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, data->reference_label,
                                                           REF_SCALE, FALSE);
          double w;

          _arb_chart_text_size (layout, &w, NULL);
          /* Centred on the line, kept inside the chart. */
          x = CLAMP (x, ARB_CHART_PAD + w / 2, width - ARB_CHART_PAD - w / 2);
          _arb_chart_draw_text (cr, layout, x, f->y - 2, 0.5, 1);
        }
      cairo_restore (cr);
    }

  _arb_chart_draw_x_axis (cr, style, f, L.step, data->axis_label);

  for (guint i = 0; i < data->n; i++)
    {
      double y = arb_chart_frame_row_y (f, i);
      double v = data->values[i];
      double lo = data->low != NULL ? data->low[i] : NAN;
      double hi = data->high != NULL ? data->high[i] : NAN;
      g_autoptr(PangoLayout) label = _arb_chart_text (cr, style, data->labels[i],
                                                      L.label_scale, FALSE);
      g_autofree char *vt = value_text (data, i);
      double cap = MIN (row_h * 0.35, 6);

      _arb_chart_fit_width (label, L.label_width);
      _arb_chart_set_color (cr, &style->foreground);
      _arb_chart_draw_text (cr, label, f->x - ARB_CHART_PAD, y, 1, 0.5);
      if (vt != NULL)
        {
          g_autoptr(PangoLayout) vl = _arb_chart_text (cr, style, vt, L.label_scale * 0.9, FALSE);

          _arb_chart_fit_width (vl, width - f->x - f->width - 2 * ARB_CHART_PAD);
          _arb_chart_set_color (cr, &style->muted);
          _arb_chart_draw_text (cr, vl, f->x + f->width + ARB_CHART_PAD, y, 0, 0.5);
        }

      _arb_chart_set_color (cr, &style->accent);
      if (_arb_chart_is_finite (lo) && _arb_chart_is_finite (hi))
        {
          double x0 = arb_chart_frame_x (f, MIN (lo, hi)), x1 = arb_chart_frame_x (f, MAX (lo, hi));

          cairo_set_line_width (cr, 2.5);
          cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
          cairo_move_to (cr, x0, y);
          cairo_line_to (cr, x1, y);
          cairo_stroke (cr);
          cairo_set_line_width (cr, 1.5);
          cairo_move_to (cr, x0, y - cap);
          cairo_line_to (cr, x0, y + cap);
          cairo_move_to (cr, x1, y - cap);
          cairo_line_to (cr, x1, y + cap);
          cairo_stroke (cr);
        }
      if (_arb_chart_is_finite (v))
        {
          double r = CLAMP (row_h * 0.3, 2.5, 5);

          cairo_arc (cr, arb_chart_frame_x (f, v), y, r, 0, 2 * G_PI);
          _arb_chart_set_color (cr, &style->accent);
          cairo_fill_preserve (cr);
          _arb_chart_set_color (cr, &style->background);
          cairo_set_line_width (cr, 1);
          cairo_stroke (cr);
        }
    }
  cairo_restore (cr);
}
