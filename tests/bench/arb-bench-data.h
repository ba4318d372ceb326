/* arb-bench-data.h: synthetic `arbiter` records for the import benchmark and the concurrency test
 *
 * Records are made from (seed, index) alone, so a record can be made again anywhere (the
 * benchmark's baseline makes the same rows without reading the file) and a file of any size is
 * written in constant memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ARB_BENCH_DEFAULT_SEED 20240611

typedef struct
{
  char        id[32];        /* the record's "id", unique within a file: "p<index>" */
  GString    *prompt;        /* distinct for every index */
  const char *category;
  const char *systems[2];    /* two different systems */
  GString    *texts[2];      /* their two (different) responses */
  const char *rater;
  double      preference;    /* 0 (a better), 0.5 (tie) or 1 (b better) */
  int         strength;      /* what the importer derives from the preference */
  const char *presented;     /* "ab" or "ba" */
  gboolean    ascii_only;    /* written with \u escapes, as Python's json.dumps does by default */
} ArbBenchRecord;

typedef enum
{
  ARB_BENCH_DATA_DEFAULT = 0,
  /* Every record with \u escapes for all non-ASCII text, so the file is pure ASCII. */
  ARB_BENCH_DATA_ASCII = 1 << 0,
} ArbBenchDataFlags;

typedef struct
{
  guint64 records;
  guint64 bytes;
  guint32 systems_mask;      /* bit i: arb_bench_system_name (i) occurs */
  guint32 raters_mask;       /* bit i: arb_bench_rater_name (i) occurs */
} ArbBenchDataSummary;

void        arb_bench_record_init    (ArbBenchRecord       *rec);
void        arb_bench_record_clear   (ArbBenchRecord       *rec);
void        arb_bench_record_make    (ArbBenchRecord       *rec,
                                      guint64               seed,
                                      guint64               index);
void        arb_bench_record_to_json (const ArbBenchRecord *rec,
                                      GString              *out);

void        arb_bench_json_escape    (GString              *out,
                                      const char           *text,
                                      gsize                 len,
                                      gboolean              ascii_only);
char       *arb_bench_prompt_messages (const ArbBenchRecord *rec);

guint       arb_bench_n_systems      (void);
const char *arb_bench_system_name    (guint                 i);
guint       arb_bench_n_raters       (void);
const char *arb_bench_rater_name     (guint                 i);

gboolean    arb_bench_data_write     (const char           *path,
                                      guint64               seed,
                                      guint64               first_index,
                                      guint64               n_records,
                                      ArbBenchDataFlags     flags,
                                      ArbBenchDataSummary  *out_summary,
                                      GError              **error);

G_END_DECLS
