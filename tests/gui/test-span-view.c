/* test-span-view.c: the span labeller, by keyboard and mouse for real (suite gui)
 *
 * A window with an ArbSpanView in a GtkScrolledWindow under Xvfb; keys and the mouse go to the
 * X server through xdotool (GTK 4.8 cannot inject events, STYLE.md), so what is tested is what
 * a person's keyboard and mouse do: span mode in and out, the unit cursor, Shift to extend,
 * G/B/N and the tag digits, Delete, Ctrl+Z, a drag and a click; keys outside span mode reach
 * the window. With ARB_SCREENSHOT_DIR set, pictures in the light and the dark style go there
 * too (always into the build directory).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <math.h>

#include "arb-gui-test-util.h"
#include "arb-span-view.h"

/* Multi-byte text: accents (2 bytes), €, «», — (3 bytes), 東京 (3 bytes each), 🙂 (4 bytes). */
static const char text[] =
  "Élodie a écrit: «Le café coûte 3 € à Zürich.» Ensuite 🙂 vient la fin.\n"
  "Deuxième ligne — 東京 est grand, naïve idée.\n"
  "\n"
  "Troisième paragraphe, après une ligne vide, avec des mots assez nombreux pour faire au "
  "moins une ligne repliée quand la fenêtre est étroite.";

typedef struct
{
  GtkWidget   *window;
  GtkWidget   *scrolled;
  ArbSpanView *view;
  GArray      *units;
  /* what the view emitted */
  guint        n_label;
  gint64       label_start;
  gint64       label_end;
  char        *label;
  double       label_value;
  guint        n_remove;
  gint64       removed_id;
  guint        n_undo;
  guint        n_mode_notify;
  guint        n_window_keys;   /* keys that reached the window (not consumed by the view) */
} Fixture;

/* Units for the test: runs of characters that are not white space (a word with its
 * punctuation), the way a person would count them in the text above. */
static GArray *
word_units (const char *t)
{
  GArray *units = g_array_new (FALSE, FALSE, sizeof (ArbRange));
  const char *p = t, *start = NULL;

  for (; *p; p = g_utf8_next_char (p))
    {
      gboolean space = g_unichar_isspace (g_utf8_get_char (p));

      if (!space && start == NULL)
        start = p;
      else if (space && start != NULL)
        {
          g_array_append_val (units, ((ArbRange) { start - t, p - t }));
          start = NULL;
        }
    }
  if (start != NULL)
    g_array_append_val (units, ((ArbRange) { start - t, p - t }));
  return units;
}

static ArbRange
unit_at (Fixture *f,
         guint    i)
{
  return g_array_index (f->units, ArbRange, i);
}

static char *
slice (gint64 start,
       gint64 end)
{
  return g_strndup (text + start, end - start);
}

static void
label_range_cb (ArbSpanView *view,
                gint64       start,
                gint64       end,
                const char  *label,
                double       value,
                Fixture     *f)
{
  f->n_label++;
  f->label_start = start;
  f->label_end = end;
  g_free (f->label);
  f->label = g_strdup (label);
  f->label_value = value;
}

static void
remove_span_cb (ArbSpanView *view,
                gint64       id,
                Fixture     *f)
{
  f->n_remove++;
  f->removed_id = id;
}

static void
undo_cb (ArbSpanView *view,
         Fixture     *f)
{
  f->n_undo++;
}

static void
mode_cb (GObject    *object,
         GParamSpec *pspec,
         Fixture    *f)
{
  f->n_mode_notify++;
}

static gboolean
window_key_cb (GtkEventControllerKey *controller,
               guint                  keyval,
               guint                  keycode,
               GdkModifierType        state,
               Fixture               *f)
{
  if (keyval != GDK_KEY_Shift_L && keyval != GDK_KEY_Control_L)
    f->n_window_keys++;
  return GDK_EVENT_PROPAGATE;
}

static char *
window_xid (Fixture *f)
{
  return g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (
                            gtk_native_get_surface (GTK_NATIVE (f->window))));
}

static void
xdotool (const char * const *args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_strv_builder_add (builder, "xdotool");
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("xdotool %s failed (status %d)", args[0], status);
}

/* Real key presses (xdotool key syntax: "Right", "shift+Right", "ctrl+z"), into the window. */
static void
press (Fixture    *f,
       const char *keys)
{
  g_autofree char *xid = window_xid (f);
  g_auto(GStrv) names = g_strsplit (keys, " ", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;

  xdotool ((const char *[]) { "windowfocus", "--sync", xid, NULL });
  arb_gui_test_flush ();
  g_strv_builder_add_many (builder, "key", "--clearmodifiers", "--delay", "30", NULL);
  g_strv_builder_addv (builder, (const char **) names);
  args = g_strv_builder_end (builder);
  xdotool ((const char * const *) args);
  arb_gui_test_flush ();
}

/* The centre of unit i in the window's X surface coordinates, for xdotool. */
static void
unit_point (Fixture *f,
            guint    i,
            char   **out_x,
            char   **out_y)
{
  graphene_rect_t r;
  graphene_point_t p;
  double sx = 0, sy = 0;

  g_assert_true (arb_span_view_get_unit_rect (f->view, i, &r));
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (f->view), f->window,
                                           &GRAPHENE_POINT_INIT (r.origin.x + r.size.width / 2,
                                                                 r.origin.y + r.size.height / 2),
                                           &p));
  gtk_native_get_surface_transform (GTK_NATIVE (f->window), &sx, &sy);
  *out_x = g_strdup_printf ("%d", (int) round (p.x + sx));
  *out_y = g_strdup_printf ("%d", (int) round (p.y + sy));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  memset (f, 0, sizeof *f);
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 520, 360);
  f->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (f->scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  f->view = ARB_SPAN_VIEW (arb_span_view_new ());
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (f->scrolled), GTK_WIDGET (f->view));
  gtk_window_set_child (GTK_WINDOW (f->window), f->scrolled);
  {
    GtkEventController *key = gtk_event_controller_key_new ();

    g_signal_connect (key, "key-pressed", G_CALLBACK (window_key_cb), f);
    gtk_widget_add_controller (f->window, key);
  }
  g_signal_connect (f->view, "label-range", G_CALLBACK (label_range_cb), f);
  g_signal_connect (f->view, "remove-span", G_CALLBACK (remove_span_cb), f);
  g_signal_connect (f->view, "undo", G_CALLBACK (undo_cb), f);
  g_signal_connect (f->view, "notify::span-mode", G_CALLBACK (mode_cb), f);

  arb_span_view_set_text (f->view, text, -1);
  f->units = word_units (text);
  arb_span_view_set_units (f->view, (const ArbRange *) f->units->data, f->units->len);
  gtk_window_present (GTK_WINDOW (f->window));
  ARB_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (f->view)), 10);
  gtk_widget_grab_focus (GTK_WIDGET (f->view));
  arb_gui_test_flush ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_array_unref (f->units);
  g_free (f->label);
  arb_gui_test_flush ();
}

static gboolean
have_xdotool (void)
{
  g_autofree char *path = g_find_program_in_path ("xdotool");

  if (path == NULL)
    g_test_skip ("xdotool is not installed (tools/setup-debian.sh installs it)");
  return path != NULL;
}

static void
save_screenshot (Fixture    *f,
                 const char *name)
{
  const char *dir = g_getenv ("ARB_SCREENSHOT_DIR");
  g_autofree char *local = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), name, NULL);

  for (int i = 0; i < 3; i++)
    arb_gui_test_flush ();
  arb_gui_test_screenshot (f->window, local);
  g_test_message ("screenshot: %s", local);
  if (dir != NULL && dir[0] != '\0')
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      arb_gui_test_screenshot (f->window, path);
    }
}

static void
assert_selection (Fixture *f,
                  guint    anchor,
                  guint    cursor)
{
  guint a = G_MAXUINT, c = G_MAXUINT;

  arb_span_view_get_selection (f->view, &a, &c);
  g_assert_cmpuint (a, ==, anchor);
  g_assert_cmpuint (c, ==, cursor);
}

static void
test_keys (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *labelled = NULL;
  const char *tags[] = { "hallucination", "style", NULL };
  ArbSpanViewSpan span;
  guint before;

  if (!have_xdotool ())
    return;
  g_assert_cmpuint (arb_span_view_get_n_units (f->view), ==, f->units->len);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (f->view)));

  /* Outside span mode the keys are the page's: G labels nothing and reaches the window. */
  before = f->n_window_keys;
  press (f, "g Right");
  g_assert_cmpuint (f->n_label, ==, 0);
  g_assert_cmpuint (f->n_window_keys, ==, before + 2);
  assert_selection (f, 0, 0);
  g_assert_false (arb_span_view_get_span_mode (f->view));

  /* Enter: span mode; Right ×3 moves the cursor to unit 3; Shift+Right ×2 extends to 5; G. */
  press (f, "Return");
  g_assert_true (arb_span_view_get_span_mode (f->view));
  g_assert_cmpuint (f->n_mode_notify, ==, 1);
  before = f->n_window_keys;
  press (f, "Right Right Right");
  assert_selection (f, 3, 3);
  press (f, "shift+Right shift+Right");
  assert_selection (f, 3, 5);
  press (f, "g");
  g_assert_cmpuint (f->n_window_keys, ==, before);   /* all consumed by the view */
  g_assert_cmpuint (f->n_label, ==, 1);
  g_assert_cmpint (f->label_start, ==, unit_at (f, 3).start);
  g_assert_cmpint (f->label_end, ==, unit_at (f, 5).end);
  labelled = slice (f->label_start, f->label_end);
  g_assert_cmpstr (labelled, ==, "«Le café coûte");
  g_assert_cmpstr (f->label, ==, "good");
  g_assert_cmpfloat (f->label_value, ==, 1.0);
  /* the selection collapsed onto the cursor */
  assert_selection (f, 5, 5);

  /* The page stores it and shows it; Delete on it removes it (by the page's id). */
  span = (ArbSpanViewSpan) { 42, f->label_start, f->label_end, "good", 1.0 };
  arb_span_view_set_spans (f->view, &span, 1);
  press (f, "Delete");
  g_assert_cmpuint (f->n_remove, ==, 1);
  g_assert_cmpint (f->removed_id, ==, 42);
  /* nothing under the cursor: nothing removed */
  press (f, "Right Delete");
  g_assert_cmpuint (f->n_remove, ==, 1);

  /* B and N; Left and Shift+Left over the multi-byte "€" */
  press (f, "shift+Right b");
  g_assert_cmpuint (f->n_label, ==, 2);
  g_assert_cmpstr (f->label, ==, "bad");
  g_assert_cmpfloat (f->label_value, ==, -1.0);
  {
    g_autofree char *s = slice (f->label_start, f->label_end);

    g_assert_cmpstr (s, ==, "3 €");
  }
  press (f, "Right shift+Left shift+Left n");
  {
    g_autofree char *s = slice (f->label_start, f->label_end);

    g_assert_cmpstr (s, ==, "3 € à");
    g_assert_cmpstr (f->label, ==, "neutral");
    g_assert_cmpfloat (f->label_value, ==, 0.0);
  }

  /* Tags on 1-9; a digit without a tag labels nothing */
  arb_span_view_set_tags (f->view, tags);
  press (f, "2");
  g_assert_cmpuint (f->n_label, ==, 4);
  g_assert_cmpstr (f->label, ==, "style");
  g_assert_true (isnan (f->label_value));
  press (f, "KP_1");
  g_assert_cmpuint (f->n_label, ==, 5);
  g_assert_cmpstr (f->label, ==, "hallucination");
  press (f, "9");
  g_assert_cmpuint (f->n_label, ==, 5);

  /* Down goes to a unit on the next line, Up back to this one */
  {
    guint c0, c1, c2;
    graphene_rect_t r0, r1;

    arb_span_view_get_selection (f->view, NULL, &c0);
    g_assert_true (arb_span_view_get_unit_rect (f->view, c0, &r0));
    press (f, "Down");
    arb_span_view_get_selection (f->view, NULL, &c1);
    g_assert_cmpuint (c1, >, c0);
    g_assert_true (arb_span_view_get_unit_rect (f->view, c1, &r1));
    g_assert_cmpfloat (r1.origin.y, >, r0.origin.y + r0.size.height);
    press (f, "Up");
    arb_span_view_get_selection (f->view, NULL, &c2);
    g_assert_cmpuint (c2, ==, c0);
  }
  press (f, "ctrl+Home");
  assert_selection (f, 0, 0);
  press (f, "End");
  {
    guint c;

    arb_span_view_get_selection (f->view, NULL, &c);
    g_assert_cmpuint (c, >, 0);
  }

  /* Ctrl+Z: undo */
  press (f, "ctrl+z");
  g_assert_cmpuint (f->n_undo, ==, 1);

  /* Escape leaves span mode; then G and Ctrl+Z are the page's again */
  press (f, "Escape");
  g_assert_false (arb_span_view_get_span_mode (f->view));
  g_assert_cmpuint (f->n_mode_notify, ==, 2);
  before = f->n_window_keys;
  press (f, "g ctrl+z Escape");
  g_assert_cmpuint (f->n_label, ==, 5);
  g_assert_cmpuint (f->n_undo, ==, 1);
  g_assert_cmpuint (f->n_window_keys, ==, before + 3);
}

static void
test_mouse (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *xid = NULL;
  g_autofree char *x2 = NULL, *y2 = NULL, *x5 = NULL, *y5 = NULL, *x8 = NULL, *y8 = NULL;
  ArbRange r;
  ArbSpanViewSpan span;

  if (!have_xdotool ())
    return;
  xid = window_xid (f);
  xdotool ((const char *[]) { "windowfocus", "--sync", xid, NULL });

  /* A drag from unit 2 to unit 5 selects units 2-5 (whole units) and enters span mode. */
  unit_point (f, 2, &x2, &y2);
  unit_point (f, 5, &x5, &y5);
  xdotool ((const char *[]) { "mousemove", "--window", xid, x2, y2, "mousedown", "1",
                              "mousemove", "--window", xid, x5, y5, "sleep", "0.1",
                              "mouseup", "1", NULL });
  arb_gui_test_flush ();
  assert_selection (f, 2, 5);
  g_assert_true (arb_span_view_get_span_mode (f->view));
  r = arb_span_view_get_selection_range (f->view);
  g_assert_cmpint (r.start, ==, unit_at (f, 2).start);
  g_assert_cmpint (r.end, ==, unit_at (f, 5).end);
  {
    g_autofree char *s = slice (r.start, r.end);

    g_assert_cmpstr (s, ==, "écrit: «Le café coûte");
  }
  /* and the keys then label it */
  press (f, "b");
  g_assert_cmpuint (f->n_label, ==, 1);
  g_assert_cmpint (f->label_start, ==, r.start);
  g_assert_cmpint (f->label_end, ==, r.end);

  /* Out of span mode, a click on a span puts the cursor on it (its units). */
  press (f, "Escape");
  g_assert_false (arb_span_view_get_span_mode (f->view));
  span = (ArbSpanViewSpan) { 7, unit_at (f, 7).start, unit_at (f, 9).end, "bad", -1 };
  arb_span_view_set_spans (f->view, &span, 1);
  unit_point (f, 8, &x8, &y8);
  xdotool ((const char *[]) { "mousemove", "--window", xid, x8, y8, "click", "1", NULL });
  arb_gui_test_flush ();
  assert_selection (f, 7, 9);
  g_assert_true (arb_span_view_get_span_mode (f->view));
  press (f, "Delete");
  g_assert_cmpuint (f->n_remove, ==, 1);
  g_assert_cmpint (f->removed_id, ==, 7);
}

/* Overlapping spans are drawn distinct (different levels), nested ones too; the pictures. */
static void
test_look (Fixture       *f,
           gconstpointer  data)
{
  const char *tags[] = { "hallucination", "style", "tone", NULL };
  ArbSpanViewSpan spans[] = {
    { 1, unit_at (f, 0).start, unit_at (f, 2).end, "good", 1 },
    { 2, unit_at (f, 4).start, unit_at (f, 8).end, "bad", -1 },
    { 3, unit_at (f, 6).start, unit_at (f, 10).end, "hallucination", NAN },    /* overlaps 2 */
    { 4, unit_at (f, 7).start, unit_at (f, 7).end, "bad", -1 },                /* inside 2, 3 */
    { 5, unit_at (f, 12).start, unit_at (f, 13).end, "neutral", 0 },
    { 6, unit_at (f, 14).start, unit_at (f, 15).end, "style", NAN },
    { 7, unit_at (f, 16).start, unit_at (f, 17).end, "tone", NAN },
    { 8, unit_at (f, 18).start, unit_at (f, 18).end, "good", 1 },
    { 9, unit_at (f, 19).start, unit_at (f, 19).end, "good", 1 },              /* adjacent to 8 */
    { 10, unit_at (f, 21).start, unit_at (f, 30).end, "style", NAN },          /* over lines */
  };
  AdwStyleManager *style = adw_style_manager_get_default ();
  guint drawn_blocks = 0, drawn_spans = 0;

  arb_span_view_set_tags (f->view, tags);
  arb_span_view_set_spans (f->view, spans, G_N_ELEMENTS (spans));
  g_assert_cmpuint (arb_span_view_get_span_level (f->view, 1), ==, 0);
  g_assert_cmpuint (arb_span_view_get_span_level (f->view, 2), ==, 0);
  g_assert_cmpuint (arb_span_view_get_span_level (f->view, 3), ==, 1);
  g_assert_cmpuint (arb_span_view_get_span_level (f->view, 4), ==, 2);
  g_assert_cmpuint (arb_span_view_get_span_level (f->view, 8), ==, 0);
  g_assert_cmpuint (arb_span_view_get_span_level (f->view, 9), ==, 0);
  g_assert_cmpuint (arb_span_view_get_span_level (f->view, 99), ==, G_MAXUINT);
  /* tooltips: every span under the pointer, nothing in the margin past a line's end */
  {
    graphene_rect_t r;
    g_autofree char *tip = NULL;
    g_autofree char *none = NULL;

    g_assert_true (arb_span_view_get_unit_rect (f->view, 7, &r));
    tip = arb_span_view_get_tooltip_at (f->view, r.origin.x + r.size.width / 2,
                                        r.origin.y + r.size.height / 2);
    g_assert_nonnull (tip);
    g_test_message ("tooltip on unit 7: %s", tip);
    g_assert_nonnull (strstr (tip, "Bad: “café coûte 3 € à”"));
    g_assert_nonnull (strstr (tip, "hallucination: “3 € à Zürich.» Ensuite”"));
    g_assert_nonnull (strstr (tip, "Bad: “€”"));
    g_assert_true (arb_span_view_get_unit_rect (f->view, 22, &r));
    none = arb_span_view_get_tooltip_at (f->view, gtk_widget_get_width (GTK_WIDGET (f->view)) - 3,
                                         r.origin.y + r.size.height / 2);
    g_assert_null (none);
  }
  arb_span_view_set_span_mode (f->view, TRUE);
  arb_span_view_set_selection (f->view, 23, 25);
  arb_gui_test_flush ();
  arb_span_view_get_drawn (f->view, &drawn_blocks, &drawn_spans);
  g_assert_cmpuint (drawn_blocks, ==, 1);
  g_assert_cmpuint (drawn_spans, ==, G_N_ELEMENTS (spans));

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  save_screenshot (f, "screenshot-span-view-light.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  save_screenshot (f, "screenshot-span-view-dark.png");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

/* A long text: many blocks, only the visible ones drawn; the cursor keeps itself in sight. */
static void
test_long (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GArray) units = NULL;
  GtkAdjustment *vadj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (f->scrolled));
  guint n_blocks, drawn = 0, c;
  graphene_rect_t r;

  for (int i = 0; i < 400; i++)
    g_string_append_printf (s, "Ligne %d : le modèle répond « oui » puis « non », %s\n", i,
                            i % 7 == 0 ? "et cette ligne-là est nettement plus longue que les "
                                         "autres, pour qu'elle se replie." : "fin.");
  arb_span_view_set_text (f->view, s->str, s->len);
  units = word_units (s->str);
  arb_span_view_set_units (f->view, (const ArbRange *) units->data, units->len);
  arb_gui_test_flush ();
  n_blocks = arb_span_view_get_n_blocks (f->view);
  g_assert_cmpuint (n_blocks, >, 5);
  arb_span_view_get_drawn (f->view, &drawn, NULL);
  g_assert_cmpuint (drawn, >=, 1);
  g_assert_cmpuint (drawn, <=, 2);
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadj), >, 10 * gtk_adjustment_get_page_size (vadj));

  if (!have_xdotool ())
    return;
  press (f, "Return ctrl+End");
  arb_span_view_get_selection (f->view, NULL, &c);
  g_assert_cmpuint (c, ==, units->len - 1);
  g_assert_cmpfloat (gtk_adjustment_get_value (vadj), >, 0);
  g_assert_true (arb_span_view_get_unit_rect (f->view, c, &r));
  g_assert_cmpfloat (r.origin.y, >=, 0);
  g_assert_cmpfloat (r.origin.y + r.size.height, <=, gtk_widget_get_height (GTK_WIDGET (f->view)));
  arb_span_view_get_drawn (f->view, &drawn, NULL);
  g_assert_cmpuint (drawn, <=, 2);

  /* Page Up ×3 and Up: still in sight, higher up */
  press (f, "Page_Up Page_Up Page_Up Up");
  {
    guint c2;

    arb_span_view_get_selection (f->view, NULL, &c2);
    g_assert_cmpuint (c2, <, c);
    g_assert_true (arb_span_view_get_unit_rect (f->view, c2, &r));
    g_assert_cmpfloat (r.origin.y, >=, 0);
    g_assert_cmpfloat (r.origin.y + r.size.height, <=,
                       gtk_widget_get_height (GTK_WIDGET (f->view)));
  }

  /* The whole text gets laid out (the blocks out of sight on an idle) */
  ARB_WAIT_UNTIL (arb_span_view_get_n_blocks_pending (f->view) == 0, 10);

  /* A narrower window: the unit in the middle of the view stays in sight */
  {
    guint mid = units->len / 2;
    int view_h;

    arb_span_view_set_selection (f->view, mid, mid);
    arb_gui_test_flush ();
    gtk_window_set_default_size (GTK_WINDOW (f->window), 400, 360);
    arb_gui_test_flush ();
    g_assert_cmpuint (arb_span_view_get_n_blocks_pending (f->view), <, n_blocks);
    ARB_WAIT_UNTIL (arb_span_view_get_n_blocks_pending (f->view) == 0, 10);
    arb_gui_test_flush ();
    g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->view)), <, 420);
    view_h = gtk_widget_get_height (GTK_WIDGET (f->view));
    g_assert_true (arb_span_view_get_unit_rect (f->view, mid, &r));
    g_test_message ("after the resize the middle unit is at y %.0f of %d", r.origin.y, view_h);
    g_assert_cmpfloat (r.origin.y, >=, 0);
    g_assert_cmpfloat (r.origin.y + r.size.height, <=, view_h);
  }

  /* Scrolled back to the top by the page: Enter again starts at the first unit in sight */
  press (f, "Escape");
  gtk_adjustment_set_value (vadj, 0);
  press (f, "Return");
  arb_span_view_get_selection (f->view, NULL, &c);
  g_assert_cmpuint (c, ==, 0);
}

/* The same keys on the units the pages use: arb_units_segment's words (UAX #29: a punctuation
 * mark is a unit of its own, white space is in none). */
static void
test_segment_words (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GArray) words = arb_units_segment (text, -1, ARB_UNITS_WORDS);
  g_autofree char *labelled = NULL;

  if (!have_xdotool ())
    return;
  g_assert_cmpuint (words->len, >, 30);
  arb_span_view_set_units (f->view, (const ArbRange *) words->data, words->len);
  g_assert_cmpuint (arb_span_view_get_n_units (f->view), ==, words->len);
  press (f, "Return Right Right Right shift+Right shift+Right g");
  g_assert_cmpuint (f->n_label, ==, 1);
  g_assert_cmpint (f->label_start, ==, g_array_index (words, ArbRange, 3).start);
  g_assert_cmpint (f->label_end, ==, g_array_index (words, ArbRange, 5).end);
  labelled = slice (f->label_start, f->label_end);
  g_assert_cmpstr (labelled, ==, ": «Le");
  /* Right over "🙂" (4 bytes) and "東京" */
  press (f, "ctrl+Home");
  assert_selection (f, 0, 0);
  for (guint i = 0; i < words->len; i++)
    {
      ArbRange r = g_array_index (words, ArbRange, i);

      if (strncmp (text + r.start, "🙂", r.end - r.start) == 0)
        {
          g_autofree char *keys = NULL;
          g_autoptr(GString) s = g_string_new (NULL);

          for (guint k = 0; k < i; k++)
            g_string_append (s, k == 0 ? "Right" : " Right");
          press (f, s->str);
          press (f, "shift+Right b");
          g_assert_cmpuint (f->n_label, ==, 2);
          keys = slice (f->label_start, f->label_end);
          g_assert_cmpstr (keys, ==, "🙂 vient");
          return;
        }
    }
  g_assert_not_reached ();
}

/* Untrusted text: invalid UTF-8 and NUL bytes are shown as '?', byte for byte. */
static void
test_invalid (Fixture       *f,
              gconstpointer  data)
{
  static const char bad[] = "ok \xff\xfe then\0nul and \xe2\x80\xae reversed";
  const char *shown;

  arb_span_view_set_text (f->view, bad, sizeof bad - 1);
  arb_gui_test_flush ();
  shown = arb_span_view_get_text (f->view);
  g_assert_cmpmem (shown, 15, "ok ?? then?nul ", 15);
  g_assert_true (g_utf8_validate (shown, -1, NULL));
  g_assert_cmpuint (strlen (shown), ==, sizeof bad - 1);
  /* the default units: one per character that is not white space */
  g_assert_cmpuint (arb_span_view_get_n_units (f->view), ==,
                    (guint) (g_utf8_strlen (shown, -1) - 5));
  arb_span_view_set_text (f->view, "", 0);
  g_assert_cmpuint (arb_span_view_get_n_units (f->view), ==, 0);
  g_assert_cmpint (arb_span_view_get_selection_range (f->view).end, ==, 0);
  arb_gui_test_flush ();
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/arbiter/gui/span-view/keys", Fixture, NULL, fixture_setup, test_keys,
              fixture_teardown);
  g_test_add ("/arbiter/gui/span-view/mouse", Fixture, NULL, fixture_setup, test_mouse,
              fixture_teardown);
  g_test_add ("/arbiter/gui/span-view/look", Fixture, NULL, fixture_setup, test_look,
              fixture_teardown);
  g_test_add ("/arbiter/gui/span-view/long", Fixture, NULL, fixture_setup, test_long,
              fixture_teardown);
  g_test_add ("/arbiter/gui/span-view/segment-words", Fixture, NULL, fixture_setup,
              test_segment_words, fixture_teardown);
  g_test_add ("/arbiter/gui/span-view/invalid", Fixture, NULL, fixture_setup, test_invalid,
              fixture_teardown);
  return g_test_run ();
}
