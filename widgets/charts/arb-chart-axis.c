/* arb-chart-axis.c: titles, axes and grids shared by the forest and the scatter plot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include "arb-chart-axis.h"

#define TITLE_SCALE 1.25
#define TICK_SCALE 0.9
#define TICK_LENGTH 4.0

double
_arb_chart_line_height (cairo_t             *cr,
                        const ArbChartStyle *style,
                        double               scale)
{
  g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, "0", scale, FALSE);
  double h;

  _arb_chart_text_size (layout, NULL, &h);
  return h;
}

double
_arb_chart_title_height (cairo_t             *cr,
                         const ArbChartStyle *style,
                         const char          *title)
{
  if (title == NULL || *title == '\0')
    return 0;
  return _arb_chart_line_height (cr, style, TITLE_SCALE) + ARB_CHART_PAD;
}

void
_arb_chart_draw_title (cairo_t             *cr,
                       const ArbChartStyle *style,
                       double               width,
                       const char          *title)
{
  g_autoptr(PangoLayout) layout = NULL;

  if (title == NULL || *title == '\0')
    return;
  layout = _arb_chart_text (cr, style, title, TITLE_SCALE, TRUE);
  _arb_chart_fit_width (layout, width - 2 * ARB_CHART_PAD);
  _arb_chart_set_color (cr, &style->foreground);
  _arb_chart_draw_text (cr, layout, width / 2, ARB_CHART_PAD, 0.5, 0);
}

double
_arb_chart_x_axis_height (cairo_t             *cr,
                          const ArbChartStyle *style,
                          const char          *label)
{
  double h = TICK_LENGTH + 2 + _arb_chart_line_height (cr, style, TICK_SCALE);

  if (label != NULL && *label != '\0')
    h += 4 + _arb_chart_line_height (cr, style, 1.0);
  return h;
}

double
_arb_chart_y_tick_width (cairo_t             *cr,
                         const ArbChartStyle *style,
                         double               lo,
                         double               hi,
                         double               step)
{
  double widest = 0;

  for (double v = lo; v <= hi + step * 1e-6; v += step)
    {
      g_autofree char *s = _arb_chart_tick_label (v, step);
      g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, s, TICK_SCALE, FALSE);
      double w;

      _arb_chart_text_size (layout, &w, NULL);
      widest = MAX (widest, w);
    }
  return widest;
}

void
_arb_chart_draw_grid (cairo_t             *cr,
                      const ArbChartStyle *style,
                      const ArbChartFrame *frame,
                      double               x_step,
                      double               y_step)
{
  cairo_save (cr);
  _arb_chart_set_color (cr, &style->grid);
  cairo_set_line_width (cr, 1);
  if (x_step > 0)
    for (double v = frame->x_min; v <= frame->x_max + x_step * 1e-6; v += x_step)
      {
        /* On the pixel grid, so a 1-unit line is one crisp pixel. */
        double x = round (arb_chart_frame_x (frame, v)) + 0.5;

        cairo_move_to (cr, x, frame->y);
        cairo_line_to (cr, x, frame->y + frame->height);
      }
  if (y_step > 0)
    for (double v = frame->y_min; v <= frame->y_max + y_step * 1e-6; v += y_step)
      {
        double y = round (arb_chart_frame_y (frame, v)) + 0.5;

        cairo_move_to (cr, frame->x, y);
        cairo_line_to (cr, frame->x + frame->width, y);
      }
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
_arb_chart_draw_x_axis (cairo_t             *cr,
                        const ArbChartStyle *style,
                        const ArbChartFrame *frame,
                        double               step,
                        const char          *label)
{
  double base = round (frame->y + frame->height) + 0.5;
  double tick_h = _arb_chart_line_height (cr, style, TICK_SCALE);

  cairo_save (cr);
  _arb_chart_set_color (cr, &style->foreground);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, frame->x, base);
  cairo_line_to (cr, frame->x + frame->width, base);
  for (double v = frame->x_min; v <= frame->x_max + step * 1e-6; v += step)
    {
      double x = round (arb_chart_frame_x (frame, v)) + 0.5;

      cairo_move_to (cr, x, base);
      cairo_line_to (cr, x, base + TICK_LENGTH);
    }
  cairo_stroke (cr);
  for (double v = frame->x_min; v <= frame->x_max + step * 1e-6; v += step)
    {
      g_autofree char *s = _arb_chart_tick_label (v, step);
      g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, s, TICK_SCALE, FALSE);

      _arb_chart_draw_text (cr, layout, arb_chart_frame_x (frame, v), base + TICK_LENGTH + 2,
                            0.5, 0);
    }
  if (label != NULL && *label != '\0')
    {
      g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, label, 1.0, FALSE);

      _arb_chart_fit_width (layout, frame->width);
      _arb_chart_draw_text (cr, layout, frame->x + frame->width / 2,
                            base + TICK_LENGTH + 2 + tick_h + 4, 0.5, 0);
    }
  cairo_restore (cr);
}

void
_arb_chart_draw_y_axis (cairo_t             *cr,
                        const ArbChartStyle *style,
                        const ArbChartFrame *frame,
                        double               step,
                        const char          *label,
                        double               label_x)
{
  double base = round (frame->x) - 0.5;

  cairo_save (cr);
  _arb_chart_set_color (cr, &style->foreground);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, base, frame->y);
  cairo_line_to (cr, base, frame->y + frame->height);
  for (double v = frame->y_min; v <= frame->y_max + step * 1e-6; v += step)
    {
      double y = round (arb_chart_frame_y (frame, v)) + 0.5;

      cairo_move_to (cr, base, y);
      cairo_line_to (cr, base - TICK_LENGTH, y);
    }
  cairo_stroke (cr);
  for (double v = frame->y_min; v <= frame->y_max + step * 1e-6; v += step)
    {
      g_autofree char *s = _arb_chart_tick_label (v, step);
      g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, s, TICK_SCALE, FALSE);

      _arb_chart_draw_text (cr, layout, base - TICK_LENGTH - 3, arb_chart_frame_y (frame, v),
                            1, 0.5);
    }
  if (label != NULL && *label != '\0')
    {
      g_autoptr(PangoLayout) layout = _arb_chart_text (cr, style, label, 1.0, FALSE);

      /* Read bottom to top, centred on the axis. */
      _arb_chart_fit_width (layout, frame->height);
      cairo_save (cr);
      cairo_translate (cr, label_x, frame->y + frame->height / 2);
      cairo_rotate (cr, -G_PI / 2);
      _arb_chart_draw_text (cr, layout, 0, 0, 0.5, 0);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

int
_arb_chart_tick_target (double length,
                        double spacing)
{
  return CLAMP ((int) (length / spacing), 3, 10);
}
