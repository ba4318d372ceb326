/* arb-test-server.c: a loopback OpenAI-compatible chat server with scripted answers and faults
 *
 * Usage: arb-test-server [--fault-rate R] [--faults KIND,...] [--stall S] [--retry-after S]
 *                        [--delay MS] [--api-key-env VAR] [--log FILE] [--log-times]
 *                        [--exit-with-stdin]
 *
 * Listens on 127.0.0.1 on a port the kernel picks and prints "PORT N" on stdout. Serves
 * POST /v1/chat/completions over HTTP/1.1 with keep-alive, one thread per connection. The reply
 * is a function of the SHA-256 of the request body, in the syntax the request asks for: a
 * five-level verdict such as "[[A>B]]" when the prompt names [[A>>B]], "[[A]]"/"[[B]]"/"[[C]]"
 * when it names [[C]], a one-token answer with top_logprobs when it asks for logprobs, else a
 * grade "[[n]]". `usage` counts a quarter of the characters. A fault is a function of (that
 * hash, attempt number), so a run is reproducible and a retry of a faulted request may succeed.
 * Every request is logged as "HASH ATTEMPT OUTCOME" (never its headers, so an API key cannot
 * reach the log). It also plays a reward model: POST /pooling and /classify (vLLM) and
 * /predict (TEI) answer a score in [-4, 4] from the hash, under the same faults ("noverdict"
 * then answers without a score).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

typedef enum
{
  FAULT_400,
  FAULT_429,
  FAULT_500,
  FAULT_503,
  FAULT_STALL,
  FAULT_RESET,
  FAULT_TRUNCATED,
  FAULT_MALFORMED,
  FAULT_NO_VERDICT,
  N_FAULTS,
  FAULT_NONE,
} Fault;

static const char *fault_names[] = {
  "400", "429", "500", "503", "stall", "reset", "truncated", "malformed", "noverdict",
};

static double fault_rate = 0.0;
static double stall_seconds = 5.0;
static double retry_after = -1;       /* < 0: 0 or 1 s, by the request's hash */
static int delay_ms = 0;
static Fault enabled[N_FAULTS];       /* the kinds that may be chosen */
static guint n_enabled = 0;
static gboolean log_times = FALSE;
static gboolean exit_with_stdin = FALSE; /* exit when stdin closes: the test that ran us died */      /* add the wall-clock µs to each log line */
static const char *required_key = NULL; /* when set, requests must carry it as a bearer token */
static FILE *log_file = NULL;
static GMutex lock;
static GHashTable *attempts = NULL;   /* body hash (hex) → number of requests seen */

static guint64
hash_u64 (const char *data,
          gsize       len,
          char      **out_hex)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize n = sizeof digest;
  guint64 v = 0;

  g_checksum_update (sum, (const guchar *) data, len);
  g_checksum_get_digest (sum, digest, &n);
  for (int i = 0; i < 8; i++)
    v = (v << 8) | digest[i];
  if (out_hex != NULL)
    *out_hex = g_strdup (g_checksum_get_string (sum));
  return v;
}

static Fault
choose_fault (const char *hex,
              int         attempt)
{
  g_autofree char *seed = g_strdup_printf ("%s/%d", hex, attempt);
  guint64 f = hash_u64 (seed, strlen (seed), NULL);

  if (n_enabled == 0 || (double) (f % 1000000) / 1000000.0 >= fault_rate)
    return FAULT_NONE;
  return enabled[(f / 1000000) % n_enabled];
}

static gboolean
send_all (int         fd,
          const char *data,
          gsize       len)
{
  while (len > 0)
    {
      ssize_t n = send (fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
send_response (int         fd,
               int         status,
               const char *reason,
               const char *extra_headers,
               const char *body,
               gssize      claimed_len,
               gsize       sent_len)
{
  g_autofree char *head = NULL;

  head = g_strdup_printf ("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                          "Content-Length: %" G_GSSIZE_FORMAT "\r\n%s\r\n",
                          status, reason, claimed_len, extra_headers ? extra_headers : "");
  return send_all (fd, head, strlen (head)) && send_all (fd, body, sent_len);
}

static char *
json_escape (const char *text)
{
  GString *s = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '"' || *p == '\\')
      g_string_append_printf (s, "\\%c", *p);
    else if (*p == '\n')
      g_string_append (s, "\\n");
    else
      g_string_append_c (s, *p);
  return g_string_free (s, FALSE);
}

/* A chat completion; @logprobs is the JSON of the choice's "logprobs" member, or NULL. */
static char *
chat_body (const char *text,
           const char *logprobs,
           gsize       request_len)
{
  g_autofree char *escaped = json_escape (text);
  gsize in = request_len / 4 + 1, out = strlen (text) / 4 + 1;

  return g_strdup_printf ("{\"id\": \"chatcmpl-test\", \"object\": \"chat.completion\", "
                          "\"model\": \"test-model\", \"choices\": [{\"index\": 0, "
                          "\"message\": {\"role\": \"assistant\", \"content\": \"%s\"}, "
                          "\"finish_reason\": \"stop\"%s%s}], \"usage\": {\"prompt_tokens\": %"
                          G_GSIZE_FORMAT ", \"completion_tokens\": %" G_GSIZE_FORMAT
                          ", \"total_tokens\": %" G_GSIZE_FORMAT "}}",
                          escaped, logprobs ? ", \"logprobs\": " : "", logprobs ? logprobs : "",
                          in, out, in + out);
}

/* The scripted reply to a request with hash @h: its text and, for logprob requests, the
 * logprobs. Logprob replies list both labels, one of them, or neither (a quarter each). */
static char *
scripted_reply (const char  *body,
                gsize        body_len,
                guint64      h,
                char       **out_logprobs)
{
  static const char *five[] = { "[[A>>B]]", "[[A>B]]", "[[A=B]]", "[[B>A]]", "[[B>>A]]" };
  static const char *three[] = { "[[A]]", "[[B]]", "[[C]]" };

  *out_logprobs = NULL;
  if (g_strstr_len (body, body_len, "\"logprobs\":true") != NULL ||
      g_strstr_len (body, body_len, "\"logprobs\": true") != NULL)
    {
      double la = -0.1 - (double) (h % 97) / 30.0, lb = -0.1 - (double) ((h / 97) % 89) / 30.0;
      const char *first;
      int shape = (int) ((h / 8633) % 4);

      if (shape == 0)
        {
          first = la >= lb ? "A" : "B";
          *out_logprobs = g_strdup_printf ("{\"content\": [{\"token\": \"%s\", \"logprob\": %.6f, "
                                           "\"top_logprobs\": [{\"token\": \"A\", \"logprob\": "
                                           "%.6f}, {\"token\": \" B\", \"logprob\": %.6f}, "
                                           "{\"token\": \"The\", \"logprob\": -5.0}]}]}",
                                           first, MAX (la, lb), la, lb);
        }
      else if (shape == 1 || shape == 2)
        {
          first = shape == 1 ? "A" : "B";
          *out_logprobs = g_strdup_printf ("{\"content\": [{\"token\": \"%s\", \"logprob\": %.6f, "
                                           "\"top_logprobs\": [{\"token\": \"%s\", \"logprob\": "
                                           "%.6f}, {\"token\": \"I\", \"logprob\": -4.0}]}]}",
                                           first, la, first, la);
        }
      else
        {
          first = "The";
          *out_logprobs = g_strdup ("{\"content\": [{\"token\": \"The\", \"logprob\": -0.2, "
                                    "\"top_logprobs\": [{\"token\": \"The\", \"logprob\": -0.2}, "
                                    "{\"token\": \"I\", \"logprob\": -2.0}]}]}");
        }
      return g_strdup (first);
    }
  if (g_strstr_len (body, body_len, "[[A>>B]]") != NULL)
    return g_strdup_printf ("Both answers address the question. Weighing them: %s",
                            five[h % G_N_ELEMENTS (five)]);
  if (g_strstr_len (body, body_len, "[[C]]") != NULL)
    return g_strdup_printf ("Having compared the two, my verdict: %s",
                            three[h % G_N_ELEMENTS (three)]);
  return g_strdup_printf ("The answer is fair. Rating: [[%d]]", (int) (1 + h % 10));
}

/* A reward model's answer: vLLM's /pooling and /classify, TEI's /predict. The score, in
 * [-4, 4], is a function of the request's hash; @empty leaves it out. */
static char *
score_body (const char *path,
            guint64     h,
            gsize       request_len,
            gboolean    empty)
{
  double score = ((double) (h % 2001) - 1000) / 250.0;
  double p = (score + 4) / 8;   /* a probability without libm */

  if (g_str_equal (path, "/pooling"))
    return empty ? g_strdup ("{\"object\": \"list\", \"data\": []}")
                 : g_strdup_printf ("{\"id\": \"pool-test\", \"object\": \"list\", \"data\": "
                                    "[{\"index\": 0, \"object\": \"pooling\", \"data\": [%.6f]}], "
                                    "\"usage\": {\"prompt_tokens\": %" G_GSIZE_FORMAT
                                    ", \"total_tokens\": %" G_GSIZE_FORMAT "}}",
                                    score, request_len / 4 + 1, request_len / 4 + 1);
  if (g_str_equal (path, "/classify"))
    return empty ? g_strdup ("{\"object\": \"list\", \"data\": [{\"index\": 0}]}")
                 : g_strdup_printf ("{\"id\": \"classify-test\", \"object\": \"list\", "
                                    "\"data\": [{\"index\": 0, \"label\": \"%s\", \"probs\": "
                                    "[%.6f, %.6f], \"num_classes\": 2}]}",
                                    p >= 0.5 ? "LABEL_1" : "LABEL_0", 1 - p, p);
  return empty ? g_strdup ("[]") : g_strdup_printf ("[{\"score\": %.6f, \"label\": \"LABEL_0\"}]",
                                                   score);
}

/* Answers one request; returns FALSE when the connection must close. */
static gboolean
answer (int         fd,
        const char *path,
        const char *body,
        gsize       body_len,
        gboolean    authorized)
{
  g_autofree char *hex = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  guint64 h;
  int attempt;
  Fault fault;
  g_autofree char *logprobs = NULL;

  gboolean chat = g_str_equal (path, "/v1/chat/completions");
  g_autofree char *good = NULL;   /* the answer's body */
  g_autofree char *empty = NULL;  /* a body without a verdict or score */

  if (!chat && !g_str_equal (path, "/pooling") && !g_str_equal (path, "/classify") &&
      !g_str_equal (path, "/predict"))
    {
      const char *nf = "{\"error\": {\"message\": \"not found\"}}";
      return send_response (fd, 404, "Not Found", NULL, nf, strlen (nf), strlen (nf));
    }

  if (!authorized)
    {
      const char *e = "{\"error\": {\"message\": \"missing or wrong API key\"}}";

      g_mutex_lock (&lock);
      if (log_file != NULL)
        {
          fprintf (log_file, "- 0 unauthorized\n");
          fflush (log_file);
        }
      g_mutex_unlock (&lock);
      return send_response (fd, 401, "Unauthorized", NULL, e, strlen (e), strlen (e));
    }

  h = hash_u64 (body, body_len, &hex);
  g_mutex_lock (&lock);
  attempt = GPOINTER_TO_INT (g_hash_table_lookup (attempts, hex)) + 1;
  g_hash_table_insert (attempts, g_strdup (hex), GINT_TO_POINTER (attempt));
  fault = choose_fault (hex, attempt);
  if (log_file != NULL)
    {
      if (log_times)
        fprintf (log_file, "%s %d %s %" G_GINT64_FORMAT "\n", hex, attempt,
                 fault == FAULT_NONE ? "ok" : fault_names[fault], g_get_real_time ());
      else
        fprintf (log_file, "%s %d %s\n", hex, attempt,
                 fault == FAULT_NONE ? "ok" : fault_names[fault]);
      fflush (log_file);
    }
  g_mutex_unlock (&lock);

  if (chat)
    {
      text = scripted_reply (body, body_len, h, &logprobs);
      good = chat_body (text, logprobs, body_len);
      empty = chat_body ("I would rather not choose between these two answers.", NULL,
                         body_len);
    }
  else
    {
      good = score_body (path, h, body_len, FALSE);
      empty = score_body (path, h, body_len, TRUE);
    }
  if (delay_ms > 0)
    g_usleep (delay_ms * 1000);

  switch (fault)
    {
    case FAULT_NONE:
      return send_response (fd, 200, "OK", NULL, good, strlen (good), strlen (good));
    case FAULT_NO_VERDICT:
      return send_response (fd, 200, "OK", NULL, empty, strlen (empty), strlen (empty));
    case FAULT_400:
      {
        const char *e = "{\"error\": {\"message\": \"bad request\"}}";
        return send_response (fd, 400, "Bad Request", NULL, e, strlen (e), strlen (e));
      }
    case FAULT_429:
      {
        const char *e = "{\"error\": {\"message\": \"rate limited\"}}";
        g_autofree char *header = NULL;

        if (retry_after >= 0)
          header = g_strdup_printf ("Retry-After: %g\r\n", retry_after);
        else
          header = g_strdup ((h & 1) ? "Retry-After: 1\r\n" : "Retry-After: 0\r\n");
        return send_response (fd, 429, "Too Many Requests", header, e, strlen (e), strlen (e));
      }
    case FAULT_500:
    case FAULT_503:
      {
        const char *e = "{\"error\": {\"message\": \"server error\"}}";
        return send_response (fd, fault == FAULT_500 ? 500 : 503,
                              fault == FAULT_500 ? "Internal Server Error" : "Service Unavailable",
                              NULL, e, strlen (e), strlen (e));
      }
    case FAULT_STALL:
      g_usleep ((gulong) (stall_seconds * G_USEC_PER_SEC));
      return FALSE;
    case FAULT_RESET:
      {
        /* A status line first: a reset with nothing received on a reused connection is
         * retried inside libcurl itself, unseen by the client's count of attempts. */
        struct linger lg = { 1, 0 };
        send_all (fd, "HTTP/1.1 200 OK\r\n", 17);
        g_usleep (2000);
        setsockopt (fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        return FALSE;
      }
    case FAULT_TRUNCATED:
      json = g_strdup (good);
      send_response (fd, 200, "OK", NULL, json, strlen (json), strlen (json) / 2);
      return FALSE;
    case FAULT_MALFORMED:
      json = g_strdup (good);
      json[strlen (json) / 2] = '\0';
      return send_response (fd, 200, "OK", NULL, json, strlen (json), strlen (json));
    case N_FAULTS:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

static gpointer
watch_stdin (gpointer data)
{
  char c;

  while (read (STDIN_FILENO, &c, 1) > 0)
    ;
  _exit (0);
  return NULL;
}

static gpointer
serve_connection (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  char chunk[16384];

  for (;;)
    {
      char *end;
      gsize head_len, content_length = 0;
      g_auto(GStrv) lines = NULL;
      g_auto(GStrv) request_line = NULL;
      g_autofree char *body = NULL;
      gboolean keep, authorized = required_key == NULL;

      /* Read the head. */
      while (buf->len == 0 ||
             (end = g_strstr_len ((char *) buf->data, buf->len, "\r\n\r\n")) == NULL)
        {
          ssize_t n = recv (fd, chunk, sizeof chunk, 0);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            goto out;
          g_byte_array_append (buf, (guint8 *) chunk, n);
        }
      head_len = end - (char *) buf->data + 4;
      {
        g_autofree char *head = g_strndup ((char *) buf->data, head_len - 4);
        lines = g_strsplit (head, "\r\n", -1);
      }
      request_line = g_strsplit (lines[0], " ", 3);
      if (g_strv_length (request_line) < 2)
        goto out;
      for (int i = 1; lines[i] != NULL; i++)
        {
          if (required_key != NULL &&
              g_ascii_strncasecmp (lines[i], "Authorization:", 14) == 0)
            {
              g_autofree char *value = g_strstrip (g_strdup (lines[i] + 14));

              authorized = g_str_has_prefix (value, "Bearer ") &&
                           g_str_equal (value + 7, required_key);
            }
          else if (g_ascii_strncasecmp (lines[i], "Content-Length:", 15) == 0)
            content_length = g_ascii_strtoull (lines[i] + 15, NULL, 10);
          else if (g_ascii_strncasecmp (lines[i], "Expect:", 7) == 0 &&
                   strstr (lines[i], "100") != NULL)
            send_all (fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        }
      while (buf->len < head_len + content_length)
        {
          ssize_t n = recv (fd, chunk, sizeof chunk, 0);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            goto out;
          g_byte_array_append (buf, (guint8 *) chunk, n);
        }
      body = g_strndup ((char *) buf->data + head_len, content_length);
      keep = answer (fd, request_line[1], body, content_length, authorized);
      g_byte_array_remove_range (buf, 0, head_len + content_length);
      if (!keep)
        break;
    }
out:
  close (fd);
  return NULL;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *log_path = NULL;
  g_autofree char *faults = NULL;
  g_autofree char *key_env = NULL;
  GOptionEntry entries[] = {
    { "api-key-env", 0, 0, G_OPTION_ARG_STRING, &key_env, "Answer 401 unless the bearer token is this variable's value", "VAR" },
    { "faults", 0, 0, G_OPTION_ARG_STRING, &faults, "Kinds of fault to inject (default: all): 400,429,500,503,stall,reset,truncated,malformed,noverdict", "LIST" },
    { "retry-after", 0, 0, G_OPTION_ARG_DOUBLE, &retry_after, "Seconds a 429 asks to wait (default: 0 or 1 by request)", "S" },
    { "delay", 0, 0, G_OPTION_ARG_INT, &delay_ms, "Milliseconds before every answer", "MS" },
    { "exit-with-stdin", 0, 0, G_OPTION_ARG_NONE, &exit_with_stdin, "Exit when stdin reaches its end", NULL },
    { "log-times", 0, 0, G_OPTION_ARG_NONE, &log_times, "End each log line with the time it arrived (µs since 1970)", NULL },
    { "fault-rate", 0, 0, G_OPTION_ARG_DOUBLE, &fault_rate, "Share of requests that fault (0–1)", "R" },
    { "stall", 0, 0, G_OPTION_ARG_DOUBLE, &stall_seconds, "Seconds a stalled request hangs", "S" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_path, "Log every request to FILE", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— a loopback chat-completions server");
  g_autoptr(GError) error = NULL;
  struct sockaddr_in addr = { 0 };
  socklen_t addr_len = sizeof addr;
  int listen_fd, one = 1;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "arb-test-server: %s\n", error->message);
      return 2;
    }
  if (log_path != NULL && (log_file = fopen (log_path, "a")) == NULL)
    {
      fprintf (stderr, "arb-test-server: %s: %s\n", log_path, g_strerror (errno));
      return 1;
    }
  if (key_env != NULL && (required_key = g_getenv (key_env)) == NULL)
    {
      fprintf (stderr, "arb-test-server: %s is not set\n", key_env);
      return 2;
    }
  if (faults == NULL)
    for (int i = 0; i < N_FAULTS; i++)
      enabled[n_enabled++] = (Fault) i;
  else
    {
      g_auto(GStrv) names = g_strsplit (faults, ",", -1);

      for (int i = 0; names[i] != NULL; i++)
        {
          int k;

          for (k = 0; k < N_FAULTS && !g_str_equal (names[i], fault_names[k]); k++)
            ;
          if (k == N_FAULTS)
            {
              fprintf (stderr, "arb-test-server: unknown fault \"%s\"\n", names[i]);
              return 2;
            }
          enabled[n_enabled++] = (Fault) k;
        }
    }
  attempts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  listen_fd = socket (AF_INET, SOCK_STREAM, 0);
  setsockopt (listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind (listen_fd, (struct sockaddr *) &addr, sizeof addr) < 0 ||
      listen (listen_fd, 512) < 0 ||
      getsockname (listen_fd, (struct sockaddr *) &addr, &addr_len) < 0)
    {
      fprintf (stderr, "arb-test-server: %s\n", g_strerror (errno));
      return 1;
    }
  if (exit_with_stdin)
    g_thread_unref (g_thread_new ("stdin", watch_stdin, NULL));
  printf ("PORT %d\n", ntohs (addr.sin_port));
  fflush (stdout);

  for (;;)
    {
      int fd = accept (listen_fd, NULL, NULL);

      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          fprintf (stderr, "arb-test-server: accept: %s\n", g_strerror (errno));
          return 1;
        }
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      g_thread_unref (g_thread_new ("connection", serve_connection, GINT_TO_POINTER (fd)));
    }
  return 0;
}
