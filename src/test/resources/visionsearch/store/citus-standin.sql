-- A stand-in for Citus on one plain PostgreSQL database, for tests only (Citus is not packaged for the test
-- machines). It gives the store's own SQL the answers Citus documents, in the places Citus keeps them:
--   * a row 'citus' in pg_extension (how the store detects Citus);
--   * pg_catalog.pg_dist_partition / pg_dist_shard / pg_dist_placement / pg_dist_node with Citus's columns
--     (docs: "Citus Tables and Views"); partmethod 'h' hash-distributed, 'n' reference; repmodel 't' reference;
--   * pg_catalog.create_distributed_table(table_name regclass, distribution_column text,
--     distribution_type citus.distribution_type DEFAULT 'hash', colocate_with text DEFAULT 'default',
--     shard_count int DEFAULT NULL), create_reference_table(table_name regclass),
--     truncate_local_data_after_distributing_table(function_name regclass), run_command_on_shards(table_name
--     regclass, command text, parallel bool DEFAULT true, OUT shardid bigint, OUT success bool, OUT result text),
--     citus_total_relation_size(logicalrelid regclass, fail_on_error boolean DEFAULT true): the signatures of Citus 10.2+ and the checks and errors
--     Citus's C code makes (already distributed, shard_count range 1..64000, colocate_with with shard_count,
--     "supplied parameter is not a distributed relation").
-- What it cannot be: a cluster. Shards are hash ranges of the one local table (Citus hashes text with the type's
-- hash function, hashtext), so a shard's rows are that table's rows in its range; placements go round-robin to
-- the nodes with shouldhaveshards, as Citus places them. Because the local table is also every shard, the
-- coordinator's "local copy" that truncate_local_data_after_distributing_table removes does not exist apart from
-- the shards: the function checks its argument as Citus does and records the call (with whether the table held
-- rows) in citus.standin_calls instead of emptying the only copy. Every function records its call there, with
-- the transaction's citus.multi_shard_modify_mode.
SET allow_system_table_mods = on;

INSERT INTO pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion)
VALUES ((SELECT max(oid::int8) + 1 FROM pg_extension)::oid, 'citus', 10, 'pg_catalog'::regnamespace, false,
        '13.2-standin');

CREATE SCHEMA citus;
CREATE TYPE citus.distribution_type AS ENUM ('hash', 'range', 'append');
CREATE SEQUENCE citus.shardid START 102008;
CREATE SEQUENCE citus.colocationid START 1;
CREATE TABLE citus.standin_calls (call serial PRIMARY KEY, function text NOT NULL, relation text NOT NULL,
                                  shard_count int, colocate_with text, had_local_rows boolean,
                                  multi_shard_modify_mode text);
CREATE TABLE citus.standin_distribution_column (logicalrelid regclass PRIMARY KEY, column_name text NOT NULL);

CREATE TABLE pg_catalog.pg_dist_partition (logicalrelid regclass NOT NULL, partmethod "char" NOT NULL, partkey text,
                                           colocationid integer NOT NULL DEFAULT 0, repmodel "char" NOT NULL DEFAULT 's',
                                           autoconverted boolean NOT NULL DEFAULT false);
CREATE TABLE pg_catalog.pg_dist_shard (logicalrelid regclass NOT NULL, shardid bigint NOT NULL, shardstorage "char" NOT NULL,
                                       shardminvalue text, shardmaxvalue text);
CREATE TABLE pg_catalog.pg_dist_placement (placementid bigserial, shardid bigint NOT NULL, shardstate integer NOT NULL,
                                           shardlength bigint NOT NULL, groupid integer NOT NULL);
CREATE TABLE pg_catalog.pg_dist_node (nodeid serial, groupid integer NOT NULL, nodename text NOT NULL,
                                      nodeport integer NOT NULL DEFAULT 5432, noderack text NOT NULL DEFAULT 'default',
                                      hasmetadata boolean NOT NULL DEFAULT true, isactive boolean NOT NULL DEFAULT true,
                                      noderole text NOT NULL DEFAULT 'primary', nodecluster name NOT NULL DEFAULT 'default',
                                      metadatasynced boolean NOT NULL DEFAULT true, shouldhaveshards boolean NOT NULL DEFAULT true);
-- A coordinator and two workers, as the cluster the issue measured on.
INSERT INTO pg_catalog.pg_dist_node (groupid, nodename, shouldhaveshards) VALUES
    (0, 'coordinator', false), (1, 'worker-1', true), (2, 'worker-2', true);

CREATE FUNCTION citus.standin_record(fn text, rel regclass, shards int, colocate text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    had_rows boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', rel) INTO had_rows;
    INSERT INTO citus.standin_calls (function, relation, shard_count, colocate_with, had_local_rows, multi_shard_modify_mode)
    VALUES (fn, rel::text, shards, colocate, had_rows, current_setting('citus.multi_shard_modify_mode', true));
END $$;

CREATE FUNCTION pg_catalog.create_distributed_table(table_name regclass, distribution_column text,
                                                    distribution_type citus.distribution_type DEFAULT 'hash',
                                                    colocate_with text DEFAULT 'default',
                                                    shard_count int DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    n int;
    groups int[];
    increment int8;
    low int8;
    sid int8;
    col int;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = table_name) THEN
        RAISE EXCEPTION 'table "%" is already distributed', table_name USING ERRCODE = 'XX000';
    END IF;
    IF shard_count IS NOT NULL AND lower(colocate_with) NOT IN ('default', 'none') THEN
        RAISE EXCEPTION 'Cannot use colocate_with with a table and shard_count at the same time' USING ERRCODE = 'XX000';
    END IF;
    n := coalesce(shard_count, current_setting('citus.shard_count', true)::int, 32);
    IF n < 1 OR n > 64000 THEN
        RAISE EXCEPTION '% is outside the valid range for parameter "shard_count" (1 .. 64000)', n USING ERRCODE = 'XX000';
    END IF;
    IF distribution_type <> 'hash' THEN
        RAISE EXCEPTION 'the stand-in distributes by hash only' USING ERRCODE = '0A000';
    END IF;
    SELECT attnum INTO col FROM pg_attribute WHERE attrelid = table_name AND attname = distribution_column AND NOT attisdropped;
    IF col IS NULL THEN
        RAISE EXCEPTION 'column "%" of relation "%" does not exist', distribution_column, table_name USING ERRCODE = '42703';
    END IF;
    PERFORM citus.standin_record('create_distributed_table', table_name, n, colocate_with);
    INSERT INTO pg_dist_partition VALUES (table_name, 'h', '{VAR :varno 1 :varattno ' || col || '}',
                                          nextval('citus.colocationid'), 's', false);
    INSERT INTO citus.standin_distribution_column VALUES (table_name, distribution_column);
    groups := ARRAY(SELECT groupid FROM pg_dist_node WHERE isactive AND noderole = 'primary' AND shouldhaveshards
                    ORDER BY nodeid);
    IF cardinality(groups) = 0 THEN
        groups := ARRAY[0]; -- no worker: the shards go to the coordinator
    END IF;
    increment := 4294967296 / n;
    FOR i IN 0 .. n - 1 LOOP
        low := -2147483648 + i * increment;
        sid := nextval('citus.shardid');
        INSERT INTO pg_dist_shard VALUES (table_name, sid, 't', low::text,
            (CASE WHEN i = n - 1 THEN 2147483647 ELSE low + increment - 1 END)::text);
        INSERT INTO pg_dist_placement (shardid, shardstate, shardlength, groupid)
            VALUES (sid, 1, 0, groups[1 + i % cardinality(groups)]);
    END LOOP;
END $$;

CREATE FUNCTION pg_catalog.create_reference_table(table_name regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    sid int8;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = table_name) THEN
        RAISE EXCEPTION 'table "%" is already distributed', table_name USING ERRCODE = 'XX000';
    END IF;
    PERFORM citus.standin_record('create_reference_table', table_name, 1, NULL);
    INSERT INTO pg_dist_partition VALUES (table_name, 'n', NULL, nextval('citus.colocationid'), 't', false);
    sid := nextval('citus.shardid');
    INSERT INTO pg_dist_shard VALUES (table_name, sid, 't', NULL, NULL);
    INSERT INTO pg_dist_placement (shardid, shardstate, shardlength, groupid)
        SELECT sid, 1, 0, groupid FROM pg_dist_node WHERE isactive AND noderole = 'primary';
END $$;

CREATE FUNCTION pg_catalog.truncate_local_data_after_distributing_table(function_name regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = function_name) THEN
        RAISE EXCEPTION 'supplied parameter is not a distributed relation' USING ERRCODE = 'XX000',
            DETAIL = 'This UDF only truncates local records of distributed tables.';
    END IF;
    PERFORM citus.standin_record('truncate_local_data_after_distributing_table', function_name, NULL, NULL);
END $$;

CREATE FUNCTION pg_catalog.run_command_on_shards(table_name regclass, command text, parallel bool DEFAULT true,
                                                 OUT shardid bigint, OUT success bool, OUT result text)
RETURNS SETOF record LANGUAGE plpgsql AS $$
DECLARE
    s record;
    col text;
BEGIN
    SELECT column_name INTO col FROM citus.standin_distribution_column WHERE logicalrelid = table_name;
    FOR s IN SELECT ds.shardid AS id, ds.shardminvalue AS low, ds.shardmaxvalue AS high FROM pg_dist_shard ds
             WHERE ds.logicalrelid = table_name ORDER BY ds.shardid LOOP
        shardid := s.id;
        BEGIN
            EXECUTE format(command, CASE WHEN col IS NULL THEN table_name::text
                ELSE format('(SELECT * FROM %s WHERE hashtext(%I::text) BETWEEN %s AND %s) shard', table_name, col,
                            s.low, s.high) END)::text INTO result;
            success := true;
        EXCEPTION WHEN OTHERS THEN
            success := false;
            result := SQLERRM;
        END;
        RETURN NEXT;
    END LOOP;
END $$;

CREATE FUNCTION pg_catalog.citus_total_relation_size(logicalrelid regclass, fail_on_error boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = citus_total_relation_size.logicalrelid) THEN
        IF NOT fail_on_error THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'cannot calculate the size because relation ''%'' is not distributed', logicalrelid
            USING ERRCODE = 'XX000';
    END IF;
    RETURN pg_total_relation_size(logicalrelid);
END $$;

-- Citus removes a dropped table's metadata; so does the stand-in.
CREATE FUNCTION citus.standin_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM pg_dist_placement WHERE shardid IN (SELECT ds.shardid FROM pg_dist_shard ds
        WHERE ds.logicalrelid::oid IN (SELECT objid FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table'));
    DELETE FROM pg_dist_shard WHERE logicalrelid::oid IN
        (SELECT objid FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table');
    DELETE FROM pg_dist_partition WHERE logicalrelid::oid IN
        (SELECT objid FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table');
    DELETE FROM citus.standin_distribution_column WHERE logicalrelid::oid IN
        (SELECT objid FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table');
END $$;
CREATE EVENT TRIGGER citus_standin_drop ON sql_drop EXECUTE FUNCTION citus.standin_drop();

RESET allow_system_table_mods;
