/* arb-cli-plot.c: arbiter-cli plot, the dashboard's charts as PNG, SVG or PDF files
 *
 * The numbers come from db/arb-stats (the same as `stats` and `agreement` print), the drawing
 * from widgets/charts (the same as the dashboard shows).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "arb-chart.h"
#include "arb-cli.h"
#include "arb-stats.h"

typedef enum
{
  CHART_RATINGS,
  CHART_WIN_MATRIX,
  CHART_LENGTH,
  CHART_AGREEMENT,
} ChartKind;

static const char *chart_names[] = { "ratings", "win-matrix", "length", "agreement" };

/* What one chart draws: the data of one of the three kinds, with the strings it points to. */
typedef struct
{
  ChartKind      kind;
  ArbChartStyle  style;
  ArbForestData  forest;
  ArbHeatmapData heatmap;
  ArbScatterData scatter;
  GPtrArray     *strings;   /* owns the titles and the arrays of labels */
  GPtrArray     *strvs;     /* owns the lists of names made with a GStrvBuilder */
  GArray        *numbers[4];
} Plot;

static void
plot_clear (Plot *p)
{
  g_clear_pointer (&p->strings, g_ptr_array_unref);
  g_clear_pointer (&p->strvs, g_ptr_array_unref);
  for (guint i = 0; i < G_N_ELEMENTS (p->numbers); i++)
    g_clear_pointer (&p->numbers[i], g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Plot, plot_clear)

static const char * const *
keep_names (Plot *p,
            GStrv names)
{
  g_ptr_array_add (p->strvs, names);
  return (const char * const *) names;
}

static const char *
keep (Plot *p,
      char *s)
{
  g_ptr_array_add (p->strings, s);
  return s;
}

static double *
numbers (Plot  *p,
         guint  slot,
         guint  n)
{
  p->numbers[slot] = g_array_sized_new (FALSE, TRUE, sizeof (double), MAX (n, 1));
  g_array_set_size (p->numbers[slot], MAX (n, 1));
  return (double *) p->numbers[slot]->data;
}

static void
draw_plot (cairo_t *cr,
           double   width,
           double   height,
           gpointer user_data)
{
  Plot *p = user_data;

  switch (p->kind)
    {
    case CHART_RATINGS:
      arb_chart_forest (cr, width, height, &p->style, &p->forest);
      break;
    case CHART_WIN_MATRIX:
    case CHART_AGREEMENT:
      arb_chart_heatmap (cr, width, height, &p->style, &p->heatmap);
      break;
    case CHART_LENGTH:
    default:
      arb_chart_scatter (cr, width, height, &p->style, &p->scatter);
      break;
    }
}

/* " — category C" after a title, or nothing. */
static const char *
category_suffix (Plot       *p,
                 const char *category)
{
  return category != NULL ? keep (p, g_strdup_printf (" — %s", category)) : "";
}

static gboolean
plot_ratings (Plot           *p,
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
plot_win_matrix (Plot           *p,
                 const ArbStats *stats,
                 const char     *category)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  for (guint i = 0; i < stats->systems->len; i++)
    g_strv_builder_add (names, ((const ArbSystemResult *) stats->systems->pdata[i])->system);
  p->heatmap.row_labels = keep_names (p, g_strv_builder_end (names));
  p->heatmap.col_labels = p->heatmap.row_labels;
  p->heatmap.n_rows = p->heatmap.n_cols = stats->n_systems;
  p->heatmap.values = stats->win_matrix;
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
plot_length (Plot           *p,
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
      g_ptr_array_add (labels, (gpointer) r->system);
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
plot_agreement (Plot               *p,
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
  p->heatmap.values = ag->cohen_kappa;
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

int
arb_cli_plot (int    argc,
              char **argv)
{
  g_auto(GStrv) raters = NULL;
  g_autofree char *chart = NULL, *output = NULL, *baseline = NULL, *category = NULL;
  int width = 800, height = 500, bootstrap = 1000;
  gint64 seed = 0;
  GOptionEntry entries[] = {
    { "chart", 0, 0, G_OPTION_ARG_STRING, &chart,
      N_("ratings, win-matrix, length or agreement"), "NAME" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write the chart here; .png, .svg or .pdf"), "FILE" },
    { "rater", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raters,
      N_("Count this rater's verdicts (repeat for several; default: every rater but gold ones, "
         "and for agreement every rater)"), "NAME" },
    { "baseline", 0, 0, G_OPTION_ARG_STRING, &baseline,
      N_("Ratings and win rates against this system (default: the one in most comparisons)"),
      "SYSTEM" },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category, N_("Only prompts of this category"), "C" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, N_("Width in pixels (default 800)"), "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, N_("Height in pixels (default 500)"), "H" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of the bootstrap (default 0)"), "S" },
    { "bootstrap", 0, 0, G_OPTION_ARG_INT, &bootstrap,
      N_("Bootstrap rounds for the rating intervals (default 1000; 0 none)"), "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("WS — draw a chart of the statistics into a PNG, SVG or PDF file"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *lower = NULL;
  g_auto(Plot) p = { 0 };
  gboolean ok = TRUE;
  int status, kind = -1;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("plot takes one workspace"));
  if (chart == NULL)
    return arb_cli_usage_error (context,
                                _("--chart is needed: ratings, win-matrix, length or agreement"));
  for (guint i = 0; i < G_N_ELEMENTS (chart_names); i++)
    if (g_str_equal (chart, chart_names[i]))
      kind = i;
  if (kind < 0)
    {
      g_autofree char *message =
        g_strdup_printf (_("unknown chart “%s”; the charts are ratings, win-matrix, length and "
                           "agreement"), chart);

      return arb_cli_usage_error (context, message);
    }
  if (output == NULL)
    return arb_cli_usage_error (context, _("-o FILE is needed (.png, .svg or .pdf)"));
  lower = g_ascii_strdown (output, -1);
  /* Checked before any work: a wrong name is wrong usage (2), and no file is made. */
  if (!(g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".svg") ||
        g_str_has_suffix (lower, ".pdf")))
    {
      g_autofree char *message =
        g_strdup_printf (_("%s: the file name must end in .png, .svg or .pdf"), output);

      return arb_cli_usage_error (context, message);
    }
  if (width < 100 || height < 100 || width > 10000 || height > 10000)
    return arb_cli_usage_error (context, _("--width and --height must be 100 to 10000 pixels"));
  if (bootstrap < 0)
    return arb_cli_usage_error (context, _("--bootstrap must be 0 or more"));

  ws = arb_cli_open_workspace (argv[1], &status);
  if (ws == NULL)
    return status;

  p.kind = kind;
  p.strings = g_ptr_array_new_with_free_func (g_free);
  p.strvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  arb_chart_style_init_light (&p.style);

  if (kind == CHART_AGREEMENT)
    {
      ArbAgreementOptions options = { 0 };
      g_autoptr(ArbAgreement) ag = NULL;

      options.raters = (const char * const *) raters;
      options.category = category;
      options.failed = ARB_FAILED_DROP;
      ag = arb_workspace_compute_agreement (ws, &options, &error);
      if (ag == NULL)
        return arb_cli_fail (error);
      if (!plot_agreement (&p, ag, category, &error) ||
          !arb_chart_save (output, width, height, draw_plot, &p, &error))
        return arb_cli_fail (error);
    }
  else
    {
      ArbStatsOptions options;
      g_autoptr(ArbStats) stats = NULL;

      arb_stats_options_init (&options);
      options.raters = (const char * const *) raters;
      options.baseline = baseline;
      options.category = category;
      options.method = ARB_STATS_METHOD_BT;
      /* Only the ratings show bootstrap intervals; the other charts need none. */
      options.bootstrap = kind == CHART_RATINGS ? (guint) bootstrap : 0;
      options.seed = (guint64) seed;
      stats = arb_workspace_compute_stats (ws, &options, &error);
      if (stats == NULL)
        return arb_cli_fail (error);
      if (stats->n_systems == 0 || stats->baseline == NULL)
        {
          fprintf (stderr, "arbiter-cli: %s\n", _("no systems with verdicts to plot"));
          return 1;
        }
      if (kind == CHART_RATINGS)
        ok = plot_ratings (&p, stats, category, options.bootstrap, &error);
      else if (kind == CHART_WIN_MATRIX)
        plot_win_matrix (&p, stats, category);
      else
        ok = plot_length (&p, stats, category, &error);
      if (!ok || !arb_chart_save (output, width, height, draw_plot, &p, &error))
        return arb_cli_fail (error);
    }
  printf ("%s: %s\n", output, _("written"));
  return 0;
}
