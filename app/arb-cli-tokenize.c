/* arb-cli-tokenize.c: `arbiter-cli tokenize`, a tokenizer's units for every generation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json.h>

#include "arb-tokenize-run.h"

#include "arb-cli.h"

typedef struct
{
  gboolean tty;
  gint64   last_print;
} Progress;

static void
show_progress (const ArbTokenizeResult *r,
               gpointer                 user_data)
{
  Progress *p = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 todo = r->generations - r->settled;
  gint64 done = r->tokenized + r->failed;
  int percent = todo > 0 ? (int) (100 * done / todo) : 100;

  if (p->tty && now - p->last_print >= 100 * 1000)
    {
      p->last_print = now;
      fprintf (stderr, "\r\033[Ktokenize %3d%%  %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
               " generations  %" G_GINT64_FORMAT " failed  %" G_GINT64_FORMAT " in flight",
               percent, done, todo, r->failed, r->http.in_flight);
      fflush (stderr);
    }
  else if (!p->tty && now - p->last_print >= 2 * G_USEC_PER_SEC)
    {
      p->last_print = now;
      fprintf (stderr, "tokenize: %d%% (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
               " generations done, %" G_GINT64_FORMAT " failed, %" G_GINT64_FORMAT
               " requests in flight)\n", percent, done, todo, r->failed, r->http.in_flight);
    }
}

static void
print_json (const ArbTokenizeResult *r,
            const char              *api,
            gboolean                 ok,
            const GError            *error)
{
  json_object *o = json_object_new_object ();
  json_object *failures = json_object_new_array ();

  json_object_object_add (o, "tokenizer", json_object_new_string (r->tokenizer ? r->tokenizer
                                                                               : ""));
  json_object_object_add (o, "api", json_object_new_string (api));
  json_object_object_add (o, "context", json_object_new_string (r->in_context ? "chat"
                                                                              : "alone"));
  json_object_object_add (o, "fell_back", json_object_new_boolean (r->fell_back));
  json_object_object_add (o, "generations", json_object_new_int64 (r->generations));
  json_object_object_add (o, "settled", json_object_new_int64 (r->settled));
  json_object_object_add (o, "tokenized", json_object_new_int64 (r->tokenized));
  json_object_object_add (o, "cached", json_object_new_int64 (r->cached));
  json_object_object_add (o, "failed", json_object_new_int64 (r->failed));
  json_object_object_add (o, "tokens", json_object_new_int64 (r->tokens));
  json_object_object_add (o, "to_send", json_object_new_int64 (r->to_send));
  json_object_object_add (o, "attempts", json_object_new_int64 (r->http.attempts));
  json_object_object_add (o, "retries", json_object_new_int64 (r->http.retries));
  json_object_object_add (o, "answered", json_object_new_int64 (r->http.answered));
  json_object_object_add (o, "given_up", json_object_new_int64 (r->http.given_up));
  for (guint i = 0; r->failures != NULL && i < r->failures->len; i++)
    json_object_array_add (failures,
                           json_object_new_string (g_ptr_array_index (r->failures, i)));
  json_object_object_add (o, "failures", failures);
  json_object_object_add (o, "seconds", json_object_new_double (r->seconds));
  json_object_object_add (o, "error", ok ? NULL : json_object_new_string (error->message));
  printf ("%s\n", json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
}

int
arb_cli_tokenize (int    argc,
                  char **argv)
{
  g_auto(GStrv) endpoints = NULL;
  g_autofree char *tokenizer = NULL;
  g_autofree char *model = NULL;
  g_autofree char *api = NULL;
  g_autofree char *context_name = NULL;
  g_autofree char *api_key_env = NULL;
  g_autofree char *format = NULL;
  int concurrency = 16, max_attempts = 6;
  gint64 retry_budget = 0;
  double rpm = 0, timeout = 120, backoff = 0.5;
  GOptionEntry entries[] = {
    { "endpoint", 0, 0, G_OPTION_ARG_STRING_ARRAY, &endpoints, N_("Base URL of the tokenizing server, optionally followed by concurrency=N rpm=N key-env=VAR (repeat to spread the run)"), "URL" },
    { "tokenizer", 0, 0, G_OPTION_ARG_STRING, &tokenizer, N_("The tokenizer's name, e.g. meta-llama/Llama-3.1-8B-Instruct: what the tokens are stored under"), "NAME" },
    { "api", 0, 0, G_OPTION_ARG_STRING, &api, N_("llama (llama.cpp server, default) or vllm"), "API" },
    { "model", 0, 0, G_OPTION_ARG_STRING, &model, N_("vLLM's model name for the requests (default: the tokenizer's name)"), "M" },
    { "context", 0, 0, G_OPTION_ARG_STRING, &context_name, N_("chat: inside the conversation through the chat template (default when the server has one); alone: the text by itself"), "alone|chat" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &concurrency, N_("Requests in flight per endpoint (default 16)"), "N" },
    { "rpm", 0, 0, G_OPTION_ARG_DOUBLE, &rpm, N_("Requests per minute per endpoint"), "N" },
    { "api-key-env", 0, 0, G_OPTION_ARG_STRING, &api_key_env, N_("Environment variable holding the API key"), "VAR" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout, N_("Seconds per attempt (default 120)"), "S" },
    { "max-attempts", 0, 0, G_OPTION_ARG_INT, &max_attempts, N_("Attempts per request (default 6)"), "N" },
    { "retry-budget", 0, 0, G_OPTION_ARG_INT64, &retry_budget, N_("Retries in the whole run (-1 no limit)"), "N" },
    { "backoff", 0, 0, G_OPTION_ARG_DOUBLE, &backoff, N_("Seconds before the first retry (default 0.5)"), "S" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output: table (default) or json"), "F" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("WS — tokenise every generation with a tokenizer's server"));
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(ArbTokenizeResult) r = { 0 };
  ArbTokenizeOptions options = { 0 };
  Progress progress = { isatty (STDERR_FILENO), g_get_monotonic_time () };
  const char *api_name;
  gboolean ok;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = arb_cli_parse_options (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return arb_cli_usage_error (context, _("tokenize takes one workspace"));
  if (tokenizer == NULL || *tokenizer == '\0')
    return arb_cli_usage_error (context, _("name the tokenizer with --tokenizer NAME"));
  if (endpoints == NULL || endpoints[0] == NULL)
    return arb_cli_usage_error (context, _("give at least one --endpoint URL"));
  api_name = api != NULL ? api : "llama";
  if (!arb_tokenize_api_from_string (api_name, &options.api))
    return arb_cli_usage_error (context, _("--api must be llama or vllm"));
  if (context_name != NULL && (g_str_equal (context_name, "auto") ||
                               !arb_tokenize_context_from_string (context_name, &options.context)))
    return arb_cli_usage_error (context, _("--context must be alone or chat"));
  if (format != NULL && !g_str_equal (format, "table") && !g_str_equal (format, "json"))
    return arb_cli_usage_error (context, _("--format must be table or json"));
  if (concurrency < 1 || max_attempts < 1 || timeout <= 0 || rpm < 0 || backoff < 0 ||
      retry_budget < -1)
    return arb_cli_usage_error (context, _("--concurrency, --max-attempts and --timeout must be "
                                           "positive; --rpm and --backoff not negative"));
  for (guint i = 0; endpoints[i] != NULL; i++)
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
  options.n_endpoints = g_strv_length (endpoints);
  options.tokenizer = tokenizer;
  options.model = model;
  options.api_key_env = api_key_env;
  options.concurrency = concurrency;
  options.rpm = rpm;
  options.timeout = timeout;
  options.max_attempts = max_attempts;
  options.retry_budget = retry_budget;
  options.backoff_base = backoff;

  ok = arb_tokenize_run (ws, &options, show_progress, &progress, &r, NULL, &error);
  if (progress.tty)
    fprintf (stderr, "\r\033[K");
  if (g_strcmp0 (format, "json") == 0)
    print_json (&r, api_name, ok, error);
  else
    {
      printf ("%s: %s (%s, %s), %" G_GINT64_FORMAT " generations (%" G_GINT64_FORMAT
              " tokenised already)\n", argv[1], r.tokenizer, api_name,
              r.in_context ? _("in chat context") : _("alone"), r.generations, r.settled);
      if (r.fell_back)
        printf ("  %s\n", _("the server applies no chat template: tokenised alone"));
      printf ("  generations: %" G_GINT64_FORMAT " tokenised (%" G_GINT64_FORMAT
                " from the cache), %" G_GINT64_FORMAT " failed; %" G_GINT64_FORMAT " tokens\n"
                "  requests: %" G_GINT64_FORMAT " sent, %" G_GINT64_FORMAT " answered, %"
                G_GINT64_FORMAT " given up; %" G_GINT64_FORMAT " attempts; %.1f s\n",
              r.tokenized, r.cached, r.failed, r.tokens, r.to_send, r.http.answered,
              r.http.given_up, r.http.attempts, r.seconds);
      for (guint i = 0; r.failures != NULL && i < r.failures->len; i++)
        printf ("  failed: %s\n", (const char *) g_ptr_array_index (r.failures, i));
      if (r.failures != NULL && r.failed > (gint64) r.failures->len)
        printf ("  … and %" G_GINT64_FORMAT " more failed\n", r.failed - r.failures->len);
    }
  if (!ok)
    return arb_cli_fail (error);
  return 0;
}
