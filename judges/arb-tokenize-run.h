/* arb-tokenize-run.h: a tokenizer's units for every generation of a workspace
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
  ARB_TOKENIZE_API_LLAMA,   /* llama.cpp server: POST /tokenize with pieces, /apply-template */
  ARB_TOKENIZE_API_VLLM,    /* vLLM: POST /tokenize with token strings, prompt or messages */
} ArbTokenizeApi;

typedef enum
{
  ARB_TOKENIZE_CONTEXT_AUTO,    /* chat when the server applies the chat template, else alone */
  ARB_TOKENIZE_CONTEXT_ALONE,   /* the generation's text by itself */
  ARB_TOKENIZE_CONTEXT_CHAT,    /* inside its conversation, through the chat template */
} ArbTokenizeContext;

typedef struct
{
  const char *const  *endpoints;
  guint               n_endpoints;
  const char         *tokenizer;      /* the tokenizer's identity, e.g. a Hugging Face model id */
  const char         *model;          /* vLLM's "model" (the served name); NULL: tokenizer */
  ArbTokenizeApi      api;
  ArbTokenizeContext  context;
  const char         *api_key_env;
  guint               concurrency;    /* per endpoint; 0: 16 */
  double              rpm;
  double              timeout;        /* 0: 120 */
  guint               max_attempts;   /* 0: 6 */
  gint64              retry_budget;   /* 0: as many as requests (at least 20); -1 unlimited */
  double              backoff_base;   /* 0: 0.5 */
} ArbTokenizeOptions;

typedef struct
{
  char        *tokenizer;
  gboolean     in_context;    /* the context the run used (AUTO resolved) */
  gboolean     fell_back;     /* AUTO found no chat template and tokenised alone */
  gint64       generations;   /* visible text generations */
  gint64       settled;       /* tokenised already before the run */
  gint64       cached;        /* tokenised from answers found in `calls` */
  gint64       to_send;       /* requests put to the engine, over all stages */
  gint64       tokenized;     /* tokenisations written by this run (cached ones too) */
  gint64       failed;        /* generations left without one (tried again by the next run) */
  gint64       tokens;        /* tokens in the tokenisations written */
  GPtrArray   *failures;      /* char*: "generation N: why", the first 100 */
  double       seconds;
  ArbHttpStats http;          /* summed over the run's stages */
} ArbTokenizeResult;

void arb_tokenize_result_clear (ArbTokenizeResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ArbTokenizeResult, arb_tokenize_result_clear)

gboolean  arb_tokenize_api_from_string     (const char          *name,
                                            ArbTokenizeApi      *out_api);
gboolean  arb_tokenize_context_from_string (const char          *name,
                                            ArbTokenizeContext  *out_context);
char     *arb_tokenize_endpoint_url        (const char          *endpoint,
                                            const char          *path);

typedef void (*ArbTokenizeProgressFunc) (const ArbTokenizeResult *result,
                                         gpointer                 user_data);

gboolean arb_tokenize_run (ArbWorkspace             *ws,
                           const ArbTokenizeOptions *options,
                           ArbTokenizeProgressFunc   progress,
                           gpointer                  user_data,
                           ArbTokenizeResult        *out_result,
                           GCancellable             *cancellable,
                           GError                  **error);

G_END_DECLS
