/* arb-tokenize-dialog.h: Tokenize Responses…, a tokenizer's tokens for every generation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "arb-window.h"

G_BEGIN_DECLS

#define ARB_TYPE_TOKENIZE_DIALOG (arb_tokenize_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ArbTokenizeDialog, arb_tokenize_dialog, ARB, TOKENIZE_DIALOG, AdwWindow)

ArbTokenizeDialog *arb_tokenize_dialog_present     (ArbWindow         *window);
gboolean           arb_tokenize_dialog_get_running (ArbTokenizeDialog *self);
const char        *arb_tokenize_dialog_get_message (ArbTokenizeDialog *self);

G_END_DECLS
