#!/usr/bin/python3
"""check-mime.py: checks Arbiter's shared-mime-info definition.

    check-mime.py MIME.XML
        The file parses; it defines application/x-arbiter-workspace as a subclass of
        application/vnd.sqlite3 with the glob *.arbiter, and its magic is the SQLite header at
        offset 0 with Arbiter's application_id ("ARBI", PRAGMA application_id 0x41524249) at
        offset 68 nested inside it, so that both must hold.

    check-mime.py --sniff MIME.XML ARBITER-CLI
        Installs the file into a temporary XDG data directory (update-mime-database), creates a
        workspace with `arbiter-cli init` and asks GIO (`gio info`) for the content types of: the
        workspace, the same file renamed to .db (found by magic alone) and a plain SQLite file
        (which must stay application/vnd.sqlite3). Exits 77 (skip) if update-mime-database or gio
        is missing.

Prints one line per problem and exits 1 if there is one, else prints a summary and exits 0.

SPDX-License-Identifier: GPL-3.0-or-later
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

NS = '{http://www.freedesktop.org/standards/shared-mime-info}'
TYPE = 'application/x-arbiter-workspace'
SQLITE_HEADER = 'SQLite format 3\\0'
APP_ID = 0x41524249  # db/arb-workspace.c, ARB_APPLICATION_ID


def app_id_matches(match):
    """True if a <match> tests for the application_id bytes 41 52 42 49 at offset 68."""
    if match.get('offset') != '68':
        return False
    kind, value = match.get('type'), match.get('value', '')
    if kind == 'string':
        return value == 'ARBI'
    if kind == 'big32':
        try:
            return int(value, 0) == APP_ID
        except ValueError:
            return False
    return False


def check_structure(path):
    problems = []
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        return ['%s: does not parse: %s' % (path, e)]

    if root.tag != NS + 'mime-info':
        problems.append('%s: root element is %s, not mime-info in the shared-mime-info namespace'
                        % (path, root.tag))
    types = [t for t in root.findall(NS + 'mime-type') if t.get('type') == TYPE]
    if len(types) != 1:
        return problems + ['%s: defines %s %d times, not once' % (path, TYPE, len(types))]
    mt = types[0]

    lang = '{http://www.w3.org/XML/1998/namespace}lang'
    comments = [c for c in mt.findall(NS + 'comment') if c.get(lang) is None]
    if not [c for c in comments if (c.text or '').strip()]:
        problems.append('%s: %s has no untranslated <comment>' % (path, TYPE))
    globs = [g.get('pattern') for g in mt.findall(NS + 'glob')]
    if '*.arbiter' not in globs:
        problems.append('%s: no <glob pattern="*.arbiter"/> (globs: %s)' % (path, globs))
    parents = [s.get('type') for s in mt.findall(NS + 'sub-class-of')]
    if 'application/vnd.sqlite3' not in parents:
        problems.append('%s: not a sub-class-of application/vnd.sqlite3' % path)

    found = False
    for magic in mt.findall(NS + 'magic'):
        for outer in magic.findall(NS + 'match'):
            if (outer.get('offset') == '0' and outer.get('type') == 'string'
                    and outer.get('value') == SQLITE_HEADER
                    and any(app_id_matches(inner) for inner in outer.findall(NS + 'match'))):
                found = True
        try:
            if int(magic.get('priority', '50')) <= 50:
                problems.append('%s: magic priority %s is not above that of '
                                'application/vnd.sqlite3 (50)'
                                % (path, magic.get('priority', '50 (default)')))
        except ValueError:
            problems.append('%s: magic priority %r is not a number' % (path, magic.get('priority')))
    if not found:
        problems.append('%s: no magic <match offset="0" value="%s"> with a nested match of the '
                        'application_id ARBI at offset 68' % (path, SQLITE_HEADER))
    return problems


def content_type(path, env):
    out = subprocess.run(['gio', 'info', '-a', 'standard::content-type', path], env=env,
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if 'standard::content-type:' in line:
            return line.split(':', 3)[-1].strip()
    return None


def check_sniff(path, cli):
    if shutil.which('update-mime-database') is None or shutil.which('gio') is None:
        print('update-mime-database or gio not found: skipped')
        sys.exit(77)
    problems = []
    with tempfile.TemporaryDirectory(prefix='arbiter-mime-') as tmp:
        share = os.path.join(tmp, 'share')
        packages = os.path.join(share, 'mime', 'packages')
        os.makedirs(packages)
        # The system's database gives application/vnd.sqlite3, the type ours derives from.
        system = '/usr/share/mime/packages/freedesktop.org.xml'
        if os.path.exists(system):
            shutil.copy(system, packages)
        shutil.copy(path, os.path.join(packages, 'io.arbiter.Arbiter.xml'))
        subprocess.run(['update-mime-database', os.path.join(share, 'mime')], check=True,
                       capture_output=True)
        env = dict(os.environ, XDG_DATA_HOME=share, XDG_DATA_DIRS=share)

        ws = os.path.join(tmp, 'sample.arbiter')
        subprocess.run([cli, 'init', ws], check=True, capture_output=True)
        renamed = os.path.join(tmp, 'renamed.db')
        shutil.copy(ws, renamed)
        plain = os.path.join(tmp, 'plain.db')
        with sqlite3.connect(plain) as db:
            db.execute('CREATE TABLE t (x)')

        for f, want in ((ws, TYPE), (renamed, TYPE), (plain, 'application/vnd.sqlite3')):
            got = content_type(f, env)
            print('%s: %s' % (os.path.basename(f), got))
            if got != want:
                problems.append('%s: content type %s, expected %s'
                                % (os.path.basename(f), got, want))
    return problems


def main(argv):
    if len(argv) == 3 and argv[0] == '--sniff':
        path = argv[1]
        problems = check_structure(path)
        if not problems:
            problems = check_sniff(path, argv[2])
    elif len(argv) == 1 and not argv[0].startswith('-'):
        path = argv[0]
        problems = check_structure(path)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    if problems:
        return 1
    print('%s: ok (%s, glob *.arbiter, magic SQLite header at 0 + ARBI at 68)' % (path, TYPE))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
