/* test-markdown.c: untrusted Markdown into a text buffer (suite gui)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "arb-markdown.h"

static char *
render (const char *md)
{
  g_autoptr(GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  GtkTextIter s, e;

  arb_markdown_render (buffer, md, -1);
  gtk_text_buffer_get_bounds (buffer, &s, &e);
  return gtk_text_buffer_get_text (buffer, &s, &e, FALSE);
}

/* Whether the text at needle carries the tag. */
static gboolean
has_tag_at (GtkTextBuffer *buffer,
            const char    *needle,
            const char    *tag)
{
  GtkTextIter start, match_start, match_end;
  GtkTextTag *t = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), tag);

  g_assert_nonnull (t);
  gtk_text_buffer_get_start_iter (buffer, &start);
  if (!gtk_text_iter_forward_search (&start, needle, 0, &match_start, &match_end, NULL))
    return FALSE;
  return gtk_text_iter_has_tag (&match_start, t);
}

static void
test_blocks (void)
{
  g_autoptr(GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  const char *md =
    "# Title\n\nSome *emphasis*, **strong** and `inline code`.\n\n"
    "- one\n- two\n  1. nested\n\n"
    "> quoted\n\n"
    "```python\nprint('hi')\n```\n\n"
    "| name | n |\n|---|---|\n| alpha | 1 |\n| b | 22 |\n\n"
    "[a link](http://example.com) and <b>raw html</b>\n";
  GtkTextIter s, e;
  g_autofree char *text = NULL;

  arb_markdown_render (buffer, md, -1);
  gtk_text_buffer_get_bounds (buffer, &s, &e);
  text = gtk_text_buffer_get_text (buffer, &s, &e, FALSE);
  g_test_message ("%s", text);
  g_assert_true (has_tag_at (buffer, "Title", "h1"));
  g_assert_true (has_tag_at (buffer, "emphasis", "em"));
  g_assert_true (has_tag_at (buffer, "strong", "strong"));
  g_assert_true (has_tag_at (buffer, "inline code", "code"));
  g_assert_true (has_tag_at (buffer, "print('hi')", "pre"));
  g_assert_true (has_tag_at (buffer, "quoted", "quote"));
  g_assert_true (has_tag_at (buffer, "a link", "link"));
  g_assert_true (has_tag_at (buffer, "│ alpha │", "table"));
  g_assert_nonnull (strstr (text, "• one\n• two\n"));
  g_assert_nonnull (strstr (text, "1. nested"));
  /* Table columns padded to the widest cell. */
  g_assert_nonnull (strstr (text, "│ name  │ n  │\n"));
  g_assert_nonnull (strstr (text, "│ alpha │ 1  │\n"));
  g_assert_nonnull (strstr (text, "│ b     │ 22 │\n"));
  /* Raw HTML is text; the URL is not shown as markup. */
  g_assert_nonnull (strstr (text, "<b>raw html</b>"));
  g_assert_null (strstr (text, "```"));
}

static void
test_untrusted (void)
{
  /* Pango markup characters, a right-to-left override, control characters, an escape. */
  g_autofree char *text = render ("<span foreground='red'>x</span> &amp; a\xE2\x80\xAE" "txt.exe "
                                  "bell\x07 esc\x1b[31m");

  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "<span foreground='red'>x</span> & a"));
  g_assert_nonnull (strstr (text, "⟦U+202E⟧txt.exe"));
  g_assert_nonnull (strstr (text, "bell\xE2\x90\x87"));  /* U+2407 SYMBOL FOR BELL */
  g_assert_nonnull (strstr (text, "esc\xE2\x90\x9B[31m"));  /* U+241B */
  g_assert_null (strstr (text, "\xE2\x80\xAE"));
}

static void
test_long_line (void)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *text = NULL;

  for (int i = 0; i < 200000 / 10; i++)
    g_string_append (s, "abcdefghi ");
  text = render (s->str);
  /* Cut into paragraphs (U+2029) of at most 4 000 characters, nothing else changed. */
  {
    g_auto(GStrv) parts = g_strsplit (text, "\xE2\x80\xA9", -1);
    g_autofree char *joined = g_strjoinv ("", parts);

    g_assert_cmpuint (g_strv_length (parts), >=, 50);
    for (guint i = 0; parts[i] != NULL; i++)
      g_assert_cmpuint (g_utf8_strlen (parts[i], -1), <=, 4000);
    g_assert_cmpuint (g_utf8_strlen (joined, -1), ==, 200000 - 1);
    g_assert_true (g_str_has_prefix (s->str, joined));
  }
}

static void
test_conversation (void)
{
  g_autoptr(GtkTextBuffer) buffer = gtk_text_buffer_new (NULL);
  GtkTextIter s, e;
  g_autofree char *text = NULL;

  arb_markdown_render_conversation (buffer, "[{\"role\": \"user\", \"content\": \"Hi **there**\"},"
                                            " {\"role\": \"assistant\", \"content\": \"Hello\"},"
                                            " {\"role\": \"user\", \"content\": \"Go on\"}]");
  gtk_text_buffer_get_bounds (buffer, &s, &e);
  text = gtk_text_buffer_get_text (buffer, &s, &e, FALSE);
  g_assert_cmpstr (text, ==, "User\nHi there\n\nAssistant\nHello\n\nUser\nGo on");
  g_assert_true (has_tag_at (buffer, "Assistant", "role"));
  g_assert_true (has_tag_at (buffer, "there", "strong"));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arbiter/gui/markdown/blocks", test_blocks);
  g_test_add_func ("/arbiter/gui/markdown/untrusted", test_untrusted);
  g_test_add_func ("/arbiter/gui/markdown/long-line", test_long_line);
  g_test_add_func ("/arbiter/gui/markdown/conversation", test_conversation);
  return g_test_run ();
}
