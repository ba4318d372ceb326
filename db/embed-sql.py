#!/usr/bin/env python3
"""Turns a .sql file into a C header holding it as one string constant."""
import sys

src, dst, name = sys.argv[1], sys.argv[2], sys.argv[3]
with open(src, encoding='utf-8') as f:
    text = f.read()
lines = []
for line in text.splitlines():
    lines.append('  "' + line.replace('\\', '\\\\').replace('"', '\\"') + '\\n"')
with open(dst, 'w', encoding='utf-8') as f:
    f.write('/* Generated from %s; do not edit. */\n' % src.split('/')[-1])
    f.write('static const char %s[] =\n%s;\n' % (name, '\n'.join(lines)))
