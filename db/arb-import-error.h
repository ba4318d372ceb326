/* arb-import-error.h: the error domain of reading and importing data files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ARB_IMPORT_ERROR (arb_import_error_quark ())

typedef enum
{
  ARB_IMPORT_ERROR_IO,         /* the file could not be opened or read */
  ARB_IMPORT_ERROR_EMPTY,      /* the file holds no record */
  ARB_IMPORT_ERROR_SYNTAX,     /* malformed JSON */
  ARB_IMPORT_ERROR_UTF8,       /* invalid UTF-8 */
  ARB_IMPORT_ERROR_NUL,        /* a NUL character inside text */
  ARB_IMPORT_ERROR_DEPTH,      /* nested deeper than the limit */
  ARB_IMPORT_ERROR_TOO_LARGE,  /* one record larger than the limit */
  ARB_IMPORT_ERROR_TRUNCATED,  /* compressed data ends early */
  ARB_IMPORT_ERROR_RECORD,     /* valid JSON that is not a valid record of the format */
  ARB_IMPORT_ERROR_FORMAT,     /* the format could not be detected or is unknown */
  ARB_IMPORT_ERROR_CANCELLED,
} ArbImportError;

GQuark arb_import_error_quark (void);

G_END_DECLS
