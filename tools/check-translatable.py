#!/usr/bin/python3
"""check-translatable.py: every visible string is translatable and po/POTFILES.in is complete.

    check-translatable.py SOURCE_ROOT
    check-translatable.py --self-test

Checks, under SOURCE_ROOT:
  (a) every file in app/, widgets/ and data/ with a translatable string (_(), N_(), C_(), NC_(),
      ngettext(), translatable="yes", or a file that gettext translates by its format: .desktop.in,
      .metainfo.xml.in, .gschema.xml, .mime.xml.in) is listed in po/POTFILES.in, unless
      po/POTFILES.skip lists it; and every file listed there exists;
  (b) in .ui files, the text properties (label, title, subtitle, tooltip-text, ...) and the
      <attribute name="label"> of menus that contain a letter are marked translatable="yes";
  (c) in C files in app/ and widgets/, no string literal with a letter is passed as the text of
      gtk_label_new (), gtk_window_set_title (), adw_toast_new () and the like without _().
Also warns (without failing) about a translatable string pasted with a macro, such as
_("%" G_GINT64_FORMAT " rows"): xgettext extracts only the part before the macro.

Prints "FILE:LINE: message" for each problem and exits 1 if there is one; otherwise prints a
summary line and exits 0. --self-test runs the checks over fixtures with known problems in a
temporary directory and exits 0 only if exactly those are found.

SPDX-License-Identifier: GPL-3.0-or-later
"""
import bisect
import os
import re
import sys
import tempfile
import xml.parsers.expat

SCANNED_DIRS = ('app', 'widgets', 'data')
C_DIRS = ('app', 'widgets')
C_EXTS = ('.c', '.h')
SCANNED_EXTS = C_EXTS + ('.ui', '.xml', '.in', '.js', '.py', '.vala', '.blp')
# Files gettext translates by their format, without any marker inside.
FORMAT_TRANSLATED = ('.desktop.in', '.desktop.in.in', '.metainfo.xml.in', '.appdata.xml.in',
                     '.gschema.xml', '.mime.xml.in')

UI_TEXT_PROPERTIES = {
    'label', 'title', 'subtitle', 'tooltip-text', 'tooltip-markup', 'placeholder-text',
    'description', 'text', 'heading', 'body', 'button-label', 'comments', 'website-label',
    'summary',
}
TRUE_VALUES = {'yes', 'true', '1', 'y', 't'}

# Function -> 0-based indices of its text arguments. 'pairs' marks
# adw_message_dialog_add_responses (self, id, label, id, label, ..., NULL).
TEXT_ARGS = {
    'gtk_label_new': (0,),
    'gtk_label_new_with_mnemonic': (0,),
    'gtk_label_set_text': (1,),
    'gtk_label_set_label': (1,),
    'gtk_label_set_text_with_mnemonic': (1,),
    'gtk_button_new_with_label': (0,),
    'gtk_button_new_with_mnemonic': (0,),
    'gtk_button_set_label': (1,),
    'gtk_check_button_new_with_label': (0,),
    'gtk_check_button_new_with_mnemonic': (0,),
    'gtk_check_button_set_label': (1,),
    'gtk_menu_button_set_label': (1,),
    'gtk_window_set_title': (1,),
    'gtk_widget_set_tooltip_text': (1,),
    'gtk_entry_set_placeholder_text': (1,),
    'gtk_file_filter_set_name': (1,),
    'gtk_file_chooser_native_new': (0, 3, 4),
    'g_menu_append': (1,),
    'g_menu_prepend': (1,),
    'g_menu_insert': (2,),
    'g_menu_item_new': (0,),
    'adw_toast_new': (0,),
    'adw_toast_new_format': (0,),
    'adw_toast_set_title': (1,),
    'adw_toast_set_button_label': (1,),
    'adw_status_page_set_title': (1,),
    'adw_status_page_set_description': (1,),
    'adw_preferences_row_set_title': (1,),
    'adw_preferences_group_set_title': (1,),
    'adw_preferences_group_set_description': (1,),
    'adw_preferences_page_set_title': (1,),
    'adw_action_row_set_subtitle': (1,),
    'adw_expander_row_set_subtitle': (1,),
    'adw_window_title_new': (0, 1),
    'adw_window_title_set_title': (1,),
    'adw_window_title_set_subtitle': (1,),
    'adw_button_content_set_label': (1,),
    'adw_split_button_set_label': (1,),
    'adw_message_dialog_new': (1, 2),
    'adw_message_dialog_set_heading': (1,),
    'adw_message_dialog_set_body': (1,),
    'adw_message_dialog_format_heading': (1,),
    'adw_message_dialog_format_body': (1,),
    'adw_message_dialog_add_response': (2,),
    'adw_message_dialog_set_response_label': (2,),
    'adw_message_dialog_add_responses': 'pairs',
}
# Gettext markers -> indices of their msgid arguments.
MARKERS = {'_': (0,), 'N_': (0,), 'C_': (1,), 'NC_': (1,), 'ngettext': (0, 1)}

MARK_RE = re.compile(r'(?<![\w$])(?:N?C?_|ngettext|g_dngettext|g_dpgettext2)\s*\(')
TRANSLATABLE_ATTR_RE = re.compile(r'translatable\s*=\s*["\'](?:yes|true|1|y|t)["\']', re.I)
XML_COMMENT_RE = re.compile(r'<!--.*?-->', re.S)
IDENT_RE = re.compile(r'[A-Za-z_]\w*')
PRINTF_RE = re.compile(r"%(?:\d+\$)?[-+ #0']*(?:\*|\d+)?(?:\.(?:\*|\d+))?"
                       r"(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcspn%]")
ESCAPE_RE = re.compile(r'\\(?:x[0-9a-fA-F]+|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)')


class Report:
    def __init__(self):
        self.problems = []   # (path, line, message)
        self.warnings = []

    def problem(self, path, line, message):
        self.problems.append((path, line, message))

    def warning(self, path, line, message):
        self.warnings.append((path, line, message))


def has_letter(text):
    return any(ch.isalpha() for ch in text)


def literal_has_words(body):
    """A C literal's body has a letter outside escapes and printf directives ("%s" has none)."""
    return has_letter(PRINTF_RE.sub('', ESCAPE_RE.sub('', body)))


def split_c(src):
    """Returns (code, text): code has comments and the insides of literals blanked, text has
    only the comments blanked. Both keep every offset and newline of src."""
    code, text = list(src), list(src)
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith('/*', i) or src.startswith('//', i):
            if src[i + 1] == '*':
                end = src.find('*/', i + 2)
                end = n if end < 0 else end + 2
            else:
                end = src.find('\n', i)
                end = n if end < 0 else end
            for j in range(i, end):
                if src[j] != '\n':
                    code[j] = text[j] = ' '
            i = end
        elif c in '"\'':
            j = i + 1
            while j < n and src[j] != c and src[j] != '\n':
                j += 2 if src[j] == '\\' else 1
            for k in range(i + 1, min(j, n)):
                if src[k] != '\n':
                    code[k] = ' '
            i = j + 1
        else:
            i += 1
    return ''.join(code), ''.join(text)


def parse_args(code, open_paren):
    """The arguments of the call whose '(' is at open_paren: a list of dicts with the span, the
    top-level literal spans (opening quote, closing quote) and the top-level identifiers."""
    args, depth, i, n = [], 0, open_paren, len(code)
    cur = {'start': open_paren + 1, 'literals': [], 'idents': []}
    while i < n:
        c = code[i]
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
            if depth == 0:
                cur['end'] = i
                args.append(cur)
                return args
        elif c == ',' and depth == 1:
            cur['end'] = i
            args.append(cur)
            cur = {'start': i + 1, 'literals': [], 'idents': []}
        elif c in '"\'':
            end = code.find(c, i + 1)
            if end < 0:
                return args
            if c == '"' and depth == 1:
                cur['literals'].append((i, end))
            i = end
        elif depth == 1 and (c.isalpha() or c == '_') and not (code[i - 1].isalnum()
                                                               or code[i - 1] == '_'):
            m = IDENT_RE.match(code, i)
            cur['idents'].append(m.group())
            i = m.end() - 1
        i += 1
    return args


class Lines:
    def __init__(self, src):
        self.starts = [0] + [m.end() for m in re.finditer('\n', src)]

    def of(self, offset):
        return bisect.bisect_right(self.starts, offset)


def check_c(path, rel, report):
    with open(path, encoding='utf-8', errors='replace') as f:
        src = f.read()
    code, text = split_c(src)
    lines = Lines(src)
    names = '|'.join(sorted(TEXT_ARGS, key=len, reverse=True))
    for m in re.finditer(r'(?<![\w.>])(%s)\s*\(' % names, code):
        func = m.group(1)
        args = parse_args(code, m.end() - 1)
        spec = TEXT_ARGS[func]
        indices = range(2, len(args), 2) if spec == 'pairs' else spec
        for k in indices:
            if k >= len(args):
                continue
            for start, end in args[k]['literals']:
                body = text[start + 1:end]
                if literal_has_words(body):
                    report.problem(rel, lines.of(start),
                                   'untranslated string "%s" passed to %s (); wrap it in _()'
                                   % (body, func))
                    break
    for m in MARK_RE.finditer(code):
        name = m.group().rstrip('( \t\n')
        args = parse_args(code, m.end() - 1)
        for k in MARKERS.get(name, ()):
            # xgettext understands <inttypes.h>'s PRId64 and friends (it writes %<PRId64>);
            # GLib's G_GINT64_FORMAT it does not.
            idents = [i for i in args[k]['idents'] if not re.fullmatch(r'PRI[diouxX](8|16|32|64|MAX|PTR|LEAST\d+|FAST\d+)', i)] if k < len(args) else []
            if k < len(args) and args[k]['literals'] and idents:
                start = args[k]['literals'][0][0]
                report.warning(rel, lines.of(start),
                               'translatable string pasted with %s: xgettext extracts only "%s"'
                               % (', '.join(dict.fromkeys(idents)),
                                  text[start + 1:args[k]['literals'][0][1]]))


def check_ui(path, rel, report):
    parser = xml.parsers.expat.ParserCreate()
    stack = []   # [name, attrs, line, text parts]

    def start(name, attrs):
        stack.append([name, attrs, parser.CurrentLineNumber, []])

    def end(name):
        tag, attrs, line, parts = stack.pop()
        value = ''.join(parts).strip()
        if not value or not has_letter(value):
            return
        text_element = ((tag == 'property' and attrs.get('name') in UI_TEXT_PROPERTIES)
                        or (tag == 'attribute' and attrs.get('name') == 'label'))
        if text_element and attrs.get('translatable', 'no').lower() not in TRUE_VALUES:
            report.problem(rel, line, '<%s name="%s"> "%s" is not translatable="yes"'
                           % (tag, attrs.get('name'), value))

    def chars(data):
        if stack:
            stack[-1][3].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        with open(path, 'rb') as f:
            parser.ParseFile(f)
    except xml.parsers.expat.ExpatError as e:
        report.problem(rel, e.lineno, 'does not parse: %s' % xml.parsers.expat.ErrorString(e.code))


def read_list(root, name, report):
    path = os.path.join(root, 'po', name)
    entries = {}
    if not os.path.exists(path):
        return entries, False
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if line.startswith('['):   # intltool's "[type: gettext/glade] file"
                line = line.split(']', 1)[-1].strip()
            if not line or line.startswith('#'):
                continue
            if line in entries:
                report.warning('po/' + name, number, '%s is listed twice' % line)
            entries.setdefault(line, number)
            if not os.path.isfile(os.path.join(root, line)):
                report.problem('po/' + name, number, '%s does not exist' % line)
    return entries, True


def first_mark(rel, src):
    """The line of the first translatable mark in src, or None."""
    if rel.endswith(C_EXTS):
        code = split_c(src)[0]
        m = MARK_RE.search(code)
    else:
        code = XML_COMMENT_RE.sub(lambda c: re.sub(r'[^\n]', ' ', c.group()), src)
        m = MARK_RE.search(code) if rel.endswith(('.js', '.py', '.vala')) else None
        m = TRANSLATABLE_ATTR_RE.search(code) or m
    if m:
        return Lines(src).of(m.start())
    if rel.endswith(FORMAT_TRANSLATED):
        return 1
    return None


def check_tree(root):
    report = Report()
    listed, found = read_list(root, 'POTFILES.in', report)
    if not found:
        report.problem('po/POTFILES.in', 0, 'missing')
    skipped, _unused = read_list(root, 'POTFILES.skip', report)
    counts = {'ui': 0, 'c': 0}

    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root).replace(os.sep, '/')
                if not name.endswith(SCANNED_EXTS):
                    continue
                with open(path, encoding='utf-8', errors='replace') as f:
                    src = f.read()
                line = first_mark(rel, src)
                if line is None:
                    if rel in listed:
                        report.warning(rel, 1, 'listed in po/POTFILES.in but has no '
                                       'translatable string')
                elif rel not in listed and rel not in skipped:
                    report.problem(rel, line, 'has translatable strings but is not listed in '
                                   'po/POTFILES.in')
                if name.endswith('.ui'):
                    counts['ui'] += 1
                    check_ui(path, rel, report)
                elif name.endswith(C_EXTS) and top in C_DIRS:
                    counts['c'] += 1
                    check_c(path, rel, report)
    return report, len(listed), counts


def print_report(report):
    for path, line, message in report.problems:
        print('%s:%d: %s' % (path, line, message))
    for path, line, message in report.warnings:
        print('%s:%d: warning: %s' % (path, line, message))


# ---- self-test -------------------------------------------------------------------------------
# Lines marked BAD (or BAD2 for two problems) must be reported, and nothing else; WARN lines must
# give a warning. The marks sit in comments, which the checks ignore.

GOOD_C = r'''#include <glib/gi18n.h>
static void
good (GtkWidget *w, GtkLabel *label, AdwMessageDialog *d, GMenu *menu, gboolean on)
{
  gtk_label_new (_("Hello"));
  gtk_label_set_text (label, "%d");
  gtk_label_set_text (label, "%s\n");
  gtk_label_set_text (label, "• —");
  gtk_widget_set_tooltip_text (w, NULL);
  gtk_button_set_icon_name (GTK_BUTTON (w), "document-open-symbolic");
  adw_message_dialog_add_response (d, "cancel", _("_Cancel"));
  adw_message_dialog_add_responses (d, "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  gtk_label_set_text (label, on ? _("On") : C_("switch", "Off"));
  g_menu_append (menu, _("_Open"), "win.open");
  gtk_window_set_title (GTK_WINDOW (w), g_strdup_printf (_("%s — Arbiter"), "x"));
  /* gtk_label_new ("only in a comment"); */
  g_print ("gtk_label_new (\"inside a string\")");
}
'''

BAD_C = r'''#include <glib/gi18n.h>
static void
bad (GtkWidget *w, GtkLabel *label, AdwMessageDialog *d, GMenu *menu, gboolean on, gint64 n)
{
  gtk_label_new (_("Fine"));
  gtk_label_new ("Hello");                                        /* BAD */
  gtk_window_set_title (GTK_WINDOW (w), "Arbiter");               /* BAD */
  adw_message_dialog_add_response (d, "cancel", "Cancel");        /* BAD */
  d = adw_message_dialog_new (GTK_WINDOW (w), "Delete?", NULL);   /* BAD */
  gtk_label_set_text (label, on ? "On" : "Off");                  /* BAD */
  adw_toast_new ("Saved "                                         /* BAD */
                 "the workspace");
  g_menu_append (menu, "Quit", "app.quit");                       /* BAD */
  adw_message_dialog_add_responses (d, "a", _("A"), "b", "B", NULL); /* BAD */
  gtk_label_set_text (label, "%" G_GINT64_FORMAT " items");       /* BAD */
  gtk_widget_set_tooltip_text (w,
                               (const char *) "Close");           /* BAD */
  gtk_label_set_text (label, _("%" G_GINT64_FORMAT " rows"));     /* WARN */
}
'''

GNU_MARK_C = 'static const char *s = N_ ("spaced marker");\n'

GOOD_UI = '''<?xml version="1.0" encoding="UTF-8"?>
<interface>
  <menu id="menu">
    <section>
      <item>
        <attribute name="label" translatable="yes">_Quit</attribute>
        <attribute name="action">app.quit</attribute>
      </item>
    </section>
  </menu>
  <template class="ArbThing" parent="GtkBox">
    <child>
      <object class="GtkLabel">
        <property name="label" translatable="yes" context="x">Hello</property>
        <property name="tooltip-text" translatable="true">Greeting</property>
        <property name="icon-name">document-open-symbolic</property>
        <property name="action-name">win.open</property>
        <property name="css-classes">title-1</property>
      </object>
    </child>
    <child>
      <object class="GtkLabel">
        <property name="label">100</property>
        <property name="title"></property>
        <property name="text" bind-source="x" bind-property="text"/>
      </object>
    </child>
  </template>
</interface>
'''

BAD_UI = '''<?xml version="1.0" encoding="UTF-8"?>
<interface>
  <menu id="menu">
    <section>
      <item>
        <attribute name="label">_Quit</attribute> <!-- BAD -->
        <attribute name="action">app.quit</attribute>
      </item>
    </section>
  </menu>
  <template class="ArbBad" parent="GtkBox">
    <child>
      <object class="AdwStatusPage">
        <property name="title" translatable="no">Arbiter</property> <!-- BAD -->
        <property name="description">Open a workspace</property> <!-- BAD -->
        <property name="icon-name">document-open-symbolic</property>
      </object>
    </child>
    <child>
      <object class="GtkButton">
        <property name="label">_Open</property> <!-- BAD -->
        <property name="tooltip-text">Open a workspace</property> <!-- BAD -->
        <property name="label" translatable="yes">Fine</property>
      </object>
    </child>
  </template>
</interface>
'''

DESKTOP = '[Desktop Entry]\nName=Thing\nType=Application\nExec=thing\n'
SCHEMA = ('<schemalist><schema id="x" path="/x/"><key name="k" type="b"><default>false</default>'
          '<summary>K</summary></key></schema></schemalist>\n')


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def marked(rel, text, mark):
    out = set()
    for number, line in enumerate(text.splitlines(), 1):
        if mark in line:
            out.add((rel, number))
    return out


def run_fixture(name, files, potfiles, expected, expected_warnings):
    with tempfile.TemporaryDirectory(prefix='check-translatable-') as root:
        for rel, text in files.items():
            write(root, rel, text)
        write(root, 'po/POTFILES.in', '# fixture\n' + ''.join(p + '\n' for p in potfiles))
        report, _n, _counts = check_tree(root)
    got = {(p, line) for p, line, _m in report.problems}
    got_warnings = {(p, line) for p, line, _m in report.warnings}
    ok = (got == expected and len(report.problems) == len(expected)
          and got_warnings == expected_warnings)
    print('self-test %s: %d problems, %d warnings: %s'
          % (name, len(report.problems), len(report.warnings), 'as expected' if ok else 'WRONG'))
    if not ok:
        print_report(report)
        for p, line in sorted(expected - got):
            print('  missed: %s:%d' % (p, line))
        for p, line in sorted(got - expected):
            print('  not expected: %s:%d' % (p, line))
        for p, line in sorted(expected_warnings ^ got_warnings):
            print('  warning expected or not: %s:%d' % (p, line))
    return ok


def self_test():
    good = {
        'app/good.c': GOOD_C,
        'app/good.ui': GOOD_UI,
        'data/thing.desktop.in': DESKTOP,
        'data/thing.gschema.xml': SCHEMA,
        'data/other.xml': '<gresources/>\n',
        'app/meson.build': "executable('x', 'good.c')\n",
    }
    listed = ['app/good.c', 'app/good.ui', 'data/thing.desktop.in', 'data/thing.gschema.xml']
    ok = run_fixture('clean tree', good, listed, set(), set())

    bad = dict(good)
    bad.update({
        'app/bad.c': BAD_C,            # listed: only the (c) problems
        'app/bad.ui': BAD_UI,          # listed: only the (b) problems
        'widgets/unlisted.c': GNU_MARK_C,
        'data/unlisted.gschema.xml': SCHEMA,
        'data/unlisted.ui': GOOD_UI,
        'app/no-strings.c': 'int x;\n',
    })
    listed_bad = listed + ['app/bad.c', 'app/bad.ui', 'app/missing.c', 'app/no-strings.c']
    missing_line = 2 + listed_bad.index('app/missing.c')   # after the fixture's comment line
    expected = (marked('app/bad.c', BAD_C, 'BAD') | marked('app/bad.ui', BAD_UI, 'BAD')
                | {('widgets/unlisted.c', 1), ('data/unlisted.gschema.xml', 1),
                   ('data/unlisted.ui', 6), ('po/POTFILES.in', missing_line)})
    warnings = marked('app/bad.c', BAD_C, 'WARN') | {('app/no-strings.c', 1)}
    # The checks are not vacuous: a clean tree passes and each kind of problem is found.
    ok = run_fixture('broken tree', bad, listed_bad, expected, warnings) and ok
    return 0 if ok else 1


def main(argv):
    if argv == ['--self-test']:
        return self_test()
    if len(argv) != 1 or argv[0].startswith('-'):
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[0]
    report, n_listed, counts = check_tree(root)
    print_report(report)
    if report.problems:
        print('check-translatable: %d problem%s' % (len(report.problems),
                                                  '' if len(report.problems) == 1 else 's'))
        return 1
    print('check-translatable: ok: %d files in po/POTFILES.in, %d .ui and %d C files checked, '
          '%d warnings' % (n_listed, counts['ui'], counts['c'], len(report.warnings)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
