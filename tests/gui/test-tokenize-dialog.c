/* test-tokenize-dialog.c: Tokenize Responses… against arb-test-server (suite gui)
 *
 * A workspace of 12 responses with multi-byte text. The dialog's form refuses what it cannot
 * send, with a message that says what to give; a run stores one tokenization per response whose
 * tokens tile its text, a toast says so, and the Spans page offers "Tokens of NAME". A refused
 * connection ends in a toast naming the problem and stores nothing; a run cancelled with
 * Escape keeps what was stored and the next run (the dialog remembers the form) does the rest.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gdk/x11/gdkx.h>
#include <locale.h>
#include <sqlite3.h>
#include <string.h>

#include "arb-application.h"
#include "arb-gui-test-util.h"
#include "arb-import.h"
#include "arb-labels.h"
#include "arb-plan.h"
#include "arb-spans-page.h"
#include "arb-test-util.h"
#include "arb-tokenizations.h"
#include "arb-tokenize-dialog.h"
#include "arb-window.h"
#include "arbiter-resources.h"

#define N_GENERATIONS 12

static ArbApplication *app;
static ArbWindow *window;
static char *tmpdir;
static char *ws_path;
static char *server_url;
static GSubprocess *server;   /* 100 ms an answer: one request in flight leaves time to cancel */

static gint64
sql_count (const char *sql,
           const char *tokenizer)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (ws_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (tokenizer != NULL)
    sqlite3_bind_text (stmt, 1, tokenizer, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static gint64
n_tokenized (const char *tokenizer)
{
  return sql_count ("SELECT count(*) FROM tokenizations WHERE tokenizer = ?1", tokenizer);
}

static gboolean
have_xdotool (void)
{
  g_autofree char *path = g_find_program_in_path ("xdotool");

  return path != NULL;
}

/* A real Escape into the dialog's X window (GTK 4.8 cannot inject key events). */
static void
press_escape (GtkWindow *dialog)
{
  g_autofree char *xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (
                                            gtk_native_get_surface (GTK_NATIVE (dialog))));
  const char *focus[] = { "xdotool", "windowfocus", "--sync", xid, NULL };
  const char *key[] = { "xdotool", "key", "--clearmodifiers", "Escape", NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) focus, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_sync (NULL, (char **) key, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
screenshot (GtkWidget  *widget,
            const char *name)
{
  const char *docs = g_getenv ("ARB_SCREENSHOT_DIR");
  g_autofree char *path = NULL;

  if (docs == NULL)
    return;
  arb_gui_test_flush ();
  path = g_build_filename (docs, name, NULL);
  arb_gui_test_screenshot (widget, path);
  g_test_message ("screenshot %s", path);
}

static GtkWidget *
find (ArbTokenizeDialog *dialog,
      const char        *name)
{
  GtkWidget *w = arb_gui_test_find (GTK_WIDGET (dialog), name);

  if (w == NULL)
    g_error ("no widget named %s in the Tokenize dialog", name);
  return w;
}

static void
set_text (ArbTokenizeDialog *dialog,
          const char        *name,
          const char        *text)
{
  gtk_editable_set_text (GTK_EDITABLE (find (dialog, name)), text);
}

/* Opens the dialog from the window's action, as the menu does. */
static ArbTokenizeDialog *
open_dialog (void)
{
  ArbTokenizeDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.tokenize", NULL));
  dialog = g_object_get_data (G_OBJECT (window), "arb-tokenize-dialog");
  g_assert_true (ARB_IS_TOKENIZE_DIALOG (dialog));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (dialog)), 10);
  return dialog;
}

static void
fill (ArbTokenizeDialog *dialog,
      const char        *url,
      const char        *tokenizer,
      guint              context,
      int                concurrency,
      int                attempts)
{
  set_text (dialog, "tokenize-endpoint", url);
  set_text (dialog, "tokenize-tokenizer", tokenizer);
  set_text (dialog, "tokenize-key-env", "");
  adw_combo_row_set_selected (ADW_COMBO_ROW (find (dialog, "tokenize-api")), 0);
  adw_combo_row_set_selected (ADW_COMBO_ROW (find (dialog, "tokenize-context")), context);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find (dialog, "tokenize-concurrency")),
                             concurrency);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find (dialog, "tokenize-attempts")), attempts);
}

/* Presses Tokenize and waits until the run ends (the dialog goes, or says why not). */
static void
run_to_end (ArbTokenizeDialog **dialog)
{
  g_object_add_weak_pointer (G_OBJECT (*dialog), (gpointer *) dialog);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (*dialog), "tokenize.run", NULL));
  g_assert_true (arb_tokenize_dialog_get_running (*dialog));
  ARB_WAIT_UNTIL (*dialog == NULL || !arb_tokenize_dialog_get_running (*dialog), 60);
  if (*dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (*dialog), (gpointer *) dialog);
  arb_gui_test_flush ();
}

/* The server answers after @delay ms; with @fault_rate, that share of requests gets HTTP 500. */
static GSubprocess *
spawn_server (const char  *log_name,
              const char  *delay,
              char       **out_url,
              const char  *fault_rate)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  g_autofree char *log = g_build_filename (tmpdir, log_name, NULL);
  const char *exe = g_getenv ("ARB_TEST_SERVER");
  GSubprocess *proc;

  g_assert_nonnull (exe);
  proc = fault_rate == NULL
         ? g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE,
                             &error, exe, "--log", log, "--delay", delay, "--exit-with-stdin",
                             NULL)
         : g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE,
                             &error, exe, "--log", log, "--delay", delay, "--exit-with-stdin",
                             "--faults", "500", "--fault-rate", fault_rate, NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (line != NULL && g_str_has_prefix (line, "PORT "));
  *out_url = g_strdup_printf ("http://127.0.0.1:%s", line + 5);
  return proc;
}

static void
stop_server (GSubprocess *proc)
{
  g_output_stream_close (g_subprocess_get_stdin_pipe (proc), NULL, NULL);
  g_subprocess_wait (proc, NULL, NULL);
  g_object_unref (proc);
}

static void
make_workspace (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = NULL;
  g_autoptr(ArbImportResult) r = NULL;
  g_autoptr(GString) records = g_string_new (NULL);
  g_autofree char *file = NULL;
  ArbPlanOptions plan = { 0 };
  ArbPlanResult pr;

  ws_path = g_build_filename (tmpdir, "tokens.arbiter", NULL);
  ws = arb_workspace_create (ws_path, &error);
  g_assert_no_error (error);
  for (int i = 0; i < N_GENERATIONS / 2; i++)
    g_string_append_printf (records,
                            "{\"prompt\": \"Où est Zürich? (%d)\", \"responses\": ["
                            "{\"system\": \"one\", \"text\": \"Zürich liegt am Zürichsee — "
                            "Straße %d, café ☕, 2 000 Jahre alt.\"},"
                            "{\"system\": \"two\", \"text\": \"Zürich est en Suisse; "
                            "π ≈ 3.14 × %d, 東京 is elsewhere 🙂.\"}]}\n", i, i, i);
  file = arb_test_write_file (tmpdir, "zurich.jsonl", records->str, records->len, FALSE);
  r = arb_workspace_import_file (ws, file, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* Comparisons to label: the Spans page's queue is the Compare page's. */
  g_assert_true (arb_workspace_plan (ws, &plan, &pr, NULL, &error));
  g_assert_cmpint (sql_count ("SELECT count(*) FROM generations", NULL), ==, N_GENERATIONS);
}

/* Every response has one tokenization by @tokenizer, and its tokens (special ones, empty, left
 * out) cover its text from the first byte to the last, end to end. */
static void
assert_tiled (const char *tokenizer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (ws_path, &error);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint rows = 0;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open_v2 (ws_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT g.id, t.in_context, count(t.id) FROM "
                                       "generations g LEFT JOIN tokenizations t ON "
                                       "t.generation_id = g.id AND t.tokenizer = ?1 "
                                       "GROUP BY g.id", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, tokenizer, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 gen = sqlite3_column_int64 (stmt, 0);
      gboolean in_context = sqlite3_column_int (stmt, 1);
      g_autofree char *text = arb_workspace_get_generation_text (ws, gen, NULL, NULL, &error);
      g_autoptr(ArbTokenization) tok = NULL;
      gint64 at = 0;
      guint multibyte_cuts = 0;

      g_assert_cmpint (sqlite3_column_int64 (stmt, 2), ==, 1);
      g_assert_no_error (error);
      tok = arb_tokenizations_get (ws, gen, tokenizer, in_context, &error);
      g_assert_no_error (error);
      g_assert_nonnull (tok);
      g_assert_cmpuint (tok->ranges->len, >, 5);
      for (guint i = 0; i < tok->ranges->len; i++)
        {
          ArbRange r = g_array_index (tok->ranges, ArbRange, i);

          if (r.end == r.start)
            continue;
          g_assert_cmpint (r.start, ==, at);
          g_assert_cmpint (r.end, >, r.start);
          at = r.end;
          if (((guchar) text[r.end - 1] & 0x80) != 0)
            multibyte_cuts++;
        }
      g_assert_cmpint (at, ==, (gint64) strlen (text));
      /* The texts are not ASCII: some tokens end inside or at the end of a multi-byte
       * character, so the byte offsets were taken, not character counts. */
      g_assert_cmpuint (multibyte_cuts, >, 0);
      rows++;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpuint (rows, ==, N_GENERATIONS);
}

static GtkDropDown *
find_dropdown (GtkWidget *root)
{
  if (GTK_IS_DROP_DOWN (root))
    return GTK_DROP_DOWN (root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkDropDown *found = find_dropdown (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
dropdown_offers (GtkDropDown *dropdown,
                 const char  *name)
{
  GListModel *model = gtk_drop_down_get_model (dropdown);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), i), name) == 0)
      return TRUE;
  return FALSE;
}

/* ---- the cases, in order: each goes on from the last */

static void
test_form (void)
{
  g_autoptr(GFile) file = NULL;
  ArbTokenizeDialog *dialog;
  const char *msg;

  make_workspace ();
  g_settings_set_string (arb_application_get_settings (app), "annotator", "tok");
  window = arb_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)), 10);

  /* No workspace, nothing to tokenize: the action is off and makes no dialog. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.tokenize", NULL);
  arb_gui_test_flush ();
  g_assert_null (g_object_get_data (G_OBJECT (window), "arb-tokenize-dialog"));

  file = g_file_new_for_path (ws_path);
  g_assert_true (arb_window_open_workspace (window, file));
  ARB_WAIT_UNTIL (arb_window_get_workspace (window) != NULL, 10);
  dialog = open_dialog ();

  /* Each gap in the form is named, and nothing runs. */
  fill (dialog, "", "", 0, 16, 6);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "tokenize.run", NULL));
  g_assert_false (arb_tokenize_dialog_get_running (dialog));
  msg = arb_tokenize_dialog_get_message (dialog);
  g_assert_nonnull (msg);
  g_assert_nonnull (strstr (msg, "base URL"));
  g_assert_true (gtk_widget_has_css_class (find (dialog, "tokenize-endpoint"), "error"));

  set_text (dialog, "tokenize-endpoint", "ftp://example.org");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "tokenize.run", NULL);
  msg = arb_tokenize_dialog_get_message (dialog);
  g_assert_true (g_str_has_prefix (msg, "Endpoint URL: "));
  g_test_message ("bad URL: %s", msg);

  set_text (dialog, "tokenize-endpoint", server_url);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "tokenize.run", NULL);
  msg = arb_tokenize_dialog_get_message (dialog);
  g_assert_nonnull (strstr (msg, "Name the tokenizer"));
  g_assert_false (gtk_widget_has_css_class (find (dialog, "tokenize-endpoint"), "error"));
  g_assert_true (gtk_widget_has_css_class (find (dialog, "tokenize-tokenizer"), "error"));

  set_text (dialog, "tokenize-tokenizer", "test/llama-3");
  set_text (dialog, "tokenize-key-env", "2 KEYS");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "tokenize.run", NULL);
  msg = arb_tokenize_dialog_get_message (dialog);
  g_assert_nonnull (strstr (msg, "is not the name of an environment variable"));

  g_unsetenv ("ARB_TEST_TOKENIZE_NO_KEY");
  set_text (dialog, "tokenize-key-env", "ARB_TEST_TOKENIZE_NO_KEY");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "tokenize.run", NULL);
  msg = arb_tokenize_dialog_get_message (dialog);
  g_assert_nonnull (strstr (msg, "ARB_TEST_TOKENIZE_NO_KEY holds no API key"));
  g_assert_false (arb_tokenize_dialog_get_running (dialog));

  /* vLLM asks for the served model's name; llama.cpp has none. */
  g_assert_false (gtk_widget_get_visible (find (dialog, "tokenize-model")));
  adw_combo_row_set_selected (ADW_COMBO_ROW (find (dialog, "tokenize-api")), 1);
  g_assert_true (gtk_widget_get_visible (find (dialog, "tokenize-model")));
  screenshot (GTK_WIDGET (dialog), "tokenize-dialog.png");
  adw_combo_row_set_selected (ADW_COMBO_ROW (find (dialog, "tokenize-api")), 0);
  g_assert_cmpint (n_tokenized (NULL), ==, 0);
  g_assert_cmpint (sql_count ("SELECT count(*) FROM tokenizations", NULL), ==, 0);

  /* Cancel without a run closes the dialog. */
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "tokenize.cancel", NULL);
  ARB_WAIT_UNTIL (dialog == NULL, 5);
}

static void
test_run (void)
{
  ArbTokenizeDialog *dialog = open_dialog ();
  const char *toast;
  ArbSpansPage *page;
  GtkDropDown *dropdown;
  double fraction = -1;

  fill (dialog, server_url, "test/llama-3", 0, 4, 6);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "tokenize.run", NULL));
  g_assert_true (arb_tokenize_dialog_get_running (dialog));
  /* The form waits while it runs; the window's bar follows the run. */
  g_assert_false (gtk_widget_is_sensitive (find (dialog, "tokenize-endpoint")));
  ARB_WAIT_UNTIL (dialog == NULL || arb_window_get_task_progress (window) > 0, 30);
  if (dialog != NULL)
    {
      fraction = arb_window_get_task_progress (window);
      g_assert_cmpfloat (fraction, >, 0);
      g_assert_cmpfloat (fraction, <=, 1);
      g_assert_nonnull (arb_gui_test_find_label (GTK_WIDGET (window),
                                                 "Tokenizing with test/llama-3: "));
    }
  ARB_WAIT_UNTIL (dialog == NULL, 60);
  g_test_message ("fraction seen during the run: %.2f", fraction);
  arb_gui_test_flush ();
  g_assert_cmpfloat (arb_window_get_task_progress (window), <, 0);
  toast = arb_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  g_assert_true (g_str_has_prefix (toast, "Tokenized 12 responses with test/llama-3"));
  g_assert_null (strstr (toast, "failed"));
  g_assert_null (strstr (toast, "from the cache"));
  g_assert_cmpint (n_tokenized ("test/llama-3"), ==, N_GENERATIONS);
  assert_tiled ("test/llama-3");

  /* The Spans page now offers the tokenizer's tokens as units. */
  arb_window_show_page (window, "spans");
  page = ARB_SPANS_PAGE (arb_window_get_page (window, "spans"));
  arb_gui_test_flush ();
  g_test_message ("spans page: %s", arb_spans_page_get_state (page));
  ARB_WAIT_UNTIL (g_strcmp0 (arb_spans_page_get_state (page), "item") == 0, 10);
  dropdown = find_dropdown (GTK_WIDGET (page));
  g_assert_nonnull (dropdown);
  g_assert_true (dropdown_offers (dropdown, "Tokens of test/llama-3"));
  g_assert_true (arb_spans_page_set_units (page, "tokens:test/llama-3"));
  arb_gui_test_flush ();
  g_assert_cmpstr (arb_spans_page_get_units (page), ==, "tokens:test/llama-3");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (dropdown)),
                                               gtk_drop_down_get_selected (dropdown)),
                   ==, "Tokens of test/llama-3");
  screenshot (GTK_WIDGET (window), "tokenize-spans.png");
  arb_window_show_page (window, "overview");

  /* Again: everything is there, nothing is sent. */
  dialog = open_dialog ();
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find (dialog, "tokenize-tokenizer"))),
                   ==, "test/llama-3");
  run_to_end (&dialog);
  g_assert_null (dialog);
  toast = arb_window_get_last_toast (window);
  g_assert_cmpstr (toast, ==, "All 12 responses are tokenized with test/llama-3 already");
}

static void
test_refused (void)
{
  ArbTokenizeDialog *dialog = open_dialog ();
  const char *toast;
  const char *msg;

  /* Nothing listens on port 1. Automatic context asks the server first, and that fails. */
  fill (dialog, "http://127.0.0.1:1", "test/refused", 0, 4, 1);
  run_to_end (&dialog);
  g_assert_nonnull (dialog);
  toast = arb_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  g_assert_true (g_str_has_prefix (toast, "Could not tokenize with test/refused: "));
  g_assert_true (strstr (toast, "onnect") != NULL || strstr (toast, "refused") != NULL);
  /* The advice is the form's, not the command line's. */
  g_assert_null (strstr (toast, "--context"));
  g_assert_nonnull (strstr (toast, "Choose Alone or In chat context under Context."));
  /* The form stays open with the same words, to be corrected. */
  msg = arb_tokenize_dialog_get_message (dialog);
  g_assert_cmpstr (msg, ==, toast);
  g_assert_true (gtk_widget_is_sensitive (find (dialog, "tokenize-endpoint")));
  g_assert_cmpint (n_tokenized ("test/refused"), ==, 0);
  g_assert_cmpfloat (arb_window_get_task_progress (window), <, 0);

  /* Alone, every response fails by itself: counted, the first named, none stored. */
  fill (dialog, "http://127.0.0.1:1", "test/refused", 1, 4, 1);
  run_to_end (&dialog);
  g_assert_nonnull (dialog);
  toast = arb_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  g_assert_true (g_str_has_prefix (toast, "Nothing tokenized with test/refused: all 12 responses "
                                          "failed, the first: generation "));
  g_assert_nonnull (strstr (toast, "onnect"));
  g_assert_cmpstr (arb_tokenize_dialog_get_message (dialog), ==, toast);
  g_assert_cmpint (n_tokenized ("test/refused"), ==, 0);
  g_assert_cmpint (n_tokenized (NULL), ==, 0);
  g_assert_cmpint (sql_count ("SELECT count(*) FROM tokenizations WHERE tokenizer <> ?1",
                              "test/llama-3"), ==, 0);

  /* Cancel with no run going closes the form. */
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "tokenize.cancel", NULL);
  ARB_WAIT_UNTIL (dialog == NULL, 5);
}

static void
test_cancel (void)
{
  ArbTokenizeDialog *dialog = open_dialog ();
  const char *toast;
  gint64 kept;

  /* One request at a time, 100 ms each: Escape comes while most are still to do. */
  fill (dialog, server_url, "test/cancelled", 1, 1, 6);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "tokenize.run", NULL));
  ARB_WAIT_UNTIL (n_tokenized ("test/cancelled") >= 2, 30);
  screenshot (GTK_WIDGET (window), "tokenize-running.png");
  if (have_xdotool ())
    press_escape (GTK_WINDOW (dialog));
  else
    gtk_widget_activate_action (GTK_WIDGET (dialog), "tokenize.cancel", NULL);
  ARB_WAIT_UNTIL (dialog == NULL, 30);
  arb_gui_test_flush ();
  toast = arb_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  g_assert_true (g_str_has_prefix (toast, "Tokenizing cancelled: "));
  kept = n_tokenized ("test/cancelled");
  g_test_message ("kept %" G_GINT64_FORMAT " of %d", kept, N_GENERATIONS);
  g_assert_cmpint (kept, >=, 2);
  g_assert_cmpint (kept, <, N_GENERATIONS);
  {
    g_autofree char *said = g_strdup_printf ("Tokenizing cancelled: %" G_GINT64_FORMAT
                                             " responses tokenized are kept", kept);

    g_assert_true (g_str_has_prefix (toast, said));
  }
  g_assert_cmpfloat (arb_window_get_task_progress (window), <, 0);

  /* The dialog remembers the form; the rerun sends the rest. */
  dialog = open_dialog ();
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find (dialog, "tokenize-endpoint"))),
                   ==, server_url);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find (dialog, "tokenize-tokenizer"))),
                   ==, "test/cancelled");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find (dialog,
                                                                     "tokenize-context"))),
                    ==, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find (dialog, "tokenize-concurrency")), 8);
  run_to_end (&dialog);
  g_assert_null (dialog);
  toast = arb_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  {
    g_autofree char *want = g_strdup_printf ("Tokenized %" G_GINT64_FORMAT " response",
                                             N_GENERATIONS - kept);

    g_assert_true (g_str_has_prefix (toast, want));
  }
  g_assert_cmpint (n_tokenized ("test/cancelled"), ==, N_GENERATIONS);
  assert_tiled ("test/cancelled");
  gtk_window_destroy (GTK_WINDOW (window));
  arb_gui_test_flush ();
}

/* A server that answers 500 to a share of the requests, tried once: the toast counts what
 * failed and names the first; what was answered is stored, and a rerun does the rest. */
static void
test_partial (void)
{
  g_autofree char *faulty_url = NULL;
  GSubprocess *faulty = spawn_server ("faulty.log", "0", &faulty_url, "0.4");
  ArbTokenizeDialog *dialog = open_dialog ();
  g_autofree char *want = NULL;
  const char *toast;
  gint64 stored;

  fill (dialog, faulty_url, "test/faulty", 1, 4, 1);
  run_to_end (&dialog);
  g_assert_null (dialog);
  stop_server (faulty);
  toast = arb_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  stored = n_tokenized ("test/faulty");
  g_assert_cmpint (stored, >, 0);
  g_assert_cmpint (stored, <, N_GENERATIONS);
  want = g_strdup_printf ("Tokenized %" G_GINT64_FORMAT " responses with test/faulty; %"
                          G_GINT64_FORMAT " failed", stored, N_GENERATIONS - stored);
  g_assert_true (g_str_has_prefix (toast, want));
  g_assert_nonnull (strstr (toast, "the first: generation "));
  g_assert_nonnull (strstr (toast, "500"));

  dialog = open_dialog ();
  fill (dialog, server_url, "test/faulty", 1, 8, 6);
  run_to_end (&dialog);
  g_assert_null (dialog);
  g_clear_pointer (&want, g_free);
  want = g_strdup_printf ("Tokenized %" G_GINT64_FORMAT " response", N_GENERATIONS - stored);
  g_assert_true (g_str_has_prefix (arb_window_get_last_toast (window), want));
  g_assert_cmpint (n_tokenized ("test/faulty"), ==, N_GENERATIONS);
  assert_tiled ("test/faulty");
}

/* In a subprocess: `arbiter --annotator NAME WORKSPACE`; once its window is up, says whether
 * Tokenize Responses… opens (the parent reads it). */
static gboolean
report_annotator_window (gpointer user_data)
{
  static guint polls;
  ArbApplication *a = user_data;
  GtkWindow *w = gtk_application_get_active_window (GTK_APPLICATION (a));

  if ((w == NULL || !gtk_widget_get_mapped (GTK_WIDGET (w)) ||
       arb_window_get_workspace (ARB_WINDOW (w)) == NULL) && polls++ < 200)
    return G_SOURCE_CONTINUE;
  g_assert_true (ARB_IS_WINDOW (w));
  g_assert_nonnull (arb_window_get_workspace (ARB_WINDOW (w)));
  g_assert_true (arb_application_get_annotator_forced (a));
  gtk_widget_activate_action (GTK_WIDGET (w), "win.tokenize", NULL);
  arb_gui_test_flush ();
  g_print ("tokenize-dialog=%s\n",
           g_object_get_data (G_OBJECT (w), "arb-tokenize-dialog") != NULL ? "shown" : "none");
  g_application_quit (G_APPLICATION (a));
  return G_SOURCE_REMOVE;
}

/* Someone labelling under --annotator does not tokenize the owner's workspace. */
static void
test_annotator (void)
{
  if (g_test_subprocess ())
    {
      /* main()'s application: a second one could not register on the bus. */
      ArbApplication *a = app;
      const char *args[] = { "arbiter", "--annotator", "zoë", NULL, NULL };

      make_workspace ();
      args[3] = ws_path;
      setlocale (LC_ALL, "C.UTF-8");
      g_timeout_add (50, report_annotator_window, a);
      exit (g_application_run (G_APPLICATION (a), 4, (char **) args));
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*tokenize-dialog=none\n*");
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
  tmpdir = g_dir_make_tmp ("arbiter-tokenize-dialog-XXXXXX", &error);
  g_assert_no_error (error);
  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  server = spawn_server ("server.log", "100", &server_url, NULL);

  g_test_add_func ("/arbiter/gui/tokenize-dialog/form", test_form);
  g_test_add_func ("/arbiter/gui/tokenize-dialog/run", test_run);
  g_test_add_func ("/arbiter/gui/tokenize-dialog/refused", test_refused);
  g_test_add_func ("/arbiter/gui/tokenize-dialog/partial", test_partial);
  g_test_add_func ("/arbiter/gui/tokenize-dialog/cancel", test_cancel);
  g_test_add_func ("/arbiter/gui/tokenize-dialog/annotator", test_annotator);
  status = g_test_run ();

  stop_server (g_steal_pointer (&server));
  g_clear_object (&app);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

    (void) system (cmd);
  }
  return status;
}
