/* bench-spans.c: the span labeller on a 30 000-token response (suite bench)
 *
 * Needs a display (xvfb-run). One window, 900 × 800, with an ArbSpanView in a scrolled window,
 * as a page shows it. Measured in the same run:
 *   - the reference: frames of the same window with an empty span view;
 *   - setting a 30 000-token response (about 150 KB: words, punctuation, numbers, lists, code,
 *     blank lines, accents, CJK, emoji; units = its 30 000 model-like tokens, each with its
 *     leading space) to its first frame, and a change of width to its frame;
 *   - per cursor move (Right, Shift+Right, Left, Down, Page_Down; the key handler the key
 *     controller calls for a real key) and per label (G, B, N, a tag digit; the page's handler
 *     then gives the view the list of spans, one more each time, up to 500): the view's own
 *     work in the handler and the frame's work that follows (the frame clock's before-paint to
 *     after-paint: layout, snapshot, rendering), p50 and p99, against one frame (16.7 ms) and as
 *     a ratio to the reference frame; in wall-clock time and in the main thread's CPU time
 *     (which other processes on a shared machine do not inflate);
 *   - the worst case: 500 spans, many overlapping, all in sight.
 * The X round trip of a real key is not included. Prints its figures; fails only when something
 * fails, not on a missed target (the target: under one frame of work).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <time.h>

#include "arb-span-view.h"

#define N_TOKENS 30000
#define FRAME_US 16667

/* ---- a response */

static const char *words[] = {
  "the", "model", "answer", "because", "which", "therefore", "value", "function", "returns",
  "first", "second", "we", "can", "see", "that", "is", "not", "correct", "a", "of", "to", "in",
  "and", "for", "with", "this", "step", "result", "equation", "number", "each", "list", "table",
  "café", "naïve", "Zürich", "résumé", "coöperate", "東京", "データ", "Straße", "élève", "😀",
  "über", "déjà", "—", "probability", "distribution", "gradient", "token", "sequence",
};
static const char *punct[] = { ",", ".", ":", ";", "?", "!", ")", "%" };

/* Appends a token to the text and its range to the units. */
static void
token (GString    *text,
       GArray     *units,
       const char *piece)
{
  ArbRange r = { text->len, 0 };

  g_string_append (text, piece);
  r.end = text->len;
  g_array_append_val (units, r);
}

static void
make_response (GString *text,
               GArray  *units)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261203);
  int in_sentence = 0, in_paragraph = 0, in_code = 0;

  while (units->len < N_TOKENS)
    {
      double r = g_rand_double (rand);
      char piece[64];

      if (in_code > 0)
        {
          /* a code block: short lines of identifiers and operators */
          static const char *code[] = { "  x", " =", " f", "(", "y", ")", " +", " 1", ";" };

          token (text, units, code[g_rand_int_range (rand, 0, G_N_ELEMENTS (code))]);
          if (--in_code % 9 == 0)
            token (text, units, in_code == 0 ? "\n```\n\n" : "\n");
          continue;
        }
      if (r < 0.08 && in_sentence > 3)
        {
          token (text, units, punct[g_rand_int_range (rand, 0, G_N_ELEMENTS (punct))]);
          if (r < 0.05)
            {
              in_sentence = 0;
              in_paragraph++;
            }
        }
      else if (r < 0.10)
        {
          g_snprintf (piece, sizeof piece, " %d", g_rand_int_range (rand, 0, 10000));
          token (text, units, piece);
          in_sentence++;
        }
      else
        {
          const char *w = words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))];

          g_snprintf (piece, sizeof piece, "%s%s", in_sentence == 0 ? "" : " ", w);
          if (in_sentence == 0)
            piece[0] = g_ascii_toupper (piece[0]);
          token (text, units, piece);
          in_sentence++;
        }
      if (in_sentence == 0 && in_paragraph >= 4)
        {
          double k = g_rand_double (rand);

          in_paragraph = 0;
          if (k < 0.15)
            {
              token (text, units, "\n\n```c\n");
              in_code = 36;
            }
          else if (k < 0.35)
            token (text, units, "\n\n- ");
          else
            token (text, units, "\n\n");
        }
      else if (in_sentence == 0)
        token (text, units, " ");
    }
}

/* ---- frames */

static gint64 paint_begin, last_begin, last_end;
static gint64 paint_begin_cpu, last_cpu_work;

/* This thread's CPU time, µs: what the work costs whatever else the machine is doing. */
static gint64
thread_cpu (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
before_paint (GdkFrameClock *clock,
              gpointer       user_data)
{
  paint_begin = g_get_monotonic_time ();
  paint_begin_cpu = thread_cpu ();
}

static void
after_paint (GdkFrameClock *clock,
             gpointer       user_data)
{
  last_begin = paint_begin;
  last_end = g_get_monotonic_time ();
  last_cpu_work = thread_cpu () - paint_begin_cpu;
}

/* Runs the main loop until a frame has been painted after `since`; its work (before-paint to
 * after-paint) goes to *out_work. FALSE after 3 s without one. */
static gboolean
wait_paint_after (gint64  since,
                  gint64 *out_work)
{
  gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  while (last_end <= since && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (last_end <= since)
    return FALSE;
  if (out_work)
    *out_work = last_end - MAX (last_begin, since);
  return TRUE;
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

/* ---- the view's keys */

static GtkEventController *
key_controller (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (c))
        return GTK_EVENT_CONTROLLER (c);   /* the widget keeps it */
    }
  g_error ("the span view has no key controller");
  return NULL;
}

/* What a real key press calls: the controller's key-pressed handlers. */
static gboolean
key (GtkEventController *controller,
     guint               keyval,
     GdkModifierType     state)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
  return handled;
}

typedef struct
{
  ArbSpanView *view;
  GArray      *spans;     /* ArbSpanViewSpan, as the page keeps them */
  gint64       next_id;
} Page;

static const char *tags[] = { "hallucination", "style", "tone", "unsafe", NULL };

/* The page's side of a label: store it, give the view the new list. */
static void
label_range_cb (ArbSpanView *view,
                gint64       start,
                gint64       end,
                const char  *label,
                double       value,
                Page        *page)
{
  /* the page's labels live as long as the page: interned */
  const char *stored = g_intern_string (label);

  g_array_append_val (page->spans, ((ArbSpanViewSpan) { page->next_id++, start, end, stored,
                                                        value }));
  arb_span_view_set_spans (view, (const ArbSpanViewSpan *) page->spans->data, page->spans->len);
}

static void
report (const char *what,
        GArray     *own,
        GArray     *frame,
        GArray     *cpu,
        double      ref_ms,
        double      ref_cpu_ms)
{
  g_autoptr(GArray) total = g_array_sized_new (FALSE, FALSE, sizeof (gint64), own->len);
  double own50, own99, fr50, fr99, tot50, tot99;

  for (guint i = 0; i < own->len; i++)
    g_array_append_val (total, ((gint64) { g_array_index (own, gint64, i) +
                                           g_array_index (frame, gint64, i) }));
  own50 = percentile_ms (own, 0.5);
  own99 = percentile_ms (own, 0.99);
  fr50 = percentile_ms (frame, 0.5);
  fr99 = percentile_ms (frame, 0.99);
  tot50 = percentile_ms (total, 0.5);
  tot99 = percentile_ms (total, 0.99);
  g_print ("%s (%u): handler p50 %.3f ms, p99 %.3f ms; frame p50 %.2f ms, p99 %.2f ms "
           "(%.2f× / %.2f× the empty view's frame); handler + frame p50 %.2f ms, p99 %.2f ms = "
           "%.2f of a %.1f ms frame (target < 1)\n",
           what, own->len, own50, own99, fr50, fr99, fr50 / ref_ms, fr99 / ref_ms, tot50, tot99,
           tot99 * 1e3 / FRAME_US, FRAME_US / 1e3);
  g_print ("  in CPU time of the main thread: handler + frame p50 %.2f ms, p99 %.2f ms = %.2f of a "
           "frame; p50 %.2f× the empty view's frame\n", percentile_ms (cpu, 0.5),
           percentile_ms (cpu, 0.99), percentile_ms (cpu, 0.99) * 1e3 / FRAME_US,
           percentile_ms (cpu, 0.5) / ref_cpu_ms);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GArray) units = g_array_new (FALSE, FALSE, sizeof (ArbRange));
  g_autoptr(GArray) ref = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) own = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) frame = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) ref_cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  Page page = { NULL, g_array_new (FALSE, FALSE, sizeof (ArbSpanViewSpan)), 1 };
  GtkWidget *window, *scrolled;
  GtkEventController *keys;
  GdkFrameClock *clock;
  double ref_ms, ref_cpu_ms;
  gint64 c0, c1;
  gint64 t0, work = 0;
  guint n_blocks_drawn = 0, n_spans_drawn = 0;
  int n_moves = 1500, n_labels = 500;
  guint furthest = 0;

  gtk_init ();
  make_response (text, units);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 800);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  page.view = ARB_SPAN_VIEW (arb_span_view_new ());
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (page.view));
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  g_signal_connect (page.view, "label-range", G_CALLBACK (label_range_cb), &page);
  arb_span_view_set_tags (page.view, tags);
  keys = key_controller (GTK_WIDGET (page.view));
  gtk_window_present (GTK_WINDOW (window));
  clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint), NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), NULL);
  if (!wait_paint_after (0, NULL))
    g_error ("the window was never painted");
  gtk_widget_grab_focus (GTK_WIDGET (page.view));

  /* The reference: the same window and an empty view, redrawn. */
  for (int i = 0; i < 200; i++)
    {
      gint64 since = g_get_monotonic_time ();

      gtk_widget_queue_draw (GTK_WIDGET (page.view));
      if (!wait_paint_after (since, &work))
        g_error ("no frame after a redraw of the empty view");
      if (i >= 20)
        {
          g_array_append_val (ref, work);
          g_array_append_val (ref_cpu, last_cpu_work);
        }
    }
  ref_ms = percentile_ms (ref, 0.5);
  ref_cpu_ms = MAX (percentile_ms (ref_cpu, 0.5), 0.001);
  g_print ("reference: the empty view's frame p50 %.2f ms, p99 %.2f ms (CPU p50 %.2f ms)\n",
           ref_ms, percentile_ms (ref, 0.99), ref_cpu_ms);

  /* The response, to its first frame. */
  t0 = g_get_monotonic_time ();
  arb_span_view_set_text (page.view, text->str, text->len);
  arb_span_view_set_units (page.view, (const ArbRange *) units->data, units->len);
  if (!wait_paint_after (t0, &work))
    g_error ("no frame after the text was set");
  g_print ("response: %u tokens, %.1f KB, %u blocks; set to first frame %.1f ms (its frame's "
           "work %.1f ms, layout included)\n", arb_span_view_get_n_units (page.view),
           text->len / 1024.0, arb_span_view_get_n_blocks (page.view),
           (last_end - t0) / 1e3, work / 1e3);
  g_assert (arb_span_view_get_n_units (page.view) == N_TOKENS);
  while (arb_span_view_get_n_blocks_pending (page.view) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_print ("  the whole text laid out (on an idle, a few ms at a time) after %.1f ms\n",
           (g_get_monotonic_time () - t0) / 1e3);

  /* A change of width: every block laid out again. */
  t0 = g_get_monotonic_time ();
  gtk_window_set_default_size (GTK_WINDOW (window), 700, 800);
  if (!wait_paint_after (t0, &work))
    g_error ("no frame after the width changed");
  g_print ("width 900 -> 700 px: to the frame %.1f ms (its work %.1f ms)",
           (last_end - t0) / 1e3, work / 1e3);
  while (arb_span_view_get_n_blocks_pending (page.view) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_print ("; the whole text laid out after %.1f ms\n", (g_get_monotonic_time () - t0) / 1e3);
  t0 = g_get_monotonic_time ();
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 800);
  if (!wait_paint_after (t0, &work))
    g_error ("no frame after the width changed back");
  while (arb_span_view_get_n_blocks_pending (page.view) > 0)
    g_main_context_iteration (NULL, TRUE);

  /* Cursor moves. */
  if (!key (keys, GDK_KEY_Return, 0) || !arb_span_view_get_span_mode (page.view))
    g_error ("Enter did not start span mode");
  wait_paint_after (g_get_monotonic_time (), NULL);
  for (int i = 0; i < n_moves; i++)
    {
      static const struct { guint keyval; GdkModifierType state; } pattern[] = {
        { GDK_KEY_Right, 0 }, { GDK_KEY_Right, 0 }, { GDK_KEY_Right, GDK_SHIFT_MASK },
        { GDK_KEY_Right, GDK_SHIFT_MASK }, { GDK_KEY_Left, 0 }, { GDK_KEY_Down, 0 },
        { GDK_KEY_Right, 0 }, { GDK_KEY_Down, GDK_SHIFT_MASK }, { GDK_KEY_Right, 0 },
        { GDK_KEY_Page_Down, 0 },
      };
      guint k = i % G_N_ELEMENTS (pattern);
      guint keyval = pattern[k].keyval;
      gint64 start, done;

      /* halfway, go back up */
      if (i >= n_moves / 2 && keyval == GDK_KEY_Page_Down)
        keyval = GDK_KEY_Page_Up;
      c0 = thread_cpu ();
      start = g_get_monotonic_time ();
      if (!key (keys, keyval, pattern[k].state))
        g_error ("key %s was not handled in span mode", gdk_keyval_name (keyval));
      done = g_get_monotonic_time ();
      c1 = thread_cpu ();
      /* a move that changed nothing (at an end) still gets its frame measured */
      gtk_widget_queue_draw (GTK_WIDGET (page.view));
      if (!wait_paint_after (done, &work))
        g_error ("no frame after a cursor move");
      g_array_append_val (own, ((gint64) { done - start }));
      g_array_append_val (frame, work);
      g_array_append_val (cpu, ((gint64) { c1 - c0 + last_cpu_work }));
      {
        guint cursor;

        arb_span_view_get_selection (page.view, NULL, &cursor);
        furthest = MAX (furthest, cursor);
      }
    }
  g_print ("cursor moves went as far as token %u\n", furthest);
  report ("per cursor move", own, frame, cpu, ref_ms, ref_cpu_ms);

  /* Labels: the cursor goes somewhere (as a person's moves would), then G/B/N/a digit; the
   * page stores the span and gives the view the longer list. */
  g_array_set_size (own, 0);
  g_array_set_size (frame, 0);
  g_array_set_size (cpu, 0);
  for (int i = 0; i < n_labels; i++)
    {
      static const guint label_keys[] = { GDK_KEY_g, GDK_KEY_b, GDK_KEY_n, GDK_KEY_1, GDK_KEY_2,
                                          GDK_KEY_3, GDK_KEY_4 };
      guint first = (guint) i * (N_TOKENS / n_labels) + g_rand_int_range (rand, 0, 40);
      guint last = first + g_rand_int_range (rand, 0, 12);
      guint before = page.spans->len;
      gint64 start, done;

      arb_span_view_set_selection (page.view, first, last);
      wait_paint_after (g_get_monotonic_time (), NULL);
      c0 = thread_cpu ();
      start = g_get_monotonic_time ();
      if (!key (keys, label_keys[i % G_N_ELEMENTS (label_keys)], 0))
        g_error ("a label key was not handled");
      done = g_get_monotonic_time ();
      c1 = thread_cpu ();
      if (page.spans->len != before + 1)
        g_error ("label %d: the view did not emit label-range", i);
      if (!wait_paint_after (done, &work))
        g_error ("no frame after a label");
      g_array_append_val (own, ((gint64) { done - start }));
      g_array_append_val (frame, work);
      g_array_append_val (cpu, ((gint64) { c1 - c0 + last_cpu_work }));
    }
  arb_span_view_get_drawn (page.view, &n_blocks_drawn, &n_spans_drawn);
  g_print ("labels: %u spans; the last frame drew %u blocks and %u spans\n", page.spans->len,
           n_blocks_drawn, n_spans_drawn);
  report ("per label (set_spans with 1 to 500 spans)", own, frame, cpu, ref_ms, ref_cpu_ms);

  /* The worst case: the 500 spans all in sight, many nested and overlapping; cursor moves
   * among them. */
  for (guint i = 0; i < page.spans->len; i++)
    {
      ArbSpanViewSpan *s = &g_array_index (page.spans, ArbSpanViewSpan, i);
      guint a = g_rand_int_range (rand, 0, 300), b = a + g_rand_int_range (rand, 0, 25);

      s->start = g_array_index (units, ArbRange, a).start;
      s->end = g_array_index (units, ArbRange, MIN (b, N_TOKENS - 1)).end;
    }
  arb_span_view_set_spans (page.view, (const ArbSpanViewSpan *) page.spans->data,
                           page.spans->len);
  arb_span_view_set_selection (page.view, 0, 0);
  wait_paint_after (g_get_monotonic_time (), NULL);
  g_array_set_size (own, 0);
  g_array_set_size (frame, 0);
  g_array_set_size (cpu, 0);
  for (int i = 0; i < 200; i++)
    {
      gint64 start, done;

      c0 = thread_cpu ();
      start = g_get_monotonic_time ();
      key (keys, i % 40 < 20 ? GDK_KEY_Right : GDK_KEY_Left, i % 3 == 0 ? GDK_SHIFT_MASK : 0);
      done = g_get_monotonic_time ();
      c1 = thread_cpu ();
      gtk_widget_queue_draw (GTK_WIDGET (page.view));
      if (!wait_paint_after (done, &work))
        g_error ("no frame after a cursor move among the spans");
      g_array_append_val (own, ((gint64) { done - start }));
      g_array_append_val (frame, work);
      g_array_append_val (cpu, ((gint64) { c1 - c0 + last_cpu_work }));
    }
  arb_span_view_get_drawn (page.view, &n_blocks_drawn, &n_spans_drawn);
  {
    guint max_level = 0;

    for (guint i = 0; i < page.spans->len; i++)
      max_level = MAX (max_level, arb_span_view_get_span_level (
                                    page.view, g_array_index (page.spans, ArbSpanViewSpan, i).id));
    g_print ("500 spans in the first 300 tokens (overlap depth %u): a frame drew %u blocks, %u "
             "spans\n", max_level + 1, n_blocks_drawn, n_spans_drawn);
  }
  report ("per cursor move among 500 visible spans", own, frame, cpu, ref_ms, ref_cpu_ms);

  gtk_window_destroy (GTK_WINDOW (window));
  g_array_unref (page.spans);
  return 0;
}
