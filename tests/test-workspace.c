/* test-workspace.c: creating, opening, migrating a workspace; removing unfinished imports
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "arb-import.h"
#include "arb-workspace-private.h"
#include "arb-test-util.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  f->dir = arb_test_mkdtemp ();
  f->path = g_build_filename (f->dir, "ws.arbiter", NULL);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  arb_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static gint64
query_int64 (ArbWorkspace *ws,
             const char   *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (ws), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static char *
query_text (ArbWorkspace *ws,
            const char   *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *v = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (ws), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return v;
}

static void
test_create (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (f->path, &error);
  g_autofree char *mode = NULL;
  g_autofree char *uuid = NULL;
  ArbCounts c;
  static const char *const tables[] = {
    "imports", "systems", "prompts", "generations", "comparisons", "raters", "verdicts",
    "verdict_dimensions", "grades", "spans", "steps", "tokenizations", "calls", "assignments",
    "settings", "events", NULL
  };

  g_assert_no_error (error);
  g_assert_nonnull (ws);
  g_assert_cmpint (arb_workspace_get_schema_version (ws), ==, ARB_WORKSPACE_SCHEMA_VERSION);
  g_assert_cmpint (query_int64 (ws, "PRAGMA page_size"), ==, 16384);
  g_assert_cmpint (query_int64 (ws, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (query_int64 (ws, "PRAGMA user_version"), ==, ARB_WORKSPACE_SCHEMA_VERSION);
  mode = query_text (ws, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  for (guint i = 0; tables[i] != NULL; i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_schema WHERE "
                                              "type = 'table' AND name = '%s'", tables[i]);
      g_assert_cmpint (query_int64 (ws, sql), ==, 1);
    }
  g_assert_cmpint (query_int64 (ws, "SELECT count(*) FROM sqlite_schema WHERE type = 'view' "
                                    "AND name = 'current_verdicts'"), ==, 1);
  g_assert_true (arb_workspace_get_counts (ws, &c, &error));
  g_assert_cmpint (c.prompts + c.verdicts + c.spans, ==, 0);
  uuid = g_strdup (arb_workspace_get_uuid (ws));
  g_assert_true (g_uuid_string_is_valid (uuid));
  g_clear_object (&ws);

  /* Creating over an existing file is refused; opening keeps the identity. */
  g_assert_null (arb_workspace_create (f->path, &error));
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_EXISTS);
  g_clear_error (&error);
  ws = arb_workspace_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (arb_workspace_get_uuid (ws), ==, uuid);
}

static void
test_open_errors (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = arb_test_write_file (f->dir, "notes.arbiter", "hello, not SQLite\n", -1,
                                               FALSE);
  g_autofree char *other = g_build_filename (f->dir, "other.sqlite", NULL);
  sqlite3 *db = NULL;

  g_assert_null (arb_workspace_open (f->path, &error));
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, f->path));
  g_clear_error (&error);

  g_assert_null (arb_workspace_open (text, &error));
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_A_WORKSPACE);
  g_clear_error (&error);

  g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_null (arb_workspace_open (other, &error));
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_A_WORKSPACE);
  g_clear_error (&error);

  g_assert_null (arb_workspace_open (f->dir, &error));
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_NOT_A_WORKSPACE);
}

static void
import_sample (ArbWorkspace *ws,
               const char   *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = arb_test_write_file (dir, "s.jsonl",
    "{\"id\": \"q1\", \"prompt\": \"Say hi\", \"responses\": [{\"system\": \"x\", \"text\": \"hi\"}, "
    "{\"system\": \"y\", \"text\": \"hello\"}], \"verdicts\": [{\"rater\": \"ann\", "
    "\"winner\": \"b\"}]}\n", -1, FALSE);
  g_autoptr(ArbImportResult) result = arb_workspace_import_file (ws, path, NULL, NULL, NULL, NULL,
                                                                 &error);

  g_assert_no_error (error);
  g_assert_cmpint (result->verdicts, ==, 1);
}

static void
test_migration (Fixture      *f,
                gconstpointer data)
{
  /* A test-only version 3 that rebuilds a table, as a real migration that changes a column
   * would; the data must survive it. */
  static const ArbMigration v2[] = {
    { 3, "ALTER TABLE systems ADD COLUMN family TEXT;"
         "UPDATE systems SET family = 'test-' || name;"
         "CREATE TABLE systems_new (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, "
         "  name TEXT NOT NULL UNIQUE, metadata TEXT, family TEXT, import_id INTEGER);"
         "INSERT INTO systems_new SELECT id, uuid, name, metadata, family, import_id FROM systems;"
         "DROP VIEW visible_systems;"
         "DROP TABLE systems;"
         "ALTER TABLE systems_new RENAME TO systems;"
         "CREATE VIEW visible_systems AS SELECT * FROM systems WHERE import_id IS NULL OR "
         "  import_id IN (SELECT id FROM imports WHERE state = 'done');" },
  };
  static const ArbMigration v3_broken[] = {
    { 4, "ALTER TABLE systems ADD COLUMN family TEXT;" },  /* exists already: fails */
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (f->path, &error);
  ArbCounts before, after;
  g_autofree char *family = NULL;
  g_autofree char *verdict_rater = NULL;

  g_assert_no_error (error);
  import_sample (ws, f->dir);
  g_assert_true (arb_workspace_get_counts (ws, &before, &error));
  g_clear_object (&ws);

  ws = _arb_workspace_open_full (f->path, FALSE, v2, G_N_ELEMENTS (v2), &error);
  g_assert_no_error (error);
  g_assert_cmpint (arb_workspace_get_schema_version (ws), ==, 3);
  g_assert_cmpint (query_int64 (ws, "PRAGMA user_version"), ==, 3);
  g_assert_true (arb_workspace_get_counts (ws, &after, &error));
  g_assert_cmpmem (&before, sizeof before, &after, sizeof after);
  family = query_text (ws, "SELECT family FROM systems WHERE name = 'y'");
  g_assert_cmpstr (family, ==, "test-y");
  verdict_rater = query_text (ws, "SELECT r.name FROM current_verdicts v JOIN raters r "
                                  "ON r.id = v.rater_id");
  g_assert_cmpstr (verdict_rater, ==, "ann");
  g_assert_cmpint (query_int64 (ws, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
  g_assert_cmpint (query_int64 (ws, "PRAGMA foreign_keys"), ==, 1);
  g_clear_object (&ws);

  /* A failing migration changes nothing: the version stays 3. */
  {
    ArbMigration both[] = { v2[0], v3_broken[0] };

    g_assert_null (_arb_workspace_open_full (f->path, FALSE, both, 2, &error));
    g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE);
    g_assert_nonnull (strstr (error->message, "version 4"));
    g_clear_error (&error);
  }
  ws = _arb_workspace_open_full (f->path, FALSE, v2, G_N_ELEMENTS (v2), &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int64 (ws, "PRAGMA user_version"), ==, 3);
  g_clear_object (&ws);

  /* This build knows only up to version 2: a version 3 file is refused, not damaged. */
  g_assert_null (arb_workspace_open (f->path, &error));
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_TOO_NEW);
}

static void
test_unfinished_import (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (f->path, &error);
  ArbCounts before, c;
  sqlite3 *db;
  g_autofree char *state = NULL;

  g_assert_no_error (error);
  import_sample (ws, f->dir);
  g_assert_true (arb_workspace_get_counts (ws, &before, &error));

  /* What a killed import leaves: a 'running' import whose process is gone, with committed rows
   * (a new prompt with two generations, a comparison and a verdict, plus a verdict on an
   * existing comparison). */
  db = _arb_workspace_get_db (ws);
  {
    /* This host and boot, a process start time that no live process has. */
    g_autofree char *owner = _arb_process_owner ();
    g_auto(GStrv) parts = g_strsplit (owner, " ", 4);
    g_autofree char *sql = g_strdup_printf ("INSERT INTO imports (id, uuid, name, format, state, "
                                            "started_at, owner) VALUES (99, 'u99', 'dead.jsonl', "
                                            "'arbiter', 'running', 'now', '%s %s 4194305 1')",
                                            parts[0], parts[1]);

    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  }
  g_assert_cmpint (sqlite3_exec (db,
    "INSERT INTO systems (uuid, name, import_id) VALUES ('s-z', 'z', 99);"
    "INSERT INTO prompts (id, uuid, key, messages, import_id) VALUES (50, 'p50', 'k50', '[]', 99);"
    "INSERT INTO generations (id, uuid, prompt_id, system_id, text, text_hash, length, import_id)"
    "  VALUES (60, 'g60', 50, (SELECT id FROM systems WHERE name = 'z'), 'a', x'01', 1, 99),"
    "         (61, 'g61', 50, (SELECT id FROM systems WHERE name = 'x'), 'b', x'02', 1, 99);"
    "INSERT INTO comparisons (id, uuid, prompt_id, a_id, b_id, import_id) VALUES"
    "  (70, 'c70', 50, 60, 61, 99);"
    "INSERT INTO raters (uuid, name, kind, origin, import_id) VALUES ('r-d', 'dead', 'human',"
    "  'imported', 99);"
    "INSERT INTO verdicts (uuid, comparison_id, rater_id, preference, created_at, import_id) VALUES"
    "  ('v1', 70, (SELECT id FROM raters WHERE name = 'dead'), 1, 'now', 99),"
    "  ('v2', (SELECT min(id) FROM comparisons), (SELECT id FROM raters WHERE name = 'dead'), 0,"
    "   'now', 99);", NULL, NULL, NULL), ==, SQLITE_OK);

  /* Invisible while it runs. */
  g_assert_true (arb_workspace_get_counts (ws, &c, &error));
  g_assert_cmpmem (&before, sizeof before, &c, sizeof c);
  g_clear_object (&ws);

  ws = arb_workspace_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (arb_workspace_get_n_removed_imports (ws), ==, 1);
  g_assert_true (arb_workspace_get_counts (ws, &c, &error));
  g_assert_cmpmem (&before, sizeof before, &c, sizeof c);
  /* Gone from the tables, not just hidden. */
  g_assert_cmpint (query_int64 (ws, "SELECT count(*) FROM verdicts"), ==, before.verdicts);
  g_assert_cmpint (query_int64 (ws, "SELECT count(*) FROM prompts"), ==, before.prompts);
  g_assert_cmpint (query_int64 (ws, "SELECT count(*) FROM systems"), ==, before.systems);
  state = query_text (ws, "SELECT state FROM imports WHERE id = 99");
  g_assert_cmpstr (state, ==, "failed");
  g_clear_object (&ws);

  ws = arb_workspace_open (f->path, &error);
  g_assert_cmpuint (arb_workspace_get_n_removed_imports (ws), ==, 0);
}

static void
test_running_import_kept (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (f->path, &error);
  g_autofree char *owner = _arb_process_owner ();
  g_autofree char *sql = NULL;
  g_autofree char *state = NULL;

  /* An import that this (live) process runs is not removed by a second connection. */
  sql = g_strdup_printf ("INSERT INTO imports (id, uuid, name, format, state, started_at, owner) "
                         "VALUES (5, 'u5', 'live.jsonl', 'arbiter', 'running', 'now', '%s')", owner);
  g_assert_cmpint (sqlite3_exec (_arb_workspace_get_db (ws), sql, NULL, NULL, NULL), ==, SQLITE_OK);
  {
    g_autoptr(ArbWorkspace) second = arb_workspace_open (f->path, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (arb_workspace_get_n_removed_imports (second), ==, 0);
  }
  state = query_text (ws, "SELECT state FROM imports WHERE id = 5");
  g_assert_cmpstr (state, ==, "running");
  g_assert_true (_arb_process_owner_alive (owner));
  {
    /* Same host, a pid that does not run, or a start time that does not match: dead. */
    g_auto(GStrv) parts = g_strsplit (owner, " ", 4);
    /* No pid above the kernel's limit (4194304) ever runs. */
    g_autofree char *wrong_start = g_strdup_printf ("%s %s 4194305 %s", parts[0], parts[1],
                                                    parts[3]);
    g_autofree char *wrong_boot = g_strdup_printf ("%s nosuchboot %s %s", parts[0], parts[2],
                                                   parts[3]);

    g_assert_false (_arb_process_owner_alive (wrong_start));
    g_assert_false (_arb_process_owner_alive (wrong_boot));
    g_assert_false (_arb_process_owner_alive (NULL));
  }
}

static void
test_record_verdict (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (f->path, &error);
  gint64 rater, cmp, v1, v2;
  ArbCounts c;

  import_sample (ws, f->dir);
  rater = arb_workspace_ensure_rater (ws, "live-ann", "human", "live", "annotator", &error);
  g_assert_no_error (error);
  g_assert_cmpint (arb_workspace_ensure_rater (ws, "live-ann", "human", "live", "annotator",
                                               &error), ==, rater);
  g_assert_cmpint (arb_workspace_ensure_rater (ws, "x", "robot", "live", "annotator", &error), ==,
                   -1);
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID);
  g_clear_error (&error);

  cmp = query_int64 (ws, "SELECT id FROM comparisons");
  v1 = arb_workspace_record_verdict (ws, cmp, rater, 0.0, 2, "ba", NULL, 3.5, &error);
  g_assert_no_error (error);
  v2 = arb_workspace_record_verdict (ws, cmp, rater, 0.5, 0, "ba", "same to me", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (v2, >, v1);
  g_assert_true (arb_workspace_get_counts (ws, &c, &error));
  g_assert_cmpint (c.verdicts, ==, 2);  /* the imported one and the latest live one */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT superseded_by FROM verdicts WHERE id = %"
                                            G_GINT64_FORMAT, v1);
    g_assert_cmpint (query_int64 (ws, sql), ==, v2);
  }
  g_assert_cmpint (query_int64 (ws, "SELECT count(*) FROM events"), ==, 2);
  g_assert_cmpint (arb_workspace_record_verdict (ws, cmp, rater, 1.5, 1, "ab", NULL, -1, &error),
                   ==, -1);
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (arb_workspace_record_verdict (ws, 12345, rater, 1, 1, "ab", NULL, -1, &error),
                   ==, -1);
  g_assert_error (error, ARB_DB_ERROR, ARB_DB_ERROR_SQLITE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/arbiter/workspace/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("create", test_create);
  ADD ("open-errors", test_open_errors);
  ADD ("migration", test_migration);
  ADD ("unfinished-import", test_unfinished_import);
  ADD ("running-import-kept", test_running_import_kept);
  ADD ("record-verdict", test_record_verdict);
  return g_test_run ();
}
