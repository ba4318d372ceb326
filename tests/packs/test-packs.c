/* test-packs.c: label packs out to annotators and back: contents, what a pack hides, the round
 * trip of three annotators with overlap 2, conflicts, leases, and refused packs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "arb-import.h"
#include "arb-labels.h"
#include "arb-pack.h"
#include "arb-plan.h"
#include "arb-queue.h"
#include "../arb-test-util.h"
#include "arb-workspace-private.h"

#define N_REGULAR 12
#define N_GOLD    3

/* ---- helpers ------------------------------------------------------------------------- */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static char *
base_file (const char *dir)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (int i = 0; i < N_REGULAR + N_GOLD; i++)
    {
      g_string_append_printf (s, "{\"prompt\": \"question %d\", \"responses\": ["
                                 "{\"system\": \"sys-x\", \"text\": \"answer %d from x\"},"
                                 "{\"system\": \"sys-y\", \"text\": \"answer %d from y\"}]", i, i, i);
      /* The last prompts are gold items: a gold rater's verdict on them. */
      if (i >= N_REGULAR)
        g_string_append_printf (s, ", \"verdicts\": [{\"rater\": \"expert\", \"role\": \"gold\","
                                   " \"a\": 0, \"b\": 1, \"winner\": \"%s\"}]",
                                i % 2 ? "a" : "b");
      g_string_append (s, "}\n");
    }
  return arb_test_write_file (dir, "base.jsonl", s->str, s->len, FALSE);
}

/* A workspace of N_REGULAR + N_GOLD comparisons with the campaign's settings; closed again. */
static char *
make_workspace (const char *dir,
                const char *name,
                const char *overlap)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *file = base_file (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (path, &error);
  g_autoptr(ArbImportResult) r = NULL;
  ArbPlanOptions plan = { 0 };
  ArbPlanResult pr;

  g_assert_no_error (error);
  r = arb_workspace_import_file (ws, file, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (arb_workspace_plan (ws, &plan, &pr, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (arb_workspace_set_setting (ws, ARB_SETTING_OVERLAP, overlap, &error));
  g_assert_true (arb_workspace_set_setting (ws, ARB_SETTING_GOLD_RATE, "0.2", &error));
  g_assert_true (arb_workspace_set_setting (ws, ARB_SETTING_DIMENSIONS, "helpfulness", &error));
  g_assert_true (arb_workspace_set_setting (ws, ARB_SETTING_GUIDELINES, "# Be fair", &error));
  g_assert_true (arb_workspace_set_setting (ws, ARB_SETTING_SCALE, "3", &error));
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static sqlite3 *
open_db (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  return db;
}

static gint64
sql_int (const char *path,
         const char *sql)
{
  sqlite3 *db = open_db (path);
  sqlite3_stmt *stmt = NULL;
  gint64 v;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return v;
}

/* The rows of a query, each as "col|col|…", sorted and joined by newlines. */
static char *
sql_rows (const char *path,
          const char *sql)
{
  sqlite3 *db = open_db (path);
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      GString *row = g_string_new (NULL);

      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        g_string_append_printf (row, "%s%s", i ? "|" : "",
                                sqlite3_column_type (stmt, i) == SQLITE_NULL ? "NULL" :
                                (const char *) sqlite3_column_text (stmt, i));
      g_ptr_array_add (rows, g_string_free (row, FALSE));
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_ptr_array_sort (rows, compare_strings);
  for (guint i = 0; i < rows->len; i++)
    {
      g_string_append (out, rows->pdata[i]);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

static void
sql_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = open_db (path);
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  sqlite3_close (db);
}

/* Everything a merge could change in a workspace, as one string. */
static char *
fingerprint (const char *path)
{
  return sql_rows (path,
                   "SELECT 'v', uuid, ifnull (superseded_by, '-') FROM verdicts"
                   " UNION ALL SELECT 'd', verdict_id, dimension FROM verdict_dimensions"
                   " UNION ALL SELECT 'g', uuid, ifnull (superseded_by, '-') FROM grades"
                   " UNION ALL SELECT 's', uuid, ifnull (superseded_by, '-') FROM spans"
                   " UNION ALL SELECT 'e', uuid, '' FROM events"
                   " UNION ALL SELECT 'a', comparison_id || '/' || rater_id, state || lease_expires"
                   "   FROM assignments"
                   " UNION ALL SELECT 'k', key, value FROM settings");
}

static void
run_cli (ArbTestRun *run,
         int         expected,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  const char *a;

  va_start (ap, expected);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  arb_test_run_cliv (run, (const char * const *) args->pdata);
  if (run->status != expected)
    g_error ("exit %d, expected %d\nstdout: %s\nstderr: %s", run->status, expected, run->out,
             run->err);
}

static char *
pack_out (const char *ws,
          const char *rater,
          const char *count,
          const char *pack)
{
  g_auto(ArbTestRun) run = { 0 };

  run_cli (&run, 0, "pack", "out", ws, "--rater", rater, "--count", count, "-o", pack, NULL);
  g_assert_true (g_str_has_prefix (run.out, pack));
  return g_strdup (run.out);
}

/* A label of @rater on a comparison, from a hash: which side wins and which was shown first. */
static void
label_for (const char  *rater,
           const char  *comparison_uuid,
           const char  *salt,
           const char  *fixed_presented,
           const char **winner,
           const char **presented)
{
  g_autofree char *key = g_strconcat (rater, "/", comparison_uuid, "/", salt, NULL);
  guint h = g_str_hash (key);
  static const char *const winners[] = { "a", "b", "tie" };

  *winner = winners[h % 3];
  *presented = fixed_presented ? fixed_presented : (h >> 4) & 1 ? "ab" : "ba";
}

/* An `arbiter`-format file with @rater's verdicts on every comparison of the pack (or only the
 * first @limit), written from what the pack shows; shown in the order @presented, or in one
 * chosen by a hash when NULL. */
static char *
label_file (const char *dir,
            const char *pack,
            const char *rater,
            const char *salt,
            const char *presented_order,
            int         limit)
{
  g_autofree char *name = g_strdup_printf ("labels-%s-%s.jsonl", rater, salt);
  sqlite3 *db = open_db (pack);
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GString) s = g_string_new (NULL);
  int n = 0;

  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT c.uuid, p.messages, sa.name, ga.text, sb.name, gb.text"
                                       " FROM comparisons c JOIN prompts p ON p.id = c.prompt_id"
                                       " JOIN generations ga ON ga.id = c.a_id"
                                       " JOIN generations gb ON gb.id = c.b_id"
                                       " JOIN systems sa ON sa.id = ga.system_id"
                                       " JOIN systems sb ON sb.id = gb.system_id ORDER BY c.id",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW && (limit < 0 || n < limit))
    {
      json_object *rec = json_object_new_object ();
      json_object *responses = json_object_new_array ();
      json_object *verdicts = json_object_new_array ();
      json_object *v = json_object_new_object ();
      json_object *dims = json_object_new_object ();
      const char *winner, *presented;

      label_for (rater, (const char *) sqlite3_column_text (stmt, 0), salt, presented_order, &winner,
                 &presented);
      json_object_object_add (rec, "prompt",
                              json_tokener_parse ((const char *) sqlite3_column_text (stmt, 1)));
      for (int side = 0; side < 2; side++)
        {
          json_object *r = json_object_new_object ();

          json_object_object_add (r, "system", json_object_new_string (
                                    (const char *) sqlite3_column_text (stmt, 2 + 2 * side)));
          json_object_object_add (r, "text", json_object_new_string (
                                    (const char *) sqlite3_column_text (stmt, 3 + 2 * side)));
          json_object_array_add (responses, r);
        }
      json_object_object_add (rec, "responses", responses);
      json_object_object_add (v, "rater", json_object_new_string (rater));
      json_object_object_add (v, "a", json_object_new_int (0));
      json_object_object_add (v, "b", json_object_new_int (1));
      json_object_object_add (v, "winner", json_object_new_string (winner));
      json_object_object_add (v, "presented", json_object_new_string (presented));
      json_object_object_add (dims, "helpfulness", json_object_new_string (winner));
      json_object_object_add (v, "dimensions", dims);
      json_object_array_add (verdicts, v);
      json_object_object_add (rec, "verdicts", verdicts);
      g_string_append (s, json_object_to_json_string_ext (rec, JSON_C_TO_STRING_PLAIN));
      g_string_append_c (s, '\n');
      json_object_put (rec);
      n++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return arb_test_write_file (dir, name, s->str, s->len, FALSE);
}

static void
import_labels (const char *ws,
               const char *file)
{
  g_auto(ArbTestRun) run = { 0 };

  run_cli (&run, 0, "import", ws, file, NULL);
}

static char *
pack_in (const char *ws,
         const char *pack)
{
  g_auto(ArbTestRun) run = { 0 };

  run_cli (&run, 0, "pack", "in", ws, pack, NULL);
  return g_strdup (run.out);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GFile) a = g_file_new_for_path (from);
  g_autoptr(GFile) b = g_file_new_for_path (to);
  g_autoptr(GError) error = NULL;

  g_file_copy (a, b, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Current verdicts as (comparison uuid, rater, preference, presented). */
#define VERDICT_SET_SQL \
  "SELECT c.uuid, r.name, v.preference, ifnull (v.presented, '-') FROM current_verdicts v" \
  " JOIN comparisons c ON c.id = v.comparison_id JOIN raters r ON r.id = v.rater_id" \
  " WHERE r.role <> 'gold'"

/* ---- pack out ------------------------------------------------------------------------ */

/* What a pack holds is what the queue gives the annotator next, gold items mixed in, and
 * nothing of anybody's verdicts or of which items are gold. */
static void
test_out_contents (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = make_workspace (dir, "origin.arbiter", "2");
  g_autofree char *copy = g_build_filename (dir, "copy.arbiter", NULL);
  g_autofree char *pack = g_build_filename (dir, "alice.pack", NULL);
  g_autofree char *out = NULL;
  g_autofree char *queue_uuids = NULL, *pack_uuids = NULL, *leased = NULL, *expires = NULL;
  g_autofree char *settings = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gint64 golds = 0;

  /* What the queue would give alice next, asked in a copy of the workspace, decided one by one. */
  copy_file (ws, copy);
  {
    g_autoptr(ArbWorkspace) w = arb_workspace_open (copy, &error);
    g_autoptr(ArbQueue) q = NULL;

    g_assert_no_error (error);
    q = arb_queue_new (w, "alice", &error);
    g_assert_no_error (error);
    for (int i = 0; i < 6; i++)
      {
        ArbQueueItem item;
        sqlite3_stmt *stmt;

        g_assert_true (arb_queue_next (q, &item, &error));
        g_assert_cmpint (item.comparison_id, >, 0);
        golds += item.gold;
        stmt = _arb_workspace_prepare (w, "SELECT uuid FROM comparisons WHERE id = ?", &error);
        sqlite3_bind_int64 (stmt, 1, item.comparison_id);
        g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
        g_ptr_array_add (uuids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
        sqlite3_reset (stmt);
        g_assert_cmpint (arb_queue_decide (q, item.comparison_id, item.presented, 1, NULL, NULL, 1,
                                           &error), >, 0);
      }
  }
  g_ptr_array_sort (uuids, compare_strings);
  for (guint i = 0; i < uuids->len; i++)
    g_string_append_printf (expected, "%s\n", (char *) uuids->pdata[i]);
  /* At a gold rate of 0.2, the first and the sixth item are gold. */
  g_assert_cmpint (golds, ==, 2);

  out = pack_out (ws, "alice", "6", pack);
  g_assert_nonnull (strstr (out, "a pack of 6 comparisons (2 gold) for alice"));
  pack_uuids = sql_rows (pack, "SELECT uuid FROM comparisons");
  g_assert_cmpstr (pack_uuids, ==, expected->str);

  /* The prompts, generations and systems they need, and nothing else. */
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM prompts"), ==, 6);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM generations"), ==, 12);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM systems"), ==, 2);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM comparisons c JOIN generations a"
                                  " ON a.id = c.a_id JOIN generations b ON b.id = c.b_id"
                                  " WHERE a.prompt_id = c.prompt_id AND b.prompt_id = c.prompt_id"),
                   ==, 6);
  g_assert_cmpint (sql_int (pack, "PRAGMA application_id"), ==, 0x41524249);
  /* Hidden: no verdict of anybody, no gold rater, no assignment (which would carry the gold
   * flag), no record of other packs, no external ids. */
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM verdicts"), ==, 0);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM verdict_dimensions"), ==, 0);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM grades"), ==, 0);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM spans"), ==, 0);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM events"), ==, 0);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM assignments"), ==, 0);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM calls"), ==, 0);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM prompt_ids"), ==, 0);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM comparison_ids"), ==, 0);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM imports"), ==, 0);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM raters"), ==, 1);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM raters WHERE name = 'alice'"
                                  " AND kind = 'human' AND origin = 'live' AND role = 'annotator'"),
                   ==, 1);
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM settings WHERE key LIKE 'packs.%'"
                                  " OR value LIKE '%expert%' OR value LIKE '%gold\"%'"), ==, 0);
  /* The ids are dense and start at 1: no gap or range of the origin shows through. */
  g_assert_cmpint (sql_int (pack, "SELECT max (id) FROM comparisons"), ==, 6);
  g_assert_cmpint (sql_int (pack, "SELECT max (id) FROM prompts"), ==, 6);

  /* The settings, and the marker. */
  settings = sql_rows (pack, "SELECT key, value FROM settings WHERE key NOT LIKE 'workspace.%'"
                             " AND key NOT IN ('pack.uuid', 'pack.origin', 'pack.rater_uuid',"
                             " 'pack.created_at', 'pack.expires')");
  g_assert_cmpstr (settings, ==,
                   "dimensions|helpfulness\ngold_rate|0.2\nguidelines|# Be fair\noverlap|2\n"
                   "pack.origin_name|origin.arbiter\npack.rater|alice\nscale|3\n");
  g_assert_cmpint (sql_int (pack, "SELECT count(*) FROM settings s, settings w"
                                  " WHERE s.key = 'pack.uuid' AND w.key = 'workspace.uuid'"
                                  " AND s.value = w.value"), ==, 1);
  {
    g_autofree char *origin_uuid = sql_rows (ws, "SELECT value FROM settings"
                                                 " WHERE key = 'workspace.uuid'");
    g_autofree char *marker = sql_rows (pack, "SELECT value FROM settings"
                                              " WHERE key = 'pack.origin'");
    g_autofree char *rater_uuid = sql_rows (ws, "SELECT uuid FROM raters WHERE name = 'alice'");
    g_autofree char *rater_marker = sql_rows (pack, "SELECT value FROM settings"
                                                    " WHERE key = 'pack.rater_uuid'");

    g_assert_cmpstr (marker, ==, origin_uuid);
    g_assert_cmpstr (rater_marker, ==, rater_uuid);
  }

  /* In the origin: the six leased to alice until the pack's expiry, about 14 days on. */
  expires = sql_rows (pack, "SELECT value FROM settings WHERE key = 'pack.expires'");
  leased = sql_rows (ws, "SELECT c.uuid FROM assignments a JOIN comparisons c"
                         " ON c.id = a.comparison_id JOIN raters r ON r.id = a.rater_id"
                         " WHERE r.name = 'alice' AND a.state = 'leased'");
  g_assert_cmpstr (leased, ==, expected->str);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM assignments WHERE"
                                            " lease_expires || char (10) = '%s'", expires);
    g_autoptr(GDateTime) t = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    g_assert_cmpint (sql_int (ws, sql), ==, 6);
    g_strstrip (expires);
    t = g_date_time_new_from_iso8601 (expires, NULL);
    g_assert_nonnull (t);
    g_assert_cmpfloat (fabs (g_date_time_difference (t, now) / 1e6 - 14 * 86400.0), <, 60);
  }
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM assignments WHERE gold = 1"), ==, 2);
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM settings WHERE key LIKE 'packs.%'"), ==, 1);

  /* A second pack for alice while the first is out holds other items, and the gold share goes on. */
  {
    g_autofree char *pack2 = g_build_filename (dir, "alice2.pack", NULL);
    g_autofree char *out2 = pack_out (ws, "alice", "5", pack2);
    g_autofree char *both = NULL;

    g_assert_nonnull (strstr (out2, "a pack of 5 comparisons (1 gold) for alice"));
    g_assert_cmpint (sql_int (pack2, "SELECT count(*) FROM comparisons"), ==, 5);
    both = g_strdup_printf ("ATTACH '%s' AS other", pack);
    {
      sqlite3 *db = open_db (pack2);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_exec (db, both, NULL, NULL, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM comparisons WHERE uuid IN"
                                               " (SELECT uuid FROM other.comparisons)", -1, &stmt,
                                           NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
      sqlite3_finalize (stmt);
      sqlite3_close (db);
    }
  }
  /* --days sets the lifetime. */
  {
    g_autofree char *pack3 = g_build_filename (dir, "bob.pack", NULL);
    g_auto(ArbTestRun) run = { 0 };
    g_autofree char *e3 = NULL;
    g_autoptr(GDateTime) t = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    run_cli (&run, 0, "pack", "out", ws, "--rater", "bob", "--count", "2", "--days", "3", "-o",
             pack3, NULL);
    e3 = sql_rows (pack3, "SELECT value FROM settings WHERE key = 'pack.expires'");
    g_strstrip (e3);
    t = g_date_time_new_from_iso8601 (e3, NULL);
    g_assert_cmpfloat (fabs (g_date_time_difference (t, now) / 1e6 - 3 * 86400.0), <, 60);
  }
  arb_test_rmdir (dir);
}

/* ---- the round trip ------------------------------------------------------------------ */

static void
shuffle (const char **items,
         int          n)
{
  for (int i = n - 1; i > 0; i--)
    {
      int j = g_test_rand_int_range (0, i + 1);
      const char *t = items[i];

      items[i] = items[j];
      items[j] = t;
    }
}

/* Three annotators, overlap 2: packs out, labelled by importing verdicts into each pack, merged
 * back in random order, twice; the origin holds exactly the union, the same in any order, and
 * agreement is that of the same labels made in one workspace. */
static void
test_round_trip (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = make_workspace (dir, "origin.arbiter", "2");
  g_autofree char *ref = make_workspace (dir, "reference.arbiter", "2");
  g_autofree char *ws2 = g_build_filename (dir, "origin-2.arbiter", NULL);
  const char *raters[] = { "ann1", "ann2", "ann3" };
  char *packs[3], *files[3];
  const char *order[3];
  g_autoptr(GString) union_set = g_string_new (NULL);
  g_autoptr(GPtrArray) union_rows = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *merged = NULL, *merged2 = NULL, *fp = NULL, *fp_again = NULL;
  gint64 regular_labels = 0;

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.pack", raters[i]);
      g_autofree char *out = NULL;

      packs[i] = g_build_filename (dir, name, NULL);
      out = pack_out (ws, raters[i], "10", packs[i]);
      g_test_message ("%s", out);
      g_assert_cmpint (sql_int (packs[i], "SELECT count(*) FROM comparisons"), ==, 10);
    }
  /* The overlap is met exactly: every regular comparison is in two packs, each gold item in
   * every pack that has room for gold (two per pack at rate 0.2). */
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM (SELECT comparison_id FROM assignments"
                                " WHERE gold = 0 GROUP BY comparison_id HAVING count(*) = 2)"),
                   ==, N_REGULAR);
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM assignments WHERE gold = 1"), ==, 6);
  copy_file (ws, ws2);

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *rows = NULL;
      g_auto(GStrv) lines = NULL;

      files[i] = label_file (dir, packs[i], raters[i], "s", NULL, -1);
      import_labels (packs[i], files[i]);
      /* The import found the pack's comparisons: it added verdicts, nothing else. */
      g_assert_cmpint (sql_int (packs[i], "SELECT count(*) FROM comparisons"), ==, 10);
      g_assert_cmpint (sql_int (packs[i], "SELECT count(*) FROM current_verdicts"), ==, 10);
      rows = sql_rows (packs[i], VERDICT_SET_SQL);
      lines = g_strsplit (rows, "\n", -1);
      for (guint j = 0; lines[j] != NULL; j++)
        if (*lines[j] != '\0')
          g_ptr_array_add (union_rows, g_strdup_printf ("%s\n", lines[j]));
      /* The same labels, made in one workspace. */
      import_labels (ref, files[i]);
    }
  g_ptr_array_sort (union_rows, compare_strings);
  for (guint i = 0; i < union_rows->len; i++)
    g_string_append (union_set, union_rows->pdata[i]);
  g_assert_cmpint (union_rows->len, ==, 30);

  for (int round = 0; round < 2; round++)
    {
      for (int i = 0; i < 3; i++)
        order[i] = packs[i];
      shuffle (order, 3);
      for (int i = 0; i < 3; i++)
        {
          g_autofree char *out = pack_in (ws, order[i]);

          g_test_message ("round %d: %s", round, out);
          if (round == 0)
            g_assert_nonnull (strstr (out, "added 10 verdicts (10 dimensions), 0 grades, 0 spans,"
                                           " 0 events; 0 verdicts were already present; 0 older"
                                           " labels superseded by later ones; 10 leases done,"
                                           " 0 released"));
          else
            g_assert_nonnull (strstr (out, "added 0 verdicts (0 dimensions), 0 grades, 0 spans,"
                                           " 0 events; 10 verdicts were already present; 0 older"
                                           " labels superseded by later ones; 0 leases done,"
                                           " 0 released"));
        }
      merged = (g_free (merged), sql_rows (ws, VERDICT_SET_SQL));
      g_assert_cmpstr (merged, ==, union_set->str);
      if (round == 0)
        fp = fingerprint (ws);
      else
        {
          fp_again = fingerprint (ws);
          g_assert_cmpstr (fp_again, ==, fp);
        }
    }
  /* Another order into a copy: the same verdicts. */
  for (int i = 0; i < 3; i++)
    order[i] = packs[2 - i];
  for (int i = 0; i < 3; i++)
    g_free (pack_in (ws2, order[i]));
  merged2 = sql_rows (ws2, VERDICT_SET_SQL);
  g_assert_cmpstr (merged2, ==, union_set->str);

  /* Every lease of the packs is done; each regular comparison has two labels. */
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM assignments WHERE state = 'done'"), ==, 30);
  regular_labels = sql_int (ws, "SELECT count(*) FROM current_verdicts v JOIN raters r"
                                " ON r.id = v.rater_id WHERE r.role = 'annotator'"
                                " AND v.comparison_id NOT IN (SELECT comparison_id FROM"
                                " current_verdicts g JOIN raters gr ON gr.id = g.rater_id"
                                " WHERE gr.role = 'gold')");
  g_assert_cmpint (regular_labels, ==, 2 * N_REGULAR);
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM verdict_dimensions"), ==, 30);
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM raters WHERE origin = 'live'"), ==, 3);

  /* Agreement as in one workspace. */
  {
    g_auto(ArbTestRun) a = { 0 };
    g_auto(ArbTestRun) b = { 0 };

    run_cli (&a, 0, "agreement", ws, "--format", "json", NULL);
    run_cli (&b, 0, "agreement", ref, "--format", "json", NULL);
    g_assert_nonnull (strstr (a.out, "\"gold\":\"expert\""));
    g_assert_nonnull (strstr (a.out, "\"rater\":\"ann3\""));
    g_assert_cmpstr (a.out, ==, b.out);
  }

  for (int i = 0; i < 3; i++)
    {
      g_free (packs[i]);
      g_free (files[i]);
    }
  arb_test_rmdir (dir);
}

/* ---- conflicts and leases ------------------------------------------------------------ */

/* The same items in two packs of one annotator (the first pack's lease ran out) and labelled in
 * the origin too: all kept, the latest current, whatever the order. */
static void
test_conflicts (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = make_workspace (dir, "origin.arbiter", "1");
  g_autofree char *ws2 = g_build_filename (dir, "origin-2.arbiter", NULL);
  g_autofree char *p1 = g_build_filename (dir, "one.pack", NULL);
  g_autofree char *p2 = g_build_filename (dir, "two.pack", NULL);
  g_autofree char *f1 = NULL, *f2 = NULL, *out = NULL, *set1 = NULL, *set2 = NULL, *in2 = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  ArbPackOutResult r1, r2;

  sql_exec (ws, "UPDATE settings SET value = '0' WHERE key = 'gold_rate'");
  {
    g_autoptr(ArbWorkspace) w = arb_workspace_open (ws, &error);

    g_assert_no_error (error);
    /* A one-second lease, so that the next pack gets the same items again. */
    g_assert_true (arb_workspace_pack_out (w, "alice", 4, 1, p1, &r1, &error));
    g_assert_no_error (error);
    g_assert_cmpint (r1.comparisons, ==, 4);
    g_assert_cmpint (r1.gold, ==, 0);
    g_usleep (1200 * 1000);
    g_assert_true (arb_workspace_pack_out (w, "alice", 4, 0, p2, &r2, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (r1.uuid, !=, r2.uuid);
    {
      g_autoptr(GPtrArray) packs = arb_workspace_list_packs (w, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (packs->len, ==, 2);
      g_assert_cmpstr (((ArbPackInfo *) packs->pdata[0])->uuid, ==, r1.uuid);
      g_assert_cmpstr (((ArbPackInfo *) packs->pdata[0])->state, ==, "expired");
      g_assert_cmpstr (((ArbPackInfo *) packs->pdata[1])->state, ==, "out");
    }
  }
  {
    g_autofree char *c1 = sql_rows (p1, "SELECT uuid FROM comparisons");
    g_autofree char *c2 = sql_rows (p2, "SELECT uuid FROM comparisons");

    g_assert_cmpstr (c1, ==, c2);
  }

  /* alice labels the first item in the origin, then in pack one, then in pack two. */
  {
    g_autoptr(ArbWorkspace) w = arb_workspace_open (ws, &error);
    g_autoptr(ArbQueue) q = arb_queue_new (w, "alice", &error);
    ArbQueueItem item;

    g_assert_no_error (error);
    g_assert_true (arb_queue_next (q, &item, &error));
    g_assert_cmpint (arb_queue_decide (q, item.comparison_id, "ab", -1, NULL, NULL, 2, &error),
                     >, 0);
    g_assert_no_error (error);
  }
  copy_file (ws, ws2);
  f1 = label_file (dir, p1, "alice", "first", "ab", -1);
  import_labels (p1, f1);
  g_usleep (20 * 1000);
  f2 = label_file (dir, p2, "alice", "second", "ab", -1);
  import_labels (p2, f2);
  expected = sql_rows (p2, VERDICT_SET_SQL);

  out = pack_in (ws, p1);
  g_assert_nonnull (strstr (out, "added 4 verdicts"));
  g_assert_nonnull (strstr (out, "1 older labels superseded by later ones"));
  in2 = pack_in (ws, p2);
  g_assert_nonnull (strstr (in2, "added 4 verdicts"));
  g_free (pack_in (ws2, p2));
  g_free (pack_in (ws2, p1));
  g_free (pack_in (ws2, p2));
  g_free (pack_in (ws, p1));

  /* The latest, pack two's, are current in both orders; nothing is lost. */
  set1 = sql_rows (ws, VERDICT_SET_SQL);
  set2 = sql_rows (ws2, VERDICT_SET_SQL);
  g_assert_cmpstr (set1, ==, expected);
  g_assert_cmpstr (set2, ==, expected);
  for (int i = 0; i < 2; i++)
    {
      const char *w = i ? ws2 : ws;

      /* Pack two's verdicts are the current ones, unique per key; the others are history. */
      g_assert_cmpint (sql_int (w, "SELECT count(*) FROM verdicts v JOIN raters r"
                                   " ON r.id = v.rater_id WHERE r.name = 'alice'"), ==, 9);
      g_assert_cmpint (sql_int (w, "SELECT count(*) FROM current_verdicts v JOIN raters r"
                                   " ON r.id = v.rater_id WHERE r.name = 'alice'"), ==, 4);
      g_assert_cmpint (sql_int (w, "SELECT count(*) FROM (SELECT 1 FROM current_verdicts"
                                   " GROUP BY comparison_id, rater_id, ifnull (presented, ''),"
                                   " sample HAVING count(*) > 1)"), ==, 0);
      g_assert_cmpint (sql_int (w, "SELECT count(*) FROM verdicts WHERE superseded_by IS NOT NULL"
                                   " AND superseded_by NOT IN (SELECT id FROM verdicts)"), ==, 0);
      g_assert_cmpint (sql_int (w, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
    }

  /* Pack two's labels undone in the pack (as an undo leaves them: superseded by themselves) and
   * merged again: pack one's, which they had beaten, are current again, in both orders. */
  {
    g_autofree char *first = sql_rows (p1, VERDICT_SET_SQL);
    g_autofree char *again = NULL, *again2 = NULL;

    sql_exec (p2, "UPDATE verdicts SET superseded_by = id");
    g_free (pack_in (ws, p2));
    g_free (pack_in (ws2, p2));
    again = sql_rows (ws, VERDICT_SET_SQL);
    again2 = sql_rows (ws2, VERDICT_SET_SQL);
    g_assert_cmpstr (again, ==, first);
    g_assert_cmpstr (again2, ==, first);
    g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM verdicts WHERE superseded_by = id"), ==, 4);
  }
  arb_test_rmdir (dir);
}

/* A pack labelled in part: its decided items are done, the others go back to the pool, where
 * another annotator's queue finds them. */
static void
test_leases (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = make_workspace (dir, "origin.arbiter", "1");
  g_autofree char *pa = g_build_filename (dir, "a.pack", NULL);
  g_autofree char *pb = g_build_filename (dir, "b.pack", NULL);
  g_autofree char *f = NULL, *out = NULL, *out_b = NULL;
  g_auto(ArbTestRun) run = { 0 };

  sql_exec (ws, "UPDATE settings SET value = '0' WHERE key = 'gold_rate'");
  g_free (pack_out (ws, "alice", "8", pa));
  /* Overlap 1: what is in alice's pack is nobody else's while it is out. */
  out_b = pack_out (ws, "bob", "100", pb);
  g_assert_nonnull (strstr (out_b, "a pack of 4 comparisons"));
  g_assert_nonnull (strstr (out_b, "(0 gold)"));
  g_assert_cmpint (sql_int (pb, "SELECT count(*) FROM comparisons"), ==, N_REGULAR - 8);
  f = label_file (dir, pa, "alice", "s", NULL, 3);
  import_labels (pa, f);
  out = pack_in (ws, pa);
  g_assert_nonnull (strstr (out, "added 3 verdicts"));
  g_assert_nonnull (strstr (out, "3 leases done, 5 released"));
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM assignments a JOIN raters r"
                                " ON r.id = a.rater_id WHERE r.name = 'alice'"
                                " AND state = 'done'"), ==, 3);
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM assignments a JOIN raters r"
                                " ON r.id = a.rater_id WHERE r.name = 'alice' AND state = 'leased'"
                                " AND lease_expires > strftime ('%Y-%m-%dT%H:%M:%fZ', 'now')"),
                   ==, 0);
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM settings WHERE key LIKE 'packs.%'"
                                " AND value LIKE '%\"state\":\"merged\"%'"), ==, 1);
  /* The records, for an overview of packs out. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ArbWorkspace) w = arb_workspace_open (ws, &error);
    g_autoptr(GPtrArray) packs = arb_workspace_list_packs (w, &error);
    ArbPackInfo *a, *b;

    g_assert_no_error (error);
    g_assert_cmpuint (packs->len, ==, 2);
    a = g_ptr_array_index (packs, 0);
    b = g_ptr_array_index (packs, 1);
    g_assert_cmpstr (a->rater, ==, "alice");
    g_assert_cmpstr (a->state, ==, "merged");
    g_assert_nonnull (a->merged_at);
    g_assert_cmpstr (a->file, ==, "a.pack");
    g_assert_cmpint (a->n_comparisons, ==, 8);
    g_assert_cmpstr (b->rater, ==, "bob");
    g_assert_cmpstr (b->state, ==, "out");
    g_assert_null (b->merged_at);
    g_assert_cmpint (b->n_comparisons, ==, 4);
    g_assert_cmpstr (a->created_at, <=, b->created_at);
  }
  /* The five released items are carol's to have now. */
  {
    g_autofree char *pc = g_build_filename (dir, "c.pack", NULL);
    g_autofree char *out_c = pack_out (ws, "carol", "100", pc);

    g_assert_nonnull (strstr (out_c, "a pack of 5 comparisons"));
  }
  /* Nothing is left for dave: an error, no pack. */
  {
    g_autofree char *pd = g_build_filename (dir, "d.pack", NULL);

    run_cli (&run, 1, "pack", "out", ws, "--rater", "dave", "-o", pd, NULL);
    g_assert_nonnull (strstr (run.err, "the queue has nothing left for dave"));
    g_assert_false (g_file_test (pd, G_FILE_TEST_EXISTS));
  }
  arb_test_rmdir (dir);
}

/* ---- refused packs ------------------------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *sql;        /* run on a copy of the labelled pack; NULL: truncate to half */
  const char *message;
} Damage;

static void
test_refused (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = make_workspace (dir, "origin.arbiter", "2");
  g_autofree char *other = make_workspace (dir, "other.arbiter", "2");
  g_autofree char *pack = g_build_filename (dir, "alice.pack", NULL);
  g_autofree char *foreign = g_build_filename (dir, "foreign.pack", NULL);
  g_autofree char *f = NULL, *before = NULL;
  static const Damage damages[] = {
    { "truncated", NULL, "the pack is damaged" },
    { "unknown-comparison",
      "UPDATE comparisons SET uuid = 'aaaaaaaa-0000-4000-8000-000000000000' WHERE id ="
      " (SELECT comparison_id FROM verdicts LIMIT 1)",
      "verdicts are on comparisons that are not in the workspace" },
    { "dangling-comparison",
      "UPDATE verdicts SET comparison_id = 999 WHERE id = (SELECT min (id) FROM verdicts)",
      "points at a row of comparisons that does not exist" },
    { "other-origin", "UPDATE settings SET value = 'bbbbbbbb-0000-4000-8000-000000000000'"
      " WHERE key = 'pack.origin'", "is a pack of workspace bbbbbbbb-0000-4000-8000-000000000000" },
    { "other-uuid", "UPDATE settings SET value = 'cccccccc-0000-4000-8000-000000000000'"
      " WHERE key = 'pack.uuid'", "never handed out a pack cccccccc-0000-4000-8000-000000000000" },
    { "no-marker", "DELETE FROM settings WHERE key LIKE 'pack.%'", "not a label pack" },
    { "other-rater",
      "INSERT INTO raters (uuid, name, kind, origin, role) VALUES"
      " ('dddddddd-0000-4000-8000-000000000000', 'expert', 'human', 'imported', 'gold');"
      "UPDATE verdicts SET rater_id = (SELECT id FROM raters WHERE name = 'expert')"
      " WHERE id = (SELECT min (id) FROM verdicts)",
      "verdicts are by another rater than the pack's annotator (e.g. expert)" },
    { "not-handed-out",
      "UPDATE comparisons SET uuid = (SELECT value FROM settings WHERE key = 'test.spare')"
      " WHERE id = (SELECT comparison_id FROM verdicts LIMIT 1)",
      "verdicts are on comparisons that were not handed out in this pack" },
  };

  g_free (pack_out (ws, "alice", "5", pack));
  f = label_file (dir, pack, "alice", "s", NULL, -1);
  import_labels (pack, f);
  {
    /* A comparison of the origin that is not in the pack, for "not-handed-out". */
    g_autofree char *spare = sql_rows (ws, "SELECT uuid FROM comparisons WHERE id NOT IN"
                                           " (SELECT comparison_id FROM assignments) LIMIT 1");
    g_autofree char *sql = NULL;

    g_strstrip (spare);
    sql = g_strdup_printf ("INSERT INTO settings VALUES ('test.spare', '%s')", spare);
    sql_exec (pack, sql);
  }
  before = fingerprint (ws);

  for (guint i = 0; i < G_N_ELEMENTS (damages); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.pack", damages[i].name);
      g_autofree char *bad = g_build_filename (dir, name, NULL);
      g_autofree char *after = NULL;
      g_auto(ArbTestRun) run = { 0 };

      copy_file (pack, bad);
      if (damages[i].sql == NULL)
        {
          GStatBuf st;

          g_assert_cmpint (g_stat (bad, &st), ==, 0);
          g_assert_cmpint (truncate (bad, st.st_size / 2), ==, 0);
        }
      else
        sql_exec (bad, damages[i].sql);
      run_cli (&run, 1, "pack", "in", ws, bad, NULL);
      g_test_message ("%s: %s", damages[i].name, run.err);
      g_assert_nonnull (strstr (run.err, damages[i].message));
      if (damages[i].sql != NULL || strstr (run.err, "nothing was merged") != NULL)
        g_assert_nonnull (strstr (run.err, "nothing was merged"));
      g_assert_cmpstr (run.out, ==, "");
      after = fingerprint (ws);
      g_assert_cmpstr (after, ==, before);
    }

  /* A pack of another workspace. */
  g_free (pack_out (other, "alice", "3", foreign));
  {
    g_auto(ArbTestRun) run = { 0 };
    g_autofree char *after = NULL;
    g_autofree char *other_uuid = sql_rows (other, "SELECT value FROM settings WHERE key ="
                                                   " 'workspace.uuid'");
    g_autofree char *expected = NULL;

    g_strstrip (other_uuid);
    expected = g_strdup_printf ("%s is a pack of workspace %s (other.arbiter), not of %s", foreign,
                                other_uuid, ws);
    run_cli (&run, 1, "pack", "in", ws, foreign, NULL);
    g_assert_nonnull (strstr (run.err, expected));
    after = fingerprint (ws);
    g_assert_cmpstr (after, ==, before);
  }
  /* Not a workspace at all, and a missing file. */
  {
    g_autofree char *junk = arb_test_write_file (dir, "junk.pack", "hello, world\n", -1, FALSE);
    g_autofree char *missing = g_build_filename (dir, "missing.pack", NULL);
    g_auto(ArbTestRun) run = { 0 };

    run_cli (&run, 1, "pack", "in", ws, junk, NULL);
    g_assert_nonnull (strstr (run.err, "not an Arbiter pack"));
    run_cli (&run, 1, "pack", "in", ws, missing, NULL);
    g_assert_nonnull (strstr (run.err, "no such pack"));
  }
  /* The undamaged pack still merges. */
  {
    g_autofree char *out = pack_in (ws, pack);

    g_assert_nonnull (strstr (out, "added 5 verdicts"));
  }
  arb_test_rmdir (dir);
}

/* ---- history: labelled at the screen, in the pack ------------------------------------- */

static gint64
comparison_at (ArbWorkspace *ws,
               gint64        id,
               char        **out_uuid)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (ws, "SELECT uuid FROM comparisons WHERE id = ?",
                                               NULL);

  sqlite3_bind_int64 (stmt, 1, id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  *out_uuid = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return id;
}

/* Decisions, changes, undo, flags, skips, spans and a grade made in the pack come back with
 * their history: supersession links, events and their undo references mapped to the origin's
 * rows; labelling on after a merge and merging again follows the pack's history. */
static void
test_history (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = make_workspace (dir, "origin.arbiter", "1");
  g_autofree char *pack = g_build_filename (dir, "alice.pack", NULL);
  g_autofree char *out = NULL, *pack_current = NULL, *origin_current = NULL;
  g_autofree char *uuid1 = NULL, *uuid2 = NULL;
  g_autoptr(GError) error = NULL;
  int dims[1] = { 1 };

  sql_exec (ws, "UPDATE settings SET value = '0' WHERE key = 'gold_rate'");
  g_free (pack_out (ws, "alice", "4", pack));
  {
    g_autoptr(ArbWorkspace) p = arb_workspace_open (pack, &error);
    g_autoptr(ArbQueue) q = NULL;
    ArbQueueItem item;
    gint64 c1, c2;

    g_assert_no_error (error);
    q = arb_queue_new (p, "alice", &error);
    g_assert_no_error (error);
    g_assert_cmpint (arb_queue_get_scale (q), ==, 3);
    g_assert_true (arb_queue_next (q, &item, &error));
    c1 = comparison_at (p, item.comparison_id, &uuid1);
    g_assert_cmpint (arb_queue_decide (q, c1, item.presented, 1, dims, NULL, 3, &error), >, 0);
    g_assert_cmpint (arb_queue_decide (q, c1, item.presented, -1, dims, "changed", 2, &error),
                     >, 0);
    g_assert_true (arb_queue_next (q, &item, &error));
    c2 = comparison_at (p, item.comparison_id, &uuid2);
    g_assert_cmpint (arb_queue_decide (q, c2, item.presented, 0, NULL, NULL, 1, &error), >, 0);
    g_assert_cmpint (arb_queue_undo (q, &error), ==, c2);
    g_assert_true (arb_queue_next (q, &item, &error));
    g_assert_cmpint (item.comparison_id, ==, c2);
    g_assert_cmpint (arb_queue_decide (q, c2, item.presented, 1, NULL, NULL, 1, &error), >, 0);
    g_assert_true (arb_queue_set_flagged (q, c1, TRUE, &error));
    g_assert_true (arb_queue_next (q, &item, &error));
    g_assert_true (arb_queue_skip (q, item.comparison_id, &error));
    g_assert_no_error (error);
  }
  /* A changed span and a grade (no API yet: as the span page would write them). */
  sql_exec (pack, "INSERT INTO spans (uuid, generation_id, rater_id, start_byte, end_byte, label,"
                  " created_at) VALUES ('11111111-0000-4000-8000-000000000001', 1, 1, 0, 6, 'bad',"
                  " '2026-01-01T00:00:00Z'), ('11111111-0000-4000-8000-000000000002', 1, 1, 0, 9,"
                  " 'bad', '2026-01-01T00:00:01Z');"
                  "UPDATE spans SET superseded_by = 2 WHERE id = 1;"
                  "INSERT INTO grades (uuid, generation_id, rater_id, score, created_at) VALUES"
                  " ('22222222-0000-4000-8000-000000000001', 2, 1, 7, '2026-01-01T00:00:02Z')");

  out = pack_in (ws, pack);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "added 4 verdicts (2 dimensions), 1 grades, 2 spans, 7 events"));
  g_assert_nonnull (strstr (out, "2 leases done, 2 released"));
  pack_current = sql_rows (pack, VERDICT_SET_SQL);
  origin_current = sql_rows (ws, VERDICT_SET_SQL);
  g_assert_cmpstr (origin_current, ==, pack_current);

  /* The same links, by uuid; the undone verdict points at itself. */
  {
    g_autofree char *attach = g_strdup_printf ("ATTACH '%s' AS p", pack);
    sqlite3 *db = open_db (ws);
    sqlite3_stmt *stmt = NULL;
    static const char *const checks[] = {
      /* verdicts whose superseding verdict differs from the pack's (by uuid) */
      "SELECT count(*) FROM p.verdicts pv JOIN main.verdicts ov ON ov.uuid = pv.uuid"
      " WHERE ifnull ((SELECT uuid FROM p.verdicts w WHERE w.id = pv.superseded_by), '-')"
      "    <> ifnull ((SELECT uuid FROM main.verdicts w WHERE w.id = ov.superseded_by), '-')",
      /* events whose comparison, verdict or undone event differs from the pack's */
      "SELECT count(*) FROM p.events pe JOIN main.events oe ON oe.uuid = pe.uuid"
      " WHERE ifnull ((SELECT uuid FROM p.comparisons c WHERE c.id = pe.comparison_id), '-')"
      "    <> ifnull ((SELECT uuid FROM main.comparisons c WHERE c.id = oe.comparison_id), '-')"
      "  OR ifnull ((SELECT uuid FROM p.verdicts v WHERE v.id = pe.verdict_id), '-')"
      "    <> ifnull ((SELECT uuid FROM main.verdicts v WHERE v.id = oe.verdict_id), '-')"
      "  OR ifnull ((SELECT uuid FROM p.events x WHERE 'event:' || x.id = pe.payload), '-')"
      "    <> ifnull ((SELECT uuid FROM main.events x WHERE 'event:' || x.id = oe.payload), '-')",
      "SELECT 7 - count(*) FROM main.events",
      "SELECT 1 - count(*) FROM main.events WHERE action = 'undo' AND payload LIKE 'event:%'",
      "SELECT 1 - count(*) FROM main.verdicts WHERE superseded_by = id",
      "SELECT 1 - count(*) FROM main.current_spans WHERE end_byte = 9",
      "SELECT 2 - count(*) FROM main.spans",
      "SELECT 1 - count(*) FROM main.current_grades WHERE score = 7",
      "SELECT count(*) FROM pragma_foreign_key_check",
    };

    g_assert_cmpint (sqlite3_exec (db, attach, NULL, NULL, NULL), ==, SQLITE_OK);
    for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
      {
        g_assert_cmpint (sqlite3_prepare_v2 (db, checks[i], -1, &stmt, NULL), ==, SQLITE_OK);
        g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
        if (sqlite3_column_int (stmt, 0) != 0)
          g_error ("%s: %d", checks[i], sqlite3_column_int (stmt, 0));
        sqlite3_finalize (stmt);
      }
    sqlite3_close (db);
  }
  /* The flag holds in the origin, for alice's queue there. */
  {
    g_autoptr(ArbWorkspace) o = arb_workspace_open (ws, &error);
    g_autoptr(ArbQueue) q = arb_queue_new (o, "alice", &error);
    g_autofree char *sql = g_strdup_printf ("SELECT id FROM comparisons WHERE uuid = '%s'", uuid1);
    sqlite3_stmt *stmt = NULL;
    gint64 id;

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (o), sql, -1, &stmt, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    id = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    g_assert_true (arb_queue_get_flagged (q, id));
  }

  /* Labelling on in the pack after the merge: the last decision undone, the first item changed
   * again. Merged again, the origin follows. */
  {
    g_autoptr(ArbWorkspace) p = arb_workspace_open (pack, &error);
    g_autoptr(ArbQueue) q = arb_queue_new (p, "alice", &error);
    gint64 c1 = 0;

    g_assert_no_error (error);
    g_assert_cmpint (arb_queue_undo (q, &error), >, 0);          /* the skip */
    g_assert_cmpint (arb_queue_undo (q, &error), >, 0);          /* the flag */
    c1 = arb_queue_undo (q, &error);                            /* item 2's decision */
    g_assert_cmpint (c1, >, 0);
    {
      sqlite3_stmt *stmt = _arb_workspace_prepare (p, "SELECT id FROM comparisons WHERE uuid = ?",
                                                   NULL);

      sqlite3_bind_text (stmt, 1, uuid1, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      c1 = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
    g_assert_cmpint (arb_queue_decide (q, c1, arb_queue_presented_for (q, uuid1), 0, NULL, NULL,
                                       1, &error), >, 0);
    g_assert_no_error (error);
  }
  g_clear_pointer (&out, g_free);
  out = pack_in (ws, pack);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "added 1 verdicts"));
  g_assert_nonnull (strstr (out, "4 events"));
  g_clear_pointer (&pack_current, g_free);
  g_clear_pointer (&origin_current, g_free);
  pack_current = sql_rows (pack, VERDICT_SET_SQL);
  origin_current = sql_rows (ws, VERDICT_SET_SQL);
  g_assert_cmpstr (origin_current, ==, pack_current);
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM current_verdicts v JOIN raters r"
                                " ON r.id = v.rater_id WHERE r.name = 'alice'"), ==, 1);
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM verdicts WHERE superseded_by = id"), ==, 2);
  arb_test_rmdir (dir);
}

/* ---- the command line ---------------------------------------------------------------- */

/* The span and step pages in a pack: spans, rule-cut steps, step labels and finished
 * generations come back, once; the origin's own queue then skips what the pack finished. */
static void
test_spans_steps (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = make_workspace (dir, "origin.arbiter", "1");
  g_autofree char *pack = g_build_filename (dir, "alice.pack", NULL);
  g_autofree char *out = NULL, *again = NULL, *pack_spans = NULL, *origin_spans = NULL;
  g_autoptr(GError) error = NULL;
  gint64 spans_gen = 0, steps_gen = 0;
  static const char span_set[] =
    "SELECT g.uuid, s.start_byte, s.end_byte, s.label, s.value, s.step_index FROM current_spans s"
    " JOIN generations g ON g.id = s.generation_id ORDER BY 1, 2, 3, 4";

  sql_exec (ws, "UPDATE settings SET value = '0' WHERE key = 'gold_rate'");
  g_free (pack_out (ws, "alice", "2", pack));
  {
    g_autoptr(ArbWorkspace) p = arb_workspace_open (pack, &error);
    g_autoptr(ArbQueue) q = NULL;
    ArbTaskItem item;

    g_assert_no_error (error);
    q = arb_queue_new (p, "alice", &error);
    g_assert_no_error (error);
    /* The pack's generations are those of its comparisons: the queue offers them. */
    g_assert_true (arb_queue_next_generation (q, ARB_TASK_SPANS, &item, &error));
    g_assert_cmpint (item.generation_id, >, 0);
    spans_gen = item.generation_id;
    g_assert_cmpint (arb_queue_add_span (q, spans_gen, 0, 1, "bad", -1, "why", &error), >, 0);
    g_assert_cmpint (arb_queue_add_span (q, spans_gen, 1, 2, "good", 1, NULL, &error), >, 0);
    g_assert_true (arb_queue_undo_label (q, spans_gen, &error) == spans_gen);
    g_assert_true (arb_queue_finish_generation (q, ARB_TASK_SPANS, spans_gen, &error));
    g_assert_true (arb_queue_next_generation (q, ARB_TASK_STEPS, &item, &error));
    steps_gen = item.generation_id;
    g_assert_true (arb_queue_settle_steps (q, steps_gen, -1, &error));
    g_assert_no_error (error);
  }
  pack_spans = sql_rows (pack, span_set);

  out = pack_in (ws, pack);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, " 3 spans,"));     /* 2 made (1 undone) + the step label */
  g_assert_nonnull (strstr (out, "; 1 steps cut by a rule, 2 responses finished"));
  origin_spans = sql_rows (ws, span_set);
  g_assert_cmpstr (origin_spans, ==, pack_spans);
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM steps WHERE source = 'lines'"), ==,
                   sql_int (pack, "SELECT count(*) FROM steps WHERE source = 'lines'"));
  g_assert_cmpint (sql_int (ws, "SELECT count(*) FROM generation_assignments a JOIN raters r"
                                " ON r.id = a.rater_id WHERE r.name = 'alice' AND state = 'done'"),
                   ==, 2);

  /* Merging again adds nothing. */
  again = pack_in (ws, pack);
  g_assert_nonnull (strstr (again, " 0 spans,"));
  g_assert_nonnull (strstr (again, "; 0 steps cut by a rule, 0 responses finished"));
  g_free (origin_spans);
  origin_spans = sql_rows (ws, span_set);
  g_assert_cmpstr (origin_spans, ==, pack_spans);

  /* In the origin, alice's span queue does not offer the generation she finished in the pack. */
  {
    g_autoptr(ArbWorkspace) o = arb_workspace_open (ws, &error);
    g_autoptr(ArbQueue) q = arb_queue_new (o, "alice", &error);
    g_autofree char *uuid = NULL;
    ArbTaskItem item;

    g_assert_no_error (error);
    for (int i = 0; i < 100; i++)
      {
        g_autofree char *sql = NULL;

        g_assert_true (arb_queue_next_generation (q, ARB_TASK_SPANS, &item, &error));
        if (item.generation_id < 0)
          break;
        sql = g_strdup_printf ("SELECT count(*) FROM generation_assignments a JOIN raters r"
                               " ON r.id = a.rater_id WHERE r.name = 'alice' AND a.task = 'spans'"
                               " AND a.state = 'done' AND a.generation_id = %" G_GINT64_FORMAT,
                               item.generation_id);
        g_assert_cmpint (sql_int (ws, sql), ==, 0);
        g_assert_true (arb_queue_finish_generation (q, ARB_TASK_SPANS, item.generation_id, &error));
      }
  }
}

static void
test_cli_usage (void)
{
  g_autofree char *dir = arb_test_mkdtemp ();
  g_autofree char *ws = make_workspace (dir, "origin.arbiter", "1");
  g_autofree char *pack = g_build_filename (dir, "p.pack", NULL);
  g_autofree char *existing = arb_test_write_file (dir, "existing.pack", "x", -1, FALSE);
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *before = fingerprint (ws);
  g_autofree char *after = NULL;

  run_cli (&run, 2, "pack", NULL);
  g_assert_nonnull (strstr (run.err, "pack needs out or in"));
  run_cli (&run, 2, "pack", "frob", ws, NULL);
  g_assert_nonnull (strstr (run.err, "unknown pack command"));
  run_cli (&run, 2, "pack", "out", ws, "-o", pack, NULL);
  g_assert_nonnull (strstr (run.err, "--rater NAME is needed"));
  run_cli (&run, 2, "pack", "out", ws, "--rater", "alice", NULL);
  g_assert_nonnull (strstr (run.err, "-o PACK is needed"));
  run_cli (&run, 2, "pack", "out", ws, "--rater", "alice", "--count", "0", "-o", pack, NULL);
  run_cli (&run, 2, "pack", "out", ws, "--rater", "alice", "--days", "0", "-o", pack, NULL);
  run_cli (&run, 2, "pack", "in", ws, NULL);
  run_cli (&run, 2, "pack", "in", ws, pack, "--rater", "x", NULL);
  run_cli (&run, 0, "pack", "--help", NULL);
  g_assert_nonnull (strstr (run.out, "--rater"));
  g_assert_false (g_file_test (pack, G_FILE_TEST_EXISTS));
  run_cli (&run, 1, "pack", "out", ws, "--rater", "alice", "-o", existing, NULL);
  g_assert_nonnull (strstr (run.err, "a file of that name exists already"));
  after = fingerprint (ws);
  g_assert_cmpstr (after, ==, before);
  run_cli (&run, 0, "--help", NULL);
  g_assert_nonnull (strstr (run.out, "pack"));
  arb_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/packs/out-contents", test_out_contents);
  g_test_add_func ("/arbiter/packs/round-trip", test_round_trip);
  g_test_add_func ("/arbiter/packs/conflicts", test_conflicts);
  g_test_add_func ("/arbiter/packs/leases", test_leases);
  g_test_add_func ("/arbiter/packs/refused", test_refused);
  g_test_add_func ("/arbiter/packs/history", test_history);
  g_test_add_func ("/arbiter/packs/spans-steps", test_spans_steps);
  g_test_add_func ("/arbiter/packs/cli-usage", test_cli_usage);
  return g_test_run ();
}
