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
#include <unistd.h>

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

typedef struct
{
  const char *name;
  gboolean    tty;
  gint64      last_print;
  gboolean    shown;
} Progress;

/* DESIGN.md: a bar when stderr is a terminal, plain lines every few seconds otherwise. The
 * total is an upper bound (every comparison, verdict or labelled generation of the workspace),
 * so the share can stop short of 100 % when rules leave items out. */
static void
show_progress (gint64   done,
               gint64   total,
               gint64   rows,
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
      fprintf (stderr, "\r%s [%s] %3d%%  %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " read, %"
               G_GINT64_FORMAT " rows", p->name, bar, (int) (fraction * 100), done, total, rows);
      fflush (stderr);
      p->shown = TRUE;
    }
  else if (now - p->last_print > 2 * G_USEC_PER_SEC)
    {
      fprintf (stderr, "%s: %d%% (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " read, %"
               G_GINT64_FORMAT " rows)\n", p->name, (int) (fraction * 100), done, total, rows);
      p->last_print = now;
    }
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
  g_autofree char *neutral = NULL, *after_error = NULL, *tokenizer = NULL, *overlap = NULL;
  gboolean all_raters = FALSE, conversational = FALSE, no_card = FALSE, implicit = FALSE;
  double min_agreement = 0;
  gint64 seed = 0;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format,
      N_("trl-preference, trl-kto, trl-stepwise, openrlhf, token-level, verdicts-jsonl or "
         "verdicts-csv"), "F" },
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
    { "implicit-prompt", 0, 0, G_OPTION_ARG_NONE, &implicit,
      N_("trl-preference: no prompt key; chosen and rejected hold the whole conversation"),
      NULL },
    { "neutral", 0, 0, G_OPTION_ARG_STRING, &neutral,
      N_("trl-stepwise: a neutral (0) step is good (default), bad, or ends the row (drop)"),
      "good|bad|drop" },
    { "after-error", 0, 0, G_OPTION_ARG_STRING, &after_error,
      N_("trl-stepwise: the row ends with the first bad step (drop, default) or every later "
         "step is bad"), "drop|bad" },
    { "tokenizer", 0, 0, G_OPTION_ARG_STRING, &tokenizer,
      N_("token-level: add this tokenizer's tokens and a label per token"), "NAME" },
    { "overlap", 0, 0, G_OPTION_ARG_STRING, &overlap,
      N_("token-level: a token is in a span when any (default), most or all of its bytes are"),
      "any|majority|all" },
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
  Progress progress = { NULL, isatty (STDERR_FILENO), 0, FALSE };
  GThread *watcher;
  ArbExportOptions options;
  gboolean pairwise, stepwise, token_level;
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
                       : g_strdup_printf (_("unknown format “%s” (one of: %s)"), format,
                                          arb_export_format_list ());

      return arb_cli_usage_error (context, message);
    }
  if (output == NULL)
    return arb_cli_usage_error (context, _("-o FILE is needed"));
  pairwise = arb_export_format_is_pairwise (options.format);
  stepwise = options.format == ARB_EXPORT_TRL_STEPWISE;
  token_level = options.format == ARB_EXPORT_TOKEN_LEVEL;
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
  if (stepwise && (ties != NULL || options.margin != ARB_EXPORT_MARGIN_NONE))
    return arb_cli_usage_error (context, _("--ties and --margin apply to the pairwise formats, "
                                           "not to trl-stepwise"));
  if (!pairwise && !stepwise && (policy != NULL || ties != NULL || min_agreement != 0 ||
                                 options.margin != ARB_EXPORT_MARGIN_NONE))
    return arb_cli_usage_error (context, _("--policy, --ties, --min-agreement and --margin "
                                           "apply to the pairwise formats (and --policy and "
                                           "--min-agreement to trl-stepwise), not to "
                                           "token-level or verdicts-*"));
  if (!stepwise && (neutral != NULL || after_error != NULL))
    return arb_cli_usage_error (context, _("--neutral and --after-error apply to trl-stepwise"));
  if (neutral == NULL || g_strcmp0 (neutral, "good") == 0)
    options.neutral = ARB_EXPORT_NEUTRAL_GOOD;
  else if (g_strcmp0 (neutral, "bad") == 0)
    options.neutral = ARB_EXPORT_NEUTRAL_BAD;
  else if (g_strcmp0 (neutral, "drop") == 0)
    options.neutral = ARB_EXPORT_NEUTRAL_DROP;
  else
    return arb_cli_usage_error (context, _("--neutral must be good, bad or drop"));
  if (after_error == NULL || g_strcmp0 (after_error, "drop") == 0)
    options.after_error = ARB_EXPORT_AFTER_ERROR_DROP;
  else if (g_strcmp0 (after_error, "bad") == 0)
    options.after_error = ARB_EXPORT_AFTER_ERROR_BAD;
  else
    return arb_cli_usage_error (context, _("--after-error must be drop or bad"));
  if (!token_level && (tokenizer != NULL || overlap != NULL))
    return arb_cli_usage_error (context, _("--tokenizer and --overlap apply to token-level"));
  if (overlap != NULL && tokenizer == NULL)
    return arb_cli_usage_error (context, _("--overlap needs --tokenizer NAME"));
  if (overlap == NULL || g_strcmp0 (overlap, "any") == 0)
    options.overlap = ARB_EXPORT_OVERLAP_ANY;
  else if (g_strcmp0 (overlap, "majority") == 0)
    options.overlap = ARB_EXPORT_OVERLAP_MAJORITY;
  else if (g_strcmp0 (overlap, "all") == 0)
    options.overlap = ARB_EXPORT_OVERLAP_ALL;
  else
    return arb_cli_usage_error (context, _("--overlap must be any, majority or all"));
  if (tokenizer != NULL && tokenizer[0] == '\0')
    return arb_cli_usage_error (context, _("--tokenizer needs a name"));
  if (implicit && options.format != ARB_EXPORT_TRL_PREFERENCE)
    return arb_cli_usage_error (context, _("--implicit-prompt applies to trl-preference"));
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
  options.implicit_prompt = implicit;
  options.tokenizer = tokenizer;
  progress.name = output;
  progress.last_print = g_get_monotonic_time ();
  options.progress = show_progress;
  options.progress_data = &progress;

  /* Ctrl+C stops the export and leaves no file; a second one kills. */
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESETHAND;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  watcher = g_thread_new ("signals", watch_signals, &watch);
  result = arb_workspace_export (ws, output, &options, cancellable, &error);
  g_atomic_int_set (&watch.done, 1);
  g_thread_join (watcher);
  if (progress.shown)
    fprintf (stderr, "\r\033[K");
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
  else if (stepwise)
    {
      print_count (_("generations with a counted step label"), result->considered);
      print_count (_("of which a step decided by an adjudicator"), result->adjudicated);
      print_count (_("dropped: not text"), result->not_text);
      print_count (_("dropped: step labels but no steps"), result->no_steps);
      print_count (_("dropped: no step to write"), result->empty);
      print_count (_("neutral steps met"), result->neutral);
      print_count (_("steps left out: unlabelled step on"), result->cut_unlabelled);
      print_count (_("steps left out: undecided step on"), result->cut_disputed);
      print_count (_("steps left out: neutral step on"), result->cut_neutral);
      print_count (_("steps left out: after the first error"), result->cut_error);
      print_count (_("step labels written true"), result->labels_true);
      print_count (_("step labels written false"), result->labels_false);
      print_count (_("rows identical to a written one"), result->duplicates);
    }
  else if (token_level)
    {
      print_count (_("generations with a counted span"), result->considered);
      print_count (_("dropped: not text"), result->not_text);
      print_count (_("spans written"), result->spans);
      if (tokenizer != NULL)
        {
          print_count (_("rows with tokens"), result->tokenized);
          print_count (_("rows without a tokenization"), result->untokenized);
          print_count (_("tokens written"), result->tokens);
          print_count (_("tokens inside a span"), result->tokens_in_span);
        }
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
