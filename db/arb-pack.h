/* arb-pack.h: label packs, one annotator's share of a campaign as a small workspace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-workspace.h"

G_BEGIN_DECLS

/* How long a pack's leases last when the caller does not say. */
#define ARB_PACK_DEFAULT_LEASE_DAYS 14
/* How many comparisons a pack holds when the caller does not say. */
#define ARB_PACK_DEFAULT_COUNT      100

/* The pack's marker: keys of the pack's settings table. */
#define ARB_PACK_KEY_UUID        "pack.uuid"         /* the pack's own uuid (its workspace.uuid) */
#define ARB_PACK_KEY_ORIGIN      "pack.origin"       /* the uuid of the workspace it came from */
#define ARB_PACK_KEY_ORIGIN_NAME "pack.origin_name"  /* that workspace's file name, for messages */
#define ARB_PACK_KEY_RATER       "pack.rater"        /* the annotator's name */
#define ARB_PACK_KEY_RATER_UUID  "pack.rater_uuid"
#define ARB_PACK_KEY_CREATED_AT  "pack.created_at"
#define ARB_PACK_KEY_EXPIRES     "pack.expires"      /* when its leases in the origin end */

/* In the origin, the key "packs.UUID" records each pack handed out (a JSON object). */
#define ARB_PACK_RECORD_PREFIX   "packs."

typedef struct
{
  char   uuid[40];          /* the pack's uuid */
  char   expires[40];       /* ISO 8601, UTC: when the leases end */
  gint64 comparisons;
  gint64 gold;              /* of which gold items (told to the caller, never to the pack) */
  gint64 prompts;
  gint64 generations;
  gint64 systems;
} ArbPackOutResult;

typedef struct
{
  char   uuid[40];          /* the pack's uuid */
  char   rater[256];        /* its annotator */
  gint64 verdicts;          /* verdicts added */
  gint64 verdicts_present;  /* verdicts of the pack the workspace had already */
  gint64 superseded;        /* current verdicts or grades that a later one replaced (conflicts) */
  gint64 dimensions;
  gint64 grades;
  gint64 spans;
  gint64 steps;             /* steps a rule cut while labelling in the pack */
  gint64 finished;          /* generations the annotator finished on the span or step page */
  gint64 events;
  gint64 leases_done;       /* the pack's leases completed: the annotator decided the item */
  gint64 leases_released;   /* the pack's leases ended without a decision: back in the pool */
} ArbPackInResult;

/* A pack handed out, as the origin recorded it. */
typedef struct
{
  char   *uuid;
  char   *rater;
  char   *file;           /* the pack's file name when it was written */
  char   *created_at;
  char   *expires;
  char   *state;          /* "out", "expired" (out, past its expiry) or "merged" */
  char   *merged_at;      /* NULL unless merged */
  gint64  n_comparisons;
} ArbPackInfo;

void arb_pack_info_free (ArbPackInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbPackInfo, arb_pack_info_free)

GPtrArray *arb_workspace_list_packs (ArbWorkspace  *ws,
                                     GError       **error);

/* Progress of a pack out or in: @step of @n_steps done, @what is being done now. Called on the
 * thread doing the work. */
typedef void (*ArbPackProgressFunc) (guint        step,
                                     guint        n_steps,
                                     const char  *what,
                                     gpointer     user_data);

gboolean arb_workspace_pack_out_full (ArbWorkspace       *ws,
                                      const char         *rater,
                                      guint               count,
                                      gint64              lease_seconds,
                                      const char         *path,
                                      ArbPackProgressFunc progress,
                                      gpointer            progress_data,
                                      ArbPackOutResult   *out_result,
                                      GError            **error);
gboolean arb_workspace_pack_in_full  (ArbWorkspace       *ws,
                                      const char         *pack_path,
                                      ArbPackProgressFunc progress,
                                      gpointer            progress_data,
                                      ArbPackInResult    *out_result,
                                      GError            **error);
gboolean arb_workspace_pack_out (ArbWorkspace      *ws,
                                 const char        *rater,
                                 guint              count,
                                 gint64             lease_seconds,
                                 const char        *path,
                                 ArbPackOutResult  *out_result,
                                 GError           **error);
gboolean arb_workspace_pack_in  (ArbWorkspace      *ws,
                                 const char        *pack_path,
                                 ArbPackInResult   *out_result,
                                 GError           **error);

G_END_DECLS
