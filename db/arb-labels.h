/* arb-labels.h: span and step labels made by a person, and which generation they label next
 *
 * Spans and step labels are rows of `spans` (a step label is a span over the step's bytes with
 * its step_index and value +1 good, 0 neutral, -1 bad). They are never deleted: a removed span
 * points at itself (superseded_by = id), a re-rated step's old label points at the new one.
 * Every change is one transaction with one event whose payload lists the spans it added and
 * removed by UUID, so undo is unlimited and survives a label pack's round trip.
 *
 * The span and step pages are fed by the same ArbQueue as the compare page: the annotator's
 * live leases and skip/overlap rules, applied to generations (table generation_assignments)
 * instead of comparisons. Generations of comparisons leased to the annotator come first (a label
 * pack holds only those), then the rest in id order; for steps, generations that came with
 * steps come before those cut by a rule.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-queue.h"

G_BEGIN_DECLS

typedef enum
{
  ARB_TASK_SPANS,
  ARB_TASK_STEPS,
} ArbTask;

const char *arb_task_to_string (ArbTask task);

typedef struct
{
  gint64   generation_id;  /* -1: nothing left */
  gboolean skipped;        /* skipped before: comes back after everything else */
  gboolean done;           /* this annotator finished it before (came back by undo or by id) */
} ArbTaskItem;

typedef struct
{
  gint64   id;
  char    *uuid;
  gint64   generation_id;
  gint64   rater_id;
  gint64   start_byte;
  gint64   end_byte;
  char    *label;
  double   value;          /* NAN when none */
  int      step_index;     /* -1: not a step label */
  char    *note;
} ArbSpan;

void     arb_span_clear                  (ArbSpan       *span);

/* Step segmentation settings (keys of the settings table). */
#define ARB_SETTING_SPAN_TAGS    "span_tags"    /* comma-separated, up to nine (keys 1-9) */
#define ARB_SETTING_SPAN_UNITS   "span_units"   /* words (default), sentences, lines, paragraphs,
                                                 * characters, or tokens:TOKENIZER */
#define ARB_SETTING_STEP_RULE    "step_rule"    /* lines (default), paragraphs, or
                                                 * pattern:REGEX (e.g. pattern:Step \d+:) */

/* Current spans of one generation (or all, @generation_id -1) by one rater (or all, -1), in
 * (generation, start, end, id) order. Array of ArbSpan with arb_span_clear as clear func. */
GArray  *arb_workspace_list_spans        (ArbWorkspace  *workspace,
                                          gint64         generation_id,
                                          gint64         rater_id,
                                          GError       **error);

/* The generation's text (UTF-8, transfer full) and its prompt id. */
char    *arb_workspace_get_generation_text (ArbWorkspace *workspace,
                                          gint64         generation_id,
                                          gint64        *out_prompt_id,
                                          char         **out_system,
                                          GError       **error);

/* One current span with its context, for listings (arbiter-cli spans). Valid during the call. */
typedef struct
{
  ArbSpan      span;
  const char  *generation_uuid;
  const char  *system;
  const char  *rater;
  const char  *text;         /* the generation's text */
  gsize        text_len;
  const char  *created_at;
} ArbSpanRow;

typedef gboolean (*ArbSpanRowFunc) (const ArbSpanRow *row,
                                    gpointer          user_data);

gboolean arb_workspace_foreach_span      (ArbWorkspace  *workspace,
                                          ArbSpanRowFunc func,
                                          gpointer       user_data,
                                          GError       **error);

char    *arb_workspace_get_prompt_messages (ArbWorkspace *workspace,
                                          gint64         prompt_id,
                                          GError       **error);

GStrv    arb_workspace_list_tokenizers   (ArbWorkspace  *workspace,
                                          gint64         generation_id,
                                          GError       **error);

/* The generation's steps as byte ranges (ArbRange array): imported steps when it has them,
 * else the workspace's step rule applied to its text. @out_source: "imported" or the rule. */
GArray  *arb_workspace_get_steps         (ArbWorkspace  *workspace,
                                          gint64         generation_id,
                                          char         **out_source,
                                          GError       **error);

/* ---- the queue for spans and steps ---------------------------------------------------- */

gboolean arb_queue_next_generation       (ArbQueue      *queue,
                                          ArbTask        task,
                                          ArbTaskItem   *out_item,
                                          GError       **error);
/* Lease a given generation (a span on a side of a pairwise comparison, or a pack's). */
gboolean arb_queue_lease_generation      (ArbQueue      *queue,
                                          ArbTask        task,
                                          gint64         generation_id,
                                          GError       **error);
gboolean arb_queue_skip_generation       (ArbQueue      *queue,
                                          ArbTask        task,
                                          gint64         generation_id,
                                          GError       **error);
/* Done with the generation: the spans marked are all there are (none is an answer too). */
gboolean arb_queue_finish_generation     (ArbQueue      *queue,
                                          ArbTask        task,
                                          gint64         generation_id,
                                          GError       **error);
gboolean arb_queue_get_task_progress     (ArbQueue      *queue,
                                          ArbTask        task,
                                          gint64        *out_done,
                                          gint64        *out_total,
                                          GError       **error);

/* ---- spans ----------------------------------------------------------------------------- */

/* A span on [start, end) of the generation's text: both on character boundaries, start < end
 * (else ARB_DB_ERROR_INVALID saying which). Returns the new span's id, or -1. */
gint64   arb_queue_add_span              (ArbQueue      *queue,
                                          gint64         generation_id,
                                          gint64         start_byte,
                                          gint64         end_byte,
                                          const char    *label,
                                          double         value,
                                          const char    *note,
                                          GError       **error);
/* Removes one of this annotator's current spans. */
gboolean arb_queue_remove_span           (ArbQueue      *queue,
                                          gint64         span_id,
                                          GError       **error);

/* ---- step labels ------------------------------------------------------------------------ */

/* Rates step @step_index of the generation's steps: +1, 0 or -1 (replacing this annotator's
 * label of that step). The steps are stored (source as arb_workspace_get_steps) if they came
 * from a rule. */
gint64   arb_queue_rate_step             (ArbQueue      *queue,
                                          gint64         generation_id,
                                          int            step_index,
                                          int            rating,
                                          GError       **error);
/* First-error mode: steps before @first_error are +1, it is -1, those after it are unrated
 * (PRM800K and BIG-Bench Mistake stop there); @first_error -1 means "no error": every step +1.
 * Replaces this annotator's step labels of the generation and finishes it, in one undo step. */
gboolean arb_queue_settle_steps          (ArbQueue      *queue,
                                          gint64         generation_id,
                                          int            first_error,
                                          GError       **error);

/* Undoes this annotator's last span or step change on @generation_id (-1: on any generation).
 * Returns the generation it was on, 0 when there was nothing to undo, -1 on error. */
gint64   arb_queue_undo_label            (ArbQueue      *queue,
                                          gint64         generation_id,
                                          GError       **error);

G_END_DECLS
