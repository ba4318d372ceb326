/* arb-api-key.c: API keys from the desktop keyring (libsecret)
 *
 * A key is stored under the endpoint's base URL (without trailing slashes), so each endpoint
 * of a run may have its own. The keyring is asked only when a session bus is there, and gives
 * up after a few seconds: a machine without a keyring (a server, CI) must not hang on D-Bus
 * activation, it simply has no key from the keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libsecret/secret.h>

#include "arb-api-key.h"

#define LOOKUP_TIMEOUT_USEC (5 * G_USEC_PER_SEC)

static const SecretSchema *
schema (void)
{
  static const SecretSchema s = {
    ARB_API_KEY_SCHEMA_NAME, SECRET_SCHEMA_NONE,
    {
      { "endpoint", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &s;
}

/**
 * arb_api_key_normalize_endpoint:
 *
 * Returns: (transfer full): @endpoint without trailing slashes, the keyring's attribute
 */
char *
arb_api_key_normalize_endpoint (const char *endpoint)
{
  char *base = g_strdup (endpoint);
  gsize len = strlen (base);

  while (len > 0 && base[len - 1] == '/')
    base[--len] = '\0';
  return base;
}

typedef struct
{
  GMutex        lock;
  GCond         cond;
  gboolean      done;
  GCancellable *cancellable;
} Watchdog;

static gpointer
watch (gpointer data)
{
  Watchdog *w = data;
  gint64 end = g_get_monotonic_time () + LOOKUP_TIMEOUT_USEC;

  g_mutex_lock (&w->lock);
  while (!w->done)
    if (!g_cond_wait_until (&w->cond, &w->lock, end))
      {
        g_cancellable_cancel (w->cancellable);
        break;
      }
  g_mutex_unlock (&w->lock);
  return NULL;
}

static gboolean
have_session_bus (void)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");

  return address != NULL && *address != '\0';
}

/**
 * arb_api_key_lookup:
 *
 * Returns: (transfer full) (nullable): the key stored for @endpoint, or NULL when there is
 *   none, no session bus, or no keyring answered in time (@error is set only when a keyring
 *   answered with an error)
 */
char *
arb_api_key_lookup (const char  *endpoint,
                    GError     **error)
{
  g_autofree char *base = arb_api_key_normalize_endpoint (endpoint);
  g_autoptr(GError) local = NULL;
  Watchdog w = { 0 };
  GThread *thread;
  char *password;
  char *key = NULL;

  if (!have_session_bus ())
    return NULL;
  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  w.cancellable = g_cancellable_new ();
  thread = g_thread_new ("keyring-watchdog", watch, &w);
  password = secret_password_lookup_sync (schema (), w.cancellable, &local, "endpoint", base,
                                          NULL);
  g_mutex_lock (&w.lock);
  w.done = TRUE;
  g_cond_signal (&w.cond);
  g_mutex_unlock (&w.lock);
  g_thread_join (thread);
  if (password != NULL)
    {
      key = g_strdup (password);
      secret_password_free (password);
    }
  /* No keyring service, a locked one the user dismissed, or too slow: no key from it. */
  else if (local != NULL && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
           !g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) &&
           !g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) &&
           !g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED) &&
           !g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) &&
           !g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT))
    g_propagate_prefixed_error (error, g_steal_pointer (&local), "keyring: ");
  g_object_unref (w.cancellable);
  g_mutex_clear (&w.lock);
  g_cond_clear (&w.cond);
  return key;
}

/**
 * arb_api_key_store:
 *
 * Stores @key for @endpoint in the default keyring (replacing an older one).
 *
 * Returns: whether it was stored
 */
gboolean
arb_api_key_store (const char  *endpoint,
                   const char  *key,
                   GError     **error)
{
  g_autofree char *base = arb_api_key_normalize_endpoint (endpoint);
  g_autofree char *label = g_strdup_printf ("Arbiter API key for %s", base);

  if (!have_session_bus ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "no session bus, so no keyring to store the key in");
      return FALSE;
    }
  return secret_password_store_sync (schema (), SECRET_COLLECTION_DEFAULT, label, key, NULL,
                                     error, "endpoint", base, NULL);
}
