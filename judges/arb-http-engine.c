/* arb-http-engine.c: many JSON POSTs at once over libcurl's multi interface, with retries
 *
 * The calling thread drives one curl multi handle, whose connection cache keeps connections
 * alive between requests; easy handles are pooled too. Each endpoint has its own concurrency
 * and two token buckets (requests/min, tokens/min) holding one second's worth, so the rate is
 * smooth rather than a burst at the start of each minute; a request larger than a bucket may go
 * when the bucket is full and leaves it in debt. What may be retried (429, 5xx, timeouts,
 * resets, truncated or garbled bodies) waits Retry-After when the server names it, else an
 * exponential backoff with "equal jitter" (half the delay fixed, half random; Brooker,
 * "Exponential Backoff And Jitter", AWS Architecture Blog, 2015), within a per-request attempt
 * limit and a run-wide retry budget. Other 4xx are final.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json.h>

#include "arb-http-engine.h"

G_DEFINE_QUARK (arb-judge-error-quark, arb_judge_error)

/**
 * arb_http_endpoint_parse:
 * @spec: "URL [concurrency=N] [rpm=N] [tpm=N] [key-env=VAR]", separated by spaces
 * @out_url: (out) (transfer full): the URL
 * @concurrency: (inout): replaced when @spec names it; likewise @rpm and @tpm
 * @out_key_env: (out) (transfer full) (nullable): the variable holding this endpoint's key
 *
 * An endpoint with limits of its own. A URL never holds a space, so a space ends it.
 *
 * Returns: FALSE with @error set when @spec is not an http(s) URL with known settings
 */
gboolean
arb_http_endpoint_parse (const char  *spec,
                         char       **out_url,
                         guint       *concurrency,
                         double      *rpm,
                         double      *tpm,
                         char       **out_key_env,
                         GError     **error)
{
  g_auto(GStrv) parts = g_strsplit_set (spec, " \t", -1);
  g_autofree char *key_env = NULL;
  const char *url = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = parts[i];
      const char *eq = strchr (part, '=');
      char *end = NULL;
      double v;

      if (*part == '\0')
        continue;
      if (url == NULL)
        {
          url = part;
          continue;
        }
      if (eq == NULL)
        goto bad;
      if (g_str_has_prefix (part, "key-env="))
        {
          if (eq[1] == '\0')
            goto bad;
          g_free (key_env);
          key_env = g_strdup (eq + 1);
          continue;
        }
      v = g_ascii_strtod (eq + 1, &end);
      if (end == eq + 1 || *end != '\0' || v < 0)
        goto bad;
      if (g_str_has_prefix (part, "concurrency=") && v >= 1 && v == (guint) v)
        *concurrency = (guint) v;
      else if (g_str_has_prefix (part, "rpm="))
        *rpm = v;
      else if (g_str_has_prefix (part, "tpm="))
        *tpm = v;
      else
        goto bad;
    }
  if (url == NULL || !(g_str_has_prefix (url, "http://") || g_str_has_prefix (url, "https://")))
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_INVALID,
                   "an endpoint must be an http:// or https:// URL: \"%s\"", spec);
      return FALSE;
    }
  *out_url = g_strdup (url);
  if (out_key_env != NULL)
    *out_key_env = g_steal_pointer (&key_env);
  return TRUE;

bad:
  g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_INVALID,
               "endpoint \"%s\": settings are concurrency=N (at least 1), rpm=N, tpm=N and "
               "key-env=VAR", spec);
  return FALSE;
}

ArbHttpRequest *
arb_http_request_new (char     *body,
                      gpointer  user_data)
{
  ArbHttpRequest *r = g_new0 (ArbHttpRequest, 1);

  r->body = body;
  r->user_data = user_data;
  r->input_tokens = r->output_tokens = -1;
  r->retry_after = -1;
  return r;
}

void
arb_http_request_free (ArbHttpRequest *r)
{
  if (r == NULL)
    return;
  g_free (r->body);
  g_free (r->response);
  g_free (r->error);
  if (r->buffer != NULL)
    g_string_free (r->buffer, TRUE);
  g_free (r);
}

typedef struct
{
  double level;
  double capacity;
  double per_usec;   /* refill rate; 0: no limit */
} Bucket;

typedef struct
{
  const ArbHttpEndpoint *spec;
  struct curl_slist     *headers;
  guint                  in_flight;
  guint                  failures;     /* attempts in a row that did not answer */
  gint64                 resting_until;
  Bucket                 requests;
  Bucket                 tokens;
} Endpoint;

typedef struct
{
  const ArbHttpOptions *options;
  CURLM                *multi;
  Endpoint             *endpoints;
  GQueue                ready;     /* ArbHttpRequest*, to send now */
  GPtrArray            *waiting;   /* ArbHttpRequest*, to send at not_before */
  GPtrArray            *active;    /* CURL*, on the wire */
  GPtrArray            *idle;      /* CURL*, pooled */
  GCancellable         *cancellable;
  gint64                budget;
  gint64                last_refill;
  double                in_flight_cost;
  gboolean              over_cost;
  ArbHttpStats          stats;
} Engine;

static void
bucket_init (Bucket *b,
             double  per_minute)
{
  b->per_usec = per_minute > 0 ? per_minute / 60e6 : 0;
  b->capacity = MAX (1.0, per_minute / 60);
  b->level = b->capacity;
}

static void
bucket_refill (Bucket *b,
               gint64  usec)
{
  if (b->per_usec > 0)
    b->level = MIN (b->capacity, b->level + usec * b->per_usec);
}

/* Microseconds until @cost may be taken; 0 when it may now. */
static gint64
bucket_wait (const Bucket *b,
             double        cost)
{
  double need = MIN (cost, b->capacity);

  if (b->per_usec <= 0 || b->level >= need)
    return 0;
  return (gint64) ceil ((need - b->level) / b->per_usec);
}

static gint64
request_tokens (const ArbHttpRequest *r)
{
  return MAX (1, r->estimated_input + r->max_output);
}

static double
estimated_cost (const Engine         *e,
                const ArbHttpRequest *r)
{
  return (r->estimated_input * e->options->price_input +
          r->max_output * e->options->price_output) / 1000.0;
}

static size_t
on_write (char   *data,
          size_t  size,
          size_t  n,
          void   *user_data)
{
  ArbHttpRequest *r = user_data;

  /* A reply bigger than any chat completion is garbage; stop reading it. */
  if (r->buffer->len + size * n > 64 * 1024 * 1024)
    return 0;
  g_string_append_len (r->buffer, data, size * n);
  return size * n;
}

static size_t
on_header (char   *data,
           size_t  size,
           size_t  n,
           void   *user_data)
{
  ArbHttpRequest *r = user_data;
  size_t len = size * n;

  /* A new response (after a redirect or 100 Continue) forgets the last one's header. */
  if (len > 5 && strncmp (data, "HTTP/", 5) == 0)
    r->retry_after = -1;
  else if (len > 12 && g_ascii_strncasecmp (data, "Retry-After:", 12) == 0)
    {
      g_autofree char *value = g_strstrip (g_strndup (data + 12, len - 12));
      char *end = NULL;
      double seconds = g_ascii_strtod (value, &end);

      if (end != value && *end == '\0' && seconds >= 0)
        r->retry_after = MIN (seconds, 600);
      else
        {
          /* An HTTP date (RFC 9110, 10.2.3); one in the past means now. */
          time_t when = curl_getdate (value, NULL);

          if (when != (time_t) -1)
            r->retry_after = CLAMP ((double) (when - time (NULL)), 0, 600);
        }
    }
  return len;
}

static int
on_progress (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  Engine *e = user_data;

  return g_cancellable_is_cancelled (e->cancellable) ? 1 : 0;
}

/* The endpoint with room for @r, the least loaded first, and for a retry another than the one
 * that failed it when there is a choice; else G_MAXUINT and *wake_at says when one will have
 * room. Of several endpoints, one that failed three times in a row rests (a dead one would
 * otherwise draw every request, being never busy). */
static guint
pick_endpoint (Engine         *e,
               ArbHttpRequest *r,
               gint64          now,
               gint64         *wake_at)
{
  guint best = G_MAXUINT;
  double best_load = 3;

  for (guint i = 0; i < e->options->n_endpoints; i++)
    {
      Endpoint *ep = &e->endpoints[i];
      gint64 wait;
      double load;

      if (ep->in_flight >= ep->spec->concurrency)
        continue;
      if (ep->resting_until > now)
        {
          *wake_at = MIN (*wake_at, ep->resting_until);
          continue;
        }
      wait = MAX (bucket_wait (&ep->requests, 1), bucket_wait (&ep->tokens, request_tokens (r)));
      if (wait > 0)
        {
          *wake_at = MIN (*wake_at, now + wait);
          continue;
        }
      load = (double) ep->in_flight / ep->spec->concurrency;
      if (r->attempts > 0 && i == r->endpoint && e->options->n_endpoints > 1)
        load += 1;
      if (load < best_load)
        {
          best_load = load;
          best = i;
        }
    }
  return best;
}

static gboolean
start (Engine          *e,
       ArbHttpRequest  *r,
       guint            endpoint,
       GError         **error)
{
  Endpoint *ep = &e->endpoints[endpoint];
  CURL *easy = e->idle->len > 0 ? g_ptr_array_steal_index_fast (e->idle, e->idle->len - 1)
                                : curl_easy_init ();

  if (easy == NULL)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_CURL,
                   "libcurl could not start a transfer");
      return FALSE;
    }
  if (r->buffer == NULL)
    r->buffer = g_string_new (NULL);
  g_string_truncate (r->buffer, 0);
  r->retry_after = -1;
  r->attempts++;
  r->endpoint = endpoint;
  r->started = g_get_monotonic_time ();
  curl_easy_setopt (easy, CURLOPT_URL, ep->spec->url);
  curl_easy_setopt (easy, CURLOPT_HTTPHEADER, ep->headers);
  curl_easy_setopt (easy, CURLOPT_POSTFIELDS, r->body);
  curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE, (long) strlen (r->body));
  curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (easy, CURLOPT_WRITEDATA, r);
  curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (easy, CURLOPT_HEADERDATA, r);
  curl_easy_setopt (easy, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (easy, CURLOPT_XFERINFODATA, e);
  curl_easy_setopt (easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, (long) (e->options->timeout * 1000));
  curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS,
                    (long) (MIN (e->options->timeout, 30) * 1000));
  curl_easy_setopt (easy, CURLOPT_PRIVATE, r);
  curl_easy_setopt (easy, CURLOPT_USERAGENT, "arbiter/" PACKAGE_VERSION);
  curl_multi_add_handle (e->multi, easy);
  g_ptr_array_add (e->active, easy);
  ep->in_flight++;
  ep->requests.level -= 1;
  ep->tokens.level -= request_tokens (r);
  e->in_flight_cost += estimated_cost (e, r);
  e->stats.attempts++;
  e->stats.in_flight++;
  return TRUE;
}

/* Whether the body is one JSON object (or array: TEI answers one); reads the usage's token
 * counts on the way. */
static gboolean
parse_body (ArbHttpRequest *r)
{
  json_tokener *tok = json_tokener_new_ex (64);
  json_object *obj = json_tokener_parse_ex (tok, r->buffer->str, r->buffer->len);
  gboolean ok = obj != NULL &&
                (json_object_is_type (obj, json_type_object) ||
                 json_object_is_type (obj, json_type_array)) &&
                json_tokener_get_error (tok) == json_tokener_success &&
                json_tokener_get_parse_end (tok) == r->buffer->len;
  json_object *usage, *v;

  if (ok && json_object_is_type (obj, json_type_object) &&
      json_object_object_get_ex (obj, "usage", &usage) &&
      json_object_is_type (usage, json_type_object))
    {
      if (json_object_object_get_ex (usage, "prompt_tokens", &v) &&
          json_object_is_type (v, json_type_int))
        r->input_tokens = json_object_get_int64 (v);
      if (json_object_object_get_ex (usage, "completion_tokens", &v) &&
          json_object_is_type (v, json_type_int))
        r->output_tokens = json_object_get_int64 (v);
    }
  json_object_put (obj);
  json_tokener_free (tok);
  return ok;
}

static double
backoff (Engine         *e,
         ArbHttpRequest *r)
{
  double delay = MIN (e->options->backoff_max,
                      e->options->backoff_base * pow (2, MAX (0, r->attempts - 1)));

  if (r->retry_after >= 0)
    return r->retry_after + g_random_double () * MIN (0.1, e->options->backoff_base * 0.1);
  return delay / 2 + g_random_double () * delay / 2;
}

static void
end_request (Engine          *e,
             ArbHttpRequest  *r,
             ArbHttpOutcome   outcome,
             ArbHttpDoneFunc  done,
             gpointer         user_data)
{
  r->outcome = outcome;
  if (outcome == ARB_HTTP_ANSWERED)
    e->stats.answered++;
  else if (outcome == ARB_HTTP_GIVEN_UP)
    e->stats.given_up++;
  else
    e->stats.not_sent++;
  done (r, user_data);
}

/* Decides what a finished attempt means: answered, retry later, or given up. */
static void
finish (Engine          *e,
        CURL            *easy,
        CURLcode         code,
        ArbHttpDoneFunc  done,
        gpointer         user_data)
{
  ArbHttpRequest *r = NULL;
  Endpoint *ep;
  long status = 0;
  gboolean retry = FALSE;
  g_autofree char *why = NULL;

  curl_easy_getinfo (easy, CURLINFO_PRIVATE, (char **) &r);
  curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
  curl_multi_remove_handle (e->multi, easy);
  g_ptr_array_remove_fast (e->active, easy);
  g_ptr_array_add (e->idle, easy);
  ep = &e->endpoints[r->endpoint];
  ep->in_flight--;
  e->stats.in_flight--;
  e->in_flight_cost -= estimated_cost (e, r);
  r->http_status = code == CURLE_OK ? (int) status : 0;
  r->latency_ms = (g_get_monotonic_time () - r->started) / 1000.0;

  /* Stopped by the cancellable: not an outcome; the run ends without one for it. */
  if (code == CURLE_ABORTED_BY_CALLBACK && g_cancellable_is_cancelled (e->cancellable))
    return;

  if (code == CURLE_OK && status >= 200 && status < 300)
    {
      if (parse_body (r))
        {
          gint64 used_in = r->input_tokens >= 0 ? r->input_tokens : r->estimated_input;
          gint64 used_out = r->output_tokens >= 0 ? r->output_tokens : r->max_output;

          ep->failures = 0;
          r->response = g_strndup (r->buffer->str, r->buffer->len);
          g_string_free (g_steal_pointer (&r->buffer), TRUE);
          g_clear_pointer (&r->error, g_free);
          /* The bucket took the estimate; give back what the answer did not use. */
          ep->tokens.level = MIN (ep->tokens.capacity,
                                  ep->tokens.level + request_tokens (r) - (used_in + used_out));
          e->stats.input_tokens += used_in;
          e->stats.output_tokens += used_out;
          e->stats.cost += (used_in * e->options->price_input +
                            used_out * e->options->price_output) / 1000.0;
          end_request (e, r, ARB_HTTP_ANSWERED, done, user_data);
          return;
        }
      why = g_strdup_printf ("HTTP %ld with a body that is not one JSON object or array", status);
      e->stats.bad_body++;
      retry = TRUE;
    }
  else if (code == CURLE_OK)
    {
      why = g_strdup_printf ("HTTP %ld", status);
      /* 408 (the server timed out waiting) is the server's failure, like a 5xx. */
      retry = status == 429 || status == 408 || status >= 500;
      if (status == 429)
        e->stats.http_429++;
      else if (status >= 500)
        e->stats.http_5xx++;
      else if (status == 408)
        e->stats.http_5xx++;
      else
        e->stats.http_4xx++;
    }
  else
    {
      why = g_strdup (curl_easy_strerror (code));
      if (code == CURLE_OPERATION_TIMEDOUT)
        e->stats.timeouts++;
      else
        e->stats.transport++;
      retry = code == CURLE_OPERATION_TIMEDOUT || code == CURLE_RECV_ERROR ||
              code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING ||
              code == CURLE_PARTIAL_FILE || code == CURLE_COULDNT_CONNECT ||
              code == CURLE_WRITE_ERROR || code == CURLE_BAD_CONTENT_ENCODING ||
              code == CURLE_HTTP2 || code == CURLE_HTTP2_STREAM ||
              code == CURLE_SSL_CONNECT_ERROR || code == CURLE_COULDNT_RESOLVE_HOST;
    }
  /* The failed attempt used no tokens to speak of. */
  ep->tokens.level = MIN (ep->tokens.capacity, ep->tokens.level + request_tokens (r));
  /* With one endpoint there is nowhere else to go: the requests' own backoff is enough. */
  if (retry && e->options->n_endpoints > 1)
    {
      ep->failures++;
      if (ep->failures >= 3)
        ep->resting_until = g_get_monotonic_time () +
                            (gint64) (MIN (e->options->backoff_max,
                                           e->options->backoff_base *
                                           pow (2, MIN (ep->failures - 3, 6))) * G_USEC_PER_SEC);
    }
  else
    ep->failures = 0;

  g_free (r->error);
  r->error = g_steal_pointer (&why);
  if (retry && r->attempts < (int) e->options->max_attempts && e->budget != 0 &&
      !g_cancellable_is_cancelled (e->cancellable))
    {
      if (e->budget > 0)
        e->budget--;
      e->stats.retries++;
      r->not_before = g_get_monotonic_time () + (gint64) (backoff (e, r) * G_USEC_PER_SEC);
      g_ptr_array_add (e->waiting, r);
      e->stats.waiting++;
      return;
    }
  end_request (e, r, ARB_HTTP_GIVEN_UP, done, user_data);
}

/**
 * arb_http_run_source:
 * @source: gives the requests one by one, as the engine has room for them (so a caller can
 *   build them lazily and memory stays bounded)
 * @user_data: for @source, @done and @tick
 *
 * Sends every request of @source to one of @options' endpoints, within each endpoint's limits,
 * retrying what may be retried, and calls @done once for each as it ends. With a cost limit,
 * requests that would pass it end as ARB_HTTP_NOT_SENT. Returns FALSE only when the run stopped
 * early (cancelled, @source or @tick failed); requests not yet ended then get no @done call.
 */
gboolean
arb_http_run_source (const ArbHttpOptions  *options,
                     ArbHttpSourceFunc      source,
                     ArbHttpDoneFunc        done,
                     ArbHttpTickFunc        tick,
                     gpointer               user_data,
                     ArbHttpStats          *out_stats,
                     GCancellable          *cancellable,
                     GError               **error)
{
  Engine e = { 0 };
  gint64 last_tick = 0;
  guint total_concurrency = 0;
  gboolean ok = TRUE, more = TRUE;

  g_return_val_if_fail (options != NULL && options->n_endpoints > 0, FALSE);
  g_return_val_if_fail (options->max_attempts > 0, FALSE);

  curl_global_init (CURL_GLOBAL_DEFAULT);
  e.options = options;
  e.cancellable = cancellable;
  e.budget = options->retry_budget;
  e.waiting = g_ptr_array_new ();
  e.active = g_ptr_array_new ();
  e.idle = g_ptr_array_new ();
  e.endpoints = g_new0 (Endpoint, options->n_endpoints);
  for (guint i = 0; i < options->n_endpoints; i++)
    {
      Endpoint *ep = &e.endpoints[i];
      const char *key = options->endpoints[i].api_key;

      g_return_val_if_fail (options->endpoints[i].url != NULL, FALSE);
      g_return_val_if_fail (options->endpoints[i].concurrency > 0, FALSE);
      ep->spec = &options->endpoints[i];
      bucket_init (&ep->requests, ep->spec->rpm);
      bucket_init (&ep->tokens, ep->spec->tpm);
      total_concurrency += ep->spec->concurrency;
      ep->headers = curl_slist_append (NULL, "Content-Type: application/json");
      ep->headers = curl_slist_append (ep->headers, "Expect:");
      if (key != NULL && *key != '\0')
        {
          g_autofree char *auth = g_strconcat ("Authorization: Bearer ", key, NULL);

          ep->headers = curl_slist_append (ep->headers, auth);
          memset (auth, 0, strlen (auth));
        }
    }
  e.multi = curl_multi_init ();
  curl_multi_setopt (e.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long) total_concurrency);
  curl_multi_setopt (e.multi, CURLMOPT_MAXCONNECTS, (long) total_concurrency);
  e.last_refill = g_get_monotonic_time ();

  while (ok)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 next_wake = now + 100 * 1000;
      int running = 0, n_msgs = 0, timeout_ms;
      gboolean ended = FALSE;
      CURLMsg *msg;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }

      for (guint i = 0; i < options->n_endpoints; i++)
        {
          bucket_refill (&e.endpoints[i].requests, now - e.last_refill);
          bucket_refill (&e.endpoints[i].tokens, now - e.last_refill);
        }
      e.last_refill = now;

      /* Retries whose wait is over join the queue; a retry goes first so it ends soon. */
      for (guint i = 0; i < e.waiting->len;)
        {
          ArbHttpRequest *r = g_ptr_array_index (e.waiting, i);

          if (r->not_before <= now)
            {
              g_queue_push_head (&e.ready, r);
              g_ptr_array_remove_index_fast (e.waiting, i);
              e.stats.waiting--;
            }
          else
            {
              next_wake = MIN (next_wake, r->not_before);
              i++;
            }
        }

      /* Enough new requests to fill what is free; more would only sit in memory. */
      while (more && !e.over_cost &&
             g_queue_get_length (&e.ready) + e.stats.in_flight < total_concurrency)
        {
          GError *local = NULL;
          ArbHttpRequest *r = source (user_data, &local);

          if (local != NULL)
            {
              g_propagate_error (error, local);
              ok = FALSE;
              break;
            }
          if (r == NULL)
            more = FALSE;
          else
            {
              r->outcome = ARB_HTTP_PENDING;
              e.stats.requests++;
              g_queue_push_tail (&e.ready, r);
            }
        }
      if (!ok)
        break;

      while (!g_queue_is_empty (&e.ready))
        {
          ArbHttpRequest *r = g_queue_peek_head (&e.ready);
          guint endpoint;

          /* Over the limit with answers still to come: wait for them, since the estimate
           * of what is in flight is an upper bound. With none in flight: stop. */
          if (options->max_cost > 0 && !e.over_cost &&
              e.stats.cost + e.in_flight_cost + estimated_cost (&e, r) > options->max_cost)
            {
              if (e.stats.in_flight > 0)
                break;
              e.over_cost = TRUE;
            }
          if (e.over_cost)
            {
              g_queue_pop_head (&e.ready);
              end_request (&e, r, ARB_HTTP_NOT_SENT, done, user_data);
              ended = TRUE;
              continue;
            }
          endpoint = pick_endpoint (&e, r, now, &next_wake);
          if (endpoint == G_MAXUINT)
            break;
          g_queue_pop_head (&e.ready);
          if (!(ok = start (&e, r, endpoint, error)))
            break;
        }
      if (!ok)
        break;

      if (e.stats.in_flight > 0)
        curl_multi_perform (e.multi, &running);
      while ((msg = curl_multi_info_read (e.multi, &n_msgs)) != NULL)
        if (msg->msg == CURLMSG_DONE)
          {
            finish (&e, msg->easy_handle, msg->data.result, done, user_data);
            ended = TRUE;
          }

      /* What ended is handed over at once, so the caller can commit it before more arrives. */
      if (tick != NULL && (ended || now - last_tick >= 100 * 1000))
        {
          last_tick = now;
          if (!(ok = tick (&e.stats, user_data, error)))
            break;
        }

      /* Past the cost limit, what the source still holds is not sent either; handed over in
       * batches, so the caller can write and free them as they go. */
      if (e.over_cost && more)
        {
          for (guint n = 0; more && n < 256; n++)
            {
              GError *local = NULL;
              ArbHttpRequest *r = source (user_data, &local);

              if (local != NULL)
                {
                  g_propagate_error (error, local);
                  ok = FALSE;
                  break;
                }
              if (r == NULL)
                more = FALSE;
              else
                {
                  e.stats.requests++;
                  end_request (&e, r, ARB_HTTP_NOT_SENT, done, user_data);
                }
            }
          if (!ok || (tick != NULL && !(ok = tick (&e.stats, user_data, error))))
            break;
          continue;
        }

      if (!more && e.stats.in_flight == 0 && e.waiting->len == 0 && g_queue_is_empty (&e.ready))
        break;
      if (ended && (!g_queue_is_empty (&e.ready) || more))
        continue;
      timeout_ms = (int) MAX (0, (next_wake - g_get_monotonic_time () + 999) / 1000);
      if (e.stats.in_flight > 0)
        curl_multi_poll (e.multi, NULL, 0, MIN (timeout_ms, 100), NULL);
      else if (timeout_ms > 0)
        g_usleep (MIN (timeout_ms, 100) * 1000);
    }

  if (ok && tick != NULL)
    ok = tick (&e.stats, user_data, error);

  /* Stopped early: drop what is still on the wire. */
  for (guint i = 0; i < e.active->len; i++)
    {
      curl_multi_remove_handle (e.multi, g_ptr_array_index (e.active, i));
      curl_easy_cleanup (g_ptr_array_index (e.active, i));
    }
  for (guint i = 0; i < e.idle->len; i++)
    curl_easy_cleanup (g_ptr_array_index (e.idle, i));
  g_ptr_array_unref (e.active);
  g_ptr_array_unref (e.idle);
  if (out_stats != NULL)
    *out_stats = e.stats;
  for (guint i = 0; i < options->n_endpoints; i++)
    curl_slist_free_all (e.endpoints[i].headers);
  g_free (e.endpoints);
  curl_multi_cleanup (e.multi);
  g_ptr_array_unref (e.waiting);
  g_queue_clear (&e.ready);
  return ok;
}

typedef struct
{
  GPtrArray       *requests;
  guint            next;
  ArbHttpDoneFunc  done;
  ArbHttpTickFunc  tick;
  gpointer         user_data;
} ArraySource;

static ArbHttpRequest *
array_next (gpointer   data,
            GError   **error)
{
  ArraySource *a = data;

  return a->next < a->requests->len ? g_ptr_array_index (a->requests, a->next++) : NULL;
}

static void
array_done (ArbHttpRequest *request,
            gpointer        data)
{
  ArraySource *a = data;

  a->done (request, a->user_data);
}

static gboolean
array_tick (const ArbHttpStats  *stats,
            gpointer             data,
            GError             **error)
{
  ArraySource *a = data;

  return a->tick == NULL || a->tick (stats, a->user_data, error);
}

/**
 * arb_http_run:
 * @requests: (element-type ArbHttpRequest): the requests; the caller keeps them
 *
 * arb_http_run_source over an array.
 */
gboolean
arb_http_run (const ArbHttpOptions  *options,
              GPtrArray             *requests,
              ArbHttpDoneFunc        done,
              ArbHttpTickFunc        tick,
              gpointer               user_data,
              ArbHttpStats          *out_stats,
              GCancellable          *cancellable,
              GError               **error)
{
  ArraySource a = { requests, 0, done, tick, user_data };

  return arb_http_run_source (options, array_next, array_done, array_tick, &a, out_stats,
                              cancellable, error);
}
