/* arb-chart-axis.h: titles, axes and grids shared by the forest and the scatter plot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-chart-private.h"

G_BEGIN_DECLS

double _arb_chart_line_height   (cairo_t             *cr,
                                 const ArbChartStyle *style,
                                 double               scale);
/* The room a title takes at the top (0 without one), and drawing it centred there. */
double _arb_chart_title_height  (cairo_t             *cr,
                                 const ArbChartStyle *style,
                                 const char          *title);
void   _arb_chart_draw_title    (cairo_t             *cr,
                                 const ArbChartStyle *style,
                                 double               width,
                                 const char          *title);
/* The room under the plot area for tick marks, tick labels and the axis label. */
double _arb_chart_x_axis_height (cairo_t             *cr,
                                 const ArbChartStyle *style,
                                 const char          *label);
/* The widest tick label from lo to hi by step. */
double _arb_chart_y_tick_width  (cairo_t             *cr,
                                 const ArbChartStyle *style,
                                 double               lo,
                                 double               hi,
                                 double               step);
void   _arb_chart_draw_grid     (cairo_t             *cr,
                                 const ArbChartStyle *style,
                                 const ArbChartFrame *frame,
                                 double               x_step,
                                 double               y_step);
void   _arb_chart_draw_x_axis   (cairo_t             *cr,
                                 const ArbChartStyle *style,
                                 const ArbChartFrame *frame,
                                 double               step,
                                 const char          *label);
/* label_x: where the (rotated) axis label's top edge goes. */
void   _arb_chart_draw_y_axis   (cairo_t             *cr,
                                 const ArbChartStyle *style,
                                 const ArbChartFrame *frame,
                                 double               step,
                                 const char          *label,
                                 double               label_x);
/* About one tick per spacing units of length, 3 to 10. */
int    _arb_chart_tick_target   (double               length,
                                 double               spacing);

G_END_DECLS
