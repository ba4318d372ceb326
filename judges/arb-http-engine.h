/* arb-http-engine.h: many JSON POSTs at once over libcurl's multi interface, with retries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "arb-judge-error.h"

G_BEGIN_DECLS

/* Where requests go. A run may spread over several; each has its own limits. */
typedef struct
{
  const char *url;
  const char *api_key;       /* sent as "Authorization: Bearer …"; never logged, never copied */
  guint       concurrency;   /* requests in flight at most */
  double      rpm;           /* requests per minute at most; 0: no limit */
  double      tpm;           /* tokens (input estimate + max output) per minute; 0: no limit */
} ArbHttpEndpoint;

typedef struct
{
  const ArbHttpEndpoint *endpoints;
  guint                  n_endpoints;
  double                 timeout;       /* seconds per attempt */
  guint                  max_attempts;  /* per request, first try included */
  gint64                 retry_budget;  /* retries allowed over the whole run; -1 unlimited */
  double                 backoff_base;  /* seconds before the first retry (doubled each time) */
  double                 backoff_max;   /* seconds at most between attempts (not Retry-After) */
  double                 price_input;   /* USD per 1 000 input tokens */
  double                 price_output;  /* USD per 1 000 output tokens */
  double                 max_cost;      /* USD; stop once spent + in flight reach it; 0: none */
} ArbHttpOptions;

typedef struct
{
  gint64 requests;       /* given to the run */
  gint64 attempts;       /* requests put on the wire */
  gint64 answered;       /* requests with a good answer */
  gint64 given_up;       /* requests that ended without one */
  gint64 not_sent;       /* requests held back by max_cost */
  gint64 retries;
  gint64 in_flight;
  gint64 waiting;        /* retries waiting for their time */
  gint64 input_tokens;   /* as the answers' usage says */
  gint64 output_tokens;
  double cost;           /* USD of the answers so far */
  /* What the attempts that did not answer met. */
  gint64 http_429;
  gint64 http_5xx;
  gint64 http_4xx;       /* other than 429: final */
  gint64 timeouts;
  gint64 transport;      /* resets, truncated bodies, refused connections */
  gint64 bad_body;       /* 2xx with a body that is not a JSON object */
} ArbHttpStats;

typedef enum
{
  ARB_HTTP_PENDING,
  ARB_HTTP_ANSWERED,     /* a 2xx reply whose body is one JSON object or array */
  ARB_HTTP_GIVEN_UP,     /* no good answer within the attempts, the budget, or a final 4xx */
  ARB_HTTP_NOT_SENT,     /* held back by max_cost */
} ArbHttpOutcome;

/* One request. The engine fills the second half. */
typedef struct
{
  char           *body;
  gpointer        user_data;
  gint64          estimated_input;   /* tokens, for the limits and the cost */
  gint64          max_output;        /* tokens at most in the reply */

  ArbHttpOutcome  outcome;
  int             http_status;  /* of the last attempt; 0 when none arrived */
  char           *response;     /* the body of the good answer */
  char           *error;        /* why it was given up */
  int             attempts;
  double          latency_ms;   /* of the last attempt */
  gint64          input_tokens; /* from the answer's usage; -1 unknown */
  gint64          output_tokens;
  double          retry_after;  /* seconds the last reply asked to wait; -1 none */

  /* private */
  gint64          not_before;
  GString        *buffer;
  gint64          started;
  guint           endpoint;
} ArbHttpRequest;

gboolean        arb_http_endpoint_parse (const char  *spec,
                                         char       **out_url,
                                         guint       *concurrency,
                                         double      *rpm,
                                         double      *tpm,
                                         char       **out_key_env,
                                         GError     **error);

ArbHttpRequest *arb_http_request_new  (char           *body,
                                       gpointer        user_data);
void            arb_http_request_free (ArbHttpRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbHttpRequest, arb_http_request_free)

/* Called on the calling thread once per request when it ends (answered, given up, not sent). */
typedef void     (*ArbHttpDoneFunc) (ArbHttpRequest     *request,
                                     gpointer            user_data);
/* Called after every round in which requests ended, and at least every 100 ms;
 * FALSE stops the run with its error. */
typedef gboolean (*ArbHttpTickFunc) (const ArbHttpStats *stats,
                                     gpointer            user_data,
                                     GError            **error);

/* Called on the calling thread for the next request to send; NULL when there are no more. The
 * caller owns what it returns and may free it once @done has been called for it. */
typedef ArbHttpRequest *(*ArbHttpSourceFunc) (gpointer            user_data,
                                              GError            **error);

gboolean arb_http_run_source (const ArbHttpOptions  *options,
                              ArbHttpSourceFunc      source,
                              ArbHttpDoneFunc        done,
                              ArbHttpTickFunc        tick,
                              gpointer               user_data,
                              ArbHttpStats          *out_stats,
                              GCancellable          *cancellable,
                              GError               **error);

gboolean arb_http_run (const ArbHttpOptions  *options,
                       GPtrArray             *requests,
                       ArbHttpDoneFunc        done,
                       ArbHttpTickFunc        tick,
                       gpointer               user_data,
                       ArbHttpStats          *out_stats,
                       GCancellable          *cancellable,
                       GError               **error);

G_END_DECLS
