/* arb-steps-page.c: rate a reasoning response's steps +1 / 0 / -1 by keyboard
 *
 * The response is shown as numbered steps (imported with the data, or cut by the workspace's
 * step rule). PRM800K's convention: +1 the step is right and helps, 0 it is acceptable but does
 * not help, -1 it is wrong. Keys (the page's, bubble phase):
 *   Up/Down, K/J    the current step
 *   G or +, N or 0, B or -   rate it +1 / 0 / -1 (and go to the next step)
 *   F               this step is the first error: those before are +1, it is -1, those after
 *                   stay unrated (first-error mode; also what B does while "First error settles
 *                   the rest" is on), and the response is done
 *   O               no error: every step +1, done
 *   Return          done with the ratings as they are;  S  skip;  Ctrl+Z  undo
 * Every rating is committed before the page shows it (db/arb-labels.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "arb-labels.h"
#include "arb-page-util.h"
#include "arb-response-view.h"
#include "arb-steps-page.h"
#include "arb-units.h"
#include "arb-window.h"

struct _ArbStepsPage
{
  GtkWidget        parent_instance;

  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkLabel        *title_label;
  GtkLabel        *progress_label;
  GtkToggleButton *settle_toggle;
  ArbResponseView *prompt_view;
  GtkListBox      *list;
  GtkScrolledWindow *scroller;

  ArbWorkspace    *workspace;
  ArbQueue        *queue;
  char            *annotator;
  gint64           generation_id;
  gint64           done;          /* responses this annotator finished, and all of them: */
  gint64           total;         /* counted when an item changes, not per keystroke */
  char            *text;
  GArray          *steps;         /* ArbRange */
  GArray          *ratings;       /* int: -1, 0, +1, or G_MININT unrated */
  GPtrArray       *rows;          /* GtkListBoxRow per step */
  int              current;
  gboolean         from_queue;
};

G_DEFINE_FINAL_TYPE (ArbStepsPage, arb_steps_page, GTK_TYPE_WIDGET)

#define UNRATED G_MININT

static void show_next (ArbStepsPage *self);

ArbStepsPage *
arb_steps_page_new (void)
{
  return g_object_new (ARB_TYPE_STEPS_PAGE, NULL);
}


/* ---- showing */

static const char *
rating_mark (int rating)
{
  switch (rating)
    {
    case 1:
      return "+1";
    case 0:
      return "0";
    case -1:
      return "−1";
    default:
      return "·";
    }
}

static void
update_row (ArbStepsPage *self,
            guint         i)
{
  GtkWidget *row = g_ptr_array_index (self->rows, i);
  GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
  GtkWidget *mark = gtk_widget_get_next_sibling (gtk_widget_get_first_child (box));
  int rating = g_array_index (self->ratings, int, i);
  g_autofree char *a11y = NULL;

  gtk_label_set_text (GTK_LABEL (mark), rating_mark (rating));
  gtk_widget_remove_css_class (row, "step-good");
  gtk_widget_remove_css_class (row, "step-neutral");
  gtk_widget_remove_css_class (row, "step-bad");
  if (rating != UNRATED)
    gtk_widget_add_css_class (row, rating > 0 ? "step-good" : rating < 0 ? "step-bad"
                                                                        : "step-neutral");
  a11y = g_strdup_printf (_("Step %u, rated %s"), i + 1,
                          rating == UNRATED ? _("not yet") : rating_mark (rating));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
}

static void
update_progress (ArbStepsPage *self)
{
  gint64 done = 0, total = 0;
  guint rated = 0;
  g_autofree char *text = NULL;

  for (guint i = 0; self->ratings && i < self->ratings->len; i++)
    rated += g_array_index (self->ratings, int, i) != UNRATED;
  done = self->done;
  total = self->total;
  text = g_strdup_printf (_("%u of %u steps rated · %lld of %lld responses done"), rated,
                          self->steps ? self->steps->len : 0, (long long) done, (long long) total);
  gtk_label_set_text (self->progress_label, text);
}

static void
set_current (ArbStepsPage *self,
             int           i)
{
  if (self->rows == NULL || self->rows->len == 0)
    return;
  i = CLAMP (i, 0, (int) self->rows->len - 1);
  self->current = i;
  gtk_list_box_select_row (self->list, g_ptr_array_index (self->rows, i));
  gtk_widget_grab_focus (g_ptr_array_index (self->rows, i));
}

/* Reads this annotator's current step labels of the generation. */
static void
reload_ratings (ArbStepsPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) spans = arb_workspace_list_spans (self->workspace, self->generation_id,
                                                      arb_queue_get_rater_id (self->queue),
                                                      &error);

  for (guint i = 0; i < self->ratings->len; i++)
    g_array_index (self->ratings, int, i) = UNRATED;
  if (spans == NULL)
    {
      arb_page_toast (GTK_WIDGET (self), _("Cannot read the step labels"), error);
      return;
    }
  for (guint i = 0; i < spans->len; i++)
    {
      ArbSpan *s = &g_array_index (spans, ArbSpan, i);

      if (s->step_index >= 0 && (guint) s->step_index < self->ratings->len && !isnan (s->value))
        g_array_index (self->ratings, int, s->step_index) = s->value > 0 ? 1 : s->value < 0 ? -1 : 0;
    }
  for (guint i = 0; i < self->rows->len; i++)
    update_row (self, i);
  update_progress (self);
}

static GtkWidget *
make_row (ArbStepsPage *self,
          guint         i)
{
  ArbRange *r = &g_array_index (self->steps, ArbRange, i);
  g_autofree char *number = g_strdup_printf ("%u", i + 1);
  g_autofree char *text = g_strndup (self->text + r->start, r->end - r->start);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *num = gtk_label_new (number);
  GtkWidget *mark = gtk_label_new ("·");
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (num, "dim-label");
  gtk_widget_add_css_class (num, "numeric");
  gtk_label_set_width_chars (GTK_LABEL (num), 3);
  gtk_label_set_xalign (GTK_LABEL (num), 1);
  gtk_label_set_yalign (GTK_LABEL (num), 0);
  gtk_widget_add_css_class (mark, "step-mark");
  gtk_label_set_width_chars (GTK_LABEL (mark), 3);
  gtk_label_set_yalign (GTK_LABEL (mark), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), num);
  gtk_box_append (GTK_BOX (box), mark);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_add_css_class (row, "step-row");
  return row;
}

static void
clear_item (ArbStepsPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->steps, g_array_unref);
  g_clear_pointer (&self->ratings, g_array_unref);
  g_clear_pointer (&self->text, g_free);
  self->generation_id = -1;
  self->current = 0;
}

static void
count_progress (ArbStepsPage *self)
{
  if (self->queue == NULL ||
      !arb_queue_get_task_progress (self->queue, ARB_TASK_STEPS, &self->done, &self->total, NULL))
    self->done = self->total = 0;
}

static void
show_generation (ArbStepsPage *self,
                 gint64        generation_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *system = NULL;
  g_autofree char *messages = NULL;
  g_autofree char *title = NULL;
  gint64 prompt_id = 0;

  count_progress (self);
  clear_item (self);
  self->text = arb_workspace_get_generation_text (self->workspace, generation_id, &prompt_id,
                                                  &system, &error);
  if (self->text != NULL)
    self->steps = arb_workspace_get_steps (self->workspace, generation_id, &source, &error);
  if (self->steps == NULL)
    {
      arb_page_toast (GTK_WIDGET (self), _("Cannot show the response's steps"), error);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  self->generation_id = generation_id;
  self->ratings = g_array_new (FALSE, TRUE, sizeof (int));
  g_array_set_size (self->ratings, self->steps->len);
  self->rows = g_ptr_array_new ();
  for (guint i = 0; i < self->steps->len; i++)
    {
      GtkWidget *row = make_row (self, i);

      g_ptr_array_add (self->rows, row);
      gtk_list_box_append (self->list, row);
    }
  messages = arb_workspace_get_prompt_messages (self->workspace, prompt_id, NULL);
  if (messages != NULL)
    arb_response_view_set_conversation (self->prompt_view, messages);
  /* The system stays hidden, as on the compare page: labels should not follow names. */
  title = g_strdup_printf (g_strcmp0 (source, "imported") == 0
                             ? _("%u steps, as they came with the data")
                             : _("%u steps, cut by the rule “%s”"),
                           self->steps->len, source);
  gtk_label_set_text (self->title_label, title);
  reload_ratings (self);
  gtk_stack_set_visible_child_name (self->stack, self->steps->len > 0 ? "item" : "empty");
  /* Back to the first step not rated yet. */
  for (guint i = 0; i < self->ratings->len; i++)
    if (g_array_index (self->ratings, int, i) == UNRATED)
      {
        set_current (self, i);
        return;
      }
  set_current (self, 0);
}

static void
show_next (ArbStepsPage *self)
{
  g_autoptr(GError) error = NULL;
  ArbTaskItem item;

  if (self->queue == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "who");
      return;
    }
  if (!arb_queue_next_generation (self->queue, ARB_TASK_STEPS, &item, &error))
    {
      arb_page_toast (GTK_WIDGET (self), _("Cannot choose the next response"), error);
      return;
    }
  if (item.generation_id < 0)
    {
      count_progress (self);
      clear_item (self);
      update_progress (self);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  self->from_queue = TRUE;
  show_generation (self, item.generation_id);
}

/* ---- actions */

static gboolean
has_item (ArbStepsPage *self)
{
  return self->queue != NULL && self->generation_id > 0 &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "item") == 0;
}

static void
rate (ArbStepsPage *self,
      int           rating)
{
  g_autoptr(GError) error = NULL;

  if (!has_item (self))
    return;
  if (rating < 0 && gtk_toggle_button_get_active (self->settle_toggle))
    {
      if (!arb_queue_settle_steps (self->queue, self->generation_id, self->current, &error))
        arb_page_toast (GTK_WIDGET (self), _("Cannot save the first error"), error);
      else
        show_next (self);
      return;
    }
  if (arb_queue_rate_step (self->queue, self->generation_id, self->current, rating, &error) < 0)
    {
      arb_page_toast (GTK_WIDGET (self), _("Cannot save the rating"), error);
      return;
    }
  g_array_index (self->ratings, int, self->current) = rating;
  update_row (self, self->current);
  update_progress (self);
  set_current (self, self->current + 1);
}

static void
settle (ArbStepsPage *self,
        int           first_error)
{
  g_autoptr(GError) error = NULL;

  if (!has_item (self))
    return;
  if (!arb_queue_settle_steps (self->queue, self->generation_id, first_error, &error))
    arb_page_toast (GTK_WIDGET (self), _("Cannot save the steps"), error);
  else
    show_next (self);
}

static void
rate_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  rate (ARB_STEPS_PAGE (widget), g_variant_get_int32 (param));
}

static void
first_error_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  ArbStepsPage *self = ARB_STEPS_PAGE (widget);

  settle (self, self->current);
}

static void
no_error_action (GtkWidget  *widget,
                 const char *name,
                 GVariant   *param)
{
  settle (ARB_STEPS_PAGE (widget), -1);
}

static void
done_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  ArbStepsPage *self = ARB_STEPS_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (!has_item (self))
    return;
  if (!arb_queue_finish_generation (self->queue, ARB_TASK_STEPS, self->generation_id, &error))
    arb_page_toast (GTK_WIDGET (self), _("Cannot save"), error);
  else
    show_next (self);
}

static void
skip_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  ArbStepsPage *self = ARB_STEPS_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (!has_item (self))
    return;
  if (!arb_queue_skip_generation (self->queue, ARB_TASK_STEPS, self->generation_id, &error))
    arb_page_toast (GTK_WIDGET (self), _("Cannot skip"), error);
  else
    show_next (self);
}

static void
undo_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  ArbStepsPage *self = ARB_STEPS_PAGE (widget);
  g_autoptr(GError) error = NULL;
  gint64 gen;
  int current = self->current;

  if (self->queue == NULL)
    return;
  gen = arb_queue_undo_label (self->queue, -1, &error);
  if (gen < 0)
    arb_page_toast (GTK_WIDGET (self), _("Cannot undo"), error);
  else if (gen == 0)
    arb_page_toast (GTK_WIDGET (self), _("Nothing to undo"), NULL);
  else if (gen != self->generation_id)
    show_generation (self, gen);
  else
    {
      reload_ratings (self);
      set_current (self, MAX (current - 1, 0));
    }
}

static gboolean
key_move (GtkWidget *widget,
          GVariant  *args,
          gpointer   data)
{
  ArbStepsPage *self = ARB_STEPS_PAGE (widget);

  if (!has_item (self))
    return FALSE;
  set_current (self, self->current + GPOINTER_TO_INT (data));
  return TRUE;
}

static gboolean
key_rate (GtkWidget *widget,
          GVariant  *args,
          gpointer   data)
{
  if (!has_item (ARB_STEPS_PAGE (widget)))
    return FALSE;
  rate (ARB_STEPS_PAGE (widget), GPOINTER_TO_INT (data) - 2);
  return TRUE;
}

static gboolean
key_action (GtkWidget *widget,
            GVariant  *args,
            gpointer   data)
{
  return gtk_widget_activate_action (widget, data, NULL);
}


static void
setup_keys (ArbStepsPage *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();
  GtkShortcutController *sc = GTK_SHORTCUT_CONTROLLER (controller);

  gtk_shortcut_controller_set_scope (sc, GTK_SHORTCUT_SCOPE_LOCAL);
  /* Capture: the list would take Up/Down and Return for itself. */
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  arb_page_add_key (sc, "Up", key_move, GINT_TO_POINTER (-1));
  arb_page_add_key (sc, "k", key_move, GINT_TO_POINTER (-1));
  arb_page_add_key (sc, "Down", key_move, GINT_TO_POINTER (1));
  arb_page_add_key (sc, "j", key_move, GINT_TO_POINTER (1));
  /* +1 / 0 / -1, passed as rating + 2. */
  arb_page_add_key (sc, "g", key_rate, GINT_TO_POINTER (3));
  arb_page_add_key (sc, "plus", key_rate, GINT_TO_POINTER (3));
  arb_page_add_key (sc, "KP_Add", key_rate, GINT_TO_POINTER (3));
  arb_page_add_key (sc, "n", key_rate, GINT_TO_POINTER (2));
  arb_page_add_key (sc, "0", key_rate, GINT_TO_POINTER (2));
  arb_page_add_key (sc, "KP_0", key_rate, GINT_TO_POINTER (2));
  arb_page_add_key (sc, "b", key_rate, GINT_TO_POINTER (1));
  arb_page_add_key (sc, "minus", key_rate, GINT_TO_POINTER (1));
  arb_page_add_key (sc, "KP_Subtract", key_rate, GINT_TO_POINTER (1));
  arb_page_add_key (sc, "f", key_action, (gpointer) "steps.first-error");
  arb_page_add_key (sc, "o", key_action, (gpointer) "steps.no-error");
  arb_page_add_key (sc, "Return", key_action, (gpointer) "steps.done");
  arb_page_add_key (sc, "KP_Enter", key_action, (gpointer) "steps.done");
  arb_page_add_key (sc, "s", key_action, (gpointer) "steps.skip");
  arb_page_add_key (sc, "<Control>z", key_action, (gpointer) "steps.undo");
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
row_activated_cb (ArbStepsPage  *self,
                  GtkListBoxRow *row)
{
  self->current = gtk_list_box_row_get_index (row);
}

static void
row_selected_cb (ArbStepsPage  *self,
                 GtkListBoxRow *row)
{
  if (row != NULL)
    self->current = gtk_list_box_row_get_index (row);
}

/* ---- public */

void
arb_steps_page_set_workspace (ArbStepsPage *self,
                              ArbWorkspace *workspace,
                              const char   *name)
{
  /* A copy: the caller may pass this page's own annotator, which is freed below. */
  g_autofree char *annotator = g_strdup (name);
  g_autoptr(GError) error = NULL;

  g_return_if_fail (ARB_IS_STEPS_PAGE (self));
  clear_item (self);
  g_clear_pointer (&self->queue, arb_queue_free);
  g_clear_pointer (&self->annotator, g_free);
  g_set_object (&self->workspace, workspace);
  if (workspace == NULL)
    return;
  if (annotator == NULL || *annotator == '\0')
    {
      gtk_stack_set_visible_child_name (self->stack, "who");
      return;
    }
  self->queue = arb_queue_new (workspace, annotator, &error);
  if (self->queue == NULL)
    {
      arb_page_toast (GTK_WIDGET (self), _("Cannot label"), error);
      gtk_stack_set_visible_child_name (self->stack, "who");
      return;
    }
  self->annotator = g_strdup (annotator);
  show_next (self);
}

const char *
arb_steps_page_get_annotator (ArbStepsPage *self)
{
  g_return_val_if_fail (ARB_IS_STEPS_PAGE (self), NULL);
  return self->annotator;
}

void
arb_steps_page_show_generation (ArbStepsPage *self,
                                gint64        generation_id)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (ARB_IS_STEPS_PAGE (self));
  if (self->queue == NULL)
    return;
  if (!arb_queue_lease_generation (self->queue, ARB_TASK_STEPS, generation_id, &error))
    {
      arb_page_toast (GTK_WIDGET (self), _("Cannot open the response"), error);
      return;
    }
  self->from_queue = FALSE;
  show_generation (self, generation_id);
}

gint64
arb_steps_page_get_generation (ArbStepsPage *self)
{
  g_return_val_if_fail (ARB_IS_STEPS_PAGE (self), -1);
  return self->generation_id;
}

int
arb_steps_page_get_current (ArbStepsPage *self)
{
  g_return_val_if_fail (ARB_IS_STEPS_PAGE (self), -1);
  return self->current;
}

guint
arb_steps_page_get_n_steps (ArbStepsPage *self)
{
  g_return_val_if_fail (ARB_IS_STEPS_PAGE (self), 0);
  return self->steps ? self->steps->len : 0;
}

/**
 * arb_steps_page_get_state:
 *
 * Returns: "who" (no annotator yet), "empty" (nothing to rate) or "item"
 */
const char *
arb_steps_page_get_state (ArbStepsPage *self)
{
  g_return_val_if_fail (ARB_IS_STEPS_PAGE (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

void
arb_steps_page_focus (ArbStepsPage *self)
{
  g_return_if_fail (ARB_IS_STEPS_PAGE (self));
  if (self->rows != NULL && self->rows->len > 0)
    set_current (self, self->current);
  else
    gtk_widget_grab_focus (GTK_WIDGET (self));
}

/* ---- construction */


static void
build (ArbStepsPage *self)
{
  GtkWidget *outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *item = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *who, *rate_box, *b;

  self->stack = GTK_STACK (gtk_stack_new ());
  who = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (who), "avatar-default-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (who), _("Who is labelling?"));
  adw_status_page_set_description (ADW_STATUS_PAGE (who),
                                   _("Start on the Compare page with your name; the steps of "
                                     "the responses are then yours to rate here."));
  gtk_stack_add_named (self->stack, who, "who");
  self->empty_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->empty_page, "emblem-ok-symbolic");
  adw_status_page_set_title (self->empty_page, _("No steps to rate"));
  adw_status_page_set_description (self->empty_page,
                                   _("Every response has been rated, or the workspace has none. "
                                     "Import reasoning traces (bigbench-mistake, prm800k) or any "
                                     "responses; without steps of their own they are cut into "
                                     "lines (Preferences → Workspace → Step rule)."));
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->empty_page), "empty");

  self->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "heading");
  gtk_label_set_xalign (self->title_label, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self->title_label), TRUE);
  self->progress_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->progress_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->progress_label), "numeric");
  self->settle_toggle = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_label (_("First error settles the rest")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->settle_toggle),
                               _("When on, rating a step −1 marks it as the first error: the "
                                 "steps before it +1, those after it unrated, and the response "
                                 "is done (PRM800K, BIG-Bench Mistake)"));
  gtk_widget_set_focusable (GTK_WIDGET (self->settle_toggle), FALSE);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->title_label));
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->progress_label));
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->settle_toggle));
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  gtk_widget_set_margin_top (header, 6);

  self->prompt_view = ARB_RESPONSE_VIEW (arb_response_view_new ());
  arb_response_view_set_title (self->prompt_view, _("Prompt"));
  gtk_widget_set_size_request (GTK_WIDGET (self->prompt_view), -1, 80);
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_SINGLE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "steps-list");
  gtk_widget_set_margin_start (GTK_WIDGET (self->list), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self->list), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self->list), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->list), 6);
  gtk_widget_set_valign (GTK_WIDGET (self->list), GTK_ALIGN_START);
  g_signal_connect_object (self->list, "row-activated", G_CALLBACK (row_activated_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->list, "row-selected", G_CALLBACK (row_selected_cb), self,
                           G_CONNECT_SWAPPED);
  self->scroller = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
  gtk_scrolled_window_set_child (self->scroller, GTK_WIDGET (self->list));
  gtk_scrolled_window_set_policy (self->scroller, GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_paned_set_start_child (GTK_PANED (paned), GTK_WIDGET (self->prompt_view));
  gtk_paned_set_end_child (GTK_PANED (paned), GTK_WIDGET (self->scroller));
  gtk_paned_set_position (GTK_PANED (paned), 140);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_widget_set_vexpand (paned, TRUE);

  rate_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_add_css_class (rate_box, "linked");
  b = gtk_button_new_with_label (_("+1 Good"));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (b), "i", 1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), "steps.rate");
  gtk_widget_set_tooltip_text (b, _("The step is right and moves toward the answer (G or +)"));
  gtk_box_append (GTK_BOX (rate_box), b);
  b = gtk_button_new_with_label (_("0 Neutral"));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (b), "i", 0);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), "steps.rate");
  gtk_widget_set_tooltip_text (b, _("The step is acceptable but does not help (N or 0)"));
  gtk_box_append (GTK_BOX (rate_box), b);
  b = gtk_button_new_with_label (_("−1 Bad"));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (b), "i", -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), "steps.rate");
  gtk_widget_set_tooltip_text (b, _("The step is wrong (B or −)"));
  gtk_box_append (GTK_BOX (rate_box), b);
  gtk_box_append (GTK_BOX (bar), rate_box);
  gtk_box_append (GTK_BOX (bar), arb_page_action_button (_("_First Error Here"), "steps.first-error",
                                                _("Steps before +1, this one −1, the rest "
                                                  "unrated; next response (F)")));
  gtk_box_append (GTK_BOX (bar), arb_page_action_button (_("_No Error"), "steps.no-error",
                                                _("Every step +1; next response (O)")));
  b = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_hexpand (b, TRUE);
  gtk_box_append (GTK_BOX (bar), b);
  gtk_box_append (GTK_BOX (bar), arb_page_action_button (_("_Undo"), "steps.undo", _("Undo (Ctrl+Z)")));
  gtk_box_append (GTK_BOX (bar), arb_page_action_button (_("_Skip"), "steps.skip",
                                                _("Come back to it later (S)")));
  b = arb_page_action_button (_("_Done"), "steps.done", _("Done with the ratings as they are (Return)"));
  gtk_widget_add_css_class (b, "suggested-action");
  gtk_box_append (GTK_BOX (bar), b);
  gtk_widget_set_margin_start (bar, 12);
  gtk_widget_set_margin_end (bar, 12);
  gtk_widget_set_margin_bottom (bar, 12);
  for (GtkWidget *c = gtk_widget_get_first_child (bar); c; c = gtk_widget_get_next_sibling (c))
    gtk_widget_set_focusable (c, FALSE);
  for (GtkWidget *c = gtk_widget_get_first_child (rate_box); c; c = gtk_widget_get_next_sibling (c))
    gtk_widget_set_focusable (c, FALSE);

  gtk_box_append (GTK_BOX (item), header);
  gtk_box_append (GTK_BOX (item), paned);
  gtk_box_append (GTK_BOX (item), bar);
  gtk_stack_add_named (self->stack, item, "item");
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_widget_set_parent (outer, GTK_WIDGET (self));
  gtk_stack_set_visible_child_name (self->stack, "who");
}

static void
arb_steps_page_dispose (GObject *object)
{
  ArbStepsPage *self = ARB_STEPS_PAGE (object);
  GtkWidget *child;

  clear_item (self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (arb_steps_page_parent_class)->dispose (object);
}

static void
arb_steps_page_finalize (GObject *object)
{
  ArbStepsPage *self = ARB_STEPS_PAGE (object);

  g_clear_pointer (&self->queue, arb_queue_free);
  g_clear_object (&self->workspace);
  g_free (self->annotator);
  G_OBJECT_CLASS (arb_steps_page_parent_class)->finalize (object);
}

static void
arb_steps_page_class_init (ArbStepsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = arb_steps_page_dispose;
  object_class->finalize = arb_steps_page_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "arb-steps-page");
  gtk_widget_class_install_action (widget_class, "steps.rate", "i", rate_action);
  gtk_widget_class_install_action (widget_class, "steps.first-error", NULL, first_error_action);
  gtk_widget_class_install_action (widget_class, "steps.no-error", NULL, no_error_action);
  gtk_widget_class_install_action (widget_class, "steps.done", NULL, done_action);
  gtk_widget_class_install_action (widget_class, "steps.skip", NULL, skip_action);
  gtk_widget_class_install_action (widget_class, "steps.undo", NULL, undo_action);
}

static void
arb_steps_page_init (ArbStepsPage *self)
{
  self->generation_id = -1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  build (self);
  setup_keys (self);
}
