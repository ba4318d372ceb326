/* arb-judge-error.h: the error domain of judges/
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ARB_JUDGE_ERROR (arb_judge_error_quark ())

typedef enum
{
  ARB_JUDGE_ERROR_CURL,       /* libcurl refused a setting or a transfer */
  ARB_JUDGE_ERROR_TEMPLATE,   /* a template could not be found or read */
  ARB_JUDGE_ERROR_NO_KEY,     /* the named environment variable holds no API key */
  ARB_JUDGE_ERROR_INVALID,    /* an option the judge cannot accept */
  ARB_JUDGE_ERROR_RATER,      /* the rater's name belongs to another rater */
  ARB_JUDGE_ERROR_COST,       /* the run stopped at its cost limit */
} ArbJudgeError;

GQuark arb_judge_error_quark (void);

G_END_DECLS
