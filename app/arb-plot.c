/* arb-plot.c: the dashboard's charts made from the statistics, for the GUI and `arbiter-cli plot`
 *
 * The numbers come from db/arb-stats (the same as `stats` and `agreement` print), the drawing
 * from widgets/charts; an ArbPlot keeps copies of what it draws, so it outlives the statistics.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "arb-plot.h"

const char * const arb_plot_names[] = { "ratings", "win-matrix", "length", "agreement", NULL };

/* What one chart draws: the data of one of the three kinds, with the strings it points to. */
struct _ArbPlot
{
  ArbPlotKind    kind;
  ArbChartStyle  style;
  ArbForestData  forest;
  ArbHeatmapData heatmap;
  ArbScatterData scatter;
  GPtrArray     *strings;   /* owns the titles and the arrays of labels */
  GPtrArray     *strvs;     /* owns the lists of names made with a GStrvBuilder */
  GArray        *numbers[4];
};

void
arb_plot_free (ArbPlot *p)
{
  if (p == NULL)
    return;
  g_clear_pointer (&p->strings, g_ptr_array_unref);
  g_clear_pointer (&p->strvs, g_ptr_array_unref);
  for (guint i = 0; i < G_N_ELEMENTS (p->numbers); i++)
    g_clear_pointer (&p->numbers[i], g_array_unref);
  g_free (p);
}

static const char * const *
keep_names (ArbPlot *p,
            GStrv names)
{
  g_ptr_array_add (p->strvs, names);
  return (const char * const *) names;
}

static const char *
keep (ArbPlot *p,
      char *s)
{
  g_ptr_array_add (p->strings, s);
  return s;
}

static double *
numbers (ArbPlot *p,
         guint  slot,
         guint  n)
{
  p->numbers[slot] = g_array_sized_new (FALSE, TRUE, sizeof (double), MAX (n, 1));
  g_array_set_size (p->numbers[slot], MAX (n, 1));
  return (double *) p->numbers[slot]->data;
}

/**
 * arb_plot_draw:
 * @user_data: an #ArbPlot
 *
 * Draws the plot at width × height: an #ArbChartDrawFunc, for arb_chart_save() and widgets.
 */
void
arb_plot_draw (cairo_t *cr,
               double   width,
               double   height,
               gpointer user_data)
{
  ArbPlot *p = user_data;

  switch (p->kind)
    {
    case ARB_PLOT_RATINGS:
      arb_chart_forest (cr, width, height, &p->style, &p->forest);
      break;
    case ARB_PLOT_WIN_MATRIX:
    case ARB_PLOT_AGREEMENT:
      arb_chart_heatmap (cr, width, height, &p->style, &p->heatmap);
      break;
    case ARB_PLOT_LENGTH:
    default:
      arb_chart_scatter (cr, width, height, &p->style, &p->scatter);
      break;
    }
}

/* " — category C" after a title, or nothing. */
static const char *
category_suffix (ArbPlot    *p,
                 const char *category)
{
  return category != NULL ? keep (p, g_strdup_printf (" — %s", category)) : "";
}

static gboolean
plot_ratings (ArbPlot        *p,
              const ArbStats *stats,
              const char     *category,
              guint           bootstrap,
              GError        **error)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  double *v, *lo, *hi;
  guint n = 0;

  v = numbers (p, 0, stats->systems->len);
  lo = numbers (p, 1, stats->systems->len);
  hi = numbers (p, 2, stats->systems->len);
  for (guint i = 0; i < stats->systems->len; i++)
    {
      const ArbSystemResult *r = stats->systems->pdata[i];

      if (isnan (r->rating))
        continue;
      g_ptr_array_add (labels, (gpointer) keep (p, r->is_baseline
                                                   ? g_strdup_printf ("%s (%s)", r->system,
                                                                      _("baseline"))
                                                   : g_strdup (r->system)));
      v[n] = r->rating;
      lo[n] = r->ci_low;
      hi[n] = r->ci_high;
      n++;
    }
  if (n == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("no system has a rating: no verdict of these raters has a preference"));
      return FALSE;
    }
  g_ptr_array_add (labels, NULL);
  p->forest.labels = (const char * const *) keep (p, (char *) g_ptr_array_steal (labels, NULL));
  p->forest.values = v;
  p->forest.low = lo;
  p->forest.high = hi;
  p->forest.n = n;
  p->forest.title = keep (p, bootstrap > 0
                             ? g_strdup_printf (_("Bradley-Terry ratings with 95%% bootstrap intervals (%u rounds)%s"),
                                                bootstrap, category_suffix (p, category))
                             : g_strdup_printf (_("Bradley-Terry ratings%s"),
                                                category_suffix (p, category)));
  p->forest.axis_label = keep (p, g_strdup_printf (_("Rating (%s = 1000; 400 points = 10 : 1 odds)"),
                                                   stats->baseline));
  p->forest.reference = 1000;
  p->forest.reference_label = keep (p, g_strdup_printf ("%s", stats->baseline));
  p->forest.value_format = "%.0f";
  return TRUE;
}

static void
plot_win_matrix (ArbPlot        *p,
                 const ArbStats *stats,
                 const char     *category)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  for (guint i = 0; i < stats->systems->len; i++)
    g_strv_builder_add (names, ((const ArbSystemResult *) stats->systems->pdata[i])->system);
  p->heatmap.row_labels = keep_names (p, g_strv_builder_end (names));
  p->heatmap.col_labels = p->heatmap.row_labels;
  p->heatmap.n_rows = p->heatmap.n_cols = stats->n_systems;
  p->heatmap.values = memcpy (numbers (p, 3, stats->n_systems * stats->n_systems), stats->win_matrix,
                              sizeof (double) * stats->n_systems * stats->n_systems);
  p->heatmap.scale = ARB_CHART_SCALE_DIVERGING;
  p->heatmap.min = 0;
  p->heatmap.max = 1;
  p->heatmap.center = 0.5;
  p->heatmap.value_format = "%.2f";
  p->heatmap.title = keep (p, g_strdup_printf (_("Share of battles the row won against the column%s"),
                                               category_suffix (p, category)));
  p->heatmap.legend_label = _("Row's win rate (ties half)");
}

static gboolean
plot_length (ArbPlot        *p,
             const ArbStats *stats,
             const char     *category,
             GError        **error)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  double *x = numbers (p, 0, stats->systems->len);
  double *y = numbers (p, 1, stats->systems->len);
  double *e = numbers (p, 2, stats->systems->len);
  double base_length = NAN;
  guint n = 0;

  for (guint i = 0; i < stats->systems->len; i++)
    {
      const ArbSystemResult *r = stats->systems->pdata[i];

      if (r->is_baseline)
        base_length = r->avg_length;
      if (r->is_baseline || r->win_rate.n_total == 0 || isnan (r->win_rate.win_rate))
        continue;
      g_ptr_array_add (labels, (gpointer) keep (p, g_strdup (r->system)));
      x[n] = r->avg_length;
      y[n] = r->win_rate.win_rate;
      e[n] = r->win_rate.standard_error;
      n++;
    }
  if (n == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("no system was compared with the baseline %s"), stats->baseline);
      return FALSE;
    }
  p->scatter.labels = (const char * const *) keep (p, (char *) g_ptr_array_steal (labels, NULL));
  p->scatter.x = x;
  p->scatter.y = y;
  p->scatter.y_error = e;
  p->scatter.n = n;
  p->scatter.title = keep (p, g_strdup_printf (_("Average length and win rate against %s%s"),
                                               stats->baseline, category_suffix (p, category)));
  p->scatter.x_label = _("Average length of the responses (characters)");
  p->scatter.y_label = keep (p, g_strdup_printf (_("Win rate against %s (%%, ± SE)"),
                                                 stats->baseline));
  p->scatter.x_reference = base_length;
  p->scatter.x_reference_label = keep (p, g_strdup_printf (_("%s's length"), stats->baseline));
  p->scatter.y_reference = 50;
  p->scatter.y_reference_label = _("as good as the baseline");
  return TRUE;
}

static gboolean
plot_agreement (ArbPlot            *p,
                const ArbAgreement *ag,
                const char         *category,
                GError            **error)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  if (ag->n_raters < 2)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("agreement needs two raters or more; these verdicts have %u"), ag->n_raters);
      return FALSE;
    }
  for (guint i = 0; i < ag->raters->len; i++)
    g_strv_builder_add (names, ((const ArbRaterResult *) ag->raters->pdata[i])->rater);
  p->heatmap.row_labels = keep_names (p, g_strv_builder_end (names));
  p->heatmap.col_labels = p->heatmap.row_labels;
  p->heatmap.n_rows = p->heatmap.n_cols = ag->n_raters;
  p->heatmap.values = memcpy (numbers (p, 3, ag->n_raters * ag->n_raters), ag->cohen_kappa,
                              sizeof (double) * ag->n_raters * ag->n_raters);
  /* κ below 0 (worse than chance) takes the low end's colour; its number is still written. */
  p->heatmap.scale = ARB_CHART_SCALE_SEQUENTIAL;
  p->heatmap.min = 0;
  p->heatmap.max = 1;
  p->heatmap.center = NAN;
  p->heatmap.value_format = "%.3f";
  p->heatmap.title = keep (p, g_strdup_printf (_("Cohen's κ between raters, %u comparisons%s"),
                                               ag->n_items, category_suffix (p, category)));
  p->heatmap.legend_label = _("Cohen's κ");
  return TRUE;
}


/**
 * arb_plot_new:
 * @kind: which chart
 * @stats: (nullable): the statistics (ratings, win matrix, length)
 * @agreement: (nullable): the agreement (the agreement chart)
 * @category: (nullable): the category the numbers are of, for the title
 * @bootstrap: the rounds behind the rating intervals, for the title
 * @error: why there is nothing to draw
 *
 * Returns: (transfer full): the plot, in the light style, or %NULL with @error set
 */
ArbPlot *
arb_plot_new (ArbPlotKind         kind,
              const ArbStats     *stats,
              const ArbAgreement *agreement,
              const char         *category,
              guint               bootstrap,
              GError            **error)
{
  ArbPlot *p = g_new0 (ArbPlot, 1);
  gboolean ok = TRUE;

  p->kind = kind;
  p->strings = g_ptr_array_new_with_free_func (g_free);
  p->strvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  arb_chart_style_init_light (&p->style);
  if (kind == ARB_PLOT_AGREEMENT)
    ok = agreement != NULL && plot_agreement (p, agreement, category, error);
  else if (stats == NULL || stats->n_systems == 0 || stats->baseline == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", _("no systems with verdicts to plot"));
      ok = FALSE;
    }
  else if (kind == ARB_PLOT_RATINGS)
    ok = plot_ratings (p, stats, category, bootstrap, error);
  else if (kind == ARB_PLOT_WIN_MATRIX)
    plot_win_matrix (p, stats, category);
  else
    ok = plot_length (p, stats, category, error);
  if (!ok)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", _("nothing to plot"));
      arb_plot_free (p);
      return NULL;
    }
  return p;
}

ArbPlotKind
arb_plot_get_kind (const ArbPlot *p)
{
  return p->kind;
}

void
arb_plot_set_dark (ArbPlot  *p,
                   gboolean  dark)
{
  if (dark)
    arb_chart_style_init_dark (&p->style);
  else
    arb_chart_style_init_light (&p->style);
}

/* The heatmap's labels (rows and columns alike), for drilling down from a cell. */
const char * const *
arb_plot_get_heatmap_labels (const ArbPlot *p,
                             guint         *n)
{
  *n = p->heatmap.n_rows;
  return p->heatmap.row_labels;
}
