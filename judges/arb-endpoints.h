/* arb-endpoints.h: a run's endpoints, their limits and their API keys, ready for the engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "arb-http-engine.h"

G_BEGIN_DECLS

/* The URL to post to for an endpoint's base URL, e.g. base + "/v1/chat/completions". */
typedef char *(*ArbEndpointUrlFunc) (const char *base,
                                     gpointer    user_data);

typedef struct
{
  ArbHttpEndpoint *endpoints;   /* for ArbHttpOptions */
  guint            n_endpoints;
  char           **bases;       /* the URLs as given, without their settings */
  char           **urls;        /* what endpoints[i].url points at */
  char           **keys;        /* wiped before they are freed */
} ArbEndpoints;

const char   *arb_endpoints_env_key      (const char          *variable,
                                          GError             **error);
ArbEndpoints *arb_endpoints_resolve      (const char * const  *specs,
                                          guint                n_specs,
                                          const char          *api_key,
                                          guint                concurrency,
                                          double               rpm,
                                          double               tpm,
                                          ArbEndpointUrlFunc   url_func,
                                          gpointer             user_data,
                                          GError             **error);
void          arb_endpoints_set_urls     (ArbEndpoints        *endpoints,
                                          ArbEndpointUrlFunc   url_func,
                                          gpointer             user_data);
void          arb_endpoints_free         (ArbEndpoints        *endpoints);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbEndpoints, arb_endpoints_free)

G_END_DECLS
