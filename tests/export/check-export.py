#!/usr/bin/python3
# check-export.py: load an arbiter-cli export with Python's standard json, csv and gzip modules
# only (what a training script would do), check its keys, types, role order and hygiene, and
# print counts as one JSON object on stdout. Exit status 1 with a message on the first fault.
#
#   check-export.py FORMAT [--conversational] [--implicit] [--keys PROMPT,CHOSEN,REJECTED] FILE...
#
# With several files (the parts of a split) it also counts prompts that are in more than one.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import csv
import gzip
import hashlib
import io
import json
import sys

VERDICT_COLUMNS = [
    "verdict_uuid", "rater", "rater_kind", "rater_origin", "rater_role", "presented", "sample",
    "strength", "preference", "status", "dimensions", "rationale", "seconds", "created_at",
    "comparison_uuid", "prompt_uuid", "generation_a_uuid", "generation_b_uuid", "system_a",
    "system_b", "prompt", "response_a", "response_b",
]


def fail(where, message):
    print(f"{where}: {message}", file=sys.stderr)
    sys.exit(1)


def open_text(path):
    raw = open(path, "rb").read()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def check_messages(where, messages, what):
    if not isinstance(messages, list) or not messages:
        fail(where, f"{what} is not a non-empty list of messages")
    for m in messages:
        if not isinstance(m, dict) or not isinstance(m.get("role"), str) \
                or not isinstance(m.get("content"), str):
            fail(where, f"{what}: a message without string role and content: {m!r}")
        if m["role"] not in ("system", "user", "assistant"):
            fail(where, f"{what}: unknown role {m['role']!r}")


def check_role_order(where, prompt, response, what):
    """The prompt then the response alternate user and assistant (a system message may open
    the prompt), the prompt ends with the user and the response with the assistant."""
    roles = [m["role"] for m in prompt + response]
    if roles[0] == "system":
        roles = roles[1:]
    if not roles or roles[0] != "user":
        fail(where, f"{what}: the conversation does not start with the user: {roles}")
    for i, role in enumerate(roles):
        if role != ("user" if i % 2 == 0 else "assistant"):
            fail(where, f"{what}: roles do not alternate: {roles}")
    if prompt[-1]["role"] != "user" or response[0]["role"] != "assistant" \
            or response[-1]["role"] != "assistant":
        fail(where, f"{what}: the prompt must end with the user, the response begin and end "
                    f"with the assistant")


def check_pair_row(where, row, keys, conversational, counts):
    pk, ck, rk = keys
    allowed = {pk, ck, rk, "margin", "tie"}
    if not {pk, ck, rk} <= set(row) or not set(row) <= allowed:
        fail(where, f"keys {sorted(row)}; expected {pk}, {ck}, {rk} (margin, tie)")
    if conversational:
        check_messages(where, row[pk], pk)
        check_messages(where, row[ck], ck)
        check_messages(where, row[rk], rk)
        check_role_order(where, row[pk], row[ck], ck)
        check_role_order(where, row[pk], row[rk], rk)
    else:
        for k in (pk, ck, rk):
            if not isinstance(row[k], str):
                fail(where, f"{k} is not a string")
    if row[ck] == row[rk]:
        fail(where, "chosen equals rejected")
    if "margin" in row:
        if not isinstance(row["margin"], (int, float)) or isinstance(row["margin"], bool):
            fail(where, "margin is not a number")
        counts["margin_min"] = min(counts.get("margin_min", row["margin"]), row["margin"])
        counts["margin_max"] = max(counts.get("margin_max", row["margin"]), row["margin"])
    if "tie" in row:
        if not isinstance(row["tie"], bool):
            fail(where, "tie is not a boolean")
        counts["ties"] += row["tie"]
    return row[pk]


def check_implicit_row(where, row, conversational, counts):
    """TRL's implicit prompt: chosen and rejected are the whole conversation, sharing the
    prompt as their common beginning."""
    if not {"chosen", "rejected"} <= set(row) or not set(row) <= {"chosen", "rejected", "margin",
                                                                   "tie"}:
        fail(where, f"keys {sorted(row)}; expected chosen, rejected (margin, tie)")
    c, r = row["chosen"], row["rejected"]
    if conversational:
        check_messages(where, c, "chosen")
        check_messages(where, r, "rejected")
        k = 0
        while k < min(len(c), len(r)) and c[k] == r[k]:
            k += 1
        if k == 0 or c[k - 1]["role"] != "user":
            fail(where, "chosen and rejected do not share a prompt that ends with the user")
        check_role_order(where, c[:k], c[k:], "chosen")
        check_role_order(where, r[:k], r[k:], "rejected")
        prompt = c[:k]
    else:
        if not isinstance(c, str) or not isinstance(r, str):
            fail(where, "chosen and rejected must be strings")
        end = c.rfind("\n\nAssistant: ") + len("\n\nAssistant: ")
        if not c.startswith("\n\nHuman: ") or end < len("\n\nAssistant: ") \
                or not r.startswith(c[:end]):
            fail(where, "chosen and rejected are not one transcript that differs after the last "
                        "\\n\\nAssistant: ")
        prompt = c[:end]
    if c == r:
        fail(where, "chosen equals rejected")
    return prompt


def check_stepwise_row(where, row, conversational, counts):
    if list(row) != ["prompt", "completions", "labels"]:
        fail(where, f"keys {list(row)}; expected prompt, completions, labels in this order")
    if conversational:
        check_messages(where, row["prompt"], "prompt")
        if row["prompt"][-1]["role"] != "user":
            fail(where, "the prompt does not end with the user")
    elif not isinstance(row["prompt"], str):
        fail(where, "prompt is not a string")
    steps, labels = row["completions"], row["labels"]
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
        fail(where, "completions is not a non-empty list of strings")
    if not isinstance(labels, list) or len(labels) != len(steps) \
            or not all(isinstance(x, bool) for x in labels):
        fail(where, "labels is not a list of booleans, one per completion")
    counts["steps"] += len(steps)
    counts["labels_true"] += sum(labels)
    counts["labels_false"] += len(labels) - sum(labels)
    return row["prompt"]


def check_token_row(where, row, conversational, counts):
    keys = list(row)
    if keys[:3] != ["prompt", "response", "spans"] or \
            keys[3:] not in ([], ["tokens", "token_labels", "token_tags"],
                             ["tokens", "pieces", "token_labels", "token_tags"]):
        fail(where, f"keys {keys}; expected prompt, response, spans (tokens, pieces, "
                    f"token_labels, token_tags)")
    if conversational:
        check_messages(where, row["prompt"], "prompt")
    elif not isinstance(row["prompt"], str):
        fail(where, "prompt is not a string")
    text = row["response"]
    if not isinstance(text, str):
        fail(where, "response is not a string")
    if not isinstance(row["spans"], list) or not row["spans"]:
        fail(where, "spans is not a non-empty list")
    for s in row["spans"]:
        if not isinstance(s, dict) or list(s) != ["start", "end", "label", "value", "rater"]:
            fail(where, f"a span {s!r}; expected start, end, label, value, rater")
        if not all(isinstance(s[k], int) and not isinstance(s[k], bool) for k in ("start", "end")) \
                or not 0 <= s["start"] <= s["end"] <= len(text):
            fail(where, f"span offsets {s['start']}–{s['end']} outside the response's "
                        f"{len(text)} code points")
        if not isinstance(s["label"], str) or not isinstance(s["rater"], str):
            fail(where, "a span's label and rater must be strings")
        if s["value"] is not None and (not isinstance(s["value"], (int, float))
                                       or isinstance(s["value"], bool)):
            fail(where, "a span's value must be a number or null")
    counts["spans"] += len(row["spans"])
    if "tokens" in row:
        n = len(row["tokens"])
        if not all(isinstance(t, int) and not isinstance(t, bool) for t in row["tokens"]):
            fail(where, "tokens are not integers")
        if "pieces" in row and (len(row["pieces"]) != n or
                                not all(isinstance(p, str) for p in row["pieces"])):
            fail(where, "pieces are not one string per token")
        if len(row["token_labels"]) != n or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool)
                for x in row["token_labels"]):
            fail(where, "token_labels are not one number per token")
        if len(row["token_tags"]) != n or not all(x is None or isinstance(x, str)
                                                  for x in row["token_tags"]):
            fail(where, "token_tags are not one string or null per token")
        counts["tokens"] += n
        counts["tokenized"] += 1
    return row["prompt"]


def check_kto_row(where, row, conversational, counts):
    if set(row) != {"prompt", "completion", "label"}:
        fail(where, f"keys {sorted(row)}; expected prompt, completion, label")
    if not isinstance(row["label"], bool):
        fail(where, "label is not a boolean")
    if conversational:
        check_messages(where, row["prompt"], "prompt")
        check_messages(where, row["completion"], "completion")
        check_role_order(where, row["prompt"], row["completion"], "completion")
    elif not isinstance(row["prompt"], str) or not isinstance(row["completion"], str):
        fail(where, "prompt and completion must be strings")
    counts["labels_true" if row["label"] else "labels_false"] += 1
    return row["prompt"]


def check_verdict(where, row, from_csv, counts):
    if list(row) != VERDICT_COLUMNS:
        fail(where, f"columns {list(row)}")
    for k in ("verdict_uuid", "rater", "rater_kind", "rater_origin", "rater_role", "status",
              "created_at", "comparison_uuid", "prompt_uuid", "generation_a_uuid",
              "generation_b_uuid", "system_a", "system_b", "response_a", "response_b"):
        if not isinstance(row[k], str) or (row[k] == "" and k not in ("response_a", "response_b")):
            fail(where, f"{k} is not a non-empty string")
    if row["rater_kind"] not in ("human", "judge", "reward_model"):
        fail(where, f"rater_kind {row['rater_kind']!r}")
    if row["rater_role"] not in ("annotator", "gold", "adjudicator"):
        fail(where, f"rater_role {row['rater_role']!r}")
    if row["status"] not in ("ok", "unparseable", "failed"):
        fail(where, f"status {row['status']!r}")
    if from_csv:
        pref = float(row["preference"]) if row["preference"] != "" else None
        strength = int(row["strength"]) if row["strength"] != "" else None
        presented = row["presented"] or None
        dims = json.loads(row["dimensions"])
    else:
        pref, strength, presented, dims = (row["preference"], row["strength"], row["presented"],
                                           row["dimensions"])
        if pref is not None and (not isinstance(pref, (int, float)) or isinstance(pref, bool)):
            fail(where, "preference is not a number")
        if not isinstance(row["prompt"], (str, list)):
            fail(where, "prompt is neither text nor messages")
    if pref is not None and not 0 <= pref <= 1:
        fail(where, f"preference {pref} outside [0, 1]")
    if strength not in (None, 0, 1, 2):
        fail(where, f"strength {strength!r}")
    if presented not in (None, "ab", "ba"):
        fail(where, f"presented {presented!r}")
    if not isinstance(dims, dict):
        fail(where, "dimensions is not an object")
    if row["status"] == "ok" and pref is None:
        fail(where, "an ok verdict without a preference")
    counts["dimensions"] += len(dims)
    return row["prompt_uuid"]


def main(argv):
    args = argv[1:]
    if not args:
        fail("check-export.py", "usage: FORMAT [--conversational] [--keys P,C,R] FILE...")
    fmt = args.pop(0)
    conversational = False
    implicit = False
    keys = ("prompt", "chosen", "rejected")
    files = []
    while args:
        a = args.pop(0)
        if a == "--conversational":
            conversational = True
        elif a == "--implicit":
            implicit = True
        elif a == "--keys":
            keys = tuple(args.pop(0).split(","))
        else:
            files.append(a)

    counts = {"rows": 0, "ties": 0, "labels_true": 0, "labels_false": 0, "dimensions": 0,
              "steps": 0, "spans": 0, "tokens": 0, "tokenized": 0,
              "duplicates": 0, "files": [], "prompts": 0, "overlap": 0, "digests": []}
    prompt_sets = []
    for path in files:
        text = open_text(path)
        prompts = set()
        seen = set()
        n = 0
        if fmt == "verdicts-csv":
            reader = csv.DictReader(io.StringIO(text, newline=""))
            if reader.fieldnames != VERDICT_COLUMNS:
                fail(path, f"header {reader.fieldnames}")
            records = ((f"{path}:{i + 2}", row, None) for i, row in enumerate(reader))
        else:
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            records = ((f"{path}:{i + 1}", json.loads(line), line) for i, line in enumerate(lines))
        for where, row, line in records:
            n += 1
            if fmt == "trl-preference" and implicit:
                prompt = check_implicit_row(where, row, conversational, counts)
            elif fmt in ("trl-preference", "openrlhf"):
                prompt = check_pair_row(where, row, keys, conversational, counts)
            elif fmt == "trl-stepwise":
                prompt = check_stepwise_row(where, row, conversational, counts)
            elif fmt == "token-level":
                prompt = check_token_row(where, row, conversational, counts)
            elif fmt == "trl-kto":
                prompt = check_kto_row(where, row, conversational, counts)
            elif fmt in ("verdicts-jsonl", "verdicts-csv"):
                prompt = check_verdict(where, row, fmt == "verdicts-csv", counts)
            else:
                fail("check-export.py", f"unknown format {fmt}")
            key = json.dumps(row, sort_keys=True)
            if key in seen and fmt not in ("verdicts-jsonl", "verdicts-csv"):
                counts["duplicates"] += 1
            seen.add(key)
            prompts.add(json.dumps(prompt, sort_keys=True))
        counts["rows"] += n
        counts["files"].append(n)
        counts["digests"].append(hashlib.sha256("\n".join(sorted(prompts)).encode()).hexdigest())
        prompt_sets.append(prompts)
    union = set().union(*prompt_sets) if prompt_sets else set()
    counts["prompts"] = len(union)
    counts["overlap"] = sum(1 for p in union if sum(p in s for s in prompt_sets) > 1)
    print(json.dumps(counts))


if __name__ == "__main__":
    main(sys.argv)
