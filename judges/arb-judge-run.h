/* arb-judge-run.h: an LLM judge over a workspace's comparisons
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "arb-http-engine.h"
#include "arb-judge-error.h"
#include "arb-judge-template.h"
#include "arb-workspace.h"

G_BEGIN_DECLS

typedef struct
{
  const char *const *endpoints;      /* base URLs; a run spreads over all of them */
  guint              n_endpoints;
  const char        *model;
  const char        *rater;          /* NULL: "judge:MODEL:TEMPLATE" */
  const char        *template_name;  /* name in data/judges or a path; NULL: pairwise-5 */
  gboolean           both_orders;
  int                samples;        /* times each question is asked; 0 means 1 */
  gint64             seed;           /* chooses the order when !both_orders */
  const char        *api_key_env;    /* name of the environment variable, or NULL */
  guint              concurrency;    /* per endpoint; 0: 16 */
  double             rpm;            /* per endpoint; 0: no limit */
  double             tpm;
  double             timeout;        /* seconds per attempt; 0: 120 */
  guint              max_attempts;   /* 0: 6 */
  gint64             retry_budget;   /* 0: as many as requests (at least 20); -1 unlimited */
  double             backoff_base;   /* seconds; 0: 0.5 */
  double             backoff_max;    /* seconds; 0: 30 */
  double             price_input;    /* USD per 1 000 tokens */
  double             price_output;
  double             max_cost;       /* USD; 0: no limit */
  gboolean           dry_run;        /* count and estimate only; writes nothing */
  gboolean           reparse;        /* read unparseable verdicts' stored replies again */
  const char *const *systems;        /* only comparisons of two of these systems; NULL: all */
} ArbJudgeOptions;

typedef struct
{
  char        *rater;
  gint64       comparisons;
  gint64       tasks;          /* verdicts (or grades) this run stands for */
  gint64       settled;        /* had one already */
  gint64       ties;           /* identical texts: a tie without a call */
  gint64       no_reference;   /* left out: the template needs a reference the prompt lacks */
  gint64       cached;         /* answered in `calls` already: written without a call */
  gint64       to_send;        /* distinct requests to send */
  gint64       ok;             /* verdicts (or grades) written, by status */
  gint64       unparseable;
  gint64       failed;
  gint64       not_sent;       /* tasks left for another run by the cost limit */
  gint64       derived;        /* verdicts derived from two grades */
  gint64       estimated_input_tokens;
  gint64       estimated_output_tokens;  /* at most: max_tokens of every request */
  double       estimated_cost;
  double       seconds;
  ArbHttpStats http;
} ArbJudgeResult;

void arb_judge_result_clear (ArbJudgeResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ArbJudgeResult, arb_judge_result_clear)

typedef void (*ArbJudgeProgressFunc) (const ArbJudgeResult *result,
                                      gpointer              user_data);

gboolean arb_judge_run (ArbWorkspace          *ws,
                        const ArbJudgeOptions *options,
                        ArbJudgeProgressFunc   progress,
                        gpointer               user_data,
                        ArbJudgeResult        *out_result,
                        GCancellable          *cancellable,
                        GError               **error);

ArbJudgeOptions *arb_judge_options_copy (const ArbJudgeOptions *options);
void             arb_judge_options_free (ArbJudgeOptions       *options);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbJudgeOptions, arb_judge_options_free)

void     arb_judge_run_async  (const char            *workspace_path,
                               const ArbJudgeOptions *options,
                               ArbJudgeProgressFunc   progress,
                               gpointer               progress_data,
                               GCancellable          *cancellable,
                               GAsyncReadyCallback    callback,
                               gpointer               user_data);
gboolean arb_judge_run_finish (GAsyncResult          *result,
                               ArbJudgeResult        *out_result,
                               GError               **error);

G_END_DECLS
