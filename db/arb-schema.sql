-- Arbiter workspace schema, version 1. See DESIGN.md for what each table holds.
-- Every row has an integer id for joins and a UUID for exchanging rows between workspaces.
-- Rows written by an import carry its id and stay invisible (see the visible_* views) until
-- that import's state is 'done'.

CREATE TABLE imports (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  path          TEXT,
  format        TEXT NOT NULL,
  sha256        TEXT,
  state         TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
  started_at    TEXT NOT NULL,
  finished_at   TEXT,
  n_records     INTEGER NOT NULL DEFAULT 0,
  n_skipped     INTEGER NOT NULL DEFAULT 0,
  n_warnings    INTEGER NOT NULL DEFAULT 0,
  n_systems     INTEGER NOT NULL DEFAULT 0,
  n_raters      INTEGER NOT NULL DEFAULT 0,
  n_prompts     INTEGER NOT NULL DEFAULT 0,
  n_generations INTEGER NOT NULL DEFAULT 0,
  n_comparisons INTEGER NOT NULL DEFAULT 0,
  n_verdicts    INTEGER NOT NULL DEFAULT 0,
  error         TEXT,
  owner         TEXT            -- which process runs it: boot id, pid and start time
);

CREATE TABLE systems (
  id        INTEGER PRIMARY KEY,
  uuid      TEXT NOT NULL UNIQUE,
  name      TEXT NOT NULL UNIQUE,
  metadata  TEXT,
  import_id INTEGER REFERENCES imports (id)
);

CREATE TABLE prompts (
  id        INTEGER PRIMARY KEY,
  uuid      TEXT NOT NULL UNIQUE,
  key       TEXT NOT NULL UNIQUE,   -- SHA-256 of the canonical messages JSON
  messages  TEXT NOT NULL,          -- canonical JSON: [{"role": ..., "content": ...}, ...]
  category  TEXT,
  reference TEXT,
  metadata  TEXT,
  import_id INTEGER REFERENCES imports (id)
);
CREATE INDEX prompts_import ON prompts (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE prompt_ids (
  source      TEXT NOT NULL,
  external_id TEXT NOT NULL,
  prompt_id   INTEGER NOT NULL REFERENCES prompts (id),
  import_id   INTEGER REFERENCES imports (id),
  PRIMARY KEY (source, external_id)
) WITHOUT ROWID;
CREATE INDEX prompt_ids_prompt ON prompt_ids (prompt_id);

CREATE TABLE generations (
  id        INTEGER PRIMARY KEY,
  uuid      TEXT NOT NULL UNIQUE,
  prompt_id INTEGER NOT NULL REFERENCES prompts (id),
  system_id INTEGER NOT NULL REFERENCES systems (id),
  text      TEXT NOT NULL,          -- the last assistant message: what is shown and measured
  text_hash BLOB NOT NULL,          -- SHA-256 of text, so the natural key does not index the text
  messages  TEXT,                   -- JSON, when the response spans several turns
  kind      TEXT NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'image', 'missing')),
  length    INTEGER NOT NULL,       -- code points
  metadata  TEXT,
  import_id INTEGER REFERENCES imports (id),
  UNIQUE (prompt_id, system_id, text_hash)
);
CREATE INDEX generations_system ON generations (system_id);
CREATE INDEX generations_import ON generations (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE comparisons (
  id        INTEGER PRIMARY KEY,
  uuid      TEXT NOT NULL UNIQUE,
  prompt_id INTEGER NOT NULL REFERENCES prompts (id),
  a_id      INTEGER NOT NULL REFERENCES generations (id),
  b_id      INTEGER NOT NULL REFERENCES generations (id),
  import_id INTEGER REFERENCES imports (id),
  CHECK (a_id < b_id),              -- canonical orientation: A has the smaller id
  UNIQUE (prompt_id, a_id, b_id)
);
CREATE INDEX comparisons_a ON comparisons (a_id);
CREATE INDEX comparisons_b ON comparisons (b_id);
CREATE INDEX comparisons_import ON comparisons (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE comparison_ids (
  source        TEXT NOT NULL,
  external_id   TEXT NOT NULL,
  comparison_id INTEGER NOT NULL REFERENCES comparisons (id),
  import_id     INTEGER REFERENCES imports (id),
  PRIMARY KEY (source, external_id)
) WITHOUT ROWID;
CREATE INDEX comparison_ids_comparison ON comparison_ids (comparison_id);

CREATE TABLE raters (
  id        INTEGER PRIMARY KEY,
  uuid      TEXT NOT NULL UNIQUE,
  name      TEXT NOT NULL UNIQUE,
  kind      TEXT NOT NULL CHECK (kind IN ('human', 'judge', 'reward_model')),
  origin    TEXT NOT NULL CHECK (origin IN ('live', 'imported')),
  role      TEXT NOT NULL DEFAULT 'annotator' CHECK (role IN ('annotator', 'gold', 'adjudicator')),
  config    TEXT,                   -- identity of a machine rater; never an endpoint or a secret
  import_id INTEGER REFERENCES imports (id)
);

CREATE TABLE calls (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  key           TEXT NOT NULL UNIQUE, -- SHA-256 of the canonical request
  kind          TEXT NOT NULL CHECK (kind IN ('judge', 'score', 'tokenize')),
  model         TEXT,
  request       TEXT NOT NULL,
  response      TEXT,
  http_status   INTEGER,
  attempts      INTEGER NOT NULL DEFAULT 0,
  latency_ms    REAL,
  input_tokens  INTEGER,
  output_tokens INTEGER,
  cost          REAL,
  error         TEXT,
  created_at    TEXT NOT NULL,
  finished_at   TEXT
);

CREATE TABLE verdicts (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  comparison_id INTEGER NOT NULL REFERENCES comparisons (id),
  rater_id      INTEGER NOT NULL REFERENCES raters (id),
  preference    REAL CHECK (preference IS NULL OR (preference >= 0 AND preference <= 1)),
  strength      INTEGER CHECK (strength IS NULL OR strength IN (0, 1, 2)),
  status        TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'unparseable', 'failed')),
  presented     TEXT CHECK (presented IS NULL OR presented IN ('ab', 'ba')),
  sample        INTEGER NOT NULL DEFAULT 0,
  rationale     TEXT,
  seconds       REAL,
  created_at    TEXT NOT NULL,
  call_id       INTEGER REFERENCES calls (id),
  raw           TEXT,
  metadata      TEXT,
  superseded_by INTEGER REFERENCES verdicts (id) DEFERRABLE INITIALLY DEFERRED,
  import_id     INTEGER REFERENCES imports (id),
  CHECK (status <> 'ok' OR preference IS NOT NULL)
);
-- The natural key among current verdicts; an unknown presented order counts as one value.
CREATE UNIQUE INDEX verdicts_natural
  ON verdicts (comparison_id, rater_id, ifnull (presented, ''), sample)
  WHERE superseded_by IS NULL;
CREATE INDEX verdicts_rater ON verdicts (rater_id);
CREATE INDEX verdicts_comparison ON verdicts (comparison_id);
-- Foreign-key checks on delete look these up; without them removing an import scans per row.
CREATE INDEX verdicts_superseded ON verdicts (superseded_by) WHERE superseded_by IS NOT NULL;
CREATE INDEX verdicts_call ON verdicts (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX verdicts_import ON verdicts (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE verdict_dimensions (
  verdict_id INTEGER NOT NULL REFERENCES verdicts (id) ON DELETE CASCADE,
  dimension  TEXT NOT NULL,
  preference REAL CHECK (preference IS NULL OR (preference >= 0 AND preference <= 1)),
  strength   INTEGER CHECK (strength IS NULL OR strength IN (0, 1, 2)),
  PRIMARY KEY (verdict_id, dimension)
) WITHOUT ROWID;

CREATE TABLE grades (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  generation_id INTEGER NOT NULL REFERENCES generations (id),
  rater_id      INTEGER NOT NULL REFERENCES raters (id),
  score         REAL,
  status        TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'unparseable', 'failed')),
  sample        INTEGER NOT NULL DEFAULT 0,
  rationale     TEXT,
  created_at    TEXT NOT NULL,
  call_id       INTEGER REFERENCES calls (id),
  raw           TEXT,
  metadata      TEXT,
  superseded_by INTEGER REFERENCES grades (id) DEFERRABLE INITIALLY DEFERRED,
  import_id     INTEGER REFERENCES imports (id),
  CHECK (status <> 'ok' OR score IS NOT NULL)
);
CREATE UNIQUE INDEX grades_natural ON grades (generation_id, rater_id, sample)
  WHERE superseded_by IS NULL;
CREATE INDEX grades_import ON grades (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX grades_generation ON grades (generation_id);
CREATE INDEX grades_rater ON grades (rater_id);
CREATE INDEX grades_superseded ON grades (superseded_by) WHERE superseded_by IS NOT NULL;

CREATE TABLE steps (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  generation_id INTEGER NOT NULL REFERENCES generations (id),
  source        TEXT NOT NULL,        -- 'imported' or the rule that cut them
  idx           INTEGER NOT NULL,
  start_byte    INTEGER NOT NULL,
  end_byte      INTEGER NOT NULL,
  import_id     INTEGER REFERENCES imports (id),
  CHECK (start_byte <= end_byte),
  UNIQUE (generation_id, source, idx)
);

CREATE TABLE spans (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  generation_id INTEGER NOT NULL REFERENCES generations (id),
  rater_id      INTEGER NOT NULL REFERENCES raters (id),
  start_byte    INTEGER NOT NULL,     -- UTF-8 byte offsets into the generation's text
  end_byte      INTEGER NOT NULL,
  label         TEXT NOT NULL,
  value         REAL,
  step_index    INTEGER,
  note          TEXT,
  created_at    TEXT NOT NULL,
  superseded_by INTEGER REFERENCES spans (id) DEFERRABLE INITIALLY DEFERRED,
  import_id     INTEGER REFERENCES imports (id),
  CHECK (start_byte <= end_byte)
);
CREATE INDEX spans_generation ON spans (generation_id);
CREATE INDEX spans_rater ON spans (rater_id);
CREATE INDEX spans_superseded ON spans (superseded_by) WHERE superseded_by IS NOT NULL;
CREATE INDEX spans_import ON spans (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE tokenizations (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  generation_id INTEGER NOT NULL REFERENCES generations (id),
  tokenizer     TEXT NOT NULL,
  in_context    INTEGER NOT NULL DEFAULT 0,
  token_ids     TEXT NOT NULL,        -- JSON array of integers
  byte_ranges   TEXT NOT NULL,        -- JSON array of [start, end] pairs
  pieces        TEXT,                 -- JSON array of strings, when the server gives them
  call_id       INTEGER REFERENCES calls (id),
  created_at    TEXT NOT NULL,
  UNIQUE (generation_id, tokenizer, in_context)
);

CREATE TABLE assignments (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  comparison_id INTEGER NOT NULL REFERENCES comparisons (id),
  rater_id      INTEGER NOT NULL REFERENCES raters (id),
  state         TEXT NOT NULL DEFAULT 'leased' CHECK (state IN ('leased', 'done', 'skipped')),
  lease_expires TEXT,
  skip_count    INTEGER NOT NULL DEFAULT 0,
  gold          INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL,
  UNIQUE (comparison_id, rater_id)
);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE events (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  rater_id      INTEGER REFERENCES raters (id),
  action        TEXT NOT NULL CHECK (action IN ('decide', 'change', 'undo', 'skip', 'flag', 'unflag')),
  comparison_id INTEGER REFERENCES comparisons (id),
  verdict_id    INTEGER REFERENCES verdicts (id),
  payload       TEXT,
  created_at    TEXT NOT NULL
);
CREATE INDEX events_rater ON events (rater_id, id);
CREATE INDEX events_verdict ON events (verdict_id) WHERE verdict_id IS NOT NULL;
CREATE INDEX events_comparison ON events (comparison_id) WHERE comparison_id IS NOT NULL;
CREATE INDEX assignments_rater ON assignments (rater_id, state);

-- Rows are visible once the import that wrote them is done (or when no import wrote them).
CREATE VIEW visible_systems AS
  SELECT * FROM systems
  WHERE import_id IS NULL OR import_id IN (SELECT id FROM imports WHERE state = 'done');
CREATE VIEW visible_raters AS
  SELECT * FROM raters
  WHERE import_id IS NULL OR import_id IN (SELECT id FROM imports WHERE state = 'done');
CREATE VIEW visible_prompts AS
  SELECT * FROM prompts
  WHERE import_id IS NULL OR import_id IN (SELECT id FROM imports WHERE state = 'done');
CREATE VIEW visible_generations AS
  SELECT * FROM generations
  WHERE import_id IS NULL OR import_id IN (SELECT id FROM imports WHERE state = 'done');
CREATE VIEW visible_comparisons AS
  SELECT * FROM comparisons
  WHERE import_id IS NULL OR import_id IN (SELECT id FROM imports WHERE state = 'done');
CREATE VIEW current_verdicts AS
  SELECT * FROM verdicts
  WHERE superseded_by IS NULL
    AND (import_id IS NULL OR import_id IN (SELECT id FROM imports WHERE state = 'done'));
CREATE VIEW current_grades AS
  SELECT * FROM grades
  WHERE superseded_by IS NULL
    AND (import_id IS NULL OR import_id IN (SELECT id FROM imports WHERE state = 'done'));
CREATE VIEW current_spans AS
  SELECT * FROM spans
  WHERE superseded_by IS NULL
    AND (import_id IS NULL OR import_id IN (SELECT id FROM imports WHERE state = 'done'));
