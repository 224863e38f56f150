package visionsearch.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/** Writes records to a {@code COPY ... FROM STDIN (FORMAT BINARY)} of {@link PgVectorStore}'s five columns. */
final class PgCopy {
    private PgCopy() {
    }

    /** Writes the records in PostgreSQL's binary COPY format through {@code copySql} on {@code conn}. */
    static void copyBinary(Connection conn, String copySql, Iterable<VectorRecord> records) throws SQLException {
        CopyIn copy = conn.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql);
        try {
            CopyBuffer out = new CopyBuffer(copy);
            out.put(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0});
            out.putInt(0); // flags
            out.putInt(0); // header extension length
            for (VectorRecord r : records) {
                out.putShort(5);
                out.putText(r.id());
                out.putText(r.path());
                byte[] meta = PgJson.write(r.metadata()).getBytes(StandardCharsets.UTF_8);
                out.putInt(meta.length + 1);
                out.putByte(1); // jsonb binary format version
                out.put(meta);
                out.putText(r.contentSha256());
                float[] v = r.vector();
                out.putInt(4 + 4 * v.length); // pgvector's binary form: int16 dim, int16 unused, float4[dim]
                out.putShort(v.length);
                out.putShort(0);
                out.putFloats(v);
            }
            out.putShort(-1);
            out.flush();
            copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    /** A big-endian buffer that hands full megabytes to the COPY stream. */
    private static final class CopyBuffer {
        private final CopyIn copy;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);

        CopyBuffer(CopyIn copy) {
            this.copy = copy;
        }

        private void room(int n) throws SQLException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        void flush() throws SQLException {
            if (buf.position() > 0) {
                copy.writeToCopy(buf.array(), 0, buf.position());
                buf.clear();
            }
        }

        void putByte(int b) throws SQLException {
            room(1);
            buf.put((byte) b);
        }

        void putShort(int s) throws SQLException {
            room(2);
            buf.putShort((short) s);
        }

        void putInt(int i) throws SQLException {
            room(4);
            buf.putInt(i);
        }

        void put(byte[] b) throws SQLException {
            if (b.length > buf.capacity()) {
                flush();
                copy.writeToCopy(b, 0, b.length);
                return;
            }
            room(b.length);
            buf.put(b);
        }

        void putText(String s) throws SQLException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            putInt(b.length);
            put(b);
        }

        void putFloats(float[] v) throws SQLException {
            int off = 0;
            while (off < v.length) {
                room(4);
                int n = Math.min(v.length - off, buf.remaining() / 4);
                buf.asFloatBuffer().put(v, off, n);
                buf.position(buf.position() + 4 * n);
                off += n;
            }
        }
    }
}
