/* arb-labels.c: span and step labels made by a person, and which generation they label next
 *
 * See arb-labels.h for the rules. Every change below is one IMMEDIATE transaction with its
 * event, committed before the function returns: what the page shows as saved is saved.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json.h>

#include "arb-labels.h"
#include "arb-units.h"
#include "arb-workspace-private.h"

const char *
arb_task_to_string (ArbTask task)
{
  return task == ARB_TASK_STEPS ? "steps" : "spans";
}

void
arb_span_clear (ArbSpan *span)
{
  g_clear_pointer (&span->uuid, g_free);
  g_clear_pointer (&span->label, g_free);
  g_clear_pointer (&span->note, g_free);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           i)
{
  const unsigned char *t = sqlite3_column_text (stmt, i);

  return t ? g_strdup ((const char *) t) : NULL;
}

static void
read_span (sqlite3_stmt *stmt,
           ArbSpan      *s)
{
  s->id = sqlite3_column_int64 (stmt, 0);
  s->uuid = column_dup (stmt, 1);
  s->generation_id = sqlite3_column_int64 (stmt, 2);
  s->rater_id = sqlite3_column_int64 (stmt, 3);
  s->start_byte = sqlite3_column_int64 (stmt, 4);
  s->end_byte = sqlite3_column_int64 (stmt, 5);
  s->label = column_dup (stmt, 6);
  s->value = sqlite3_column_type (stmt, 7) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 7);
  s->step_index = sqlite3_column_type (stmt, 8) == SQLITE_NULL ? -1 : sqlite3_column_int (stmt, 8);
  s->note = column_dup (stmt, 9);
}

#define SPAN_COLUMNS "id, uuid, generation_id, rater_id, start_byte, end_byte, label, value," \
                     " step_index, note"

/**
 * arb_workspace_list_spans:
 *
 * Returns: (transfer full) (nullable): an array of #ArbSpan
 */
GArray *
arb_workspace_list_spans (ArbWorkspace  *ws,
                          gint64         generation_id,
                          gint64         rater_id,
                          GError       **error)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, TRUE, sizeof (ArbSpan));
  sqlite3_stmt *stmt;
  int rc;

  g_array_set_clear_func (spans, (GDestroyNotify) arb_span_clear);
  stmt = _arb_workspace_prepare (ws,
                                 "SELECT " SPAN_COLUMNS " FROM current_spans"
                                 " WHERE (?1 < 0 OR generation_id = ?1) AND (?2 < 0 OR rater_id = ?2)"
                                 " ORDER BY generation_id, start_byte, end_byte, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, generation_id);
  sqlite3_bind_int64 (stmt, 2, rater_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ArbSpan s = { 0 };

      read_span (stmt, &s);
      g_array_append_val (spans, s);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "listing spans");
      return NULL;
    }
  return g_steal_pointer (&spans);
}

char *
arb_workspace_get_generation_text (ArbWorkspace  *ws,
                                   gint64         generation_id,
                                   gint64        *out_prompt_id,
                                   char         **out_system,
                                   GError       **error)
{
  sqlite3_stmt *stmt;
  char *text = NULL;
  int rc;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT g.text, g.prompt_id, s.name FROM generations g"
                                 " JOIN systems s ON s.id = g.system_id WHERE g.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, generation_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (text == NULL)
        text = g_strdup ("");
      if (out_prompt_id != NULL)
        *out_prompt_id = sqlite3_column_int64 (stmt, 1);
      if (out_system != NULL)
        *out_system = column_dup (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                 "no generation with id %" G_GINT64_FORMAT, generation_id);
  else if (rc != SQLITE_ROW)
    _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "reading a generation");
  return text;
}

/* The steps a rule cuts @text into. */
static GArray *
steps_by_rule (const char  *text,
               const char  *rule,
               GError     **error)
{
  ArbUnitKind kind;

  if (g_str_has_prefix (rule, "pattern:"))
    return arb_units_steps_by_pattern (text, -1, rule + strlen ("pattern:"), error);
  if (!arb_unit_kind_from_string (rule, &kind) ||
      (kind != ARB_UNITS_LINES && kind != ARB_UNITS_PARAGRAPHS && kind != ARB_UNITS_SENTENCES))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "the step rule \"%s\" is none of lines, paragraphs, sentences or pattern:REGEX",
                   rule);
      return NULL;
    }
  return arb_units_segment (text, -1, kind);
}

/* Stored steps of one source (or of the first source when @source is NULL, imported first). */
static GArray *
stored_steps (ArbWorkspace  *ws,
              gint64         generation_id,
              char         **out_source,
              GError       **error)
{
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (ArbRange));
  g_autofree char *source = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT source, start_byte, end_byte FROM steps WHERE generation_id = ?"
                                 " ORDER BY source <> 'imported', source, idx", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, generation_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *s = (const char *) sqlite3_column_text (stmt, 0);
      ArbRange r = { sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 2) };

      if (source == NULL)
        source = g_strdup (s);
      else if (g_strcmp0 (source, s) != 0)
        break;
      g_array_append_val (ranges, r);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "reading steps");
      return NULL;
    }
  *out_source = g_steal_pointer (&source);
  return g_steal_pointer (&ranges);
}

/**
 * arb_workspace_get_steps:
 *
 * Returns: (transfer full) (nullable): an array of #ArbRange
 */
GArray *
arb_workspace_get_steps (ArbWorkspace  *ws,
                         gint64         generation_id,
                         char         **out_source,
                         GError       **error)
{
  g_autofree char *source = NULL;
  g_autofree char *rule = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GArray) ranges = stored_steps (ws, generation_id, &source, error);

  if (ranges == NULL)
    return NULL;
  if (source != NULL)
    {
      if (out_source != NULL)
        *out_source = g_steal_pointer (&source);
      return g_steal_pointer (&ranges);
    }
  rule = arb_workspace_get_setting (ws, ARB_SETTING_STEP_RULE);
  if (rule == NULL || *rule == '\0')
    {
      g_free (rule);
      rule = g_strdup ("lines");
    }
  text = arb_workspace_get_generation_text (ws, generation_id, NULL, NULL, error);
  if (text == NULL)
    return NULL;
  g_clear_pointer (&ranges, g_array_unref);
  ranges = steps_by_rule (text, rule, error);
  if (ranges == NULL)
    return NULL;
  if (out_source != NULL)
    *out_source = g_steal_pointer (&rule);
  return g_steal_pointer (&ranges);
}

/* ---- transactions and events ------------------------------------------------------------ */

static gboolean
begin (ArbWorkspace *ws,
       GError      **error)
{
  return _arb_workspace_exec (ws, "BEGIN IMMEDIATE", error);
}

static gboolean
commit_or_rollback (ArbWorkspace *ws,
                    gboolean      ok,
                    GError      **error)
{
  if (ok && _arb_workspace_exec (ws, "COMMIT", error))
    return TRUE;
  _arb_workspace_exec (ws, "ROLLBACK", NULL);
  return FALSE;
}

static char *
generation_uuid (ArbWorkspace *ws,
                 gint64        generation_id,
                 GError      **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws, "SELECT uuid FROM generations WHERE id = ?",
                                               error);
  char *uuid = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, generation_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    uuid = column_dup (stmt, 0);
  sqlite3_reset (stmt);
  if (uuid == NULL)
    g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                 "no generation with id %" G_GINT64_FORMAT, generation_id);
  return uuid;
}

/* One label change: the spans it added and removed (UUIDs), and whether it finished the
 * generation for a task. */
typedef struct
{
  gint64     generation_id;
  GPtrArray *added;
  GPtrArray *removed;
  const char *done;     /* "spans", "steps" or NULL */
} LabelOp;

static void
label_op_init (LabelOp *op,
               gint64   generation_id)
{
  op->generation_id = generation_id;
  op->added = g_ptr_array_new_with_free_func (g_free);
  op->removed = g_ptr_array_new_with_free_func (g_free);
  op->done = NULL;
}

static void
label_op_clear (LabelOp *op)
{
  g_clear_pointer (&op->added, g_ptr_array_unref);
  g_clear_pointer (&op->removed, g_ptr_array_unref);
}

static json_object *
uuid_list (GPtrArray *uuids)
{
  json_object *a = json_object_new_array ();

  for (guint i = 0; i < uuids->len; i++)
    json_object_array_add (a, json_object_new_string (g_ptr_array_index (uuids, i)));
  return a;
}

static gboolean
insert_event (ArbQueue    *queue,
              const char  *action,
              const char  *payload,
              GError     **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *now = _arb_now_iso8601 ();
  sqlite3_stmt *stmt;

  stmt = _arb_workspace_prepare (ws,
                                 "INSERT INTO events (uuid, rater_id, action, payload, created_at)"
                                 " VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, arb_queue_get_rater_id (queue));
  sqlite3_bind_text (stmt, 3, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, payload, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, now, -1, SQLITE_STATIC);
  return _arb_workspace_step_done (ws, stmt, error);
}

static gboolean
log_op (ArbQueue  *queue,
        LabelOp   *op,
        GError   **error)
{
  g_autofree char *gen_uuid = generation_uuid (arb_queue_get_workspace (queue),
                                               op->generation_id, error);
  json_object *o;
  gboolean ok;

  if (gen_uuid == NULL)
    return FALSE;
  o = json_object_new_object ();
  json_object_object_add (o, "kind", json_object_new_string ("labels"));
  json_object_object_add (o, "generation", json_object_new_string (gen_uuid));
  json_object_object_add (o, "added", uuid_list (op->added));
  json_object_object_add (o, "removed", uuid_list (op->removed));
  if (op->done != NULL)
    json_object_object_add (o, "done", json_object_new_string (op->done));
  ok = insert_event (queue, op->added->len > 0 || op->done != NULL ? "decide" : "change",
                     json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN), error);
  json_object_put (o);
  return ok;
}

static gboolean
generation_assignment (ArbQueue    *queue,
                       ArbTask      task,
                       gint64       generation_id,
                       const char  *state,
                       GError     **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *now = arb_queue_time_string (queue, 0);
  g_autofree char *expires = arb_queue_time_string (queue, arb_queue_get_lease_seconds (queue));
  sqlite3_stmt *stmt;

  stmt = _arb_workspace_prepare (ws,
                                 "INSERT INTO generation_assignments (uuid, generation_id, rater_id,"
                                 " task, state, lease_expires, skip_count, created_at)"
                                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5 = 'skipped', ?7)"
                                 " ON CONFLICT (generation_id, rater_id, task) DO UPDATE SET"
                                 " state = excluded.state, lease_expires = excluded.lease_expires,"
                                 " skip_count = skip_count + (excluded.state = 'skipped')",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, generation_id);
  sqlite3_bind_int64 (stmt, 3, arb_queue_get_rater_id (queue));
  sqlite3_bind_text (stmt, 4, arb_task_to_string (task), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, state, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, expires, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, now, -1, SQLITE_STATIC);
  return _arb_workspace_step_done (ws, stmt, error);
}

/* ---- the queue ------------------------------------------------------------------------- */

/* Candidates, best first: generations of the annotator's own comparisons, then (steps) those
 * that came with steps, then every text generation. ?1 rater, ?2 task, ?3 now, ?4 overlap. */
#define FRESH_CONDITIONS \
  " g.kind = 'text' AND length (g.text) > 0" \
  " AND NOT EXISTS (SELECT 1 FROM generation_assignments m WHERE m.generation_id = g.id" \
  "   AND m.rater_id = ?1 AND m.task = ?2)" \
  " AND (SELECT count(*) FROM generation_assignments o WHERE o.generation_id = g.id" \
  "   AND o.task = ?2 AND o.rater_id <> ?1" \
  "   AND (o.state = 'done' OR (o.state = 'leased' AND o.lease_expires > ?3))) < ?4"

static const char *const fresh_queries[] = {
  "SELECT g.id FROM visible_generations g WHERE g.id IN"
  " (SELECT c.a_id FROM assignments a JOIN comparisons c ON c.id = a.comparison_id"
  "  WHERE a.rater_id = ?1 UNION SELECT c.b_id FROM assignments a"
  "  JOIN comparisons c ON c.id = a.comparison_id WHERE a.rater_id = ?1)"
  " AND" FRESH_CONDITIONS " ORDER BY g.id LIMIT 1",
  "SELECT g.id FROM visible_generations g WHERE ?2 = 'steps'"
  " AND g.id IN (SELECT generation_id FROM steps) AND" FRESH_CONDITIONS " ORDER BY g.id LIMIT 1",
  "SELECT g.id FROM visible_generations g WHERE" FRESH_CONDITIONS " ORDER BY g.id LIMIT 1",
};

static gint64
first_generation (ArbQueue    *queue,
                  const char  *sql,
                  ArbTask      task,
                  const char  *now,
                  GError     **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws, sql, error);
  gint64 id = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, arb_queue_get_rater_id (queue));
  sqlite3_bind_text (stmt, 2, arb_task_to_string (task), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count (stmt) >= 4)
    sqlite3_bind_int (stmt, 4, arb_queue_get_overlap (queue));
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "choosing the next generation");
      return -1;
    }
  return id;
}

gboolean
arb_queue_next_generation (ArbQueue     *queue,
                           ArbTask       task,
                           ArbTaskItem  *out_item,
                           GError      **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  g_autofree char *now = arb_queue_time_string (queue, 0);
  gint64 id;
  gboolean ok;

  out_item->generation_id = -1;
  out_item->skipped = FALSE;
  out_item->done = FALSE;
  if (!begin (ws, error))
    return FALSE;

  /* 1. A live lease of this annotator: they come back to what they were doing. */
  id = first_generation (queue,
                         "SELECT generation_id FROM generation_assignments WHERE rater_id = ?1"
                         " AND task = ?2 AND state = 'leased' AND lease_expires > ?3"
                         " ORDER BY id DESC LIMIT 1", task, now, error);
  /* 2. A fresh one. */
  for (guint i = 0; id == 0 && i < G_N_ELEMENTS (fresh_queries); i++)
    id = first_generation (queue, fresh_queries[i], task, now, error);
  /* 3. What they skipped, least skipped and oldest first. */
  if (id == 0)
    {
      id = first_generation (queue,
                             "SELECT generation_id FROM generation_assignments WHERE rater_id = ?1"
                             " AND task = ?2 AND state = 'skipped' AND ?3 IS NOT NULL"
                             " ORDER BY skip_count, lease_expires, id LIMIT 1", task, now, error);
      out_item->skipped = id > 0;
    }
  ok = id >= 0;
  if (ok && id > 0)
    ok = generation_assignment (queue, task, id, "leased", error);
  if (!commit_or_rollback (ws, ok, error))
    return FALSE;
  out_item->generation_id = id > 0 ? id : -1;
  return TRUE;
}

/* Returns the annotator's state of a generation for a task (NULL: none). */
static char *
assignment_state (ArbQueue *queue,
                  ArbTask   task,
                  gint64    generation_id)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (arb_queue_get_workspace (queue),
                                               "SELECT state FROM generation_assignments WHERE"
                                               " generation_id = ? AND rater_id = ? AND task = ?",
                                               NULL);
  char *state = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, generation_id);
  sqlite3_bind_int64 (stmt, 2, arb_queue_get_rater_id (queue));
  sqlite3_bind_text (stmt, 3, arb_task_to_string (task), -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    state = column_dup (stmt, 0);
  sqlite3_reset (stmt);
  return state;
}

gboolean
arb_queue_lease_generation (ArbQueue  *queue,
                            ArbTask    task,
                            gint64     generation_id,
                            GError   **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  g_autofree char *state = NULL;
  gboolean ok;

  if (!begin (ws, error))
    return FALSE;
  state = assignment_state (queue, task, generation_id);
  /* A finished generation stays finished; looking at it again is not taking it back. */
  ok = g_strcmp0 (state, "done") == 0 ||
       generation_assignment (queue, task, generation_id, "leased", error);
  return commit_or_rollback (ws, ok, error);
}

gboolean
arb_queue_skip_generation (ArbQueue  *queue,
                           ArbTask    task,
                           gint64     generation_id,
                           GError   **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);

  if (!begin (ws, error))
    return FALSE;
  return commit_or_rollback (ws, generation_assignment (queue, task, generation_id, "skipped",
                                                        error), error);
}

gboolean
arb_queue_finish_generation (ArbQueue  *queue,
                             ArbTask    task,
                             gint64     generation_id,
                             GError   **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  LabelOp op;
  gboolean ok;

  label_op_init (&op, generation_id);
  op.done = arb_task_to_string (task);
  ok = begin (ws, error);
  if (ok)
    {
      ok = generation_assignment (queue, task, generation_id, "done", error) &&
           log_op (queue, &op, error);
      ok = commit_or_rollback (ws, ok, error);
    }
  label_op_clear (&op);
  return ok;
}

gboolean
arb_queue_get_task_progress (ArbQueue  *queue,
                             ArbTask    task,
                             gint64    *out_done,
                             gint64    *out_total,
                             GError   **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT (SELECT count(*) FROM generation_assignments WHERE rater_id = ?"
                                 "  AND task = ? AND state = 'done'),"
                                 /* Counted on indexes, never on the texts: every visible
                                  * generation (a million of them in well under a second). */
                                 " (SELECT count(*) FROM generations)"
                                 " - (SELECT count(*) FROM generations WHERE import_id IN"
                                 "    (SELECT id FROM imports WHERE state <> 'done'))", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, arb_queue_get_rater_id (queue));
  sqlite3_bind_text (stmt, 2, arb_task_to_string (task), -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_done = sqlite3_column_int64 (stmt, 0);
      *out_total = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "counting labelled generations");
      return FALSE;
    }
  return TRUE;
}

/* ---- spans ----------------------------------------------------------------------------- */

static gboolean
check_range (const char  *text,
             gint64       start,
             gint64       end,
             GError     **error)
{
  gint64 len = strlen (text);

  if (start < 0 || end > len || start >= end)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "the span %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT " is not a non-empty range "
                   "inside the %" G_GINT64_FORMAT " bytes of the response", start, end, len);
      return FALSE;
    }
  if ((text[start] & 0xC0) == 0x80 || (end < len && (text[end] & 0xC0) == 0x80))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "the span %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT " %s inside a character",
                   start, end, (text[start] & 0xC0) == 0x80 ? "starts" : "ends");
      return FALSE;
    }
  return TRUE;
}

/* Inserts a span of this annotator; its UUID goes to @op->added. Returns its id or -1. */
static gint64
insert_span (ArbQueue    *queue,
             LabelOp     *op,
             gint64       start,
             gint64       end,
             const char  *label,
             double       value,
             int          step_index,
             const char  *note,
             GError     **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  char *uuid = g_uuid_string_random ();
  g_autofree char *now = _arb_now_iso8601 ();
  sqlite3_stmt *stmt;

  g_ptr_array_add (op->added, uuid);
  stmt = _arb_workspace_prepare (ws,
                                 "INSERT INTO spans (uuid, generation_id, rater_id, start_byte, end_byte,"
                                 " label, value, step_index, note, created_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, op->generation_id);
  sqlite3_bind_int64 (stmt, 3, arb_queue_get_rater_id (queue));
  sqlite3_bind_int64 (stmt, 4, start);
  sqlite3_bind_int64 (stmt, 5, end);
  sqlite3_bind_text (stmt, 6, label, -1, SQLITE_STATIC);
  if (!isnan (value))
    sqlite3_bind_double (stmt, 7, value);
  if (step_index >= 0)
    sqlite3_bind_int (stmt, 8, step_index);
  if (note != NULL && *note != '\0')
    sqlite3_bind_text (stmt, 9, note, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 10, now, -1, SQLITE_STATIC);
  if (!_arb_workspace_step_done (ws, stmt, error))
    return -1;
  return sqlite3_last_insert_rowid (_arb_workspace_get_db (ws));
}

/* Marks one of this annotator's current spans as superseded by @by (itself: removed). */
static gboolean
supersede_span (ArbQueue  *queue,
                LabelOp   *op,
                gint64     span_id,
                gint64     by,
                GError   **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  sqlite3_stmt *stmt;
  char *uuid = NULL;
  gint64 generation_id = 0;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT uuid, generation_id FROM spans WHERE id = ? AND rater_id = ?"
                                 " AND superseded_by IS NULL", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, span_id);
  sqlite3_bind_int64 (stmt, 2, arb_queue_get_rater_id (queue));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      uuid = column_dup (stmt, 0);
      generation_id = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (uuid == NULL)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                   "span %" G_GINT64_FORMAT " is not a current span of %s", span_id,
                   arb_queue_get_annotator (queue));
      return FALSE;
    }
  if (op->generation_id <= 0)
    op->generation_id = generation_id;
  g_ptr_array_add (op->removed, uuid);
  stmt = _arb_workspace_prepare (ws, "UPDATE spans SET superseded_by = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, by > 0 ? by : span_id);
  sqlite3_bind_int64 (stmt, 2, span_id);
  return _arb_workspace_step_done (ws, stmt, error);
}

gint64
arb_queue_add_span (ArbQueue    *queue,
                    gint64       generation_id,
                    gint64       start_byte,
                    gint64       end_byte,
                    const char  *label,
                    double       value,
                    const char  *note,
                    GError     **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  g_autofree char *text = NULL;
  LabelOp op;
  gint64 id = -1;

  g_return_val_if_fail (label != NULL && *label != '\0', -1);
  text = arb_workspace_get_generation_text (ws, generation_id, NULL, NULL, error);
  if (text == NULL || !check_range (text, start_byte, end_byte, error))
    return -1;
  label_op_init (&op, generation_id);
  if (begin (ws, error))
    {
      id = insert_span (queue, &op, start_byte, end_byte, label, value, -1, note, error);
      if (!commit_or_rollback (ws, id > 0 && log_op (queue, &op, error), error))
        id = -1;
    }
  label_op_clear (&op);
  return id;
}

gboolean
arb_queue_remove_span (ArbQueue  *queue,
                       gint64     span_id,
                       GError   **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  LabelOp op;
  gboolean ok;

  label_op_init (&op, 0);
  ok = begin (ws, error);
  if (ok)
    ok = commit_or_rollback (ws, supersede_span (queue, &op, span_id, 0, error) &&
                                 log_op (queue, &op, error), error);
  label_op_clear (&op);
  return ok;
}

/* ---- steps ----------------------------------------------------------------------------- */

/* The generation's steps, stored as steps rows when they came from a rule. */
static GArray *
ensure_steps (ArbWorkspace  *ws,
              gint64         generation_id,
              GError       **error)
{
  g_autofree char *source = NULL;
  g_autoptr(GArray) stored = stored_steps (ws, generation_id, &source, error);
  g_autoptr(GArray) steps = NULL;
  sqlite3_stmt *stmt;

  if (stored == NULL)
    return NULL;
  if (source != NULL)
    return g_steal_pointer (&stored);
  g_clear_pointer (&source, g_free);
  steps = arb_workspace_get_steps (ws, generation_id, &source, error);
  if (steps == NULL)
    return NULL;
  stmt = _arb_workspace_prepare (ws,
                                 "INSERT INTO steps (uuid, generation_id, source, idx, start_byte,"
                                 " end_byte) VALUES (?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return NULL;
  for (guint i = 0; i < steps->len; i++)
    {
      g_autofree char *uuid = g_uuid_string_random ();
      ArbRange *r = &g_array_index (steps, ArbRange, i);

      sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, generation_id);
      sqlite3_bind_text (stmt, 3, source, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 4, i);
      sqlite3_bind_int64 (stmt, 5, r->start);
      sqlite3_bind_int64 (stmt, 6, r->end);
      if (!_arb_workspace_step_done (ws, stmt, error))
        return NULL;
    }
  return g_steal_pointer (&steps);
}

static const char *
rating_label (int rating)
{
  return rating > 0 ? "good" : rating < 0 ? "bad" : "neutral";
}

/* Ids of this annotator's current labels of step @step_index (-1: of every step). */
static GArray *
own_step_labels (ArbQueue  *queue,
                 gint64     generation_id,
                 int        step_index,
                 GError   **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT id FROM spans WHERE generation_id = ? AND rater_id = ?"
                                 " AND superseded_by IS NULL AND step_index IS NOT NULL"
                                 " AND (? < 0 OR step_index = ?) ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, generation_id);
  sqlite3_bind_int64 (stmt, 2, arb_queue_get_rater_id (queue));
  sqlite3_bind_int (stmt, 3, step_index);
  sqlite3_bind_int (stmt, 4, step_index);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "reading step labels");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

gint64
arb_queue_rate_step (ArbQueue  *queue,
                     gint64     generation_id,
                     int        step_index,
                     int        rating,
                     GError   **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GArray) old = NULL;
  LabelOp op;
  gint64 id = -1;
  gboolean ok;

  rating = CLAMP (rating, -1, 1);
  if (!begin (ws, error))
    return -1;
  label_op_init (&op, generation_id);
  steps = ensure_steps (ws, generation_id, error);
  ok = steps != NULL;
  if (ok && (step_index < 0 || (guint) step_index >= steps->len))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "the response has %u steps; there is no step %d", steps->len, step_index + 1);
      ok = FALSE;
    }
  if (ok)
    {
      ArbRange *r = &g_array_index (steps, ArbRange, step_index);

      old = own_step_labels (queue, generation_id, step_index, error);
      ok = old != NULL;
      if (ok)
        id = insert_span (queue, &op, r->start, r->end, rating_label (rating), rating,
                          step_index, NULL, error);
      ok = ok && id > 0;
      for (guint i = 0; ok && i < old->len; i++)
        ok = supersede_span (queue, &op, g_array_index (old, gint64, i), id, error);
      ok = ok && log_op (queue, &op, error);
    }
  label_op_clear (&op);
  return commit_or_rollback (ws, ok, error) ? id : -1;
}

gboolean
arb_queue_settle_steps (ArbQueue  *queue,
                        gint64     generation_id,
                        int        first_error,
                        GError   **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  g_autoptr(GArray) steps = NULL;
  g_autoptr(GArray) old = NULL;
  LabelOp op;
  gboolean ok;

  if (!begin (ws, error))
    return FALSE;
  label_op_init (&op, generation_id);
  op.done = arb_task_to_string (ARB_TASK_STEPS);
  steps = ensure_steps (ws, generation_id, error);
  ok = steps != NULL;
  if (ok && first_error >= (int) steps->len)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "the response has %u steps; there is no step %d", steps->len, first_error + 1);
      ok = FALSE;
    }
  if (ok)
    {
      old = own_step_labels (queue, generation_id, -1, error);
      ok = old != NULL;
    }
  for (guint i = 0; ok && i < old->len; i++)
    ok = supersede_span (queue, &op, g_array_index (old, gint64, i), 0, error);
  for (guint i = 0; ok && i < steps->len && (first_error < 0 || (int) i <= first_error); i++)
    {
      ArbRange *r = &g_array_index (steps, ArbRange, i);
      int rating = (int) i == first_error ? -1 : 1;

      ok = insert_span (queue, &op, r->start, r->end, rating_label (rating), rating, i, NULL,
                        error) > 0;
    }
  ok = ok && generation_assignment (queue, ARB_TASK_STEPS, generation_id, "done", error) &&
       log_op (queue, &op, error);
  label_op_clear (&op);
  return commit_or_rollback (ws, ok, error);
}

/* ---- undo ------------------------------------------------------------------------------ */

static gboolean
set_superseded (ArbWorkspace *ws,
                const char   *uuid,
                gboolean      removed,
                GError      **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws,
                                               "UPDATE spans SET superseded_by ="
                                               " CASE WHEN ? THEN id ELSE NULL END WHERE uuid = ?",
                                               error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, removed ? 1 : 0);
  sqlite3_bind_text (stmt, 2, uuid, -1, SQLITE_STATIC);
  return _arb_workspace_step_done (ws, stmt, error);
}

gint64
arb_queue_undo_label (ArbQueue  *queue,
                      gint64     generation_id,
                      GError   **error)
{
  ArbWorkspace *ws = arb_queue_get_workspace (queue);
  g_autofree char *gen_uuid = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *undo = NULL;
  json_object *o = NULL;
  sqlite3_stmt *stmt;
  gint64 event_id = 0, found_generation = 0;
  gboolean ok = TRUE;

  if (generation_id > 0 && (gen_uuid = generation_uuid (ws, generation_id, error)) == NULL)
    return -1;
  if (!begin (ws, error))
    return -1;
  stmt = _arb_workspace_prepare (ws,
                                 "SELECT e.id, e.payload FROM events e WHERE e.rater_id = ?1"
                                 " AND e.action IN ('decide', 'change') AND e.comparison_id IS NULL"
                                 " AND e.payload LIKE '{\"kind\":\"labels\"%'"
                                 " AND (?2 IS NULL OR json_extract (e.payload, '$.generation') = ?2)"
                                 " AND NOT EXISTS (SELECT 1 FROM events u WHERE u.rater_id = e.rater_id"
                                 "   AND u.action = 'undo' AND u.payload = 'event:' || e.id)"
                                 " ORDER BY e.id DESC LIMIT 1", error);
  if (stmt == NULL)
    {
      _arb_workspace_exec (ws, "ROLLBACK", NULL);
      return -1;
    }
  sqlite3_bind_int64 (stmt, 1, arb_queue_get_rater_id (queue));
  if (gen_uuid != NULL)
    sqlite3_bind_text (stmt, 2, gen_uuid, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      event_id = sqlite3_column_int64 (stmt, 0);
      payload = column_dup (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (event_id == 0)
    {
      _arb_workspace_exec (ws, "ROLLBACK", NULL);
      return 0;
    }

  o = json_tokener_parse (payload);
  if (o == NULL)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "event %" G_GINT64_FORMAT " has an unreadable payload", event_id);
      ok = FALSE;
    }
  if (ok)
    {
      json_object *added = NULL, *removed = NULL, *done = NULL, *gen = NULL;
      sqlite3_stmt *g;

      json_object_object_get_ex (o, "added", &added);
      json_object_object_get_ex (o, "removed", &removed);
      json_object_object_get_ex (o, "done", &done);
      json_object_object_get_ex (o, "generation", &gen);
      for (size_t i = 0; ok && added && i < json_object_array_length (added); i++)
        ok = set_superseded (ws, json_object_get_string (json_object_array_get_idx (added, i)),
                             TRUE, error);
      for (size_t i = 0; ok && removed && i < json_object_array_length (removed); i++)
        ok = set_superseded (ws, json_object_get_string (json_object_array_get_idx (removed, i)),
                             FALSE, error);
      g = ok ? _arb_workspace_prepare (ws, "SELECT id FROM generations WHERE uuid = ?", error) : NULL;
      if (g != NULL)
        {
          sqlite3_bind_text (g, 1, json_object_get_string (gen), -1, SQLITE_TRANSIENT);
          if (sqlite3_step (g) == SQLITE_ROW)
            found_generation = sqlite3_column_int64 (g, 0);
          sqlite3_reset (g);
        }
      ok = ok && found_generation > 0;
      /* An undone "done" takes the generation back: it is leased again. */
      if (ok && done != NULL)
        ok = generation_assignment (queue,
                                    g_strcmp0 (json_object_get_string (done), "steps") == 0 ?
                                    ARB_TASK_STEPS : ARB_TASK_SPANS,
                                    found_generation, "leased", error);
    }
  json_object_put (o);
  undo = g_strdup_printf ("event:%" G_GINT64_FORMAT, event_id);
  ok = ok && insert_event (queue, "undo", undo, error);
  if (!commit_or_rollback (ws, ok, error))
    return -1;
  return found_generation;
}

/* The prompt's messages JSON, for showing the conversation a generation answers. */
char *
arb_workspace_get_prompt_messages (ArbWorkspace  *ws,
                                   gint64         prompt_id,
                                   GError       **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws, "SELECT messages FROM prompts WHERE id = ?",
                                               error);
  char *messages = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, prompt_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    messages = column_dup (stmt, 0);
  sqlite3_reset (stmt);
  if (messages == NULL)
    g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                 "no prompt with id %" G_GINT64_FORMAT, prompt_id);
  return messages;
}

/* The tokenizers with tokenizations of @generation_id (or of any generation, -1), by name. */
GStrv
arb_workspace_list_tokenizers (ArbWorkspace  *ws,
                               gint64         generation_id,
                               GError       **error)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws,
                                               "SELECT DISTINCT tokenizer FROM tokenizations"
                                               " WHERE ?1 < 0 OR generation_id = ?1 ORDER BY 1",
                                               error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, generation_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (names, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "listing tokenizers");
      return NULL;
    }
  return g_strv_builder_end (names);
}

/**
 * arb_workspace_foreach_span:
 * @func: called for each current span, in (generation, start, end, id) order; return FALSE to
 *   stop
 *
 * Every current span with what a listing needs: its generation's UUID, system and text, and
 * the rater's name. Memory stays flat: one row at a time.
 */
gboolean
arb_workspace_foreach_span (ArbWorkspace       *ws,
                            ArbSpanRowFunc      func,
                            gpointer            user_data,
                            GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (ws,
                                 "SELECT s.id, s.uuid, s.generation_id, s.rater_id, s.start_byte,"
                                 " s.end_byte, s.label, s.value, s.step_index, s.note, g.uuid,"
                                 " sy.name, r.name, g.text, s.created_at"
                                 " FROM current_spans s JOIN generations g ON g.id = s.generation_id"
                                 " JOIN systems sy ON sy.id = g.system_id"
                                 " JOIN raters r ON r.id = s.rater_id"
                                 " ORDER BY s.generation_id, s.start_byte, s.end_byte, s.id", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ArbSpanRow row = { { 0 } };
      gboolean go_on;

      read_span (stmt, &row.span);
      row.generation_uuid = (const char *) sqlite3_column_text (stmt, 10);
      row.system = (const char *) sqlite3_column_text (stmt, 11);
      row.rater = (const char *) sqlite3_column_text (stmt, 12);
      row.text = (const char *) sqlite3_column_text (stmt, 13);
      row.text_len = sqlite3_column_bytes (stmt, 13);
      row.created_at = (const char *) sqlite3_column_text (stmt, 14);
      if (row.text == NULL)
        row.text = "", row.text_len = 0;
      go_on = func (&row, user_data);
      arb_span_clear (&row.span);
      if (!go_on)
        break;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (ws), "listing spans");
      return FALSE;
    }
  return TRUE;
}
