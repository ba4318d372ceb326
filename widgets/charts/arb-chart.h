/* arb-chart.h: the charts of the dashboard and of `arbiter-cli plot`, drawn with cairo and pango
 *
 * Plain data in, drawing on a cairo_t of a given size out: the same code paints a GTK widget,
 * a PNG, an SVG and a PDF. Nothing here knows about GTK or the workspace. Every text goes
 * through pango (any UTF-8 name renders); numbers are formatted in the C locale's way by the
 * caller's printf format. Lengths are in cairo user units (pixels on an image surface).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double r, g, b, a;
} ArbRgba;

/* Colours and font of a chart; init_light/init_dark follow libadwaita's light and dark styles. */
typedef struct
{
  ArbRgba     foreground;     /* text, axes, markers' outline */
  ArbRgba     background;
  ArbRgba     accent;         /* points and intervals */
  ArbRgba     grid;           /* grid lines, bands, the hatch of empty cells */
  ArbRgba     muted;          /* reference lines, secondary text */
  ArbRgba     sequential[2];  /* low and high end of a sequential colour scale */
  ArbRgba     diverging[3];   /* low end, centre and high end of a diverging scale */
  const char *font_family;    /* a pango family list, e.g. "Cantarell, DejaVu Sans, sans-serif";
                               * not owned */
  double      font_size;      /* of ordinary text, in user units (pixels) */
} ArbChartStyle;

void arb_chart_style_init_light (ArbChartStyle *style);
void arb_chart_style_init_dark  (ArbChartStyle *style);

/* Where a chart put its data: the rectangle of the plot area and the values at its edges. A GUI
 * maps the pointer with it (tooltips), tests sample pixels with it. */
typedef struct
{
  double x, y, width, height;  /* the plot area */
  double x_min, x_max;         /* values at its left and right edge */
  double y_min, y_max;         /* values at its bottom and top edge (scatter) */
  guint  n_rows;               /* forest: rows, top to bottom, each height / n_rows high */
} ArbChartFrame;

double arb_chart_frame_x (const ArbChartFrame *frame,
                          double               value);
double arb_chart_frame_y (const ArbChartFrame *frame,
                          double               value);
/* The vertical centre of row i of a forest plot. */
double arb_chart_frame_row_y (const ArbChartFrame *frame,
                              guint                row);

/* ---- forest plot ------------------------------------------------------------------------ */

typedef struct
{
  const char         *title;          /* NULL: none */
  const char         *axis_label;     /* under the value axis; NULL: none */
  const char * const *labels;         /* n, one per row, top to bottom */
  const double       *values;         /* n; NaN: no point (the row stays, labelled) */
  const double       *low;            /* n or NULL; NaN: no interval on that row */
  const double       *high;
  guint               n;
  double              reference;      /* a vertical line at this value; NaN: none */
  const char         *reference_label; /* written at the top of the line; NULL: none */
  const char         *value_format;   /* printf of one double: value and interval written at
                                       * the right of each row; NULL: not written */
} ArbForestData;

void     arb_chart_forest       (cairo_t             *cr,
                                 double               width,
                                 double               height,
                                 const ArbChartStyle *style,
                                 const ArbForestData *data);
gboolean arb_chart_forest_frame (cairo_t             *cr,
                                 double               width,
                                 double               height,
                                 const ArbChartStyle *style,
                                 const ArbForestData *data,
                                 ArbChartFrame       *frame);

/* ---- heatmap ---------------------------------------------------------------------------- */

typedef enum
{
  ARB_CHART_SCALE_SEQUENTIAL,  /* min → max from sequential[0] to sequential[1] */
  ARB_CHART_SCALE_DIVERGING,   /* min → centre → max through diverging[0..2] */
} ArbChartScale;

typedef struct
{
  const char         *title;
  const char * const *row_labels;     /* n_rows */
  const char * const *col_labels;     /* n_cols */
  guint               n_rows;
  guint               n_cols;
  const double       *values;         /* n_rows × n_cols, row-major; NaN: an empty cell */
  ArbChartScale       scale;
  double              min;            /* values outside [min, max] take the colour of the end */
  double              max;
  double              center;         /* diverging: the neutral value; NaN: (min + max) / 2 */
  const char         *value_format;   /* printf of one double, written in cells big enough;
                                       * NULL: not written */
  const char         *legend_label;   /* beside the colour bar; NULL: none */
} ArbHeatmapData;

void     arb_chart_heatmap     (cairo_t              *cr,
                                double                width,
                                double                height,
                                const ArbChartStyle  *style,
                                const ArbHeatmapData *data);
/* The cell under (x, y) of a heatmap drawn at width × height with n_rows × n_cols cells: TRUE
 * with *row and *col set, or FALSE with both -1. The layout depends on these numbers only. */
gboolean arb_chart_heatmap_hit (double                width,
                                double                height,
                                guint                 n_rows,
                                guint                 n_cols,
                                double                x,
                                double                y,
                                int                  *row,
                                int                  *col);
/* The rectangle of cell (row, col); FALSE when it does not exist. */
gboolean arb_chart_heatmap_cell (double                width,
                                 double                height,
                                 guint                 n_rows,
                                 guint                 n_cols,
                                 guint                 row,
                                 guint                 col,
                                 double               *x,
                                 double               *y,
                                 double               *cell_width,
                                 double               *cell_height);
/* The colour a value takes on a scale; NaN takes the background. */
void     arb_chart_scale_color (const ArbChartStyle  *style,
                                ArbChartScale         scale,
                                double                min,
                                double                center,
                                double                max,
                                double                value,
                                ArbRgba              *out);

/* ---- scatter plot ----------------------------------------------------------------------- */

typedef struct
{
  const char         *title;
  const char         *x_label;
  const char         *y_label;
  const char * const *labels;         /* n or NULL: each point's name, placed beside it */
  const double       *x;              /* n; a point with a NaN coordinate is left out */
  const double       *y;
  const double       *y_error;        /* n or NULL: error bar of ± y_error; NaN: none */
  guint               n;
  double              x_reference;    /* a vertical line; NaN: none */
  const char         *x_reference_label;
  double              y_reference;    /* a horizontal line; NaN: none */
  const char         *y_reference_label;
} ArbScatterData;

void     arb_chart_scatter       (cairo_t              *cr,
                                  double                width,
                                  double                height,
                                  const ArbChartStyle  *style,
                                  const ArbScatterData *data);
gboolean arb_chart_scatter_frame (cairo_t              *cr,
                                  double                width,
                                  double                height,
                                  const ArbChartStyle  *style,
                                  const ArbScatterData *data,
                                  ArbChartFrame        *frame);

/* ---- files ------------------------------------------------------------------------------ */

#define ARB_CHART_ERROR (arb_chart_error_quark ())

typedef enum
{
  ARB_CHART_ERROR_FORMAT,  /* the file name does not end in .png, .svg or .pdf */
  ARB_CHART_ERROR_WRITE,   /* the file could not be written */
} ArbChartError;

GQuark arb_chart_error_quark (void);

typedef void (*ArbChartDrawFunc) (cairo_t *cr,
                                  double   width,
                                  double   height,
                                  gpointer user_data);

/* Draws into PNG, SVG or PDF by the extension of path (case-insensitive), through a temporary
 * file beside it that is renamed over path once complete: path is never left half-written. */
gboolean arb_chart_save (const char        *path,
                         int                width,
                         int                height,
                         ArbChartDrawFunc   draw,
                         gpointer           user_data,
                         GError           **error);

G_END_DECLS
