/* test-charts.c: widgets/charts drawn on image surfaces, checked pixel by pixel where the data
 * must land, and saved as PNG, SVG and PDF (suite core)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "arb-chart.h"
#include "arb-test-util.h"

#define W 800
#define H 500

typedef struct
{
  double r, g, b;
} Pixel;

static cairo_surface_t *
new_surface (void)
{
  return cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
}

static Pixel
pixel_at (cairo_surface_t *s,
          double           x,
          double           y)
{
  int ix = (int) floor (x), iy = (int) floor (y);
  const unsigned char *data;
  guint32 p;

  cairo_surface_flush (s);
  g_assert_cmpint (ix, >=, 0);
  g_assert_cmpint (iy, >=, 0);
  g_assert_cmpint (ix, <, cairo_image_surface_get_width (s));
  g_assert_cmpint (iy, <, cairo_image_surface_get_height (s));
  data = cairo_image_surface_get_data (s);
  p = *(const guint32 *) (data + iy * cairo_image_surface_get_stride (s) + ix * 4);
  /* Opaque (every chart paints its background), so premultiplication changes nothing. */
  g_assert_cmpuint (p >> 24, ==, 0xff);
  return (Pixel) { ((p >> 16) & 0xff) / 255.0, ((p >> 8) & 0xff) / 255.0, (p & 0xff) / 255.0 };
}

static double
distance (Pixel          p,
          const ArbRgba *c)
{
  /* A colour with alpha is seen over the white background of the light style. */
  double r = c->r * c->a + (1 - c->a), g = c->g * c->a + (1 - c->a), b = c->b * c->a + (1 - c->a);

  return MAX (fabs (p.r - r), MAX (fabs (p.g - g), fabs (p.b - b)));
}

/* Is any pixel of the 3 × 3 around (x, y) within tol of the colour? (A 1.5-unit line at a
 * fractional position covers no single pixel fully.) */
static gboolean
near_color (cairo_surface_t *s,
            double           x,
            double           y,
            const ArbRgba   *c,
            double           tol)
{
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++)
      if (distance (pixel_at (s, x + dx, y + dy), c) <= tol)
        return TRUE;
  return FALSE;
}

static gboolean
has_ink (cairo_surface_t *s,
         double           x0,
         double           y0,
         double           x1,
         double           y1,
         const ArbRgba   *background)
{
  for (double y = y0; y < y1; y++)
    for (double x = x0; x < x1; x++)
      if (distance (pixel_at (s, x, y), background) > 0.25)
        return TRUE;
  return FALSE;
}

/* ---- forest ------------------------------------------------------------------------------ */

static void
test_forest (void)
{
  static const char *labels[] = { "alpha", "zoë", "no interval", "a rather long system name that must be shortened" };
  static const double values[] = { 1100, 1000, 950, 870 };
  static const double low[] = { 1050, 1000, NAN, 800 };
  static const double high[] = { 1180, 1000, NAN, 900 };
  ArbForestData data = {
    .title = "Ratings", .axis_label = "Rating", .labels = labels, .values = values,
    .low = low, .high = high, .n = 4, .reference = 1000, .reference_label = "base",
    .value_format = "%.0f",
  };
  ArbChartStyle style;
  cairo_surface_t *s = new_surface ();
  cairo_t *cr = cairo_create (s);
  ArbChartFrame f;

  arb_chart_style_init_light (&style);
  g_assert_true (arb_chart_forest_frame (cr, W, H, &style, &data, &f));
  arb_chart_forest (cr, W, H, &style, &data);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);

  /* The axis covers every value and bound, and maps its ends to the plot area's edges. */
  g_assert_cmpfloat (f.x_min, <=, 800);
  g_assert_cmpfloat (f.x_max, >=, 1180);
  g_assert_cmpfloat_with_epsilon (arb_chart_frame_x (&f, f.x_min), f.x, 1e-9);
  g_assert_cmpfloat_with_epsilon (arb_chart_frame_x (&f, f.x_max), f.x + f.width, 1e-9);
  g_assert_cmpuint (f.n_rows, ==, 4);
  g_assert_cmpfloat (f.x, >, 40);   /* room for the labels */
  g_assert_cmpfloat (f.x + f.width, <, W - 40);   /* and for the values at the right */

  for (guint i = 0; i < data.n; i++)
    {
      double y = arb_chart_frame_row_y (&f, i);

      /* The point where its value maps. */
      g_assert_true (near_color (s, arb_chart_frame_x (&f, values[i]), y, &style.accent, 0.08));
      if (isnan (low[i]) || low[i] == high[i])
        {
          /* No interval: nothing in the accent colour 15 units right of the point. */
          g_assert_false (near_color (s, arb_chart_frame_x (&f, values[i]) + 15, y,
                                      &style.accent, 0.3));
          continue;
        }
      /* The interval between its bounds, and nothing beyond them. */
      g_assert_true (near_color (s, arb_chart_frame_x (&f, (values[i] + high[i]) / 2), y,
                                 &style.accent, 0.08));
      g_assert_true (near_color (s, arb_chart_frame_x (&f, (values[i] + low[i]) / 2), y,
                                 &style.accent, 0.08));
      g_assert_false (near_color (s, arb_chart_frame_x (&f, high[i]) + 6, y, &style.accent, 0.3));
      g_assert_false (near_color (s, arb_chart_frame_x (&f, low[i]) - 6, y, &style.accent, 0.3));
      /* Its label left of the plot area. */
      g_assert_true (has_ink (s, 0, y - 4, f.x, y + 4, &style.background));
    }

  /* The dashed reference line at 1000, between the rows. */
  {
    double x = arb_chart_frame_x (&f, 1000), y0 = arb_chart_frame_row_y (&f, 2) + 12;
    gboolean seen = FALSE;

    for (double y = y0; y < y0 + 10 && !seen; y++)
      seen = near_color (s, x, y, &style.muted, 0.1);
    g_assert_true (seen);
  }
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

/* Thirty rows at 800 × 500: every row still gets its label, and the labels do not run into
 * each other (each row's label ink stays inside its own row). */
static void
test_forest_dense (void)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  double values[30], low[30], high[30];
  ArbForestData data = { .title = "Thirty", .n = 30, .reference = NAN };
  ArbChartStyle style;
  cairo_surface_t *s = new_surface ();
  cairo_t *cr = cairo_create (s);
  ArbChartFrame f;
  double row_h;

  for (guint i = 0; i < 30; i++)
    {
      g_ptr_array_add (names, g_strdup_printf ("system-%02u-gpt", i));
      values[i] = 1200 - i * 13;
      low[i] = values[i] - 20;
      high[i] = values[i] + 25;
    }
  g_ptr_array_add (names, NULL);
  data.labels = (const char * const *) names->pdata;
  data.values = values;
  data.low = low;
  data.high = high;
  arb_chart_style_init_light (&style);
  arb_chart_forest_frame (cr, W, H, &style, &data, &f);
  arb_chart_forest (cr, W, H, &style, &data);
  row_h = f.height / 30;
  g_assert_cmpfloat (row_h, >=, 10);
  for (guint i = 0; i < 30; i++)
    {
      double y = arb_chart_frame_row_y (&f, i);

      g_assert_true (has_ink (s, 0, y - 2, f.x - 8, y + 2, &style.background));
      g_assert_true (near_color (s, arb_chart_frame_x (&f, values[i]), y, &style.accent, 0.08));
    }
  /* The boundary between two rows is free of label ink (bands are grid-coloured, far from
   * the text colour). */
  for (guint i = 1; i < 30; i++)
    {
      double y = f.y + i * row_h;

      for (double x = 8; x < f.x - 8; x++)
        g_assert_cmpfloat (distance (pixel_at (s, x, y), &style.foreground), >, 0.3);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

/* ---- heatmap ----------------------------------------------------------------------------- */

static void
test_heatmap (void)
{
  static const char *names[] = { "alpha", "zoë", "a-long-name-of-a-system-7b" };
  static const double values[] = {
    NAN, 0.9, 0.7,
    0.1, NAN, 0.5,
    0.3, 0.5, NAN,
  };
  ArbHeatmapData data = {
    .title = "Win rates", .row_labels = names, .col_labels = names, .n_rows = 3, .n_cols = 3,
    .values = values, .scale = ARB_CHART_SCALE_DIVERGING, .min = 0, .max = 1, .center = 0.5,
    .value_format = "%.2f", .legend_label = "win rate",
  };
  ArbChartStyle style;
  cairo_surface_t *s = new_surface ();
  cairo_t *cr = cairo_create (s);
  double x, y, cw, ch;
  ArbRgba hi, lo;

  arb_chart_style_init_light (&style);
  arb_chart_heatmap (cr, W, H, &style, &data);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);

  arb_chart_scale_color (&style, data.scale, 0, 0.5, 1, 0.9, &hi);
  arb_chart_scale_color (&style, data.scale, 0, 0.5, 1, 0.1, &lo);
  g_assert_cmpfloat (MAX (fabs (hi.r - lo.r), fabs (hi.b - lo.b)), >, 0.4);
  for (guint r = 0; r < 3; r++)
    for (guint c = 0; c < 3; c++)
      {
        double v = values[r * 3 + c];
        Pixel p;
        ArbRgba want;

        g_assert_true (arb_chart_heatmap_cell (W, H, 3, 3, r, c, &x, &y, &cw, &ch));
        g_assert_cmpfloat (cw, >, 50);
        /* Near the corner, clear of the printed value. */
        p = pixel_at (s, x + 4, y + 4);
        if (isnan (v))
          {
            /* Empty: background or hatch, not a colour of the scale's ends. */
            g_assert_true (distance (p, &style.background) < 0.02 || distance (p, &style.grid) < 0.2);
            g_assert_cmpfloat (distance (p, &hi), >, 0.2);
            g_assert_cmpfloat (distance (p, &lo), >, 0.2);
            /* and no value written in it. */
            for (double yy = y + ch / 2 - 5; yy < y + ch / 2 + 5; yy++)
              for (double xx = x + cw / 2 - 15; xx < x + cw / 2 + 15; xx++)
                g_assert_cmpfloat (distance (pixel_at (s, xx, yy), &style.foreground), >, 0.4);
            continue;
          }
        arb_chart_scale_color (&style, data.scale, 0, 0.5, 1, v, &want);
        g_assert_cmpfloat (distance (p, &want), <, 0.02);
        {
          /* The value is written in the middle: pixels there that are not the cell's. */
          gboolean ink = FALSE;

          for (double yy = y + ch / 2 - 5; yy < y + ch / 2 + 5 && !ink; yy++)
            for (double xx = x + cw / 2 - 15; xx < x + cw / 2 + 15 && !ink; xx++)
              ink = distance (pixel_at (s, xx, yy), &want) > 0.4;
          g_assert_true (ink);
        }
      }
  /* An empty cell differs from a filled one at the same place. */
  {
    double x0, y0, x1, y1;

    arb_chart_heatmap_cell (W, H, 3, 3, 0, 0, &x0, &y0, NULL, NULL);
    arb_chart_heatmap_cell (W, H, 3, 3, 0, 1, &x1, &y1, NULL, NULL);
    g_assert_cmpfloat (distance (pixel_at (s, x0 + 4, y0 + 4), &hi), >, 0.2);
    g_assert_cmpfloat (distance (pixel_at (s, x1 + 4, y1 + 4), &hi), <, 0.02);
  }
  /* Row labels are left of the grid, column labels under it. */
  arb_chart_heatmap_cell (W, H, 3, 3, 1, 0, &x, &y, &cw, &ch);
  g_assert_true (has_ink (s, 0, y, x - 2, y + ch, &style.background));
  arb_chart_heatmap_cell (W, H, 3, 3, 2, 1, &x, &y, &cw, &ch);
  g_assert_true (has_ink (s, x, y + ch + 2, x + cw, y + ch + 40, &style.background));
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

/* A value on a dark cell is written light, on a light cell dark. */
static void
test_heatmap_contrast (void)
{
  static const char *names[] = { "dark", "light" };
  static const double values[] = { 1.0, 0.5 };
  ArbHeatmapData data = {
    .row_labels = names, .col_labels = names, .n_rows = 1, .n_cols = 2, .values = values,
    .scale = ARB_CHART_SCALE_DIVERGING, .min = 0, .max = 1, .center = 0.5, .value_format = "%.2f",
  };
  cairo_surface_t *s = new_surface ();
  cairo_t *cr = cairo_create (s);

  arb_chart_heatmap (cr, W, H, NULL, &data);
  for (guint c = 0; c < 2; c++)
    {
      double x, y, cw, ch, cell_sum, ink_sum = 0, far = 0;
      Pixel cell;

      g_assert_true (arb_chart_heatmap_cell (W, H, 1, 2, 0, c, &x, &y, &cw, &ch));
      cell = pixel_at (s, x + 4, y + 4);
      cell_sum = cell.r + cell.g + cell.b;
      /* The pixel of the text that differs most from the cell. */
      for (double yy = y + ch / 2 - 8; yy < y + ch / 2 + 8; yy++)
        for (double xx = x + cw / 2 - 20; xx < x + cw / 2 + 20; xx++)
          {
            Pixel p = pixel_at (s, xx, yy);
            double d = fabs (p.r + p.g + p.b - cell_sum);

            if (d > far)
              far = d, ink_sum = p.r + p.g + p.b;
          }
      g_assert_cmpfloat (far, >, 1.0);
      if (c == 0)
        g_assert_cmpfloat (ink_sum, >, cell_sum);
      else
        g_assert_cmpfloat (ink_sum, <, cell_sum);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

static void
test_heatmap_hit (void)
{
  static const struct { double w, h; guint rows, cols; } sizes[] = {
    { 800, 500, 5, 5 }, { 800, 500, 30, 30 }, { 400, 700, 3, 7 }, { 1200, 300, 2, 1 },
  };

  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      double w = sizes[k].w, h = sizes[k].h;
      guint nr = sizes[k].rows, nc = sizes[k].cols;
      int row = 7, col = 7;

      for (guint r = 0; r < nr; r++)
        for (guint c = 0; c < nc; c++)
          {
            double x, y, cw, ch;

            g_assert_true (arb_chart_heatmap_cell (w, h, nr, nc, r, c, &x, &y, &cw, &ch));
            g_assert_true (arb_chart_heatmap_hit (w, h, nr, nc, x + cw / 2, y + ch / 2, &row, &col));
            g_assert_cmpint (row, ==, (int) r);
            g_assert_cmpint (col, ==, (int) c);
            /* Just inside the corners. */
            g_assert_true (arb_chart_heatmap_hit (w, h, nr, nc, x + 0.01, y + 0.01, &row, &col));
            g_assert_cmpint (row, ==, (int) r);
            g_assert_true (arb_chart_heatmap_hit (w, h, nr, nc, x + cw - 0.01, y + ch - 0.01, &row, &col));
            g_assert_cmpint (col, ==, (int) c);
          }
      /* Outside: the corners of the chart, left of the grid, under it. */
      g_assert_false (arb_chart_heatmap_hit (w, h, nr, nc, 1, 1, &row, &col));
      g_assert_cmpint (row, ==, -1);
      g_assert_cmpint (col, ==, -1);
      g_assert_false (arb_chart_heatmap_hit (w, h, nr, nc, w - 1, h - 1, &row, &col));
      g_assert_cmpint (row, ==, -1);
      g_assert_cmpint (col, ==, -1);
      {
        double x, y, cw, ch;

        arb_chart_heatmap_cell (w, h, nr, nc, nr - 1, 0, &x, &y, &cw, &ch);
        g_assert_false (arb_chart_heatmap_hit (w, h, nr, nc, x - 0.5, y + 1, &row, &col));
        g_assert_false (arb_chart_heatmap_hit (w, h, nr, nc, x + 1, y + ch + 0.5, &row, &col));
      }
      g_assert_false (arb_chart_heatmap_cell (w, h, nr, nc, nr, 0, NULL, NULL, NULL, NULL));
    }
  /* No cells at all. */
  {
    int row = 3, col = 3;

    g_assert_false (arb_chart_heatmap_hit (800, 500, 0, 4, 400, 250, &row, &col));
    g_assert_cmpint (row, ==, -1);
    g_assert_cmpint (col, ==, -1);
  }
}

/* A sequential scale runs from its low to its high colour and clamps outside [min, max]. */
static void
test_scale (void)
{
  ArbChartStyle style;
  ArbRgba c;

  arb_chart_style_init_light (&style);
  arb_chart_scale_color (&style, ARB_CHART_SCALE_SEQUENTIAL, 0, NAN, 1, 0, &c);
  g_assert_cmpfloat_with_epsilon (c.b, style.sequential[0].b, 1e-12);
  arb_chart_scale_color (&style, ARB_CHART_SCALE_SEQUENTIAL, 0, NAN, 1, 1, &c);
  g_assert_cmpfloat_with_epsilon (c.r, style.sequential[1].r, 1e-12);
  arb_chart_scale_color (&style, ARB_CHART_SCALE_SEQUENTIAL, 0, NAN, 1, -0.3, &c);
  g_assert_cmpfloat_with_epsilon (c.g, style.sequential[0].g, 1e-12);
  arb_chart_scale_color (&style, ARB_CHART_SCALE_DIVERGING, 0, 0.25, 1, 0.25, &c);
  g_assert_cmpfloat_with_epsilon (c.r, style.diverging[1].r, 1e-12);
  arb_chart_scale_color (&style, ARB_CHART_SCALE_DIVERGING, 0, 0.25, 1, NAN, &c);
  g_assert_cmpfloat_with_epsilon (c.r, style.background.r, 1e-12);
}

/* ---- scatter ----------------------------------------------------------------------------- */

static void
test_scatter (void)
{
  static const char *labels[] = { "zoë", "beta", "gamma", "delta", "close to delta" };
  static const double x[] = { 150, 220, 300, 260, 262 };
  static const double y[] = { 20, 45, 70, 40, 41 };
  static const double err[] = { 5, NAN, 8, 2, 2 };
  ArbScatterData data = {
    .title = "Length", .x_label = "length", .y_label = "win rate", .labels = labels,
    .x = x, .y = y, .y_error = err, .n = 5, .x_reference = 230, .y_reference = 50,
  };
  ArbChartStyle style;
  cairo_surface_t *s = new_surface ();
  cairo_t *cr = cairo_create (s);
  ArbChartFrame f;

  arb_chart_style_init_light (&style);
  g_assert_true (arb_chart_scatter_frame (cr, W, H, &style, &data, &f));
  arb_chart_scatter (cr, W, H, &style, &data);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpfloat (f.x_min, <=, 150);
  g_assert_cmpfloat (f.x_max, >=, 300);
  g_assert_cmpfloat (f.y_min, <=, 15);
  g_assert_cmpfloat (f.y_max, >=, 78);
  g_assert_cmpfloat_with_epsilon (arb_chart_frame_y (&f, f.y_max), f.y, 1e-9);
  for (guint i = 0; i < data.n; i++)
    {
      double px = arb_chart_frame_x (&f, x[i]), py = arb_chart_frame_y (&f, y[i]);

      g_assert_true (near_color (s, px, py, &style.accent, 0.08));
      if (!isnan (err[i]))
        {
          /* The error bar reaches ± err, and no farther. */
          g_assert_true (near_color (s, px, arb_chart_frame_y (&f, y[i] + err[i] * 0.8),
                                     &style.accent, 0.25));
          g_assert_true (near_color (s, px, arb_chart_frame_y (&f, y[i] - err[i] * 0.8),
                                     &style.accent, 0.25));
          g_assert_false (near_color (s, px, arb_chart_frame_y (&f, y[i] + err[i]) - 6,
                                      &style.accent, 0.3));
        }
      else
        g_assert_false (near_color (s, px, py - 12, &style.accent, 0.3));
    }
  /* Labels are beside their points: ink within 60 units of each. */
  for (guint i = 0; i < data.n; i++)
    {
      double px = arb_chart_frame_x (&f, x[i]), py = arb_chart_frame_y (&f, y[i]);

      g_assert_true (has_ink (s, px + 8, py - 30, px + 60, py + 30, &style.background) ||
                     has_ink (s, px - 60, py - 30, px - 8, py + 30, &style.background));
    }
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

/* ---- style, text ------------------------------------------------------------------------- */

static void
test_styles_and_text (void)
{
  static const char *labels[] = { "zoë", "日本語", "\xff\xfe broken" };
  static const double values[] = { 1, 2, 3 };
  ArbForestData data = { .labels = labels, .values = values, .n = 3, .reference = NAN };
  ArbChartStyle light, dark;
  cairo_surface_t *s = new_surface ();
  cairo_t *cr = cairo_create (s);
  PangoLayout *layout;
  PangoFontDescription *desc;

  arb_chart_style_init_light (&light);
  arb_chart_style_init_dark (&dark);
  g_assert_cmpfloat (light.background.r, >, 0.9);
  g_assert_cmpfloat (dark.background.r, <, 0.2);
  g_assert_cmpfloat (dark.foreground.r, >, 0.9);

  /* The style's font has every letter of "zoë". */
  layout = pango_cairo_create_layout (cr);
  desc = pango_font_description_from_string (light.font_family);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, "zoë", -1);
  g_assert_cmpint (pango_layout_get_unknown_glyphs_count (layout), ==, 0);
  pango_font_description_free (desc);
  g_object_unref (layout);

  /* Dark: the background is painted dark; invalid UTF-8 in a label is drawn, not a crash. */
  arb_chart_forest (cr, W, H, &dark, &data);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpfloat (distance (pixel_at (s, 2, 2), &dark.background), <, 0.01);
  /* NULL style is the light one. */
  arb_chart_forest (cr, W, H, NULL, &data);
  g_assert_cmpfloat (distance (pixel_at (s, 2, 2), &light.background), <, 0.01);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

/* Nothing to draw, one value, NaN everywhere: a chart with its frame and no error, never a
 * crash or a cairo error state. */
static void
test_degenerate (void)
{
  static const double one[] = { 5 };
  static const double nan1[] = { NAN, NAN };
  static const char *names[] = { "only", "other" };
  ArbForestData empty_forest = { .title = "none", .n = 0, .reference = NAN };
  ArbForestData one_forest = { .labels = names, .values = one, .n = 1, .reference = 5 };
  ArbHeatmapData flat = {
    .row_labels = names, .col_labels = NULL, .n_rows = 1, .n_cols = 1, .values = one,
    .min = 1, .max = 1, .center = NAN, .value_format = "%.0f",
  };
  ArbHeatmapData none = { .n_rows = 0, .n_cols = 0 };
  ArbScatterData nan_scatter = {
    .labels = names, .x = nan1, .y = nan1, .n = 2, .x_reference = NAN, .y_reference = NAN,
  };
  cairo_surface_t *s = new_surface ();
  cairo_t *cr = cairo_create (s);
  ArbChartFrame f;

  arb_chart_forest (cr, W, H, NULL, &empty_forest);
  g_assert_false (arb_chart_forest_frame (cr, W, H, NULL, &empty_forest, &f));
  arb_chart_forest (cr, W, H, NULL, &one_forest);
  g_assert_true (arb_chart_forest_frame (cr, W, H, NULL, &one_forest, &f));
  g_assert_cmpfloat (f.x_min, <, 5);
  g_assert_cmpfloat (f.x_max, >, 5);
  arb_chart_heatmap (cr, W, H, NULL, &flat);
  arb_chart_heatmap (cr, W, H, NULL, &none);
  arb_chart_scatter (cr, W, H, NULL, &nan_scatter);
  arb_chart_heatmap (cr, 20, 20, NULL, &flat);   /* too small for any cell */
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

/* ---- files ------------------------------------------------------------------------------- */

static void
draw_heatmap (cairo_t *cr,
              double   width,
              double   height,
              gpointer user_data)
{
  arb_chart_heatmap (cr, width, height, NULL, user_data);
}

typedef struct
{
  gboolean seen_root;
  char    *root;
  char    *width;
} SvgRoot;

static void
svg_start (GMarkupParseContext *context,
           const char          *element,
           const char         **names,
           const char         **values,
           gpointer             user_data,
           GError             **error)
{
  SvgRoot *root = user_data;

  if (root->seen_root)
    return;
  root->seen_root = TRUE;
  root->root = g_strdup (element);
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], "width"))
      root->width = g_strdup (values[i]);
}

static void
check_file (const char *path,
            int         width,
            int         height)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  if (g_str_has_suffix (path, ".png"))
    {
      cairo_surface_t *s = cairo_image_surface_create_from_png (path);

      g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (s), ==, width);
      g_assert_cmpint (cairo_image_surface_get_height (s), ==, height);
      cairo_surface_destroy (s);
    }
  else if (g_str_has_suffix (path, ".svg"))
    {
      GMarkupParser parser = { svg_start, NULL, NULL, NULL, NULL };
      SvgRoot root = { 0 };
      GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, &root, NULL);
      const char *body = contents;

      /* GMarkup takes no XML declaration; skip it. */
      if (g_str_has_prefix (body, "<?xml"))
        body = strstr (body, "?>") + 2;
      g_assert_true (g_markup_parse_context_parse (ctx, body, -1, &error));
      g_assert_no_error (error);
      g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
      g_assert_no_error (error);
      g_markup_parse_context_free (ctx);
      g_assert_cmpstr (root.root, ==, "svg");
      g_assert_nonnull (root.width);
      g_assert_cmpfloat (g_ascii_strtod (root.width, NULL), ==, width);
      g_free (root.root);
      g_free (root.width);
    }
  else
    {
      g_assert_cmpuint (len, >, 100);
      g_assert_true (g_str_has_prefix (contents, "%PDF-"));
      while (len > 0 && g_ascii_isspace (contents[len - 1]))
        len--;
      g_assert_true (len >= 5 && memcmp (contents + len - 5, "%%EOF", 5) == 0);
    }
}

static guint
count_files (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

static void
test_save (void)
{
  static const char *names[] = { "a", "b" };
  static const double values[] = { 0.2, 0.8, NAN, 0.5 };
  ArbHeatmapData data = {
    .title = "two", .row_labels = names, .col_labels = names, .n_rows = 2, .n_cols = 2,
    .values = values, .scale = ARB_CHART_SCALE_SEQUENTIAL, .min = 0, .max = 1,
    .value_format = "%.1f",
  };
  g_autofree char *dir = arb_test_mkdtemp ();
  static const char *files[] = { "c.png", "c.svg", "c.pdf", "UPPER.PNG" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      g_autofree char *lower = g_ascii_strdown (path, -1);
      g_autoptr(GError) error = NULL;

      g_assert_true (arb_chart_save (path, 640, 400, draw_heatmap, &data, &error));
      g_assert_no_error (error);
      if (g_str_has_suffix (path, ".PNG"))
        {
          cairo_surface_t *s = cairo_image_surface_create_from_png (path);

          g_assert_cmpint (cairo_image_surface_get_width (s), ==, 640);
          cairo_surface_destroy (s);
        }
      else
        check_file (path, 640, 400);
      /* Saving again replaces the file. */
      g_assert_true (arb_chart_save (path, 640, 400, draw_heatmap, &data, &error));
    }
  g_assert_cmpuint (count_files (dir), ==, G_N_ELEMENTS (files));

  /* Another extension: a clear error, and no file. */
  {
    g_autofree char *path = g_build_filename (dir, "c.jpg", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false (arb_chart_save (path, 640, 400, draw_heatmap, &data, &error));
    g_assert_error (error, ARB_CHART_ERROR, ARB_CHART_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, ".png, .svg or .pdf"));
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
  /* A folder that does not exist: a write error naming the file. */
  {
    g_autofree char *path = g_build_filename (dir, "missing", "c.png", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false (arb_chart_save (path, 640, 400, draw_heatmap, &data, &error));
    g_assert_error (error, ARB_CHART_ERROR, ARB_CHART_ERROR_WRITE);
    g_assert_nonnull (strstr (error->message, "c.png"));
  }
  /* Under a file, not a folder. */
  if (g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (arb_chart_save ("/dev/full/x.png", 640, 400, draw_heatmap, &data, &error));
      g_assert_error (error, ARB_CHART_ERROR, ARB_CHART_ERROR_WRITE);
    }
  g_assert_cmpuint (count_files (dir), ==, G_N_ELEMENTS (files));
  arb_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/charts/forest", test_forest);
  g_test_add_func ("/arbiter/charts/forest-dense", test_forest_dense);
  g_test_add_func ("/arbiter/charts/heatmap", test_heatmap);
  g_test_add_func ("/arbiter/charts/heatmap-contrast", test_heatmap_contrast);
  g_test_add_func ("/arbiter/charts/heatmap-hit", test_heatmap_hit);
  g_test_add_func ("/arbiter/charts/scale", test_scale);
  g_test_add_func ("/arbiter/charts/scatter", test_scatter);
  g_test_add_func ("/arbiter/charts/styles-and-text", test_styles_and_text);
  g_test_add_func ("/arbiter/charts/degenerate", test_degenerate);
  g_test_add_func ("/arbiter/charts/save", test_save);
  return g_test_run ();
}
