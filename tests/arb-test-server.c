/* arb-test-server.c: a loopback OpenAI-compatible chat server with scripted answers and faults
 *
 * Usage: arb-test-server [--fault-rate R] [--faults KIND,...] [--stall S] [--retry-after S]
 *                        [--delay MS] [--api-key-env VAR] [--log FILE] [--log-times]
 *                        [--exit-with-stdin] [--no-pieces] [--no-chat-template]
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
 * And a tokenizer (see "a tokenizer" below): POST /tokenize in llama.cpp's form ("content",
 * pieces with "with_pieces") and in vLLM's ("prompt" or chat "messages", token strings with
 * "return_token_strs"), and llama.cpp's POST /apply-template. Its vocabulary is deterministic
 * and realistic: words with their leading space, long words in chunks, punctuation alone,
 * newlines alone, some non-ASCII characters split into byte-fallback tokens (two or three
 * tokens for one character), a BOS token when add_special asks. vLLM's token strings are
 * SentencePiece's ("▁", "<0xE2>") when the model's name says sentencepiece, llama-2 or
 * mistral, else byte-level BPE's ("Ġ", "Ċ"); the chat template is Llama 3's, or Mistral's for
 * the SentencePiece vocabulary (see apply_template). --no-pieces plays a server too old to give
 * pieces or token strings, --no-chat-template one that cannot apply a chat template.
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
#include <json.h>

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
static gboolean no_pieces = FALSE;    /* play a server too old for pieces and token strings */
static gboolean no_chat_template = FALSE; /* play a model without a chat template */

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

/* ---- a tokenizer ---------------------------------------------------------------------------
 *
 * Pre-tokens in the manner of GPT-2's and SentencePiece's vocabularies: a word (letters, digits,
 * marks) takes the one space before it; a word of more than six characters goes in chunks of
 * four; each punctuation mark or symbol is a token (with the space before it); each newline,
 * tab or carriage return is a token; spaces before a space or a line break are one token. A
 * non-ASCII character whose code point is a multiple of three is "not in the vocabulary": it
 * is split into byte tokens — SentencePiece's byte fallback, one byte a token ("<0xE2>"); the
 * byte-level vocabularies' partial merges, two tokens of two bytes for four bytes, 2 + 1 or
 * 1 + 1 + 1 bytes for three, 1 + 1 for two. */

typedef enum
{
  VOCAB_LLAMA,           /* llama.cpp with a Llama-3 model: pieces are the bytes */
  VOCAB_SENTENCEPIECE,   /* vLLM with a SentencePiece model: "▁", "<0xNN>", a dummy prefix */
  VOCAB_BYTE_LEVEL,      /* vLLM with a byte-level BPE model: GPT-2's byte-to-unicode map */
} Vocab;

typedef struct
{
  gint64   id;
  GString *bytes;
  gboolean special;
  gboolean byte_fallback;   /* a byte token (SentencePiece writes it "<0xNN>") */
} Token;

static void
token_free (Token *t)
{
  g_string_free (t->bytes, TRUE);
  g_free (t);
}

static const char *const specials[] = {
  "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<s>", "</s>",
};
static const gint64 special_ids[] = { 128000, 128006, 128007, 128009, 1, 2 };

static void
emit (GPtrArray  *out,
      Vocab       vocab,
      const char *data,
      gsize       len,
      gboolean    byte_fallback)
{
  Token *t = g_new0 (Token, 1);

  t->bytes = g_string_new_len (data, len);
  t->byte_fallback = byte_fallback;
  if (len == 1)
    t->id = vocab == VOCAB_SENTENCEPIECE ? 3 + (guint8) data[0] : (guint8) data[0];
  else
    t->id = 259 + (gint64) (hash_u64 (data, len, NULL) % 31000);
  g_ptr_array_add (out, t);
}

static void
emit_special (GPtrArray *out,
              Vocab      vocab,
              guint      which)
{
  Token *t = g_new0 (Token, 1);

  t->special = TRUE;
  if (which == 0 && vocab == VOCAB_SENTENCEPIECE)
    {
      t->bytes = g_string_new ("<s>");
      t->id = 1;
    }
  else
    {
      t->bytes = g_string_new (specials[which]);
      t->id = special_ids[which];
    }
  g_ptr_array_add (out, t);
}

static gboolean
out_of_vocabulary (gunichar c)
{
  return c >= 0x80 && c % 3 == 0;
}

static gboolean
word_char (gunichar c)
{
  return c < 0x80 ? g_ascii_isalnum (c) : (g_unichar_isalnum (c) || g_unichar_ismark (c));
}

/* A character out of the vocabulary, as byte tokens. */
static void
emit_split (GPtrArray  *out,
            Vocab       vocab,
            const char *p,
            gsize       n,
            gunichar    c)
{
  if (vocab == VOCAB_SENTENCEPIECE || n == 2 || (n == 3 && c % 2 == 0))
    for (gsize b = 0; b < n; b++)
      emit (out, vocab, p + b, 1, TRUE);
  else if (n == 3)
    {
      emit (out, vocab, p, 2, FALSE);
      emit (out, vocab, p + 2, 1, TRUE);
    }
  else
    {
      emit (out, vocab, p, n / 2, FALSE);
      emit (out, vocab, p + n / 2, n - n / 2, FALSE);
    }
}

static void
emit_word (GPtrArray  *out,
           Vocab       vocab,
           const char *word,
           gsize       len,
           gboolean    lead)
{
  g_autoptr(GString) chunk = g_string_new (lead ? " " : "");
  glong n = g_utf8_strlen (word, len);
  int in_chunk = 0;

  for (const char *p = word; p < word + len; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gsize clen = g_utf8_next_char (p) - p;

      if (out_of_vocabulary (c))
        {
          if (chunk->len > 0)
            emit (out, vocab, chunk->str, chunk->len, FALSE);
          g_string_truncate (chunk, 0);
          in_chunk = 0;
          emit_split (out, vocab, p, clen, c);
          continue;
        }
      g_string_append_len (chunk, p, clen);
      if (n > 6 && ++in_chunk == 4)
        {
          emit (out, vocab, chunk->str, chunk->len, FALSE);
          g_string_truncate (chunk, 0);
          in_chunk = 0;
        }
    }
  if (chunk->len > 0)
    emit (out, vocab, chunk->str, chunk->len, FALSE);
}

/* Text without special tokens. @dummy_prefix: SentencePiece's space in front of the text. */
static void
tokenize_plain (GPtrArray  *out,
                Vocab       vocab,
                const char *text,
                gsize       len,
                gboolean    dummy_prefix)
{
  gboolean space = dummy_prefix;   /* a space that leads the next word or mark */
  gsize i = 0;

  while (i < len)
    {
      const char *p = text + i;
      gunichar c = g_utf8_get_char_validated (p, len - i);
      gsize clen;

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Not UTF-8 (never from Arbiter): one byte a token. */
          emit (out, vocab, p, 1, TRUE);
          i++;
          continue;
        }
      clen = g_utf8_next_char (p) - p;
      if (c == ' ')
        {
          gsize j = i;

          while (j < len && text[j] == ' ')
            j++;
          if (space)
            emit (out, vocab, " ", 1, FALSE);
          space = FALSE;
          if (j < len && !g_unichar_isspace (g_utf8_get_char (text + j)))
            {
              if (j - i > 1)
                emit (out, vocab, p, j - i - 1, FALSE);
              space = TRUE;
            }
          else
            emit (out, vocab, p, j - i, FALSE);
          i = j;
        }
      else if (g_unichar_isspace (c))
        {
          if (space)
            emit (out, vocab, " ", 1, FALSE);
          space = FALSE;
          emit (out, vocab, p, clen, clen == 1);
          i += clen;
        }
      else if (word_char (c))
        {
          gsize j = i;

          while (j < len && word_char (g_utf8_get_char (text + j)))
            j = g_utf8_next_char (text + j) - text;
          emit_word (out, vocab, p, j - i, space);
          space = FALSE;
          i = j;
        }
      else
        {
          if (out_of_vocabulary (c))
            {
              if (space)
                emit (out, vocab, " ", 1, FALSE);
              emit_split (out, vocab, p, clen, c);
            }
          else
            {
              g_autofree char *mark = g_strdup_printf ("%s%.*s", space ? " " : "", (int) clen, p);

              emit (out, vocab, mark, strlen (mark), FALSE);
            }
          space = FALSE;
          i += clen;
        }
    }
  if (space)
    emit (out, vocab, " ", 1, FALSE);
}

/* Text in which the special tokens' names are special tokens (a templated prompt). */
static void
tokenize_text (GPtrArray  *out,
               Vocab       vocab,
               const char *text,
               gsize       len,
               gboolean    parse_special)
{
  gsize i = 0, start = 0;

  while (parse_special && i < len)
    {
      guint k;

      for (k = 0; k < G_N_ELEMENTS (specials); k++)
        if (len - i >= strlen (specials[k]) &&
            memcmp (text + i, specials[k], strlen (specials[k])) == 0)
          break;
      if (k == G_N_ELEMENTS (specials))
        {
          i++;
          continue;
        }
      if (i > start)
        tokenize_plain (out, vocab, text + start, i - start,
                        vocab == VOCAB_SENTENCEPIECE && start == 0);
      emit_special (out, vocab, k);
      i += strlen (specials[k]);
      start = i;
    }
  if (len > start)
    tokenize_plain (out, vocab, text + start, len - start,
                    vocab == VOCAB_SENTENCEPIECE && start == 0);
}

/* GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for U+0100 on. */
static gunichar
byte_to_unicode (guint8 b)
{
  int n = 0;

  if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)
    return b;
  for (int x = 0; x < b; x++)
    if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || x >= 174))
      n++;
  return 256 + n;
}

/* vLLM's token string of a token. */
static char *
token_str (const Token *t,
           Vocab        vocab)
{
  GString *s = g_string_new (NULL);

  if (t->special)
    g_string_append_len (s, t->bytes->str, t->bytes->len);
  else if (vocab == VOCAB_SENTENCEPIECE && t->byte_fallback)
    for (gsize b = 0; b < t->bytes->len; b++)
      g_string_append_printf (s, "<0x%02X>", (guint8) t->bytes->str[b]);
  else if (vocab == VOCAB_SENTENCEPIECE)
    for (gsize b = 0; b < t->bytes->len; b++)
      {
        if (t->bytes->str[b] == ' ')
          g_string_append (s, "\xe2\x96\x81");
        else
          g_string_append_c (s, t->bytes->str[b]);
      }
  else
    for (gsize b = 0; b < t->bytes->len; b++)
      g_string_append_unichar (s, byte_to_unicode ((guint8) t->bytes->str[b]));
  return g_string_free (s, FALSE);
}

static const char *
json_str (json_object *o,
          const char  *key)
{
  json_object *v;

  return json_object_object_get_ex (o, key, &v) && json_object_is_type (v, json_type_string)
           ? json_object_get_string (v) : NULL;
}

static gboolean
json_flag (json_object *o,
           const char  *key,
           gboolean     fallback)
{
  json_object *v;

  return json_object_object_get_ex (o, key, &v) ? json_object_get_boolean (v) : fallback;
}

/* The server's chat template: Llama 3's, each message between headers and ended by <|eot_id|>;
 * for the SentencePiece vocabulary Mistral's, "<s>[INST] question [/INST] answer</s>", where the
 * answer's first word takes the template's space into its token ("▁Hello" straddles the start
 * of the response). llama.cpp's /apply-template leaves out the BOS and continues a final
 * assistant message (prefill); vLLM's template starts with the BOS. NULL when @messages is not
 * a list of messages with string roles and contents. */
static char *
apply_template (json_object *messages,
                gboolean     mistral,
                gboolean     bos,
                gboolean     prefill,
                gboolean     generation_prompt)
{
  GString *s = g_string_new (!bos ? "" : mistral ? "<s>" : specials[0]);
  size_t n;

  if (messages == NULL || !json_object_is_type (messages, json_type_array))
    return g_string_free (s, TRUE), NULL;
  n = json_object_array_length (messages);
  for (size_t i = 0; i < n; i++)
    {
      json_object *m = json_object_array_get_idx (messages, i);
      const char *role = json_str (m, "role"), *content = json_str (m, "content");
      json_object *cv;

      if (role == NULL || content == NULL)
        return g_string_free (s, TRUE), NULL;
      json_object_object_get_ex (m, "content", &cv);
      if (mistral && g_str_equal (role, "assistant"))
        {
          g_string_append_c (s, ' ');
          g_string_append_len (s, content, json_object_get_string_len (cv));
          g_string_append (s, "</s>");
          continue;
        }
      if (mistral)
        {
          g_string_append (s, "[INST] ");
          g_string_append_len (s, content, json_object_get_string_len (cv));
          g_string_append (s, " [/INST]");
          continue;
        }
      g_string_append_printf (s, "%s%s%s\n\n", specials[1], role, specials[2]);
      g_string_append_len (s, content, json_object_get_string_len (cv));
      if (!(prefill && i == n - 1 && g_str_equal (role, "assistant")))
        g_string_append (s, specials[3]);
    }
  if (generation_prompt && !mistral)
    g_string_append_printf (s, "%sassistant%s\n\n", specials[1], specials[2]);
  return g_string_free (s, FALSE);
}

static Vocab
vocab_of_model (const char *model)
{
  g_autofree char *lower = g_ascii_strdown (model != NULL ? model : "", -1);

  if (strstr (lower, "sentencepiece") != NULL || strstr (lower, "llama-2") != NULL ||
      strstr (lower, "mistral") != NULL)
    return VOCAB_SENTENCEPIECE;
  return VOCAB_BYTE_LEVEL;
}

static char *
json_body (json_object *o)
{
  char *body = g_strdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));

  json_object_put (o);
  return body;
}

/* The answer of /tokenize or /apply-template; *@out_status 400 with an error body when the
 * request is not one. @empty: a well-formed body without tokens (the "noverdict" fault). */
static char *
tokenizer_body (const char *path,
                const char *body,
                gboolean    empty,
                int        *out_status)
{
  json_object *req = json_tokener_parse (body);
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) token_free);
  json_object *messages = NULL, *out;
  const char *content;
  char *error = NULL;

  *out_status = 200;
  if (req == NULL || !json_object_is_type (req, json_type_object))
    error = g_strdup ("the body is not a JSON object");
  else if (g_str_equal (path, "/apply-template"))
    {
      char *prompt;

      json_object_object_get_ex (req, "messages", &messages);
      prompt = apply_template (messages, FALSE, FALSE, TRUE, FALSE);
      if (prompt == NULL)
        error = g_strdup ("\"messages\" must be a list of messages");
      else
        {
          out = json_object_new_object ();
          if (!empty)
            json_object_object_add (out, "prompt", json_object_new_string (prompt));
          g_free (prompt);
          json_object_put (req);
          return json_body (out);
        }
    }
  else if ((content = json_str (req, "content")) != NULL)
    {
      /* llama.cpp */
      json_object *cv;

      json_object_object_get_ex (req, "content", &cv);
      if (json_flag (req, "add_special", FALSE))
        emit_special (tokens, VOCAB_LLAMA, 0);
      tokenize_text (tokens, VOCAB_LLAMA, content, json_object_get_string_len (cv),
                     json_flag (req, "parse_special", TRUE));
      out = json_object_new_object ();
      json_object *list = json_object_new_array ();

      for (guint i = 0; i < tokens->len && !empty; i++)
        {
          Token *t = g_ptr_array_index (tokens, i);

          if (no_pieces || !json_flag (req, "with_pieces", FALSE))
            json_object_array_add (list, json_object_new_int64 (t->id));
          else
            {
              json_object *o = json_object_new_object ();

              json_object_object_add (o, "id", json_object_new_int64 (t->id));
              if (g_utf8_validate_len (t->bytes->str, t->bytes->len, NULL))
                json_object_object_add (o, "piece",
                                        json_object_new_string_len (t->bytes->str,
                                                                    t->bytes->len));
              else
                {
                  json_object *bytes = json_object_new_array ();

                  for (gsize b = 0; b < t->bytes->len; b++)
                    json_object_array_add (bytes,
                                           json_object_new_int ((guint8) t->bytes->str[b]));
                  json_object_object_add (o, "piece", bytes);
                }
              json_object_array_add (list, o);
            }
        }
      json_object_object_add (out, "tokens", list);
      json_object_put (req);
      return json_body (out);
    }
  else if (json_str (req, "prompt") != NULL ||
           json_object_object_get_ex (req, "messages", &messages))
    {
      /* vLLM */
      Vocab vocab = vocab_of_model (json_str (req, "model"));
      g_autofree char *text = NULL;
      gsize len;
      json_object *ids = json_object_new_array (), *strs = json_object_new_array ();

      if (messages != NULL)
        {
          if (no_chat_template)
            error = g_strdup ("As of transformers v4.44, default chat template is no longer "
                              "allowed, so you must provide a chat template if the tokenizer "
                              "does not define one.");
          else if ((text = apply_template (messages, vocab == VOCAB_SENTENCEPIECE, TRUE, FALSE,
                                           json_flag (req, "add_generation_prompt", TRUE))) == NULL)
            error = g_strdup ("\"messages\" must be a list of messages");
          if (text != NULL && json_flag (req, "add_special_tokens", FALSE))
            emit_special (tokens, vocab, 0);
          if (text != NULL)
            tokenize_text (tokens, vocab, text, strlen (text), TRUE);
        }
      else
        {
          json_object *pv;

          json_object_object_get_ex (req, "prompt", &pv);
          if (json_flag (req, "add_special_tokens", TRUE))
            emit_special (tokens, vocab, 0);
          text = g_strdup (json_object_get_string (pv));
          len = json_object_get_string_len (pv);
          tokenize_text (tokens, vocab, text, len, TRUE);
        }
      if (error == NULL)
        {
          out = json_object_new_object ();
          for (guint i = 0; i < tokens->len && !empty; i++)
            {
              Token *t = g_ptr_array_index (tokens, i);
              g_autofree char *str = token_str (t, vocab);

              json_object_array_add (ids, json_object_new_int64 (t->id));
              json_object_array_add (strs, json_object_new_string (str));
            }
          json_object_object_add (out, "count", json_object_new_int (empty ? 0 : tokens->len));
          json_object_object_add (out, "max_model_len", json_object_new_int (8192));
          json_object_object_add (out, "tokens", ids);
          if (!no_pieces && json_flag (req, "return_token_strs", FALSE))
            json_object_object_add (out, "token_strs", strs);
          else
            json_object_put (strs);
          json_object_put (req);
          return json_body (out);
        }
      json_object_put (ids);
      json_object_put (strs);
    }
  else
    error = g_strdup ("give \"content\" (llama.cpp), or \"prompt\" or \"messages\" (vLLM)");

  json_object_put (req);
  *out_status = 400;
  out = json_object_new_object ();
  {
    json_object *e = json_object_new_object ();

    json_object_object_add (e, "message", json_object_new_string (error));
    json_object_object_add (e, "code", json_object_new_int (400));
    json_object_object_add (out, "error", e);
  }
  g_free (error);
  return json_body (out);
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
  gboolean tokenizer = g_str_equal (path, "/tokenize") || g_str_equal (path, "/apply-template");
  g_autofree char *good = NULL;   /* the answer's body */
  g_autofree char *empty = NULL;  /* a body without a verdict or score */
  int good_status = 200;

  if ((!chat && !tokenizer && !g_str_equal (path, "/pooling") &&
       !g_str_equal (path, "/classify") && !g_str_equal (path, "/predict")) ||
      (no_chat_template && g_str_equal (path, "/apply-template")))
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
  else if (tokenizer)
    {
      int ignored;

      good = tokenizer_body (path, body, FALSE, &good_status);
      empty = tokenizer_body (path, body, TRUE, &ignored);
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
      if (good_status != 200)
        return send_response (fd, good_status, "Bad Request", NULL, good, strlen (good),
                              strlen (good));
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
    { "no-pieces", 0, 0, G_OPTION_ARG_NONE, &no_pieces, "Tokenize without pieces or token strings, as older servers", NULL },
    { "no-chat-template", 0, 0, G_OPTION_ARG_NONE, &no_chat_template, "Have no chat template: 404 on /apply-template, 400 on vLLM's messages", NULL },
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
