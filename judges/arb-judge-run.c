/* arb-judge-run.c: an LLM judge over a workspace's comparisons
 *
 * A run builds one canonical chat request per task — a comparison in one presented order and
 * sample, or for a grading template a generation and sample — skips what the rater has settled
 * and what `calls` has answered, sends the rest through arb_http_run and writes calls and
 * verdicts (or grades) as the answers arrive: every round of the engine in which requests ended
 * is one transaction, so a killed run loses only what was on the wire. A request's key is the
 * SHA-256 of its body (model, messages, parameters) and its sample index — never the URL or
 * the key — so the same question asked of another endpoint is the same call.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json.h>

#include "arb-calls.h"
#include "arb-endpoints.h"
#include "arb-judge-run.h"

void
arb_judge_result_clear (ArbJudgeResult *result)
{
  g_clear_pointer (&result->rater, g_free);
}

/* One verdict or grade to write. */
typedef struct
{
  gint64      id;          /* comparison, or generation for a grade */
  const char *presented;   /* "ab", "ba"; NULL for a grade */
  int         sample;
} Task;

/* One distinct request and the tasks waiting for it. */
typedef struct
{
  char           *key;
  ArbHttpRequest *request;   /* borrowed: owned by the run's array; holds the body */
  GArray         *tasks;     /* Task */
} Call;

static void
call_free (Call *c)
{
  g_free (c->key);
  g_array_unref (c->tasks);
  g_free (c);
}

typedef struct
{
  ArbWorkspace          *ws;
  const ArbJudgeOptions *options;
  ArbJudgeTemplate      *tmpl;
  gint64                 rater_id;
  ArbJudgeResult         result;
  GPtrArray             *finished;   /* ArbHttpRequest*, borrowed, not yet written */
  GHashTable            *grades;     /* "GENERATION:SAMPLE" → double* (NAN unparseable) */
  GHashTable            *failed_grades; /* "GENERATION:SAMPLE" set */
  ArbJudgeProgressFunc   progress;
  gpointer               progress_data;
  gint64                 started;
  /* Planning, a page at a time. */
  GHashTable            *settled;           /* "COMPARISON:PRESENTED:SAMPLE" with a verdict */
  int                    samples;
  gboolean               grading;
  GHashTable            *seen_generations;  /* "GENERATION:SAMPLE" planned */
  GHashTable            *calls;             /* key → Call, until its request is written */
  GHashTable            *live;              /* ArbHttpRequest* owned, until written */
  GQueue                 pending;           /* ArbHttpRequest*, planned, not yet sent */
  gint64                 after;             /* the last comparison planned */
  gboolean               exhausted;
  gint64                 page_size;
  GPtrArray             *all_items;         /* grading: every comparison, for the verdicts */
} Run;

/* Comparisons planned at a time: a few MB of requests, whatever the workspace's size. */
#define PAGE_SIZE 2048

/* Writes the verdicts or grades of one call from its reply (or its failure). In a transaction. */
static gboolean
write_tasks (Run         *run,
             GArray      *tasks,
             gint64       call_id,
             const char  *response,
             GError     **error)
{
  g_autofree char *text = NULL;
  double value = NAN;
  int strength = -1;
  const char *status;

  if (response == NULL)
    status = "failed";
  else if (arb_judge_parse_response (run->tmpl, response, &value, &strength, &text))
    status = "ok";
  else
    status = "unparseable";
  for (guint i = 0; i < tasks->len; i++)
    {
      Task *t = &g_array_index (tasks, Task, i);
      /* Unparseable replies keep their raw text (or the whole body when it has none). */
      const char *raw = response == NULL ? NULL : text != NULL ? text : response;

      if (t->presented == NULL)
        {
          g_autofree char *k = g_strdup_printf ("%" G_GINT64_FORMAT ":%d", t->id, t->sample);

          if (!arb_calls_store_grade (run->ws, t->id, run->rater_id, status,
                                      g_str_equal (status, "ok") ? value : NAN, t->sample,
                                      call_id, raw, error))
            return FALSE;
          if (response == NULL)
            g_hash_table_add (run->failed_grades, g_steal_pointer (&k));
          else
            {
              double *v = g_new (double, 1);

              *v = g_str_equal (status, "ok") ? value : NAN;
              g_hash_table_remove (run->failed_grades, k);
              g_hash_table_insert (run->grades, g_steal_pointer (&k), v);
            }
        }
      else
        {
          /* The reply names the shown order; the comparison's is canonical (A first). */
          double p = (!isnan (value) && g_str_equal (t->presented, "ba")) ? 1 - value : value;

          if (!arb_calls_store_verdict (run->ws, t->id, run->rater_id, status, p, strength,
                                        t->presented, t->sample, call_id, raw, error))
            return FALSE;
        }
      if (g_str_equal (status, "ok"))
        run->result.ok++;
      else if (g_str_equal (status, "unparseable"))
        run->result.unparseable++;
      else
        run->result.failed++;
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

      if (r->outcome == ARB_HTTP_NOT_SENT)
        {
          run->result.not_sent += call->tasks->len;
          continue;
        }
      rec.key = call->key;
      rec.kind = "judge";
      rec.model = run->options->model;
      rec.request = r->body;
      rec.response = r->outcome == ARB_HTTP_ANSWERED ? r->response : NULL;
      rec.error = r->outcome == ARB_HTTP_ANSWERED ? NULL : r->error;
      rec.http_status = r->http_status;
      rec.attempts = r->attempts;
      rec.latency_ms = r->latency_ms;
      rec.input_tokens = r->input_tokens;
      rec.output_tokens = r->output_tokens;
      rec.cost = -1;
      if (r->outcome == ARB_HTTP_ANSWERED &&
          (run->options->price_input > 0 || run->options->price_output > 0))
        rec.cost = (MAX (0, r->input_tokens) * run->options->price_input +
                    MAX (0, r->output_tokens) * run->options->price_output) / 1000.0;
      call_id = arb_calls_store (run->ws, &rec, error);
      if (call_id < 0 || !write_tasks (run, call->tasks, call_id, rec.response, error))
        {
          arb_calls_rollback (run->ws);
          return FALSE;
        }
    }
  if (!arb_calls_commit (run->ws, error))
    return FALSE;
  /* Written: the request and its call are done with. A later task with the same key finds
   * the answer in `calls`. */
  for (guint i = 0; i < run->finished->len; i++)
    {
      ArbHttpRequest *r = g_ptr_array_index (run->finished, i);
      Call *call = r->user_data;

      g_hash_table_remove (run->calls, call->key);
      g_hash_table_remove (run->live, r);
    }
  g_ptr_array_set_size (run->finished, 0);
  return TRUE;
}

static void
report (Run *run)
{
  run->result.seconds = (g_get_monotonic_time () - run->started) / 1e6;
  if (run->progress != NULL)
    run->progress (&run->result, run->progress_data);
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
  report (run);
  return TRUE;
}

static guint64
mix64 (guint64 x)
{
  /* splitmix64's finaliser (Steele, Lea, Flood, "Fast splittable pseudorandom number
   * generators", OOPSLA 2014). */
  x ^= x >> 30;
  x *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

/* A comparison's verdict from two grades: the better grade wins, equal grades tie. */
static gboolean
derive_verdicts (Run        *run,
                 GPtrArray  *items,
                 GHashTable *settled,
                 int         samples,
                 GError    **error)
{
  if (!arb_calls_begin (run->ws, error))
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      ArbJudgeItem *item = g_ptr_array_index (items, i);

      if (g_strcmp0 (item->text_a, item->text_b) == 0)
        continue;
      for (int s = 0; s < samples; s++)
        {
          g_autofree char *ka = g_strdup_printf ("%" G_GINT64_FORMAT ":%d", item->a_id, s);
          g_autofree char *kb = g_strdup_printf ("%" G_GINT64_FORMAT ":%d", item->b_id, s);
          g_autofree char *kv = g_strdup_printf ("%" G_GINT64_FORMAT "::%d",
                                                 item->comparison_id, s);
          double *ga = g_hash_table_lookup (run->grades, ka);
          double *gb = g_hash_table_lookup (run->grades, kb);
          gboolean failed = g_hash_table_contains (run->failed_grades, ka) ||
                            g_hash_table_contains (run->failed_grades, kb);
          const char *status;
          double p = NAN;
          int strength = -1;

          if (g_hash_table_contains (settled, kv) || (!failed && (ga == NULL || gb == NULL)))
            continue;
          if (failed)
            status = "failed";
          else if (isnan (*ga) || isnan (*gb))
            status = "unparseable";
          else
            {
              status = "ok";
              p = *gb > *ga ? 1 : *gb < *ga ? 0 : 0.5;
              strength = *gb == *ga ? 0 : 1;
            }
          if (!arb_calls_store_verdict (run->ws, item->comparison_id, run->rater_id, status, p,
                                        strength, NULL, s, -1, NULL, error))
            {
              arb_calls_rollback (run->ws);
              return FALSE;
            }
          run->result.derived++;
        }
    }
  return arb_calls_commit (run->ws, error);
}

/* Finds or makes the judge's rater; its config must be this judge's identity. */
static gint64
ensure_rater (Run         *run,
              const char  *name,
              const char  *identity,
              GError     **error)
{
  g_autofree char *kind = NULL;
  g_autofree char *config = NULL;
  gint64 id = arb_calls_find_rater (run->ws, name, &kind, &config, error);

  if (id < 0)
    return -1;
  if (id > 0 && g_strcmp0 (kind, "judge") != 0)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_RATER,
                   "the rater \"%s\" is a %s, not a judge; name the judge with --rater", name,
                   kind);
      return -1;
    }
  if (id > 0 && config != NULL && g_strcmp0 (config, identity) != 0)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_RATER,
                   "the rater \"%s\" judged with another model, template or parameters (%s); "
                   "name this judge with --rater", name, config);
      return -1;
    }
  if (run->options->dry_run)
    return id;
  if (id == 0)
    {
      id = arb_workspace_ensure_rater (run->ws, name, "judge", "live", "annotator", error);
      if (id < 0)
        return -1;
    }
  if (config == NULL && !arb_calls_set_rater_config (run->ws, id, identity, error))
    return -1;
  return id;
}

/* Adds the task to the call of its request, making the call when it is new. Returns FALSE on a
 * storage error. */
static gboolean
plan_task (Run         *run,
           GHashTable  *calls,
           GPtrArray   *requests,
           Task         task,
           const char  *question,
           const char  *first,
           const char  *second,
           const char  *reference,
           GError     **error)
{
  gint64 estimated = 0;
  g_autofree char *body = arb_judge_template_build (run->tmpl, run->options->model, question,
                                                    first, second, reference, task.sample,
                                                    &estimated);
  g_autofree char *key = arb_judge_request_key (body, task.sample);
  Call *call = g_hash_table_lookup (calls, key);
  g_autoptr(GError) local = NULL;
  g_autofree char *response = NULL;
  gint64 call_id = -1;

  if (call == NULL)
    {
      response = arb_calls_lookup_answered (run->ws, key, &call_id, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  if (response != NULL)
    {
      g_autoptr(GArray) one = g_array_new (FALSE, FALSE, sizeof (Task));

      run->result.cached++;
      g_array_append_val (one, task);
      return run->options->dry_run || write_tasks (run, one, call_id, response, error);
    }
  if (call == NULL)
    {
      ArbHttpRequest *r;

      call = g_new0 (Call, 1);
      call->key = g_steal_pointer (&key);
      call->tasks = g_array_new (FALSE, FALSE, sizeof (Task));
      g_hash_table_insert (calls, call->key, call);
      r = arb_http_request_new (g_steal_pointer (&body), call);
      call->request = r;
      r->estimated_input = estimated;
      r->max_output = run->tmpl->max_tokens;
      g_ptr_array_add (requests, r);
      run->result.estimated_input_tokens += estimated;
      run->result.estimated_output_tokens += run->tmpl->max_tokens;
    }
  g_array_append_val (call->tasks, task);
  return TRUE;
}

/* Plans the next page of comparisons: their ties and cached answers are written, their
 * requests queued in run->pending. Sets run->exhausted after the last page. */
static gboolean
plan_page (Run     *run,
           GError **error)
{
  g_autoptr(GPtrArray) items = arb_calls_list_comparisons_of (run->ws, run->after,
                                                              run->grading ? -1
                                                                           : run->page_size,
                                                              run->options->systems, error);
  g_autoptr(GPtrArray) requests = g_ptr_array_new ();
  gboolean in_transaction = FALSE;

  if (items == NULL)
    return FALSE;
  if (items->len == 0 || run->grading)
    run->exhausted = TRUE;
  if (items->len == 0)
    return TRUE;
  run->after = ((ArbJudgeItem *) g_ptr_array_index (items, items->len - 1))->comparison_id;
  run->result.comparisons += items->len;
  if (run->grading)
    run->all_items = g_ptr_array_ref (items);
  if (run->options->dry_run)
    g_hash_table_remove_all (run->calls);
  else
    {
      if (!arb_calls_begin (run->ws, error))
        return FALSE;
      in_transaction = TRUE;
    }
  for (guint i = 0; i < items->len; i++)
    {
      ArbJudgeItem *item = g_ptr_array_index (items, i);
      gboolean same = g_strcmp0 (item->text_a, item->text_b) == 0;
      const char *orders[2];
      guint n_orders = 0;

      /* Ties and cached answers are written in short transactions, so an annotator's commit
       * never waits long behind a large workspace's planning. */
      if (in_transaction && i > 0 && i % 512 == 0 &&
          (!arb_calls_commit (run->ws, error) || !arb_calls_begin (run->ws, error)))
        goto fail;

      if (run->tmpl->needs_reference && (item->reference == NULL || *item->reference == '\0'))
        {
          run->result.no_reference++;
          continue;
        }
      if (run->grading)
        orders[n_orders++] = NULL;
      else if (run->options->both_orders)
        {
          orders[n_orders++] = "ab";
          orders[n_orders++] = "ba";
        }
      else
        orders[n_orders++] = (mix64 (item->comparison_id ^ mix64 (run->options->seed)) & 1) ? "ba"
                                                                                       : "ab";
      for (guint o = 0; o < n_orders; o++)
        for (int s = 0; s < run->samples; s++)
          {
            g_autofree char *settled_key =
              g_strdup_printf ("%" G_GINT64_FORMAT ":%s:%d", item->comparison_id,
                               orders[o] != NULL ? orders[o] : "", s);
            gboolean swap = g_strcmp0 (orders[o], "ba") == 0;

            run->result.tasks++;
            if (g_hash_table_contains (run->settled, settled_key))
              {
                run->result.settled++;
                continue;
              }
            /* Identical texts are a tie; no judge is asked (DESIGN.md). */
            if (same)
              {
                run->result.ties++;
                if (!run->options->dry_run &&
                    !arb_calls_store_verdict (run->ws, item->comparison_id, run->rater_id, "ok", 0.5, 0,
                                              orders[o], s, -1, NULL, error))
                  goto fail;
                continue;
              }
            if (run->grading)
              {
                /* Each generation is graded once, however many comparisons it is in. */
                gint64 gens[2] = { item->a_id, item->b_id };
                const char *texts[2] = { item->text_a, item->text_b };

                for (guint g = 0; g < 2; g++)
                  {
                    g_autofree char *gk = g_strdup_printf ("%" G_GINT64_FORMAT ":%d", gens[g], s);
                    Task task = { gens[g], NULL, s };

                    if (g_hash_table_contains (run->grades, gk) ||
                        !g_hash_table_add (run->seen_generations, g_steal_pointer (&gk)))
                      continue;
                    if (!plan_task (run, run->calls, requests, task, item->question, texts[g], NULL,
                                    item->reference, error))
                      goto fail;
                  }
                continue;
              }
            {
              Task task = { item->comparison_id, orders[o], s };

              if (!plan_task (run, run->calls, requests, task, item->question,
                              swap ? item->text_b : item->text_a,
                              swap ? item->text_a : item->text_b, item->reference, error))
                goto fail;
            }
          }
    }
  if (in_transaction && !arb_calls_commit (run->ws, error))
    goto fail;
  run->result.to_send += requests->len;
  for (guint i = 0; i < requests->len; i++)
    {
      ArbHttpRequest *r = g_ptr_array_index (requests, i);

      if (run->options->dry_run)
        {
          ((Call *) r->user_data)->request = NULL;
          arb_http_request_free (r);
        }
      else
        {
          g_hash_table_add (run->live, r);
          g_queue_push_tail (&run->pending, r);
        }
    }
  return TRUE;

fail:
  if (in_transaction)
    arb_calls_rollback (run->ws);
  for (guint i = 0; i < requests->len; i++)
    arb_http_request_free (g_ptr_array_index (requests, i));
  return FALSE;
}

/* The engine's source: the next planned request, planning pages as they are needed. */
static ArbHttpRequest *
next_request (gpointer   data,
              GError   **error)
{
  Run *run = data;

  while (g_queue_is_empty (&run->pending) && !run->exhausted)
    if (!plan_page (run, error))
      return NULL;
  return g_queue_pop_head (&run->pending);
}

/* The chat-completions URL of an endpoint's base URL. */
static char *
chat_url (const char *base,
          gpointer    user_data)
{
  return arb_judge_endpoint_url (base);
}

/**
 * arb_judge_run:
 * @out_result: (out caller-allocates): counts; clear with arb_judge_result_clear
 *
 * Judges every visible comparison of @ws (see the file comment). Failed requests end as
 * `failed` verdicts (or grades) and are tried again by the next run; answered ones never are.
 *
 * Returns: FALSE when the run could not complete (cancelled, cost limit, storage error, bad
 *   options); what was answered until then is kept
 */
gboolean
arb_judge_run (ArbWorkspace           *ws,
               const ArbJudgeOptions  *options,
               ArbJudgeProgressFunc    progress,
               gpointer                user_data,
               ArbJudgeResult         *out_result,
               GCancellable           *cancellable,
               GError                **error)
{
  g_autoptr(ArbJudgeTemplate) tmpl = NULL;
  g_autoptr(GHashTable) settled = NULL;
  g_autofree char *identity = NULL;
  g_autoptr(ArbEndpoints) eps = NULL;
  const char *api_key = NULL;
  Run run = { 0 };
  ArbHttpOptions http = { 0 };
  gboolean grading, ok = TRUE, in_transaction = FALSE;
  int samples = MAX (1, options->samples);

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), FALSE);
  g_return_val_if_fail (options != NULL && options->model != NULL, FALSE);

  run.started = g_get_monotonic_time ();
  if (options->n_endpoints == 0 && !options->dry_run)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_INVALID, "no endpoint to send to");
      return FALSE;
    }
  if (options->api_key_env != NULL && !options->dry_run)
    {
      api_key = arb_endpoints_env_key (options->api_key_env, error);
      if (api_key == NULL)
        return FALSE;
    }
  tmpl = arb_judge_template_load (options->template_name ? options->template_name : "pairwise-5",
                                  error);
  if (tmpl == NULL)
    return FALSE;
  grading = tmpl->verdict == ARB_VERDICT_GRADE_10;
  identity = arb_judge_template_identity (tmpl, options->model);
  run.ws = ws;
  run.options = options;
  run.tmpl = tmpl;
  run.progress = progress;
  run.progress_data = user_data;
  run.finished = g_ptr_array_new ();
  run.grades = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  run.failed_grades = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  run.result.rater = options->rater != NULL
                       ? g_strdup (options->rater)
                       : g_strdup_printf ("judge:%s:%s", options->model, tmpl->name);

  run.rater_id = ensure_rater (&run, run.result.rater, identity, error);
  if (run.rater_id < 0)
    goto fail;

  if (run.rater_id > 0)
    {
      settled = arb_calls_list_settled (ws, run.rater_id, !options->reparse, error);
      if (settled == NULL)
        goto fail;
      if (grading)
        {
          g_autoptr(GHashTable) grades = arb_calls_list_grades (ws, run.rater_id, error);
          GHashTableIter iter;
          gpointer k, v;

          if (grades == NULL)
            goto fail;
          g_hash_table_iter_init (&iter, grades);
          while (g_hash_table_iter_next (&iter, &k, &v))
            if (!options->reparse || !isnan (*(double *) v))
              {
                g_hash_table_insert (run.grades, k, v);
                g_hash_table_iter_steal (&iter);
              }
        }
    }
  else
    settled = g_hash_table_new (g_str_hash, g_str_equal);
  run.settled = settled;
  run.samples = samples;
  run.grading = grading;
  run.seen_generations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  run.calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) call_free);
  run.live = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                    (GDestroyNotify) arb_http_request_free, NULL);
  run.after = -1;
  /* The tests make pages small to cross their borders; nobody else needs to. */
  run.page_size = g_getenv ("ARB_JUDGE_PAGE_SIZE") != NULL
                    ? MAX (1, g_ascii_strtoll (g_getenv ("ARB_JUDGE_PAGE_SIZE"), NULL, 10))
                    : PAGE_SIZE;

  if (options->dry_run)
    {
      while (!run.exhausted)
        if (!plan_page (&run, error))
          goto fail;
      run.result.estimated_cost = (run.result.estimated_input_tokens * options->price_input +
                                   run.result.estimated_output_tokens * options->price_output) /
                                  1000;
      goto done;
    }

  {
      eps = arb_endpoints_resolve (options->endpoints, options->n_endpoints, api_key,
                                   options->concurrency, options->rpm, options->tpm,
                                   chat_url, NULL, error);
      if (eps == NULL)
        goto fail;
      http.endpoints = eps->endpoints;
      http.n_endpoints = eps->n_endpoints;
      http.timeout = options->timeout > 0 ? options->timeout : 120;
      http.max_attempts = options->max_attempts > 0 ? options->max_attempts : 6;
      /* One retry per request by default: requests are planned as they go, so count them as
       * the comparisons' tasks, an upper bound. */
      {
        ArbCounts counts = { 0 };
        gint64 tasks;

        if (!arb_workspace_get_counts (ws, &counts, error))
          goto fail;
        tasks = counts.comparisons * samples * (grading ? 2 : options->both_orders ? 2 : 1);
        http.retry_budget = options->retry_budget != 0 ? options->retry_budget
                                                       : MAX (20, tasks);
      }
      http.backoff_base = options->backoff_base > 0 ? options->backoff_base : 0.5;
      http.backoff_max = options->backoff_max > 0 ? options->backoff_max : 30;
      http.price_input = options->price_input;
      http.price_output = options->price_output;
      http.max_cost = options->max_cost;
      report (&run);
      ok = arb_http_run_source (&http, next_request, on_done, on_tick, &run, &run.result.http,
                                cancellable, error);
      /* What was answered before a stop is kept. */
      if (!flush (&run, ok ? error : NULL))
        ok = FALSE;
      run.result.http.in_flight = 0;
      if (!ok)
        goto fail;
    }
  if (grading && run.all_items != NULL &&
      !derive_verdicts (&run, run.all_items, settled, samples, error))
    goto fail;
  report (&run);
  if (run.result.not_sent > 0)
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_COST,
                   "stopped at the cost limit of %.4f USD: %" G_GINT64_FORMAT " requests were "
                   "not sent (run again with a higher --max-cost to send them)",
                   options->max_cost, run.result.http.not_sent);
      goto fail;
    }

done:
  run.result.seconds = (g_get_monotonic_time () - run.started) / 1e6;
  if (out_result != NULL)
    *out_result = run.result;
  else
    arb_judge_result_clear (&run.result);
  g_ptr_array_unref (run.finished);
  g_hash_table_unref (run.grades);
  g_hash_table_unref (run.failed_grades);
  g_queue_clear (&run.pending);
  g_clear_pointer (&run.live, g_hash_table_unref);
  g_clear_pointer (&run.calls, g_hash_table_unref);
  g_clear_pointer (&run.seen_generations, g_hash_table_unref);
  g_clear_pointer (&run.all_items, g_ptr_array_unref);
  return TRUE;

fail:
  if (in_transaction)
    arb_calls_rollback (ws);
  run.result.seconds = (g_get_monotonic_time () - run.started) / 1e6;
  if (out_result != NULL)
    *out_result = run.result;
  else
    arb_judge_result_clear (&run.result);
  g_ptr_array_unref (run.finished);
  g_hash_table_unref (run.grades);
  g_hash_table_unref (run.failed_grades);
  g_queue_clear (&run.pending);
  g_clear_pointer (&run.live, g_hash_table_unref);
  g_clear_pointer (&run.calls, g_hash_table_unref);
  g_clear_pointer (&run.seen_generations, g_hash_table_unref);
  g_clear_pointer (&run.all_items, g_ptr_array_unref);
  return FALSE;
}

/* ---- off the main thread ---------------------------------------------------------------- */

/**
 * arb_judge_options_copy:
 *
 * Returns: (transfer full): a deep copy, for a worker
 */
ArbJudgeOptions *
arb_judge_options_copy (const ArbJudgeOptions *options)
{
  ArbJudgeOptions *copy = g_memdup2 (options, sizeof *options);
  char **endpoints = g_new0 (char *, options->n_endpoints + 1);

  for (guint i = 0; i < options->n_endpoints; i++)
    endpoints[i] = g_strdup (options->endpoints[i]);
  copy->endpoints = (const char *const *) endpoints;
  copy->model = g_strdup (options->model);
  copy->rater = g_strdup (options->rater);
  copy->template_name = g_strdup (options->template_name);
  copy->api_key_env = g_strdup (options->api_key_env);
  copy->systems = (const char *const *) g_strdupv ((char **) options->systems);
  return copy;
}

void
arb_judge_options_free (ArbJudgeOptions *options)
{
  if (options == NULL)
    return;
  g_strfreev ((char **) options->endpoints);
  g_free ((char *) options->model);
  g_free ((char *) options->rater);
  g_free ((char *) options->template_name);
  g_free ((char *) options->api_key_env);
  g_strfreev ((char **) options->systems);
  g_free (options);
}

typedef struct
{
  char                 *path;
  ArbJudgeOptions      *options;
  ArbJudgeProgressFunc  progress;
  gpointer              progress_data;
  GMainContext         *context;      /* the caller's, where progress is shown */
  GMutex                lock;
  ArbJudgeResult        latest;       /* the newest progress, under lock */
  gboolean              pending;      /* an idle is queued to show it */
  gint64                last_sent;
  ArbJudgeResult        result;
} AsyncRun;

static void
async_run_free (AsyncRun *a)
{
  g_free (a->path);
  arb_judge_options_free (a->options);
  g_main_context_unref (a->context);
  arb_judge_result_clear (&a->latest);
  arb_judge_result_clear (&a->result);
  g_mutex_clear (&a->lock);
  g_free (a);
}

static gboolean
show_latest (gpointer data)
{
  GTask *task = data;
  AsyncRun *a = g_task_get_task_data (task);
  ArbJudgeResult copy;

  g_mutex_lock (&a->lock);
  copy = a->latest;
  copy.rater = g_strdup (a->latest.rater);
  a->pending = FALSE;
  g_mutex_unlock (&a->lock);
  a->progress (&copy, a->progress_data);
  arb_judge_result_clear (&copy);
  return G_SOURCE_REMOVE;
}

/* On the worker: keeps the newest counts and has the caller's context show them, at most ten
 * times a second. */
static void
forward_progress (const ArbJudgeResult *result,
                  gpointer              data)
{
  GTask *task = data;
  AsyncRun *a = g_task_get_task_data (task);
  gint64 now = g_get_monotonic_time ();
  gboolean queue;

  if (now - a->last_sent < 100 * 1000)
    return;
  a->last_sent = now;
  g_mutex_lock (&a->lock);
  g_free (a->latest.rater);
  a->latest = *result;
  a->latest.rater = g_strdup (result->rater);
  queue = !a->pending;
  a->pending = TRUE;
  g_mutex_unlock (&a->lock);
  if (queue)
    g_main_context_invoke_full (a->context, G_PRIORITY_DEFAULT, show_latest,
                                g_object_ref (task), g_object_unref);
}

static void
run_in_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  AsyncRun *a = data;
  g_autoptr(ArbWorkspace) ws = NULL;
  GError *error = NULL;

  /* A connection of its own: a workspace object belongs to one thread. */
  ws = arb_workspace_open (a->path, &error);
  if (ws == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (arb_judge_run (ws, a->options, a->progress != NULL ? forward_progress : NULL, task,
                     &a->result, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * arb_judge_run_async:
 * @workspace_path: the workspace, opened again on the worker thread
 * @options: copied
 * @progress: (nullable): called on the thread-default main context of the caller, at most ten
 *   times a second
 *
 * arb_judge_run on a worker thread.
 */
void
arb_judge_run_async (const char            *workspace_path,
                     const ArbJudgeOptions *options,
                     ArbJudgeProgressFunc   progress,
                     gpointer               progress_data,
                     GCancellable          *cancellable,
                     GAsyncReadyCallback    callback,
                     gpointer               user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  AsyncRun *a = g_new0 (AsyncRun, 1);

  g_return_if_fail (workspace_path != NULL && options != NULL);

  a->path = g_strdup (workspace_path);
  a->options = arb_judge_options_copy (options);
  a->progress = progress;
  a->progress_data = progress_data;
  a->context = g_main_context_ref_thread_default ();
  g_mutex_init (&a->lock);
  g_task_set_source_tag (task, arb_judge_run_async);
  g_task_set_task_data (task, a, (GDestroyNotify) async_run_free);
  /* The run stops itself when cancelled and keeps what it has; report that, not an early
   * G_IO_ERROR_CANCELLED from GTask. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, run_in_thread);
}

/**
 * arb_judge_run_finish:
 * @out_result: (out caller-allocates) (optional): the counts, also of a run that failed
 *
 * Returns: as arb_judge_run
 */
gboolean
arb_judge_run_finish (GAsyncResult    *result,
                      ArbJudgeResult  *out_result,
                      GError         **error)
{
  AsyncRun *a;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  a = g_task_get_task_data (G_TASK (result));
  if (out_result != NULL)
    {
      *out_result = a->result;
      a->result.rater = NULL;
    }
  return g_task_propagate_boolean (G_TASK (result), error);
}
