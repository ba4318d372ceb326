/* arb-workspace-private.h: what db/ modules share about a workspace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "arb-workspace.h"

G_BEGIN_DECLS

typedef struct
{
  int         version;
  const char *sql;
} ArbMigration;

/* Tests add migrations past the built-in ones to prove that upgrades keep data. */
ArbWorkspace *_arb_workspace_open_full     (const char          *path,
                                            gboolean             create,
                                            const ArbMigration  *extra,
                                            guint                n_extra,
                                            GError             **error);

sqlite3      *_arb_workspace_get_db        (ArbWorkspace        *self);
sqlite3_stmt *_arb_workspace_prepare       (ArbWorkspace        *self,
                                            const char          *sql,
                                            GError             **error);
gboolean      _arb_workspace_exec          (ArbWorkspace        *self,
                                            const char          *sql,
                                            GError             **error);
gboolean      _arb_workspace_step_done     (ArbWorkspace        *self,
                                            sqlite3_stmt        *stmt,
                                            GError             **error);
void          _arb_set_sqlite_error        (GError             **error,
                                            sqlite3             *db,
                                            const char          *what);
gboolean      _arb_workspace_remove_import (ArbWorkspace       *self,
                                            gint64              import_id,
                                            const char         *why,
                                            GError            **error);
char         *_arb_now_iso8601             (void);
gint64        _arb_workspace_insert_verdict (ArbWorkspace      *self,
                                            gint64              comparison_id,
                                            gint64              rater_id,
                                            double              preference,
                                            int                 strength,
                                            const char         *presented,
                                            const char         *rationale,
                                            double              seconds,
                                            gint64             *out_replaced,
                                            GError            **error);
char         *_arb_process_owner           (void);
gboolean      _arb_process_owner_alive     (const char          *owner);

G_END_DECLS
