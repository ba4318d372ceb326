/* arb-queue.c: one annotator's labelling queue: leases, decisions, skip, flag, undo
 *
 * Which comparison an annotator sees next:
 *   1. the one they hold a live lease on (they come back to what they were doing);
 *   2. now and then a gold item (a comparison with a verdict of a `gold` rater), at the
 *      workspace's gold rate, chosen deterministically from how many items they have done;
 *   3. otherwise the first comparison, in id order from where this annotator's last search ended,
 *      that fewer than `overlap` other live annotators hold (a done assignment or a live lease)
 *      — those held by nobody first, then by one, and so on (least-labelled first) — which this
 *      annotator has not decided or skipped, and which is not gold;
 *   4. when nothing is left, the items this annotator skipped, oldest skip first.
 * Leases expire after `lease_minutes`; an expired lease holds nothing, so the item goes back to
 * the pool. Only live annotators count toward the overlap: imported labels are data from
 * elsewhere, not part of this campaign. Nobody's verdicts are shown to anybody.
 *
 * Which generation is on the visual left is fixed per annotator and comparison by a hash of their
 * two UUIDs, so it stays the same when the item comes back.
 *
 * Every decision, skip, flag and undo is one transaction with its event; undo supersedes (the
 * undone verdict points at itself and the one it had replaced becomes current again), it never
 * deletes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "arb-queue.h"
#include "arb-workspace-private.h"

struct _ArbQueue
{
  ArbWorkspace *ws;
  char         *annotator;
  char         *rater_uuid;
  gint64        rater_id;
  int           scale;
  int           overlap;
  double        gold_rate;
  gint64        lease_seconds;
  GStrv         dimensions;
  gint64        cursor;         /* where the last search for a fresh item ended */
  gint64        clock_offset;
  char          presented[3];
};

static char *
time_string (ArbQueue *self,
             gint64    plus_seconds)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) t = g_date_time_add_seconds (now, (double) (plus_seconds +
                                                                   self->clock_offset));

  return g_date_time_format (t, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static gint64
setting_int (ArbWorkspace *ws,
             const char   *key,
             gint64        fallback,
             gint64        min,
             gint64        max)
{
  g_autofree char *v = arb_workspace_get_setting (ws, key);
  gint64 n;
  char *end = NULL;

  if (v == NULL)
    return fallback;
  n = g_ascii_strtoll (v, &end, 10);
  if (end == v || n < min || n > max)
    return fallback;
  return n;
}

ArbWorkspace *
arb_queue_get_workspace (ArbQueue *self)
{
  return self->ws;
}

gint64
arb_queue_get_lease_seconds (ArbQueue *self)
{
  return self->lease_seconds;
}

char *
arb_queue_time_string (ArbQueue *self,
                       gint64    plus_seconds)
{
  return time_string (self, plus_seconds);
}

void
arb_queue_reload_settings (ArbQueue *self)
{
  g_autofree char *rate = arb_workspace_get_setting (self->ws, ARB_SETTING_GOLD_RATE);
  g_autofree char *dims = arb_workspace_get_setting (self->ws, ARB_SETTING_DIMENSIONS);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  self->scale = (int) setting_int (self->ws, ARB_SETTING_SCALE, 5, 2, 5);
  if (self->scale == 4)
    self->scale = 5;
  self->overlap = (int) setting_int (self->ws, ARB_SETTING_OVERLAP, 1, 1, 1000);
  self->lease_seconds = 60 * setting_int (self->ws, ARB_SETTING_LEASE_MINUTES, 30, 1, 60 * 24 * 30);
  self->gold_rate = rate ? g_ascii_strtod (rate, NULL) : 0;
  if (!(self->gold_rate >= 0 && self->gold_rate <= 1))
    self->gold_rate = 0;
  if (dims != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (dims, ",", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        {
          g_strstrip (parts[i]);
          if (parts[i][0] != '\0')
            g_strv_builder_add (builder, parts[i]);
        }
    }
  g_strfreev (self->dimensions);
  self->dimensions = g_strv_builder_end (builder);
}

/**
 * arb_queue_new:
 * @annotator: the name of a live human rater; made if it does not exist yet
 *
 * Returns: (transfer full) (nullable): the annotator's queue
 */
ArbQueue *
arb_queue_new (ArbWorkspace  *workspace,
               const char    *annotator,
               GError       **error)
{
  g_autoptr(ArbQueue) self = g_new0 (ArbQueue, 1);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (ARB_IS_WORKSPACE (workspace), NULL);
  g_return_val_if_fail (annotator != NULL, NULL);

  self->ws = g_object_ref (workspace);
  self->annotator = g_strdup (annotator);
  self->rater_id = arb_workspace_ensure_rater (workspace, annotator, "human", "live", "annotator",
                                               error);
  if (self->rater_id < 0)
    return NULL;

  stmt = _arb_workspace_prepare (workspace, "SELECT uuid, kind, origin FROM raters WHERE id = ?",
                                 error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, self->rater_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *kind = (const char *) sqlite3_column_text (stmt, 1);
      const char *origin = (const char *) sqlite3_column_text (stmt, 2);

      if (g_strcmp0 (kind, "human") != 0 || g_strcmp0 (origin, "live") != 0)
        {
          g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                       "%s: the rater \"%s\" is %s %s, not a live human annotator; choose "
                       "another name", arb_workspace_get_path (workspace), annotator,
                       origin ? origin : "?", kind ? kind : "?");
          sqlite3_reset (stmt);
          return NULL;
        }
      self->rater_uuid = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  arb_queue_reload_settings (self);
  return g_steal_pointer (&self);
}

void
arb_queue_free (ArbQueue *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->ws);
  g_free (self->annotator);
  g_free (self->rater_uuid);
  g_strfreev (self->dimensions);
  g_free (self);
}

gint64
arb_queue_get_rater_id (ArbQueue *self)
{
  return self->rater_id;
}

const char *
arb_queue_get_annotator (ArbQueue *self)
{
  return self->annotator;
}

int
arb_queue_get_scale (ArbQueue *self)
{
  return self->scale;
}

int
arb_queue_get_overlap (ArbQueue *self)
{
  return self->overlap;
}

/**
 * arb_queue_get_dimensions:
 *
 * Returns: (transfer none): the workspace's rating dimensions (may be empty)
 */
GStrv
arb_queue_get_dimensions (ArbQueue *self)
{
  return self->dimensions;
}

void
arb_queue_set_clock_offset (ArbQueue *self,
                            gint64    seconds)
{
  self->clock_offset = seconds;
}

/**
 * arb_queue_presented_for:
 *
 * Returns: "ab" when generation a is shown on the left to this annotator, "ba" otherwise
 */
const char *
arb_queue_presented_for (ArbQueue   *self,
                         const char *comparison_uuid)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_checksum_update (sum, (const guchar *) self->rater_uuid, -1);
  g_checksum_update (sum, (const guchar *) "/", 1);
  g_checksum_update (sum, (const guchar *) comparison_uuid, -1);
  g_checksum_get_digest (sum, digest, &len);
  memcpy (self->presented, (digest[0] & 1) ? "ba" : "ab", 3);
  return self->presented;
}

static gboolean
fill_item (ArbQueue     *self,
           gint64        comparison_id,
           gboolean      gold,
           gboolean      skipped,
           ArbQueueItem *item,
           GError      **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (self->ws, "SELECT uuid FROM comparisons WHERE id = ?",
                                               error);
  g_autofree char *uuid = NULL;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, comparison_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    uuid = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (uuid == NULL)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND, "no comparison %" G_GINT64_FORMAT,
                   comparison_id);
      return FALSE;
    }
  item->comparison_id = comparison_id;
  item->gold = gold;
  item->skipped = skipped;
  memcpy (item->presented, arb_queue_presented_for (self, uuid), 3);
  return TRUE;
}

/* Takes (or renews) this annotator's lease on a comparison. */
static gboolean
lease (ArbQueue *self,
       gint64    comparison_id,
       gboolean  gold,
       GError  **error)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *now = time_string (self, 0);
  g_autofree char *expires = time_string (self, self->lease_seconds);
  sqlite3_stmt *stmt;

  stmt = _arb_workspace_prepare (self->ws,
                                 "INSERT INTO assignments (uuid, comparison_id, rater_id, state,"
                                 " lease_expires, gold, created_at) VALUES (?, ?, ?, 'leased', ?, ?, ?)"
                                 " ON CONFLICT (comparison_id, rater_id) DO UPDATE SET"
                                 " state = 'leased', lease_expires = excluded.lease_expires",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, comparison_id);
  sqlite3_bind_int64 (stmt, 3, self->rater_id);
  sqlite3_bind_text (stmt, 4, expires, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 5, gold ? 1 : 0);
  sqlite3_bind_text (stmt, 6, now, -1, SQLITE_STATIC);
  return _arb_workspace_step_done (self->ws, stmt, error);
}

/* Returns the first id found by a query binding (rater, now, [level, cursor]), or 0; -1 on error. */
static gint64
first_id (ArbQueue   *self,
          const char *sql,
          const char *now,
          int         level,
          gint64      cursor,
          GError    **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (self->ws, sql, error);
  gint64 id = 0;
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, self->rater_id);
  sqlite3_bind_text (stmt, 2, now, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count (stmt) >= 4)
    {
      sqlite3_bind_int (stmt, 3, level);
      sqlite3_bind_int64 (stmt, 4, cursor);
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (self->ws), "choosing the next item");
      id = -1;
    }
  sqlite3_reset (stmt);
  return id;
}

static const char held_sql[] =
  "SELECT a.comparison_id FROM assignments a"
  " JOIN visible_comparisons c ON c.id = a.comparison_id"
  " WHERE a.rater_id = ?1 AND a.state = 'leased' AND a.lease_expires > ?2"
  " ORDER BY a.id LIMIT 1";

/* A gold item this annotator has not had. */
static const char gold_sql[] =
  "SELECT c.id FROM visible_comparisons c"
  " WHERE c.id IN (SELECT v.comparison_id FROM current_verdicts v"
  "                JOIN raters r ON r.id = v.rater_id WHERE r.role = 'gold')"
  "   AND NOT EXISTS (SELECT 1 FROM assignments m WHERE m.comparison_id = c.id"
  "                   AND m.rater_id = ?1 AND m.state <> 'leased')"
  "   AND ?2 IS NOT NULL"
  " ORDER BY c.id LIMIT 1";

/* A fresh item held by exactly ?3 other live annotators, after the cursor ?4. */
static const char fresh_sql[] =
  "SELECT c.id FROM comparisons c"
  " WHERE c.id > ?4"
  "   AND (c.import_id IS NULL OR c.import_id IN (SELECT id FROM imports WHERE state = 'done'))"
  "   AND NOT EXISTS (SELECT 1 FROM assignments m WHERE m.comparison_id = c.id"
  "                   AND m.rater_id = ?1 AND m.state <> 'leased')"
  "   AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.comparison_id = c.id"
  "                   AND v.rater_id = ?1 AND v.superseded_by IS NULL)"
  "   AND NOT EXISTS (SELECT 1 FROM verdicts v JOIN raters r ON r.id = v.rater_id"
  "                   WHERE v.comparison_id = c.id AND v.superseded_by IS NULL"
  "                   AND r.role = 'gold')"
  "   AND (SELECT count(*) FROM assignments o WHERE o.comparison_id = c.id AND o.rater_id <> ?1"
  "        AND o.gold = 0"
  "        AND (o.state = 'done' OR (o.state = 'leased' AND o.lease_expires > ?2))) = ?3"
  " ORDER BY c.id LIMIT 1";

static const char skipped_sql[] =
  "SELECT a.comparison_id FROM assignments a"
  " JOIN visible_comparisons c ON c.id = a.comparison_id"
  " WHERE a.rater_id = ?1 AND a.state = 'skipped' AND ?2 IS NOT NULL"
  " ORDER BY a.lease_expires, a.id LIMIT 1";

static gint64
count_done (ArbQueue *self,
            gboolean  gold,
            GError  **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (self->ws,
                                               "SELECT count(*) FROM assignments WHERE rater_id = ?"
                                               " AND state = 'done' AND gold = ?", error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, self->rater_id);
  sqlite3_bind_int (stmt, 2, gold ? 1 : 0);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* Chooses the annotator's next item (see the top of this file) inside the caller's transaction:
 * *out_id is the comparison, or 0 when nothing is left. Returns FALSE on error. */
static gboolean
choose_next (ArbQueue   *self,
             const char *now,
             gint64     *out_id,
             gboolean   *out_gold,
             gboolean   *out_skipped,
             GError    **error)
{
  gint64 id;
  gboolean gold = FALSE, skipped = FALSE;

  id = first_id (self, held_sql, now, 0, 0, error);
  if (id > 0)
    {
      sqlite3_stmt *stmt = _arb_workspace_prepare (self->ws,
                                                   "SELECT gold FROM assignments WHERE "
                                                   "comparison_id = ? AND rater_id = ?", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, self->rater_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        gold = sqlite3_column_int (stmt, 0) != 0;
      sqlite3_reset (stmt);
    }

  if (id == 0 && self->gold_rate > 0)
    {
      gint64 regular = count_done (self, FALSE, error);
      gint64 golds = count_done (self, TRUE, error);

      if (regular < 0 || golds < 0)
        return FALSE;
      /* Gold items keep their share of everything done: the next one is gold when that share
       * would otherwise fall below the rate. */
      if ((double) golds < self->gold_rate * (double) (regular + golds + 1))
        {
          id = first_id (self, gold_sql, now, 0, 0, error);
          gold = id > 0;
        }
    }

  for (int level = 0; id == 0 && level < self->overlap; level++)
    {
      id = first_id (self, fresh_sql, now, level, self->cursor, error);
      if (id == 0 && self->cursor > 0)
        id = first_id (self, fresh_sql, now, level, 0, error);
      if (id > 0)
        self->cursor = id;
    }

  if (id == 0)
    {
      id = first_id (self, skipped_sql, now, 0, 0, error);
      skipped = id > 0;
    }
  if (id < 0)
    return FALSE;
  *out_id = id;
  *out_gold = gold;
  *out_skipped = skipped;
  return TRUE;
}

/**
 * arb_queue_next:
 * @out_item: (out): the item, with comparison_id -1 when nothing is left
 *
 * Chooses the annotator's next item (see the top of this file) and leases it.
 *
 * Returns: %FALSE on error
 */
gboolean
arb_queue_next (ArbQueue      *self,
                ArbQueueItem  *out_item,
                GError       **error)
{
  g_autofree char *now = time_string (self, 0);
  gint64 id = 0;
  gboolean gold = FALSE, skipped = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  memset (out_item, 0, sizeof *out_item);
  out_item->comparison_id = -1;

  if (!_arb_workspace_exec (self->ws, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!choose_next (self, now, &id, &gold, &skipped, error))
    goto fail;
  if (id > 0 && (!lease (self, id, gold, error) || !fill_item (self, id, gold, skipped, out_item,
                                                                error)))
    goto fail;
  if (!_arb_workspace_exec (self->ws, "COMMIT", error))
    goto fail;
  return TRUE;

fail:
  _arb_workspace_exec (self->ws, "ROLLBACK", NULL);
  out_item->comparison_id = -1;
  return FALSE;
}

static gboolean
mark_assignment (ArbQueue   *self,
                 gint64      comparison_id,
                 const char *state,
                 const char *lease_expires,
                 GError    **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (self->ws,
                                               "UPDATE assignments SET state = ?, lease_expires = ?"
                                               " WHERE comparison_id = ? AND rater_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, lease_expires, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, comparison_id);
  sqlite3_bind_int64 (stmt, 4, self->rater_id);
  return _arb_workspace_step_done (self->ws, stmt, error);
}

/**
 * arb_queue_lease_batch:
 * @count: how many items at most
 * @lease_seconds: how long the leases last (a label pack's lifetime, say), at least 1
 * @held_elsewhere: (nullable) (element-type gint64): comparisons this annotator holds elsewhere
 *   (in label packs still out); while choosing they count as decided, so they are not chosen
 *   again and count toward the gold share, and afterwards their assignments are as before
 * @out_items: (element-type ArbQueueItem): the chosen items are appended, in the queue's order
 *
 * Chooses the items arb_queue_next() would give one after another if the annotator decided each
 * before asking for the next (gold items mixed in at the gold rate, the overlap respected), and
 * leases them all until @lease_seconds from now. Runs in the caller's transaction when it holds
 * one (nothing is committed then), else in a transaction of its own.
 *
 * Returns: %FALSE on error (then nothing is leased)
 */
gboolean
arb_queue_lease_batch (ArbQueue  *self,
                       guint      count,
                       gint64     lease_seconds,
                       GArray    *held_elsewhere,
                       GArray    *out_items,
                       GError   **error)
{
  g_autofree char *now = time_string (self, 0);
  g_autofree char *expires = time_string (self, MAX (lease_seconds, 1));
  g_autoptr(GPtrArray) saved_states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) saved_expiry = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) saved_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean own = sqlite3_get_autocommit (_arb_workspace_get_db (self->ws));
  guint first = out_items->len;
  gint64 saved_lease_seconds = self->lease_seconds;

  g_return_val_if_fail (self != NULL, FALSE);

  if (own && !_arb_workspace_exec (self->ws, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (guint i = 0; held_elsewhere != NULL && i < held_elsewhere->len; i++)
    {
      gint64 id = g_array_index (held_elsewhere, gint64, i);
      sqlite3_stmt *stmt = _arb_workspace_prepare (self->ws,
                                                   "SELECT state, lease_expires FROM assignments"
                                                   " WHERE comparison_id = ? AND rater_id = ?",
                                                   error);

      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, self->rater_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_array_append_val (saved_ids, id);
          g_ptr_array_add (saved_states, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
          g_ptr_array_add (saved_expiry, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
        }
      sqlite3_reset (stmt);
    }
  for (guint i = 0; i < saved_ids->len; i++)
    if (!mark_assignment (self, g_array_index (saved_ids, gint64, i), "done",
                          g_ptr_array_index (saved_expiry, i), error))
      goto fail;

  self->lease_seconds = MAX (lease_seconds, 1);
  while (out_items->len - first < count)
    {
      ArbQueueItem item;
      gint64 id = 0;
      gboolean gold = FALSE, skipped = FALSE;

      if (!choose_next (self, now, &id, &gold, &skipped, error))
        goto fail;
      if (id == 0)
        break;
      /* Decided, for the next choice: as if the annotator had labelled it. */
      if (!lease (self, id, gold, error) ||
          !fill_item (self, id, gold, skipped, &item, error) ||
          !mark_assignment (self, id, "done", expires, error))
        goto fail;
      g_array_append_val (out_items, item);
    }
  self->lease_seconds = saved_lease_seconds;

  for (guint i = first; i < out_items->len; i++)
    if (!mark_assignment (self, g_array_index (out_items, ArbQueueItem, i).comparison_id,
                          "leased", expires, error))
      goto fail;
  for (guint i = 0; i < saved_ids->len; i++)
    if (!mark_assignment (self, g_array_index (saved_ids, gint64, i),
                          g_ptr_array_index (saved_states, i), g_ptr_array_index (saved_expiry, i),
                          error))
      goto fail;
  if (own && !_arb_workspace_exec (self->ws, "COMMIT", error))
    goto fail;
  return TRUE;

fail:
  self->lease_seconds = saved_lease_seconds;
  if (own)
    _arb_workspace_exec (self->ws, "ROLLBACK", NULL);
  g_array_set_size (out_items, first);
  return FALSE;
}

static gboolean
log_event (ArbQueue   *self,
           const char *action,
           gint64      comparison_id,
           gint64      verdict_id,
           const char *payload,
           GError    **error)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *now = _arb_now_iso8601 ();
  sqlite3_stmt *stmt;

  stmt = _arb_workspace_prepare (self->ws,
                                 "INSERT INTO events (uuid, rater_id, action, comparison_id,"
                                 " verdict_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, self->rater_id);
  sqlite3_bind_text (stmt, 3, action, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, comparison_id);
  if (verdict_id > 0)
    sqlite3_bind_int64 (stmt, 5, verdict_id);
  sqlite3_bind_text (stmt, 6, payload, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, now, -1, SQLITE_STATIC);
  return _arb_workspace_step_done (self->ws, stmt, error);
}

static gboolean
set_assignment_state (ArbQueue   *self,
                      gint64      comparison_id,
                      const char *state,
                      gboolean    count_skip,
                      GError    **error)
{
  g_autofree char *now = time_string (self, 0);
  sqlite3_stmt *stmt;

  /* A decision on an item without a lease (the annotator went back to it) still marks it. */
  if (!lease (self, comparison_id, FALSE, error))
    return FALSE;
  stmt = _arb_workspace_prepare (self->ws,
                                 "UPDATE assignments SET state = ?, skip_count = skip_count + ?,"
                                 " lease_expires = CASE WHEN ? = 'skipped' THEN ? ELSE lease_expires END"
                                 " WHERE comparison_id = ? AND rater_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, count_skip ? 1 : 0);
  sqlite3_bind_text (stmt, 3, state, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, comparison_id);
  sqlite3_bind_int64 (stmt, 6, self->rater_id);
  return _arb_workspace_step_done (self->ws, stmt, error);
}

/* The visual choice (-2 left much better … 2 right much better) as a stored preference. */
static void
choice_to_preference (int         choice,
                      int         scale,
                      const char *presented,
                      double     *out_preference,
                      int        *out_strength)
{
  gboolean b_left = g_strcmp0 (presented, "ba") == 0;
  int toward_b = b_left ? -choice : choice;

  *out_preference = toward_b > 0 ? 1.0 : toward_b < 0 ? 0.0 : 0.5;
  if (scale == 5)
    *out_strength = ABS (choice);
  else
    *out_strength = choice == 0 ? 0 : 1;
}

static int
preference_to_choice (double      preference,
                      int         strength,
                      const char *presented)
{
  gboolean b_left = g_strcmp0 (presented, "ba") == 0;
  int magnitude = strength > 0 ? strength : 1;
  int toward_b = preference > 0.5 ? magnitude : preference < 0.5 ? -magnitude : 0;

  return b_left ? -toward_b : toward_b;
}

static gboolean
valid_choice (ArbQueue *self,
              int       choice)
{
  switch (self->scale)
    {
    case 2:
      return choice == -1 || choice == 1;
    case 3:
      return choice >= -1 && choice <= 1;
    default:
      return choice >= -2 && choice <= 2;
    }
}

/**
 * arb_queue_decide:
 * @presented: "ab" or "ba", the order the annotator saw
 * @choice: from the visual left's side: -2 left much better, -1 left better, 0 tie, 1 right
 *   better, 2 right much better (on a 3-point scale -1, 0, 1; on a 2-point scale -1, 1)
 * @dimension_choices: (nullable) (array): one choice per dimension (-1, 0 or 1, or G_MININT
 *   when not given)
 * @rationale: (nullable): why
 * @seconds: time spent on the item
 *
 * Commits the decision in its own transaction: the verdict (its preference relative to the
 * stored orientation, whatever side each response was on), its dimensions, the event, and the
 * assignment marked done. When this returns, it is on disk.
 *
 * Returns: the verdict's id, or -1 on error
 */
gint64
arb_queue_decide (ArbQueue    *self,
                  gint64       comparison_id,
                  const char  *presented,
                  int          choice,
                  const int   *dimension_choices,
                  const char  *rationale,
                  double       seconds,
                  GError     **error)
{
  double preference;
  int strength;
  gint64 verdict_id, replaced = -1;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, -1);

  if (!valid_choice (self, choice))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "choice %d is not on this workspace's %d-point scale", choice, self->scale);
      return -1;
    }
  if (g_strcmp0 (presented, "ab") != 0 && g_strcmp0 (presented, "ba") != 0)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID, "presented must be ab or ba");
      return -1;
    }
  choice_to_preference (choice, self->scale, presented, &preference, &strength);
  if (rationale != NULL && rationale[0] == '\0')
    rationale = NULL;

  if (!_arb_workspace_exec (self->ws, "BEGIN IMMEDIATE", error))
    return -1;
  verdict_id = _arb_workspace_insert_verdict (self->ws, comparison_id, self->rater_id, preference,
                                              strength, presented, rationale, seconds, &replaced,
                                              error);
  if (verdict_id < 0)
    goto fail;
  for (guint i = 0; dimension_choices != NULL && self->dimensions[i] != NULL; i++)
    {
      double dp;
      int ds;

      if (dimension_choices[i] == G_MININT)
        continue;
      choice_to_preference (CLAMP (dimension_choices[i], -1, 1), 3, presented, &dp, &ds);
      stmt = _arb_workspace_prepare (self->ws,
                                     "INSERT INTO verdict_dimensions (verdict_id, dimension,"
                                     " preference, strength) VALUES (?, ?, ?, ?)", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, verdict_id);
      sqlite3_bind_text (stmt, 2, self->dimensions[i], -1, SQLITE_STATIC);
      sqlite3_bind_double (stmt, 3, dp);
      sqlite3_bind_int (stmt, 4, ds);
      if (!_arb_workspace_step_done (self->ws, stmt, error))
        goto fail;
    }
  if (!set_assignment_state (self, comparison_id, "done", FALSE, error))
    goto fail;
  if (!_arb_workspace_exec (self->ws, "COMMIT", error))
    goto fail;
  return verdict_id;

fail:
  _arb_workspace_exec (self->ws, "ROLLBACK", NULL);
  return -1;
}

/**
 * arb_queue_skip:
 *
 * Puts the item aside: it comes back after everything else.
 */
gboolean
arb_queue_skip (ArbQueue      *self,
                gint64         comparison_id,
                GError       **error)
{
  if (!_arb_workspace_exec (self->ws, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!set_assignment_state (self, comparison_id, "skipped", TRUE, error) ||
      !log_event (self, "skip", comparison_id, -1, NULL, error) ||
      !_arb_workspace_exec (self->ws, "COMMIT", error))
    {
      _arb_workspace_exec (self->ws, "ROLLBACK", NULL);
      return FALSE;
    }
  return TRUE;
}

/**
 * arb_queue_get_flagged:
 *
 * Returns: whether this annotator's last flag event on the comparison is a flag (not an unflag)
 */
gboolean
arb_queue_get_flagged (ArbQueue *self,
                       gint64    comparison_id)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (self->ws,
                                               "SELECT action FROM events e WHERE rater_id = ?"
                                               " AND comparison_id = ? AND action IN ('flag', 'unflag')"
                                               " AND NOT EXISTS (SELECT 1 FROM events u WHERE"
                                               "   u.rater_id = e.rater_id AND u.action = 'undo'"
                                               "   AND u.payload = 'event:' || e.id)"
                                               " ORDER BY id DESC LIMIT 1", NULL);
  gboolean flagged = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->rater_id);
  sqlite3_bind_int64 (stmt, 2, comparison_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    flagged = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "flag") == 0;
  sqlite3_reset (stmt);
  return flagged;
}

/**
 * arb_queue_set_flagged:
 *
 * Flags the comparison for a closer look (a broken prompt, an offensive response …) or takes
 * the flag back. Flagged items are left out of exports.
 */
gboolean
arb_queue_set_flagged (ArbQueue  *self,
                       gint64     comparison_id,
                       gboolean   flagged,
                       GError   **error)
{
  if (arb_queue_get_flagged (self, comparison_id) == flagged)
    return TRUE;
  if (!_arb_workspace_exec (self->ws, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!log_event (self, flagged ? "flag" : "unflag", comparison_id, -1, NULL, error) ||
      !_arb_workspace_exec (self->ws, "COMMIT", error))
    {
      _arb_workspace_exec (self->ws, "ROLLBACK", NULL);
      return FALSE;
    }
  return TRUE;
}

/**
 * arb_queue_undo:
 *
 * Undoes this annotator's last decision, change, skip or flag that is not undone yet (so undo
 * goes back as far as the annotator's history goes). An undone verdict is superseded (it points
 * at itself) and the verdict it had replaced, if any, is current again; the item is leased to the
 * annotator again.
 *
 * Returns: the comparison to go back to; 0 when there is nothing to undo; -1 on error
 */
gint64
arb_queue_undo (ArbQueue  *self,
                GError   **error)
{
  sqlite3_stmt *stmt;
  gint64 event_id = 0, comparison_id = 0, verdict_id = 0;
  g_autofree char *action = NULL;
  g_autofree char *payload = NULL;

  if (!_arb_workspace_exec (self->ws, "BEGIN IMMEDIATE", error))
    return -1;
  stmt = _arb_workspace_prepare (self->ws,
                                 "SELECT id, action, comparison_id, verdict_id FROM events e"
                                 " WHERE rater_id = ? AND action IN ('decide', 'change', 'skip',"
                                 " 'flag', 'unflag') AND comparison_id IS NOT NULL"
                                 " AND NOT EXISTS (SELECT 1 FROM events u WHERE u.rater_id = e.rater_id"
                                 "   AND u.action = 'undo' AND u.payload = 'event:' || e.id)"
                                 " ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, self->rater_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      event_id = sqlite3_column_int64 (stmt, 0);
      action = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      comparison_id = sqlite3_column_int64 (stmt, 2);
      verdict_id = sqlite3_column_int64 (stmt, 3);
    }
  sqlite3_reset (stmt);
  if (event_id == 0)
    {
      _arb_workspace_exec (self->ws, "ROLLBACK", NULL);
      return 0;
    }

  if (verdict_id > 0)
    {
      /* The verdict it replaced (if any) first steps back in, then the undone one steps out;
       * the natural key among current verdicts holds at the commit (deferred). */
      stmt = _arb_workspace_prepare (self->ws,
                                     "UPDATE verdicts SET superseded_by = ? WHERE id = ?", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, verdict_id);
      sqlite3_bind_int64 (stmt, 2, verdict_id);
      if (!_arb_workspace_step_done (self->ws, stmt, error))
        goto fail;
      stmt = _arb_workspace_prepare (self->ws,
                                     "UPDATE verdicts SET superseded_by = NULL WHERE superseded_by = ?"
                                     " AND id <> ?", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, verdict_id);
      sqlite3_bind_int64 (stmt, 2, verdict_id);
      if (!_arb_workspace_step_done (self->ws, stmt, error))
        goto fail;
    }
  if (g_strcmp0 (action, "decide") == 0 || g_strcmp0 (action, "skip") == 0)
    {
      if (!lease (self, comparison_id, FALSE, error))
        goto fail;
    }
  payload = g_strdup_printf ("event:%" G_GINT64_FORMAT, event_id);
  if (!log_event (self, "undo", comparison_id, verdict_id, payload, error) ||
      !_arb_workspace_exec (self->ws, "COMMIT", error))
    goto fail;
  return comparison_id;

fail:
  _arb_workspace_exec (self->ws, "ROLLBACK", NULL);
  return -1;
}

/**
 * arb_queue_get_own_verdict:
 * @out_choice: (out): the visual choice as this annotator made it
 * @out_rationale: (out) (optional) (transfer full): the rationale, or %NULL
 *
 * Returns: whether this annotator has a current verdict on the comparison
 */
gboolean
arb_queue_get_own_verdict (ArbQueue  *self,
                           gint64     comparison_id,
                           int       *out_choice,
                           char     **out_rationale)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (self->ws,
                                               "SELECT preference, strength, presented, rationale"
                                               " FROM verdicts WHERE comparison_id = ? AND rater_id = ?"
                                               " AND superseded_by IS NULL ORDER BY id DESC LIMIT 1",
                                               NULL);
  gboolean found = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, comparison_id);
  sqlite3_bind_int64 (stmt, 2, self->rater_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      *out_choice = preference_to_choice (sqlite3_column_double (stmt, 0),
                                          sqlite3_column_type (stmt, 1) == SQLITE_NULL ? 1 :
                                          sqlite3_column_int (stmt, 1),
                                          (const char *) sqlite3_column_text (stmt, 2));
      if (out_rationale != NULL)
        *out_rationale = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
    }
  sqlite3_reset (stmt);
  return found;
}

/**
 * arb_queue_get_history:
 *
 * Returns: (transfer full) (element-type gint64): the comparisons this annotator decided, in the
 *   order of their latest decision
 */
GArray *
arb_queue_get_history (ArbQueue *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = _arb_workspace_prepare (self->ws,
                                               "SELECT comparison_id FROM verdicts WHERE rater_id = ?"
                                               " AND superseded_by IS NULL ORDER BY id", NULL);

  if (stmt == NULL)
    return ids;
  sqlite3_bind_int64 (stmt, 1, self->rater_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  return ids;
}

/**
 * arb_queue_get_progress:
 *
 * Returns: %FALSE on error
 */
gboolean
arb_queue_get_progress (ArbQueue          *self,
                        ArbQueueProgress  *out,
                        GError           **error)
{
  sqlite3_stmt *stmt;

  memset (out, 0, sizeof *out);
  stmt = _arb_workspace_prepare (self->ws,
                                 "SELECT"
                                 " (SELECT count(*) FROM verdicts WHERE rater_id = ?1"
                                 "   AND superseded_by IS NULL),"
                                 " (SELECT count(*) FROM assignments a JOIN raters r ON r.id = a.rater_id"
                                 "   WHERE a.state = 'done' AND a.gold = 0 AND r.origin = 'live'),"
                                 " (SELECT count(*) FROM visible_comparisons c WHERE c.id NOT IN"
                                 "   (SELECT v.comparison_id FROM current_verdicts v JOIN raters g"
                                 "    ON g.id = v.rater_id WHERE g.role = 'gold'))",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->rater_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      _arb_set_sqlite_error (error, _arb_workspace_get_db (self->ws), "counting progress");
      sqlite3_reset (stmt);
      return FALSE;
    }
  out->mine = sqlite3_column_int64 (stmt, 0);
  out->overall_done = sqlite3_column_int64 (stmt, 1);
  out->overall_total = sqlite3_column_int64 (stmt, 2) * self->overlap;
  out->overall_done = MIN (out->overall_done, out->overall_total);
  sqlite3_reset (stmt);

  /* Gold accuracy: the annotator's verdict on the same side of ½ as the gold rater's. */
  stmt = _arb_workspace_prepare (self->ws,
                                 "SELECT count(*), sum (sign (m.preference - 0.5) ="
                                 " sign (g.preference - 0.5))"
                                 " FROM verdicts m JOIN current_verdicts g ON g.comparison_id ="
                                 " m.comparison_id JOIN raters r ON r.id = g.rater_id"
                                 " WHERE m.rater_id = ?1 AND m.superseded_by IS NULL"
                                 " AND r.role = 'gold' AND m.status = 'ok' AND g.status = 'ok'",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->rater_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      out->gold_done = sqlite3_column_int64 (stmt, 0);
      out->gold_agreed = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  return TRUE;
}
