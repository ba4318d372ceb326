/* arb-endpoints.c: a run's endpoints, their limits and their API keys, ready for the engine
 *
 * Shared by the judge, score and tokenize runs. An endpoint is given as "URL [concurrency=N]
 * [rpm=N] [tpm=N] [key-env=VAR]" (arb_http_endpoint_parse); its key comes from its own
 * key-env, else from the run's --api-key-env, else from the desktop keyring, else there is
 * none. Keys live only in memory and are wiped before they are freed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "arb-api-key.h"
#include "arb-endpoints.h"

/**
 * arb_endpoints_env_key:
 * @variable: the name of an environment variable
 *
 * Returns: (transfer none): the key the variable holds, or NULL with @error when it holds none
 */
const char *
arb_endpoints_env_key (const char  *variable,
                       GError     **error)
{
  const char *value = g_getenv (variable);

  if (value == NULL || *value == '\0')
    {
      g_set_error (error, ARB_JUDGE_ERROR, ARB_JUDGE_ERROR_NO_KEY,
                   "the environment variable %s holds no API key", variable);
      return NULL;
    }
  return value;
}

/**
 * arb_endpoints_resolve:
 * @specs: (array length=n_specs): the endpoints as given on the command line
 * @api_key: (nullable): the run's key (from --api-key-env), for endpoints without key-env
 * @concurrency: requests in flight per endpoint unless a spec says otherwise
 * @rpm: likewise requests per minute (0: no limit)
 * @tpm: likewise tokens per minute (0: no limit)
 * @url_func: what to post to for a base URL
 *
 * Returns: (transfer full): the endpoints, or NULL with @error for a bad spec, an empty
 *   key-env variable or a keyring that failed
 */
ArbEndpoints *
arb_endpoints_resolve (const char * const  *specs,
                       guint                n_specs,
                       const char          *api_key,
                       guint                concurrency,
                       double               rpm,
                       double               tpm,
                       ArbEndpointUrlFunc   url_func,
                       gpointer             user_data,
                       GError             **error)
{
  g_autoptr(ArbEndpoints) eps = g_new0 (ArbEndpoints, 1);

  g_return_val_if_fail (url_func != NULL, NULL);

  eps->n_endpoints = n_specs;
  eps->endpoints = g_new0 (ArbHttpEndpoint, n_specs);
  eps->bases = g_new0 (char *, n_specs + 1);
  eps->urls = g_new0 (char *, n_specs + 1);
  eps->keys = g_new0 (char *, n_specs + 1);
  for (guint i = 0; i < n_specs; i++)
    {
      g_autofree char *key_env = NULL;
      guint n = concurrency > 0 ? concurrency : 16;
      double r = rpm, t = tpm;

      if (!arb_http_endpoint_parse (specs[i], &eps->bases[i], &n, &r, &t, &key_env, error))
        return NULL;
      if (key_env != NULL)
        {
          const char *value = arb_endpoints_env_key (key_env, error);

          if (value == NULL)
            return NULL;
          eps->keys[i] = g_strdup (value);
        }
      else if (api_key != NULL)
        eps->keys[i] = g_strdup (api_key);
      else
        {
          /* Without --api-key-env, the endpoint's key comes from the keyring, if any. */
          g_autoptr(GError) local = NULL;

          eps->keys[i] = arb_api_key_lookup (eps->bases[i], &local);
          if (local != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return NULL;
            }
        }
      eps->endpoints[i].api_key = eps->keys[i];
      eps->endpoints[i].concurrency = n;
      eps->endpoints[i].rpm = r;
      eps->endpoints[i].tpm = t;
    }
  arb_endpoints_set_urls (eps, url_func, user_data);
  return g_steal_pointer (&eps);
}

/**
 * arb_endpoints_set_urls:
 *
 * Points every endpoint at another path of its server (a run that posts to two paths, such as
 * llama.cpp's /apply-template and /tokenize).
 */
void
arb_endpoints_set_urls (ArbEndpoints       *eps,
                        ArbEndpointUrlFunc  url_func,
                        gpointer            user_data)
{
  for (guint i = 0; i < eps->n_endpoints; i++)
    {
      g_free (eps->urls[i]);
      eps->urls[i] = url_func (eps->bases[i], user_data);
      eps->endpoints[i].url = eps->urls[i];
    }
}

void
arb_endpoints_free (ArbEndpoints *eps)
{
  if (eps == NULL)
    return;
  for (guint i = 0; eps->keys != NULL && i < eps->n_endpoints; i++)
    if (eps->keys[i] != NULL)
      {
        memset (eps->keys[i], 0, strlen (eps->keys[i]));
        g_free (eps->keys[i]);
      }
  g_free (eps->keys);
  g_strfreev (eps->bases);
  g_strfreev (eps->urls);
  g_free (eps->endpoints);
  g_free (eps);
}
