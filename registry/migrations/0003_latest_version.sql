-- The newest version that is not yanked, kept on publish and yank so that a
-- list reads one row per template instead of every version. Rows that hold
-- NULL here with versions published are filled in by `Db::connect`
-- (semantic-version order is not SQL's string order).
ALTER TABLE templates ADD COLUMN latest TEXT;
