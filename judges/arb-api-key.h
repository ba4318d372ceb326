/* arb-api-key.h: API keys from the desktop keyring (libsecret)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The libsecret schema of Arbiter's keys: attribute "endpoint", the endpoint's base URL. */
#define ARB_API_KEY_SCHEMA_NAME "io.arbiter.Arbiter.ApiKey"

char     *arb_api_key_normalize_endpoint (const char  *endpoint);
char     *arb_api_key_lookup             (const char  *endpoint,
                                          GError     **error);
gboolean  arb_api_key_store              (const char  *endpoint,
                                          const char  *key,
                                          GError     **error);

G_END_DECLS
