/* test-import.c: the importers, on real data and on crafted files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "arb-import.h"
#include "arb-workspace-private.h"
#include "arb-test-util.h"

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

static ArbImportResult *
import (Fixture         *f,
        const char      *path,
        ArbImportFormat  format,
        gboolean         skip_bad,
        GError         **error)
{
  ArbImportOptions options = { .format = format, .skip_bad = skip_bad };

  return arb_workspace_import_file (f->ws, path, &options, NULL, NULL, NULL, error);
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

static gint64
query_int64 (Fixture    *f,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (f->ws), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static double
query_double (Fixture    *f,
              const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  double v = NAN;

  g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (f->ws), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_double (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static char *
query_text (Fixture    *f,
            const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *v = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (f->ws), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return v;
}

static char *
hh_path (void)
{
  return g_build_filename (arb_test_shared_data (), "hh_rlhf_harmless_base", "harmless-base",
                           "test.first300.jsonl.gz", NULL);
}

static void
test_hh_rlhf (Fixture      *f,
              gconstpointer data)
{
  g_autofree char *path = hh_path ();
  g_autofree char *copy = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *messages = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r1 = NULL;
  g_autoptr(ArbImportResult) r2 = NULL;
  g_autoptr(ArbImportResult) r3 = NULL;
  ArbCounts c1, c2;
  gsize len;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the shared HH-RLHF sample is not there");
      return;
    }
  r1 = import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r1->format, ==, ARB_IMPORT_FORMAT_HH_RLHF);
  g_assert_cmpuint (r1->records, ==, 300);
  c1 = counts (f);
  g_assert_cmpint (c1.comparisons, ==, 300);
  g_assert_cmpint (c1.verdicts, ==, 300);
  g_assert_cmpint (c1.prompts, ==, 300);
  g_assert_cmpint (c1.generations, ==, 600);
  g_assert_cmpint (c1.systems, ==, 1);
  g_assert_cmpint (c1.raters, ==, 1);

  /* Chosen wins every verdict: chosen is written first, so it is A, and p = 0. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE preference = 0 "
                                   "AND strength = 1 AND presented IS NULL"), ==, 300);
  /* Human-turn counts of the sample: 1 -> 87 (prompts of one user message). */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM prompts WHERE json_array_length "
                                   "(messages) = 1"), ==, 87);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM prompts WHERE json_array_length "
                                   "(messages) = 19"), ==, 1);  /* 10 human turns */
  /* Line 87 has an empty final chosen response. */
  empty = query_text (f, "SELECT count(*) FROM generations WHERE text = ''");
  g_assert_cmpstr (empty, ==, "1");
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations WHERE text LIKE '%’%'"), >, 0);
  messages = query_text (f, "SELECT messages FROM prompts ORDER BY id LIMIT 1 OFFSET 1");
  g_assert_true (g_str_has_prefix (messages, "[{\"role\":\"user\",\"content\":\"How much alcohol"));

  /* Again, and a copy under another name: nothing changes. */
  r2 = import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r2->duplicates, ==, 300);
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  copy = arb_test_write_file (f->dir, "renamed-copy.jsonl.gz", contents, len, FALSE);
  r3 = import (f, copy, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r3->prompts + r3->generations + r3->comparisons + r3->verdicts, ==, 0);
  c2 = counts (f);
  g_assert_cmpmem (&c1, sizeof c1, &c2, sizeof c2);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM imports WHERE state = 'done'"), ==, 3);
}

static void
test_hh_diverging (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "div.jsonl",
    "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello!\\n\\nHuman: Joke?\\n\\nAssistant: No.\","
    " \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Go away.\\n\\nHuman: Rude\\n\\nAssistant: Yes.\"}\n",
    -1, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r = import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_autofree char *prompt = NULL;
  g_autofree char *messages = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (r->warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (r->warnings, 0), "div.jsonl:1: the two dialogues differ"));
  prompt = query_text (f, "SELECT messages FROM prompts");
  g_assert_cmpstr (prompt, ==, "[{\"role\":\"user\",\"content\":\"Hi\"}]");
  messages = query_text (f, "SELECT messages FROM generations ORDER BY id LIMIT 1");
  g_assert_cmpstr (messages, ==,
                   "[{\"role\":\"assistant\",\"content\":\"Hello!\"},{\"role\":\"user\",\"content\":"
                   "\"Joke?\"},{\"role\":\"assistant\",\"content\":\"No.\"}]");
  text = query_text (f, "SELECT text FROM generations ORDER BY id LIMIT 1");
  g_assert_cmpstr (text, ==, "No.");
}

static void
test_trl_swapped (Fixture      *f,
                  gconstpointer data)
{
  g_autofree char *first = arb_test_write_file (f->dir, "first.jsonl",
    "{\"prompt\": \"2+2?\", \"chosen\": \"4\", \"rejected\": \"5\"}\n"
    "{\"prompt\": [{\"role\": \"user\", \"content\": \"Capital of France?\"}],"
    " \"chosen\": [{\"role\": \"assistant\", \"content\": \"Paris\"}],"
    " \"rejected\": [{\"role\": \"assistant\", \"content\": \"Lyon\"}], \"margin\": 2.5}\n", -1, FALSE);
  /* The same pairs written the other way round, by another rater who disagrees. */
  g_autofree char *swapped = arb_test_write_file (f->dir, "swapped.jsonl",
    "{\"prompt\": \"2+2?\", \"chosen\": \"5\", \"rejected\": \"4\"}\n"
    "{\"prompt\": [{\"role\": \"user\", \"content\": \"Capital of France?\"}],"
    " \"chosen\": [{\"role\": \"assistant\", \"content\": \"Lyon\"}],"
    " \"rejected\": [{\"role\": \"assistant\", \"content\": \"Paris\"}]}\n", -1, FALSE);
  g_autoptr(GError) error = NULL;
  ArbImportOptions second = { .rater = "contrarian" };
  g_autoptr(ArbImportResult) r1 = import (f, first, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_autoptr(ArbImportResult) r2 = NULL;
  g_autoptr(ArbImportResult) r3 = NULL;
  g_autoptr(ArbImportResult) r4 = NULL;
  ArbCounts c1, c2;

  g_assert_no_error (error);
  g_assert_cmpint (r1->format, ==, ARB_IMPORT_FORMAT_TRL);
  c1 = counts (f);
  g_assert_cmpint (c1.comparisons, ==, 2);
  g_assert_cmpint (c1.verdicts, ==, 2);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE preference = 0"),
                   ==, 2);
  g_assert_cmpfloat (query_double (f, "SELECT json_extract (metadata, '$.margin') FROM verdicts "
                                      "WHERE metadata IS NOT NULL"), ==, 2.5);

  r2 = arb_workspace_import_file (f->ws, swapped, &second, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  c2 = counts (f);
  g_assert_cmpint (c2.comparisons, ==, 2);     /* the same comparisons */
  g_assert_cmpint (c2.generations, ==, 4);
  g_assert_cmpint (c2.verdicts, ==, 4);
  g_assert_cmpint (r2->comparisons, ==, 0);
  /* The contrarian preferred the generation stored as B: flipped to p = 1. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts v JOIN raters r ON "
                                   "r.id = v.rater_id WHERE r.name = 'contrarian' AND "
                                   "v.preference = 1"), ==, 2);

  /* Present already: adds nothing. */
  r3 = arb_workspace_import_file (f->ws, swapped, &second, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r3->verdicts, ==, 0);
  g_assert_cmpuint (r3->duplicates, ==, 2);
  /* The same rater saying the opposite is a conflict: the first verdict stays. */
  r4 = import (f, swapped, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r4->conflicts, ==, 2);
  g_assert_cmpint (counts (f).verdicts, ==, 4);
}

static void
test_trl_implicit (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "implicit.jsonl",
    "{\"chosen\": \"The sky is blue.\", \"rejected\": \"The sky is green.\"}\n"
    "{\"chosen\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"}],"
    " \"rejected\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Bye\"}]}\n",
    -1, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r = import (f, path, ARB_IMPORT_FORMAT_TRL, FALSE, &error);
  g_autofree char *p1 = NULL;
  g_autofree char *t1 = NULL;

  g_assert_no_error (error);
  p1 = query_text (f, "SELECT json_extract (messages, '$[0].content') FROM prompts ORDER BY id");
  g_assert_cmpstr (p1, ==, "The sky is");
  t1 = query_text (f, "SELECT text FROM generations ORDER BY id");
  g_assert_cmpstr (t1, ==, " blue.");
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations WHERE text IN ('Hello', 'Bye')"),
                   ==, 2);
}

static char *
broken_file (Fixture *f)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (int i = 1; i <= 10; i++)
    {
      if (i == 7)
        g_string_append (s, "{\"prompt\": \"p7\", \"chosen\": \"a\" \"rejected\": \"b\"}\n");
      else
        g_string_append_printf (s, "{\"prompt\": \"p%d\", \"chosen\": \"yes %d\", "
                                   "\"rejected\": \"no %d\"}\n", i, i, i);
    }
  return arb_test_write_file (f->dir, "broken.jsonl", s->str, s->len, FALSE);
}

static void
test_broken_line (Fixture      *f,
                  gconstpointer data)
{
  g_autofree char *path = broken_file (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r = NULL;
  ArbCounts c;

  r = import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_assert_null (r);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "broken.jsonl:7:"));
  g_clear_error (&error);
  c = counts (f);
  g_assert_cmpint (c.prompts + c.generations + c.comparisons + c.verdicts + c.systems + c.raters,
                   ==, 0);
  /* Not only hidden: the rows of earlier batches are gone. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM prompts"), ==, 0);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM imports WHERE state = 'failed'"), ==, 1);

  r = import (f, path, ARB_IMPORT_FORMAT_AUTO, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->records, ==, 9);
  g_assert_cmpuint (r->skipped, ==, 1);
  g_assert_cmpuint (r->bad_records->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (r->bad_records, 0), "broken.jsonl:7:"));
  c = counts (f);
  g_assert_cmpint (c.comparisons, ==, 9);
  g_assert_cmpint (c.verdicts, ==, 9);
}

static void
test_bad_record_semantic (Fixture      *f,
                          gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "sem.jsonl",
    "{\"prompt\": \"p1\", \"responses\": [{\"system\": \"s\", \"text\": \"a\"}, {\"system\": \"t\", \"text\": \"b\"}],"
    " \"verdicts\": [{\"rater\": \"r\", \"winner\": \"a\"}]}\n"
    "{\"prompt\": \"p2\", \"responses\": [{\"system\": \"new-system\", \"text\": \"a\"}, {\"system\": \"t\", \"text\": \"b\"}],"
    " \"verdicts\": [{\"rater\": \"r\", \"preference\": 7}]}\n"
    "{\"prompt\": \"p3\", \"responses\": [{\"system\": \"s\", \"text\": \"a\"}, {\"system\": \"t\", \"text\": \"b\"}],"
    " \"verdicts\": [{\"rater\": \"r\", \"winner\": \"tie\"}]}\n", -1, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r = import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  ArbCounts c;

  g_assert_null (r);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_RECORD);
  g_assert_nonnull (strstr (error->message, "sem.jsonl:2:1: verdict 1: \"preference\""));
  g_clear_error (&error);
  g_assert_cmpint (counts (f).prompts, ==, 0);

  r = import (f, path, ARB_IMPORT_FORMAT_AUTO, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->skipped, ==, 1);
  c = counts (f);
  /* The bad record's prompt and new system were rolled back with it. */
  g_assert_cmpint (c.prompts, ==, 2);
  g_assert_cmpint (c.systems, ==, 2);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM systems WHERE name = 'new-system'"), ==, 0);
  g_assert_cmpint (c.verdicts, ==, 2);
}

static void
test_arbiter_orientation (Fixture      *f,
                          gconstpointer data)
{
  /* Record 1 creates x (smaller id) then y. Record 2 lists y first: its verdict "a better,
   * shown as ab" means y was better and shown first, i.e. B better, presented ba. */
  g_autofree char *path = arb_test_write_file (f->dir, "o.jsonl",
    "{\"id\": 1, \"prompt\": \"Q\", \"category\": \"math\", \"reference\": \"R\","
    " \"responses\": [{\"system\": \"x\", \"text\": \"X\"}, {\"system\": \"y\", \"text\": \"Y\"}],"
    " \"pairs\": [[0, 1]]}\n"
    "{\"id\": 1, \"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}],"
    " \"responses\": [{\"system\": \"y\", \"text\": \"Y\"}, {\"system\": \"x\", \"text\": \"X\"}],"
    " \"verdicts\": [{\"rater\": \"ann\", \"a\": 0, \"b\": 1, \"winner\": \"a\", \"strength\": 2,"
    "   \"presented\": \"ab\", \"rationale\": \"clearer\", \"seconds\": 12.5,"
    "   \"dimensions\": {\"helpful\": \"a\", \"safe\": 0.25}},"
    "  {\"rater\": \"judge-1\", \"kind\": \"judge\", \"a\": \"x\", \"b\": \"y\", \"preference\": 0.8, \"sample\": 1}]}\n",
    -1, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r = import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_autofree char *presented = NULL;
  g_autofree char *kind = NULL;
  ArbCounts c;

  g_assert_no_error (error);
  c = counts (f);
  g_assert_cmpint (c.prompts, ==, 1);
  g_assert_cmpint (c.comparisons, ==, 1);
  g_assert_cmpint (c.verdicts, ==, 2);
  g_assert_cmpfloat (query_double (f, "SELECT preference FROM current_verdicts WHERE strength = 2"),
                     ==, 1.0);
  presented = query_text (f, "SELECT presented FROM current_verdicts WHERE strength = 2");
  g_assert_cmpstr (presented, ==, "ba");
  g_assert_cmpfloat (query_double (f, "SELECT preference FROM verdict_dimensions WHERE dimension = "
                                      "'helpful'"), ==, 1.0);
  g_assert_cmpfloat (query_double (f, "SELECT preference FROM verdict_dimensions WHERE dimension = "
                                      "'safe'"), ==, 0.75);
  /* The judge named its pair by system, in canonical order: not flipped; continuous. */
  g_assert_cmpfloat (query_double (f, "SELECT preference FROM current_verdicts WHERE sample = 1"),
                     ==, 0.8);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE sample = 1 AND "
                                   "strength IS NULL"), ==, 1);
  kind = query_text (f, "SELECT kind FROM raters WHERE name = 'judge-1'");
  g_assert_cmpstr (kind, ==, "judge");
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM prompt_ids WHERE external_id = '1'"), ==, 1);
}

static void
test_identical_texts (Fixture      *f,
                      gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "same.jsonl",
    "{\"prompt\": \"Q\", \"responses\": [{\"system\": \"x\", \"text\": \"same\"},"
    " {\"system\": \"y\", \"text\": \"same\"}], \"verdicts\": [{\"rater\": \"r\", \"winner\": \"b\"}]}\n",
    -1, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r = import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);

  g_assert_no_error (error);
  g_assert_cmpfloat (query_double (f, "SELECT preference FROM current_verdicts"), ==, 0.5);
  g_assert_cmpint (query_int64 (f, "SELECT strength FROM current_verdicts"), ==, 0);
  g_assert_cmpuint (r->warnings->len, ==, 1);
}

static void
test_alpaca_eval (Fixture      *f,
                  gconstpointer data)
{
  g_autofree char *out1 = arb_test_write_file (f->dir, "gpt4.json",
    "[{\"instruction\": \"Name a color.\", \"output\": \"Blue\", \"generator\": \"gpt4\", \"dataset\": \"koala\"},"
    " {\"instruction\": \"Count to 3.\", \"output\": 123, \"generator\": \"gpt4\"}]", -1, FALSE);
  g_autofree char *out2 = arb_test_write_file (f->dir, "llama.json",
    "[{\"instruction\": \"Name a color.\", \"output\": \"Red\", \"generator\": \"llama\"},"
    " {\"instruction\": \"Count to 3.\", \"output\": \"1 2 3\", \"generator\": \"llama\"}]", -1, FALSE);
  /* Annotations name output_1 = llama, output_2 = gpt4 for the first: that pair is stored as
   * (gpt4, llama), so preference 2 (output_2 = gpt4 better) becomes A better, p = 0. */
  g_autofree char *ann = arb_test_write_file (f->dir, "annotations.json",
    "[{\"instruction\": \"Name a color.\", \"output_1\": \"Red\", \"generator_1\": \"llama\","
    "  \"output_2\": \"Blue\", \"generator_2\": \"gpt4\", \"annotator\": \"weighted_gpt4\", \"preference\": 2.0},"
    " {\"instruction\": \"Count to 3.\", \"output_1\": \"123\", \"generator_1\": \"gpt4\","
    "  \"output_2\": \"1 2 3\", \"generator_2\": \"llama\", \"annotator\": \"weighted_gpt4\", \"preference\": 1.25},"
    " {\"instruction\": \"Name a color.\", \"output_1\": \"Red\", \"generator_1\": \"llama\","
    "  \"output_2\": \"Blue\", \"generator_2\": \"gpt4\", \"annotator\": \"legacy\", \"preference\": 0},"
    " {\"instruction\": \"Count to 3.\", \"output_1\": \"123\", \"generator_1\": \"gpt4\","
    "  \"output_2\": \"1 2 3\", \"generator_2\": \"llama\", \"annotator\": \"legacy\", \"preference\": null}]",
    -1, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r1 = import (f, out1, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_autoptr(ArbImportResult) r2 = NULL;
  g_autoptr(ArbImportResult) r3 = NULL;
  ArbCounts c;

  g_assert_no_error (error);
  g_assert_cmpint (r1->format, ==, ARB_IMPORT_FORMAT_ALPACA_EVAL_OUTPUTS);
  g_assert_cmpuint (r1->warnings->len, ==, 1);  /* 123 is a number, imported as text */
  g_assert_nonnull (strstr (g_ptr_array_index (r1->warnings, 0), "gpt4.json:1:"));
  r2 = import (f, out2, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_assert_no_error (error);
  c = counts (f);
  g_assert_cmpint (c.prompts, ==, 2);       /* joined on the instruction */
  g_assert_cmpint (c.generations, ==, 4);
  g_assert_cmpint (c.systems, ==, 2);
  g_assert_cmpint (c.comparisons, ==, 0);

  r3 = import (f, ann, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r3->format, ==, ARB_IMPORT_FORMAT_ALPACA_EVAL_ANNOTATIONS);
  c = counts (f);
  g_assert_cmpint (c.generations, ==, 4);   /* the same generations */
  g_assert_cmpint (c.comparisons, ==, 2);
  g_assert_cmpint (c.verdicts, ==, 3);      /* null preference: no verdict */
  g_assert_cmpfloat (query_double (f, "SELECT v.preference FROM current_verdicts v JOIN raters r ON "
                                      "r.id = v.rater_id JOIN comparisons c ON c.id = v.comparison_id "
                                      "JOIN prompts p ON p.id = c.prompt_id WHERE r.name = "
                                      "'weighted_gpt4' AND p.messages LIKE '%color%'"), ==, 0.0);
  g_assert_cmpfloat (query_double (f, "SELECT v.preference FROM current_verdicts v JOIN raters r ON "
                                      "r.id = v.rater_id WHERE r.name = 'weighted_gpt4' AND "
                                      "v.strength IS NULL"), ==, 0.25);
  g_assert_cmpfloat (query_double (f, "SELECT v.preference FROM current_verdicts v JOIN raters r ON "
                                      "r.id = v.rater_id WHERE r.name = 'legacy'"), ==, 0.5);
}

static void
test_arena (Fixture      *f,
            gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "battles.jsonl",
    "{\"question_id\": \"q1\", \"model_a\": \"m1\", \"model_b\": \"m2\", \"winner\": \"model_a\"}\n"
    "{\"question_id\": \"q1\", \"model_a\": \"m2\", \"model_b\": \"m1\", \"winner\": \"model_a\"}\n"
    "{\"question_id\": \"q1\", \"model_a\": \"m1\", \"model_b\": \"m2\", \"winner\": \"tie (bothbad)\"}\n"
    "{\"question_id\": \"q2\", \"model_a\": \"m1\", \"model_b\": \"m3\", \"winner\": \"tie\"}\n", -1, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r = import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_autoptr(ArbImportResult) again = NULL;
  ArbCounts c;

  g_assert_no_error (error);
  g_assert_cmpint (r->format, ==, ARB_IMPORT_FORMAT_ARENA_BATTLES);
  c = counts (f);
  g_assert_cmpint (c.prompts, ==, 2);
  g_assert_cmpint (c.comparisons, ==, 2);
  g_assert_cmpint (c.verdicts, ==, 4);
  /* Battle 2: m2 on the left won. m2's generation is B, shown second: presented ba, p = 1. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE presented = 'ba' "
                                   "AND preference = 1"), ==, 1);
  /* Battle 3 repeats battle 1's key: it is sample 1. */
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM current_verdicts WHERE sample = 1 AND "
                                   "json_extract (metadata, '$.bothbad')"), ==, 1);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM generations WHERE kind = 'missing'"), ==, 4);
  again = import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->verdicts, ==, 0);
  g_assert_cmpuint (again->duplicates, ==, 4);
}

static void
test_undetectable (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char *path = arb_test_write_file (f->dir, "what.jsonl", "{\"foo\": 1}\n", -1, FALSE);
  g_autofree char *empty = arb_test_write_file (f->dir, "empty.jsonl", "\n\n", -1, FALSE);
  g_autofree char *scalar = arb_test_write_file (f->dir, "scalar.jsonl", "[1, 2]", -1, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_null (import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error));
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "--format"));
  g_clear_error (&error);
  g_assert_null (import (f, empty, ARB_IMPORT_FORMAT_AUTO, FALSE, &error));
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_null (import (f, scalar, ARB_IMPORT_FORMAT_TRL, FALSE, &error));
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_RECORD);
  g_assert_nonnull (strstr (error->message, "scalar.jsonl:1:2: a record must be a JSON object"));
  g_clear_error (&error);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM imports WHERE state = 'done'"), ==, 0);
}

static void
cancel_soon (guint64  done,
             guint64  total,
             guint64  records,
             gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

static void
test_cancel (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  ArbImportResult *r;

  for (int i = 0; i < 60000; i++)
    g_string_append_printf (s, "{\"prompt\": \"question %d\", \"chosen\": \"good %d\", "
                               "\"rejected\": \"bad %d\"}\n", i, i, i);
  path = arb_test_write_file (f->dir, "many.jsonl", s->str, s->len, FALSE);
  r = arb_workspace_import_file (f->ws, path, NULL, cancel_soon, cancellable, cancellable, &error);
  g_assert_null (r);
  g_assert_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_CANCELLED);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM prompts"), ==, 0);
  g_assert_cmpint (query_int64 (f, "SELECT count(*) FROM verdicts"), ==, 0);
}

static void
test_real_utf8_across_chunks (Fixture      *f,
                              gconstpointer data)
{
  /* Multi-byte characters at every offset, so some straddle the reader's 64 KiB chunks. */
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbImportResult) r = NULL;

  for (int i = 0; i < 3000; i++)
    {
      g_string_append_printf (s, "{\"prompt\": \"q%d %.*s\", \"chosen\": \"", i, i % 5, "xxxxx");
      for (int k = 0; k < 20; k++)
        g_string_append (s, "é🙂中");
      g_string_append_printf (s, "\", \"rejected\": \"no %d\"}\n", i);
    }
  path = arb_test_write_file (f->dir, "utf8.jsonl", s->str, s->len, FALSE);
  r = import (f, path, ARB_IMPORT_FORMAT_AUTO, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->records, ==, 3000);
  g_assert_cmpint (query_int64 (f, "SELECT min (length) FROM generations WHERE text LIKE 'é%'"),
                   ==, 60);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/arbiter/import/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("hh-rlhf", test_hh_rlhf);
  ADD ("hh-rlhf-diverging", test_hh_diverging);
  ADD ("trl-swapped", test_trl_swapped);
  ADD ("trl-implicit", test_trl_implicit);
  ADD ("broken-line", test_broken_line);
  ADD ("bad-record", test_bad_record_semantic);
  ADD ("arbiter-orientation", test_arbiter_orientation);
  ADD ("identical-texts", test_identical_texts);
  ADD ("alpaca-eval", test_alpaca_eval);
  ADD ("arena-battles", test_arena);
  ADD ("undetectable", test_undetectable);
  ADD ("cancel", test_cancel);
  ADD ("utf8-across-chunks", test_real_utf8_across_chunks);
  return g_test_run ();
}
