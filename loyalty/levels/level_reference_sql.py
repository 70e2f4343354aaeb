"""PostgreSQL: `MemberLevel.level` must name an existing level, checked once per statement.

A foreign-key constraint checks every moved row on its own at commit: one lookup and lock of the
level per row. For a review chunk that is 70,000 of them, about half a second, to confirm that a
handful of level ids exist. These triggers do the same check once per statement, over the
distinct levels that the statement's rows point at:
- after INSERT or UPDATE of `loyalty_memberlevel`: key-share lock those levels (a concurrent
  delete waits for this transaction, as it would for a foreign key), then fail with
  foreign_key_violation if one of them does not exist;
- before DELETE of a level (or a change of its id): fail while a level row still names it. The
  delete has already locked the level when this runs, so it has waited for every writer that
  locked it above, and sees their rows.
Two differences from the constraint:
- The check runs at the end of each statement, not deferred to commit: a level must exist
  before a row names it (the code always creates levels first).
- The delete guard sees concurrent writers under READ COMMITTED, the isolation level this project
  runs at (Django's default). A deleting transaction at REPEATABLE READ would check against its
  older snapshot.
Django's `on_delete=PROTECT` still stops deletes before they reach the database.

Installed by migration 0011. Whoever changes this SQL adds a migration that runs it again.
"""

CREATE_SQL = """
CREATE OR REPLACE FUNCTION loyalty_memberlevel_level_exists() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    PERFORM 1 FROM loyalty_level l WHERE l.id IN (SELECT DISTINCT n.level_id FROM new_rows n) FOR KEY SHARE OF l;
    -- A new statement and a new snapshot: a level deleted by a transaction that committed while
    -- we waited for its lock is seen as gone.
    SELECT n.level_id INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM loyalty_level l WHERE l.id = n.level_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'insert or update on table "loyalty_memberlevel" names level_id ' || missing
                      || ', which is not present in table "loyalty_level"';
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION loyalty_level_still_held() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM loyalty_memberlevel ml WHERE ml.level_id = OLD.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = 'level ' || OLD.id || ' of table "loyalty_level" is still the current level of '
                      || 'members in table "loyalty_memberlevel"';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;

DROP TRIGGER IF EXISTS memberlevel_level_exists_insert ON loyalty_memberlevel;
CREATE TRIGGER memberlevel_level_exists_insert AFTER INSERT ON loyalty_memberlevel
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION loyalty_memberlevel_level_exists();
DROP TRIGGER IF EXISTS memberlevel_level_exists_update ON loyalty_memberlevel;
CREATE TRIGGER memberlevel_level_exists_update AFTER UPDATE ON loyalty_memberlevel
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION loyalty_memberlevel_level_exists();
DROP TRIGGER IF EXISTS level_still_held_delete ON loyalty_level;
CREATE TRIGGER level_still_held_delete BEFORE DELETE ON loyalty_level
    FOR EACH ROW EXECUTE FUNCTION loyalty_level_still_held();
DROP TRIGGER IF EXISTS level_still_held_update ON loyalty_level;
CREATE TRIGGER level_still_held_update BEFORE UPDATE OF id ON loyalty_level
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION loyalty_level_still_held();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS memberlevel_level_exists_insert ON loyalty_memberlevel;
DROP TRIGGER IF EXISTS memberlevel_level_exists_update ON loyalty_memberlevel;
DROP TRIGGER IF EXISTS level_still_held_delete ON loyalty_level;
DROP TRIGGER IF EXISTS level_still_held_update ON loyalty_level;
DROP FUNCTION IF EXISTS loyalty_memberlevel_level_exists();
DROP FUNCTION IF EXISTS loyalty_level_still_held();
"""
