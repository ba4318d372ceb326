/* arbiter-cli.c: the headless front end of Arbiter
 *
 * Exit status: 0 the work completed, 1 it could not (the message says what and where), 2 wrong
 * usage. Results go to stdout; progress and warnings go to stderr.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "arb-import.h"
#include "arb-plan.h"
#include "arb-workspace.h"

#include "arb-cli.h"

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct
{
  const char  *name;
  CommandFunc  func;
  const char  *args;
  const char  *summary;
} Command;

static int cmd_init (int argc, char **argv);
static int cmd_import (int argc, char **argv);
static int cmd_info (int argc, char **argv);
static int cmd_plan (int argc, char **argv);

static const Command commands[] = {
  { "init", cmd_init, "WS", N_("Create an empty workspace") },
  { "import", cmd_import, "WS FILE...", N_("Import data files (format detected or --format)") },
  { "info", cmd_info, "WS", N_("Show what a workspace holds") },
  { "plan", cmd_plan, "WS (--all-pairs | --baseline SYSTEM)", N_("Make comparisons to label or judge") },
  { "judge", arb_cli_judge, "WS --endpoint URL --model NAME", N_("Judge the comparisons with an LLM") },
  { "score", arb_cli_score, "WS --endpoint URL --model NAME", N_("Score the generations with a reward model") },
  { "stats", arb_cli_stats, "WS [--baseline SYSTEM]", N_("Win rates and ratings of the systems") },
  { "agreement", arb_cli_agreement, "WS [--gold RATER|majority]", N_("How well the raters agree") },
  { "plot", arb_cli_plot, "WS --chart NAME -o FILE", N_("Draw a chart into a PNG, SVG or PDF file") },
  { "export", arb_cli_export, "WS --format F -o FILE", N_("Write training-ready data and a dataset card") },
  { "pack", arb_cli_pack, "(out WS --rater NAME -o PACK | in WS PACK)", N_("Label packs: out to an annotator, back in") },
  { "spans", arb_cli_spans, "WS [--rater NAME]...", N_("Span and step labels, one JSON object per line") },
  { "tokenize", arb_cli_tokenize, "WS --endpoint URL --tokenizer NAME [--api llama|vllm]", N_("A tokenizer's tokens for every generation, with their byte ranges") },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: arbiter-cli COMMAND [OPTION...] ARGUMENTS"));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-8s %-40s %s\n", commands[i].name, commands[i].args, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run 'arbiter-cli COMMAND --help' for a command's options."));
}

/* ---- init -------------------------------------------------------------------------------- */

static int
cmd_init (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("WS — create an empty workspace"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("init takes one workspace file name"));

  ws = arb_workspace_create (argv[1], &error);
  if (ws == NULL)
    return arb_cli_fail (error);
  printf ("%s: %s\n", argv[1], _("created an empty workspace"));
  return 0;
}

/* ---- import ------------------------------------------------------------------------------ */

typedef struct
{
  const char *name;
  gboolean    tty;
  gint64      last_print;
} Progress;

static void
show_progress (guint64  done,
               guint64  total,
               guint64  records,
               gpointer user_data)
{
  Progress *p = user_data;
  gint64 now = g_get_monotonic_time ();
  double fraction = total > 0 ? MIN (1.0, (double) done / total) : 0.0;

  if (p->tty)
    {
      char bar[31];
      int filled = (int) (fraction * 30);

      memset (bar, '#', filled);
      memset (bar + filled, '.', 30 - filled);
      bar[30] = '\0';
      fprintf (stderr, "\r%s [%s] %3d%%  %.1f/%.1f MB  %" G_GUINT64_FORMAT " records", p->name,
               bar, (int) (fraction * 100), done / 1e6, total / 1e6, records);
      fflush (stderr);
    }
  else if (now - p->last_print > 2 * G_USEC_PER_SEC)
    {
      fprintf (stderr, "%s: %d%% (%.1f of %.1f MB, %" G_GUINT64_FORMAT " records)\n", p->name,
               (int) (fraction * 100), done / 1e6, total / 1e6, records);
      p->last_print = now;
    }
}

static int
cmd_import (int    argc,
            char **argv)
{
  g_autofree char *format = NULL;
  g_autofree char *system = NULL;
  g_autofree char *rater = NULL;
  gboolean skip_bad = FALSE;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("The data format (default: detect it)"), "F" },
    { "system", 0, 0, G_OPTION_ARG_STRING, &system, N_("Name of the system that generated the responses"), "NAME" },
    { "rater", 0, 0, G_OPTION_ARG_STRING, &rater, N_("Name of the rater whose verdicts these are"), "NAME" },
    { "skip-bad", 0, 0, G_OPTION_ARG_NONE, &skip_bad, N_("Skip bad records (and list them) instead of failing"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("WS FILE... — import data files"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autofree char *summary = NULL;
  ArbImportOptions options = { 0 };
  int status = 0;

  summary = g_strdup_printf (_("Formats: %s.\nEach file lands whole or not at all."),
                             arb_import_format_list ());
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc < 3)
    return arb_cli_usage_error (context, _("import takes a workspace and at least one file"));
  if (format != NULL && !arb_import_format_from_string (format, &options.format))
    {
      g_autofree char *message = g_strdup_printf (_("unknown format \"%s\" (one of: %s)"), format,
                                                  arb_import_format_list ());
      return arb_cli_usage_error (context, message);
    }
  options.system = system;
  options.rater = rater;
  options.skip_bad = skip_bad;

  status = 0;
  ws = arb_cli_open_workspace (argv[1], &status);
  if (ws == NULL)
    return status;

  for (int i = 2; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ArbImportResult) result = NULL;
      Progress progress = { argv[i], isatty (STDERR_FILENO), g_get_monotonic_time () };

      result = arb_workspace_import_file (ws, argv[i], &options, show_progress, &progress, NULL,
                                          &error);
      if (progress.tty)
        fprintf (stderr, "\r\033[K");
      if (result == NULL)
        {
          fprintf (stderr, "arbiter-cli: %s\n", error->message);
          fprintf (stderr, "arbiter-cli: %s: %s\n", argv[i], _("nothing was imported"));
          status = 1;
          continue;
        }
      for (guint j = 0; j < result->warnings->len; j++)
        fprintf (stderr, "warning: %s\n", (char *) g_ptr_array_index (result->warnings, j));
      for (guint j = 0; j < result->bad_records->len; j++)
        fprintf (stderr, "skipped: %s\n", (char *) g_ptr_array_index (result->bad_records, j));
      printf ("%s: %s, %" G_GUINT64_FORMAT " records", argv[i],
              arb_import_format_to_string (result->format), result->records);
      if (result->skipped > 0)
        printf (", %" G_GUINT64_FORMAT " skipped", result->skipped);
      printf ("; added %" G_GINT64_FORMAT " prompts, %" G_GINT64_FORMAT " generations, %"
              G_GINT64_FORMAT " comparisons, %" G_GINT64_FORMAT " verdicts, %" G_GINT64_FORMAT
              " systems, %" G_GINT64_FORMAT " raters",
              result->prompts, result->generations, result->comparisons, result->verdicts,
              result->systems, result->raters);
      if (result->duplicates > 0)
        printf ("; %" G_GUINT64_FORMAT " verdicts were already present", result->duplicates);
      if (result->conflicts > 0)
        printf ("; %" G_GUINT64_FORMAT " verdicts disagreed with ones already present (kept those)",
                result->conflicts);
      printf ("\n");
    }
  return status;
}

/* ---- info -------------------------------------------------------------------------------- */

static int
cmd_info (int    argc,
          char **argv)
{
  g_autofree char *format = NULL;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output: table (default) or json"), "F" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("WS — show what a workspace holds"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) imports = NULL;
  ArbCounts c;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("info takes one workspace"));
  if (format != NULL && g_strcmp0 (format, "table") != 0 && g_strcmp0 (format, "json") != 0)
    return arb_cli_usage_error (context, _("--format must be table or json"));

  status = 0;
  ws = arb_cli_open_workspace (argv[1], &status);
  if (ws == NULL)
    return status;
  if (!arb_workspace_get_counts (ws, &c, &error))
    return arb_cli_fail (error);

  if (g_strcmp0 (format, "json") == 0)
    {
      printf ("{\"prompts\": %" G_GINT64_FORMAT ", \"generations\": %" G_GINT64_FORMAT
              ", \"comparisons\": %" G_GINT64_FORMAT ", \"systems\": %" G_GINT64_FORMAT
              ", \"raters\": %" G_GINT64_FORMAT ", \"verdicts\": %" G_GINT64_FORMAT
              ", \"grades\": %" G_GINT64_FORMAT ", \"spans\": %" G_GINT64_FORMAT "}\n",
              c.prompts, c.generations, c.comparisons, c.systems, c.raters, c.verdicts, c.grades,
              c.spans);
      return 0;
    }

  printf ("%s  (%s %d)\n", argv[1], _("schema version"), arb_workspace_get_schema_version (ws));
  printf ("  %-12s %12" G_GINT64_FORMAT "\n", _("prompts"), c.prompts);
  printf ("  %-12s %12" G_GINT64_FORMAT "\n", _("generations"), c.generations);
  printf ("  %-12s %12" G_GINT64_FORMAT "\n", _("comparisons"), c.comparisons);
  printf ("  %-12s %12" G_GINT64_FORMAT "\n", _("systems"), c.systems);
  printf ("  %-12s %12" G_GINT64_FORMAT "\n", _("raters"), c.raters);
  printf ("  %-12s %12" G_GINT64_FORMAT "\n", _("verdicts"), c.verdicts);
  printf ("  %-12s %12" G_GINT64_FORMAT "\n", _("grades"), c.grades);
  printf ("  %-12s %12" G_GINT64_FORMAT "\n", _("spans"), c.spans);

  imports = arb_workspace_list_imports (ws, &error);
  if (imports == NULL)
    return arb_cli_fail (error);
  if (imports->len > 0)
    printf ("%s\n", _("Imports:"));
  for (guint i = 0; i < imports->len; i++)
    {
      ArbImportInfo *info = g_ptr_array_index (imports, i);

      printf ("  #%-4" G_GINT64_FORMAT " %-8s %-24s %-40s %" G_GINT64_FORMAT " records",
              info->id, info->state, info->format, info->name, info->n_records);
      if (info->error != NULL)
        printf ("  (%s)", info->error);
      printf ("\n");
    }
  return 0;
}

/* ---- plan -------------------------------------------------------------------------------- */

static int
cmd_plan (int    argc,
          char **argv)
{
  gboolean all_pairs = FALSE;
  g_autofree char *baseline = NULL;
  int per_prompt = 0;
  gint64 seed = 0;
  GOptionEntry entries[] = {
    { "all-pairs", 0, 0, G_OPTION_ARG_NONE, &all_pairs, N_("Pair every two systems of each prompt"), NULL },
    { "baseline", 0, 0, G_OPTION_ARG_STRING, &baseline, N_("Pair every system with this one"), "SYSTEM" },
    { "per-prompt", 0, 0, G_OPTION_ARG_INT, &per_prompt, N_("At most K pairs per prompt, chosen by the seed"), "K" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed for choosing pairs (default 0)"), "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("WS — make comparisons between the systems' generations"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  ArbPlanOptions options = { 0 };
  ArbPlanResult result = { 0 };
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("plan takes one workspace"));
  if (all_pairs == (baseline != NULL))
    return arb_cli_usage_error (context, _("give exactly one of --all-pairs and --baseline SYSTEM"));
  if (per_prompt < 0)
    return arb_cli_usage_error (context, _("--per-prompt must be a positive number"));

  status = 0;
  ws = arb_cli_open_workspace (argv[1], &status);
  if (ws == NULL)
    return status;
  options.baseline = baseline;
  options.per_prompt = per_prompt;
  options.seed = seed;
  if (!arb_workspace_plan (ws, &options, &result, NULL, &error))
    return arb_cli_fail (error);
  printf ("%s: %" G_GINT64_FORMAT " prompts, %" G_GINT64_FORMAT " pairs planned, %"
          G_GINT64_FORMAT " comparisons added (%" G_GINT64_FORMAT " existed)\n", argv[1],
          result.prompts, result.planned, result.added, result.planned - result.added);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage (stderr);
      return EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "--version") || g_str_equal (argv[1], "-V"))
    {
      printf ("arbiter-cli %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      print_usage (stdout);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        g_autofree char *prgname = g_strdup_printf ("arbiter-cli %s", commands[i].name);

        g_set_prgname (prgname);
        return commands[i].func (argc - 1, argv + 1);
      }
  fprintf (stderr, "arbiter-cli: %s \"%s\"\n\n", _("unknown command"), argv[1]);
  print_usage (stderr);
  return EXIT_USAGE;
}
