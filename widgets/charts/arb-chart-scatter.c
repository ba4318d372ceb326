/* arb-chart-scatter.c: labelled points with optional error bars and reference lines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "arb-chart-axis.h"

#define RADIUS 4.5
#define LABEL_SCALE 0.9

typedef struct
{
  ArbChartFrame frame;
  double        x_step;
  double        y_step;
  double        y_label_x;
} ScatterLayout;

static gboolean
point_ok (const ArbScatterData *data,
          guint                 i)
{
  return _arb_chart_is_finite (data->x[i]) && _arb_chart_is_finite (data->y[i]);
}

static double
error_of (const ArbScatterData *data,
          guint                 i)
{
  double e = data->y_error != NULL ? data->y_error[i] : NAN;

  return _arb_chart_is_finite (e) ? fabs (e) : 0;
}

static void
layout_scatter (cairo_t              *cr,
                double                width,
                double                height,
                const ArbChartStyle  *style,
                const ArbScatterData *data,
                ScatterLayout        *out)
{
  double top = ARB_CHART_PAD + _arb_chart_title_height (cr, style, data->title) + 4;
  double bottom = ARB_CHART_PAD + _arb_chart_x_axis_height (cr, style, data->x_label);
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  double left, label_h = 0, plot_w, plot_h, pad;

  for (guint i = 0; i < data->n; i++)
    {
      double e = error_of (data, i);

      if (!point_ok (data, i))
        continue;
      x_lo = MIN (x_lo, data->x[i]), x_hi = MAX (x_hi, data->x[i]);
      y_lo = MIN (y_lo, data->y[i] - e), y_hi = MAX (y_hi, data->y[i] + e);
    }
  if (_arb_chart_is_finite (data->x_reference))
    x_lo = MIN (x_lo, data->x_reference), x_hi = MAX (x_hi, data->x_reference);
  if (_arb_chart_is_finite (data->y_reference))
    y_lo = MIN (y_lo, data->y_reference), y_hi = MAX (y_hi, data->y_reference);
  if (!(x_lo <= x_hi))
    x_lo = 0, x_hi = 1;
  if (!(y_lo <= y_hi))
    y_lo = 0, y_hi = 1;

  if (data->y_label != NULL && *data->y_label != '\0')
    label_h = _arb_chart_line_height (cr, style, 1.0) + 6;
  plot_h = MAX (height - top - bottom, 1);
  /* Room around the extreme points for their labels: 6 % of the range each side. */
  pad = (y_hi - y_lo) * 0.06;
  _arb_chart_nice_range (y_lo - pad, y_hi + pad, _arb_chart_tick_target (plot_h, 60),
                         &out->frame.y_min, &out->frame.y_max, &out->y_step);
  left = ARB_CHART_PAD + label_h +
         _arb_chart_y_tick_width (cr, style, out->frame.y_min, out->frame.y_max, out->y_step) +
         4 + 3 + 2;
  plot_w = MAX (width - left - 3 * ARB_CHART_PAD, 1);
  pad = (x_hi - x_lo) * 0.08;
  _arb_chart_nice_range (x_lo - pad, x_hi + pad, _arb_chart_tick_target (plot_w, 90),
                         &out->frame.x_min, &out->frame.x_max, &out->x_step);
  out->frame.x = left;
  out->frame.y = top;
  out->frame.width = plot_w;
  out->frame.height = plot_h;
  out->frame.n_rows = 0;
  out->y_label_x = ARB_CHART_PAD;
}

gboolean
arb_chart_scatter_frame (cairo_t              *cr,
                         double                width,
                         double                height,
                         const ArbChartStyle  *style,
                         const ArbScatterData *data,
                         ArbChartFrame        *frame)
{
  ArbChartStyle storage;
  ScatterLayout L;

  g_return_val_if_fail (cr != NULL && data != NULL && frame != NULL, FALSE);
  g_return_val_if_fail (data->n == 0 || (data->x != NULL && data->y != NULL), FALSE);
  style = _arb_chart_style_or_default (style, &storage);
  layout_scatter (cr, width, height, style, data, &L);
  *frame = L.frame;
  return data->n > 0;
}

typedef struct
{
  double x0, y0, x1, y1;
} Box;

static gboolean
overlaps (const Box *a,
          const Box *b)
{
  return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

static gboolean
inside (const Box           *a,
        const ArbChartFrame *f)
{
  return a->x0 >= f->x + 1 && a->x1 <= f->x + f->width - 1 && a->y0 >= f->y + 1 &&
         a->y1 <= f->y + f->height - 1;
}

/* Greedy label placement: each label, in order, takes the first spot around its point (right,
 * left, above, below, then the diagonals, then the same farther out) that leaves every point,
 * error bar and earlier label clear and stays in the plot area. A label with no free spot
 * takes the least crowded one farther out, with a leader line to its point. */
static void
place_labels (cairo_t              *cr,
              const ArbChartStyle  *style,
              const ArbScatterData *data,
              const ArbChartFrame  *f)
{
  g_autoptr(GArray) obstacles = g_array_new (FALSE, FALSE, sizeof (Box));

  for (guint i = 0; i < data->n; i++)
    {
      double px, py, e;
      Box b;

      if (!point_ok (data, i))
        continue;
      px = arb_chart_frame_x (f, data->x[i]);
      py = arb_chart_frame_y (f, data->y[i]);
      b = (Box) { px - RADIUS - 1, py - RADIUS - 1, px + RADIUS + 1, py + RADIUS + 1 };
      g_array_append_val (obstacles, b);
      if ((e = error_of (data, i)) > 0)
        {
          b = (Box) { px - 4, arb_chart_frame_y (f, data->y[i] + e), px + 4,
                      arb_chart_frame_y (f, data->y[i] - e) };
          g_array_append_val (obstacles, b);
        }
    }

  _arb_chart_set_color (cr, &style->foreground);
  for (guint i = 0; i < data->n; i++)
    {
      g_autoptr(PangoLayout) layout = NULL;
      double px, py, w, h, best_score = INFINITY;
      Box best = { 0 };
      gboolean found = FALSE, leader = FALSE;

      if (!point_ok (data, i) || data->labels[i] == NULL || *data->labels[i] == '\0')
        continue;
      layout = _arb_chart_text (cr, style, data->labels[i], LABEL_SCALE, FALSE);
      _arb_chart_fit_width (layout, f->width / 3);
      _arb_chart_text_size (layout, &w, &h);
      px = arb_chart_frame_x (f, data->x[i]);
      py = arb_chart_frame_y (f, data->y[i]);

      for (int ring = 1; ring <= 4 && !found; ring++)
        {
          double d = RADIUS + 3 + (ring - 1) * (h * 0.9);
          /* Offsets of the label's centre, as multiples of (half width + d, half height + d). */
          static const double dirs[][2] = {
            { 1, 0 }, { -1, 0 }, { 0, -1 }, { 0, 1 }, { 1, -1 }, { -1, -1 }, { 1, 1 }, { -1, 1 },
          };

          for (guint k = 0; k < G_N_ELEMENTS (dirs); k++)
            {
              double cx = px + dirs[k][0] * (w / 2 + d);
              double cy = py + dirs[k][1] * (h / 2 + d * (dirs[k][0] != 0 ? 0.4 : 1));
              Box b = { cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2 };
              double score = 0;

              if (!inside (&b, f))
                continue;
              for (guint o = 0; o < obstacles->len; o++)
                {
                  const Box *ob = &g_array_index (obstacles, Box, o);

                  if (overlaps (&b, ob))
                    score += (MIN (b.x1, ob->x1) - MAX (b.x0, ob->x0)) *
                             (MIN (b.y1, ob->y1) - MAX (b.y0, ob->y0));
                }
              if (score == 0)
                {
                  best = b;
                  found = TRUE;
                  leader = ring > 1;
                  break;
                }
              if (score + ring < best_score)
                best_score = score + ring, best = b, leader = ring > 1;
            }
        }
      if (!found && !_arb_chart_is_finite (best_score))
        continue;
      g_array_append_val (obstacles, best);
      if (leader)
        {
          double lx = CLAMP (px, best.x0, best.x1), ly = CLAMP (py, best.y0, best.y1);

          cairo_save (cr);
          _arb_chart_set_color (cr, &style->muted);
          cairo_set_line_width (cr, 0.75);
          cairo_move_to (cr, px, py);
          cairo_line_to (cr, lx, ly);
          cairo_stroke (cr);
          cairo_restore (cr);
        }
      _arb_chart_draw_text (cr, layout, best.x0, best.y0, 0, 0);
    }
}

static void
reference_label (cairo_t             *cr,
                 const ArbChartStyle *style,
                 const char          *text,
                 double               x,
                 double               y,
                 double               xalign,
                 double               yalign)
{
  g_autoptr(PangoLayout) layout = NULL;

  if (text == NULL || *text == '\0')
    return;
  layout = _arb_chart_text (cr, style, text, 0.8, FALSE);
  _arb_chart_set_color (cr, &style->muted);
  _arb_chart_draw_text (cr, layout, x, y, xalign, yalign);
}

void
arb_chart_scatter (cairo_t              *cr,
                   double                width,
                   double                height,
                   const ArbChartStyle  *style,
                   const ArbScatterData *data)
{
  ArbChartStyle storage;
  ScatterLayout L;
  const ArbChartFrame *f = &L.frame;
  static const double dash[] = { 5, 3 };

  g_return_if_fail (cr != NULL && data != NULL);
  g_return_if_fail (data->n == 0 || (data->x != NULL && data->y != NULL));
  style = _arb_chart_style_or_default (style, &storage);

  cairo_save (cr);
  _arb_chart_fill_background (cr, width, height, style);
  layout_scatter (cr, width, height, style, data, &L);
  _arb_chart_draw_title (cr, style, width, data->title);
  _arb_chart_draw_grid (cr, style, f, L.x_step, L.y_step);

  cairo_save (cr);
  _arb_chart_set_color (cr, &style->muted);
  cairo_set_line_width (cr, 1.5);
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
  if (_arb_chart_is_finite (data->x_reference))
    {
      double x = arb_chart_frame_x (f, data->x_reference);

      cairo_move_to (cr, x, f->y);
      cairo_line_to (cr, x, f->y + f->height);
      cairo_stroke (cr);
      reference_label (cr, style, data->x_reference_label, x + 4, f->y + 2, 0, 0);
    }
  if (_arb_chart_is_finite (data->y_reference))
    {
      double y = arb_chart_frame_y (f, data->y_reference);

      cairo_move_to (cr, f->x, y);
      cairo_line_to (cr, f->x + f->width, y);
      cairo_stroke (cr);
      reference_label (cr, style, data->y_reference_label, f->x + f->width - 4, y - 2, 1, 1);
    }
  cairo_restore (cr);

  _arb_chart_draw_x_axis (cr, style, f, L.x_step, data->x_label);
  _arb_chart_draw_y_axis (cr, style, f, L.y_step, data->y_label, L.y_label_x);

  for (guint i = 0; i < data->n; i++)
    {
      double px, py, e;

      if (!point_ok (data, i))
        continue;
      px = arb_chart_frame_x (f, data->x[i]);
      py = arb_chart_frame_y (f, data->y[i]);
      _arb_chart_set_color (cr, &style->accent);
      if ((e = error_of (data, i)) > 0)
        {
          double y0 = arb_chart_frame_y (f, data->y[i] + e), y1 = arb_chart_frame_y (f, data->y[i] - e);

          cairo_set_line_width (cr, 1.5);
          cairo_move_to (cr, px, y0);
          cairo_line_to (cr, px, y1);
          cairo_move_to (cr, px - 4, y0);
          cairo_line_to (cr, px + 4, y0);
          cairo_move_to (cr, px - 4, y1);
          cairo_line_to (cr, px + 4, y1);
          cairo_stroke (cr);
        }
      cairo_arc (cr, px, py, RADIUS, 0, 2 * G_PI);
      cairo_fill_preserve (cr);
      _arb_chart_set_color (cr, &style->background);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
    }
  if (data->labels != NULL)
    place_labels (cr, style, data, f);
  cairo_restore (cr);
}
