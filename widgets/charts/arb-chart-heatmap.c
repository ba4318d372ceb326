/* arb-chart-heatmap.c: a matrix of values as coloured cells, with a colour bar
 *
 * The cells' layout depends on the size and the number of rows and columns only (not on the
 * labels' text), so arb_chart_heatmap_hit can find a cell without drawing; long labels are
 * shortened with an ellipsis to the room they have instead.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "arb-chart-axis.h"

#define TOP 48.0            /* title */
#define LEGEND_WIDTH 100.0  /* colour bar, its ticks and its label */
#define BAR_WIDTH 14.0

typedef struct
{
  double x, y;        /* top left of the grid */
  double cell;        /* cells are square */
  double label_left;  /* the row labels go from here to x − PAD */
  double bottom;      /* room for the column labels under the grid */
} HeatmapLayout;

static gboolean
layout_heatmap (double         width,
                double         height,
                guint          n_rows,
                guint          n_cols,
                HeatmapLayout *out)
{
  double left = CLAMP (width * 0.22, 60, 220);
  double bottom = CLAMP (height * 0.26, 48, 170);
  double aw = width - left - LEGEND_WIDTH - ARB_CHART_PAD;
  double ah = height - TOP - bottom;

  if (n_rows == 0 || n_cols == 0 || aw <= 0 || ah <= 0)
    return FALSE;
  out->cell = MIN (aw / n_cols, ah / n_rows);
  /* Centred across the room; the row labels get what is left on the left. */
  out->x = left + (aw - n_cols * out->cell) / 2;
  out->y = TOP;
  out->label_left = ARB_CHART_PAD;
  out->bottom = bottom;
  return TRUE;
}

gboolean
arb_chart_heatmap_cell (double  width,
                        double  height,
                        guint   n_rows,
                        guint   n_cols,
                        guint   row,
                        guint   col,
                        double *x,
                        double *y,
                        double *cell_width,
                        double *cell_height)
{
  HeatmapLayout L;

  if (!layout_heatmap (width, height, n_rows, n_cols, &L) || row >= n_rows || col >= n_cols)
    return FALSE;
  if (x != NULL)
    *x = L.x + col * L.cell;
  if (y != NULL)
    *y = L.y + row * L.cell;
  if (cell_width != NULL)
    *cell_width = L.cell;
  if (cell_height != NULL)
    *cell_height = L.cell;
  return TRUE;
}

gboolean
arb_chart_heatmap_hit (double  width,
                       double  height,
                       guint   n_rows,
                       guint   n_cols,
                       double  x,
                       double  y,
                       int    *row,
                       int    *col)
{
  HeatmapLayout L;
  double c, r;

  if (row != NULL)
    *row = -1;
  if (col != NULL)
    *col = -1;
  if (!layout_heatmap (width, height, n_rows, n_cols, &L))
    return FALSE;
  c = floor ((x - L.x) / L.cell);
  r = floor ((y - L.y) / L.cell);
  if (!(c >= 0 && c < n_cols && r >= 0 && r < n_rows))
    return FALSE;
  if (row != NULL)
    *row = (int) r;
  if (col != NULL)
    *col = (int) c;
  return TRUE;
}

/* WCAG 2's relative luminance. */
static double
luminance (const ArbRgba *c)
{
  double v[3] = { c->r, c->g, c->b };

  for (int i = 0; i < 3; i++)
    v[i] = v[i] <= 0.03928 ? v[i] / 12.92 : pow ((v[i] + 0.055) / 1.055, 2.4);
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}

/* Black or white, whichever contrasts more with the cell (WCAG contrast ratio). */
static ArbRgba
text_on (const ArbRgba *cell)
{
  double l = luminance (cell);

  return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? (ArbRgba) { 0, 0, 0, 0.87 }
                                               : (ArbRgba) { 1, 1, 1, 1 };
}

static void
draw_empty_cell (cairo_t             *cr,
                 const ArbChartStyle *style,
                 double               x,
                 double               y,
                 double               size)
{
  cairo_save (cr);
  cairo_rectangle (cr, x, y, size, size);
  cairo_clip (cr);
  _arb_chart_set_color (cr, &style->background);
  cairo_paint (cr);
  /* A light hatch says "no value here" in every medium, printed ones too. */
  _arb_chart_set_color (cr, &style->grid);
  cairo_set_line_width (cr, 1);
  for (double d = -size; d < size; d += 7)
    {
      cairo_move_to (cr, x + d, y + size);
      cairo_line_to (cr, x + d + size, y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_legend (cairo_t              *cr,
             const ArbChartStyle  *style,
             const ArbHeatmapData *data,
             double                x,
             double                y,
             double                h,
             double                width)
{
  double c = _arb_chart_is_finite (data->center) ? data->center : (data->min + data->max) / 2;
  double lo, hi, step, tick_w = 0;
  cairo_pattern_t *p;
  int n_stops = data->scale == ARB_CHART_SCALE_SEQUENTIAL ? 2 : 3;

  /* A scale of no width has no bar to draw. */
  if (!(data->max > data->min) || !_arb_chart_is_finite (data->max - data->min))
    return;
  p = cairo_pattern_create_linear (0, y + h, 0, y);

  for (int i = 0; i < n_stops; i++)
    {
      double t = i == 0 ? 0 : i == n_stops - 1 ? 1 : CLAMP ((c - data->min) / (data->max - data->min), 0, 1);
      ArbRgba col;

      arb_chart_scale_color (style, data->scale, data->min, data->center, data->max,
                             data->min + t * (data->max - data->min), &col);
      cairo_pattern_add_color_stop_rgba (p, t, col.r, col.g, col.b, col.a);
    }
  cairo_save (cr);
  cairo_rectangle (cr, x, y, BAR_WIDTH, h);
  cairo_set_source (cr, p);
  cairo_fill_preserve (cr);
  cairo_pattern_destroy (p);
  _arb_chart_set_color (cr, &style->muted);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  /* Ticks at the nice values inside [min, max]. */
  _arb_chart_nice_range (data->min, data->max, _arb_chart_tick_target (h, 40), &lo, &hi, &step);
  _arb_chart_set_color (cr, &style->foreground);
  for (double v = lo; v <= hi + step * 1e-6; v += step)
    {
      double ty;
      g_autofree char *s = NULL;
      g_autoptr(PangoLayout) layout = NULL;
      double w;

      if (v < data->min - step * 1e-6 || v > data->max + step * 1e-6)
        continue;
      ty = y + h - (v - data->min) / (data->max - data->min) * h;
      cairo_move_to (cr, x + BAR_WIDTH, round (ty) + 0.5);
      cairo_line_to (cr, x + BAR_WIDTH + 4, round (ty) + 0.5);
      cairo_stroke (cr);
      s = _arb_chart_tick_label (v, step);
      layout = _arb_chart_text (cr, style, s, 0.9, FALSE);
      _arb_chart_text_size (layout, &w, NULL);
      tick_w = MAX (tick_w, w);
      _arb_chart_draw_text (cr, layout, x + BAR_WIDTH + 6, ty, 0, 0.5);
    }
  if (data->legend_label != NULL)
    {
      g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, data->legend_label, 0.9, FALSE);
      double lx = MIN (x + BAR_WIDTH + 6 + tick_w + 6, width - ARB_CHART_PAD -
                       _arb_chart_line_height (cr, style, 0.9));

      _arb_chart_fit_width (layout, MAX (h, 120));
      cairo_translate (cr, lx, y + h / 2);
      cairo_rotate (cr, -G_PI / 2);
      _arb_chart_draw_text (cr, layout, 0, 0, 0.5, 0);
    }
  cairo_restore (cr);
}

void
arb_chart_heatmap (cairo_t              *cr,
                   double                width,
                   double                height,
                   const ArbChartStyle  *style,
                   const ArbHeatmapData *data)
{
  ArbChartStyle storage;
  HeatmapLayout L;
  double line, label_scale, col_scale, widest_col = 0, col_h;
  gboolean rotate = FALSE, steep;

  g_return_if_fail (cr != NULL && data != NULL);
  g_return_if_fail (data->n_rows == 0 || data->n_cols == 0 || data->values != NULL);
  style = _arb_chart_style_or_default (style, &storage);

  cairo_save (cr);
  _arb_chart_fill_background (cr, width, height, style);
  _arb_chart_draw_title (cr, style, width, data->title);
  if (!layout_heatmap (width, height, data->n_rows, data->n_cols, &L))
    {
      cairo_restore (cr);
      return;
    }

  line = _arb_chart_line_height (cr, style, 1.0);
  label_scale = CLAMP (L.cell * 0.8 / line, 0.6, 1.0);

  /* Cells, with a hairline of background between them. */
  for (guint r = 0; r < data->n_rows; r++)
    for (guint c = 0; c < data->n_cols; c++)
      {
        double v = data->values[r * data->n_cols + c];
        double x = L.x + c * L.cell, y = L.y + r * L.cell;
        ArbRgba col;

        if (!_arb_chart_is_finite (v))
          {
            draw_empty_cell (cr, style, x + 0.5, y + 0.5, L.cell - 1);
            continue;
          }
        arb_chart_scale_color (style, data->scale, data->min, data->center, data->max, v, &col);
        _arb_chart_set_color (cr, &col);
        cairo_rectangle (cr, x + 0.5, y + 0.5, L.cell - 1, L.cell - 1);
        cairo_fill (cr);
        if (data->value_format != NULL)
          {
            g_autofree char *s = g_strdup_printf (data->value_format, v);
            g_autoptr(PangoLayout) layout = NULL;
            double w, h;
            ArbRgba fg = text_on (&col);

            /* Written only where it fits whole, at the labels' size or a little smaller. */
            for (double scale = label_scale; scale >= 0.6; scale -= 0.1)
              {
                g_clear_object (&layout);
                layout = _arb_chart_text (cr, style, s, scale, FALSE);
                _arb_chart_text_size (layout, &w, &h);
                if (w <= L.cell - 6 && h <= L.cell - 2)
                  break;
              }
            if (w <= L.cell - 6 && h <= L.cell - 2)
              {
                _arb_chart_set_color (cr, &fg);
                _arb_chart_draw_text (cr, layout, x + L.cell / 2, y + L.cell / 2, 0.5, 0.5);
              }
          }
      }

  /* Row labels, right-aligned against the grid. */
  _arb_chart_set_color (cr, &style->foreground);
  for (guint r = 0; r < data->n_rows && data->row_labels != NULL; r++)
    {
      g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, data->row_labels[r],
                                                       label_scale, FALSE);

      _arb_chart_fit_width (layout, L.x - ARB_CHART_PAD - L.label_left);
      _arb_chart_draw_text (cr, layout, L.x - ARB_CHART_PAD, L.y + (r + 0.5) * L.cell, 1, 0.5);
    }

  /* Column labels under the grid: level when each fits its column, else at 45° (each then
   * needs about 1.4 line heights of width, so they shrink with narrow columns). */
  col_scale = label_scale;
  for (guint c = 0; c < data->n_cols && data->col_labels != NULL; c++)
    {
      g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, data->col_labels[c],
                                                       col_scale, FALSE);
      double w;

      _arb_chart_text_size (layout, &w, NULL);
      widest_col = MAX (widest_col, w);
    }
  if (widest_col > L.cell - 4)
    {
      rotate = TRUE;
      col_scale = CLAMP (L.cell / (1.45 * line), 0.6, label_scale);
    }
  col_h = _arb_chart_line_height (cr, style, col_scale);
  /* Labels at 45° stand √2 line heights apart; upright ones one line height. */
  steep = rotate && L.cell < col_h * G_SQRT2;
  for (guint c = 0; c < data->n_cols && data->col_labels != NULL; c++)
    {
      g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, data->col_labels[c],
                                                       col_scale, FALSE);
      double cx = L.x + (c + 0.5) * L.cell, top = L.y + data->n_rows * L.cell + 4;

      if (!rotate)
        {
          _arb_chart_draw_text (cr, layout, cx, top, 0.5, 0);
          continue;
        }
      cairo_save (cr);
      if (steep)
        {
          /* Too narrow even at 45°: straight up, the end of the text under the column. */
          _arb_chart_fit_width (layout, L.bottom - 2 * ARB_CHART_PAD);
          cairo_translate (cr, cx, top);
          cairo_rotate (cr, -G_PI / 2);
        }
      else
        {
          /* The end of the text at the column's centre, reading up to the right. */
          _arb_chart_fit_width (layout, (L.bottom - 2 * ARB_CHART_PAD) * G_SQRT2 - col_h);
          cairo_translate (cr, cx + col_h / 4, top + col_h / 4);
          cairo_rotate (cr, -G_PI / 4);
        }
      _arb_chart_draw_text (cr, layout, 0, 0, 1, 0.5);
      cairo_restore (cr);
    }

  draw_legend (cr, style, data, L.x + data->n_cols * L.cell + 20, L.y,
               MAX (data->n_rows * L.cell, MIN (160, height - L.y - L.bottom)), width);
  cairo_restore (cr);
}
