/* bench-label.c: labelling on a workspace of 1 000 000 comparisons (suite bench)
 *
 * Needs a display (xvfb-run). Makes a workspace of 333 334 prompts × 3 systems = 1 000 002
 * comparisons with plain SQL (the importer would take minutes), then measures in one process:
 *   - the reference: an empty libadwaita window, from gtk_window_present to its first frame;
 *   - Arbiter: the window opening that workspace on the compare page, to the first frame with an
 *     item drawn (target: at most 250 ms more than the reference);
 *   - per decision, Arbiter's own work: the decide action (commit, fetch the next item, fill the
 *     views) p50/p99 (target p99 < 8 ms), and from the decision to the next item painted, in
 *     frames of the frame clock (target p99 ≤ 2 frames). The decision is the page's action, as
 *     a key press triggers it; the X round trip of a real key is not included;
 *   - a response with one 200 000-character line: from setting it to its first frame (target
 *     < 500 ms);
 *   - peak RSS (target < 200 MB).
 * Prints its figures; fails only when something fails, not on a missed target.
 *
 * ARB_BENCH_PROMPTS overrides the number of prompts (default 333 334); ARB_BENCH_WS=FILE keeps the
 * workspace there (and uses it if it exists; its verdicts then count against the next run).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/resource.h>

#include "arb-application.h"
#include "arb-compare-page.h"
#include "arb-response-view.h"
#include "arb-window.h"
#include "arb-span-view.h"
#include "arb-spans-page.h"
#include "arb-steps-page.h"
#include "arb-workspace-private.h"
#include "arbiter-resources.h"

static void
exec_or_die (sqlite3    *db,
             const char *sql)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
}

static void
make_workspace (const char *path,
                gint64      n_prompts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_create (path, &error);
  sqlite3 *db;
  sqlite3_stmt *prompt, *gen, *cmp;
  g_autoptr(GString) text = g_string_new (NULL);
  gint64 t0 = g_get_monotonic_time ();

  if (ws == NULL)
    g_error ("%s", error->message);
  db = _arb_workspace_get_db (ws);
  exec_or_die (db, "BEGIN");
  exec_or_die (db, "INSERT INTO systems (id, uuid, name) VALUES (1, 's1', 'atlas'),"
                   " (2, 's2', 'borealis'), (3, 's3', 'cirrus')");
  sqlite3_prepare_v2 (db, "INSERT INTO prompts (id, uuid, key, messages) VALUES (?, ?, ?, ?)", -1,
                      &prompt, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO generations (id, uuid, prompt_id, system_id, text,"
                          " text_hash, length) VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &gen, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO comparisons (uuid, prompt_id, a_id, b_id)"
                          " VALUES (?, ?, ?, ?)", -1, &cmp, NULL);
  for (gint64 p = 1; p <= n_prompts; p++)
    {
      g_autofree char *puuid = g_uuid_string_random ();
      g_autofree char *key = g_strdup_printf ("bench-%" G_GINT64_FORMAT, p);
      g_autofree char *messages = g_strdup_printf ("[{\"role\": \"user\", \"content\": \"Question "
                                                   "number %" G_GINT64_FORMAT ": explain the "
                                                   "trade-offs of write-ahead logging.\"}]", p);

      sqlite3_bind_int64 (prompt, 1, p);
      sqlite3_bind_text (prompt, 2, puuid, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (prompt, 3, key, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (prompt, 4, messages, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (prompt) != SQLITE_DONE)
        g_error ("%s", sqlite3_errmsg (db));
      sqlite3_reset (prompt);
      for (int s = 0; s < 3; s++)
        {
          gint64 id = (p - 1) * 3 + s + 1;
          g_autofree char *guuid = g_uuid_string_random ();
          guint8 hash[32] = { 0 };

          g_string_printf (text, "Answer %d to question %" G_GINT64_FORMAT ". **Write-ahead "
                                 "logging** appends changes to a log first:\n\n- readers keep "
                                 "reading the old pages\n- a checkpoint copies them back\n\n"
                                 "```sql\nPRAGMA journal_mode = WAL;\n```\n", s, p);
          memcpy (hash, &id, sizeof id);
          sqlite3_bind_int64 (gen, 1, id);
          sqlite3_bind_text (gen, 2, guuid, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (gen, 3, p);
          sqlite3_bind_int64 (gen, 4, s + 1);
          sqlite3_bind_text (gen, 5, text->str, text->len, SQLITE_TRANSIENT);
          sqlite3_bind_blob (gen, 6, hash, sizeof hash, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (gen, 7, text->len);
          if (sqlite3_step (gen) != SQLITE_DONE)
            g_error ("%s", sqlite3_errmsg (db));
          sqlite3_reset (gen);
        }
      for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
          {
            g_autofree char *cuuid = g_uuid_string_random ();

            sqlite3_bind_text (cmp, 1, cuuid, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64 (cmp, 2, p);
            sqlite3_bind_int64 (cmp, 3, (p - 1) * 3 + a + 1);
            sqlite3_bind_int64 (cmp, 4, (p - 1) * 3 + b + 1);
            if (sqlite3_step (cmp) != SQLITE_DONE)
              g_error ("%s", sqlite3_errmsg (db));
            sqlite3_reset (cmp);
          }
    }
  sqlite3_finalize (prompt);
  sqlite3_finalize (gen);
  sqlite3_finalize (cmp);
  exec_or_die (db, "COMMIT");
  g_print ("workspace: %" G_GINT64_FORMAT " prompts, %" G_GINT64_FORMAT " generations, %"
           G_GINT64_FORMAT " comparisons, made in %.1f s\n", n_prompts, n_prompts * 3,
           n_prompts * 3, (g_get_monotonic_time () - t0) / 1e6);
}

/* ---- frames */

static gint64 last_paint;
static guint paints;

static void
after_paint (GdkFrameClock *clock,
             gpointer       user_data)
{
  last_paint = g_get_monotonic_time ();
  paints++;
}

static void
watch_paints (GtkWidget *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), NULL);
}

/* Runs the main loop until a frame has been painted after `since`. */
static gint64
wait_paint_after (gint64 since)
{
  gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  while (last_paint <= since && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return last_paint;
}

static int
cmp_i64 (gconstpointer a,
         gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static double
percentile_ms (GArray *a,
               double  q)
{
  g_array_sort (a, cmp_i64);
  return g_array_index (a, gint64, MIN ((guint) (q * a->len), a->len - 1)) / 1e3;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("arbiter-bench-label-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(ArbApplication) app = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GArray) own = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) to_paint = g_array_new (FALSE, FALSE, sizeof (gint64));
  const char *env = g_getenv ("ARB_BENCH_PROMPTS");
  gint64 n_prompts = env ? g_ascii_strtoll (env, NULL, 10) : 333334;
  gint64 t0, t_ref, t_first, t_made, t_opened, frame_us;
  ArbWindow *window;
  ArbComparePage *page;
  GtkWidget *empty;
  struct rusage ru;
  int n_decisions = 200;

  gtk_init ();
  adw_init ();
  arbiter_register_resource ();
  /* ARB_BENCH_WS: a workspace made by an earlier run, kept (made there if it is not). */
  if (g_getenv ("ARB_BENCH_WS") != NULL)
    path = g_strdup (g_getenv ("ARB_BENCH_WS"));
  else
    path = g_build_filename (dir, "million.arbiter", NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    make_workspace (path, n_prompts);

  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  g_settings_set_string (arb_application_get_settings (app), "annotator", "bench");

  /* The reference: an empty libadwaita window's first frame. */
  empty = adw_application_window_new (GTK_APPLICATION (app));
  gtk_window_set_default_size (GTK_WINDOW (empty), 1200, 800);
  t0 = g_get_monotonic_time ();
  gtk_window_present (GTK_WINDOW (empty));
  watch_paints (empty);
  t_ref = wait_paint_after (t0) - t0;
  gtk_window_destroy (GTK_WINDOW (empty));

  /* Arbiter on the million comparisons, straight to the compare page. */
  t0 = g_get_monotonic_time ();
  window = arb_window_new (app);
  t_made = g_get_monotonic_time () - t0;
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  file = g_file_new_for_path (path);
  if (!arb_window_open_workspace (window, file))
    g_error ("%s", arb_window_get_last_toast (window));
  arb_window_show_page (window, "compare");
  t_opened = g_get_monotonic_time () - t0;
  gtk_window_present (GTK_WINDOW (window));
  watch_paints (GTK_WIDGET (window));
  page = ARB_COMPARE_PAGE (arb_window_get_page (window, "compare"));
  if (g_strcmp0 (arb_compare_page_get_state (page), "item") != 0)
    g_error ("the compare page shows %s, not an item", arb_compare_page_get_state (page));
  t_first = wait_paint_after (t0) - t0;
  g_print ("first frame: empty libadwaita window %.1f ms; Arbiter with the first of %"
           G_GINT64_FORMAT " comparisons %.1f ms; difference %.1f ms (target <= 250)\n",
           t_ref / 1e3, n_prompts * 3, t_first / 1e3, (t_first - t_ref) / 1e3);
  g_print ("  of which: window made %.1f ms, workspace opened and first item chosen %.1f ms, "
           "presented to painted %.1f ms\n", t_made / 1e3, (t_opened - t_made) / 1e3,
           (t_first - t_opened) / 1e3);

  /* Let the overview's worker and the first layout settle, then measure the frame interval. */
  {
    gint64 end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

    while (g_get_monotonic_time () < end)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
  }
  {
    gint64 a, b;

    gtk_widget_queue_draw (GTK_WIDGET (window));
    a = wait_paint_after (g_get_monotonic_time ());
    gtk_widget_queue_draw (GTK_WIDGET (window));
    b = wait_paint_after (a);
    frame_us = MAX (b - a, 1000);
  }

  for (int i = 0; i < n_decisions; i++)
    {
      gint64 start = g_get_monotonic_time (), done, painted;

      gtk_widget_activate_action (GTK_WIDGET (page), "compare.decide", "i", (i % 5) - 2);
      done = g_get_monotonic_time ();
      painted = wait_paint_after (done);
      g_array_append_val (own, (gint64) { done - start });
      g_array_append_val (to_paint, (gint64) { painted - start });
    }
  g_print ("per decision (%d): own work p50 %.2f ms, p99 %.2f ms (target p99 < 8); decision to "
           "next item painted p50 %.1f ms, p99 %.1f ms = %.1f frames of %.1f ms (target <= 2)\n",
           n_decisions, percentile_ms (own, 0.5), percentile_ms (own, 0.99),
           percentile_ms (to_paint, 0.5), percentile_ms (to_paint, 0.99),
           percentile_ms (to_paint, 0.99) * 1e3 / frame_us, frame_us / 1e3);

  /* The Spans and Steps pages on the same million: the first response shown, then each label
   * (a span, a step rating) committed and drawn. */
  {
    g_autoptr(GArray) span_own = g_array_new (FALSE, FALSE, sizeof (gint64));
    g_autoptr(GArray) step_own = g_array_new (FALSE, FALSE, sizeof (gint64));
    ArbSpansPage *spans;
    ArbStepsPage *steps;
    GtkWidget *view;
    gint64 start, shown, painted;
    int n_labels = 100;

    start = g_get_monotonic_time ();
    arb_window_show_page (window, "spans");
    spans = ARB_SPANS_PAGE (arb_window_get_page (window, "spans"));
    shown = g_get_monotonic_time ();
    painted = wait_paint_after (shown);
    if (g_strcmp0 (arb_spans_page_get_state (spans), "item") != 0)
      g_error ("the spans page shows %s, not a response", arb_spans_page_get_state (spans));
    g_print ("spans page: first response chosen and shown %.1f ms, painted %.1f ms after\n",
             (shown - start) / 1e3, (painted - shown) / 1e3);
    view = arb_spans_page_get_view (spans);
    for (int i = 0; i < n_labels; i++)
      {
        const char *text = arb_span_view_get_text (ARB_SPAN_VIEW (view));
        gint64 len = strlen (text), s0 = i % MAX (len - 1, 1), t1;

        while (s0 > 0 && (text[s0] & 0xC0) == 0x80)
          s0--;
        t1 = g_get_monotonic_time ();
        g_signal_emit_by_name (view, "label-range", s0, s0 + 1, i % 2 ? "good" : "bad",
                               i % 2 ? 1.0 : -1.0);
        g_array_append_val (span_own, (gint64) { g_get_monotonic_time () - t1 });
        wait_paint_after (g_get_monotonic_time ());
      }
    g_print ("per span (%d): own work (commit, reload, list, view) p50 %.2f ms, p99 %.2f ms\n",
             n_labels, percentile_ms (span_own, 0.5), percentile_ms (span_own, 0.99));

    start = g_get_monotonic_time ();
    arb_window_show_page (window, "steps");
    steps = ARB_STEPS_PAGE (arb_window_get_page (window, "steps"));
    shown = g_get_monotonic_time ();
    painted = wait_paint_after (shown);
    if (g_strcmp0 (arb_steps_page_get_state (steps), "item") != 0)
      g_error ("the steps page shows %s, not a response", arb_steps_page_get_state (steps));
    g_print ("steps page: first response chosen and shown %.1f ms, painted %.1f ms after\n",
             (shown - start) / 1e3, (painted - shown) / 1e3);
    for (int i = 0; i < n_labels; i++)
      {
        gint64 t1 = g_get_monotonic_time ();

        /* Rate (and move on); at the last step, done: the next response comes. */
        if (arb_steps_page_get_current (steps) + 1 >= (int) arb_steps_page_get_n_steps (steps))
          gtk_widget_activate_action (GTK_WIDGET (steps), "steps.done", NULL);
        else
          gtk_widget_activate_action (GTK_WIDGET (steps), "steps.rate", "i", (i % 3) - 1);
        g_array_append_val (step_own, (gint64) { g_get_monotonic_time () - t1 });
        wait_paint_after (g_get_monotonic_time ());
      }
    g_print ("per step rating or done (%d): own work p50 %.2f ms, p99 %.2f ms (next item "
             "included)\n", n_labels, percentile_ms (step_own, 0.5),
             percentile_ms (step_own, 0.99));
  }

  /* One response with a 200 000-character line. */
  {
    g_autoptr(GString) line = g_string_new (NULL);
    GtkWidget *w = gtk_window_new ();
    GtkWidget *view = arb_response_view_new ();
    gint64 start, painted;

    for (int i = 0; i < 20000; i++)
      g_string_append (line, "long_line ");
    gtk_window_set_default_size (GTK_WINDOW (w), 600, 700);
    gtk_window_set_child (GTK_WINDOW (w), view);
    gtk_window_present (GTK_WINDOW (w));
    watch_paints (w);
    wait_paint_after (0);
    start = g_get_monotonic_time ();
    arb_response_view_set_markdown (ARB_RESPONSE_VIEW (view), line->str, NULL);
    painted = wait_paint_after (g_get_monotonic_time ());
    g_print ("a 200 000-character line: %.1f ms from setting it to its first frame (target < 500)\n",
             (painted - start) / 1e3);
    gtk_window_destroy (GTK_WINDOW (w));
  }

  getrusage (RUSAGE_SELF, &ru);
  g_print ("peak RSS: %.1f MB (target < 200)\n", ru.ru_maxrss / 1024.0);

  gtk_window_destroy (GTK_WINDOW (window));
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

    (void) system (cmd);
  }
  return 0;
}
