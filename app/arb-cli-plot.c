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

#include "arb-cli.h"
#include "arb-plot.h"

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
  g_autoptr(ArbPlot) p = NULL;
  int status, kind = -1;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("plot takes one workspace"));
  if (chart == NULL)
    return arb_cli_usage_error (context,
                                _("--chart is needed: ratings, win-matrix, length or agreement"));
  for (guint i = 0; arb_plot_names[i] != NULL; i++)
    if (g_str_equal (chart, arb_plot_names[i]))
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

  if (kind == ARB_PLOT_AGREEMENT)
    {
      ArbAgreementOptions options = { 0 };
      g_autoptr(ArbAgreement) ag = NULL;

      options.raters = (const char * const *) raters;
      options.category = category;
      options.failed = ARB_FAILED_DROP;
      ag = arb_workspace_compute_agreement (ws, &options, &error);
      if (ag == NULL)
        return arb_cli_fail (error);
      p = arb_plot_new (kind, NULL, ag, category, 0, &error);
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
      options.bootstrap = kind == ARB_PLOT_RATINGS ? (guint) bootstrap : 0;
      options.seed = (guint64) seed;
      stats = arb_workspace_compute_stats (ws, &options, &error);
      if (stats == NULL)
        return arb_cli_fail (error);
      p = arb_plot_new (kind, stats, NULL, category, options.bootstrap, &error);
    }
  if (p == NULL || !arb_chart_save (output, width, height, arb_plot_draw, p, &error))
    return arb_cli_fail (error);
  printf ("%s: %s\n", output, _("written"));
  return 0;
}
