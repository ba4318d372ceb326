/* arb-workspace.h: one Arbiter workspace, a SQLite file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ARB_DB_ERROR (arb_db_error_quark ())

typedef enum
{
  ARB_DB_ERROR_SQLITE,           /* SQLite reported an error */
  ARB_DB_ERROR_NOT_FOUND,        /* no such file, row or name */
  ARB_DB_ERROR_EXISTS,           /* the file or name exists already */
  ARB_DB_ERROR_NOT_A_WORKSPACE,  /* the file is not an Arbiter workspace */
  ARB_DB_ERROR_TOO_NEW,          /* written by a newer Arbiter */
  ARB_DB_ERROR_INVALID,          /* an argument that the workspace cannot accept */
} ArbDbError;

GQuark arb_db_error_quark (void);

/* The schema version this build creates and understands. */
#define ARB_WORKSPACE_SCHEMA_VERSION 2

typedef struct
{
  gint64 prompts;
  gint64 generations;
  gint64 comparisons;
  gint64 systems;
  gint64 raters;
  gint64 verdicts;
  gint64 grades;
  gint64 spans;
} ArbCounts;

typedef struct
{
  gint64  id;
  char   *uuid;
  char   *name;
  char   *format;
  char   *state;
  char   *started_at;
  char   *error;
  gint64  n_records;
  gint64  n_skipped;
  gint64  n_prompts;
  gint64  n_generations;
  gint64  n_comparisons;
  gint64  n_verdicts;
} ArbImportInfo;

void arb_import_info_free (ArbImportInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbImportInfo, arb_import_info_free)

/* One system or rater with what it contributed, for overviews. */
typedef struct
{
  char   *name;
  char   *kind;         /* raters: human, judge, reward_model; systems: NULL */
  char   *origin;       /* raters: live, imported; systems: NULL */
  char   *role;         /* raters: annotator, gold, adjudicator; systems: NULL */
  gint64  n_items;      /* systems: visible generations; raters: current verdicts */
  gint64  n_grades;     /* raters: current grades; systems: comparisons it takes part in */
} ArbNameStats;

void arb_name_stats_free (ArbNameStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbNameStats, arb_name_stats_free)

#define ARB_TYPE_WORKSPACE (arb_workspace_get_type ())
G_DECLARE_FINAL_TYPE (ArbWorkspace, arb_workspace, ARB, WORKSPACE, GObject)

ArbWorkspace *arb_workspace_create               (const char    *path,
                                                  GError       **error);
ArbWorkspace *arb_workspace_open                 (const char    *path,
                                                  GError       **error);

const char   *arb_workspace_get_path             (ArbWorkspace  *self);
const char   *arb_workspace_get_uuid             (ArbWorkspace  *self);
int           arb_workspace_get_schema_version   (ArbWorkspace  *self);
guint         arb_workspace_get_n_removed_imports (ArbWorkspace *self);
/* The SQL of statements left stepping (not reset): each holds a read snapshot, so that the
 * connection stops seeing what other connections commit. Empty when all is well (tests check). */
GStrv         arb_workspace_list_busy_statements (ArbWorkspace *self);

gboolean      arb_workspace_get_counts           (ArbWorkspace  *self,
                                                  ArbCounts     *out_counts,
                                                  GError       **error);
gboolean      arb_workspace_has_comparisons      (ArbWorkspace  *self);
void          arb_workspace_set_autocheckpoint   (ArbWorkspace  *self,
                                                  int            pages);
gboolean      arb_workspace_checkpoint           (const char    *path,
                                                  GError       **error);
GPtrArray    *arb_workspace_list_imports         (ArbWorkspace  *self,
                                                  GError       **error);
GStrv         arb_workspace_list_systems         (ArbWorkspace  *self,
                                                  GError       **error);
GStrv         arb_workspace_list_raters          (ArbWorkspace  *self,
                                                  GError       **error);
GPtrArray    *arb_workspace_list_system_stats    (ArbWorkspace  *self,
                                                  GError       **error);
GPtrArray    *arb_workspace_list_rater_stats     (ArbWorkspace  *self,
                                                  GError       **error);

char         *arb_workspace_get_setting          (ArbWorkspace  *self,
                                                  const char    *key);
gboolean      arb_workspace_set_setting          (ArbWorkspace  *self,
                                                  const char    *key,
                                                  const char    *value,
                                                  GError       **error);

gint64        arb_workspace_ensure_rater         (ArbWorkspace  *self,
                                                  const char    *name,
                                                  const char    *kind,
                                                  const char    *origin,
                                                  const char    *role,
                                                  GError       **error);
gint64        arb_workspace_record_verdict       (ArbWorkspace  *self,
                                                  gint64         comparison_id,
                                                  gint64         rater_id,
                                                  double         preference,
                                                  int            strength,
                                                  const char    *presented,
                                                  const char    *rationale,
                                                  double         seconds,
                                                  GError       **error);

G_END_DECLS
