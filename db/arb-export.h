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
  ARB_EXPORT_TRL_STEPWISE,    /* prompt, completions (steps), labels (bools) */
  ARB_EXPORT_TOKEN_LEVEL,     /* prompt, response, spans; tokens and per-token labels */
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

/* trl-stepwise: what a neutral (0) step label becomes. */
typedef enum
{
  ARB_EXPORT_NEUTRAL_GOOD,  /* true: PRM800K's "acceptable" reading of 0 */
  ARB_EXPORT_NEUTRAL_BAD,   /* false */
  ARB_EXPORT_NEUTRAL_DROP,  /* the row ends before the first neutral step */
} ArbExportNeutral;

/* trl-stepwise: the steps after the first bad (-1) one. */
typedef enum
{
  ARB_EXPORT_AFTER_ERROR_DROP,  /* the row ends with the first error */
  ARB_EXPORT_AFTER_ERROR_BAD,   /* every later step is written, labelled false */
} ArbExportAfterError;

/* token-level: when a token counts as inside a span. */
typedef enum
{
  ARB_EXPORT_OVERLAP_ANY,       /* any of its bytes is in the span: the span's token cover */
  ARB_EXPORT_OVERLAP_MAJORITY,  /* more than half of its bytes are */
  ARB_EXPORT_OVERLAP_ALL,       /* all of its bytes are */
} ArbExportOverlap;

/* Called now and then from the thread that exports: @done of about @total items read
 * (comparisons, verdicts or generations; @total is an upper bound, 0 when unknown), @rows
 * written so far. */
typedef void (*ArbExportProgressFunc) (gint64   done,
                                       gint64   total,
                                       gint64   rows,
                                       gpointer user_data);

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
  gboolean            implicit_prompt;/* trl-preference: no prompt key, the conversation in
                                       * chosen and rejected (TRL's implicit prompt) */
  ArbExportNeutral    neutral;        /* trl-stepwise */
  ArbExportAfterError after_error;    /* trl-stepwise */
  const char         *tokenizer;      /* token-level: NULL: no tokens */
  ArbExportOverlap    overlap;        /* token-level */
  ArbExportProgressFunc progress;     /* NULL: none */
  gpointer            progress_data;
  const char         *command;        /* the command line that reproduces it, for the card */
  guint               preview_records;/* > 0: a preview: the same rules and counts, but no file
                                       * and no card; the first N rows of the data file (the
                                       * train file with a split) in ArbExportResult.preview */
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
  /* trl-stepwise and token-level: considered counts labelled generations */
  gint64     no_steps;       /* dropped: step labels but no steps */
  gint64     empty;          /* dropped: no step could be written (the first ends the row) */
  gint64     labels_true;    /* step labels written true */
  gint64     labels_false;   /* step labels written false */
  gint64     neutral;        /* neutral steps met (written as --neutral says, or ending a row) */
  gint64     cut_unlabelled; /* steps left out: from an unlabelled step to the end */
  gint64     cut_disputed;   /* steps left out: from a step the raters did not decide */
  gint64     cut_neutral;    /* steps left out: from a neutral step (--neutral drop) */
  gint64     cut_error;      /* steps left out: after the first error (--after-error drop) */
  gint64     spans;          /* token-level: spans written */
  gint64     tokenized;      /* token-level: rows with tokens */
  gint64     untokenized;    /* token-level: rows without a tokenization of --tokenizer */
  gint64     tokens;         /* token-level: tokens written */
  gint64     tokens_in_span; /* token-level: of which inside a span */
  gint64     rows;           /* rows written, all files */
  gint64     rows_split;     /* of which in the split file */
  GPtrArray *files;          /* (element-type utf8): paths written, data first, card last;
                              * empty for a preview */
  char      *preview;        /* preview only: the data file's beginning as it would be written:
                              * (verdicts-csv: the header row and) the first preview_records
                              * rows, each with its line end; NULL for an export */
  gint64     preview_rows;   /* rows in preview */
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
gboolean         arb_export_format_is_pairwise (ArbExportFormat          format);

char            *arb_export_split_path         (const char              *path,
                                                const char              *split);

ArbExportResult *arb_workspace_export          (ArbWorkspace            *self,
                                                const char              *path,
                                                const ArbExportOptions  *options,
                                                GCancellable            *cancellable,
                                                GError                 **error);

G_END_DECLS
