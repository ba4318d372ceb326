/* test-spans-steps.c: spans and steps labelled with real keys (suite gui)
 *
 * The window's Spans and Steps pages under Xvfb, driven by X key events from xdotool (GTK 4.8
 * cannot inject key events): every span and step label the keys make is read back from the
 * workspace file and compared with the units the keys walked over. Also [ / ] on the compare
 * page, and screenshots of both pages when ARB_SCREENSHOT_DIR is set.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk/x11/gdkx.h>
#include <math.h>
#include <string.h>

#include "arb-application.h"
#include "arb-compare-page.h"
#include "arb-comparison.h"
#include "arb-gui-test-util.h"
#include "arb-import.h"
#include "arb-labels.h"
#include "arb-plan.h"
#include "arb-span-view.h"
#include "arb-spans-page.h"
#include "arb-steps-page.h"
#include "arb-test-util.h"
#include "arb-tokenizations.h"
#include "arb-units.h"
#include "arb-window.h"
#include "arb-workspace-private.h"
#include "arbiter-resources.h"

static ArbApplication *app;
static char *tmpdir;

static void
press (ArbWindow  *window,
       const char *keys)
{
  g_autofree char *xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (
                                            gtk_native_get_surface (GTK_NATIVE (window))));
  const char *focus[] = { "xdotool", "windowfocus", "--sync", xid, NULL };
  g_auto(GStrv) names = g_strsplit (keys, " ", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) focus, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  arb_gui_test_flush ();
  g_strv_builder_add_many (builder, "xdotool", "key", "--clearmodifiers", "--delay", "30", NULL);
  g_strv_builder_addv (builder, (const char **) names);
  argv = g_strv_builder_end (builder);
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  arb_gui_test_flush ();
}

static gboolean
have_xdotool (void)
{
  g_autofree char *p = g_find_program_in_path ("xdotool");

  if (p == NULL)
    g_test_skip ("xdotool is not installed (tools/setup-debian.sh installs it)");
  return p != NULL;
}

/* The spans of rater kbd in the file, read through a connection of the test's own. */
static GArray *
kbd_spans (const char *path,
           gint64      generation_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (path, &error);
  gint64 rater = -1;
  sqlite3_stmt *stmt = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (ws),
                                       "SELECT id FROM raters WHERE name = 'kbd'", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    rater = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  g_assert_cmpint (rater, >, 0);
  return arb_workspace_list_spans (ws, generation_id, rater, &error);
}

static gint64
query_int (const char *path,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (path, &error);
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (_arb_workspace_get_db (ws), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static ArbWindow *
open_window (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  ArbWindow *window;

  g_settings_set_string (arb_application_get_settings (app), "annotator", "kbd");
  window = arb_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)), 10);
  arb_window_open_workspace (window, file);
  ARB_WAIT_UNTIL (arb_window_get_workspace (window) != NULL, 10);
  arb_gui_test_flush ();
  return window;
}

static void
screenshot (ArbWindow  *window,
            const char *name)
{
  const char *docs = g_getenv ("ARB_SCREENSHOT_DIR");
  g_autofree char *path = NULL;

  if (docs == NULL)
    return;
  arb_gui_test_flush ();
  path = g_build_filename (docs, name, NULL);
  arb_gui_test_screenshot (GTK_WIDGET (window), path);
  g_test_message ("screenshot %s", path);
}

/* Prompts answered by two systems, with text that has multi-byte characters. */
static char *
make_pairwise (const char *name)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (path, &error);
  g_autoptr(ArbImportResult) r = NULL;
  g_autofree char *file = NULL;
  ArbPlanOptions plan = { 0 };
  ArbPlanResult pr;
  static const char data[] =
    "{\"prompt\": \"Where is Zürich, and what is it known for?\", \"responses\": ["
    "{\"system\": \"one\", \"text\": \"Zürich lies in northern Switzerland, on Lake Zürich. It is "
    "known for banking, the ETH, and café culture; its old town is 2 000 years old.\\n\\nIt is "
    "the capital of Switzerland.\"},"
    "{\"system\": \"two\", \"text\": \"Zürich is a city in Austria near Vienna — famous for "
    "Mozart. Straße names there are German.\"}]}\n"
    "{\"prompt\": \"Name a prime number.\", \"responses\": ["
    "{\"system\": \"one\", \"text\": \"Seven is prime: it has no divisors but 1 and 7.\"},"
    "{\"system\": \"two\", \"text\": \"Nine is prime, since 9 = 3 × 3 is odd.\"}]}\n";

  g_assert_no_error (error);
  file = arb_test_write_file (tmpdir, "pairs.jsonl", data, strlen (data), FALSE);
  r = arb_workspace_import_file (ws, file, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (arb_workspace_plan (ws, &plan, &pr, NULL, &error));
  g_assert_true (arb_workspace_set_setting (ws, ARB_SETTING_SPAN_TAGS, "Unverifiable,Redundant",
                                            &error));
  return g_steal_pointer (&path);
}

static GArray *
words_of (const char *path,
          gint64      generation_id,
          char      **out_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (path, &error);

  *out_text = arb_workspace_get_generation_text (ws, generation_id, NULL, NULL, &error);
  g_assert_no_error (error);
  return arb_units_segment (*out_text, -1, ARB_UNITS_WORDS);
}

static void
test_spans (void)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GArray) words = NULL;
  g_autoptr(GArray) spans = NULL;
  ArbWindow *window;
  ArbSpansPage *page;
  ArbSpanView *view;
  gint64 gen;
  ArbRange *w;

  if (!have_xdotool ())
    return;
  path = make_pairwise ("spans.arbiter");
  window = open_window (path);

  /* Alt+3 shows the Spans page, on the queue's first generation. */
  press (window, "alt+3");
  page = ARB_SPANS_PAGE (arb_window_get_page (window, "spans"));
  ARB_WAIT_UNTIL (g_strcmp0 (arb_spans_page_get_state (page), "item") == 0, 5);
  gen = arb_spans_page_get_generation (page);
  view = ARB_SPAN_VIEW (arb_spans_page_get_view (page));
  words = words_of (path, gen, &text);
  g_assert_true (g_str_has_prefix (text, "Zürich lies"));
  w = (ArbRange *) words->data;

  /* Enter: span mode on the first word; → → moves to the third, Shift+→ ×2 takes the fifth;
   * B marks "in northern Switzerland," as bad... as words: units 2-4. */
  press (window, "Return");
  g_assert_true (arb_span_view_get_span_mode (view));
  press (window, "Right Right shift+Right shift+Right b");
  spans = kbd_spans (path, gen);
  g_assert_cmpuint (spans->len, ==, 1);
  g_assert_cmpstr (g_array_index (spans, ArbSpan, 0).label, ==, "bad");
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).start_byte, ==, w[2].start);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).end_byte, ==, w[4].end);
  g_clear_pointer (&spans, g_array_unref);

  /* Home-ward: the first word "Zürich" (bytes 0-7, a two-byte ü) good; then tag 2 on
   * "Lake Zürich" (units 6-7). */
  press (window, "ctrl+Home g");
  press (window, "Right Right Right Right Right Right shift+Right 2");
  spans = kbd_spans (path, gen);
  g_assert_cmpuint (spans->len, ==, 3);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).start_byte, ==, 0);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).end_byte, ==, strlen ("Zürich"));
  g_assert_cmpstr (g_array_index (spans, ArbSpan, 0).label, ==, "good");
  g_assert_cmpstr (g_array_index (spans, ArbSpan, 2).label, ==, "Redundant");
  g_assert_true (isnan (g_array_index (spans, ArbSpan, 2).value));
  g_assert_cmpint (g_array_index (spans, ArbSpan, 2).start_byte, ==, w[6].start);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 2).end_byte, ==, w[7].end);
  g_assert_cmpuint (arb_spans_page_get_n_listed (page), ==, 3);
  g_clear_pointer (&spans, g_array_unref);
  screenshot (window, "screenshot-spans.png");

  /* Delete on the tagged span removes it; Ctrl+Z brings it back; Delete again. */
  press (window, "Delete");
  g_assert_cmpuint (arb_spans_page_get_n_listed (page), ==, 2);
  press (window, "ctrl+z");
  g_assert_cmpuint (arb_spans_page_get_n_listed (page), ==, 3);
  press (window, "Delete");
  spans = kbd_spans (path, gen);
  g_assert_cmpuint (spans->len, ==, 2);
  g_clear_pointer (&spans, g_array_unref);

  /* Escape leaves span mode; S outside it skips nothing here, Ctrl+Return is done: the next
   * response comes, and the first is finished. */
  press (window, "Escape");
  g_assert_false (arb_span_view_get_span_mode (view));
  press (window, "ctrl+Return");
  ARB_WAIT_UNTIL (arb_spans_page_get_generation (page) != gen, 5);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM generation_assignments"
                                    " WHERE task = 'spans' AND state = 'done'"), ==, 1);
  /* Nothing was written outside the kbd rater's rows. */
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM spans s JOIN raters r"
                                    " ON r.id = s.rater_id WHERE r.name <> 'kbd'"), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  arb_gui_test_flush ();
}

/* Units of a tokenizer: a token that ends inside "ü" (byte fallback) selects the whole
 * character; the spans page lists the tokenizer among its units. */
static void
test_token_units (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GArray) spans = NULL;
  ArbWindow *window;
  ArbSpansPage *page;
  gint64 gen;

  if (!have_xdotool ())
    return;
  path = make_pairwise ("tokens.arbiter");
  window = open_window (path);
  press (window, "alt+3");
  page = ARB_SPANS_PAGE (arb_window_get_page (window, "spans"));
  ARB_WAIT_UNTIL (g_strcmp0 (arb_spans_page_get_state (page), "item") == 0, 5);
  gen = arb_spans_page_get_generation (page);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ArbWorkspace) ws = arb_workspace_open (path, &error);
    g_autoptr(ArbTokenization) tok = arb_tokenization_new ("test/two-bytes", gen, FALSE);
    g_autofree char *text = arb_workspace_get_generation_text (ws, gen, NULL, NULL, &error);
    gint64 len = strlen (text);

    /* Two bytes a token, whatever the characters: "Z\xc3", "\xbcr", "ic", ... */
    for (gint64 b = 0; b < len; b += 2)
      {
        ArbRange r = { b, MIN (b + 2, len) };

        g_array_append_val (tok->ranges, r);
        g_array_append_val (tok->ids, b);
      }
    g_assert_true (arb_tokenizations_store (ws, tok, &error));
    g_assert_no_error (error);
  }
  g_assert_true (arb_spans_page_set_units (page, "tokens:test/two-bytes"));
  arb_gui_test_flush ();
  /* Token 1 alone ("\xbcr", bytes 2-4) is "ür": bytes 1-4. */
  press (window, "Return Right b");
  spans = kbd_spans (path, gen);
  g_assert_cmpuint (spans->len, ==, 1);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).start_byte, ==, 1);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).end_byte, ==, 4);
  g_assert_cmpstr (arb_spans_page_get_units (page), ==, "tokens:test/two-bytes");
  gtk_window_destroy (GTK_WINDOW (window));
  arb_gui_test_flush ();
}

/* ] on the compare page marks spans on the response shown on the right, then comes back. */
static void
test_compare_side (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GArray) spans = NULL;
  ArbWindow *window;
  ArbComparePage *compare;
  ArbSpansPage *page;
  gint64 right;

  if (!have_xdotool ())
    return;
  path = make_pairwise ("sides.arbiter");
  window = open_window (path);
  press (window, "alt+2");
  compare = ARB_COMPARE_PAGE (arb_window_get_page (window, "compare"));
  ARB_WAIT_UNTIL (g_strcmp0 (arb_compare_page_get_state (compare), "item") == 0, 5);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ArbComparisonView) v = arb_workspace_get_comparison (arb_window_get_workspace (window),
                                                                   arb_compare_page_get_comparison (compare),
                                                                   &error);
    const char *presented = arb_compare_page_get_presented (compare);

    g_assert_no_error (error);
    right = presented[1] == 'a' ? v->a.id : v->b.id;
  }
  press (window, "bracketright");
  page = ARB_SPANS_PAGE (arb_window_get_page (window, "spans"));
  ARB_WAIT_UNTIL (arb_spans_page_get_generation (page) == right, 5);
  press (window, "Return b ctrl+Return");
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (compare)), 5);
  spans = kbd_spans (path, right);
  g_assert_cmpuint (spans->len, ==, 1);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 0).start_byte, ==, 0);
  /* The comparison itself is still undecided: marking spans is not a verdict. */
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM verdicts"), ==, 0);
  /* Settings changed (Preferences, a merged pack): every labelling page keeps its annotator. */
  arb_window_workspace_settings_changed (window);
  arb_gui_test_flush ();
  g_assert_cmpstr (arb_compare_page_get_annotator (compare), ==, "kbd");
  g_assert_cmpstr (arb_spans_page_get_annotator (page), ==, "kbd");
  g_assert_cmpstr (arb_compare_page_get_state (compare), ==, "item");
  g_assert_cmpstr (arb_spans_page_get_state (page), ==, "item");
  gtk_window_destroy (GTK_WINDOW (window));
  arb_gui_test_flush ();
}

static void
test_steps (void)
{
  const char *shared = g_getenv ("ARB_SHARED_DATA");
  g_autofree char *path = g_build_filename (tmpdir, "steps.arbiter", NULL);
  g_autofree char *data = NULL;
  g_autoptr(GArray) spans = NULL;
  ArbWindow *window;
  ArbStepsPage *page;
  gint64 first, second, third;

  if (!have_xdotool ())
    return;
  if (shared == NULL)
    {
      g_test_skip ("ARB_SHARED_DATA is not set");
      return;
    }
  data = g_build_filename (shared, "big_bench_mistake", "multistep_arithmetic.first60.jsonl", NULL);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ArbWorkspace) ws = arb_workspace_create (path, &error);
    g_autoptr(ArbImportResult) r = arb_workspace_import_file (ws, data, NULL, NULL, NULL, NULL,
                                                              &error);

    g_assert_no_error (error);
  }
  window = open_window (path);
  press (window, "alt+4");
  page = ARB_STEPS_PAGE (arb_window_get_page (window, "steps"));
  ARB_WAIT_UNTIL (g_strcmp0 (arb_steps_page_get_state (page), "item") == 0, 5);
  first = arb_steps_page_get_generation (page);
  g_assert_cmpuint (arb_steps_page_get_n_steps (page), ==,
                    query_int (path, g_strdup_printf ("SELECT count(*) FROM steps WHERE"
                                                      " generation_id = %" G_GINT64_FORMAT, first)));
  g_assert_cmpint (arb_steps_page_get_current (page), ==, 0);

  /* G, N, B rate steps 1-3 +1, 0, -1 and move on; Down skips step 4, + rates step 5. */
  press (window, "g n b Down plus");
  spans = kbd_spans (path, first);
  g_assert_cmpuint (spans->len, ==, 4);
  {
    static const int want_step[] = { 0, 1, 2, 4 };
    static const double want_value[] = { 1, 0, -1, 1 };

    for (guint i = 0; i < 4; i++)
      {
        g_assert_cmpint (g_array_index (spans, ArbSpan, i).step_index, ==, want_step[i]);
        g_assert_cmpfloat (g_array_index (spans, ArbSpan, i).value, ==, want_value[i]);
      }
  }
  g_clear_pointer (&spans, g_array_unref);
  screenshot (window, "screenshot-steps.png");
  /* Up to step 3 and G re-rates it from -1 to +1; Ctrl+Z undoes that. */
  {
    g_autoptr(GString) ups = g_string_new (NULL);

    for (int i = arb_steps_page_get_current (page); i > 2; i--)
      g_string_append (ups, i > 3 ? "Up " : "k ");
    g_string_append (ups, "g");
    press (window, ups->str);
  }
  spans = kbd_spans (path, first);
  g_assert_cmpfloat (g_array_index (spans, ArbSpan, 2).value, ==, 1);
  g_clear_pointer (&spans, g_array_unref);
  press (window, "ctrl+z");
  spans = kbd_spans (path, first);
  g_assert_cmpuint (spans->len, ==, 4);
  g_assert_cmpfloat (g_array_index (spans, ArbSpan, 2).value, ==, -1);
  g_clear_pointer (&spans, g_array_unref);

  /* Return: done as rated; the next trace. */
  press (window, "Return");
  ARB_WAIT_UNTIL (arb_steps_page_get_generation (page) != first, 5);
  second = arb_steps_page_get_generation (page);

  /* First-error mode by key: Down Down F, step 3 is the first error. */
  press (window, "Down Down f");
  ARB_WAIT_UNTIL (arb_steps_page_get_generation (page) != second, 5);
  third = arb_steps_page_get_generation (page);
  spans = kbd_spans (path, second);
  g_assert_cmpuint (spans->len, ==, 3);
  g_assert_cmpfloat (g_array_index (spans, ArbSpan, 0).value, ==, 1);
  g_assert_cmpfloat (g_array_index (spans, ArbSpan, 1).value, ==, 1);
  g_assert_cmpfloat (g_array_index (spans, ArbSpan, 2).value, ==, -1);
  g_assert_cmpint (g_array_index (spans, ArbSpan, 2).step_index, ==, 2);
  g_clear_pointer (&spans, g_array_unref);

  /* O: no error, every step +1; Ctrl+Z takes it back to the same trace, unrated. */
  press (window, "o");
  ARB_WAIT_UNTIL (arb_steps_page_get_generation (page) != third, 5);
  spans = kbd_spans (path, third);
  g_assert_cmpuint (spans->len, ==, arb_steps_page_get_n_steps (page) > 0 ?
                    (guint) query_int (path, g_strdup_printf ("SELECT count(*) FROM steps WHERE"
                                                              " generation_id = %" G_GINT64_FORMAT,
                                                              third)) : 0);
  g_clear_pointer (&spans, g_array_unref);
  press (window, "ctrl+z");
  ARB_WAIT_UNTIL (arb_steps_page_get_generation (page) == third, 5);
  spans = kbd_spans (path, third);
  g_assert_cmpuint (spans->len, ==, 0);
  g_clear_pointer (&spans, g_array_unref);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM generation_assignments"
                                    " WHERE task = 'steps' AND state = 'done'"), ==, 2);

  gtk_window_destroy (GTK_WINDOW (window));
  arb_gui_test_flush ();
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
  tmpdir = g_dir_make_tmp ("arbiter-spans-steps-XXXXXX", &error);
  g_assert_no_error (error);
  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/arbiter/gui/spans-steps/spans", test_spans);
  g_test_add_func ("/arbiter/gui/spans-steps/compare-side", test_compare_side);
  g_test_add_func ("/arbiter/gui/spans-steps/token-units", test_token_units);
  g_test_add_func ("/arbiter/gui/spans-steps/steps", test_steps);
  status = g_test_run ();
  g_clear_object (&app);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

    (void) system (cmd);
  }
  return status;
}
