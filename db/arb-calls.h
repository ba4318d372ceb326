/* arb-calls.h: the `calls` table (the cache of model requests) and machine verdicts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-workspace.h"

G_BEGIN_DECLS

/* One comparison as a judge sees it: the question and the two answers in canonical order. */
typedef struct
{
  gint64  comparison_id;
  gint64  a_id;         /* the generations, A the smaller id */
  gint64  b_id;
  char   *question;     /* the content of the prompt's last user message */
  char   *messages;     /* the prompt's canonical messages JSON */
  char   *reference;    /* the prompt's reference answer, or NULL */
  char   *text_a;
  char   *text_b;
} ArbJudgeItem;

void arb_judge_item_free (ArbJudgeItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbJudgeItem, arb_judge_item_free)

/* What one finished (or given-up) request left behind. Strings are borrowed. */
typedef struct
{
  const char *key;          /* SHA-256 of the canonical request */
  const char *kind;         /* judge, score, tokenize */
  const char *model;
  const char *request;      /* the canonical request; never headers, URL or key */
  const char *response;     /* the raw response body, or NULL when there was no good answer */
  const char *error;        /* why there was no good answer, or NULL */
  int         http_status;  /* 0 when no HTTP status arrived */
  int         attempts;
  double      latency_ms;
  gint64      input_tokens;  /* -1 unknown */
  gint64      output_tokens; /* -1 unknown */
  double      cost;          /* USD; negative when unknown */
} ArbCallRecord;

GPtrArray  *arb_calls_list_comparisons (ArbWorkspace        *ws,
                                        GError             **error);
GPtrArray  *arb_calls_list_comparisons_of   (ArbWorkspace   *ws,
                                            gint64          after_id,
                                            gint64          limit,
                                            const char * const *systems,
                                            GError        **error);
GPtrArray  *arb_calls_list_comparisons_page (ArbWorkspace   *ws,
                                        gint64               after_id,
                                        gint64               limit,
                                        GError             **error);
GHashTable *arb_calls_list_settled     (ArbWorkspace        *ws,
                                        gint64               rater_id,
                                        gboolean             with_unparseable,
                                        GError             **error);
gint64      arb_calls_find_rater       (ArbWorkspace        *ws,
                                        const char          *name,
                                        char               **out_kind,
                                        char               **out_config,
                                        GError             **error);
char       *arb_calls_lookup_answered  (ArbWorkspace        *ws,
                                        const char          *key,
                                        gint64              *out_call_id,
                                        GError             **error);
gint64      arb_calls_store            (ArbWorkspace        *ws,
                                        const ArbCallRecord *record,
                                        GError             **error);
gboolean    arb_calls_store_verdict    (ArbWorkspace        *ws,
                                        gint64               comparison_id,
                                        gint64               rater_id,
                                        const char          *status,
                                        double               preference,
                                        int                  strength,
                                        const char          *presented,
                                        int                  sample,
                                        gint64               call_id,
                                        const char          *raw,
                                        GError             **error);
gboolean    arb_calls_store_grade      (ArbWorkspace        *ws,
                                        gint64               generation_id,
                                        gint64               rater_id,
                                        const char          *status,
                                        double               score,
                                        int                  sample,
                                        gint64               call_id,
                                        const char          *raw,
                                        GError             **error);
GHashTable *arb_calls_list_grades      (ArbWorkspace        *ws,
                                        gint64               rater_id,
                                        GError             **error);
gboolean    arb_calls_set_rater_config (ArbWorkspace        *ws,
                                        gint64               rater_id,
                                        const char          *config,
                                        GError             **error);
gboolean    arb_calls_begin            (ArbWorkspace        *ws,
                                        GError             **error);
gboolean    arb_calls_commit           (ArbWorkspace        *ws,
                                        GError             **error);
void        arb_calls_rollback         (ArbWorkspace        *ws);

G_END_DECLS
