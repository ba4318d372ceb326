/* arb-score-run.h: a reward model over a workspace's comparisons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "arb-http-engine.h"
#include "arb-judge-error.h"
#include "arb-workspace.h"

G_BEGIN_DECLS

typedef enum
{
  ARB_SCORE_API_POOLING,   /* vLLM POST /pooling with the chat messages */
  ARB_SCORE_API_CLASSIFY,  /* vLLM POST /classify with the conversation as text */
  ARB_SCORE_API_TEI,       /* Hugging Face TEI POST /predict with (prompt, response) */
} ArbScoreApi;

typedef struct
{
  const char *const *endpoints;
  guint              n_endpoints;
  const char        *model;
  const char        *rater;          /* NULL: "reward:MODEL" */
  ArbScoreApi        api;
  const char        *api_key_env;
  guint              concurrency;    /* per endpoint; 0: 16 */
  double             rpm;
  double             timeout;        /* 0: 120 */
  guint              max_attempts;   /* 0: 6 */
  gint64             retry_budget;   /* 0: as many as requests (at least 20); -1 unlimited */
  double             backoff_base;   /* 0: 0.5 */
  gboolean           dry_run;
} ArbScoreOptions;

typedef struct
{
  char        *rater;
  gint64       comparisons;
  gint64       generations;   /* distinct generations of those comparisons */
  gint64       settled;       /* graded already */
  gint64       cached;
  gint64       to_send;
  gint64       ok;            /* grades written, by status */
  gint64       unparseable;
  gint64       failed;
  gint64       verdicts;      /* comparison verdicts written from two grades */
  double       seconds;
  ArbHttpStats http;
} ArbScoreResult;

void arb_score_result_clear (ArbScoreResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ArbScoreResult, arb_score_result_clear)

gboolean arb_score_api_from_string  (const char  *name,
                                     ArbScoreApi *out_api);
char    *arb_score_endpoint_url     (const char  *endpoint,
                                     ArbScoreApi  api);
char    *arb_score_build_request    (ArbScoreApi  api,
                                     const char  *model,
                                     const char  *messages,
                                     const char  *question,
                                     const char  *response);
gboolean arb_score_parse_response   (ArbScoreApi  api,
                                     const char  *body,
                                     double      *out_score);

typedef void (*ArbScoreProgressFunc) (const ArbScoreResult *result,
                                      gpointer              user_data);

gboolean arb_score_run (ArbWorkspace          *ws,
                        const ArbScoreOptions *options,
                        ArbScoreProgressFunc   progress,
                        gpointer               user_data,
                        ArbScoreResult        *out_result,
                        GCancellable          *cancellable,
                        GError               **error);

G_END_DECLS
