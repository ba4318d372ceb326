/* arb-spans-page.c: mark good, bad, neutral and tagged spans of one response
 *
 * The response is an ArbSpanView (widgets/) of selectable units: words by default, or
 * sentences, lines, paragraphs, characters, or a tokenizer's tokens when the workspace has a
 * tokenization of it (`arbiter-cli tokenize`). Enter starts span mode in the view (arrows move,
 * Shift extends, G/B/N and 1-9 label, Delete removes, Ctrl+Z undoes, Escape leaves); the list
 * beside it holds every span with its text. Ctrl+Return: done; S (outside span mode): skip.
 * Every span is committed (db/arb-labels.c) before the view shows it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "arb-labels.h"
#include "arb-page-util.h"
#include "arb-response-view.h"
#include "arb-span-view.h"
#include "arb-spans-page.h"
#include "arb-tokenizations.h"
#include "arb-units.h"
#include "arb-window.h"

struct _ArbSpansPage
{
  GtkWidget          parent_instance;

  GtkStack          *stack;
  GtkLabel          *title_label;
  GtkLabel          *progress_label;
  GtkDropDown       *units_dropdown;
  GtkStringList     *units_model;     /* display names */
  GPtrArray         *unit_ids;        /* "words", ..., "tokens:NAME" per dropdown row */
  ArbResponseView   *prompt_view;
  ArbSpanView       *view;
  GtkListBox        *list;
  GtkLabel          *list_empty;

  ArbWorkspace      *workspace;
  ArbQueue          *queue;
  char              *annotator;
  char              *units;
  char              *return_page;
  GStrv              tags;
  gint64             generation_id;
  gint64             done;            /* responses finished, and all of them: counted when */
  gint64             total;           /* an item changes, not per keystroke */
  char              *text;
  GArray            *spans;           /* ArbSpan, this annotator's current spans */
  gboolean           updating_units;
};

G_DEFINE_FINAL_TYPE (ArbSpansPage, arb_spans_page, GTK_TYPE_WIDGET)

ArbSpansPage *
arb_spans_page_new (void)
{
  return g_object_new (ARB_TYPE_SPANS_PAGE, NULL);
}


static void show_next (ArbSpansPage *self);

/* ---- units */

static GArray *
compute_units (ArbSpansPage *self)
{
  ArbUnitKind kind = ARB_UNITS_WORDS;

  if (g_str_has_prefix (self->units, "tokens:"))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ArbTokenization) tok = NULL;
      const char *name = self->units + strlen ("tokens:");

      /* The response's own tokens: in its chat context if it was tokenised that way. */
      tok = arb_tokenizations_get (self->workspace, self->generation_id, name, TRUE, &error);
      if (tok == NULL)
        {
          g_clear_error (&error);
          tok = arb_tokenizations_get (self->workspace, self->generation_id, name, FALSE, &error);
        }
      if (tok != NULL)
        {
          GArray *units = g_array_new (FALSE, FALSE, sizeof (ArbRange));

          /* Special tokens (empty ranges) are not selectable. */
          for (guint i = 0; i < tok->ranges->len; i++)
            {
              ArbRange r = g_array_index (tok->ranges, ArbRange, i);

              if (r.end > r.start)
                g_array_append_val (units, r);
            }
          return units;
        }
      arb_page_toast (GTK_WIDGET (self), _("This response has no tokenization by that tokenizer; showing words"),
             error);
    }
  else if (!arb_unit_kind_from_string (self->units, &kind))
    kind = ARB_UNITS_WORDS;
  return arb_units_segment (self->text, -1, kind);
}

static void
apply_units (ArbSpansPage *self)
{
  g_autoptr(GArray) units = NULL;

  if (self->text == NULL)
    return;
  units = compute_units (self);
  arb_span_view_set_units (self->view, (const ArbRange *) units->data, units->len);
}

/* The dropdown's rows: the unit kinds, then each tokenizer of this response. */
static void
fill_units (ArbSpansPage *self)
{
  static const struct { const char *id; const char *name; } kinds[] = {
    { "words", N_("Words") },
    { "sentences", N_("Sentences") },
    { "lines", N_("Lines") },
    { "paragraphs", N_("Paragraphs") },
    { "characters", N_("Characters") },
  };
  g_auto(GStrv) tokenizers = NULL;
  guint selected = 0;

  self->updating_units = TRUE;
  gtk_string_list_splice (self->units_model, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->units_model)), NULL);
  g_ptr_array_set_size (self->unit_ids, 0);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      gtk_string_list_append (self->units_model, _(kinds[i].name));
      g_ptr_array_add (self->unit_ids, g_strdup (kinds[i].id));
    }
  if (self->workspace != NULL)
    tokenizers = arb_workspace_list_tokenizers (self->workspace, self->generation_id, NULL);
  for (guint i = 0; tokenizers && tokenizers[i]; i++)
    {
      g_autofree char *name = g_strdup_printf (_("Tokens of %s"), tokenizers[i]);

      gtk_string_list_append (self->units_model, name);
      g_ptr_array_add (self->unit_ids, g_strconcat ("tokens:", tokenizers[i], NULL));
    }
  for (guint i = 0; i < self->unit_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->unit_ids, i), self->units) == 0)
      selected = i;
  gtk_drop_down_set_selected (self->units_dropdown, selected);
  self->updating_units = FALSE;
}

static void
units_selected_cb (ArbSpansPage *self)
{
  guint i = gtk_drop_down_get_selected (self->units_dropdown);

  if (self->updating_units || i >= self->unit_ids->len)
    return;
  arb_spans_page_set_units (self, g_ptr_array_index (self->unit_ids, i));
}

/* ---- the spans */

static const char *
label_name (const ArbSpan *s)
{
  if (g_strcmp0 (s->label, "good") == 0)
    return _("Good");
  if (g_strcmp0 (s->label, "bad") == 0)
    return _("Bad");
  if (g_strcmp0 (s->label, "neutral") == 0)
    return _("Neutral");
  return s->label;
}

static void
remove_clicked_cb (GtkButton    *button,
                   ArbSpansPage *self);

static GtkWidget *
span_row (ArbSpansPage *self,
          const ArbSpan *s)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *chip = gtk_label_new (label_name (s));
  g_autofree char *excerpt = g_strndup (self->text + s->start_byte,
                                        MIN (s->end_byte - s->start_byte, 400));
  GtkWidget *text;
  GtkWidget *remove = gtk_button_new_from_icon_name ("edit-delete-symbolic");
  const char *tone = g_strcmp0 (s->label, "good") == 0 ? "span-chip-good"
                     : g_strcmp0 (s->label, "bad") == 0 ? "span-chip-bad"
                     : g_strcmp0 (s->label, "neutral") == 0 ? "span-chip-neutral"
                     : "span-chip-tag";

  /* A span cut inside a character (possible only in imported data) still shows. */
  if (!g_utf8_validate (excerpt, -1, NULL))
    {
      g_autofree char *valid = g_utf8_make_valid (excerpt, -1);

      g_free (excerpt);
      excerpt = g_steal_pointer (&valid);
    }
  text = gtk_label_new (excerpt);
  gtk_widget_add_css_class (chip, "span-chip");
  gtk_widget_add_css_class (chip, tone);
  gtk_widget_set_valign (chip, GTK_ALIGN_START);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (text), 3);
  gtk_label_set_ellipsize (GTK_LABEL (text), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_valign (remove, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (remove, _("Remove this span (Delete in span mode)"));
  gtk_widget_set_focusable (remove, FALSE);
  g_object_set_data_full (G_OBJECT (remove), "span-id64", g_memdup2 (&s->id, sizeof s->id), g_free);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked_cb), self, 0);
  gtk_box_append (GTK_BOX (box), chip);
  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), remove);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 4);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_object_set_data_full (G_OBJECT (row), "span-id64", g_memdup2 (&s->id, sizeof s->id), g_free);
  return row;
}

static void
update_progress (ArbSpansPage *self)
{
  gint64 done = 0, total = 0;
  g_autofree char *text = NULL;

  done = self->done;
  total = self->total;
  text = g_strdup_printf (_("%u spans · %lld of %lld responses done"),
                          self->spans ? self->spans->len : 0, (long long) done, (long long) total);
  gtk_label_set_text (self->progress_label, text);
}

static void
reload_spans (ArbSpansPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) shown = g_array_new (FALSE, FALSE, sizeof (ArbSpanViewSpan));
  g_autoptr(GHashTable) current = g_hash_table_new (g_int64_hash, g_int64_equal);
  GtkWidget *child, *next;
  guint position = 0;

  g_clear_pointer (&self->spans, g_array_unref);
  self->spans = arb_workspace_list_spans (self->workspace, self->generation_id,
                                          arb_queue_get_rater_id (self->queue), &error);
  if (self->spans == NULL)
    {
      arb_page_toast (GTK_WIDGET (self), _("Cannot read the spans"), error);
      return;
    }
  /* The list changes by the rows that came or went (a span's row never changes: a new label is
   * a new span), so a label costs one row, not the whole list. Rows and spans share the
   * (start, end, id) order. */
  for (guint i = 0; i < self->spans->len; i++)
    if (g_array_index (self->spans, ArbSpan, i).step_index < 0)
      g_hash_table_add (current, &g_array_index (self->spans, ArbSpan, i).id);
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->list)); child; child = next)
    {
      gint64 *id = g_object_get_data (G_OBJECT (child), "span-id64");

      next = gtk_widget_get_next_sibling (child);
      if (GTK_IS_LIST_BOX_ROW (child) && (id == NULL || !g_hash_table_contains (current, id)))
        gtk_list_box_remove (self->list, child);
    }
  child = gtk_widget_get_first_child (GTK_WIDGET (self->list));
  for (guint i = 0; i < self->spans->len; i++)
    {
      ArbSpan *s = &g_array_index (self->spans, ArbSpan, i);
      ArbSpanViewSpan v = { s->id, s->start_byte, s->end_byte, s->label, s->value };
      gint64 *id;

      /* Step labels belong to the steps page. */
      if (s->step_index >= 0)
        continue;
      g_array_append_val (shown, v);
      while (child != NULL && !GTK_IS_LIST_BOX_ROW (child))
        child = gtk_widget_get_next_sibling (child);
      id = child ? g_object_get_data (G_OBJECT (child), "span-id64") : NULL;
      if (id != NULL && *id == s->id)
        child = gtk_widget_get_next_sibling (child);
      else
        gtk_list_box_insert (self->list, span_row (self, s), position);
      position++;
    }
  arb_span_view_set_spans (self->view, (const ArbSpanViewSpan *) shown->data, shown->len);
  gtk_widget_set_visible (GTK_WIDGET (self->list_empty), shown->len == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->list), shown->len > 0);
  update_progress (self);
}

static void
remove_clicked_cb (GtkButton    *button,
                   ArbSpansPage *self)
{
  g_autoptr(GError) error = NULL;
  gint64 *id = g_object_get_data (G_OBJECT (button), "span-id64");

  if (self->queue == NULL || id == NULL)
    return;
  if (!arb_queue_remove_span (self->queue, *id, &error))
    arb_page_toast (GTK_WIDGET (self), _("Cannot remove the span"), error);
  reload_spans (self);
}

static void
label_range_cb (ArbSpansPage *self,
                gint64        start,
                gint64        end,
                const char   *label,
                double        value)
{
  g_autoptr(GError) error = NULL;

  if (self->queue == NULL || self->generation_id <= 0)
    return;
  /* A model's token may end inside a character (byte fallback); a span is stored on whole
   * characters, so it grows to the characters the tokens touch. */
  if (self->text != NULL)
    {
      gint64 len = strlen (self->text);

      start = CLAMP (start, 0, len);
      end = CLAMP (end, start, len);
      while (start > 0 && (self->text[start] & 0xC0) == 0x80)
        start--;
      while (end < len && (self->text[end] & 0xC0) == 0x80)
        end++;
    }
  if (arb_queue_add_span (self->queue, self->generation_id, start, end, label, value, NULL,
                          &error) < 0)
    arb_page_toast (GTK_WIDGET (self), _("Cannot save the span"), error);
  reload_spans (self);
}

static void
remove_span_cb (ArbSpansPage *self,
                gint64        id)
{
  g_autoptr(GError) error = NULL;

  if (self->queue == NULL)
    return;
  if (!arb_queue_remove_span (self->queue, id, &error))
    arb_page_toast (GTK_WIDGET (self), _("Cannot remove the span"), error);
  reload_spans (self);
}

static void
count_progress (ArbSpansPage *self)
{
  if (self->queue == NULL ||
      !arb_queue_get_task_progress (self->queue, ARB_TASK_SPANS, &self->done, &self->total, NULL))
    self->done = self->total = 0;
}

static void
show_generation (ArbSpansPage *self,
                 gint64        generation_id);

static void
undo (ArbSpansPage *self)
{
  g_autoptr(GError) error = NULL;
  gint64 gen;

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
    reload_spans (self);
}

static void
undo_cb (ArbSpansPage *self)
{
  undo (self);
}

/* ---- items */

static void
show_generation (ArbSpansPage *self,
                 gint64        generation_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *messages = NULL;
  gint64 prompt_id = 0;

  count_progress (self);
  g_clear_pointer (&self->text, g_free);
  self->text = arb_workspace_get_generation_text (self->workspace, generation_id, &prompt_id,
                                                  NULL, &error);
  if (self->text == NULL)
    {
      arb_page_toast (GTK_WIDGET (self), _("Cannot show the response"), error);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  self->generation_id = generation_id;
  arb_span_view_set_text (self->view, self->text, -1);
  arb_span_view_set_tags (self->view, (const char * const *) self->tags);
  fill_units (self);
  apply_units (self);
  messages = arb_workspace_get_prompt_messages (self->workspace, prompt_id, NULL);
  if (messages != NULL)
    arb_response_view_set_conversation (self->prompt_view, messages);
  reload_spans (self);
  gtk_stack_set_visible_child_name (self->stack, "item");
}

static void
show_next (ArbSpansPage *self)
{
  g_autoptr(GError) error = NULL;
  ArbTaskItem item;

  g_clear_pointer (&self->return_page, g_free);
  if (self->queue == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "who");
      return;
    }
  if (!arb_queue_next_generation (self->queue, ARB_TASK_SPANS, &item, &error))
    {
      arb_page_toast (GTK_WIDGET (self), _("Cannot choose the next response"), error);
      return;
    }
  if (item.generation_id < 0)
    {
      count_progress (self);
      self->generation_id = -1;
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  show_generation (self, item.generation_id);
}

/* After a response is done or skipped: back where it came from, or the next one. */
static void
leave_item (ArbSpansPage *self)
{
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), ARB_TYPE_WINDOW);
  g_autofree char *back = g_steal_pointer (&self->return_page);

  show_next (self);
  if (back != NULL && window != NULL)
    arb_window_show_page (ARB_WINDOW (window), back);
}

static gboolean
has_item (ArbSpansPage *self)
{
  return self->queue != NULL && self->generation_id > 0 &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "item") == 0;
}

static void
done_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  ArbSpansPage *self = ARB_SPANS_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (!has_item (self))
    return;
  if (!arb_queue_finish_generation (self->queue, ARB_TASK_SPANS, self->generation_id, &error))
    arb_page_toast (GTK_WIDGET (self), _("Cannot save"), error);
  else
    leave_item (self);
}

static void
skip_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  ArbSpansPage *self = ARB_SPANS_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (!has_item (self))
    return;
  if (!arb_queue_skip_generation (self->queue, ARB_TASK_SPANS, self->generation_id, &error))
    arb_page_toast (GTK_WIDGET (self), _("Cannot skip"), error);
  else
    leave_item (self);
}

static void
undo_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  undo (ARB_SPANS_PAGE (widget));
}

static void
span_mode_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  ArbSpansPage *self = ARB_SPANS_PAGE (widget);

  arb_span_view_set_span_mode (self->view, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->view));
}

/* Page keys act only outside span mode: in it the view owns the keyboard. */
static gboolean
key_action (GtkWidget *widget,
            GVariant  *args,
            gpointer   data)
{
  ArbSpansPage *self = ARB_SPANS_PAGE (widget);

  if (arb_span_view_get_span_mode (self->view) && g_strcmp0 (data, "spans.done") != 0)
    return FALSE;
  return gtk_widget_activate_action (widget, data, NULL);
}


static void
setup_keys (ArbSpansPage *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();
  GtkShortcutController *sc = GTK_SHORTCUT_CONTROLLER (controller);

  gtk_shortcut_controller_set_scope (sc, GTK_SHORTCUT_SCOPE_LOCAL);
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_BUBBLE);
  arb_page_add_key (sc, "<Control>Return", key_action, (gpointer) "spans.done");
  arb_page_add_key (sc, "<Control>KP_Enter", key_action, (gpointer) "spans.done");
  arb_page_add_key (sc, "s", key_action, (gpointer) "spans.skip");
  arb_page_add_key (sc, "<Control>z", key_action, (gpointer) "spans.undo");
  arb_page_add_key (sc, "Return", key_action, (gpointer) "spans.span-mode");
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* ---- public */

void
arb_spans_page_set_workspace (ArbSpansPage *self,
                              ArbWorkspace *workspace,
                              const char   *name)
{
  /* A copy: the caller may pass this page's own annotator, which is freed below. */
  g_autofree char *annotator = g_strdup (name);
  g_autoptr(GError) error = NULL;
  g_autofree char *units = NULL;
  g_autofree char *tags = NULL;

  g_return_if_fail (ARB_IS_SPANS_PAGE (self));
  g_clear_pointer (&self->queue, arb_queue_free);
  g_clear_pointer (&self->annotator, g_free);
  g_clear_pointer (&self->spans, g_array_unref);
  g_clear_pointer (&self->tags, g_strfreev);
  self->generation_id = -1;
  g_set_object (&self->workspace, workspace);
  if (workspace == NULL)
    return;

  units = arb_workspace_get_setting (workspace, ARB_SETTING_SPAN_UNITS);
  g_free (self->units);
  self->units = g_strdup (units && *units ? units : "words");
  tags = arb_workspace_get_setting (workspace, ARB_SETTING_SPAN_TAGS);
  if (tags != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (tags, ",", -1);
      g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
      guint n = 0;

      for (guint i = 0; parts[i] && n < 9; i++)
        {
          g_strstrip (parts[i]);
          if (*parts[i] != '\0')
            {
              g_strv_builder_add (b, parts[i]);
              n++;
            }
        }
      self->tags = g_strv_builder_end (b);
    }

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
arb_spans_page_get_annotator (ArbSpansPage *self)
{
  g_return_val_if_fail (ARB_IS_SPANS_PAGE (self), NULL);
  return self->annotator;
}

void
arb_spans_page_show_generation (ArbSpansPage *self,
                                gint64        generation_id,
                                const char   *return_page)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (ARB_IS_SPANS_PAGE (self));
  if (self->queue == NULL)
    return;
  if (!arb_queue_lease_generation (self->queue, ARB_TASK_SPANS, generation_id, &error))
    {
      arb_page_toast (GTK_WIDGET (self), _("Cannot open the response"), error);
      return;
    }
  show_generation (self, generation_id);
  g_free (self->return_page);
  self->return_page = g_strdup (return_page);
}

gint64
arb_spans_page_get_generation (ArbSpansPage *self)
{
  g_return_val_if_fail (ARB_IS_SPANS_PAGE (self), -1);
  return self->generation_id;
}

gboolean
arb_spans_page_set_units (ArbSpansPage *self,
                          const char   *units)
{
  ArbUnitKind kind;

  g_return_val_if_fail (ARB_IS_SPANS_PAGE (self), FALSE);
  if (!g_str_has_prefix (units, "tokens:") && !arb_unit_kind_from_string (units, &kind))
    return FALSE;
  g_free (self->units);
  self->units = g_strdup (units);
  fill_units (self);
  apply_units (self);
  return TRUE;
}

const char *
arb_spans_page_get_units (ArbSpansPage *self)
{
  g_return_val_if_fail (ARB_IS_SPANS_PAGE (self), NULL);
  return self->units;
}

/**
 * arb_spans_page_get_state:
 *
 * Returns: "who" (no annotator yet), "empty" (nothing to label) or "item"
 */
const char *
arb_spans_page_get_state (ArbSpansPage *self)
{
  g_return_val_if_fail (ARB_IS_SPANS_PAGE (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * arb_spans_page_get_view:
 *
 * Returns: (transfer none): the span view
 */
GtkWidget *
arb_spans_page_get_view (ArbSpansPage *self)
{
  g_return_val_if_fail (ARB_IS_SPANS_PAGE (self), NULL);
  return GTK_WIDGET (self->view);
}

guint
arb_spans_page_get_n_listed (ArbSpansPage *self)
{
  guint n = 0;

  g_return_val_if_fail (ARB_IS_SPANS_PAGE (self), 0);
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->list)); c;
       c = gtk_widget_get_next_sibling (c))
    n += GTK_IS_LIST_BOX_ROW (c);
  return n;
}

void
arb_spans_page_focus (ArbSpansPage *self)
{
  g_return_if_fail (ARB_IS_SPANS_PAGE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->view));
}

/* ---- construction */


static void
build (ArbSpansPage *self)
{
  GtkWidget *item = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *hpaned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *vpaned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *side_scroller = gtk_scrolled_window_new ();
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *who, *empty, *hint, *heading, *b;

  self->stack = GTK_STACK (gtk_stack_new ());
  who = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (who), "avatar-default-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (who), _("Who is labelling?"));
  adw_status_page_set_description (ADW_STATUS_PAGE (who),
                                   _("Start on the Compare page with your name; the responses "
                                     "are then yours to mark here."));
  gtk_stack_add_named (self->stack, who, "who");
  empty = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "emblem-ok-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No responses to mark"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty),
                                   _("Every response has its spans, or the workspace has none: "
                                     "import some (File → Import), or mark one side of a "
                                     "comparison with [ or ] on the Compare page."));
  gtk_stack_add_named (self->stack, empty, "empty");

  self->title_label = GTK_LABEL (gtk_label_new (_("Mark what is good or bad in the response")));
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "heading");
  gtk_label_set_xalign (self->title_label, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self->title_label), TRUE);
  self->progress_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->progress_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->progress_label), "numeric");
  self->units_model = gtk_string_list_new (NULL);
  self->unit_ids = g_ptr_array_new_with_free_func (g_free);
  self->units_dropdown = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->units_model)),
                                                          NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->units_dropdown),
                               _("What the cursor moves by and selections snap to"));
  gtk_widget_set_focusable (GTK_WIDGET (self->units_dropdown), FALSE);
  g_signal_connect_object (self->units_dropdown, "notify::selected",
                           G_CALLBACK (units_selected_cb), self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->title_label));
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->progress_label));
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->units_dropdown));
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  gtk_widget_set_margin_top (header, 6);

  self->prompt_view = ARB_RESPONSE_VIEW (arb_response_view_new ());
  arb_response_view_set_title (self->prompt_view, _("Prompt"));
  self->view = ARB_SPAN_VIEW (arb_span_view_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->view), TRUE);
  g_signal_connect_object (self->view, "label-range", G_CALLBACK (label_range_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->view, "remove-span", G_CALLBACK (remove_span_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->view, "undo", G_CALLBACK (undo_cb), self, G_CONNECT_SWAPPED);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->view));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_add_css_class (scroller, "card");
  gtk_widget_set_margin_start (scroller, 12);
  gtk_paned_set_start_child (GTK_PANED (vpaned), GTK_WIDGET (self->prompt_view));
  gtk_paned_set_end_child (GTK_PANED (vpaned), scroller);
  gtk_paned_set_position (GTK_PANED (vpaned), 120);
  gtk_paned_set_shrink_start_child (GTK_PANED (vpaned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (vpaned), FALSE);

  heading = gtk_label_new (_("Spans"));
  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_widget_set_valign (GTK_WIDGET (self->list), GTK_ALIGN_START);
  self->list_empty = GTK_LABEL (gtk_label_new (_("No spans yet. Press Enter, move with the "
                                                 "arrows, extend with Shift, then G good, "
                                                 "B bad, N neutral or 1–9 a tag; or drag with "
                                                 "the mouse.")));
  gtk_label_set_wrap (self->list_empty, TRUE);
  gtk_label_set_xalign (self->list_empty, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->list_empty), "dim-label");
  gtk_box_append (GTK_BOX (side), heading);
  gtk_box_append (GTK_BOX (side), GTK_WIDGET (self->list_empty));
  gtk_box_append (GTK_BOX (side), GTK_WIDGET (self->list));
  gtk_widget_set_margin_start (side, 6);
  gtk_widget_set_margin_end (side, 12);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (side_scroller), side);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (side_scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_size_request (side_scroller, 260, -1);
  gtk_paned_set_start_child (GTK_PANED (hpaned), vpaned);
  gtk_paned_set_end_child (GTK_PANED (hpaned), side_scroller);
  gtk_paned_set_resize_end_child (GTK_PANED (hpaned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (hpaned), FALSE);
  gtk_widget_set_vexpand (hpaned, TRUE);

  hint = gtk_label_new (_("Enter: span mode · ←/→ move · Shift extends · G/B/N label · 1–9 tags "
                          "· Delete removes · Esc leaves"));
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_widget_add_css_class (hint, "caption");
  gtk_label_set_ellipsize (GTK_LABEL (hint), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (hint, TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_box_append (GTK_BOX (bar), hint);
  gtk_box_append (GTK_BOX (bar), arb_page_action_button (_("_Undo"), "spans.undo", _("Undo (Ctrl+Z)")));
  gtk_box_append (GTK_BOX (bar), arb_page_action_button (_("_Skip"), "spans.skip",
                                                _("Come back to it later (S)")));
  b = arb_page_action_button (_("_Done"), "spans.done",
                     _("The spans marked are all there are; next response (Ctrl+Return)"));
  gtk_widget_add_css_class (b, "suggested-action");
  gtk_box_append (GTK_BOX (bar), b);
  gtk_widget_set_margin_start (bar, 12);
  gtk_widget_set_margin_end (bar, 12);
  gtk_widget_set_margin_bottom (bar, 12);

  gtk_box_append (GTK_BOX (item), header);
  gtk_box_append (GTK_BOX (item), hpaned);
  gtk_box_append (GTK_BOX (item), bar);
  gtk_stack_add_named (self->stack, item, "item");
  gtk_widget_set_parent (GTK_WIDGET (self->stack), GTK_WIDGET (self));
  gtk_stack_set_visible_child_name (self->stack, "who");
}

static void
arb_spans_page_dispose (GObject *object)
{
  ArbSpansPage *self = ARB_SPANS_PAGE (object);

  if (self->stack != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->stack));
      self->stack = NULL;
    }
  G_OBJECT_CLASS (arb_spans_page_parent_class)->dispose (object);
}

static void
arb_spans_page_finalize (GObject *object)
{
  ArbSpansPage *self = ARB_SPANS_PAGE (object);

  g_clear_pointer (&self->queue, arb_queue_free);
  g_clear_pointer (&self->spans, g_array_unref);
  g_clear_pointer (&self->unit_ids, g_ptr_array_unref);
  g_clear_object (&self->units_model);
  g_clear_object (&self->workspace);
  g_strfreev (self->tags);
  g_free (self->annotator);
  g_free (self->units);
  g_free (self->return_page);
  g_free (self->text);
  G_OBJECT_CLASS (arb_spans_page_parent_class)->finalize (object);
}

static void
arb_spans_page_class_init (ArbSpansPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = arb_spans_page_dispose;
  object_class->finalize = arb_spans_page_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "arb-spans-page");
  gtk_widget_class_install_action (widget_class, "spans.done", NULL, done_action);
  gtk_widget_class_install_action (widget_class, "spans.skip", NULL, skip_action);
  gtk_widget_class_install_action (widget_class, "spans.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "spans.span-mode", NULL, span_mode_action);
}

static void
arb_spans_page_init (ArbSpansPage *self)
{
  self->generation_id = -1;
  self->units = g_strdup ("words");
  build (self);
  setup_keys (self);
}
