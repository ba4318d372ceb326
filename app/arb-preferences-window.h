/* arb-preferences-window.h: the preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ARB_TYPE_PREFERENCES_WINDOW (arb_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (ArbPreferencesWindow, arb_preferences_window, ARB, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

#include "arb-workspace.h"

ArbPreferencesWindow *arb_preferences_window_new           (GSettings            *settings);
void                  arb_preferences_window_set_workspace (ArbPreferencesWindow *self,
                                                            ArbWorkspace         *workspace);

G_END_DECLS
