/* arb-markdown.c: Markdown (untrusted model text) into a GtkTextBuffer
 *
 * md4c parses (GitHub dialect: tables, strikethrough, autolinks, task lists; raw HTML off, so
 * HTML shows as the text it is); the callbacks insert text with text tags: headings, emphasis,
 * lists (bullets and numbers, indented by depth), block quotes, inline code and fenced code in
 * monospace on a background, tables laid out in monospace columns, links underlined (never
 * followed). No text goes through Pango markup, so markup characters are shown as they are.
 * Control characters and bidirectional-override characters would change or hide what is shown;
 * they are replaced by visible stand-ins (U+2400 "symbol for" characters, ⟦U+202E⟧).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <md4c.h>
#include <json.h>
#include <string.h>

#include "arb-markdown.h"

#define MAX_DEPTH 8
#define MAX_CELL_WIDTH 48

typedef struct
{
  GtkTextBuffer *buffer;
  GtkTextIter    end;
  const char    *tags[64];     /* active tags, innermost last */
  int            n_tags;
  int            list_kind[MAX_DEPTH];   /* 0 bullet, 1 ordered */
  unsigned       list_next[MAX_DEPTH];
  int            list_depth;
  int            quote_depth;
  gboolean       at_start;     /* nothing written yet */
  gboolean       in_code_block;
  glong          column;       /* characters since the last line break */
  /* a table, collected and written when it ends */
  gboolean       in_table;
  GPtrArray     *rows;         /* (element-type GPtrArray of GString) */
  GPtrArray     *row;
  GString       *cell;
  int            head_rows;
} Renderer;

static void
ensure_tags (GtkTextBuffer *buffer)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  static const double scales[] = { 1.6, 1.4, 1.2, 1.1, 1.0, 1.0 };

  if (gtk_text_tag_table_lookup (table, "strong") != NULL)
    return;
  for (int i = 0; i < 6; i++)
    {
      char name[4] = { 'h', (char) ('1' + i), 0 };

      gtk_text_buffer_create_tag (buffer, name, "weight", PANGO_WEIGHT_BOLD, "scale", scales[i],
                                  "pixels-above-lines", 6, "pixels-below-lines", 2, NULL);
    }
  gtk_text_buffer_create_tag (buffer, "strong", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "em", "style", PANGO_STYLE_ITALIC, NULL);
  gtk_text_buffer_create_tag (buffer, "del", "strikethrough", TRUE, NULL);
  gtk_text_buffer_create_tag (buffer, "code", "family", "monospace", "insert-hyphens", FALSE,
                              "background-rgba", &(GdkRGBA) { 0.5, 0.5, 0.5, 0.15 }, NULL);
  gtk_text_buffer_create_tag (buffer, "pre", "family", "monospace",
                              "paragraph-background-rgba", &(GdkRGBA) { 0.5, 0.5, 0.5, 0.12 },
                              "left-margin", 12, "right-margin", 12, "wrap-mode", GTK_WRAP_CHAR,
                              "insert-hyphens", FALSE, NULL);
  gtk_text_buffer_create_tag (buffer, "table", "family", "monospace", "wrap-mode", GTK_WRAP_NONE,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "quote", "left-margin", 24, "style", PANGO_STYLE_ITALIC,
                              "foreground-rgba", &(GdkRGBA) { 0.45, 0.45, 0.5, 1 }, NULL);
  gtk_text_buffer_create_tag (buffer, "link", "underline", PANGO_UNDERLINE_SINGLE,
                              "foreground-rgba", &(GdkRGBA) { 0.21, 0.52, 0.89, 1 }, NULL);
  gtk_text_buffer_create_tag (buffer, "hr", "foreground-rgba", &(GdkRGBA) { 0.5, 0.5, 0.5, 0.6 },
                              NULL);
  gtk_text_buffer_create_tag (buffer, "control", "family", "monospace", "scale", 0.8,
                              "foreground-rgba", &(GdkRGBA) { 0.75, 0.11, 0.16, 1 },
                              "background-rgba", &(GdkRGBA) { 0.75, 0.11, 0.16, 0.12 }, NULL);
  gtk_text_buffer_create_tag (buffer, "role", "weight", PANGO_WEIGHT_BOLD, "scale", 0.85,
                              "foreground-rgba", &(GdkRGBA) { 0.21, 0.52, 0.89, 1 },
                              "pixels-above-lines", 8, NULL);
  for (int d = 1; d <= MAX_DEPTH; d++)
    {
      g_autofree char *name = g_strdup_printf ("list%d", d);

      gtk_text_buffer_create_tag (buffer, name, "left-margin", 8 + 20 * d, "indent", -16, NULL);
    }
}

static gboolean
is_bidi_control (gunichar c)
{
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

static gboolean
needs_stand_in (gunichar c)
{
  return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7F || (c >= 0x80 && c < 0xA0) ||
         is_bidi_control (c);
}

/* Appends the stand-in for a character that must not act: C0 controls become their U+2400
 * symbols, DEL U+2421, the rest ⟦U+XXXX⟧. */
static void
append_stand_in (GString  *out,
                 gunichar  c)
{
  if (c < 0x20)
    g_string_append_unichar (out, 0x2400 + c);
  else if (c == 0x7F)
    g_string_append_unichar (out, 0x2421);
  else
    g_string_append_printf (out, "⟦U+%04X⟧", c);
}

/**
 * arb_markdown_make_visible:
 *
 * Returns: (transfer full): the text with every control and bidirectional-override character
 *   replaced by a visible stand-in (tab and newline stay)
 */
char *
arb_markdown_make_visible (const char *text,
                           gssize      length)
{
  GString *out;
  const char *p, *end;

  if (length < 0)
    length = strlen (text);
  out = g_string_sized_new (length);
  end = text + length;
  for (p = text; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (needs_stand_in (c))
        append_stand_in (out, c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  return g_string_free (out, FALSE);
}

static void
push (Renderer   *r,
      const char *tag)
{
  if (r->n_tags < (int) G_N_ELEMENTS (r->tags))
    r->tags[r->n_tags] = tag;
  r->n_tags++;
}

static void
pop (Renderer *r)
{
  if (r->n_tags > 0)
    r->n_tags--;
}

/* Inserts text as it is, with the active tags and perhaps one more. */
static void
insert_tagged (Renderer   *r,
               const char *text,
               gsize       len,
               const char *extra_tag)
{
  int start = gtk_text_iter_get_offset (&r->end);
  GtkTextIter s;

  if (len == 0)
    return;
  gtk_text_buffer_insert (r->buffer, &r->end, text, (int) len);
  gtk_text_buffer_get_iter_at_offset (r->buffer, &s, start);
  for (int i = 0; i < MIN (r->n_tags, (int) G_N_ELEMENTS (r->tags)); i++)
    gtk_text_buffer_apply_tag_by_name (r->buffer, r->tags[i], &s, &r->end);
  if (extra_tag != NULL)
    gtk_text_buffer_apply_tag_by_name (r->buffer, extra_tag, &s, &r->end);
  r->at_start = FALSE;
}

/* Inserts text with the active tags; characters that must not act are replaced by stand-ins
 * with the control tag. */
static void
insert_visible (Renderer   *r,
              const char *text,
              gsize       len,
              const char *extra_tag)
{
  const char *p = text, *end = text + len, *run = text;

  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);
      gboolean bad = c == (gunichar) -1 || c == (gunichar) -2;
      const char *next = bad ? p + 1 : g_utf8_next_char (p);

      if (bad || needs_stand_in (c))
        {
          g_autoptr(GString) stand_in = g_string_new (NULL);

          insert_tagged (r, run, p - run, extra_tag);
          if (bad)
            g_string_append (stand_in, "\xEF\xBF\xBD");
          else
            append_stand_in (stand_in, c);
          insert_tagged (r, stand_in->str, stand_in->len, "control");
          run = next;
        }
      p = next;
    }
  insert_tagged (r, run, end - run, extra_tag);
}

/* GtkTextView lays out a paragraph whole: one of 200 000 characters takes half a second and
 * more, every time. A very long line is therefore cut into paragraphs of about LONG_CHUNK
 * characters (after a space where there is one) with U+2029 PARAGRAPH SEPARATOR, which the text
 * view breaks on but which looks the same as the wrapping it would have done anyway; the view
 * then lays out only what is on screen. */
#define LONG_CHUNK 3000
#define LONG_CHUNK_MAX 4000

static void
insert_plain (Renderer   *r,
              const char *text,
              gsize       len,
              const char *extra_tag)
{
  const char *p = text, *end = text + len, *run = text;

  for (; p < end; p = g_utf8_next_char (p))
    {
      if (*p == '\n')
        {
          r->column = 0;
          continue;
        }
      r->column++;
      if (r->column >= LONG_CHUNK && (*p == ' ' || r->column >= LONG_CHUNK_MAX))
        {
          const char *next = g_utf8_next_char (p);

          insert_visible (r, run, next - run, extra_tag);
          insert_tagged (r, "\xE2\x80\xA9", 3, extra_tag);
          run = next;
          r->column = 0;
        }
    }
  insert_visible (r, run, end - run, extra_tag);
}

static void
newline (Renderer *r)
{
  if (!r->at_start)
    insert_tagged (r, "\n", 1, NULL);
  r->column = 0;
}

/* A block starts on a line of its own, after a blank line unless blank is off (inside a tight
 * list). */
static void
block_break (Renderer *r,
             gboolean  blank)
{
  GtkTextIter i;

  if (r->at_start)
    return;
  if (!gtk_text_iter_starts_line (&r->end))
    newline (r);
  if (!blank)
    return;
  i = r->end;
  /* Already after an empty line? */
  if (gtk_text_iter_backward_char (&i) && gtk_text_iter_backward_char (&i) &&
      gtk_text_iter_get_char (&i) == '\n')
    return;
  if (gtk_text_iter_is_start (&i))
    return;
  newline (r);
}

static void
emit_table (Renderer *r)
{
  g_autoptr(GArray) widths = g_array_new (FALSE, TRUE, sizeof (int));

  for (guint i = 0; i < r->rows->len; i++)
    {
      GPtrArray *row = r->rows->pdata[i];

      for (guint j = 0; j < row->len; j++)
        {
          int w = MIN ((int) g_utf8_strlen (((GString *) row->pdata[j])->str, -1), MAX_CELL_WIDTH);

          if (j >= widths->len)
            g_array_set_size (widths, j + 1);
          g_array_index (widths, int, j) = MAX (g_array_index (widths, int, j), w);
        }
    }
  block_break (r, TRUE);
  push (r, "table");
  for (guint i = 0; i < r->rows->len; i++)
    {
      GPtrArray *row = r->rows->pdata[i];
      g_autoptr(GString) line = g_string_new ("│");

      for (guint j = 0; j < widths->len; j++)
        {
          const char *cell = j < row->len ? ((GString *) row->pdata[j])->str : "";
          int w = g_utf8_strlen (cell, -1);
          int width = g_array_index (widths, int, j);

          g_string_append_c (line, ' ');
          if (w > width)
            {
              g_string_append_len (line, cell, g_utf8_offset_to_pointer (cell, width - 1) - cell);
              g_string_append (line, "…");
            }
          else
            {
              g_string_append (line, cell);
              for (int k = w; k < width; k++)
                g_string_append_c (line, ' ');
            }
          g_string_append (line, " │");
        }
      g_string_append_c (line, '\n');
      insert_plain (r, line->str, line->len, (int) i < r->head_rows ? "strong" : NULL);
      if ((int) i + 1 == r->head_rows)
        {
          g_autoptr(GString) rule = g_string_new ("├");

          for (guint j = 0; j < widths->len; j++)
            {
              for (int k = 0; k < g_array_index (widths, int, j) + 2; k++)
                g_string_append (rule, "─");
              g_string_append (rule, j + 1 < widths->len ? "┼" : "┤");
            }
          g_string_append_c (rule, '\n');
          insert_plain (r, rule->str, rule->len, "hr");
        }
    }
  pop (r);
}

static void
free_gstring (gpointer s)
{
  g_string_free (s, TRUE);
}

static int
enter_block (MD_BLOCKTYPE type,
             void        *detail,
             void        *user_data)
{
  Renderer *r = user_data;

  switch (type)
    {
    case MD_BLOCK_DOC:
      break;
    case MD_BLOCK_QUOTE:
      block_break (r, TRUE);
      r->quote_depth++;
      push (r, "quote");
      break;
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
      if (r->list_depth == 0)
        block_break (r, TRUE);
      if (r->list_depth < MAX_DEPTH)
        {
          r->list_kind[r->list_depth] = type == MD_BLOCK_OL;
          r->list_next[r->list_depth] = type == MD_BLOCK_OL ?
                                        ((MD_BLOCK_OL_DETAIL *) detail)->start : 0;
        }
      r->list_depth++;
      break;
    case MD_BLOCK_LI:
      {
        int d = MIN (r->list_depth, MAX_DEPTH);
        g_autofree char *tag = g_strdup_printf ("list%d", MAX (d, 1));
        g_autofree char *mark = NULL;
        MD_BLOCK_LI_DETAIL *li = detail;

        block_break (r, FALSE);
        if (d > 0 && r->list_kind[d - 1])
          mark = g_strdup_printf ("%u. ", r->list_next[d - 1]++);
        else
          mark = g_strdup (d % 2 ? "• " : "◦ ");
        if (li != NULL && li->is_task)
          {
            char *with = g_strconcat (mark, li->task_mark == ' ' ? "☐ " : "☑ ", NULL);

            g_free (mark);
            mark = with;
          }
        push (r, g_intern_string (tag));
        insert_plain (r, mark, strlen (mark), NULL);
      }
      break;
    case MD_BLOCK_HR:
      block_break (r, TRUE);
      insert_plain (r, "──────────────────────────────", strlen ("──────────────────────────────"),
                    "hr");
      break;
    case MD_BLOCK_H:
      {
        unsigned level = CLAMP (((MD_BLOCK_H_DETAIL *) detail)->level, 1, 6);
        char name[4] = { 'h', (char) ('0' + level), 0 };

        block_break (r, TRUE);
        push (r, g_intern_string (name));
      }
      break;
    case MD_BLOCK_CODE:
      block_break (r, TRUE);
      r->in_code_block = TRUE;
      push (r, "pre");
      break;
    case MD_BLOCK_HTML:
      block_break (r, TRUE);
      break;
    case MD_BLOCK_P:
      block_break (r, r->list_depth == 0 || r->quote_depth > 0);
      break;
    case MD_BLOCK_TABLE:
      r->in_table = TRUE;
      r->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
      r->head_rows = ((MD_BLOCK_TABLE_DETAIL *) detail)->head_row_count;
      break;
    case MD_BLOCK_THEAD:
    case MD_BLOCK_TBODY:
      break;
    case MD_BLOCK_TR:
      if (r->in_table)
        {
          r->row = g_ptr_array_new_with_free_func (free_gstring);
          g_ptr_array_add (r->rows, r->row);
        }
      break;
    case MD_BLOCK_TH:
    case MD_BLOCK_TD:
      if (r->in_table && r->row != NULL)
        {
          r->cell = g_string_new (NULL);
          g_ptr_array_add (r->row, r->cell);
        }
      break;
    }
  return 0;
}

static int
leave_block (MD_BLOCKTYPE type,
             void        *detail,
             void        *user_data)
{
  Renderer *r = user_data;

  switch (type)
    {
    case MD_BLOCK_QUOTE:
      r->quote_depth--;
      pop (r);
      break;
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
      r->list_depth--;
      break;
    case MD_BLOCK_LI:
    case MD_BLOCK_H:
      pop (r);
      break;
    case MD_BLOCK_CODE:
      r->in_code_block = FALSE;
      /* The last line of a code block ends with a newline already. */
      pop (r);
      break;
    case MD_BLOCK_TABLE:
      if (r->in_table)
        {
          r->in_table = FALSE;
          emit_table (r);
          g_clear_pointer (&r->rows, g_ptr_array_unref);
          r->row = NULL;
          r->cell = NULL;
        }
      break;
    case MD_BLOCK_TR:
      r->row = NULL;
      break;
    case MD_BLOCK_TH:
    case MD_BLOCK_TD:
      r->cell = NULL;
      break;
    default:
      break;
    }
  return 0;
}

static int
enter_span (MD_SPANTYPE type,
            void       *detail,
            void       *user_data)
{
  Renderer *r = user_data;
  const char *tag = NULL;

  switch (type)
    {
    case MD_SPAN_EM:
      tag = "em";
      break;
    case MD_SPAN_STRONG:
      tag = "strong";
      break;
    case MD_SPAN_A:
      tag = "link";
      break;
    case MD_SPAN_CODE:
      tag = "code";
      break;
    case MD_SPAN_DEL:
      tag = "del";
      break;
    case MD_SPAN_U:
      tag = "link";
      break;
    default:
      tag = "em";
      break;
    }
  push (r, tag);
  return 0;
}

static int
leave_span (MD_SPANTYPE type,
            void       *detail,
            void       *user_data)
{
  pop (user_data);
  return 0;
}

static void
put_text (Renderer   *r,
          const char *text,
          gsize       len)
{
  /* GtkTextView draws no paragraph background on an empty line, which would cut a code block
   * in two at each blank line: such a line gets one space. */
  if (r->in_code_block && len == 1 && text[0] == '\n' && gtk_text_iter_starts_line (&r->end))
    {
      insert_plain (r, " \n", 2, NULL);
      return;
    }
  if (r->in_table)
    {
      if (r->cell != NULL)
        {
          g_autofree char *visible = arb_markdown_make_visible (text, len);

          g_string_append (r->cell, visible);
        }
      return;
    }
  insert_plain (r, text, len, NULL);
}

/* The five entities every Markdown renderer decodes, and numeric ones; any other is shown as
 * it was written. */
static void
put_entity (Renderer   *r,
            const char *text,
            gsize       len)
{
  static const struct { const char *name; const char *text; } named[] = {
    { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" }, { "&apos;", "'" },
    { "&nbsp;", "\xC2\xA0" },
  };
  char buf[8];

  for (guint i = 0; i < G_N_ELEMENTS (named); i++)
    if (strlen (named[i].name) == len && memcmp (named[i].name, text, len) == 0)
      {
        put_text (r, named[i].text, strlen (named[i].text));
        return;
      }
  if (len > 3 && text[1] == '#')
    {
      gunichar c = text[2] == 'x' || text[2] == 'X' ? g_ascii_strtoull (text + 3, NULL, 16)
                                                     : g_ascii_strtoull (text + 2, NULL, 10);

      if (c != 0 && g_unichar_validate (c))
        {
          int n = g_unichar_to_utf8 (c, buf);

          put_text (r, buf, n);
          return;
        }
    }
  put_text (r, text, len);
}

static int
text_cb (MD_TEXTTYPE  type,
         const MD_CHAR *text,
         MD_SIZE       size,
         void         *user_data)
{
  Renderer *r = user_data;

  switch (type)
    {
    case MD_TEXT_NULLCHAR:
      put_text (r, "\xEF\xBF\xBD", 3);
      break;
    case MD_TEXT_BR:
      put_text (r, "\n", 1);
      break;
    case MD_TEXT_SOFTBR:
      put_text (r, r->in_table ? " " : "\n", 1);
      break;
    case MD_TEXT_ENTITY:
      put_entity (r, text, size);
      break;
    default:
      put_text (r, text, size);
      break;
    }
  return 0;
}

static void
render_into (GtkTextBuffer *buffer,
             GtkTextIter   *at,
             const char    *text,
             gsize          length)
{
  Renderer r = { 0 };
  MD_PARSER parser = {
    .abi_version = 0,
    .flags = MD_DIALECT_GITHUB | MD_FLAG_NOHTML,
    .enter_block = enter_block,
    .leave_block = leave_block,
    .enter_span = enter_span,
    .leave_span = leave_span,
    .text = text_cb,
  };

  r.buffer = buffer;
  r.end = *at;
  /* A block that starts a line needs no break before it. */
  r.at_start = gtk_text_iter_starts_line (at);
  if (md_parse (text, (MD_SIZE) length, &parser, &r) != 0)
    {
      /* md4c gave up (out of memory): show the text as it is. */
      insert_plain (&r, text, length, NULL);
    }
  g_clear_pointer (&r.rows, g_ptr_array_unref);
  *at = r.end;
}

/**
 * arb_markdown_render:
 *
 * Replaces the buffer's text with the rendering of Markdown text.
 */
void
arb_markdown_render (GtkTextBuffer *buffer,
                     const char    *text,
                     gssize         length)
{
  GtkTextIter start, end;

  g_return_if_fail (GTK_IS_TEXT_BUFFER (buffer));

  ensure_tags (buffer);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_delete (buffer, &start, &end);
  if (text == NULL)
    return;
  if (length < 0)
    length = strlen (text);
  gtk_text_buffer_get_start_iter (buffer, &start);
  render_into (buffer, &start, text, length);
}

static const char *
role_title (const char *role)
{
  if (g_strcmp0 (role, "user") == 0)
    return "User";
  if (g_strcmp0 (role, "assistant") == 0)
    return "Assistant";
  if (g_strcmp0 (role, "system") == 0)
    return "System";
  return role;
}

/**
 * arb_markdown_render_conversation:
 * @messages_json: `[{"role": ..., "content": ...}, ...]`
 *
 * Replaces the buffer's text with the conversation, each message under its role. A single user
 * message is shown without a heading.
 */
void
arb_markdown_render_conversation (GtkTextBuffer *buffer,
                                  const char    *messages_json)
{
  json_object *messages = messages_json ? json_tokener_parse (messages_json) : NULL;
  GtkTextIter at, start, end;
  size_t n;

  ensure_tags (buffer);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_delete (buffer, &start, &end);
  if (messages == NULL || !json_object_is_type (messages, json_type_array))
    {
      if (messages_json != NULL)
        arb_markdown_render (buffer, messages_json, -1);
      json_object_put (messages);
      return;
    }
  n = json_object_array_length (messages);
  gtk_text_buffer_get_start_iter (buffer, &at);
  for (size_t i = 0; i < n; i++)
    {
      json_object *m = json_object_array_get_idx (messages, i);
      json_object *role = NULL, *content = NULL;
      const char *text;

      json_object_object_get_ex (m, "role", &role);
      json_object_object_get_ex (m, "content", &content);
      text = content && json_object_is_type (content, json_type_string)
             ? json_object_get_string (content) : "";
      if (n > 1 || g_strcmp0 (json_object_get_string (role), "user") != 0)
        {
          const char *title = role_title (json_object_get_string (role));
          g_autofree char *visible = arb_markdown_make_visible (title ? title : "?", -1);
          int offset;
          GtkTextIter s;

          if (!gtk_text_iter_is_start (&at))
            gtk_text_buffer_insert (buffer, &at, "\n\n", 2);
          offset = gtk_text_iter_get_offset (&at);
          gtk_text_buffer_insert (buffer, &at, visible, -1);
          gtk_text_buffer_get_iter_at_offset (buffer, &s, offset);
          gtk_text_buffer_apply_tag_by_name (buffer, "role", &s, &at);
          gtk_text_buffer_insert (buffer, &at, "\n", 1);
        }
      render_into (buffer, &at, text, strlen (text));
    }
  json_object_put (messages);
}
