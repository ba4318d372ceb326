/* arb-span-view.c: a response as selectable units with its labelled spans highlighted
 *
 * The widget draws the text itself with Pango, so that a 30 000-token response costs a frame
 * only what is visible:
 *   - the text is cut into blocks (about 2 KB, cut at a line break; a line longer than 8 KB is
 *     cut after a space, which shows as a line break there), each with its own PangoLayout,
 *     laid out only when the width or the font changes, never when the cursor or the spans do,
 *     and then the blocks in sight at once and the others on an idle (see "lazy layout");
 *   - the view is a GtkScrollable: inside a GtkScrolledWindow it is as big as what is visible
 *     and draws, from the vertical adjustment's value, only the blocks that intersect it;
 *   - spans, the selection and the cursor are rectangles drawn behind (fills) and over (bars,
 *     outlines) the cached layouts, found from each block's line table
 *     (pango_layout_line_get_x_ranges), so moving the cursor or labelling redraws and never lays
 *     out.
 *
 * How spans look: each span fills its text with its colour at low alpha (text stays readable in
 * light and dark styles; overlaps add up and look darker) and draws a solid bar of its colour
 * in the gap under each line. Overlapping spans get different levels (interval partitioning
 * of the spans sorted by start, the longer first: the outer span gets the lower level), and
 * the bar of level k is drawn k bars lower, so two overlapping spans always show two bars,
 * one under the other, even with the same label. Levels from MAX_LEVELS on share the lowest
 * bar (their fills still add up, and the tooltip lists every span under the pointer). Fills
 * and bars stop a pixel short of a span's ends, so adjacent spans with the same label stay
 * two spans. Colours: good green, bad red, neutral slate grey, tags nine other hues, each in
 * a light-style and a dark-style variant chosen from the text colour's lightness.
 * The selection is an accent-blue fill, the cursor unit an accent-blue outline; both only in
 * span mode.
 *
 * Invalid UTF-8 bytes and NUL bytes are shown as "?", bidirectional controls as U+FFFD or "¦"
 * (replaced byte for byte, so every byte offset still means the same place).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "arb-span-view.h"

#define PAD           12     /* px around the text */
#define LINE_GAP      10     /* px between lines: room for the span bars */
#define BAR_HEIGHT    2
#define BAR_STEP      3
#define MAX_LEVELS    3
#define BLOCK_TARGET  2048   /* bytes: a block ends at the first line break after this */
#define BLOCK_MAX     8192   /* bytes: a block without a line break this long ends at a space */
#define DRAG_SLOP     4.0    /* px a press must move to be a drag */

typedef struct
{
  PangoLayoutLine *line;     /* owned by the block's layout */
  int              start;    /* byte offsets in the block */
  int              end;
  int              y;        /* logical top and height, px, relative to the block */
  int              height;
} Line;

typedef struct
{
  gint64       start;        /* byte offsets in the text */
  gint64       end;
  PangoLayout *layout;       /* NULL until laid out */
  Line        *lines;
  guint        n_lines;
  int          y;            /* top, px, in the document (the whole text's coordinates) */
  int          height;       /* with the gap under its last line; estimated when stale */
  int          laid_width;   /* px the layout and lines are for; stale when not layout_width */
  guint        n_chars;      /* for the estimate */
  guint        n_breaks;
} Block;

typedef struct
{
  gint64  id;
  gint64  start;
  gint64  end;
  char   *label;
  double  value;
  guint   level;
  guint   hue;
} Span;

struct _ArbSpanView
{
  GtkWidget      parent_instance;

  char          *text;
  gsize          len;
  GArray        *units;          /* ArbRange */
  Block         *blocks;
  guint          n_blocks;
  int            layout_width;   /* px the blocks are laid out at; -1: not laid out */
  int            doc_height;
  int            char_width;     /* font metrics for the estimates; 0: to be read */
  int            line_pitch;
  guint          layout_idle;    /* lays out the stale blocks, nearest the view first */
  gboolean       in_geometry;    /* the view's own changes of its adjustment */
  PangoFontDescription *font;    /* the font the blocks were laid out with */

  GArray        *spans;          /* Span, by start, the longer first */
  GStrv          tags;

  gboolean       span_mode;
  guint          anchor;
  guint          cursor;
  double         goal_x;         /* for Up/Down through lines of different lengths; < 0: none */
  gboolean       scroll_pending;

  GtkAdjustment *hadjustment;
  GtkAdjustment *vadjustment;
  guint          hscroll_policy : 1;
  guint          vscroll_policy : 1;

  double         drag_x;         /* where the press was, in the document */
  double         drag_y;
  double         drag_value;     /* the scroll value at the press */
  gboolean       drag_moved;
  gboolean       drag_extend;

  guint          n_blocks_drawn; /* in the last snapshot */
  guint          n_spans_drawn;
};

static void arb_span_view_scrollable_init (GtkScrollableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ArbSpanView, arb_span_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE,
                                                      arb_span_view_scrollable_init))

enum
{
  PROP_0,
  PROP_SPAN_MODE,
  N_PROPS,
  /* GtkScrollable's */
  PROP_HADJUSTMENT = N_PROPS,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
};

static GParamSpec *properties[N_PROPS];

enum
{
  LABEL_RANGE,
  REMOVE_SPAN,
  UNDO,
  SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- colours */

typedef struct
{
  float r, g, b;
} Rgb;

/* [light style, dark style]; libadwaita's palette where it has the hue. */
static const Rgb hues[][2] = {
  { { 0.15, 0.64, 0.41 }, { 0.34, 0.89, 0.54 } },   /* good: green */
  { { 0.75, 0.11, 0.16 }, { 1.00, 0.48, 0.39 } },   /* bad: red */
  { { 0.37, 0.42, 0.50 }, { 0.66, 0.71, 0.80 } },   /* neutral: slate */
  { { 0.57, 0.25, 0.67 }, { 0.80, 0.50, 0.86 } },   /* tag 1: purple */
  { { 0.90, 0.38, 0.00 }, { 1.00, 0.64, 0.28 } },   /* tag 2: orange */
  { { 0.05, 0.55, 0.60 }, { 0.36, 0.80, 0.85 } },   /* tag 3: teal */
  { { 0.85, 0.15, 0.50 }, { 1.00, 0.47, 0.71 } },   /* tag 4: pink */
  { { 0.53, 0.37, 0.24 }, { 0.80, 0.62, 0.47 } },   /* tag 5: brown */
  { { 0.61, 0.53, 0.00 }, { 0.93, 0.86, 0.33 } },   /* tag 6: olive */
  { { 0.28, 0.30, 0.78 }, { 0.60, 0.62, 1.00 } },   /* tag 7: indigo */
  { { 0.38, 0.60, 0.05 }, { 0.68, 0.90, 0.38 } },   /* tag 8: lime */
  { { 0.65, 0.22, 0.22 }, { 0.90, 0.56, 0.52 } },   /* tag 9: brick */
};
static const Rgb accent[2] = { { 0.21, 0.52, 0.89 }, { 0.47, 0.68, 0.93 } };

static GdkRGBA
rgba (const Rgb *c,
      float      alpha)
{
  return (GdkRGBA) { c->r, c->g, c->b, alpha };
}

static guint
hue_for_label (ArbSpanView *self,
               const char  *label)
{
  if (g_strcmp0 (label, "good") == 0)
    return 0;
  if (g_strcmp0 (label, "bad") == 0)
    return 1;
  if (g_strcmp0 (label, "neutral") == 0)
    return 2;
  for (guint i = 0; self->tags != NULL && self->tags[i] != NULL; i++)
    if (g_strcmp0 (self->tags[i], label) == 0)
      return 3 + i % 9;
  /* A tag that is not among the keys' tags still gets a stable colour. */
  return 3 + g_str_hash (label ? label : "") % 9;
}

static const char *
label_display (const char *label)
{
  if (g_strcmp0 (label, "good") == 0)
    return _("Good");
  if (g_strcmp0 (label, "bad") == 0)
    return _("Bad");
  if (g_strcmp0 (label, "neutral") == 0)
    return _("Neutral");
  return label;
}

/* ---- text and units */

/* Replaces what must not reach Pango or must not act, byte for byte (offsets keep their
 * meaning): invalid UTF-8 and NUL become '?', bidirectional controls visible stand-ins. */
static void
sanitize (char  *text,
          gsize  len)
{
  const char *p = text, *end = text + len;

  while (p < end)
    {
      const char *bad = NULL;

      if (g_utf8_validate_len (p, end - p, &bad))
        break;
      *(char *) bad = '?';
      p = bad + 1;
    }
  for (gsize i = 0; i + 1 < len; i++)
    {
      guchar a = text[i], b = text[i + 1], c = i + 2 < len ? text[i + 2] : 0;

      if (a == 0xD8 && b == 0x9C)                                  /* U+061C */
        memcpy (text + i, "\xC2\xA6", 2);
      else if (a == 0xE2 && ((b == 0x80 && (c == 0x8E || c == 0x8F || (c >= 0xAA && c <= 0xAE))) ||
                             (b == 0x81 && c >= 0xA6 && c <= 0xA9)))
        memcpy (text + i, "\xEF\xBF\xBD", 3);                      /* U+200E/F, 202A-E, 2066-9 */
    }
}

/* The first unit whose range ends after @byte (the unit containing it, else the next one). */
static guint
unit_find (ArbSpanView *self,
           gint64       byte)
{
  const ArbRange *u = (const ArbRange *) self->units->data;
  guint lo = 0, hi = self->units->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (u[mid].end > byte)
        hi = mid;
      else
        lo = mid + 1;
    }
  return lo;
}

/* The last unit that starts at or before @byte; 0 when none does. */
static guint
unit_find_before (ArbSpanView *self,
                  gint64       byte)
{
  const ArbRange *u = (const ArbRange *) self->units->data;
  guint lo = 0, hi = self->units->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (u[mid].start <= byte)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo > 0 ? lo - 1 : 0;
}

static const ArbRange *
unit (ArbSpanView *self,
      guint        i)
{
  return &g_array_index (self->units, ArbRange, i);
}

/* The unit nearest @byte: the one containing it, else the closer of its neighbours. */
static guint
unit_nearest (ArbSpanView *self,
              gint64       byte)
{
  guint after = unit_find (self, byte);

  if (self->units->len == 0)
    return 0;
  if (after >= self->units->len)
    return self->units->len - 1;
  if (unit (self, after)->start <= byte || after == 0)
    return after;
  return byte - unit (self, after - 1)->end < unit (self, after)->start - byte ? after - 1 : after;
}

/* From unit @from, @n non-empty units in direction @dir (±1), as far as there are any. */
static guint
unit_step (ArbSpanView *self,
           guint        from,
           int          dir,
           guint        n)
{
  guint at = from;

  for (gint64 i = (gint64) from + dir; n > 0 && i >= 0 && i < self->units->len; i += dir)
    if (unit (self, i)->end > unit (self, i)->start)
      {
        at = i;
        n--;
      }
  return at;
}

/* The first (@dir +1) or last (@dir -1) unit that is not empty (0 when there is none). */
static guint
unit_end (ArbSpanView *self,
          int          dir)
{
  guint n = self->units->len;
  guint at;

  if (n == 0)
    return 0;
  at = dir > 0 ? 0 : n - 1;
  if (unit (self, at)->end > unit (self, at)->start)
    return at;
  return unit_step (self, at, dir, 1);
}

static void
default_units (ArbSpanView *self)
{
  g_array_set_size (self->units, 0);
  for (const char *p = self->text; p < self->text + self->len; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      {
        ArbRange r = { p - self->text, g_utf8_next_char (p) - self->text };

        g_array_append_val (self->units, r);
      }
}

/* ---- blocks and layout */

static void
clear_blocks (ArbSpanView *self)
{
  for (guint i = 0; i < self->n_blocks; i++)
    {
      g_clear_object (&self->blocks[i].layout);
      g_free (self->blocks[i].lines);
    }
  g_clear_pointer (&self->blocks, g_free);
  g_clear_handle_id (&self->layout_idle, g_source_remove);
  self->n_blocks = 0;
  self->layout_width = -1;
  self->doc_height = 2 * PAD;
}

static void
split_blocks (ArbSpanView *self)
{
  GArray *blocks = g_array_new (FALSE, TRUE, sizeof (Block));
  const char *t = self->text;
  gint64 len = self->len, pos = 0;

  clear_blocks (self);
  while (pos < len)
    {
      gint64 cut = len, next = len;

      if (pos + BLOCK_TARGET < len)
        {
          gint64 limit = pos + BLOCK_TARGET, far = MIN (len, pos + BLOCK_MAX);
          const char *nl = memchr (t + limit, '\n', far - limit);

          if (nl == NULL)
            for (const char *p = t + limit - 1; p > t + pos && nl == NULL; p--)
              if (*p == '\n')
                nl = p;
          if (nl != NULL)
            {
              cut = nl - t;
              next = cut + 1;
              if (cut > pos && t[cut - 1] == '\r')
                cut--;   /* a "\r" at a layout's end would be a line of its own */
            }
          else
            {
              const char *sp = memchr (t + limit, ' ', far - limit);

              if (sp != NULL)
                cut = next = sp + 1 - t;
              else
                cut = next = g_utf8_find_prev_char (t, t + far) - t;
              if (cut <= pos)
                cut = next = far;
            }
        }
      {
        Block b = { .start = pos, .end = cut };

        b.n_chars = g_utf8_strlen (t + pos, cut - pos);
        for (const char *p = memchr (t + pos, '\n', cut - pos); p != NULL;
             p = memchr (p + 1, '\n', t + cut - p - 1))
          b.n_breaks++;
        g_array_append_val (blocks, b);
      }
      pos = next;
    }
  self->n_blocks = blocks->len;
  self->blocks = (Block *) g_array_free (blocks, FALSE);
}

static void
layout_block (ArbSpanView *self,
              Block       *b,
              int          width)
{
  PangoLayoutIter *iter;
  GArray *lines = g_array_new (FALSE, FALSE, sizeof (Line));
  PangoRectangle logical;

  if (b->layout == NULL)
    {
      b->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      pango_layout_set_text (b->layout, self->text + b->start, b->end - b->start);
      pango_layout_set_wrap (b->layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_spacing (b->layout, LINE_GAP * PANGO_SCALE);
    }
  pango_layout_set_width (b->layout, width * PANGO_SCALE);
  iter = pango_layout_get_iter (b->layout);
  do
    {
      PangoLayoutLine *pl = pango_layout_iter_get_line_readonly (iter);
      Line line;

      pango_layout_iter_get_line_extents (iter, NULL, &logical);
      line.line = pl;
      line.start = pl->start_index;
      line.end = pl->start_index + pl->length;
      line.y = PANGO_PIXELS_FLOOR (logical.y);
      line.height = PANGO_PIXELS_CEIL (logical.y + logical.height) - line.y;
      g_array_append_val (lines, line);
    }
  while (pango_layout_iter_next_line (iter));
  pango_layout_iter_free (iter);
  g_free (b->lines);
  b->n_lines = lines->len;
  b->lines = (Line *) g_array_free (lines, FALSE);
  pango_layout_get_pixel_extents (b->layout, NULL, &logical);
  b->height = logical.height + LINE_GAP;
}

static gboolean
laid_out (ArbSpanView *self)
{
  return self->layout_width > 0;
}

/* The block at document height @y (clamped to the first and last). */
static guint
block_at_y (ArbSpanView *self,
            double       y)
{
  guint lo = 0, hi = self->n_blocks;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->blocks[mid].y <= y)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo > 0 ? lo - 1 : 0;
}

/* The block containing @byte (a byte between two blocks: the one before). */
static guint
block_at_byte (ArbSpanView *self,
               gint64       byte)
{
  guint lo = 0, hi = self->n_blocks;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->blocks[mid].start <= byte)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo > 0 ? lo - 1 : 0;
}

/* ---- lazy layout
 *
 * A change of width (or font, or text) lays out at once only the blocks in sight; the others
 * get an estimated height (their characters and line breaks at the font's average width) and
 * are laid out by an idle handler a few milliseconds at a time, nearest the view first. When a
 * block above the view gets its real height, the scroll value moves by the difference, so
 * what is in sight stays where it is. Anything that needs a block's geometry (the cursor, a
 * hit test) lays that block out first. */

static void
read_metrics (ArbSpanView *self)
{
  PangoFontMetrics *m;

  if (self->char_width > 0)
    return;
  m = pango_context_get_metrics (gtk_widget_get_pango_context (GTK_WIDGET (self)), NULL, NULL);
  self->char_width = MAX (1, PANGO_PIXELS (pango_font_metrics_get_approximate_char_width (m)));
  self->line_pitch = MAX (1, PANGO_PIXELS (pango_font_metrics_get_height (m))) + LINE_GAP;
  pango_font_metrics_unref (m);
}

static int
estimate_height (ArbSpanView *self,
                 const Block *b,
                 int          width)
{
  gint64 wrapped = (gint64) b->n_chars * self->char_width / MAX (width, 1);

  return (int) ((b->n_breaks + 1 + wrapped) * self->line_pitch);
}

static gboolean
stale (ArbSpanView *self,
       const Block *b)
{
  return b->layout == NULL || b->laid_width != self->layout_width;
}

static void
update_positions (ArbSpanView *self)
{
  int y = PAD;

  for (guint i = 0; i < self->n_blocks; i++)
    {
      self->blocks[i].y = y;
      y += self->blocks[i].height;
    }
  self->doc_height = y + PAD;
}

/* Lays block @i out at the current width if it is stale; TRUE when its height changed (the
 * positions are then brought up to date). */
static gboolean
ensure_block (ArbSpanView *self,
              guint        i)
{
  Block *b = &self->blocks[i];
  int old = b->height;

  if (!stale (self, b))
    return FALSE;
  layout_block (self, b, self->layout_width);
  b->laid_width = self->layout_width;
  if (b->height == old)
    return FALSE;
  update_positions (self);
  return TRUE;
}

/* Lays out the blocks in [top, top + height) of the document; TRUE when a height changed. */
static gboolean
ensure_visible (ArbSpanView *self,
                double       top,
                double       height)
{
  gboolean changed = FALSE;

  if (self->layout_width <= 0 || self->n_blocks == 0)
    return FALSE;
  for (guint i = block_at_y (self, top); i < self->n_blocks; i++)
    {
      if (self->blocks[i].y >= top + height)
        break;
      changed |= ensure_block (self, i);
    }
  return changed;
}

static void
set_upper (ArbSpanView *self)
{
  double page;

  if (self->vadjustment == NULL)
    return;
  page = gtk_adjustment_get_page_size (self->vadjustment);
  self->in_geometry = TRUE;
  gtk_adjustment_set_upper (self->vadjustment, MAX (self->doc_height, page));
  self->in_geometry = FALSE;
}

static gboolean
layout_idle_cb (gpointer data)
{
  ArbSpanView *self = data;
  gint64 deadline = g_get_monotonic_time () + 3000;
  double value = self->vadjustment ? gtk_adjustment_get_value (self->vadjustment) : 0;
  guint top = block_at_y (self, value);
  int above = 0;
  gboolean done = FALSE;

  while (!done && g_get_monotonic_time () < deadline)
    {
      guint i = G_MAXUINT;

      /* the stale block nearest the view: below it first, then above */
      for (guint d = 0; i == G_MAXUINT && d < self->n_blocks; d++)
        {
          if (top + d < self->n_blocks && stale (self, &self->blocks[top + d]))
            i = top + d;
          else if (d > 0 && d <= top && stale (self, &self->blocks[top - d]))
            i = top - d;
        }
      if (i == G_MAXUINT)
        {
          done = TRUE;
          break;
        }
      {
        int old = self->blocks[i].height;

        layout_block (self, &self->blocks[i], self->layout_width);
        self->blocks[i].laid_width = self->layout_width;
        if (i < top)
          above += self->blocks[i].height - old;
      }
    }
  update_positions (self);
  set_upper (self);
  /* (blocks below the view changing height change nothing in sight) */
  if (above != 0 && self->vadjustment != NULL)
    gtk_adjustment_set_value (self->vadjustment, value + above);
  if (!done)
    return G_SOURCE_CONTINUE;
  self->layout_idle = 0;
  /* the whole height is known now: a scrolled window decides on its scroll bar again */
  gtk_widget_queue_resize (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

/* A new width (or everything stale after a change of font or text): the blocks in sight are
 * laid out now, keeping the block at the top of the view where it is; the rest later. */
static void
set_width (ArbSpanView *self,
           int          width,
           int          height)
{
  double value = self->vadjustment ? gtk_adjustment_get_value (self->vadjustment) : 0;
  guint top = 0;
  double frac = 0;

  width = MAX (width, 1);
  if (width == self->layout_width)
    return;
  if (self->n_blocks > 0 && self->layout_width > 0)
    {
      top = block_at_y (self, value);
      frac = CLAMP ((value - self->blocks[top].y) / MAX (self->blocks[top].height, 1), 0, 1);
    }
  self->layout_width = width;
  read_metrics (self);
  for (guint i = 0; i < self->n_blocks; i++)
    if (stale (self, &self->blocks[i]))
      self->blocks[i].height = estimate_height (self, &self->blocks[i], width);
  update_positions (self);
  if (self->n_blocks > 0)
    {
      ensure_block (self, top);
      value = self->blocks[top].y + frac * self->blocks[top].height;
      ensure_visible (self, value, height);
      value = self->blocks[top].y + frac * self->blocks[top].height;
      if (self->vadjustment != NULL)
        {
          self->in_geometry = TRUE;
          gtk_adjustment_configure (self->vadjustment, value, 0, MAX (self->doc_height, height),
                                    self->line_pitch, height * 0.9, height);
          self->in_geometry = FALSE;
        }
    }
  if (self->layout_idle == 0)
    for (guint i = 0; i < self->n_blocks; i++)
      if (stale (self, &self->blocks[i]))
        {
          self->layout_idle = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, layout_idle_cb, self,
                                               NULL);
          break;
        }
}

/* Appends to @rects (graphene_rect_t, document coordinates) the rectangles of the text of
 * [start, end) that lies in block @b, one per line it is on, leaving out the lines (and the
 * gap under them) outside document heights [y0, y1); an empty range gives a caret. @inset:
 * the range's own start and end are drawn a pixel inside (adjacent spans stay two). */
static void
block_range_rects_in (ArbSpanView *self,
                      const Block *b,
                      gint64       start,
                      gint64       end,
                      double       y0,
                      double       y1,
                      gboolean     inset,
                      GArray      *rects)
{
  int s = CLAMP (start - b->start, 0, b->end - b->start);
  int e = CLAMP (end - b->start, 0, b->end - b->start);
  guint lo = 0, hi = b->n_lines;

  if (start == end)
    {
      PangoRectangle pos;

      if (start < b->start || start > b->end)
        return;
      pango_layout_index_to_pos (b->layout, s, &pos);
      g_array_append_val (rects, GRAPHENE_RECT_INIT (PAD + PANGO_PIXELS (pos.x) - 1,
                                                     b->y + PANGO_PIXELS (pos.y), 2,
                                                     PANGO_PIXELS (pos.height)));
      return;
    }
  if (e <= s)
    return;
  /* the first line that ends after s */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (b->lines[mid].end > s)
        hi = mid;
      else
        lo = mid + 1;
    }
  for (guint i = lo; i < b->n_lines && b->lines[i].start < e; i++)
    {
      const Line *l = &b->lines[i];
      int *ranges = NULL, n = 0;

      if (b->y + l->y >= y1)
        break;
      if (b->y + l->y + l->height + LINE_GAP <= y0)
        continue;

      pango_layout_line_get_x_ranges (l->line, MAX (s, l->start), MIN (e, l->end), &ranges, &n);
      for (int k = 0; k < n; k++)
        {
          double x0 = (double) ranges[2 * k] / PANGO_SCALE;
          double x1 = (double) ranges[2 * k + 1] / PANGO_SCALE;

          if (inset && k == 0 && start >= b->start && s >= l->start && x1 - x0 > 2)
            x0 += 1;
          if (inset && k == n - 1 && end <= b->end && e <= l->end && x1 - x0 > 2)
            x1 -= 1;
          if (x1 > x0)
            g_array_append_val (rects, GRAPHENE_RECT_INIT (PAD + x0, b->y + l->y, x1 - x0,
                                                           l->height));
        }
      g_free (ranges);
    }
}

static void
block_range_rects (ArbSpanView *self,
                   const Block *b,
                   gint64       start,
                   gint64       end,
                   GArray      *rects)
{
  block_range_rects_in (self, b, start, end, -G_MAXDOUBLE, G_MAXDOUBLE, FALSE, rects);
}

/* All rectangles of [start, end), over the blocks it spans. A range with nothing visible (a
 * line break, white space at a block's end) gets a caret at its start. */
static void
range_rects (ArbSpanView *self,
             gint64       start,
             gint64       end,
             GArray      *rects)
{
  guint first, before = rects->len;

  if (!laid_out (self) || self->n_blocks == 0)
    return;
  first = block_at_byte (self, start);
  for (guint i = first; i < self->n_blocks; i++)
    {
      if (i > first && self->blocks[i].start >= end)
        break;
      ensure_block (self, i);
    }
  for (guint i = first; i < self->n_blocks; i++)
    {
      if (i > first && self->blocks[i].start >= end)
        break;
      block_range_rects (self, &self->blocks[i], start, end, rects);
    }
  if (rects->len == before && end > start)
    block_range_rects (self, &self->blocks[first],
                       CLAMP (start, self->blocks[first].start, self->blocks[first].end),
                       CLAMP (start, self->blocks[first].start, self->blocks[first].end), rects);
}

/* The bounding box of a unit in the document; FALSE when not laid out. */
static gboolean
unit_bounds (ArbSpanView     *self,
             guint            i,
             graphene_rect_t *out_first,
             graphene_rect_t *out_last,
             graphene_rect_t *out_all)
{
  g_autoptr(GArray) rects = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  graphene_rect_t all;

  if (i >= self->units->len)
    return FALSE;
  range_rects (self, unit (self, i)->start, unit (self, i)->end, rects);
  if (rects->len == 0)
    return FALSE;
  all = g_array_index (rects, graphene_rect_t, 0);
  for (guint k = 1; k < rects->len; k++)
    graphene_rect_union (&all, &g_array_index (rects, graphene_rect_t, k), &all);
  if (out_first)
    *out_first = g_array_index (rects, graphene_rect_t, 0);
  if (out_last)
    *out_last = g_array_index (rects, graphene_rect_t, rects->len - 1);
  if (out_all)
    *out_all = all;
  return TRUE;
}

/* The byte at document point (x, y): the character there, or at the nearest line's end. */
static gint64
byte_at_point (ArbSpanView *self,
               double       x,
               double       y)
{
  const Block *b;
  int index = 0, trailing = 0;

  if (!laid_out (self) || self->n_blocks == 0)
    return 0;
  if (ensure_block (self, block_at_y (self, y)))
    ensure_block (self, block_at_y (self, y));   /* the positions moved */
  b = &self->blocks[block_at_y (self, y)];
  if (b->layout == NULL)
    return b->start;
  pango_layout_xy_to_index (b->layout, (int) ((x - PAD) * PANGO_SCALE),
                            (int) ((y - b->y) * PANGO_SCALE), &index, &trailing);
  return b->start + index;
}

static double
scroll_value (ArbSpanView *self)
{
  return self->vadjustment ? gtk_adjustment_get_value (self->vadjustment) : 0;
}

static void
scroll_to_cursor (ArbSpanView *self)
{
  graphene_rect_t r;
  double value, page;

  if (!laid_out (self) || self->vadjustment == NULL)
    {
      self->scroll_pending = TRUE;
      return;
    }
  self->scroll_pending = FALSE;
  if (!unit_bounds (self, self->cursor, NULL, NULL, &r))
    return;
  value = gtk_adjustment_get_value (self->vadjustment);
  page = gtk_adjustment_get_page_size (self->vadjustment);
  if (r.origin.y - LINE_GAP < value)
    gtk_adjustment_set_value (self->vadjustment, r.origin.y - LINE_GAP);
  else if (r.origin.y + r.size.height + LINE_GAP > value + page)
    gtk_adjustment_set_value (self->vadjustment,
                              MIN (r.origin.y - LINE_GAP,
                                   r.origin.y + r.size.height + LINE_GAP - page));
}

/* ---- selection */

static void
update_accessible (ArbSpanView *self)
{
  ArbRange r = arb_span_view_get_selection_range (self);
  g_autofree char *excerpt = NULL;
  g_autofree char *desc = NULL;

  if (!self->span_mode || self->units->len == 0)
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      return;
    }
  excerpt = g_utf8_make_valid (self->text + r.start, MIN (r.end - r.start, 200));
  desc = g_strdup_printf (_("Selected: %s"), excerpt);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc,
                                  -1);
}

static void
set_selection (ArbSpanView *self,
               guint        anchor,
               guint        cursor,
               gboolean     scroll)
{
  guint last = self->units->len > 0 ? self->units->len - 1 : 0;

  anchor = MIN (anchor, last);
  cursor = MIN (cursor, last);
  if (anchor != self->anchor || cursor != self->cursor)
    {
      self->anchor = anchor;
      self->cursor = cursor;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      update_accessible (self);
      g_signal_emit (self, signals[SELECTION_CHANGED], 0);
    }
  if (scroll)
    scroll_to_cursor (self);
}

static void
set_span_mode (ArbSpanView *self,
               gboolean     span_mode)
{
  span_mode = !!span_mode;
  if (span_mode == self->span_mode)
    return;
  self->span_mode = span_mode;
  if (span_mode && !gtk_widget_has_focus (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  update_accessible (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN_MODE]);
}

/* The innermost (shortest) span that contains @byte, or that intersects [start, end). */
static const Span *
innermost_span (ArbSpanView *self,
                gint64       start,
                gint64       end)
{
  const Span *best = NULL;

  for (guint i = 0; i < self->spans->len; i++)
    {
      const Span *s = &g_array_index (self->spans, Span, i);

      if (s->start >= MAX (end, start + 1))
        break;
      if (s->end > start && (best == NULL || s->end - s->start < best->end - best->start))
        best = s;
    }
  return best;
}

/* ---- keys */

static void
label_selection (ArbSpanView *self,
                 const char  *label,
                 double       value)
{
  ArbRange r = arb_span_view_get_selection_range (self);

  if (self->units->len == 0 || r.end <= r.start)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  /* The next Shift+move starts a new selection from the cursor. */
  set_selection (self, self->cursor, self->cursor, FALSE);
  g_signal_emit (self, signals[LABEL_RANGE], 0, r.start, r.end, label, value);
}

/* The unit on the visual line through document height @y, nearest @x; @dir tells which way to
 * go when that line has no unit (a blank line): -1 before @from, +1 after. */
static guint
unit_on_line (ArbSpanView *self,
              double       x,
              double       y,
              guint        from,
              int          dir)
{
  gint64 byte = byte_at_point (self, x, y);
  guint u = dir < 0 ? unit_find_before (self, byte)
                     : MIN (unit_find (self, byte), self->units->len - 1);

  if (dir < 0 && u >= from)
    return unit_step (self, from, -1, 1);
  if (dir > 0 && u <= from)
    return unit_step (self, from, +1, 1);
  return u;
}

static guint
vertical_move (ArbSpanView *self,
               int          dir,
               double       distance)
{
  graphene_rect_t first, last;
  double x, y;

  if (!unit_bounds (self, self->cursor, &first, &last, NULL))
    return unit_step (self, self->cursor, dir, 1);
  if (self->goal_x < 0)
    self->goal_x = first.origin.x + 1;
  x = self->goal_x;
  if (dir < 0)
    y = first.origin.y - LINE_GAP - 2 - distance;
  else
    y = last.origin.y + last.size.height + LINE_GAP + 2 + distance;
  /* above the first line or below the last: to the first or last unit */
  if (y < PAD || y >= self->doc_height - PAD)
    return unit_end (self, dir);
  return unit_on_line (self, x, y, self->cursor, dir);
}

static guint
line_end_move (ArbSpanView *self,
               int          dir)
{
  graphene_rect_t first;
  double y;
  gint64 byte;

  if (!unit_bounds (self, self->cursor, &first, NULL, NULL))
    return self->cursor;
  y = first.origin.y + first.size.height / 2;
  byte = byte_at_point (self, dir < 0 ? 0 : G_MAXINT / 2 / PANGO_SCALE, y);
  if (dir < 0)
    return MIN (unit_find (self, byte), self->cursor);
  return MAX (unit_find_before (self, byte), self->cursor);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                ArbSpanView           *self)
{
  GdkModifierType mods = state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK |
                                  GDK_SUPER_MASK | GDK_META_MASK);
  gboolean shift = (mods & GDK_SHIFT_MASK) != 0;
  gboolean ctrl = (mods & GDK_CONTROL_MASK) != 0;
  gboolean other = (mods & ~(GDK_SHIFT_MASK | GDK_CONTROL_MASK)) != 0;
  guint lower = gdk_keyval_to_lower (keyval);
  guint target = G_MAXUINT;
  guint n = self->units->len;

  if (!self->span_mode)
    {
      if (mods == 0 && (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter ||
                        keyval == GDK_KEY_ISO_Enter))
        {
          graphene_rect_t r;
          double value = scroll_value (self);
          int height = gtk_widget_get_height (GTK_WIDGET (self));

          /* Start where the person is looking: a cursor scrolled out of sight moves to the
           * first unit in sight. */
          if (n > 0 && laid_out (self) && unit_bounds (self, self->cursor, NULL, NULL, &r) &&
              (r.origin.y + r.size.height <= value || r.origin.y >= value + height))
            {
              guint u = MIN (unit_find (self, byte_at_point (self, PAD, value + PAD)), n - 1);

              set_selection (self, u, u, FALSE);
            }
          set_span_mode (self, TRUE);
          return GDK_EVENT_STOP;
        }
      return GDK_EVENT_PROPAGATE;
    }
  if (other)
    return GDK_EVENT_PROPAGATE;

  switch (keyval)
    {
    case GDK_KEY_Escape:
      if (mods != 0)
        return GDK_EVENT_PROPAGATE;
      set_span_mode (self, FALSE);
      return GDK_EVENT_STOP;
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      target = unit_step (self, self->cursor, -1, 1);
      self->goal_x = -1;
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      target = unit_step (self, self->cursor, +1, 1);
      self->goal_x = -1;
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      target = vertical_move (self, -1, 0);
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      target = vertical_move (self, +1, 0);
      break;
    case GDK_KEY_Page_Up:
    case GDK_KEY_KP_Page_Up:
      target = vertical_move (self, -1, gtk_widget_get_height (GTK_WIDGET (self)) * 0.9);
      break;
    case GDK_KEY_Page_Down:
    case GDK_KEY_KP_Page_Down:
      target = vertical_move (self, +1, gtk_widget_get_height (GTK_WIDGET (self)) * 0.9);
      break;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      target = ctrl ? unit_end (self, +1) : line_end_move (self, -1);
      self->goal_x = -1;
      break;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      target = ctrl ? unit_end (self, -1) : line_end_move (self, +1);
      self->goal_x = -1;
      break;
    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
    case GDK_KEY_BackSpace:
      {
        const Span *s;

        if (mods != 0)
          return GDK_EVENT_PROPAGATE;
        s = n > 0 ? innermost_span (self, unit (self, self->cursor)->start,
                                    unit (self, self->cursor)->end) : NULL;
        if (s == NULL)
          gtk_widget_error_bell (GTK_WIDGET (self));
        else
          g_signal_emit (self, signals[REMOVE_SPAN], 0, s->id);
        return GDK_EVENT_STOP;
      }
    default:
      break;
    }

  if (target != G_MAXUINT)
    {
      if (n == 0)
        return GDK_EVENT_STOP;
      set_selection (self, shift ? self->anchor : target, target, TRUE);
      return GDK_EVENT_STOP;
    }

  if (ctrl)
    {
      if (lower == GDK_KEY_z && !shift)
        {
          g_signal_emit (self, signals[UNDO], 0);
          return GDK_EVENT_STOP;
        }
      return GDK_EVENT_PROPAGATE;
    }
  switch (lower)
    {
    case GDK_KEY_g:
      label_selection (self, "good", 1.0);
      return GDK_EVENT_STOP;
    case GDK_KEY_b:
      label_selection (self, "bad", -1.0);
      return GDK_EVENT_STOP;
    case GDK_KEY_n:
      label_selection (self, "neutral", 0.0);
      return GDK_EVENT_STOP;
    default:
      break;
    }
  if ((keyval >= GDK_KEY_1 && keyval <= GDK_KEY_9) ||
      (keyval >= GDK_KEY_KP_1 && keyval <= GDK_KEY_KP_9))
    {
      guint i = keyval >= GDK_KEY_KP_1 ? keyval - GDK_KEY_KP_1 : keyval - GDK_KEY_1;

      if (self->tags != NULL && i < g_strv_length (self->tags))
        label_selection (self, self->tags[i], NAN);
      else
        gtk_widget_error_bell (GTK_WIDGET (self));
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
focus_leave_cb (GtkEventControllerFocus *controller,
                ArbSpanView             *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  /* Span mode is the view's hold on the keyboard: it ends when the keys go to another widget,
   * not when the window goes to the background (the view is still its focus then). */
  if (root != NULL && gtk_root_get_focus (root) == GTK_WIDGET (self))
    return;
  set_span_mode (self, FALSE);
}

/* ---- mouse */

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               ArbSpanView    *self)
{
  GdkModifierType state =
    gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  guint u;

  if (!gtk_widget_has_focus (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag_x = x;
  self->drag_value = scroll_value (self);
  self->drag_y = y + self->drag_value;
  self->drag_moved = FALSE;
  self->drag_extend = self->span_mode && (state & GDK_SHIFT_MASK) != 0;
  if (self->units->len == 0)
    return;
  u = unit_nearest (self, byte_at_point (self, self->drag_x, self->drag_y));
  self->goal_x = -1;
  set_selection (self, self->drag_extend ? self->anchor : u, u, FALSE);
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                ArbSpanView    *self)
{
  guint u;

  if (self->units->len == 0)
    return;
  if (!self->drag_moved && hypot (dx, dy) < DRAG_SLOP)
    return;
  /* the pointer is (dx, dy) from the press on screen; the text may have scrolled since */
  u = unit_nearest (self, byte_at_point (self, self->drag_x + dx,
                                         self->drag_y + dy + scroll_value (self) -
                                         self->drag_value));
  self->drag_moved = TRUE;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  set_span_mode (self, TRUE);
  set_selection (self, self->anchor, u, TRUE);
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             ArbSpanView    *self)
{
  const Span *s;
  gint64 byte;

  if (self->drag_moved || self->units->len == 0)
    return;
  /* A click: on a span, the cursor goes onto that span (its units selected). */
  byte = byte_at_point (self, self->drag_x, self->drag_y);
  s = innermost_span (self, byte, byte + 1);
  if (s != NULL && s->start <= byte)
    {
      guint first = unit_find (self, s->start);
      guint last = unit_find_before (self, MAX (s->end - 1, s->start));

      if (first >= self->units->len)
        first = self->units->len - 1;
      set_selection (self, first, MAX (first, last), TRUE);
      set_span_mode (self, TRUE);
    }
}

/* The spans at (x, y) of the view (keyboard_mode: at the cursor), as a tooltip's text. */
static char *
tooltip_text (ArbSpanView *self,
              double       x,
              double       y,
              gboolean     keyboard_mode)
{
  g_autoptr(GString) tip = g_string_new (NULL);
  g_autoptr(GArray) rects = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  graphene_point_t point = GRAPHENE_POINT_INIT (x, y + scroll_value (self));
  const Block *b = NULL;
  gint64 byte;
  guint shown = 0;

  if (self->n_blocks == 0 || !laid_out (self))
    return NULL;
  if (keyboard_mode)
    {
      if (self->units->len == 0)
        return NULL;
      byte = unit (self, self->cursor)->start;
    }
  else
    {
      byte = byte_at_point (self, point.x, point.y);
      b = &self->blocks[block_at_y (self, point.y)];
    }
  for (guint i = 0; i < self->spans->len; i++)
    {
      const Span *s = &g_array_index (self->spans, Span, i);
      g_autofree char *excerpt = NULL;
      const char *p;
      glong n_chars;
      gboolean under = keyboard_mode;

      if (s->start > byte)
        break;
      if (s->end <= byte)
        continue;
      /* with the pointer: only when it is on the span's text or its bar (not in a margin or
       * past a line's end, where the nearest character is still found) */
      if (!under && b != NULL && b->layout != NULL)
        {
          g_array_set_size (rects, 0);
          block_range_rects (self, b, s->start, s->end, rects);
          for (guint k = 0; k < rects->len && !under; k++)
            {
              graphene_rect_t r = g_array_index (rects, graphene_rect_t, k);

              r.size.height += LINE_GAP;
              under = graphene_rect_contains_point (&r, &point);
            }
        }
      if (!under)
        continue;
      if (shown == 6)
        {
          g_string_append (tip, "\n…");
          break;
        }
      n_chars = g_utf8_strlen (self->text + s->start, s->end - s->start);
      p = g_utf8_offset_to_pointer (self->text + s->start, MIN (n_chars, 60));
      excerpt = g_strndup (self->text + s->start, p - (self->text + s->start));
      g_strdelimit (excerpt, "\n\r\t", ' ');
      if (tip->len > 0)
        g_string_append_c (tip, '\n');
      /* Translators: a span's label, then its text in quotes */
      g_string_append_printf (tip, _("%s: “%s%s”"), label_display (s->label), excerpt,
                              n_chars > 60 ? "…" : "");
      shown++;
    }
  return shown > 0 ? g_string_free (g_steal_pointer (&tip), FALSE) : NULL;
}

static gboolean
arb_span_view_query_tooltip (GtkWidget  *widget,
                             int         x,
                             int         y,
                             gboolean    keyboard_mode,
                             GtkTooltip *tooltip)
{
  g_autofree char *text = tooltip_text (ARB_SPAN_VIEW (widget), x, y, keyboard_mode);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* ---- drawing */

static void
append_outline (GtkSnapshot           *snapshot,
                const graphene_rect_t *r,
                const GdkRGBA         *color,
                float                  width)
{
  GskRoundedRect rr;
  const float widths[4] = { width, width, width, width };
  const GdkRGBA colors[4] = { *color, *color, *color, *color };

  gsk_rounded_rect_init_from_rect (&rr, &GRAPHENE_RECT_INIT (r->origin.x - width,
                                                             r->origin.y - width,
                                                             r->size.width + 2 * width,
                                                             r->size.height + 2 * width), 2);
  gtk_snapshot_append_border (snapshot, &rr, widths, colors);
}

typedef struct
{
  graphene_rect_t rect;
  guint           span;
} SpanRect;

static void
arb_span_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  ArbSpanView *self = ARB_SPAN_VIEW (widget);
  g_autoptr(GArray) rects = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  g_autoptr(GArray) span_rects = g_array_new (FALSE, FALSE, sizeof (SpanRect));
  GdkRGBA fg;
  double top = scroll_value (self);
  int height = gtk_widget_get_height (widget);
  gboolean dark;
  float fill_alpha;
  gboolean show_selection = self->span_mode && self->units->len > 0;
  ArbRange sel = arb_span_view_get_selection_range (self);

  self->n_blocks_drawn = 0;
  self->n_spans_drawn = 0;
  if (!laid_out (self) || self->n_blocks == 0)
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  /* light text: a dark style */
  dark = 0.299 * fg.red + 0.587 * fg.green + 0.114 * fg.blue > 0.5;
  fill_alpha = dark ? 0.30 : 0.20;

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, -top));
  for (guint bi = block_at_y (self, top); bi < self->n_blocks && self->blocks[bi].y < top + height;
       bi++)
    {
      const Block *b = &self->blocks[bi];

      if (b->y + b->height <= top || b->layout == NULL)
        continue;
      self->n_blocks_drawn++;

      /* span fills, behind the text; their rectangles (in sight only) kept for the bars */
      g_array_set_size (span_rects, 0);
      for (guint i = 0; i < self->spans->len; i++)
        {
          const Span *s = &g_array_index (self->spans, Span, i);
          GdkRGBA c = rgba (&hues[s->hue][dark], fill_alpha);

          if (s->start >= b->end)
            break;
          if (s->end <= b->start)
            continue;
          self->n_spans_drawn++;
          g_array_set_size (rects, 0);
          block_range_rects_in (self, b, s->start, s->end, top, top + height, TRUE, rects);
          for (guint k = 0; k < rects->len; k++)
            {
              SpanRect sr = { g_array_index (rects, graphene_rect_t, k), i };

              gtk_snapshot_append_color (snapshot, &c, &sr.rect);
              g_array_append_val (span_rects, sr);
            }
        }

      /* the selection: a fill and a thin outline, so that it stays blue over any span */
      if (show_selection && sel.start < b->end && sel.end >= b->start)
        {
          GdkRGBA c = rgba (&accent[dark], dark ? 0.35 : 0.25);
          GdkRGBA line = rgba (&accent[dark], 0.8);

          g_array_set_size (rects, 0);
          block_range_rects_in (self, b, sel.start, sel.end, top, top + height, FALSE, rects);
          for (guint k = 0; k < rects->len; k++)
            {
              gtk_snapshot_append_color (snapshot, &c, &g_array_index (rects, graphene_rect_t, k));
              append_outline (snapshot, &g_array_index (rects, graphene_rect_t, k), &line, 1);
            }
        }

      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (PAD, b->y));
      gtk_snapshot_append_layout (snapshot, b->layout, &fg);
      gtk_snapshot_restore (snapshot);

      /* span bars, under each line, one level lower for each overlapping span */
      for (guint k = 0; k < span_rects->len; k++)
        {
          const SpanRect *sr = &g_array_index (span_rects, SpanRect, k);
          const Span *s = &g_array_index (self->spans, Span, sr->span);
          GdkRGBA c = rgba (&hues[s->hue][dark], 1.0);
          float dy = 1 + MIN (s->level, MAX_LEVELS - 1) * BAR_STEP;

          gtk_snapshot_append_color (snapshot, &c,
                                     &GRAPHENE_RECT_INIT (sr->rect.origin.x,
                                                          sr->rect.origin.y +
                                                          sr->rect.size.height + dy,
                                                          sr->rect.size.width, BAR_HEIGHT));
        }

      /* the cursor */
      if (show_selection)
        {
          const ArbRange *cu = unit (self, self->cursor);
          GdkRGBA c = rgba (&accent[dark], 1.0);

          g_array_set_size (rects, 0);
          if (cu->start <= b->end && cu->end >= b->start)
            block_range_rects (self, b, cu->start, cu->end, rects);
          for (guint k = 0; k < rects->len; k++)
            append_outline (snapshot, &g_array_index (rects, graphene_rect_t, k), &c, 2);
        }
    }
  gtk_snapshot_restore (snapshot);
}

/* ---- size */

static void
configure_adjustments (ArbSpanView *self,
                       int          width,
                       int          height)
{
  if (self->vadjustment != NULL)
    {
      double upper = MAX (self->doc_height, height);
      double value = CLAMP (gtk_adjustment_get_value (self->vadjustment), 0, upper - height);

      gtk_adjustment_configure (self->vadjustment, value, 0, upper, MAX (self->line_pitch, 1),
                                height * 0.9, height);
    }
  if (self->hadjustment != NULL)
    gtk_adjustment_configure (self->hadjustment, 0, 0, width, width * 0.1, width * 0.9, width);
}

static void
arb_span_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  ArbSpanView *self = ARB_SPAN_VIEW (widget);

  set_width (self, width - 2 * PAD, height);
  self->in_geometry = TRUE;
  configure_adjustments (self, width, height);
  self->in_geometry = FALSE;
  /* a taller view, or a value clamped to a shorter text, shows other blocks */
  if (ensure_visible (self, scroll_value (self), height))
    set_upper (self);
  if (self->scroll_pending)
    scroll_to_cursor (self);
}

static GtkSizeRequestMode
arb_span_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
arb_span_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  ArbSpanView *self = ARB_SPAN_VIEW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 2 * PAD + 80;
      *natural = 2 * PAD + 480;
      return;
    }
  /* The whole text's height at the current width (estimated for the blocks not laid out yet),
   * as a GtkTextView does: what a GtkScrolledWindow compares with its own height to show a
   * scroll bar. It allocates a GtkScrollable only what is in sight. Outside a scrolled
   * window the view is as tall as its text, once laid out at its width. */
  *minimum = *natural = self->doc_height;
}

static void
arb_span_view_css_changed (GtkWidget         *widget,
                           GtkCssStyleChange *change)
{
  ArbSpanView *self = ARB_SPAN_VIEW (widget);
  const PangoFontDescription *font;

  GTK_WIDGET_CLASS (arb_span_view_parent_class)->css_changed (widget, change);
  font = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  if (self->font == NULL || font == NULL || !pango_font_description_equal (font, self->font))
    {
      g_clear_pointer (&self->font, pango_font_description_free);
      self->font = font ? pango_font_description_copy (font) : NULL;
      /* new layouts with the new font: the blocks are kept, their layouts made again */
      for (guint i = 0; i < self->n_blocks; i++)
        {
          g_clear_object (&self->blocks[i].layout);
          self->blocks[i].laid_width = 0;
        }
      self->layout_width = -1;
      self->char_width = 0;
      gtk_widget_queue_resize (widget);
    }
}

static void
arb_span_view_system_setting_changed (GtkWidget        *widget,
                                      GtkSystemSetting  setting)
{
  ArbSpanView *self = ARB_SPAN_VIEW (widget);

  GTK_WIDGET_CLASS (arb_span_view_parent_class)->system_setting_changed (widget, setting);
  if (setting == GTK_SYSTEM_SETTING_DPI || setting == GTK_SYSTEM_SETTING_FONT_NAME ||
      setting == GTK_SYSTEM_SETTING_FONT_CONFIG)
    {
      for (guint i = 0; i < self->n_blocks; i++)
        {
          if (self->blocks[i].layout != NULL)
            pango_layout_context_changed (self->blocks[i].layout);
          self->blocks[i].laid_width = 0;
        }
      self->layout_width = -1;
      self->char_width = 0;
      gtk_widget_queue_resize (widget);
    }
}

/* ---- GtkScrollable */

static void
adjustment_value_changed_cb (GtkAdjustment *adjustment,
                             ArbSpanView   *self)
{
  if (adjustment == self->vadjustment && !self->in_geometry &&
      ensure_visible (self, gtk_adjustment_get_value (adjustment),
                      gtk_adjustment_get_page_size (adjustment)))
    set_upper (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_adjustment (ArbSpanView    *self,
                GtkAdjustment **slot,
                GtkAdjustment  *adjustment,
                GParamSpec     *pspec)
{
  if (adjustment != NULL && adjustment == *slot)
    return;
  if (*slot != NULL)
    {
      g_signal_handlers_disconnect_by_func (*slot, adjustment_value_changed_cb, self);
      g_object_unref (*slot);
    }
  if (adjustment == NULL)
    adjustment = gtk_adjustment_new (0, 0, 0, 0, 0, 0);
  *slot = g_object_ref_sink (adjustment);
  g_signal_connect (adjustment, "value-changed", G_CALLBACK (adjustment_value_changed_cb), self);
  configure_adjustments (self, gtk_widget_get_width (GTK_WIDGET (self)),
                         gtk_widget_get_height (GTK_WIDGET (self)));
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static gboolean
arb_span_view_get_border (GtkScrollable *scrollable,
                          GtkBorder     *border)
{
  return FALSE;
}

static void
arb_span_view_scrollable_init (GtkScrollableInterface *iface)
{
  iface->get_border = arb_span_view_get_border;
}

/* ---- GObject */

static void
clear_spans (ArbSpanView *self)
{
  for (guint i = 0; i < self->spans->len; i++)
    g_free (g_array_index (self->spans, Span, i).label);
  g_array_set_size (self->spans, 0);
}

static void
arb_span_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ArbSpanView *self = ARB_SPAN_VIEW (object);

  switch (prop_id)
    {
    case PROP_SPAN_MODE:
      g_value_set_boolean (value, self->span_mode);
      break;
    case PROP_HADJUSTMENT:
      g_value_set_object (value, self->hadjustment);
      break;
    case PROP_VADJUSTMENT:
      g_value_set_object (value, self->vadjustment);
      break;
    case PROP_HSCROLL_POLICY:
      g_value_set_enum (value, self->hscroll_policy);
      break;
    case PROP_VSCROLL_POLICY:
      g_value_set_enum (value, self->vscroll_policy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
arb_span_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ArbSpanView *self = ARB_SPAN_VIEW (object);

  switch (prop_id)
    {
    case PROP_SPAN_MODE:
      arb_span_view_set_span_mode (self, g_value_get_boolean (value));
      break;
    case PROP_HADJUSTMENT:
      set_adjustment (self, &self->hadjustment, g_value_get_object (value), pspec);
      break;
    case PROP_VADJUSTMENT:
      set_adjustment (self, &self->vadjustment, g_value_get_object (value), pspec);
      break;
    case PROP_HSCROLL_POLICY:
      if (self->hscroll_policy != (guint) g_value_get_enum (value))
        {
          self->hscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_VSCROLL_POLICY:
      if (self->vscroll_policy != (guint) g_value_get_enum (value))
        {
          self->vscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
arb_span_view_dispose (GObject *object)
{
  ArbSpanView *self = ARB_SPAN_VIEW (object);

  if (self->hadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->hadjustment, adjustment_value_changed_cb, self);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->vadjustment, adjustment_value_changed_cb, self);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);
  clear_blocks (self);
  G_OBJECT_CLASS (arb_span_view_parent_class)->dispose (object);
}

static void
arb_span_view_finalize (GObject *object)
{
  ArbSpanView *self = ARB_SPAN_VIEW (object);

  clear_spans (self);
  g_array_unref (self->spans);
  g_array_unref (self->units);
  g_strfreev (self->tags);
  g_free (self->text);
  g_clear_pointer (&self->font, pango_font_description_free);
  G_OBJECT_CLASS (arb_span_view_parent_class)->finalize (object);
}

static void
arb_span_view_class_init (ArbSpanViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = arb_span_view_get_property;
  object_class->set_property = arb_span_view_set_property;
  object_class->dispose = arb_span_view_dispose;
  object_class->finalize = arb_span_view_finalize;

  widget_class->snapshot = arb_span_view_snapshot;
  widget_class->size_allocate = arb_span_view_size_allocate;
  widget_class->measure = arb_span_view_measure;
  widget_class->get_request_mode = arb_span_view_get_request_mode;
  widget_class->css_changed = arb_span_view_css_changed;
  widget_class->system_setting_changed = arb_span_view_system_setting_changed;
  widget_class->query_tooltip = arb_span_view_query_tooltip;

  properties[PROP_SPAN_MODE] =
    g_param_spec_boolean ("span-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  signals[LABEL_RANGE] =
    g_signal_new ("label-range", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_STRING, G_TYPE_DOUBLE);
  signals[REMOVE_SPAN] =
    g_signal_new ("remove-span", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[UNDO] =
    g_signal_new ("undo", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "arb-span-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_DOCUMENT);
}

static void
arb_span_view_init (ArbSpanView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();

  self->text = g_strdup ("");
  self->units = g_array_new (FALSE, FALSE, sizeof (ArbRange));
  self->spans = g_array_new (FALSE, FALSE, sizeof (Span));
  self->layout_width = -1;
  self->doc_height = 2 * PAD;
  self->goal_x = -1;

  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_focus_on_click (widget, TRUE);
  gtk_widget_set_has_tooltip (widget, TRUE);
  gtk_widget_set_overflow (widget, GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_cursor_from_name (widget, "text");

  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (widget, key);
  g_signal_connect (focus, "leave", G_CALLBACK (focus_leave_cb), self);
  gtk_widget_add_controller (widget, focus);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Response text; press Enter to label spans"), -1);
}

/* ---- public API */

GtkWidget *
arb_span_view_new (void)
{
  return g_object_new (ARB_TYPE_SPAN_VIEW, NULL);
}

/**
 * arb_span_view_set_text:
 * @text: (nullable): the response
 * @len: its length in bytes, or -1 when NUL-terminated
 *
 * Invalid UTF-8 is shown as "?" (byte offsets keep their meaning).
 */
void
arb_span_view_set_text (ArbSpanView *self,
                        const char  *text,
                        gssize       len)
{
  g_return_if_fail (ARB_IS_SPAN_VIEW (self));

  if (text == NULL)
    text = "";
  if (len < 0)
    len = strlen (text);
  g_free (self->text);
  self->text = g_malloc (len + 1);   /* not g_strndup: NUL bytes inside are kept (as '?') */
  memcpy (self->text, text, len);
  self->text[len] = '\0';
  self->len = len;
  sanitize (self->text, self->len);
  split_blocks (self);
  default_units (self);
  clear_spans (self);
  self->anchor = self->cursor = 0;
  self->goal_x = -1;
  self->scroll_pending = FALSE;
  if (self->vadjustment != NULL)
    gtk_adjustment_set_value (self->vadjustment, 0);
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

/**
 * arb_span_view_get_text:
 *
 * Returns: (transfer none): the text as shown (invalid UTF-8 replaced)
 */
const char *
arb_span_view_get_text (ArbSpanView *self)
{
  g_return_val_if_fail (ARB_IS_SPAN_VIEW (self), NULL);
  return self->text;
}

/**
 * arb_span_view_set_units:
 * @units: (array length=n_units): byte ranges, sorted and non-overlapping
 *
 * Ranges are clamped to the text; a range that starts before the previous one ends is left
 * out. The cursor and anchor stay on the same text (the units that contain their start).
 */
void
arb_span_view_set_units (ArbSpanView    *self,
                         const ArbRange *units,
                         guint           n_units)
{
  gint64 anchor_at, cursor_at, last_end = 0;

  g_return_if_fail (ARB_IS_SPAN_VIEW (self));
  g_return_if_fail (units != NULL || n_units == 0);

  anchor_at = self->units->len > 0 ? unit (self, self->anchor)->start : 0;
  cursor_at = self->units->len > 0 ? unit (self, self->cursor)->start : 0;
  g_array_set_size (self->units, 0);
  for (guint i = 0; i < n_units; i++)
    {
      ArbRange r = { CLAMP (units[i].start, 0, (gint64) self->len),
                     CLAMP (units[i].end, 0, (gint64) self->len) };

      if (r.end < r.start || r.start < last_end)
        continue;
      g_array_append_val (self->units, r);
      last_end = r.end;
    }
  self->anchor = self->cursor = G_MAXUINT;   /* forces the update */
  if (self->units->len == 0)
    set_selection (self, 0, 0, FALSE);
  else
    set_selection (self, MIN (unit_find (self, anchor_at), self->units->len - 1),
                   MIN (unit_find (self, cursor_at), self->units->len - 1), FALSE);
}

static int
span_cmp (gconstpointer a,
          gconstpointer b)
{
  const Span *x = a, *y = b;

  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  if (x->end != y->end)
    return x->end > y->end ? -1 : 1;   /* the longer first: it is the outer one */
  return (x->id > y->id) - (x->id < y->id);
}

/**
 * arb_span_view_set_spans:
 * @spans: (array length=n_spans)
 */
void
arb_span_view_set_spans (ArbSpanView           *self,
                         const ArbSpanViewSpan *spans,
                         guint                  n_spans)
{
  g_autoptr(GArray) level_end = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_if_fail (ARB_IS_SPAN_VIEW (self));
  g_return_if_fail (spans != NULL || n_spans == 0);

  clear_spans (self);
  for (guint i = 0; i < n_spans; i++)
    {
      Span s = {
        .id = spans[i].id,
        .start = CLAMP (spans[i].start, 0, (gint64) self->len),
        .end = CLAMP (spans[i].end, 0, (gint64) self->len),
        .label = g_strdup (spans[i].label ? spans[i].label : ""),
        .value = spans[i].value,
      };

      if (s.end < s.start)
        s.end = s.start;
      s.hue = hue_for_label (self, s.label);
      g_array_append_val (self->spans, s);
    }
  g_array_sort (self->spans, span_cmp);
  /* Interval partitioning: each span takes the lowest level whose last span has ended, so
   * overlapping spans never share a level. */
  for (guint i = 0; i < self->spans->len; i++)
    {
      Span *s = &g_array_index (self->spans, Span, i);
      guint k = 0;

      while (k < level_end->len && g_array_index (level_end, gint64, k) > s->start)
        k++;
      if (k == level_end->len)
        g_array_append_val (level_end, s->end);
      else
        g_array_index (level_end, gint64, k) = s->end;
      s->level = k;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * arb_span_view_set_tags:
 * @tags: (nullable) (array zero-terminated=1): up to nine tag names, for the keys 1-9
 */
void
arb_span_view_set_tags (ArbSpanView        *self,
                        const char * const *tags)
{
  g_return_if_fail (ARB_IS_SPAN_VIEW (self));

  g_strfreev (self->tags);
  self->tags = NULL;
  if (tags != NULL)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < 9 && tags[i] != NULL; i++)
        g_strv_builder_add (builder, tags[i]);
      self->tags = g_strv_builder_end (builder);
    }
  for (guint i = 0; i < self->spans->len; i++)
    {
      Span *s = &g_array_index (self->spans, Span, i);

      s->hue = hue_for_label (self, s->label);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
arb_span_view_get_span_mode (ArbSpanView *self)
{
  g_return_val_if_fail (ARB_IS_SPAN_VIEW (self), FALSE);
  return self->span_mode;
}

/* Span mode on also takes the keyboard focus (span mode ends when the focus leaves). */
void
arb_span_view_set_span_mode (ArbSpanView *self,
                             gboolean     span_mode)
{
  g_return_if_fail (ARB_IS_SPAN_VIEW (self));
  set_span_mode (self, span_mode);
}

void
arb_span_view_get_selection (ArbSpanView *self,
                             guint       *out_anchor,
                             guint       *out_cursor)
{
  g_return_if_fail (ARB_IS_SPAN_VIEW (self));
  if (out_anchor)
    *out_anchor = self->anchor;
  if (out_cursor)
    *out_cursor = self->cursor;
}

/* Indices past the last unit are clamped to it; the view scrolls to the cursor. */
void
arb_span_view_set_selection (ArbSpanView *self,
                             guint        anchor,
                             guint        cursor)
{
  g_return_if_fail (ARB_IS_SPAN_VIEW (self));
  self->goal_x = -1;
  set_selection (self, anchor, cursor, TRUE);
}

ArbRange
arb_span_view_get_selection_range (ArbSpanView *self)
{
  guint first, last;

  g_return_val_if_fail (ARB_IS_SPAN_VIEW (self), ((ArbRange) { 0, 0 }));
  if (self->units->len == 0)
    return (ArbRange) { 0, 0 };
  first = MIN (self->anchor, self->cursor);
  last = MAX (self->anchor, self->cursor);
  return (ArbRange) { unit (self, first)->start, unit (self, last)->end };
}

guint
arb_span_view_get_n_units (ArbSpanView *self)
{
  g_return_val_if_fail (ARB_IS_SPAN_VIEW (self), 0);
  return self->units->len;
}

guint
arb_span_view_get_n_blocks (ArbSpanView *self)
{
  g_return_val_if_fail (ARB_IS_SPAN_VIEW (self), 0);
  return self->n_blocks;
}

guint
arb_span_view_get_n_blocks_pending (ArbSpanView *self)
{
  guint n = 0;

  g_return_val_if_fail (ARB_IS_SPAN_VIEW (self), 0);
  for (guint i = 0; i < self->n_blocks; i++)
    n += stale (self, &self->blocks[i]);
  return n;
}

void
arb_span_view_get_drawn (ArbSpanView *self,
                         guint       *out_n_blocks,
                         guint       *out_n_spans)
{
  g_return_if_fail (ARB_IS_SPAN_VIEW (self));
  if (out_n_blocks)
    *out_n_blocks = self->n_blocks_drawn;
  if (out_n_spans)
    *out_n_spans = self->n_spans_drawn;
}

/* The level (0 = the bar nearest the text) the span @id is drawn at; G_MAXUINT if unknown. */
guint
arb_span_view_get_span_level (ArbSpanView *self,
                              gint64       id)
{
  g_return_val_if_fail (ARB_IS_SPAN_VIEW (self), G_MAXUINT);
  for (guint i = 0; i < self->spans->len; i++)
    if (g_array_index (self->spans, Span, i).id == id)
      return g_array_index (self->spans, Span, i).level;
  return G_MAXUINT;
}

/* The unit's first rectangle in the view's coordinates (scrolled); FALSE when it is not laid
 * out yet or @i is not a unit. */
gboolean
arb_span_view_get_unit_rect (ArbSpanView     *self,
                             guint            i,
                             graphene_rect_t *out_rect)
{
  graphene_rect_t first;

  g_return_val_if_fail (ARB_IS_SPAN_VIEW (self), FALSE);
  g_return_val_if_fail (out_rect != NULL, FALSE);
  if (!unit_bounds (self, i, &first, NULL, NULL))
    return FALSE;
  *out_rect = first;
  out_rect->origin.y -= scroll_value (self);
  return TRUE;
}

/**
 * arb_span_view_get_tooltip_at:
 * @x: in the view's coordinates, as scrolled
 *
 * Returns: (transfer full) (nullable): the tooltip the pointer at (x, y) gets: each span
 *   there, its label and its text; NULL where there is none
 */
char *
arb_span_view_get_tooltip_at (ArbSpanView *self,
                              double       x,
                              double       y)
{
  g_return_val_if_fail (ARB_IS_SPAN_VIEW (self), NULL);
  return tooltip_text (self, x, y, FALSE);
}
