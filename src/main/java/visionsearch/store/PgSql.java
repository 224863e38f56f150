package visionsearch.store;

import java.util.List;
import java.util.regex.Pattern;

/** The SQL that {@link PgVectorStore} runs, generated in one place; identifiers validated and always quoted. */
final class PgSql {
    static final String METADATA_TABLE = "vision_search_collections";
    static final String STAGE_TABLE = "vision_search_stage";
    private static final Pattern COLLECTION = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private PgSql() {
    }

    /** Returns {@code name} if it is a safe collection (table) name, else throws naming the rule. */
    static String checkCollection(String name) {
        if (name == null || !COLLECTION.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid collection name " + (name == null ? "null" : "'" + name + "'")
                    + ": expected 1 to 63 characters matching [a-z_][a-z0-9_]* (lower-case letters, digits, "
                    + "underscores; not starting with a digit), e.g. 'images' or 'clip_photos'");
        }
        if (name.equals(METADATA_TABLE) || name.equals(STAGE_TABLE) || name.startsWith("pg_")) {
            throw new IllegalArgumentException("invalid collection name '" + name + "': it is reserved");
        }
        return name;
    }

    /** Quotes an identifier for SQL (doubling embedded quotes), as PostgreSQL's quote_ident does. */
    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    static String createMetadataTable() {
        return "CREATE TABLE IF NOT EXISTS " + quote(METADATA_TABLE) + " (collection text PRIMARY KEY, "
                + "model_id text NOT NULL, dimensions integer NOT NULL, distance text NOT NULL, "
                + "vector_type text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
                + "distributed boolean NOT NULL DEFAULT false, shard_count integer NOT NULL DEFAULT 0)";
    }

    /** Brings a metadata table from before Citus detection up to date (its rows: not distributed until found so). */
    static String addMetadataColumns() {
        return "ALTER TABLE " + quote(METADATA_TABLE) + " ADD COLUMN IF NOT EXISTS distributed boolean NOT NULL DEFAULT "
                + "false, ADD COLUMN IF NOT EXISTS shard_count integer NOT NULL DEFAULT 0";
    }

    static String createTable(String collection, VectorType type, int dims) {
        return "CREATE TABLE IF NOT EXISTS " + quote(collection) + " (id text PRIMARY KEY, path text NOT NULL, "
                + "metadata jsonb NOT NULL DEFAULT '{}', content_sha256 text NOT NULL DEFAULT '', "
                + "embedding " + type.sqlName() + "(" + dims + ") NOT NULL)";
    }

    /**
     * Keeps vectors out of TOAST: PLAIN (in the heap row, no compression attempt) when a vector is small enough to
     * share an 8 kB page with the rest of its row, else EXTERNAL (out of line, uncompressed). Float vectors do not
     * compress, so pglz's attempt is wasted work on every insert, and TOAST slows every exact scan.
     */
    static String embeddingStorage(String table, VectorType type, int dims) {
        int bytes = 8 + dims * (type == VectorType.VECTOR ? 4 : 2);
        return "ALTER TABLE " + quote(table) + " ALTER COLUMN embedding SET STORAGE " + (bytes <= 6000 ? "PLAIN" : "EXTERNAL");
    }

    static String createStage(int dims) {
        // Always float32 on the wire; a halfvec column converts on INSERT ... SELECT.
        return "CREATE TEMP TABLE " + quote(STAGE_TABLE) + " (id text, path text, metadata jsonb, "
                + "content_sha256 text, embedding vector(" + dims + ")) ON COMMIT DROP";
    }

    static String copyStage() {
        return "COPY " + quote(STAGE_TABLE) + " (id, path, metadata, content_sha256, embedding) FROM STDIN (FORMAT BINARY)";
    }

    static String copyInto(String collection) {
        return "COPY " + quote(collection) + " (id, path, metadata, content_sha256, embedding) FROM STDIN (FORMAT BINARY)";
    }

    static String countExisting(String collection) {
        return "SELECT count(*) FROM " + quote(collection) + " WHERE id = ANY (?)";
    }

    static String mergeStage(String collection, VectorType type, int dims) {
        String embedding = type == VectorType.VECTOR ? "embedding" : "embedding::halfvec(" + dims + ")";
        return "INSERT INTO " + quote(collection) + " AS t (id, path, metadata, content_sha256, embedding) "
                + "SELECT id, path, metadata, content_sha256, " + embedding + " FROM " + quote(STAGE_TABLE)
                + " ON CONFLICT (id) DO UPDATE SET path = EXCLUDED.path, metadata = EXCLUDED.metadata, "
                + "content_sha256 = EXCLUDED.content_sha256, embedding = EXCLUDED.embedding";
    }

    /** pgvector's operator for a distance: {@code <=>} cosine, {@code <#>} negative inner product, {@code <->} L2. */
    static String operator(Distance distance) {
        return switch (distance) {
            case COSINE -> "<=>";
            case DOT -> "<#>";
            case L2 -> "<->";
        };
    }

    /** The operator class an index needs for a distance and storage type, e.g. {@code halfvec_ip_ops}. */
    static String operatorClass(VectorType type, Distance distance) {
        String suffix = switch (distance) {
            case COSINE -> "_cosine_ops";
            case DOT -> "_ip_ops";
            case L2 -> "_l2_ops";
        };
        return type.sqlName() + suffix;
    }

    static String indexName(String collection, IndexSpec.Kind kind) {
        String suffix = "_embedding_" + kind.name().toLowerCase(java.util.Locale.ROOT);
        int room = 63 - suffix.length(); // PostgreSQL truncates identifiers beyond 63 bytes
        return (collection.length() > room ? collection.substring(0, room) : collection) + suffix;
    }

    static String createIndex(String collection, VectorType type, Distance distance, IndexSpec spec) {
        String on = " ON " + quote(collection);
        String column = " (embedding " + operatorClass(type, distance) + ")";
        return switch (spec.kind()) {
            case HNSW -> "CREATE INDEX IF NOT EXISTS " + quote(indexName(collection, spec.kind())) + on + " USING hnsw"
                    + column + " WITH (m = " + spec.m() + ", ef_construction = " + spec.efConstruction() + ")";
            case IVFFLAT -> "CREATE INDEX IF NOT EXISTS " + quote(indexName(collection, spec.kind())) + on
                    + " USING ivfflat" + column + " WITH (lists = " + spec.lists() + ")";
            case NONE -> throw new IllegalArgumentException("no index to create for IndexSpec.none()");
        };
    }

    static List<String> dropIndexes(String collection) {
        return List.of("DROP INDEX IF EXISTS " + quote(indexName(collection, IndexSpec.Kind.HNSW)),
                "DROP INDEX IF EXISTS " + quote(indexName(collection, IndexSpec.Kind.IVFFLAT)));
    }

    /**
     * The nearest-neighbour query: parameters (1) the query vector, (2) the jsonb filter if {@code filtered},
     * then the limit. A materialised CTE re-sorts what a relaxed iterative index scan returns.
     */
    static String search(String collection, VectorType type, int dims, Distance distance, boolean filtered) {
        String q = type == VectorType.VECTOR ? "?::vector(" + dims + ")" : "?::vector(" + dims + ")::halfvec(" + dims + ")";
        return "WITH nearest AS MATERIALIZED (SELECT id, path, metadata::text AS metadata, embedding "
                + operator(distance) + " " + q + " AS distance FROM " + quote(collection)
                + (filtered ? " WHERE metadata @> ?::jsonb" : "") + " ORDER BY distance LIMIT ?) "
                + "SELECT id, path, metadata, distance FROM nearest ORDER BY distance, id";
    }

    /**
     * {@code SET LOCAL} statements (one round trip) for per-query settings; names and values come from this
     * package (validated integers and constants), never from users. On Citus, SET LOCAL reaches the shards'
     * connections only with {@code citus.propagate_set_commands = 'local'}.
     */
    static String setLocal(List<String[]> settings, boolean citus) {
        StringBuilder sql = new StringBuilder();
        if (citus) {
            sql.append("SET LOCAL citus.propagate_set_commands = 'local'; ");
        }
        for (String[] s : settings) {
            if (!s[0].matches("[a-z_.]+") || !s[1].matches("[a-z_0-9]+")) {
                throw new IllegalArgumentException("unexpected setting " + s[0] + " = " + s[1]);
            }
            sql.append("SET LOCAL ").append(s[0]).append(" = ").append(s[1].matches("[0-9]+") ? s[1] : "'" + s[1] + "'")
                    .append("; ");
        }
        return sql.toString().trim();
    }
}
