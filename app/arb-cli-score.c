/* arb-cli-score.c: `arbiter-cli score`, a reward model over a workspace's comparisons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json.h>

#include "arb-score-run.h"

#include "arb-cli.h"

/* A JSON string literal of @text (UTF-8 kept as it is, as json-c writes it). */
static char *
json_quote (const char *text)
{
  json_object *s = json_object_new_string (text);
  char *quoted = g_strdup (json_object_to_json_string_ext (s, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));

  json_object_put (s);
  return quoted;
}

typedef struct
{
  gboolean tty;
  gint64   last_print;
} Progress;

static void
show_progress (const ArbScoreResult *r,
               gpointer              user_data)
{
  Progress *p = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 done = r->http.answered + r->http.given_up;
  int percent = r->to_send > 0 ? (int) (100 * done / r->to_send) : 100;

  if (p->tty && now - p->last_print >= 100 * 1000)
    {
      p->last_print = now;
      fprintf (stderr, "\r\033[Kscore %3d%%  %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "  %"
               G_GINT64_FORMAT " failed  %" G_GINT64_FORMAT " in flight", percent, done,
               r->to_send, r->http.given_up, r->http.in_flight);
      fflush (stderr);
    }
  else if (!p->tty && now - p->last_print >= 2 * G_USEC_PER_SEC)
    {
      p->last_print = now;
      fprintf (stderr, "score: %d%% (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
               " requests done, %" G_GINT64_FORMAT " failed, %" G_GINT64_FORMAT " in flight)\n",
               percent, done, r->to_send, r->http.given_up, r->http.in_flight);
    }
}

int
arb_cli_score (int    argc,
               char **argv)
{
  g_auto(GStrv) endpoints = NULL;
  g_autofree char *model = NULL;
  g_autofree char *rater = NULL;
  g_autofree char *api = NULL;
  g_autofree char *api_key_env = NULL;
  g_autofree char *format = NULL;
  int concurrency = 16, max_attempts = 6;
  gint64 retry_budget = 0;
  double rpm = 0, timeout = 120, backoff = 0.5;
  gboolean dry_run = FALSE;
  GOptionEntry entries[] = {
    { "endpoint", 0, 0, G_OPTION_ARG_STRING_ARRAY, &endpoints, N_("Base URL of the scoring server, optionally followed by concurrency=N rpm=N key-env=VAR (repeat to spread the run)"), "URL" },
    { "model", 0, 0, G_OPTION_ARG_STRING, &model, N_("The reward model's name"), "NAME" },
    { "rater", 0, 0, G_OPTION_ARG_STRING, &rater, N_("The rater's name (default reward:MODEL)"), "NAME" },
    { "api", 0, 0, G_OPTION_ARG_STRING, &api, N_("pooling (vLLM, default), classify (vLLM) or tei (/predict)"), "API" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &concurrency, N_("Requests in flight per endpoint (default 16)"), "N" },
    { "rpm", 0, 0, G_OPTION_ARG_DOUBLE, &rpm, N_("Requests per minute per endpoint"), "N" },
    { "api-key-env", 0, 0, G_OPTION_ARG_STRING, &api_key_env, N_("Environment variable holding the API key"), "VAR" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout, N_("Seconds per attempt (default 120)"), "S" },
    { "max-attempts", 0, 0, G_OPTION_ARG_INT, &max_attempts, N_("Attempts per request (default 6)"), "N" },
    { "retry-budget", 0, 0, G_OPTION_ARG_INT64, &retry_budget, N_("Retries in the whole run (-1 no limit)"), "N" },
    { "backoff", 0, 0, G_OPTION_ARG_DOUBLE, &backoff, N_("Seconds before the first retry (default 0.5)"), "S" },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, N_("Count what would be sent; send nothing"), NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output: table (default) or json"), "F" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("WS — score the generations with a reward model"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(ArbScoreResult) r = { 0 };
  ArbScoreOptions options = { 0 };
  Progress progress = { isatty (STDERR_FILENO), g_get_monotonic_time () };
  gboolean ok;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("score takes one workspace"));
  if (model == NULL || *model == '\0')
    return arb_cli_usage_error (context, _("give the reward model with --model NAME"));
  if (!dry_run && (endpoints == NULL || endpoints[0] == NULL))
    return arb_cli_usage_error (context, _("give at least one --endpoint URL"));
  if (!arb_score_api_from_string (api != NULL ? api : "pooling", &options.api))
    return arb_cli_usage_error (context, _("--api must be pooling, classify or tei"));
  if (format != NULL && !g_str_equal (format, "table") && !g_str_equal (format, "json"))
    return arb_cli_usage_error (context, _("--format must be table or json"));
  if (concurrency < 1 || max_attempts < 1 || timeout <= 0 || rpm < 0 || backoff < 0 ||
      retry_budget < -1)
    return arb_cli_usage_error (context, _("--concurrency, --max-attempts and --timeout must be "
                                           "positive; --rpm and --backoff not negative"));
  for (guint i = 0; endpoints != NULL && endpoints[i] != NULL; i++)
    {
      g_autofree char *url = NULL;
      g_autofree char *key_env = NULL;
      g_autoptr(GError) bad = NULL;
      guint n = 1;
      double r1 = 0, r2 = 0;

      if (!arb_http_endpoint_parse (endpoints[i], &url, &n, &r1, &r2, &key_env, &bad))
        return arb_cli_usage_error (context, bad->message);
    }

  status = 0;
  ws = arb_cli_open_workspace (argv[1], &status);
  if (ws == NULL)
    return status;
  options.endpoints = (const char *const *) endpoints;
  options.n_endpoints = endpoints != NULL ? g_strv_length (endpoints) : 0;
  options.model = model;
  options.rater = rater;
  options.api_key_env = api_key_env;
  options.concurrency = concurrency;
  options.rpm = rpm;
  options.timeout = timeout;
  options.max_attempts = max_attempts;
  options.retry_budget = retry_budget;
  options.backoff_base = backoff;
  options.dry_run = dry_run;

  ok = arb_score_run (ws, &options, show_progress, &progress, &r, NULL, &error);
  if (progress.tty)
    fprintf (stderr, "\r\033[K");
  if (g_strcmp0 (format, "json") == 0)
    {
      g_autofree char *name = json_quote (r.rater != NULL ? r.rater : "");

      printf ("{\"rater\": %s, \"dry_run\": %s, \"comparisons\": %" G_GINT64_FORMAT
              ", \"generations\": %" G_GINT64_FORMAT ", \"settled\": %" G_GINT64_FORMAT
              ", \"cached\": %" G_GINT64_FORMAT ", \"to_send\": %" G_GINT64_FORMAT
              ", \"attempts\": %" G_GINT64_FORMAT ", \"retries\": %" G_GINT64_FORMAT
              ", \"answered\": %" G_GINT64_FORMAT ", \"given_up\": %" G_GINT64_FORMAT
              ", \"ok\": %" G_GINT64_FORMAT ", \"unparseable\": %" G_GINT64_FORMAT
              ", \"failed\": %" G_GINT64_FORMAT ", \"verdicts\": %" G_GINT64_FORMAT
              ", \"seconds\": %.3f}\n", name, dry_run ? "true" : "false", r.comparisons,
              r.generations, r.settled, r.cached, r.to_send, r.http.attempts, r.http.retries,
              r.http.answered, r.http.given_up, r.ok, r.unparseable, r.failed, r.verdicts,
              r.seconds);
    }
  else
    {
      printf ("%s: %s, %" G_GINT64_FORMAT " comparisons, %" G_GINT64_FORMAT " generations (%"
              G_GINT64_FORMAT " graded already)\n", argv[1], r.rater, r.comparisons,
              r.generations, r.settled);
      if (dry_run)
        printf ("  would send %" G_GINT64_FORMAT " requests (%" G_GINT64_FORMAT
                " answered in the cache)\n", r.to_send, r.cached);
      else
        printf ("  requests: %" G_GINT64_FORMAT " to send, %" G_GINT64_FORMAT " from the cache; %"
                G_GINT64_FORMAT " answered, %" G_GINT64_FORMAT " failed; %" G_GINT64_FORMAT
                " attempts\n  grades: %" G_GINT64_FORMAT " ok, %" G_GINT64_FORMAT
                " unparseable, %" G_GINT64_FORMAT " failed; %" G_GINT64_FORMAT
                " verdicts; %.1f s\n", r.to_send, r.cached, r.http.answered, r.http.given_up,
                r.http.attempts, r.ok, r.unparseable, r.failed, r.verdicts, r.seconds);
    }
  if (!ok)
    return arb_cli_fail (error);
  return 0;
}
