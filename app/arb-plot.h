/* arb-plot.h: the dashboard's charts made from the statistics, for the GUI and `arbiter-cli plot`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-chart.h"
#include "arb-stats.h"

G_BEGIN_DECLS

typedef enum
{
  ARB_PLOT_RATINGS,     /* forest plot of the Bradley-Terry ratings with their intervals */
  ARB_PLOT_WIN_MATRIX,  /* heatmap: the row's share of wins over the column */
  ARB_PLOT_LENGTH,      /* scatter: mean length against win rate over the baseline */
  ARB_PLOT_AGREEMENT,   /* heatmap: Cohen's κ between raters */
} ArbPlotKind;

/* "ratings", "win-matrix", "length", "agreement", NULL: in ArbPlotKind order. */
extern const char * const arb_plot_names[];

typedef struct _ArbPlot ArbPlot;

ArbPlot            *arb_plot_new                (ArbPlotKind         kind,
                                                 const ArbStats     *stats,
                                                 const ArbAgreement *agreement,
                                                 const char         *category,
                                                 guint               bootstrap,
                                                 GError            **error);
void                arb_plot_free               (ArbPlot            *plot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbPlot, arb_plot_free)
ArbPlotKind         arb_plot_get_kind           (const ArbPlot      *plot);
void                arb_plot_set_dark           (ArbPlot            *plot,
                                                 gboolean            dark);
const char * const *arb_plot_get_heatmap_labels (const ArbPlot      *plot,
                                                 guint              *n);
void                arb_plot_draw               (cairo_t            *cr,
                                                 double              width,
                                                 double              height,
                                                 gpointer            plot);

G_END_DECLS
