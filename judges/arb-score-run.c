/* arb-score-run.c: a reward model over a workspace's comparisons
 *
 * Each generation of a visible comparison is scored once (prompt and response, in the form the
 * API takes), through the same engine, cache and batched commits as a judge. The score becomes a
 * grade of a `reward_model` rater, and each comparison whose two generations have grades gets
 * that rater's verdict: p = σ(grade_B − grade_A), the Bradley-Terry probability that B is
 * preferred (the reward model's training objective; Ouyang et al., "Training language models
 * to follow instructions with human feedback", 2022, eq. 1), with equal grades a tie.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json.h>

#include "arb-calls.h"
#include "arb-endpoints.h"
#include "arb-judge-template.h"
#include "arb-score-run.h"

static const char *const api_names[] = { "pooling", "classify", "tei" };

void
arb_score_result_clear (ArbScoreResult *result)
{
  g_clear_pointer (&result->rater, g_free);
}

gboolean
arb_score_api_from_string (const char  *name,
                           ArbScoreApi *out_api)
{
  for (guint i = 0; i < G_N_ELEMENTS (api_names); i++)
    if (g_strcmp0 (name, api_names[i]) == 0)
      {
        *out_api = (ArbScoreApi) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * arb_score_endpoint_url:
 *
 * `http://host:8000` and `http://host:8000/v1` both mean `http://host:8000/pooling` (or
 * `/classify`, `/predict`); a URL that names the path already is kept.
 *
 * Returns: (transfer full): the URL to post to
 */
char *
arb_score_endpoint_url (const char  *endpoint,
                        ArbScoreApi  api)
{
  static const char *const paths[] = { "/pooling", "/classify", "/predict" };
  g_autofree char *base = g_strdup (endpoint);
  gsize len = strlen (base);

  while (len > 0 && base[len - 1] == '/')
    base[--len] = '\0';
  if (g_str_has_suffix (base, paths[api]))
    return g_steal_pointer (&base);
  if (g_str_has_suffix (base, "/v1"))
    base[len - 3] = '\0';
  return g_strconcat (base, paths[api], NULL);
}

/**
 * arb_score_build_request:
 * @messages: the prompt's messages JSON
 *
 * The canonical request of one generation: for pooling the chat messages with the response as
 * the assistant's turn; for classify the conversation as "role: content" paragraphs; for TEI
 * the pair (last user message, response) with raw scores (a reward model's logit).
 *
 * Returns: (transfer full): its JSON text
 */
char *
arb_score_build_request (ArbScoreApi  api,
                         const char  *model,
                         const char  *messages,
                         const char  *question,
                         const char  *response)
{
  json_object *root = json_object_new_object ();
  json_object *prompt = messages != NULL ? json_tokener_parse (messages) : NULL;
  char *body;

  if (prompt == NULL || !json_object_is_type (prompt, json_type_array))
    {
      json_object *m = json_object_new_object ();

      json_object_put (prompt);
      prompt = json_object_new_array ();
      json_object_object_add (m, "role", json_object_new_string ("user"));
      json_object_object_add (m, "content", json_object_new_string (question));
      json_object_array_add (prompt, m);
    }
  if (api == ARB_SCORE_API_TEI)
    {
      json_object *pair = json_object_new_array ();
      json_object *inputs = json_object_new_array ();

      json_object_array_add (pair, json_object_new_string (question));
      json_object_array_add (pair, json_object_new_string (response));
      json_object_array_add (inputs, pair);
      json_object_object_add (root, "inputs", inputs);
      json_object_object_add (root, "raw_scores", json_object_new_boolean (TRUE));
      json_object_object_add (root, "truncate", json_object_new_boolean (TRUE));
      json_object_put (prompt);
    }
  else
    {
      json_object *m = json_object_new_object ();

      json_object_object_add (root, "model", json_object_new_string (model));
      json_object_object_add (m, "role", json_object_new_string ("assistant"));
      json_object_object_add (m, "content", json_object_new_string (response));
      json_object_array_add (prompt, m);
      if (api == ARB_SCORE_API_POOLING)
        json_object_object_add (root, "messages", prompt);
      else
        {
          GString *text = g_string_new (NULL);

          for (size_t i = 0; i < json_object_array_length (prompt); i++)
            {
              json_object *msg = json_object_array_get_idx (prompt, i), *role, *content;

              if (json_object_object_get_ex (msg, "role", &role) &&
                  json_object_object_get_ex (msg, "content", &content))
                g_string_append_printf (text, "%s%s: %s", text->len ? "\n\n" : "",
                                        json_object_get_string (role),
                                        json_object_get_string (content));
            }
          json_object_object_add (root, "input", json_object_new_string (text->str));
          g_string_free (text, TRUE);
          json_object_put (prompt);
        }
    }
  body = g_strdup (json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (root);
  return body;
}

static gboolean
number (json_object *v,
        double      *out)
{
  if (v == NULL || !(json_object_is_type (v, json_type_double) ||
                     json_object_is_type (v, json_type_int)))
    return FALSE;
  *out = json_object_get_double (v);
  return isfinite (*out);
}

/**
 * arb_score_parse_response:
 * @out_score: (out): the score
 *
 * pooling: `data[0].data`, a number or the last number of nested arrays (per-token rewards end
 * with the sequence's); classify: the last class's probability in `data[0].probs`; TEI: the
 * `score` of the only label, or of LABEL_1 among several.
 *
 * Returns: whether the body holds a score
 */
gboolean
arb_score_parse_response (ArbScoreApi  api,
                          const char  *body,
                          double      *out_score)
{
  json_object *root = body != NULL ? json_tokener_parse (body) : NULL;
  json_object *v = NULL, *first = NULL;
  gboolean ok = FALSE;

  if (root == NULL)
    return FALSE;
  if (api != ARB_SCORE_API_TEI)
    {
      if (json_object_object_get_ex (root, "data", &v) &&
          json_object_is_type (v, json_type_array) && json_object_array_length (v) > 0)
        first = json_object_array_get_idx (v, 0);
      v = NULL;
      if (first != NULL &&
          json_object_object_get_ex (first, api == ARB_SCORE_API_POOLING ? "data" : "probs", &v))
        {
          while (json_object_is_type (v, json_type_array) && json_object_array_length (v) > 0)
            v = json_object_array_get_idx (v, json_object_array_length (v) - 1);
          ok = number (v, out_score);
        }
    }
  else if (json_object_is_type (root, json_type_array) && json_object_array_length (root) > 0)
    {
      json_object *labels = root, *score;

      if (json_object_is_type (json_object_array_get_idx (root, 0), json_type_array))
        labels = json_object_array_get_idx (root, 0);
      if (json_object_array_length (labels) == 1)
        ok = json_object_object_get_ex (json_object_array_get_idx (labels, 0), "score", &score) &&
             number (score, out_score);
      else
        for (size_t i = 0; i < json_object_array_length (labels) && !ok; i++)
          {
            json_object *entry = json_object_array_get_idx (labels, i), *label;

            if (json_object_object_get_ex (entry, "label", &label) &&
                g_strcmp0 (json_object_get_string (label), "LABEL_1") == 0)
              ok = json_object_object_get_ex (entry, "score", &score) && number (score, out_score);
          }
    }
  json_object_put (root);
  return ok;
}

/* ---- a run ------------------------------------------------------------------------------- */

typedef struct
{
  char           *key;
  ArbHttpRequest *request;       /* borrowed */
  GArray         *generations;   /* gint64: the same text of one prompt from several systems */
} Call;

static void
call_free (Call *c)
{
  g_free (c->key);
  g_array_unref (c->generations);
  g_free (c);
}

typedef struct
{
  ArbWorkspace          *ws;
  const ArbScoreOptions *options;
  gint64                 rater_id;
  ArbScoreResult         result;
  GPtrArray             *finished;
  GHashTable            *grades;         /* "GEN:0" → double* (NAN unparseable) */
  GHashTable            *failed_grades;  /* "GEN:0" */
  ArbScoreProgressFunc   progress;
  gpointer               progress_data;
  gint64                 started;
} Run;

static gboolean
write_grade (Run         *run,
             gint64       generation_id,
             gint64       call_id,
             const char  *response,
             GError     **error)
{
  g_autofree char *k = g_strdup_printf ("%" G_GINT64_FORMAT ":0", generation_id);
  double score = NAN;
  const char *status = response == NULL ? "failed"
                       : arb_score_parse_response (run->options->api, response, &score) ? "ok"
                       : "unparseable";

  if (!arb_calls_store_grade (run->ws, generation_id, run->rater_id, status, score, 0, call_id,
                              g_str_equal (status, "unparseable") ? response : NULL, error))
    return FALSE;
  if (response == NULL)
    {
      g_hash_table_add (run->failed_grades, g_steal_pointer (&k));
      run->result.failed++;
    }
  else
    {
      double *v = g_new (double, 1);

      *v = score;
      g_hash_table_remove (run->failed_grades, k);
      g_hash_table_insert (run->grades, g_steal_pointer (&k), v);
      if (isnan (score))
        run->result.unparseable++;
      else
        run->result.ok++;
    }
  return TRUE;
}

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
      ArbCallRecord rec = { 0 };
      gint64 call_id;

      rec.key = call->key;
      rec.kind = "score";
      rec.model = run->options->model;
      rec.request = r->body;
      rec.response = r->outcome == ARB_HTTP_ANSWERED ? r->response : NULL;
      rec.error = r->outcome == ARB_HTTP_ANSWERED ? NULL : r->error;
      rec.http_status = r->http_status;
      rec.attempts = r->attempts;
      rec.latency_ms = r->latency_ms;
      rec.input_tokens = r->input_tokens;
      rec.output_tokens = -1;
      rec.cost = -1;
      call_id = arb_calls_store (run->ws, &rec, error);
      if (call_id < 0)
        {
          arb_calls_rollback (run->ws);
          return FALSE;
        }
      for (guint g = 0; g < call->generations->len; g++)
        if (!write_grade (run, g_array_index (call->generations, gint64, g), call_id,
                          rec.response, error))
          {
            arb_calls_rollback (run->ws);
            return FALSE;
          }
    }
  g_ptr_array_set_size (run->finished, 0);
  return arb_calls_commit (run->ws, error);
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

  run->result.http = *stats;
  if (!flush (run, error))
    return FALSE;
  run->result.seconds = (g_get_monotonic_time () - run->started) / 1e6;
  if (run->progress != NULL)
    run->progress (&run->result, run->progress_data);
  return TRUE;
}

/* The verdicts from the grades: p = σ(grade_B − grade_A); equal grades (identical texts too)
 * a tie. Comparisons whose verdict is there already keep it. */
static gboolean
write_verdicts (Run        *run,
                GPtrArray  *items,
                GHashTable *settled,
                GError    **error)
{
  if (!arb_calls_begin (run->ws, error))
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      ArbJudgeItem *item = g_ptr_array_index (items, i);
      g_autofree char *ka = g_strdup_printf ("%" G_GINT64_FORMAT ":0", item->a_id);
      g_autofree char *kb = g_strdup_printf ("%" G_GINT64_FORMAT ":0", item->b_id);
      g_autofree char *kv = g_strdup_printf ("%" G_GINT64_FORMAT "::0", item->comparison_id);
      double *ga = g_hash_table_lookup (run->grades, ka);
      double *gb = g_hash_table_lookup (run->grades, kb);
      gboolean failed = g_hash_table_contains (run->failed_grades, ka) ||
                        g_hash_table_contains (run->failed_grades, kb);
      const char *status;
      double p = NAN;
      int strength = -1;

      if (i > 0 && i % 512 == 0 &&
          (!arb_calls_commit (run->ws, error) || !arb_calls_begin (run->ws, error)))
        goto fail;
      if (g_hash_table_contains (settled, kv))
        continue;
      if (g_strcmp0 (item->text_a, item->text_b) == 0)
        status = "ok", p = 0.5, strength = 0;
      else if (failed)
        status = "failed";
      else if (ga == NULL || gb == NULL)
        continue;
      else if (isnan (*ga) || isnan (*gb))
        status = "unparseable";
      else
        {
          status = "ok";
          p = 1 / (1 + exp (-(*gb - *ga)));
          if (*gb == *ga)
            strength = 0;
        }
      if (!arb_calls_store_verdict (run->ws, item->comparison_id, run->rater_id, status, p,
                                    strength, NULL, 0, -1, NULL, error))
        goto fail;
      run->result.verdicts++;
    }
  return arb_calls_commit (run->ws, error);

fail:
  arb_calls_rollback (run->ws);
  return FALSE;
}

static char *
score_url (const char *base,
           gpointer    user_data)
{
  return arb_score_endpoint_url (base, (ArbScoreApi) GPOINTER_TO_INT (user_data));
}

/**
 * arb_score_run:
 * @out_result: (out caller-allocates): counts; clear with arb_score_result_clear
 *
 * Scores every generation of @ws's visible comparisons (see the file comment).
 *
 * Returns: FALSE when the run could not complete; what was answered is kept
 */
gboolean
arb_score_run (ArbWorkspace           *ws,
               const ArbScoreOptions  *options,
               ArbScoreProgressFunc    progress,
               gpointer                user_data,
               ArbScoreResult         *out_result,
               GCancellable           *cancellable,
               GError                **error)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GHashTable) settled = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) call_free);
  g_autoptr(GPtrArray) requests =
    g_ptr_array_new_with_free_func ((GDestroyNotify) arb_http_request_free);
  g_autofree char *identity = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *config = NULL;
  g_autoptr(ArbEndpoints) eps = NULL;
  const char *api_key = NULL;
  Run run = { 0 };
  ArbHttpOptions http = { 0 };
  gboolean ok = TRUE;
  gint64 id;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), FALSE);
  g_return_val_if_fail (options != NULL && options->model != NULL, FALSE);

  run.started = g_get_monotonic_time ();
  run.ws = ws;
  run.options = options;
  run.progress = progress;
  run.progress_data = user_data;
  run.finished = g_ptr_array_new ();
  run.grades = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  run.failed_grades = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  run.result.rater = options->rater != NULL ? g_strdup (options->rater)
                                            : g_strdup_printf ("reward:%s", options->model);
  if (options->n_endpoints == 0 && !options->dry_run)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_INVALID, "no endpoint to send to");
      goto fail;
    }
  if (options->api_key_env != NULL && !options->dry_run)
    {
      api_key = arb_endpoints_env_key (options->api_key_env, error);
      if (api_key == NULL)
        goto fail;
    }

  /* The rater is the model and the API's input form; never the endpoint. */
  {
    json_object *c = json_object_new_object ();

    json_object_object_add (c, "model", json_object_new_string (options->model));
    json_object_object_add (c, "api", json_object_new_string (api_names[options->api]));
    identity = g_strdup (json_object_to_json_string_ext (c, JSON_C_TO_STRING_PLAIN));
    json_object_put (c);
  }
  id = arb_calls_find_rater (ws, run.result.rater, &kind, &config, error);
  if (id < 0)
    goto fail;
  if (id > 0 && (g_strcmp0 (kind, "reward_model") != 0 ||
                 (config != NULL && g_strcmp0 (config, identity) != 0)))
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_RATER,
                   "the rater \"%s\" is another rater (%s %s); name this reward model with "
                   "--rater", run.result.rater, kind, config != NULL ? config : "");
      goto fail;
    }
  if (!options->dry_run)
    {
      if (id == 0 && (id = arb_workspace_ensure_rater (ws, run.result.rater, "reward_model",
                                                       "live", "annotator", error)) < 0)
        goto fail;
      if (config == NULL && !arb_calls_set_rater_config (ws, id, identity, error))
        goto fail;
    }
  run.rater_id = id;

  items = arb_calls_list_comparisons (ws, error);
  if (items == NULL)
    goto fail;
  run.result.comparisons = items->len;
  if (id > 0)
    {
      g_autoptr(GHashTable) grades = arb_calls_list_grades (ws, id, error);
      GHashTableIter iter;
      gpointer k, v;

      settled = arb_calls_list_settled (ws, id, TRUE, error);
      if (settled == NULL || grades == NULL)
        goto fail;
      g_hash_table_iter_init (&iter, grades);
      while (g_hash_table_iter_next (&iter, &k, &v))
        {
          g_hash_table_insert (run.grades, k, v);
          g_hash_table_iter_steal (&iter);
        }
    }
  else
    settled = g_hash_table_new (g_str_hash, g_str_equal);

  if (!options->dry_run && !arb_calls_begin (ws, error))
    goto fail;
  for (guint i = 0; i < items->len; i++)
    {
      ArbJudgeItem *item = g_ptr_array_index (items, i);
      gint64 gens[2] = { item->a_id, item->b_id };
      const char *texts[2] = { item->text_a, item->text_b };
      g_autofree char *kv = g_strdup_printf ("%" G_GINT64_FORMAT "::0", item->comparison_id);

      if (g_hash_table_contains (settled, kv) || g_strcmp0 (item->text_a, item->text_b) == 0)
        continue;
      for (guint g = 0; g < 2; g++)
        {
          g_autofree char *gk = g_strdup_printf ("%" G_GINT64_FORMAT ":0", gens[g]);
          g_autofree char *body = NULL;
          g_autofree char *key = NULL;
          g_autofree char *response = NULL;
          g_autoptr(GError) local = NULL;
          gint64 call_id = -1;

          if (!g_hash_table_add (seen, g_strdup (gk)))
            continue;
          run.result.generations++;
          if (g_hash_table_contains (run.grades, gk))
            {
              run.result.settled++;
              continue;
            }
          body = arb_score_build_request (options->api, options->model, item->messages,
                                          item->question, texts[g]);
          key = arb_judge_request_key (body, 0);
          {
            Call *known = g_hash_table_lookup (calls, key);

            if (known != NULL)
              {
                g_array_append_val (known->generations, gens[g]);
                continue;
              }
          }
          response = arb_calls_lookup_answered (ws, key, &call_id, &local);
          if (local != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              goto fail_in_transaction;
            }
          if (response != NULL)
            {
              run.result.cached++;
              if (!options->dry_run && !write_grade (&run, gens[g], call_id, response, error))
                goto fail_in_transaction;
              continue;
            }
          {
            Call *call = g_new0 (Call, 1);
            ArbHttpRequest *r;

            call->key = g_steal_pointer (&key);
            call->generations = g_array_new (FALSE, FALSE, sizeof (gint64));
            g_array_append_val (call->generations, gens[g]);
            r = arb_http_request_new (g_steal_pointer (&body), call);
            r->estimated_input = strlen (r->body) / 4 + 8;
            call->request = r;
            g_hash_table_insert (calls, call->key, call);
            g_ptr_array_add (requests, r);
          }
        }
    }
  if (!options->dry_run && !arb_calls_commit (ws, error))
    goto fail;
  run.result.to_send = requests->len;
  if (options->dry_run)
    goto done;

  if (requests->len > 0)
    {
      eps = arb_endpoints_resolve (options->endpoints, options->n_endpoints, api_key,
                                   options->concurrency, options->rpm, 0, score_url,
                                   GINT_TO_POINTER (options->api), error);
      if (eps == NULL)
        goto fail;
      http.endpoints = eps->endpoints;
      http.n_endpoints = eps->n_endpoints;
      http.timeout = options->timeout > 0 ? options->timeout : 120;
      http.max_attempts = options->max_attempts > 0 ? options->max_attempts : 6;
      http.retry_budget = options->retry_budget != 0 ? options->retry_budget
                                                     : MAX (20, (gint64) requests->len);
      http.backoff_base = options->backoff_base > 0 ? options->backoff_base : 0.5;
      http.backoff_max = 30;
      ok = arb_http_run (&http, requests, on_done, on_tick, &run, &run.result.http, cancellable,
                         error);
      if (!flush (&run, ok ? error : NULL))
        ok = FALSE;
      run.result.http.in_flight = 0;
      if (!ok)
        goto fail;
    }
  if (!write_verdicts (&run, items, settled, error))
    goto fail;

done:
  run.result.seconds = (g_get_monotonic_time () - run.started) / 1e6;
  if (out_result != NULL)
    *out_result = run.result;
  else
    arb_score_result_clear (&run.result);
  g_ptr_array_unref (run.finished);
  g_hash_table_unref (run.grades);
  g_hash_table_unref (run.failed_grades);
  return TRUE;

fail_in_transaction:
  arb_calls_rollback (ws);
fail:
  run.result.seconds = (g_get_monotonic_time () - run.started) / 1e6;
  if (out_result != NULL)
    *out_result = run.result;
  else
    arb_score_result_clear (&run.result);
  g_ptr_array_unref (run.finished);
  g_hash_table_unref (run.grades);
  g_hash_table_unref (run.failed_grades);
  return FALSE;
}
