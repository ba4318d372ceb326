/* arb-queue.h: one annotator's labelling queue: leases, decisions, skip, flag, undo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-workspace.h"

G_BEGIN_DECLS

typedef struct _ArbQueue ArbQueue;

typedef struct
{
  gint64   comparison_id;  /* -1: nothing left for this annotator */
  char     presented[3];   /* "ab": generation a on the visual left; "ba": b on the left */
  gboolean gold;           /* a gold item (never told to the annotator) */
  gboolean skipped;        /* skipped before, come back after everything else */
} ArbQueueItem;

typedef struct
{
  gint64 mine;             /* comparisons this annotator decided (current verdicts) */
  gint64 overall_done;     /* decisions that count toward the overlap, all live annotators */
  gint64 overall_total;    /* non-gold comparisons × overlap */
  gint64 gold_done;        /* gold items this annotator decided */
  gint64 gold_agreed;      /* of which agree with the gold verdict */
} ArbQueueProgress;

/* Settings a queue reads from the workspace (keys of the settings table). */
#define ARB_SETTING_SCALE         "scale"          /* 2, 3 or 5 (default 5) */
#define ARB_SETTING_OVERLAP       "overlap"        /* annotators per comparison (default 1) */
#define ARB_SETTING_GOLD_RATE     "gold_rate"      /* share of gold items, 0 to 1 (default 0) */
#define ARB_SETTING_DIMENSIONS    "dimensions"     /* comma-separated names (default none) */
#define ARB_SETTING_GUIDELINES    "guidelines"     /* Markdown */
#define ARB_SETTING_LEASE_MINUTES "lease_minutes"  /* default 30 */

ArbQueue   *arb_queue_new               (ArbWorkspace      *workspace,
                                         const char        *annotator,
                                         GError           **error);
void        arb_queue_free              (ArbQueue          *queue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbQueue, arb_queue_free)

gint64      arb_queue_get_rater_id      (ArbQueue          *queue);
ArbWorkspace *arb_queue_get_workspace   (ArbQueue          *queue);
gint64      arb_queue_get_lease_seconds (ArbQueue          *queue);
/* The queue's clock (see arb_queue_set_clock_offset) @plus_seconds from now, ISO 8601 UTC. */
char       *arb_queue_time_string       (ArbQueue          *queue,
                                         gint64             plus_seconds);
const char *arb_queue_get_annotator     (ArbQueue          *queue);
int         arb_queue_get_scale         (ArbQueue          *queue);
int         arb_queue_get_overlap       (ArbQueue          *queue);
GStrv       arb_queue_get_dimensions    (ArbQueue          *queue);
void        arb_queue_reload_settings   (ArbQueue          *queue);

/* For tests of lease expiry: seconds added to the clock. */
void        arb_queue_set_clock_offset  (ArbQueue          *queue,
                                         gint64             seconds);

gboolean    arb_queue_next              (ArbQueue          *queue,
                                         ArbQueueItem      *out_item,
                                         GError           **error);
gboolean    arb_queue_lease_batch       (ArbQueue          *queue,
                                         guint              count,
                                         gint64             lease_seconds,
                                         GArray            *held_elsewhere,
                                         GArray            *out_items,
                                         GError           **error);
const char *arb_queue_presented_for     (ArbQueue          *queue,
                                         const char        *comparison_uuid);

gint64      arb_queue_decide            (ArbQueue          *queue,
                                         gint64             comparison_id,
                                         const char        *presented,
                                         int                choice,
                                         const int         *dimension_choices,
                                         const char        *rationale,
                                         double             seconds,
                                         GError           **error);
gboolean    arb_queue_skip              (ArbQueue          *queue,
                                         gint64             comparison_id,
                                         GError           **error);
gboolean    arb_queue_set_flagged       (ArbQueue          *queue,
                                         gint64             comparison_id,
                                         gboolean           flagged,
                                         GError           **error);
gboolean    arb_queue_get_flagged       (ArbQueue          *queue,
                                         gint64             comparison_id);
gint64      arb_queue_undo              (ArbQueue          *queue,
                                         GError           **error);
gboolean    arb_queue_get_own_verdict   (ArbQueue          *queue,
                                         gint64             comparison_id,
                                         int               *out_choice,
                                         char             **out_rationale);
GArray     *arb_queue_get_history       (ArbQueue          *queue);
gboolean    arb_queue_get_progress      (ArbQueue          *queue,
                                         ArbQueueProgress  *out_progress,
                                         GError           **error);

G_END_DECLS
