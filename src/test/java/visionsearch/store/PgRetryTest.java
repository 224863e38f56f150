package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Which errors are retried and which are a concurrent insert of the same id, for errors built as the driver builds
 * them from the server's ErrorResponse fields (severity, SQLSTATE, message, detail).
 */
class PgRetryTest {

    private static SQLException server(String state, String message, String detail) {
        return new PSQLException(new ServerErrorMessage("SERROR\0VERROR\0C" + state + "\0M" + message + "\0"
                + (detail == null ? "" : "D" + detail + "\0")));
    }

    @ParameterizedTest(name = "{0} {1}: retry {2}")
    @CsvSource(delimiter = '|', value = {
        "40P01|deadlock detected|true",
        "40P01|canceling the transaction since it was involved in a distributed deadlock|true",
        "40001|could not serialize access due to concurrent update|true",
        // Shard-side errors in a COPY come back from Citus as XX000 with the shard's message.
        "XX000|deadlock detected|true",
        "XX000|could not serialize access due to read/write dependencies among transactions|true",
        "XX000|duplicate key value violates unique constraint \"images_pkey_102008\"|false",
        "XX000|failed to complete COPY on worker-1:5432|false",
        "23505|duplicate key value violates unique constraint \"images_pkey\"|false",
        "23514|new row for relation \"images_102009\" violates check constraint \"positive\"|false",
        "57014|canceling statement due to user request|false"
    })
    void retriesDeadlocksAndSerializationFailuresOnly(String state, String message, boolean retry) {
        assertEquals(retry, PgRetry.retryable(server(state, message, null)));
    }

    @ParameterizedTest(name = "{0} {1}: duplicate of {2}: {3}")
    @CsvSource(delimiter = '|', value = {
        "23505|duplicate key value violates unique constraint \"images_pkey\"|images_pkey|true",
        "XX000|duplicate key value violates unique constraint \"images_pkey_102008\"|images_pkey|true",
        "XX000|duplicate key value violates unique constraint \"images_pkey\"|images_pkey|true",
        "XX000|duplicate key value violates unique constraint \"photos_2024_pkey_102041\"|photos_2024_pkey|true",
        // A name too long for the shard id suffix: Citus cuts it and adds an 8-hex-digit hash.
        "XX000|duplicate key value violates unique constraint \"a_very_long_collection_name_for_testing_how_c_3f2a9b1c_102008\""
                + "|a_very_long_collection_name_for_testing_how_citus_names_shards_pkey|true",
        "XX000|duplicate key value violates unique constraint \"other_pkey_102008\"|images_pkey|false",
        "XX000|duplicate key value violates unique constraint \"images_path_key_102008\"|images_pkey|false",
        "XX000|deadlock detected|images_pkey|false",
        "XX000|duplicate key value violates unique constraint \"images_pkey_102008\"||false"
    })
    void recognisesTheCollectionsDuplicateKeyByConstraint(String state, String message, String primaryKey, boolean dup) {
        SQLException e = server(state, message, "Key (id)=(img-1) already exists.");
        assertEquals(dup, PgRetry.duplicateKey(e, primaryKey == null || primaryKey.isEmpty() ? null : primaryKey));
    }

    @Test
    void messageWithoutServerFieldsIsReadToo() {
        SQLException plain = new SQLException("ERROR: deadlock detected", "XX000");
        assertTrue(PgRetry.retryable(plain));
    }

    @Test
    void waitsDoubleWithinHalfToFullAndStopAtTheCap() {
        PgRetry r = new PgRetry(6, 50, 2000);
        assertEquals(25, r.delayMillis(1, 0.0));
        assertEquals(50, r.delayMillis(1, 1.0));
        assertEquals(50, r.delayMillis(2, 0.0));
        assertEquals(100, r.delayMillis(2, 1.0));
        assertEquals(400, r.delayMillis(4, 1.0));
        assertEquals(2000, r.delayMillis(10, 1.0));
        assertEquals(1000, r.delayMillis(60, 0.0));
    }
}
