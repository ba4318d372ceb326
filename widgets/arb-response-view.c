/* arb-response-view.c: one response (or a prompt) as rendered Markdown, scrolling on its own
 *
 * A card with a header (title such as "Left" and a subtitle such as the system's name) over a
 * read-only text view. The text view takes no keyboard focus, so the page's single-key
 * shortcuts keep working while a person reads; text can still be selected with the mouse.
 * Image responses (kind "image": a file path or file:// URI) are shown as pictures.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "arb-markdown.h"
#include "arb-response-view.h"

struct _ArbResponseView
{
  GtkWidget          parent_instance;

  GtkWidget         *box;
  GtkLabel          *title;
  GtkLabel          *subtitle;
  GtkStack          *stack;
  GtkScrolledWindow *scrolled;
  GtkTextView       *text_view;
  GtkPicture        *picture;
};

G_DEFINE_FINAL_TYPE (ArbResponseView, arb_response_view, GTK_TYPE_WIDGET)

GtkWidget *
arb_response_view_new (void)
{
  return g_object_new (ARB_TYPE_RESPONSE_VIEW, NULL);
}

void
arb_response_view_set_title (ArbResponseView *self,
                             const char      *title)
{
  g_return_if_fail (ARB_IS_RESPONSE_VIEW (self));
  gtk_label_set_text (self->title, title ? title : "");
}

void
arb_response_view_set_subtitle (ArbResponseView *self,
                                const char      *subtitle)
{
  g_autofree char *visible = NULL;

  g_return_if_fail (ARB_IS_RESPONSE_VIEW (self));
  visible = subtitle ? arb_markdown_make_visible (subtitle, -1) : NULL;
  gtk_label_set_text (self->subtitle, visible ? visible : "");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle), subtitle != NULL && subtitle[0] != '\0');
}

static void
scroll_to_top (ArbResponseView *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scrolled);

  gtk_adjustment_set_value (adj, gtk_adjustment_get_lower (adj));
}

/**
 * arb_response_view_set_markdown:
 * @kind: (nullable): "text" (the default), "image" or "missing"
 */
void
arb_response_view_set_markdown (ArbResponseView *self,
                                const char      *text,
                                const char      *kind)
{
  GtkTextBuffer *buffer;

  g_return_if_fail (ARB_IS_RESPONSE_VIEW (self));

  buffer = gtk_text_view_get_buffer (self->text_view);
  if (g_strcmp0 (kind, "image") == 0 && text != NULL)
    {
      g_autoptr(GFile) file = g_str_has_prefix (text, "file://") ? g_file_new_for_uri (text)
                                                                 : g_file_new_for_path (text);

      if (g_file_query_exists (file, NULL))
        {
          gtk_picture_set_file (self->picture, file);
          gtk_stack_set_visible_child_name (self->stack, "image");
          return;
        }
      {
        g_autofree char *msg = g_strdup_printf (_("*The image is not there:* `%s`"), text);

        arb_markdown_render (buffer, msg, -1);
      }
    }
  else if (g_strcmp0 (kind, "missing") == 0)
    arb_markdown_render (buffer, _("*The text of this response was not in the imported data.*"),
                         -1);
  else
    arb_markdown_render (buffer, text, -1);
  gtk_stack_set_visible_child_name (self->stack, "text");
  scroll_to_top (self);
}

/**
 * arb_response_view_set_conversation:
 * @messages_json: `[{"role": ..., "content": ...}, ...]`
 */
void
arb_response_view_set_conversation (ArbResponseView *self,
                                    const char      *messages_json)
{
  g_return_if_fail (ARB_IS_RESPONSE_VIEW (self));
  arb_markdown_render_conversation (gtk_text_view_get_buffer (self->text_view), messages_json);
  gtk_stack_set_visible_child_name (self->stack, "text");
  scroll_to_top (self);
}

/**
 * arb_response_view_get_buffer:
 *
 * Returns: (transfer none): the text as shown
 */
GtkTextBuffer *
arb_response_view_get_buffer (ArbResponseView *self)
{
  g_return_val_if_fail (ARB_IS_RESPONSE_VIEW (self), NULL);
  return gtk_text_view_get_buffer (self->text_view);
}

/**
 * arb_response_view_get_vadjustment:
 *
 * Returns: (transfer none): the vertical scrolling, for linked scrolling
 */
GtkAdjustment *
arb_response_view_get_vadjustment (ArbResponseView *self)
{
  g_return_val_if_fail (ARB_IS_RESPONSE_VIEW (self), NULL);
  return gtk_scrolled_window_get_vadjustment (self->scrolled);
}

/* Marks the response the person just chose, for a moment. */
void
arb_response_view_set_highlighted (ArbResponseView *self,
                                   gboolean         highlighted)
{
  g_return_if_fail (ARB_IS_RESPONSE_VIEW (self));
  if (highlighted)
    gtk_widget_add_css_class (self->box, "arb-chosen");
  else
    gtk_widget_remove_css_class (self->box, "arb-chosen");
}

static void
arb_response_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), ARB_TYPE_RESPONSE_VIEW);
  G_OBJECT_CLASS (arb_response_view_parent_class)->dispose (object);
}

static void
arb_response_view_class_init (ArbResponseViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = arb_response_view_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "arb-response-view");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/arbiter/Arbiter/widgets/arb-response-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ArbResponseView, box);
  gtk_widget_class_bind_template_child (widget_class, ArbResponseView, title);
  gtk_widget_class_bind_template_child (widget_class, ArbResponseView, subtitle);
  gtk_widget_class_bind_template_child (widget_class, ArbResponseView, stack);
  gtk_widget_class_bind_template_child (widget_class, ArbResponseView, scrolled);
  gtk_widget_class_bind_template_child (widget_class, ArbResponseView, text_view);
  gtk_widget_class_bind_template_child (widget_class, ArbResponseView, picture);
}

static void
arb_response_view_init (ArbResponseView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Reading must not take the keyboard from the page's shortcuts. */
  gtk_widget_set_focusable (GTK_WIDGET (self->text_view), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle), FALSE);
}
