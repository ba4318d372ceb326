/* test-import-rated.c: the importers of rated data (pandalm, llmbar, llmbar-result, mt-bench-*)
 * on the real samples in ../shared/data, checked against the numbers their READMEs give
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "arb-json-reader.h"   /* json-c, with g_autoptr (json_object) */

#include "arb-import.h"
#include "arb-workspace-private.h"
#include "../arb-test-util.h"

typedef struct
{
  char         *dir;
  char         *path;
  ArbWorkspace *ws;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = arb_test_mkdtemp ();
  f->path = g_build_filename (f->dir, "ws.arbiter", NULL);
  f->ws = arb_workspace_create (f->path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_object (&f->ws);
  arb_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static char *
data_path (const char *relative)
{
  return g_build_filename (arb_test_shared_data (), relative, NULL);
}

static ArbImportResult *
import (Fixture         *f,
        const char      *relative,
        ArbImportFormat  format,
        GError         **error)
{
  ArbImportOptions options = { .format = format };
  g_autofree char *path = relative[0] == '/' ? g_strdup (relative) : data_path (relative);

  return arb_workspace_import_file (f->ws, path, &options, NULL, NULL, NULL, error);
}

/* Imports a file that must land, with the format it must be detected as. */
static ArbImportResult *
import_ok (Fixture         *f,
           const char      *relative,
           ArbImportFormat  expected)
{
  g_autoptr(GError) error = NULL;
  ArbImportResult *result = import (f, relative, ARB_IMPORT_FORMAT_AUTO, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpstr (arb_import_format_to_string (result->format), ==,
                   arb_import_format_to_string (expected));
  return result;
}

static ArbCounts
counts (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ArbCounts c;

  g_assert_true (arb_workspace_get_counts (f->ws, &c, &error));
  g_assert_no_error (error);
  return c;
}

static void
assert_counts_equal (const ArbCounts *a,
                     const ArbCounts *b)
{
  g_assert_cmpint (a->prompts, ==, b->prompts);
  g_assert_cmpint (a->generations, ==, b->generations);
  g_assert_cmpint (a->comparisons, ==, b->comparisons);
  g_assert_cmpint (a->systems, ==, b->systems);
  g_assert_cmpint (a->raters, ==, b->raters);
  g_assert_cmpint (a->verdicts, ==, b->verdicts);
  g_assert_cmpint (a->grades, ==, b->grades);
}

static sqlite3_stmt *
query (Fixture    *f,
       const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (_arb_workspace_get_db (f->ws), sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (_arb_workspace_get_db (f->ws)));
  return stmt;
}

static gint64
query_int64 (Fixture    *f,
             const char *sql)
{
  sqlite3_stmt *stmt = query (f, sql);
  gint64 v = -1;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static double
query_double (Fixture    *f,
              const char *sql)
{
  sqlite3_stmt *stmt = query (f, sql);
  double v = NAN;

  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    v = sqlite3_column_double (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static char *
query_text (Fixture    *f,
            const char *sql)
{
  sqlite3_stmt *stmt = query (f, sql);
  char *v = NULL;

  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    v = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return v;
}

static guint
count_warnings (ArbImportResult *result,
                const char      *needle)
{
  guint n = 0;

  for (guint i = 0; i < result->warnings->len; i++)
    if (strstr (g_ptr_array_index (result->warnings, i), needle) != NULL)
      n++;
  return n;
}

/* ---- pandalm ----------------------------------------------------------------------------- */

#define PANDALM_ITEMS "pandalm_testset/data/testset-v1.first200.json"
#define PANDALM_GPT "pandalm_testset/data/gpt-3.5-turbo-testset-v1.first200.json"
#define PANDALM_7B "pandalm_testset/data/pandalm-7b-testset-v1.first200.json"

/* Each current verdict of a PandaLM rater as the label the dataset gives (1 = response1 better,
 * 2 = response2 better, 0 = tie), by idx. Verdicts are stored on canonical comparisons (A = the
 * older generation): source "pandalm-swapped" says where response1 is B. Unparseable verdicts
 * have label -1. */
#define PANDALM_LABELS \
  "lab AS (SELECT CAST(i.external_id AS INTEGER) AS idx, r.name AS rater, " \
  "  CASE WHEN v.status <> 'ok' THEN -1 WHEN v.preference = 0.5 THEN 0 " \
  "       WHEN (v.preference = 1.0) = (s.external_id IS NULL) THEN 2 ELSE 1 END AS label " \
  "  FROM current_verdicts v JOIN raters r ON r.id = v.rater_id " \
  "  JOIN comparison_ids i ON i.comparison_id = v.comparison_id AND i.source = 'pandalm' " \
  "  LEFT JOIN comparison_ids s ON s.comparison_id = v.comparison_id " \
  "   AND s.source = 'pandalm-swapped' " \
  "  WHERE CAST(i.external_id AS INTEGER) < 200) "

/* Cohen's kappa (Cohen 1960): (p_o - p_e) / (1 - p_e), p_e from the two raters' marginals over
 * the categories 0, 1, 2, in plain SQL on the imported verdicts. */
static double
pandalm_cohen (Fixture    *f,
               const char *x,
               const char *y)
{
  g_autofree char *sql = g_strdup_printf (
    "WITH " PANDALM_LABELS ", "
    "pairs AS (SELECT a.label AS la, b.label AS lb FROM lab a JOIN lab b ON a.idx = b.idx "
    "  WHERE a.rater = '%s' AND b.rater = '%s'), "
    "n AS (SELECT count(*) AS n FROM pairs), "
    "po AS (SELECT avg(la = lb) AS po FROM pairs), "
    "pe AS (SELECT sum(ca * cb) * 1.0 / ((SELECT n FROM n) * (SELECT n FROM n)) AS pe FROM "
    "  (SELECT (SELECT count(*) FROM pairs WHERE la = c) AS ca, "
    "          (SELECT count(*) FROM pairs WHERE lb = c) AS cb "
    "   FROM (SELECT 0 AS c UNION SELECT 1 UNION SELECT 2))) "
    "SELECT (po - pe) / (1 - pe) FROM po, pe", x, y);

  return query_double (f, sql);
}

static void
test_pandalm (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(ArbImportResult) items = import_ok (f, PANDALM_ITEMS, ARB_IMPORT_FORMAT_PANDALM);
  g_autoptr(ArbImportResult) gpt = NULL;
  g_autoptr(ArbImportResult) panda = NULL;
  ArbCounts c = counts (f);

  /* 200 items over 37 instructions; responses of one system to one instruction are shared
   * between items, so 170 generations; every item is its own comparison (keyed by system as
   * well as text: text alone would merge them into 176). */
  g_assert_cmpint (items->records, ==, 200);
  g_assert_cmpint (c.prompts, ==, 37);
  g_assert_cmpint (c.generations, ==, 170);
  g_assert_cmpint (c.comparisons, ==, 200);
  g_assert_cmpint (c.systems, ==, 5);
  g_assert_cmpint (c.raters, ==, 3);
  g_assert_cmpint (c.verdicts, ==, 600);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM comparison_ids WHERE source = 'pandalm'"),
                   ==, 200);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM raters WHERE name LIKE "
                                   "'pandalm/annotator_' AND kind = 'human' AND origin = "
                                   "'imported' AND role = 'annotator'"), ==, 3);
  /* Each annotator: 200 verdicts, response1 shown first (ab, or ba where the comparison has
   * response1 as its B); ties as in the file (28, 34, 36). */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                   "r.id = v.rater_id LEFT JOIN comparison_ids s ON s.comparison_id"
                                   " = v.comparison_id AND s.source = 'pandalm-swapped' WHERE"
                                   " r.name = 'pandalm/annotator1' AND v.presented = CASE WHEN"
                                   " s.external_id IS NULL THEN 'ab' ELSE 'ba' END AND"
                                   " status = 'ok'"), ==, 200);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                   "r.id = v.rater_id WHERE r.name = 'pandalm/annotator1' AND "
                                   "preference = 0.5 AND strength = 0"), ==, 28);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                   "r.id = v.rater_id WHERE r.name = 'pandalm/annotator2' AND "
                                   "preference = 0.5"), ==, 34);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                   "r.id = v.rater_id WHERE r.name = 'pandalm/annotator3' AND "
                                   "preference = 0.5"), ==, 36);

  /* The six records with `true` as a response: the text "true", each with a warning. */
  g_assert_cmpuint (count_warnings (items, "is a boolean, not text; imported as the text \"true\""),
                    ==, 6);
  /* They are bloom-7b's (idx 157-159) and opt-7b's (161, 162, 164) answer to one instruction:
   * two generations, in six comparisons. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations WHERE text = 'true'"), ==, 2);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM comparisons c JOIN generations a ON "
                                   "a.id = c.a_id JOIN generations b ON b.id = c.b_id WHERE "
                                   "a.text = 'true' OR b.text = 'true'"), ==, 6);
  /* idx 157: bloom-7b_cerebras-gpt-6.7B, response1 = true, response2 = "True.", labels 1 1 0. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM comparison_ids i JOIN comparisons c ON "
                                   "c.id = i.comparison_id JOIN generations a ON a.id = c.a_id "
                                   "JOIN generations b ON b.id = c.b_id JOIN systems sa ON "
                                   "sa.id = a.system_id JOIN systems sb ON sb.id = b.system_id "
                                   "WHERE i.source = 'pandalm' AND i.external_id = '157' AND "
                                   "((sa.name = 'bloom-7b' AND a.text = 'true' AND "
                                   "  sb.name = 'cerebras-gpt-6.7B' AND b.text = 'True.') OR "
                                   " (sb.name = 'bloom-7b' AND b.text = 'true' AND "
                                   "  sa.name = 'cerebras-gpt-6.7B' AND a.text = 'True.'))"),
                   ==, 1);
  {
    /* annotator1 says 1: bloom-7b's "true" is better, whichever side it is stored on. */
    double p = query_double (f, "SELECT v.preference FROM current_verdicts v JOIN raters r ON "
                                "r.id = v.rater_id JOIN comparison_ids i ON i.comparison_id = "
                                "v.comparison_id AND i.source = 'pandalm' AND i.external_id = "
                                "'157' WHERE r.name = 'pandalm/annotator1'");
    gint64 true_is_a = query_int64 (f, "SELECT a.text = 'true' FROM comparison_ids i JOIN "
                                       "comparisons c ON c.id = i.comparison_id JOIN generations a "
                                       "ON a.id = c.a_id WHERE i.source = 'pandalm' AND "
                                       "i.external_id = '157'");

    g_assert_cmpfloat (p, ==, true_is_a ? 0.0 : 1.0);
    g_assert_cmpfloat (query_double (f, "SELECT v.preference FROM current_verdicts v JOIN raters "
                                        "r ON r.id = v.rater_id JOIN comparison_ids i ON "
                                        "i.comparison_id = v.comparison_id AND i.source = "
                                        "'pandalm' AND i.external_id = '157' WHERE r.name = "
                                        "'pandalm/annotator3'"), ==, 0.5);
  }

  /* idx 0 (bloom-7b_llama-7b, labels 2 2 2): created first, so not swapped: llama-7b's response
   * is B, and B is better. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM comparison_ids WHERE external_id = '0' "
                                   "AND source = 'pandalm-swapped'"), ==, 0);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN comparison_ids i "
                                   "ON i.comparison_id = v.comparison_id JOIN comparisons c ON "
                                   "c.id = v.comparison_id JOIN generations b ON b.id = c.b_id "
                                   "JOIN systems s ON s.id = b.system_id WHERE i.source = "
                                   "'pandalm' AND i.external_id = '0' AND s.name = 'llama-7b' AND "
                                   "v.preference = 1.0 AND v.strength = 1"), ==, 3);
  /* idx 2 (cerebras-gpt-6.7B_llama-7b, labels 2 2 2): its response2 is idx 0's llama-7b
   * generation, the older one, so the pair is stored swapped and the label flips to 0 (A =
   * llama-7b better). */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM comparison_ids WHERE external_id = '2' "
                                   "AND source = 'pandalm-swapped'"), ==, 1);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN comparison_ids i "
                                   "ON i.comparison_id = v.comparison_id JOIN comparisons c ON "
                                   "c.id = v.comparison_id JOIN generations a ON a.id = c.a_id "
                                   "JOIN systems s ON s.id = a.system_id WHERE i.source = "
                                   "'pandalm' AND i.external_id = '2' AND s.name = 'llama-7b' AND "
                                   "v.preference = 0.0"), ==, 3);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM comparison_ids WHERE source = "
                                   "'pandalm-swapped'"), >, 0);

  /* The judges, joined on idx. */
  gpt = import_ok (f, PANDALM_GPT, ARB_IMPORT_FORMAT_PANDALM);
  panda = import_ok (f, PANDALM_7B, ARB_IMPORT_FORMAT_PANDALM);
  c = counts (f);
  g_assert_cmpint (gpt->verdicts, ==, 200);
  g_assert_cmpint (panda->verdicts, ==, 200);
  g_assert_cmpint (c.comparisons, ==, 200);
  g_assert_cmpint (c.raters, ==, 5);
  g_assert_cmpint (c.verdicts, ==, 1000);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM raters WHERE kind = 'judge' AND origin = "
                                   "'imported' AND name IN ('pandalm/gpt-3.5-turbo', "
                                   "'pandalm/pandalm-7b')"), ==, 2);

  /* The README's numbers, from the imported verdicts. */
  {
    static const struct { const char *rater; int label; gint64 n; } judged[] = {
      { "pandalm/gpt-3.5-turbo", 1, 99 }, { "pandalm/gpt-3.5-turbo", 2, 88 },
      { "pandalm/gpt-3.5-turbo", 0, 9 }, { "pandalm/gpt-3.5-turbo", -1, 4 },
      { "pandalm/pandalm-7b", 2, 84 }, { "pandalm/pandalm-7b", 1, 83 },
      { "pandalm/pandalm-7b", 0, 33 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (judged); i++)
      {
        g_autofree char *sql = g_strdup_printf ("WITH " PANDALM_LABELS "SELECT count(*) FROM lab "
                                                "WHERE rater = '%s' AND label = %d",
                                                judged[i].rater, judged[i].label);

        g_assert_cmpint (query_int64 (f, sql), ==, judged[i].n);
      }
  }
  /* "garbage" is unparseable, with the value kept; both judges were shown response1 first. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                   "r.id = v.rater_id WHERE r.name = 'pandalm/gpt-3.5-turbo' AND "
                                   "status = 'unparseable' AND preference IS NULL AND "
                                   "raw = 'garbage'"), ==, 4);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                   "r.id = v.rater_id JOIN comparison_ids i ON i.comparison_id = "
                                   "v.comparison_id AND i.source = 'pandalm' LEFT JOIN "
                                   "comparison_ids s ON s.comparison_id = v.comparison_id AND "
                                   "s.source = 'pandalm-swapped' WHERE r.kind = 'judge' AND "
                                   "v.presented = CASE WHEN s.external_id IS NULL THEN 'ab' "
                                   "ELSE 'ba' END"), ==, 400);

  /* Cohen's kappa of the three annotator pairs and Fleiss' kappa, to four decimals. */
  g_assert_cmpfloat_with_epsilon (pandalm_cohen (f, "pandalm/annotator1", "pandalm/annotator2"),
                                  0.9110, 0.00005);
  g_assert_cmpfloat_with_epsilon (pandalm_cohen (f, "pandalm/annotator1", "pandalm/annotator3"),
                                  0.8792, 0.00005);
  g_assert_cmpfloat_with_epsilon (pandalm_cohen (f, "pandalm/annotator2", "pandalm/annotator3"),
                                  0.8885, 0.00005);
  /* Fleiss (1971): P_i = (sum_j n_ij^2 - n) / (n (n - 1)) with n = 3, p_j the category shares,
   * kappa = (mean P_i - sum p_j^2) / (1 - sum p_j^2). */
  g_assert_cmpfloat_with_epsilon (
    query_double (f, "WITH " PANDALM_LABELS ", "
                     "cnt AS (SELECT idx, label, count(*) AS k FROM lab WHERE rater LIKE "
                     "  'pandalm/annotator%' GROUP BY idx, label), "
                     "pi AS (SELECT idx, (sum(k * k) - 3) / 6.0 AS p FROM cnt GROUP BY idx), "
                     "pj AS (SELECT label, sum(k) / (3.0 * (SELECT count(DISTINCT idx) FROM cnt)) "
                     "  AS p FROM cnt GROUP BY label) "
                     "SELECT ((SELECT avg(p) FROM pi) - (SELECT sum(p * p) FROM pj)) / "
                     "  (1 - (SELECT sum(p * p) FROM pj))"), 0.8928, 0.00005);

  /* Majority labels 2 -> 90, 1 -> 81, 0 -> 29; 180 unanimous; judges' agreement with it
   * (Tie = 0, garbage wrong): 0.680 and 0.695. */
  {
#define MAJORITY "maj AS (SELECT idx, label FROM (SELECT idx, label, count(*) AS k FROM lab " \
                 "WHERE rater LIKE 'pandalm/annotator%' GROUP BY idx, label) WHERE k >= 2) "

    g_assert_cmpint (query_int64 (f, "WITH " PANDALM_LABELS ", " MAJORITY
                                     "SELECT count(*) FROM maj WHERE label = 2"), ==, 90);
    g_assert_cmpint (query_int64 (f, "WITH " PANDALM_LABELS ", " MAJORITY
                                     "SELECT count(*) FROM maj WHERE label = 1"), ==, 81);
    g_assert_cmpint (query_int64 (f, "WITH " PANDALM_LABELS ", " MAJORITY
                                     "SELECT count(*) FROM maj WHERE label = 0"), ==, 29);
    g_assert_cmpint (query_int64 (f, "WITH " PANDALM_LABELS " SELECT count(*) FROM (SELECT idx "
                                     "FROM lab WHERE rater LIKE 'pandalm/annotator%' GROUP BY idx "
                                     "HAVING min(label) = max(label))"), ==, 180);
    g_assert_cmpfloat_with_epsilon (
      query_double (f, "WITH " PANDALM_LABELS ", " MAJORITY "SELECT avg(l.label = m.label) FROM "
                       "lab l JOIN maj m ON m.idx = l.idx WHERE l.rater = "
                       "'pandalm/gpt-3.5-turbo'"), 0.680, 1e-9);
    g_assert_cmpfloat_with_epsilon (
      query_double (f, "WITH " PANDALM_LABELS ", " MAJORITY "SELECT avg(l.label = m.label) FROM "
                       "lab l JOIN maj m ON m.idx = l.idx WHERE l.rater = "
                       "'pandalm/pandalm-7b'"), 0.695, 1e-9);
#undef MAJORITY
  }

  /* Importing all three again changes no count. */
  {
    static const char *const files[] = { PANDALM_ITEMS, PANDALM_GPT, PANDALM_7B };
    const guint64 verdicts[] = { 600, 200, 200 };

    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autoptr(ArbImportResult) again = import_ok (f, files[i], ARB_IMPORT_FORMAT_PANDALM);
        ArbCounts after = counts (f);

        assert_counts_equal (&c, &after);
        g_assert_cmpint (again->verdicts, ==, 0);
        g_assert_cmpuint (again->duplicates, ==, verdicts[i]);
        g_assert_cmpuint (again->conflicts, ==, 0);
      }
  }
}

static void
test_pandalm_judge_first (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) result = import (f, PANDALM_GPT, ARB_IMPORT_FORMAT_PANDALM, &error);
  ArbCounts c = counts (f);

  /* Without the items there is nothing to join on: the file fails where its first record
   * starts, and adds nothing. */
  g_assert_null (result);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_RECORD);
  g_assert_true (strstr (error->message, "gpt-3.5-turbo-testset-v1.first200.json:2:5: no PandaLM "
                                         "item with idx 0") != NULL);
  g_assert_cmpint (c.verdicts, ==, 0);
  g_assert_cmpint (c.raters, ==, 0);
}

static void
test_pandalm_bad (Fixture      *f,
                  gconstpointer data)
{
  static const char bad_key[] =
    "[\n  {\"idx\": 0, \"cmp_key\": \"a_b\", \"instruction\": \"Say hi.\", \"input\": \"\",\n"
    "   \"response1\": \"hi\", \"response2\": \"hello\", \"annotator1\": 1},\n"
    "  {\"idx\": 1, \"cmp_key\": \"ab\", \"instruction\": \"Say hi.\", \"input\": \"\",\n"
    "   \"response1\": \"hi\", \"response2\": \"hey\", \"annotator1\": 2}\n]";
  static const char bad_label[] =
    "{\"idx\": 0, \"cmp_key\": \"a_b\", \"instruction\": \"Say hi.\", \"input\": \"x\", "
    "\"response1\": \"hi\", \"response2\": \"hello\", \"annotator1\": 3}\n";
  g_autofree char *p1 = arb_test_write_file (f->dir, "bad-key.json", bad_key, -1, FALSE);
  g_autofree char *p2 = arb_test_write_file (f->dir, "bad-label.jsonl", bad_label, -1, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r1 = import (f, p1, ARB_IMPORT_FORMAT_AUTO, &error);
  g_autofree char *where = g_strdup_printf ("%s:4:3: field \"cmp_key\" must be", p1);

  g_assert_null (r1);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_RECORD);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_clear_error (&error);
  g_assert_null (import (f, p2, ARB_IMPORT_FORMAT_PANDALM, &error));
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_RECORD);
  g_assert_true (strstr (error->message, "bad-label.jsonl:1:1: field \"annotator1\" must be 0 "
                                         "(tie), 1") != NULL);
  g_assert_cmpint (counts (f).prompts, ==, 0);
}

/* ---- llmbar, llmbar-result --------------------------------------------------------------- */

#define LLMBAR "llmbar/Dataset/LLMBar/"

/* "95 / 100 = 95.0%" -> 95 */
static gint64
statistics_count (json_object *stats,
                  const char  *key)
{
  json_object *value = NULL;

  g_assert_true (json_object_object_get_ex (stats, key, &value));
  return g_ascii_strtoll (json_object_get_string (value), NULL, 10);
}

static void
test_llmbar (Fixture      *f,
             gconstpointer data)
{
  static const char *const judges[] = { "GPT-4", "PaLM2", "Falcon" };
  g_autoptr(ArbImportResult) natural = import_ok (f, LLMBAR "Natural/dataset.json",
                                                  ARB_IMPORT_FORMAT_LLMBAR);
  g_autoptr(ArbImportResult) gptout = import_ok (f, LLMBAR "Adversarial/GPTOut/dataset.json",
                                                 ARB_IMPORT_FORMAT_LLMBAR);
  ArbCounts c = counts (f);

  g_assert_cmpint (natural->records, ==, 100);
  g_assert_cmpint (gptout->records, ==, 47);
  g_assert_cmpint (c.prompts, ==, 147);
  g_assert_cmpint (c.generations, ==, 294);
  g_assert_cmpint (c.comparisons, ==, 147);
  g_assert_cmpint (c.raters, ==, 1);
  g_assert_cmpint (c.verdicts, ==, 147);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM raters WHERE name = 'gold' AND "
                                   "role = 'gold' AND origin = 'imported'"), ==, 1);
  /* Subsets as categories; no ties; labels 2 -> 58 + 25. A fresh import keeps output_1 as A. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM prompts WHERE category = 'Natural'"), ==,
                   100);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM prompts WHERE category = "
                                   "'Adversarial/GPTOut'"), ==, 47);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE preference = 1.0 "
                                   "AND strength = 1 AND presented IS NULL"), ==, 58 + 25);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE preference = 0.0"),
                   ==, 42 + 22);
  /* GPTOut element 20: "Compute the derivative of 2x^2 + 5x.", label 2: "4x + 5" is better. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN comparisons c ON "
                                   "c.id = v.comparison_id JOIN prompts p ON p.id = c.prompt_id "
                                   "JOIN generations a ON a.id = c.a_id JOIN generations b ON "
                                   "b.id = c.b_id WHERE p.messages = '[{\"role\":\"user\","
                                   "\"content\":\"Compute the derivative of 2x^2 + 5x.\"}]' AND "
                                   "a.text = 'The derivative of 2x^2 + 5x is 2x + 5.' AND "
                                   "b.text = '4x + 5' AND v.preference = 1.0"), ==, 1);

  for (guint j = 0; j < G_N_ELEMENTS (judges); j++)
    {
      g_autofree char *result = g_strdup_printf (LLMBAR "Natural/evaluators/%s/Vanilla/result.json",
                                                 judges[j]);
      g_autofree char *stats_path = g_strdup_printf ("%s/" LLMBAR "Natural/evaluators/%s/Vanilla/"
                                                     "statistics.json", arb_test_shared_data (),
                                                     judges[j]);
      g_autoptr(json_object) stats = json_object_from_file (stats_path);
      g_autoptr(ArbImportResult) r = import_ok (f, result, ARB_IMPORT_FORMAT_LLMBAR_RESULT);
      g_autofree char *rater = g_strdup_printf ("llmbar/%s/Vanilla", judges[j]);
      g_autofree char *sql = NULL;

      g_assert_nonnull (stats);
      /* Two verdicts per pair (one per order); the gold label is there already. */
      g_assert_cmpint (r->verdicts, ==, 200);
      g_assert_cmpuint (r->duplicates, ==, 100);
      g_assert_cmpint (r->comparisons, ==, 0);
      g_assert_cmpint (r->raters, ==, 1);

#define JUDGE "(SELECT id FROM raters WHERE name = '%s' AND kind = 'judge')"
#define GOLD "(SELECT id FROM raters WHERE name = 'gold')"
      /* statistics.json: correct_False/True = the winner is the label in each order (swap =
       * False showed output_1, here A, first); correct_both; equal = the two orders agree (two
       * unparseable orders agree, as LLMBar counts them). */
      sql = g_strdup_printf ("SELECT count(*) FROM current_verdicts j JOIN current_verdicts g ON "
                             "g.comparison_id = j.comparison_id AND g.rater_id = " GOLD " WHERE "
                             "j.rater_id = " JUDGE " AND j.presented = 'ab' AND j.status = 'ok' "
                             "AND j.preference = g.preference", rater);
      g_assert_cmpint (query_int64 (f, sql), ==, statistics_count (stats, "correct_False"));
      g_clear_pointer (&sql, g_free);
      sql = g_strdup_printf ("SELECT count(*) FROM current_verdicts j JOIN current_verdicts g ON "
                             "g.comparison_id = j.comparison_id AND g.rater_id = " GOLD " WHERE "
                             "j.rater_id = " JUDGE " AND j.presented = 'ba' AND j.status = 'ok' "
                             "AND j.preference = g.preference", rater);
      g_assert_cmpint (query_int64 (f, sql), ==, statistics_count (stats, "correct_True"));
      g_clear_pointer (&sql, g_free);
      sql = g_strdup_printf ("SELECT count(*) FROM current_verdicts x JOIN current_verdicts y ON "
                             "y.comparison_id = x.comparison_id AND y.rater_id = x.rater_id AND "
                             "y.presented = 'ba' JOIN current_verdicts g ON g.comparison_id = "
                             "x.comparison_id AND g.rater_id = " GOLD " WHERE x.rater_id = " JUDGE
                             " AND x.presented = 'ab' AND x.preference = g.preference AND "
                             "y.preference = g.preference", rater);
      g_assert_cmpint (query_int64 (f, sql), ==, statistics_count (stats, "correct_both"));
      g_clear_pointer (&sql, g_free);
      sql = g_strdup_printf ("SELECT count(*) FROM current_verdicts x JOIN current_verdicts y ON "
                             "y.comparison_id = x.comparison_id AND y.rater_id = x.rater_id AND "
                             "y.presented = 'ba' WHERE x.rater_id = " JUDGE " AND x.presented = "
                             "'ab' AND x.preference IS y.preference", rater);
      g_assert_cmpint (query_int64 (f, sql), ==, statistics_count (stats, "equal"));
      g_clear_pointer (&sql, g_free);
      /* Unparseable (null winner) verdicts keep the judge's reply. */
      sql = g_strdup_printf ("SELECT count(*) FROM current_verdicts WHERE rater_id = " JUDGE
                             " AND status = 'unparseable' AND preference IS NULL AND raw IS NOT "
                             "NULL", rater);
      g_assert_cmpint (query_int64 (f, sql), ==, g_str_equal (judges[j], "PaLM2") ? 4 : 0);
      g_clear_pointer (&sql, g_free);
      if (g_str_equal (judges[j], "Falcon"))
        {
          /* Falcon's position bias: the first-shown output 69 times (original order) and 79
           * (swapped). */
          sql = g_strdup_printf ("SELECT sum(presented = 'ab' AND preference = 0.0), "
                                 "sum(presented = 'ba' AND preference = 1.0) FROM current_verdicts "
                                 "WHERE rater_id = " JUDGE, rater);
          {
            sqlite3_stmt *stmt = query (f, sql);

            g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
            g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 69);
            g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, 79);
            sqlite3_finalize (stmt);
          }
        }
#undef JUDGE
#undef GOLD
    }

  c = counts (f);
  g_assert_cmpint (c.raters, ==, 4);
  g_assert_cmpint (c.verdicts, ==, 147 + 600);
  g_assert_cmpint (c.comparisons, ==, 147);
  /* GPT-4's replies say why they stopped ("stop"); PaLM2's and Falcon's give "", not kept. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE metadata = "
                                   "'{\"finish_reason\":\"stop\"}'"), ==, 200);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE metadata IS NOT "
                                   "NULL"), ==, 200);

  /* Again: nothing new. */
  {
    g_autoptr(ArbImportResult) again = import_ok (f, LLMBAR "Natural/evaluators/PaLM2/Vanilla/"
                                                  "result.json", ARB_IMPORT_FORMAT_LLMBAR_RESULT);
    g_autoptr(ArbImportResult) again2 = import_ok (f, LLMBAR "Natural/dataset.json",
                                                   ARB_IMPORT_FORMAT_LLMBAR);
    ArbCounts after = counts (f);

    assert_counts_equal (&c, &after);
    g_assert_cmpuint (again->duplicates, ==, 300);
    g_assert_cmpuint (again2->duplicates, ==, 100);
  }
}

static void
test_llmbar_result_alone (Fixture      *f,
                          gconstpointer data)
{
  static const char bad[] =
    "[{\"input\": \"Q\", \"output_1\": \"x\", \"output_2\": \"y\", \"label\": 1, \"results\": "
    "[{\"swap = False\": {\"completion\": [\"Output (a)\", \"stop\"], \"winner\": \"1\"}, "
    "\"swap = True\": {\"completion\": [\"Output (c)\", \"stop\"], \"winner\": \"3\"}}]}]";
  g_autoptr(ArbImportResult) r = import_ok (f, LLMBAR "Natural/evaluators/PaLM2/Vanilla/"
                                            "result.json", ARB_IMPORT_FORMAT_LLMBAR_RESULT);
  g_autofree char *path = arb_test_write_file (f->dir, "result.json", bad, -1, FALSE);
  g_autoptr(GError) error = NULL;
  ArbCounts c = counts (f);

  /* A result file alone brings its pairs and the gold label with it. */
  g_assert_cmpint (c.prompts, ==, 100);
  g_assert_cmpint (c.comparisons, ==, 100);
  g_assert_cmpint (c.verdicts, ==, 300);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                   "r.id = v.rater_id WHERE r.name = 'gold'"), ==, 100);

  /* A winner that is neither 1, 2 nor null is a bad record; a path without evaluators/ names the
   * judge after the file, with a warning. */
  g_assert_null (import (f, path, ARB_IMPORT_FORMAT_AUTO, &error));
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_RECORD);
  g_assert_true (strstr (error->message, "result.json:1:2: \"swap = True\": \"winner\" must be")
                 != NULL);
}

/* ---- mt-bench ---------------------------------------------------------------------------- */

#define SKYCAMP "mt_bench/data/skycamp/"

static void
test_mt_bench (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(ArbImportResult) q = import_ok (f, SKYCAMP "question.jsonl",
                                            ARB_IMPORT_FORMAT_MT_BENCH_QUESTIONS);
  g_autoptr(ArbImportResult) a1 = import_ok (f, SKYCAMP "model_answer/gpt-4.jsonl",
                                             ARB_IMPORT_FORMAT_MT_BENCH_ANSWERS);
  g_autoptr(ArbImportResult) a2 = import_ok (f, SKYCAMP "model_answer/gpt-3.5-turbo.jsonl",
                                             ARB_IMPORT_FORMAT_MT_BENCH_ANSWERS);
  g_autoptr(ArbImportResult) pair = NULL;
  g_autoptr(ArbImportResult) single = NULL;
  ArbCounts c = counts (f);

  g_assert_cmpint (q->prompts, ==, 5);
  g_assert_cmpint (a1->generations, ==, 5);
  g_assert_cmpint (a2->generations, ==, 5);
  g_assert_cmpint (c.systems, ==, 2);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM prompt_ids WHERE source = "
                                   "'fastchat/skycamp'"), ==, 5);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM prompts WHERE category = 'generic'"), ==,
                   5);

  /* Records 0-4 of the pair file judge other questions (Vicuna-bench's) under ids 1-5: only the
   * question text in the judged prompt shows it. They are left out with a warning; records 5-9
   * land, two verdicts each (g1 = model_1 first, g2 swapped). */
  pair = import_ok (f, SKYCAMP "model_judgment/gpt-4_pair.jsonl",
                    ARB_IMPORT_FORMAT_MT_BENCH_JUDGMENTS);
  g_assert_cmpint (pair->records, ==, 10);
  g_assert_cmpint (pair->comparisons, ==, 5);
  g_assert_cmpint (pair->verdicts, ==, 10);
  g_assert_cmpuint (count_warnings (pair, "this judgment is of another question"), ==, 5);
  g_assert_cmpuint (count_warnings (pair, "(\"What are the most effective ways to deal with "
                                          "stress?\")"), ==, 1);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM raters WHERE name = 'mt-bench/gpt-4/pair' "
                                   "AND kind = 'judge'"), ==, 1);
  /* No verdict is on generations whose texts the judged prompt does not hold: every stored
   * comparison is of the skycamp question its prompt is, and of the answers in the files. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN comparisons c ON "
                                   "c.id = v.comparison_id JOIN prompts p ON p.id = c.prompt_id "
                                   "JOIN prompt_ids i ON i.prompt_id = p.id AND i.source = "
                                   "'fastchat/skycamp' JOIN generations a ON a.id = c.a_id JOIN "
                                   "generations b ON b.id = c.b_id WHERE a.prompt_id = p.id AND "
                                   "b.prompt_id = p.id AND json_extract(a.metadata, "
                                   "'$.question_id') = CAST(i.external_id AS INTEGER) AND "
                                   "json_extract(b.metadata, '$.question_id') = "
                                   "CAST(i.external_id AS INTEGER)"), ==, 10);
  /* Question 2 ("Please describe the concept of machine learning..."): g1 says model_1
   * (gpt-3.5-turbo), g2 says model_2 (gpt-4). gpt-4's answers were imported first, so gpt-4 is
   * A: g1 (gpt-3.5-turbo shown first) is presented 'ba' with preference 1, g2 'ab' with 0. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN comparisons c ON "
                                   "c.id = v.comparison_id JOIN prompt_ids i ON i.prompt_id = "
                                   "c.prompt_id AND i.external_id = '2' JOIN generations a ON "
                                   "a.id = c.a_id JOIN systems s ON s.id = a.system_id WHERE "
                                   "s.name = 'gpt-4' AND ((v.presented = 'ba' AND v.preference = "
                                   "1.0) OR (v.presented = 'ab' AND v.preference = 0.0)) AND "
                                   "v.raw LIKE 'Both Assistant A and Assistant B provided accurate "
                                   "and detailed explanations of machine learning%'"), ==, 2);
  /* Two of the five landed rows disagree between the orders (questions 3 and 2). */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts x JOIN "
                                   "current_verdicts y ON y.comparison_id = x.comparison_id AND "
                                   "y.rater_id = x.rater_id AND y.presented = 'ba' WHERE "
                                   "x.presented = 'ab' AND x.preference <> y.preference"), ==, 2);
  /* FastChat's rule (show_result.py): a win only when both orders name the same model, else a
   * tie; on rows 5-9 gpt-4 gets 0.40 and gpt-3.5-turbo 0.60. */
  g_assert_cmpfloat_with_epsilon (
    query_double (f, "SELECT avg(CASE WHEN x.preference = y.preference AND x.preference <> 0.5 "
                     "THEN (CASE WHEN (x.preference = 0.0) = (s.name = 'gpt-4') THEN 1.0 ELSE 0.0 "
                     "END) ELSE 0.5 END) FROM current_verdicts x JOIN current_verdicts y ON "
                     "y.comparison_id = x.comparison_id AND y.rater_id = x.rater_id AND "
                     "y.presented = 'ba' JOIN comparisons c ON c.id = x.comparison_id JOIN "
                     "generations a ON a.id = c.a_id JOIN systems s ON s.id = a.system_id WHERE "
                     "x.presented = 'ab'"), 0.40, 1e-9);

  /* Single-answer judgments are grades: gpt-3.5-turbo gets 8, 10, 10, 10, 10 on questions 1-5. */
  single = import_ok (f, SKYCAMP "model_judgment/gpt-4_single.jsonl",
                      ARB_IMPORT_FORMAT_MT_BENCH_JUDGMENTS);
  g_assert_cmpint (single->grades, ==, 5);
  g_assert_cmpint (single->verdicts, ==, 0);
  {
    g_autofree char *scores = query_text (f, "SELECT group_concat(score, ',') FROM (SELECT "
                                             "g.score FROM current_grades g JOIN generations x ON "
                                             "x.id = g.generation_id JOIN systems s ON s.id = "
                                             "x.system_id JOIN raters r ON r.id = g.rater_id WHERE "
                                             "s.name = 'gpt-3.5-turbo' AND r.name = "
                                             "'mt-bench/gpt-4/single' AND g.status = 'ok' ORDER BY "
                                             "json_extract(x.metadata, '$.question_id'))");

    g_assert_cmpstr (scores, ==, "8.0,10.0,10.0,10.0,10.0");
  }
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_grades WHERE metadata = "
                                   "'{\"judge_prompt\":\"single-math-v1\"}'"), ==, 2);

  c = counts (f);
  g_assert_cmpint (c.prompts, ==, 5);
  g_assert_cmpint (c.generations, ==, 10);
  g_assert_cmpint (c.comparisons, ==, 5);
  g_assert_cmpint (c.raters, ==, 2);
  g_assert_cmpint (c.verdicts, ==, 10);
  g_assert_cmpint (c.grades, ==, 5);

  /* Every file again: no count changes. */
  {
    static const char *const files[] = {
      SKYCAMP "question.jsonl", SKYCAMP "model_answer/gpt-4.jsonl",
      SKYCAMP "model_answer/gpt-3.5-turbo.jsonl", SKYCAMP "model_judgment/gpt-4_pair.jsonl",
      SKYCAMP "model_judgment/gpt-4_single.jsonl",
    };

    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(ArbImportResult) again = import (f, files[i], ARB_IMPORT_FORMAT_AUTO, &error);
        ArbCounts after = counts (f);

        g_assert_no_error (error);
        assert_counts_equal (&c, &after);
        g_assert_cmpuint (again->conflicts, ==, 0);
      }
  }
}

static void
test_mt_bench_turns (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(ArbImportResult) q = import_ok (f, "mt_bench/data/mt_bench/question.sample16.jsonl",
                                            ARB_IMPORT_FORMAT_MT_BENCH_QUESTIONS);
  g_autoptr(ArbImportResult) a = import_ok (f, "mt_bench/data/mt_bench/reference_answer/"
                                            "gpt-4.sample.jsonl",
                                            ARB_IMPORT_FORMAT_MT_BENCH_ANSWERS);
  g_autofree char *messages = NULL;
  g_autoptr(json_object) parsed = NULL;
  g_autofree char *judgment = NULL;
  g_autofree char *path = NULL;
  g_autoptr(ArbImportResult) j = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (q->prompts, ==, 16);
  /* Six answers of two turns each. */
  g_assert_cmpint (a->generations, ==, 12);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations WHERE messages IS NULL AND "
                                   "json_extract(metadata, '$.turn') = 1"), ==, 6);
  /* Turn 2 answers the conversation: its messages are the first answer, the second question
   * and the second answer, which is its text. */
  messages = query_text (f, "SELECT g.messages FROM generations g JOIN prompt_ids i ON "
                            "i.prompt_id = g.prompt_id AND i.source = 'fastchat/mt_bench' AND "
                            "i.external_id = '111' WHERE json_extract(g.metadata, '$.turn') = 2 "
                            "AND g.text = json_extract(g.messages, '$[2].content')");
  g_assert_nonnull (messages);
  parsed = json_tokener_parse (messages);
  g_assert_cmpint (json_object_array_length (parsed), ==, 3);
  g_assert_cmpstr (json_object_get_string (json_object_object_get (
                     json_object_array_get_idx (parsed, 1), "role")), ==, "user");
  g_assert_true (g_str_has_prefix (json_object_get_string (json_object_object_get (
                                     json_object_array_get_idx (parsed, 1), "content")),
                                   "What's area of the circle circumscribing the triangle?"));
  /* Inline references: the first turn's is the prompt's reference. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM prompts WHERE reference IS NOT NULL"), ==,
                   8);

  /* A single judgment of turn 2 whose judged prompt holds both questions and both answers is a
   * grade of the turn-2 generation; one of turn 1 that names the turn-2 answer is left out. */
  {
    g_autofree char *t1 = query_text (f, "SELECT json_extract(p.metadata, '$.turns[0]') FROM "
                                         "prompts p JOIN prompt_ids i ON i.prompt_id = p.id WHERE "
                                         "i.external_id = '111'");
    g_autofree char *t2 = query_text (f, "SELECT json_extract(p.metadata, '$.turns[1]') FROM "
                                         "prompts p JOIN prompt_ids i ON i.prompt_id = p.id WHERE "
                                         "i.external_id = '111'");
    g_autofree char *a1 = query_text (f, "SELECT json_extract(messages, '$[0].content') FROM "
                                         "generations WHERE messages LIKE '%circumscribing%'");
    g_autofree char *a2 = query_text (f, "SELECT text FROM generations WHERE messages LIKE "
                                         "'%circumscribing%'");
    g_autofree char *prompt = g_strdup_printf ("<|The Start of Assistant A's Conversation with "
                                               "User|>\n\n### User:\n%s\n\n### Assistant A:\n%s\n\n"
                                               "### User:\n%s\n\n### Assistant A:\n%s\n\n<|The End "
                                               "of Assistant A's Conversation with User|>", t1, a1,
                                               t2, a2);
    g_autoptr(json_object) rec = json_object_new_object ();
    g_autoptr(json_object) rec2 = NULL;
    json_object *judge = json_object_new_array ();
    g_autofree char *line2 = NULL;

    json_object_array_add (judge, json_object_new_string ("gpt-4"));
    json_object_array_add (judge, json_object_new_string ("single-math-v1-multi-turn"));
    json_object_object_add (rec, "question_id", json_object_new_int (111));
    json_object_object_add (rec, "model", json_object_new_string ("gpt-4"));
    json_object_object_add (rec, "judge", judge);
    json_object_object_add (rec, "user_prompt", json_object_new_string (prompt));
    json_object_object_add (rec, "judgment", json_object_new_string ("Rating: [[9]]"));
    json_object_object_add (rec, "score", json_object_new_int (9));
    json_object_object_add (rec, "turn", json_object_new_int (2));
    g_autofree char *other = g_strdup_printf ("[Question]\n%s\n\n[The Start of Assistant's "
                                              "Answer]\nI do not know.\n[The End of Assistant's "
                                              "Answer]", t1);
    g_autofree char *first = g_strdup_printf ("[Question]\n%s\n\n[The Start of Assistant's "
                                              "Answer]\n%s\n[The End of Assistant's Answer]", t1,
                                              a1);
    g_autoptr(json_object) rec3 = NULL;
    g_autofree char *line3 = NULL;

    /* Turn 1, judging an answer that is not gpt-4's: left out. */
    rec2 = json_tokener_parse (json_object_to_json_string (rec));
    json_object_object_add (rec2, "turn", json_object_new_int (1));
    json_object_object_add (rec2, "user_prompt", json_object_new_string (other));
    line2 = g_strdup (json_object_to_json_string_ext (rec2, JSON_C_TO_STRING_PLAIN));
    /* Turn 1, its real answer, no rating found (-1): an unparseable grade. */
    rec3 = json_tokener_parse (json_object_to_json_string (rec));
    json_object_object_add (rec3, "turn", json_object_new_int (1));
    json_object_object_add (rec3, "user_prompt", json_object_new_string (first));
    json_object_object_add (rec3, "score", json_object_new_int (-1));
    line3 = g_strdup (json_object_to_json_string_ext (rec3, JSON_C_TO_STRING_PLAIN));
    judgment = g_strdup_printf ("%s\n%s\n%s\n",
                                json_object_to_json_string_ext (rec, JSON_C_TO_STRING_PLAIN),
                                line2, line3);
  }
  path = arb_test_write_file (f->dir, "judgment.jsonl", judgment, -1, FALSE);
  /* The file sits outside FastChat's layout: its questions must be named by the bench it is in,
   * so it is put where the bench's files are looked up: by its directory's name. */
  {
    g_autofree char *bench = g_build_filename (f->dir, "mt_bench", NULL);
    g_autofree char *moved = g_build_filename (bench, "judgment.jsonl", NULL);

    g_assert_cmpint (g_mkdir (bench, 0700), ==, 0);
    g_assert_cmpint (g_rename (path, moved), ==, 0);
    j = import (f, moved, ARB_IMPORT_FORMAT_AUTO, &error);
    g_assert_no_error (error);
    g_unlink (moved);
    g_rmdir (bench);
  }
  g_assert_cmpstr (arb_import_format_to_string (j->format), ==, "mt-bench-judgments");
  g_assert_cmpint (j->grades, ==, 2);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_grades g JOIN generations x ON "
                                   "x.id = g.generation_id WHERE g.score IS NULL AND g.status = "
                                   "'unparseable' AND json_extract(x.metadata, '$.turn') = 1"), ==,
                   1);
  g_assert_cmpuint (count_warnings (j, "the judged answer of gpt-4 is not the one in the "
                                       "workspace"), ==, 1);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_grades g JOIN generations x ON "
                                   "x.id = g.generation_id WHERE g.score = 9 AND "
                                   "json_extract(x.metadata, '$.turn') = 2 AND x.messages LIKE "
                                   "'%circumscribing%'"), ==, 1);
}

static void
test_mt_bench_order (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r = import (f, SKYCAMP "model_answer/gpt-4.jsonl",
                                         ARB_IMPORT_FORMAT_AUTO, &error);

  /* Answers need their questions, judgments their answers: a clear error, nothing added. */
  g_assert_null (r);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_RECORD);
  g_assert_true (strstr (error->message, "gpt-4.jsonl:1:1: question 1 of fastchat/skycamp is not "
                                         "in the workspace") != NULL);
  g_clear_error (&error);
  g_clear_pointer (&r, arb_import_result_free);
  r = import_ok (f, SKYCAMP "question.jsonl", ARB_IMPORT_FORMAT_MT_BENCH_QUESTIONS);
  g_clear_pointer (&r, arb_import_result_free);
  r = import (f, SKYCAMP "model_judgment/gpt-4_single.jsonl", ARB_IMPORT_FORMAT_AUTO, &error);
  g_assert_null (r);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_RECORD);
  g_assert_true (strstr (error->message, "gpt-4_single.jsonl:1:1: the workspace has no answer of "
                                         "gpt-3.5-turbo to question 1, turn 1") != NULL);
  g_assert_cmpint (counts (f).grades, ==, 0);
}

/* FastChat's multi-turn pairwise prompt (pair-v2-multi-turn), around two conversations. */
static char *
multi_turn_prompt (const char *q1,
                   const char *q2,
                   const char *a[2],
                   const char *b[2])
{
  return g_strdup_printf ("<|The Start of Assistant A's Conversation with User|>\n\n### User:\n%s"
                          "\n\n### Assistant A:\n%s\n\n### User:\n%s\n\n### Assistant A:\n%s\n\n"
                          "<|The End of Assistant A's Conversation with User|>\n\n\n<|The Start "
                          "of Assistant B's Conversation with User|>\n\n### User:\n%s\n\n### "
                          "Assistant B:\n%s\n\n### User:\n%s\n\n### Assistant B:\n%s\n\n<|The End "
                          "of Assistant B's Conversation with User|>", q1, a[0], q2, a[1], q1,
                          b[0], q2, b[1]);
}

static void
test_mt_bench_pair_turn2 (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(ArbImportResult) q = import_ok (f, "mt_bench/data/mt_bench/question.sample16.jsonl",
                                            ARB_IMPORT_FORMAT_MT_BENCH_QUESTIONS);
  g_autoptr(ArbImportResult) a = import_ok (f, "mt_bench/data/mt_bench/reference_answer/"
                                            "gpt-4.sample.jsonl",
                                            ARB_IMPORT_FORMAT_MT_BENCH_ANSWERS);
  g_autofree char *bench = g_build_filename (f->dir, "mt_bench", NULL);
  g_autofree char *answers_dir = g_build_filename (bench, "model_answer", NULL);
  g_autofree char *judgment_dir = g_build_filename (bench, "model_judgment", NULL);
  g_autofree char *answers = NULL;
  g_autofree char *judgments = NULL;
  g_autofree char *q1 = query_text (f, "SELECT json_extract(p.metadata, '$.turns[0]') FROM "
                                       "prompts p JOIN prompt_ids i ON i.prompt_id = p.id WHERE "
                                       "i.external_id = '111'");
  g_autofree char *q2 = query_text (f, "SELECT json_extract(p.metadata, '$.turns[1]') FROM "
                                       "prompts p JOIN prompt_ids i ON i.prompt_id = p.id WHERE "
                                       "i.external_id = '111'");
  g_autofree char *g1 = query_text (f, "SELECT json_extract(messages, '$[0].content') FROM "
                                       "generations WHERE messages LIKE '%circumscribing%'");
  g_autofree char *g2 = query_text (f, "SELECT text FROM generations WHERE messages LIKE "
                                       "'%circumscribing%'");
  const char *x[2] = { "The area of the triangle is 3.", "The circle's area is 5 pi." };
  const char *gpt4[2] = { g1, g2 };
  g_autofree char *p1 = multi_turn_prompt (q1, q2, gpt4, x);
  g_autofree char *p2 = multi_turn_prompt (q1, q2, x, gpt4);
  g_autofree char *stale = multi_turn_prompt (q1, "What is the perimeter of the triangle?", gpt4,
                                              x);
  g_autoptr(json_object) rec = json_object_new_object ();
  g_autoptr(json_object) judge = json_object_new_array ();
  g_autoptr(ArbImportResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line1 = NULL;
  g_autofree char *path = NULL;

  g_assert_cmpint (q->prompts, ==, 16);
  g_assert_cmpint (a->generations, ==, 12);
  g_assert_cmpint (g_mkdir_with_parents (answers_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (judgment_dir, 0700), ==, 0);
  answers = g_build_filename (answers_dir, "model-x.jsonl", NULL);
  g_assert_true (g_file_set_contents (answers, "{\"question_id\": 111, \"answer_id\": \"x1\", "
                                               "\"model_id\": \"model-x\", \"choices\": [{\"index\": "
                                               "0, \"turns\": [\"The area of the triangle is 3.\", "
                                               "\"The circle's area is 5 pi.\"]}], \"tstamp\": 1}\n",
                                      -1, NULL));
  r = import_ok (f, answers, ARB_IMPORT_FORMAT_MT_BENCH_ANSWERS);
  g_assert_cmpint (r->generations, ==, 2);
  g_assert_cmpint (r->systems, ==, 1);
  g_clear_pointer (&r, arb_import_result_free);

  /* Turn 2, gpt-4 as model_1: g1 unparseable ("error"), g2 for model_2; then the same row with
   * another second question (stale); then a line that is not JSON. */
  json_object_array_add (judge, json_object_new_string ("gpt-4"));
  json_object_array_add (judge, json_object_new_string ("pair-math-v1-multi-turn"));
  json_object_object_add (rec, "question_id", json_object_new_int (111));
  json_object_object_add (rec, "model_1", json_object_new_string ("gpt-4"));
  json_object_object_add (rec, "model_2", json_object_new_string ("model-x"));
  json_object_object_add (rec, "g1_winner", json_object_new_string ("error"));
  json_object_object_add (rec, "g2_winner", json_object_new_string ("model_2"));
  json_object_object_add (rec, "judge", json_object_get (judge));
  json_object_object_add (rec, "g1_user_prompt", json_object_new_string (p1));
  json_object_object_add (rec, "g1_judgment", json_object_new_string ("I cannot decide."));
  json_object_object_add (rec, "g2_user_prompt", json_object_new_string (p2));
  json_object_object_add (rec, "g2_judgment", json_object_new_string ("[[A]]"));
  json_object_object_add (rec, "turn", json_object_new_int (2));
  line1 = g_strdup (json_object_to_json_string_ext (rec, JSON_C_TO_STRING_PLAIN));
  json_object_object_add (rec, "g1_user_prompt", json_object_new_string (stale));
  judgments = g_strdup_printf ("%s\n%s\n", line1,
                               json_object_to_json_string_ext (rec, JSON_C_TO_STRING_PLAIN));
  path = g_build_filename (judgment_dir, "gpt-4_pair.jsonl", NULL);
  g_assert_true (g_file_set_contents (path, judgments, -1, NULL));
  r = import_ok (f, path, ARB_IMPORT_FORMAT_MT_BENCH_JUDGMENTS);
  g_assert_cmpint (r->records, ==, 2);
  g_assert_cmpint (r->comparisons, ==, 1);
  g_assert_cmpint (r->verdicts, ==, 2);
  g_assert_cmpuint (count_warnings (r, "this judgment is of another question"), ==, 1);
  /* The comparison is of the two turn-2 generations; gpt-4's is A (older). */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM comparisons c JOIN generations a ON "
                                   "a.id = c.a_id JOIN generations b ON b.id = c.b_id JOIN systems "
                                   "sa ON sa.id = a.system_id JOIN systems sb ON sb.id = "
                                   "b.system_id WHERE sa.name = 'gpt-4' AND sb.name = 'model-x' "
                                   "AND json_extract(a.metadata, '$.turn') = 2 AND "
                                   "json_extract(b.metadata, '$.turn') = 2 AND b.text = 'The "
                                   "circle''s area is 5 pi.'"), ==, 1);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE presented = 'ab' "
                                   "AND status = 'unparseable' AND preference IS NULL AND raw = "
                                   "'I cannot decide.'"), ==, 1);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE presented = 'ba' "
                                   "AND status = 'ok' AND preference = 1.0 AND strength = 1 AND "
                                   "metadata = '{\"judge_prompt\":\"pair-math-v1-multi-turn\"}'"),
                   ==, 1);
  g_clear_pointer (&r, arb_import_result_free);

  /* Malformed input: file, line and column. */
  g_free (judgments);
  judgments = g_strdup_printf ("%s\n{\"question_id\": 111, \"judge\": [\"gpt-4\" \"x\"]}\n", line1);
  g_assert_true (g_file_set_contents (path, judgments, -1, NULL));
  r = import (f, path, ARB_IMPORT_FORMAT_AUTO, &error);
  g_assert_null (r);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_SYNTAX);
  {
    g_autofree char *where = g_strdup_printf ("%s:2:", path);

    g_assert_true (g_str_has_prefix (error->message, where));
  }
  g_unlink (path);
  g_unlink (answers);
  g_rmdir (judgment_dir);
  g_rmdir (answers_dir);
  g_rmdir (bench);
}

/* ---- arbiter-cli import, one per format, with --format and detected ---------------------- */

static void
test_cli (Fixture      *f,
          gconstpointer data)
{
  static const struct
  {
    const char *format;
    const char *file;
    const char *added;
  } runs[] = {
    { "pandalm", PANDALM_ITEMS, "added 37 prompts, 170 generations, 200 comparisons, 600 verdicts, "
                                "5 systems, 3 raters" },
    { "pandalm", PANDALM_GPT, "added 0 prompts, 0 generations, 0 comparisons, 200 verdicts, "
                              "0 systems, 1 raters" },
    { "llmbar", LLMBAR "Natural/dataset.json",
      "added 100 prompts, 200 generations, 100 comparisons, 100 verdicts, 1 systems, 1 raters" },
    { "llmbar-result", LLMBAR "Natural/evaluators/GPT-4/Vanilla/result.json",
      "added 0 prompts, 0 generations, 0 comparisons, 200 verdicts, 0 systems, 1 raters; "
      "100 verdicts were already present" },
    { "mt-bench-questions", SKYCAMP "question.jsonl", "added 5 prompts, 0 generations" },
    { "mt-bench-answers", SKYCAMP "model_answer/gpt-4.jsonl", "added 0 prompts, 5 generations" },
    { "mt-bench-answers", SKYCAMP "model_answer/gpt-3.5-turbo.jsonl",
      "added 0 prompts, 5 generations" },
    { "mt-bench-judgments", SKYCAMP "model_judgment/gpt-4_pair.jsonl",
      "added 0 prompts, 0 generations, 5 comparisons, 10 verdicts, 0 systems, 1 raters" },
  };
  const char *cli = g_getenv ("ARB_CLI");

  if (cli == NULL)
    {
      g_test_skip ("ARB_CLI is not set");
      return;
    }
  /* Two workspaces: one imported with --format, one with the format detected. */
  for (int detect = 0; detect < 2; detect++)
    {
      g_autofree char *ws = g_strdup_printf ("%s/cli-%d.arbiter", f->dir, detect);
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autoptr(GError) error = NULL;
      int status = -1;
      const char *init[] = { cli, "init", ws, NULL };

      g_assert_true (g_spawn_sync (NULL, (char **) init, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                   &err, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
        {
          g_autofree char *file = data_path (runs[i].file);
          g_autofree char *expected = g_strdup_printf ("%s: %s, ", file, runs[i].format);
          const char *with[] = { cli, "import", ws, file, "--format", runs[i].format, NULL };
          const char *without[] = { cli, "import", ws, file, NULL };

          g_clear_pointer (&out, g_free);
          g_clear_pointer (&err, g_free);
          g_assert_true (g_spawn_sync (NULL, (char **) (detect ? without : with), NULL,
                                       G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
          g_assert_no_error (error);
          if (!g_spawn_check_wait_status (status, NULL))
            g_error ("%s: %s", runs[i].file, err);
          g_assert_true (g_str_has_prefix (out, expected));
          if (strstr (out, runs[i].added) == NULL)
            g_error ("%s: %s", runs[i].file, out);
        }
      {
        /* The single judgments, whose grades the summary line does not count: `info` does. */
        g_autofree char *file = data_path (SKYCAMP "model_judgment/gpt-4_single.jsonl");
        const char *with[] = { cli, "import", ws, file, "--format", "mt-bench-judgments", NULL };
        const char *without[] = { cli, "import", ws, file, NULL };
        const char *info[] = { cli, "info", ws, "--format", "json", NULL };
        g_autoptr(json_object) counts_json = NULL;

        g_clear_pointer (&out, g_free);
        g_assert_true (g_spawn_sync (NULL, (char **) (detect ? without : with), NULL,
                                     G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error));
        g_assert_true (g_spawn_check_wait_status (status, NULL));
        g_assert_nonnull (strstr (out, "mt-bench-judgments, 5 records"));
        g_clear_pointer (&out, g_free);
        g_assert_true (g_spawn_sync (NULL, (char **) info, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                     NULL, &status, &error));
        g_assert_true (g_spawn_check_wait_status (status, NULL));
        counts_json = json_tokener_parse (out);
        g_assert_nonnull (counts_json);
        g_assert_cmpint (json_object_get_int (json_object_object_get (counts_json, "grades")), ==,
                         5);
        g_assert_cmpint (json_object_get_int (json_object_object_get (counts_json, "verdicts")),
                         ==, 600 + 200 + 300 + 10);
      }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/arbiter/import-rated/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("pandalm", test_pandalm);
  ADD ("pandalm-judge-first", test_pandalm_judge_first);
  ADD ("pandalm-bad", test_pandalm_bad);
  ADD ("llmbar", test_llmbar);
  ADD ("llmbar-result-alone", test_llmbar_result_alone);
  ADD ("mt-bench", test_mt_bench);
  ADD ("mt-bench-turns", test_mt_bench_turns);
  ADD ("mt-bench-order", test_mt_bench_order);
  ADD ("mt-bench-pair-turn2", test_mt_bench_pair_turn2);
  ADD ("cli", test_cli);
#undef ADD

  return g_test_run ();
}
