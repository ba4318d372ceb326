/* arb-tokenize-run.c: a tokenizer's units for every generation of a workspace
 *
 * Each visible text generation without a tokenisation by this tokenizer (in this context) is
 * tokenised by a server's /tokenize, through the same engine, cache and per-round commits as a
 * judge: a rerun sends nothing that was answered, a killed run loses only what was in flight,
 * and a request that failed is tried again by the next run.
 *
 * Tokens become byte ranges of the generation's text by decoding each token's piece
 * (arb_piece_decode: llama.cpp gives the bytes, as a string or, for a piece that ends inside a
 * character, a list of byte values; vLLM gives vocabulary strings, SentencePiece's or
 * byte-level BPE's) and finding the text in the decoded tokens (arb_tokens_align).
 *
 * In the chat context the server applies the model's chat template to the prompt's messages
 * followed by the response, and tokenises the result: vLLM in one request (/tokenize with
 * "messages"), llama.cpp in two (/apply-template, then /tokenize of the prompt it gives, with
 * the BOS and special tokens, as llama.cpp's own completion tokenises a prompt). The response
 * is found in the decoded tokens (its last occurrence, after the prompt); only the tokens that
 * overlap it are kept, with ranges clipped to it. So a tokenisation in context gives the token
 * boundaries the model saw while it generated the text, which may differ at the text's start
 * from the boundaries of the text alone.
 *
 * A request's key is the SHA-256 of the tokenizer's identity, the API, the context, the step
 * and its input (the text, or the conversation, or the templated prompt) — never the URL, the
 * served model name or the key — so another server with the same tokenizer hits the cache.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json.h>

#include "arb-calls.h"
#include "arb-endpoints.h"
#include "arb-judge-template.h"
#include "arb-tokenizations.h"
#include "arb-tokenize-run.h"
#include "arb-units.h"

static const char *const api_names[] = { "llama", "vllm" };
static const char *const context_names[] = { "auto", "alone", "chat" };

/* Generations planned at a time: bounded memory whatever the workspace's size. */
#define PAGE_SIZE 1024
/* Failures kept for the report; the rest are counted. */
#define MAX_FAILURES 100

void
arb_tokenize_result_clear (ArbTokenizeResult *result)
{
  g_clear_pointer (&result->tokenizer, g_free);
  g_clear_pointer (&result->failures, g_ptr_array_unref);
}

gboolean
arb_tokenize_api_from_string (const char     *name,
                              ArbTokenizeApi *out_api)
{
  for (guint i = 0; i < G_N_ELEMENTS (api_names); i++)
    if (g_strcmp0 (name, api_names[i]) == 0)
      {
        *out_api = (ArbTokenizeApi) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
arb_tokenize_context_from_string (const char         *name,
                                  ArbTokenizeContext *out_context)
{
  for (guint i = 0; i < G_N_ELEMENTS (context_names); i++)
    if (g_strcmp0 (name, context_names[i]) == 0)
      {
        *out_context = (ArbTokenizeContext) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * arb_tokenize_endpoint_url:
 * @path: "/tokenize" or "/apply-template"
 *
 * `http://host:8080`, `http://host:8080/v1` and `http://host:8080/tokenize` all mean
 * `http://host:8080` + @path: both servers answer these paths at the root.
 *
 * Returns: (transfer full): the URL to post to
 */
char *
arb_tokenize_endpoint_url (const char *endpoint,
                           const char *path)
{
  g_autofree char *base = g_strdup (endpoint);
  gsize len = strlen (base);

  while (len > 0 && base[len - 1] == '/')
    base[--len] = '\0';
  if (g_str_has_suffix (base, "/tokenize"))
    base[len -= strlen ("/tokenize")] = '\0';
  else if (g_str_has_suffix (base, "/apply-template"))
    base[len -= strlen ("/apply-template")] = '\0';
  if (g_str_has_suffix (base, "/v1"))
    base[len - 3] = '\0';
  return g_strconcat (base, path, NULL);
}

static char *
url_for_path (const char *base,
              gpointer    user_data)
{
  return arb_tokenize_endpoint_url (base, user_data);
}

/* ---- requests ---------------------------------------------------------------------------- */

typedef enum
{
  STEP_TEMPLATE,   /* llama.cpp's /apply-template */
  STEP_TOKENIZE,   /* /tokenize */
} Step;

static char *
to_json (json_object *o)
{
  char *s = g_strdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));

  json_object_put (o);
  return s;
}

/* The conversation of a generation: the prompt's messages, then the generation's own messages
 * when it spans turns, else its text as the assistant's message. */
static json_object *
conversation (const ArbTokenizeItem *item)
{
  json_object *messages = item->prompt_messages ? json_tokener_parse (item->prompt_messages)
                                                : NULL;
  json_object *own = item->messages ? json_tokener_parse (item->messages) : NULL;

  if (messages == NULL || !json_object_is_type (messages, json_type_array))
    {
      json_object_put (messages);
      messages = json_object_new_array ();
    }
  if (own != NULL && json_object_is_type (own, json_type_array))
    for (size_t i = 0; i < json_object_array_length (own); i++)
      json_object_array_add (messages, json_object_get (json_object_array_get_idx (own, i)));
  else
    {
      json_object *m = json_object_new_object ();

      json_object_object_add (m, "role", json_object_new_string ("assistant"));
      json_object_object_add (m, "content",
                              json_object_new_string_len (item->text, (int) item->text_len));
      json_object_array_add (messages, m);
    }
  json_object_put (own);
  return messages;
}

typedef struct
{
  ArbTokenizeApi  api;
  gboolean        in_context;
  const char     *tokenizer;
  const char     *model;
} Form;

/* The body of one request and its cache key. @input is the text (alone), the templated
 * prompt (llama.cpp in context, second step) or NULL for the conversation of @item. */
static char *
build_request (const Form            *form,
               Step                   step,
               const ArbTokenizeItem *item,
               const char            *input,
               char                 **out_key)
{
  json_object *body = json_object_new_object ();
  json_object *identity = json_object_new_object ();
  json_object *in;
  g_autofree char *identity_json = NULL;

  if (form->api == ARB_TOKENIZE_API_LLAMA && step == STEP_TEMPLATE)
    {
      in = conversation (item);
      json_object_object_add (body, "messages", json_object_get (in));
    }
  else if (form->api == ARB_TOKENIZE_API_LLAMA)
    {
      /* In context the templated prompt is tokenised as llama.cpp tokenises a prompt: with
       * the BOS and with the template's special tokens parsed; alone, the text is only text. */
      in = json_object_new_string (input);
      json_object_object_add (body, "content", json_object_get (in));
      json_object_object_add (body, "add_special", json_object_new_boolean (form->in_context));
      json_object_object_add (body, "parse_special", json_object_new_boolean (form->in_context));
      json_object_object_add (body, "with_pieces", json_object_new_boolean (TRUE));
    }
  else
    {
      json_object_object_add (body, "model", json_object_new_string (form->model));
      if (form->in_context)
        {
          in = conversation (item);
          json_object_object_add (body, "messages", json_object_get (in));
          json_object_object_add (body, "add_generation_prompt", json_object_new_boolean (FALSE));
        }
      else
        {
          in = json_object_new_string_len (item->text, (int) item->text_len);
          json_object_object_add (body, "prompt", json_object_get (in));
        }
      /* A chat template writes its own BOS. */
      json_object_object_add (body, "add_special_tokens", json_object_new_boolean (FALSE));
      json_object_object_add (body, "return_token_strs", json_object_new_boolean (TRUE));
    }

  json_object_object_add (identity, "tokenizer", json_object_new_string (form->tokenizer));
  json_object_object_add (identity, "api", json_object_new_string (api_names[form->api]));
  json_object_object_add (identity, "context",
                          json_object_new_string (form->in_context ? "chat" : "alone"));
  json_object_object_add (identity, "step",
                          json_object_new_string (step == STEP_TEMPLATE ? "apply-template"
                                                                        : "tokenize"));
  json_object_object_add (identity, "input", in);
  identity_json = to_json (identity);
  *out_key = arb_judge_request_key (identity_json, 0);
  return to_json (body);
}

/* ---- answers ----------------------------------------------------------------------------- */

/* Why an answer is of no use. @protocol: the server cannot give what Arbiter needs at all (no
 * pieces), so the run stops rather than fail every generation the same way. */
typedef struct
{
  char     *message;
  gboolean  protocol;
} Trouble;

static gboolean
trouble (Trouble    *t,
         gboolean    protocol,
         const char *format,
         ...) G_GNUC_PRINTF (3, 4);

static gboolean
trouble (Trouble    *t,
         gboolean    protocol,
         const char *format,
         ...)
{
  va_list args;

  va_start (args, format);
  g_free (t->message);
  t->message = g_strdup_vprintf (format, args);
  t->protocol = protocol;
  va_end (args);
  return FALSE;
}

static gboolean
parse_template (const char  *body,
                char       **out_prompt,
                Trouble     *t)
{
  json_object *root = json_tokener_parse (body);
  json_object *prompt;
  gboolean ok = root != NULL &&
                json_object_object_get_ex (root, "prompt", &prompt) &&
                json_object_is_type (prompt, json_type_string);

  if (ok)
    *out_prompt = g_strndup (json_object_get_string (prompt), json_object_get_string_len (prompt));
  json_object_put (root);
  if (!ok)
    return trouble (t, FALSE, "the answer of /apply-template has no \"prompt\" string");
  return TRUE;
}

/* The ids and each token's piece from a /tokenize answer: @strs the strings (GBytes), @raw
 * whether each is already bytes (llama.cpp's list of byte values for a piece that is not
 * valid UTF-8). */
static gboolean
parse_tokens (ArbTokenizeApi     api,
              const char        *body,
              GArray            *ids,
              GPtrArray         *strs,
              GArray            *raw,
              Trouble           *t)
{
  json_object *root = json_tokener_parse (body);
  json_object *tokens = NULL, *token_strs = NULL;
  gboolean ok = FALSE;

  if (root == NULL || !json_object_object_get_ex (root, "tokens", &tokens) ||
      !json_object_is_type (tokens, json_type_array))
    {
      trouble (t, FALSE, "the answer of /tokenize has no \"tokens\" list");
      goto out;
    }
  if (api == ARB_TOKENIZE_API_VLLM &&
      (!json_object_object_get_ex (root, "token_strs", &token_strs) ||
       !json_object_is_type (token_strs, json_type_array)))
    {
      trouble (t, TRUE, "the server's /tokenize gives token ids without \"token_strs\", so the "
               "tokens cannot be placed in the text: Arbiter needs a vLLM whose /tokenize "
               "takes \"return_token_strs\"");
      goto out;
    }
  if (token_strs != NULL &&
      json_object_array_length (token_strs) != json_object_array_length (tokens))
    {
      trouble (t, FALSE, "the answer of /tokenize has %zu tokens but %zu token strings",
               json_object_array_length (tokens), json_object_array_length (token_strs));
      goto out;
    }
  for (size_t i = 0; i < json_object_array_length (tokens); i++)
    {
      json_object *tok = json_object_array_get_idx (tokens, i), *id = tok, *piece = NULL;
      gint64 value;

      if (api == ARB_TOKENIZE_API_LLAMA)
        {
          if (json_object_is_type (tok, json_type_int))
            {
              trouble (t, TRUE, "the server's /tokenize gives token ids without pieces, so the "
                       "tokens cannot be placed in the text: Arbiter needs a llama.cpp server "
                       "that answers \"with_pieces\" (from mid-2024 on)");
              goto out;
            }
          if (!json_object_object_get_ex (tok, "id", &id) ||
              !json_object_object_get_ex (tok, "piece", &piece))
            {
              trouble (t, FALSE, "token %zu of the answer has no \"id\" and \"piece\"", i);
              goto out;
            }
        }
      else
        piece = json_object_array_get_idx (token_strs, i);
      if (!json_object_is_type (id, json_type_int))
        {
          trouble (t, FALSE, "token %zu of the answer has an id that is not an integer", i);
          goto out;
        }
      value = json_object_get_int64 (id);
      g_array_append_val (ids, value);

      if (json_object_is_type (piece, json_type_string))
        {
          gboolean no = FALSE;

          g_ptr_array_add (strs, g_bytes_new (json_object_get_string (piece),
                                              json_object_get_string_len (piece)));
          g_array_append_val (raw, no);
        }
      else if (api == ARB_TOKENIZE_API_LLAMA && json_object_is_type (piece, json_type_array))
        {
          /* llama.cpp: a piece that is not valid UTF-8 comes as its byte values. */
          size_t n = json_object_array_length (piece);
          guint8 *bytes = g_malloc (n + 1);
          gboolean yes = TRUE;

          for (size_t b = 0; b < n; b++)
            {
              json_object *v = json_object_array_get_idx (piece, b);
              gint64 x = json_object_get_int64 (v);

              if (!json_object_is_type (v, json_type_int) || x < 0 || x > 255)
                {
                  g_free (bytes);
                  trouble (t, FALSE, "token %zu of the answer has a piece with a value that "
                           "is not a byte", i);
                  goto out;
                }
              bytes[b] = (guint8) x;
            }
          g_ptr_array_add (strs, g_bytes_new_take (bytes, n));
          g_array_append_val (raw, yes);
        }
      else
        {
          trouble (t, FALSE, "token %zu of the answer has a piece that is not a string", i);
          goto out;
        }
    }
  ok = TRUE;

out:
  json_object_put (root);
  return ok;
}

/* Each token's bytes in @encoding; NULL when a piece is not in it. */
static GPtrArray *
decode_pieces (GPtrArray        *strs,
               GArray           *raw,
               ArbPieceEncoding  encoding,
               guint            *out_bad)
{
  g_autoptr(GPtrArray) decoded = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  for (guint i = 0; i < strs->len; i++)
    {
      gsize len = 0;
      const char *data = g_bytes_get_data (g_ptr_array_index (strs, i), &len);

      g_byte_array_set_size (buf, 0);
      if (g_array_index (raw, gboolean, i))
        g_byte_array_append (buf, (const guint8 *) data, len);
      else if (!arb_piece_decode (len ? data : "", len, encoding, buf))
        {
          *out_bad = i;
          return NULL;
        }
      g_ptr_array_add (decoded, g_bytes_new (buf->data, buf->len));
    }
  return g_steal_pointer (&decoded);
}

/* ---- a run ------------------------------------------------------------------------------- */

/* One distinct request and the generations waiting for it (the same text, or the same
 * conversation, from several systems or prompts). */
typedef struct
{
  char           *key;
  Step            step;
  ArbHttpRequest *request;   /* owned by the stage's array */
  GPtrArray      *items;     /* ArbTokenizeItem*, borrowed from the page */
} Call;

static void
call_free (Call *c)
{
  g_free (c->key);
  g_ptr_array_unref (c->items);
  g_free (c);
}

typedef struct
{
  ArbWorkspace             *ws;
  Form                      form;
  ArbTokenizeResult         result;
  ArbHttpStats              before;      /* of the stages that ended */
  GPtrArray                *finished;    /* ArbHttpRequest*, borrowed, not yet written */
  GHashTable               *prompts;     /* ArbTokenizeItem* → templated prompt (llama.cpp) */
  ArbPieceEncoding          encoding;    /* vLLM: the encoding a tokenisation has shown */
  GError                   *stop;        /* a protocol error that ends the run */
  ArbTokenizeProgressFunc   progress;
  gpointer                  progress_data;
  gint64                    started;
} Run;

static void
add_stats (ArbHttpStats       *sum,
           const ArbHttpStats *a,
           const ArbHttpStats *b)
{
  sum->requests = a->requests + b->requests;
  sum->attempts = a->attempts + b->attempts;
  sum->answered = a->answered + b->answered;
  sum->given_up = a->given_up + b->given_up;
  sum->not_sent = a->not_sent + b->not_sent;
  sum->retries = a->retries + b->retries;
  sum->in_flight = b->in_flight;
  sum->waiting = b->waiting;
  sum->input_tokens = a->input_tokens + b->input_tokens;
  sum->output_tokens = a->output_tokens + b->output_tokens;
  sum->cost = a->cost + b->cost;
  sum->http_429 = a->http_429 + b->http_429;
  sum->http_5xx = a->http_5xx + b->http_5xx;
  sum->http_4xx = a->http_4xx + b->http_4xx;
  sum->timeouts = a->timeouts + b->timeouts;
  sum->transport = a->transport + b->transport;
  sum->bad_body = a->bad_body + b->bad_body;
}

static void
report (Run *run)
{
  run->result.seconds = (g_get_monotonic_time () - run->started) / 1e6;
  if (run->progress != NULL)
    run->progress (&run->result, run->progress_data);
}

static void
add_failure (Run                   *run,
             const ArbTokenizeItem *item,
             const char            *why)
{
  run->result.failed++;
  if (run->result.failures->len < MAX_FAILURES)
    g_ptr_array_add (run->result.failures,
                     g_strdup_printf ("generation %" G_GINT64_FORMAT ": %s", item->generation_id,
                                      why));
}

/* The tokenisation of @item from a /tokenize answer; NULL with @t when it is of no use. */
static ArbTokenization *
tokenization_from_answer (Run                   *run,
                          const ArbTokenizeItem *item,
                          const char            *body,
                          Trouble               *t)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) strs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) raw = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autoptr(GPtrArray) decoded = NULL;
  g_autoptr(GArray) ranges = NULL;
  g_autoptr(GError) mismatch = NULL;
  g_autoptr(ArbTokenization) tok = NULL;
  ArbPieceEncoding tried[5];
  guint n_tried = 0, bad = 0;

  if (!parse_tokens (run->form.api, body, ids, strs, raw, t))
    return NULL;

  /* llama.cpp's pieces are the bytes. vLLM's are vocabulary strings: the encoding guessed from
   * them first, then the one the run has seen, then the others; the text decides, since only
   * the right decoding reproduces it. */
  if (run->form.api == ARB_TOKENIZE_API_LLAMA)
    tried[n_tried++] = ARB_PIECES_TEXT;
  else
    {
      g_autofree const char **pieces = g_new0 (const char *, strs->len + 1);
      g_autoptr(GPtrArray) copies = g_ptr_array_new_with_free_func (g_free);
      ArbPieceEncoding order[5];

      for (guint i = 0; i < strs->len; i++)
        {
          gsize len;
          const char *data = g_bytes_get_data (g_ptr_array_index (strs, i), &len);
          char *copy = g_strndup (len ? data : "", len);

          g_ptr_array_add (copies, copy);
          pieces[i] = copy;
        }
      order[0] = arb_pieces_guess_encoding (pieces);
      order[1] = run->encoding;
      order[2] = ARB_PIECES_BYTE_LEVEL;
      order[3] = ARB_PIECES_SENTENCEPIECE;
      order[4] = ARB_PIECES_TEXT;
      for (guint i = 0; i < G_N_ELEMENTS (order); i++)
        {
          gboolean seen = order[i] == ARB_PIECES_AUTO;

          for (guint k = 0; k < n_tried && !seen; k++)
            seen = tried[k] == order[i];
          if (!seen)
            tried[n_tried++] = order[i];
        }
    }
  for (guint e = 0; e < n_tried && ranges == NULL; e++)
    {
      g_autoptr(GError) local = NULL;

      g_clear_pointer (&decoded, g_ptr_array_unref);
      decoded = decode_pieces (strs, raw, tried[e], &bad);
      if (decoded == NULL)
        continue;
      ranges = arb_tokens_align (item->text, item->text_len, decoded, &local);
      /* The first encoding's mismatch is the one to tell: the likeliest decoding. */
      if (ranges == NULL && mismatch == NULL)
        mismatch = g_steal_pointer (&local);
      if (ranges != NULL && run->form.api == ARB_TOKENIZE_API_VLLM &&
          tried[e] != ARB_PIECES_TEXT)
        run->encoding = tried[e];
    }
  if (ranges == NULL)
    {
      if (mismatch != NULL)
        trouble (t, FALSE, "%s", mismatch->message);
      else
        {
          gsize len;
          const char *data = g_bytes_get_data (g_ptr_array_index (strs, bad), &len);
          g_autofree char *shown = g_utf8_make_valid (data, MIN (len, 40));

          trouble (t, FALSE, "token %u's string \"%s\" is neither SentencePiece's nor "
                   "byte-level BPE's", bad, shown);
        }
      return NULL;
    }

  tok = arb_tokenization_new (run->form.tokenizer, item->generation_id, run->form.in_context);
  tok->pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < ids->len; i++)
    {
      ArbRange r = g_array_index (ranges, ArbRange, i);

      /* In context only the response's tokens are kept: those that overlap its text. */
      if (run->form.in_context && r.start >= r.end)
        continue;
      g_array_append_val (tok->ids, g_array_index (ids, gint64, i));
      g_array_append_val (tok->ranges, r);
      g_ptr_array_add (tok->pieces, g_bytes_ref (g_ptr_array_index (decoded, i)));
    }
  return g_steal_pointer (&tok);
}

/* What an answer gives the items of its call: the templated prompt (first step of llama.cpp
 * in context), or their tokenisations. FALSE with @t when it is of no use. */
static gboolean
read_answer (Run         *run,
             Call        *call,
             const char  *body,
             char       **out_prompt,
             GPtrArray  **out_tokenizations,
             Trouble     *t)
{
  g_autoptr(GPtrArray) toks = NULL;

  if (call->step == STEP_TEMPLATE)
    return parse_template (body, out_prompt, t);
  toks = g_ptr_array_new_with_free_func ((GDestroyNotify) arb_tokenization_free);
  for (guint i = 0; i < call->items->len; i++)
    {
      ArbTokenization *tok = tokenization_from_answer (run, g_ptr_array_index (call->items, i),
                                                       body, t);

      if (tok == NULL)
        return FALSE;
      g_ptr_array_add (toks, tok);
    }
  *out_tokenizations = g_steal_pointer (&toks);
  return TRUE;
}

/* Keeps what read_answer gave. In a transaction. */
static gboolean
write_answer (Run        *run,
              Call       *call,
              gint64      call_id,
              const char *prompt,
              GPtrArray  *toks,
              GError    **error)
{
  if (call->step == STEP_TEMPLATE)
    {
      for (guint i = 0; i < call->items->len; i++)
        g_hash_table_insert (run->prompts, g_ptr_array_index (call->items, i), g_strdup (prompt));
      return TRUE;
    }
  for (guint i = 0; i < toks->len; i++)
    {
      ArbTokenization *tok = g_ptr_array_index (toks, i);

      tok->call_id = call_id;
      if (!arb_tokenizations_store (run->ws, tok, error))
        return FALSE;
      run->result.tokenized++;
      run->result.tokens += tok->ids->len;
    }
  return TRUE;
}

static const char *
step_path (Step step)
{
  return step == STEP_TEMPLATE ? "/apply-template" : "/tokenize";
}

/* Writes the call of a request that ended. A reply that is of no use is stored without its
 * body and with why, so the next run asks again. */
static gboolean
store_call (Run             *run,
            Call            *call,
            ArbHttpRequest  *r,
            const char      *why,
            gint64          *out_id,
            GError         **error)
{
  ArbCallRecord rec = { 0 };

  rec.key = call->key;
  rec.kind = "tokenize";
  rec.model = run->form.tokenizer;
  rec.request = r->body;
  rec.response = why == NULL ? r->response : NULL;
  rec.error = why;
  rec.http_status = r->http_status;
  rec.attempts = r->attempts;
  rec.latency_ms = r->latency_ms;
  rec.input_tokens = -1;
  rec.output_tokens = -1;
  rec.cost = -1;
  *out_id = arb_calls_store (run->ws, &rec, error);
  return *out_id >= 0;
}

/* Writes the requests that ended since the last round, in one transaction. */
static gboolean
flush (Run     *run,
       GError **error)
{
  if (run->finished->len == 0)
    return TRUE;
  if (!arb_calls_begin (run->ws, error))
    return FALSE;
  for (guint i = 0; i < run->finished->len; i++)
    {
      ArbHttpRequest *r = g_ptr_array_index (run->finished, i);
      Call *call = r->user_data;
      Trouble t = { 0 };
      g_autofree char *prompt = NULL;
      g_autofree char *why = NULL;
      g_autoptr(GPtrArray) toks = NULL;
      gint64 call_id = -1;

      if (r->outcome == ARB_HTTP_NOT_SENT)
        continue;
      if (r->outcome == ARB_HTTP_ANSWERED &&
          read_answer (run, call, r->response, &prompt, &toks, &t))
        {
          if (!store_call (run, call, r, NULL, &call_id, error) ||
              !write_answer (run, call, call_id, prompt, toks, error))
            goto fail;
          continue;
        }
      if (r->outcome == ARB_HTTP_ANSWERED)
        why = g_strdup_printf ("%s answered, but %s", step_path (call->step), t.message);
      else
        why = g_strdup_printf ("%s gave no answer after %d attempt%s: %s",
                               step_path (call->step), r->attempts, r->attempts == 1 ? "" : "s",
                               r->error != NULL ? r->error : "no reply");
      if (t.protocol && run->stop == NULL)
        run->stop = g_error_new (ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_INVALID, "tokenizer %s: %s",
                                 run->form.tokenizer, t.message);
      g_free (t.message);
      if (!store_call (run, call, r, why, &call_id, error))
        goto fail;
      /* A server that cannot give pieces stops the run with one error, not a list of them. */
      for (guint k = 0; k < call->items->len; k++)
        if (!t.protocol)
          add_failure (run, g_ptr_array_index (call->items, k), why);
        else
          run->result.failed++;
    }
  g_ptr_array_set_size (run->finished, 0);
  return arb_calls_commit (run->ws, error);

fail:
  arb_calls_rollback (run->ws);
  g_ptr_array_set_size (run->finished, 0);
  return FALSE;
}

static void
on_done (ArbHttpRequest *request,
         gpointer        user_data)
{
  Run *run = user_data;

  g_ptr_array_add (run->finished, request);
}

static gboolean
on_tick (const ArbHttpStats  *stats,
         gpointer             user_data,
         GError             **error)
{
  Run *run = user_data;

  add_stats (&run->result.http, &run->before, stats);
  if (!flush (run, error))
    return FALSE;
  if (run->stop != NULL)
    {
      g_propagate_error (error, g_error_copy (run->stop));
      return FALSE;
    }
  report (run);
  return TRUE;
}

/* Sends @requests to @path of every endpoint and writes what comes back. */
static gboolean
send_requests (Run            *run,
               GPtrArray      *requests,
               const char     *path,
               ArbEndpoints   *eps,
               ArbHttpOptions *http,
               gint64         *budget,
               GCancellable   *cancellable,
               GError        **error)
{
  ArbHttpStats stats = { 0 };
  gboolean ok;

  arb_endpoints_set_urls (eps, url_for_path, (gpointer) path);
  http->retry_budget = *budget;
  ok = arb_http_run (http, requests, on_done, on_tick, run, &stats, cancellable, error);
  /* What was answered before a stop is kept. */
  if (!flush (run, ok ? error : NULL))
    ok = FALSE;
  stats.in_flight = 0;
  stats.waiting = 0;
  add_stats (&run->before, &run->before, &stats);
  run->result.http = run->before;
  if (*budget > 0)
    *budget = MAX (0, *budget - stats.retries);
  if (ok && run->stop != NULL)
    {
      g_propagate_error (error, g_error_copy (run->stop));
      ok = FALSE;
    }
  return ok;
}

/* One step for a page of generations: the answers in `calls` are used, the rest are sent. */
static gboolean
run_step (Run            *run,
          Step            step,
          GPtrArray      *items,
          ArbEndpoints   *eps,
          ArbHttpOptions *http,
          gint64         *budget,
          GCancellable   *cancellable,
          GError        **error)
{
  g_autoptr(GHashTable) calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) call_free);
  g_autoptr(GPtrArray) requests =
    g_ptr_array_new_with_free_func ((GDestroyNotify) arb_http_request_free);

  if (!arb_calls_begin (run->ws, error))
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      ArbTokenizeItem *item = g_ptr_array_index (items, i);
      const char *input = NULL;
      g_autofree char *key = NULL;
      g_autofree char *body = NULL;
      g_autofree char *response = NULL;
      g_autoptr(GError) local = NULL;
      gint64 call_id = -1;
      Call *call;

      /* Cached answers are written in short transactions, so an annotator's commit never
       * waits long behind the planning. */
      if (i > 0 && i % 256 == 0 &&
          (!arb_calls_commit (run->ws, error) ||
           g_cancellable_set_error_if_cancelled (cancellable, error) ||
           !arb_calls_begin (run->ws, error)))
        return FALSE;
      if (step == STEP_TOKENIZE && run->form.api == ARB_TOKENIZE_API_LLAMA)
        input = run->form.in_context ? g_hash_table_lookup (run->prompts, item) : item->text;
      body = build_request (&run->form, step, item, input, &key);
      if ((call = g_hash_table_lookup (calls, key)) != NULL)
        {
          g_ptr_array_add (call->items, item);
          continue;
        }
      call = g_new0 (Call, 1);
      call->key = g_steal_pointer (&key);
      call->step = step;
      call->items = g_ptr_array_new ();
      g_ptr_array_add (call->items, item);

      response = arb_calls_lookup_answered (run->ws, call->key, &call_id, &local);
      if (local != NULL)
        {
          call_free (call);
          g_propagate_error (error, g_steal_pointer (&local));
          goto fail;
        }
      if (response != NULL)
        {
          Trouble t = { 0 };
          g_autofree char *prompt = NULL;
          g_autoptr(GPtrArray) toks = NULL;

          if (read_answer (run, call, response, &prompt, &toks, &t))
            {
              gboolean ok = write_answer (run, call, call_id, prompt, toks, error);

              if (step == STEP_TOKENIZE)
                run->result.cached++;
              call_free (call);
              if (!ok)
                goto fail;
              continue;
            }
          /* An answer this version cannot use is asked for again. */
          g_free (t.message);
        }
      call->request = arb_http_request_new (g_steal_pointer (&body), call);
      call->request->estimated_input = strlen (call->request->body) / 4 + 8;
      g_hash_table_insert (calls, call->key, call);
      g_ptr_array_add (requests, call->request);
    }
  if (!arb_calls_commit (run->ws, error))
    return FALSE;
  run->result.to_send += requests->len;
  report (run);
  if (requests->len == 0)
    return TRUE;
  return send_requests (run, requests, step_path (step), eps, http, budget, cancellable, error);

fail:
  arb_calls_rollback (run->ws);
  return FALSE;
}

/* Tokenises a page of generations. */
static gboolean
run_page (Run            *run,
          GPtrArray      *page,
          ArbEndpoints   *eps,
          ArbHttpOptions *http,
          gint64         *budget,
          GCancellable   *cancellable,
          GError        **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  gboolean ok;

  /* An empty text has no tokens: nothing to ask. */
  if (!arb_calls_begin (run->ws, error))
    return FALSE;
  for (guint i = 0; i < page->len; i++)
    {
      ArbTokenizeItem *item = g_ptr_array_index (page, i);

      if (item->text_len > 0)
        g_ptr_array_add (items, item);
      else
        {
          g_autoptr(ArbTokenization) tok = arb_tokenization_new (run->form.tokenizer,
                                                                 item->generation_id,
                                                                 run->form.in_context);

          tok->pieces = g_ptr_array_new ();
          if (!arb_tokenizations_store (run->ws, tok, error))
            {
              arb_calls_rollback (run->ws);
              return FALSE;
            }
          run->result.tokenized++;
        }
    }
  if (!arb_calls_commit (run->ws, error))
    return FALSE;

  if (run->form.api == ARB_TOKENIZE_API_LLAMA && run->form.in_context)
    {
      g_autoptr(GPtrArray) templated = g_ptr_array_new ();

      if (!run_step (run, STEP_TEMPLATE, items, eps, http, budget, cancellable, error))
        return FALSE;
      for (guint i = 0; i < items->len; i++)
        if (g_hash_table_contains (run->prompts, g_ptr_array_index (items, i)))
          g_ptr_array_add (templated, g_ptr_array_index (items, i));
      ok = run_step (run, STEP_TOKENIZE, templated, eps, http, budget, cancellable, error);
    }
  else
    ok = run_step (run, STEP_TOKENIZE, items, eps, http, budget, cancellable, error);
  g_hash_table_remove_all (run->prompts);
  return ok;
}

static void
on_probe_done (ArbHttpRequest *request,
               gpointer        user_data)
{
  /* The probe reads its one request's outcome once the engine has returned. */
}

/* Whether the server applies the chat template: one generation's first request in context.
 * Its answer is kept in `calls` (the run then finds it there); a 4xx says no. */
static gboolean
probe_chat (Run            *run,
            ArbEndpoints   *eps,
            ArbHttpOptions *http,
            gint64         *budget,
            GCancellable   *cancellable,
            gboolean       *out_chat,
            GError        **error)
{
  g_autoptr(GPtrArray) first = arb_tokenizations_list_missing (run->ws, run->form.tokenizer, TRUE,
                                                               -1, 1, error);
  g_autoptr(GPtrArray) requests =
    g_ptr_array_new_with_free_func ((GDestroyNotify) arb_http_request_free);
  g_autofree char *response = NULL;
  g_autoptr(GError) local = NULL;
  Form form = run->form;
  Step step = run->form.api == ARB_TOKENIZE_API_LLAMA ? STEP_TEMPLATE : STEP_TOKENIZE;
  ArbHttpStats stats = { 0 };
  ArbHttpRequest *r;
  Call call = { 0 };
  gint64 call_id;
  gboolean ok;

  if (first == NULL)
    return FALSE;
  *out_chat = TRUE;
  if (first->len == 0)
    return TRUE;
  form.in_context = TRUE;
  r = arb_http_request_new (build_request (&form, step, g_ptr_array_index (first, 0), NULL,
                                           &call.key), &call);
  g_ptr_array_add (requests, r);
  call.step = step;
  response = arb_calls_lookup_answered (run->ws, call.key, &call_id, &local);
  if (local != NULL)
    {
      g_free (call.key);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (response != NULL)
    {
      g_free (call.key);
      return TRUE;
    }

  arb_endpoints_set_urls (eps, url_for_path, (gpointer) step_path (step));
  http->retry_budget = *budget;
  ok = arb_http_run (http, requests, on_probe_done, NULL, NULL, &stats, cancellable, error);
  add_stats (&run->before, &run->before, &stats);
  run->result.http = run->before;
  run->result.to_send++;
  if (*budget > 0)
    *budget = MAX (0, *budget - stats.retries);
  if (ok && r->outcome == ARB_HTTP_ANSWERED)
    ok = arb_calls_begin (run->ws, error) &&
         store_call (run, &call, r, NULL, &call_id, error) &&
         arb_calls_commit (run->ws, error);
  else if (ok && (r->http_status == 400 || r->http_status == 404 || r->http_status == 405 ||
                  r->http_status == 422 || r->http_status == 501))
    {
      g_autofree char *why = g_strdup_printf ("%s: HTTP %d, no chat template",
                                              step_path (step), r->http_status);

      *out_chat = FALSE;
      ok = arb_calls_begin (run->ws, error) &&
           store_call (run, &call, r, why, &call_id, error) &&
           arb_calls_commit (run->ws, error);
    }
  else if (ok)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_INVALID,
                   "could not tell whether the server applies the chat template: %s gave no "
                   "answer after %d attempt%s (%s); give --context alone or --context chat",
                   step_path (step), r->attempts, r->attempts == 1 ? "" : "s",
                   r->error != NULL ? r->error : "no reply");
      ok = FALSE;
    }
  g_free (call.key);
  return ok;
}

/**
 * arb_tokenize_run:
 * @out_result: (out caller-allocates): counts; clear with arb_tokenize_result_clear
 *
 * Tokenises every visible text generation of @ws that has no tokenisation by this tokenizer in
 * this context (see the file comment). A generation whose request failed, or whose answer was
 * of no use (tokens that do not reproduce its text), is counted as failed, listed with why, and
 * tried again by the next run; answered ones never are.
 *
 * Returns: FALSE when the run could not complete (cancelled, a server that gives no pieces, a
 *   storage error, bad options); what was tokenised until then is kept
 */
gboolean
arb_tokenize_run (ArbWorkspace              *ws,
                  const ArbTokenizeOptions  *options,
                  ArbTokenizeProgressFunc    progress,
                  gpointer                   user_data,
                  ArbTokenizeResult         *out_result,
                  GCancellable              *cancellable,
                  GError                   **error)
{
  g_autoptr(ArbEndpoints) eps = NULL;
  const char *api_key = NULL;
  ArbHttpOptions http = { 0 };
  Run run = { 0 };
  gint64 budget, after = -1, tokenized = 0;
  gboolean ok = FALSE, in_context = FALSE;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  run.started = g_get_monotonic_time ();
  run.ws = ws;
  run.progress = progress;
  run.progress_data = user_data;
  run.finished = g_ptr_array_new ();
  run.prompts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  run.encoding = ARB_PIECES_AUTO;
  run.result.tokenizer = g_strdup (options->tokenizer);
  run.result.failures = g_ptr_array_new_with_free_func (g_free);
  run.form.api = options->api;
  run.form.tokenizer = options->tokenizer;
  run.form.model = options->model != NULL && *options->model != '\0' ? options->model
                                                                      : options->tokenizer;

  if (options->tokenizer == NULL || *options->tokenizer == '\0')
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_INVALID,
                   "name the tokenizer (for example meta-llama/Llama-3.1-8B-Instruct)");
      goto out;
    }
  if (options->n_endpoints == 0)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_INVALID, "no endpoint to send to");
      goto out;
    }
  if (options->api_key_env != NULL &&
      (api_key = arb_endpoints_env_key (options->api_key_env, error)) == NULL)
    goto out;
  eps = arb_endpoints_resolve (options->endpoints, options->n_endpoints, api_key,
                               options->concurrency, options->rpm, 0, url_for_path,
                               (gpointer) "/tokenize", error);
  if (eps == NULL)
    goto out;
  http.endpoints = eps->endpoints;
  http.n_endpoints = eps->n_endpoints;
  http.timeout = options->timeout > 0 ? options->timeout : 120;
  http.max_attempts = options->max_attempts > 0 ? options->max_attempts : 6;
  http.backoff_base = options->backoff_base > 0 ? options->backoff_base : 0.5;
  http.backoff_max = 30;

  /* One retry per request by default, over the whole run. */
  {
    gint64 n = 0, done_alone = 0, done_chat = 0;

    if (!arb_tokenizations_count (ws, options->tokenizer, FALSE, &n, &done_alone, error) ||
        !arb_tokenizations_count (ws, options->tokenizer, TRUE, &n, &done_chat, error))
      goto out;
    budget = options->retry_budget != 0 ? options->retry_budget
                                        : MAX (20, 2 * (n - MIN (done_alone, done_chat)));
  }

  if (options->context == ARB_TOKENIZE_CONTEXT_AUTO)
    {
      gboolean has_alone = FALSE, has_chat = FALSE;

      /* What this tokenizer did before decides, so a rerun asks nothing; else the server. */
      if (!arb_tokenizations_modes (ws, options->tokenizer, &has_alone, &has_chat, error))
        goto out;
      if (has_chat || has_alone)
        in_context = has_chat;
      else
        {
          if (!probe_chat (&run, eps, &http, &budget, cancellable, &in_context, error))
            goto out;
          run.result.fell_back = !in_context;
        }
    }
  else
    in_context = options->context == ARB_TOKENIZE_CONTEXT_CHAT;
  run.form.in_context = in_context;
  run.result.in_context = in_context;
  if (!arb_tokenizations_count (ws, options->tokenizer, in_context, &run.result.generations,
                                &tokenized, error))
    goto out;
  run.result.settled = tokenized;
  report (&run);

  for (;;)
    {
      g_autoptr(GPtrArray) page = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      page = arb_tokenizations_list_missing (ws, options->tokenizer, in_context, after,
                                             PAGE_SIZE, error);
      if (page == NULL)
        goto out;
      if (page->len == 0)
        break;
      after = ((ArbTokenizeItem *) g_ptr_array_index (page, page->len - 1))->generation_id;
      if (!run_page (&run, page, eps, &http, &budget, cancellable, error))
        goto out;
    }
  ok = TRUE;

out:
  run.result.http.in_flight = 0;
  run.result.http.waiting = 0;
  run.result.seconds = (g_get_monotonic_time () - run.started) / 1e6;
  if (out_result != NULL)
    *out_result = run.result;
  else
    arb_tokenize_result_clear (&run.result);
  g_ptr_array_unref (run.finished);
  g_hash_table_unref (run.prompts);
  g_clear_error (&run.stop);
  return ok;
}
