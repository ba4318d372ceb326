/* arb-units.h: text offsets and units: UTF-8 bytes <-> code points <-> model tokens
 *
 * The one module that converts offsets (DESIGN.md). Every range is a pair of UTF-8 byte offsets
 * into the text, end-exclusive. Pure functions: no I/O, no SQLite, no GTK. Word and sentence
 * boundaries are Unicode's (UAX #29, through Pango's break algorithm, which needs no font).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gint64 start;   /* UTF-8 byte offset, inclusive */
  gint64 end;     /* UTF-8 byte offset, exclusive */
} ArbRange;

/* ---- bytes <-> code points ------------------------------------------------------------ */

/* An index over one text for O(log n) conversions in both directions; @text must be valid
 * UTF-8 of @len bytes (-1: NUL-terminated) and outlive the map. */
typedef struct _ArbOffsetMap ArbOffsetMap;

ArbOffsetMap *arb_offset_map_new            (const char         *text,
                                             gssize              len);
void          arb_offset_map_free           (ArbOffsetMap       *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ArbOffsetMap, arb_offset_map_free)

gint64        arb_offset_map_n_bytes        (const ArbOffsetMap *map);
gint64        arb_offset_map_n_code_points  (const ArbOffsetMap *map);
/* -1 when @byte is outside [0, n_bytes] or not on a character boundary. */
gint64        arb_offset_map_byte_to_cp     (const ArbOffsetMap *map,
                                             gint64              byte);
/* -1 when @cp is outside [0, n_code_points]. */
gint64        arb_offset_map_cp_to_byte     (const ArbOffsetMap *map,
                                             gint64              cp);

/* One-off conversions (linear in the offset). Same -1 rules. */
gint64        arb_utf8_byte_to_cp           (const char         *text,
                                             gssize              len,
                                             gint64              byte);
gint64        arb_utf8_cp_to_byte           (const char         *text,
                                             gssize              len,
                                             gint64              cp);

/* ---- units ----------------------------------------------------------------------------- */

typedef enum
{
  ARB_UNITS_WORDS,        /* UAX #29 word segments that are not only white space: words,
                           * numbers, each punctuation mark or symbol, each emoji sequence */
  ARB_UNITS_SENTENCES,    /* UAX #29 sentences, without their trailing white space */
  ARB_UNITS_LINES,        /* non-empty lines, without the line break */
  ARB_UNITS_PARAGRAPHS,   /* runs of non-blank lines separated by blank lines */
  ARB_UNITS_CHARACTERS,   /* grapheme clusters that are not white space */
} ArbUnitKind;

/* Names used in settings, the CLI and the GUI: "words", "sentences", "lines", "paragraphs",
 * "characters". FALSE for an unknown name. */
gboolean     arb_unit_kind_from_string      (const char         *name,
                                             ArbUnitKind        *out_kind);
const char  *arb_unit_kind_to_string        (ArbUnitKind         kind);

/* The units of @text, in order, non-overlapping, never empty, never only white space
 * (g_unichar_isspace()). Untrusted text is fine: each byte of an invalid UTF-8 sequence, and
 * each NUL within @len, is taken as a character of its own (as if it were '?'). */
GArray      *arb_units_segment              (const char         *text,
                                             gssize              len,
                                             ArbUnitKind         kind);

/* Reasoning steps cut where a line starts with @pattern (a GRegex matched at each line's start,
 * e.g. "Step \\d+:"); text before the first match is a step of its own when it is not blank.
 * Steps exclude the trailing line break and white space. NULL with @error for a bad pattern. */
GArray      *arb_units_steps_by_pattern     (const char         *text,
                                             gssize              len,
                                             const char         *pattern,
                                             GError            **error);

/* The index of the unit containing @byte, else of the first unit after it, else n (none).
 * Units with an empty range contain nothing and are skipped. */
guint        arb_units_find                 (const ArbRange     *units,
                                             guint               n_units,
                                             gint64              byte);

/* The smallest run of units (sorted, non-overlapping, as tokens are) that covers [start, end):
 * every unit whose range intersects it (an empty range: the unit containing it). FALSE when
 * none does. @out_cover is the byte range from the first unit's start to the last's end, which
 * contains [start, end) whenever the units cover the text. Units with an empty range (special
 * tokens) are never part of a cover. */
gboolean     arb_units_cover                (const ArbRange     *units,
                                             guint               n_units,
                                             gint64              start,
                                             gint64              end,
                                             guint              *out_first,
                                             guint              *out_last_exclusive,
                                             ArbRange           *out_cover);

/* ---- model tokens ---------------------------------------------------------------------- */

typedef enum
{
  ARB_PIECES_AUTO,           /* guess from the pieces (below) */
  ARB_PIECES_TEXT,           /* already decoded bytes, as llama.cpp's /tokenize with_pieces */
  ARB_PIECES_SENTENCEPIECE,  /* "▁" is a space, "<0xNN>" is one byte (byte fallback) */
  ARB_PIECES_BYTE_LEVEL,     /* GPT-2 byte-level BPE: each byte mapped to a printable code
                              * point ("Ġ" space, "Ċ" newline), as vLLM's token strings of
                              * Llama 3, Qwen, GPT-2 */
} ArbPieceEncoding;

/* Decode one vocabulary piece to its bytes (appended to @out). FALSE when the piece cannot be
 * in that encoding. Special tokens ("<s>", "<|eot_id|>") of SentencePiece and byte-level
 * vocabularies decode to their own text; the caller tells them apart by ids if it needs to. */
gboolean     arb_piece_decode               (const char         *piece,
                                             gssize              len,
                                             ArbPieceEncoding    encoding,
                                             GByteArray         *out);

/* The code point GPT-2's byte-level table writes @byte as (U+0021-U+0143); the inverse of
 * arb_piece_decode() with %ARB_PIECES_BYTE_LEVEL, for building byte-level pieces. */
gunichar     arb_byte_level_char            (guint8              byte);

/* The encoding most consistent with @pieces (NULL-terminated): byte-level when pieces use its
 * marks ("Ġ", or "Ã©"-style high bytes) and all decode in it to valid UTF-8, SentencePiece when
 * they use "▁" or "<0xNN>", else text. Never ARB_PIECES_AUTO. */
ArbPieceEncoding arb_pieces_guess_encoding  (const char * const *pieces);

/* Byte ranges of each token within @text. @decoded holds each token's bytes (GBytes*) in
 * order; their concatenation must contain @text, possibly inside a chat template (in-context
 * tokenisation) and possibly with one space a SentencePiece tokenizer put in front. A token
 * that lies outside @text gets the empty range at the nearest end of it ({0,0} or {len,len});
 * a token that straddles an end of @text is clipped to it; a token that ends inside a
 * multi-byte character (a byte-fallback piece) keeps its exact byte range. When @text occurs more than once, the
 * last occurrence is used (the response comes after the prompt). NULL with @error
 * (ARB_EVAL_ERROR_INVALID, saying where the first difference is) when the tokens do not
 * reproduce @text. */
GArray      *arb_tokens_align               (const char         *text,
                                             gssize              len,
                                             GPtrArray          *decoded,
                                             GError            **error);

G_END_DECLS
