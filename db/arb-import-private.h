/* arb-import-private.h: what the import driver shares with the format readers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-c/json.h>

#include "arb-import.h"
#include "arb-json-reader.h"
#include "arb-workspace-private.h"

G_BEGIN_DECLS

typedef struct _ArbImporter ArbImporter;

typedef struct
{
  gint64 systems;
  gint64 raters;
  gint64 prompts;
  gint64 generations;
  gint64 comparisons;
  gint64 verdicts;
  gint64 grades;
  guint64 duplicates;
  guint64 conflicts;
} ArbImportTally;

struct _ArbImporter
{
  ArbWorkspace           *ws;
  sqlite3                *db;
  const ArbImportOptions *options;
  ArbImportFormat         format;
  ArbJsonReader          *reader;
  gint64                  import_id;
  char                   *now;

  ArbImportTally          done;      /* of records that landed */
  ArbImportTally          pending;   /* of the record being written */

  GHashTable             *systems;   /* name -> id */
  GHashTable             *raters;    /* name -> id */
  GHashTable             *samples;   /* arena battles: "cmp rater presented" -> count */

  GPtrArray              *warnings;
  guint64                 n_warnings;

  /* What a format reader keeps from one record to the next (names taken from the file's path,
   * warnings given once); freed with format_data_free when the import ends. */
  gpointer                format_data;
  GDestroyNotify          format_data_free;
};

typedef gboolean (*ArbImportRecordFunc) (ArbImporter  *imp,
                                         json_object  *record,
                                         GError      **error);

/* arb-import-formats.c */
ArbImportFormat     _arb_import_detect          (json_object          *record);
ArbImportRecordFunc _arb_import_record_func     (ArbImportFormat       format);

/* arb-import.c: the sink that the formats write through */
void     _arb_importer_warn        (ArbImporter  *imp,
                                    const char   *format,
                                    ...) G_GNUC_PRINTF (2, 3);
gint64   _arb_importer_system      (ArbImporter  *imp,
                                    const char   *name,
                                    GError      **error);
gint64   _arb_importer_rater       (ArbImporter  *imp,
                                    const char   *name,
                                    const char   *kind,
                                    const char   *role,
                                    GError      **error);
gint64   _arb_importer_prompt      (ArbImporter  *imp,
                                    json_object  *messages,
                                    const char   *category,
                                    const char   *reference,
                                    json_object  *metadata,
                                    const char   *id_source,
                                    const char   *external_id,
                                    GError      **error);
gint64   _arb_importer_prompt_by_external_id (ArbImporter *imp,
                                    const char   *id_source,
                                    const char   *external_id,
                                    GError      **error);
gint64   _arb_importer_generation  (ArbImporter  *imp,
                                    gint64        prompt_id,
                                    gint64        system_id,
                                    const char   *text,
                                    json_object  *messages,
                                    const char   *kind,
                                    json_object  *metadata,
                                    GError      **error);
gint64   _arb_importer_comparison  (ArbImporter  *imp,
                                    gint64        prompt_id,
                                    gint64        gen1,
                                    gint64        gen2,
                                    gboolean     *out_flipped,
                                    gboolean     *out_identical,
                                    GError      **error);
gboolean _arb_importer_comparison_external_id (ArbImporter *imp,
                                    gint64        comparison_id,
                                    const char   *id_source,
                                    const char   *external_id,
                                    GError      **error);

typedef struct
{
  gint64       comparison_id;
  gboolean     flipped;       /* gen1 of the record is B of the comparison */
  gboolean     identical;     /* both generations have the same text */
  gint64       rater_id;
  double       preference;    /* for gen2 over gen1, in [0, 1], or NAN when status is not ok */
  int          strength;      /* 0, 1, 2 or -1 for continuous */
  const char  *status;        /* "ok", "unparseable", "failed" */
  const char  *presented;     /* "ab" = gen1 shown first, "ba", or NULL */
  gint64       sample;
  const char  *rationale;
  double       seconds;       /* < 0 when unknown */
  const char  *raw;
  json_object *metadata;
  json_object *dimensions;    /* object: name -> preference for gen2 in [0, 1] */
} ArbVerdictInput;

gboolean _arb_importer_verdict     (ArbImporter           *imp,
                                    const ArbVerdictInput *verdict,
                                    GError               **error);

typedef struct
{
  gint64       generation_id;
  gint64       rater_id;
  double       score;         /* NAN when status is not ok */
  const char  *status;        /* "ok", "unparseable", "failed" */
  gint64       sample;
  const char  *rationale;
  const char  *raw;
  json_object *metadata;
} ArbGradeInput;

gboolean _arb_importer_grade       (ArbImporter           *imp,
                                    const ArbGradeInput   *grade,
                                    GError               **error);

typedef struct
{
  gint64       generation_id;
  gint64       rater_id;
  gint64       start_byte;    /* UTF-8 byte offsets into the generation's text, end-exclusive */
  gint64       end_byte;
  const char  *label;
  double       value;         /* NAN when the label has no value */
  gint64       step_index;    /* -1 when the span is not a step's label */
  const char  *note;
} ArbSpanInput;

gboolean _arb_importer_span        (ArbImporter           *imp,
                                    const ArbSpanInput    *span,
                                    GError               **error);
gboolean _arb_importer_step        (ArbImporter           *imp,
                                    gint64                 generation_id,
                                    gint64                 idx,
                                    gint64                 start_byte,
                                    gint64                 end_byte,
                                    GError               **error);

/* Helpers for reading fields of a record. */
const char  *_arb_json_text        (ArbImporter  *imp,
                                    json_object  *record,
                                    const char   *key,
                                    gboolean      required,
                                    GError      **error);
json_object *_arb_json_messages    (ArbImporter  *imp,
                                    json_object  *value,
                                    const char   *key,
                                    GError      **error);
char        *_arb_json_id          (json_object  *record,
                                    const char   *key);
void         _arb_record_error     (ArbImporter  *imp,
                                    GError      **error,
                                    const char   *format,
                                    ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
