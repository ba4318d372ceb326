/* arb-import-formats.c: what each import format's records mean
 *
 * Each reader turns one JSON record into prompts, generations, comparisons and verdicts through
 * the sink in arb-import.c, which deduplicates by natural key and orients every pair.
 * docs/formats.md describes the formats.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "arb-import-private.h"

static gboolean
has_key (json_object *record,
         const char  *key)
{
  return json_object_object_get_ex (record, key, NULL);
}

static json_object *
get (json_object *record,
     const char  *key)
{
  json_object *value = NULL;

  json_object_object_get_ex (record, key, &value);
  return value;
}

static gboolean
is_type (json_object *value,
         json_type    type)
{
  return value != NULL && json_object_get_type (value) == type;
}

static gboolean
is_number (json_object *value)
{
  return is_type (value, json_type_int) || is_type (value, json_type_double);
}

static const char *
string_or_null (json_object *value)
{
  return is_type (value, json_type_string) ? json_object_get_string (value) : NULL;
}

static const char *pandalm_result_key (json_object *record);

ArbImportFormat
_arb_import_detect (json_object *record)
{
  json_object *chosen = get (record, "chosen");

  if (has_key (record, "feedback") && has_key (record, "prediction 1"))
    return ARB_IMPORT_FORMAT_FINEGRAINED_RLHF;
  if (has_key (record, "steps") && has_key (record, "mistake_index"))
    return ARB_IMPORT_FORMAT_BIGBENCH_MISTAKE;
  if (has_key (record, "labeler") && has_key (record, "label") && has_key (record, "question"))
    return ARB_IMPORT_FORMAT_PRM800K;
  if (has_key (record, "responses"))
    return ARB_IMPORT_FORMAT_ARBITER;
  if (has_key (record, "model_a") && has_key (record, "model_b") && has_key (record, "winner"))
    return ARB_IMPORT_FORMAT_ARENA_BATTLES;
  /* LLMBar's pairs have output_1 and output_2 as AlpacaEval's annotations do, but an "input"
   * and a "label" instead of an "instruction". */
  if (has_key (record, "output_1") && has_key (record, "output_2") &&
      has_key (record, "input") && has_key (record, "label") && !has_key (record, "instruction"))
    return has_key (record, "results") ? ARB_IMPORT_FORMAT_LLMBAR_RESULT
                                       : ARB_IMPORT_FORMAT_LLMBAR;
  if (has_key (record, "output_1") && has_key (record, "output_2"))
    return ARB_IMPORT_FORMAT_ALPACA_EVAL_ANNOTATIONS;
  if (has_key (record, "idx") &&
      (has_key (record, "cmp_key") || pandalm_result_key (record) != NULL))
    return ARB_IMPORT_FORMAT_PANDALM;
  if (has_key (record, "question_id"))
    {
      if (has_key (record, "g1_winner") || (has_key (record, "judge") && has_key (record, "score")))
        return ARB_IMPORT_FORMAT_MT_BENCH_JUDGMENTS;
      if (has_key (record, "choices") && has_key (record, "model_id"))
        return ARB_IMPORT_FORMAT_MT_BENCH_ANSWERS;
      if (has_key (record, "turns"))
        return ARB_IMPORT_FORMAT_MT_BENCH_QUESTIONS;
    }
  if (has_key (record, "instruction") && has_key (record, "output"))
    return ARB_IMPORT_FORMAT_ALPACA_EVAL_OUTPUTS;
  if (chosen != NULL && has_key (record, "rejected"))
    {
      if (!has_key (record, "prompt") && is_type (chosen, json_type_string) &&
          g_str_has_prefix (json_object_get_string (chosen), "\n\nHuman:"))
        return ARB_IMPORT_FORMAT_HH_RLHF;
      return ARB_IMPORT_FORMAT_TRL;
    }
  return ARB_IMPORT_FORMAT_AUTO;
}

static json_object *
message_new (const char *role,
             const char *content,
             gsize       len)
{
  json_object *msg = json_object_new_object ();

  json_object_object_add (msg, "role", json_object_new_string (role));
  json_object_object_add (msg, "content", json_object_new_string_len (content, (int) len));
  return msg;
}

static gboolean
messages_equal (json_object *a,
                json_object *b)
{
  return json_object_equal (a, b);
}

/* A slice of a canonical message array, as a new array. */
static json_object *
messages_slice (json_object *messages,
                size_t       from,
                size_t       to)
{
  json_object *out = json_object_new_array ();

  for (size_t i = from; i < to; i++)
    json_object_array_add (out, json_object_get (json_object_array_get_idx (messages, i)));
  return out;
}

/* The text of a response given as messages: its last assistant message (or its last message). */
static const char *
response_text (json_object *messages)
{
  size_t n = json_object_array_length (messages);
  json_object *content = NULL;

  for (size_t i = n; i > 0; i--)
    {
      json_object *msg = json_object_array_get_idx (messages, i - 1);

      if (g_strcmp0 (string_or_null (get (msg, "role")), "assistant") == 0)
        {
          content = get (msg, "content");
          break;
        }
    }
  if (content == NULL && n > 0)
    content = get (json_object_array_get_idx (messages, n - 1), "content");
  if (is_type (content, json_type_string))
    return json_object_get_string (content);
  return "";
}

/* A pairwise record written: prompt, two responses (each text plus, when it spans several turns,
 * its messages), one system for both, and one verdict "first is better". */
typedef struct
{
  json_object *prompt;          /* canonical messages */
  const char  *text[2];
  json_object *messages[2];     /* nullable */
} PairRecord;

static void
pair_record_clear (PairRecord *pair)
{
  g_clear_pointer (&pair->prompt, json_object_put);
  g_clear_pointer (&pair->messages[0], json_object_put);
  g_clear_pointer (&pair->messages[1], json_object_put);
}

/* Writes a "first is preferred" pair with one system for both and one rater. */
static gboolean
write_preferred_pair (ArbImporter  *imp,
                      PairRecord   *pair,
                      const char   *default_system,
                      const char   *default_rater,
                      json_object  *metadata,
                      GError      **error)
{
  const char *system = imp->options->system ? imp->options->system : default_system;
  const char *rater = imp->options->rater ? imp->options->rater : default_rater;
  ArbVerdictInput v = { 0 };
  gint64 prompt_id, system_id, gen[2];

  if ((system_id = _arb_importer_system (imp, system, error)) < 0 ||
      (prompt_id = _arb_importer_prompt (imp, pair->prompt, NULL, NULL, NULL, NULL, NULL,
                                         error)) < 0)
    return FALSE;
  for (int i = 0; i < 2; i++)
    if ((gen[i] = _arb_importer_generation (imp, prompt_id, system_id, pair->text[i],
                                            pair->messages[i], "text", NULL, error)) < 0)
      return FALSE;
  if (gen[0] == gen[1])
    {
      _arb_importer_warn (imp, "chosen and rejected are the same text; no comparison made");
      return TRUE;
    }
  if ((v.comparison_id = _arb_importer_comparison (imp, prompt_id, gen[0], gen[1], &v.flipped,
                                                   &v.identical, error)) < 0 ||
      (v.rater_id = _arb_importer_rater (imp, rater, "human", "annotator", error)) < 0)
    return FALSE;
  v.preference = 0.0;   /* the first (chosen) is better */
  v.strength = 1;
  v.seconds = -1;
  v.metadata = metadata;
  return _arb_importer_verdict (imp, &v, error);
}

/* ---- hh-rlhf ----------------------------------------------------------------------------- */

/* Splits "\n\nHuman: ...\n\nAssistant: ..." into canonical messages. The single space after
 * each marker belongs to the marker, so the text round-trips exactly. */
static json_object *
parse_transcript (ArbImporter *imp,
                  const char  *text,
                  gsize        len,
                  const char  *field,
                  GError     **error)
{
  static const char human[] = "\n\nHuman:";
  static const char assistant[] = "\n\nAssistant:";
  g_autoptr(json_object) out = json_object_new_array ();
  const char *p = text, *end = text + len;

  if (!g_str_has_prefix (text, human))
    {
      _arb_record_error (imp, error, "field \"%s\" is not an HH-RLHF dialogue: it must start "
                                     "with \"\\n\\nHuman:\"", field);
      return NULL;
    }
  while (p < end)
    {
      const char *role;
      const char *start, *next = end;
      gsize marker;

      if (strncmp (p, human, sizeof human - 1) == 0)
        role = "user", marker = sizeof human - 1;
      else
        role = "assistant", marker = sizeof assistant - 1;
      start = p + marker;
      if (start < end && *start == ' ')
        start++;
      /* The next turn starts at the next marker of either kind. */
      for (const char *q = start; (q = memchr (q, '\n', end - q)) != NULL; q++)
        if (strncmp (q, human, sizeof human - 1) == 0 ||
            strncmp (q, assistant, sizeof assistant - 1) == 0)
          {
            next = q;
            break;
          }
      json_object_array_add (out, message_new (role, start, next - start));
      p = next;
    }
  return g_steal_pointer (&out);
}

/* The prompt is the turns both dialogues share; each response is what follows the last shared
 * turn. Normally that is the final Assistant turn; where a record diverges earlier, the response
 * keeps its turns as messages and a warning says so. */
static gboolean
split_dialogues (ArbImporter  *imp,
                 json_object  *dialogue[2],
                 PairRecord   *pair,
                 GError      **error)
{
  size_t n[2] = { json_object_array_length (dialogue[0]), json_object_array_length (dialogue[1]) };
  size_t shared = 0;

  while (shared < n[0] && shared < n[1] &&
         messages_equal (json_object_array_get_idx (dialogue[0], shared),
                         json_object_array_get_idx (dialogue[1], shared)))
    shared++;
  /* Each side keeps at least its last turn as the response. */
  shared = MIN (shared, MIN (n[0], n[1]) - 1);
  if (shared == 0)
    {
      _arb_record_error (imp, error, "the two dialogues share no turn to use as the prompt");
      return FALSE;
    }
  if (shared + 1 != n[0] || shared + 1 != n[1] ||
      g_strcmp0 (string_or_null (get (json_object_array_get_idx (dialogue[0], shared), "role")),
                 "assistant") != 0 ||
      g_strcmp0 (string_or_null (get (json_object_array_get_idx (dialogue[1], shared), "role")),
                 "assistant") != 0)
    {
      _arb_importer_warn (imp, "the two dialogues differ before their last Assistant turn "
                               "(they share %zu of %zu and %zu turns); each response keeps every "
                               "turn after the shared ones", shared, n[0], n[1]);
      for (int i = 0; i < 2; i++)
        {
          pair->messages[i] = messages_slice (dialogue[i], shared, n[i]);
          pair->text[i] = response_text (pair->messages[i]);
        }
    }
  else
    for (int i = 0; i < 2; i++)
      pair->text[i] = json_object_get_string (get (json_object_array_get_idx (dialogue[i], shared),
                                                   "content"));
  pair->prompt = messages_slice (dialogue[0], 0, shared);
  return TRUE;
}

static gboolean
record_hh_rlhf (ArbImporter  *imp,
                json_object  *record,
                GError      **error)
{
  static const char *const fields[] = { "chosen", "rejected" };
  g_autoptr(json_object) dialogue0 = NULL;
  g_autoptr(json_object) dialogue1 = NULL;
  json_object *dialogue[2];
  PairRecord pair = { 0 };
  gboolean ok;

  for (int i = 0; i < 2; i++)
    {
      json_object *value = get (record, fields[i]);

      if (!is_type (value, json_type_string))
        {
          _arb_record_error (imp, error, "field \"%s\" must be a dialogue (text)", fields[i]);
          return FALSE;
        }
      dialogue[i] = parse_transcript (imp, json_object_get_string (value),
                                      json_object_get_string_len (value), fields[i], error);
      if (dialogue[i] == NULL)
        {
          if (i == 1)
            json_object_put (dialogue[0]);
          return FALSE;
        }
    }
  dialogue0 = dialogue[0];
  dialogue1 = dialogue[1];

  ok = split_dialogues (imp, dialogue, &pair, error) &&
       write_preferred_pair (imp, &pair, "hh-rlhf", "hh-rlhf", NULL, error);
  pair_record_clear (&pair);
  return ok;
}

/* ---- trl --------------------------------------------------------------------------------- */

/* TRL's implicit prompt for plain strings: the longest common prefix, backed off one character
 * when it ends in a space (as trl.data_utils.extract_prompt does), and never splitting a UTF-8
 * sequence. */
static gsize
common_prefix (const char *a,
               const char *b)
{
  gsize i = 0;

  while (a[i] != '\0' && a[i] == b[i])
    i++;
  if (a[i] == '\0' && b[i] == '\0')
    return i;
  while (i > 0 && (((guchar) a[i]) & 0xC0) == 0x80)
    i--;
  if (i > 0 && a[i - 1] == ' ')
    i--;
  return i;
}

static gboolean
record_trl (ArbImporter  *imp,
            json_object  *record,
            GError      **error)
{
  json_object *prompt = get (record, "prompt");
  json_object *chosen = get (record, "chosen");
  json_object *rejected = get (record, "rejected");
  json_object *margin = get (record, "margin");
  g_autoptr(json_object) metadata = NULL;
  PairRecord pair = { 0 };
  gboolean ok = FALSE;

  if (chosen == NULL || rejected == NULL)
    {
      _arb_record_error (imp, error, "a TRL record needs \"chosen\" and \"rejected\"");
      return FALSE;
    }
  if (margin != NULL && !is_type (margin, json_type_null))
    {
      if (!is_number (margin))
        {
          _arb_record_error (imp, error, "field \"margin\" must be a number");
          return FALSE;
        }
      metadata = json_object_new_object ();
      json_object_object_add (metadata, "margin", json_object_get (margin));
    }

  if (is_type (chosen, json_type_string) && is_type (rejected, json_type_string))
    {
      const char *c = json_object_get_string (chosen);
      const char *r = json_object_get_string (rejected);

      if (prompt != NULL && !is_type (prompt, json_type_null))
        {
          pair.prompt = _arb_json_messages (imp, prompt, "prompt", error);
          if (pair.prompt == NULL)
            goto out;
          pair.text[0] = c;
          pair.text[1] = r;
        }
      else
        {
          gsize n = common_prefix (c, r);
          g_autofree char *p = g_strndup (c, n);
          g_autoptr(json_object) ps = json_object_new_string (p);

          pair.prompt = _arb_json_messages (imp, ps, "prompt", error);
          pair.text[0] = c + n;
          pair.text[1] = r + n;
        }
    }
  else if (is_type (chosen, json_type_array) && is_type (rejected, json_type_array))
    {
      g_autoptr(json_object) cm = _arb_json_messages (imp, chosen, "chosen", error);
      g_autoptr(json_object) rm = NULL;

      if (cm == NULL || (rm = _arb_json_messages (imp, rejected, "rejected", error)) == NULL)
        goto out;
      if (prompt != NULL && !is_type (prompt, json_type_null))
        {
          pair.prompt = _arb_json_messages (imp, prompt, "prompt", error);
          if (pair.prompt == NULL)
            goto out;
          if (json_object_array_length (cm) == 0 || json_object_array_length (rm) == 0)
            {
              _arb_record_error (imp, error, "\"chosen\" and \"rejected\" need at least one "
                                             "message each");
              goto out;
            }
          pair.text[0] = response_text (cm);
          pair.text[1] = response_text (rm);
          if (json_object_array_length (cm) > 1)
            pair.messages[0] = json_object_get (cm);
          if (json_object_array_length (rm) > 1)
            pair.messages[1] = json_object_get (rm);
        }
      else
        {
          json_object *dialogue[2] = { cm, rm };

          if (json_object_array_length (cm) < 2 || json_object_array_length (rm) < 2)
            {
              _arb_record_error (imp, error, "without \"prompt\", \"chosen\" and \"rejected\" "
                                             "must be whole conversations that share a prompt");
              goto out;
            }
          if (!split_dialogues (imp, dialogue, &pair, error))
            goto out;
        }
    }
  else
    {
      _arb_record_error (imp, error, "\"chosen\" and \"rejected\" must both be text or both be "
                                     "lists of messages");
      goto out;
    }

  ok = write_preferred_pair (imp, &pair, "trl", "trl", metadata, error);
out:
  pair_record_clear (&pair);
  return ok;
}

/* ---- alpaca-eval ------------------------------------------------------------------------- */

static gint64
alpaca_prompt (ArbImporter  *imp,
               json_object  *record,
               GError      **error)
{
  const char *instruction = _arb_json_text (imp, record, "instruction", TRUE, error);
  g_autoptr(json_object) messages = NULL;
  g_autoptr(json_object) text = NULL;

  if (instruction == NULL)
    return -1;
  text = json_object_new_string (instruction);
  messages = _arb_json_messages (imp, text, "instruction", error);
  /* AlpacaEval's "dataset" (helpful_base, koala, ...) is the category. */
  return _arb_importer_prompt (imp, messages, string_or_null (get (record, "dataset")), NULL, NULL,
                               NULL, NULL, error);
}

static gboolean
record_alpaca_outputs (ArbImporter  *imp,
                       json_object  *record,
                       GError      **error)
{
  const char *system = imp->options->system;
  const char *output;
  gint64 prompt_id, system_id;

  if (system == NULL)
    system = _arb_json_text (imp, record, "generator", TRUE, error);
  if (system == NULL)
    return FALSE;
  if ((output = _arb_json_text (imp, record, "output", TRUE, error)) == NULL ||
      (prompt_id = alpaca_prompt (imp, record, error)) < 0 ||
      (system_id = _arb_importer_system (imp, system, error)) < 0)
    return FALSE;
  return _arb_importer_generation (imp, prompt_id, system_id, output, NULL, "text", NULL,
                                   error) >= 0;
}

static gboolean
record_alpaca_annotations (ArbImporter  *imp,
                           json_object  *record,
                           GError      **error)
{
  static const char *const outputs[] = { "output_1", "output_2" };
  static const char *const generators[] = { "generator_1", "generator_2" };
  json_object *pref = get (record, "preference");
  const char *rater;
  ArbVerdictInput v = { 0 };
  gint64 prompt_id, gen[2];
  double p;

  if ((prompt_id = alpaca_prompt (imp, record, error)) < 0)
    return FALSE;
  for (int i = 0; i < 2; i++)
    {
      const char *text = _arb_json_text (imp, record, outputs[i], TRUE, error);
      const char *system = text ? _arb_json_text (imp, record, generators[i], TRUE, error) : NULL;
      gint64 system_id;

      if (system == NULL || (system_id = _arb_importer_system (imp, system, error)) < 0 ||
          (gen[i] = _arb_importer_generation (imp, prompt_id, system_id, text, NULL, "text", NULL,
                                              error)) < 0)
        return FALSE;
    }
  if ((v.comparison_id = _arb_importer_comparison (imp, prompt_id, gen[0], gen[1], &v.flipped,
                                                   &v.identical, error)) < 0)
    return FALSE;

  /* preference: 1 = output_1 better, 2 = output_2 better, 1.5 and the legacy 0 = draw, values in
   * between are soft preferences (weighted annotators), null = missing (no verdict). */
  if (pref == NULL || is_type (pref, json_type_null))
    return TRUE;
  if (!is_number (pref))
    {
      _arb_record_error (imp, error, "field \"preference\" must be a number (1, 2, 1.5) or null");
      return FALSE;
    }
  p = json_object_get_double (pref);
  if (isnan (p))
    return TRUE;
  if (p == 0.0)
    p = 1.5;
  if (!(p >= 1.0 && p <= 2.0))
    {
      _arb_record_error (imp, error, "field \"preference\" is %g; it must lie between 1 and 2", p);
      return FALSE;
    }

  rater = imp->options->rater;
  if (rater == NULL)
    rater = string_or_null (get (record, "annotator"));
  if (rater == NULL)
    rater = "alpaca-eval";
  if ((v.rater_id = _arb_importer_rater (imp, rater, "judge", "annotator", error)) < 0)
    return FALSE;
  v.preference = p - 1.0;
  v.strength = p == 1.5 ? 0 : (p == 1.0 || p == 2.0) ? 1 : -1;
  v.seconds = -1;
  v.raw = string_or_null (get (record, "raw_completion"));
  return _arb_importer_verdict (imp, &v, error);
}

/* ---- arena-battles ----------------------------------------------------------------------- */

static gboolean
record_arena (ArbImporter  *imp,
              json_object  *record,
              GError      **error)
{
  static const char *const models[] = { "model_a", "model_b" };
  static const char *const convs[] = { "conversation_a", "conversation_b" };
  const char *winner = string_or_null (get (record, "winner"));
  g_autofree char *question_id = _arb_json_id (record, "question_id");
  g_autoptr(json_object) metadata = NULL;
  g_autoptr(json_object) prompt = NULL;
  json_object *conversation[2] = { NULL, NULL };
  const char *text[2] = { "", "" };
  const char *kind = "missing";
  const char *rater;
  ArbVerdictInput v = { 0 };
  g_autofree char *sample_key = NULL;
  gint64 prompt_id = 0, gen[2];
  gboolean ok = FALSE;

  if (winner == NULL)
    {
      _arb_record_error (imp, error, "field \"winner\" must be model_a, model_b, tie or "
                                     "tie (bothbad)");
      return FALSE;
    }
  if (g_str_equal (winner, "model_a"))
    v.preference = 0.0, v.strength = 1;
  else if (g_str_equal (winner, "model_b"))
    v.preference = 1.0, v.strength = 1;
  else if (g_str_equal (winner, "tie") || g_str_equal (winner, "tie (bothbad)"))
    {
      v.preference = 0.5, v.strength = 0;
      if (g_str_equal (winner, "tie (bothbad)"))
        {
          metadata = json_object_new_object ();
          json_object_object_add (metadata, "bothbad", json_object_new_boolean (TRUE));
        }
    }
  else
    {
      _arb_record_error (imp, error, "field \"winner\" is \"%s\"; it must be model_a, model_b, "
                                     "tie or tie (bothbad)", winner);
      return FALSE;
    }

  /* The prompt: from the conversations when given, else the prompt text, else only the id. */
  if (is_type (get (record, convs[0]), json_type_array) &&
      is_type (get (record, convs[1]), json_type_array))
    {
      for (int i = 0; i < 2; i++)
        if ((conversation[i] = _arb_json_messages (imp, get (record, convs[i]), convs[i],
                                                   error)) == NULL)
          goto out;
      {
        PairRecord pair = { 0 };

        if (!split_dialogues (imp, conversation, &pair, error))
          goto out;
        prompt = g_steal_pointer (&pair.prompt);
        text[0] = pair.text[0];
        text[1] = pair.text[1];
        kind = "text";
        pair_record_clear (&pair);
        /* pair.text points into the conversations, which live until the end */
      }
    }
  else if (get (record, "prompt") != NULL)
    {
      prompt = _arb_json_messages (imp, get (record, "prompt"), "prompt", error);
      if (prompt == NULL)
        goto out;
    }

  if (prompt != NULL)
    prompt_id = _arb_importer_prompt (imp, prompt, NULL, NULL, NULL,
                                      question_id ? "arena" : NULL, question_id, error);
  else if (question_id != NULL)
    {
      /* No text: the prompt is known by its id alone, and stands for itself until a file with
       * its text arrives. */
      prompt_id = _arb_importer_prompt_by_external_id (imp, "arena", question_id, error);
      if (prompt_id == 0)
        {
          g_autoptr(json_object) placeholder = json_object_new_array ();
          json_object *msg = json_object_new_object ();

          json_object_object_add (msg, "role", json_object_new_string ("user"));
          json_object_object_add (msg, "content", json_object_new_string (""));
          json_object_object_add (msg, "arena_question_id", json_object_new_string (question_id));
          json_object_array_add (placeholder, msg);
          prompt_id = _arb_importer_prompt (imp, placeholder, NULL, NULL, NULL, "arena",
                                            question_id, error);
        }
    }
  else
    {
      _arb_record_error (imp, error, "a battle needs \"question_id\", \"prompt\" or the two "
                                     "conversations");
      goto out;
    }
  if (prompt_id < 0)
    goto out;

  for (int i = 0; i < 2; i++)
    {
      const char *model;
      gint64 system_id;

      model = _arb_json_text (imp, record, models[i], TRUE, error);
      if (model == NULL || (system_id = _arb_importer_system (imp, model, error)) < 0 ||
          (gen[i] = _arb_importer_generation (imp, prompt_id, system_id, text[i], NULL, kind, NULL,
                                              error)) < 0)
        goto out;
    }
  if (gen[0] == gen[1])
    {
      _arb_record_error (imp, error, "model_a and model_b are the same model with the same "
                                     "response");
      goto out;
    }

  rater = imp->options->rater;
  if (rater == NULL)
    rater = string_or_null (get (record, "judge"));
  if (rater == NULL)
    rater = "arena";
  if ((v.comparison_id = _arb_importer_comparison (imp, prompt_id, gen[0], gen[1], &v.flipped,
                                                   &v.identical, error)) < 0 ||
      (v.rater_id = _arb_importer_rater (imp, rater, "human", "annotator", error)) < 0)
    goto out;
  if (v.identical && kind[0] == 'm')
    v.identical = FALSE;  /* unknown texts are not equal texts */

  /* model_a is shown on the left. Repeated battles of one rater on one pair are samples 0, 1, ...
   * in file order, so importing the same file twice finds the same keys. */
  v.presented = "ab";
  sample_key = g_strdup_printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %d", v.comparison_id,
                                v.rater_id, v.flipped);
  v.sample = GPOINTER_TO_SIZE (g_hash_table_lookup (imp->samples, sample_key));
  g_hash_table_insert (imp->samples, g_steal_pointer (&sample_key),
                       GSIZE_TO_POINTER (v.sample + 1));
  v.seconds = -1;
  v.metadata = metadata;
  ok = _arb_importer_verdict (imp, &v, error);

out:
  g_clear_pointer (&conversation[0], json_object_put);
  g_clear_pointer (&conversation[1], json_object_put);
  return ok;
}

/* ---- arbiter ----------------------------------------------------------------------------- */

static gboolean
parse_decision (ArbImporter  *imp,
                json_object  *value,
                const char   *what,
                double       *out_preference,
                GError      **error)
{
  const char *s = string_or_null (value);

  if (s != NULL)
    {
      if (g_str_equal (s, "a"))
        *out_preference = 0.0;
      else if (g_str_equal (s, "b"))
        *out_preference = 1.0;
      else if (g_str_equal (s, "tie"))
        *out_preference = 0.5;
      else
        goto bad;
      return TRUE;
    }
  if (is_number (value))
    {
      double p = json_object_get_double (value);

      if (p >= 0.0 && p <= 1.0)
        {
          *out_preference = p;
          return TRUE;
        }
    }
bad:
  _arb_record_error (imp, error, "%s must be \"a\", \"b\", \"tie\" or a number from 0 (a better) "
                                 "to 1 (b better)", what);
  return FALSE;
}

static gboolean
response_index (ArbImporter  *imp,
                json_object  *verdict,
                const char   *key,
                int           fallback,
                json_object  *responses,
                GPtrArray    *systems,
                int          *out,
                GError      **error)
{
  json_object *value = get (verdict, key);
  size_t n = json_object_array_length (responses);

  if (value == NULL)
    *out = fallback;
  else if (is_type (value, json_type_int))
    *out = json_object_get_int (value);
  else if (is_type (value, json_type_string))
    {
      *out = -1;
      for (guint i = 0; i < systems->len; i++)
        if (g_strcmp0 (g_ptr_array_index (systems, i), json_object_get_string (value)) == 0)
          *out = i;
    }
  else
    *out = -1;
  if (*out < 0 || (size_t) *out >= n)
    {
      _arb_record_error (imp, error, "verdict field \"%s\" must be the index (from 0) or the "
                                     "system of one of the %zu responses", key, n);
      return FALSE;
    }
  return TRUE;
}

static gboolean
arbiter_verdict (ArbImporter  *imp,
                 json_object  *verdict,
                 gint64        prompt_id,
                 json_object  *responses,
                 GPtrArray    *systems,
                 GArray       *gens,
                 GError      **error)
{
  static const char *const kinds[] = { "human", "judge", "reward_model", NULL };
  static const char *const roles[] = { "annotator", "gold", "adjudicator", NULL };
  const char *rater = imp->options->rater;
  const char *kind = string_or_null (get (verdict, "kind"));
  const char *role = string_or_null (get (verdict, "role"));
  const char *status = string_or_null (get (verdict, "status"));
  json_object *dims = get (verdict, "dimensions");
  json_object *strength = get (verdict, "strength");
  json_object *sample = get (verdict, "sample");
  json_object *seconds = get (verdict, "seconds");
  g_autoptr(json_object) dimensions = NULL;
  ArbVerdictInput v = { 0 };
  int ia, ib;

  if (rater == NULL)
    rater = string_or_null (get (verdict, "rater"));
  if (rater == NULL)
    {
      _arb_record_error (imp, error, "a verdict needs \"rater\" (a name)");
      return FALSE;
    }
  if (kind != NULL && !g_strv_contains (kinds, kind))
    {
      _arb_record_error (imp, error, "verdict \"kind\" must be human, judge or reward_model");
      return FALSE;
    }
  if (role != NULL && !g_strv_contains (roles, role))
    {
      _arb_record_error (imp, error, "verdict \"role\" must be annotator, gold or adjudicator");
      return FALSE;
    }
  if (!response_index (imp, verdict, "a", 0, responses, systems, &ia, error) ||
      !response_index (imp, verdict, "b", 1, responses, systems, &ib, error))
    return FALSE;
  if (ia == ib)
    {
      _arb_record_error (imp, error, "a verdict compares two different responses");
      return FALSE;
    }

  v.status = status ? status : "ok";
  if (!g_str_equal (v.status, "ok") && !g_str_equal (v.status, "unparseable") &&
      !g_str_equal (v.status, "failed"))
    {
      _arb_record_error (imp, error, "verdict \"status\" must be ok, unparseable or failed");
      return FALSE;
    }
  v.preference = NAN;
  v.strength = -1;
  if (g_str_equal (v.status, "ok"))
    {
      json_object *pref = get (verdict, "preference");
      json_object *winner = get (verdict, "winner");

      if (pref == NULL && winner == NULL)
        {
          _arb_record_error (imp, error, "a verdict needs \"preference\" (0 to 1, for b) or "
                                         "\"winner\" (a, b or tie)");
          return FALSE;
        }
      if (!parse_decision (imp, pref ? pref : winner, pref ? "\"preference\"" : "\"winner\"",
                           &v.preference, error))
        return FALSE;
      if (strength != NULL && !is_type (strength, json_type_null))
        {
          int s = json_object_get_int (strength);

          if (!is_type (strength, json_type_int) || s < 0 || s > 2 ||
              ((s == 0) != (v.preference == 0.5)) || (s > 0 && v.preference != 0.0 &&
                                                      v.preference != 1.0))
            {
              _arb_record_error (imp, error, "verdict \"strength\" must be 0 (a tie), 1 or 2 "
                                             "(better, much better) and agree with the preference");
              return FALSE;
            }
          v.strength = s;
        }
      else if (v.preference == 0.5)
        v.strength = 0;
      else if (v.preference == 0.0 || v.preference == 1.0)
        v.strength = 1;
    }

  v.presented = string_or_null (get (verdict, "presented"));
  if (v.presented != NULL && !g_str_equal (v.presented, "ab") && !g_str_equal (v.presented, "ba"))
    {
      _arb_record_error (imp, error, "verdict \"presented\" must be \"ab\" (a shown first) or "
                                     "\"ba\"");
      return FALSE;
    }
  if (sample != NULL && (!is_type (sample, json_type_int) || json_object_get_int64 (sample) < 0))
    {
      _arb_record_error (imp, error, "verdict \"sample\" must be a whole number from 0");
      return FALSE;
    }
  v.sample = sample ? json_object_get_int64 (sample) : 0;
  v.seconds = is_number (seconds) ? json_object_get_double (seconds) : -1;
  v.rationale = string_or_null (get (verdict, "rationale"));
  v.raw = string_or_null (get (verdict, "raw"));
  v.metadata = is_type (get (verdict, "metadata"), json_type_object) ? get (verdict, "metadata")
                                                                      : NULL;
  if (dims != NULL)
    {
      if (!is_type (dims, json_type_object))
        {
          _arb_record_error (imp, error, "verdict \"dimensions\" must be an object of "
                                         "dimension: preference");
          return FALSE;
        }
      dimensions = json_object_new_object ();
      json_object_object_foreach (dims, name, value)
        {
          double p;
          g_autofree char *what = g_strdup_printf ("dimension \"%s\"", name);

          if (!parse_decision (imp, value, what, &p, error))
            return FALSE;
          json_object_object_add (dimensions, name, json_object_new_double (p));
        }
      v.dimensions = dimensions;
    }

  if ((v.rater_id = _arb_importer_rater (imp, rater, kind ? kind : "human",
                                         role ? role : "annotator", error)) < 0 ||
      (v.comparison_id = _arb_importer_comparison (imp, prompt_id, g_array_index (gens, gint64, ia),
                                                   g_array_index (gens, gint64, ib), &v.flipped,
                                                   &v.identical, error)) < 0)
    return FALSE;
  return _arb_importer_verdict (imp, &v, error);
}

/* "grades" of one response: [{"rater", "kind", "score", "status", "sample", "rationale", "raw"}]. */
static gboolean
arbiter_grades (ArbImporter  *imp,
                json_object  *grades,
                gint64        generation_id,
                size_t        response,
                GError      **error)
{
  static const char *const kinds[] = { "human", "judge", "reward_model", NULL };

  if (grades == NULL)
    return TRUE;
  if (!is_type (grades, json_type_array))
    {
      _arb_record_error (imp, error, "response %zu: \"grades\" must be a list of "
                                     "{\"rater\", \"score\"} objects", response + 1);
      return FALSE;
    }
  for (size_t k = 0; k < json_object_array_length (grades); k++)
    {
      json_object *g = json_object_array_get_idx (grades, k);
      const char *rater, *kind, *status;
      json_object *score, *sample;
      ArbGradeInput in = { 0 };

      if (!is_type (g, json_type_object))
        {
          _arb_record_error (imp, error, "response %zu: grade %zu must be an object", response + 1,
                             k + 1);
          return FALSE;
        }
      rater = imp->options->rater ? imp->options->rater : string_or_null (get (g, "rater"));
      kind = string_or_null (get (g, "kind"));
      status = string_or_null (get (g, "status"));
      score = get (g, "score");
      sample = get (g, "sample");
      if (rater == NULL)
        {
          _arb_record_error (imp, error, "response %zu: grade %zu needs \"rater\"", response + 1,
                             k + 1);
          return FALSE;
        }
      if (kind == NULL)
        kind = "reward_model";
      if (!g_strv_contains (kinds, kind))
        {
          _arb_record_error (imp, error, "response %zu: grade %zu: \"kind\" must be human, judge "
                                         "or reward_model", response + 1, k + 1);
          return FALSE;
        }
      if (status == NULL)
        status = "ok";
      if (!g_str_equal (status, "ok") && !g_str_equal (status, "unparseable") &&
          !g_str_equal (status, "failed"))
        {
          _arb_record_error (imp, error, "response %zu: grade %zu: \"status\" must be ok, "
                                         "unparseable or failed", response + 1, k + 1);
          return FALSE;
        }
      if (g_str_equal (status, "ok") && !is_number (score))
        {
          _arb_record_error (imp, error, "response %zu: grade %zu needs a number \"score\"",
                             response + 1, k + 1);
          return FALSE;
        }
      if (sample != NULL && (!is_type (sample, json_type_int) || json_object_get_int64 (sample) < 0))
        {
          _arb_record_error (imp, error, "response %zu: grade %zu: \"sample\" must be an integer "
                                         "0 or more", response + 1, k + 1);
          return FALSE;
        }
      if ((in.rater_id = _arb_importer_rater (imp, rater, kind, "annotator", error)) < 0)
        return FALSE;
      in.generation_id = generation_id;
      in.status = status;
      in.score = g_str_equal (status, "ok") ? json_object_get_double (score) : NAN;
      in.sample = sample ? json_object_get_int64 (sample) : 0;
      in.rationale = string_or_null (get (g, "rationale"));
      in.raw = string_or_null (get (g, "raw"));
      if (!_arb_importer_grade (imp, &in, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
record_arbiter (ArbImporter  *imp,
                json_object  *record,
                GError      **error)
{
  json_object *responses = get (record, "responses");
  json_object *verdicts = get (record, "verdicts");
  json_object *pairs = get (record, "pairs");
  json_object *metadata = get (record, "metadata");
  g_autoptr(json_object) messages = NULL;
  g_autoptr(GPtrArray) systems = g_ptr_array_new ();
  g_autoptr(GArray) gens = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *id = _arb_json_id (record, "id");
  const char *category, *reference;
  gint64 prompt_id;
  size_t n;

  if (get (record, "prompt") == NULL)
    {
      _arb_record_error (imp, error, "missing field \"prompt\" (text or a list of messages)");
      return FALSE;
    }
  if ((messages = _arb_json_messages (imp, get (record, "prompt"), "prompt", error)) == NULL)
    return FALSE;
  if (!is_type (responses, json_type_array))
    {
      _arb_record_error (imp, error, "field \"responses\" must be a list of {\"system\", "
                                     "\"text\"} objects");
      return FALSE;
    }
  category = _arb_json_text (imp, record, "category", FALSE, error);
  reference = _arb_json_text (imp, record, "reference", FALSE, error);
  if (error != NULL && *error != NULL)
    return FALSE;
  if (metadata != NULL && !is_type (metadata, json_type_object))
    {
      _arb_record_error (imp, error, "field \"metadata\" must be an object");
      return FALSE;
    }

  if ((prompt_id = _arb_importer_prompt (imp, messages, category, reference, metadata,
                                         id ? "arbiter" : NULL, id, error)) < 0)
    return FALSE;

  n = json_object_array_length (responses);
  for (size_t i = 0; i < n; i++)
    {
      json_object *response = json_object_array_get_idx (responses, i);
      const char *system, *text, *kind;
      g_autoptr(json_object) rmessages = NULL;
      json_object *rmeta;
      gint64 system_id, gen;

      if (!is_type (response, json_type_object))
        {
          _arb_record_error (imp, error, "response %zu must be an object", i + 1);
          return FALSE;
        }
      system = string_or_null (get (response, "system"));
      if (system == NULL)
        system = imp->options->system;
      if (system == NULL)
        {
          _arb_record_error (imp, error, "response %zu needs \"system\"", i + 1);
          return FALSE;
        }
      kind = string_or_null (get (response, "kind"));
      if (kind != NULL && !g_str_equal (kind, "text") && !g_str_equal (kind, "image"))
        {
          _arb_record_error (imp, error, "response %zu: \"kind\" must be text or image", i + 1);
          return FALSE;
        }
      if (get (response, "messages") != NULL)
        {
          rmessages = _arb_json_messages (imp, get (response, "messages"), "messages", error);
          if (rmessages == NULL)
            return FALSE;
        }
      text = _arb_json_text (imp, response, "text", rmessages == NULL, error);
      if (text == NULL && rmessages == NULL)
        {
          g_prefix_error (error, "response %zu: ", i + 1);
          return FALSE;
        }
      if (text == NULL)
        text = response_text (rmessages);
      rmeta = get (response, "metadata");
      if ((system_id = _arb_importer_system (imp, system, error)) < 0 ||
          (gen = _arb_importer_generation (imp, prompt_id, system_id, text, rmessages, kind,
                                           is_type (rmeta, json_type_object) ? rmeta : NULL,
                                           error)) < 0)
        return FALSE;
      g_ptr_array_add (systems, (gpointer) system);
      g_array_append_val (gens, gen);
      if (!arbiter_grades (imp, get (response, "grades"), gen, i, error))
        return FALSE;
    }

  if (pairs != NULL)
    {
      if (!is_type (pairs, json_type_array))
        {
          _arb_record_error (imp, error, "field \"pairs\" must be a list of [a, b] index pairs");
          return FALSE;
        }
      for (size_t i = 0; i < json_object_array_length (pairs); i++)
        {
          json_object *pair = json_object_array_get_idx (pairs, i);
          gboolean flipped, identical;
          int a, b;

          if (!is_type (pair, json_type_array) || json_object_array_length (pair) != 2)
            {
              _arb_record_error (imp, error, "pair %zu must be [a, b]", i + 1);
              return FALSE;
            }
          a = json_object_get_int (json_object_array_get_idx (pair, 0));
          b = json_object_get_int (json_object_array_get_idx (pair, 1));
          if (a < 0 || b < 0 || (guint) a >= gens->len || (guint) b >= gens->len || a == b)
            {
              _arb_record_error (imp, error, "pair %zu names responses that do not exist", i + 1);
              return FALSE;
            }
          if (_arb_importer_comparison (imp, prompt_id, g_array_index (gens, gint64, a),
                                        g_array_index (gens, gint64, b), &flipped, &identical,
                                        error) < 0)
            return FALSE;
        }
    }

  if (verdicts != NULL)
    {
      if (!is_type (verdicts, json_type_array))
        {
          _arb_record_error (imp, error, "field \"verdicts\" must be a list");
          return FALSE;
        }
      for (size_t i = 0; i < json_object_array_length (verdicts); i++)
        {
          json_object *verdict = json_object_array_get_idx (verdicts, i);

          if (!is_type (verdict, json_type_object) ||
              !arbiter_verdict (imp, verdict, prompt_id, responses, systems, gens, error))
            {
              if (error != NULL && *error == NULL)
                _arb_record_error (imp, error, "verdict %zu must be an object", i + 1);
              else
                g_prefix_error (error, "verdict %zu: ", i + 1);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* ---- Shared by the rated-data formats ------------------------------------------------------ */

/* Names a reader takes from the file's path, worked out once per file. */
typedef struct
{
  char    *llmbar_category;   /* "Natural", "Adversarial/GPTOut", or NULL */
  char    *llmbar_judge;      /* "GPT-4/Vanilla" from .../evaluators/GPT-4/Vanilla/result.json */
  char    *pandalm_judge;     /* "gpt-3.5-turbo" from gpt-3.5-turbo-testset-v1.json */
  char    *file_stem;         /* the file's name without its extensions */
  char    *fastchat_source;   /* "fastchat/<bench>": where FastChat's question ids live */
  gboolean warned_judge;
} PathNames;

static void
path_names_free (gpointer data)
{
  PathNames *names = data;

  g_free (names->llmbar_category);
  g_free (names->llmbar_judge);
  g_free (names->pandalm_judge);
  g_free (names->file_stem);
  g_free (names->fastchat_source);
  g_free (names);
}

static PathNames *
path_names (ArbImporter *imp)
{
  PathNames *names = imp->format_data;
  g_autofree char *path = NULL;
  g_auto(GStrv) parts = NULL;
  guint n;

  if (names != NULL)
    return names;
  names = g_new0 (PathNames, 1);
  imp->format_data = names;
  imp->format_data_free = path_names_free;

  path = g_canonicalize_filename (arb_json_reader_get_name (imp->reader), NULL);
  parts = g_strsplit (path, G_DIR_SEPARATOR_S, -1);
  n = g_strv_length (parts);
  if (n == 0)
    return names;

  {
    const char *base = parts[n - 1];
    const char *dot = strchr (base, '.');
    const char *testset = strstr (base, "-testset");

    names->file_stem = dot && dot > base ? g_strndup (base, dot - base) : g_strdup (base);
    if (testset != NULL && testset > base)
      names->pandalm_judge = g_strndup (base, testset - base);
  }

  /* LLMBar keeps its subsets as Dataset/LLMBar/<Subset>[/<Sub>]/dataset.json and a judge's
   * verdicts as <subset>/evaluators/<Judge>/<Method>/result.json. */
  for (guint i = 0; i + 1 < n; i++)
    if (g_str_equal (parts[i], "LLMBar"))
      {
        g_autoptr(GPtrArray) sub = g_ptr_array_new ();
        guint j = i + 1;

        for (; j + 1 < n && !g_str_equal (parts[j], "evaluators"); j++)
          g_ptr_array_add (sub, parts[j]);
        if (sub->len > 0)
          {
            g_ptr_array_add (sub, NULL);
            names->llmbar_category = g_strjoinv ("/", (char **) sub->pdata);
          }
        break;
      }
  for (guint i = 0; i + 3 < n; i++)
      if (g_str_equal (parts[i], "evaluators") && i + 3 == n - 1)
        names->llmbar_judge = g_strdup_printf ("%s/%s", parts[i + 1], parts[i + 2]);

  /* FastChat's layout: data/<bench>/question.jsonl, data/<bench>/model_answer/<model>.jsonl,
   * data/<bench>/reference_answer/<model>.jsonl, data/<bench>/model_judgment/<judge>.jsonl.
   * Question ids are numbered per bench (skycamp's 1-5 are not Vicuna-bench's 1-5), so they are
   * kept per bench. */
  if (n >= 2)
    {
      const char *parent = parts[n - 2];
      const char *bench = parent;

      if (n >= 3 && (g_str_equal (parent, "model_answer") ||
                     g_str_equal (parent, "reference_answer") ||
                     g_str_equal (parent, "model_judgment")))
        bench = parts[n - 3];
      if (*bench == '\0')
        bench = "mt_bench";
      names->fastchat_source = g_strdup_printf ("fastchat/%s", bench);
    }
  else
    names->fastchat_source = g_strdup ("fastchat/mt_bench");
  return names;
}

/* Whether the two generations of a comparison have the same text (their verdicts are ties). */
static gboolean
comparison_lookup (ArbImporter  *imp,
                   const char   *source,
                   const char   *external_id,
                   gint64       *out_id,
                   gboolean     *out_identical,
                   GError      **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (imp->ws,
                                               "SELECT c.id, (SELECT text_hash FROM generations "
                                               "WHERE id = c.a_id) IS (SELECT text_hash FROM "
                                               "generations WHERE id = c.b_id) "
                                               "FROM comparison_ids i JOIN comparisons c "
                                               "ON c.id = i.comparison_id "
                                               "WHERE i.source = ? AND i.external_id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, source, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, external_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  *out_id = 0;
  if (rc == SQLITE_ROW)
    {
      *out_id = sqlite3_column_int64 (stmt, 0);
      if (out_identical != NULL)
        *out_identical = sqlite3_column_int (stmt, 1) == 1;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, imp->db, arb_workspace_get_path (imp->ws));
      return FALSE;
    }
  return TRUE;
}

/* A decision from a 1/2 label: 1 = the first is better (preference 0 for the second), 2 = the
 * second. Takes integers and their text ("1", "2"); returns FALSE for anything else. */
static gboolean
label_1_2 (json_object *value,
           double      *out_preference)
{
  const char *s = string_or_null (value);
  gint64 n;

  if (s != NULL)
    {
      if (g_str_equal (s, "1"))
        n = 1;
      else if (g_str_equal (s, "2"))
        n = 2;
      else
        return FALSE;
    }
  else if (is_type (value, json_type_int))
    n = json_object_get_int64 (value);
  else
    return FALSE;
  if (n != 1 && n != 2)
    return FALSE;
  *out_preference = n == 1 ? 0.0 : 1.0;
  return TRUE;
}

/* ---- pandalm ----------------------------------------------------------------------------- */

/* A PandaLM label: 1 = response1 better, 2 = response2 better, 0 (or "Tie") = tie; integers or
 * their text. "garbage" (the judge's reply had no verdict) is unparseable. */
static gboolean
pandalm_label (json_object *value,
               double      *out_preference,
               int         *out_strength,
               gboolean    *out_unparseable)
{
  const char *s = string_or_null (value);

  *out_unparseable = FALSE;
  if (label_1_2 (value, out_preference))
    {
      *out_strength = 1;
      return TRUE;
    }
  if ((is_type (value, json_type_int) && json_object_get_int64 (value) == 0) ||
      (s != NULL && (g_str_equal (s, "0") || g_ascii_strcasecmp (s, "tie") == 0)))
    {
      *out_preference = 0.5;
      *out_strength = 0;
      return TRUE;
    }
  if (s != NULL && g_str_equal (s, "garbage"))
    {
      *out_preference = NAN;
      *out_strength = -1;
      *out_unparseable = TRUE;
      return TRUE;
    }
  return FALSE;
}

/* The key NAME_result of a PandaLM judge file (gpt_result, pandalm_result), or NULL. */
static const char *
pandalm_result_key (json_object *record)
{
  json_object_object_foreach (record, key, value)
    {
      (void) value;
      if (g_str_has_suffix (key, "_result") && strlen (key) > strlen ("_result"))
        return key;
    }
  return NULL;
}

static gboolean
record_pandalm_item (ArbImporter  *imp,
                     json_object  *record,
                     const char   *idx,
                     GError      **error)
{
  static const char *const responses[] = { "response1", "response2" };
  const char *prefix = imp->options->rater ? imp->options->rater : "pandalm";
  const char *instruction, *input, *cmp_key, *sep;
  const char *text[2];
  g_autofree char *system0 = NULL;
  g_autofree char *system1 = NULL;
  const char *system[2];
  g_autofree char *content = NULL;
  g_autoptr(json_object) messages = NULL;
  g_autoptr(json_object) metadata = NULL;
  json_object *msg;
  ArbVerdictInput v = { 0 };
  gint64 prompt_id, gen[2], known;
  gboolean identical;

  if ((instruction = _arb_json_text (imp, record, "instruction", TRUE, error)) == NULL)
    return FALSE;
  input = _arb_json_text (imp, record, "input", FALSE, error);
  if (error != NULL && *error != NULL)
    return FALSE;
  cmp_key = string_or_null (get (record, "cmp_key"));
  sep = cmp_key ? strchr (cmp_key, '_') : NULL;
  if (sep == NULL || sep == cmp_key || sep[1] == '\0' || strchr (sep + 1, '_') != NULL)
    {
      _arb_record_error (imp, error, "field \"cmp_key\" must be \"<system of response1>_<system "
                                     "of response2>\"");
      return FALSE;
    }
  system[0] = system0 = g_strndup (cmp_key, sep - cmp_key);
  system[1] = system1 = g_strdup (sep + 1);
  /* A few real records hold the boolean true as a response: it becomes the text "true", with a
   * warning (by _arb_json_text). */
  for (int i = 0; i < 2; i++)
    if ((text[i] = _arb_json_text (imp, record, responses[i], TRUE, error)) == NULL)
      return FALSE;

  /* The prompt a person reads: the instruction, then the input when there is one. Both are kept
   * apart in the prompt's metadata. */
  content = input && *input ? g_strdup_printf ("%s\n\n%s", instruction, input)
                            : g_strdup (instruction);
  messages = json_object_new_array ();
  msg = message_new ("user", content, strlen (content));
  json_object_array_add (messages, msg);
  metadata = json_object_new_object ();
  json_object_object_add (metadata, "instruction", json_object_new_string (instruction));
  json_object_object_add (metadata, "input", json_object_new_string (input ? input : ""));
  if ((prompt_id = _arb_importer_prompt (imp, messages,
                                         string_or_null (get (record, "motivation_app")), NULL,
                                         metadata, NULL, NULL, error)) < 0)
    return FALSE;
  for (int i = 0; i < 2; i++)
    {
      gint64 system_id = _arb_importer_system (imp, system[i], error);

      if (system_id < 0 ||
          (gen[i] = _arb_importer_generation (imp, prompt_id, system_id, text[i], NULL, "text",
                                              NULL, error)) < 0)
        return FALSE;
    }
  if (gen[0] == gen[1])
    {
      _arb_record_error (imp, error, "response1 and response2 are the same system with the same "
                                     "text; there is nothing to compare");
      return FALSE;
    }
  if ((v.comparison_id = _arb_importer_comparison (imp, prompt_id, gen[0], gen[1], &v.flipped,
                                                   &v.identical, error)) < 0)
    return FALSE;

  /* The judge files name items by idx alone: keep idx -> comparison, and (source
   * "pandalm-swapped") which items have response1 as the comparison's B, since the judges'
   * labels are about response1 and response2. */
  if (!comparison_lookup (imp, "pandalm", idx, &known, &identical, error))
    return FALSE;
  if (known != 0 && known != v.comparison_id)
    _arb_importer_warn (imp, "PandaLM idx %s names another comparison already; kept the first",
                        idx);
  else if (!_arb_importer_comparison_external_id (imp, v.comparison_id, "pandalm", idx, error) ||
           (v.flipped && !_arb_importer_comparison_external_id (imp, v.comparison_id,
                                                                "pandalm-swapped", idx, error)))
    return FALSE;

  /* annotator1..3: three people, labelling "response 1" and "response 2" as listed: presented
   * ab in the file's order (flipped with the comparison when response1 is its B). Agreement is
   * measured in that order, which is how PandaLM's published kappas count. */
  json_object_object_foreach (record, key, value)
    {
      g_autofree char *rater = NULL;
      gboolean unparseable;

      const char *digits = key + strlen ("annotator");

      /* annotator1, annotator2, ...: other keys (e.g. "annotator_notes") are not labels */
      if (!g_str_has_prefix (key, "annotator") || *digits == '\0' ||
          strspn (digits, "0123456789") != strlen (digits) || value == NULL ||
          is_type (value, json_type_null))
        continue;
      if (!pandalm_label (value, &v.preference, &v.strength, &unparseable) || unparseable)
        {
          _arb_record_error (imp, error, "field \"%s\" must be 0 (tie), 1 (response1 better) or "
                                         "2 (response2 better)", key);
          return FALSE;
        }
      rater = g_strdup_printf ("%s/%s", prefix, key);
      if ((v.rater_id = _arb_importer_rater (imp, rater, "human", "annotator", error)) < 0)
        return FALSE;
      v.status = "ok";
      v.presented = "ab";
      v.seconds = -1;
      if (!_arb_importer_verdict (imp, &v, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
record_pandalm_judge (ArbImporter  *imp,
                      json_object  *record,
                      const char   *idx,
                      const char   *result_key,
                      GError      **error)
{
  g_autofree char *name = g_strndup (result_key, strlen (result_key) - strlen ("_result"));
  g_autofree char *reason_key = g_strdup_printf ("%s_reason", name);
  g_autofree char *reference_key = g_strdup_printf ("%s_reference", name);
  g_autofree char *rater = NULL;
  g_autoptr(json_object) metadata = NULL;
  json_object *result = get (record, result_key);
  const char *reference = string_or_null (get (record, reference_key));
  ArbVerdictInput v = { 0 };
  gint64 swapped;
  gboolean unparseable, identical = FALSE;

  if (!pandalm_label (result, &v.preference, &v.strength, &unparseable))
    {
      _arb_record_error (imp, error, "field \"%s\" must be 1, 2, 0 or \"Tie\" (a tie), or "
                                     "\"garbage\" (no verdict)", result_key);
      return FALSE;
    }
  if (!comparison_lookup (imp, "pandalm", idx, &v.comparison_id, &identical, error) ||
      !comparison_lookup (imp, "pandalm-swapped", idx, &swapped, NULL, error))
    return FALSE;
  if (v.comparison_id == 0)
    {
      _arb_record_error (imp, error, "no PandaLM item with idx %s in the workspace: import the "
                                     "test set (testset-v1.json) before its judges' files", idx);
      return FALSE;
    }
  v.flipped = swapped != 0;
  v.identical = identical;

  /* The judge is named by the file (gpt-3.5-turbo-testset-v1.json) or else by the key. */
  if (imp->options->rater != NULL)
    rater = g_strdup (imp->options->rater);
  else
    rater = g_strdup_printf ("pandalm/%s", path_names (imp)->pandalm_judge
                                             ? path_names (imp)->pandalm_judge : name);
  if ((v.rater_id = _arb_importer_rater (imp, rater, "judge", "annotator", error)) < 0)
    return FALSE;
  /* PandaLM's judge prompt shows response1 first. */
  v.presented = "ab";
  v.status = unparseable ? "unparseable" : "ok";
  v.rationale = string_or_null (get (record, reason_key));
  v.raw = unparseable ? json_object_get_string (result) : NULL;
  v.seconds = -1;
  if (reference != NULL)
    {
      metadata = json_object_new_object ();
      json_object_object_add (metadata, "reference", json_object_new_string (reference));
      v.metadata = metadata;
    }
  return _arb_importer_verdict (imp, &v, error);
}

static gboolean
record_pandalm (ArbImporter  *imp,
                json_object  *record,
                GError      **error)
{
  g_autofree char *idx = _arb_json_id (record, "idx");
  const char *result_key;

  if (idx == NULL)
    {
      _arb_record_error (imp, error, "a PandaLM record needs \"idx\" (an integer)");
      return FALSE;
    }
  if (has_key (record, "cmp_key") || has_key (record, "response1"))
    return record_pandalm_item (imp, record, idx, error);
  if ((result_key = pandalm_result_key (record)) != NULL)
    return record_pandalm_judge (imp, record, idx, result_key, error);
  _arb_record_error (imp, error, "a PandaLM record is either an item (\"cmp_key\", "
                                 "\"instruction\", \"response1\", \"response2\", "
                                 "\"annotator1\"...) or a judge's verdict (\"NAME_result\")");
  return FALSE;
}

/* ---- llmbar, llmbar-result --------------------------------------------------------------- */

static gboolean
llmbar_judge_verdict (ArbImporter  *imp,
                      json_object  *order,
                      const char   *what,
                      ArbVerdictInput *v,
                      GError      **error)
{
  json_object *winner = get (order, "winner");
  json_object *completion = get (order, "completion");
  g_autoptr(json_object) metadata = NULL;

  if (!is_type (order, json_type_object))
    {
      _arb_record_error (imp, error, "\"%s\" must be an object with \"winner\" and "
                                     "\"completion\"", what);
      return FALSE;
    }
  v->raw = NULL;
  if (is_type (completion, json_type_array))
    {
      json_object *finish = json_object_array_get_idx (completion, 1);

      v->raw = string_or_null (json_object_array_get_idx (completion, 0));
      /* Only GPT-4's replies say why they stopped; the others give "". */
      if (string_or_null (finish) != NULL && *json_object_get_string (finish) != '\0')
        {
          metadata = json_object_new_object ();
          json_object_object_add (metadata, "finish_reason", json_object_get (finish));
        }
    }
  v->metadata = metadata;
  if (winner == NULL || is_type (winner, json_type_null))
    {
      /* The judge's reply named no output. */
      v->status = "unparseable";
      v->preference = NAN;
      v->strength = -1;
    }
  else if (label_1_2 (winner, &v->preference))
    {
      v->status = "ok";
      v->strength = 1;
    }
  else
    {
      _arb_record_error (imp, error, "\"%s\": \"winner\" must be \"1\", \"2\" or null", what);
      return FALSE;
    }
  return _arb_importer_verdict (imp, v, error);
}

static gboolean
record_llmbar_common (ArbImporter  *imp,
                      json_object  *record,
                      gboolean      with_results,
                      GError      **error)
{
  static const char *const outputs[] = { "output_1", "output_2" };
  const char *system = imp->options->system ? imp->options->system : "llmbar";
  const char *input, *text[2];
  const char *gold = "gold";
  json_object *results = get (record, "results");
  g_autoptr(json_object) prompt = NULL;
  g_autoptr(json_object) ptext = NULL;
  ArbVerdictInput v = { 0 };
  gint64 prompt_id, system_id, gen[2];
  double label;

  if ((input = _arb_json_text (imp, record, "input", TRUE, error)) == NULL)
    return FALSE;
  for (int i = 0; i < 2; i++)
    if ((text[i] = _arb_json_text (imp, record, outputs[i], TRUE, error)) == NULL)
      return FALSE;
  if (!label_1_2 (get (record, "label"), &label))
    {
      _arb_record_error (imp, error, "field \"label\" must be 1 (output_1 is better) or 2");
      return FALSE;
    }
  if (with_results && !is_type (results, json_type_array))
    {
      _arb_record_error (imp, error, "field \"results\" must be a list of {\"swap = False\": ..., "
                                     "\"swap = True\": ...}");
      return FALSE;
    }

  ptext = json_object_new_string (input);
  if ((prompt = _arb_json_messages (imp, ptext, "input", error)) == NULL ||
      (prompt_id = _arb_importer_prompt (imp, prompt, path_names (imp)->llmbar_category, NULL,
                                         NULL, NULL, NULL, error)) < 0 ||
      (system_id = _arb_importer_system (imp, system, error)) < 0)
    return FALSE;
  for (int i = 0; i < 2; i++)
    if ((gen[i] = _arb_importer_generation (imp, prompt_id, system_id, text[i], NULL, "text",
                                            NULL, error)) < 0)
      return FALSE;
  if (gen[0] == gen[1])
    {
      _arb_importer_warn (imp, "output_1 and output_2 are the same text; no comparison made");
      return TRUE;
    }
  if ((v.comparison_id = _arb_importer_comparison (imp, prompt_id, gen[0], gen[1], &v.flipped,
                                                   &v.identical, error)) < 0)
    return FALSE;

  /* The gold label: which output follows the instruction better (no ties). */
  if (!with_results && imp->options->rater != NULL)
    gold = imp->options->rater;
  if ((v.rater_id = _arb_importer_rater (imp, gold, "human", "gold", error)) < 0)
    return FALSE;
  v.preference = label;
  v.strength = 1;
  v.status = "ok";
  v.seconds = -1;
  if (!_arb_importer_verdict (imp, &v, error))
    return FALSE;
  if (!with_results)
    return TRUE;

  /* The judge: one verdict per presented order. "swap = False" showed output_1 first; in both
   * orders the winner is in the original numbering. */
  {
    PathNames *names = path_names (imp);
    g_autofree char *judge = NULL;

    if (imp->options->rater != NULL)
      judge = g_strdup (imp->options->rater);
    else if (names->llmbar_judge != NULL)
      judge = g_strdup_printf ("llmbar/%s", names->llmbar_judge);
    else
      {
        judge = g_strdup_printf ("llmbar/%s", names->file_stem ? names->file_stem : "judge");
        if (!names->warned_judge)
          _arb_importer_warn (imp, "the path does not say which judge this is "
                                   "(.../evaluators/JUDGE/METHOD/result.json); its verdicts are "
                                   "stored as rater \"%s\" (name it with --rater)", judge);
        names->warned_judge = TRUE;
      }
    if ((v.rater_id = _arb_importer_rater (imp, judge, "judge", "annotator", error)) < 0)
      return FALSE;
  }
  for (size_t i = 0; i < json_object_array_length (results); i++)
    {
      json_object *sample = json_object_array_get_idx (results, i);

      if (!is_type (sample, json_type_object))
        {
          _arb_record_error (imp, error, "results %zu must be an object", i + 1);
          return FALSE;
        }
      v.sample = i;
      v.presented = "ab";
      if (!llmbar_judge_verdict (imp, get (sample, "swap = False"), "swap = False", &v, error))
        return FALSE;
      v.presented = "ba";
      if (!llmbar_judge_verdict (imp, get (sample, "swap = True"), "swap = True", &v, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
record_llmbar (ArbImporter  *imp,
               json_object  *record,
               GError      **error)
{
  return record_llmbar_common (imp, record, FALSE, error);
}

static gboolean
record_llmbar_result (ArbImporter  *imp,
                      json_object  *record,
                      GError      **error)
{
  return record_llmbar_common (imp, record, TRUE, error);
}

/* ---- mt-bench-questions, mt-bench-answers, mt-bench-judgments ----------------------------- */

/* FastChat's question: the first turn is the prompt; the later turns are kept in the prompt's
 * metadata ("turns") so that answers can build their multi-turn responses. */
static gboolean
record_mt_questions (ArbImporter  *imp,
                     json_object  *record,
                     GError      **error)
{
  g_autofree char *qid = _arb_json_id (record, "question_id");
  json_object *turns = get (record, "turns");
  json_object *reference = get (record, "reference");
  g_autoptr(json_object) messages = NULL;
  g_autoptr(json_object) metadata = NULL;
  json_object *first;
  const char *category;
  size_t n;

  if (qid == NULL)
    {
      _arb_record_error (imp, error, "a question needs \"question_id\"");
      return FALSE;
    }
  n = is_type (turns, json_type_array) ? json_object_array_length (turns) : 0;
  for (size_t i = 0; i < n; i++)
    if (!is_type (json_object_array_get_idx (turns, i), json_type_string))
      n = 0;
  if (n == 0)
    {
      _arb_record_error (imp, error, "field \"turns\" must be a list of one or more texts");
      return FALSE;
    }
  category = _arb_json_text (imp, record, "category", FALSE, error);
  if (error != NULL && *error != NULL)
    return FALSE;
  first = json_object_array_get_idx (turns, 0);
  messages = json_object_new_array ();
  json_object_array_add (messages, message_new ("user", json_object_get_string (first),
                                                json_object_get_string_len (first)));
  metadata = json_object_new_object ();
  json_object_object_add (metadata, "question_id", json_object_get (get (record, "question_id")));
  json_object_object_add (metadata, "turns", json_object_get (turns));
  if (is_type (reference, json_type_array))
    json_object_object_add (metadata, "reference", json_object_get (reference));
  return _arb_importer_prompt (imp, messages, category,
                               string_or_null (is_type (reference, json_type_array)
                                                 ? json_object_array_get_idx (reference, 0)
                                                 : reference),
                               metadata, path_names (imp)->fastchat_source, qid, error) >= 0;
}

/* The question's turns, from the prompt's first message and its metadata. */
static json_object *
mt_question_turns (ArbImporter  *imp,
                   gint64        prompt_id,
                   GError      **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (imp->ws, "SELECT messages, metadata FROM prompts "
                                                        "WHERE id = ?", error);
  g_autoptr(json_object) messages = NULL;
  g_autoptr(json_object) metadata = NULL;
  json_object *turns = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, prompt_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      messages = json_tokener_parse ((const char *) sqlite3_column_text (stmt, 0));
      if (sqlite3_column_type (stmt, 1) == SQLITE_TEXT)
        metadata = json_tokener_parse ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  turns = get (metadata, "turns");
  if (is_type (turns, json_type_array))
    return json_object_get (turns);
  /* A prompt made by another format: only its first turn is known. */
  turns = json_object_new_array ();
  if (is_type (messages, json_type_array) && json_object_array_length (messages) > 0)
    json_object_array_add (turns, json_object_get (get (json_object_array_get_idx (messages, 0),
                                                        "content")));
  return turns;
}

static gint64
mt_prompt (ArbImporter  *imp,
           json_object  *record,
           char        **out_qid,
           GError      **error)
{
  g_autofree char *qid = _arb_json_id (record, "question_id");
  const char *source = path_names (imp)->fastchat_source;
  gint64 prompt_id;

  if (qid == NULL)
    {
      _arb_record_error (imp, error, "a record needs \"question_id\"");
      return -1;
    }
  prompt_id = _arb_importer_prompt_by_external_id (imp, source, qid, error);
  if (prompt_id == 0)
    _arb_record_error (imp, error, "question %s of %s is not in the workspace: import its "
                                   "questions (question.jsonl) first", qid, source);
  if (prompt_id <= 0)
    return -1;
  *out_qid = g_steal_pointer (&qid);
  return prompt_id;
}

static const char *
turn_text (json_object *turns,
           size_t       i)
{
  const char *s = string_or_null (json_object_array_get_idx (turns, i));

  return s ? s : "";
}

static gboolean
record_mt_answers (ArbImporter  *imp,
                   json_object  *record,
                   GError      **error)
{
  json_object *choices = get (record, "choices");
  const char *model = imp->options->system;
  g_autofree char *qid = NULL;
  g_autoptr(json_object) questions = NULL;
  gint64 prompt_id, system_id;
  size_t n_choices;

  if (model == NULL && (model = _arb_json_text (imp, record, "model_id", TRUE, error)) == NULL)
    return FALSE;
  if (!is_type (choices, json_type_array) || json_object_array_length (choices) == 0)
    {
      _arb_record_error (imp, error, "field \"choices\" must be a list of {\"index\", \"turns\"}");
      return FALSE;
    }
  if ((prompt_id = mt_prompt (imp, record, &qid, error)) < 0 ||
      (questions = mt_question_turns (imp, prompt_id, error)) == NULL ||
      (system_id = _arb_importer_system (imp, model, error)) < 0)
    return FALSE;

  n_choices = json_object_array_length (choices);
  for (size_t c = 0; c < n_choices; c++)
    {
      json_object *choice = json_object_array_get_idx (choices, c);
      json_object *turns = get (choice, "turns");
      g_autoptr(json_object) conversation = json_object_new_array ();
      size_t n;

      n = is_type (turns, json_type_array) ? json_object_array_length (turns) : 0;
      if (n == 0)
        {
          _arb_record_error (imp, error, "choice %zu: \"turns\" must be a list of one or more "
                                         "texts", c + 1);
          return FALSE;
        }
      if (n > json_object_array_length (questions))
        {
          _arb_record_error (imp, error, "choice %zu answers %zu turns, but question %s has %zu",
                             c + 1, n, qid, json_object_array_length (questions));
          return FALSE;
        }
      for (size_t t = 0; t < n; t++)
        {
          json_object *answer = json_object_array_get_idx (turns, t);
          g_autoptr(json_object) metadata = json_object_new_object ();
          g_autofree char *converted = NULL;
          const char *text;

          if (is_type (answer, json_type_string))
            text = json_object_get_string (answer);
          else if (answer != NULL && !is_type (answer, json_type_array) &&
                   !is_type (answer, json_type_object))
            {
              converted = g_strdup (json_object_get_string (answer));
              text = converted;
              _arb_importer_warn (imp, "choice %zu, turn %zu is not text; imported as the text "
                                       "\"%s\"", c + 1, t + 1, text);
            }
          else
            {
              _arb_record_error (imp, error, "choice %zu, turn %zu must be text", c + 1, t + 1);
              return FALSE;
            }
          /* Turn 2 answers in the conversation that turn 1 began: the response keeps every turn
           * after the question's first (the system's own first answer, the second question,
           * its second answer). */
          if (t > 0)
            json_object_array_add (conversation, message_new ("user", turn_text (questions, t),
                                                              strlen (turn_text (questions, t))));
          json_object_array_add (conversation, message_new ("assistant", text, strlen (text)));
          json_object_object_add (metadata, "question_id",
                                  json_object_get (get (record, "question_id")));
          if (string_or_null (get (record, "answer_id")) != NULL)
            json_object_object_add (metadata, "answer_id",
                                    json_object_get (get (record, "answer_id")));
          json_object_object_add (metadata, "turn", json_object_new_int ((int) t + 1));
          if (n_choices > 1)
            json_object_object_add (metadata, "choice", json_object_new_int ((int) c));
          if (_arb_importer_generation (imp, prompt_id, system_id, text,
                                        t > 0 ? conversation : NULL, "text", metadata,
                                        error) < 0)
            return FALSE;
        }
    }
  return TRUE;
}

/* Whether every text the judged prompt should hold is in it: the question's turns up to `turn`
 * and the answer's turns up to `turn`. */
static gboolean
mt_prompt_holds (const char  *judged,
                 json_object *questions,
                 int          turn)
{
  for (int t = 0; t < turn; t++)
    if (judged == NULL || strstr (judged, turn_text (questions, t)) == NULL)
      return FALSE;
  return TRUE;
}

/* The generation of `model` for the question's turn whose answers the judged prompts show.
 * Returns 0 (with a warning) when the workspace has answers of the model but not the judged
 * ones, -1 on error (no answers at all is a bad record). */
static gint64
mt_judged_generation (ArbImporter  *imp,
                      gint64        prompt_id,
                      const char   *model,
                      int           turn,
                      const char   *judged[2],
                      const char   *qid,
                      GError      **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (imp->ws,
                                               "SELECT g.id, g.text, g.messages, g.metadata "
                                               "FROM generations g JOIN systems s "
                                               "ON s.id = g.system_id "
                                               "WHERE g.prompt_id = ? AND s.name = ? "
                                               "ORDER BY g.id", error);
  gint64 found = 0;
  guint candidates = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, prompt_id);
  sqlite3_bind_text (stmt, 2, model, -1, SQLITE_STATIC);
  while (found == 0 && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(json_object) metadata = NULL;
      g_autoptr(json_object) messages = NULL;
      const char *text = (const char *) sqlite3_column_text (stmt, 1);
      gboolean holds = TRUE;

      if (sqlite3_column_type (stmt, 3) == SQLITE_TEXT)
        metadata = json_tokener_parse ((const char *) sqlite3_column_text (stmt, 3));
      if (!is_type (get (metadata, "turn"), json_type_int) ||
          json_object_get_int (get (metadata, "turn")) != turn)
        continue;
      candidates++;
      if (sqlite3_column_type (stmt, 2) == SQLITE_TEXT)
        messages = json_tokener_parse ((const char *) sqlite3_column_text (stmt, 2));
      for (int j = 0; j < 2 && holds; j++)
        {
          if (judged[j] == NULL)
            continue;
          if (strstr (judged[j], text) == NULL)
            holds = FALSE;
          /* For later turns, the earlier answers of the conversation must be there too. */
          for (size_t m = 0; holds && is_type (messages, json_type_array) &&
                             m < json_object_array_length (messages); m++)
            {
              json_object *msg = json_object_array_get_idx (messages, m);
              const char *content = string_or_null (get (msg, "content"));

              if (content != NULL && strstr (judged[j], content) == NULL)
                holds = FALSE;
            }
        }
      if (holds)
        found = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_reset (stmt);
  if (found == 0 && candidates == 0)
    {
      _arb_record_error (imp, error, "the workspace has no answer of %s to question %s, turn %d: "
                                     "import its answers (model_answer/%s.jsonl) first", model,
                         qid, turn, model);
      return -1;
    }
  if (found == 0)
    _arb_importer_warn (imp, "question %s, turn %d: the judged answer of %s is not the one in "
                             "the workspace; this judgment was not imported", qid, turn, model);
  return found;
}

/* The first line of the question in a judged prompt, for messages. */
static char *
judged_question (const char *judged)
{
  static const char *const markers[] = { "[User Question]\n", "[Question]\n", "### User:\n" };
  const char *p = NULL;
  gsize len;

  for (guint i = 0; i < G_N_ELEMENTS (markers) && p == NULL; i++)
    if (judged != NULL && (p = strstr (judged, markers[i])) != NULL)
      p += strlen (markers[i]);
  if (p == NULL)
    return g_strdup ("?");
  len = strcspn (p, "\n");
  if (len > 80)
    {
      /* Cut on a character boundary. */
      const char *end = g_utf8_find_prev_char (p, p + 80);

      return g_strdup_printf ("%.*s…", (int) (end - p), p);
    }
  return g_strndup (p, len);
}

static gboolean
mt_winner (json_object *value,
           ArbVerdictInput *v)
{
  const char *s = string_or_null (value);

  v->status = "ok";
  if (g_strcmp0 (s, "model_1") == 0)
    v->preference = 0.0, v->strength = 1;
  else if (g_strcmp0 (s, "model_2") == 0)
    v->preference = 1.0, v->strength = 1;
  else if (g_strcmp0 (s, "tie") == 0)
    v->preference = 0.5, v->strength = 0;
  else if (g_strcmp0 (s, "error") == 0)
    v->preference = NAN, v->strength = -1, v->status = "unparseable";
  else
    return FALSE;
  return TRUE;
}

static gboolean
record_mt_judgments (ArbImporter  *imp,
                     json_object  *record,
                     GError      **error)
{
  json_object *judge = get (record, "judge");
  json_object *turn_value = get (record, "turn");
  gboolean pairwise = has_key (record, "g1_winner");
  const char *judge_model = NULL, *judge_prompt = NULL;
  g_autofree char *qid = NULL;
  g_autofree char *rater = NULL;
  g_autoptr(json_object) questions = NULL;
  g_autoptr(json_object) metadata = NULL;
  const char *judged[2];
  gint64 prompt_id;
  int turn = 1;

  if (is_type (judge, json_type_array) && json_object_array_length (judge) >= 1)
    {
      judge_model = string_or_null (json_object_array_get_idx (judge, 0));
      judge_prompt = string_or_null (json_object_array_get_idx (judge, 1));
    }
  else
    judge_model = string_or_null (judge);
  if (judge_model == NULL)
    {
      _arb_record_error (imp, error, "field \"judge\" must be [judge model, prompt name]");
      return FALSE;
    }
  if (turn_value != NULL && !is_type (turn_value, json_type_null))
    {
      if (!is_type (turn_value, json_type_int) || json_object_get_int (turn_value) < 1)
        {
          _arb_record_error (imp, error, "field \"turn\" must be 1, 2, ...");
          return FALSE;
        }
      turn = json_object_get_int (turn_value);
    }
  if (!pairwise && !has_key (record, "score"))
    {
      _arb_record_error (imp, error, "a judgment is pairwise (\"model_1\", \"model_2\", "
                                     "\"g1_winner\", \"g2_winner\") or single (\"model\", "
                                     "\"score\")");
      return FALSE;
    }
  if ((prompt_id = mt_prompt (imp, record, &qid, error)) < 0 ||
      (questions = mt_question_turns (imp, prompt_id, error)) == NULL)
    return FALSE;
  if ((size_t) turn > json_object_array_length (questions))
    {
      _arb_record_error (imp, error, "turn %d of question %s is not in the workspace "
                                     "(it has %zu turns)", turn, qid,
                         json_object_array_length (questions));
      return FALSE;
    }

  judged[0] = string_or_null (get (record, pairwise ? "g1_user_prompt" : "user_prompt"));
  judged[1] = pairwise ? string_or_null (get (record, "g2_user_prompt")) : NULL;
  if (judged[0] == NULL)
    {
      _arb_record_error (imp, error, "field \"%s\" must be the judged prompt (text)",
                         pairwise ? "g1_user_prompt" : "user_prompt");
      return FALSE;
    }
  /* A real judgment file reuses question ids for other questions (an older bench's): only the
   * question text in the judged prompt tells. Such a judgment is left out, never attached to
   * this question's generations. */
  for (int j = 0; j < 2; j++)
    if (judged[j] != NULL && !mt_prompt_holds (judged[j], questions, turn))
      {
        g_autofree char *other = judged_question (judged[j]);

        _arb_importer_warn (imp, "question %s: this judgment is of another question (\"%s\") "
                                 "than the workspace's question %s; it was not imported", qid,
                            other, qid);
        return TRUE;
      }

  rater = imp->options->rater ? g_strdup (imp->options->rater)
                              : g_strdup_printf ("mt-bench/%s/%s", judge_model,
                                                 pairwise ? "pair" : "single");
  if (judge_prompt != NULL)
    {
      metadata = json_object_new_object ();
      json_object_object_add (metadata, "judge_prompt", json_object_new_string (judge_prompt));
    }

  if (pairwise)
    {
      static const char *const models[] = { "model_1", "model_2" };
      static const char *const winners[] = { "g1_winner", "g2_winner" };
      static const char *const judgments[] = { "g1_judgment", "g2_judgment" };
      static const char *const presented[] = { "ab", "ba" };
      ArbVerdictInput v = { 0 };
      gint64 gen[2];

      for (int i = 0; i < 2; i++)
        {
          const char *model = _arb_json_text (imp, record, models[i], TRUE, error);

          if (model == NULL)
            return FALSE;
          if ((gen[i] = mt_judged_generation (imp, prompt_id, model, turn, judged, qid,
                                              error)) <= 0)
            return gen[i] == 0;
        }
      if (gen[0] == gen[1])
        {
          _arb_record_error (imp, error, "model_1 and model_2 are the same answer");
          return FALSE;
        }
      if ((v.comparison_id = _arb_importer_comparison (imp, prompt_id, gen[0], gen[1],
                                                       &v.flipped, &v.identical, error)) < 0)
        return FALSE;
      /* The rater is made only once a judgment lands, so a file of stale rows adds none. */
      if ((v.rater_id = _arb_importer_rater (imp, rater, "judge", "annotator", error)) < 0)
        return FALSE;
      v.seconds = -1;
      v.metadata = metadata;
      /* g1 showed model_1 first (as Assistant A), g2 the other way round; both winners name
       * the models. */
      for (int i = 0; i < 2; i++)
        {
          if (!mt_winner (get (record, winners[i]), &v))
            {
              _arb_record_error (imp, error, "field \"%s\" must be model_1, model_2, tie or "
                                             "error", winners[i]);
              return FALSE;
            }
          v.presented = presented[i];
          v.raw = string_or_null (get (record, judgments[i]));
          if (!_arb_importer_verdict (imp, &v, error))
            return FALSE;
        }
      return TRUE;
    }
  else
    {
      json_object *score = get (record, "score");
      ArbGradeInput g = { 0 };
      const char *model = _arb_json_text (imp, record, "model", TRUE, error);

      if (model == NULL)
        return FALSE;
      if (!is_number (score))
        {
          _arb_record_error (imp, error, "field \"score\" must be a number (-1 when the judge "
                                         "gave none)");
          return FALSE;
        }
      if ((g.generation_id = mt_judged_generation (imp, prompt_id, model, turn, judged, qid,
                                                   error)) <= 0)
        return g.generation_id == 0;
      if ((g.rater_id = _arb_importer_rater (imp, rater, "judge", "annotator", error)) < 0)
        return FALSE;
      g.score = json_object_get_double (score);
      g.status = "ok";
      /* FastChat writes -1 when it found no [[rating]] in the reply. */
      if (g.score == -1)
        {
          g.score = NAN;
          g.status = "unparseable";
        }
      g.raw = string_or_null (get (record, "judgment"));
      g.metadata = metadata;
      return _arb_importer_grade (imp, &g, error);
    }
}

/* ---- finegrained-rlhf, bigbench-mistake, prm800k: spans and steps ------------------------- */

/* A user prompt of one message. */
static gint64
single_prompt (ArbImporter *imp,
               const char  *text,
               const char  *reference,
               json_object *metadata,
               GError     **error)
{
  g_autoptr(json_object) messages = json_object_new_array ();

  json_object_array_add (messages, message_new ("user", text, strlen (text)));
  return _arb_importer_prompt (imp, messages, NULL, reference, metadata, NULL, NULL, error);
}

/* Byte offset of code point @cp in @text, or -1 when @text is shorter. */
static gint64
code_point_to_byte (const char *text,
                    gint64      cp)
{
  const char *p = text;

  for (gint64 i = 0; i < cp; i++)
    {
      if (*p == '\0')
        return -1;
      p = g_utf8_next_char (p);
    }
  return p - text;
}

/* FineGrainedRLHF qa-feedback: four answers, error spans on "prediction 1" in code points
 * (end-exclusive, unsorted) and six pairwise preferences (1v2, 1v3, 1v4, 2v3, 2v4, 3v4;
 * 1 = first better, 2 = second better, 0 = tie). */
static gboolean
record_finegrained (ArbImporter *imp,
                    json_object *record,
                    GError     **error)
{
  static const int pairs[6][2] = { { 0, 1 }, { 0, 2 }, { 0, 3 }, { 1, 2 }, { 1, 3 }, { 2, 3 } };
  const char *rater = imp->options->rater ? imp->options->rater : "finegrained-rlhf";
  json_object *feedback = get (record, "feedback");
  json_object *errors = get (feedback, "errors");
  json_object *preference = get (record, "preference");
  const char *question, *gold, *text[4];
  g_autoptr(json_object) prompt_meta = json_object_new_object ();
  g_autoptr(json_object) gen_meta = json_object_new_object ();
  gint64 prompt_id, rater_id, gen[4];

  question = _arb_json_text (imp, record, "question", TRUE, error);
  if (question == NULL)
    return FALSE;
  gold = string_or_null (get (record, "gold"));
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *key = g_strdup_printf ("prediction %d", i + 1);

      if ((text[i] = _arb_json_text (imp, record, key, TRUE, error)) == NULL)
        return FALSE;
    }
  if (get (record, "passages") != NULL)
    json_object_object_add (prompt_meta, "passages", json_object_get (get (record, "passages")));
  if (get (feedback, "missing-info") != NULL)
    json_object_object_add (gen_meta, "missing-info",
                            json_object_get (get (feedback, "missing-info")));
  if (get (feedback, "corrected-prediction") != NULL)
    json_object_object_add (gen_meta, "corrected-prediction",
                            json_object_get (get (feedback, "corrected-prediction")));
  if ((prompt_id = single_prompt (imp, question, gold, prompt_meta, error)) < 0 ||
      (rater_id = _arb_importer_rater (imp, rater, "human", "annotator", error)) < 0)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("prediction %d", i + 1);
      gint64 system_id = _arb_importer_system (imp, imp->options->system ? imp->options->system
                                                                          : name, error);

      if (system_id < 0 ||
          (gen[i] = _arb_importer_generation (imp, prompt_id, system_id, text[i], NULL, "text",
                                              i == 0 ? gen_meta : NULL, error)) < 0)
        return FALSE;
    }

  for (size_t i = 0; is_type (errors, json_type_array) && i < json_object_array_length (errors);
       i++)
    {
      json_object *e = json_object_array_get_idx (errors, i);
      ArbSpanInput s = { 0 };
      gint64 start = json_object_get_int64 (get (e, "start"));
      gint64 end = json_object_get_int64 (get (e, "end"));

      s.label = string_or_null (get (e, "error type"));
      if (!is_number (get (e, "start")) || !is_number (get (e, "end")) || s.label == NULL ||
          start < 0 || end < start)
        {
          _arb_importer_warn (imp, "error %zu has no label or no valid start and end; skipped", i);
          continue;
        }
      s.start_byte = code_point_to_byte (text[0], start);
      s.end_byte = code_point_to_byte (text[0], end);
      if (s.start_byte < 0 || s.end_byte < 0)
        {
          _arb_importer_warn (imp, "error %zu ends after the answer; skipped", i);
          continue;
        }
      s.generation_id = gen[0];
      s.rater_id = rater_id;
      s.value = NAN;
      s.step_index = -1;
      s.note = string_or_null (get (e, "explanation"));
      if (s.note != NULL && *s.note == '\0')
        s.note = NULL;
      if (!_arb_importer_span (imp, &s, error))
        return FALSE;
    }

  if (!is_type (preference, json_type_array))
    return TRUE;
  for (size_t i = 0; i < 6 && i < json_object_array_length (preference); i++)
    {
      ArbVerdictInput v = { 0 };
      int p = json_object_get_int (json_object_array_get_idx (preference, i));

      if (p < 0 || p > 2)
        {
          _arb_importer_warn (imp, "preference %zu is %d, not 0, 1 or 2; skipped", i, p);
          continue;
        }
      if (gen[pairs[i][0]] == gen[pairs[i][1]])
        continue;
      if ((v.comparison_id = _arb_importer_comparison (imp, prompt_id, gen[pairs[i][0]],
                                                       gen[pairs[i][1]], &v.flipped,
                                                       &v.identical, error)) < 0)
        return FALSE;
      v.rater_id = rater_id;
      v.preference = p == 1 ? 0.0 : p == 2 ? 1.0 : 0.5;
      v.strength = p == 0 ? 0 : 1;
      v.seconds = -1;
      if (!_arb_importer_verdict (imp, &v, error))
        return FALSE;
    }
  return TRUE;
}

/* Writes a generation made of steps joined by newlines, with a step row per step; returns the
 * generation and each step's byte range (in @ranges, two per step). */
static gint64
stepped_generation (ArbImporter  *imp,
                    gint64        prompt_id,
                    gint64        system_id,
                    GPtrArray    *steps,
                    json_object  *metadata,
                    GArray       *ranges,
                    GError      **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gint64 gen;

  for (guint i = 0; i < steps->len; i++)
    {
      gint64 start;

      if (i > 0)
        g_string_append_c (text, '\n');
      start = text->len;
      g_string_append (text, g_ptr_array_index (steps, i));
      g_array_append_val (ranges, start);
      start = text->len;
      g_array_append_val (ranges, start);
    }
  gen = _arb_importer_generation (imp, prompt_id, system_id, text->str, NULL, "text", metadata,
                                  error);
  if (gen < 0)
    return -1;
  for (guint i = 0; i < steps->len; i++)
    if (!_arb_importer_step (imp, gen, i, g_array_index (ranges, gint64, 2 * i),
                             g_array_index (ranges, gint64, 2 * i + 1), error))
      return -1;
  return gen;
}

/* BIG-Bench Mistake: a trace of steps and the 0-based index of its first mistake (null: none).
 * Steps before it are correct (+1), it is incorrect (-1), those after are not labelled. */
static gboolean
record_bigbench_mistake (ArbImporter *imp,
                         json_object *record,
                         GError     **error)
{
  const char *rater = imp->options->rater ? imp->options->rater : "bigbench-mistake";
  const char *system = imp->options->system ? imp->options->system : "PaLM 2-L";
  json_object *steps = get (record, "steps");
  json_object *mistake = get (record, "mistake_index");
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(json_object) metadata = json_object_new_object ();
  const char *input;
  gint64 prompt_id, system_id, rater_id, gen, first_error = -1;

  if ((input = _arb_json_text (imp, record, "input", TRUE, error)) == NULL)
    return FALSE;
  if (!is_type (steps, json_type_array))
    {
      _arb_record_error (imp, error, "field \"steps\" must be a list of texts");
      return FALSE;
    }
  for (size_t i = 0; i < json_object_array_length (steps); i++)
    {
      const char *step = string_or_null (json_object_array_get_idx (steps, i));

      if (step == NULL)
        {
          _arb_record_error (imp, error, "step %zu is not a text", i);
          return FALSE;
        }
      g_ptr_array_add (texts, (gpointer) step);
    }
  if (is_number (mistake))
    first_error = json_object_get_int64 (mistake);
  else if (mistake != NULL)
    {
      _arb_record_error (imp, error, "field \"mistake_index\" must be a number or null");
      return FALSE;
    }
  if (first_error >= (gint64) texts->len)
    {
      _arb_record_error (imp, error, "mistake_index %" G_GINT64_FORMAT " is past the last step",
                         first_error);
      return FALSE;
    }
  json_object_object_add (metadata, "answer", json_object_get (get (record, "answer")));
  json_object_object_add (metadata, "target", json_object_get (get (record, "target")));
  json_object_object_add (metadata, "mistake_index", json_object_get (mistake));

  if ((prompt_id = single_prompt (imp, input, string_or_null (get (record, "target")), NULL,
                                  error)) < 0 ||
      (system_id = _arb_importer_system (imp, system, error)) < 0 ||
      (rater_id = _arb_importer_rater (imp, rater, "human", "annotator", error)) < 0 ||
      (gen = stepped_generation (imp, prompt_id, system_id, texts, metadata, ranges,
                                 error)) < 0)
    return FALSE;
  for (guint i = 0; i < texts->len; i++)
    {
      ArbSpanInput s = { 0 };

      if (first_error >= 0 && i > first_error)
        break;
      s.generation_id = gen;
      s.rater_id = rater_id;
      s.start_byte = g_array_index (ranges, gint64, 2 * i);
      s.end_byte = g_array_index (ranges, gint64, 2 * i + 1);
      s.label = (gint64) i == first_error ? "incorrect" : "correct";
      s.value = (gint64) i == first_error ? -1.0 : 1.0;
      s.step_index = i;
      if (!_arb_importer_span (imp, &s, error))
        return FALSE;
    }
  return TRUE;
}

/* PRM800K: per step, rated completions; the chosen one (or a human's) continues the path. The
 * path is the generation, one step per line; each of its rated steps becomes a step label
 * (-1/0/+1), and the completions not taken are kept in the generation's metadata. */
static gboolean
record_prm800k (ArbImporter *imp,
                json_object *record,
                GError     **error)
{
  const char *system = imp->options->system ? imp->options->system : "prm800k";
  json_object *question = get (record, "question");
  json_object *label = get (record, "label");
  json_object *steps = get (label, "steps");
  const char *problem, *rater;
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) ratings = g_array_new (FALSE, FALSE, sizeof (json_object *));
  g_autoptr(json_object) metadata = json_object_new_object ();
  g_autoptr(json_object) prompt_meta = NULL;
  json_object *alternatives = json_object_new_array ();
  gint64 prompt_id, system_id, rater_id, gen;

  problem = string_or_null (get (question, "problem"));
  if (problem == NULL || !is_type (steps, json_type_array))
    {
      _arb_record_error (imp, error, "a PRM800K record needs question.problem and label.steps");
      json_object_put (alternatives);
      return FALSE;
    }
  rater = imp->options->rater ? imp->options->rater : string_or_null (get (record, "labeler"));
  if (rater == NULL)
    rater = "prm800k";

  for (size_t i = 0; i < json_object_array_length (steps); i++)
    {
      json_object *step = json_object_array_get_idx (steps, i);
      json_object *completions = get (step, "completions");
      json_object *human = get (step, "human_completion");
      json_object *chosen = get (step, "chosen_completion");
      json_object *taken = NULL;
      size_t n = is_type (completions, json_type_array) ? json_object_array_length (completions)
                                                        : 0;
      gboolean last = FALSE;

      if (is_type (human, json_type_object))
        taken = human;
      else if (is_number (chosen) && json_object_get_int (chosen) >= 0 &&
               (size_t) json_object_get_int (chosen) < n)
        taken = json_object_array_get_idx (completions, json_object_get_int (chosen));
      else
        {
          /* The labeler stopped here: the path ends with the only completion, or with the one
           * found wrong. */
          last = TRUE;
          if (n == 1)
            taken = json_object_array_get_idx (completions, 0);
          else
            for (size_t c = 0; c < n && taken == NULL; c++)
              if (json_object_get_int (get (json_object_array_get_idx (completions, c),
                                            "rating")) == -1)
                taken = json_object_array_get_idx (completions, c);
        }
      for (size_t c = 0; c < n; c++)
        {
          json_object *alt = json_object_array_get_idx (completions, c);
          json_object *kept;

          if (alt == taken)
            continue;
          kept = json_object_new_object ();
          json_object_object_add (kept, "step", json_object_new_int64 (texts->len));
          json_object_object_add (kept, "text", json_object_get (get (alt, "text")));
          json_object_object_add (kept, "rating", json_object_get (get (alt, "rating")));
          json_object_object_add (kept, "flagged", json_object_get (get (alt, "flagged")));
          json_object_array_add (alternatives, kept);
        }
      if (taken == NULL || string_or_null (get (taken, "text")) == NULL)
        break;
      g_ptr_array_add (texts, (gpointer) string_or_null (get (taken, "text")));
      g_array_append_val (ratings, taken);
      if (last)
        break;
    }

  json_object_object_add (metadata, "finish_reason", json_object_get (get (label, "finish_reason")));
  json_object_object_add (metadata, "total_time", json_object_get (get (label, "total_time")));
  json_object_object_add (metadata, "timestamp", json_object_get (get (record, "timestamp")));
  json_object_object_add (metadata, "generation", json_object_get (get (record, "generation")));
  json_object_object_add (metadata, "alternatives", alternatives);
  prompt_meta = json_object_get (question);

  if ((prompt_id = single_prompt (imp, problem,
                                  string_or_null (get (question, "ground_truth_answer")),
                                  prompt_meta, error)) < 0 ||
      (system_id = _arb_importer_system (imp, system, error)) < 0 ||
      (rater_id = _arb_importer_rater (imp, rater, "human", "annotator", error)) < 0 ||
      (gen = stepped_generation (imp, prompt_id, system_id, texts, metadata, ranges,
                                 error)) < 0)
    return FALSE;
  for (guint i = 0; i < texts->len; i++)
    {
      json_object *taken = g_array_index (ratings, json_object *, i);
      json_object *rating = get (taken, "rating");
      ArbSpanInput s = { 0 };

      if (!is_number (rating))
        continue;
      s.generation_id = gen;
      s.rater_id = rater_id;
      s.start_byte = g_array_index (ranges, gint64, 2 * i);
      s.end_byte = g_array_index (ranges, gint64, 2 * i + 1);
      s.value = json_object_get_double (rating);
      s.label = s.value > 0 ? "good" : s.value < 0 ? "bad" : "neutral";
      s.step_index = i;
      s.note = g_strcmp0 (string_or_null (get (taken, "source")), "human") == 0 ? "human" : NULL;
      if (!_arb_importer_span (imp, &s, error))
        return FALSE;
    }
  return TRUE;
}

ArbImportRecordFunc
_arb_import_record_func (ArbImportFormat format)
{
  switch (format)
    {
    case ARB_IMPORT_FORMAT_ARBITER:
      return record_arbiter;
    case ARB_IMPORT_FORMAT_TRL:
      return record_trl;
    case ARB_IMPORT_FORMAT_HH_RLHF:
      return record_hh_rlhf;
    case ARB_IMPORT_FORMAT_ALPACA_EVAL_OUTPUTS:
      return record_alpaca_outputs;
    case ARB_IMPORT_FORMAT_ALPACA_EVAL_ANNOTATIONS:
      return record_alpaca_annotations;
    case ARB_IMPORT_FORMAT_ARENA_BATTLES:
      return record_arena;
    case ARB_IMPORT_FORMAT_PANDALM:
      return record_pandalm;
    case ARB_IMPORT_FORMAT_LLMBAR:
      return record_llmbar;
    case ARB_IMPORT_FORMAT_LLMBAR_RESULT:
      return record_llmbar_result;
    case ARB_IMPORT_FORMAT_MT_BENCH_QUESTIONS:
      return record_mt_questions;
    case ARB_IMPORT_FORMAT_MT_BENCH_ANSWERS:
      return record_mt_answers;
    case ARB_IMPORT_FORMAT_MT_BENCH_JUDGMENTS:
      return record_mt_judgments;
    case ARB_IMPORT_FORMAT_FINEGRAINED_RLHF:
      return record_finegrained;
    case ARB_IMPORT_FORMAT_BIGBENCH_MISTAKE:
      return record_bigbench_mistake;
    case ARB_IMPORT_FORMAT_PRM800K:
      return record_prm800k;
    case ARB_IMPORT_FORMAT_AUTO:
    default:
      return NULL;
    }
}
