/* arb-compare-page.c: the annotator's workbench: one comparison, decided by keyboard
 *
 * The prompt above two responses; which generation is on the visual left comes from the queue
 * (per annotator and comparison). The keys belong to this page (a GtkShortcutController on it,
 * bubble phase) and do nothing while a text field has focus, so typing a rationale never
 * decides anything. Every decision is committed (arb_queue_decide) before the next item is
 * shown. ←/→ walk through the annotator's own decisions, to look again or change one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <inttypes.h>

#include "arb-comparison.h"
#include "arb-compare-page.h"
#include "arb-markdown.h"
#include "arb-page-util.h"
#include "arb-response-view.h"
#include "arb-window.h"

struct _ArbComparePage
{
  GtkWidget          parent_instance;

  GtkStack          *stack;
  GtkEntry          *name_entry;
  GtkFlowBox        *known_annotators;
  AdwStatusPage     *done_page;
  GtkLabel          *progress_label;
  GtkProgressBar    *progress_bar;
  GtkToggleButton   *names_button;
  GtkToggleButton   *link_button;
  GtkToggleButton   *guidelines_button;
  GtkRevealer       *guidelines_revealer;
  ArbResponseView   *prompt_view;
  GtkWidget         *responses;
  ArbResponseView   *first_view;
  ArbResponseView   *second_view;
  ArbResponseView   *guidelines_view;
  GtkBox            *dimensions_box;
  GtkBox            *decision_box;
  GtkEntry          *rationale_entry;
  GtkToggleButton   *flag_button;

  ArbWorkspace      *workspace;
  ArbQueue          *queue;
  char              *annotator;
  GPtrArray         *decision_buttons;   /* in visual order, left first */
  GPtrArray         *dimension_groups;   /* (element-type GPtrArray of GtkToggleButton) */

  /* the item shown */
  ArbComparisonView *view;
  char               presented[3];
  gint64             shown_at;
  gint64             history_pos;        /* -1: the queue's item; else index into history */
  GArray            *history;
  gint64             queue_item;         /* the queue's current item, while looking back */
  ArbQueueProgress   progress;
  GCancellable      *counting;           /* the progress count running on a worker */
  gint64             decided_since_count;
  gboolean           syncing_scroll;
  gboolean           flag_updating;
  int                active_dimension;   /* -1: the digits decide; else they rate this dimension */
};

G_DEFINE_FINAL_TYPE (ArbComparePage, arb_compare_page, GTK_TYPE_WIDGET)

static void show_next (ArbComparePage *self);

ArbComparePage *
arb_compare_page_new (void)
{
  return g_object_new (ARB_TYPE_COMPARE_PAGE, NULL);
}

static void
toast (ArbComparePage *self,
       const char     *text)
{
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), ARB_TYPE_WINDOW);

  if (window != NULL)
    arb_window_toast (ARB_WINDOW (window), text);
  else
    g_message ("%s", text);
}

static void
toast_error (ArbComparePage *self,
             const char     *what,
             const GError   *error)
{
  g_autofree char *msg = g_strdup_printf ("%s: %s", what, error->message);

  toast (self, msg);
}

/* Which of the two views is on the visual left: right-to-left locales mirror the box. */
static ArbResponseView *
visual_view (ArbComparePage *self,
             int             side)
{
  gboolean rtl = gtk_widget_get_direction (self->responses) == GTK_TEXT_DIR_RTL;

  return (side == 0) != rtl ? self->first_view : self->second_view;
}

/* ---- the decision bar, per scale */

/* D walks through the workspace's dimensions: the digits then rate the highlighted one
 * (left, tie or right, by the side the digit stands for on the scale) and move on to the next;
 * after the last one, or with Esc, they decide the comparison again. */
static void
set_active_dimension (ArbComparePage *self,
                      int             dimension)
{
  int i = 0;

  if (dimension >= (int) self->dimension_groups->len)
    dimension = -1;
  self->active_dimension = dimension;
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->dimensions_box));
       row != NULL; row = gtk_widget_get_next_sibling (row), i++)
    {
      if (i == dimension)
        gtk_widget_add_css_class (row, "arb-dimension-active");
      else
        gtk_widget_remove_css_class (row, "arb-dimension-active");
    }
}

static void
rebuild_decisions (ArbComparePage *self)
{
  static const struct { int choice; const char *label; } five[] = {
    { -2, N_("Left much better") }, { -1, N_("Left better") }, { 0, N_("Tie") },
    { 1, N_("Right better") }, { 2, N_("Right much better") },
  }, three[] = {
    { -1, N_("Left better") }, { 0, N_("Tie") }, { 1, N_("Right better") },
  }, two[] = {
    { -1, N_("Left better") }, { 1, N_("Right better") },
  };
  int scale = self->queue ? arb_queue_get_scale (self->queue) : 5;
  const __typeof__ (five[0]) *set = scale == 2 ? two : scale == 3 ? three : five;
  guint n = scale == 2 ? 2 : scale == 3 ? 3 : 5;
  GtkWidget *child;
  GStrv dims;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->decision_box))) != NULL)
    gtk_box_remove (self->decision_box, child);
  g_ptr_array_set_size (self->decision_buttons, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("%u  %s", i + 1, _(set[i].label));
      GtkWidget *button = gtk_button_new_with_label (label);

      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "compare.decide");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "i", set[i].choice);
      g_object_set_data (G_OBJECT (button), "choice", GINT_TO_POINTER (set[i].choice));
      gtk_widget_add_css_class (button, "arb-decision");
      g_ptr_array_add (self->decision_buttons, button);
    }
  /* Packed so that "left" is on the visual left in either direction. */
  for (guint i = 0; i < n; i++)
    {
      gboolean rtl = gtk_widget_get_direction (GTK_WIDGET (self->decision_box)) == GTK_TEXT_DIR_RTL;

      gtk_box_append (self->decision_box, self->decision_buttons->pdata[rtl ? n - 1 - i : i]);
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->dimensions_box))) != NULL)
    gtk_box_remove (self->dimensions_box, child);
  g_ptr_array_set_size (self->dimension_groups, 0);
  dims = self->queue ? arb_queue_get_dimensions (self->queue) : NULL;
  for (guint d = 0; dims != NULL && dims[d] != NULL; d++)
    {
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      g_autofree char *visible = arb_markdown_make_visible (dims[d], -1);
      GtkWidget *label = gtk_label_new (visible);
      GPtrArray *group = g_ptr_array_new ();
      const char *names[] = { N_("Left"), N_("Tie"), N_("Right") };
      GtkToggleButton *first = NULL;

      gtk_label_set_width_chars (GTK_LABEL (label), 14);
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_box_append (GTK_BOX (row), label);
      for (int k = 0; k < 3; k++)
        {
          GtkWidget *b = gtk_toggle_button_new_with_label (_(names[k]));

          if (first == NULL)
            first = GTK_TOGGLE_BUTTON (b);
          else
            gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (b), first);
          g_object_set_data (G_OBJECT (b), "choice", GINT_TO_POINTER (k - 1));
          gtk_widget_add_css_class (b, "flat");
          gtk_box_append (GTK_BOX (row), b);
          g_ptr_array_add (group, b);
        }
      gtk_widget_add_css_class (row, "arb-dimension");
      gtk_box_append (self->dimensions_box, row);
      g_ptr_array_add (self->dimension_groups, group);
    }
  self->active_dimension = -1;
  gtk_widget_set_visible (GTK_WIDGET (self->dimensions_box), self->dimension_groups->len > 0);
}

static void
mark_choice (ArbComparePage *self,
             gboolean        has_choice,
             int             choice)
{
  for (guint i = 0; i < self->decision_buttons->len; i++)
    {
      GtkWidget *b = self->decision_buttons->pdata[i];

      if (has_choice && GPOINTER_TO_INT (g_object_get_data (G_OBJECT (b), "choice")) == choice)
        gtk_widget_add_css_class (b, "suggested-action");
      else
        gtk_widget_remove_css_class (b, "suggested-action");
    }
}

/* ---- showing an item */

static void
update_names (ArbComparePage *self)
{
  gboolean show = gtk_toggle_button_get_active (self->names_button);
  const ArbGenerationView *left, *right;

  if (self->view == NULL)
    return;
  left = g_str_equal (self->presented, "ab") ? &self->view->a : &self->view->b;
  right = left == &self->view->a ? &self->view->b : &self->view->a;
  arb_response_view_set_subtitle (visual_view (self, 0), show ? left->system : NULL);
  arb_response_view_set_subtitle (visual_view (self, 1), show ? right->system : NULL);
}

static void
update_progress (ArbComparePage *self)
{
  g_autofree char *text = NULL;
  double fraction = self->progress.overall_total > 0
                    ? (double) self->progress.overall_done / self->progress.overall_total : 0;

  if (self->history_pos >= 0 && self->history != NULL)
    /* Translators: position in the annotator's own decisions, number of them, the name */
    text = g_strdup_printf (_("Looking back: decision %u of %u by %s — change it with 1–5, or → to go on"),
                            (guint) self->history_pos + 1, self->history->len, self->annotator);
  else if (self->counting != NULL)
    text = g_strdup_printf (_("%s: %u decided · counting everyone's progress…"), self->annotator,
                            self->history ? self->history->len : 0);
  else if (self->progress.gold_done > 0)
    text = g_strdup_printf (_("%s: %" PRId64 " decided · all annotators %" PRId64
                              " of %" PRId64 " · agreement with gold %.0f %%"),
                            self->annotator, self->progress.mine, self->progress.overall_done,
                            self->progress.overall_total,
                            100.0 * self->progress.gold_agreed / self->progress.gold_done);
  else
    text = g_strdup_printf (_("%s: %" PRId64 " decided · all annotators %" PRId64
                              " of %" PRId64), self->annotator, self->progress.mine,
                            self->progress.overall_done, self->progress.overall_total);
  gtk_label_set_text (self->progress_label, text);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0, 1));
}

static void
show_comparison (ArbComparePage *self,
                 gint64          comparison_id,
                 const char     *presented)
{
  g_autoptr(GError) error = NULL;
  const ArbGenerationView *left, *right;
  g_autofree char *rationale = NULL;
  int choice = 0;
  gboolean decided;

  g_clear_pointer (&self->view, arb_comparison_view_free);
  self->view = arb_workspace_get_comparison (self->workspace, comparison_id, &error);
  if (self->view == NULL)
    {
      toast_error (self, _("Could not show the comparison"), error);
      gtk_stack_set_visible_child_name (self->stack, "none");
      return;
    }
  memcpy (self->presented, presented != NULL ? presented
                           : arb_queue_presented_for (self->queue, self->view->uuid), 3);
  left = g_str_equal (self->presented, "ab") ? &self->view->a : &self->view->b;
  right = left == &self->view->a ? &self->view->b : &self->view->a;

  arb_response_view_set_conversation (self->prompt_view, self->view->messages);
  arb_response_view_set_title (visual_view (self, 0), _("Left"));
  arb_response_view_set_title (visual_view (self, 1), _("Right"));
  arb_response_view_set_markdown (visual_view (self, 0), left->text, left->kind);
  arb_response_view_set_markdown (visual_view (self, 1), right->text, right->kind);
  update_names (self);

  decided = arb_queue_get_own_verdict (self->queue, comparison_id, &choice, &rationale);
  mark_choice (self, decided, choice);
  gtk_editable_set_text (GTK_EDITABLE (self->rationale_entry), rationale ? rationale : "");
  for (guint d = 0; d < self->dimension_groups->len; d++)
    {
      GPtrArray *group = self->dimension_groups->pdata[d];

      for (guint k = 0; k < group->len; k++)
        gtk_toggle_button_set_active (group->pdata[k], FALSE);
    }
  set_active_dimension (self, -1);
  self->flag_updating = TRUE;
  gtk_toggle_button_set_active (self->flag_button, arb_queue_get_flagged (self->queue,
                                                                          comparison_id));
  self->flag_updating = FALSE;

  self->shown_at = g_get_monotonic_time ();
  gtk_stack_set_visible_child_name (self->stack, "item");
  update_progress (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compare.skip", self->history_pos < 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compare.next",
                                 self->history_pos >= 0);
  if (!gtk_widget_has_focus (GTK_WIDGET (self->rationale_entry)))
    arb_compare_page_focus (self);
}

/* The queue's next item, or the done page. */
static void
show_next (ArbComparePage *self)
{
  g_autoptr(GError) error = NULL;
  ArbQueueItem item;

  self->history_pos = -1;
  if (!arb_queue_next (self->queue, &item, &error))
    {
      toast_error (self, _("Could not get the next comparison"), error);
      return;
    }
  self->queue_item = item.comparison_id;
  if (item.comparison_id < 0)
    {
      g_autofree char *desc = g_strdup_printf (
        ngettext ("%s, you have decided %" PRId64 " comparison. Nothing else is waiting "
                  "for you in this workspace: every comparison has its annotators.",
                  "%s, you have decided %" PRId64 " comparisons. Nothing else is waiting "
                  "for you in this workspace: every comparison has its annotators.",
                  self->progress.mine),
        self->annotator, self->progress.mine);

      g_clear_pointer (&self->view, arb_comparison_view_free);
      adw_status_page_set_description (self->done_page, desc);
      gtk_stack_set_visible_child_name (self->stack, "done");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "compare.skip", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "compare.next", FALSE);
      gtk_widget_grab_focus (GTK_WIDGET (self));
      return;
    }
  show_comparison (self, item.comparison_id, item.presented);
}

static void
reload_history (ArbComparePage *self)
{
  g_clear_pointer (&self->history, g_array_unref);
  if (self->queue != NULL)
    self->history = arb_queue_get_history (self->queue);
}

/* ---- actions */

static int
dimension_choice (GPtrArray *group)
{
  for (guint k = 0; k < group->len; k++)
    if (gtk_toggle_button_get_active (group->pdata[k]))
      return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (group->pdata[k]), "choice"));
  return G_MININT;
}

static void
decide_action (GtkWidget  *widget,
               const char *action,
               GVariant   *param)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) dims = g_array_new (FALSE, FALSE, sizeof (int));
  int choice = g_variant_get_int32 (param);
  double seconds;
  gboolean had = FALSE;
  int old_choice;

  if (self->view == NULL || self->queue == NULL)
    return;
  for (guint d = 0; d < self->dimension_groups->len; d++)
    {
      int c = dimension_choice (self->dimension_groups->pdata[d]);

      g_array_append_val (dims, c);
    }
  seconds = (g_get_monotonic_time () - self->shown_at) / 1e6;
  had = arb_queue_get_own_verdict (self->queue, self->view->id, &old_choice, NULL);
  if (arb_queue_decide (self->queue, self->view->id, self->presented, choice,
                        dims->len ? (const int *) dims->data : NULL,
                        gtk_editable_get_text (GTK_EDITABLE (self->rationale_entry)), seconds,
                        &error) < 0)
    {
      toast_error (self, _("The decision was not saved"), error);
      return;
    }
  if (!had)
    {
      self->progress.mine++;
      self->progress.overall_done = MIN (self->progress.overall_done + 1,
                                         self->progress.overall_total);
      self->decided_since_count++;
      /* The history grows by this item (it is read from the file only after an undo). */
      if (self->history != NULL)
        g_array_append_val (self->history, self->view->id);
    }
  if (self->history_pos >= 0)
    {
      /* A change to an earlier decision: say so, and go back to where the queue was. */
      toast (self, _("Decision changed"));
    }
  show_next (self);
}

static void
skip_action (GtkWidget  *widget,
             const char *action,
             GVariant   *param)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (self->view == NULL || self->history_pos >= 0)
    return;
  if (!arb_queue_skip (self->queue, self->view->id, &error))
    {
      toast_error (self, _("Could not skip"), error);
      return;
    }
  show_next (self);
}

/* [ and ]: mark spans on the response shown on the left or the right, on the Spans page; it
 * comes back here when done. */
static void
mark_spans_action (GtkWidget  *widget,
                   const char *action,
                   GVariant   *param)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);
  GtkWidget *window = gtk_widget_get_ancestor (widget, ARB_TYPE_WINDOW);
  int side = g_variant_get_int32 (param);
  gboolean rtl = gtk_widget_get_direction (self->responses) == GTK_TEXT_DIR_RTL;
  int first = (side == 0) != rtl ? 0 : 1;   /* index into presented */
  gint64 generation;

  if (self->view == NULL || window == NULL)
    return;
  generation = self->presented[first] == 'a' ? self->view->a.id : self->view->b.id;
  arb_window_mark_spans (ARB_WINDOW (window), generation);
}

static void
flag_action (GtkWidget  *widget,
             const char *action,
             GVariant   *param)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);
  g_autoptr(GError) error = NULL;
  gboolean flagged;

  if (self->view == NULL || self->flag_updating)
    return;
  flagged = !arb_queue_get_flagged (self->queue, self->view->id);
  if (!arb_queue_set_flagged (self->queue, self->view->id, flagged, &error))
    {
      toast_error (self, _("Could not flag"), error);
      return;
    }
  self->flag_updating = TRUE;
  gtk_toggle_button_set_active (self->flag_button, flagged);
  self->flag_updating = FALSE;
  toast (self, flagged ? _("Flagged for review") : _("Flag removed"));
}

static void
undo_action (GtkWidget  *widget,
             const char *action,
             GVariant   *param)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);
  g_autoptr(GError) error = NULL;
  gint64 id;
  gboolean had_before;
  int c;

  if (self->queue == NULL)
    return;
  id = arb_queue_undo (self->queue, &error);
  if (id < 0)
    {
      toast_error (self, _("Could not undo"), error);
      return;
    }
  if (id == 0)
    {
      toast (self, _("Nothing to undo"));
      return;
    }
  had_before = self->history != NULL && self->history->len > 0;
  reload_history (self);
  if (!arb_queue_get_own_verdict (self->queue, id, &c, NULL) && had_before)
    {
      self->progress.mine = MAX (self->progress.mine - 1, 0);
      self->progress.overall_done = MAX (self->progress.overall_done - 1, 0);
    }
  toast (self, _("Undone"));
  /* An undone decision or skip leases the item again: the queue shows it next. */
  show_next (self);
  if (self->view == NULL || self->view->id != id)
    {
      self->history_pos = -1;
      show_comparison (self, id, NULL);
    }
}

static void
previous_action (GtkWidget  *widget,
                 const char *action,
                 GVariant   *param)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);

  if (self->history == NULL || self->history->len == 0)
    return;
  if (self->history_pos < 0)
    self->history_pos = self->history->len - 1;
  else if (self->history_pos > 0)
    self->history_pos--;
  else
    return;
  show_comparison (self, g_array_index (self->history, gint64, self->history_pos), NULL);
}

static void
next_action (GtkWidget  *widget,
             const char *action,
             GVariant   *param)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);

  if (self->history_pos < 0)
    return;
  if (self->history_pos + 1 < (gint64) self->history->len)
    {
      self->history_pos++;
      show_comparison (self, g_array_index (self->history, gint64, self->history_pos), NULL);
    }
  else
    show_next (self);
}

/* ---- keys */

static gboolean
typing (ArbComparePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && (GTK_IS_TEXT (focus) || GTK_IS_EDITABLE (focus) ||
                           GTK_IS_TEXT_VIEW (focus));
}

static gboolean
key_decide (GtkWidget *widget,
            GVariant  *args,
            gpointer   user_data)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);
  int key = GPOINTER_TO_INT (user_data);

  if (typing (self) || gtk_stack_get_visible_child_name (self->stack) == NULL ||
      !g_str_equal (gtk_stack_get_visible_child_name (self->stack), "item"))
    return FALSE;
  if (key < 1 || key > (int) self->decision_buttons->len)
    return FALSE;
  if (self->active_dimension >= 0)
    {
      GPtrArray *group = self->dimension_groups->pdata[self->active_dimension];
      int choice = GPOINTER_TO_INT (g_object_get_data (self->decision_buttons->pdata[key - 1],
                                                       "choice"));

      /* Boxes are packed left first whatever the direction, as the decision buttons are. */
      gtk_toggle_button_set_active (group->pdata[choice < 0 ? 0 : choice == 0 ? 1 : 2], TRUE);
      set_active_dimension (self, self->active_dimension + 1);
      return TRUE;
    }
  gtk_widget_activate_action (widget, "compare.decide", "i",
                              GPOINTER_TO_INT (g_object_get_data (
                                self->decision_buttons->pdata[key - 1], "choice")));
  return TRUE;
}

static gboolean
key_action (GtkWidget *widget,
            GVariant  *args,
            gpointer   user_data)
{
  if (typing (ARB_COMPARE_PAGE (widget)))
    return FALSE;
  return gtk_widget_activate_action (widget, user_data, NULL);
}

static gboolean
key_mark_spans (GtkWidget *widget,
                GVariant  *args,
                gpointer   data)
{
  if (typing (ARB_COMPARE_PAGE (widget)))
    return FALSE;
  return gtk_widget_activate_action (widget, "compare.mark-spans", "i", GPOINTER_TO_INT (data) - 1);
}

static gboolean
key_tab (GtkWidget *widget,
         GVariant  *args,
         gpointer   user_data)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);

  if (typing (self) || !g_str_equal (gtk_stack_get_visible_child_name (self->stack), "item"))
    return FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self->rationale_entry));
  return TRUE;
}

static gboolean
key_dimension (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);

  if (typing (self) || self->dimension_groups->len == 0 ||
      !g_str_equal (gtk_stack_get_visible_child_name (self->stack), "item"))
    return FALSE;
  set_active_dimension (self, self->active_dimension + 1);
  return TRUE;
}

static gboolean
key_escape (GtkWidget *widget,
            GVariant  *args,
            gpointer   user_data)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (widget);

  if (!typing (self) && self->active_dimension >= 0)
    {
      set_active_dimension (self, -1);
      return TRUE;
    }
  if (!typing (self))
    return FALSE;
  arb_compare_page_focus (self);
  return TRUE;
}

static gboolean
key_help (GtkWidget *widget,
          GVariant  *args,
          gpointer   user_data)
{
  if (typing (ARB_COMPARE_PAGE (widget)))
    return FALSE;
  return gtk_widget_activate_action (widget, "win.show-help-overlay", NULL);
}


static void
setup_keys (ArbComparePage *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();
  GtkShortcutController *sc = GTK_SHORTCUT_CONTROLLER (controller);
  static const char *digits[] = { "1", "2", "3", "4", "5" };
  static const char *keypad[] = { "KP_1", "KP_2", "KP_3", "KP_4", "KP_5" };

  gtk_shortcut_controller_set_scope (sc, GTK_SHORTCUT_SCOPE_LOCAL);
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_BUBBLE);
  for (int i = 0; i < 5; i++)
    {
      arb_page_add_key (sc, digits[i], key_decide, GINT_TO_POINTER (i + 1));
      arb_page_add_key (sc, keypad[i], key_decide, GINT_TO_POINTER (i + 1));
    }
  arb_page_add_key (sc, "s", key_action, (gpointer) "compare.skip");
  arb_page_add_key (sc, "f", key_action, (gpointer) "compare.flag");
  arb_page_add_key (sc, "<Control>z", key_action, (gpointer) "compare.undo");
  arb_page_add_key (sc, "Left", key_action, (gpointer) "compare.previous");
  arb_page_add_key (sc, "Right", key_action, (gpointer) "compare.next");
  arb_page_add_key (sc, "Tab", key_tab, NULL);
  arb_page_add_key (sc, "d", key_dimension, NULL);
  arb_page_add_key (sc, "bracketleft", key_mark_spans, GINT_TO_POINTER (1));
  arb_page_add_key (sc, "bracketright", key_mark_spans, GINT_TO_POINTER (2));
  arb_page_add_key (sc, "Escape", key_escape, NULL);
  arb_page_add_key (sc, "question", key_help, NULL);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* ---- choosing the annotator */

static void
start_as (ArbComparePage *self,
          const char     *name);

static void
known_clicked_cb (GtkButton      *button,
                  ArbComparePage *self)
{
  start_as (self, g_object_get_data (G_OBJECT (button), "name"));
}

static void
fill_known_annotators (ArbComparePage *self)
{
  g_autoptr(GPtrArray) raters = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->known_annotators))) != NULL)
    gtk_flow_box_remove (self->known_annotators, child);
  if (self->workspace == NULL)
    return;
  raters = arb_workspace_list_rater_stats (self->workspace, NULL);
  for (guint i = 0; raters != NULL && i < raters->len; i++)
    {
      ArbNameStats *st = raters->pdata[i];
      GtkWidget *b;
      g_autofree char *visible = NULL;

      if (g_strcmp0 (st->kind, "human") != 0 || g_strcmp0 (st->origin, "live") != 0)
        continue;
      visible = arb_markdown_make_visible (st->name, -1);
      b = gtk_button_new_with_label (visible);
      g_object_set_data_full (G_OBJECT (b), "name", g_strdup (st->name), g_free);
      g_signal_connect (b, "clicked", G_CALLBACK (known_clicked_cb), self);
      gtk_widget_add_css_class (b, "pill");
      gtk_flow_box_append (self->known_annotators, b);
    }
}

static void
start_clicked_cb (ArbComparePage *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_entry))));

  if (name[0] == '\0')
    {
      toast (self, _("Type your name first"));
      return;
    }
  start_as (self, name);
}

static void
start_as (ArbComparePage *self,
          const char     *name)
{
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), ARB_TYPE_WINDOW);
  GtkApplication *app = window ? gtk_window_get_application (GTK_WINDOW (window)) : NULL;

  /* Remembered for next time (the person, not the workspace). */
  if (ARB_IS_APPLICATION (app) && arb_application_get_annotator (ARB_APPLICATION (app)) == NULL)
    g_settings_set_string (arb_application_get_settings (ARB_APPLICATION (app)), "annotator", name);
  arb_compare_page_set_workspace (self, self->workspace, name);
}

/* ---- progress, counted on a worker (a million comparisons take a while to count) */

typedef struct
{
  char             *path;
  char             *annotator;
  ArbQueueProgress  progress;
} CountJob;

static void
count_job_free (CountJob *job)
{
  g_free (job->path);
  g_free (job->annotator);
  g_free (job);
}

static void
count_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CountJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbWorkspace) ws = arb_workspace_open (job->path, &error);
  g_autoptr(ArbQueue) q = ws ? arb_queue_new (ws, job->annotator, &error) : NULL;

  if (q == NULL || !arb_queue_get_progress (q, &job->progress, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
count_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ArbComparePage) self = user_data;
  CountJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          g_task_get_cancellable (G_TASK (result)) == self->counting)
        toast_error (self, _("Could not count the progress"), error);
      return;
    }
  if (g_task_get_cancellable (G_TASK (result)) != self->counting)
    return;
  g_clear_object (&self->counting);
  /* Decisions made while it counted are added; the worker may have seen some of them, so the
   * figure is at most that many too high until the next count. */
  self->progress = job->progress;
  self->progress.mine = self->history ? (gint64) self->history->len : job->progress.mine;
  self->progress.overall_done = MIN (job->progress.overall_done + self->decided_since_count,
                                     job->progress.overall_total);
  update_progress (self);
}

static void
count_progress (ArbComparePage *self)
{
  g_autoptr(GTask) task = NULL;
  CountJob *job;

  if (self->counting != NULL)
    g_cancellable_cancel (self->counting);
  g_clear_object (&self->counting);
  memset (&self->progress, 0, sizeof self->progress);
  self->decided_since_count = 0;
  if (self->workspace == NULL || self->annotator == NULL)
    return;
  job = g_new0 (CountJob, 1);
  job->path = g_strdup (arb_workspace_get_path (self->workspace));
  job->annotator = g_strdup (self->annotator);
  self->counting = g_cancellable_new ();
  task = g_task_new (NULL, self->counting, count_done, g_object_ref (self));
  g_task_set_task_data (task, job, (GDestroyNotify) count_job_free);
  g_task_run_in_thread (task, count_thread);
}

/* ---- set-up */

/**
 * arb_compare_page_set_workspace:
 * @annotator: (nullable): who labels; %NULL asks
 */
void
arb_compare_page_set_workspace (ArbComparePage *self,
                                ArbWorkspace   *workspace,
                                const char     *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *guidelines = NULL;
  /* A copy: the caller may pass the page's own annotator, which is freed below. */
  g_autofree char *annotator = g_strdup (name);

  g_return_if_fail (ARB_IS_COMPARE_PAGE (self));

  g_set_object (&self->workspace, workspace);
  g_clear_pointer (&self->queue, arb_queue_free);
  g_clear_pointer (&self->view, arb_comparison_view_free);
  g_clear_pointer (&self->annotator, g_free);
  g_clear_pointer (&self->history, g_array_unref);
  self->history_pos = -1;
  if (workspace == NULL)
    return;

  if (annotator == NULL || annotator[0] == '\0')
    {
      fill_known_annotators (self);
      gtk_stack_set_visible_child_name (self->stack, "who");
      return;
    }
  self->queue = arb_queue_new (workspace, annotator, &error);
  if (self->queue == NULL)
    {
      toast_error (self, _("Cannot label"), error);
      fill_known_annotators (self);
      gtk_stack_set_visible_child_name (self->stack, "who");
      return;
    }
  self->annotator = g_strdup (annotator);
  count_progress (self);
  reload_history (self);
  rebuild_decisions (self);

  guidelines = arb_workspace_get_setting (workspace, ARB_SETTING_GUIDELINES);
  arb_response_view_set_title (self->guidelines_view, _("Guidelines"));
  arb_response_view_set_markdown (self->guidelines_view,
                                  guidelines ? guidelines
                                             : _("*This workspace has no guidelines.* Add them "
                                                 "under Preferences → Workspace."), NULL);

  /* (Not arb_workspace_get_counts: counting a million generations would hold up the first
   * item.) */
  if (self->history == NULL || self->history->len == 0)
    {
      ArbQueueItem item;

      /* Nothing for a newcomer: either no comparisons at all, or everything is taken. */
      if (arb_queue_next (self->queue, &item, NULL) && item.comparison_id < 0 &&
          !arb_workspace_has_comparisons (workspace))
        {
          gtk_stack_set_visible_child_name (self->stack, "none");
          return;
        }
    }
  show_next (self);
}

const char *
arb_compare_page_get_annotator (ArbComparePage *self)
{
  g_return_val_if_fail (ARB_IS_COMPARE_PAGE (self), NULL);
  return self->annotator;
}

/**
 * arb_compare_page_get_comparison:
 *
 * Returns: the comparison shown, or -1
 */
gint64
arb_compare_page_get_comparison (ArbComparePage *self)
{
  g_return_val_if_fail (ARB_IS_COMPARE_PAGE (self), -1);
  return self->view ? self->view->id : -1;
}

const char *
arb_compare_page_get_presented (ArbComparePage *self)
{
  g_return_val_if_fail (ARB_IS_COMPARE_PAGE (self), NULL);
  return self->view ? self->presented : NULL;
}

/**
 * arb_compare_page_get_queue:
 *
 * Returns: (transfer none) (nullable): the annotator's queue
 */
ArbQueue *
arb_compare_page_get_queue (ArbComparePage *self)
{
  g_return_val_if_fail (ARB_IS_COMPARE_PAGE (self), NULL);
  return self->queue;
}

/**
 * arb_compare_page_get_state:
 *
 * Returns: what the page shows: "who", "none", "done" or "item"
 */
const char *
arb_compare_page_get_state (ArbComparePage *self)
{
  g_return_val_if_fail (ARB_IS_COMPARE_PAGE (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

/* Gives the keyboard to the page (not to a text field). */
void
arb_compare_page_focus (ArbComparePage *self)
{
  g_return_if_fail (ARB_IS_COMPARE_PAGE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

/**
 * arb_compare_page_get_names_toggle:
 *
 * Returns: (transfer none): the toggle that shows system names, for binding to a setting
 */
GtkToggleButton *
arb_compare_page_get_names_toggle (ArbComparePage *self)
{
  g_return_val_if_fail (ARB_IS_COMPARE_PAGE (self), NULL);
  return self->names_button;
}

static void
names_toggled_cb (ArbComparePage *self)
{
  update_names (self);
}

static void
guidelines_toggled_cb (ArbComparePage *self)
{
  gtk_revealer_set_reveal_child (self->guidelines_revealer,
                                 gtk_toggle_button_get_active (self->guidelines_button));
}

/* Linked scrolling: the other side follows in proportion to its length. */
static void
scrolled_cb (GtkAdjustment  *adj,
             ArbComparePage *self)
{
  GtkAdjustment *a = arb_response_view_get_vadjustment (self->first_view);
  GtkAdjustment *b = arb_response_view_get_vadjustment (self->second_view);
  GtkAdjustment *other = adj == a ? b : a;
  double range = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);
  double other_range = gtk_adjustment_get_upper (other) - gtk_adjustment_get_page_size (other);

  if (self->syncing_scroll || !gtk_toggle_button_get_active (self->link_button) || range <= 0)
    return;
  self->syncing_scroll = TRUE;
  gtk_adjustment_set_value (other, gtk_adjustment_get_value (adj) / range * MAX (other_range, 0));
  self->syncing_scroll = FALSE;
}

static void
arb_compare_page_dispose (GObject *object)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), ARB_TYPE_COMPARE_PAGE);
  if (self->counting != NULL)
    g_cancellable_cancel (self->counting);
  g_clear_object (&self->counting);
  g_clear_pointer (&self->queue, arb_queue_free);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (arb_compare_page_parent_class)->dispose (object);
}

static void
arb_compare_page_finalize (GObject *object)
{
  ArbComparePage *self = ARB_COMPARE_PAGE (object);

  g_clear_pointer (&self->view, arb_comparison_view_free);
  g_clear_pointer (&self->annotator, g_free);
  g_clear_pointer (&self->history, g_array_unref);
  g_clear_pointer (&self->decision_buttons, g_ptr_array_unref);
  g_clear_pointer (&self->dimension_groups, g_ptr_array_unref);
  G_OBJECT_CLASS (arb_compare_page_parent_class)->finalize (object);
}

static void
arb_compare_page_class_init (ArbComparePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = arb_compare_page_dispose;
  object_class->finalize = arb_compare_page_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "arb-compare-page");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/arbiter/Arbiter/arb-compare-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, stack);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, name_entry);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, known_annotators);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, done_page);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, names_button);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, link_button);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, guidelines_button);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, guidelines_revealer);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, prompt_view);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, responses);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, first_view);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, second_view);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, guidelines_view);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, dimensions_box);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, decision_box);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, rationale_entry);
  gtk_widget_class_bind_template_child (widget_class, ArbComparePage, flag_button);
  gtk_widget_class_bind_template_callback (widget_class, start_clicked_cb);

  gtk_widget_class_install_action (widget_class, "compare.decide", "i", decide_action);
  gtk_widget_class_install_action (widget_class, "compare.skip", NULL, skip_action);
  gtk_widget_class_install_action (widget_class, "compare.flag", NULL, flag_action);
  gtk_widget_class_install_action (widget_class, "compare.mark-spans", "i", mark_spans_action);
  gtk_widget_class_install_action (widget_class, "compare.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "compare.previous", NULL, previous_action);
  gtk_widget_class_install_action (widget_class, "compare.next", NULL, next_action);
}

static void
arb_compare_page_init (ArbComparePage *self)
{
  self->active_dimension = -1;
  g_type_ensure (ARB_TYPE_RESPONSE_VIEW);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->decision_buttons = g_ptr_array_new ();
  self->dimension_groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  self->history_pos = -1;
  arb_response_view_set_title (self->prompt_view, _("Prompt"));
  rebuild_decisions (self);
  setup_keys (self);
  g_signal_connect_object (self->names_button, "toggled", G_CALLBACK (names_toggled_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->guidelines_button, "toggled", G_CALLBACK (guidelines_toggled_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (arb_response_view_get_vadjustment (self->first_view), "value-changed",
                           G_CALLBACK (scrolled_cb), self, 0);
  g_signal_connect_object (arb_response_view_get_vadjustment (self->second_view), "value-changed",
                           G_CALLBACK (scrolled_cb), self, 0);
  gtk_stack_set_visible_child_name (self->stack, "who");
}
