/* arb-import.c: the import driver and the sink that format readers write through
 *
 * An import streams records from a file, writes them in short transactions ("batches") tagged
 * with the import's id, and flips the import to 'done' in the last one. Until then the rows are
 * invisible (see the visible_* views in arb-schema.sql); a failed or interrupted import is
 * removed. Short batches keep the write lock free for an annotator's commits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "arb-import-private.h"

/* A batch ends after this long or this many records, whichever comes first. */
#define BATCH_MICROSECONDS (40 * 1000)
#define BATCH_RECORDS 5000
#define PROGRESS_MICROSECONDS (200 * 1000)
#define MAX_KEPT_WARNINGS 200

static const struct
{
  ArbImportFormat format;
  const char     *name;
} format_names[] = {
  { ARB_IMPORT_FORMAT_AUTO, "auto" },
  { ARB_IMPORT_FORMAT_ARBITER, "arbiter" },
  { ARB_IMPORT_FORMAT_TRL, "trl" },
  { ARB_IMPORT_FORMAT_HH_RLHF, "hh-rlhf" },
  { ARB_IMPORT_FORMAT_ALPACA_EVAL_OUTPUTS, "alpaca-eval-outputs" },
  { ARB_IMPORT_FORMAT_ALPACA_EVAL_ANNOTATIONS, "alpaca-eval-annotations" },
  { ARB_IMPORT_FORMAT_ARENA_BATTLES, "arena-battles" },
  { ARB_IMPORT_FORMAT_PANDALM, "pandalm" },
  { ARB_IMPORT_FORMAT_LLMBAR, "llmbar" },
  { ARB_IMPORT_FORMAT_LLMBAR_RESULT, "llmbar-result" },
  { ARB_IMPORT_FORMAT_MT_BENCH_QUESTIONS, "mt-bench-questions" },
  { ARB_IMPORT_FORMAT_MT_BENCH_ANSWERS, "mt-bench-answers" },
  { ARB_IMPORT_FORMAT_MT_BENCH_JUDGMENTS, "mt-bench-judgments" },
  { ARB_IMPORT_FORMAT_FINEGRAINED_RLHF, "finegrained-rlhf" },
  { ARB_IMPORT_FORMAT_BIGBENCH_MISTAKE, "bigbench-mistake" },
  { ARB_IMPORT_FORMAT_PRM800K, "prm800k" },
};

const char *
arb_import_format_to_string (ArbImportFormat format)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (format_names[i].format == format)
      return format_names[i].name;
  return "unknown";
}

gboolean
arb_import_format_from_string (const char      *name,
                               ArbImportFormat *out_format)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_strcmp0 (format_names[i].name, name) == 0)
      {
        *out_format = format_names[i].format;
        return TRUE;
      }
  return FALSE;
}

/* The importable format names, comma-separated, for messages and --help. */
const char *
arb_import_format_list (void)
{
  return "arbiter, trl, hh-rlhf, alpaca-eval-outputs, alpaca-eval-annotations, arena-battles, "
         "pandalm, llmbar, llmbar-result, mt-bench-questions, mt-bench-answers, "
         "mt-bench-judgments, finegrained-rlhf, bigbench-mistake, prm800k";
}

void
arb_import_result_free (ArbImportResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->warnings, g_ptr_array_unref);
  g_clear_pointer (&result->bad_records, g_ptr_array_unref);
  g_free (result);
}

void
_arb_record_error (ArbImporter *imp,
                   GError     **error,
                   const char  *format,
                   ...)
{
  va_list args;

  va_start (args, format);
  g_set_error_literal (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_RECORD, "");
  if (error != NULL && *error != NULL)
    {
      g_free ((*error)->message);
      (*error)->message = g_strdup_vprintf (format, args);
    }
  va_end (args);
}

void
_arb_importer_warn (ArbImporter *imp,
                    const char  *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  imp->n_warnings++;
  if (imp->warnings->len >= MAX_KEPT_WARNINGS)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (imp->warnings,
                   g_strdup_printf ("%s:%" G_GUINT64_FORMAT ": %s", arb_json_reader_get_name (imp->reader),
                                    arb_json_reader_get_line (imp->reader), message));
}

static gboolean
sql_failed (ArbImporter *imp,
            GError     **error)
{
  _arb_set_sqlite_error (error, imp->db, arb_workspace_get_path (imp->ws));
  return FALSE;
}

/* Looks up one integer id; returns 0 when there is no row, -1 on error. */
static gint64
lookup_id (ArbImporter  *imp,
           sqlite3_stmt *stmt,
           GError      **error)
{
  int rc = sqlite3_step (stmt);
  gint64 id = 0;

  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      sql_failed (imp, error);
      id = -1;
    }
  sqlite3_reset (stmt);
  return id;
}

static gint64
insert_row (ArbImporter  *imp,
            sqlite3_stmt *stmt,
            GError      **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      sql_failed (imp, error);
      return -1;
    }
  return sqlite3_last_insert_rowid (imp->db);
}

static void
bind_uuid (sqlite3_stmt *stmt,
           int           index)
{
  sqlite3_bind_text (stmt, index, g_uuid_string_random (), -1, g_free);
}

static void
bind_json (sqlite3_stmt *stmt,
           int           index,
           json_object  *value)
{
  if (value == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index,
                       g_strdup (json_object_to_json_string_ext (value, JSON_C_TO_STRING_PLAIN |
                                                                        JSON_C_TO_STRING_NOSLASHESCAPE)),
                       -1, g_free);
}

gint64
_arb_importer_system (ArbImporter *imp,
                      const char  *name,
                      GError     **error)
{
  gpointer cached;
  sqlite3_stmt *stmt;
  gint64 id;

  if (name == NULL || *name == '\0')
    {
      _arb_record_error (imp, error, "a response needs a system name");
      return -1;
    }
  if (g_hash_table_lookup_extended (imp->systems, name, NULL, &cached))
    return GPOINTER_TO_SIZE (cached);

  stmt = _arb_workspace_prepare (imp->ws, "SELECT id FROM systems WHERE name = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  id = lookup_id (imp, stmt, error);
  if (id < 0)
    return -1;
  if (id == 0)
    {
      stmt = _arb_workspace_prepare (imp->ws,
                                     "INSERT INTO systems (uuid, name, import_id) VALUES (?, ?, ?)",
                                     error);
      if (stmt == NULL)
        return -1;
      bind_uuid (stmt, 1);
      sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, imp->import_id);
      if ((id = insert_row (imp, stmt, error)) < 0)
        return -1;
      imp->pending.systems++;
    }
  g_hash_table_insert (imp->systems, g_strdup (name), GSIZE_TO_POINTER (id));
  return id;
}

gint64
_arb_importer_rater (ArbImporter *imp,
                     const char  *name,
                     const char  *kind,
                     const char  *role,
                     GError     **error)
{
  gpointer cached;
  sqlite3_stmt *stmt;
  gint64 id;

  if (name == NULL || *name == '\0')
    {
      _arb_record_error (imp, error, "a verdict needs a rater name");
      return -1;
    }
  if (g_hash_table_lookup_extended (imp->raters, name, NULL, &cached))
    return GPOINTER_TO_SIZE (cached);

  stmt = _arb_workspace_prepare (imp->ws, "SELECT id FROM raters WHERE name = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  id = lookup_id (imp, stmt, error);
  if (id < 0)
    return -1;
  if (id == 0)
    {
      stmt = _arb_workspace_prepare (imp->ws,
                                     "INSERT INTO raters (uuid, name, kind, origin, role, import_id) "
                                     "VALUES (?, ?, ?, 'imported', ?, ?)", error);
      if (stmt == NULL)
        return -1;
      bind_uuid (stmt, 1);
      sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, kind, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, role ? role : "annotator", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, imp->import_id);
      if ((id = insert_row (imp, stmt, error)) < 0)
        {
          g_clear_error (error);
          _arb_record_error (imp, error,
                             "rater \"%s\": kind must be human, judge or reward_model and role "
                             "annotator, gold or adjudicator", name);
          return -1;
        }
      imp->pending.raters++;
    }
  g_hash_table_insert (imp->raters, g_strdup (name), GSIZE_TO_POINTER (id));
  return id;
}

static char *
sha256_hex (const char *data,
            gsize       len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

gint64
_arb_importer_prompt_by_external_id (ArbImporter *imp,
                                     const char  *id_source,
                                     const char  *external_id,
                                     GError     **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (imp->ws,
                                               "SELECT prompt_id FROM prompt_ids "
                                               "WHERE source = ? AND external_id = ?", error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, id_source, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, external_id, -1, SQLITE_STATIC);
  return lookup_id (imp, stmt, error);
}

/* messages: a canonical array made by _arb_json_messages(). The prompt's key is the SHA-256 of its
 * canonical JSON, so the same conversation from any file is one prompt. */
gint64
_arb_importer_prompt (ArbImporter *imp,
                      json_object *messages,
                      const char  *category,
                      const char  *reference,
                      json_object *metadata,
                      const char  *id_source,
                      const char  *external_id,
                      GError     **error)
{
  const char *canonical;
  size_t len = 0;
  g_autofree char *key = NULL;
  sqlite3_stmt *stmt;
  gint64 id;

  canonical = json_object_to_json_string_length (messages, JSON_C_TO_STRING_PLAIN |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  key = sha256_hex (canonical, len);

  stmt = _arb_workspace_prepare (imp->ws, "SELECT id FROM prompts WHERE key = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  id = lookup_id (imp, stmt, error);
  if (id < 0)
    return -1;
  if (id == 0)
    {
      stmt = _arb_workspace_prepare (imp->ws,
                                     "INSERT INTO prompts (uuid, key, messages, category, reference, "
                                     "metadata, import_id) VALUES (?, ?, ?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        return -1;
      bind_uuid (stmt, 1);
      sqlite3_bind_text (stmt, 2, key, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, canonical, len, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, category, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, reference, -1, SQLITE_STATIC);
      bind_json (stmt, 6, metadata);
      sqlite3_bind_int64 (stmt, 7, imp->import_id);
      if ((id = insert_row (imp, stmt, error)) < 0)
        return -1;
      imp->pending.prompts++;
    }

  if (external_id != NULL)
    {
      gint64 known = _arb_importer_prompt_by_external_id (imp, id_source, external_id, error);

      if (known < 0)
        return -1;
      if (known == 0)
        {
          stmt = _arb_workspace_prepare (imp->ws,
                                         "INSERT INTO prompt_ids (source, external_id, prompt_id, "
                                         "import_id) VALUES (?, ?, ?, ?)", error);
          if (stmt == NULL)
            return -1;
          sqlite3_bind_text (stmt, 1, id_source, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, external_id, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 3, id);
          sqlite3_bind_int64 (stmt, 4, imp->import_id);
          if (insert_row (imp, stmt, error) < 0)
            return -1;
        }
      else if (known != id)
        _arb_importer_warn (imp, "%s id \"%s\" names another prompt already; kept the first",
                            id_source, external_id);
    }
  return id;
}

gint64
_arb_importer_generation (ArbImporter *imp,
                          gint64       prompt_id,
                          gint64       system_id,
                          const char  *text,
                          json_object *messages,
                          const char  *kind,
                          json_object *metadata,
                          GError     **error)
{
  gsize len = strlen (text);
  guint8 hash[32];
  gsize hash_len = sizeof hash;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  sqlite3_stmt *stmt;
  gint64 id;

  g_checksum_update (checksum, (const guchar *) text, len);
  g_checksum_get_digest (checksum, hash, &hash_len);

  stmt = _arb_workspace_prepare (imp->ws,
                                 "SELECT id FROM generations "
                                 "WHERE prompt_id = ? AND system_id = ? AND text_hash = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, prompt_id);
  sqlite3_bind_int64 (stmt, 2, system_id);
  sqlite3_bind_blob (stmt, 3, hash, hash_len, SQLITE_STATIC);
  id = lookup_id (imp, stmt, error);
  if (id != 0)
    return id;

  stmt = _arb_workspace_prepare (imp->ws,
                                 "INSERT INTO generations (uuid, prompt_id, system_id, text, "
                                 "text_hash, messages, kind, length, metadata, import_id) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return -1;
  bind_uuid (stmt, 1);
  sqlite3_bind_int64 (stmt, 2, prompt_id);
  sqlite3_bind_int64 (stmt, 3, system_id);
  sqlite3_bind_text (stmt, 4, text, len, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 5, hash, hash_len, SQLITE_STATIC);
  bind_json (stmt, 6, messages);
  sqlite3_bind_text (stmt, 7, kind ? kind : "text", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, g_utf8_strlen (text, len));
  bind_json (stmt, 9, metadata);
  sqlite3_bind_int64 (stmt, 10, imp->import_id);
  if ((id = insert_row (imp, stmt, error)) < 0)
    return -1;
  imp->pending.generations++;
  return id;
}

/* Stores the pair in the canonical orientation (A = the smaller generation id) and says whether
 * the record's order was flipped to get there. */
gint64
_arb_importer_comparison (ArbImporter *imp,
                          gint64       prompt_id,
                          gint64       gen1,
                          gint64       gen2,
                          gboolean    *out_flipped,
                          gboolean    *out_identical,
                          GError     **error)
{
  gint64 a = MIN (gen1, gen2), b = MAX (gen1, gen2);
  sqlite3_stmt *stmt;
  gint64 id;

  if (gen1 == gen2)
    {
      _arb_record_error (imp, error,
                         "both responses are the same generation (same system and text); "
                         "there is nothing to compare");
      return -1;
    }
  *out_flipped = gen1 > gen2;

  stmt = _arb_workspace_prepare (imp->ws,
                                 "SELECT (SELECT text_hash FROM generations WHERE id = ?1) IS "
                                 "(SELECT text_hash FROM generations WHERE id = ?2)", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, a);
  sqlite3_bind_int64 (stmt, 2, b);
  *out_identical = lookup_id (imp, stmt, error) == 1;

  stmt = _arb_workspace_prepare (imp->ws,
                                 "SELECT id FROM comparisons WHERE prompt_id = ? AND a_id = ? "
                                 "AND b_id = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, prompt_id);
  sqlite3_bind_int64 (stmt, 2, a);
  sqlite3_bind_int64 (stmt, 3, b);
  id = lookup_id (imp, stmt, error);
  if (id != 0)
    return id;

  stmt = _arb_workspace_prepare (imp->ws,
                                 "INSERT INTO comparisons (uuid, prompt_id, a_id, b_id, import_id) "
                                 "VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return -1;
  bind_uuid (stmt, 1);
  sqlite3_bind_int64 (stmt, 2, prompt_id);
  sqlite3_bind_int64 (stmt, 3, a);
  sqlite3_bind_int64 (stmt, 4, b);
  sqlite3_bind_int64 (stmt, 5, imp->import_id);
  if ((id = insert_row (imp, stmt, error)) < 0)
    return -1;
  imp->pending.comparisons++;
  return id;
}

gboolean
_arb_importer_comparison_external_id (ArbImporter *imp,
                                      gint64       comparison_id,
                                      const char  *id_source,
                                      const char  *external_id,
                                      GError     **error)
{
  sqlite3_stmt *stmt = _arb_workspace_prepare (imp->ws,
                                               "INSERT INTO comparison_ids (source, external_id, "
                                               "comparison_id, import_id) VALUES (?, ?, ?, ?) "
                                               "ON CONFLICT DO NOTHING", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, id_source, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, external_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, comparison_id);
  sqlite3_bind_int64 (stmt, 4, imp->import_id);
  return insert_row (imp, stmt, error) >= 0;
}

static const char *
flip_presented (const char *presented)
{
  if (presented == NULL)
    return NULL;
  return g_str_equal (presented, "ab") ? "ba" : "ab";
}

/* Writes one verdict, oriented to the comparison: when the record's first generation is the
 * comparison's B, the preference becomes 1 - p and the presented order swaps. A verdict whose
 * natural key (comparison, rater, presented, sample) is already current adds nothing. */
gboolean
_arb_importer_verdict (ArbImporter           *imp,
                       const ArbVerdictInput *v,
                       GError               **error)
{
  double preference = v->preference;
  int strength = v->strength;
  const char *presented = v->presented;
  const char *status = v->status ? v->status : "ok";
  sqlite3_stmt *stmt;
  gint64 id;
  int rc;

  if (v->flipped)
    {
      if (!isnan (preference))
        preference = 1.0 - preference;
      presented = flip_presented (presented);
    }
  if (v->identical && g_str_equal (status, "ok") && preference != 0.5)
    {
      _arb_importer_warn (imp, "the two responses have identical text; the verdict is stored "
                               "as a tie");
      preference = 0.5;
      strength = 0;
    }

  stmt = _arb_workspace_prepare (imp->ws,
                                 "SELECT preference, strength, status FROM verdicts "
                                 "WHERE comparison_id = ? AND rater_id = ? "
                                 "AND ifnull (presented, '') = ? AND sample = ? "
                                 "AND superseded_by IS NULL", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, v->comparison_id);
  sqlite3_bind_int64 (stmt, 2, v->rater_id);
  sqlite3_bind_text (stmt, 3, presented ? presented : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, v->sample);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      gboolean same = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), status) == 0 &&
                      (sqlite3_column_type (stmt, 0) == SQLITE_NULL ? isnan (preference)
                       : fabs (sqlite3_column_double (stmt, 0) - preference) < 1e-12);

      sqlite3_reset (stmt);
      if (same)
        imp->pending.duplicates++;
      else
        {
          imp->pending.conflicts++;
          _arb_importer_warn (imp, "this rater already has a different verdict on this "
                                   "comparison; kept the one already in the workspace");
        }
      return TRUE;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return sql_failed (imp, error);

  stmt = _arb_workspace_prepare (imp->ws,
                                 "INSERT INTO verdicts (uuid, comparison_id, rater_id, preference, "
                                 "strength, status, presented, sample, rationale, seconds, "
                                 "created_at, raw, metadata, import_id) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  bind_uuid (stmt, 1);
  sqlite3_bind_int64 (stmt, 2, v->comparison_id);
  sqlite3_bind_int64 (stmt, 3, v->rater_id);
  if (!isnan (preference))
    sqlite3_bind_double (stmt, 4, preference);
  if (strength >= 0)
    sqlite3_bind_int (stmt, 5, strength);
  sqlite3_bind_text (stmt, 6, status, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, presented, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, v->sample);
  sqlite3_bind_text (stmt, 9, v->rationale, -1, SQLITE_STATIC);
  if (v->seconds >= 0)
    sqlite3_bind_double (stmt, 10, v->seconds);
  sqlite3_bind_text (stmt, 11, imp->now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 12, v->raw, -1, SQLITE_STATIC);
  bind_json (stmt, 13, v->metadata);
  sqlite3_bind_int64 (stmt, 14, imp->import_id);
  if ((id = insert_row (imp, stmt, error)) < 0)
    return FALSE;
  imp->pending.verdicts++;

  if (v->dimensions != NULL)
    {
      json_object_object_foreach (v->dimensions, name, value)
        {
          double p = json_object_get_double (value);

          if (v->flipped)
            p = 1.0 - p;
          stmt = _arb_workspace_prepare (imp->ws,
                                         "INSERT INTO verdict_dimensions (verdict_id, dimension, "
                                         "preference, strength) VALUES (?, ?, ?, ?)", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, id);
          sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
          sqlite3_bind_double (stmt, 3, p);
          if (p == 0.5)
            sqlite3_bind_int (stmt, 4, 0);
          else if (p == 0.0 || p == 1.0)
            sqlite3_bind_int (stmt, 4, 1);
          if (insert_row (imp, stmt, error) < 0)
            return FALSE;
        }
    }
  return TRUE;
}

/* Writes one grade (a scalar opinion on one generation). A grade whose natural key (generation,
 * rater, sample) is already current adds nothing, as for verdicts. */
gboolean
_arb_importer_grade (ArbImporter         *imp,
                     const ArbGradeInput *g,
                     GError             **error)
{
  const char *status = g->status ? g->status : "ok";
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (imp->ws,
                                 "SELECT score, status FROM grades WHERE generation_id = ? "
                                 "AND rater_id = ? AND sample = ? AND superseded_by IS NULL",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g->generation_id);
  sqlite3_bind_int64 (stmt, 2, g->rater_id);
  sqlite3_bind_int64 (stmt, 3, g->sample);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      gboolean same = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), status) == 0 &&
                      (sqlite3_column_type (stmt, 0) == SQLITE_NULL ? isnan (g->score)
                       : fabs (sqlite3_column_double (stmt, 0) - g->score) < 1e-12);

      sqlite3_reset (stmt);
      if (same)
        imp->pending.duplicates++;
      else
        {
          imp->pending.conflicts++;
          _arb_importer_warn (imp, "this rater already has a different grade for this "
                                   "generation; kept the one already in the workspace");
        }
      return TRUE;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return sql_failed (imp, error);

  stmt = _arb_workspace_prepare (imp->ws,
                                 "INSERT INTO grades (uuid, generation_id, rater_id, score, status, "
                                 "sample, rationale, created_at, raw, metadata, import_id) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  bind_uuid (stmt, 1);
  sqlite3_bind_int64 (stmt, 2, g->generation_id);
  sqlite3_bind_int64 (stmt, 3, g->rater_id);
  if (!isnan (g->score))
    sqlite3_bind_double (stmt, 4, g->score);
  sqlite3_bind_text (stmt, 5, status, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, g->sample);
  sqlite3_bind_text (stmt, 7, g->rationale, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, imp->now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, g->raw, -1, SQLITE_STATIC);
  bind_json (stmt, 10, g->metadata);
  sqlite3_bind_int64 (stmt, 11, imp->import_id);
  if (insert_row (imp, stmt, error) < 0)
    return FALSE;
  imp->pending.grades++;
  return TRUE;
}

/* Writes one span label. A current span with the same generation, rater, range, label and step
 * adds nothing, so a re-import adds nothing; another value there is a conflict, kept as was. */
gboolean
_arb_importer_span (ArbImporter        *imp,
                    const ArbSpanInput *s,
                    GError            **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _arb_workspace_prepare (imp->ws,
                                 "SELECT value FROM spans WHERE generation_id = ? AND rater_id = ? "
                                 "AND start_byte = ? AND end_byte = ? AND label = ? "
                                 "AND ifnull (step_index, -1) = ? AND superseded_by IS NULL",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, s->generation_id);
  sqlite3_bind_int64 (stmt, 2, s->rater_id);
  sqlite3_bind_int64 (stmt, 3, s->start_byte);
  sqlite3_bind_int64 (stmt, 4, s->end_byte);
  sqlite3_bind_text (stmt, 5, s->label, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, s->step_index);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      gboolean same = sqlite3_column_type (stmt, 0) == SQLITE_NULL
                        ? isnan (s->value)
                        : !isnan (s->value) && fabs (sqlite3_column_double (stmt, 0) - s->value) < 1e-12;

      sqlite3_reset (stmt);
      if (same)
        imp->pending.duplicates++;
      else
        {
          imp->pending.conflicts++;
          _arb_importer_warn (imp, "this rater already has this span with another value; kept "
                                   "the one already in the workspace");
        }
      return TRUE;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return sql_failed (imp, error);

  stmt = _arb_workspace_prepare (imp->ws,
                                 "INSERT INTO spans (uuid, generation_id, rater_id, start_byte, "
                                 "end_byte, label, value, step_index, note, created_at, import_id) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  bind_uuid (stmt, 1);
  sqlite3_bind_int64 (stmt, 2, s->generation_id);
  sqlite3_bind_int64 (stmt, 3, s->rater_id);
  sqlite3_bind_int64 (stmt, 4, s->start_byte);
  sqlite3_bind_int64 (stmt, 5, s->end_byte);
  sqlite3_bind_text (stmt, 6, s->label, -1, SQLITE_STATIC);
  if (!isnan (s->value))
    sqlite3_bind_double (stmt, 7, s->value);
  if (s->step_index >= 0)
    sqlite3_bind_int64 (stmt, 8, s->step_index);
  sqlite3_bind_text (stmt, 9, s->note, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 10, imp->now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 11, imp->import_id);
  return insert_row (imp, stmt, error) >= 0;
}

/* Records one step boundary that came with the data (source 'imported'); a step already there
 * adds nothing. */
gboolean
_arb_importer_step (ArbImporter *imp,
                    gint64       generation_id,
                    gint64       idx,
                    gint64       start_byte,
                    gint64       end_byte,
                    GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = _arb_workspace_prepare (imp->ws,
                                 "INSERT INTO steps (uuid, generation_id, source, idx, start_byte, "
                                 "end_byte, import_id) VALUES (?, ?, 'imported', ?, ?, ?, ?) "
                                 "ON CONFLICT (generation_id, source, idx) DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  bind_uuid (stmt, 1);
  sqlite3_bind_int64 (stmt, 2, generation_id);
  sqlite3_bind_int64 (stmt, 3, idx);
  sqlite3_bind_int64 (stmt, 4, start_byte);
  sqlite3_bind_int64 (stmt, 5, end_byte);
  sqlite3_bind_int64 (stmt, 6, imp->import_id);
  return insert_row (imp, stmt, error) >= 0;
}

/* ---- Reading fields ---------------------------------------------------------------------- */

/* Text where text is expected: a string, or a number or boolean turned into text with a
 * warning (a real data set has `true` as a response). */
const char *
_arb_json_text (ArbImporter *imp,
                json_object *record,
                const char  *key,
                gboolean     required,
                GError     **error)
{
  json_object *value = NULL;

  if (!json_object_object_get_ex (record, key, &value) || value == NULL)
    {
      if (required)
        _arb_record_error (imp, error, "missing field \"%s\"", key);
      return NULL;
    }
  switch (json_object_get_type (value))
    {
    case json_type_string:
      return json_object_get_string (value);
    case json_type_int:
    case json_type_double:
    case json_type_boolean:
      _arb_importer_warn (imp, "field \"%s\" is a %s, not text; imported as the text \"%s\"", key,
                          json_object_get_type (value) == json_type_boolean ? "boolean" : "number",
                          json_object_get_string (value));
      return json_object_get_string (value);
    case json_type_null:
      if (required)
        _arb_record_error (imp, error, "field \"%s\" is null; it must be text", key);
      return NULL;
    case json_type_array:
    case json_type_object:
    default:
      _arb_record_error (imp, error, "field \"%s\" is an %s; it must be text", key,
                         json_type_to_name (json_object_get_type (value)));
      return NULL;
    }
}

/* An id given as a string or an integer, as text. */
char *
_arb_json_id (json_object *record,
              const char  *key)
{
  json_object *value = NULL;

  if (!json_object_object_get_ex (record, key, &value) || value == NULL)
    return NULL;
  switch (json_object_get_type (value))
    {
    case json_type_string:
    case json_type_int:
      return g_strdup (json_object_get_string (value));
    case json_type_double:
      return g_strdup_printf ("%.17g", json_object_get_double (value));
    case json_type_null:
    case json_type_boolean:
    case json_type_array:
    case json_type_object:
    default:
      return NULL;
    }
}

static gboolean
valid_role (const char *role)
{
  return g_str_equal (role, "system") || g_str_equal (role, "user") ||
         g_str_equal (role, "assistant") || g_str_equal (role, "tool");
}

/**
 * _arb_json_messages:
 * @value: a string (one user message) or an array of {"role", "content"} objects
 * @key: the field's name, for messages
 *
 * Returns: (transfer full) (nullable): a canonical array: objects with "role" then "content"
 * (and "name" when given), nothing else, so equal conversations serialise to equal bytes
 */
json_object *
_arb_json_messages (ArbImporter *imp,
                    json_object *value,
                    const char  *key,
                    GError     **error)
{
  g_autoptr(json_object) out = json_object_new_array ();
  size_t n;

  if (value != NULL && json_object_get_type (value) == json_type_string)
    {
      json_object *msg = json_object_new_object ();

      json_object_object_add (msg, "role", json_object_new_string ("user"));
      json_object_object_add (msg, "content", json_object_get (value));
      json_object_array_add (out, msg);
      return g_steal_pointer (&out);
    }
  if (value == NULL || json_object_get_type (value) != json_type_array)
    {
      _arb_record_error (imp, error, "field \"%s\" must be text or a list of messages", key);
      return NULL;
    }

  n = json_object_array_length (value);
  for (size_t i = 0; i < n; i++)
    {
      json_object *item = json_object_array_get_idx (value, i);
      json_object *role = NULL, *content = NULL, *name = NULL;
      json_object *msg;

      if (item == NULL || json_object_get_type (item) != json_type_object ||
          !json_object_object_get_ex (item, "role", &role) ||
          json_object_get_type (role) != json_type_string ||
          !valid_role (json_object_get_string (role)))
        {
          _arb_record_error (imp, error,
                             "field \"%s\", message %zu: needs a \"role\" of system, user, "
                             "assistant or tool", key, i + 1);
          return NULL;
        }
      json_object_object_get_ex (item, "content", &content);
      msg = json_object_new_object ();
      json_object_object_add (msg, "role", json_object_get (role));
      if (content == NULL || json_object_get_type (content) == json_type_null)
        json_object_object_add (msg, "content", json_object_new_string (""));
      else if (json_object_get_type (content) == json_type_string ||
               json_object_get_type (content) == json_type_array)
        json_object_object_add (msg, "content", json_object_get (content));
      else if (json_object_get_type (content) == json_type_object)
        {
          json_object_put (msg);
          _arb_record_error (imp, error, "field \"%s\", message %zu: \"content\" must be text",
                             key, i + 1);
          return NULL;
        }
      else
        {
          _arb_importer_warn (imp, "field \"%s\", message %zu: content is a %s, not text; "
                                   "imported as text", key, i + 1,
                              json_object_get_type (content) == json_type_boolean ? "boolean"
                                                                                  : "number");
          json_object_object_add (msg, "content",
                                  json_object_new_string (json_object_get_string (content)));
        }
      if (json_object_object_get_ex (item, "name", &name) &&
          json_object_get_type (name) == json_type_string)
        json_object_object_add (msg, "name", json_object_get (name));
      json_object_array_add (out, msg);
    }
  return g_steal_pointer (&out);
}

/* ---- The driver -------------------------------------------------------------------------- */

static void
tally_add (ArbImportTally       *to,
           const ArbImportTally *from)
{
  to->systems += from->systems;
  to->raters += from->raters;
  to->prompts += from->prompts;
  to->generations += from->generations;
  to->comparisons += from->comparisons;
  to->verdicts += from->verdicts;
  to->grades += from->grades;
  to->duplicates += from->duplicates;
  to->conflicts += from->conflicts;
}

static gboolean
exec (ArbImporter *imp,
      const char  *sql,
      GError     **error)
{
  return _arb_workspace_exec (imp->ws, sql, error);
}

static gboolean
record_is_recoverable (const GError *error)
{
  return error->domain == ARB_IMPORT_ERROR &&
         (error->code == ARB_IMPORT_ERROR_SYNTAX || error->code == ARB_IMPORT_ERROR_UTF8 ||
          error->code == ARB_IMPORT_ERROR_NUL || error->code == ARB_IMPORT_ERROR_DEPTH ||
          error->code == ARB_IMPORT_ERROR_TOO_LARGE || error->code == ARB_IMPORT_ERROR_RECORD);
}

static gint64
begin_import (ArbImporter *imp,
              const char  *path,
              GError     **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *owner = _arb_process_owner ();
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  gint64 id;

  stmt = _arb_workspace_prepare (imp->ws,
                                 "INSERT INTO imports (uuid, name, path, format, state, started_at, "
                                 "owner) VALUES (?, ?, ?, ?, 'running', ?, ?)", error);
  if (stmt == NULL)
    return -1;
  bind_uuid (stmt, 1);
  sqlite3_bind_text (stmt, 2, base, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, abs, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, arb_import_format_to_string (imp->format), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, imp->now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, owner, -1, SQLITE_STATIC);
  id = insert_row (imp, stmt, error);
  return id;
}

static gboolean
finish_import (ArbImporter     *imp,
               ArbImportResult *result,
               GError         **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *now = _arb_now_iso8601 ();

  stmt = _arb_workspace_prepare (imp->ws,
                                 "UPDATE imports SET state = 'done', finished_at = ?, format = ?, "
                                 "sha256 = ?, n_records = ?, n_skipped = ?, n_warnings = ?, "
                                 "n_systems = ?, n_raters = ?, n_prompts = ?, n_generations = ?, "
                                 "n_comparisons = ?, n_verdicts = ?, owner = NULL WHERE id = ?",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, arb_import_format_to_string (imp->format), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, arb_json_reader_get_sha256 (imp->reader), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, result->records);
  sqlite3_bind_int64 (stmt, 5, result->skipped);
  sqlite3_bind_int64 (stmt, 6, imp->n_warnings);
  sqlite3_bind_int64 (stmt, 7, imp->done.systems);
  sqlite3_bind_int64 (stmt, 8, imp->done.raters);
  sqlite3_bind_int64 (stmt, 9, imp->done.prompts);
  sqlite3_bind_int64 (stmt, 10, imp->done.generations);
  sqlite3_bind_int64 (stmt, 11, imp->done.comparisons);
  sqlite3_bind_int64 (stmt, 12, imp->done.verdicts);
  sqlite3_bind_int64 (stmt, 13, imp->import_id);
  return _arb_workspace_step_done (imp->ws, stmt, error);
}

static void
warn_if_seen_before (ArbImporter *imp)
{
  const char *sha = arb_json_reader_get_sha256 (imp->reader);
  sqlite3_stmt *stmt;

  if (sha == NULL)
    return;
  stmt = _arb_workspace_prepare (imp->ws,
                                 "SELECT id, name FROM imports WHERE sha256 = ? AND state = 'done' "
                                 "AND id <> ? ORDER BY id LIMIT 1", NULL);
  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, sha, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, imp->import_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      imp->n_warnings++;
      g_ptr_array_add (imp->warnings,
                       g_strdup_printf ("%s: the same file was imported before (import %"
                                        G_GINT64_FORMAT ", %s); rows already present were not "
                                        "added again", arb_json_reader_get_name (imp->reader),
                                        (gint64) sqlite3_column_int64 (stmt, 0),
                                        sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
}

/* Removes a failed import's rows in one transaction and records why it failed. */
static void
abandon_import (ArbImporter *imp,
                const char  *why)
{
  sqlite3_stmt *stmt;

  exec (imp, "ROLLBACK", NULL);
  /* The rows of earlier batches were committed: mark the import dead so the same removal
   * that runs for interrupted imports takes them away now. */
  if (imp->import_id <= 0)
    return;
  stmt = _arb_workspace_prepare (imp->ws,
                                 "UPDATE imports SET owner = NULL, error = ?, format = ? WHERE id = ?",
                                 NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_text (stmt, 1, why, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, arb_import_format_to_string (imp->format), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, imp->import_id);
      _arb_workspace_step_done (imp->ws, stmt, NULL);
    }
  _arb_workspace_remove_import (imp->ws, imp->import_id, why, NULL);
}

/**
 * arb_workspace_import_file:
 * @path: the file: JSON Lines, a JSON array or concatenated JSON values, optionally gzip'd
 * @options: (nullable): format, name overrides, whether to skip bad records
 * @progress: (nullable) (scope call): called now and then
 * @cancellable: (nullable): cancels the import, which then leaves nothing behind
 * @error: return location for an error, which names file, line and column
 *
 * Imports a file whole, or not at all: unless @options asks to skip bad records, the first bad
 * record fails the import and removes what it wrote.
 *
 * Returns: (transfer full) (nullable): what the import added, or %NULL on error
 */
ArbImportResult *
arb_workspace_import_file (ArbWorkspace            *ws,
                           const char              *path,
                           const ArbImportOptions  *options,
                           ArbImportProgressFunc    progress,
                           gpointer                 user_data,
                           GCancellable            *cancellable,
                           GError                 **error)
{
  static const ArbImportOptions default_options = { 0 };
  g_autoptr(ArbJsonReader) reader = NULL;
  g_autoptr(ArbImportResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  ArbImporter imp = { 0 };
  ArbImportRecordFunc record_func = NULL;
  gint64 batch_start, last_progress = 0;
  guint batch_records = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (ARB_IS_WORKSPACE (ws), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (options == NULL)
    options = &default_options;

  reader = arb_json_reader_new_for_path (path, error);
  if (reader == NULL)
    return NULL;

  result = g_new0 (ArbImportResult, 1);
  result->bad_records = g_ptr_array_new_with_free_func (g_free);
  imp.ws = ws;
  imp.db = _arb_workspace_get_db (ws);
  imp.options = options;
  imp.format = options->format;
  imp.reader = reader;
  imp.now = _arb_now_iso8601 ();
  imp.systems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp.raters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp.samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp.warnings = g_ptr_array_new_with_free_func (g_free);
  if (imp.format != ARB_IMPORT_FORMAT_AUTO)
    record_func = _arb_import_record_func (imp.format);

  imp.import_id = begin_import (&imp, path, &local_error);
  if (imp.import_id < 0)
    goto out;
  result->import_id = imp.import_id;

  if (!exec (&imp, "BEGIN IMMEDIATE", &local_error))
    goto fail;
  batch_start = g_get_monotonic_time ();

  for (;;)
    {
      g_autoptr(json_object) record = NULL;
      g_autoptr(GError) record_error = NULL;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (&local_error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_CANCELLED,
                       "%s: import cancelled; nothing was added", path);
          goto fail;
        }

      if (!arb_json_reader_next (reader, &record, cancellable, &record_error))
        {
          if (record_error == NULL)
            break;  /* end of file */
          if (options->skip_bad && record_is_recoverable (record_error) &&
              arb_json_reader_recover (reader, cancellable, NULL))
            {
              result->skipped++;
              g_ptr_array_add (result->bad_records, g_strdup (record_error->message));
              continue;
            }
          g_propagate_error (&local_error, g_steal_pointer (&record_error));
          goto fail;
        }

      if (record_func == NULL)
        {
          if (json_object_get_type (record) == json_type_object)
            imp.format = _arb_import_detect (record);
          if (imp.format == ARB_IMPORT_FORMAT_AUTO)
            {
              g_set_error (&local_error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_FORMAT,
                           "%s:%" G_GUINT64_FORMAT ": cannot tell the format from the first "
                           "record; name it with --format (one of: %s)", path,
                           arb_json_reader_get_line (reader), arb_import_format_list ());
              goto fail;
            }
          record_func = _arb_import_record_func (imp.format);
        }

      result->records++;
      memset (&imp.pending, 0, sizeof imp.pending);
      /* A savepoint per record lets a bad record be undone alone; it costs a statement journal
       * per record (measured: 40 % of the import's time), so it is taken only when bad records
       * are to be skipped. Otherwise a bad record fails the whole import anyway. */
      if (options->skip_bad && !exec (&imp, "SAVEPOINT record", &local_error))
        goto fail;
      if (json_object_get_type (record) != json_type_object)
        _arb_record_error (&imp, &record_error, "a record must be a JSON object, not %s",
                           json_type_to_name (json_object_get_type (record)));
      else
        record_func (&imp, record, &record_error);

      if (record_error != NULL)
        {
          g_autofree char *where = g_strdup_printf ("%s:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                                                    path, arb_json_reader_get_line (reader),
                                                    arb_json_reader_get_column (reader));

          if (options->skip_bad &&
              (!exec (&imp, "ROLLBACK TO record", &local_error) ||
               !exec (&imp, "RELEASE record", &local_error)))
            goto fail;
          /* Rows the record had created are gone; forget their cached ids. */
          g_hash_table_remove_all (imp.systems);
          g_hash_table_remove_all (imp.raters);
          if (record_error->domain != ARB_IMPORT_ERROR ||
              record_error->code != ARB_IMPORT_ERROR_RECORD || !options->skip_bad)
            {
              if (record_error->domain == ARB_IMPORT_ERROR)
                g_set_error (&local_error, ARB_IMPORT_ERROR, record_error->code, "%s: %s", where,
                             record_error->message);
              else
                g_propagate_error (&local_error, g_steal_pointer (&record_error));
              goto fail;
            }
          result->records--;
          result->skipped++;
          g_ptr_array_add (result->bad_records,
                           g_strdup_printf ("%s: %s", where, record_error->message));
        }
      else
        {
          if (options->skip_bad && !exec (&imp, "RELEASE record", &local_error))
            goto fail;
          tally_add (&imp.done, &imp.pending);
        }

      /* Short batches: the write lock is held for at most ~BATCH_MICROSECONDS at a time. */
      batch_records++;
      if (batch_records >= BATCH_RECORDS || g_get_monotonic_time () - batch_start > BATCH_MICROSECONDS)
        {
          gint64 now;

          if (!exec (&imp, "COMMIT", &local_error))
            goto fail;
          /* Leave the write lock free for a moment, so an annotator's commit goes in between
           * batches instead of waiting behind the whole import. */
          g_usleep (2000);
          now = g_get_monotonic_time ();
          if (progress != NULL && now - last_progress > PROGRESS_MICROSECONDS)
            {
              progress (arb_json_reader_get_offset (reader), arb_json_reader_get_size (reader),
                        result->records, user_data);
              last_progress = now;
            }
          if (!exec (&imp, "BEGIN IMMEDIATE", &local_error))
            goto fail;
          batch_start = g_get_monotonic_time ();
          batch_records = 0;
        }
    }

  if (result->records == 0 && result->skipped == 0)
    {
      g_set_error (&local_error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_EMPTY,
                   "%s: the file holds no records", path);
      goto fail;
    }
  if (result->records == 0)
    {
      g_set_error (&local_error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_RECORD,
                   "%s: every record is bad (%" G_GUINT64_FORMAT " skipped); nothing to import",
                   path, result->skipped);
      goto fail;
    }

  warn_if_seen_before (&imp);
  if (!finish_import (&imp, result, &local_error) || !exec (&imp, "COMMIT", &local_error))
    goto fail;
  if (progress != NULL)
    progress (arb_json_reader_get_offset (reader), arb_json_reader_get_size (reader),
              result->records, user_data);

  result->format = imp.format;
  result->systems = imp.done.systems;
  result->raters = imp.done.raters;
  result->prompts = imp.done.prompts;
  result->generations = imp.done.generations;
  result->comparisons = imp.done.comparisons;
  result->verdicts = imp.done.verdicts;
  result->grades = imp.done.grades;
  result->duplicates = imp.done.duplicates;
  result->conflicts = imp.done.conflicts;
  result->warnings = g_steal_pointer (&imp.warnings);
  if (imp.n_warnings > MAX_KEPT_WARNINGS)
    g_ptr_array_add (result->warnings,
                     g_strdup_printf ("%s: %" G_GUINT64_FORMAT " more warnings not shown", path,
                                      imp.n_warnings - MAX_KEPT_WARNINGS));
  ok = TRUE;
  goto out;

fail:
  abandon_import (&imp, local_error->message);

out:
  g_clear_pointer (&imp.systems, g_hash_table_unref);
  g_clear_pointer (&imp.raters, g_hash_table_unref);
  g_clear_pointer (&imp.samples, g_hash_table_unref);
  g_clear_pointer (&imp.warnings, g_ptr_array_unref);
  if (imp.format_data != NULL && imp.format_data_free != NULL)
    imp.format_data_free (imp.format_data);
  g_free (imp.now);
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&result);
}
