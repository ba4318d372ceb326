#!/usr/bin/python3
# expect-export.py: what trl-stepwise and token-level exports must hold, computed straight from
# the source files in ../shared/data with Python's standard modules, without Arbiter's code,
# and compared row by row with an export. Prints counts as one JSON object; exit status 1 with
# a message on the first difference.
#
#   expect-export.py bbm DIR NEUTRAL AFTER_ERROR EXPORT
#   expect-export.py prm800k NEUTRAL AFTER_ERROR EXPORT FILE...
#   expect-export.py tokenize WS NAME          write a tokenization of every labelled generation
#   expect-export.py tokens SOURCE OVERLAP EXPORT
#
# SPDX-License-Identifier: GPL-3.0-or-later
import glob
import json
import os
import re
import sqlite3
import sys
import uuid


def fail(message):
    print(f"expect-export.py: {message}", file=sys.stderr)
    sys.exit(1)


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f.read().split("\n") if line != ""]


def read_values(path):
    """Every top-level JSON value of a file: JSON Lines or pretty-printed objects one after
    another (PRM800K's samples)."""
    text = open(path, encoding="utf-8").read()
    dec = json.JSONDecoder()
    i, out = 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        value, i = dec.raw_decode(text, i)
        out.append(value)


def sign(x):
    return (x > 0) - (x < 0)


def row_of(steps, values, neutral, after_error):
    """The stepwise rules of docs/export.md on one generation: values[i] is the decided sign of
    step i or None when it is not labelled. Returns (completions, labels, counts)."""
    completions, labels = [], []
    counts = {"neutral": 0, "cut_unlabelled": 0, "cut_neutral": 0, "cut_error": 0}
    poisoned = False
    for i, step in enumerate(steps):
        left = len(steps) - i
        v = values[i] if i < len(values) else None
        if poisoned:
            label = False
        elif v is None:
            counts["cut_unlabelled"] += left
            break
        elif v > 0:
            label = True
        elif v == 0:
            counts["neutral"] += 1
            if neutral == "drop":
                counts["cut_neutral"] += left
                break
            label = neutral == "good"
        else:
            label = False
            if after_error == "drop":
                completions.append(step)
                labels.append(False)
                counts["cut_error"] += left - 1
                break
            poisoned = True
        completions.append(step)
        labels.append(label)
    return completions, labels, counts


def compare(expected, path):
    """expected: {(prompt, tuple(completions)): labels}; the export must hold exactly these."""
    got = {}
    for i, row in enumerate(read_rows(path)):
        if set(row) != {"prompt", "completions", "labels"}:
            fail(f"{path}:{i + 1}: keys {sorted(row)}")
        key = (row["prompt"], tuple(row["completions"]))
        if key in got:
            fail(f"{path}:{i + 1}: a second row for the same prompt and steps")
        got[key] = row["labels"]
    for key, labels in expected.items():
        if key not in got:
            fail(f"{path}: no row for the prompt {key[0][:60]!r} with {len(key[1])} steps")
        if got[key] != labels:
            fail(f"{path}: labels {got[key]} where {labels} are expected, prompt "
                 f"{key[0][:60]!r}")
    for key in got:
        if key not in expected:
            fail(f"{path}: an unexpected row: prompt {key[0][:60]!r}, {len(key[1])} steps")
    return got


def totals(expected, counts):
    labels = [l for ls in expected.values() for l in ls]
    counts.update({"rows": len(expected), "labels": len(labels), "true": sum(labels),
                   "false": len(labels) - sum(labels)})
    print(json.dumps(counts))


def bbm(directory, neutral, after_error, path):
    """BIG-Bench Mistake: steps before mistake_index are correct, that one incorrect, those after
    unlabelled; null: every step correct."""
    expected, counts = {}, {"traces": 0, "steps": 0, "no_mistake": 0, "neutral": 0,
                            "cut_unlabelled": 0, "cut_neutral": 0, "cut_error": 0}
    for name in sorted(glob.glob(os.path.join(directory, "*.jsonl"))):
        for line in open(name, encoding="utf-8"):
            if not line.strip():
                continue
            r = json.loads(line)
            m = r["mistake_index"]
            steps = r["steps"]
            counts["traces"] += 1
            counts["steps"] += len(steps)
            counts["no_mistake"] += m is None
            values = [1] * len(steps) if m is None else [1] * m + [-1]
            completions, labels, c = row_of(steps, values, neutral, after_error)
            for k, v in c.items():
                counts[k] += v
            if completions:
                expected[(r["input"], tuple(completions))] = labels
    compare(expected, path)
    totals(expected, counts)


def prm800k(neutral, after_error, path, files):
    """PRM800K: the chosen path (human completion, else the chosen one, else the labeler stopped:
    the only completion or the first rated -1); each labeler's rating of a step of a path; the
    same path of one problem rated by several labelers: per step the sign with strictly the
    most votes, a draw neutral."""
    paths = {}
    for name in files:
        for r in read_values(name):
            texts, ratings = [], []
            for step in r["label"]["steps"]:
                comps = step.get("completions") or []
                human, chosen = step.get("human_completion"), step.get("chosen_completion")
                last = False
                if isinstance(human, dict):
                    taken = human
                elif isinstance(chosen, int) and 0 <= chosen < len(comps):
                    taken = comps[chosen]
                else:
                    last = True
                    taken = comps[0] if len(comps) == 1 else next(
                        (c for c in comps if c.get("rating") == -1), None)
                if taken is None or not isinstance(taken.get("text"), str):
                    break
                texts.append(taken["text"])
                ratings.append(taken.get("rating"))
                if last:
                    break
            key = (r["question"]["problem"], "\n".join(texts))
            entry = paths.setdefault(key, {"steps": texts, "votes": {}})
            for i, rating in enumerate(ratings):
                if isinstance(rating, (int, float)):
                    entry["votes"].setdefault(i, {}).setdefault(r["labeler"], []).append(rating)
    expected = {}
    counts = {"generations": len(paths), "multi_rated_steps": 0, "neutral": 0,
              "cut_unlabelled": 0, "cut_neutral": 0, "cut_error": 0}
    for (problem, _), entry in paths.items():
        values = []
        for i in range(len(entry["steps"])):
            raters = entry["votes"].get(i)
            if not raters:
                values.append(None)
                continue
            if len(raters) > 1:
                counts["multi_rated_steps"] += 1
            votes = [sign(sum(v) / len(v)) for v in raters.values()]
            n = {s: votes.count(s) for s in (1, 0, -1)}
            best = [s for s in (1, 0, -1) if all(n[s] > n[t] for t in (1, 0, -1) if t != s)]
            values.append(best[0] if best else 0)
        completions, labels, c = row_of(entry["steps"], values, neutral, after_error)
        for k, v in c.items():
            counts[k] += v
        if completions:
            expected[(problem, tuple(completions))] = labels
    compare(expected, path)
    totals(expected, counts)


# ---- tokens ----------------------------------------------------------------------------------

# A whitespace-ish tokenizer: leading white space, then up to five other characters, so that
# tokens straddle span boundaries (what the overlap rule is about).
TOKEN = re.compile(r"\s*\S{1,5}|\s+")


def tokenize(text):
    out, pos = [], 0
    for m in TOKEN.finditer(text):
        s, e = len(text[:m.start()].encode()), len(text[:m.end()].encode())
        out.append((m.group(), s, e))
    return out


def write_tokenizations(ws, name):
    """A tokenization of every generation with a span, written straight into the table, with
    ids from a vocabulary made in order of appearance and the pieces as text."""
    db = sqlite3.connect(ws)
    vocab = {}
    n = 0
    gens = db.execute("SELECT id, text FROM generations WHERE id IN"
                      " (SELECT generation_id FROM spans)").fetchall()
    for gid, text in gens:
        toks = tokenize(text)
        ids = [vocab.setdefault(t, len(vocab) + 3) for t, _, _ in toks]
        db.execute("INSERT INTO tokenizations (uuid, generation_id, tokenizer, in_context,"
                   " token_ids, byte_ranges, pieces, created_at)"
                   " VALUES (?, ?, ?, 0, ?, ?, ?, '2026-12-03T00:00:00Z')",
                   (str(uuid.uuid4()), gid, name, json.dumps(ids),
                    json.dumps([[s, e] for _, s, e in toks]),
                    json.dumps([t for t, _, _ in toks], ensure_ascii=False)))
        n += 1
    db.commit()
    print(json.dumps({"tokenized": n, "vocabulary": len(vocab)}))


def inside(rule, ts, te, ss, se):
    if te <= ts:
        return False
    overlap = min(te, se) - max(ts, ss)
    if rule == "all":
        return ss <= ts and te <= se
    if rule == "majority":
        return 2 * overlap > te - ts
    return overlap > 0 or (ss == se and ts <= ss < te)


def check_tokens(source, rule, path):
    """FineGrainedRLHF: the spans of each exported response are the source's errors on
    'prediction 1' with the same code-point offsets; tokens, token_labels and token_tags are
    what the whitespace-ish tokenizer and the overlap rule give."""
    errors = {}
    if source != "-":
        for r in json.load(open(source, encoding="utf-8")):
            spans = sorted((e["start"], e["end"], e["error type"])
                           for e in r["feedback"]["errors"])
            errors.setdefault(r["prediction 1"], []).append(spans)
    counts = {"rows": 0, "spans": 0, "tokens": 0, "in_span": 0, "labelled": 0,
              "partial_tokens": 0}
    for i, row in enumerate(read_rows(path)):
        where = f"{path}:{i + 1}"
        text = row["response"]
        spans = row["spans"]
        counts["rows"] += 1
        counts["spans"] += len(spans)
        if source != "-":
            got = sorted((s["start"], s["end"], s["label"]) for s in spans)
            if got not in errors.get(text, []):
                fail(f"{where}: spans {got[:3]}… are not the source's errors of this answer")
        if "tokens" not in row:
            continue
        toks = tokenize(text)
        if [t for t, _, _ in toks] != row.get("pieces"):
            fail(f"{where}: pieces differ from the tokenization written")
        if len(row["tokens"]) != len(toks):
            fail(f"{where}: {len(row['tokens'])} tokens where {len(toks)} are expected")
        labels, tags = [], []
        byte_spans = [(len(text[:s["start"]].encode()), len(text[:s["end"]].encode()), s)
                      for s in sorted(spans, key=lambda s: (s["start"], s["end"]))]
        for _, ts, te in toks:
            holders = [s for ss, se, s in byte_spans if inside(rule, ts, te, ss, se)]
            values = [s["value"] for s in holders if s["value"] is not None]
            labels.append(min(values) if values else 0)
            tags.append(holders[0]["label"] if holders else None)
            if any(0 < min(te, se) - max(ts, ss) < te - ts for ss, se, _ in byte_spans):
                counts["partial_tokens"] += 1
        if row["token_labels"] != labels:
            fail(f"{where}: token_labels differ: {row['token_labels'][:20]} vs {labels[:20]}")
        if row["token_tags"] != tags:
            first = next(k for k in range(len(tags)) if tags[k] != row["token_tags"][k])
            fail(f"{where}: token_tags differ at token {first}: {row['token_tags'][first]!r} "
                 f"vs {tags[first]!r}")
        counts["tokens"] += len(toks)
        counts["in_span"] += sum(t is not None for t in tags)
        counts["labelled"] += sum(l != 0 for l in labels)
    print(json.dumps(counts))


def main(argv):
    if len(argv) < 2:
        fail("usage: bbm|prm800k|tokenize|tokens …")
    what, args = argv[1], argv[2:]
    if what == "bbm" and len(args) == 4:
        bbm(*args)
    elif what == "prm800k" and len(args) >= 4:
        prm800k(args[0], args[1], args[2], args[3:])
    elif what == "tokenize" and len(args) == 2:
        write_tokenizations(*args)
    elif what == "tokens" and len(args) == 3:
        check_tokens(*args)
    else:
        fail(f"bad arguments: {argv[1:]}")


if __name__ == "__main__":
    main(sys.argv)
