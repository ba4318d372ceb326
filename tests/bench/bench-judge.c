/* bench-judge.c: how close the judge engine comes to the ideal rate, and what it costs the client
 *
 * arb-test-server (its own process) answers every request after a fixed 50 ms. At 1, 16, 64
 * and 256 requests in flight, arb_http_run sends distinct judge requests (pairwise-5 bodies of
 * about 2 KB) and the bench prints requests/s against the ideal (in flight ÷ 50 ms) and the
 * client's CPU time per request (getrusage of this process; the server is another one).
 * Targets: at least 95 % of ideal at 64 in flight, under 200 µs of CPU per request.
 *
 * Then the same requests through promptfoo 0.121.20 (the last release that runs on Node 20),
 * installed with npm into ~/.cache/arbiter-bench (or $ARB_PROMPTFOO_DIR) when missing, at 16
 * and 64 in flight, and the ratio of the rates. Both rates are measured alike for the
 * comparison, from the server's log of arrival times, so promptfoo's start-up does not count
 * against it. If promptfoo cannot be installed or run, the bench fails.
 *
 * It prints plain lines of figures and exits non-zero only when something failed; a figure that
 * misses its target is printed as "target missed".
 *
 * Usage: bench-judge [--no-promptfoo]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "arb-http-engine.h"
#include "arb-judge-template.h"

#define DELAY_MS 50
#define PROMPTFOO_VERSION "0.121.20"

typedef struct
{
  GSubprocess *proc;
  char        *url;
  char        *log;
} Server;

static const char *answer_a =
  "The capital of Australia is Canberra. It was chosen as a compromise between Sydney and "
  "Melbourne, the two largest cities, and purpose-built as the seat of government; Parliament "
  "first sat there in 1927. Many people assume Sydney is the capital because it is the largest "
  "and best-known city, but it has never been the federal capital. Canberra lies in the "
  "Australian Capital Territory, a federal district carved out of New South Wales.";
static const char *answer_b =
  "Sydney is the capital of Australia. It is the biggest city in the country, home to the Opera "
  "House and the Harbour Bridge, and most of the country's business happens there. Melbourne "
  "was the capital for a while in the early twentieth century, but today the government works "
  "from Sydney, which is why embassies and the national institutions are based there.";

static void
server_start (Server     *server,
              const char *dir,
              const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  g_autofree char *delay = g_strdup_printf ("%d", DELAY_MS);
  const char *path = g_getenv ("ARB_TEST_SERVER");

  if (path == NULL)
    g_error ("ARB_TEST_SERVER is not set: run this bench with meson test");
  server->log = g_build_filename (dir, name, NULL);
  server->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE,
                                   &error, path, "--delay", delay, "--log", server->log,
                                   "--log-times", "--exit-with-stdin", NULL);
  if (server->proc == NULL)
    g_error ("arb-test-server: %s", error->message);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->proc));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "PORT "))
    g_error ("arb-test-server did not say its port");
  server->url = g_strdup_printf ("http://127.0.0.1:%s/v1/chat/completions", line + 5);
}

static void
server_stop (Server *server)
{
  g_subprocess_force_exit (server->proc);
  g_subprocess_wait (server->proc, NULL, NULL);
  g_clear_object (&server->proc);
  g_clear_pointer (&server->url, g_free);
  g_clear_pointer (&server->log, g_free);
}

/* Requests arrived since line @from of the log, and the span of their arrival times. */
static guint
log_span (const char *log,
          guint       from,
          double     *out_seconds)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 first = G_MAXINT64, last = 0;
  guint n = 0, i;

  if (!g_file_get_contents (log, &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) parts = NULL;
      gint64 t;

      if (lines[i][0] == '\0' || i < from)
        continue;
      parts = g_strsplit (lines[i], " ", -1);
      if (g_strv_length (parts) < 4)
        continue;
      t = g_ascii_strtoll (parts[3], NULL, 10);
      first = MIN (first, t);
      last = MAX (last, t);
      n++;
    }
  /* The last arrival is answered DELAY_MS later. */
  *out_seconds = n > 0 ? (last - first) / 1e6 + DELAY_MS / 1e3 : 0;
  return n;
}

static guint
log_lines (const char *log)
{
  g_autofree char *text = NULL;
  guint n = 0;

  if (g_file_get_contents (log, &text, NULL, NULL))
    for (const char *p = text; *p != '\0'; p++)
      n += *p == '\n';
  return n;
}

static void
on_done (ArbHttpRequest *request,
         gpointer        user_data)
{
  guint *failed = user_data;

  if (request->outcome != ARB_HTTP_ANSWERED)
    (*failed)++;
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static char *
question (const char *tag,
          guint       i)
{
  return g_strdup_printf ("Bench %s %u: what is the capital of Australia, and why is it not "
                          "the largest city?", tag, i);
}

/* Sends @n distinct requests at @in_flight; returns the server-side rate, fills the rest. */
static gboolean
run_engine (Server           *server,
            ArbJudgeTemplate *tmpl,
            guint             in_flight,
            guint             n,
            double           *out_rate,
            double           *out_server_rate,
            double           *out_cpu_us)
{
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) arb_http_request_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *tag = g_strdup_printf ("engine-%u", in_flight);
  ArbHttpEndpoint endpoint = { server->url, NULL, in_flight, 0, 0 };
  ArbHttpOptions options = { &endpoint, 1, 30, 1, 0, 0.5, 30, 0, 0, 0 };
  ArbHttpStats stats = { 0 };
  guint failed = 0, from = log_lines (server->log), arrived;
  double cpu0, cpu1, server_seconds;
  gint64 t0, t1;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *q = question (tag, i);
      ArbHttpRequest *r;
      gint64 estimate = 0;

      r = arb_http_request_new (arb_judge_template_build (tmpl, "bench-model", q, answer_a,
                                                          answer_b, NULL, 0, &estimate), NULL);
      r->estimated_input = estimate;
      r->max_output = tmpl->max_tokens;
      g_ptr_array_add (requests, r);
    }
  cpu0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  if (!arb_http_run (&options, requests, on_done, NULL, &failed, &stats, NULL, &error))
    {
      printf ("engine at %u in flight: %s\n", in_flight, error->message);
      return FALSE;
    }
  t1 = g_get_monotonic_time ();
  cpu1 = cpu_seconds ();
  arrived = log_span (server->log, from, &server_seconds);
  if (failed > 0 || stats.answered != n || arrived != n)
    {
      printf ("engine at %u in flight: %u failed, %" G_GINT64_FORMAT " answered, %u arrived of "
              "%u\n", in_flight, failed, stats.answered, arrived, n);
      return FALSE;
    }
  *out_rate = n / ((t1 - t0) / 1e6);
  *out_server_rate = n / server_seconds;
  *out_cpu_us = (cpu1 - cpu0) / n * 1e6;
  return TRUE;
}

/* ---- promptfoo --------------------------------------------------------------------------- */

static char *
promptfoo_dir (void)
{
  const char *dir = g_getenv ("ARB_PROMPTFOO_DIR");

  if (dir != NULL)
    return g_strdup (dir);
  return g_build_filename (g_get_user_cache_dir (), "arbiter-bench",
                           "promptfoo-" PROMPTFOO_VERSION, NULL);
}

static char *
promptfoo_install (void)
{
  g_autofree char *dir = promptfoo_dir ();
  g_autofree char *bin = g_build_filename (dir, "node_modules", ".bin", "promptfoo", NULL);
  g_autoptr(GSubprocess) npm = NULL;
  g_autoptr(GError) error = NULL;

  if (g_file_test (bin, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&bin);
  printf ("installing promptfoo@" PROMPTFOO_VERSION " into %s (about 1.5 GB, minutes)\n", dir);
  fflush (stdout);
  g_mkdir_with_parents (dir, 0755);
  npm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "npm", "install", "--no-audit",
                          "--no-fund", "--loglevel=error", "--prefix", dir,
                          "promptfoo@" PROMPTFOO_VERSION, NULL);
  if (npm == NULL || !g_subprocess_wait_check (npm, NULL, &error) ||
      !g_file_test (bin, G_FILE_TEST_IS_EXECUTABLE))
    {
      printf ("promptfoo could not be installed: %s\n",
              error != NULL ? error->message : "no promptfoo executable after npm install");
      return NULL;
    }
  return g_steal_pointer (&bin);
}

static char *
json_string (const char *text)
{
  GString *s = g_string_new ("\"");

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '"' || *p == '\\')
      g_string_append_printf (s, "\\%c", *p);
    else if (*p == '\n')
      g_string_append (s, "\\n");
    else
      g_string_append_c (s, *p);
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

/* The same requests through promptfoo eval: the template's messages with the same answers. */
static gboolean
run_promptfoo (const char       *bin,
               Server           *server,
               ArbJudgeTemplate *tmpl,
               const char       *dir,
               guint             in_flight,
               guint             n,
               double           *out_server_rate,
               double           *out_wall)
{
  g_autoptr(GString) config = g_string_new (NULL);
  g_autoptr(GString) prompt = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *base = g_strndup (server->url, strlen (server->url) - strlen ("/chat/completions"));
  g_autofree char *config_path = g_build_filename (dir, "promptfooconfig.yaml", NULL);
  g_autofree char *prompt_path = g_build_filename (dir, "prompt.json", NULL);
  g_autofree char *out_path = g_build_filename (dir, "promptfoo-out.json", NULL);
  g_autofree char *concurrency = g_strdup_printf ("%u", in_flight);
  g_autofree char *output = NULL;
  g_autofree char *system = NULL;
  g_autofree char *user = NULL;
  g_autofree char *tag = g_strdup_printf ("promptfoo-%u", in_flight);
  guint from = log_lines (server->log), arrived;
  double seconds;
  gint64 t0;
  int status;

  /* The template filled with promptfoo's own placeholder for the question. */
  system = json_string (tmpl->system);
  {
    g_autofree char *filled = arb_judge_template_fill (tmpl->user, "{{question}}", answer_a,
                                                       answer_b, NULL);
    user = json_string (filled);
  }
  g_string_append_printf (prompt, "[{\"role\": \"system\", \"content\": %s}, "
                          "{\"role\": \"user\", \"content\": %s}]\n", system, user);
  g_string_append_printf (config,
                          "description: arbiter bench-judge\n"
                          "prompts:\n  - file://%s\n"
                          "providers:\n  - id: openai:chat:bench-model\n    config:\n"
                          "      apiBaseUrl: %s\n      apiKey: bench-key\n"
                          "      temperature: 0\n      max_tokens: %d\n"
                          "tests:\n", prompt_path, base, tmpl->max_tokens);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *q = question (tag, i);
      g_autofree char *qs = json_string (q);

      g_string_append_printf (config, "  - vars:\n      question: %s\n", qs);
    }
  if (!g_file_set_contents (config_path, config->str, config->len, &error) ||
      !g_file_set_contents (prompt_path, prompt->str, prompt->len, &error))
    {
      printf ("promptfoo: %s\n", error->message);
      return FALSE;
    }

  g_subprocess_launcher_set_cwd (launcher, dir);
  g_subprocess_launcher_setenv (launcher, "PROMPTFOO_DISABLE_TELEMETRY", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "PROMPTFOO_DISABLE_UPDATE", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "PROMPTFOO_CONFIG_DIR", dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "PROMPTFOO_CACHE_ENABLED", "false", TRUE);
  g_subprocess_launcher_setenv (launcher, "OPENAI_API_KEY", "bench-key", TRUE);
  t0 = g_get_monotonic_time ();
  proc = g_subprocess_launcher_spawn (launcher, &error, bin, "eval", "-c", config_path,
                                      "--max-concurrency", concurrency, "--no-cache",
                                      "--no-table", "--no-progress-bar", "--no-write",
                                      "-o", out_path, NULL);
  if (proc == NULL ||
      !g_subprocess_communicate_utf8 (proc, NULL, NULL, &output, NULL, &error))
    {
      printf ("promptfoo could not run: %s\n", error->message);
      return FALSE;
    }
  *out_wall = (g_get_monotonic_time () - t0) / 1e6;
  status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
  arrived = log_span (server->log, from, &seconds);
  /* promptfoo exits 100 when assertions fail; there are none here, so 0 is expected. */
  if (status != 0 || arrived != n)
    {
      printf ("promptfoo eval at %u in flight: status %d, %u requests arrived of %u\n%s\n",
              in_flight, status, arrived, n, output != NULL ? output : "");
      return FALSE;
    }
  *out_server_rate = n / seconds;
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  static const guint levels[] = { 1, 16, 64, 256 };
  gboolean no_promptfoo = FALSE;
  GOptionEntry entries[] = {
    { "no-promptfoo", 0, 0, G_OPTION_ARG_NONE, &no_promptfoo, "Leave out the promptfoo run", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— the judge engine's rate and CPU");
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbJudgeTemplate) tmpl = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *bin = NULL;
  double rates[G_N_ELEMENTS (levels)] = { 0 };
  Server server = { 0 };
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-judge: %s\n", error->message);
      return 2;
    }
  tmpl = arb_judge_template_load ("pairwise-5", &error);
  if (tmpl == NULL)
    {
      printf ("%s\n", error->message);
      return 1;
    }
  dir = g_dir_make_tmp ("arbiter-bench-judge-XXXXXX", &error);
  g_assert_no_error (error);
  server_start (&server, dir, "server.log");
  printf ("arb-test-server answering after %d ms; %s\n", DELAY_MS, server.url);

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      guint in_flight = levels[i];
      guint n = in_flight == 1 ? 200 : in_flight * 25;
      double ideal = in_flight * 1000.0 / DELAY_MS, rate = 0, server_rate = 0, cpu_us = 0;
      gboolean rate_target;

      if (!run_engine (&server, tmpl, in_flight, n, &rate, &server_rate, &cpu_us))
        {
          status = 1;
          continue;
        }
      rates[i] = server_rate;
      rate_target = in_flight != 64 || rate >= 0.95 * ideal;
      printf ("engine, %3u in flight: %5u requests, %7.1f req/s of ideal %6.0f (%5.1f %%)%s, "
              "%6.1f µs CPU per request%s\n", in_flight, n, rate, ideal, 100 * rate / ideal,
              rate_target ? "" : " target missed (95 %)", cpu_us,
              cpu_us < 200 ? "" : " target missed (200 µs)");
      fflush (stdout);
    }

  if (!no_promptfoo && (bin = promptfoo_install ()) == NULL)
    status = 1;
  for (guint i = 0; bin != NULL && i < G_N_ELEMENTS (levels); i++)
    {
      guint in_flight = levels[i];
      double server_rate = 0, wall = 0, ideal = in_flight * 1000.0 / DELAY_MS;

      if (in_flight != 16 && in_flight != 64)
        continue;
      if (!run_promptfoo (bin, &server, tmpl, dir, in_flight, in_flight * 25, &server_rate,
                          &wall))
        {
          status = 1;
          continue;
        }
      printf ("promptfoo " PROMPTFOO_VERSION ", %3u in flight: %5u requests, %7.1f req/s of "
              "ideal %6.0f (%5.1f %%), %.1f s with start-up; engine/promptfoo %.2f\n",
              in_flight, in_flight * 25, server_rate, ideal, 100 * server_rate / ideal, wall,
              rates[i] / server_rate);
      fflush (stdout);
    }

  server_stop (&server);
  {
    GDir *d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_unlink (path);
      }
    if (d != NULL)
      g_dir_close (d);
    g_rmdir (dir);
  }
  return status;
}
