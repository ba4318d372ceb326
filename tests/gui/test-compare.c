/* test-compare.c: the compare page, driven through its actions (suite gui)
 *
 * Real keys are typed in test-labelling.c; here the page's actions are activated directly, the
 * verdicts are read back from the file, and the page is photographed for docs/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "arb-application.h"
#include "arb-compare-page.h"
#include "arb-comparison.h"
#include "arb-gui-test-util.h"
#include "arb-import.h"
#include "arb-plan.h"
#include "arb-queue.h"
#include "arb-response-view.h"
#include "arb-review-page.h"
#include "arb-window.h"
#include "arb-workspace-private.h"
#include "arbiter-resources.h"

static char *tmpdir;
static ArbApplication *app;
static ArbWindow *window;

static ArbComparePage *
page (void)
{
  return ARB_COMPARE_PAGE (arb_window_get_page (window, "compare"));
}

static char *
make_workspace (const char *name,
                const char *jsonl)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autofree char *data = g_strconcat (path, ".jsonl", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (path, &error);
  g_autoptr(ArbImportResult) r = NULL;

  g_assert_no_error (error);
  if (jsonl == NULL)
    {
      g_free (data);
      data = g_build_filename (ARB_TEST_SRCDIR, "..", "data", "demo", "demo.jsonl", NULL);
    }
  else
    g_assert_true (g_file_set_contents (data, jsonl, -1, NULL));
  r = arb_workspace_import_file (ws, data, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static void
open_on_compare (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_assert_true (arb_window_open_workspace (window, file));
  arb_window_show_page (window, "compare");
  arb_gui_test_flush ();
}

static char *
buffer_text (ArbResponseView *view)
{
  GtkTextBuffer *b = arb_response_view_get_buffer (view);
  GtkTextIter s, e;

  gtk_text_buffer_get_bounds (b, &s, &e);
  return gtk_text_buffer_get_text (b, &s, &e, FALSE);
}

/* The view whose header says title ("Left" or "Right"). */
static ArbResponseView *
find_view (const char *title)
{
  GtkWidget *label = NULL;
  GtkWidget *root = GTK_WIDGET (page ());

  /* Response views are the ancestors of their title label. */
  for (GtkWidget *w = gtk_widget_get_first_child (root); w != NULL; )
    {
      GtkWidget *next;

      if (GTK_IS_LABEL (w) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (w)), title) == 0 &&
          gtk_widget_get_ancestor (w, ARB_TYPE_RESPONSE_VIEW) != NULL)
        {
          label = w;
          break;
        }
      /* depth-first walk */
      next = gtk_widget_get_first_child (w);
      while (next == NULL && w != root)
        {
          next = gtk_widget_get_next_sibling (w);
          if (next == NULL)
            w = gtk_widget_get_parent (w);
        }
      if (w == root && next == NULL)
        break;
      w = next;
    }
  g_assert_nonnull (label);
  return ARB_RESPONSE_VIEW (gtk_widget_get_ancestor (label, ARB_TYPE_RESPONSE_VIEW));
}

static gint64
query_int (const char *sql)
{
  ArbWorkspace *ws = arb_window_get_workspace (window);
  sqlite3_stmt *stmt = NULL;
  gint64 v;

  g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (ws), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static void
save_docs_screenshot (const char *name)
{
  const char *docs = g_getenv ("ARB_SCREENSHOT_DIR");
  g_autofree char *local = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), name, NULL);

  arb_window_dismiss_toast (window);
  for (int i = 0; i < 6; i++)
    arb_gui_test_flush ();
  arb_gui_test_screenshot (GTK_WIDGET (window), local);
  if (docs != NULL && docs[0] != '\0')
    {
      g_autofree char *path = g_build_filename (docs, name, NULL);

      arb_gui_test_screenshot (GTK_WIDGET (window), path);
    }
}

static void
test_decide (void)
{
  g_autofree char *ws = make_workspace ("demo.arbiter", NULL);
  ArbWorkspace *w;
  g_autoptr(ArbComparisonView) view = NULL;
  g_autofree char *left = NULL, *right = NULL;
  char presented[3];
  gint64 id, first;

  open_on_compare (ws);
  g_assert_cmpstr (arb_compare_page_get_state (page ()), ==, "item");
  g_assert_cmpstr (arb_compare_page_get_annotator (page ()), ==, "tester");
  id = arb_compare_page_get_comparison (page ());
  memcpy (presented, arb_compare_page_get_presented (page ()), 3);
  g_assert_cmpint (id, >, 0);
  w = arb_window_get_workspace (window);
  view = arb_workspace_get_comparison (w, id, NULL);

  /* The left view shows the generation the queue put on the left; names hidden. */
  left = buffer_text (find_view ("Left"));
  right = buffer_text (find_view ("Right"));
  g_test_message ("%s: left starts %.40s", presented, left);
  {
    const char *left_src = g_str_equal (presented, "ab") ? view->a.text : view->b.text;
    g_autofree char *first_line = g_strndup (left_src, strcspn (left_src, "\n`*#|"));

    g_assert_nonnull (strstr (left, first_line));
  }
  g_assert_null (arb_gui_test_find_label (GTK_WIDGET (page ()), view->a.system));
  save_docs_screenshot ("screenshot-compare.png");

  /* "Left much better": stored relative to the orientation. */
  first = id;
  gtk_widget_activate_action (GTK_WIDGET (page ()), "compare.decide", "i", -2);
  arb_gui_test_flush ();
  {
    g_autofree char *sql = g_strdup_printf ("SELECT preference * 10 + strength FROM current_verdicts"
                                            " v JOIN raters r ON r.id = v.rater_id WHERE"
                                            " r.name = 'tester' AND comparison_id = %" G_GINT64_FORMAT,
                                            first);

    g_assert_cmpint (query_int (sql), ==, (g_str_equal (presented, "ab") ? 2 : 12));
  }
  g_assert_cmpint (arb_compare_page_get_comparison (page ()), !=, first);

  /* Skip, flag, undo. */
  id = arb_compare_page_get_comparison (page ());
  gtk_widget_activate_action (GTK_WIDGET (page ()), "compare.skip", NULL);
  g_assert_cmpint (arb_compare_page_get_comparison (page ()), !=, id);
  gtk_widget_activate_action (GTK_WIDGET (page ()), "compare.flag", NULL);
  g_assert_true (arb_queue_get_flagged (arb_compare_page_get_queue (page ()),
                                        arb_compare_page_get_comparison (page ())));
  gtk_widget_activate_action (GTK_WIDGET (page ()), "compare.undo", NULL);
  g_assert_false (arb_queue_get_flagged (arb_compare_page_get_queue (page ()),
                                         arb_compare_page_get_comparison (page ())));
  /* Undo the skip: the skipped item is back. */
  gtk_widget_activate_action (GTK_WIDGET (page ()), "compare.undo", NULL);
  g_assert_cmpint (arb_compare_page_get_comparison (page ()), ==, id);
  /* Undo the decision: the first item is back, its verdict superseded. */
  gtk_widget_activate_action (GTK_WIDGET (page ()), "compare.undo", NULL);
  g_assert_cmpint (arb_compare_page_get_comparison (page ()), ==, first);
  g_assert_cmpint (query_int ("SELECT count(*) FROM current_verdicts v JOIN raters r ON"
                              " r.id = v.rater_id WHERE r.name = 'tester'"), ==, 0);
  g_assert_cmpint (query_int ("SELECT count(*) FROM verdicts v JOIN raters r ON"
                              " r.id = v.rater_id WHERE r.name = 'tester'"), ==, 1);

  /* Names on: the system names are in the headers. */
  gtk_toggle_button_set_active (arb_compare_page_get_names_toggle (page ()), TRUE);
  arb_gui_test_flush ();
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (page ()), view->a.system));
  gtk_toggle_button_set_active (arb_compare_page_get_names_toggle (page ()), FALSE);

  /* Decide, look back with ←, change it; two verdicts, one current. */
  gtk_widget_activate_action (GTK_WIDGET (page ()), "compare.decide", "i", 1);
  gtk_widget_activate_action (GTK_WIDGET (page ()), "compare.previous", NULL);
  g_assert_cmpint (arb_compare_page_get_comparison (page ()), ==, first);
  gtk_widget_activate_action (GTK_WIDGET (page ()), "compare.decide", "i", 0);
  g_assert_cmpint (query_int ("SELECT count(*) FROM current_verdicts v JOIN raters r ON"
                              " r.id = v.rater_id WHERE r.name = 'tester'"), ==, 1);
  g_assert_cmpint (query_int ("SELECT preference * 2 FROM current_verdicts v JOIN raters r ON"
                              " r.id = v.rater_id WHERE r.name = 'tester'"), ==, 1);
  g_assert_cmpint (query_int ("SELECT count(*) FROM verdicts v JOIN raters r ON"
                              " r.id = v.rater_id WHERE r.name = 'tester'"), ==, 3);
}

/* Code, a table and a 200 000-character line, shown literally; the time it takes is printed. */
static void
test_long_and_rich (void)
{
  g_autoptr(GString) s = g_string_new ("{\"prompt\": \"Show me a table, some code, and a very long line.\","
                                       " \"responses\": [{\"system\": \"tabler\", \"text\": \"");
  g_autofree char *ws = NULL;
  gint64 t0, t1;
  g_autofree char *left = NULL, *right = NULL;

  g_string_append (s, "## Results\\n\\n| model | score | notes |\\n|---|---:|---|\\n"
                      "| atlas | 0.81 | best on code |\\n| dune | 0.64 | `<b>` shows as text |\\n\\n"
                      "```c\\nint main (void)\\n{\\n  return 0;\\n}\\n```\\n\\n"
                      "Markup stays text: <i>not italic</i> & \\u202e reversed?\"},"
                      " {\"system\": \"liner\", \"text\": \"");
  for (int i = 0; i < 200000 / 10; i++)
    g_string_append (s, "long_line ");
  g_string_append (s, "\"}]}\n");
  ws = make_workspace ("long.arbiter", s->str);
  {
    g_autoptr(GFile) file = g_file_new_for_path (ws);
    g_autoptr(GError) error = NULL;
    g_autoptr(ArbWorkspace) w = arb_workspace_open (ws, &error);
    ArbPlanResult pr;
    ArbPlanOptions plan = { 0 };

    g_assert_true (arb_workspace_plan (w, &plan, &pr, NULL, &error));
  }
  t0 = g_get_monotonic_time ();
  open_on_compare (ws);
  t1 = g_get_monotonic_time ();
  g_test_message ("opening and showing a comparison with a 200 000-character line: %.0f ms",
                  (t1 - t0) / 1e3);
  g_assert_cmpstr (arb_compare_page_get_state (page ()), ==, "item");
  left = buffer_text (find_view ("Left"));
  right = buffer_text (find_view ("Right"));
  g_assert_true (strstr (left, "long_line long_line") != NULL ||
                 strstr (right, "long_line long_line") != NULL);
  g_assert_true (strstr (left, "<i>not italic</i>") != NULL ||
                 strstr (right, "<i>not italic</i>") != NULL);
  g_assert_true (strstr (left, "⟦U+202E⟧") != NULL || strstr (right, "⟦U+202E⟧") != NULL);
  save_docs_screenshot ("screenshot-compare-long.png");
}

/* The demo's two annotators disagree on some comparisons: the review page lists them, shows
 * every verdict, and records the final one. */
static void
test_review (void)
{
  g_autofree char *ws = make_workspace ("review.arbiter", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (ws);
  ArbReviewPage *review;
  guint before;
  gint64 shown;

  g_assert_true (arb_window_open_workspace (window, file));
  arb_window_show_page (window, "review");
  arb_gui_test_flush ();
  review = ARB_REVIEW_PAGE (arb_window_get_page (window, "review"));
  before = arb_review_page_get_n_disputed (review);
  g_test_message ("%u disputed comparisons in the demo", before);
  g_assert_cmpuint (before, >, 0);
  shown = arb_review_page_get_comparison (review);
  g_assert_cmpint (shown, >, 0);
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (review), "annotator-ana (annotator)"));
  g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (review), "annotator-ben (annotator)"));
  save_docs_screenshot ("screenshot-review.png");
  gtk_widget_activate_action (GTK_WIDGET (review), "review.decide", "i", 1);
  arb_gui_test_flush ();
  g_assert_cmpuint (arb_review_page_get_n_disputed (review), ==, before - 1);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM current_verdicts v JOIN raters r"
                                            " ON r.id = v.rater_id WHERE r.role = 'adjudicator'"
                                            " AND r.name = 'tester (review)' AND v.preference = 1"
                                            " AND v.comparison_id = %" G_GINT64_FORMAT, shown);

    g_assert_cmpint (query_int (sql), ==, 1);
  }
  ARB_ASSERT_NO_BUSY_STATEMENTS (arb_window_get_workspace (window));
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
  tmpdir = g_dir_make_tmp ("arbiter-compare-XXXXXX", &error);
  g_assert_no_error (error);
  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_settings_set_string (arb_application_get_settings (app), "annotator", "tester");
  window = arb_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)), 10);

  g_test_add_func ("/arbiter/gui/compare/decide", test_decide);
  g_test_add_func ("/arbiter/gui/compare/long-and-rich", test_long_and_rich);
  g_test_add_func ("/arbiter/gui/compare/review", test_review);
  status = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

    (void) system (cmd);
  }
  return status;
}
