/* test-export.c: arbiter-cli export on the real samples in ../shared/data, every file read back
 * by Python's standard json/csv/gzip modules (check-export.py), the policies' counts checked
 * against a computation of the test's own over the raw verdicts, and the step-wise and
 * token-level rows against expect-export.py's computation from the source files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sqlite3.h>

#include "arb-json-reader.h"   /* json-c, with g_autoptr (json_object) */

#include "arb-export.h"
#include "arb-queue.h"
#include "arb-workspace.h"
#include "../arb-test-util.h"

#define HH "hh_rlhf_harmless_base/harmless-base/test.first300.jsonl.gz"
#define PANDALM "pandalm_testset/data/testset-v1.first200.json"

typedef struct
{
  char *dir;
  char *ws;
} Fixture;

static void
run_ok (ArbTestRun         *run,
        const char * const *args)
{
  arb_test_run_cliv (run, args);
  if (run->status != 0)
    g_printerr ("%s\n", run->err);
  g_assert_cmpint (run->status, ==, 0);
}

/* A workspace with one sample imported. */
static void
fixture_init (Fixture    *f,
              const char *relative,
              const char *format)
{
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *data = g_build_filename (arb_test_shared_data (), relative, NULL);

  f->dir = arb_test_mkdtemp ();
  f->ws = g_build_filename (f->dir, "ws.arbiter", NULL);
  run_ok (&run, (const char *[]) { "init", f->ws, NULL });
  run_ok (&run, (const char *[]) { "import", f->ws, data, "--format", format, NULL });
}

/* Removes the fixture's folder and the folders made in it (one level). */
static void
fixture_clear (Fixture *f)
{
  GDir *d = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_chmod (path, 0755);
          arb_test_rmdir (path);
        }
    }
  if (d != NULL)
    g_dir_close (d);
  arb_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->ws);
}

static char *
subdir (Fixture    *f,
        const char *name)
{
  char *dir = g_build_filename (f->dir, name, NULL);

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  return dir;
}

/* The number on the summary line that starts with label. */
static gint64
summary_count (const char *out,
               const char *label)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, label) && strlen (line) > strlen (label) &&
          line[strlen (label)] == ' ')
        return g_ascii_strtoll (g_strstrip ((char *) line + strlen (label)), NULL, 10);
    }
  g_error ("no summary line “%s” in:\n%s", label, out);
  return -1;
}

/* Runs check-export.py on the files; returns its counts. */
static json_object *
check_files (const char *format,
             const char *option,
             const char *option_value,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  json_object *counts;
  const char *file;
  va_list ap;

  g_ptr_array_add (argv, g_strdup ("/usr/bin/python3"));
  g_ptr_array_add (argv, g_build_filename (ARB_TEST_SRCDIR, "export", "check-export.py", NULL));
  g_ptr_array_add (argv, g_strdup (format));
  if (option != NULL)
    g_ptr_array_add (argv, g_strdup (option));
  if (option_value != NULL)
    g_ptr_array_add (argv, g_strdup (option_value));
  va_start (ap, option_value);
  while ((file = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (file));
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    g_error ("check-export.py %s: %s", format, err);
  g_test_message ("check-export.py %s: %s", format, out);
  counts = json_tokener_parse (out);
  g_assert_nonnull (counts);
  return counts;
}

static gint64
count_of (json_object *counts,
          const char  *key)
{
  json_object *v = NULL;

  g_assert_true (json_object_object_get_ex (counts, key, &v));
  return json_object_get_int64 (v);
}

static const char *
digest_of (json_object *counts,
           guint        i)
{
  json_object *v = NULL;

  g_assert_true (json_object_object_get_ex (counts, "digests", &v));
  return json_object_get_string (json_object_array_get_idx (v, i));
}

static gint64
file_rows (json_object *counts,
           guint        i)
{
  json_object *v = NULL;

  g_assert_true (json_object_object_get_ex (counts, "files", &v));
  return json_object_get_int64 (json_object_array_get_idx (v, i));
}

/* ---- the test's own computation of the policies ------------------------------------------ */

enum { MAJORITY, MEAN, UNANIMOUS };

typedef struct
{
  gint64 considered, disagreement, low_agreement, ties, same_text, duplicates, rows;
  gint64 kept_id;   /* a comparison whose row is written and unique */
  gint64 flip_id;   /* a comparison on which every annotator says A is better, row unique */
} Expect;

/* Straight from the verdicts table, per comparison in C: each human annotator's current ok
 * verdicts averaged, voted, counted by the policy; rows keyed by their texts. */
static Expect
compute (const char *ws,
         int         policy,
         gboolean    keep_ties,
         double      min_agreement)
{
  static const char sql[] =
    "SELECT c.id, c.prompt_id, ga.text, gb.text, v.rater_id, v.preference"
    " FROM verdicts v JOIN raters r ON r.id = v.rater_id"
    " JOIN comparisons c ON c.id = v.comparison_id"
    " JOIN generations ga ON ga.id = c.a_id JOIN generations gb ON gb.id = c.b_id"
    " WHERE v.superseded_by IS NULL AND v.status = 'ok' AND r.kind = 'human'"
    " AND r.role = 'annotator' ORDER BY c.id, v.rater_id";
  g_autoptr(GHashTable) rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) duped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Expect e = { 0 };
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 cur = -1, prompt = 0, rater = -1;
  g_autofree char *ta = NULL, *tb = NULL;
  double votes[64], sum = 0;
  int nv = 0, nr = 0;
  gboolean done = FALSE;

  g_assert_cmpint (sqlite3_open_v2 (ws, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (!done)
    {
      gboolean row = sqlite3_step (stmt) == SQLITE_ROW;
      gint64 id = row ? sqlite3_column_int64 (stmt, 0) : -2;

      if (id != cur && cur >= 0)
        {
          double p[64];
          int na = 0, nb = 0, nt = 0, outcome, n = 0;
          gboolean decided = TRUE;
          double agreement, mean = 0;

          /* the last rater's votes */
          p[n++] = sum / nv;
          for (int i = 0; i < nr; i++)
            p[n++] = votes[i];
          for (int i = 0; i < n; i++)
            {
              mean += p[i] / n;
              if (p[i] > 0.5)
                nb++;
              else if (p[i] < 0.5)
                na++;
              else
                nt++;
            }
          if (policy == MEAN)
            outcome = mean > 0.5 + 1e-9 ? 1 : mean < 0.5 - 1e-9 ? -1 : 0;
          else if (policy == UNANIMOUS)
            {
              outcome = nb == n ? 1 : na == n ? -1 : 0;
              decided = nb == n || na == n || nt == n;
            }
          else
            outcome = nb > na && nb > nt ? 1 : na > nb && na > nt ? -1 : 0;
          agreement = (double) (outcome == 1 ? nb : outcome == -1 ? na : nt) / n;
          e.considered++;
          if (!decided)
            e.disagreement++;
          else if (agreement < min_agreement - 1e-12)
            e.low_agreement++;
          else if (outcome == 0 && !keep_ties)
            e.ties++;
          else
            {
              const char *chosen = outcome == 1 ? tb : ta, *rejected = outcome == 1 ? ta : tb;
              char *key;

              if (outcome == 0)
                e.ties++;
              if (g_str_equal (chosen, rejected))
                e.same_text++;
              else
                {
                  key = g_strdup_printf ("%" G_GINT64_FORMAT "\x01%s\x01%s\x01%d", prompt, chosen,
                                         rejected, outcome == 0);
                  if (g_hash_table_contains (rows, key))
                    {
                      e.duplicates++;
                      g_hash_table_add (duped, key);
                    }
                  else
                    {
                      g_hash_table_insert (rows, key, GINT_TO_POINTER ((int) cur));
                      e.rows++;
                    }
                }
            }
        }
      if (!row)
        break;
      if (id != cur)
        {
          cur = id;
          prompt = sqlite3_column_int64 (stmt, 1);
          g_free (ta);
          g_free (tb);
          ta = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
          tb = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
          rater = sqlite3_column_int64 (stmt, 4);
          sum = 0;
          nv = 0;
          nr = 0;
        }
      else if (sqlite3_column_int64 (stmt, 4) != rater)
        {
          g_assert_cmpint (nr, <, 63);
          votes[nr++] = sum / nv;
          rater = sqlite3_column_int64 (stmt, 4);
          sum = 0;
          nv = 0;
        }
      sum += sqlite3_column_double (stmt, 5);
      nv++;
    }
  sqlite3_finalize (stmt);

  /* A row written once, and a comparison all annotators decided for A, for the flag and
   * adjudicator tests. */
  {
    GHashTableIter it;
    gpointer key, value;

    g_hash_table_iter_init (&it, rows);
    while (g_hash_table_iter_next (&it, &key, &value))
      if (!g_hash_table_contains (duped, key) &&
          (e.kept_id == 0 || GPOINTER_TO_INT (value) < e.kept_id))
        e.kept_id = GPOINTER_TO_INT (value);
  }
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT c.id FROM comparisons c JOIN generations ga ON"
                                       " ga.id = c.a_id JOIN generations gb ON gb.id = c.b_id"
                                       " WHERE ga.text <> gb.text AND (SELECT count (*) FROM"
                                       " verdicts v WHERE v.comparison_id = c.id AND"
                                       " v.preference = 0) = 3 AND NOT EXISTS (SELECT 1 FROM"
                                       " comparisons d JOIN generations da ON da.id = d.a_id"
                                       " JOIN generations db ON db.id = d.b_id WHERE d.id <> c.id"
                                       " AND d.prompt_id = c.prompt_id AND ((da.text = ga.text"
                                       " AND db.text = gb.text) OR (da.text = gb.text AND"
                                       " db.text = ga.text))) ORDER BY c.id LIMIT 1",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    e.flip_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_test_message ("expected: %" G_GINT64_FORMAT " considered, %" G_GINT64_FORMAT " disagree, %"
                  G_GINT64_FORMAT " low agreement, %" G_GINT64_FORMAT " ties, %" G_GINT64_FORMAT
                  " same text, %" G_GINT64_FORMAT " duplicates, %" G_GINT64_FORMAT " rows",
                  e.considered, e.disagreement, e.low_agreement, e.ties, e.same_text,
                  e.duplicates, e.rows);
  return e;
}

static void
assert_summary (const char   *out,
                const Expect *e)
{
  g_assert_cmpint (summary_count (out, "comparisons with a counted verdict"), ==, e->considered);
  g_assert_cmpint (summary_count (out, "dropped: raters disagree (unanimous)"), ==,
                   e->disagreement);
  g_assert_cmpint (summary_count (out, "dropped: agreement below the minimum"), ==,
                   e->low_agreement);
  g_assert_cmpint (summary_count (out, "dropped: chosen text equals rejected text"), ==,
                   e->same_text);
  g_assert_cmpint (summary_count (out, "rows identical to a written one"), ==, e->duplicates);
  g_assert_cmpint (summary_count (out, "rows written"), ==, e->rows);
}

/* ---- HH-RLHF: preference and KTO --------------------------------------------------------- */

static void
test_hh_preference (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL, *out = NULL, *cdir = NULL, *cout = NULL;
  g_autoptr(json_object) counts = NULL, ccounts = NULL;
  gint64 rows;

  fixture_init (&f, HH, "hh-rlhf");
  dir = subdir (&f, "plain");
  out = g_build_filename (dir, "hh.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference", "-o", out,
                                   NULL });
  rows = summary_count (run.out, "rows written");
  /* 300 records, one verdict each, no ties among them: every one that differs is a row. */
  g_assert_cmpint (summary_count (run.out, "comparisons with a counted verdict"), ==, 300);
  g_assert_cmpint (rows + summary_count (run.out, "dropped: chosen text equals rejected text") +
                   summary_count (run.out, "rows identical to a written one"), ==, 300);
  g_assert_cmpint (rows, >=, 290);
  counts = check_files ("trl-preference", NULL, NULL, out, NULL);
  g_assert_cmpint (count_of (counts, "rows"), ==, rows);
  g_assert_cmpint (count_of (counts, "duplicates"), ==, 0);

  cdir = subdir (&f, "conversational");
  cout = g_build_filename (cdir, "hh.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                   "--conversational", "--margin", "strength", "-o", cout, NULL });
  ccounts = check_files ("trl-preference", "--conversational", NULL, cout, NULL);
  g_assert_cmpint (count_of (ccounts, "rows"), ==, summary_count (run.out, "rows written"));
  g_assert_cmpint (count_of (ccounts, "rows"), >=, rows);
  /* One rater who said "better" each time: every margin is 1. */
  g_assert_cmpint (count_of (ccounts, "margin_min"), ==, 1);
  g_assert_cmpint (count_of (ccounts, "margin_max"), ==, 1);

  /* Imported back as TRL data under the workspace's own system and rater, the conversational
   * export adds nothing: the same prompts, texts, comparisons and verdicts. */
  run_ok (&run, (const char *[]) { "import", f.ws, cout, "--format", "trl", "--system",
                                   "hh-rlhf", "--rater", "hh-rlhf", NULL });
  g_assert_nonnull (strstr (run.out, "added 0 prompts, 0 generations, 0 comparisons, "
                                     "0 verdicts, 0 systems, 0 raters"));
  fixture_clear (&f);
}

static void
test_hh_kto (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL, *out = NULL;
  g_autoptr(json_object) counts = NULL;

  fixture_init (&f, HH, "hh-rlhf");
  dir = subdir (&f, "kto");
  out = g_build_filename (dir, "hh-kto.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-kto", "-o", out, NULL });
  counts = check_files ("trl-kto", NULL, NULL, out, NULL);
  g_assert_cmpint (count_of (counts, "rows"), ==, summary_count (run.out, "rows written"));
  /* Each of the 300 prompts has one comparison: one true and one false row each, less the
   * comparisons dropped for the same text. */
  g_assert_cmpint (count_of (counts, "labels_true"), ==,
                   300 - summary_count (run.out, "dropped: chosen text equals rejected text"));
  g_assert_cmpint (count_of (counts, "labels_false"), ==, count_of (counts, "labels_true"));
  g_assert_cmpint (count_of (counts, "duplicates"), ==, 0);

  /* trl-kto has no tie field: asking to keep ties is wrong usage. */
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-kto",
                                              "--ties", "keep", "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 2);
  fixture_clear (&f);
}

/* ---- PandaLM, three annotators: the policies ---------------------------------------------- */

static void
test_pandalm_policies (void)
{
  static const struct
  {
    const char *policy;
    int         id;
    const char *ties;
    const char *min_agreement;
  } cases[] = {
    { "majority", MAJORITY, "drop", NULL },
    { "majority", MAJORITY, "keep", NULL },
    { "mean", MEAN, "drop", NULL },
    { "unanimous", UNANIMOUS, "drop", NULL },
    { "unanimous", UNANIMOUS, "keep", NULL },
    { "majority", MAJORITY, "drop", "0.9" },
  };
  Fixture f;

  fixture_init (&f, PANDALM, "pandalm");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(ArbTestRun) run = { 0 };
      g_autofree char *name = g_strdup_printf ("p%u", i);
      g_autofree char *dir = subdir (&f, name);
      g_autofree char *out = g_build_filename (dir, "pandalm.jsonl", NULL);
      g_autoptr(json_object) counts = NULL;
      gboolean keep = g_str_equal (cases[i].ties, "keep");
      double min = cases[i].min_agreement != NULL ? g_ascii_strtod (cases[i].min_agreement, NULL)
                                                  : 0;
      Expect e = compute (f.ws, cases[i].id, keep, min);
      const char *args[16] = { "export", f.ws, "--format", "trl-preference", "-o", out,
                               "--policy", cases[i].policy, "--ties", cases[i].ties, NULL };

      if (cases[i].min_agreement != NULL)
        {
          args[10] = "--min-agreement";
          args[11] = cases[i].min_agreement;
        }
      run_ok (&run, args);
      g_test_message ("%s, ties %s, min agreement %s:\n%s", cases[i].policy, cases[i].ties,
                      cases[i].min_agreement, run.out);
      g_assert_cmpint (e.considered, ==, 200);
      assert_summary (run.out, &e);
      g_assert_cmpint (summary_count (run.out, keep ? "ties kept" : "dropped: tie"), ==, e.ties);
      counts = check_files ("trl-preference", NULL, NULL, out, NULL);
      g_assert_cmpint (count_of (counts, "rows"), ==, e.rows);
      g_assert_cmpint (count_of (counts, "duplicates"), ==, 0);
      if (keep)
        g_assert_cmpint (count_of (counts, "ties"), >, 0);
      else
        g_assert_cmpint (count_of (counts, "ties"), ==, 0);
    }

  /* Asking 3 raters for a single verdict is refused, naming one works. */
  {
    g_auto(ArbTestRun) run = { 0 };
    g_autofree char *dir = subdir (&f, "single");
    g_autofree char *out = g_build_filename (dir, "one.jsonl", NULL);

    arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                                "--policy", "single", "-o", out, NULL });
    g_assert_cmpint (run.status, ==, 1);
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference", "--policy",
                                     "single", "--rater", "pandalm/annotator1", "-o", out, NULL });
    g_assert_cmpint (summary_count (run.out, "rows written"), >, 100);
  }
  fixture_clear (&f);
}

/* With --min-agreement 1 a majority keeps exactly what the unanimous policy keeps. */
static void
test_pandalm_min_agreement (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL, *a = NULL, *b = NULL;
  g_autoptr(json_object) ca = NULL, cb = NULL;

  fixture_init (&f, PANDALM, "pandalm");
  dir = subdir (&f, "agree");
  a = g_build_filename (dir, "majority.jsonl", NULL);
  b = g_build_filename (dir, "unanimous.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference", "--no-card",
                                   "--min-agreement", "1", "-o", a, NULL });
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference", "--no-card",
                                   "--policy", "unanimous", "-o", b, NULL });
  ca = check_files ("trl-preference", NULL, NULL, a, NULL);
  cb = check_files ("trl-preference", NULL, NULL, b, NULL);
  g_assert_cmpint (count_of (ca, "rows"), ==, count_of (cb, "rows"));
  g_assert_cmpstr (digest_of (ca, 0), ==, digest_of (cb, 0));
  g_assert_false (g_file_test (g_build_filename (dir, "README.md", NULL), G_FILE_TEST_EXISTS));
  fixture_clear (&f);
}

static void
test_pandalm_kto_openrlhf (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL, *kto = NULL, *orl = NULL;
  g_autoptr(json_object) ck = NULL, co = NULL;
  Expect e;

  fixture_init (&f, PANDALM, "pandalm");
  e = compute (f.ws, MAJORITY, FALSE, 0);
  dir = subdir (&f, "kto");
  kto = g_build_filename (dir, "kto.jsonl", NULL);
  orl = g_build_filename (dir, "openrlhf.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-kto", "--conversational",
                                   "-o", kto, NULL });
  ck = check_files ("trl-kto", "--conversational", NULL, kto, NULL);
  g_assert_cmpint (count_of (ck, "rows"), ==, summary_count (run.out, "rows written"));
  g_assert_cmpint (count_of (ck, "duplicates"), ==, 0);
  /* Every decided comparison gives one true and one false row; identical ones are one. */
  g_assert_cmpint (count_of (ck, "labels_true") + count_of (ck, "labels_false") +
                   summary_count (run.out, "rows identical to a written one"), ==,
                   2 * (e.rows + e.duplicates));

  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "openrlhf", "--prompt-key",
                                   "input", "--chosen-key", "win", "--rejected-key", "lose",
                                   "--margin", "preference", "-o", orl, NULL });
  co = check_files ("openrlhf", "--keys", "input,win,lose", orl, NULL);
  g_assert_cmpint (count_of (co, "rows"), ==, e.rows);
  g_assert_cmpint (count_of (co, "margin_max"), <=, 1);
  fixture_clear (&f);
}

static void
test_pandalm_verdicts (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL, *jsonl = NULL, *csv = NULL;
  g_autoptr(json_object) cj = NULL, cc = NULL;

  fixture_init (&f, PANDALM, "pandalm");
  dir = subdir (&f, "verdicts");
  jsonl = g_build_filename (dir, "verdicts.jsonl", NULL);
  csv = g_build_filename (dir, "verdicts.csv.gz", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "verdicts-jsonl", "-o", jsonl,
                                   NULL });
  /* 200 comparisons, three annotators each */
  g_assert_cmpint (summary_count (run.out, "rows written"), ==, 600);
  cj = check_files ("verdicts-jsonl", NULL, NULL, jsonl, NULL);
  g_assert_cmpint (count_of (cj, "rows"), ==, 600);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "verdicts-csv", "--rater",
                                   "pandalm/annotator2", "-o", csv, NULL });
  cc = check_files ("verdicts-csv", NULL, NULL, csv, NULL);
  g_assert_cmpint (count_of (cc, "rows"), ==, 200);
  /* Policies do not apply to verdict rows. */
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "verdicts-csv",
                                              "--policy", "mean", "-o", csv, NULL });
  g_assert_cmpint (run.status, ==, 2);
  fixture_clear (&f);
}

/* ---- trl-stepwise: BIG-Bench Mistake and PRM800K ----------------------------------------- */

#define BBM_DIR "big_bench_mistake"
#define PRM_FILES "prm800k_examples/prm800k-phase1-train-example.json", \
                  "prm800k_examples/prm800k-phase2-train-example.jsonl"
#define FGRLHF "finegrained_rlhf_qa_feedback/dev_feedback.first100.json"

/* A workspace with several files of one format imported (NULL-terminated, relative to the
 * shared data). */
static void
fixture_init_files (Fixture    *f,
                    const char *format,
                    ...)
{
  g_auto(ArbTestRun) run = { 0 };
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  const char *relative;
  va_list ap;

  f->dir = arb_test_mkdtemp ();
  f->ws = g_build_filename (f->dir, "ws.arbiter", NULL);
  run_ok (&run, (const char *[]) { "init", f->ws, NULL });
  g_ptr_array_add (args, g_strdup ("import"));
  g_ptr_array_add (args, g_strdup (f->ws));
  va_start (ap, format);
  while ((relative = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, g_build_filename (arb_test_shared_data (), relative, NULL));
  va_end (ap);
  g_ptr_array_add (args, g_strdup ("--format"));
  g_ptr_array_add (args, g_strdup (format));
  g_ptr_array_add (args, NULL);
  run_ok (&run, (const char * const *) args->pdata);
}

/* The BIG-Bench Mistake sample's five files. */
static void
fixture_init_bbm (Fixture *f)
{
  fixture_init_files (f, "bigbench-mistake", BBM_DIR "/dyck_languages.first60.jsonl",
                      BBM_DIR "/logical_deduction.first60.jsonl",
                      BBM_DIR "/multistep_arithmetic.first60.jsonl",
                      BBM_DIR "/tracking_shuffled_objects.first60.jsonl",
                      BBM_DIR "/word_sorting.first60.jsonl", NULL);
}

/* Runs expect-export.py with these arguments (NULL-terminated); returns its counts. */
static json_object *
expect (const char *first,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  json_object *counts;
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, g_strdup ("/usr/bin/python3"));
  g_ptr_array_add (argv, g_build_filename (ARB_TEST_SRCDIR, "export", "expect-export.py", NULL));
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    g_error ("expect-export.py %s: %s", first, err);
  g_test_message ("expect-export.py %s: %s", first, out);
  counts = json_tokener_parse (out);
  g_assert_nonnull (counts);
  return counts;
}

static void
test_bbm_stepwise (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL, *out = NULL, *bad = NULL, *conv = NULL, *card = NULL;
  g_autofree char *card_text = NULL;
  g_autofree char *source = g_build_filename (arb_test_shared_data (), BBM_DIR, NULL);
  g_autoptr(json_object) c = NULL, e = NULL, cb = NULL, eb = NULL, cc = NULL;

  fixture_init_bbm (&f);
  dir = subdir (&f, "steps");
  out = g_build_filename (dir, "bbm.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise", "-o", out, NULL });
  c = check_files ("trl-stepwise", NULL, NULL, out, NULL);
  e = expect ("bbm", source, "good", "drop", out, NULL);
  /* The sample's facts (its README and docs/formats.md), then the independent computation. */
  g_assert_cmpint (count_of (e, "traces"), ==, 300);
  g_assert_cmpint (count_of (e, "steps"), ==, 3296);
  g_assert_cmpint (count_of (e, "no_mistake"), ==, 56);
  g_assert_cmpint (count_of (e, "true"), ==, 1487);
  g_assert_cmpint (count_of (e, "false"), ==, 244);
  g_assert_cmpint (count_of (c, "rows"), ==, count_of (e, "rows"));
  g_assert_cmpint (count_of (c, "labels_true"), ==, 1487);
  g_assert_cmpint (count_of (c, "labels_false"), ==, 244);
  g_assert_cmpint (summary_count (run.out, "generations with a counted step label"), ==, 300);
  g_assert_cmpint (summary_count (run.out, "rows written"), ==, 300);
  g_assert_cmpint (summary_count (run.out, "step labels written true"), ==, 1487);
  g_assert_cmpint (summary_count (run.out, "step labels written false"), ==, 244);
  g_assert_cmpint (summary_count (run.out, "steps left out: after the first error"), ==,
                   count_of (e, "cut_error"));
  g_assert_cmpint (summary_count (run.out, "steps left out: unlabelled step on"), ==, 0);
  /* 244 traces with a mistake end with it; the 56 without one end with their last step. */
  g_assert_cmpint (count_of (e, "cut_error") + 1487 + 244, ==, 3296);
  card = g_build_filename (dir, "README.md", NULL);
  g_assert_true (g_file_get_contents (card, &card_text, NULL, NULL));
  g_assert_nonnull (strstr (card_text, "Neutral steps (0): written as good"));
  g_assert_nonnull (strstr (card_text, "the row ends with it"));
  g_assert_nonnull (strstr (card_text, "| step labels written false | 244 |"));

  /* Every step after a mistake written as bad: all 3 296 steps, 3 296 − 1 487 false. */
  bad = g_build_filename (dir, "bbm-bad.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise", "--after-error",
                                   "bad", "--no-card", "-o", bad, NULL });
  cb = check_files ("trl-stepwise", NULL, NULL, bad, NULL);
  eb = expect ("bbm", source, "good", "bad", bad, NULL);
  g_assert_cmpint (count_of (cb, "steps"), ==, 3296);
  g_assert_cmpint (count_of (cb, "labels_false"), ==, 3296 - 1487);
  g_assert_cmpint (count_of (eb, "false"), ==, 3296 - 1487);

  /* The prompt as messages */
  conv = g_build_filename (dir, "bbm-conv.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise",
                                   "--conversational", "--no-card", "-o", conv, NULL });
  cc = check_files ("trl-stepwise", "--conversational", NULL, conv, NULL);
  g_assert_cmpint (count_of (cc, "rows"), ==, 300);
  g_assert_cmpint (count_of (cc, "steps"), ==, 1731);
  fixture_clear (&f);
}

static void
test_prm800k_stepwise (void)
{
  static const char *const neutral[] = { "good", "bad", "drop" };
  static const char *const after[] = { "drop", "bad" };
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL;
  g_autofree char *p1 = g_build_filename (arb_test_shared_data (), "prm800k_examples",
                                          "prm800k-phase1-train-example.json", NULL);
  g_autofree char *p2 = g_build_filename (arb_test_shared_data (), "prm800k_examples",
                                          "prm800k-phase2-train-example.jsonl", NULL);
  gint64 rows_good = -1, rows_drop = -1, true_good = -1, true_bad = -1;

  fixture_init_files (&f, "prm800k", PRM_FILES, NULL);
  dir = subdir (&f, "prm");
  for (guint i = 0; i < G_N_ELEMENTS (neutral); i++)
    for (guint k = 0; k < G_N_ELEMENTS (after); k++)
      {
        g_autofree char *name = g_strdup_printf ("prm-%s-%s.jsonl", neutral[i], after[k]);
        g_autofree char *out = g_build_filename (dir, name, NULL);
        g_autoptr(json_object) c = NULL, e = NULL;

        run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise",
                                         "--neutral", neutral[i], "--after-error", after[k],
                                         "--no-card", "-o", out, NULL });
        c = check_files ("trl-stepwise", NULL, NULL, out, NULL);
        e = expect ("prm800k", neutral[i], after[k], out, p1, p2, NULL);
        g_assert_cmpint (count_of (c, "rows"), ==, count_of (e, "rows"));
        g_assert_cmpint (count_of (c, "labels_true"), ==, count_of (e, "true"));
        g_assert_cmpint (count_of (c, "labels_false"), ==, count_of (e, "false"));
        g_assert_cmpint (summary_count (run.out, "neutral steps met"), ==,
                         count_of (e, "neutral"));
        g_assert_cmpint (summary_count (run.out, "steps left out: unlabelled step on"), ==,
                         count_of (e, "cut_unlabelled"));
        g_assert_cmpint (summary_count (run.out, "steps left out: neutral step on"), ==,
                         count_of (e, "cut_neutral"));
        g_assert_cmpint (summary_count (run.out, "steps left out: after the first error"), ==,
                         count_of (e, "cut_error"));
        if (k == 0 && i == 0)
          rows_good = count_of (c, "rows"), true_good = count_of (c, "labels_true");
        if (k == 0 && i == 1)
          true_bad = count_of (c, "labels_true");
        if (k == 0 && i == 2)
          rows_drop = count_of (c, "rows");
      }
  /* The sample has neutral steps, so the three policies differ. */
  g_assert_cmpint (true_bad, <, true_good);
  g_assert_cmpint (rows_drop, <=, rows_good);
  g_assert_cmpint (rows_good, >, 0);
  fixture_clear (&f);
}

/* One row of a stepwise export by its prompt. */
static json_object *
stepwise_row (const char *path,
              const char *prompt)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      json_object *row = json_tokener_parse (lines[i]);
      json_object *p = NULL;

      if (row != NULL && json_object_object_get_ex (row, "prompt", &p) &&
          g_strcmp0 (json_object_get_string (p), prompt) == 0)
        return row;
      g_clear_pointer (&row, json_object_put);
    }
  return NULL;
}

static gint64
n_labels (json_object *row,
          gboolean    value)
{
  json_object *labels = NULL;
  gint64 n = 0;

  g_assert_true (json_object_object_get_ex (row, "labels", &labels));
  for (size_t i = 0; i < json_object_array_length (labels); i++)
    n += json_object_get_boolean (json_object_array_get_idx (labels, i)) == value;
  return n;
}

static void
exec_sql (const char *ws,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *msg = NULL;

  g_assert_cmpint (sqlite3_open (ws, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  sqlite3_close (db);
}

/* Several raters on the same steps: majority of signs, unanimous, an adjudicator. */
static void
test_step_raters (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL, *maj = NULL, *una = NULL, *adj = NULL, *one = NULL;
  g_autofree char *prompt = NULL;
  g_autoptr(json_object) rm = NULL, ra = NULL, r1 = NULL;
  g_autofree char *sql = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 gen = 0, n_correct = 0;

  fixture_init_bbm (&f);
  /* A trace without a mistake and with at least three steps. */
  g_assert_cmpint (sqlite3_open_v2 (f.ws, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT g.id, json_extract (p.messages, '$[0].content'),"
                                           " (SELECT count (*) FROM spans s WHERE"
                                           " s.generation_id = g.id) FROM generations g"
                                           " JOIN prompts p ON p.id = g.prompt_id WHERE NOT EXISTS"
                                           " (SELECT 1 FROM spans s WHERE s.generation_id = g.id"
                                           " AND s.value < 0) AND (SELECT count (*) FROM spans s"
                                           " WHERE s.generation_id = g.id) >= 3 ORDER BY g.id"
                                           " LIMIT 1", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  gen = sqlite3_column_int64 (stmt, 0);
  prompt = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  n_correct = sqlite3_column_int64 (stmt, 2);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  /* Two more annotators label step 1 bad (and the first rater's labels stay: good). */
  sql = g_strdup_printf ("INSERT INTO raters (uuid, name, kind, origin, role) VALUES"
                         " ('r2', 'second', 'human', 'live', 'annotator'),"
                         " ('r3', 'third', 'human', 'live', 'annotator');"
                         "INSERT INTO spans (uuid, generation_id, rater_id, start_byte, end_byte,"
                         " label, value, step_index, created_at)"
                         " SELECT 's-' || r.name, s.generation_id, r.id, s.start_byte, s.end_byte,"
                         " 'bad', -1, s.step_index, '2026-12-03T00:00:00Z' FROM spans s, raters r"
                         " WHERE s.generation_id = %" G_GINT64_FORMAT " AND s.step_index = 1"
                         " AND r.name IN ('second', 'third')", gen);
  exec_sql (f.ws, sql);
  dir = subdir (&f, "raters");
  maj = g_build_filename (dir, "majority.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise", "--no-card", "-o",
                                   maj, NULL });
  /* 2 bad against 1 good: the row is step 0 good, step 1 bad, and ends there. */
  rm = stepwise_row (maj, prompt);
  g_assert_nonnull (rm);
  g_assert_cmpint (n_labels (rm, TRUE), ==, 1);
  g_assert_cmpint (n_labels (rm, FALSE), ==, 1);
  g_assert_cmpint (summary_count (run.out, "step labels written false"), ==, 244 + 1);

  /* Unanimous: step 1 is undecided, the row ends before it. */
  una = g_build_filename (dir, "unanimous.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise", "--policy",
                                   "unanimous", "--no-card", "-o", una, NULL });
  g_assert_cmpint (summary_count (run.out, "steps left out: undecided step on"), ==,
                   n_correct - 1);
  {
    g_autoptr(json_object) ru = stepwise_row (una, prompt);

    g_assert_nonnull (ru);
    g_assert_cmpint (n_labels (ru, TRUE), ==, 1);
    g_assert_cmpint (n_labels (ru, FALSE), ==, 0);
  }

  /* Only the first rater: the trace as imported. */
  one = g_build_filename (dir, "single.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise", "--policy",
                                   "single", "--rater", "bigbench-mistake", "--no-card", "-o", one,
                                   NULL });
  r1 = stepwise_row (one, prompt);
  g_assert_cmpint (n_labels (r1, TRUE), ==, n_correct);

  /* An adjudicator says step 1 is good: the adjudicator wins on that step. */
  g_free (sql);
  sql = g_strdup_printf ("INSERT INTO raters (uuid, name, kind, origin, role) VALUES"
                         " ('r4', 'lead', 'human', 'live', 'adjudicator');"
                         "INSERT INTO spans (uuid, generation_id, rater_id, start_byte, end_byte,"
                         " label, value, step_index, created_at)"
                         " SELECT 's-lead', s.generation_id, r.id, s.start_byte, s.end_byte,"
                         " 'good', 1, s.step_index, '2026-12-03T00:00:00Z' FROM spans s, raters r"
                         " WHERE s.generation_id = %" G_GINT64_FORMAT " AND s.step_index = 1"
                         " AND s.rater_id = (SELECT id FROM raters WHERE name = 'second')"
                         " AND r.name = 'lead'", gen);
  exec_sql (f.ws, sql);
  adj = g_build_filename (dir, "adjudicated.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise", "--no-card", "-o",
                                   adj, NULL });
  g_assert_cmpint (summary_count (run.out, "of which a step decided by an adjudicator"), ==, 1);
  ra = stepwise_row (adj, prompt);
  g_assert_cmpint (n_labels (ra, TRUE), ==, n_correct);
  g_assert_cmpint (n_labels (ra, FALSE), ==, 0);
  fixture_clear (&f);
}

/* ---- token-level: FineGrainedRLHF --------------------------------------------------------- */

static void
test_finegrained_token_level (void)
{
  static const char *const rules[] = { "any", "majority", "all" };
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL, *plain = NULL, *conv = NULL, *card = NULL, *card_text = NULL;
  g_autofree char *source = g_build_filename (arb_test_shared_data (), FGRLHF, NULL);
  g_autoptr(json_object) c = NULL, e = NULL, cc = NULL, t = NULL;
  gint64 in_span[3];

  fixture_init (&f, FGRLHF, "finegrained-rlhf");
  dir = subdir (&f, "tokens");
  plain = g_build_filename (dir, "fg.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "token-level", "-o", plain, NULL });
  c = check_files ("token-level", NULL, NULL, plain, NULL);
  /* The 265 spans of the sample (docs/formats.md), at the source's code-point offsets. */
  e = expect ("tokens", source, "any", plain, NULL);
  g_assert_cmpint (count_of (c, "spans"), ==, 265);
  g_assert_cmpint (count_of (e, "spans"), ==, 265);
  g_assert_cmpint (count_of (c, "tokenized"), ==, 0);
  g_assert_cmpint (summary_count (run.out, "spans written"), ==, 265);
  g_assert_cmpint (summary_count (run.out, "rows written"), ==, count_of (c, "rows"));

  conv = g_build_filename (dir, "fg-conv.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "token-level", "--conversational",
                                   "--no-card", "-o", conv, NULL });
  cc = check_files ("token-level", "--conversational", NULL, conv, NULL);
  g_assert_cmpint (count_of (cc, "spans"), ==, 265);

  /* An unknown tokenizer is an error; tokens without a tokenizer, wrong usage. */
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "token-level",
                                              "--tokenizer", "ws5", "--no-card", "-o", plain,
                                              NULL });
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "ws5"));
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "token-level",
                                              "--overlap", "all", "--no-card", "-o", plain, NULL });
  g_assert_cmpint (run.status, ==, 2);

  /* A whitespace-ish tokenization written straight into the table; each overlap rule against
   * Python's own computation of the token labels. */
  t = expect ("tokenize", f.ws, "ws5", NULL);
  g_assert_cmpint (count_of (t, "tokenized"), ==, count_of (c, "rows"));
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      g_autofree char *name = g_strdup_printf ("fg-%s.jsonl", rules[i]);
      g_autofree char *out = g_build_filename (dir, name, NULL);
      g_autoptr(json_object) ct = NULL, et = NULL;

      run_ok (&run, (const char *[]) { "export", f.ws, "--format", "token-level", "--tokenizer",
                                       "ws5", "--overlap", rules[i], "--no-card", "-o", out,
                                       NULL });
      ct = check_files ("token-level", NULL, NULL, out, NULL);
      et = expect ("tokens", source, rules[i], out, NULL);
      g_assert_cmpint (count_of (ct, "tokenized"), ==, count_of (c, "rows"));
      g_assert_cmpint (count_of (ct, "tokens"), ==, count_of (et, "tokens"));
      g_assert_cmpint (summary_count (run.out, "tokens written"), ==, count_of (et, "tokens"));
      g_assert_cmpint (summary_count (run.out, "tokens inside a span"), ==,
                       count_of (et, "in_span"));
      /* FineGrainedRLHF's error types have no value: every token label is 0, the tags say */
      g_assert_cmpint (count_of (et, "labelled"), ==, 0);
      g_assert_cmpint (count_of (et, "partial_tokens"), >, 0);
      in_span[i] = count_of (et, "in_span");
    }
  /* Tokens straddle span boundaries, so the rules differ, each narrower than the last. */
  g_assert_cmpint (in_span[0], >, in_span[1]);
  g_assert_cmpint (in_span[1], >, in_span[2]);
  /* A tokenization only in the chat context is used when there is none alone; a damaged one
   * stops the export with what and where. */
  exec_sql (f.ws, "INSERT INTO tokenizations (uuid, generation_id, tokenizer, in_context,"
                  " token_ids, byte_ranges, created_at) SELECT 'ctx', generation_id, 'ctx', 1,"
                  " '[1]', '[[0, 1]]', '2026-12-03T00:00:00Z' FROM spans ORDER BY id LIMIT 1;"
                  "INSERT INTO tokenizations (uuid, generation_id, tokenizer, token_ids,"
                  " byte_ranges, created_at) SELECT 'bad', generation_id, 'bad', '[1, 2]',"
                  " '[[0, 1]]', '2026-12-03T00:00:00Z' FROM spans ORDER BY id LIMIT 1");
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "token-level", "--tokenizer",
                                   "ctx", "--no-card", "-o", plain, NULL });
  g_assert_cmpint (summary_count (run.out, "rows with tokens"), ==, 1);
  g_assert_cmpint (summary_count (run.out, "rows without a tokenization"), ==,
                   count_of (c, "rows") - 1);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "token-level",
                                              "--tokenizer", "bad", "--no-card", "-o", plain,
                                              NULL });
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "“bad”"));
  g_assert_nonnull (strstr (run.err, "damaged"));

  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "token-level", "--tokenizer",
                                   "ws5", "-o", plain, NULL });
  card = g_build_filename (dir, "README.md", NULL);
  g_assert_true (g_file_get_contents (card, &card_text, NULL, NULL));
  g_assert_nonnull (strstr (card_text, "any of its bytes is in the span"));
  fixture_clear (&f);
}

/* Step labels carry values: token labels -1/+1 from them. */
static void
test_bbm_token_level (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL, *out = NULL;
  g_autoptr(json_object) t = NULL, c = NULL, e = NULL;

  fixture_init_bbm (&f);
  t = expect ("tokenize", f.ws, "ws5", NULL);
  g_assert_cmpint (count_of (t, "tokenized"), ==, 300);
  dir = subdir (&f, "tokens");
  out = g_build_filename (dir, "bbm.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "token-level", "--tokenizer",
                                   "ws5", "--overlap", "majority", "--no-card", "-o", out, NULL });
  c = check_files ("token-level", NULL, NULL, out, NULL);
  e = expect ("tokens", "-", "majority", out, NULL);
  g_assert_cmpint (count_of (c, "spans"), ==, 1487 + 244);
  g_assert_cmpint (count_of (e, "labelled"), >, 0);
  g_assert_cmpint (count_of (e, "labelled"), ==, count_of (e, "in_span"));
  fixture_clear (&f);
}

/* ---- the implicit prompt ------------------------------------------------------------------ */

static void
test_hh_implicit_prompt (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *dir = NULL, *out = NULL, *conv = NULL, *contents = NULL;
  g_autoptr(json_object) c = NULL, cc = NULL;

  fixture_init (&f, HH, "hh-rlhf");
  dir = subdir (&f, "implicit");
  out = g_build_filename (dir, "hh.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                   "--implicit-prompt", "--no-card", "-o", out, NULL });
  c = check_files ("trl-preference", "--implicit", NULL, out, NULL);
  g_assert_cmpint (count_of (c, "rows"), ==, summary_count (run.out, "rows written"));
  g_assert_cmpint (count_of (c, "rows"), >=, 290);
  /* HH-RLHF's own form: the first record's chosen string, byte for byte, is a row's chosen. */
  {
    g_autofree char *path = g_build_filename (arb_test_shared_data (), HH, NULL);
    g_autofree char *gz = NULL, *first = NULL;
    gsize len = 0;
    g_autoptr(GConverter) z =
      G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
    g_autoptr(GInputStream) raw = NULL, in = NULL;
    g_autoptr(GDataInputStream) data = NULL;
    g_autoptr(json_object) rec = NULL;
    g_auto(GStrv) lines = NULL;
    json_object *chosen = NULL;
    gboolean found = FALSE;

    g_assert_true (g_file_get_contents (path, &gz, &len, NULL));
    raw = g_memory_input_stream_new_from_data (gz, len, NULL);
    in = g_converter_input_stream_new (raw, z);
    data = g_data_input_stream_new (in);
    first = g_data_input_stream_read_line_utf8 (data, NULL, NULL, NULL);
    g_assert_nonnull (first);
    rec = json_tokener_parse (first);
    g_assert_true (json_object_object_get_ex (rec, "chosen", &chosen));
    g_assert_true (g_file_get_contents (out, &contents, NULL, NULL));
    lines = g_strsplit (contents, "\n", -1);
    for (guint i = 0; lines[i] != NULL && !found; i++)
      {
        g_autoptr(json_object) row = json_tokener_parse (lines[i]);
        json_object *c2 = NULL;

        found = row != NULL && json_object_object_get_ex (row, "chosen", &c2) &&
                g_strcmp0 (json_object_get_string (c2), json_object_get_string (chosen)) == 0;
      }
    g_assert_true (found);
  }

  conv = g_build_filename (dir, "hh-conv.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                   "--implicit-prompt", "--conversational", "--no-card", "-o",
                                   conv, NULL });
  cc = check_files ("trl-preference", "--implicit", "--conversational", conv, NULL);
  g_assert_cmpint (count_of (cc, "rows"), ==, summary_count (run.out, "rows written"));

  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-kto",
                                              "--implicit-prompt", "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 2);
  fixture_clear (&f);
}

/* ---- split, gzip and the card ------------------------------------------------------------ */

static void
test_split (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *d1 = NULL, *d2 = NULL, *d3 = NULL, *o1 = NULL, *o2 = NULL, *o3 = NULL;
  g_autofree char *train1 = NULL, *test1 = NULL, *train2 = NULL, *test2 = NULL;
  g_autofree char *train3 = NULL, *test3 = NULL, *card = NULL, *card_text = NULL;
  g_autofree char *command = NULL;
  g_autoptr(json_object) c1 = NULL, c2 = NULL, c3 = NULL;
  gint64 rows;

  fixture_init (&f, HH, "hh-rlhf");
  d1 = subdir (&f, "s1");
  d2 = subdir (&f, "s2");
  d3 = subdir (&f, "s3");
  o1 = g_build_filename (d1, "hh.jsonl.gz", NULL);
  o2 = g_build_filename (d2, "hh.jsonl.gz", NULL);
  o3 = g_build_filename (d3, "hh.jsonl.gz", NULL);
  train1 = g_build_filename (d1, "hh.train.jsonl.gz", NULL);
  test1 = g_build_filename (d1, "hh.test.jsonl.gz", NULL);
  train2 = g_build_filename (d2, "hh.train.jsonl.gz", NULL);
  test2 = g_build_filename (d2, "hh.test.jsonl.gz", NULL);
  train3 = g_build_filename (d3, "hh.train.jsonl.gz", NULL);
  test3 = g_build_filename (d3, "hh.test.jsonl.gz", NULL);

  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                   "--conversational", "--split", "test=0.2", "--seed", "7",
                                   "-o", o1, NULL });
  rows = summary_count (run.out, "rows written");
  g_assert_cmpint (summary_count (run.out, "rows in train") + summary_count (run.out,
                                                                             "rows in test"),
                   ==, rows);
  g_assert_false (g_file_test (o1, G_FILE_TEST_EXISTS));
  /* python's gzip module reads both parts */
  c1 = check_files ("trl-preference", "--conversational", NULL, train1, test1, NULL);
  g_assert_cmpint (count_of (c1, "rows"), ==, rows);
  g_assert_cmpint (count_of (c1, "overlap"), ==, 0);
  g_assert_cmpint (file_rows (c1, 1), ==, summary_count (run.out, "rows in test"));
  /* about a fifth of 300 prompts */
  g_assert_cmpint (file_rows (c1, 1), >, 30);
  g_assert_cmpint (file_rows (c1, 1), <, 90);

  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                   "--conversational", "--split", "test=0.2", "--seed", "7",
                                   "-o", o2, NULL });
  c2 = check_files ("trl-preference", "--conversational", NULL, train2, test2, NULL);
  g_assert_cmpstr (digest_of (c1, 0), ==, digest_of (c2, 0));
  g_assert_cmpstr (digest_of (c1, 1), ==, digest_of (c2, 1));

  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                   "--conversational", "--split", "test=0.2", "--seed", "8",
                                   "-o", o3, NULL });
  c3 = check_files ("trl-preference", "--conversational", NULL, train3, test3, NULL);
  g_assert_cmpint (count_of (c3, "overlap"), ==, 0);
  g_assert_cmpstr (digest_of (c1, 1), !=, digest_of (c3, 1));

  /* The card is beside the data and holds the command that made it. */
  card = g_build_filename (d1, "README.md", NULL);
  g_assert_true (g_file_get_contents (card, &card_text, NULL, NULL));
  command = g_strdup_printf ("arbiter-cli export %s --format trl-preference --conversational "
                             "--split test=0.2 --seed 7 -o %s", f.ws, o1);
  g_assert_nonnull (strstr (card_text, command));
  g_assert_nonnull (strstr (card_text, "path: \"hh.test.jsonl.gz\""));
  g_assert_nonnull (strstr (card_text, "| hh-rlhf | human | annotator | imported | 300 |"));
  g_assert_nonnull (strstr (card_text, "test.first300.jsonl.gz"));

  /* A wrong split is wrong usage */
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                              "--split", "test=1.5", "-o", o3, NULL });
  g_assert_cmpint (run.status, ==, 2);
  fixture_clear (&f);
}

/* ---- flags and adjudicators -------------------------------------------------------------- */

static gboolean
file_has_row (const char *path,
              const char *chosen,
              const char *rejected)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(json_object) row = json_tokener_parse (lines[i]);
      json_object *c = NULL, *r = NULL;

      if (row != NULL && json_object_object_get_ex (row, "chosen", &c) &&
          json_object_object_get_ex (row, "rejected", &r) &&
          g_strcmp0 (json_object_get_string (c), chosen) == 0 &&
          g_strcmp0 (json_object_get_string (r), rejected) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
texts_of (const char *ws,
          gint64      comparison,
          char      **a,
          char      **b)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (ws, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT ga.text, gb.text FROM comparisons c"
                                           " JOIN generations ga ON ga.id = c.a_id"
                                           " JOIN generations gb ON gb.id = c.b_id"
                                           " WHERE c.id = ?", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, comparison);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  *a = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  *b = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
test_flag_and_adjudicator (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *before = NULL, *flagged = NULL, *undone = NULL, *adj = NULL;
  g_autofree char *ka = NULL, *kb = NULL, *fa = NULL, *fb = NULL;
  Expect e;
  gint64 rows;

  fixture_init (&f, PANDALM, "pandalm");
  e = compute (f.ws, MAJORITY, FALSE, 0);
  g_assert_cmpint (e.kept_id, >, 0);
  g_assert_cmpint (e.flip_id, >, 0);
  texts_of (f.ws, e.kept_id, &ka, &kb);
  texts_of (f.ws, e.flip_id, &fa, &fb);
  dir = subdir (&f, "flag");
  before = g_build_filename (dir, "before.jsonl", NULL);
  flagged = g_build_filename (dir, "flagged.jsonl", NULL);
  undone = g_build_filename (dir, "undone.jsonl", NULL);
  adj = g_build_filename (dir, "adjudicated.jsonl", NULL);
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference", "-o", before,
                                   NULL });
  rows = summary_count (run.out, "rows written");
  g_assert_true (file_has_row (before, ka, kb) || file_has_row (before, kb, ka));
  g_assert_true (file_has_row (before, fa, fb));

  /* An annotator flags the comparison: it leaves the export. */
  {
    g_autoptr(ArbWorkspace) ws = arb_workspace_open (f.ws, &error);
    g_autoptr(ArbQueue) queue = NULL;

    g_assert_no_error (error);
    queue = arb_queue_new (ws, "reviewer", &error);
    g_assert_no_error (error);
    g_assert_true (arb_queue_set_flagged (queue, e.kept_id, TRUE, &error));
    g_assert_no_error (error);
  }
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference", "-o", flagged,
                                   NULL });
  g_assert_cmpint (summary_count (run.out, "dropped: flagged"), ==, 1);
  g_assert_cmpint (summary_count (run.out, "rows written"), ==, rows - 1);
  g_assert_false (file_has_row (flagged, ka, kb) || file_has_row (flagged, kb, ka));

  /* Undoing the flag brings it back. */
  {
    g_autoptr(ArbWorkspace) ws = arb_workspace_open (f.ws, &error);
    g_autoptr(ArbQueue) queue = NULL;

    g_assert_no_error (error);
    queue = arb_queue_new (ws, "reviewer", &error);
    g_assert_no_error (error);
    g_assert_cmpint (arb_queue_undo (queue, &error), ==, e.kept_id);
    g_assert_no_error (error);
  }
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference", "-o", undone,
                                   NULL });
  g_assert_cmpint (summary_count (run.out, "dropped: flagged"), ==, 0);
  g_assert_cmpint (summary_count (run.out, "rows written"), ==, rows);

  /* An adjudicator says B where all three annotators said A: the adjudicator wins. */
  {
    g_autoptr(ArbWorkspace) ws = arb_workspace_open (f.ws, &error);
    gint64 boss;

    g_assert_no_error (error);
    boss = arb_workspace_ensure_rater (ws, "lead", "human", "live", "adjudicator", &error);
    g_assert_no_error (error);
    g_assert_cmpint (arb_workspace_record_verdict (ws, e.flip_id, boss, 1.0, 2, "ab", "B is right",
                                                   12.5, &error), >, 0);
    g_assert_no_error (error);
  }
  run_ok (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference", "--policy",
                                   "unanimous", "-o", adj, NULL });
  g_assert_cmpint (summary_count (run.out, "decided by an adjudicator"), ==, 1);
  g_assert_true (file_has_row (adj, fb, fa));
  g_assert_false (file_has_row (adj, fa, fb));
  fixture_clear (&f);
}

/* ---- never half a file ------------------------------------------------------------------- */

/* ---- the preview: the export's counts, its first rows, nothing written --------------------- */

#define PREVIEW_N 3

static guint n_entries (const char *dir);

/* Every count of a result, by name, for comparing a preview with an export. */
#define RESULT_COUNTS(X) X (considered) X (adjudicated) X (flagged) X (not_text) X (multi_turn) \
  X (disagreement) X (low_agreement) X (ties) X (same_text) X (duplicates) X (no_steps) X (empty) \
  X (labels_true) X (labels_false) X (neutral) X (cut_unlabelled) X (cut_disputed) \
  X (cut_neutral) X (cut_error) X (spans) X (tokenized) X (untokenized) X (tokens) \
  X (tokens_in_span) X (rows) X (rows_split)

static void
assert_same_counts (const char            *what,
                    const ArbExportResult *full,
                    const ArbExportResult *preview)
{
#define CHECK(field) \
  if (full->field != preview->field) \
    g_error ("%s: " #field ": the export counts %" G_GINT64_FORMAT ", the preview %" \
             G_GINT64_FORMAT, what, full->field, preview->field);
  RESULT_COUNTS (CHECK)
#undef CHECK
}

/* Exports @o into @dir and previews it: the same counts, the preview is the data file's first
 * PREVIEW_N rows byte for byte, and the preview wrote nothing. */
static void
check_preview (ArbWorkspace           *ws,
               const char             *dir,
               const char             *what,
               const ArbExportOptions *o)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = g_build_filename (dir, o->format == ARB_EXPORT_VERDICTS_CSV
                                                ? "data.csv" : "data.jsonl", NULL);
  g_autoptr(ArbExportResult) full = NULL, preview = NULL;
  g_autofree char *contents = NULL;
  ArbExportOptions po = *o;
  gboolean csv = o->format == ARB_EXPORT_VERDICTS_CSV;
  const char *end = csv ? "\r\n" : "\n";
  gint64 ends = 0, in_main;
  guint before;

  full = arb_workspace_export (ws, out, o, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (full);
  before = n_entries (dir);
  po.preview_records = PREVIEW_N;
  preview = arb_workspace_export (ws, NULL, &po, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (preview);
  g_test_message ("%s: %" G_GINT64_FORMAT " rows (%" G_GINT64_FORMAT " in the split), "
                  "%" G_GINT64_FORMAT " in the preview", what, full->rows, full->rows_split,
                  preview->preview_rows);
  assert_same_counts (what, full, preview);
  g_assert_cmpuint (n_entries (dir), ==, before);
  g_assert_cmpuint (preview->files->len, ==, 0);
  g_assert_null (full->preview);

  in_main = full->rows - full->rows_split;
  g_assert_cmpint (preview->preview_rows, ==, MIN (PREVIEW_N, in_main));
  g_assert_true (g_file_get_contents (full->files->pdata[0], &contents, NULL, NULL));
  g_assert_nonnull (preview->preview);
  if (!g_str_has_prefix (contents, preview->preview))
    g_error ("%s: the preview is not the beginning of %s:\n%.300s", what,
             (char *) full->files->pdata[0], preview->preview);
  for (const char *p = preview->preview; (p = strstr (p, end)) != NULL; p += strlen (end))
    ends++;
  /* each row ends with its line end (CSV: the header row too; a CSV field's own line breaks
   * are \n alone) */
  g_assert_cmpint (ends, ==, preview->preview_rows + (csv ? 1 : 0));
  if (in_main > PREVIEW_N)
    g_assert_cmpuint (strlen (preview->preview), <, strlen (contents));
  else
    g_assert_cmpstr (preview->preview, ==, contents);
  for (guint i = 0; i < full->files->len; i++)
    g_unlink (full->files->pdata[i]);
}

static void
test_preview_counts (void)
{
  static const char *const samples[][2] = {
    { PANDALM, "pandalm" }, { HH, "hh-rlhf" }, { FGRLHF, "finegrained-rlhf" },
  };
  static const ArbExportFormat pairwise[] = {
    ARB_EXPORT_TRL_PREFERENCE, ARB_EXPORT_TRL_KTO, ARB_EXPORT_OPENRLHF,
  };
  static const ArbExportPolicy policies[] = {
    ARB_EXPORT_POLICY_MAJORITY, ARB_EXPORT_POLICY_MEAN, ARB_EXPORT_POLICY_UNANIMOUS,
  };
  guint cases = 0;

  for (guint k = 0; k < G_N_ELEMENTS (samples) + 1; k++)
    {
      g_auto(ArbTestRun) run = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(ArbWorkspace) ws = NULL;
      g_autofree char *dir = NULL;
      gboolean bbm = k == G_N_ELEMENTS (samples);
      gboolean fg = !bbm && g_str_equal (samples[k][1], "finegrained-rlhf");
      Fixture f;

      if (bbm)
        fixture_init_bbm (&f);
      else
        fixture_init (&f, samples[k][0], samples[k][1]);
      if (fg)
        {
          g_autoptr(json_object) t = expect ("tokenize", f.ws, "ws5", NULL);

          g_assert_cmpint (count_of (t, "tokenized"), >, 0);
        }
      dir = subdir (&f, "preview");
      ws = arb_workspace_open (f.ws, &error);
      g_assert_no_error (error);

      /* The pairwise formats under each policy, ties dropped and kept, a minimum agreement,
       * a margin, the conversational and implicit forms and a split. */
      for (guint i = 0; !bbm && !fg && i < G_N_ELEMENTS (pairwise); i++)
        for (guint p = 0; p < G_N_ELEMENTS (policies); p++)
          for (guint v = 0; v < 6; v++)
            {
              ArbExportOptions o;
              g_autofree char *what = NULL;

              arb_export_options_init (&o);
              o.format = pairwise[i];
              o.policy = policies[p];
              o.no_card = TRUE;
              o.keep_ties = v == 1 && pairwise[i] != ARB_EXPORT_TRL_KTO;
              o.min_agreement = v == 2 ? 0.9 : 0;
              o.margin = v == 3 && pairwise[i] != ARB_EXPORT_TRL_KTO
                         ? ARB_EXPORT_MARGIN_STRENGTH : ARB_EXPORT_MARGIN_NONE;
              o.conversational = v == 4;
              o.implicit_prompt = v == 4 && pairwise[i] == ARB_EXPORT_TRL_PREFERENCE;
              if (v == 5)
                {
                  o.split_name = "test";
                  o.split_fraction = 0.3;
                  o.seed = 7;
                }
              what = g_strdup_printf ("%s %s %s variant %u", samples[k][1],
                                      arb_export_format_to_string (o.format),
                                      arb_export_policy_to_string (o.policy), v);
              check_preview (ws, dir, what, &o);
              cases++;
            }
      /* The verdict formats, with and without a split. */
      for (guint i = 0; !bbm && !fg && i < 4; i++)
        {
          ArbExportOptions o;
          g_autofree char *what = NULL;

          arb_export_options_init (&o);
          o.format = i % 2 ? ARB_EXPORT_VERDICTS_CSV : ARB_EXPORT_VERDICTS_JSONL;
          o.no_card = TRUE;
          o.all_raters = TRUE;
          if (i >= 2)
            {
              o.split_name = "test";
              o.split_fraction = 0.5;
            }
          what = g_strdup_printf ("%s %s %u", samples[k][1],
                                  arb_export_format_to_string (o.format), i);
          check_preview (ws, dir, what, &o);
          cases++;
        }
      /* trl-stepwise: the policies, neutral and after-error rules. */
      for (guint i = 0; bbm && i < 3 * 3 * 2; i++)
        {
          ArbExportOptions o;
          g_autofree char *what = NULL;

          arb_export_options_init (&o);
          o.format = ARB_EXPORT_TRL_STEPWISE;
          o.no_card = TRUE;
          o.policy = policies[i % 3];
          o.neutral = (ArbExportNeutral) ((i / 3) % 3);
          o.after_error = (ArbExportAfterError) (i / 9);
          o.conversational = i == 4;
          what = g_strdup_printf ("bbm trl-stepwise %u", i);
          check_preview (ws, dir, what, &o);
          cases++;
        }
      /* token-level, with and without tokens, every overlap rule. */
      for (guint i = 0; (bbm || fg) && i < (fg ? 4 : 1); i++)
        {
          ArbExportOptions o;
          g_autofree char *what = NULL;

          arb_export_options_init (&o);
          o.format = ARB_EXPORT_TOKEN_LEVEL;
          o.no_card = TRUE;
          if (i > 0)
            {
              o.tokenizer = "ws5";
              o.overlap = (ArbExportOverlap) (i - 1);
            }
          what = g_strdup_printf ("%s token-level %u", bbm ? "bbm" : "finegrained", i);
          check_preview (ws, dir, what, &o);
          cases++;
        }
      g_clear_object (&ws);
      fixture_clear (&f);
    }
  g_test_message ("%u previews compared with their exports", cases);
}

/* Cancels the export from its own progress report, in the middle of its rows. */
static void
cancel_on_progress (gint64   done,
                    gint64   total,
                    gint64   rows,
                    gpointer user_data)
{
  if (done < total)
    g_cancellable_cancel (user_data);
}

static void
test_preview_cancel (void)
{
  static const ArbExportFormat formats[] = {
    ARB_EXPORT_TRL_PREFERENCE, ARB_EXPORT_TRL_KTO, ARB_EXPORT_VERDICTS_JSONL,
    ARB_EXPORT_VERDICTS_CSV,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autofree char *dir = NULL;
  Fixture f;

  fixture_init (&f, HH, "hh-rlhf");
  dir = subdir (&f, "cancel");
  ws = arb_workspace_open (f.ws, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (formats) * 2 * 2; i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(ArbExportResult) r = NULL;
      g_autofree char *out = g_build_filename (dir, "data.jsonl", NULL);
      gboolean preview = i % 2, midway = (i / 2) % 2;
      ArbExportOptions o;
      gint64 t0;

      arb_export_options_init (&o);
      o.format = formats[i / 4];
      o.no_card = TRUE;
      o.preview_records = preview ? PREVIEW_N : 0;
      if (midway)
        {
          /* the progress is reported every 256 items: HH's 300 comparisons and verdicts have
           * it once before the end */
          o.progress = cancel_on_progress;
          o.progress_data = cancellable;
        }
      else
        g_cancellable_cancel (cancellable);
      t0 = g_get_monotonic_time ();
      r = arb_workspace_export (ws, preview ? NULL : out, &o, cancellable, &error);
      g_test_message ("%s %s, cancelled %s: %.1f ms", preview ? "preview" : "export",
                      arb_export_format_to_string (o.format), midway ? "midway" : "before",
                      (g_get_monotonic_time () - t0) / 1e3);
      g_assert_null (r);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      g_assert_cmpuint (n_entries (dir), ==, 0);

      /* the workspace is as it was: the next export runs */
      g_cancellable_reset (cancellable);
      o.progress = NULL;
      r = arb_workspace_export (ws, preview ? NULL : out, &o, cancellable, &error);
      g_assert_no_error (error);
      g_assert_nonnull (r);
      g_assert_cmpint (r->rows, >, 0);
      g_unlink (out);
    }
  g_clear_object (&ws);
  fixture_clear (&f);
}

static guint
n_entries (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

static void
limit_file_size (gpointer user_data)
{
  struct rlimit limit = { 65536, 65536 };

  /* A write past the limit then fails with EFBIG instead of killing the process. */
  signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &limit);
}

static void
test_never_half_written (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *ro = NULL, *full = NULL, *mine = NULL, *out = NULL, *card = NULL;
  g_autofree char *card_text = NULL;

  fixture_init (&f, HH, "hh-rlhf");

  /* A folder nobody may write to (root may: then only the next case counts). */
  ro = subdir (&f, "readonly");
  g_assert_cmpint (g_chmod (ro, 0555), ==, 0);
  out = g_build_filename (ro, "hh.jsonl", NULL);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                              "-o", out, NULL });
  if (geteuid () != 0)
    {
      g_assert_cmpint (run.status, ==, 1);
      g_assert_nonnull (strstr (run.err, ro));
      g_assert_cmpuint (n_entries (ro), ==, 0);
    }
  g_free (out);

  /* A disk that fills up in the middle of the file: the export fails and leaves nothing. */
  full = subdir (&f, "full");
  out = g_build_filename (full, "hh.jsonl", NULL);
  {
    g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr(GSubprocess) proc = NULL;
    g_autofree char *pout = NULL, *perr = NULL;

    g_subprocess_launcher_set_child_setup (launcher, limit_file_size, NULL, NULL);
    proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("ARB_CLI"), "export", f.ws,
                                        "--format", "trl-preference", "-o", out, NULL);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (proc, NULL, NULL, &pout, &perr, &error);
    g_assert_no_error (error);
    g_test_message ("with a 64 KiB file size limit: %s", perr);
    g_assert_true (g_subprocess_get_if_exited (proc));
    g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 1);
    g_assert_nonnull (strstr (perr, "nothing was written"));
    g_assert_cmpuint (n_entries (full), ==, 0);
  }

  /* Someone's own README.md is never overwritten by the card. */
  mine = subdir (&f, "mine");
  card = arb_test_write_file (mine, "README.md", "my notes\n", -1, FALSE);
  g_free (out);
  out = g_build_filename (mine, "hh.jsonl", NULL);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                              "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "README.md"));
  g_assert_true (g_file_get_contents (card, &card_text, NULL, NULL));
  g_assert_cmpstr (card_text, ==, "my notes\n");
  g_assert_cmpuint (n_entries (mine), ==, 1);
  fixture_clear (&f);
}

static void
test_usage (void)
{
  Fixture f;
  g_auto(ArbTestRun) run = { 0 };
  g_autofree char *out = NULL;

  fixture_init (&f, HH, "hh-rlhf");
  out = g_build_filename (f.dir, "x.jsonl", NULL);
  /* Options of one format given to another */
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                              "--neutral", "bad", "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 2);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise",
                                              "--tokenizer", "x", "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 2);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise",
                                              "--ties", "keep", "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 2);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "token-level",
                                              "--policy", "mean", "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 2);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise",
                                              "--neutral", "maybe", "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 2);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "token-level",
                                              "--tokenizer", "x", "--overlap", "half", "-o", out,
                                              NULL });
  g_assert_cmpint (run.status, ==, 2);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-stepwise-x",
                                              "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 2);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference", NULL });
  g_assert_cmpint (run.status, ==, 2);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                              "--rater", "nobody", "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "nobody"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  /* The data may not take the card's name. */
  g_free (out);
  out = g_build_filename (f.dir, "README.md", NULL);
  arb_test_run_cliv (&run, (const char *[]) { "export", f.ws, "--format", "trl-preference",
                                              "-o", out, NULL });
  g_assert_cmpint (run.status, ==, 1);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  fixture_clear (&f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/export/hh/trl-preference", test_hh_preference);
  g_test_add_func ("/arbiter/export/hh/trl-kto", test_hh_kto);
  g_test_add_func ("/arbiter/export/pandalm/policies", test_pandalm_policies);
  g_test_add_func ("/arbiter/export/pandalm/min-agreement", test_pandalm_min_agreement);
  g_test_add_func ("/arbiter/export/pandalm/kto-openrlhf", test_pandalm_kto_openrlhf);
  g_test_add_func ("/arbiter/export/pandalm/verdicts", test_pandalm_verdicts);
  g_test_add_func ("/arbiter/export/hh/implicit-prompt", test_hh_implicit_prompt);
  g_test_add_func ("/arbiter/export/bbm/trl-stepwise", test_bbm_stepwise);
  g_test_add_func ("/arbiter/export/prm800k/trl-stepwise", test_prm800k_stepwise);
  g_test_add_func ("/arbiter/export/bbm/step-raters", test_step_raters);
  g_test_add_func ("/arbiter/export/finegrained/token-level", test_finegrained_token_level);
  g_test_add_func ("/arbiter/export/bbm/token-level", test_bbm_token_level);
  g_test_add_func ("/arbiter/export/split", test_split);
  g_test_add_func ("/arbiter/export/flag-adjudicator", test_flag_and_adjudicator);
  g_test_add_func ("/arbiter/export/never-half-written", test_never_half_written);
  g_test_add_func ("/arbiter/export/usage", test_usage);
  g_test_add_func ("/arbiter/export/preview/counts", test_preview_counts);
  g_test_add_func ("/arbiter/export/preview/cancel", test_preview_cancel);
  return g_test_run ();
}
