/* test-export.c: the Export page previews what arbiter-cli export writes (suite gui)
 *
 * The PandaLM sample (3 annotators): the preview's counts equal the CLI's summary, its first
 * records are JSON rows with prompt, chosen and rejected; another policy changes the counts;
 * Export writes the file and its dataset card. BIG-Bench Mistake: the step-wise and
 * token-level formats from the same chooser, their counts equal the CLI's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <sqlite3.h>

#include "arb-application.h"
#include "arb-export-page.h"
#include "arb-gui-test-util.h"
#include "arb-json-reader.h"
#include "arb-test-util.h"
#include "arb-window.h"

void arbiter_register_resource (void);

static ArbApplication *app;
static ArbWindow *window;
static char *tmpdir;

static char *
pandalm_workspace (void)
{
  char *ws = g_build_filename (tmpdir, "pandalm.arbiter", NULL);
  g_autofree char *data = g_build_filename (arb_test_shared_data (), "pandalm_testset", "data", NULL);
  g_autofree char *f1 = g_build_filename (data, "testset-v1.first200.json", NULL);
  g_auto(ArbTestRun) run = { 0 };
  const char *init[] = { "init", ws, NULL };
  const char *import[] = { "import", ws, f1, NULL };

  arb_test_run_cliv (&run, init);
  g_assert_cmpint (run.status, ==, 0);
  arb_test_run_cliv (&run, import);
  g_assert_cmpint (run.status, ==, 0);
  return ws;
}

/* "N rows" at the start of a summary. */
static gint64
rows_of (const char *summary)
{
  g_assert_nonnull (summary);
  return g_ascii_strtoll (summary, NULL, 10);
}

static void
wait_page (ArbExportPage *page)
{
  ARB_WAIT_UNTIL (!arb_export_page_is_busy (page) && arb_export_page_get_summary (page) != NULL,
                  30);
}

static void
test_preview_and_export (void)
{
  g_autofree char *ws = pandalm_workspace ();
  g_autoptr(GFile) file = g_file_new_for_path (ws);
  g_autofree char *out = g_build_filename (tmpdir, "out", "pairs.jsonl", NULL);
  g_autofree char *cli_out = g_build_filename (tmpdir, "cli", "pairs.jsonl", NULL);
  g_auto(ArbTestRun) run = { 0 };
  ArbExportPage *page;
  gint64 majority;

  g_assert_true (arb_window_open_workspace (window, file));
  arb_window_show_page (window, "export");
  page = ARB_EXPORT_PAGE (arb_window_get_page (window, "export"));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (page)), 10);
  wait_page (page);
  g_test_message ("preview: %s", arb_export_page_get_summary (page));

  /* The CLI's export of the same choices (trl-preference, majority, ties dropped). */
  g_mkdir_with_parents (g_path_get_dirname (cli_out), 0755);
  {
    const char *args[] = { "export", ws, "--format", "trl-preference", "-o", cli_out, "--no-card",
                           NULL };

    arb_test_run_cliv (&run, args);
    g_assert_cmpint (run.status, ==, 0);
  }
  majority = rows_of (arb_export_page_get_summary (page));
  {
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;

    g_assert_true (g_file_get_contents (cli_out, &contents, NULL, NULL));
    lines = g_strsplit (contents, "\n", -1);
    g_assert_cmpint (majority, ==, (gint64) g_strv_length (lines) - 1);
  }
  g_assert_cmpint (majority, ==, 153);

  /* The preview made only its first five records, byte for byte the CLI file's first five
   * lines, and says how long the count took. */
  {
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GString) head = g_string_new (NULL);
    GtkLabel *status = GTK_LABEL (arb_gui_test_find (GTK_WIDGET (page), "export-status"));

    g_assert_true (g_file_get_contents (cli_out, &contents, NULL, NULL));
    lines = g_strsplit (contents, "\n", 6);
    for (guint i = 0; i < 5; i++)
      g_string_append_printf (head, "%s\n", lines[i]);
    g_assert_cmpstr (arb_export_page_get_preview (page), ==, head->str);
    g_assert_true (g_str_has_prefix (gtk_label_get_text (status), "Counted in "));
  }

  /* The first records: JSON rows of prompt, chosen and rejected. */
  {
    g_auto(GStrv) lines = g_strsplit (arb_export_page_get_preview (page), "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), >=, 5);
    for (guint i = 0; i < 5; i++)
      {
        g_autoptr(json_object) row = json_tokener_parse (lines[i]);

        g_assert_nonnull (row);
        g_assert_true (json_object_object_get_ex (row, "prompt", NULL));
        g_assert_true (json_object_object_get_ex (row, "chosen", NULL));
        g_assert_true (json_object_object_get_ex (row, "rejected", NULL));
      }
  }

  /* Unanimity keeps fewer. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (arb_gui_test_find (GTK_WIDGET (page), "export-policy")), 2);
  g_assert_true (arb_export_page_is_busy (page));
  wait_page (page);
  g_test_message ("unanimous: %s", arb_export_page_get_summary (page));
  g_assert_cmpint (rows_of (arb_export_page_get_summary (page)), ==, 137);
  g_assert_nonnull (strstr (arb_export_page_get_summary (page), "20 disagreeing"));

  /* Export writes it, with its card. */
  g_mkdir_with_parents (g_path_get_dirname (out), 0755);
  arb_export_page_export_to (page, out);
  ARB_WAIT_UNTIL (g_file_test (out, G_FILE_TEST_EXISTS) &&
                  g_str_has_prefix (arb_export_page_get_summary (page), "Exported"), 30);
  g_test_message ("%s", arb_window_get_last_toast (window));
  {
    g_autofree char *card = g_build_filename (tmpdir, "out", "README.md", NULL);
    g_autofree char *text = NULL;

    g_assert_true (g_file_get_contents (card, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "--policy unanimous"));
  }
  {
    g_autofree char *path = g_path_get_dirname (out);
    const char *docs = g_getenv ("ARB_SCREENSHOT_DIR");

    if (docs != NULL)
      {
        g_autofree char *shot = g_build_filename (docs, "screenshot-export.png", NULL);

        arb_gui_test_flush ();
        arb_gui_test_screenshot (GTK_WIDGET (window), shot);
      }
  }
}


/* The number on arbiter-cli's summary line "  LABEL    N". */
static gint64
cli_count (const char *out,
           const char *label)
{
  g_autofree char *spaced = g_strconcat (label, " ", NULL);
  const char *at = strstr (out, spaced);

  g_assert_nonnull (at);
  return g_ascii_strtoll (at + strlen (spaced), NULL, 10);
}

static void
test_steps_and_tokens (void)
{
  g_autofree char *ws = g_build_filename (tmpdir, "bbm.arbiter", NULL);
  g_autofree char *dir = g_build_filename (arb_test_shared_data (), "big_bench_mistake", NULL);
  g_autofree char *cli_out = g_build_filename (tmpdir, "cli", "steps.jsonl", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (ws);
  g_auto(ArbTestRun) run = { 0 };
  g_autoptr(GPtrArray) import = g_ptr_array_new_with_free_func (g_free);
  const char *init[] = { "init", ws, NULL };
  const char *names[] = { "dyck_languages", "logical_deduction", "multistep_arithmetic",
                          "tracking_shuffled_objects", "word_sorting" };
  ArbExportPage *page;
  sqlite3 *db = NULL;

  arb_test_run_cliv (&run, init);
  g_assert_cmpint (run.status, ==, 0);
  g_ptr_array_add (import, g_strdup ("import"));
  g_ptr_array_add (import, g_strdup (ws));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_ptr_array_add (import, g_strdup_printf ("%s/%s.first60.jsonl", dir, names[i]));
  g_ptr_array_add (import, NULL);
  arb_test_run_cliv (&run, (const char * const *) import->pdata);
  g_assert_cmpint (run.status, ==, 0);
  /* One generation tokenized as one token for the whole text. */
  g_assert_cmpint (sqlite3_open (ws, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO tokenizations (uuid, generation_id, tokenizer,"
                                     " token_ids, byte_ranges, created_at) SELECT 't1', id,"
                                     " 'whole', '[7]', json_array (json_array (0, length (CAST"
                                     " (text AS BLOB)))), '2026-12-03T00:00:00Z' FROM"
                                     " generations WHERE id = (SELECT min (generation_id) FROM"
                                     " spans)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  g_assert_true (arb_window_open_workspace (window, file));
  arb_window_show_page (window, "export");
  page = ARB_EXPORT_PAGE (arb_window_get_page (window, "export"));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (page)), 10);

  /* trl-stepwise, as arbiter-cli export writes it by default */
  adw_combo_row_set_selected (ADW_COMBO_ROW (arb_gui_test_find (GTK_WIDGET (page),
                                                                "export-format")), 2);
  g_assert_true (gtk_widget_get_visible (arb_gui_test_find (GTK_WIDGET (page),
                                                            "export-neutral")));
  arb_export_page_refresh (page);
  wait_page (page);
  g_test_message ("stepwise: %s", arb_export_page_get_summary (page));
  g_mkdir_with_parents (g_path_get_dirname (cli_out), 0755);
  {
    const char *args[] = { "export", ws, "--format", "trl-stepwise", "-o", cli_out, "--no-card",
                           NULL };

    arb_test_run_cliv (&run, args);
    g_assert_cmpint (run.status, ==, 0);
  }
  expected = g_strdup_printf ("%" G_GINT64_FORMAT " rows from 300 generations with step labels: "
                              "%" G_GINT64_FORMAT " steps good, %" G_GINT64_FORMAT " bad",
                              cli_count (run.out, "rows written"),
                              cli_count (run.out, "step labels written true"),
                              cli_count (run.out, "step labels written false"));
  g_assert_true (g_str_has_prefix (arb_export_page_get_summary (page), expected));
  g_assert_true (g_str_has_prefix (arb_export_page_get_summary (page),
                                   "300 rows from 300 generations with step labels: 1487 steps "
                                   "good, 244 bad"));
  {
    g_auto(GStrv) lines = g_strsplit (arb_export_page_get_preview (page), "\n", -1);
    g_autoptr(json_object) row = json_tokener_parse (lines[0]);
    json_object *steps = NULL, *labels = NULL;

    g_assert_nonnull (row);
    g_assert_true (json_object_object_get_ex (row, "completions", &steps));
    g_assert_true (json_object_object_get_ex (row, "labels", &labels));
    g_assert_cmpint (json_object_array_length (steps), ==, json_object_array_length (labels));
  }

  /* Every later step bad: every one of the 3 296 steps is written */
  adw_combo_row_set_selected (ADW_COMBO_ROW (arb_gui_test_find (GTK_WIDGET (page),
                                                                "export-after-error")), 1);
  arb_export_page_refresh (page);
  wait_page (page);
  g_test_message ("after error bad: %s", arb_export_page_get_summary (page));
  g_assert_nonnull (strstr (arb_export_page_get_summary (page), "1487 steps good, 1809 bad"));

  /* token-level, without and with a tokenizer */
  adw_combo_row_set_selected (ADW_COMBO_ROW (arb_gui_test_find (GTK_WIDGET (page),
                                                                "export-format")), 4);
  g_assert_false (gtk_widget_get_visible (arb_gui_test_find (GTK_WIDGET (page),
                                                             "export-neutral")));
  arb_export_page_refresh (page);
  wait_page (page);
  g_test_message ("token-level: %s", arb_export_page_get_summary (page));
  g_assert_true (g_str_has_prefix (arb_export_page_get_summary (page),
                                   "300 rows from 300 generations with spans, 1731 spans."));
  gtk_editable_set_text (GTK_EDITABLE (arb_gui_test_find (GTK_WIDGET (page), "export-tokenizer")),
                         "whole");
  arb_export_page_refresh (page);
  wait_page (page);
  g_test_message ("token-level with tokens: %s", arb_export_page_get_summary (page));
  g_assert_nonnull (strstr (arb_export_page_get_summary (page),
                            "1 rows with tokens (1 tokens, 1 inside a span), 299 without a "
                            "tokenization."));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  arbiter_register_resource ();
  tmpdir = g_dir_make_tmp ("arbiter-export-XXXXXX", &error);
  g_assert_no_error (error);
  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  window = arb_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)), 10);

  g_test_add_func ("/arbiter/gui/export/preview-and-export", test_preview_and_export);
  g_test_add_func ("/arbiter/gui/export/steps-and-tokens", test_steps_and_tokens);
  status = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);
  arb_test_rmdir (tmpdir);
  return status;
}
