/* arb-judge-template.c: a judge's prompt template and how its replies are read
 *
 * A template is a GKeyFile with a [judge] group: name, verdict (pairwise-5, pairwise-3,
 * grade-10, logprob), system and user texts with {question}, {answer_a}, {answer_b} and
 * {reference}, max_tokens, temperature, and for logprob judges label_a, label_b and
 * top_logprobs. Its SHA-256 is part of the judge's identity, so editing a template makes
 * another rater and other calls.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json.h>

#include "arb-judge-template.h"

void
arb_judge_template_free (ArbJudgeTemplate *tmpl)
{
  if (tmpl == NULL)
    return;
  g_free (tmpl->name);
  g_free (tmpl->path);
  g_free (tmpl->sha256);
  g_free (tmpl->system);
  g_free (tmpl->user);
  g_free (tmpl->label_a);
  g_free (tmpl->label_b);
  g_free (tmpl);
}

static char *
find_template (const char *name_or_path)
{
  const char *dirs[] = { g_getenv ("ARB_JUDGES_DIR"), ARB_JUDGES_DATADIR, ARB_JUDGES_SRCDIR };
  g_autofree char *file = NULL;

  if (strchr (name_or_path, '/') != NULL || g_str_has_suffix (name_or_path, ".ini"))
    return g_file_test (name_or_path, G_FILE_TEST_IS_REGULAR) ? g_strdup (name_or_path) : NULL;
  file = g_strconcat (name_or_path, ".ini", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (dirs[i] != NULL)
      {
        g_autofree char *path = g_build_filename (dirs[i], file, NULL);

        if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
          return g_steal_pointer (&path);
      }
  return NULL;
}

/**
 * arb_judge_template_new_from_data:
 * @name: what to call it in messages (a file name)
 *
 * Returns: (transfer full): the template, or NULL with @error set
 */
ArbJudgeTemplate *
arb_judge_template_new_from_data (const char  *name,
                                  const char  *data,
                                  gsize        len,
                                  GError     **error)
{
  static const char *const syntaxes[] = { "pairwise-5", "pairwise-3", "grade-10", "logprob" };
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(ArbJudgeTemplate) tmpl = g_new0 (ArbJudgeTemplate, 1);
  g_autoptr(GError) local = NULL;
  g_autofree char *verdict = NULL;
  gboolean known = FALSE;

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_TEMPLATE, "%s: %s", name,
                   local->message);
      return NULL;
    }
  tmpl->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
  tmpl->name = g_key_file_get_string (kf, "judge", "name", NULL);
  if (tmpl->name == NULL)
    {
      g_autofree char *base = g_path_get_basename (name);

      if (g_str_has_suffix (base, ".ini"))
        base[strlen (base) - 4] = '\0';
      tmpl->name = g_steal_pointer (&base);
    }
  tmpl->system = g_key_file_get_string (kf, "judge", "system", NULL);
  tmpl->user = g_key_file_get_string (kf, "judge", "user", NULL);
  verdict = g_key_file_get_string (kf, "judge", "verdict", NULL);
  if (tmpl->user == NULL || verdict == NULL)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_TEMPLATE,
                   "%s: the [judge] group needs a \"user\" text and a \"verdict\" syntax", name);
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (syntaxes); i++)
    if (g_str_equal (verdict, syntaxes[i]))
      {
        tmpl->verdict = (ArbVerdictSyntax) i;
        known = TRUE;
      }
  if (!known)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_TEMPLATE,
                   "%s: verdict must be pairwise-5, pairwise-3, grade-10 or logprob, not \"%s\"",
                   name, verdict);
      return NULL;
    }
  tmpl->needs_reference = strstr (tmpl->user, "{reference}") != NULL ||
                          (tmpl->system != NULL && strstr (tmpl->system, "{reference}") != NULL);
  tmpl->max_tokens = g_key_file_get_integer (kf, "judge", "max_tokens", NULL);
  if (tmpl->max_tokens <= 0)
    tmpl->max_tokens = tmpl->verdict == ARB_VERDICT_LOGPROB ? 1 : 1024;
  tmpl->temperature = g_key_file_get_double (kf, "judge", "temperature", NULL);
  if (tmpl->verdict == ARB_VERDICT_LOGPROB)
    {
      tmpl->label_a = g_key_file_get_string (kf, "judge", "label_a", NULL);
      tmpl->label_b = g_key_file_get_string (kf, "judge", "label_b", NULL);
      if (tmpl->label_a == NULL)
        tmpl->label_a = g_strdup ("A");
      if (tmpl->label_b == NULL)
        tmpl->label_b = g_strdup ("B");
      tmpl->top_logprobs = g_key_file_get_integer (kf, "judge", "top_logprobs", NULL);
      if (tmpl->top_logprobs <= 0)
        tmpl->top_logprobs = 5;
    }
  return g_steal_pointer (&tmpl);
}

/**
 * arb_judge_template_load:
 * @name_or_path: a template of data/judges by name (`pairwise-5`) or a file's path
 *
 * Returns: (transfer full): the template, or NULL with @error set
 */
ArbJudgeTemplate *
arb_judge_template_load (const char  *name_or_path,
                         GError     **error)
{
  g_autofree char *path = find_template (name_or_path);
  g_autofree char *contents = NULL;
  g_autoptr(GError) local = NULL;
  ArbJudgeTemplate *tmpl;
  gsize len;

  if (path == NULL)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_TEMPLATE,
                   "no judge template \"%s\" (give a name from data/judges, e.g. pairwise-5, "
                   "or the path of a file)", name_or_path);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_TEMPLATE, "%s", local->message);
      return NULL;
    }
  tmpl = arb_judge_template_new_from_data (path, contents, len, error);
  if (tmpl != NULL)
    tmpl->path = g_steal_pointer (&path);
  return tmpl;
}

/**
 * arb_judge_template_fill:
 *
 * Replaces {question}, {answer_a}, {answer_b} and {reference} in one pass, so braces inside the
 * answers are never expanded again.
 *
 * Returns: (transfer full): the filled text
 */
char *
arb_judge_template_fill (const char *text,
                         const char *question,
                         const char *answer_a,
                         const char *answer_b,
                         const char *reference)
{
  const struct { const char *name; const char *value; } slots[] = {
    { "{question}", question }, { "{answer_a}", answer_a }, { "{answer_b}", answer_b },
    { "{reference}", reference },
  };
  GString *s = g_string_new (NULL);

  while (*text != '\0')
    {
      gboolean matched = FALSE;

      if (*text == '{')
        for (guint i = 0; i < G_N_ELEMENTS (slots) && !matched; i++)
          if (g_str_has_prefix (text, slots[i].name))
            {
              g_string_append (s, slots[i].value != NULL ? slots[i].value : "");
              text += strlen (slots[i].name);
              matched = TRUE;
            }
      if (!matched)
        g_string_append_c (s, *text++);
    }
  return g_string_free (s, FALSE);
}

static void
add_message (json_object *messages,
             const char  *role,
             const char  *content)
{
  json_object *m = json_object_new_object ();

  json_object_object_add (m, "role", json_object_new_string (role));
  json_object_object_add (m, "content", json_object_new_string (content));
  json_object_array_add (messages, m);
}

/**
 * arb_judge_template_build:
 * @first: the answer shown as A; @second: the one shown as B (NULL for a grade)
 * @sample: 0, or the index of a repeated question: it becomes the request's `seed`, so the
 *   samples are distinct requests
 * @out_estimated_input: (out): input tokens, guessed as a quarter of the characters
 *
 * The canonical chat-completions request: members in a fixed order, no URL, no key.
 *
 * Returns: (transfer full): its JSON text
 */
char *
arb_judge_template_build (const ArbJudgeTemplate *tmpl,
                          const char             *model,
                          const char             *question,
                          const char             *first,
                          const char             *second,
                          const char             *reference,
                          int                     sample,
                          gint64                 *out_estimated_input)
{
  json_object *root = json_object_new_object ();
  json_object *messages = json_object_new_array ();
  g_autofree char *user = arb_judge_template_fill (tmpl->user, question, first, second,
                                                   reference);
  gint64 chars = strlen (user);
  char *body;

  json_object_object_add (root, "model", json_object_new_string (model));
  if (tmpl->system != NULL)
    {
      g_autofree char *system = arb_judge_template_fill (tmpl->system, question, first, second,
                                                         reference);

      chars += strlen (system);
      add_message (messages, "system", system);
    }
  add_message (messages, "user", user);
  json_object_object_add (root, "messages", messages);
  json_object_object_add (root, "temperature", json_object_new_double (tmpl->temperature));
  json_object_object_add (root, "max_tokens", json_object_new_int (tmpl->max_tokens));
  if (tmpl->verdict == ARB_VERDICT_LOGPROB)
    {
      json_object_object_add (root, "logprobs", json_object_new_boolean (TRUE));
      json_object_object_add (root, "top_logprobs", json_object_new_int (tmpl->top_logprobs));
    }
  if (sample > 0)
    json_object_object_add (root, "seed", json_object_new_int (sample));
  body = g_strdup (json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (root);
  if (out_estimated_input != NULL)
    *out_estimated_input = chars / 4 + 8;
  return body;
}

/**
 * arb_judge_template_identity:
 *
 * The judge's identity as stored in raters.config: model, template name and hash, and the
 * parameters that change the answers. Never the endpoint or a key.
 *
 * Returns: (transfer full): compact JSON
 */
char *
arb_judge_template_identity (const ArbJudgeTemplate *tmpl,
                             const char             *model)
{
  static const char *const syntaxes[] = { "pairwise-5", "pairwise-3", "grade-10", "logprob" };
  json_object *c = json_object_new_object ();
  char *text;

  json_object_object_add (c, "model", json_object_new_string (model));
  json_object_object_add (c, "template", json_object_new_string (tmpl->name));
  json_object_object_add (c, "template_sha256", json_object_new_string (tmpl->sha256));
  json_object_object_add (c, "verdict", json_object_new_string (syntaxes[tmpl->verdict]));
  json_object_object_add (c, "temperature", json_object_new_double (tmpl->temperature));
  json_object_object_add (c, "max_tokens", json_object_new_int (tmpl->max_tokens));
  if (tmpl->verdict == ARB_VERDICT_LOGPROB)
    json_object_object_add (c, "top_logprobs", json_object_new_int (tmpl->top_logprobs));
  text = g_strdup (json_object_to_json_string_ext (c, JSON_C_TO_STRING_PLAIN));
  json_object_put (c);
  return text;
}

/* The last of @tokens in @text; -1 when none is there. */
static int
last_token (const char        *text,
            const char *const *tokens,
            guint              n_tokens)
{
  int found = -1;

  for (const char *p = strstr (text, "[["); p != NULL; p = strstr (p + 1, "[["))
    for (guint i = 0; i < n_tokens; i++)
      if (g_str_has_prefix (p, tokens[i]))
        found = i;
  return found;
}

/**
 * arb_judge_parse_text:
 * @out_value: (out): for pairwise syntaxes how strongly the answer shown second is preferred
 *   (0, 0.5 or 1); for a grade, the grade
 * @out_strength: (out): 0 tie, 1 better, 2 much better; -1 for a grade
 *
 * Reads a verdict from a reply's text. When it holds several, the last one counts (a judge
 * often quotes the choices before giving its own).
 *
 * Returns: whether the text holds a verdict
 */
gboolean
arb_judge_parse_text (ArbVerdictSyntax  syntax,
                      const char       *text,
                      double           *out_value,
                      int              *out_strength)
{
  if (text == NULL)
    return FALSE;
  switch (syntax)
    {
    case ARB_VERDICT_PAIRWISE_5:
      {
        static const char *const tokens[] = { "[[A>>B]]", "[[A>B]]", "[[A=B]]", "[[B>A]]",
                                              "[[B>>A]]" };
        static const double values[] = { 0.0, 0.0, 0.5, 1.0, 1.0 };
        static const int strengths[] = { 2, 1, 0, 1, 2 };
        int i = last_token (text, tokens, G_N_ELEMENTS (tokens));

        if (i < 0)
          return FALSE;
        *out_value = values[i];
        *out_strength = strengths[i];
        return TRUE;
      }
    case ARB_VERDICT_PAIRWISE_3:
      {
        static const char *const tokens[] = { "[[A]]", "[[B]]", "[[C]]" };
        static const double values[] = { 0.0, 1.0, 0.5 };
        static const int strengths[] = { 1, 1, 0 };
        int i = last_token (text, tokens, G_N_ELEMENTS (tokens));

        if (i < 0)
          return FALSE;
        *out_value = values[i];
        *out_strength = strengths[i];
        return TRUE;
      }
    case ARB_VERDICT_GRADE_10:
      {
        gboolean found = FALSE;

        for (const char *p = strstr (text, "[["); p != NULL; p = strstr (p + 1, "[["))
          {
            const char *q = p + 2;
            int n = 0, digits = 0;

            while (g_ascii_isdigit (*q) && digits < 3)
              n = n * 10 + (*q++ - '0'), digits++;
            if (digits > 0 && q[0] == ']' && q[1] == ']' && n >= 1 && n <= 10)
              {
                *out_value = n;
                *out_strength = -1;
                found = TRUE;
              }
          }
        return found;
      }
    case ARB_VERDICT_LOGPROB:
    default:
      return FALSE;
    }
}

/* Adds the probabilities of the entries of a top_logprobs list whose token is @a or @b. */
static void
sum_top_logprobs (json_object *top,
                  const char  *a,
                  const char  *b,
                  double      *pa,
                  double      *pb)
{
  if (json_object_is_type (top, json_type_array))
    for (size_t i = 0; i < json_object_array_length (top); i++)
      {
        json_object *entry = json_object_array_get_idx (top, i);
        json_object *token, *logprob;
        g_autofree char *t = NULL;
        double p;

        if (!json_object_object_get_ex (entry, "token", &token) ||
            !json_object_object_get_ex (entry, "logprob", &logprob) ||
            !json_object_is_type (token, json_type_string))
          continue;
        t = g_strstrip (g_strdup (json_object_get_string (token)));
        p = exp (json_object_get_double (logprob));
        if (g_str_equal (t, a))
          *pa += p;
        else if (g_str_equal (t, b))
          *pb += p;
      }
  else if (json_object_is_type (top, json_type_object))
    {
      /* The older completions form: {"token": logprob, ...}. */
      json_object_object_foreach (top, key, value)
        {
          g_autofree char *t = g_strstrip (g_strdup (key));
          double p = exp (json_object_get_double (value));

          if (g_str_equal (t, a))
            *pa += p;
          else if (g_str_equal (t, b))
            *pb += p;
        }
    }
}

/**
 * arb_judge_parse_response:
 * @response: a chat-completions response body
 * @out_text: (out) (optional) (transfer full) (nullable): the reply's text
 *
 * Reads the verdict of @tmpl's syntax from a response. For a logprob judge the value is
 * P(B) / (P(A) + P(B)) over the first token's top_logprobs, a label that is not listed counting
 * as probability 0, and strength -1 (continuous).
 *
 * Returns: whether the response holds a verdict
 */
gboolean
arb_judge_parse_response (const ArbJudgeTemplate  *tmpl,
                          const char              *response,
                          double                  *out_value,
                          int                     *out_strength,
                          char                   **out_text)
{
  json_object *root = response != NULL ? json_tokener_parse (response) : NULL;
  json_object *choices, *choice = NULL, *message, *content, *logprobs, *v;
  const char *text = NULL;
  gboolean ok = FALSE;

  if (out_text != NULL)
    *out_text = NULL;
  if (root == NULL)
    return FALSE;
  if (json_object_object_get_ex (root, "choices", &choices) &&
      json_object_is_type (choices, json_type_array) && json_object_array_length (choices) > 0)
    choice = json_object_array_get_idx (choices, 0);
  if (choice != NULL && json_object_object_get_ex (choice, "message", &message) &&
      json_object_object_get_ex (message, "content", &content) &&
      json_object_is_type (content, json_type_string))
    text = json_object_get_string (content);
  if (out_text != NULL)
    *out_text = g_strdup (text);

  if (tmpl->verdict != ARB_VERDICT_LOGPROB)
    ok = arb_judge_parse_text (tmpl->verdict, text, out_value, out_strength);
  else if (choice != NULL && json_object_object_get_ex (choice, "logprobs", &logprobs))
    {
      double pa = 0, pb = 0;

      if (json_object_object_get_ex (logprobs, "content", &v) &&
          json_object_is_type (v, json_type_array) && json_object_array_length (v) > 0 &&
          json_object_object_get_ex (json_object_array_get_idx (v, 0), "top_logprobs", &v))
        sum_top_logprobs (v, tmpl->label_a, tmpl->label_b, &pa, &pb);
      else if (json_object_object_get_ex (logprobs, "top_logprobs", &v) &&
               json_object_is_type (v, json_type_array) && json_object_array_length (v) > 0)
        sum_top_logprobs (json_object_array_get_idx (v, 0), tmpl->label_a, tmpl->label_b,
                          &pa, &pb);
      if (pa + pb > 0)
        {
          *out_value = pb / (pa + pb);
          *out_strength = -1;
          ok = TRUE;
        }
    }
  json_object_put (root);
  return ok;
}

/**
 * arb_judge_request_key:
 *
 * The cache key of a request: SHA-256 of its canonical body and its sample index.
 *
 * Returns: (transfer full): 64 hex digits
 */
char *
arb_judge_request_key (const char *body,
                       int         sample)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *tail = g_strdup_printf ("\nsample=%d", sample);

  g_checksum_update (sum, (const guchar *) body, strlen (body));
  g_checksum_update (sum, (const guchar *) tail, strlen (tail));
  return g_strdup (g_checksum_get_string (sum));
}

/**
 * arb_judge_endpoint_url:
 *
 * `http://host:8000` and `http://host:8000/v1` both mean `http://host:8000/v1/chat/completions`.
 *
 * Returns: (transfer full): the chat-completions URL of an endpoint
 */
char *
arb_judge_endpoint_url (const char *endpoint)
{
  g_autofree char *base = g_strdup (endpoint);
  gsize len = strlen (base);

  while (len > 0 && base[len - 1] == '/')
    base[--len] = '\0';
  if (g_str_has_suffix (base, "/chat/completions"))
    return g_steal_pointer (&base);
  if (g_str_has_suffix (base, "/v1"))
    return g_strconcat (base, "/chat/completions", NULL);
  return g_strconcat (base, "/v1/chat/completions", NULL);
}
