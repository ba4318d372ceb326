/* arb-workspace.c: one Arbiter workspace, a SQLite file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "arb-workspace-private.h"
#include "arb-schema-v1.h"

/* 'ARBI': marks the SQLite file as ours, so opening another database is refused clearly. */
#define ARB_APPLICATION_ID 0x41524249

struct _ArbWorkspace
{
  GObject     parent_instance;

  char       *path;
  char       *uuid;
  sqlite3    *db;
  GHashTable *statements;   /* SQL text -> sqlite3_stmt*, one prepared statement per query */
  int         schema_version;
  guint       n_removed_imports;
};

G_DEFINE_FINAL_TYPE (ArbWorkspace, arb_workspace, G_TYPE_OBJECT)

G_DEFINE_QUARK (arb-db-error-quark, arb_db_error)

/* Version 2: which generations an annotator leased, skipped or finished for span or step
 * labelling (the comparisons' queue, applied to generations; db/arb-labels.c). */
static const char arb_schema_v2[] =
  "CREATE TABLE generation_assignments ("
  "  id            INTEGER PRIMARY KEY,"
  "  uuid          TEXT NOT NULL UNIQUE,"
  "  generation_id INTEGER NOT NULL REFERENCES generations (id),"
  "  rater_id      INTEGER NOT NULL REFERENCES raters (id),"
  "  task          TEXT NOT NULL CHECK (task IN ('spans', 'steps')),"
  "  state         TEXT NOT NULL DEFAULT 'leased' CHECK (state IN ('leased', 'done', 'skipped')),"
  "  lease_expires TEXT,"
  "  skip_count    INTEGER NOT NULL DEFAULT 0,"
  "  created_at    TEXT NOT NULL,"
  "  UNIQUE (generation_id, rater_id, task)"
  ");"
  "CREATE INDEX generation_assignments_rater ON generation_assignments (rater_id, task, state);";

static const ArbMigration builtin_migrations[] = {
  { 1, arb_schema_v1 },
  { 2, arb_schema_v2 },
};

void
arb_import_info_free (ArbImportInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->uuid);
  g_free (info->name);
  g_free (info->format);
  g_free (info->state);
  g_free (info->started_at);
  g_free (info->error);
  g_free (info);
}

static void
arb_workspace_finalize (GObject *object)
{
  ArbWorkspace *self = ARB_WORKSPACE (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_free (self->path);
  g_free (self->uuid);

  G_OBJECT_CLASS (arb_workspace_parent_class)->finalize (object);
}

static void
arb_workspace_class_init (ArbWorkspaceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = arb_workspace_finalize;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
arb_workspace_init (ArbWorkspace *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
}

void
_arb_set_sqlite_error (GError    **error,
                       sqlite3    *db,
                       const char *what)
{
  g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE, "%s: %s (SQLite error %d)",
               what, sqlite3_errmsg (db), sqlite3_extended_errcode (db));
}

sqlite3 *
_arb_workspace_get_db (ArbWorkspace *self)
{
  return self->db;
}

/* Returns a cached prepared statement, reset and with its bindings cleared. The statement
 * belongs to the workspace. */
sqlite3_stmt *
_arb_workspace_prepare (ArbWorkspace *self,
                        const char   *sql,
                        GError      **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      _arb_set_sqlite_error (error, self->db, "preparing a query");
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

gboolean
_arb_workspace_exec (ArbWorkspace *self,
                     const char   *sql,
                     GError      **error)
{
  char *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE, "%s: %s", self->path,
                   msg ? msg : sqlite3_errmsg (self->db));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* Steps a statement that returns no rows. */
gboolean
_arb_workspace_step_done (ArbWorkspace *self,
                          sqlite3_stmt *stmt,
                          GError      **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      _arb_set_sqlite_error (error, self->db, self->path);
      return FALSE;
    }
  return TRUE;
}

char *
_arb_now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/* A token that names this process for as long as it lives: boot id, pid and the process start
 * time (so that a reused pid is not mistaken for the original process). */
char *
_arb_process_owner (void)
{
  g_autofree char *boot = NULL;
  g_autofree char *stat = NULL;
  g_autofree char *host = g_strdup (g_get_host_name ());
  const char *start = "0";
  g_auto(GStrv) fields = NULL;

  if (g_file_get_contents ("/proc/sys/kernel/random/boot_id", &boot, NULL, NULL))
    g_strstrip (boot);
  if (g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL))
    {
      /* Field 22 (starttime) comes after the parenthesised command name, which may hold spaces. */
      const char *p = strrchr (stat, ')');

      if (p != NULL)
        {
          fields = g_strsplit (p + 2, " ", 0);
          if (g_strv_length (fields) > 19)
            start = fields[19];
        }
    }
  return g_strdup_printf ("%s %s %d %s", host, boot ? boot : "-", (int) getpid (), start);
}

/* Whether the process named by an owner token still runs. A process on another host cannot be
 * checked and counts as alive, so that its import is not removed under it. */
gboolean
_arb_process_owner_alive (const char *owner)
{
  g_autofree char *mine = _arb_process_owner ();
  g_auto(GStrv) theirs = NULL;
  g_auto(GStrv) ours = NULL;
  g_autofree char *proc = NULL;
  g_autofree char *now_owner = NULL;

  if (owner == NULL)
    return FALSE;
  theirs = g_strsplit (owner, " ", 4);
  ours = g_strsplit (mine, " ", 4);
  if (g_strv_length (theirs) != 4)
    return FALSE;
  if (g_strcmp0 (theirs[0], ours[0]) != 0)
    return TRUE;              /* another host */
  if (g_strcmp0 (theirs[1], ours[1]) != 0)
    return FALSE;             /* rebooted since */
  if (g_strcmp0 (theirs[2], ours[2]) == 0)
    return TRUE;              /* this very process */

  proc = g_strdup_printf ("/proc/%s/stat", theirs[2]);
  {
    g_autofree char *stat = NULL;
    const char *p;
    g_auto(GStrv) fields = NULL;

    if (!g_file_get_contents (proc, &stat, NULL, NULL))
      return FALSE;
    p = strrchr (stat, ')');
    if (p == NULL)
      return FALSE;
    fields = g_strsplit (p + 2, " ", 0);
    return g_strv_length (fields) > 19 && g_strcmp0 (fields[19], theirs[3]) == 0;
  }
}

/* Waits up to 30 s for a lock, trying again every millisecond. SQLite's own busy timeout sleeps
 * in steps that grow to 100 ms and so keeps missing the short gaps between an import's batches
 * (measured: commits delayed by seconds). */
static int
busy_handler (void *data,
              int   n_calls)
{
  if (n_calls >= 30000)
    return 0;
  g_usleep (1000);
  return 1;
}

static int
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  int value = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static gboolean
migrate (ArbWorkspace        *self,
         const ArbMigration  *extra,
         guint                n_extra,
         GError             **error)
{
  int latest = ARB_WORKSPACE_SCHEMA_VERSION;
  int version = query_int (self->db, "PRAGMA user_version");

  for (guint i = 0; i < n_extra; i++)
    latest = MAX (latest, extra[i].version);

  if (version > latest)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_TOO_NEW,
                   "%s: the workspace has schema version %d, newer than this Arbiter "
                   "understands (%d); open it with a newer Arbiter", self->path, version, latest);
      return FALSE;
    }

  for (int v = version + 1; v <= latest; v++)
    {
      const char *sql = NULL;
      g_autofree char *set_version = NULL;
      g_autoptr(GError) local_error = NULL;

      for (guint i = 0; i < G_N_ELEMENTS (builtin_migrations); i++)
        if (builtin_migrations[i].version == v)
          sql = builtin_migrations[i].sql;
      for (guint i = 0; i < n_extra; i++)
        if (extra[i].version == v)
          sql = extra[i].sql;
      if (sql == NULL)
        {
          g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                       "no migration to schema version %d", v);
          return FALSE;
        }

      /* Each migration is one transaction with its version bump: it lands whole or not at all.
       * Foreign keys are off during it so a migration can rebuild a table (SQLite's documented
       * procedure for schema changes), and checked before it commits. */
      if (!_arb_workspace_exec (self, "PRAGMA foreign_keys = OFF", error) ||
          !_arb_workspace_exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      set_version = g_strdup_printf ("PRAGMA user_version = %d", v);
      if (!_arb_workspace_exec (self, sql, &local_error) ||
          !_arb_workspace_exec (self, set_version, &local_error) ||
          query_int (self->db, "SELECT count(*) FROM pragma_foreign_key_check") != 0)
        {
          if (local_error == NULL)
            g_set_error_literal (&local_error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE,
                                 "rows would break foreign keys");
          _arb_workspace_exec (self, "ROLLBACK", NULL);
          _arb_workspace_exec (self, "PRAGMA foreign_keys = ON", NULL);
          g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE,
                       "%s: upgrading the workspace to schema version %d failed: %s",
                       self->path, v, local_error->message);
          return FALSE;
        }
      if (!_arb_workspace_exec (self, "COMMIT", error) ||
          !_arb_workspace_exec (self, "PRAGMA foreign_keys = ON", error))
        return FALSE;
    }
  self->schema_version = latest;
  return TRUE;
}

/* Removes the rows of one import that did not finish and marks it failed with @why. Rows that a
 * finished import reuses are kept. */
gboolean
_arb_workspace_remove_import (ArbWorkspace *self,
                              gint64        import_id,
                              const char   *why,
                              GError      **error)
{
  static const char *const deletes[] = {
    "DELETE FROM verdict_dimensions WHERE verdict_id IN "
    "  (SELECT id FROM verdicts WHERE import_id = ?1)",
    "DELETE FROM verdicts WHERE import_id = ?1",
    "DELETE FROM grades WHERE import_id = ?1",
    "DELETE FROM spans WHERE import_id = ?1",
    "DELETE FROM steps WHERE import_id = ?1",
    "DELETE FROM comparison_ids WHERE import_id = ?1",
    "DELETE FROM comparisons WHERE import_id = ?1 "
    "  AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.comparison_id = comparisons.id) "
    "  AND NOT EXISTS (SELECT 1 FROM comparison_ids c WHERE c.comparison_id = comparisons.id)",
    "DELETE FROM generations WHERE import_id = ?1 "
    "  AND NOT EXISTS (SELECT 1 FROM comparisons c WHERE c.a_id = generations.id"
    "                  OR c.b_id = generations.id) "
    "  AND NOT EXISTS (SELECT 1 FROM grades g WHERE g.generation_id = generations.id) "
    "  AND NOT EXISTS (SELECT 1 FROM spans s WHERE s.generation_id = generations.id)",
    "DELETE FROM prompt_ids WHERE import_id = ?1",
    "DELETE FROM prompts WHERE import_id = ?1 "
    "  AND NOT EXISTS (SELECT 1 FROM generations g WHERE g.prompt_id = prompts.id) "
    "  AND NOT EXISTS (SELECT 1 FROM prompt_ids p WHERE p.prompt_id = prompts.id)",
    "DELETE FROM raters WHERE import_id = ?1 "
    "  AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.rater_id = raters.id) "
    "  AND NOT EXISTS (SELECT 1 FROM grades g WHERE g.rater_id = raters.id)",
    "DELETE FROM systems WHERE import_id = ?1 "
    "  AND NOT EXISTS (SELECT 1 FROM generations g WHERE g.system_id = systems.id)",
    /* What a finished import reuses becomes that import's, so it shows with it. */
    "UPDATE comparisons SET import_id = NULL WHERE import_id = ?1",
    "UPDATE generations SET import_id = NULL WHERE import_id = ?1",
    "UPDATE prompts SET import_id = NULL WHERE import_id = ?1",
    "UPDATE raters SET import_id = NULL WHERE import_id = ?1",
    "UPDATE systems SET import_id = NULL WHERE import_id = ?1",
    "UPDATE imports SET state = 'failed', finished_at = ?2, owner = NULL, error = ?3 "
    "  WHERE id = ?1",
  };
  sqlite3_stmt *stmt;
  g_autofree char *now = _arb_now_iso8601 ();

  g_return_val_if_fail (ARB_IS_WORKSPACE (self), FALSE);

  if (!_arb_workspace_exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint j = 0; j < G_N_ELEMENTS (deletes); j++)
    {
      stmt = _arb_workspace_prepare (self, deletes[j], error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, import_id);
      if (sqlite3_bind_parameter_count (stmt) >= 3)
        {
          sqlite3_bind_text (stmt, 2, now, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 3, why, -1, SQLITE_STATIC);
        }
      if (!_arb_workspace_step_done (self, stmt, error))
        goto fail;
    }
  return _arb_workspace_exec (self, "COMMIT", error);

fail:
  _arb_workspace_exec (self, "ROLLBACK", NULL);
  return FALSE;
}

static gboolean
remove_unfinished_imports (ArbWorkspace *self,
                           GError      **error)
{
  g_autoptr(GArray) dead = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;

  stmt = _arb_workspace_prepare (self, "SELECT id, owner FROM imports WHERE state = 'running'",
                                 error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      if (!_arb_process_owner_alive ((const char *) sqlite3_column_text (stmt, 1)))
        g_array_append_val (dead, id);
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < dead->len; i++)
    {
      if (!_arb_workspace_remove_import (self, g_array_index (dead, gint64, i),
                                         "interrupted before it finished; its rows were removed",
                                         error))
        return FALSE;
      self->n_removed_imports++;
    }
  return TRUE;
}

ArbWorkspace *
_arb_workspace_open_full (const char          *path,
                          gboolean             create,
                          const ArbMigration  *extra,
                          guint                n_extra,
                          GError             **error)
{
  g_autoptr(ArbWorkspace) self = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;
  int rc;
  int app_id;
  gboolean exists;

  g_return_val_if_fail (path != NULL, NULL);

  exists = g_file_test (path, G_FILE_TEST_EXISTS);
  if (create && exists)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_EXISTS,
                   "%s: a file of that name exists already", path);
      return NULL;
    }
  if (!create && !exists)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND,
                   "%s: no such workspace (create one with 'arbiter-cli init %s')", path, path);
      return NULL;
    }
  if (!create && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_A_WORKSPACE,
                   "%s: is a folder, not an Arbiter workspace", path);
      return NULL;
    }
  if (create)
    flags |= SQLITE_OPEN_CREATE;

  self = g_object_new (ARB_TYPE_WORKSPACE, NULL);
  self->path = g_strdup (path);

  rc = sqlite3_open_v2 (path, &self->db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE, "%s: cannot open: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, TRUE);
  /* Concurrent writers (an import and an annotator) wait for each other instead of failing,
   * polling often: an import leaves the write lock free only for a moment between batches. */
  sqlite3_busy_handler (self->db, busy_handler, NULL);

  if (create)
    {
      /* 16 KiB pages must be set before the first table exists. */
      if (!_arb_workspace_exec (self, "PRAGMA page_size = 16384", error))
        return NULL;
    }

  app_id = query_int (self->db, "PRAGMA application_id");
  if (app_id < 0)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_A_WORKSPACE,
                   "%s: not an Arbiter workspace (%s)", path, sqlite3_errmsg (self->db));
      return NULL;
    }
  if (!create && app_id != ARB_APPLICATION_ID)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_A_WORKSPACE,
                   "%s: not an Arbiter workspace (a SQLite file of another program)", path);
      return NULL;
    }

  if (!_arb_workspace_exec (self, "PRAGMA journal_mode = WAL", error) ||
      !_arb_workspace_exec (self, "PRAGMA synchronous = NORMAL", error) ||
      !_arb_workspace_exec (self, "PRAGMA temp_store = MEMORY", error) ||
      !_arb_workspace_exec (self, "PRAGMA foreign_keys = ON", error))
    return NULL;

  if (create)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA application_id = %d", ARB_APPLICATION_ID);

      if (!_arb_workspace_exec (self, sql, error))
        return NULL;
    }

  if (!migrate (self, extra, n_extra, error))
    return NULL;

  self->uuid = arb_workspace_get_setting (self, "workspace.uuid");
  if (self->uuid == NULL)
    {
      g_autofree char *now = _arb_now_iso8601 ();

      self->uuid = g_uuid_string_random ();
      if (!arb_workspace_set_setting (self, "workspace.uuid", self->uuid, error) ||
          !arb_workspace_set_setting (self, "workspace.created_at", now, error))
        return NULL;
    }

  if (!remove_unfinished_imports (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * arb_workspace_create:
 * @path: where the new workspace file goes; it must not exist
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the new, empty workspace
 */
ArbWorkspace *
arb_workspace_create (const char  *path,
                      GError     **error)
{
  return _arb_workspace_open_full (path, TRUE, NULL, 0, error);
}

/**
 * arb_workspace_open:
 * @path: an existing workspace file
 * @error: return location for an error
 *
 * Opens a workspace, upgrades an older schema, and removes what unfinished imports left.
 *
 * Returns: (transfer full) (nullable): the workspace
 */
ArbWorkspace *
arb_workspace_open (const char  *path,
                    GError     **error)
{
  return _arb_workspace_open_full (path, FALSE, NULL, 0, error);
}

const char *
arb_workspace_get_path (ArbWorkspace *self)
{
  g_return_val_if_fail (ARB_IS_WORKSPACE (self), NULL);
  return self->path;
}

const char *
arb_workspace_get_uuid (ArbWorkspace *self)
{
  g_return_val_if_fail (ARB_IS_WORKSPACE (self), NULL);
  return self->uuid;
}

int
arb_workspace_get_schema_version (ArbWorkspace *self)
{
  g_return_val_if_fail (ARB_IS_WORKSPACE (self), 0);
  return self->schema_version;
}

/* How many interrupted imports the last open removed. */
GStrv
arb_workspace_list_busy_statements (ArbWorkspace *self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  g_return_val_if_fail (ARB_IS_WORKSPACE (self), NULL);
  for (sqlite3_stmt *s = sqlite3_next_stmt (self->db, NULL); s != NULL;
       s = sqlite3_next_stmt (self->db, s))
    if (sqlite3_stmt_busy (s))
      g_strv_builder_add (b, sqlite3_sql (s));
  return g_strv_builder_end (b);
}

guint
arb_workspace_get_n_removed_imports (ArbWorkspace *self)
{
  g_return_val_if_fail (ARB_IS_WORKSPACE (self), 0);
  return self->n_removed_imports;
}

static gint64
count (ArbWorkspace *self,
       const char   *sql,
       GError      **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (self, sql, error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    _arb_set_sqlite_error (error, self->db, self->path);
  sqlite3_reset (stmt);
  return n;
}

/**
 * arb_workspace_get_counts:
 *
 * Counts what is visible: rows of finished imports and live rows; current verdicts, grades and
 * spans only.
 */
gboolean
arb_workspace_get_counts (ArbWorkspace *self,
                          ArbCounts    *out,
                          GError      **error)
{
  g_return_val_if_fail (ARB_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  /* One read transaction, so the counts are of one moment. */
  if (!_arb_workspace_exec (self, "BEGIN", error))
    return FALSE;
  if ((out->prompts = count (self, "SELECT count(*) FROM visible_prompts", error)) < 0 ||
      (out->generations = count (self, "SELECT count(*) FROM visible_generations", error)) < 0 ||
      (out->comparisons = count (self, "SELECT count(*) FROM visible_comparisons", error)) < 0 ||
      (out->systems = count (self, "SELECT count(*) FROM visible_systems", error)) < 0 ||
      (out->raters = count (self, "SELECT count(*) FROM visible_raters", error)) < 0 ||
      (out->verdicts = count (self, "SELECT count(*) FROM current_verdicts", error)) < 0 ||
      (out->grades = count (self, "SELECT count(*) FROM current_grades", error)) < 0 ||
      (out->spans = count (self, "SELECT count(*) FROM current_spans", error)) < 0)
    {
      _arb_workspace_exec (self, "ROLLBACK", NULL);
      return FALSE;
    }
  return _arb_workspace_exec (self, "COMMIT", error);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           i)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, i));
}

/**
 * arb_workspace_list_imports:
 *
 * Returns: (transfer full) (element-type ArbImportInfo): every import, oldest first
 */
GPtrArray *
arb_workspace_list_imports (ArbWorkspace *self,
                            GError      **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) arb_import_info_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (self,
                                 "SELECT id, uuid, name, format, state, started_at, error, "
                                 "n_records, n_skipped, n_prompts, n_generations, n_comparisons, "
                                 "n_verdicts FROM imports ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ArbImportInfo *info = g_new0 (ArbImportInfo, 1);

      info->id = sqlite3_column_int64 (stmt, 0);
      info->uuid = column_dup (stmt, 1);
      info->name = column_dup (stmt, 2);
      info->format = column_dup (stmt, 3);
      info->state = column_dup (stmt, 4);
      info->started_at = column_dup (stmt, 5);
      info->error = column_dup (stmt, 6);
      info->n_records = sqlite3_column_int64 (stmt, 7);
      info->n_skipped = sqlite3_column_int64 (stmt, 8);
      info->n_prompts = sqlite3_column_int64 (stmt, 9);
      info->n_generations = sqlite3_column_int64 (stmt, 10);
      info->n_comparisons = sqlite3_column_int64 (stmt, 11);
      info->n_verdicts = sqlite3_column_int64 (stmt, 12);
      g_ptr_array_add (list, info);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, self->db, self->path);
      return NULL;
    }
  return g_steal_pointer (&list);
}

static GStrv
list_names (ArbWorkspace *self,
            const char   *sql,
            GError      **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt = _arb_workspace_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, self->db, self->path);
      return NULL;
    }
  return g_strv_builder_end (builder);
}

/**
 * arb_workspace_list_systems:
 *
 * Returns: (transfer full): the names of the visible systems, sorted
 */
GStrv
arb_workspace_list_systems (ArbWorkspace *self,
                            GError      **error)
{
  return list_names (self, "SELECT name FROM visible_systems ORDER BY name", error);
}

/**
 * arb_workspace_list_raters:
 *
 * Returns: (transfer full): the names of the visible raters, sorted
 */
GStrv
arb_workspace_list_raters (ArbWorkspace *self,
                           GError      **error)
{
  return list_names (self, "SELECT name FROM visible_raters ORDER BY name", error);
}

void
arb_name_stats_free (ArbNameStats *stats)
{
  if (stats == NULL)
    return;
  g_free (stats->name);
  g_free (stats->kind);
  g_free (stats->origin);
  g_free (stats->role);
  g_free (stats);
}

/* Rows of (name, kind, origin, role, n_items, n_grades). */
static GPtrArray *
list_stats (ArbWorkspace *self,
            const char   *sql,
            GError      **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) arb_name_stats_free);
  sqlite3_stmt *stmt = _arb_workspace_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ArbNameStats *st = g_new0 (ArbNameStats, 1);

      st->name = column_dup (stmt, 0);
      st->kind = column_dup (stmt, 1);
      st->origin = column_dup (stmt, 2);
      st->role = column_dup (stmt, 3);
      st->n_items = sqlite3_column_int64 (stmt, 4);
      st->n_grades = sqlite3_column_int64 (stmt, 5);
      g_ptr_array_add (rows, st);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _arb_set_sqlite_error (error, self->db, self->path);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/**
 * arb_workspace_set_autocheckpoint:
 * @pages: checkpoint when the write-ahead log reaches this many pages; 0 never
 *
 * A connection that commits on a thread that must not wait (the GUI's) hands its checkpoints to
 * arb_workspace_checkpoint() on another thread.
 */
void
arb_workspace_set_autocheckpoint (ArbWorkspace *self,
                                  int           pages)
{
  g_return_if_fail (ARB_IS_WORKSPACE (self));
  sqlite3_wal_autocheckpoint (self->db, MAX (pages, 0));
}

/**
 * arb_workspace_checkpoint:
 *
 * Copies what the write-ahead log holds into the workspace file, on a connection of its own and
 * without waiting for readers or writers (a passive checkpoint). Meant for a worker thread.
 *
 * Returns: %FALSE on error
 */
gboolean
arb_workspace_checkpoint (const char  *path,
                          GError     **error)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE, "%s: checkpoint: %s", path,
                   db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      return FALSE;
    }
  sqlite3_close (db);
  return TRUE;
}

/**
 * arb_workspace_has_comparisons:
 *
 * Returns: whether there is at least one visible comparison (without counting them)
 */
gboolean
arb_workspace_has_comparisons (ArbWorkspace *self)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (self, "SELECT 1 FROM visible_comparisons LIMIT 1",
                                               NULL);
  gboolean any;

  if (stmt == NULL)
    return FALSE;
  any = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return any;
}

/**
 * arb_workspace_list_system_stats:
 *
 * Returns: (transfer full) (element-type ArbNameStats): the visible systems, sorted by name, with
 *   their visible generations (n_items) and the visible comparisons they take part in (n_grades)
 */
GPtrArray *
arb_workspace_list_system_stats (ArbWorkspace *self,
                                 GError      **error)
{
  return list_stats (self,
                     "SELECT s.name, NULL, NULL, NULL,"
                     " (SELECT count(*) FROM visible_generations g WHERE g.system_id = s.id),"
                     " (SELECT count(*) FROM visible_comparisons c"
                     "   WHERE c.a_id IN (SELECT id FROM generations WHERE system_id = s.id)"
                     "      OR c.b_id IN (SELECT id FROM generations WHERE system_id = s.id))"
                     " FROM visible_systems s ORDER BY s.name",
                     error);
}

/**
 * arb_workspace_list_rater_stats:
 *
 * Returns: (transfer full) (element-type ArbNameStats): the visible raters, sorted by name, with
 *   kind, origin, role, their current verdicts (n_items) and current grades (n_grades)
 */
GPtrArray *
arb_workspace_list_rater_stats (ArbWorkspace *self,
                                GError      **error)
{
  return list_stats (self,
                     "SELECT r.name, r.kind, r.origin, r.role,"
                     " (SELECT count(*) FROM current_verdicts v WHERE v.rater_id = r.id),"
                     " (SELECT count(*) FROM current_grades g WHERE g.rater_id = r.id)"
                     " FROM visible_raters r ORDER BY r.name",
                     error);
}

/**
 * arb_workspace_get_setting:
 *
 * Returns: (transfer full) (nullable): the value, or %NULL when unset
 */
char *
arb_workspace_get_setting (ArbWorkspace *self,
                           const char   *key)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (self, "SELECT value FROM settings WHERE key = ?",
                                               NULL);
  char *value = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = column_dup (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

gboolean
arb_workspace_set_setting (ArbWorkspace *self,
                           const char   *key,
                           const char   *value,
                           GError      **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (self,
                                               "INSERT INTO settings (key, value) VALUES (?, ?) "
                                               "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                               error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  return _arb_workspace_step_done (self, stmt, error);
}

static gboolean
valid_choice (const char *value,
              const char *const *choices)
{
  for (guint i = 0; choices[i] != NULL; i++)
    if (g_strcmp0 (value, choices[i]) == 0)
      return TRUE;
  return FALSE;
}

/**
 * arb_workspace_ensure_rater:
 * @name: the rater's unique name
 * @kind: `human`, `judge` or `reward_model`
 * @origin: `live` or `imported`
 * @role: `annotator`, `gold` or `adjudicator`
 *
 * Returns the id of the rater of that name, creating it (visible at once) when missing.
 *
 * Returns: the rater's id, or -1 on error
 */
gint64
arb_workspace_ensure_rater (ArbWorkspace *self,
                            const char   *name,
                            const char   *kind,
                            const char   *origin,
                            const char   *role,
                            GError      **error)
{
  static const char *const kinds[] = { "human", "judge", "reward_model", NULL };
  static const char *const origins[] = { "live", "imported", NULL };
  static const char *const roles[] = { "annotator", "gold", "adjudicator", NULL };
  sqlite3_stmt *stmt;
  g_autofree char *uuid = g_uuid_string_random ();
  gint64 id = -1;

  g_return_val_if_fail (ARB_IS_WORKSPACE (self), -1);

  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID, "a rater needs a name");
      return -1;
    }
  if (!valid_choice (kind, kinds) || !valid_choice (origin, origins) || !valid_choice (role, roles))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "rater %s: kind must be human, judge or reward_model; origin live or "
                   "imported; role annotator, gold or adjudicator", name);
      return -1;
    }

  stmt = _arb_workspace_prepare (self,
                                 "INSERT INTO raters (uuid, name, kind, origin, role) "
                                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, origin, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, role, -1, SQLITE_STATIC);
  if (!_arb_workspace_step_done (self, stmt, error))
    return -1;

  stmt = _arb_workspace_prepare (self, "SELECT id FROM raters WHERE name = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (id < 0)
    _arb_set_sqlite_error (error, self->db, self->path);
  return id;
}

/**
 * _arb_workspace_insert_verdict:
 * @out_replaced: (out) (optional): the id of the verdict this one supersedes, or -1
 *
 * Writes one live verdict, supersedes the rater's current one for the same comparison and order,
 * and logs the event (decide or change). The caller holds the transaction.
 *
 * Returns: the new verdict's id, or -1 on error
 */
gint64
_arb_workspace_insert_verdict (ArbWorkspace *self,
                               gint64        comparison_id,
                               gint64        rater_id,
                               double        preference,
                               int           strength,
                               const char   *presented,
                               const char   *rationale,
                               double        seconds,
                               gint64       *out_replaced,
                               GError      **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *event_uuid = g_uuid_string_random ();
  g_autofree char *now = _arb_now_iso8601 ();
  gint64 old_id = -1, new_id;

  stmt = _arb_workspace_prepare (self,
                                 "SELECT id FROM verdicts WHERE comparison_id = ? AND rater_id = ? "
                                 "AND ifnull (presented, '') = ifnull (?, '') AND sample = 0 "
                                 "AND superseded_by IS NULL", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, comparison_id);
  sqlite3_bind_int64 (stmt, 2, rater_id);
  sqlite3_bind_text (stmt, 3, presented, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    old_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  /* The old verdict steps aside first, since the natural key holds among current verdicts. */
  if (old_id >= 0)
    {
      stmt = _arb_workspace_prepare (self, "UPDATE verdicts SET superseded_by = -1 WHERE id = ?",
                                     error);
      if (stmt == NULL)
        return -1;
      sqlite3_bind_int64 (stmt, 1, old_id);
      if (!_arb_workspace_step_done (self, stmt, error))
        return -1;
    }

  stmt = _arb_workspace_prepare (self,
                                 "INSERT INTO verdicts (uuid, comparison_id, rater_id, preference, "
                                 "strength, presented, rationale, seconds, created_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, uuid, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, comparison_id);
  sqlite3_bind_int64 (stmt, 3, rater_id);
  sqlite3_bind_double (stmt, 4, preference);
  if (strength >= 0)
    sqlite3_bind_int (stmt, 5, strength);
  sqlite3_bind_text (stmt, 6, presented, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, rationale, -1, SQLITE_STATIC);
  if (seconds >= 0)
    sqlite3_bind_double (stmt, 8, seconds);
  sqlite3_bind_text (stmt, 9, now, -1, SQLITE_STATIC);
  if (!_arb_workspace_step_done (self, stmt, error))
    return -1;
  new_id = sqlite3_last_insert_rowid (self->db);

  if (old_id >= 0)
    {
      stmt = _arb_workspace_prepare (self, "UPDATE verdicts SET superseded_by = ? WHERE id = ?",
                                     error);
      if (stmt == NULL)
        return -1;
      sqlite3_bind_int64 (stmt, 1, new_id);
      sqlite3_bind_int64 (stmt, 2, old_id);
      if (!_arb_workspace_step_done (self, stmt, error))
        return -1;
    }

  stmt = _arb_workspace_prepare (self,
                                 "INSERT INTO events (uuid, rater_id, action, comparison_id, "
                                 "verdict_id, created_at) VALUES (?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, event_uuid, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, rater_id);
  sqlite3_bind_text (stmt, 3, old_id >= 0 ? "change" : "decide", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, comparison_id);
  sqlite3_bind_int64 (stmt, 5, new_id);
  sqlite3_bind_text (stmt, 6, now, -1, SQLITE_STATIC);
  if (!_arb_workspace_step_done (self, stmt, error))
    return -1;

  if (out_replaced != NULL)
    *out_replaced = old_id;
  return new_id;

}

/**
 * arb_workspace_record_verdict:
 * @comparison_id: the comparison
 * @rater_id: the (live) rater
 * @preference: how strongly B is preferred, in [0, 1]
 * @strength: 0 tie, 1 better, 2 much better, or -1 when continuous
 * @presented: (nullable): `ab` or `ba`, the order the rater saw
 * @rationale: (nullable): free text
 * @seconds: time spent, or a negative number when unknown
 *
 * Commits one human decision in its own transaction: the verdict, the event that logs it, and
 * the superseding of the verdict it replaces. When this returns, the decision is on disk.
 *
 * Returns: the new verdict's id, or -1 on error
 */
gint64
arb_workspace_record_verdict (ArbWorkspace *self,
                              gint64        comparison_id,
                              gint64        rater_id,
                              double        preference,
                              int           strength,
                              const char   *presented,
                              const char   *rationale,
                              double        seconds,
                              GError      **error)
{
  gint64 new_id;

  g_return_val_if_fail (ARB_IS_WORKSPACE (self), -1);

  if (!(preference >= 0.0 && preference <= 1.0) || strength > 2 ||
      (presented != NULL && g_strcmp0 (presented, "ab") != 0 && g_strcmp0 (presented, "ba") != 0))
    {
      g_set_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID,
                   "a verdict needs a preference in [0, 1], a strength of 0, 1 or 2, and "
                   "presented 'ab' or 'ba'");
      return -1;
    }

  if (!_arb_workspace_exec (self, "BEGIN IMMEDIATE", error))
    return -1;
  new_id = _arb_workspace_insert_verdict (self, comparison_id, rater_id, preference, strength,
                                          presented, rationale, seconds, NULL, error);
  if (new_id < 0)
    goto fail;
  if (!_arb_workspace_exec (self, "COMMIT", error))
    goto fail;
  return new_id;

fail:
  _arb_workspace_exec (self, "ROLLBACK", NULL);
  return -1;
}
