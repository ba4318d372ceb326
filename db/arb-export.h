/* arb-export.h: labels out of a workspace as training-ready files, with explicit policies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-workspace.h"

G_BEGIN_DECLS

typedef enum
{
  ARB_EXPORT_TRL_PREFERENCE,  /* prompt, chosen, rejected (strings or message lists) */
  ARB_EXPORT_TRL_KTO,         /* prompt, completion, label: one row per side */
  ARB_EXPORT_OPENRLHF,        /* preference rows with configurable key names */
  ARB_EXPORT_VERDICTS_JSONL,  /* one row per current verdict */
  ARB_EXPORT_VERDICTS_CSV,
} ArbExportFormat;

typedef enum
{
  ARB_EXPORT_POLICY_MAJORITY,   /* the outcome most counted raters gave; a draw is a tie */
  ARB_EXPORT_POLICY_MEAN,       /* the side of the mean preference */
  ARB_EXPORT_POLICY_UNANIMOUS,  /* only where every counted rater gave the same outcome */
  ARB_EXPORT_POLICY_SINGLE,     /* exactly one counted rater */
} ArbExportPolicy;

typedef enum
{
  ARB_EXPORT_MARGIN_NONE,
  ARB_EXPORT_MARGIN_STRENGTH,    /* mean signed strength toward chosen, in [-2, 2] */
  ARB_EXPORT_MARGIN_PREFERENCE,  /* 2 P(chosen better) - 1, in [-1, 1] */
} ArbExportMargin;

typedef struct
{
  ArbExportFormat     format;
  const char * const *raters;         /* names; NULL or empty: every human annotator */
  gboolean            all_raters;     /* every rater (humans, judges, reward models) */
  ArbExportPolicy     policy;
  gboolean            keep_ties;      /* rows marked "tie": true instead of dropping ties */
  double              min_agreement;  /* drop comparisons whose agreement is below; 0 none */
  ArbExportMargin     margin;
  gboolean            conversational; /* message lists instead of strings */
  const char         *prompt_key;     /* openrlhf; NULL: "prompt" */
  const char         *chosen_key;     /* openrlhf; NULL: "chosen" */
  const char         *rejected_key;   /* openrlhf; NULL: "rejected" */
  const char         *split_name;     /* NULL: no split; else e.g. "test" */
  double              split_fraction; /* share of prompts in split_name, 0 < f < 1 */
  guint64             seed;
  gboolean            no_card;        /* do not write README.md */
  const char         *command;        /* the command line that reproduces it, for the card */
} ArbExportOptions;

void arb_export_options_init (ArbExportOptions *options);

typedef struct
{
  gint64     considered;     /* comparisons with a counted verdict (verdicts-*: verdicts) */
  gint64     adjudicated;    /* of which an adjudicator's verdict decided */
  gint64     flagged;        /* dropped: flagged and not unflagged or undone */
  gint64     not_text;       /* dropped: a side is an image or missing */
  gint64     multi_turn;     /* dropped: a multi-turn response in a string-form export */
  gint64     disagreement;   /* dropped: unanimous policy, the raters disagreed */
  gint64     low_agreement;  /* dropped: agreement below min_agreement */
  gint64     ties;           /* dropped ties (or, with keep_ties, ties written) */
  gint64     same_text;      /* dropped: chosen text equals rejected text */
  gint64     duplicates;     /* rows identical to one written already */
  gint64     rows;           /* rows written, all files */
  gint64     rows_split;     /* of which in the split file */
  GPtrArray *files;          /* (element-type utf8): paths written, data first, card last */
} ArbExportResult;

void arb_export_result_free (ArbExportResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbExportResult, arb_export_result_free)

gboolean         arb_export_format_from_string (const char              *name,
                                                ArbExportFormat         *out_format);
const char      *arb_export_format_to_string   (ArbExportFormat          format);
const char      *arb_export_format_list        (void);
gboolean         arb_export_policy_from_string (const char              *name,
                                                ArbExportPolicy         *out_policy);
const char      *arb_export_policy_to_string   (ArbExportPolicy          policy);

char            *arb_export_split_path         (const char              *path,
                                                const char              *split);

ArbExportResult *arb_workspace_export          (ArbWorkspace            *self,
                                                const char              *path,
                                                const ArbExportOptions  *options,
                                                GCancellable            *cancellable,
                                                GError                 **error);

G_END_DECLS
