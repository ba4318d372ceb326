/* arb-pack-dialogs.h: Export Pack… and Merge Pack… from the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-window.h"

G_BEGIN_DECLS

GtkWindow *arb_pack_export_dialog (ArbWindow  *window);
void       arb_pack_merge_dialog  (ArbWindow  *window);
void       arb_pack_run           (ArbWindow  *window,
                                   const char *rater,
                                   guint       count,
                                   const char *pack);
gboolean   arb_pack_is_busy       (ArbWindow  *window);

G_END_DECLS
