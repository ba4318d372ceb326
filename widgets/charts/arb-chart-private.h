/* arb-chart-private.h: what the charts share (text, ticks, colours)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <pango/pangocairo.h>

#include "arb-chart.h"

G_BEGIN_DECLS

/* The gap between things, in user units. */
#define ARB_CHART_PAD 8.0

const ArbChartStyle *_arb_chart_style_or_default (const ArbChartStyle *style,
                                                  ArbChartStyle       *storage);

void         _arb_chart_set_color   (cairo_t             *cr,
                                     const ArbRgba       *color);
void         _arb_chart_fill_background (cairo_t             *cr,
                                         double               width,
                                         double               height,
                                         const ArbChartStyle *style);

/* A layout of text (made valid UTF-8) in the style's font at size × scale. */
PangoLayout *_arb_chart_text        (cairo_t             *cr,
                                     const ArbChartStyle *style,
                                     const char          *text,
                                     double               scale,
                                     gboolean             bold);
void         _arb_chart_text_size   (PangoLayout         *layout,
                                     double              *width,
                                     double              *height);
/* Draws layout with its logical box aligned at (x, y): xalign 0 left … 1 right, yalign 0 top …
 * 1 bottom. */
void         _arb_chart_draw_text   (cairo_t             *cr,
                                     PangoLayout         *layout,
                                     double               x,
                                     double               y,
                                     double               xalign,
                                     double               yalign);
/* Cuts text with an ellipsis at the end to fit max_width (no limit if <= 0). */
void         _arb_chart_fit_width   (PangoLayout         *layout,
                                     double               max_width);

/* Nice ticks (Heckbert, "Nice numbers for graph labels", Graphics Gems 1990): the range
 * [lo, hi] widened to multiples of a step of 1, 2 or 5 × 10^k, about target ticks. */
void         _arb_chart_nice_range  (double               lo,
                                     double               hi,
                                     int                  target,
                                     double              *nice_lo,
                                     double              *nice_hi,
                                     double              *step);
/* A tick value printed with as many decimals as the step needs. */
char        *_arb_chart_tick_label  (double               value,
                                     double               step);

gboolean     _arb_chart_is_finite   (double               v);

G_END_DECLS
