/* arb-json-reader.h: streaming reader of JSON records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-c/json.h>

#include "arb-import-error.h"

G_BEGIN_DECLS

/* Nesting deeper than this is refused (real records nest a few levels). */
#define ARB_JSON_READER_MAX_DEPTH 64
/* One record larger than this is refused rather than held in memory. */
#define ARB_JSON_READER_MAX_RECORD (512u * 1024u * 1024u)

typedef struct _ArbJsonReader ArbJsonReader;

ArbJsonReader *arb_json_reader_new_for_path   (const char     *path,
                                               GError        **error);
ArbJsonReader *arb_json_reader_new_for_stream (GInputStream   *stream,
                                               const char     *display_name);
void           arb_json_reader_free           (ArbJsonReader  *reader);

gboolean       arb_json_reader_next           (ArbJsonReader  *reader,
                                               json_object   **out_value,
                                               GCancellable   *cancellable,
                                               GError        **error);
gboolean       arb_json_reader_recover        (ArbJsonReader  *reader,
                                               GCancellable   *cancellable,
                                               GError        **error);

const char    *arb_json_reader_get_name       (ArbJsonReader  *reader);
guint64        arb_json_reader_get_line       (ArbJsonReader  *reader);
guint64        arb_json_reader_get_column     (ArbJsonReader  *reader);
gboolean       arb_json_reader_is_array       (ArbJsonReader  *reader);
gboolean       arb_json_reader_is_compressed  (ArbJsonReader  *reader);
guint64        arb_json_reader_get_offset     (ArbJsonReader  *reader);
guint64        arb_json_reader_get_size       (ArbJsonReader  *reader);
const char    *arb_json_reader_get_sha256     (ArbJsonReader  *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbJsonReader, arb_json_reader_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_object, json_object_put)

G_END_DECLS
