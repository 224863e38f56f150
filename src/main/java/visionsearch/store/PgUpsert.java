package visionsearch.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes one batch of {@link PgVectorStore} in one transaction, all or nothing: binary COPY straight into the
 * table when none of its ids exist yet (float32 vectors), else into a temporary staging table merged with
 * {@code INSERT ... ON CONFLICT (id) DO UPDATE}.
 *
 * <p>Another writer may add the same new ids between the check and the COPY: the COPY then fails with a duplicate
 * key (23505 on PostgreSQL, XX000 naming the primary key on Citus) and the batch goes through the merge instead.
 * Writers that lock the same rows in another order deadlock; the one PostgreSQL or Citus cancels is rolled back
 * and run again, a bounded number of times with jittered waits ({@link PgRetry}).
 */
final class PgUpsert {
    private final Connection conn;
    private final String collection;
    private final VectorType type;
    private final int dimensions;
    private final String primaryKey;
    private final PgRetry retry;

    PgUpsert(Connection conn, String collection, VectorType type, int dimensions, String primaryKey, PgRetry retry) {
        this.conn = conn;
        this.collection = collection;
        this.type = type;
        this.dimensions = dimensions;
        this.primaryKey = primaryKey;
        this.retry = retry;
    }

    /** Writes {@code records} (one per id) and commits; the caller rolls back if this throws. */
    void write(Collection<VectorRecord> records) throws SQLException {
        // In id order (COPY sends them so, and the merge reads the staging table in that order), so that writers of
        // overlapping batches lock rows in the same order on PostgreSQL.
        List<VectorRecord> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparing(VectorRecord::id));
        for (int attempt = 1; ; attempt++) {
            try {
                writeOnce(sorted);
                return;
            } catch (SQLException e) {
                conn.rollback();
                if (!PgRetry.retryable(e)) {
                    throw e;
                }
                if (attempt >= retry.attempts()) {
                    throw new SQLException(e.getMessage() + " (the batch met other writers " + attempt + " times and "
                            + "was not written; run it again)", e.getSQLState(), e);
                }
                pause(retry.delayMillis(attempt, ThreadLocalRandom.current().nextDouble()), e);
            }
        }
    }

    private void writeOnce(List<VectorRecord> records) throws SQLException {
        if (type == VectorType.VECTOR && noneExist(records)) {
            // Fast path for new ids (a first load, an indexer adding images): COPY straight into the table.
            try {
                PgCopy.copyBinary(conn, PgSql.copyInto(collection), records);
                conn.commit();
                return;
            } catch (SQLException e) {
                conn.rollback();
                if (!PgRetry.duplicateKey(e, primaryKey)) {
                    throw e;
                }
                // Another writer added one of these ids meanwhile: merge through the staging table below.
            }
        }
        try (Statement st = conn.createStatement()) {
            st.execute(PgSql.createStage(dimensions));
            st.execute(PgSql.embeddingStorage(PgSql.STAGE_TABLE, VectorType.VECTOR, dimensions));
        }
        PgCopy.copyBinary(conn, PgSql.copyStage(), records);
        try (Statement st = conn.createStatement()) {
            st.executeUpdate(PgSql.mergeStage(collection, type, dimensions));
        }
        conn.commit();
    }

    private boolean noneExist(List<VectorRecord> records) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(PgSql.countExisting(collection))) {
            ps.setArray(1, conn.createArrayOf("text", records.stream().map(VectorRecord::id).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 0;
            }
        }
    }

    private static void pause(long millis, SQLException cause) throws SQLException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting to retry: " + cause.getMessage(), cause.getSQLState(), cause);
        }
    }
}
