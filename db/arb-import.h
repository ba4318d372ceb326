/* arb-import.h: importing data files into a workspace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-import-error.h"
#include "arb-workspace.h"

G_BEGIN_DECLS

typedef enum
{
  ARB_IMPORT_FORMAT_AUTO,
  ARB_IMPORT_FORMAT_ARBITER,
  ARB_IMPORT_FORMAT_TRL,
  ARB_IMPORT_FORMAT_HH_RLHF,
  ARB_IMPORT_FORMAT_ALPACA_EVAL_OUTPUTS,
  ARB_IMPORT_FORMAT_ALPACA_EVAL_ANNOTATIONS,
  ARB_IMPORT_FORMAT_ARENA_BATTLES,
  ARB_IMPORT_FORMAT_PANDALM,
  ARB_IMPORT_FORMAT_LLMBAR,
  ARB_IMPORT_FORMAT_LLMBAR_RESULT,
  ARB_IMPORT_FORMAT_MT_BENCH_QUESTIONS,
  ARB_IMPORT_FORMAT_MT_BENCH_ANSWERS,
  ARB_IMPORT_FORMAT_MT_BENCH_JUDGMENTS,
  ARB_IMPORT_FORMAT_FINEGRAINED_RLHF,
  ARB_IMPORT_FORMAT_BIGBENCH_MISTAKE,
  ARB_IMPORT_FORMAT_PRM800K,
} ArbImportFormat;

const char *arb_import_format_to_string   (ArbImportFormat  format);
gboolean    arb_import_format_from_string (const char      *name,
                                           ArbImportFormat *out_format);
const char *arb_import_format_list        (void);

typedef struct
{
  ArbImportFormat format;
  const char     *system;     /* overrides the system name the data gives, or NULL */
  const char     *rater;      /* overrides the rater name the data gives, or NULL */
  gboolean        skip_bad;   /* skip bad records (listed) instead of failing the whole file */
} ArbImportOptions;

typedef struct
{
  gint64           import_id;
  ArbImportFormat  format;
  guint64          records;       /* records read */
  guint64          skipped;       /* bad records skipped */
  gint64           systems;       /* rows added */
  gint64           raters;
  gint64           prompts;
  gint64           generations;
  gint64           comparisons;
  gint64           verdicts;
  gint64           grades;
  guint64          duplicates;    /* verdicts and grades already present, not added again */
  guint64          conflicts;     /* verdicts or grades present with another value; kept as were */
  GPtrArray       *warnings;      /* (element-type utf8) "file:line: ..." */
  GPtrArray       *bad_records;   /* (element-type utf8) "file:line:column: why" */
} ArbImportResult;

void arb_import_result_free (ArbImportResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbImportResult, arb_import_result_free)

/* Called now and then from the importing thread. */
typedef void (*ArbImportProgressFunc) (guint64  bytes_done,
                                       guint64  bytes_total,
                                       guint64  records,
                                       gpointer user_data);

ArbImportResult *arb_workspace_import_file (ArbWorkspace            *self,
                                            const char              *path,
                                            const ArbImportOptions  *options,
                                            ArbImportProgressFunc    progress,
                                            gpointer                 user_data,
                                            GCancellable            *cancellable,
                                            GError                 **error);

G_END_DECLS
