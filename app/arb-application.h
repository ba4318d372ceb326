/* arb-application.h: the Arbiter application (GUI)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ARB_TYPE_APPLICATION (arb_application_get_type ())
G_DECLARE_FINAL_TYPE (ArbApplication, arb_application, ARB, APPLICATION, AdwApplication)

/* At most this many entries in the recent-workspaces list. */
#define ARB_RECENT_MAX 10

ArbApplication *arb_application_new             (GApplicationFlags  flags);
GSettings      *arb_application_get_settings    (ArbApplication    *self);
const char     *arb_application_get_annotator   (ArbApplication    *self);
gboolean        arb_application_get_annotator_forced (ArbApplication *self);
void            arb_application_add_recent      (ArbApplication    *self,
                                                 const char        *path);
void            arb_application_forget_recent   (ArbApplication    *self,
                                                 const char        *path);
GStrv           arb_application_list_recent     (ArbApplication    *self);

G_END_DECLS
