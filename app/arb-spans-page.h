/* arb-spans-page.h: mark good, bad, neutral and tagged spans of one response
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "arb-workspace.h"

G_BEGIN_DECLS

#define ARB_TYPE_SPANS_PAGE (arb_spans_page_get_type ())
G_DECLARE_FINAL_TYPE (ArbSpansPage, arb_spans_page, ARB, SPANS_PAGE, GtkWidget)

ArbSpansPage *arb_spans_page_new             (void);
void          arb_spans_page_set_workspace   (ArbSpansPage *self,
                                              ArbWorkspace *workspace,
                                              const char   *annotator);
const char   *arb_spans_page_get_annotator   (ArbSpansPage *self);
/* Shows this generation instead of the queue's next one; when done, the window goes back to
 * @return_page (e.g. "compare"; NULL: the queue's next generation). */
void          arb_spans_page_show_generation (ArbSpansPage *self,
                                              gint64        generation_id,
                                              const char   *return_page);
gint64        arb_spans_page_get_generation  (ArbSpansPage *self);
/* "words", "sentences", ... or "tokens:NAME". */
gboolean      arb_spans_page_set_units       (ArbSpansPage *self,
                                              const char   *units);
const char   *arb_spans_page_get_units       (ArbSpansPage *self);
const char   *arb_spans_page_get_state       (ArbSpansPage *self);
GtkWidget    *arb_spans_page_get_view        (ArbSpansPage *self);
guint         arb_spans_page_get_n_listed    (ArbSpansPage *self);
void          arb_spans_page_focus           (ArbSpansPage *self);

G_END_DECLS
