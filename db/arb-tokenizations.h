/* arb-tokenizations.h: the `tokenizations` table, a tokenizer's units for each generation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-units.h"
#include "arb-workspace.h"

G_BEGIN_DECLS

/* One generation's tokens under one tokenizer, alone or in its chat context. Ranges are UTF-8
 * byte offsets into the generation's text, end-exclusive, in token order; a token that splits a
 * character (byte fallback) has a range that ends or starts inside it, exactly as the
 * tokenizer split it. */
typedef struct
{
  gint64     generation_id;
  char      *tokenizer;    /* the tokenizer's identity, e.g. "meta-llama/Llama-3.1-8B-Instruct" */
  gboolean   in_context;   /* tokenised inside the generation's chat template */
  GArray    *ids;          /* gint64, the vocabulary ids */
  GArray    *ranges;       /* ArbRange, one per id */
  GPtrArray *pieces;       /* GBytes*, each token's bytes as the tokenizer decodes it (a
                            * SentencePiece "▁Hello" is " Hello", "<0xE2>" the byte 0xE2);
                            * NULL when unknown */
  gint64     call_id;      /* the `calls` row it came from; -1 none */
} ArbTokenization;

ArbTokenization *arb_tokenization_new  (const char      *tokenizer,
                                        gint64           generation_id,
                                        gboolean         in_context);
void             arb_tokenization_free (ArbTokenization *tokenization);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbTokenization, arb_tokenization_free)

/* A generation to tokenise: its text and the conversation it answers. */
typedef struct
{
  gint64  generation_id;
  char   *text;              /* the generation's text (valid UTF-8) */
  gsize   text_len;
  char   *prompt_messages;   /* the prompt's canonical messages JSON */
  char   *messages;          /* the generation's own messages JSON when it spans turns, else NULL */
} ArbTokenizeItem;

void arb_tokenize_item_free (ArbTokenizeItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbTokenizeItem, arb_tokenize_item_free)

gboolean         arb_tokenizations_store        (ArbWorkspace           *ws,
                                                 const ArbTokenization  *tokenization,
                                                 GError                **error);
ArbTokenization *arb_tokenizations_get          (ArbWorkspace           *ws,
                                                 gint64                  generation_id,
                                                 const char             *tokenizer,
                                                 gboolean                in_context,
                                                 GError                **error);
GPtrArray       *arb_tokenizations_list_missing (ArbWorkspace           *ws,
                                                 const char             *tokenizer,
                                                 gboolean                in_context,
                                                 gint64                  after_id,
                                                 gint64                  limit,
                                                 GError                **error);
gboolean         arb_tokenizations_count        (ArbWorkspace           *ws,
                                                 const char             *tokenizer,
                                                 gboolean                in_context,
                                                 gint64                 *out_generations,
                                                 gint64                 *out_tokenized,
                                                 GError                **error);
gboolean         arb_tokenizations_modes        (ArbWorkspace           *ws,
                                                 const char             *tokenizer,
                                                 gboolean               *out_alone,
                                                 gboolean               *out_in_context,
                                                 GError                **error);

char            *arb_tokenizations_pieces_to_json   (GPtrArray          *pieces);
GPtrArray       *arb_tokenizations_pieces_from_json (const char         *json,
                                                     GError            **error);

G_END_DECLS
