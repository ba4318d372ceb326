/* arb-span-view.h: a response as selectable units (words, sentences, model tokens...) with its
 * labelled spans highlighted, labelled by mouse or by keyboard alone
 *
 * The view never writes to a workspace: it emits signals, the page stores the span and then
 * gives the view the new list of spans.
 *
 * Keys (in span mode, entered with Enter and left with Escape; focus must be on the view):
 *   Left/Right (also Up/Down by line, Page Up/Down, Home/End of the line,
 *   Ctrl+Home/End of the text)                   move the unit cursor
 *   Shift + a move                               extend the selection from the anchor
 *   G / B / N                                    label the selection good (+1) / bad (-1) /
 *                                                neutral (0)
 *   1 ... 9                                      label it with the workspace's tag of that number
 *   Delete / BackSpace                           remove the span under the cursor
 *   Ctrl+Z                                       undo (emits "undo")
 * Outside span mode no key is consumed but Enter (the page's shortcuts keep working); in span
 * mode only those above are (Tab, Ctrl+other letters, Alt+... go on to the page). Span mode
 * ends when the keyboard focus moves to another widget. After a label the selection collapses
 * onto the cursor. Enter with the cursor scrolled out of sight starts at the first unit in sight.
 * A mouse drag selects units (snapped to whole units) and enters span mode; a click on a span
 * puts the cursor on it (its units selected) and enters span mode; a click elsewhere only moves
 * the cursor there. Tooltips list the spans under the pointer.
 *
 * Meant to be the child of a GtkScrolledWindow (it is a GtkScrollable and draws only what is in
 * sight); give the scrolled window GTK_POLICY_NEVER horizontally (the text wraps).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "arb-units.h"

G_BEGIN_DECLS

typedef struct
{
  gint64      id;          /* the caller's id, given back in "remove-span" */
  gint64      start;       /* UTF-8 byte offsets into the text, end-exclusive */
  gint64      end;
  const char *label;       /* "good", "bad", "neutral" or a tag name */
  double      value;       /* +1, -1, 0, or NAN for a tag */
} ArbSpanViewSpan;

#define ARB_TYPE_SPAN_VIEW (arb_span_view_get_type ())
G_DECLARE_FINAL_TYPE (ArbSpanView, arb_span_view, ARB, SPAN_VIEW, GtkWidget)

GtkWidget   *arb_span_view_new            (void);

/* The text (copied) and its units (sorted, non-overlapping byte ranges; copied). Setting the
 * text clears units, spans and the cursor; units default to one per character that is not white
 * space until set. Units past the text are clamped, overlapping ones left out. */
void         arb_span_view_set_text       (ArbSpanView           *self,
                                           const char            *text,
                                           gssize                 len);
const char  *arb_span_view_get_text       (ArbSpanView           *self);
void         arb_span_view_set_units      (ArbSpanView           *self,
                                           const ArbRange        *units,
                                           guint                  n_units);
/* The spans to show (copied, labels too); overlapping spans are drawn distinct. */
void         arb_span_view_set_spans      (ArbSpanView           *self,
                                           const ArbSpanViewSpan *spans,
                                           guint                  n_spans);
/* Up to nine tag names for the keys 1-9 (NULL-terminated; copied). */
void         arb_span_view_set_tags       (ArbSpanView           *self,
                                           const char * const    *tags);

gboolean     arb_span_view_get_span_mode  (ArbSpanView           *self);
void         arb_span_view_set_span_mode  (ArbSpanView           *self,
                                           gboolean               span_mode);

/* Units under the selection: anchor and cursor are unit indices (anchor == cursor: one unit). */
void         arb_span_view_get_selection  (ArbSpanView           *self,
                                           guint                 *out_anchor,
                                           guint                 *out_cursor);
void         arb_span_view_set_selection  (ArbSpanView           *self,
                                           guint                  anchor,
                                           guint                  cursor);
/* The byte range the selection covers (first unit's start to last unit's end). */
ArbRange     arb_span_view_get_selection_range (ArbSpanView      *self);

/* Read-only, for tests and benchmarks. */
guint        arb_span_view_get_n_units    (ArbSpanView           *self);
/* How many blocks (separately laid-out pieces of the text) the text is cut into. */
guint        arb_span_view_get_n_blocks   (ArbSpanView           *self);
/* Blocks not yet laid out at the current width (an idle handler lays them out, nearest the
 * view first; 0 once the whole text is). */
guint        arb_span_view_get_n_blocks_pending (ArbSpanView     *self);
/* What the last snapshot drew: blocks, and spans (counted once per block they are drawn in). */
void         arb_span_view_get_drawn      (ArbSpanView           *self,
                                           guint                 *out_n_blocks,
                                           guint                 *out_n_spans);
/* The level a span's bar is drawn at (0 nearest the text; overlapping spans differ);
 * G_MAXUINT for an unknown id. */
guint        arb_span_view_get_span_level (ArbSpanView           *self,
                                           gint64                 id);
/* A unit's first rectangle in the view's own coordinates, as scrolled; FALSE when the view is
 * not laid out yet or there is no such unit. */
gboolean     arb_span_view_get_unit_rect  (ArbSpanView           *self,
                                           guint                  unit,
                                           graphene_rect_t       *out_rect);
/* The tooltip the pointer at (x, y) (view coordinates) gets: each span there, with its label
 * and text; NULL where there is no span. (transfer full) */
char        *arb_span_view_get_tooltip_at (ArbSpanView           *self,
                                           double                 x,
                                           double                 y);

/* Signals:
 *   "label-range"  (gint64 start, gint64 end, const char *label, double value)
 *                  the person labelled the selection; start/end are byte offsets
 *   "remove-span"  (gint64 id)  Delete on a span (the innermost one under the cursor)
 *   "undo"         ()           Ctrl+Z in span mode
 *   "selection-changed" ()      the anchor or the cursor moved (keys, mouse, set_selection)
 * Property "span-mode" (gboolean), notified when Enter/Escape/a drag change it. */

G_END_DECLS
