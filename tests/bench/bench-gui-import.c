/* bench-gui-import.c: how long the main loop stalls while the window imports 200 MB (suite bench)
 *
 * Needs a display (run under xvfb-run, as .ci/run runs the GUI tests). Writes a synthetic file of
 * about 210 MB (tests/bench/arb-bench-data.c), imports it into a new workspace from the window
 * (arb_window_import_files, the same path as Import… and drag and drop), and meanwhile runs a
 * 5 ms timeout on the main loop, recording every gap between its firings. Prints the longest gap
 * (target: under 100 ms), the 99th percentile, and the import's speed. Fails only when the import
 * fails, never on a missed target.
 *
 * ARB_BENCH_RECORDS overrides the number of records (default 100 000, about 210 MB).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "arb-application.h"
#include "arb-bench-data.h"
#include "arb-import.h"
#include "arb-window.h"
#include "arbiter-resources.h"

typedef struct
{
  gint64  last;
  GArray *gaps;      /* (element-type gint64) microseconds */
  guint   repaints;  /* progress-bar fraction changes seen */
  double  fraction;
} Probe;

static gboolean
probe_tick (gpointer user_data)
{
  Probe *p = user_data;
  gint64 now = g_get_monotonic_time ();
  GtkWindow *w = gtk_application_get_active_window (GTK_APPLICATION (g_application_get_default ()));
  double f = w ? arb_window_get_import_fraction (ARB_WINDOW (w)) : 0;

  if (p->last != 0)
    {
      gint64 gap = now - p->last;

      g_array_append_val (p->gaps, gap);
    }
  p->last = now;
  if (f != p->fraction)
    {
      p->fraction = f;
      p->repaints++;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean finished;

static void
on_finished (ArbWindow *window,
             gpointer   user_data)
{
  finished = TRUE;
}

static int
cmp_gap (gconstpointer a,
         gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("arbiter-bench-gui-XXXXXX", &error);
  g_autofree char *data = NULL;
  g_autofree char *ws_path = NULL;
  g_autoptr(GFile) ws_file = NULL;
  g_autoptr(GFile) data_file = NULL;
  g_autoptr(ArbApplication) app = NULL;
  const char *env = g_getenv ("ARB_BENCH_RECORDS");
  guint64 n_records = env ? g_ascii_strtoull (env, NULL, 10) : 100000;
  ArbBenchDataSummary summary;
  Probe probe = { 0 };
  ArbWindow *window;
  gint64 start, elapsed, longest, p99;
  guint id;
  const char *toast;
  gboolean ok;

  gtk_init ();
  adw_init ();
  arbiter_register_resource ();
  g_assert_no_error (error);

  data = g_build_filename (dir, "large.jsonl", NULL);
  ws_path = g_build_filename (dir, "bench.arbiter", NULL);
  if (!arb_bench_data_write (data, ARB_BENCH_DEFAULT_SEED, 0, n_records, ARB_BENCH_DATA_DEFAULT,
                             &summary, &error))
    g_error ("%s", error->message);
  g_print ("data: %" G_GUINT64_FORMAT " records, %.1f MB\n", summary.records, summary.bytes / 1e6);

  app = arb_application_new (G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  window = arb_window_new (app);
  g_signal_connect (window, "import-finished", G_CALLBACK (on_finished), NULL);
  gtk_window_present (GTK_WINDOW (window));
  ws_file = g_file_new_for_path (ws_path);
  if (!arb_window_create_workspace (window, ws_file))
    g_error ("could not create %s: %s", ws_path, arb_window_get_last_toast (window));
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);

  probe.gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe.fraction = -1;
  data_file = g_file_new_for_path (data);
  id = g_timeout_add (5, probe_tick, &probe);
  start = g_get_monotonic_time ();
  arb_window_import_files (window, &data_file, 1);
  while (!finished)
    g_main_context_iteration (NULL, TRUE);
  elapsed = g_get_monotonic_time () - start;
  g_source_remove (id);

  toast = arb_window_get_last_toast (window);
  ok = toast != NULL && g_str_has_prefix (toast, "Imported ");
  g_array_sort (probe.gaps, cmp_gap);
  longest = probe.gaps->len ? g_array_index (probe.gaps, gint64, probe.gaps->len - 1) : elapsed;
  p99 = probe.gaps->len ? g_array_index (probe.gaps, gint64, probe.gaps->len * 99 / 100) : elapsed;

  g_print ("import from the window: %.1f s, %.1f MB/s, %.0f records/s\n", elapsed / 1e6,
           summary.bytes / 1e6 / (elapsed / 1e6), summary.records / (elapsed / 1e6));
  g_print ("main loop: %u firings of a 5 ms timeout, longest stall %.1f ms (target < 100 ms), "
           "p99 gap %.1f ms, %u progress updates seen\n",
           probe.gaps->len + 1, longest / 1e3, p99 / 1e3, probe.repaints);
  g_print ("result: %s\n", toast ? toast : "(no toast)");

  /* The reference, in the same run: the same file imported by the core alone, no window. */
  {
    g_autofree char *ref_path = g_build_filename (dir, "reference.arbiter", NULL);
    g_autoptr(ArbWorkspace) ref = arb_workspace_create (ref_path, &error);
    g_autoptr(ArbImportResult) r = NULL;
    gint64 t0 = g_get_monotonic_time (), ref_elapsed;

    if (ref == NULL)
      g_error ("%s", error->message);
    r = arb_workspace_import_file (ref, data, NULL, NULL, NULL, NULL, &error);
    if (r == NULL)
      g_error ("%s", error->message);
    ref_elapsed = g_get_monotonic_time () - t0;
    g_print ("reference (core, no window): %.1f s, %.1f MB/s; window/reference speed ratio %.2f\n",
             ref_elapsed / 1e6, summary.bytes / 1e6 / (ref_elapsed / 1e6),
             (double) ref_elapsed / elapsed);
  }
  g_print ("target %s\n", longest < 100 * 1000 ? "met" : "MISSED");

  gtk_window_destroy (GTK_WINDOW (window));
  g_array_unref (probe.gaps);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

    (void) system (cmd);
  }
  return ok ? 0 : 1;
}
