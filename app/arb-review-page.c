/* arb-review-page.c: where annotators disagree, and the final verdict
 *
 * Lists the comparisons on which human annotators disagree (arb_workspace_list_disagreements),
 * shows one with the responses by name (a reviewer is not blind: they judge the judgements), all
 * its verdicts and rationales, and records the final verdict as an adjudicator. The window does
 * not show this page to someone started with --annotator.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <json.h>
#include <math.h>

#include "arb-comparison.h"
#include "arb-markdown.h"
#include "arb-response-view.h"
#include "arb-review.h"
#include "arb-review-page.h"
#include "arb-window.h"

#define MAX_LISTED 500

struct _ArbReviewPage
{
  GtkWidget        parent_instance;

  GtkStack        *stack;
  GtkListBox      *list;
  ArbResponseView *prompt_view;
  ArbResponseView *a_view;
  ArbResponseView *b_view;
  GtkListBox      *verdicts;
  GtkEntry        *rationale_entry;

  ArbWorkspace    *workspace;
  char            *reviewer;
  GArray          *disputed;
  gint64           shown;
};

G_DEFINE_FINAL_TYPE (ArbReviewPage, arb_review_page, GTK_TYPE_WIDGET)

ArbReviewPage *
arb_review_page_new (void)
{
  return g_object_new (ARB_TYPE_REVIEW_PAGE, NULL);
}

static void
clear_list_box (GtkListBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_list_box_remove (box, child);
}

/* The first line of the prompt's last message, for lists (here and in the inspector). */
char *
arb_prompt_summary (const char *messages_json)
{
  json_object *m = messages_json ? json_tokener_parse (messages_json) : NULL;
  const char *text = "";
  g_autofree char *line = NULL;
  char *visible;

  if (m != NULL && json_object_is_type (m, json_type_array))
    for (size_t i = json_object_array_length (m); i > 0; i--)
      {
        json_object *msg = json_object_array_get_idx (m, i - 1), *content = NULL;

        if (json_object_object_get_ex (msg, "content", &content) &&
            json_object_is_type (content, json_type_string))
          {
            text = json_object_get_string (content);
            break;
          }
      }
  line = g_strndup (text, strcspn (text, "\n"));
  if (g_utf8_strlen (line, -1) > 90)
    {
      char *cut = g_utf8_offset_to_pointer (line, 88);

      *cut = '\0';
    }
  visible = arb_markdown_make_visible (line, -1);
  json_object_put (m);
  return visible;
}

static const char *
verdict_text (const ArbVerdictInfo *v)
{
  if (g_strcmp0 (v->status, "ok") != 0)
    return g_strcmp0 (v->status, "failed") == 0 ? _("failed") : _("unparseable");
  if (isnan (v->preference))
    return "?";
  if (v->preference < 0.5)
    return v->strength == 2 ? _("A much better") : _("A better");
  if (v->preference > 0.5)
    return v->strength == 2 ? _("B much better") : _("B better");
  return _("tie");
}

static void
show (ArbReviewPage *self,
      gint64         comparison_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ArbComparisonView) view = arb_workspace_get_comparison (self->workspace, comparison_id,
                                                                   &error);
  g_autoptr(GPtrArray) verdicts = NULL;
  g_autofree char *a_title = NULL, *b_title = NULL;

  clear_list_box (self->verdicts);
  if (view == NULL)
    return;
  self->shown = comparison_id;
  arb_response_view_set_conversation (self->prompt_view, view->messages);
  a_title = g_strdup_printf (_("A: %s"), view->a.system);
  b_title = g_strdup_printf (_("B: %s"), view->b.system);
  {
    g_autofree char *a_visible = arb_markdown_make_visible (a_title, -1);
    g_autofree char *b_visible = arb_markdown_make_visible (b_title, -1);

    arb_response_view_set_title (self->a_view, a_visible);
    arb_response_view_set_title (self->b_view, b_visible);
  }
  arb_response_view_set_markdown (self->a_view, view->a.text, view->a.kind);
  arb_response_view_set_markdown (self->b_view, view->b.text, view->b.kind);

  verdicts = arb_workspace_list_verdicts (self->workspace, comparison_id, &error);
  for (guint i = 0; verdicts != NULL && i < verdicts->len; i++)
    {
      ArbVerdictInfo *v = verdicts->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *title = NULL, *escaped = NULL, *sub = NULL, *sub_escaped = NULL;

      /* Translators: rater name, their role, their verdict ("ana (annotator): A better") */
      title = g_strdup_printf (_("%s (%s): %s"), v->rater, v->role, verdict_text (v));
      escaped = g_markup_escape_text (title, -1);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), escaped);
      if (v->rationale != NULL)
        {
          sub = arb_markdown_make_visible (v->rationale, -1);
          sub_escaped = g_markup_escape_text (sub, -1);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub_escaped);
        }
      gtk_list_box_append (self->verdicts, row);
    }
  gtk_editable_set_text (GTK_EDITABLE (self->rationale_entry), "");
}

static void
row_selected_cb (ArbReviewPage *self,
                 GtkListBoxRow *row)
{
  if (row != NULL && self->disputed != NULL)
    {
      int i = gtk_list_box_row_get_index (row);

      if (i >= 0 && (guint) i < self->disputed->len)
        show (self, g_array_index (self->disputed, gint64, i));
    }
}

/**
 * arb_review_page_refresh:
 *
 * Lists the disputed comparisons again (at most 500, most verdicts first) and shows the first.
 */
void
arb_review_page_refresh (ArbReviewPage *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (ARB_IS_REVIEW_PAGE (self));

  clear_list_box (self->list);
  g_clear_pointer (&self->disputed, g_array_unref);
  self->shown = -1;
  if (self->workspace == NULL)
    return;
  self->disputed = arb_workspace_list_disagreements (self->workspace, MAX_LISTED, &error);
  if (self->disputed == NULL || self->disputed->len == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  for (guint i = 0; i < self->disputed->len; i++)
    {
      gint64 id = g_array_index (self->disputed, gint64, i);
      g_autoptr(ArbComparisonView) view = arb_workspace_get_comparison (self->workspace, id, NULL);
      g_autofree char *summary = view ? arb_prompt_summary (view->messages) : g_strdup ("?");
      GtkWidget *label = gtk_label_new (summary);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_margin_top (label, 6);
      gtk_widget_set_margin_bottom (label, 6);
      gtk_list_box_append (self->list, label);
    }
  gtk_stack_set_visible_child_name (self->stack, "list");
  gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, 0));
}

static void
decide_action (GtkWidget  *widget,
               const char *action,
               GVariant   *param)
{
  ArbReviewPage *self = ARB_REVIEW_PAGE (widget);
  g_autoptr(GError) error = NULL;
  GtkWidget *window = gtk_widget_get_ancestor (widget, ARB_TYPE_WINDOW);

  if (self->shown < 0)
    return;
  if (arb_workspace_adjudicate (self->workspace, self->shown, self->reviewer,
                                g_variant_get_int32 (param),
                                gtk_editable_get_text (GTK_EDITABLE (self->rationale_entry)),
                                &error) < 0)
    {
      if (window != NULL)
        {
          g_autofree char *msg = g_strdup_printf (_("The final verdict was not saved: %s"),
                                                  error->message);

          arb_window_toast (ARB_WINDOW (window), msg);
        }
      return;
    }
  if (window != NULL)
    arb_window_toast (ARB_WINDOW (window), _("Final verdict saved"));
  arb_review_page_refresh (self);
}

void
arb_review_page_set_workspace (ArbReviewPage *self,
                               ArbWorkspace  *workspace,
                               const char    *reviewer)
{
  g_return_if_fail (ARB_IS_REVIEW_PAGE (self));

  g_set_object (&self->workspace, workspace);
  g_free (self->reviewer);
  /* Translators: the rater name under which a reviewer's final verdicts are recorded */
  self->reviewer = g_strdup_printf (_("%s (review)"), reviewer ? reviewer : _("reviewer"));
  /* Read when shown (the window refreshes the page then), not while the workspace opens. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) || workspace == NULL)
    arb_review_page_refresh (self);
  else
    {
      clear_list_box (self->list);
      g_clear_pointer (&self->disputed, g_array_unref);
      self->shown = -1;
    }
}

guint
arb_review_page_get_n_disputed (ArbReviewPage *self)
{
  g_return_val_if_fail (ARB_IS_REVIEW_PAGE (self), 0);
  return self->disputed ? self->disputed->len : 0;
}

gint64
arb_review_page_get_comparison (ArbReviewPage *self)
{
  g_return_val_if_fail (ARB_IS_REVIEW_PAGE (self), -1);
  return self->shown;
}

static void
arb_review_page_dispose (GObject *object)
{
  ArbReviewPage *self = ARB_REVIEW_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), ARB_TYPE_REVIEW_PAGE);
  g_clear_object (&self->workspace);
  G_OBJECT_CLASS (arb_review_page_parent_class)->dispose (object);
}

static void
arb_review_page_finalize (GObject *object)
{
  ArbReviewPage *self = ARB_REVIEW_PAGE (object);

  g_clear_pointer (&self->disputed, g_array_unref);
  g_free (self->reviewer);
  G_OBJECT_CLASS (arb_review_page_parent_class)->finalize (object);
}

static void
arb_review_page_class_init (ArbReviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = arb_review_page_dispose;
  object_class->finalize = arb_review_page_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/arbiter/Arbiter/arb-review-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ArbReviewPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ArbReviewPage, list);
  gtk_widget_class_bind_template_child (widget_class, ArbReviewPage, prompt_view);
  gtk_widget_class_bind_template_child (widget_class, ArbReviewPage, a_view);
  gtk_widget_class_bind_template_child (widget_class, ArbReviewPage, b_view);
  gtk_widget_class_bind_template_child (widget_class, ArbReviewPage, verdicts);
  gtk_widget_class_bind_template_child (widget_class, ArbReviewPage, rationale_entry);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
  gtk_widget_class_install_action (widget_class, "review.decide", "i", decide_action);
}

static void
arb_review_page_init (ArbReviewPage *self)
{
  g_type_ensure (ARB_TYPE_RESPONSE_VIEW);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->shown = -1;
  arb_response_view_set_title (self->prompt_view, _("Prompt"));
  gtk_stack_set_visible_child_name (self->stack, "empty");
}
