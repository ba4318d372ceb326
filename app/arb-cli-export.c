/* arb-cli-export.c: arbiter-cli export, training-ready files with explicit policies
 *
 * The rules and their order are db/arb-export.c's; this file parses options, checks what is
 * wrong usage before any work, and prints what each rule kept and dropped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "arb-cli.h"
#include "arb-export.h"

static volatile sig_atomic_t interrupted;

static void
on_signal (int sig)
{
  interrupted = 1;
}

typedef struct
{
  GCancellable *cancellable;
  gint          done;
} Watch;

/* A signal handler may only set a flag; this thread turns it into a cancel, which the export
 * notices at its next rows and answers by removing its temporary files. */
static gpointer
watch_signals (gpointer data)
{
  Watch *w = data;

  while (!g_atomic_int_get (&w->done))
    {
      if (interrupted)
        {
          g_cancellable_cancel (w->cancellable);
          break;
        }
      g_usleep (20 * 1000);
    }
  return NULL;
}

/* The command as typed, quoted for a shell where needed, for the dataset card. */
static char *
command_line (int    argc,
              char **argv)
{
  g_autoptr(GString) s = g_string_new ("arbiter-cli");

  for (int i = 0; i < argc; i++)
    {
      const char *arg = argv[i];

      g_string_append_c (s, ' ');
      if (arg[0] != '\0' &&
          strspn (arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                       "-_=.,/:+@%") == strlen (arg))
        g_string_append (s, arg);
      else
        {
          g_autofree char *quoted = g_shell_quote (arg);

          g_string_append (s, quoted);
        }
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
print_count (const char *what,
             gint64      n)
{
  printf ("  %-48s %10" G_GINT64_FORMAT "\n", what, n);
}

int
arb_cli_export (int    argc,
                char **argv)
{
  g_auto(GStrv) raters = NULL;
  g_autofree char *format = NULL, *output = NULL, *policy = NULL, *ties = NULL;
  g_autofree char *margin = NULL, *split = NULL;
  g_autofree char *prompt_key = NULL, *chosen_key = NULL, *rejected_key = NULL;
  g_autofree char *command = command_line (argc, argv);
  g_autofree char *split_name = NULL;
  gboolean all_raters = FALSE, conversational = FALSE, no_card = FALSE;
  double min_agreement = 0;
  gint64 seed = 0;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format,
      N_("trl-preference, trl-kto, openrlhf, verdicts-jsonl or verdicts-csv"), "F" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write the data here (.gz: gzip-compressed); the card README.md goes beside it"),
      "FILE" },
    { "rater", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raters,
      N_("Count this rater's verdicts (repeat for several; default: every human annotator; "
         "an adjudicator's verdict always wins)"), "NAME" },
    { "all-raters", 0, 0, G_OPTION_ARG_NONE, &all_raters,
      N_("Count every rater: humans, judges and reward models"), NULL },
    { "policy", 0, 0, G_OPTION_ARG_STRING, &policy,
      N_("How verdicts become one: majority (default), mean, unanimous or single"), "P" },
    { "ties", 0, 0, G_OPTION_ARG_STRING, &ties,
      N_("drop (default) or keep (rows marked \"tie\")"), "drop|keep" },
    { "min-agreement", 0, 0, G_OPTION_ARG_DOUBLE, &min_agreement,
      N_("Drop comparisons where fewer than this share of the counted raters agree"), "X" },
    { "margin", 0, 0, G_OPTION_ARG_STRING, &margin,
      N_("Add a margin: none (default), strength or preference"), "M" },
    { "conversational", 0, 0, G_OPTION_ARG_NONE, &conversational,
      N_("Message lists instead of strings"), NULL },
    { "prompt-key", 0, 0, G_OPTION_ARG_STRING, &prompt_key,
      N_("openrlhf: the prompt's key (default prompt)"), "KEY" },
    { "chosen-key", 0, 0, G_OPTION_ARG_STRING, &chosen_key,
      N_("openrlhf: the chosen response's key (default chosen)"), "KEY" },
    { "rejected-key", 0, 0, G_OPTION_ARG_STRING, &rejected_key,
      N_("openrlhf: the rejected response's key (default rejected)"), "KEY" },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split,
      N_("Put this share of the prompts in a second file, e.g. test=0.1 (files NAME.train.EXT "
         "and NAME.test.EXT)"), "NAME=X" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of the split (default 0)"), "S" },
    { "no-card", 0, 0, G_OPTION_ARG_NONE, &no_card,
      N_("Do not write the dataset card README.md"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("WS — export training-ready data and its dataset card"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbExportResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  struct sigaction sa = { 0 };
  Watch watch = { cancellable, 0 };
  GThread *watcher;
  ArbExportOptions options;
  gboolean pairwise;
  int status;

  arb_export_options_init (&options);
  g_option_context_set_summary (context,
                                _("The rules, their order and every format are in "
                                  "docs/export.md. Each file appears whole or not at all."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("export takes one workspace"));
  if (format == NULL || !arb_export_format_from_string (format, &options.format))
    {
      g_autofree char *message =
        format == NULL ? g_strdup_printf (_("--format is needed (one of: %s)"),
                                          arb_export_format_list ())
                       : g_strdup_printf (_("unknown format “%s” (one of: %s; trl-stepwise and "
                                            "token-level are not written yet)"), format,
                                          arb_export_format_list ());

      return arb_cli_usage_error (context, message);
    }
  if (output == NULL)
    return arb_cli_usage_error (context, _("-o FILE is needed"));
  pairwise = options.format == ARB_EXPORT_TRL_PREFERENCE || options.format == ARB_EXPORT_TRL_KTO ||
             options.format == ARB_EXPORT_OPENRLHF;
  if (policy != NULL && !arb_export_policy_from_string (policy, &options.policy))
    return arb_cli_usage_error (context,
                                _("--policy must be majority, mean, unanimous or single"));
  if (ties != NULL && g_strcmp0 (ties, "drop") != 0 && g_strcmp0 (ties, "keep") != 0)
    return arb_cli_usage_error (context, _("--ties must be drop or keep"));
  options.keep_ties = g_strcmp0 (ties, "keep") == 0;
  if (margin == NULL || g_strcmp0 (margin, "none") == 0)
    options.margin = ARB_EXPORT_MARGIN_NONE;
  else if (g_strcmp0 (margin, "strength") == 0)
    options.margin = ARB_EXPORT_MARGIN_STRENGTH;
  else if (g_strcmp0 (margin, "preference") == 0)
    options.margin = ARB_EXPORT_MARGIN_PREFERENCE;
  else
    return arb_cli_usage_error (context, _("--margin must be none, strength or preference"));
  if (!pairwise && (policy != NULL || options.keep_ties || min_agreement != 0 ||
                    options.margin != ARB_EXPORT_MARGIN_NONE))
    return arb_cli_usage_error (context, _("--policy, --ties, --min-agreement and --margin "
                                           "apply to the pairwise formats, not to verdicts-*"));
  if (options.format == ARB_EXPORT_TRL_KTO && options.keep_ties)
    return arb_cli_usage_error (context, _("trl-kto has no place for a tie: ties are always "
                                           "dropped there"));
  if (options.format != ARB_EXPORT_TRL_PREFERENCE && options.format != ARB_EXPORT_OPENRLHF &&
      options.margin != ARB_EXPORT_MARGIN_NONE)
    return arb_cli_usage_error (context, _("--margin applies to trl-preference and openrlhf"));
  if (options.format != ARB_EXPORT_OPENRLHF &&
      (prompt_key != NULL || chosen_key != NULL || rejected_key != NULL))
    return arb_cli_usage_error (context, _("--prompt-key, --chosen-key and --rejected-key apply "
                                           "to openrlhf"));
  if (min_agreement < 0 || min_agreement > 1)
    return arb_cli_usage_error (context, _("--min-agreement must be between 0 and 1"));
  if (all_raters && raters != NULL)
    return arb_cli_usage_error (context, _("give --rater NAME or --all-raters, not both"));
  if (split != NULL)
    {
      const char *eq = strchr (split, '=');
      char *end = NULL;

      if (eq != NULL)
        options.split_fraction = g_ascii_strtod (eq + 1, &end);
      if (eq == NULL || eq == split || end == eq + 1 || *end != '\0' ||
          !(options.split_fraction > 0 && options.split_fraction < 1))
        return arb_cli_usage_error (context, _("--split is NAME=FRACTION, e.g. test=0.1"));
      split_name = g_strndup (split, eq - split);
      if (g_str_equal (split_name, "train") ||
          strspn (split_name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen (split_name))
        return arb_cli_usage_error (context, _("--split: the name is lower-case letters, digits, "
                                               "- and _, and not train"));
      options.split_name = split_name;
    }

  ws = arb_cli_open_workspace (argv[1], &status);
  if (ws == NULL)
    return status;
  options.raters = (const char * const *) raters;
  options.all_raters = all_raters;
  options.min_agreement = min_agreement;
  options.conversational = conversational;
  options.prompt_key = prompt_key;
  options.chosen_key = chosen_key;
  options.rejected_key = rejected_key;
  options.seed = (guint64) seed;
  options.no_card = no_card;
  options.command = command;

  /* Ctrl+C stops the export and leaves no file; a second one kills. */
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESETHAND;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  watcher = g_thread_new ("signals", watch_signals, &watch);
  result = arb_workspace_export (ws, output, &options, cancellable, &error);
  g_atomic_int_set (&watch.done, 1);
  g_thread_join (watcher);
  if (result == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fprintf (stderr, "arbiter-cli: %s\n", _("interrupted"));
      else
        fprintf (stderr, "arbiter-cli: %s\n", error->message);
      fprintf (stderr, "arbiter-cli: %s: %s\n", output, _("nothing was written"));
      return 1;
    }

  printf ("%s: %s, %" G_GINT64_FORMAT " %s\n", output, format, result->rows, _("rows written"));
  if (pairwise)
    {
      print_count (_("comparisons with a counted verdict"), result->considered);
      print_count (_("decided by an adjudicator"), result->adjudicated);
      print_count (_("dropped: flagged"), result->flagged);
      print_count (_("dropped: a side is not text"), result->not_text);
      print_count (_("dropped: multi-turn response in string form"), result->multi_turn);
      print_count (_("dropped: raters disagree (unanimous)"), result->disagreement);
      print_count (_("dropped: agreement below the minimum"), result->low_agreement);
      print_count (options.keep_ties ? _("ties kept") : _("dropped: tie"), result->ties);
      print_count (_("dropped: chosen text equals rejected text"), result->same_text);
      print_count (_("rows identical to a written one"), result->duplicates);
    }
  else
    {
      print_count (_("verdicts of the counted raters"), result->considered);
      print_count (_("dropped: flagged"), result->flagged);
    }
  print_count (_("rows written"), result->rows);
  if (split_name != NULL)
    {
      print_count (_("rows in train"), result->rows - result->rows_split);
      g_autofree char *what = g_strdup_printf (_("rows in %s"), split_name);

      print_count (what, result->rows_split);
    }
  for (guint i = 0; i < result->files->len; i++)
    printf ("  %s %s\n", _("wrote"), (const char *) result->files->pdata[i]);
  return 0;
}
