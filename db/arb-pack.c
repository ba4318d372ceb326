/* arb-pack.c: label packs, one annotator's share of a campaign as a small workspace
 *
 * A pack is a workspace (the same schema, made by arb_workspace_create) holding the comparisons
 * the labelling queue gives one annotator next, with their prompts, generations, systems, steps
 * and tokenizations, the workspace's settings, and the annotator as its only rater. It holds no
 * verdict, grade, span, event or assignment of the origin, so nothing in it tells other
 * annotators' labels or which items are gold: gold items are mixed in as the queue mixes them,
 * and the pack numbers its prompts and comparisons in a random order (generations follow their
 * prompt), so neither a position nor an id range gives a gold item away.
 *
 * Pack out leases the comparisons in the origin for the pack's lifetime (the caller's
 * lease_seconds, by default ARB_PACK_DEFAULT_LEASE_DAYS days, not the workspace's short
 * lease_minutes of an annotator at the screen): while the pack is out its items count toward the
 * overlap and nobody else gets them; when the lease ends they go back to the pool, and the pack
 * can still come back. The pack is marked (settings pack.*) with its origin, annotator, uuid,
 * creation and expiry; the origin records it under packs.UUID with the comparisons it holds.
 *
 * Pack in merges the annotator's verdicts (with their dimensions), grades, spans and events by
 * UUID, in one transaction after checks that refuse a damaged or hand-edited pack (see
 * check_pack_file and check_pack_rows). Merge rules:
 *   - a row whose UUID the origin has already is not added again (merging twice adds nothing);
 *   - the pack's own history is kept as it is (a change supersedes, an undo points at itself);
 *   - among the verdicts of one natural key (comparison, rater, presented, sample) that are
 *     current in their own source (the origin, this pack, another pack), the latest by
 *     created_at, then uuid, is current and the others are superseded by it; grades likewise by
 *     (generation, rater, sample). So the current verdicts do not depend on the order packs come
 *     back in. A verdict that lost to another source's stays superseded when its own pack is
 *     merged again, and competes again when the winner's pack comes back with the winner undone
 *     or changed;
 *   - the pack's leases in the origin end: done where the annotator has a current verdict,
 *     released (back in the pool) where not.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json.h>

#include "arb-pack.h"
#include "arb-queue.h"
#include "arb-workspace-private.h"

/* 'ARBI', as in arb-workspace.c. */
#define ARB_APPLICATION_ID 0x41524249

/* Rows of a pack that a merge reads: those of no import, or of an import that finished. */
#define PACK_VISIBLE(alias) \
  "(" alias ".import_id IS NULL OR " alias ".import_id IN " \
  "(SELECT id FROM pack.imports WHERE state = 'done'))"

/* ---- small SQL helpers on a raw connection (statements on the attached pack are never cached:
 *      they die with the attachment) ------------------------------------------------------- */

static gboolean
exec_sql (sqlite3     *db,
          const char  *sql,
          const char  *what,
          GError     **error)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE, "%s: %s", what,
                   msg ? msg : sqlite3_errmsg (db));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      _arb_set_sqlite_error (error, db, "preparing a query");
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

/* Runs a statement with up to three text parameters (NULL: unbound) and no rows; returns the
 * number of rows it changed, or -1 on error. */
static gint64
run (sqlite3     *db,
     const char  *sql,
     const char  *p1,
     const char  *p2,
     const char  *p3,
     GError     **error)
{
  sqlite3_stmt *stmt = prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return -1;
  if (p1 != NULL)
    sqlite3_bind_text (stmt, 1, p1, -1, SQLITE_STATIC);
  if (p2 != NULL)
    sqlite3_bind_text (stmt, 2, p2, -1, SQLITE_STATIC);
  if (p3 != NULL)
    sqlite3_bind_text (stmt, 3, p3, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, db, "merging a label pack");
      return -1;
    }
  return sqlite3_changes64 (db);
}

typedef struct
{
  ArbPackProgressFunc func;
  gpointer            data;
  guint               step;
  guint               n_steps;
} Progress;

static void
report (Progress   *p,
        const char *what)
{
  if (p != NULL && p->func != NULL)
    p->func (MIN (p->step, p->n_steps), p->n_steps, what, p->data);
  if (p != NULL)
    p->step++;
}

/* The first row's first column as text (NULL when no row), with one text parameter. */
static char *
query_text (sqlite3    *db,
            const char *sql,
            const char *p1)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return NULL;
  if (p1 != NULL)
    sqlite3_bind_text (stmt, 1, p1, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static gint64
query_int (sqlite3    *db,
           const char *sql,
           const char *p1,
           const char *p2)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return -1;
  if (p1 != NULL)
    sqlite3_bind_text (stmt, 1, p1, -1, SQLITE_STATIC);
  if (p2 != NULL)
    sqlite3_bind_text (stmt, 2, p2, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static gboolean
attach_pack (sqlite3     *db,
             const char  *path,
             GError     **error)
{
  return run (db, "ATTACH DATABASE ?1 AS pack", path, NULL, NULL, error) >= 0;
}

static void
detach_pack (sqlite3 *db)
{
  sqlite3_exec (db, "DROP TABLE IF EXISTS temp.pk_pick; DROP TABLE IF EXISTS temp.pk_prompts;"
                    "DROP TABLE IF EXISTS temp.pk_gens; DROP TABLE IF EXISTS temp.pk_systems;"
                    "DROP TABLE IF EXISTS temp.pk_comps; DROP TABLE IF EXISTS temp.pk_list;"
                    "DROP TABLE IF EXISTS temp.pk_link; DROP TABLE IF EXISTS temp.pk_win;"
                    "DROP TABLE IF EXISTS temp.pk_new_events",
                NULL, NULL, NULL);
  sqlite3_exec (db, "DETACH DATABASE pack", NULL, NULL, NULL);
}

static void
remove_database_files (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autofree char *journal = g_strconcat (path, "-journal", NULL);

  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
  g_unlink (journal);
}

/* ---- records of packs in the origin --------------------------------------------------- */

/* The record of pack @uuid in the origin, or NULL. */
static json_object *
load_record (ArbWorkspace *ws,
             const char   *uuid)
{
  g_autofree char *key = g_strconcat (ARB_PACK_RECORD_PREFIX, uuid, NULL);
  g_autofree char *value = arb_workspace_get_setting (ws, key);
  json_object *obj;

  if (value == NULL)
    return NULL;
  obj = json_tokener_parse (value);
  if (obj != NULL && !json_object_is_type (obj, json_type_object))
    g_clear_pointer (&obj, json_object_put);
  return obj;
}

static const char *
record_string (json_object *record,
               const char  *key)
{
  json_object *v = NULL;

  if (record == NULL || !json_object_object_get_ex (record, key, &v) ||
      !json_object_is_type (v, json_type_string))
    return NULL;
  return json_object_get_string (v);
}

/* The comparisons in this annotator's packs that are still out (not merged, not expired). */
static GArray *
held_in_packs (ArbWorkspace *ws,
               const char   *rater,
               const char   *now,
               GError      **error)
{
  sqlite3 *db = _arb_workspace_get_db (ws);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = prepare (db, "SELECT value FROM settings WHERE key LIKE 'packs.%'", error);

  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      json_object *record = json_tokener_parse ((const char *) sqlite3_column_text (stmt, 0));
      json_object *list = NULL;

      if (record != NULL && json_object_is_type (record, json_type_object) &&
          g_strcmp0 (record_string (record, "rater"), rater) == 0 &&
          g_strcmp0 (record_string (record, "state"), "out") == 0 &&
          g_strcmp0 (record_string (record, "expires"), now) > 0 &&
          json_object_object_get_ex (record, "comparisons", &list) &&
          json_object_is_type (list, json_type_array))
        {
          for (size_t i = 0; i < json_object_array_length (list); i++)
            {
              const char *uuid = json_object_get_string (json_object_array_get_idx (list, i));
              gint64 id = query_int (db, "SELECT id FROM comparisons WHERE uuid = ?1", uuid, NULL);

              if (id > 0)
                g_array_append_val (ids, id);
            }
        }
      if (record != NULL)
        json_object_put (record);
    }
  sqlite3_finalize (stmt);
  return g_steal_pointer (&ids);
}

void
arb_pack_info_free (ArbPackInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->uuid);
  g_free (info->rater);
  g_free (info->file);
  g_free (info->created_at);
  g_free (info->expires);
  g_free (info->state);
  g_free (info->merged_at);
  g_free (info);
}

static int
compare_packs (gconstpointer a,
               gconstpointer b)
{
  const ArbPackInfo *x = *(ArbPackInfo * const *) a;
  const ArbPackInfo *y = *(ArbPackInfo * const *) b;
  int c = g_strcmp0 (x->created_at, y->created_at);

  return c != 0 ? c : g_strcmp0 (x->uuid, y->uuid);
}

/**
 * arb_workspace_list_packs:
 *
 * The packs @ws handed out, oldest first, for an overview of packs out and their state.
 *
 * Returns: (transfer full) (element-type ArbPackInfo): the packs, or %NULL on error
 */
GPtrArray *
arb_workspace_list_packs (ArbWorkspace  *ws,
                          GError       **error)
{
  g_autoptr(GPtrArray) packs = g_ptr_array_new_with_free_func ((GDestroyNotify) arb_pack_info_free);
  sqlite3 *db;
  sqlite3_stmt *stmt;
  g_autofree char *now = _arb_now_iso8601 ();
  int rc;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), NULL);

  db = _arb_workspace_get_db (ws);
  stmt = prepare (db, "SELECT substr (key, 7), value FROM settings WHERE key LIKE 'packs.%'",
                  error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_object *record = json_tokener_parse ((const char *) sqlite3_column_text (stmt, 1));
      json_object *list = NULL;
      ArbPackInfo *info;

      if (record == NULL || !json_object_is_type (record, json_type_object))
        {
          if (record != NULL)
            json_object_put (record);
          continue;
        }
      info = g_new0 (ArbPackInfo, 1);
      info->uuid = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      info->rater = g_strdup (record_string (record, "rater"));
      info->file = g_strdup (record_string (record, "file"));
      info->created_at = g_strdup (record_string (record, "created_at"));
      info->expires = g_strdup (record_string (record, "expires"));
      info->merged_at = g_strdup (record_string (record, "merged_at"));
      info->state = g_strdup (record_string (record, "state"));
      if (g_strcmp0 (info->state, "out") == 0 && g_strcmp0 (info->expires, now) <= 0)
        {
          g_free (info->state);
          info->state = g_strdup ("expired");
        }
      if (json_object_object_get_ex (record, "comparisons", &list) &&
          json_object_is_type (list, json_type_array))
        info->n_comparisons = (gint64) json_object_array_length (list);
      json_object_put (record);
      g_ptr_array_add (packs, info);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, db, arb_workspace_get_path (ws));
      return NULL;
    }
  g_ptr_array_sort (packs, compare_packs);
  return g_steal_pointer (&packs);
}

/* ---- pack out ------------------------------------------------------------------------- */

/* Copies what the pack shows into the attached pack; temp.pk_pick holds the comparisons. */
static const char *const copy_sql[] = {
  /* Prompts in a random order; generations after their prompt in their origin order, so that
   * A keeps the smaller id within each comparison (the canonical orientation is kept, and
   * verdicts need no flipping on the way back); comparisons in a random order. */
  "CREATE TEMP TABLE pk_prompts AS"
  " SELECT id AS old, row_number () OVER (ORDER BY random ()) AS new FROM main.prompts"
  " WHERE id IN (SELECT prompt_id FROM main.comparisons WHERE id IN (SELECT id FROM temp.pk_pick))",
  "CREATE TEMP TABLE pk_gens AS"
  " SELECT g.id AS old, row_number () OVER (ORDER BY p.new, g.id) AS new"
  " FROM main.generations g JOIN temp.pk_prompts p ON p.old = g.prompt_id"
  " WHERE g.id IN (SELECT a_id FROM main.comparisons WHERE id IN (SELECT id FROM temp.pk_pick)"
  "                UNION SELECT b_id FROM main.comparisons WHERE id IN (SELECT id FROM temp.pk_pick))",
  "CREATE TEMP TABLE pk_systems AS"
  " SELECT id AS old, row_number () OVER (ORDER BY name) AS new FROM main.systems"
  " WHERE id IN (SELECT system_id FROM main.generations WHERE id IN (SELECT old FROM temp.pk_gens))",
  "CREATE TEMP TABLE pk_comps AS"
  " SELECT id AS old, row_number () OVER (ORDER BY random ()) AS new FROM temp.pk_pick",
  "INSERT INTO pack.systems (id, uuid, name, metadata)"
  " SELECT m.new, s.uuid, s.name, s.metadata FROM main.systems s JOIN temp.pk_systems m ON m.old = s.id",
  "INSERT INTO pack.prompts (id, uuid, key, messages, category, reference, metadata)"
  " SELECT m.new, p.uuid, p.key, p.messages, p.category, p.reference, p.metadata"
  " FROM main.prompts p JOIN temp.pk_prompts m ON m.old = p.id",
  "INSERT INTO pack.generations (id, uuid, prompt_id, system_id, text, text_hash, messages, kind,"
  " length, metadata)"
  " SELECT m.new, g.uuid, mp.new, ms.new, g.text, g.text_hash, g.messages, g.kind, g.length, g.metadata"
  " FROM main.generations g JOIN temp.pk_gens m ON m.old = g.id"
  " JOIN temp.pk_prompts mp ON mp.old = g.prompt_id JOIN temp.pk_systems ms ON ms.old = g.system_id",
  "INSERT INTO pack.comparisons (id, uuid, prompt_id, a_id, b_id)"
  " SELECT m.new, c.uuid, mp.new, ma.new, mb.new FROM main.comparisons c"
  " JOIN temp.pk_comps m ON m.old = c.id JOIN temp.pk_prompts mp ON mp.old = c.prompt_id"
  " JOIN temp.pk_gens ma ON ma.old = c.a_id JOIN temp.pk_gens mb ON mb.old = c.b_id",
  "INSERT INTO pack.steps (uuid, generation_id, source, idx, start_byte, end_byte)"
  " SELECT s.uuid, m.new, s.source, s.idx, s.start_byte, s.end_byte FROM main.steps s"
  " JOIN temp.pk_gens m ON m.old = s.generation_id"
  " WHERE s.import_id IS NULL OR s.import_id IN (SELECT id FROM main.imports WHERE state = 'done')",
  "INSERT INTO pack.tokenizations (uuid, generation_id, tokenizer, in_context, token_ids,"
  " byte_ranges, pieces, created_at)"
  " SELECT t.uuid, m.new, t.tokenizer, t.in_context, t.token_ids, t.byte_ranges, t.pieces,"
  " t.created_at FROM main.tokenizations t JOIN temp.pk_gens m ON m.old = t.generation_id",
  /* The settings the annotator works with (scale, dimensions, overlap, gold rate, guidelines,
   * …), not the origin's identity nor its records of other packs. */
  "INSERT INTO pack.settings (key, value) SELECT key, value FROM main.settings"
  " WHERE key NOT LIKE 'workspace.%' AND key NOT LIKE 'pack.%' AND key NOT LIKE 'packs.%'"
  " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
};

static gboolean
copy_into_pack (sqlite3         *db,
                const char      *rater_uuid,
                GArray          *items,
                ArbPackOutResult *out,
                Progress        *progress,
                GError         **error)
{
  sqlite3_stmt *stmt;

  if (!exec_sql (db, "CREATE TEMP TABLE pk_pick (id INTEGER PRIMARY KEY)", "packing", error))
    return FALSE;
  stmt = prepare (db, "INSERT INTO temp.pk_pick (id) VALUES (?)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      sqlite3_bind_int64 (stmt, 1, g_array_index (items, ArbQueueItem, i).comparison_id);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          _arb_set_sqlite_error (error, db, "packing");
          sqlite3_finalize (stmt);
          return FALSE;
        }
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);

  for (guint i = 0; i < G_N_ELEMENTS (copy_sql); i++)
    {
      report (progress, _("Copying the comparisons, prompts and generations"));
      if (!exec_sql (db, copy_sql[i], "writing the pack", error))
        return FALSE;
    }
  /* The annotator, the pack's only rater: the same uuid, so verdicts come back to them. */
  if (run (db, "INSERT INTO pack.raters (uuid, name, kind, origin, role)"
               " SELECT uuid, name, kind, origin, role FROM main.raters WHERE uuid = ?1",
           rater_uuid, NULL, NULL, error) != 1)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND, "the annotator vanished");
      return FALSE;
    }

  out->comparisons = query_int (db, "SELECT count(*) FROM pack.comparisons", NULL, NULL);
  out->prompts = query_int (db, "SELECT count(*) FROM pack.prompts", NULL, NULL);
  out->generations = query_int (db, "SELECT count(*) FROM pack.generations", NULL, NULL);
  out->systems = query_int (db, "SELECT count(*) FROM pack.systems", NULL, NULL);
  return TRUE;
}

static gboolean
set_pack_setting (sqlite3     *db,
                  const char  *key,
                  const char  *value,
                  GError     **error)
{
  return run (db, "INSERT INTO pack.settings (key, value) VALUES (?1, ?2)"
                  " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
              key, value, NULL, error) >= 0;
}

/**
 * arb_workspace_pack_out:
 * @ws: the origin workspace
 * @rater: the annotator (a live human rater; made when new)
 * @count: how many comparisons at most (0: %ARB_PACK_DEFAULT_COUNT)
 * @lease_seconds: how long the pack's leases last in @ws (0: %ARB_PACK_DEFAULT_LEASE_DAYS days)
 * @path: the pack file to write; it must not exist
 * @out_result: (out) (optional): what the pack holds
 *
 * Writes a pack of the comparisons the labelling queue gives @rater next (the items of their
 * other packs still out excepted), leases them in @ws until the pack's expiry and records the
 * pack in @ws. The pack is written beside @path under another name and renamed when complete;
 * on failure neither a pack nor a lease is left.
 *
 * Returns: %FALSE on error, among them when the queue has nothing left for @rater
 */
gboolean
arb_workspace_pack_out (ArbWorkspace      *ws,
                        const char        *rater,
                        guint              count,
                        gint64             lease_seconds,
                        const char        *path,
                        ArbPackOutResult  *out_result,
                        GError           **error)
{
  return arb_workspace_pack_out_full (ws, rater, count, lease_seconds, path, NULL, NULL,
                                      out_result, error);
}

gboolean
arb_workspace_pack_out_full (ArbWorkspace       *ws,
                             const char         *rater,
                             guint               count,
                             gint64              lease_seconds,
                             const char         *path,
                             ArbPackProgressFunc progress_func,
                             gpointer            progress_data,
                             ArbPackOutResult   *out_result,
                             GError            **error)
{
  Progress progress = { progress_func, progress_data, 0, G_N_ELEMENTS (copy_sql) + 3 };
  sqlite3 *db;
  g_autoptr(ArbQueue) queue = NULL;
  g_autoptr(GArray) held = NULL;
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (ArbQueueItem));
  g_autofree char *tmp = NULL;
  g_autofree char *pack_uuid = NULL;
  g_autofree char *rater_uuid = NULL;
  g_autofree char *now = _arb_now_iso8601 ();
  g_autofree char *expires = NULL;
  g_autofree char *origin_name = NULL;
  g_autofree char *record_key = NULL;
  g_autofree char *tmp_name = NULL;
  g_autofree char *dir = NULL;
  json_object *record = NULL, *list = NULL;
  ArbPackOutResult result = { 0 };
  gboolean attached = FALSE, in_transaction = FALSE;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), FALSE);
  g_return_val_if_fail (rater != NULL && path != NULL, FALSE);

  if (count == 0)
    count = ARB_PACK_DEFAULT_COUNT;
  if (lease_seconds <= 0)
    lease_seconds = (gint64) ARB_PACK_DEFAULT_LEASE_DAYS * 24 * 3600;
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_EXISTS,
                   "%s: a file of that name exists already", path);
      return FALSE;
    }

  queue = arb_queue_new (ws, rater, error);
  if (queue == NULL)
    return FALSE;
  db = _arb_workspace_get_db (ws);
  rater_uuid = query_text (db, "SELECT uuid FROM raters WHERE name = ?1", rater);
  held = held_in_packs (ws, rater, now, error);
  if (held == NULL || rater_uuid == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND, "no rater %s", rater);
      return FALSE;
    }

  /* The pack is made complete under a temporary name in the same folder, then renamed. */
  dir = g_path_get_dirname (path);
  {
    g_autofree char *base = g_path_get_basename (path);
    g_autofree char *rnd = g_uuid_string_random ();

    tmp_name = g_strdup_printf (".%s.part-%.8s", base, rnd);
    tmp = g_build_filename (dir, tmp_name, NULL);
  }
  {
    g_autoptr(ArbWorkspace) pack = arb_workspace_create (tmp, error);

    if (pack == NULL)
      return FALSE;
    pack_uuid = g_strdup (arb_workspace_get_uuid (pack));
  }

  report (&progress, _("Leasing the comparisons"));
  if (!attach_pack (db, tmp, error))
    goto fail;
  attached = TRUE;
  if (!exec_sql (db, "BEGIN IMMEDIATE", arb_workspace_get_path (ws), error))
    goto fail;
  in_transaction = TRUE;

  if (!arb_queue_lease_batch (queue, count, lease_seconds, held, items, error))
    goto fail;
  if (items->len == 0)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                   "%s: the queue has nothing left for %s (every comparison is decided by them, "
                   "has its overlap, or is in one of their packs still out); no pack was written",
                   arb_workspace_get_path (ws), rater);
      goto fail;
    }
  /* The expiry the leases got, read back: the pack and the record carry the same string. */
  {
    sqlite3_stmt *stmt = prepare (db, "SELECT a.lease_expires FROM assignments a JOIN raters r"
                                      " ON r.id = a.rater_id WHERE r.uuid = ?1"
                                      " AND a.comparison_id = ?2", error);

    if (stmt == NULL)
      goto fail;
    sqlite3_bind_text (stmt, 1, rater_uuid, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, g_array_index (items, ArbQueueItem, 0).comparison_id);
    if (sqlite3_step (stmt) == SQLITE_ROW)
      expires = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    sqlite3_finalize (stmt);
  }
  if (expires == NULL)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE, "the pack's leases were not taken");
      goto fail;
    }
  for (guint i = 0; i < items->len; i++)
    if (g_array_index (items, ArbQueueItem, i).gold)
      result.gold++;

  if (!copy_into_pack (db, rater_uuid, items, &result, &progress, error))
    goto fail;

  origin_name = g_path_get_basename (arb_workspace_get_path (ws));
  if (!set_pack_setting (db, ARB_PACK_KEY_UUID, pack_uuid, error) ||
      !set_pack_setting (db, ARB_PACK_KEY_ORIGIN, arb_workspace_get_uuid (ws), error) ||
      !set_pack_setting (db, ARB_PACK_KEY_ORIGIN_NAME, origin_name, error) ||
      !set_pack_setting (db, ARB_PACK_KEY_RATER, rater, error) ||
      !set_pack_setting (db, ARB_PACK_KEY_RATER_UUID, rater_uuid, error) ||
      !set_pack_setting (db, ARB_PACK_KEY_CREATED_AT, now, error) ||
      !set_pack_setting (db, ARB_PACK_KEY_EXPIRES, expires, error))
    goto fail;

  report (&progress, _("Recording the pack"));
  /* The origin's record of the pack: whose it is, until when, and what it holds. */
  record = json_object_new_object ();
  list = json_object_new_array ();
  for (guint i = 0; i < items->len; i++)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                             g_array_index (items, ArbQueueItem, i).comparison_id);
      g_autofree char *uuid = query_text (db, "SELECT uuid FROM main.comparisons"
                                              " WHERE id = CAST (?1 AS INTEGER)", id);

      json_object_array_add (list, json_object_new_string (uuid ? uuid : ""));
    }
  json_object_object_add (record, "rater", json_object_new_string (rater));
  json_object_object_add (record, "rater_uuid", json_object_new_string (rater_uuid));
  json_object_object_add (record, "created_at", json_object_new_string (now));
  json_object_object_add (record, "expires", json_object_new_string (expires));
  {
    g_autofree char *base = g_path_get_basename (path);

    json_object_object_add (record, "file", json_object_new_string (base));
  }
  json_object_object_add (record, "state", json_object_new_string ("out"));
  json_object_object_add (record, "comparisons", list);
  record_key = g_strconcat (ARB_PACK_RECORD_PREFIX, pack_uuid, NULL);
  if (!arb_workspace_set_setting (ws, record_key,
                                  json_object_to_json_string_ext (record, JSON_C_TO_STRING_PLAIN),
                                  error))
    goto fail;
  g_clear_pointer (&record, json_object_put);

  if (!exec_sql (db, "COMMIT", arb_workspace_get_path (ws), error))
    goto fail;
  in_transaction = FALSE;
  report (&progress, _("Writing the file"));
  /* One self-contained file to carry around: no write-ahead log beside it. */
  exec_sql (db, "PRAGMA pack.journal_mode = DELETE", "packing", NULL);
  detach_pack (db);
  attached = FALSE;

  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", path,
                   g_strerror (saved));
      remove_database_files (tmp);
      /* The leases stay until they expire; the record says where the pack was meant to go. */
      return FALSE;
    }

  report (&progress, _("Done"));
  g_strlcpy (result.uuid, pack_uuid, sizeof result.uuid);
  g_strlcpy (result.expires, expires, sizeof result.expires);
  if (out_result != NULL)
    *out_result = result;
  return TRUE;

fail:
  if (record != NULL)
    json_object_put (record);
  if (in_transaction)
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  if (attached)
    detach_pack (db);
  remove_database_files (tmp);
  return FALSE;
}

/* ---- pack in -------------------------------------------------------------------------- */

static gboolean
has_sqlite_header (const char *path)
{
  static const char magic[16] = "SQLite format 3";
  char head[16] = { 0 };
  FILE *f = g_fopen (path, "rb");
  gboolean ok;

  if (f == NULL)
    return FALSE;
  ok = fread (head, 1, sizeof head, f) == sizeof head && memcmp (head, magic, sizeof head) == 0;
  fclose (f);
  return ok;
}

/* Checks the file on a connection of its own, before anything is attached: a SQLite file of
 * ours, whole (integrity check), its references resolving (foreign keys), and a schema this
 * build reads. */
static gboolean
check_pack_file (const char  *pack_path,
                 GError     **error)
{
  sqlite3 *pdb = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *problem = NULL;
  int rc;
  gint64 app_id, version;

  if (!g_file_test (pack_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND, "%s: no such pack", pack_path);
      return FALSE;
    }
  rc = sqlite3_open_v2 (pack_path, &pdb, SQLITE_OPEN_READWRITE, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_A_WORKSPACE, "%s: cannot open: %s",
                   pack_path, pdb ? sqlite3_errmsg (pdb) : sqlite3_errstr (rc));
      sqlite3_close (pdb);
      return FALSE;
    }
  app_id = query_int (pdb, "PRAGMA application_id", NULL, NULL);
  if (app_id < 0 && has_sqlite_header (pack_path))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_A_WORKSPACE,
                   "%s: the pack is damaged (truncated, or changed outside Arbiter): %s; "
                   "nothing was merged", pack_path, sqlite3_errmsg (pdb));
      sqlite3_close (pdb);
      return FALSE;
    }
  if (app_id != ARB_APPLICATION_ID)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_A_WORKSPACE,
                   "%s: not an Arbiter pack (%s); nothing was merged", pack_path,
                   app_id < 0 ? sqlite3_errmsg (pdb) : "a SQLite file of another program");
      sqlite3_close (pdb);
      return FALSE;
    }

  if (sqlite3_prepare_v2 (pdb, "PRAGMA integrity_check (5)", -1, &stmt, NULL) != SQLITE_OK)
    problem = g_strdup (sqlite3_errmsg (pdb));
  else
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char *line = (const char *) sqlite3_column_text (stmt, 0);

          if (g_strcmp0 (line, "ok") != 0 && problem == NULL)
            problem = g_strdup (line);
        }
      if (rc != SQLITE_DONE && problem == NULL)
        problem = g_strdup (sqlite3_errmsg (pdb));
    }
  sqlite3_finalize (stmt);
  if (problem != NULL)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_A_WORKSPACE,
                   "%s: the pack is damaged (truncated, or changed outside Arbiter): %s; "
                   "nothing was merged", pack_path, problem);
      sqlite3_close (pdb);
      return FALSE;
    }

  if (sqlite3_prepare_v2 (pdb, "PRAGMA foreign_key_check", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    problem = g_strdup_printf ("a row of %s (rowid %lld) points at a row of %s that does not "
                               "exist", sqlite3_column_text (stmt, 0),
                               (long long) sqlite3_column_int64 (stmt, 1),
                               sqlite3_column_text (stmt, 2));
  sqlite3_finalize (stmt);
  if (problem != NULL)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "%s: the pack was edited by hand: %s; nothing was merged", pack_path, problem);
      sqlite3_close (pdb);
      return FALSE;
    }

  version = query_int (pdb, "PRAGMA user_version", NULL, NULL);
  sqlite3_close (pdb);
  if (version < 1 || version > ARB_WORKSPACE_SCHEMA_VERSION)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_TOO_NEW,
                   "%s: the pack has schema version %" G_GINT64_FORMAT ", which this Arbiter does "
                   "not read (%d); nothing was merged", pack_path, version,
                   ARB_WORKSPACE_SCHEMA_VERSION);
      return FALSE;
    }
  return TRUE;
}

/* Refuses a pack whose rows cannot be the annotator's labels of the pack's comparisons. Each
 * query counts offending rows and names the first. */
typedef struct
{
  const char *sql;      /* ?1 the pack's rater uuid; returns (count, example) */
  const char *what;     /* printf: count, example */
} RowCheck;

static const RowCheck row_checks[] = {
  { "SELECT count(*), min (r.name) FROM pack.verdicts v JOIN pack.raters r ON r.id = v.rater_id"
    " WHERE " PACK_VISIBLE ("v") " AND r.uuid <> ?1",
    "%" G_GINT64_FORMAT " verdicts are by another rater than the pack's annotator (e.g. %s)" },
  { "SELECT count(*), min (c.uuid) FROM pack.verdicts v JOIN pack.comparisons c"
    " ON c.id = v.comparison_id WHERE " PACK_VISIBLE ("v") " AND ?1 IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM main.comparisons o WHERE o.uuid = c.uuid)",
    "%" G_GINT64_FORMAT " verdicts are on comparisons that are not in the workspace (e.g. %s)" },
  { "SELECT count(*), min (c.uuid) FROM pack.verdicts v JOIN pack.comparisons c"
    " ON c.id = v.comparison_id WHERE " PACK_VISIBLE ("v") " AND ?1 IS NOT NULL"
    " AND c.uuid NOT IN (SELECT uuid FROM temp.pk_list)",
    "%" G_GINT64_FORMAT " verdicts are on comparisons that were not handed out in this pack "
    "(e.g. %s)" },
  { "SELECT count(*), min (v.uuid) FROM pack.verdicts v JOIN main.verdicts o ON o.uuid = v.uuid"
    " JOIN pack.comparisons c ON c.id = v.comparison_id"
    " JOIN main.comparisons oc ON oc.id = o.comparison_id JOIN main.raters r ON r.id = o.rater_id"
    " WHERE " PACK_VISIBLE ("v") " AND (oc.uuid <> c.uuid OR r.uuid <> ?1)",
    "%" G_GINT64_FORMAT " verdicts have the uuid of another verdict in the workspace (e.g. %s)" },
  { "SELECT count(*), min (r.name) FROM pack.grades g JOIN pack.raters r ON r.id = g.rater_id"
    " WHERE " PACK_VISIBLE ("g") " AND r.uuid <> ?1",
    "%" G_GINT64_FORMAT " grades are by another rater than the pack's annotator (e.g. %s)" },
  { "SELECT count(*), min (r.name) FROM pack.spans s JOIN pack.raters r ON r.id = s.rater_id"
    " WHERE " PACK_VISIBLE ("s") " AND r.uuid <> ?1",
    "%" G_GINT64_FORMAT " spans are by another rater than the pack's annotator (e.g. %s)" },
  { "SELECT count(*), min (g.uuid) FROM (SELECT generation_id FROM pack.grades x"
    "   WHERE " PACK_VISIBLE ("x") " UNION ALL SELECT generation_id FROM pack.spans y"
    "   WHERE " PACK_VISIBLE ("y") ") u JOIN pack.generations g ON g.id = u.generation_id"
    " WHERE ?1 IS NOT NULL AND g.uuid NOT IN (SELECT uuid FROM main.generations)",
    "%" G_GINT64_FORMAT " grades or spans are on generations that are not in the workspace "
    "(e.g. %s)" },
  { "SELECT count(*), min (g.uuid) FROM pack.grades g JOIN main.grades o ON o.uuid = g.uuid"
    " JOIN main.raters r ON r.id = o.rater_id WHERE r.uuid <> ?1",
    "%" G_GINT64_FORMAT " grades have the uuid of another rater's grade (e.g. %s)" },
  { "SELECT count(*), min (e.uuid) FROM pack.events e LEFT JOIN pack.raters r ON r.id = e.rater_id"
    " WHERE r.uuid IS NULL OR r.uuid <> ?1",
    "%" G_GINT64_FORMAT " events are not the pack's annotator's (e.g. %s)" },
  { "SELECT count(*), min (c.uuid) FROM pack.events e JOIN pack.comparisons c"
    " ON c.id = e.comparison_id WHERE ?1 IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM main.comparisons o WHERE o.uuid = c.uuid)",
    "%" G_GINT64_FORMAT " events are on comparisons that are not in the workspace (e.g. %s)" },
};

static gboolean
check_pack_rows (sqlite3     *db,
                 const char  *pack_path,
                 const char  *rater_uuid,
                 GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (row_checks); i++)
    {
      sqlite3_stmt *stmt = prepare (db, row_checks[i].sql, error);
      gint64 n = 0;
      g_autofree char *example = NULL;

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, rater_uuid, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          n = sqlite3_column_int64 (stmt, 0);
          example = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
        }
      else
        {
          _arb_set_sqlite_error (error, db, pack_path);
          sqlite3_finalize (stmt);
          return FALSE;
        }
      sqlite3_finalize (stmt);
      if (n > 0)
        {
          g_autofree char *what = g_strdup_printf (row_checks[i].what, n,
                                                   example ? example : "?");

          g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                       "%s: the pack was edited by hand or mixed with other data: %s; "
                       "nothing was merged", pack_path, what);
          return FALSE;
        }
    }
  return TRUE;
}

/* Merges verdicts or grades: new rows by uuid, the pack's own supersession, then the latest
 * current row of each natural key wins (see the top of this file). */
typedef struct
{
  const char *table;        /* verdicts, grades */
  const char *parent;       /* comparisons, generations */
  const char *parent_col;   /* comparison_id, generation_id */
  const char *columns;      /* copied as they are */
  const char *key;          /* the natural key's columns but the parent and rater, with x. */
} OpinionTable;

static const OpinionTable verdict_table = {
  "verdicts", "comparisons", "comparison_id",
  "preference, strength, status, presented, sample, rationale, seconds, created_at, raw, metadata",
  "ifnull (x.presented, ''), x.sample",
};

static const OpinionTable grade_table = {
  "grades", "generations", "generation_id",
  "score, status, sample, rationale, created_at, raw, metadata",
  "x.sample",
};

static gboolean
merge_opinions (sqlite3            *db,
                const OpinionTable *t,
                const char         *rater_id,
                gint64             *out_added,
                gint64             *out_present,
                gint64             *out_superseded,
                GError            **error)
{
  g_autofree char *prefixed = NULL;
  g_autofree char *present_sql = NULL;
  g_autofree char *insert_sql = NULL;
  g_autofree char *link_sql = NULL;
  g_autofree char *group_sql = NULL;
  g_autofree char *win_sql = NULL;
  gint64 n;
  g_auto(GStrv) cols = g_strsplit (t->columns, ", ", -1);
  g_autoptr(GString) pv = g_string_new (NULL);

  for (guint i = 0; cols[i] != NULL; i++)
    g_string_append_printf (pv, "%sv.%s", i ? ", " : "", cols[i]);
  prefixed = g_string_free (g_steal_pointer (&pv), FALSE);

  present_sql = g_strdup_printf ("SELECT count(*) FROM pack.%s v WHERE " PACK_VISIBLE ("v")
                                 " AND v.uuid IN (SELECT uuid FROM main.%s)", t->table, t->table);
  *out_present = query_int (db, present_sql, NULL, NULL);

  /* New rows come in superseded (-1, a deferred foreign key) so that the natural key among
   * current rows holds at every statement; their final state is set below. */
  insert_sql = g_strdup_printf ("INSERT INTO main.%1$s (uuid, %2$s, rater_id, %3$s, superseded_by)"
                                " SELECT v.uuid, op.id, CAST (?1 AS INTEGER), %4$s, -1"
                                " FROM pack.%1$s v JOIN pack.%5$s pp ON pp.id = v.%2$s"
                                " JOIN main.%5$s op ON op.uuid = pp.uuid"
                                " WHERE " PACK_VISIBLE ("v")
                                " AND NOT EXISTS (SELECT 1 FROM main.%1$s o WHERE o.uuid = v.uuid)"
                                " ORDER BY v.id",
                                t->table, t->parent_col, t->columns, prefixed, t->parent);
  if ((n = run (db, insert_sql, rater_id, NULL, NULL, error)) < 0)
    return FALSE;
  *out_added = n;

  if (!exec_sql (db, "DROP TABLE IF EXISTS temp.pk_link; DROP TABLE IF EXISTS temp.pk_win;"
                     "CREATE TEMP TABLE pk_link (id INTEGER PRIMARY KEY, target INTEGER,"
                     " candidate INTEGER NOT NULL DEFAULT 0)", "merging", error))
    return FALSE;

  /* The pack's rows with what the pack says superseded them (mapped by uuid). */
  link_sql = g_strdup_printf ("INSERT INTO temp.pk_link (id, target)"
                              " SELECT o.id, (SELECT ow.id FROM pack.%1$s w JOIN main.%1$s ow"
                              "   ON ow.uuid = w.uuid WHERE w.id = v.superseded_by)"
                              " FROM pack.%1$s v JOIN main.%1$s o ON o.uuid = v.uuid"
                              " WHERE " PACK_VISIBLE ("v"), t->table);
  if (run (db, link_sql, NULL, NULL, NULL, error) < 0)
    return FALSE;
  g_clear_pointer (&link_sql, g_free);
  /* Current in the pack: a candidate, unless a row of another source beat it at an earlier
   * merge (then it stays superseded by that row). */
  link_sql = g_strdup_printf ("UPDATE temp.pk_link SET candidate = 1 WHERE target IS NULL AND"
                              " ((SELECT superseded_by FROM main.%1$s WHERE id = pk_link.id) IS NULL"
                              "  OR (SELECT superseded_by FROM main.%1$s WHERE id = pk_link.id) = -1"
                              "  OR EXISTS (SELECT 1 FROM main.%1$s s JOIN pack.%1$s ps"
                              "    ON ps.uuid = s.uuid WHERE s.id ="
                              "    (SELECT superseded_by FROM main.%1$s WHERE id = pk_link.id)))",
                              t->table);
  if (run (db, link_sql, NULL, NULL, NULL, error) < 0)
    return FALSE;
  g_clear_pointer (&link_sql, g_free);
  link_sql = g_strdup_printf ("UPDATE temp.pk_link SET target ="
                              " (SELECT superseded_by FROM main.%1$s WHERE id = pk_link.id)"
                              " WHERE target IS NULL AND candidate = 0", t->table);
  if (run (db, link_sql, NULL, NULL, NULL, error) < 0)
    return FALSE;

  /* The origin's rows of the same natural keys: its current ones are candidates too, and so
   * are those a row of this pack beat at an earlier merge (a link from another source to this
   * pack's row is always such a conflict): if the pack has since undone or changed that row,
   * they compete again. */
  group_sql = g_strdup_printf ("INSERT INTO temp.pk_link (id, target, candidate)"
                               " SELECT o.id, o.superseded_by, o.superseded_by IS NULL"
                               "  OR EXISTS (SELECT 1 FROM main.%1$s s JOIN pack.%1$s ps"
                               "    ON ps.uuid = s.uuid WHERE s.id = o.superseded_by)"
                               " FROM main.%1$s o WHERE o.id NOT IN (SELECT id FROM temp.pk_link)"
                               " AND o.rater_id = CAST (?1 AS INTEGER)"
                               " AND o.%2$s IN (SELECT y.%2$s FROM main.%1$s y"
                               "   WHERE y.id IN (SELECT id FROM temp.pk_link))"
                               " AND EXISTS (SELECT 1 FROM temp.pk_link l JOIN main.%1$s x"
                               "   ON x.id = l.id WHERE x.%2$s = o.%2$s AND x.rater_id = o.rater_id"
                               "   AND (%3$s) IS (SELECT %3$s FROM main.%1$s x WHERE x.id = o.id))",
                               t->table, t->parent_col, t->key);
  if (run (db, group_sql, rater_id, NULL, NULL, error) < 0)
    return FALSE;

  win_sql = g_strdup_printf ("CREATE TEMP TABLE pk_win AS SELECT l.id AS id,"
                             " first_value (l.id) OVER (PARTITION BY x.%2$s, x.rater_id, %3$s"
                             "   ORDER BY x.created_at DESC, x.uuid DESC) AS winner"
                             " FROM temp.pk_link l JOIN main.%1$s x ON x.id = l.id"
                             " WHERE l.candidate = 1",
                             t->table, t->parent_col, t->key);
  if (!exec_sql (db, win_sql, "merging", error) ||
      !exec_sql (db, "UPDATE temp.pk_link SET target = (SELECT winner FROM temp.pk_win w"
                     " WHERE w.id = pk_link.id) WHERE candidate = 1;"
                     "UPDATE temp.pk_link SET target = NULL WHERE candidate = 1 AND target = id",
                 "merging", error))
    return FALSE;

  /* Losers that were current before this merge (in the origin, or new and current in the
   * pack) are the conflicts this merge resolved. */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM temp.pk_link l JOIN main.%s x"
                                            " ON x.id = l.id WHERE l.candidate = 1"
                                            " AND l.target IS NOT NULL"
                                            " AND (x.superseded_by IS NULL"
                                            "      OR x.superseded_by = -1)", t->table);

    *out_superseded += query_int (db, sql, NULL, NULL);
  }

  /* Applied in an order that keeps one current row per natural key at every statement. */
  {
    g_autofree char *a = g_strdup_printf ("UPDATE main.%1$s SET superseded_by = -1"
                                          " WHERE id IN (SELECT id FROM temp.pk_link)"
                                          " AND superseded_by IS NULL", t->table);
    g_autofree char *b = g_strdup_printf ("UPDATE main.%1$s SET superseded_by ="
                                          " (SELECT target FROM temp.pk_link l WHERE l.id = %1$s.id)"
                                          " WHERE id IN (SELECT id FROM temp.pk_link"
                                          " WHERE target IS NOT NULL)", t->table);
    g_autofree char *c = g_strdup_printf ("UPDATE main.%1$s SET superseded_by = NULL"
                                          " WHERE id IN (SELECT id FROM temp.pk_link"
                                          " WHERE target IS NULL)", t->table);

    if (run (db, a, NULL, NULL, NULL, error) < 0 || run (db, b, NULL, NULL, NULL, error) < 0 ||
        run (db, c, NULL, NULL, NULL, error) < 0)
      return FALSE;
  }
  return TRUE;
}

static gboolean
merge_spans (sqlite3     *db,
             const char  *rater_id,
             gint64      *out_added,
             GError     **error)
{
  gint64 n;

  n = run (db, "INSERT INTO main.spans (uuid, generation_id, rater_id, start_byte, end_byte,"
               " label, value, step_index, note, created_at, superseded_by)"
               " SELECT s.uuid, og.id, CAST (?1 AS INTEGER), s.start_byte, s.end_byte, s.label,"
               " s.value, s.step_index, s.note, s.created_at,"
               " CASE WHEN s.superseded_by IS NULL THEN NULL ELSE -1 END"
               " FROM pack.spans s JOIN pack.generations g ON g.id = s.generation_id"
               " JOIN main.generations og ON og.uuid = g.uuid"
               " WHERE " PACK_VISIBLE ("s")
               " AND NOT EXISTS (SELECT 1 FROM main.spans o WHERE o.uuid = s.uuid)"
               " ORDER BY s.id",
           rater_id, NULL, NULL, error);
  if (n < 0)
    return FALSE;
  *out_added = n;
  /* Spans have no natural key: the pack's own history (a change, a removal) is all there is. */
  return run (db, "UPDATE main.spans SET superseded_by ="
                  " (SELECT ow.id FROM pack.spans s JOIN pack.spans w ON w.id = s.superseded_by"
                  "  JOIN main.spans ow ON ow.uuid = w.uuid WHERE s.uuid = main.spans.uuid)"
                  " WHERE uuid IN (SELECT uuid FROM pack.spans WHERE superseded_by IS NOT NULL"
                  "  AND " PACK_VISIBLE ("pack.spans") ")",
              NULL, NULL, NULL, error) >= 0;
}

/* Steps cut by a rule while labelling in the pack (imported ones came from the origin). A
 * generation that has steps of that source in the origin already keeps them. */
static gboolean
merge_steps (sqlite3     *db,
             gint64      *out_added,
             GError     **error)
{
  gint64 n = run (db, "INSERT INTO main.steps (uuid, generation_id, source, idx, start_byte,"
                      " end_byte)"
                      " SELECT s.uuid, og.id, s.source, s.idx, s.start_byte, s.end_byte"
                      " FROM pack.steps s JOIN pack.generations g ON g.id = s.generation_id"
                      " JOIN main.generations og ON og.uuid = g.uuid"
                      " WHERE NOT EXISTS (SELECT 1 FROM main.steps o WHERE o.uuid = s.uuid)"
                      " AND NOT EXISTS (SELECT 1 FROM main.steps o WHERE o.generation_id = og.id"
                      "   AND o.source = s.source)"
                      " ORDER BY s.id",
                  NULL, NULL, NULL, error);

  if (n < 0)
    return FALSE;
  *out_added = n;
  return TRUE;
}

/* The generations the annotator finished on the span and step pages (schema 2 and later). */
static gboolean
merge_finished (sqlite3     *db,
                const char  *rater_id,
                gint64      *out_added,
                GError     **error)
{
  gint64 n, has = 0;

  {
    sqlite3_stmt *stmt = NULL;

    if (sqlite3_prepare_v2 (db, "SELECT count(*) FROM pack.sqlite_master WHERE type = 'table'"
                                " AND name = 'generation_assignments'", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step (stmt) == SQLITE_ROW)
      has = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
  }
  *out_added = 0;
  if (has == 0)
    return TRUE;
  n = run (db, "INSERT INTO main.generation_assignments (uuid, generation_id, rater_id, task,"
               " state, lease_expires, skip_count, created_at)"
               " SELECT a.uuid, og.id, CAST (?1 AS INTEGER), a.task, 'done', a.lease_expires,"
               " a.skip_count, a.created_at"
               " FROM pack.generation_assignments a JOIN pack.generations g ON g.id = a.generation_id"
               " JOIN main.generations og ON og.uuid = g.uuid WHERE a.state = 'done'"
               " ORDER BY a.id"
               " ON CONFLICT (generation_id, rater_id, task) DO UPDATE SET state = 'done'"
               " WHERE state <> 'done'",
           rater_id, NULL, NULL, error);
  if (n < 0)
    return FALSE;
  *out_added = n;
  return TRUE;
}

static gboolean
merge_events (sqlite3     *db,
              const char  *rater_id,
              gint64      *out_added,
              GError     **error)
{
  gint64 n;

  if (!exec_sql (db, "DROP TABLE IF EXISTS temp.pk_new_events;"
                     "CREATE TEMP TABLE pk_new_events AS SELECT uuid FROM pack.events e"
                     " WHERE NOT EXISTS (SELECT 1 FROM main.events o WHERE o.uuid = e.uuid)",
                 "merging", error))
    return FALSE;
  /* An event about a verdict that did not come over (of an unfinished import) keeps no link. */
  n = run (db, "INSERT INTO main.events (uuid, rater_id, action, comparison_id, verdict_id,"
               " payload, created_at)"
               " SELECT e.uuid, CAST (?1 AS INTEGER), e.action,"
               " (SELECT oc.id FROM pack.comparisons c JOIN main.comparisons oc ON oc.uuid = c.uuid"
               "  WHERE c.id = e.comparison_id),"
               " (SELECT ov.id FROM pack.verdicts v JOIN main.verdicts ov ON ov.uuid = v.uuid"
               "  WHERE v.id = e.verdict_id),"
               " e.payload, e.created_at"
               " FROM pack.events e WHERE e.uuid IN (SELECT uuid FROM temp.pk_new_events)"
               " ORDER BY e.id",
           rater_id, NULL, NULL, error);
  if (n < 0)
    return FALSE;
  *out_added = n;
  /* An undo names the event it undoes by id ("event:N"): the pack's id becomes the origin's. */
  return run (db, "UPDATE main.events SET payload = 'event:' ||"
                  " (SELECT oe.id FROM pack.events pe JOIN main.events oe ON oe.uuid = pe.uuid"
                  "  WHERE pe.id = CAST (substr (main.events.payload, 7) AS INTEGER))"
                  " WHERE uuid IN (SELECT uuid FROM temp.pk_new_events)"
                  " AND payload LIKE 'event:%'"
                  " AND EXISTS (SELECT 1 FROM pack.events pe JOIN main.events oe"
                  "  ON oe.uuid = pe.uuid"
                  "  WHERE pe.id = CAST (substr (main.events.payload, 7) AS INTEGER))",
              NULL, NULL, NULL, error) >= 0;
}

static char *
pack_setting (sqlite3    *db,
              const char *key)
{
  return query_text (db, "SELECT value FROM pack.settings WHERE key = ?1", key);
}

/**
 * arb_workspace_pack_in:
 * @ws: the origin workspace
 * @pack_path: a pack written by arb_workspace_pack_out() from @ws, labelled since
 * @out_result: (out) (optional): what was added
 *
 * Merges the pack's verdicts, verdict dimensions, grades, spans and events into @ws by UUID and
 * ends its leases (see the top of this file for the rules). A damaged or hand-edited pack, a
 * pack of another workspace or one @ws did not hand out is refused and nothing changes; the
 * merge itself is one transaction. Merging the same pack again adds nothing.
 *
 * Returns: %FALSE on error
 */
gboolean
arb_workspace_pack_in (ArbWorkspace     *ws,
                       const char       *pack_path,
                       ArbPackInResult  *out_result,
                       GError          **error)
{
  return arb_workspace_pack_in_full (ws, pack_path, NULL, NULL, out_result, error);
}

gboolean
arb_workspace_pack_in_full (ArbWorkspace       *ws,
                            const char         *pack_path,
                            ArbPackProgressFunc progress_func,
                            gpointer            progress_data,
                            ArbPackInResult    *out_result,
                            GError            **error)
{
  Progress progress = { progress_func, progress_data, 0, 8 };
  sqlite3 *db;
  ArbPackInResult result = { 0 };
  g_autofree char *origin = NULL, *origin_name = NULL, *uuid = NULL, *rater = NULL;
  g_autofree char *rater_uuid = NULL, *rater_id = NULL, *now = _arb_now_iso8601 ();
  g_autofree char *record_key = NULL;
  json_object *record = NULL, *list = NULL;
  gboolean attached = FALSE, in_transaction = FALSE, ok = FALSE;
  const char *ws_path;
  gint64 n, superseded_grades = 0, present_grades = 0;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), FALSE);
  g_return_val_if_fail (pack_path != NULL, FALSE);

  db = _arb_workspace_get_db (ws);
  ws_path = arb_workspace_get_path (ws);
  report (&progress, _("Checking the pack"));
  if (!check_pack_file (pack_path, error))
    return FALSE;
  if (!attach_pack (db, pack_path, error))
    return FALSE;
  attached = TRUE;

  origin = pack_setting (db, ARB_PACK_KEY_ORIGIN);
  origin_name = pack_setting (db, ARB_PACK_KEY_ORIGIN_NAME);
  uuid = pack_setting (db, ARB_PACK_KEY_UUID);
  rater = pack_setting (db, ARB_PACK_KEY_RATER);
  rater_uuid = pack_setting (db, ARB_PACK_KEY_RATER_UUID);
  if (origin == NULL || uuid == NULL || rater == NULL || rater_uuid == NULL)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "%s: not a label pack (it has no pack marker; make packs with "
                   "'arbiter-cli pack out'); nothing was merged", pack_path);
      goto out;
    }
  if (g_strcmp0 (origin, arb_workspace_get_uuid (ws)) != 0)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "%s is a pack of workspace %s (%s), not of %s; nothing was merged",
                   pack_path, origin, origin_name ? origin_name : "?", ws_path);
      goto out;
    }
  record = load_record (ws, uuid);
  if (record == NULL)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "%s: %s never handed out a pack %s (was the pack's marker edited?); nothing "
                   "was merged", pack_path, ws_path, uuid);
      goto out;
    }
  if (g_strcmp0 (record_string (record, "rater"), rater) != 0 ||
      g_strcmp0 (record_string (record, "rater_uuid"), rater_uuid) != 0)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "%s: the pack was handed out to %s, but its marker says %s (edited by hand?); "
                   "nothing was merged", pack_path, record_string (record, "rater"), rater);
      goto out;
    }
  n = query_int (db, "SELECT id FROM main.raters WHERE uuid = ?1 AND name = ?2", rater_uuid,
                 rater);
  if (n <= 0 || query_int (db, "SELECT count(*) FROM pack.raters WHERE uuid = ?1 AND name = ?2",
                           rater_uuid, rater) != 1)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "%s: the annotator %s is missing from the pack or from %s (edited by hand?); "
                   "nothing was merged", pack_path, rater, ws_path);
      goto out;
    }
  rater_id = g_strdup_printf ("%" G_GINT64_FORMAT, n);

  /* The comparisons the pack was given, as the origin recorded them. */
  if (!exec_sql (db, "DROP TABLE IF EXISTS temp.pk_list;"
                     "CREATE TEMP TABLE pk_list (uuid TEXT PRIMARY KEY)", "merging", error))
    goto out;
  if (json_object_object_get_ex (record, "comparisons", &list) &&
      json_object_is_type (list, json_type_array))
    for (size_t i = 0; i < json_object_array_length (list); i++)
      if (run (db, "INSERT OR IGNORE INTO temp.pk_list (uuid) VALUES (?1)",
               json_object_get_string (json_object_array_get_idx (list, i)), NULL, NULL,
               error) < 0)
        goto out;

  if (!exec_sql (db, "BEGIN IMMEDIATE", ws_path, error))
    goto out;
  in_transaction = TRUE;
  report (&progress, _("Checking the labels"));
  if (!check_pack_rows (db, pack_path, rater_uuid, error))
    goto out;
  report (&progress, _("Merging verdicts"));

  if (!merge_opinions (db, &verdict_table, rater_id, &result.verdicts, &result.verdicts_present,
                       &result.superseded, error))
    goto out;
  n = run (db, "INSERT OR IGNORE INTO main.verdict_dimensions (verdict_id, dimension, preference,"
               " strength) SELECT ov.id, d.dimension, d.preference, d.strength"
               " FROM pack.verdict_dimensions d JOIN pack.verdicts v ON v.id = d.verdict_id"
               " JOIN main.verdicts ov ON ov.uuid = v.uuid WHERE " PACK_VISIBLE ("v"),
           NULL, NULL, NULL, error);
  if (n < 0)
    goto out;
  result.dimensions = n;
  report (&progress, _("Merging grades"));
  if (!merge_opinions (db, &grade_table, rater_id, &result.grades, &present_grades,
                       &superseded_grades, error))
    goto out;
  result.superseded += superseded_grades;
  report (&progress, _("Merging spans and steps"));
  if (!merge_spans (db, rater_id, &result.spans, error) ||
      !merge_steps (db, &result.steps, error) ||
      !merge_finished (db, rater_id, &result.finished, error))
    goto out;
  report (&progress, _("Merging the history"));
  if (!merge_events (db, rater_id, &result.events, error))
    goto out;
  report (&progress, _("Ending the leases"));

  /* The pack's leases end: done where the annotator decided, back in the pool where not (only
   * while the lease is still the pack's: one taken since, at the screen, is left alone). */
  n = run (db, "UPDATE main.assignments SET state = 'done' WHERE rater_id = CAST (?1 AS INTEGER)"
               " AND state <> 'done'"
               " AND comparison_id IN (SELECT c.id FROM main.comparisons c"
               "   WHERE c.uuid IN (SELECT uuid FROM temp.pk_list))"
               " AND EXISTS (SELECT 1 FROM main.verdicts v"
               "   WHERE v.comparison_id = assignments.comparison_id"
               "   AND v.rater_id = assignments.rater_id AND v.superseded_by IS NULL)",
           rater_id, NULL, NULL, error);
  if (n < 0)
    goto out;
  result.leases_done = n;
  n = run (db, "UPDATE main.assignments SET lease_expires = ?2"
               " WHERE rater_id = CAST (?1 AS INTEGER) AND state = 'leased' AND lease_expires = ?3"
               " AND comparison_id IN (SELECT c.id FROM main.comparisons c"
               "   WHERE c.uuid IN (SELECT uuid FROM temp.pk_list))",
           rater_id, now, record_string (record, "expires"), error);
  if (n < 0)
    goto out;
  result.leases_released = n;

  if (g_strcmp0 (record_string (record, "state"), "merged") != 0)
    {
      json_object_object_add (record, "state", json_object_new_string ("merged"));
      json_object_object_add (record, "merged_at", json_object_new_string (now));
      record_key = g_strconcat (ARB_PACK_RECORD_PREFIX, uuid, NULL);
      if (!arb_workspace_set_setting (ws, record_key,
                                      json_object_to_json_string_ext (record,
                                                                      JSON_C_TO_STRING_PLAIN),
                                      error))
        goto out;
    }

  report (&progress, _("Saving"));
  if (!exec_sql (db, "COMMIT", ws_path, error))
    goto out;
  in_transaction = FALSE;
  ok = TRUE;
  report (&progress, _("Done"));

  g_strlcpy (result.uuid, uuid, sizeof result.uuid);
  g_strlcpy (result.rater, rater, sizeof result.rater);
  if (out_result != NULL)
    *out_result = result;

out:
  if (in_transaction)
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  if (attached)
    detach_pack (db);
  if (record != NULL)
    json_object_put (record);
  return ok;
}
