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

ArbImportFormat
_arb_import_detect (json_object *record)
{
  json_object *chosen = get (record, "chosen");

  if (has_key (record, "responses"))
    return ARB_IMPORT_FORMAT_ARBITER;
  if (has_key (record, "model_a") && has_key (record, "model_b") && has_key (record, "winner"))
    return ARB_IMPORT_FORMAT_ARENA_BATTLES;
  if (has_key (record, "output_1") && has_key (record, "output_2"))
    return ARB_IMPORT_FORMAT_ALPACA_EVAL_ANNOTATIONS;
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
    case ARB_IMPORT_FORMAT_AUTO:
    default:
      return NULL;
    }
}
