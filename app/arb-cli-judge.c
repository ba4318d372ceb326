/* arb-cli-judge.c: `arbiter-cli judge`, an LLM judge over a workspace's comparisons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json.h>

#include "arb-judge-run.h"

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

static volatile sig_atomic_t interrupted = 0;

static void
on_signal (int signum)
{
  interrupted = 1;
}

typedef struct
{
  gboolean      tty;
  gint64        last_print;
  GCancellable *cancellable;
} Progress;

static void
show_progress (const ArbJudgeResult *r,
               gpointer              user_data)
{
  Progress *p = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 done = r->http.answered + r->http.given_up + r->http.not_sent;
  double fraction = r->to_send > 0 ? MIN (1.0, (double) done / r->to_send) : 1.0;
  double rate = r->seconds > 0 ? r->http.attempts / r->seconds : 0;

  /* A signal handler may only set a flag; the run notices the cancellable within 100 ms. */
  if (interrupted && !g_cancellable_is_cancelled (p->cancellable))
    g_cancellable_cancel (p->cancellable);
  if (p->tty)
    {
      char bar[25];
      int filled = (int) (fraction * 24);

      if (now - p->last_print < 100 * 1000)
        return;
      p->last_print = now;
      memset (bar, '#', filled);
      memset (bar + filled, '.', 24 - filled);
      bar[24] = '\0';
      fprintf (stderr, "\r\033[Kjudge [%s] %3d%%  %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
               "  %" G_GINT64_FORMAT " cached  %" G_GINT64_FORMAT " failed  %" G_GINT64_FORMAT
               " in flight  %.1f req/s  %" G_GINT64_FORMAT " tokens  %.4f USD",
               bar, (int) (fraction * 100), done, r->to_send, r->cached, r->http.given_up,
               r->http.in_flight, rate, r->http.input_tokens + r->http.output_tokens,
               r->http.cost);
      fflush (stderr);
    }
  else if (now - p->last_print >= 2 * G_USEC_PER_SEC)
    {
      p->last_print = now;
      fprintf (stderr, "judge: %d%% (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
               " requests done, %" G_GINT64_FORMAT " cached, %" G_GINT64_FORMAT " failed, %"
               G_GINT64_FORMAT " in flight, %.1f req/s, %" G_GINT64_FORMAT " tokens, %.4f USD)\n",
               (int) (fraction * 100), done, r->to_send, r->cached, r->http.given_up,
               r->http.in_flight, rate, r->http.input_tokens + r->http.output_tokens,
               r->http.cost);
    }
}

static void
print_json (const ArbJudgeResult *r,
            gboolean              dry_run)
{
  g_autofree char *rater = json_quote (r->rater != NULL ? r->rater : "");

  printf ("{\"rater\": %s, \"dry_run\": %s, \"comparisons\": %" G_GINT64_FORMAT
          ", \"tasks\": %" G_GINT64_FORMAT ", \"settled\": %" G_GINT64_FORMAT
          ", \"ties\": %" G_GINT64_FORMAT ", \"no_reference\": %" G_GINT64_FORMAT
          ", \"cached\": %" G_GINT64_FORMAT ", \"to_send\": %" G_GINT64_FORMAT
          ", \"attempts\": %" G_GINT64_FORMAT ", \"retries\": %" G_GINT64_FORMAT
          ", \"answered\": %" G_GINT64_FORMAT ", \"given_up\": %" G_GINT64_FORMAT
          ", \"not_sent\": %" G_GINT64_FORMAT ", \"ok\": %" G_GINT64_FORMAT
          ", \"unparseable\": %" G_GINT64_FORMAT ", \"failed\": %" G_GINT64_FORMAT
          ", \"derived\": %" G_GINT64_FORMAT ", \"input_tokens\": %" G_GINT64_FORMAT
          ", \"output_tokens\": %" G_GINT64_FORMAT ", \"cost\": %.6f"
          ", \"estimated_input_tokens\": %" G_GINT64_FORMAT
          ", \"estimated_output_tokens\": %" G_GINT64_FORMAT ", \"estimated_cost\": %.6f"
          ", \"http_429\": %" G_GINT64_FORMAT ", \"http_5xx\": %" G_GINT64_FORMAT
          ", \"http_4xx\": %" G_GINT64_FORMAT ", \"timeouts\": %" G_GINT64_FORMAT
          ", \"transport_errors\": %" G_GINT64_FORMAT ", \"bad_bodies\": %" G_GINT64_FORMAT
          ", \"seconds\": %.3f}\n",
          rater, dry_run ? "true" : "false", r->comparisons, r->tasks, r->settled, r->ties,
          r->no_reference, r->cached, r->to_send, r->http.attempts, r->http.retries,
          r->http.answered, r->http.given_up, r->http.not_sent, r->ok, r->unparseable, r->failed,
          r->derived, r->http.input_tokens, r->http.output_tokens, r->http.cost,
          r->estimated_input_tokens, r->estimated_output_tokens, r->estimated_cost,
          r->http.http_429, r->http.http_5xx, r->http.http_4xx, r->http.timeouts,
          r->http.transport, r->http.bad_body, r->seconds);
}

static void
print_table (const char           *ws,
             const ArbJudgeResult *r,
             gboolean              dry_run)
{
  printf ("%s: %s, %" G_GINT64_FORMAT " comparisons, %" G_GINT64_FORMAT " verdicts wanted (%"
          G_GINT64_FORMAT " there already, %" G_GINT64_FORMAT " ties of identical texts, %"
          G_GINT64_FORMAT " without a reference)\n", ws, r->rater, r->comparisons, r->tasks,
          r->settled, r->ties, r->no_reference);
  if (dry_run)
    {
      printf ("  would send %" G_GINT64_FORMAT " requests (%" G_GINT64_FORMAT
              " answered in the cache); about %" G_GINT64_FORMAT " input tokens, at most %"
              G_GINT64_FORMAT " output tokens, at most %.4f USD\n", r->to_send, r->cached,
              r->estimated_input_tokens, r->estimated_output_tokens, r->estimated_cost);
      return;
    }
  printf ("  requests: %" G_GINT64_FORMAT " to send, %" G_GINT64_FORMAT " from the cache; %"
          G_GINT64_FORMAT " answered, %" G_GINT64_FORMAT " failed, %" G_GINT64_FORMAT
          " not sent; %" G_GINT64_FORMAT " attempts, %" G_GINT64_FORMAT " retries\n",
          r->to_send, r->cached, r->http.answered, r->http.given_up, r->http.not_sent,
          r->http.attempts, r->http.retries);
  printf ("  written: %" G_GINT64_FORMAT " ok, %" G_GINT64_FORMAT " unparseable, %"
          G_GINT64_FORMAT " failed", r->ok, r->unparseable, r->failed);
  if (r->derived > 0)
    printf (", %" G_GINT64_FORMAT " verdicts from grades", r->derived);
  printf ("\n  %" G_GINT64_FORMAT " input tokens, %" G_GINT64_FORMAT " output tokens, %.4f USD, "
          "%.1f s\n", r->http.input_tokens, r->http.output_tokens, r->http.cost, r->seconds);
}

int
arb_cli_judge (int    argc,
               char **argv)
{
  g_auto(GStrv) endpoints = NULL;
  g_autofree char *model = NULL;
  g_autofree char *rater = NULL;
  g_autofree char *template_name = NULL;
  g_autofree char *orders = NULL;
  g_autofree char *api_key_env = NULL;
  g_autofree char *format = NULL;
  g_auto(GStrv) systems = NULL;
  int samples = 1, concurrency = 16, max_attempts = 6;
  gint64 seed = 0, retry_budget = 0;
  double rpm = 0, tpm = 0, max_cost = 0, price_input = 0, price_output = 0, timeout = 120;
  double backoff = 0.5;
  gboolean dry_run = FALSE, reparse = FALSE;
  GOptionEntry entries[] = {
    { "endpoint", 0, 0, G_OPTION_ARG_STRING_ARRAY, &endpoints, N_("OpenAI-compatible base URL, optionally followed by concurrency=N rpm=N tpm=N key-env=VAR (repeat to spread the run)"), "URL" },
    { "model", 0, 0, G_OPTION_ARG_STRING, &model, N_("The judge model's name"), "NAME" },
    { "rater", 0, 0, G_OPTION_ARG_STRING, &rater, N_("The rater's name (default judge:MODEL:TEMPLATE)"), "NAME" },
    { "template", 0, 0, G_OPTION_ARG_STRING, &template_name, N_("Template name in data/judges or a file (default pairwise-5)"), "NAME|PATH" },
    { "orders", 0, 0, G_OPTION_ARG_STRING, &orders, N_("one (order from the seed, default) or both"), "one|both" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &samples, N_("Ask each question N times (default 1)"), "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed for the presented order (default 0)"), "S" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &concurrency, N_("Requests in flight per endpoint (default 16)"), "N" },
    { "rpm", 0, 0, G_OPTION_ARG_DOUBLE, &rpm, N_("Requests per minute per endpoint"), "N" },
    { "tpm", 0, 0, G_OPTION_ARG_DOUBLE, &tpm, N_("Tokens per minute per endpoint"), "N" },
    { "max-cost", 0, 0, G_OPTION_ARG_DOUBLE, &max_cost, N_("Stop sending once the estimated cost reaches USD"), "USD" },
    { "price-input", 0, 0, G_OPTION_ARG_DOUBLE, &price_input, N_("USD per 1000 input tokens"), "USD" },
    { "price-output", 0, 0, G_OPTION_ARG_DOUBLE, &price_output, N_("USD per 1000 output tokens"), "USD" },
    { "api-key-env", 0, 0, G_OPTION_ARG_STRING, &api_key_env, N_("Environment variable holding the API key"), "VAR" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout, N_("Seconds per attempt (default 120)"), "S" },
    { "max-attempts", 0, 0, G_OPTION_ARG_INT, &max_attempts, N_("Attempts per request, the first included (default 6)"), "N" },
    { "retry-budget", 0, 0, G_OPTION_ARG_INT64, &retry_budget, N_("Retries in the whole run (default: one per request, at least 20; -1 no limit)"), "N" },
    { "backoff", 0, 0, G_OPTION_ARG_DOUBLE, &backoff, N_("Seconds before the first retry, doubled each time (default 0.5)"), "S" },
    { "system", 0, 0, G_OPTION_ARG_STRING_ARRAY, &systems, N_("Only comparisons of two of these systems (repeat; default every comparison)"), "NAME" },
    { "reparse", 0, 0, G_OPTION_ARG_NONE, &reparse, N_("Read the stored replies of unparseable verdicts again"), NULL },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, N_("Count the calls to send and estimate tokens and cost; send nothing"), NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output: table (default) or json"), "F" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("WS — judge the comparisons with an LLM"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(ArbJudgeResult) result = { 0 };
  ArbJudgeOptions options = { 0 };
  Progress progress = { isatty (STDERR_FILENO), g_get_monotonic_time (), cancellable };
  struct sigaction sa = { 0 };
  gboolean ok;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("judge takes one workspace"));
  if (model == NULL || *model == '\0')
    return arb_cli_usage_error (context, _("give the judge model with --model NAME"));
  if (!dry_run && (endpoints == NULL || endpoints[0] == NULL))
    return arb_cli_usage_error (context, _("give at least one --endpoint URL"));
  if (orders != NULL && !g_str_equal (orders, "one") && !g_str_equal (orders, "both"))
    return arb_cli_usage_error (context, _("--orders must be one or both"));
  if (format != NULL && !g_str_equal (format, "table") && !g_str_equal (format, "json"))
    return arb_cli_usage_error (context, _("--format must be table or json"));
  if (samples < 1 || concurrency < 1 || max_attempts < 1 || timeout <= 0 || backoff < 0 ||
      rpm < 0 || tpm < 0 || max_cost < 0 || price_input < 0 || price_output < 0 ||
      retry_budget < -1)
    return arb_cli_usage_error (context, _("--samples, --concurrency, --max-attempts and "
                                           "--timeout must be positive; --rpm, --tpm, "
                                           "--max-cost, the prices and --backoff not negative"));
  if (max_cost > 0 && price_input == 0 && price_output == 0)
    return arb_cli_usage_error (context, _("--max-cost needs --price-input and/or "
                                           "--price-output to estimate a cost"));
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
  if (systems != NULL)
    {
      g_auto(GStrv) known = arb_workspace_list_systems (ws, &error);

      if (known == NULL)
        return arb_cli_fail (error);
      for (guint i = 0; systems[i] != NULL; i++)
        if (!g_strv_contains ((const char *const *) known, systems[i]))
          {
            fprintf (stderr, _("arbiter-cli: %s: no system named “%s” (arbiter-cli info lists "
                               "them)\n"), argv[1], systems[i]);
            return 1;
          }
    }

  options.endpoints = (const char *const *) endpoints;
  options.n_endpoints = endpoints != NULL ? g_strv_length (endpoints) : 0;
  options.model = model;
  options.rater = rater;
  options.template_name = template_name;
  options.both_orders = g_strcmp0 (orders, "both") == 0;
  options.samples = samples;
  options.seed = seed;
  options.api_key_env = api_key_env;
  options.concurrency = concurrency;
  options.rpm = rpm;
  options.tpm = tpm;
  options.timeout = timeout;
  options.max_attempts = max_attempts;
  options.retry_budget = retry_budget;
  options.backoff_base = backoff;
  options.price_input = price_input;
  options.price_output = price_output;
  options.max_cost = max_cost;
  options.dry_run = dry_run;
  options.reparse = reparse;
  options.systems = (const char *const *) systems;

  /* Ctrl+C stops sending and keeps every answer that arrived; a second one kills. */
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESETHAND;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  ok = arb_judge_run (ws, &options, show_progress, &progress, &result, cancellable, &error);
  if (progress.tty)
    fprintf (stderr, "\r\033[K");
  if (result.rater != NULL)
    {
      if (g_strcmp0 (format, "json") == 0)
        print_json (&result, dry_run);
      else
        print_table (argv[1], &result, dry_run);
    }
  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fprintf (stderr, "arbiter-cli: %s\n",
                 _("interrupted; every answer that arrived is kept, run again to go on"));
      else
        arb_cli_fail (error);
      return 1;
    }
  return 0;
}
