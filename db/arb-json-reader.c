/* arb-json-reader.c: streaming reader of JSON records
 *
 * Reads one JSON value at a time from a file that is JSON Lines, concatenated JSON values, or a
 * single top-level array (returned element by element), optionally gzip-compressed. Memory holds
 * one chunk of input and the value being parsed, never the whole file. Positions are tracked as
 * 1-based lines and code-point columns so that errors can say file:line:column.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "arb-json-reader.h"

#define CHUNK (64 * 1024)

G_DEFINE_QUARK (arb-import-error-quark, arb_import_error)

typedef enum
{
  STATE_START,
  STATE_VALUES,              /* JSON Lines or concatenated values */
  STATE_ARRAY_FIRST,         /* after '[': a value or ']' */
  STATE_ARRAY_VALUE,         /* after ',': a value */
  STATE_ARRAY_SEPARATOR,     /* after a value: ',' or ']' */
  STATE_ARRAY_DONE,          /* after the closing ']' */
} ReaderState;

struct _ArbJsonReader
{
  char             *name;
  GInputStream     *raw;
  GConverter       *decompressor;
  GChecksum        *sha256;
  char             *sha256_hex;

  guint64           raw_offset;
  guint64           size;
  gboolean          compressed;
  gboolean          raw_eof;
  gboolean          eof;
  gboolean          fatal;

  guchar           *raw_buf;
  gsize             raw_len;
  gsize             raw_pos;

  guchar            buf[CHUNK];
  gsize             buf_len;
  gsize             buf_pos;

  ReaderState       state;
  gboolean          in_value;
  gboolean          at_start;
  gboolean          sniffed;
  gboolean          gzip_done;
  gsize             value_bytes;
  json_tokener     *tok;

  guint64           line;
  guint64           column;
  guint64           value_line;
  guint64           value_column;
};

static void
reader_init (ArbJsonReader *self,
             GInputStream  *raw,
             const char    *name,
             guint64        size)
{
  self->name = g_strdup (name);
  self->raw = g_object_ref (raw);
  self->size = size;
  self->sha256 = g_checksum_new (G_CHECKSUM_SHA256);
  self->raw_buf = g_malloc (CHUNK);
  self->tok = json_tokener_new_ex (ARB_JSON_READER_MAX_DEPTH);
  json_tokener_set_flags (self->tok, JSON_TOKENER_VALIDATE_UTF8);
  self->state = STATE_START;
  self->at_start = TRUE;
  self->line = 1;
  self->column = 1;
}

/**
 * arb_json_reader_new_for_stream:
 * @stream: the raw (possibly gzip-compressed) input
 * @display_name: the name used in error messages
 *
 * Returns: (transfer full): a new reader
 */
ArbJsonReader *
arb_json_reader_new_for_stream (GInputStream *stream,
                                const char   *display_name)
{
  ArbJsonReader *self = g_new0 (ArbJsonReader, 1);

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  reader_init (self, stream, display_name ? display_name : "<stream>", 0);
  return self;
}

/**
 * arb_json_reader_new_for_path:
 * @path: a file name
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): a new reader, or %NULL if the file cannot be opened
 */
ArbJsonReader *
arb_json_reader_new_for_path (const char  *path,
                              GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  ArbJsonReader *self;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_commandline_arg (path);
  in = g_file_read (file, NULL, &local_error);
  if (in == NULL)
    {
      g_set_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_IO,
                   "%s: cannot open: %s", path, local_error->message);
      return NULL;
    }
  info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, NULL);

  self = g_new0 (ArbJsonReader, 1);
  reader_init (self, G_INPUT_STREAM (in), path,
               info != NULL ? (guint64) g_file_info_get_size (info) : 0);
  return self;
}

void
arb_json_reader_free (ArbJsonReader *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->raw);
  g_clear_object (&self->decompressor);
  g_clear_pointer (&self->sha256, g_checksum_free);
  g_clear_pointer (&self->tok, json_tokener_free);
  g_free (self->sha256_hex);
  g_free (self->raw_buf);
  g_free (self->name);
  g_free (self);
}

static void G_GNUC_PRINTF (4, 5)
set_error_at (ArbJsonReader *self,
              GError       **error,
              int            code,
              const char    *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, ARB_IMPORT_ERROR, code, "%s:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ": %s",
               self->name, self->line, self->column, message);
}

/* Reads more raw bytes; hashes them as they pass. Returns FALSE on an I/O error. */
static gboolean
read_raw (ArbJsonReader *self,
          guchar        *dest,
          gsize          max,
          gsize         *out_len,
          GCancellable  *cancellable,
          GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize n;

  n = g_input_stream_read (self->raw, dest, max, cancellable, &local_error);
  if (n < 0)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_CANCELLED, "%s: cancelled",
                     self->name);
      else
        g_set_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_IO, "%s: read error: %s",
                     self->name, local_error->message);
      self->fatal = TRUE;
      return FALSE;
    }
  if (n > 0)
    g_checksum_update (self->sha256, dest, n);
  self->raw_offset += n;
  *out_len = n;
  return TRUE;
}

/* Fills self->buf with decoded bytes. Sets self->eof at the end of the data. */
static gboolean
fill (ArbJsonReader *self,
      GCancellable  *cancellable,
      GError       **error)
{
  /* Bytes not yet consumed (an incomplete UTF-8 sequence) move to the front and stay. */
  gsize keep = self->buf_len - self->buf_pos;

  memmove (self->buf, self->buf + self->buf_pos, keep);
  self->buf_pos = 0;
  self->buf_len = keep;

  if (!self->sniffed)
    {
      self->sniffed = TRUE;
      /* Sniff the gzip magic number rather than trusting the file name. */
      gsize n = 0;

      if (!read_raw (self, self->raw_buf, CHUNK, &n, cancellable, error))
        return FALSE;
      if (n == 0)
        self->raw_eof = TRUE;
      self->raw_len = n;
      self->raw_pos = 0;
      if (n >= 2 && self->raw_buf[0] == 0x1f && self->raw_buf[1] == 0x8b)
        {
          self->compressed = TRUE;
          self->decompressor = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
        }
      else
        {
          memcpy (self->buf, self->raw_buf, n);
          self->buf_len = n;
          self->raw_len = 0;
          self->compressed = FALSE;
          if (n == 0)
            self->eof = TRUE;
          return TRUE;
        }
    }

  if (!self->compressed)
    {
      gsize n = 0;

      if (!read_raw (self, self->buf + keep, CHUNK - keep, &n, cancellable, error))
        return FALSE;
      self->buf_len = keep + n;
      if (n == 0)
        self->eof = TRUE;
      return TRUE;
    }

  if (self->gzip_done)
    {
      self->eof = TRUE;
      return TRUE;
    }

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      GConverterResult res;
      gsize bytes_read = 0, bytes_written = 0;

      if (self->raw_pos == self->raw_len && !self->raw_eof)
        {
          gsize n = 0;

          if (!read_raw (self, self->raw_buf, CHUNK, &n, cancellable, error))
            return FALSE;
          self->raw_len = n;
          self->raw_pos = 0;
          if (n == 0)
            self->raw_eof = TRUE;
        }

      res = g_converter_convert (self->decompressor,
                                 self->raw_buf + self->raw_pos, self->raw_len - self->raw_pos,
                                 self->buf + keep, CHUNK - keep,
                                 self->raw_eof ? G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
                                 &bytes_read, &bytes_written, &local_error);
      if (res == G_CONVERTER_ERROR)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            {
              if (self->raw_eof)
                {
                  g_set_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_TRUNCATED,
                               "%s: the gzip data ends early (truncated file?) after %"
                               G_GUINT64_FORMAT " compressed bytes", self->name, self->raw_offset);
                  self->fatal = TRUE;
                  return FALSE;
                }
              /* Needs more input: move the unread tail to the front and read on. */
              {
                gsize tail = self->raw_len - self->raw_pos;
                gsize n = 0;

                memmove (self->raw_buf, self->raw_buf + self->raw_pos, tail);
                self->raw_pos = 0;
                self->raw_len = tail;
                if (!read_raw (self, self->raw_buf + tail, CHUNK - tail, &n, cancellable, error))
                  return FALSE;
                self->raw_len += n;
                if (n == 0)
                  self->raw_eof = TRUE;
              }
              continue;
            }
          g_set_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_TRUNCATED,
                       "%s: corrupt gzip data: %s", self->name, local_error->message);
          self->fatal = TRUE;
          return FALSE;
        }

      self->raw_pos += bytes_read;
      if (res == G_CONVERTER_FINISHED)
        {
          /* A gzip file may hold several members one after another. */
          if (self->raw_pos == self->raw_len && !self->raw_eof)
            {
              gsize n = 0;

              if (!read_raw (self, self->raw_buf, CHUNK, &n, cancellable, error))
                return FALSE;
              self->raw_len = n;
              self->raw_pos = 0;
              if (n == 0)
                self->raw_eof = TRUE;
            }
          if (self->raw_pos == self->raw_len)
            self->gzip_done = TRUE;
          else
            g_converter_reset (self->decompressor);
          if (bytes_written == 0 && self->gzip_done)
            {
              self->eof = TRUE;
              return TRUE;
            }
        }
      if (bytes_written > 0)
        {
          self->buf_len = keep + bytes_written;
          return TRUE;
        }
    }
}

/* Moves the position over n bytes at p, counting lines and code points. */
static void
advance (ArbJsonReader *self,
         const guchar  *p,
         gsize          n)
{
  const guchar *end = p + n;
  const guchar *nl;
  const guchar *last = NULL;
  gsize cont = 0;

  while ((nl = memchr (p, '\n', end - p)) != NULL)
    {
      self->line++;
      last = nl;
      p = nl + 1;
    }
  if (last != NULL)
    self->column = 1;
  for (const guchar *q = p; q < end; q++)
    cont += (*q & 0xC0) == 0x80;
  self->column += (end - p) - cont;
}

/* How many bytes at the end of p[0..n) are the start of a UTF-8 sequence that is not complete. */
static gsize
incomplete_utf8_tail (const guchar *p,
                      gsize         n)
{
  for (gsize back = 1; back <= 3 && back <= n; back++)
    {
      guchar c = p[n - back];
      gsize need;

      if ((c & 0xC0) == 0x80)
        continue;           /* a continuation byte: look further back for the lead byte */
      if ((c & 0xE0) == 0xC0)
        need = 2;
      else if ((c & 0xF0) == 0xE0)
        need = 3;
      else if ((c & 0xF8) == 0xF0)
        need = 4;
      else
        return 0;           /* ASCII or an invalid byte: nothing to wait for */
      return need > back ? back : 0;
    }
  return 0;
}

static gboolean
is_space (guchar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Refuses a NUL inside any string of a parsed value: text with NUL cannot be shown or stored
 * faithfully as C strings, and real data sets never mean it. */
static const char *
find_nul (json_object *value)
{
  switch (json_object_get_type (value))
    {
    case json_type_string:
      {
        int len = json_object_get_string_len (value);
        return memchr (json_object_get_string (value), '\0', len) != NULL ? "" : NULL;
      }
    case json_type_array:
      for (size_t i = 0, n = json_object_array_length (value); i < n; i++)
        {
          const char *r = find_nul (json_object_array_get_idx (value, i));
          if (r != NULL)
            return r;
        }
      return NULL;
    case json_type_object:
      {
        json_object_object_foreach (value, key, child)
          {
            if (child != NULL)
              {
                const char *r = find_nul (child);
                if (r != NULL)
                  return *r ? r : key;
              }
          }
        return NULL;
      }
    case json_type_null:
    case json_type_boolean:
    case json_type_double:
    case json_type_int:
    default:
      return NULL;
    }
}

static gboolean
finish_value (ArbJsonReader *self,
              json_object   *value,
              json_object  **out_value,
              GError       **error)
{
  const char *nul_key;

  self->in_value = FALSE;
  if (self->state == STATE_ARRAY_FIRST || self->state == STATE_ARRAY_VALUE)
    self->state = STATE_ARRAY_SEPARATOR;

  nul_key = find_nul (value);
  if (nul_key != NULL)
    {
      g_set_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_NUL,
                   "%s:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT
                   ": text contains a NUL character (\\u0000)%s%s%s",
                   self->name, self->value_line, self->value_column,
                   *nul_key ? " in field \"" : "", nul_key, *nul_key ? "\"" : "");
      json_object_put (value);
      return FALSE;
    }
  *out_value = value;
  return TRUE;
}

/**
 * arb_json_reader_next:
 * @reader: a reader
 * @out_value: (out) (transfer full): the next value
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Reads the next record: the next line or value, or the next element of a top-level array.
 *
 * Returns: %TRUE with a value, %FALSE at the end of the data (no error set) or on error
 */
gboolean
arb_json_reader_next (ArbJsonReader  *self,
                      json_object   **out_value,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);

  *out_value = NULL;
  if (self->fatal)
    {
      g_set_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_IO,
                   "%s: cannot read on after an earlier error", self->name);
      return FALSE;
    }

  for (;;)
    {
      if (self->buf_pos == self->buf_len)
        {
          if (self->eof)
            break;
          if (!fill (self, cancellable, error))
            return FALSE;
          if (self->buf_len == 0 && self->eof)
            break;
          continue;
        }

      if (!self->in_value)
        {
          guchar c;

          if (self->at_start)
            {
              self->at_start = FALSE;
              /* A UTF-8 byte order mark is not JSON, but editors write one. */
              if (self->buf_len - self->buf_pos >= 3 &&
                  memcmp (self->buf + self->buf_pos, "\xEF\xBB\xBF", 3) == 0)
                self->buf_pos += 3;
              continue;
            }

          c = self->buf[self->buf_pos];
          if (is_space (c))
            {
              advance (self, &self->buf[self->buf_pos], 1);
              self->buf_pos++;
              continue;
            }

          switch (self->state)
            {
            case STATE_START:
              if (c == '[')
                {
                  self->state = STATE_ARRAY_FIRST;
                  advance (self, &c, 1);
                  self->buf_pos++;
                  continue;
                }
              self->state = STATE_VALUES;
              break;
            case STATE_ARRAY_FIRST:
              if (c == ']')
                {
                  self->state = STATE_ARRAY_DONE;
                  advance (self, &c, 1);
                  self->buf_pos++;
                  continue;
                }
              break;
            case STATE_ARRAY_SEPARATOR:
              if (c == ',' || c == ']')
                {
                  self->state = c == ',' ? STATE_ARRAY_VALUE : STATE_ARRAY_DONE;
                  advance (self, &c, 1);
                  self->buf_pos++;
                  continue;
                }
              set_error_at (self, error, ARB_IMPORT_ERROR_SYNTAX,
                            "expected ',' or ']' between array elements");
              self->fatal = TRUE;
              return FALSE;
            case STATE_ARRAY_DONE:
              set_error_at (self, error, ARB_IMPORT_ERROR_SYNTAX,
                            "unexpected data after the closing ']' of the top-level array");
              self->fatal = TRUE;
              return FALSE;
            case STATE_VALUES:
            case STATE_ARRAY_VALUE:
            default:
              break;
            }

          self->in_value = TRUE;
          self->value_bytes = 0;
          self->value_line = self->line;
          self->value_column = self->column;
          json_tokener_reset (self->tok);
        }

      /* Inside a value: hand the buffered bytes to the incremental tokener. */
      {
        const guchar *p = self->buf + self->buf_pos;
        gsize n = self->buf_len - self->buf_pos;
        json_object *value;
        enum json_tokener_error jerr;
        gsize used;

        /* The tokener's UTF-8 check fails on a character split between two chunks, so an
         * incomplete sequence at the end waits for the next chunk. */
        if (!self->eof)
          {
            gsize held = incomplete_utf8_tail (p, n);

            if (held == n)
              {
                /* At the end of the data the broken tail is fed as it is, and fails. */
                if (!fill (self, cancellable, error))
                  return FALSE;
                continue;
              }
            n -= held;
          }

        value = json_tokener_parse_ex (self->tok, (const char *) p, (int) n);
        jerr = json_tokener_get_error (self->tok);
        used = json_tokener_get_parse_end (self->tok);
        if (used > n)
          used = n;

        if (jerr == json_tokener_continue)
          {
            advance (self, p, n);
            self->buf_pos += n;
            self->value_bytes += n;
            if (self->value_bytes > ARB_JSON_READER_MAX_RECORD)
              {
                g_set_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_TOO_LARGE,
                             "%s:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT
                             ": one record is larger than %u MiB", self->name,
                             self->value_line, self->value_column,
                             ARB_JSON_READER_MAX_RECORD / (1024 * 1024));
                self->in_value = FALSE;
                return FALSE;
              }
            continue;
          }

        if (jerr == json_tokener_success && value != NULL)
          {
            advance (self, p, used);
            self->buf_pos += used;
            return finish_value (self, value, out_value, error);
          }

        /* A syntax error: report where the tokener stopped. */
        advance (self, p, used);
        self->buf_pos += used;
        self->in_value = FALSE;
        if (jerr == json_tokener_error_depth)
          set_error_at (self, error, ARB_IMPORT_ERROR_DEPTH,
                        "nested deeper than %d levels", ARB_JSON_READER_MAX_DEPTH);
        else if (jerr == json_tokener_error_parse_utf8_string)
          set_error_at (self, error, ARB_IMPORT_ERROR_UTF8, "invalid UTF-8");
        else
          set_error_at (self, error, ARB_IMPORT_ERROR_SYNTAX, "%s",
                        json_tokener_error_desc (jerr));
        return FALSE;
      }
    }

  /* End of the data. */
  if (self->in_value)
    {
      /* A bare number at the very end needs a delimiter before the tokener will finish it. */
      json_object *value = json_tokener_parse_ex (self->tok, " ", 1);

      if (value != NULL)
        return finish_value (self, value, out_value, error);
      self->in_value = FALSE;
      self->fatal = TRUE;
      g_set_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_SYNTAX,
                   "%s:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT
                   ": the file ends inside a value that starts here (truncated file?)",
                   self->name, self->value_line, self->value_column);
      return FALSE;
    }
  if (self->state == STATE_ARRAY_FIRST || self->state == STATE_ARRAY_VALUE ||
      self->state == STATE_ARRAY_SEPARATOR)
    {
      self->fatal = TRUE;
      set_error_at (self, error, ARB_IMPORT_ERROR_SYNTAX,
                    "the file ends before the closing ']' of the top-level array");
      return FALSE;
    }
  return FALSE;
}

/**
 * arb_json_reader_recover:
 * @reader: a reader that has just reported an error
 *
 * Skips to the start of the next line so that reading can go on after a bad record. Only line
 * oriented input (JSON Lines, concatenated values) can recover; an array or a compressed stream
 * that is corrupt cannot.
 *
 * Returns: %TRUE if reading can go on
 */
gboolean
arb_json_reader_recover (ArbJsonReader  *self,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->fatal || self->state != STATE_VALUES)
    {
      g_set_error (error, ARB_IMPORT_ERROR, ARB_IMPORT_ERROR_SYNTAX,
                   "%s: cannot skip a bad record here: only JSON Lines can skip bad records",
                   self->name);
      return FALSE;
    }
  self->in_value = FALSE;
  json_tokener_reset (self->tok);
  /* Already at a line start (the error was the newline itself)? */
  if (self->column == 1)
    return TRUE;
  for (;;)
    {
      const guchar *p, *nl;

      if (self->buf_pos == self->buf_len)
        {
          if (self->eof)
            return TRUE;
          if (!fill (self, cancellable, error))
            return FALSE;
          continue;
        }
      p = self->buf + self->buf_pos;
      nl = memchr (p, '\n', self->buf_len - self->buf_pos);
      if (nl == NULL)
        {
          advance (self, p, self->buf_len - self->buf_pos);
          self->buf_pos = self->buf_len;
          continue;
        }
      advance (self, p, nl + 1 - p);
      self->buf_pos += nl + 1 - p;
      return TRUE;
    }
}

const char *
arb_json_reader_get_name (ArbJsonReader *self)
{
  return self->name;
}

/* The line and column where the last value started. */
guint64
arb_json_reader_get_line (ArbJsonReader *self)
{
  return self->value_line;
}

guint64
arb_json_reader_get_column (ArbJsonReader *self)
{
  return self->value_column;
}

gboolean
arb_json_reader_is_array (ArbJsonReader *self)
{
  return self->state >= STATE_ARRAY_FIRST;
}

gboolean
arb_json_reader_is_compressed (ArbJsonReader *self)
{
  return self->compressed;
}

/* Raw (compressed) bytes read so far, for progress against arb_json_reader_get_size(). */
guint64
arb_json_reader_get_offset (ArbJsonReader *self)
{
  return self->raw_offset;
}

guint64
arb_json_reader_get_size (ArbJsonReader *self)
{
  return self->size;
}

/**
 * arb_json_reader_get_sha256:
 *
 * Returns: (nullable): the SHA-256 of the raw file, once all of it has been read
 */
const char *
arb_json_reader_get_sha256 (ArbJsonReader *self)
{
  if (!self->eof || self->fatal)
    return NULL;
  if (self->sha256_hex == NULL)
    self->sha256_hex = g_strdup (g_checksum_get_string (self->sha256));
  return self->sha256_hex;
}
