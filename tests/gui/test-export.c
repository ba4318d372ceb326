/* test-export.c: the Export page previews what arbiter-cli export writes (suite gui)
 *
 * The PandaLM sample (3 annotators): the preview's counts equal the CLI's summary, its first
 * records are JSON rows with prompt, chosen and rejected; another policy changes the counts;
 * Export writes the file and its dataset card.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

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
  status = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);
  arb_test_rmdir (tmpdir);
  return status;
}
